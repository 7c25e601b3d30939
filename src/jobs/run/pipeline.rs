//! One delivery's way through the worker:
//!
//! 1. **validate** the envelope (`crate::envelope`); a bad message is rejected and parked;
//! 2. **claim** it in the inbox under the job's lock: a completed idempotency key only
//!    re-publishes its stored `job.completed`;
//! 3. **run** the job's handler (plan, apply to Nmbrs);
//! 4. **record** the attempt's end and its events in one transaction (outbox); what an end
//!    leads to (job state, events, next step) is the pure [`super::lifecycle::conclude`];
//! 5. **publish**: wake the relay, send retry copies or park, and only then ack.
//!
//! The ack always comes last, after everything it depends on is committed or confirmed, so a
//! crash anywhere means a redelivery, never a lost job.

use std::{panic::AssertUnwindSafe, sync::Arc, time::Instant};

use async_trait::async_trait;
use futures::FutureExt;
use lapin::{message::Delivery, options::BasicNackOptions};
use sqlx::PgPool;
use tracing::{Instrument, field::Empty};
use uuid::Uuid;

use super::context::{JobContext, JobOutput, ResultWrite};
use super::delivery;
use super::error::JobError;
use super::lifecycle::{self, AttemptEnd, Conclusion, EndedAttempt, JobState, Next};
use super::outage::{self, Infra};
use crate::jobs::registry::Handlers;
use crate::{
    bus::{
        headers,
        publisher::{PublishError, Publisher},
        supervisor::DeliveryHandler,
        topology::{Names, delay_label},
    },
    credentials::{KeyRing, OpenedCredentials},
    envelope::{self, Job, JobType, Limits, RejectCode, Rejection},
    events::{self, JobRef},
    metrics::Metrics,
    relay::Relay,
    store::{
        AdvisoryLock, LockKey,
        fault::{self, DbFault},
        inbox::{self, Claim, Ending, Finish},
        outbox::{self, OutboxEvent},
    },
    telemetry::{TraceHeaders, continue_trace},
};

/// Failpoint: exit the process right after a job's result is committed, before anything is
/// published or acked (crash-safety tests: `FAILPOINTS=after_commit=return`).
pub const FAILPOINT_AFTER_COMMIT: &str = "after_commit";

/// Everything the pipeline needs, shared by all consumers.
pub struct Pipeline {
    pub pool: PgPool,
    pub keys: KeyRing,
    pub handlers: Handlers,
    pub names: Names,
    pub relay: Arc<Relay>,
    pub metrics: Arc<Metrics>,
    pub limits: Limits,
    pub retry_schedule: Vec<std::time::Duration>,
    /// `NMBRS_WORKER_DB_RETRY_MAX`: the longest pause between checks while the database is down.
    pub db_retry_max: std::time::Duration,
    /// `NMBRS_WORKER_JOB_DEADLINE`: an attempt running longer is cut off and retried.
    pub job_deadline: std::time::Duration,
    /// When a REST integration's consent is warned about (`NMBRS_OAUTH_*`, CONTRACT §5.1).
    pub consent: super::consent::ConsentWatch,
}

#[async_trait]
impl DeliveryHandler for Pipeline {
    async fn handle(&self, kind: JobType, delivery: Delivery, publisher: &Publisher) {
        let trace = TraceHeaders::from_amqp(delivery.properties.headers().as_ref());
        let attempt = headers::attempt(delivery.properties.headers().as_ref());
        let span = tracing::info_span!(
            "job",
            r#type = kind.as_str(),
            message_id = Empty,
            integration_id = Empty,
            attempt = attempt,
        );
        continue_trace(&span, &trace);
        async {
            let trace = TraceHeaders::current().or(trace);
            if let Err(e) = self.process(kind, &delivery, publisher, &trace).await {
                if self.recover(e, kind, &delivery, publisher, &trace).await {
                    return;
                }
                let step = lifecycle::conclude(
                    AttemptEnd::Interrupted,
                    EndedAttempt::unclaimed(attempt),
                    &self.retry_schedule,
                );
                self.metrics.job(kind.as_str(), step.state.as_str());
                if let Err(e) = self.conclude(&delivery, publisher, kind, attempt, step.next).await {
                    tracing::warn!(error = %e, "could not hand the delivery back; the broker redelivers on reconnect");
                }
            }
        }
        .instrument(span)
        .await
    }
}

/// What the inbox said, and what came of it, while the job's lock was held.
enum Claimed {
    /// The job ran and its end is committed; the delivery needs this.
    Ran(Next),
    /// A duplicate of a completed job: its stored result is queued again.
    Duplicate { result_event_id: Uuid },
    /// The idempotency key was used before with another payload.
    Conflict,
}

