//! Issue 19 item 7: a published event's body (BSNs, addresses, salaries in
//! `team_member.upserted`) is kept only for `NMBRS_WORKER_OUTBOX_RETENTION`, then pruned; the
//! row keeps its id, type and times, and a job's result event keeps its body for duplicates.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn published_bodies_are_pruned_after_the_retention_and_the_result_event_stays() {
    let mut env = TestEnv::new();
    env.set("NMBRS_WORKER_OUTBOX_RETENTION", "1s");
    let mut events = env.events().await;
    let worker = env.start_worker(Scripted::default().handlers()).await;
    let mut job = env.job("SyncTeam", "env-1", sync_payload(json!("with_notification")));
    job["idempotency_key"] = json!("k-retention");
    let id = job["message_id"].as_str().unwrap().to_string();
    env.publish(&job).await;
    let done = events.wait_for(20, "job.completed", |e| e.kind() == "job.completed").await;
    events
        .wait_for(20, "the notification", |e| e.kind() == "notification" && e.correlation.as_deref() == Some(&id))
        .await;

    let pool = env.pool().await;
    let p = &pool;
    eventually(20, "the notification's body pruned", || async move {
        let pruned: i64 =
            sqlx::query_scalar("SELECT count(*) FROM outbox WHERE pruned_at IS NOT NULL").fetch_one(p).await.unwrap();
        pruned == 1
    })
    .await;
    type Row = (uuid::Uuid, String, Option<String>, DateTime<Utc>, Option<DateTime<Utc>>, Option<DateTime<Utc>>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT event_id, routing_key, body, created_at, published_at, pruned_at FROM outbox ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let notice = rows.iter().find(|r| r.1 == "notification").expect("the notification's row stays");
    assert!(notice.2.is_none(), "its body is gone");
    assert!(notice.4.is_some() && notice.5 >= notice.4, "its times stay: {notice:?}");
    let result = rows.iter().find(|r| r.1 == "job.completed").unwrap();
    assert_eq!(result.0.to_string(), done.body["event_id"].as_str().unwrap());
    assert!(result.2.is_some() && result.5.is_none(), "the result event keeps its body");

    // A duplicate long after still gets the stored job.completed, with the same event_id.
    let mut duplicate = job.clone();
    duplicate["message_id"] = json!(uuid::Uuid::new_v4().to_string());
    env.publish(&duplicate).await;
    let both = events.wait_for_count(20, "the re-published job.completed", 2, |e| e.kind() == "job.completed").await;
    assert_eq!(both[1].body["event_id"], done.body["event_id"]);
    worker.stop().await;
}
