//! Process-level crash safety: the worker runs as a real child process (this test binary
//! re-executed with `--exact backbone::resilience::child_worker`), so crashes are real exits and SIGTERM is a real
//! signal. RabbitMQ and PostgreSQL are the real local ones.

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::support::*;
use serde_json::json;

const CHILD_FLAG: &str = "NMBRS_TEST_CHILD";
/// The full name of [`child_worker`] in this test binary.
const CHILD_TEST: &str = "backbone::resilience::child_worker";

/// The worker process the tests start; does nothing unless started by them.
#[test]
#[ignore = "started as a child process by the other tests in this file"]
fn child_worker() {
    if std::env::var(CHILD_FLAG).is_err() {
        return;
    }
    let _failpoints = fail::FailScenario::setup();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let _telemetry = nmbrs_worker::telemetry::init(None);
        let config = nmbrs_worker::config::Config::from_env().expect("child config");
        let worker = nmbrs_worker::worker::Worker::start(config, Scripted::default().handlers()).await.unwrap();
        let token = worker.shutdown_token();
        tokio::spawn(async move {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).unwrap();
            term.recv().await;
            token.cancel();
        });
        worker.wait().await;
    });
}

struct ChildWorker {
    child: Child,
    log: tempfile::NamedTempFile,
}

impl ChildWorker {
    fn start(env: &TestEnv, extra: &[(&str, &str)]) -> Self {
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args(["--exact", CHILD_TEST, "--ignored", "--nocapture", "--test-threads=1"])
            .env(CHILD_FLAG, "1")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log.reopen().unwrap())
            .stderr(log.reopen().unwrap());
        for (k, v) in &env.env {
            cmd.env(k, v);
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        Self { child: cmd.spawn().unwrap(), log }
    }

    fn sigterm(&self) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit; returns its exit code and how long it took.
    async fn exit_within(&mut self, secs: u64) -> (Option<i32>, Duration) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(secs) {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status.code(), started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = self.child.kill();
        panic!("child did not exit within {secs}s; its log:\n{}", self.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

impl Drop for ChildWorker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn job_state(env: &TestEnv, message_id: &str) -> Option<String> {
    let pool = sqlx::PgPool::connect(&env.database_url).await.ok()?;
    let state = sqlx::query_scalar("SELECT state FROM jobs WHERE message_id = $1")
        .bind(message_id)
        .fetch_optional(&pool)
        .await
        .ok()?;
    pool.close().await;
    state
}

#[tokio::test]
async fn a_crash_after_commit_and_before_publish_loses_no_event() {
    let mut env = TestEnv::new();
    // Only a commit wakes the relay, so nothing can publish between commit and the crash.
    env.set("NMBRS_WORKER_OUTBOX_POLL_INTERVAL", "1h");
    let mut events = env.events().await;
    let mut crashing = ChildWorker::start(&env, &[("FAILPOINTS", "after_commit=return")]);
    let job = env.job("SyncTeam", "env-crash", sync_payload(json!("ok")));
    let id = job["message_id"].as_str().unwrap().to_string();
    env.publish(&job).await;
    let (code, _) = crashing.exit_within(60).await;
    assert_eq!(code, Some(86), "the failpoint exit; log:\n{}", crashing.log());

    events.collect_for(500).await;
    assert!(events.of("job.completed", &id).is_empty(), "nothing was published before the crash");
    let pool = env.pool().await;
    let unpublished: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL AND correlation_id = $1")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(unpublished, 1, "the committed event waits in the outbox");
    assert_eq!(job_state(&env, &id).await.as_deref(), Some("completed"));

    let mut restarted = ChildWorker::start(&env, &[]);
    let done = events.wait_for(60, "job.completed after restart", |e| e.kind() == "job.completed").await;
    assert_eq!(done.body["job"]["message_id"], id.as_str());
    events.collect_for(1000).await;
    let completed = events.of("job.completed", &id);
    assert!(completed.iter().all(|e| e.body["event_id"] == done.body["event_id"]), "duplicates carry one event id");
    let attempts: i64 = sqlx::query_scalar("SELECT count(*) FROM job_attempts").fetch_one(&pool).await.unwrap();
    assert_eq!(attempts, 1, "the job ran once; the redelivery only re-published");
    let queue = env.names.job_queue(nmbrs_worker::envelope::JobType::SyncTeam);
    assert_eq!(env.queue_depth(&queue).await, 0, "the redelivered message was acked");
    restarted.sigterm();
    assert_eq!(restarted.exit_within(20).await.0, Some(0));
    pool.close().await;
}

/// Starts a worker and gives it a job that sleeps `sleep_ms`; returns once the job runs.
async fn start_with_running_job(env: &TestEnv, sleep_ms: u64) -> (ChildWorker, String) {
    let worker = ChildWorker::start(env, &[]);
    let job = env.job("SyncTeam", "env-term", sync_payload(json!({ "sleep_ms": sleep_ms })));
    let id = job["message_id"].as_str().unwrap().to_string();
    env.publish(&job).await;
    let id_ref = id.as_str();
    eventually(30, "the job to start", || async move { job_state(env, id_ref).await.as_deref() == Some("running") })
        .await;
    (worker, id)
}

#[tokio::test]
async fn sigterm_mid_job_finishes_it_within_the_bound_and_loses_nothing() {
    let env = TestEnv::new(); // shutdown timeout 10s
    let mut events = env.events().await;
    let (mut worker, id) = start_with_running_job(&env, 2000).await;
    worker.sigterm();
    let (code, took) = worker.exit_within(15).await;
    assert_eq!(code, Some(0), "clean exit; log:\n{}", worker.log());
    assert!(took < Duration::from_secs(12), "within the 10s bound: {took:?}");
    let done = events.wait_for(10, "job.completed", |e| e.kind() == "job.completed").await;
    assert_eq!(done.body["job"]["message_id"], id.as_str());
    assert_eq!(job_state(&env, &id).await.as_deref(), Some("completed"));
    let queue = env.names.job_queue(nmbrs_worker::envelope::JobType::SyncTeam);
    assert_eq!(env.queue_depth(&queue).await, 0, "acked before exit");
}

#[tokio::test]
async fn sigterm_releases_a_job_that_outlives_the_bound_and_it_runs_again_later() {
    let mut env = TestEnv::new();
    env.set("NMBRS_WORKER_SHUTDOWN_TIMEOUT", "1s");
    let mut events = env.events().await;
    let (mut worker, id) = start_with_running_job(&env, 4000).await;
    worker.sigterm();
    let (code, took) = worker.exit_within(10).await;
    assert_eq!(code, Some(0), "clean exit; log:\n{}", worker.log());
    assert!(took < Duration::from_secs(4), "released at the 1s bound, not after the job: {took:?}");
    assert!(worker.log().contains("releasing in-flight jobs"), "{}", worker.log());
    events.collect_for(300).await;
    assert!(events.of("job.completed", &id).is_empty());

    let mut next = ChildWorker::start(&env, &[]);
    let done = events.wait_for(30, "job.completed by the next worker", |e| e.kind() == "job.completed").await;
    assert_eq!(done.body["job"]["message_id"], id.as_str());
    next.sigterm();
    assert_eq!(next.exit_within(20).await.0, Some(0));
}
