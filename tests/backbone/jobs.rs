//! The backbone end to end: real RabbitMQ, real PostgreSQL, the worker in-process with a
//! scripted job handler. Each test has its own database and queue prefix.

use std::time::Duration;

use crate::support::*;
use serde_json::{Value, json};

#[tokio::test]
async fn topology_is_declared_on_a_fresh_broker_and_health_answers() {
    let env = TestEnv::new();
    let worker = env.start_worker(Scripted::default().handlers()).await;
    let addr = worker.http_addr;
    wait_ready(addr, "readiness").await;
    assert_eq!(http_get(addr, "/healthz").await.0, 200);
    // Every queue exists (a passive declare of a missing queue fails the channel).
    for queue in [
        "nmbrs.jobs.sync_team",
        "nmbrs.jobs.export_hours",
        "nmbrs.jobs.deactivate",
        "nmbrs.jobs.dead",
        "nmbrs.jobs.retry.1s",
        "nmbrs.jobs.retry.2s",
    ] {
        assert_eq!(env.queue_depth(&format!("{}{queue}", env.prefix)).await, 0, "{queue}");
    }
    let (_, metrics) = http_get(addr, "/metrics").await;
    assert!(metrics.contains("nmbrs_worker_broker_connects_total 1"), "{metrics}");
    worker.stop().await;
}

#[tokio::test]
async fn a_job_runs_and_its_confirmed_event_arrives_in_the_callers_trace() {
    let env = TestEnv::new();
    let mut events = env.events().await;
    let scripted = Scripted::default();
    let worker = env.start_worker(scripted.handlers()).await;
    let job = env.job("SyncTeam", "env-42", sync_payload(json!("ok")));
    let id = job["message_id"].as_str().unwrap().to_string();
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    publish_traced(&env, &job, &format!("00-{trace_id}-00f067aa0ba902b7-01")).await;

    let done = events.wait_for(20, "job.completed", |e| e.kind() == "job.completed").await;
    assert_eq!(done.correlation.as_deref(), Some(id.as_str()));
    assert_eq!(done.body["integration_id"], "env-42");
    assert_eq!(done.body["job"], json!({"message_id": id, "type": "SyncTeam", "idempotency_key": id}));
    assert_eq!(done.body["payload"]["status"], "succeeded");
    assert_eq!(done.body["payload"]["counts"], json!({"imported": 1}));
    let traceparent = done.traceparent.expect("the event continues the trace");
    assert!(traceparent.contains(trace_id), "{traceparent}");
    assert_eq!(scripted.runs(), 1);

    let pool = env.pool().await;
    let (state, attempts): (String, i32) =
        sqlx::query_as("SELECT state, attempts FROM jobs").fetch_one(&pool).await.unwrap();
    assert_eq!((state.as_str(), attempts), ("completed", 1));
    let queue = env.names.job_queue(nmbrs_worker::envelope::JobType::SyncTeam);
    let env_ref = &env;
    eventually(10, "ack", || {
        let q = queue.clone();
        async move { env_ref.queue_depth(&q).await == 0 }
    })
    .await;
    worker.stop().await;
}

