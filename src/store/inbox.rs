//! The job inbox: one row per (integration, idempotency key) and one per attempt.
//!
//! It answers "may this delivery run?" (idempotency, CONTRACT §2.2) and records how each
//! attempt ended, atomically with the events that announce it.

use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    AdvisoryLock,
    outbox::{self, OutboxEvent},
    sync_state::{self, PublishedHashes},
};
use crate::envelope::Job;

/// What the inbox says about a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Run it: this is attempt number `attempt` of the job (counting every delivery that ran).
    Run { attempt: i32, attempt_id: i64 },
    /// Done before: re-publish this stored `job.completed` and do nothing else.
    Completed { result_event_id: Uuid },
    /// The key was used before with another payload.
    Conflict,
}

/// Claims a job for running, in one statement. Call it while holding the job's `AdvisoryLock`.
pub async fn claim(conn: &mut PgConnection, job: &Job, redelivered: bool) -> sqlx::Result<Claim> {
    let run: Option<(i32, i64)> = sqlx::query_as(
        "WITH up AS (
             INSERT INTO jobs (integration_id, idempotency_key, message_id, job_type, payload_sha256, state, attempts)
             VALUES ($1, $2, $3, $4, $5, 'running', 1)
             ON CONFLICT (integration_id, idempotency_key) DO UPDATE
                SET attempts = jobs.attempts + 1, state = 'running',
                    message_id = EXCLUDED.message_id, updated_at = now()
              WHERE jobs.state <> 'completed' AND jobs.payload_sha256 = EXCLUDED.payload_sha256
             RETURNING integration_id, idempotency_key, attempts)
         INSERT INTO job_attempts (integration_id, idempotency_key, attempt, message_id, redelivered)
         SELECT integration_id, idempotency_key, attempts, $3, $6 FROM up
         RETURNING attempt, id",
    )
    .bind(&job.integration.id)
    .bind(&job.idempotency_key)
    .bind(&job.message_id)
    .bind(job.kind.as_str())
    .bind(&job.payload_sha256[..])
    .bind(redelivered)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((attempt, attempt_id)) = run {
        return Ok(Claim::Run { attempt, attempt_id });
    }
    let (state, digest, result): (String, Vec<u8>, Option<Uuid>) = sqlx::query_as(
        "SELECT state, payload_sha256, result_event_id FROM jobs WHERE integration_id = $1 AND idempotency_key = $2",
    )
    .bind(&job.integration.id)
    .bind(&job.idempotency_key)
    .fetch_one(&mut *conn)
    .await?;
    Ok(match (state.as_str(), result) {
        _ if digest != job.payload_sha256 => Claim::Conflict,
        ("completed", Some(result_event_id)) => Claim::Completed { result_event_id },
        _ => Claim::Conflict,
    })
}

/// How an attempt ended, as the inbox stores it: the job states (`jobs::run::lifecycle::JobState`)
/// that are recorded, in the same words (`jobs.state` and `job_attempts.outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Completed,
    Retryable,
    Failed,
}

impl Ending {
    /// Its word in `jobs.state` and `job_attempts.outcome`.
    fn as_str(self) -> &'static str {
        match self {
            Ending::Completed => "completed",
            Ending::Retryable => "retryable",
            Ending::Failed => "failed",
        }
    }
}

/// The end of one attempt: its state and the error if any (its events are handed to
/// [`finish`] beside it).
#[derive(Debug, Clone)]
pub struct Finish<'a> {
    pub job: &'a Job,
    pub attempt_id: i64,
    pub ending: Ending,
    /// The `job.completed`/`job.failed` event that answers later duplicates.
    pub result_event_id: Option<Uuid>,
    pub error: Option<(&'a str, &'a str)>,
    /// The team sync's content hashes, committed with its events (none for other jobs).
    pub sync_hashes: &'a [PublishedHashes],
}

/// Records an attempt's end, queues its `events` (in order) and saves its sync hashes,
/// atomically (one statement, or one transaction when there are hashes or more events than
/// one statement takes), on the connection of the job's `lock`, and releases that lock in the
/// same statement: the guard is consumed. Safe: the statement also row-locks the `jobs` row, so
/// a duplicate that was waiting for the lock blocks on that row until the end is committed,
/// then sees it. Should this fail, dropping the guard releases the lock instead.
///
/// The events are taken from the iterator [`EVENTS_PER_STATEMENT`] at a time, each slice
/// queued before the next is made: a 10 000-employee sync never holds all its event bodies
/// at once, nor a statement's arguments encoded for all of them.
pub async fn finish(
    mut lock: AdvisoryLock,
    f: &Finish<'_>,
    events: impl IntoIterator<Item = OutboxEvent>,
) -> sqlx::Result<()> {
    let key = lock.key();
    let mut events = events.into_iter().peekable();
    let mut slice: Vec<OutboxEvent> = events.by_ref().take(EVENTS_PER_STATEMENT).collect();
    if f.sync_hashes.is_empty() && events.peek().is_none() {
        end_attempt(lock.conn(), f, &slice, key).await?;
    } else {
        let mut tx = sqlx::Connection::begin(lock.conn()).await?;
        for hashes in f.sync_hashes {
            sync_state::save(&mut tx, hashes).await?;
        }
        while events.peek().is_some() {
            outbox::enqueue(&mut tx, &slice).await?;
            slice.clear();
            slice.extend(events.by_ref().take(EVENTS_PER_STATEMENT));
        }
        end_attempt(&mut tx, f, &slice, key).await?;
        tx.commit().await?;
    }
    lock.unlocked_by_statement();
    Ok(())
}

/// Events queued per statement by [`finish`].
const EVENTS_PER_STATEMENT: usize = 500;

/// The statement of [`finish`]: `events` into the outbox, `jobs`, `job_attempts`, and the
/// unlock of `lock_key`.
async fn end_attempt(
    conn: &mut PgConnection,
    f: &Finish<'_>,
    events: &[OutboxEvent],
    lock_key: i64,
) -> sqlx::Result<()> {
    let (code, message) = f.error.unzip();
    let columns = outbox::Columns::of(events);
    let statement = sqlx::query(
        "WITH ev AS (
             INSERT INTO outbox (event_id, routing_key, correlation_id, body, traceparent, tracestate)
             SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
             ON CONFLICT (event_id) DO NOTHING
             RETURNING 1),
         job AS (
             UPDATE jobs SET state = $7, result_event_id = COALESCE($8, result_event_id),
                    last_error_code = $9, updated_at = now()
              WHERE integration_id = $10 AND idempotency_key = $11
             RETURNING 1),
         att AS (
             UPDATE job_attempts SET finished_at = now(), outcome = $12, error_code = $9, error_message = $13
              WHERE id = $14
             RETURNING 1)
         SELECT (SELECT count(*) FROM ev), (SELECT count(*) FROM job), (SELECT count(*) FROM att),
                pg_advisory_unlock($15)",
    );
    columns
        .bind(statement)
        .bind(f.ending.as_str())
        .bind(f.result_event_id)
        .bind(code)
        .bind(&f.job.integration.id)
        .bind(&f.job.idempotency_key)
        .bind(f.ending.as_str())
        .bind(message)
        .bind(f.attempt_id)
        .bind(lock_key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
