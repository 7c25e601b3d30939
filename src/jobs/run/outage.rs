//! What the pipeline does when the worker's own database or broker fails while it handles a
//! delivery (issue 19 item 3), so that no fault of the infrastructure loses a job in silence:
//!
//! - **The database is unavailable** (`store::fault::DbFault::Unavailable`): the delivery is
//!   held, unacknowledged, while the worker checks with a growing pause (100 ms up to
//!   `NMBRS_WORKER_DB_RETRY_MAX`) whether the database answers again; only then does it go
//!   back to its queue, once. Every job in flight does the same, so the consumers hold all
//!   their permits and take no new delivery: the worker stops taking work until the database
//!   is back, instead of handing deliveries back every half second. An outage of any length
//!   costs a delivery one redelivery, far from the broker's delivery limit.
//! - **The job carries a value the database refuses** (`DbFault::Input`, e.g. a NUL byte in
//!   an id): it would be refused on every delivery, so the message is rejected
//!   (`unstorable_value`) and parked at once.
//! - **Redeliveries are counted by the worker itself**: the broker's `x-delivery-count`
//!   (quorum queues) says how often a delivery came back unacknowledged (a crash, a held
//!   delivery, a lost channel). From [`PARK_AT`] on, the worker stops the job with
//!   `job.failed` `redelivered_too_often` and parks it with `x-nmbrs-error-code`, before the
//!   broker's own limit ([`DELIVERY_LIMIT`]) would dead-letter it without a word.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use lapin::types::FieldTable;
use sqlx::PgPool;

use crate::{
    bus::{headers, publisher::PublishError, topology::DELIVERY_LIMIT},
    envelope::{RejectCode, Rejection},
    jobs::run::error::JobError,
    store::{self, fault},
};

/// From this many earlier deliveries on, the worker parks the job itself, with `job.failed`.
pub const PARK_AT: u32 = (DELIVERY_LIMIT as u32) - 5;

/// The broker's count of earlier deliveries of this message that came back (quorum queues).
pub const DELIVERY_COUNT: &str = "x-delivery-count";

/// Failures of the worker's own infrastructure (database, broker) while handling a delivery.
#[derive(Debug, thiserror::Error)]
pub enum Infra {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("broker: {0}")]
    Broker(#[from] PublishError),
}

/// How often this delivery came back to its queue before.
pub fn returned(headers: Option<&FieldTable>) -> u32 {
    headers::number(headers, DELIVERY_COUNT).unwrap_or(0)
}

/// The end of a job delivered [`PARK_AT`] times or more: permanent, so it is parked now.
pub fn redelivered_too_often(returned: u32) -> JobError {
    JobError::permanent(
        "redelivered_too_often",
        format!(
            "the job came back to its queue {returned} times without finishing (a crash, or the worker's \
             database or broker failing each time); it was stopped before the broker's limit of \
             {DELIVERY_LIMIT}. See the worker logs, then replay it"
        ),
    )
}

/// The rejection of a message carrying a value the database refuses (`DbFault::Input`).
pub fn unstorable(err: &sqlx::Error, body: &[u8], amqp_message_id: Option<&str>) -> Rejection {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    Rejection::new(
        RejectCode::UnstorableValue,
        format!(
            "the worker's database refuses a value of this message ({}), such as a NUL byte in an id; \
             it would refuse it on every delivery",
            fault::describe(err)
        ),
    )
    .identified_by(parsed.as_ref(), amqp_message_id)
}

/// Waits until the database answers a ping again, pausing from 100 ms up to `max_delay`
/// between checks. Returns how long it waited.
pub async fn wait_for_database(pool: &PgPool, max_delay: Duration) -> Duration {
    let started = tokio::time::Instant::now();
    let mut delays = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(100).min(max_delay))
        .with_max_delay(max_delay)
        .with_jitter()
        .without_max_times()
        .build();
    loop {
        tokio::time::sleep(delays.next().unwrap_or(max_delay)).await;
        if store::ping(pool).await {
            return started.elapsed();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worker_parks_before_the_broker_would() {
        assert!(PARK_AT < DELIVERY_LIMIT as u32 && PARK_AT > 10);
        let mut table = FieldTable::default();
        assert_eq!(returned(Some(&table)), 0);
        headers::set_number(&mut table, DELIVERY_COUNT, 7);
        assert_eq!(returned(Some(&table)), 7);
        assert_eq!(redelivered_too_often(45).code, "redelivered_too_often");
    }
}