impl Pipeline {
    async fn process(
        &self,
        kind: JobType,
        delivery: &Delivery,
        publisher: &Publisher,
        trace: &TraceHeaders,
    ) -> Result<(), Infra> {
        let amqp_id = delivery.properties.message_id().as_ref().map(|s| s.as_str());
        let limits = self.limits;
        match envelope::validate(&delivery.data, kind, amqp_id, limits, &self.keys) {
            Err(rejection) => self.reject(*rejection, kind, delivery, publisher, trace).await,
            Ok((job, credentials)) => {
                let span = tracing::Span::current();
                span.record("message_id", job.message_id.as_str());
                span.record("integration_id", job.integration.id.as_str());
                match outage::returned(delivery.properties.headers().as_ref()) {
                    n if n >= outage::PARK_AT => self.give_up(&job, n, delivery, publisher, trace).await,
                    _ => self.run(&job, &credentials, delivery, publisher, trace).await,
                }
            }
        }
    }

    /// After an infrastructure error: a value the database refuses rejects the message; an
    /// unavailable database holds the delivery until it answers again (`outage`). True when
    /// the delivery is dealt with; false when it is to go back to its queue now.
    async fn recover(
        &self,
        err: Infra,
        kind: JobType,
        delivery: &Delivery,
        publisher: &Publisher,
        trace: &TraceHeaders,
    ) -> bool {
        let Infra::Database(db) = &err else {
            tracing::warn!(error = %err, "broker error; the delivery returns to its queue");
            return false;
        };
        match DbFault::of(db) {
            DbFault::Input => {
                let amqp_id = delivery.properties.message_id().as_ref().map(|s| s.as_str());
                let rejection = outage::unstorable(db, &delivery.data, amqp_id);
                match self.reject(rejection, kind, delivery, publisher, trace).await {
                    Ok(()) => return true,
                    Err(e) => tracing::warn!(error = %e, "could not reject an unstorable message"),
                }
            }
            DbFault::Unavailable => {
                tracing::warn!(error = %fault::describe(db), "the database is unavailable; holding the delivery until it answers");
                self.metrics.database_unavailable.inc();
                let waited = outage::wait_for_database(&self.pool, self.db_retry_max).await;
                tracing::info!(
                    waited_ms = waited.as_millis() as u64,
                    "the database answers again; the delivery returns to its queue"
                );
            }
            DbFault::Transient | DbFault::Other => {
                tracing::warn!(error = %fault::describe(db), "database error; the delivery returns to its queue")
            }
        }
        false
    }

    /// Stops a job that came back `returned` times with `job.failed` and parks it, before the
    /// broker's delivery limit would dead-letter it without a word (`outage`).
    async fn give_up(
        &self,
        job: &Job,
        returned: u32,
        delivery: &Delivery,
        publisher: &Publisher,
        trace: &TraceHeaders,
    ) -> Result<(), Infra> {
        let number = headers::attempt(delivery.properties.headers().as_ref());
        tracing::error!(returned, "the job came back too often; parking it");
        let attempt = EndedAttempt { message_id: &job.message_id, id: 0, number, replays: 0 };
        let end = AttemptEnd::Ran(Err(outage::redelivered_too_often(returned)));
        let step = lifecycle::conclude(end, attempt, &self.retry_schedule);
        let evs: Vec<OutboxEvent> = step
            .events
            .iter()
            .map(|(id, draft)| events::envelope(*id, draft, Some(&job.integration.id), &JobRef::from(job), trace))
            .collect();
        outbox::enqueue(&mut *self.pool.acquire().await?, &evs).await?;
        self.relay.wake();
        self.metrics.job(job.kind.as_str(), step.state.as_str());
        self.conclude(delivery, publisher, job.kind, number, step.next).await?;
        Ok(())
    }

    /// Answers an invalid message with `job.rejected` (+ `job.invalid`) and parks it.
    async fn reject(
        &self,
        rejection: Rejection,
        kind: JobType,
        delivery: &Delivery,
        publisher: &Publisher,
        trace: &TraceHeaders,
    ) -> Result<(), Infra> {
        tracing::warn!(
            code = rejection.code.as_str(),
            message_id = rejection.message_id.as_deref(),
            reason = %rejection.message,
            "message rejected and parked"
        );
        let hdrs = delivery.properties.headers().as_ref();
        let attempt = EndedAttempt {
            replays: headers::number(hdrs, headers::REPLAYED).unwrap_or(0),
            ..EndedAttempt::unclaimed(headers::attempt(hdrs))
        };
        let (code, integration) = (rejection.code, rejection.integration_id.clone());
        let job = JobRef {
            message_id: rejection.message_id.clone(),
            job_type: rejection.job_type.clone(),
            idempotency_key: rejection.idempotency_key.clone(),
        };
        let step = lifecycle::conclude(AttemptEnd::Rejected(rejection), attempt, &self.retry_schedule);
        if !step.events.is_empty() {
            let evs: Vec<OutboxEvent> = step
                .events
                .iter()
                .map(|(id, draft)| events::envelope(*id, draft, integration.as_deref(), &job, trace))
                .collect();
            let mut conn = self.pool.acquire().await?;
            outbox::enqueue(&mut conn, &evs).await?;
            self.relay.wake();
        }
        self.metrics.rejected.get_or_create(&crate::metrics::CodeLabel { code: code.as_str().into() }).inc();
        self.metrics.job(job.job_type.as_deref().unwrap_or("unknown"), step.state.as_str());
        self.conclude(delivery, publisher, kind, attempt.number, step.next).await?;
        Ok(())
    }

