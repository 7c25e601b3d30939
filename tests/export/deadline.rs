//! `NMBRS_WORKER_JOB_DEADLINE` (issue 19 item 8, CONTRACT §4 retries): an attempt that runs past
//! the deadline is cut off as `job_deadline_exceeded`, like a crash, and retried on the
//! schedule; the export still ends exact. Real RabbitMQ and PostgreSQL, the simulator over HTTP
//! made slow by its latency setting, then fast again.

use std::time::{Duration, Instant};

use crate::support::export::*;
use crate::support::*;
use nmbrs_worker::sim::FaultConfig;
use serde_json::{Value, json};

fn entries() -> Value {
    json!([
        with(worked("j-1", JAN, "2026-11-03", "7.50"), json!({"meals": 1})),
        worked("j-2", JAN, "2026-11-04", "2.50"),
        worked("a-1", ANTON, "2026-11-03", "6.00"),
        worked("f-1", FATIMA, "2026-11-04", "5.25"),
    ])
}

/// `(attempt, outcome, error_code)` of the job's attempts, in order.
async fn attempts(pool: &sqlx::PgPool, message_id: &str) -> Vec<(i32, Option<String>, Option<String>)> {
    sqlx::query_as("SELECT attempt, outcome, error_code FROM job_attempts WHERE message_id = $1 ORDER BY id")
        .bind(message_id)
        .fetch_all(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_attempt_past_the_deadline_is_cut_off_retried_on_schedule_and_the_export_ends_exact() {
    let mut env = TestEnv::new();
    env.set("NMBRS_WORKER_JOB_DEADLINE", "2s");
    env.set("NMBRS_WORKER_RETRY_SCHEDULE", "3s,3s");
    let mut h = Spawn::new().env(env).start().await;
    // Every Nmbrs call takes 100 ms until the first write lands (the reads, about 1 s), then
    // 1.5 s: the attempt has written to Nmbrs and cannot end within the 2 s deadline.
    h.sim.set_faults(FaultConfig { latency_ms: 100, ..Default::default() });
    let job = h.job(FULL, export_payload("exp-deadline", NOVEMBER, entries()));
    let id = job["message_id"].as_str().unwrap().to_string();
    let pool = h.env.pool().await;
    let started = Instant::now();
    h.env.publish(&job).await;

    // Wait for the first attempt to be cut off, then make Nmbrs fast again. The call in flight
    // at the cut-off lands within its 1.5 s, before the retry (3 s later) reads.
    let mut slowed = false;
    let cut = loop {
        if !slowed && h.sim.write_calls() > 0 {
            h.sim.set_faults(FaultConfig { latency_ms: 1_500, ..Default::default() });
            slowed = true;
        }
        let rows = attempts(&pool, &id).await;
        if let Some(first) = rows.first().filter(|r| r.2.is_some()) {
            break first.clone();
        }
        assert!(started.elapsed() < Duration::from_secs(30), "no attempt was cut off: {rows:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let cut_after = started.elapsed();
    let (writes_in_first, calls_in_first) = (h.sim.write_calls(), h.sim.calls().len());
    h.sim.set_faults(FaultConfig::default());
    assert_eq!(cut.0, 1);
    assert_eq!(cut.2.as_deref(), Some("job_deadline_exceeded"), "{cut:?}");
    assert!(cut_after >= Duration::from_secs(2), "cut off at the deadline, not before: {cut_after:?}");
    eprintln!("first attempt cut off after {cut_after:?}, {calls_in_first} calls, {writes_in_first} writes");
    assert!(writes_in_first > 0, "the cut-off attempt wrote to Nmbrs, so a retry could double an hour");

    let done =
        |e: &Received| matches!(e.kind(), "job.completed" | "job.failed") && e.body["job"]["message_id"] == id.as_str();
    let completed = h.events.wait_for(30, "job result", done).await;
    assert_eq!(completed.kind(), "job.completed", "{:#}", completed.body);
    assert_eq!(completed.body["payload"]["status"], "succeeded", "{:#}", completed.body);
    h.events.collect_for(300).await;
    assert_eq!(h.events.of("job.completed", &id).len(), 1);
    assert_eq!(h.events.of("hours.exported", &id).len(), 1, "one hours.exported, from the attempt that finished");

    let rows = attempts(&pool, &id).await;
    assert_eq!(rows.len(), 2, "one cut-off attempt, one retry on the schedule: {rows:?}");
    assert_eq!(rows[1].2, None, "the retry ran to its end: {rows:?}");
    // The retry waited for the schedule's 3 s after the cut-off attempt was recorded.
    let spans: Vec<(f64, f64)> = {
        let spans = sqlx::query_as(
            "SELECT extract(epoch FROM started_at)::float8, extract(epoch FROM finished_at)::float8
               FROM job_attempts WHERE message_id = $1 ORDER BY id",
        )
        .bind(&id)
        .fetch_all(&pool)
        .await
        .unwrap();
        pool.close().await;
        spans
    };
    let (first_run, pause) = (spans[0].1 - spans[0].0, spans[1].0 - spans[0].1);
    assert!((2.0..4.0).contains(&first_run), "the first attempt ran about the 2 s deadline: {first_run} s");
    assert!(pause >= 2.9, "the retry waited for the schedule's 3 s: {pause} s");

    // Exact: every bucket holds its value once, whatever the cut-off attempt had written.
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("10"))], "no doubled hour");
    assert_eq!(h.nmbrs(JAN, NOVEMBER).wage_values(), [(400, d("1"))]);
    assert_eq!(h.nmbrs(ANTON, NOVEMBER).hour_values(), [(1, d("6"))]);
    assert_eq!(h.nmbrs(FATIMA, NOVEMBER).hour_values(), [(1, d("5.25"))]);
    h.stop().await;
}
