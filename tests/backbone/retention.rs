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

/// Against the real database, one row per case: only a body published longer than the
/// retention ago is pruned; what is not yet due, never published, set aside, a job's result
/// event or an `integration.checked` keeps its body.
#[tokio::test]
async fn only_bodies_published_longer_ago_than_the_retention_are_pruned() {
    let env = TestEnv::new();
    // The worker creates and migrates the database; the pruning is then called directly.
    env.start_worker(Scripted::default().handlers()).await.stop().await;
    let pool = env.pool().await;
    let rows = [
        // (name, routing key, created, published, set aside)
        ("old", "team_member.upserted", "10 days", Some("10 days"), false),
        ("recent", "team_member.upserted", "10 days", Some("59 minutes"), false),
        ("pending", "team_member.upserted", "10 days", None, false),
        ("aside", "team_member.upserted", "10 days", None, true),
        ("result", "job.completed", "10 days", Some("10 days"), false),
        ("checked", "integration.checked", "10 days", Some("10 days"), false),
        ("notice", "notification", "3 hours", Some("61 minutes"), false),
    ];
    for (name, key, created, published, aside) in rows {
        sqlx::query(
            "INSERT INTO outbox (event_id, routing_key, correlation_id, body, traceparent, created_at, published_at,
                                 set_aside_at)
             VALUES ($1, $2, 'm-1', $3, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
                     now() - $4::interval, now() - $5::interval, CASE WHEN $6 THEN now() END)",
        )
        .bind(uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, name.as_bytes()))
        .bind(key)
        .bind(json!({"name": name, "bsn": "123456782"}).to_string())
        .bind(created)
        .bind(published)
        .bind(aside)
        .execute(&pool)
        .await
        .unwrap();
    }
    let result_id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, b"result");
    sqlx::query(
        "INSERT INTO jobs (integration_id, idempotency_key, message_id, job_type, payload_sha256, state, result_event_id)
         VALUES ('env-1', 'k', 'm-1', 'SyncTeam', '\\x00', 'completed', $1)",
    )
    .bind(result_id)
    .execute(&pool)
    .await
    .unwrap();

    let hour = std::time::Duration::from_secs(3600);
    assert_eq!(nmbrs_worker::store::outbox::prune(&pool, hour).await.unwrap(), 2, "old and notice");
    assert_eq!(nmbrs_worker::store::outbox::prune(&pool, hour).await.unwrap(), 0, "nothing twice");

    type Kept = (String, String, Option<String>, Option<String>, Option<String>, bool, bool);
    type Row = (Option<String>, String, Option<String>, Option<String>, Option<String>, bool, bool);
    let kept: Vec<Kept> = sqlx::query_as(
        "SELECT body::jsonb ->> 'name', routing_key, correlation_id, body, traceparent,
                published_at IS NOT NULL, pruned_at IS NOT NULL
           FROM outbox ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .map(|rows: Vec<Row>| {
        rows.into_iter().map(|(n, k, c, b, t, p, x)| (n.unwrap_or_default(), k, c, b, t, p, x)).collect()
    })
    .unwrap();
    let bodies: Vec<(&str, bool)> = kept.iter().map(|r| (r.0.as_str(), r.3.is_some())).collect();
    assert_eq!(
        bodies,
        [
            ("", false),
            ("recent", true),
            ("pending", true),
            ("aside", true),
            ("result", true),
            ("checked", true),
            ("", false)
        ]
    );
    for pruned in [&kept[0], &kept[6]] {
        assert_eq!(pruned.2.as_deref(), Some("m-1"), "the correlation stays");
        assert!(pruned.4.is_none() && pruned.5 && pruned.6, "trace gone, times kept: {pruned:?}");
    }
    assert_eq!((kept[0].1.as_str(), kept[6].1.as_str()), ("team_member.upserted", "notification"), "the type stays");
    let unpruned: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE pruned_at IS NULL AND body IS NOT NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(unpruned, 5);
}
