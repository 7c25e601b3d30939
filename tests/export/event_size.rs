//! Issue 19 item 2's reproduction: an export with long entry ids and many allowance types used
//! to yield a `hours.exported` far larger than the broker accepts, which was then refused
//! again and again. Now no event passes `NMBRS_WORKER_MAX_EVENT_BYTES`: what does not fit is
//! counted, not listed, and the event says so; the export itself is written whole, and the
//! next job publishes as usual. The production worker against the simulator over HTTP, real
//! RabbitMQ and PostgreSQL.

use crate::support::export::*;
use crate::support::*;
use serde_json::{Value, json};

const MAX_EVENT_BYTES: usize = 1 << 20;
const ENTRIES: usize = 1_000;
const TYPES: usize = 20;

/// An entry id of 200 bytes, unique by `i`.
fn long_id(i: usize) -> String {
    format!("{i:06}{}", "x".repeat(194))
}

#[tokio::test]
async fn a_large_export_with_long_ids_and_many_allowance_types_fits_the_event_limit_and_the_next_job_publishes() {
    let mut env = TestEnv::new();
    env.set("NMBRS_WORKER_MAX_MESSAGE_BYTES", "16777216");
    env.set("NMBRS_WORKER_MAX_EVENT_BYTES", &MAX_EVENT_BYTES.to_string());
    let mut h = Spawn::new().env(env).start().await;
    // 20 allowance types of 200 bytes each, none mapped: every one is skipped `no_code_mapping`.
    let allowances: Vec<Value> =
        (0..TYPES).map(|t| json!({"type": format!("{t:02}{}", "a".repeat(198)), "amount": "1"})).collect();
    let entries: Vec<Value> = (0..ENTRIES)
        .map(|i| {
            let date = format!("2026-11-{:02}", i % 28 + 1);
            with(worked(&long_id(i), JAN, &date, "0.5"), json!({"allowances": allowances}))
        })
        .collect();
    let job = h.job(FULL, export_payload("exp-large", NOVEMBER, Value::Array(entries)));
    let message_bytes = serde_json::to_vec(&job).unwrap().len();
    assert!(message_bytes > 4 * MAX_EVENT_BYTES, "the job alone is {message_bytes} bytes");
    let out = h.run(&job, 180).await;

    // Every skipped part would take ~9 MB; the event stays within the limit and says what it left out.
    let event_bytes = out.exported.to_string().len();
    assert!(event_bytes <= MAX_EVENT_BYTES, "hours.exported payload is {event_bytes} bytes");
    let exported = &out.exported;
    assert_eq!(exported["skipped_count"], ENTRIES * TYPES);
    assert_eq!(exported["skipped_truncated"], true);
    let listed = exported["skipped"].as_array().unwrap().len();
    assert!(listed > 1_000 && listed < ENTRIES * TYPES, "{listed} skipped items listed");
    assert_eq!(
        (exported["exported_count"].clone(), exported["exported_truncated"].clone()),
        (json!(ENTRIES), json!(true))
    );
    assert_eq!(exported["buckets_truncated"], false);
    assert_eq!(exported["buckets"].as_array().unwrap().len(), exported["buckets_count"].as_u64().unwrap() as usize);
    // The counts in job.completed are whole, and the hours were written.
    assert_eq!(out.count("skipped"), (ENTRIES * TYPES) as u64);
    assert_eq!(out.count("exported"), ENTRIES as u64);
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("500"))], "1 000 × 0.5 hours");

    // The next job publishes as usual.
    let next = h
        .export(FULL, export_payload("exp-next", NOVEMBER, json!([worked("small-1", ANTON, "2026-11-03", "2")])))
        .await;
    assert_eq!(next.exported["exported"], json!(["small-1"]));
    assert_eq!(next.exported["skipped_truncated"], false);
    h.stop().await;
}