#[tokio::test]
async fn the_same_idempotency_key_runs_once_and_republishes_the_same_event() {
    let env = TestEnv::new();
    let mut events = env.events().await;
    let scripted = Scripted::default();
    let worker = env.start_worker(scripted.handlers()).await;

    // A second delivery while the first still runs waits for it.
    let mut first = env.job("SyncTeam", "env-1", sync_payload(json!({"sleep_ms": 1500})));
    first["idempotency_key"] = json!("nightly-2026-11-24");
    let mut second = first.clone();
    second["message_id"] = json!(uuid::Uuid::new_v4().to_string());
    env.publish(&first).await;
    env.publish(&second).await;
    let first_done = events.wait_for(20, "job.completed", |e| e.kind() == "job.completed").await;
    events.collect_for(2000).await;
    let completed: Vec<&Value> = events.seen.iter().filter(|e| e.kind() == "job.completed").map(|e| &e.body).collect();
    // The waiting duplicate re-publishes the stored event; if its first publication had not
    // gone out yet, the two are one publication (consumers deduplicate on event_id anyway).
    assert!((1..=2).contains(&completed.len()), "{completed:#?}");
    assert!(completed.iter().all(|e| **e == first_done.body), "the same stored event: {completed:#?}");
    assert_eq!(scripted.runs(), 1, "one run for one idempotency key");
    let before = completed.len();

    // Later, once completed and published: no run, the same event published once more.
    let mut third = first.clone();
    third["message_id"] = json!(uuid::Uuid::new_v4().to_string());
    env.publish(&third).await;
    let again =
        events.wait_for_count(20, "re-published job.completed", before + 1, |e| e.kind() == "job.completed").await;
    assert!(again.iter().all(|e| e.body == first_done.body));
    events.collect_for(1000).await;
    assert_eq!(events.seen.iter().filter(|e| e.kind() == "job.completed").count(), before + 1);
    assert_eq!(scripted.runs(), 1);

    // The same key with another payload is a conflict: rejected and parked.
    let mut conflicting = env.job("SyncTeam", "env-1", sync_payload(json!("ok")));
    conflicting["idempotency_key"] = json!("nightly-2026-11-24");
    let conflict_id = conflicting["message_id"].as_str().unwrap().to_string();
    env.publish(&conflicting).await;
    let rejected = events.wait_for(20, "job.rejected", |e| e.kind() == "job.rejected").await;
    assert_eq!(rejected.body["payload"]["error"]["code"], "idempotency_conflict");
    assert_eq!(rejected.body["job"]["message_id"], conflict_id);
    assert_eq!(scripted.runs(), 1);
    worker.stop().await;
    let parked = env.drain_dead().await;
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].code.as_deref(), Some("idempotency_conflict"));
}

#[tokio::test]
async fn invalid_messages_are_rejected_and_parked_and_the_worker_keeps_consuming() {
    let mut env = TestEnv::new();
    env.set("NMBRS_WORKER_MAX_MESSAGE_BYTES", "4096");
    let mut events = env.events().await;
    let scripted = Scripted::default();
    let worker = env.start_worker(scripted.handlers()).await;

    let valid = env.job("SyncTeam", "env-42", sync_payload(json!("ok")));
    let mut schema_violation = valid.clone();
    schema_violation["message_id"] = json!("m-schema");
    schema_violation["integration"]["venues"] = json!([]);
    let mut unknown_type = valid.clone();
    unknown_type["message_id"] = json!("m-type");
    unknown_type["type"] = json!("PayEveryone");
    let mut mismatch = env.job("Deactivate", "env-42", json!({"members": []}));
    mismatch["message_id"] = json!("m-mismatch");
    let mut oversized = valid.clone();
    oversized["message_id"] = json!("m-big");
    oversized["payload"]["padding"] = json!("x".repeat(5000));
    let mut foreign = env.job("SyncTeam", "env-other", sync_payload(json!("ok")));
    foreign["message_id"] = json!("m-creds");
    foreign["integration"]["id"] = json!("env-42"); // sealed for env-other, claims env-42

    let cases: Vec<(Vec<u8>, &str, &str, &str)> = vec![
        (b"{not json".to_vec(), "sync_team", "invalid_json", ""),
        (serde_json::to_vec(&schema_violation).unwrap(), "sync_team", "schema_violation", "m-schema"),
        (serde_json::to_vec(&unknown_type).unwrap(), "sync_team", "unknown_type", "m-type"),
        (serde_json::to_vec(&mismatch).unwrap(), "sync_team", "routing_key_mismatch", "m-mismatch"),
        (serde_json::to_vec(&oversized).unwrap(), "sync_team", "too_large", "m-big"),
        (serde_json::to_vec(&foreign).unwrap(), "sync_team", "credentials_invalid", "m-creds"),
    ];
    for (body, rk, _, _) in &cases {
        env.publish_raw(body, rk).await;
    }
    env.publish(&valid).await;

    events.wait_for(30, "the valid job's completion", |e| e.kind() == "job.completed").await;
    for (_, _, code, id) in &cases {
        let rejected = events
            .wait_for(20, &format!("job.rejected {code}"), |e| {
                e.kind() == "job.rejected" && e.body["payload"]["error"]["code"] == *code
            })
            .await;
        let message = rejected.body["payload"]["error"]["message"].as_str().unwrap();
        assert!(!message.contains("secret-token") && !message.contains("api@example.com"), "{message}");
        if !id.is_empty() {
            assert_eq!(rejected.body["job"]["message_id"], *id);
        }
        let notice = events
            .wait_for(10, "job.invalid", |e| {
                e.kind() == "notification" && e.body["payload"]["params"]["reason"] == *code
            })
            .await;
        assert_eq!(notice.body["payload"]["code"], "job.invalid");
    }
    assert_eq!(scripted.runs(), 1, "only the valid job ran");
    worker.stop().await;
    let parked = env.drain_dead().await;
    let mut codes: Vec<&str> = parked.iter().filter_map(|p| p.code.as_deref()).collect();
    codes.sort();
    let mut expected: Vec<&str> = cases.iter().map(|c| c.2).collect();
    expected.sort();
    assert_eq!(codes, expected);
    for p in &parked {
        assert_eq!(p.routing_key.as_deref(), Some("sync_team"), "the original routing key is kept for replay");
        assert!(p.error.as_deref().is_some_and(|e| !e.is_empty()));
        assert!(cases.iter().any(|c| c.0 == p.body), "the body is kept as it was");
    }
}

