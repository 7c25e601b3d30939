//! The outbox relay: publishes committed events with publisher confirms, then marks them
//! published. Together with the outbox this gives "duplicates possible, gaps never".
//!
//! It wakes when a job commits (same process) and polls otherwise, so events left behind by a
//! crashed process are published by whichever worker runs next.
//!
//! One row never stops it (issue 19 item 1): a row it cannot build (a field AMQP cannot carry,
//! a body over `NMBRS_WORKER_MAX_EVENT_BYTES`) is set aside at once, and a row whose publish
//! fails [`MAX_PUBLISH_FAILURES`] times (refused by the broker, or the one the channel failed
//! on) is set aside then. Set-aside rows are logged, counted
//! (`nmbrs_worker_outbox_set_aside_total`, and the gauge
//! `nmbrs_worker_outbox_set_aside_unpublished` to alert on) and kept for operators; the rows after them flow on.

use std::{sync::Arc, time::Duration};

use sqlx::PgPool;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::{
    bus::publisher::{PublishError, Publisher, event_message},
    metrics::Metrics,
    store::outbox::{self, BatchOutcome},
};

const BATCH: i64 = 256;

/// Failed publishes after which a row is set aside.
pub const MAX_PUBLISH_FAILURES: i32 = 5;

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("outbox database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("publishing failed: {0}")]
    Publish(#[from] crate::bus::publisher::PublishError),
}

pub struct Relay {
    pool: PgPool,
    exchange: String,
    poll_interval: Duration,
    max_event_bytes: usize,
    wake: Notify,
    metrics: Arc<Metrics>,
}

impl Relay {
    pub fn new(
        pool: PgPool,
        exchange: String,
        poll_interval: Duration,
        max_event_bytes: usize,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self { pool, exchange, poll_interval, max_event_bytes, wake: Notify::new(), metrics }
    }

    /// Tells the relay that new events were committed.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Publishes until `stop`; returns an error (ending the broker epoch) when publishing fails.
    pub async fn run(&self, publisher: &Publisher, stop: CancellationToken) -> Result<(), String> {
        let mut gauge_updated: Option<tokio::time::Instant> = None;
        loop {
            match self.publish_pending(publisher).await {
                Ok(_) => {}
                Err(RelayError::Publish(e)) => return Err(format!("outbox relay could not publish: {e}")),
                Err(RelayError::Database(e)) => tracing::warn!(error = %e, "outbox relay: database unavailable"),
            }
            // Counting is not free: at most once per poll interval, not on every wake.
            if gauge_updated.is_none_or(|at| at.elapsed() >= self.poll_interval) {
                if let Ok(pending) = outbox::pending(&self.pool).await {
                    self.metrics.outbox_pending.set(pending);
                }
                if let Ok(aside) = outbox::set_aside(&self.pool).await {
                    self.metrics.outbox_set_aside.set(aside);
                }
                gauge_updated = Some(tokio::time::Instant::now());
            }
            tokio::select! {
                _ = stop.cancelled() => return Ok(()),
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.poll_interval) => {}
            }
        }
    }

    /// Publishes every event pending now; returns how many went out. A failure of the channel
    /// is returned (it ends the broker epoch) after the batch's outcome is recorded.
    pub async fn publish_pending(&self, publisher: &Publisher) -> Result<usize, RelayError> {
        let mut total = 0;
        loop {
            let batch = outbox::next_batch(&self.pool, BATCH).await?;
            let count = batch.rows.len();
            let mut outcome = BatchOutcome::default();
            let mut sendable = Vec::with_capacity(count);
            for (id, event) in &batch.rows {
                match event_message(&self.exchange, event, self.max_event_bytes) {
                    Ok(message) => sendable.push((*id, message)),
                    Err(e) => outcome.set_aside.push((*id, e.to_string())),
                }
            }
            let (ids, messages): (Vec<i64>, Vec<_>) = sendable.into_iter().unzip();
            let results = if messages.is_empty() { Vec::new() } else { publisher.send_all(messages).await };
            let mut channel_failure = None;
            let mut refused = false;
            for (id, result) in ids.into_iter().zip(results) {
                match result {
                    Ok(()) => outcome.published.push(id),
                    Err(e) if e.is_the_message() => outcome.set_aside.push((id, e.to_string())),
                    // A refusal is the broker's answer to this one message: counted against it.
                    Err(e @ (PublishError::Nacked | PublishError::Returned)) => {
                        refused = true;
                        outcome.failed.push((id, e.to_string()));
                    }
                    // The channel failed: counted against the first row it failed on (the one
                    // that may have caused it); the rows after it are simply tried again.
                    Err(e) => {
                        if channel_failure.is_none() {
                            outcome.failed.push((id, e.to_string()));
                            channel_failure = Some(e);
                        }
                    }
                }
            }
            let named: Vec<(i64, uuid::Uuid, String)> =
                batch.rows.iter().map(|(id, e)| (*id, e.event_id, e.routing_key.clone())).collect();
            let set_aside = batch.commit(&outcome, MAX_PUBLISH_FAILURES).await?;
            for (id, event_id, routing_key) in named.iter().filter(|(id, ..)| set_aside.contains(id)) {
                let reason = outcome.set_aside.iter().chain(&outcome.failed).find(|(r, _)| r == id).map(|(_, r)| r);
                tracing::error!(
                    outbox_id = id,
                    %event_id,
                    routing_key,
                    reason,
                    "outbox event set aside: it cannot be published; the events after it go on"
                );
                self.metrics.outbox_set_aside_total.inc();
            }
            total += outcome.published.len();
            self.metrics.events_published.inc_by(outcome.published.len() as u64);
            if let Some(e) = channel_failure {
                return Err(e.into());
            }
            // A refused row is tried again on the next round, not in a tight loop.
            if refused || (count as i64) < BATCH {
                return Ok(total);
            }
        }
    }
}
