//! One delivery's way through the worker:
//!
//! 1. **validate** the envelope (`crate::envelope`); a bad message is rejected and parked;
//! 2. **claim** it in the inbox under the job's lock: a completed idempotency key only
//!    re-publishes its stored `job.completed`;
//! 3. **run** the job's handler (plan, apply to Nmbrs);
//! 4. **record** the attempt's end and its events in one transaction (outbox);
//! 5. **publish**: wake the relay, send retry copies or park, and only then ack.
//!
//! The ack always comes last, after everything it depends on is committed or confirmed, so a
//! crash anywhere means a redelivery, never a lost job.

use std::{panic::AssertUnwindSafe, sync::Arc, time::Instant};

use async_trait::async_trait;
use futures::FutureExt;
use lapin::{
    message::Delivery,
    options::{BasicAckOptions, BasicNackOptions},
};
use serde_json::json;
use sqlx::PgPool;
use tracing::{Instrument, field::Empty};
use uuid::Uuid;

use super::{Handlers, JobContext, JobError, JobOutput, ResultWrite};
use crate::{
    bus::{
        headers,
        publisher::{Outgoing, PublishError, Publisher},
        supervisor::DeliveryHandler,
        topology::{Names, delay_label},
    },
    credentials::{Credentials, KeyRing},
    domain::retry::{Decision, decide},
    envelope::{self, Job, JobType, Limits, RejectCode, Rejection},
    events::{self, EventDraft, EventType, JobRef, Level, Notification},
    metrics::Metrics,
    relay::Relay,
    store::{
        AdvisoryLock, LockKey,
        inbox::{self, Claim, Ending, Finish},
        outbox::{self, OutboxEvent},
        sync_state,
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
}

/// Failures of the worker's own infrastructure (database, broker) while handling a delivery:
/// the delivery goes back to its queue and is tried again.
#[derive(Debug, thiserror::Error)]
enum Infra {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("broker: {0}")]
    Broker(#[from] PublishError),
}

#[async_trait]
impl DeliveryHandler for Pipeline {
    async fn handle(&self, kind: JobType, delivery: Delivery, publisher: &Publisher) {
        let trace = TraceHeaders::from_amqp(delivery.properties.headers().as_ref());
        let span = tracing::info_span!(
            "job",
            r#type = kind.as_str(),
            message_id = Empty,
            integration_id = Empty,
            attempt = headers::attempt(delivery.properties.headers().as_ref()),
        );
        continue_trace(&span, &trace);
        async {
            let trace = TraceHeaders::current().or(trace);
            if let Err(e) = self.process(kind, &delivery, publisher, &trace).await {
                tracing::warn!(error = %e, "infrastructure error; the delivery returns to its queue");
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                let requeue = BasicNackOptions { requeue: true, ..Default::default() };
                if let Err(e) = delivery.acker.nack(requeue).await {
                    tracing::warn!(error = %e, "nack failed; the broker redelivers on reconnect");
                }
            }
        }
        .instrument(span)
        .await
    }
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
            Err(rejection) => self.reject(*rejection, delivery, publisher, trace).await,
            Ok((job, credentials)) => {
                let span = tracing::Span::current();
                span.record("message_id", job.message_id.as_str());
                span.record("integration_id", job.integration.id.as_str());
                self.run(&job, &credentials, delivery, publisher, trace).await
            }
        }
    }

    /// Answers an invalid message with `job.rejected` (+ `job.invalid`) and parks it.
    async fn reject(
        &self,
        rejection: Rejection,
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
        if let Some(message_id) = &rejection.message_id {
            let replays = headers::number(delivery.properties.headers().as_ref(), headers::REPLAYED).unwrap_or(0);
            let role = format!("rejected/{}/{replays}", rejection.code.as_str());
            let job = JobRef {
                message_id: Some(message_id.clone()),
                job_type: rejection.job_type.clone(),
                idempotency_key: rejection.idempotency_key.clone(),
            };
            let rejected = EventDraft::new(
                EventType::JobRejected,
                &json!({"error": {"code": rejection.code, "message": rejection.message}}),
            );
            let notice = Notification::new(
                Level::Error,
                "job.invalid",
                format!(
                    "A {} job could not be accepted: {}",
                    rejection.job_type.as_deref().unwrap_or("job"),
                    rejection.message
                ),
                json!({"reason": rejection.code}),
            );
            let integration = rejection.integration_id.as_deref();
            let evs = [
                events::envelope(events::stable_event_id(message_id, &role), &rejected, integration, &job, trace),
                events::envelope(
                    events::stable_event_id(message_id, &format!("{role}/notice")),
                    &notice.draft(),
                    integration,
                    &job,
                    trace,
                ),
            ];
            let mut conn = self.pool.acquire().await?;
            outbox::enqueue(&mut conn, &evs).await?;
            self.relay.wake();
        }
        self.park(delivery, publisher, rejection.code.as_str(), &rejection.message).await?;
        self.metrics.rejected.get_or_create(&crate::metrics::CodeLabel { code: rejection.code.as_str().into() }).inc();
        self.metrics.job(rejection.job_type.as_deref().unwrap_or("unknown"), "rejected");
        ack(delivery).await;
        Ok(())
    }

    async fn run(
        &self,
        job: &Job,
        credentials: &Credentials,
        delivery: &Delivery,
        publisher: &Publisher,
        trace: &TraceHeaders,
    ) -> Result<(), Infra> {
        let mut lock =
            AdvisoryLock::acquire(&self.pool, LockKey::job(&job.integration.id, &job.idempotency_key)).await?;
        let claim = inbox::claim(lock.conn(), job, delivery.redelivered).await;
        let claim = match claim {
            Ok(claim) => claim,
            Err(e) => {
                lock.release().await;
                return Err(e.into());
            }
        };
        let attempt_id = match claim {
            Claim::Run { attempt_id, .. } => attempt_id,
            Claim::Completed { result_event_id } => {
                let republished = outbox::republish(lock.conn(), result_event_id).await;
                lock.release().await;
                republished?;
                self.relay.wake();
                tracing::info!(%result_event_id, "duplicate of a completed job; re-publishing its result");
                self.metrics.job(job.kind.as_str(), "duplicate");
                ack(delivery).await;
                return Ok(());
            }
            Claim::Conflict => {
                lock.release().await;
                let rejection = Rejection::new(
                    RejectCode::IdempotencyConflict,
                    format!("idempotency key {:?} was used before with a different payload", job.idempotency_key),
                );
                let rejection = Rejection {
                    message_id: Some(job.message_id.clone()),
                    integration_id: Some(job.integration.id.clone()),
                    job_type: Some(job.kind.as_str().into()),
                    idempotency_key: Some(job.idempotency_key.clone()),
                    ..rejection
                };
                return self.reject(rejection, delivery, publisher, trace).await;
            }
        };

        let attempt = headers::attempt(delivery.properties.headers().as_ref());
        let exclusive = match self.handlers.get(job.kind).and_then(|h| h.exclusive(job)) {
            None => None,
            Some(key) => match AdvisoryLock::acquire(&self.pool, key).await {
                Ok(held) => Some(held),
                Err(e) => {
                    lock.release().await;
                    return Err(e.into());
                }
            },
        };
        let started = Instant::now();
        let outcome = self.run_handler(job, credentials, attempt).await;
        self.metrics
            .job_seconds
            .get_or_create(&crate::metrics::TypeLabel { job_type: job.kind.as_str().into() })
            .observe(started.elapsed().as_secs_f64());
        let recorded = self.record(&mut lock, job, (attempt_id, attempt), outcome, trace).await;
        if recorded.is_ok() {
            crate::failpoint::crash_point(FAILPOINT_AFTER_COMMIT);
        }
        lock.release().await;
        if let Some(held) = exclusive {
            held.release().await; // only now: the next job must see this one's committed result
        }
        let after = recorded?;
        self.relay.wake();
        match after {
            After::Ack => {}
            After::Retry(delay) => self.send_retry(delivery, publisher, job.kind, attempt, delay).await?,
            After::Park { code, message } => self.park(delivery, publisher, &code, &message).await?,
        }
        ack(delivery).await;
        Ok(())
    }

    /// Runs the handler; a panic becomes a permanent error instead of a stuck delivery.
    async fn run_handler(&self, job: &Job, credentials: &Credentials, attempt: u32) -> Result<JobOutput, JobError> {
        let Some(handler) = self.handlers.get(job.kind) else {
            return Err(JobError::permanent(
                "job_type_not_supported",
                format!("this worker version has no {} handler yet; replay the job after upgrading", job.kind),
            ));
        };
        let ctx = JobContext { job, credentials, attempt, pool: &self.pool, metrics: &self.metrics };
        match AssertUnwindSafe(handler.run(ctx)).catch_unwind().await {
            Ok(result) => result,
            Err(_) => Err(JobError::permanent("internal_error", "the job handler crashed; see the worker logs")),
        }
    }

    /// Writes the attempt's end and its events in one statement; says what remains to do.
    async fn record(
        &self,
        lock: &mut AdvisoryLock,
        job: &Job,
        (attempt_id, attempt): (i64, u32),
        outcome: Result<JobOutput, JobError>,
        trace: &TraceHeaders,
    ) -> Result<After, sqlx::Error> {
        let job_ref = JobRef::from(job);
        let wrap =
            |id: Uuid, draft: &EventDraft| events::envelope(id, draft, Some(&job.integration.id), &job_ref, trace);
        let mut writes = Vec::new();
        let (ending, result_event_id, evs, error, after): (
            Ending,
            Option<Uuid>,
            Vec<OutboxEvent>,
            Option<JobError>,
            After,
        ) = match outcome {
            Ok(JobOutput { status, counts, errors, events: drafts, writes: to_write }) => {
                let id = Uuid::new_v4();
                tracing::info!(?status, ?counts, "job completed");
                let completed = EventDraft::new(
                    EventType::JobCompleted,
                    &json!({"status": status, "counts": counts, "errors": errors}),
                );
                // The job's own events first, its terminal event last: the relay publishes in
                // order, so whoever sees `job.completed` has been sent everything before it.
                // Each draft is dropped once serialized: a big sync holds one copy, not two.
                let mut evs: Vec<OutboxEvent> = drafts.into_iter().map(|d| wrap(Uuid::new_v4(), &d)).collect();
                evs.push(wrap(id, &completed));
                self.metrics.job(job.kind.as_str(), "completed");
                writes = to_write;
                (Ending::Completed, Some(id), evs, None, After::Ack)
            }
            Err(error) => match decide(error.class, attempt, &self.retry_schedule) {
                Decision::RetryAfter(delay) => {
                    tracing::warn!(code = %error.code, error = %error.message, retry_in = %delay_label(delay), "attempt failed; retrying later");
                    self.metrics.job(job.kind.as_str(), "retry");
                    (Ending::Retry, None, Vec::new(), Some(error), After::Retry(delay))
                }
                Decision::GiveUp { exhausted } => {
                    let id = events::stable_event_id(&job.message_id, &format!("failed/{attempt_id}"));
                    let failed = EventDraft::new(
                        EventType::JobFailed,
                        &json!({"error": {"code": error.code, "message": error.message, "attempts": attempt}}),
                    );
                    let notice = error.final_notification(exhausted, attempt).draft();
                    let evs = vec![wrap(Uuid::new_v4(), &notice), wrap(id, &failed)];
                    tracing::error!(code = %error.code, error = %error.message, exhausted, "job failed; parked");
                    self.metrics.job(job.kind.as_str(), "failed");
                    let after = After::Park { code: error.code.clone(), message: error.message.clone() };
                    (Ending::Failed, Some(id), evs, Some(error), after)
                }
            },
        };
        let finish = Finish {
            job,
            attempt_id,
            ending,
            result_event_id,
            error: error.as_ref().map(|e| (e.code.as_str(), e.message.as_str())),
            events: &evs,
            lock_key: lock.key(),
        };
        if writes.is_empty() {
            inbox::finish(lock.conn(), &finish).await?;
        } else {
            let mut tx = sqlx::Connection::begin(lock.conn()).await?;
            for write in &writes {
                match write {
                    ResultWrite::SyncHashes(hashes) => sync_state::save(&mut tx, hashes).await?,
                }
            }
            inbox::finish(&mut tx, &finish).await?;
            tx.commit().await?;
        }
        lock.mark_unlocked();
        Ok(after)
    }

    /// Sends a copy of the delivery to the retry queue of `delay`; it dead-letters back to
    /// `nmbrs.jobs` with its original routing key when the delay is over.
    async fn send_retry(
        &self,
        delivery: &Delivery,
        publisher: &Publisher,
        kind: JobType,
        attempt: u32,
        delay: std::time::Duration,
    ) -> Result<(), PublishError> {
        let mut hdrs =
            headers::without(delivery.properties.headers().as_ref(), &[headers::ATTEMPT, headers::RETRY_DELAY]);
        headers::set_number(&mut hdrs, headers::ATTEMPT, attempt + 1);
        headers::set_text(&mut hdrs, headers::RETRY_DELAY, &delay_label(delay));
        let exchange = self.names.retry_exchange();
        publisher
            .send(Outgoing {
                exchange: &exchange,
                routing_key: kind.routing_key(),
                body: &delivery.data,
                properties: delivery.properties.clone().with_headers(hdrs),
                mandatory: true,
            })
            .await
    }

    /// Moves the delivery to `nmbrs.jobs.dead` with the reason in its headers (CONTRACT §2.1).
    async fn park(
        &self,
        delivery: &Delivery,
        publisher: &Publisher,
        code: &str,
        message: &str,
    ) -> Result<(), PublishError> {
        let mut hdrs = headers::without(delivery.properties.headers().as_ref(), &[headers::ERROR_CODE, headers::ERROR]);
        headers::set_text(&mut hdrs, headers::ERROR_CODE, code);
        headers::set_text(&mut hdrs, headers::ERROR, &message.chars().take(1000).collect::<String>());
        let original = headers::text(&hdrs, headers::ROUTING_KEY).unwrap_or_else(|| delivery.routing_key.to_string());
        headers::set_text(&mut hdrs, headers::ROUTING_KEY, &original);
        let dead = self.names.dead_queue();
        publisher
            .send(Outgoing {
                exchange: "",
                routing_key: &dead,
                body: &delivery.data,
                properties: delivery.properties.clone().with_headers(hdrs),
                mandatory: true,
            })
            .await
    }
}

/// What is left to do once an attempt is recorded.
enum After {
    Ack,
    Retry(std::time::Duration),
    Park { code: String, message: String },
}

async fn ack(delivery: &Delivery) {
    if let Err(e) = delivery.acker.ack(BasicAckOptions::default()).await {
        tracing::warn!(error = %e, "ack failed; the broker will redeliver and the inbox deduplicates");
    }
}