#[tokio::test]
async fn transient_failures_retry_later_without_blocking_then_park() {
    let env = TestEnv::new(); // retry schedule 1s, 2s
    let mut events = env.events().await;
    let scripted = Scripted::default();
    let worker = env.start_worker(scripted.handlers()).await;
    let flaky = env.job("SyncTeam", "env-1", sync_payload(json!("transient")));
    let flaky_id = flaky["message_id"].as_str().unwrap().to_string();
    let healthy = env.job("SyncTeam", "env-2", sync_payload(json!("ok")));
    env.publish(&flaky).await;
    env.publish(&healthy).await;

    let done = events.wait_for(10, "the healthy job", |e| e.kind() == "job.completed").await;
    assert_eq!(done.body["integration_id"], "env-2");
    assert!(events.of("job.failed", &flaky_id).is_empty(), "the flaky job is still being retried");

    let failed = events.wait_for(20, "job.failed", |e| e.kind() == "job.failed").await;
    assert_eq!(failed.body["payload"]["error"]["code"], "nmbrs_unavailable");
    assert_eq!(failed.body["payload"]["error"]["attempts"], 3, "1 + two retries");
    let notice = events.wait_for(5, "nmbrs.unavailable", |e| e.body["payload"]["code"] == "nmbrs.unavailable").await;
    assert_eq!(notice.body["payload"]["params"], json!({"attempts": 3}));
    assert_eq!(scripted.runs(), 4);
    worker.stop().await;

    let pool = env.pool().await;
    let outcomes: Vec<(i32, String)> =
        sqlx::query_as("SELECT attempt, outcome FROM job_attempts WHERE message_id = $1 ORDER BY attempt")
            .bind(&flaky_id)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(outcomes, vec![(1, "retryable".into()), (2, "retryable".into()), (3, "failed".into())]);
    let parked = env.drain_dead().await;
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].message_id.as_deref(), Some(flaky_id.as_str()));
    assert_eq!(parked[0].code.as_deref(), Some("nmbrs_unavailable"));
}

#[tokio::test]
async fn permanent_failures_and_crashing_handlers_fail_at_once_with_a_notification() {
    let env = TestEnv::new();
    let mut events = env.events().await;
    let scripted = Scripted::default();
    let worker = env.start_worker(scripted.handlers()).await;
    for behaviour in ["permanent", "needs_person", "panic"] {
        env.publish(&env.job("SyncTeam", behaviour, sync_payload(json!(behaviour)))).await;
    }
    for (integration, code, notice) in [
        ("permanent", "invalid_data", "job.failed"),
        ("needs_person", "nmbrs_missing_rights", "nmbrs.missing_rights"),
        ("panic", "internal_error", "job.failed"),
    ] {
        let failed =
            events.wait_for(15, code, |e| e.kind() == "job.failed" && e.body["integration_id"] == integration).await;
        assert_eq!(failed.body["payload"]["error"]["code"], code);
        assert_eq!(failed.body["payload"]["error"]["attempts"], 1, "not retried");
        let n =
            events.wait_for(5, notice, |e| e.kind() == "notification" && e.body["integration_id"] == integration).await;
        assert_eq!(n.body["payload"]["code"], notice);
    }
    let right = events.seen.iter().find(|e| e.body["payload"]["code"] == "nmbrs.missing_rights").unwrap();
    assert_eq!(right.body["payload"]["params"]["operation"], "Company_GetCurrentPeriod");
    assert_eq!(scripted.runs(), 3);
    worker.stop().await;
    assert_eq!(env.drain_dead().await.len(), 3);
}

