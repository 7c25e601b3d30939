//! Exports whose values would make wrong pay (issue 19 item 9): an entry id sent twice, hours,
//! meals or amounts beyond what payroll can mean, an entry dated outside the period. The
//! production worker against the simulator over HTTP, real RabbitMQ and PostgreSQL; each
//! refusal is a `job.rejected` with its code and a parked message, and no write reaches Nmbrs.

use crate::support::export::*;
use crate::support::*;
use serde_json::{Value, json};

/// The job's first result event (completed, failed or rejected).
async fn result_of(h: &mut TestApp, job: &Value) -> Received {
    h.env.publish(job).await;
    let id = job["message_id"].as_str().unwrap().to_string();
    h.events
        .wait_for(60, "job result", |e| {
            matches!(e.kind(), "job.completed" | "job.failed" | "job.rejected") && e.body["job"]["message_id"] == id
        })
        .await
}

#[tokio::test]
async fn an_export_naming_an_entry_twice_or_beyond_a_bound_is_rejected_whole_and_writes_nothing() {
    let mut h = Spawn::new().start().await;
    let shift = |id: &str, hours: &str| worked(id, JAN, "2026-11-03", hours);
    let cases = [
        ("duplicate_entry_id", json!([shift("d-1", "7.50"), shift("d-2", "1"), shift("d-1", "8.00")]), "\"d-1\""),
        ("value_out_of_range", json!([shift("h-1", "2"), shift("h-2", "9999999999999999999999999999")]), "\"h-2\""),
        ("value_out_of_range", json!([shift("h-3", "24.01")]), "\"h-3\""),
        (
            "value_out_of_range",
            json!([with(shift("a-1", "1"), json!({"allowances": [{"type": "travel", "amount": "100000.01"}]}))]),
            "\"a-1\"",
        ),
    ];
    for (i, (code, entries, named)) in cases.into_iter().enumerate() {
        let job = h.job(FULL, export_payload(&format!("exp-odd-{i}"), NOVEMBER, entries));
        let writes = h.sim.write_calls();
        let done = result_of(&mut h, &job).await;
        assert_eq!(done.kind(), "job.rejected", "{code}: {:#}", done.body);
        let error = &done.body["payload"]["error"];
        assert_eq!(error["code"], code, "{error:#}");
        assert!(error["message"].as_str().unwrap().contains(named), "names the entry: {error:#}");
        assert_eq!(h.sim.write_calls(), writes, "{code}: no write reached Nmbrs");
    }
    let parked = h.env.drain_dead().await;
    let codes: Vec<_> = parked.iter().filter_map(|p| p.code.as_deref()).collect();
    assert_eq!(codes, ["duplicate_entry_id", "value_out_of_range", "value_out_of_range", "value_out_of_range"]);
    assert!(h.nmbrs(JAN, NOVEMBER).hour_values().is_empty(), "nothing booked");
    h.stop().await;
}

#[tokio::test]
async fn an_entry_dated_outside_the_period_is_skipped_with_its_reason_and_the_rest_exported() {
    let mut h = Spawn::new().start().await;
    let entries = json!([worked("in-1", JAN, "2026-11-03", "7.50"), worked("out-1", JAN, "2026-12-01", "5.00")]);
    let out = h.export(FULL, export_payload("exp-dates", NOVEMBER, entries)).await;
    assert_eq!(out.status(), "partial", "{:#}", out.completed);
    assert_eq!(out.exported["exported"], json!(["in-1"]));
    let skipped = &out.exported["skipped"];
    assert_eq!(skipped, &json!([{"entry_id": "out-1", "component": null, "reason": "date_outside_period"}]));
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("7.5"))], "only the November shift");
    h.stop().await;
}
