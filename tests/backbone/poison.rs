//! Issue 19 item 1: one message, or one outbox row, never stops the events of every job. A
//! value that does not fit an AMQP field is refused before it reaches one; a row the relay
//! cannot send is set aside, counted and logged, and the rows after it flow.

use lapin::types::FieldTable;
use nmbrs_worker::{
    domain::events::{Level, Notification},
    events::{self, JobRef},
    store::outbox,
    telemetry::TraceHeaders,
};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn a_message_id_longer_than_amqp_allows_stops_no_event() {
    let env = TestEnv::new();
    let mut events = env.events().await;
    let worker = env.start_worker(Scripted::default().handlers()).await;

    // 128 characters, 256 bytes: within the schema's old character bound, beyond AMQP's 255.
    let mut poisoned = env.job("SyncTeam", "env-1", sync_payload(json!("ok")));
    poisoned["message_id"] = json!("é".repeat(128));
    let amqp_id = uuid::Uuid::new_v4().to_string();
    publish_with(&env, &poisoned, &amqp_id, FieldTable::default()).await;
    // 100 × "é" is 200 bytes: a valid id, which becomes every event's correlation_id.
    let mut accented = env.job("SyncTeam", "env-2", sync_payload(json!("ok")));
    accented["message_id"] = json!("é".repeat(100));
    env.publish(&accented).await;
    let normal = env.job("SyncTeam", "env-3", sync_payload(json!("ok")));
    env.publish(&normal).await;

    let rejected = events.wait_for(20, "job.rejected", |e| e.kind() == "job.rejected").await;
    assert_eq!(rejected.body["payload"]["error"]["code"], "message_id_mismatch");
    assert_eq!(rejected.body["job"]["message_id"], amqp_id, "the body's id is too long to name the job");
    assert_eq!(rejected.correlation.as_deref(), Some(amqp_id.as_str()));
    for job in [&accented, &normal] {
        let id = job["message_id"].as_str().unwrap();
        let done = events
            .wait_for(20, "job.completed", |e| e.kind() == "job.completed" && e.correlation.as_deref() == Some(id))
            .await;
        assert_eq!(done.body["job"]["message_id"], id);
    }
    let parked = env.drain_dead().await;
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].code.as_deref(), Some("message_id_mismatch"));
    worker.stop().await;
}

fn notification(message_id: &str) -> nmbrs_worker::store::outbox::OutboxEvent {
    let draft = Notification::new(Level::Info, "job.invalid", "test", json!({"reason": "x"})).draft();
    let job = JobRef {
        message_id: Some(message_id.to_string()),
        job_type: Some("SyncTeam".into()),
        idempotency_key: Some(message_id.to_string()),
    };
    events::envelope(uuid::Uuid::new_v4(), &draft, Some("env-1"), &job, &TraceHeaders::default())
}

#[tokio::test]
async fn a_poisoned_outbox_row_is_set_aside_and_the_rows_after_it_flow() {
    let mut env = TestEnv::new();
    env.set("NMBRS_WORKER_MAX_EVENT_BYTES", "65536");
    let pool = env.pool().await;
    // Rows as an older worker (or a bug) could have left them: a correlation id AMQP cannot
    // carry, a body over the event limit, then a good row.
    let mut too_long_id = notification("m-1");
    too_long_id.correlation_id = Some("é".repeat(128));
    let mut too_big = notification("m-2");
    too_big.body = too_big.body.replace("\"test\"", &format!("\"{}\"", "x".repeat(70_000)));
    let good = notification("m-3");
    let mut conn = pool.acquire().await.unwrap();
    outbox::enqueue(&mut conn, &[too_long_id.clone(), too_big.clone(), good.clone()]).await.unwrap();
    drop(conn);

    let mut events = env.events().await;
    let worker = env.start_worker(Scripted::default().handlers()).await;
    let arrived = events.wait_for(20, "the good row", |e| e.correlation.as_deref() == Some("m-3")).await;
    assert_eq!(arrived.body["event_id"], good.event_id.to_string());
    // Later jobs publish too.
    let job = env.job("SyncTeam", "env-1", sync_payload(json!("ok")));
    let id = job["message_id"].as_str().unwrap().to_string();
    env.publish(&job).await;
    events
        .wait_for(20, "job.completed", |e| e.kind() == "job.completed" && e.correlation.as_deref() == Some(&id))
        .await;

    let aside: Vec<(uuid::Uuid, String)> = sqlx::query_as(
        "SELECT event_id, set_aside_reason FROM outbox WHERE set_aside_at IS NOT NULL AND published_at IS NULL ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(aside.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![too_long_id.event_id, too_big.event_id]);
    assert!(aside[0].1.contains("correlation_id is 256 bytes"), "{}", aside[0].1);
    assert!(aside[1].1.contains("NMBRS_WORKER_MAX_EVENT_BYTES"), "{}", aside[1].1);
    let addr = worker.http_addr;
    eventually(10, "the set-aside metrics", || async move {
        let (_, metrics) = http_get(addr, "/metrics").await;
        metrics.contains("nmbrs_worker_outbox_set_aside_total 2")
            && metrics.contains("nmbrs_worker_outbox_set_aside_unpublished 2")
    })
    .await;
    events.collect_for(300).await;
    assert!(
        events.seen.iter().all(|e| e.correlation.as_deref() != Some("m-1") && e.correlation.as_deref() != Some("m-2"))
    );
    worker.stop().await;
}

#[tokio::test]
async fn a_row_that_keeps_failing_is_set_aside_after_its_last_try() {
    let env = TestEnv::new();
    let pool = env.pool().await;
    let row = notification("m-1");
    let mut conn = pool.acquire().await.unwrap();
    outbox::enqueue(&mut conn, std::slice::from_ref(&row)).await.unwrap();
    drop(conn);
    let max = nmbrs_worker::relay::MAX_PUBLISH_FAILURES;
    for attempt in 1..=max {
        let batch = outbox::next_batch(&pool, 10).await.unwrap();
        assert_eq!(batch.rows.len(), 1, "still taken before try {attempt}");
        let id = batch.rows[0].0;
        let outcome = outbox::BatchOutcome {
            failed: vec![(id, "the broker refused the message (nack)".into())],
            ..Default::default()
        };
        let aside = batch.commit(&outcome, max).await.unwrap();
        assert_eq!(aside.is_empty(), attempt < max, "try {attempt}");
    }
    assert!(outbox::next_batch(&pool, 10).await.unwrap().rows.is_empty(), "set aside: no longer taken");
    assert_eq!(outbox::set_aside(&pool).await.unwrap(), 1);
    assert_eq!(outbox::pending(&pool).await.unwrap(), 0);
}
