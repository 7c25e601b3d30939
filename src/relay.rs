//! The outbox relay: publishes committed events with publisher confirms, then marks them
//! published. Together with the outbox this gives "duplicates possible, gaps never".
//!
//! It wakes when a job commits (same process) and polls otherwise, so events left behind by a
//! crashed process are published by whichever worker runs next.

use std::{sync::Arc, time::Duration};

use sqlx::PgPool;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::{
    bus::publisher::{Publisher, event_message},
    metrics::Metrics,
    store::outbox,
};

const BATCH: i64 = 256;

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
    wake: Notify,
    metrics: Arc<Metrics>,
}

impl Relay {
    pub fn new(pool: PgPool, exchange: String, poll_interval: Duration, metrics: Arc<Metrics>) -> Self {
        Self { pool, exchange, poll_interval, wake: Notify::new(), metrics }
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
                gauge_updated = Some(tokio::time::Instant::now());
            }
            tokio::select! {
                _ = stop.cancelled() => return Ok(()),
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.poll_interval) => {}
            }
        }
    }

    /// Publishes every event pending now; returns how many went out.
    pub async fn publish_pending(&self, publisher: &Publisher) -> Result<usize, RelayError> {
        let mut total = 0;
        loop {
            let batch = outbox::next_batch(&self.pool, BATCH).await?;
            let count = batch.rows.len();
            if count == 0 {
                batch.commit(&[]).await?;
                return Ok(total);
            }
            let messages: Vec<_> = batch.rows.iter().map(|(_, ev)| event_message(&self.exchange, ev)).collect();
            let results = publisher.send_all(messages).await;
            let mut published = Vec::with_capacity(count);
            let mut failure = None;
            for ((id, _), result) in batch.rows.iter().zip(results) {
                match result {
                    Ok(()) => published.push(*id),
                    Err(e) => failure = Some(e),
                }
            }
            batch.commit(&published).await?;
            total += published.len();
            self.metrics.events_published.inc_by(published.len() as u64);
            if let Some(e) = failure {
                return Err(e.into());
            }
            if (count as i64) < BATCH {
                return Ok(total);
            }
        }
    }
}