#[tokio::test]
async fn the_worker_resumes_by_itself_after_its_connection_is_killed() {
    let env = TestEnv::new();
    let mut events = env.events().await;
    let scripted = Scripted::default();
    let worker = env.start_worker(scripted.handlers()).await;
    let addr = worker.http_addr;
    wait_ready(addr, "readiness").await;
    env.publish(&env.job("SyncTeam", "before", sync_payload(json!("ok")))).await;
    events.wait_for(15, "first job", |e| e.kind() == "job.completed" && e.body["integration_id"] == "before").await;

    let killed = tokio::task::spawn_blocking({
        let prefix = env.prefix.clone();
        move || kill_connections(&prefix)
    })
    .await
    .unwrap();
    assert_eq!(killed, 1, "the worker's one connection");
    env.publish(&env.job("SyncTeam", "after", sync_payload(json!("ok")))).await;
    events
        .wait_for(30, "job after the kill", |e| e.kind() == "job.completed" && e.body["integration_id"] == "after")
        .await;
    let (_, metrics) = http_get(addr, "/metrics").await;
    assert!(metrics.contains("nmbrs_worker_broker_connection_lost_total 1"), "{metrics}");
    assert!(metrics.contains("nmbrs_worker_broker_connects_total 2"), "{metrics}");
    wait_ready(addr, "ready again").await;
    worker.stop().await;
}