    async fn run(
        &self,
        job: &Job,
        credentials: &OpenedCredentials,
        delivery: &Delivery,
        publisher: &Publisher,
        trace: &TraceHeaders,
    ) -> Result<(), Infra> {
        let attempt = headers::attempt(delivery.properties.headers().as_ref());
        let next = match self.attempt(job, credentials, delivery.redelivered, attempt, trace).await? {
            Claimed::Ran(next) => next,
            Claimed::Duplicate { result_event_id } => {
                tracing::info!(%result_event_id, "duplicate of a completed job; re-publishing its result");
                self.metrics.job(job.kind.as_str(), "duplicate");
                Next::Ack
            }
            Claimed::Conflict => {
                let rejection = Rejection {
                    message_id: Some(job.message_id.clone()),
                    integration_id: Some(job.integration.id.clone()),
                    job_type: Some(job.kind.as_str().into()),
                    idempotency_key: Some(job.idempotency_key.clone()),
                    ..Rejection::new(
                        RejectCode::IdempotencyConflict,
                        format!("idempotency key {:?} was used before with a different payload", job.idempotency_key),
                    )
                };
                return self.reject(rejection, job.kind, delivery, publisher, trace).await;
            }
        };
        self.relay.wake();
        self.conclude(delivery, publisher, job.kind, attempt, next).await?;
        Ok(())
    }

    /// The part of a delivery that holds the job's lock (and the handler's exclusive lock, if
    /// any): claim, run, record. Both locks end with this function's scope, so they are
    /// released after the end is committed, on every way out: the next holder sees it.
    async fn attempt(
        &self,
        job: &Job,
        credentials: &OpenedCredentials,
        redelivered: bool,
        number: u32,
        trace: &TraceHeaders,
    ) -> Result<Claimed, Infra> {
        let mut lock =
            AdvisoryLock::acquire(&self.pool, LockKey::job(&job.integration.id, &job.idempotency_key)).await?;
        let attempt_id = match inbox::claim(lock.conn(), job, redelivered).await? {
            Claim::Run { attempt_id, .. } => attempt_id,
            Claim::Completed { result_event_id } => {
                outbox::republish(lock.conn(), result_event_id).await?;
                return Ok(Claimed::Duplicate { result_event_id });
            }
            Claim::Conflict => return Ok(Claimed::Conflict),
        };
        let _exclusive = match self.handlers.get(job.kind).and_then(|h| h.exclusive(job)) {
            Some(key) => Some(AdvisoryLock::acquire(&self.pool, key).await?),
            None => None,
        };
        let started = Instant::now();
        let consent_since = super::consent::ConsentWatch::attempt_started(lock.conn(), job).await?;
        let result = self.run_handler(job, credentials, number).await;
        let handler_ms = started.elapsed().as_millis() as u64;
        self.metrics
            .job_seconds
            .get_or_create(&crate::metrics::TypeLabel { job_type: job.kind.as_str().into() })
            .observe(handler_ms as f64 / 1000.0);
        let summary = result.as_ref().ok().map(|out| (out.status, out.counts.clone()));
        let attempt = EndedAttempt { message_id: &job.message_id, id: attempt_id, number, replays: 0 };
        let step = lifecycle::conclude(AttemptEnd::Ran(result), attempt, &self.retry_schedule);
        let (state, failure) = (step.state, step.error.clone());
        let next = self.record(lock, job, attempt_id, step, trace).await?;
        crate::failpoint::crash_point(FAILPOINT_AFTER_COMMIT);
        let refused = failure.as_ref().is_some_and(|(code, _)| code == "nmbrs_consent_required");
        if self.consent.after_attempt(&self.pool, job, trace, consent_since, refused).await {
            self.metrics.consent_expiring.inc();
        }
        let (code, error) = failure.unzip();
        if let Some(code) = &code {
            self.metrics.attempt_errors.get_or_create(&crate::metrics::CodeLabel { code: code.clone() }).inc();
        }
        match (&summary, &next) {
            (Some((status, counts)), _) => tracing::info!(?status, ?counts, handler_ms, "job completed"),
            (None, Next::Retry(delay)) => {
                tracing::warn!(code, error, retry_in = %delay_label(*delay), "attempt failed; retrying later")
            }
            (None, _) => tracing::error!(code, error, attempts = number, "job failed; parked"),
        }
        self.metrics.job(job.kind.as_str(), state.as_str());
        Ok(Claimed::Ran(next))
    }

