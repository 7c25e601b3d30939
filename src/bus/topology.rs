//! The exchanges and queues of CONTRACT §2.1 and §3, declared idempotently at every (re)connect.
//!
//! ```text
//! nmbrs.jobs (direct) ──sync_team──▶ nmbrs.jobs.sync_team (quorum)  ─┐
//!                     ──export_hours▶ nmbrs.jobs.export_hours        ├─ consumed by the worker
//!                     ──deactivate──▶ nmbrs.jobs.deactivate          ─┘
//! nmbrs.jobs.retry (headers, nmbrs-retry-delay=10s) ─▶ nmbrs.jobs.retry.10s (classic, TTL 10s)
//!                                                         └─ dead-letters back to nmbrs.jobs
//! nmbrs.jobs.dead (quorum): parked messages
//! nmbrs.events (topic): every event, routing key = event type
//! ```
//! Classic queues expire messages only at their head, so each retry delay has its own queue.

use std::time::Duration;

use lapin::{
    Channel, ExchangeKind,
    options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions},
    types::{AMQPValue, FieldTable},
};

use crate::envelope::JobType;

/// Redeliveries (crashes, released jobs) after which the broker parks a message itself, so a
/// message that kills the worker every time cannot loop forever.
pub const DELIVERY_LIMIT: i64 = 50;

/// Every name, with the configured prefix applied.
#[derive(Debug, Clone)]
pub struct Names {
    prefix: String,
}

impl Names {
    pub fn new(prefix: &str) -> Self {
        Self { prefix: prefix.to_string() }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn name(&self, base: &str) -> String {
        format!("{}{}", self.prefix, base)
    }

    pub fn jobs_exchange(&self) -> String {
        self.name("nmbrs.jobs")
    }

    pub fn events_exchange(&self) -> String {
        self.name("nmbrs.events")
    }

    pub fn retry_exchange(&self) -> String {
        self.name("nmbrs.jobs.retry")
    }

    pub fn job_queue(&self, kind: JobType) -> String {
        self.name(&format!("nmbrs.jobs.{}", kind.routing_key()))
    }

    pub fn dead_queue(&self) -> String {
        self.name("nmbrs.jobs.dead")
    }

    pub fn retry_queue(&self, delay: Duration) -> String {
        self.name(&format!("nmbrs.jobs.retry.{}", delay_label(delay)))
    }
}

/// `10s`, `1m`, `1h30m`: the delay as it appears in retry queue names and headers.
pub fn delay_label(delay: Duration) -> String {
    humantime::format_duration(Duration::from_millis(delay.as_millis() as u64)).to_string().replace(' ', "")
}

fn table(entries: &[(&str, AMQPValue)]) -> FieldTable {
    let mut t = FieldTable::default();
    for (k, v) in entries {
        t.insert((*k).into(), v.clone());
    }
    t
}

fn text(s: &str) -> AMQPValue {
    AMQPValue::LongString(s.into())
}

const DURABLE: QueueDeclareOptions =
    QueueDeclareOptions { passive: false, durable: true, exclusive: false, auto_delete: false, nowait: false };

/// Declares the whole topology. Safe to call on every connect: declarations are idempotent.
pub async fn declare(channel: &Channel, names: &Names, retry_schedule: &[Duration]) -> lapin::Result<()> {
    let durable_exchange = ExchangeDeclareOptions { durable: true, ..Default::default() };
    channel
        .exchange_declare(names.jobs_exchange().into(), ExchangeKind::Direct, durable_exchange, FieldTable::default())
        .await?;
    channel
        .exchange_declare(names.events_exchange().into(), ExchangeKind::Topic, durable_exchange, FieldTable::default())
        .await?;
    channel
        .exchange_declare(names.retry_exchange().into(), ExchangeKind::Headers, durable_exchange, FieldTable::default())
        .await?;
    let quorum = [("x-queue-type", text("quorum"))];
    channel.queue_declare(names.dead_queue().into(), DURABLE, table(&quorum)).await?;
    for kind in JobType::ALL {
        let queue = names.job_queue(kind);
        let args = table(&[
            ("x-queue-type", text("quorum")),
            ("x-delivery-limit", AMQPValue::LongLongInt(DELIVERY_LIMIT)),
            ("x-dead-letter-exchange", text("")),
            ("x-dead-letter-routing-key", text(&names.dead_queue())),
        ]);
        channel.queue_declare(queue.as_str().into(), DURABLE, args).await?;
        channel
            .queue_bind(
                queue.into(),
                names.jobs_exchange().into(),
                kind.routing_key().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }
    for &delay in retry_schedule {
        let queue = names.retry_queue(delay);
        let args = table(&[
            ("x-message-ttl", AMQPValue::LongLongInt(delay.as_millis() as i64)),
            ("x-dead-letter-exchange", text(&names.jobs_exchange())),
        ]);
        channel.queue_declare(queue.as_str().into(), DURABLE, args).await?;
        let binding = table(&[("x-match", text("all")), (super::headers::RETRY_DELAY, text(&delay_label(delay)))]);
        channel
            .queue_bind(queue.into(), names.retry_exchange().into(), "".into(), QueueBindOptions::default(), binding)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_contract_and_take_the_prefix() {
        let plain = Names::new("");
        assert_eq!(plain.jobs_exchange(), "nmbrs.jobs");
        assert_eq!(plain.events_exchange(), "nmbrs.events");
        assert_eq!(plain.job_queue(JobType::ExportHours), "nmbrs.jobs.export_hours");
        assert_eq!(plain.dead_queue(), "nmbrs.jobs.dead");
        assert_eq!(plain.retry_queue(Duration::from_secs(300)), "nmbrs.jobs.retry.5m");
        assert_eq!(Names::new("t1.").job_queue(JobType::SyncTeam), "t1.nmbrs.jobs.sync_team");
    }

    #[test]
    fn delay_labels_have_no_spaces() {
        assert_eq!(delay_label(Duration::from_secs(10)), "10s");
        assert_eq!(delay_label(Duration::from_secs(5400)), "1h30m");
        assert_eq!(delay_label(Duration::from_millis(1500)), "1s500ms");
    }
}