#[tokio::test]
async fn a_cancelled_consumer_is_noticed_and_consumption_resumes() {
    // Deleting a consumed queue makes the broker cancel the consumer (lapin #389 territory):
    // the supervisor must notice, re-declare the topology and consume again.
    let env = TestEnv::new();
    let mut events = env.events().await;
    let worker = env.start_worker(Scripted::default().handlers()).await;
    let addr = worker.http_addr;
    wait_ready(addr, "readiness").await;
    let conn = nmbrs_worker::bus::connect(AMQP_URL, "test admin").await.unwrap();
    let ch = conn.create_channel().await.unwrap();
    let queue = env.names.job_queue(nmbrs_worker::envelope::JobType::Deactivate);
    ch.queue_delete(queue.into(), Default::default()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    wait_ready(addr, "ready again").await;
    env.publish(&env.job("Deactivate", "env-1", json!({"members": [], "as_of": "2026-11-24"}))).await;
    let done = events.wait_for(30, "deactivate completed", |e| e.kind() == "job.completed").await;
    assert_eq!(done.body["job"]["type"], "Deactivate");
    let (_, metrics) = http_get(addr, "/metrics").await;
    assert!(metrics.contains("nmbrs_worker_broker_connection_lost_total 1"), "{metrics}");
    worker.stop().await;
}

#[tokio::test]
async fn events_nobody_subscribed_to_do_not_stop_the_relay() {
    // Only job.completed is bound; the notification each job publishes first has no queue.
    let env = TestEnv::new();
    let conn = nmbrs_worker::bus::connect(AMQP_URL, "test tap").await.unwrap();
    let channel = conn.create_channel().await.unwrap();
    nmbrs_worker::bus::topology::declare(&channel, &env.names, &env.config().retry_schedule).await.unwrap();
    let mut completed = nmbrs_worker::bus::tap_events(&channel, &env.names, "job.completed").await.unwrap();
    let worker = env.start_worker(Scripted::default().handlers()).await;
    for integration in ["env-1", "env-2"] {
        env.publish(&env.job("SyncTeam", integration, sync_payload(json!("with_notification")))).await;
    }
    for _ in 0..2 {
        let next = tokio::time::timeout(Duration::from_secs(20), futures::StreamExt::next(&mut completed)).await;
        let delivery = next.expect("job.completed despite the unrouted notification").unwrap().unwrap();
        let event: Value = serde_json::from_slice(&delivery.data).unwrap();
        assert_eq!(event["type"], "job.completed");
    }
    let pool = env.pool().await;
    let pool_ref = &pool;
    eventually(10, "every event published", || async move {
        let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            .fetch_one(pool_ref)
            .await
            .unwrap();
        pending == 0
    })
    .await;
    let (_, metrics) = http_get(worker.http_addr, "/metrics").await;
    assert!(metrics.contains("nmbrs_worker_broker_connection_lost_total 0"), "the relay never failed: {metrics}");
    worker.stop().await;
    pool.close().await;
    let _ = conn.close(200, "done".into()).await;
}

#[tokio::test]
async fn a_payload_the_schema_accepts_but_its_type_refuses_is_rejected_and_parked_never_run() {
    // CONTRACT §3: an invalid message is `job.rejected`, not a `job.failed` after its claim.
    let env = TestEnv::new();
    let mut events = env.events().await;
    let scripted = Scripted::default();
    let worker = env.start_worker(scripted.handlers()).await;
    let entry = json!({"entry_id": "shift-1", "nmbrs_employee_id": 503293, "eitje_venue_id": "v-1",
        "date": "2026-11-31", "kind": "worked", "hours": "7.50", "approved": true, "contract_type": "zero_hours"});
    let cases = [
        ("Deactivate", "m-as-of", json!({"members": [], "as_of": "2026-02-30"}), "payload.as_of"),
        ("ExportHours", "m-entry", export_payload("exp-1", (2026, 11), json!([entry])), "payload.entries[0].date"),
    ];
    for (kind, id, payload, _) in &cases {
        let mut job = env.job(kind, "env-1", payload.clone());
        job["message_id"] = json!(id);
        env.publish(&job).await; // `publish` checks the job against its schema first
    }
    env.publish(&env.job("SyncTeam", "env-1", sync_payload(json!("ok")))).await;

    events.wait_for(30, "the valid job's completion", |e| e.kind() == "job.completed").await;
    for (kind, id, _, path) in &cases {
        let rejected = events
            .wait_for(20, &format!("{kind} rejected"), |e| {
                e.kind() == "job.rejected" && e.body["job"]["message_id"] == *id
            })
            .await;
        assert_eq!(rejected.body["job"]["type"], *kind);
        assert_eq!(rejected.body["payload"]["error"]["code"], "schema_violation");
        let message = rejected.body["payload"]["error"]["message"].as_str().unwrap();
        assert!(message.contains(path), "names where the payload breaks: {message}");
        events
            .wait_for(10, "job.invalid", |e| {
                e.kind() == "notification"
                    && e.body["job"]["message_id"] == *id
                    && e.body["payload"]["code"] == "job.invalid"
            })
            .await;
    }
    assert_eq!(scripted.runs(), 1, "only the valid job ran");
    worker.stop().await;
    let parked = env.drain_dead().await;
    let mut parked_ids: Vec<_> =
        parked.iter().map(|p| (p.message_id.clone().unwrap(), p.code.clone().unwrap())).collect();
    parked_ids.sort();
    assert_eq!(
        parked_ids,
        [("m-as-of".into(), "schema_violation".into()), ("m-entry".into(), "schema_violation".into())]
    );
    let pool = env.pool().await;
    let claimed: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE message_id IN ('m-as-of', 'm-entry')")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(claimed, 0, "never claimed, never run");
    pool.close().await;
}

#[tokio::test]
async fn a_dropped_lock_is_released_and_a_cancelled_wait_keeps_none() {
    use nmbrs_worker::store::{AdvisoryLock, LockKey};
    let env = TestEnv::new();
    let (pool, other) = (env.pool().await, env.pool().await);
    let key = LockKey::job("env-1", "k-1");
    let taken_within = |pool: sqlx::PgPool| async move {
        tokio::time::timeout(Duration::from_secs(10), AdvisoryLock::acquire(&pool, key)).await.is_ok_and(|l| l.is_ok())
    };

    // Held: another session waits. Dropped: another session gets it.
    let held = AdvisoryLock::acquire(&pool, key).await.unwrap();
    let contender = tokio::time::timeout(Duration::from_millis(300), AdvisoryLock::acquire(&other, key)).await;
    assert!(contender.is_err(), "a held lock makes the next one wait");
    drop(held);
    assert!(taken_within(other.clone()).await, "dropping the guard released the lock");

    // A wait cancelled while the lock is held must not leave the lock on a pooled connection
    // once it is granted.
    let held = AdvisoryLock::acquire(&pool, key).await.unwrap();
    let waiter = tokio::spawn({
        let pool = pool.clone();
        async move { AdvisoryLock::acquire(&pool, key).await.map(drop) }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    waiter.abort();
    let _ = waiter.await;
    drop(held);
    assert!(taken_within(other.clone()).await, "the cancelled wait's grant was unlocked too");
    pool.close().await;
    other.close().await;
}