    /// Runs the handler; a panic becomes a permanent error instead of a stuck delivery.
    async fn run_handler(
        &self,
        job: &Job,
        credentials: &OpenedCredentials,
        attempt: u32,
    ) -> Result<JobOutput, JobError> {
        let Some(handler) = self.handlers.get(job.kind) else {
            return Err(JobError::permanent(
                "job_type_not_supported",
                format!("this worker version has no {} handler yet; replay the job after upgrading", job.kind),
            ));
        };
        let (pool, metrics, keys, max_event_bytes) =
            (&self.pool, &self.metrics, &self.keys, self.limits.max_event_bytes);
        let ctx = JobContext { job, credentials, attempt, pool, metrics, keys, max_event_bytes };
        // Cut off below RabbitMQ's consumer_timeout: a cut-off attempt is like a crash, which
        // every handler is safe against, and is retried on the schedule.
        match tokio::time::timeout(self.job_deadline, AssertUnwindSafe(handler.run(ctx)).catch_unwind()).await {
            // `job.completed` lists errors only while they fit its size (CONTRACT §2.2 Bounds).
            Ok(Ok(result)) => result.map(|output| output.bounded(events::payload_budget(max_event_bytes) / 2)),
            Ok(Err(_)) => Err(JobError::permanent("internal_error", "the job handler crashed; see the worker logs")),
            Err(_) => Err(JobError::transient(
                "job_deadline_exceeded",
                format!(
                    "the attempt ran longer than {} and was cut off",
                    humantime::format_duration(self.job_deadline)
                ),
            )),
        }
    }

    /// Writes the attempt's end, its events and the job's result state in one transaction
    /// (outbox, CONTRACT §3), which also releases the job's `lock`; returns what remains to do
    /// for the delivery.
    async fn record(
        &self,
        lock: AdvisoryLock,
        job: &Job,
        attempt_id: i64,
        step: Conclusion,
        trace: &TraceHeaders,
    ) -> Result<Next, sqlx::Error> {
        let Conclusion { state, events: drafts, result_event_id, error, writes, next } = step;
        let ending = match state {
            JobState::Completed => Ending::Completed,
            JobState::Retryable => Ending::Retryable,
            JobState::Failed => Ending::Failed,
            // Neither ends a claimed attempt: nothing to record; the guard's drop unlocks.
            JobState::Rejected | JobState::Released => return Ok(next),
        };
        let sync_hashes: Vec<_> = writes.into_iter().map(|ResultWrite::SyncHashes(hashes)| hashes).collect();
        let job_ref = JobRef::from(job);
        // Each draft is dropped once serialized, and serialized only when its slice is queued:
        // a big sync holds its events about once, not twice.
        let (max, integration) = (self.limits.max_event_bytes, Some(job.integration.id.as_str()));
        let evs = drafts
            .into_iter()
            .map(|(id, draft)| events::envelope_within(max, (id, &draft), integration, &job_ref, trace));
        let finish = Finish {
            job,
            attempt_id,
            ending,
            result_event_id,
            error: error.as_ref().map(|(code, message)| (code.as_str(), message.as_str())),
            sync_hashes: &sync_hashes,
        };
        inbox::finish(lock, &finish, evs).await?;
        Ok(next)
    }

    /// Carries out the delivery's next step: retry copy or parking first, the ack last; or
    /// hands it back to its queue.
    async fn conclude(
        &self,
        delivery: &Delivery,
        publisher: &Publisher,
        kind: JobType,
        attempt: u32,
        next: Next,
    ) -> Result<(), PublishError> {
        match next {
            Next::Ack => {}
            Next::Retry(delay) => delivery::send_retry(&self.names, delivery, publisher, kind, attempt, delay).await?,
            Next::Park { code, message } => delivery::park(&self.names, delivery, publisher, &code, &message).await?,
            Next::Requeue => {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                let requeue = BasicNackOptions { requeue: true, ..Default::default() };
                if let Err(e) = delivery.acker.nack(requeue).await {
                    tracing::warn!(error = %e, "nack failed; the broker redelivers on reconnect");
                }
                return Ok(());
            }
        }
        delivery::ack(delivery).await;
        Ok(())
    }
}
