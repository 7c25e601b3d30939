//! The supervised consumer: connect, declare, consume, and start over when anything breaks.
//!
//! lapin's own recovery has open bugs around broker restarts (#450) and can leave a cancelled
//! consumer silently idle (#389), so the worker does not rely on it. Each connection is an
//! *epoch*: connect → declare the topology → open a publisher and one channel per job queue →
//! consume. The epoch ends when the connection reports an error, a channel stops being
//! connected, a consumer stream ends (the broker cancelled it), or the relay fails. Then
//! everything of the epoch is dropped (unacked deliveries go back to the broker) and a new
//! epoch starts after a backoff with jitter.
//!
//! Shutdown follows mini-redis: a token is cancelled, consumers stop taking deliveries, the
//! in-flight jobs get `shutdown_timeout` to finish (then they are released: dropped unacked,
//! so the broker redelivers them), the outbox is flushed, and the connection is closed.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use backon::{BackoffBuilder, ExponentialBuilder};
use futures::StreamExt;
use lapin::{
    Channel, Connection, Event,
    message::Delivery,
    options::{BasicCancelOptions, BasicConsumeOptions, BasicQosOptions},
    types::FieldTable,
};
use tokio::{sync::Semaphore, task::JoinSet};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use super::{publisher::Publisher, topology};
use crate::{
    config::Config, envelope::JobType, health::Status, job_slot::JobSlot, jobs::run::lifecycle::JobState,
    metrics::Metrics, relay::Relay,
};

/// Handles one delivery completely, including its acknowledgement. Must never panic on input.
#[async_trait]
pub trait DeliveryHandler: Send + Sync + 'static {
    async fn handle(&self, kind: JobType, delivery: Delivery, publisher: &Publisher);
}

pub struct Supervisor {
    pub config: Arc<Config>,
    pub names: topology::Names,
    pub handler: Arc<dyn DeliveryHandler>,
    pub relay: Arc<Relay>,
    pub status: Arc<Status>,
    pub metrics: Arc<Metrics>,
    /// Name shown in the broker's connection list; tests use it to kill this connection.
    pub connection_name: String,
}

enum EpochEnd {
    Shutdown,
    Lost(String),
}

impl Supervisor {
    /// Runs until `shutdown` is cancelled and the graceful shutdown has finished.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut delays = reconnect_backoff();
        while !shutdown.is_cancelled() {
            let started = tokio::time::Instant::now();
            let reason = match self.epoch(&shutdown).await {
                Ok(EpochEnd::Shutdown) => break,
                Ok(EpochEnd::Lost(reason)) => reason,
                Err(e) => format!("could not connect or set up: {e}"),
            };
            self.status.set_broker_ready(false);
            self.metrics.broker_connection_lost.inc();
            if started.elapsed() > Duration::from_secs(30) {
                delays = reconnect_backoff();
            }
            let delay = delays.next().unwrap_or(Duration::from_secs(10));
            tracing::warn!(%reason, retry_in_ms = delay.as_millis() as u64, "broker connection lost; reconnecting");
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = shutdown.cancelled() => break,
            }
        }
        tracing::info!("consumer stopped");
    }

    async fn epoch(&self, shutdown: &CancellationToken) -> anyhow::Result<EpochEnd> {
        let conn = super::connect(&self.config.amqp_url, &self.connection_name).await?;
        let mut conn_events = conn.events_listener();
        let setup = conn.create_channel().await?;
        topology::declare(&setup, &self.names, &self.config.retry_schedule).await?;
        let _ = setup.close(200, "OK".into()).await;
        let publisher = Publisher::open(&conn, self.config.confirm_timeout).await?;

        let stop_taking = CancellationToken::new();
        let release = CancellationToken::new();
        let in_flight = TaskTracker::new();
        let mut services = JoinSet::new();
        let mut channels = Vec::new();
        for kind in JobType::ALL {
            let channel = conn.create_channel().await?;
            let consumer = Consumer {
                kind,
                channel: channel.clone(),
                handler: self.handler.clone(),
                publisher: publisher.clone(),
                permits: Arc::new(Semaphore::new(self.config.concurrency_per_queue.into())),
                bulk_permits: Arc::new(Semaphore::new(self.config.bulk_jobs_per_queue.into())),
                stop_taking: stop_taking.clone(),
                release: release.clone(),
                in_flight: in_flight.clone(),
                metrics: self.metrics.clone(),
            };
            // Slots and bulk slots together: the broker hands a slot that a job in the bulk
            // lane gave back (`job_slot`) another delivery.
            let prefetch = self.config.concurrency_per_queue + self.config.bulk_jobs_per_queue;
            let stream = consumer.start(&self.names, prefetch).await?;
            channels.push(channel);
            services.spawn(consumer.run(stream));
        }
        {
            let (relay, publisher, stop) = (self.relay.clone(), publisher.clone(), stop_taking.clone());
            services.spawn(async move { relay.run(&publisher, stop).await });
        }
        self.metrics.broker_connects.inc();
        self.status.set_broker_ready(true);
        tracing::info!(prefix = %self.names.prefix(), "connected to the broker; consuming");

        let lost = tokio::select! {
            _ = shutdown.cancelled() => None,
            Some(ended) = services.join_next() => Some(match ended {
                Ok(Err(reason)) => reason,
                Ok(Ok(())) => "a consumer stopped".to_string(),
                Err(e) => format!("a consumer task failed: {e}"),
            }),
            Some(reason) = next_error(&mut conn_events) => Some(reason),
            reason = watch_channels(&conn, &channels, &publisher) => Some(reason),
        };
        self.status.set_broker_ready(false);
        stop_taking.cancel();
        in_flight.close();
        if let Some(reason) = lost {
            // The deliveries of this epoch are gone with its channels; the broker redelivers
            // them. Jobs already running finish on their own; their acks will fail harmlessly.
            services.abort_all();
            return Ok(EpochEnd::Lost(reason));
        }

        let count = in_flight.len();
        if count > 0 {
            tracing::info!(in_flight = count, "waiting for in-flight jobs");
        }
        if tokio::time::timeout(self.config.shutdown_timeout, in_flight.wait()).await.is_err() {
            tracing::warn!(in_flight = in_flight.len(), "shutdown timeout: releasing in-flight jobs for redelivery");
            release.cancel();
            in_flight.wait().await;
        }
        while services.join_next().await.is_some() {}
        let flushed = tokio::time::timeout(self.config.shutdown_timeout, self.relay.publish_pending(&publisher)).await;
        if !matches!(flushed, Ok(Ok(_))) {
            tracing::warn!("outbox not fully flushed at shutdown; the next start publishes the rest");
        }
        for channel in channels {
            let _ = channel.close(200, "shutdown".into()).await;
        }
        let _ = conn.close(200, "shutdown".into()).await;
        Ok(EpochEnd::Shutdown)
    }
}

fn reconnect_backoff() -> impl Iterator<Item = Duration> {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(200))
        .with_max_delay(Duration::from_secs(15))
        .with_jitter()
        .without_max_times()
        .build()
}

async fn next_error(events: &mut (impl futures::Stream<Item = Event> + Unpin)) -> Option<String> {
    while let Some(event) = events.next().await {
        if let Event::Error(e) = event {
            return Some(format!("connection error: {e}"));
        }
    }
    None
}

/// Notices a connection or channel that stopped being connected without an error event.
async fn watch_channels(conn: &Connection, channels: &[Channel], publisher: &Publisher) -> String {
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tick.tick().await;
        if !conn.status().connected() {
            return "connection no longer connected".into();
        }
        if !publisher.is_open() {
            return "publisher channel closed".into();
        }
        if channels.iter().any(|c| !c.status().connected()) {
            return "a consumer channel closed".into();
        }
    }
}

/// One queue's consumer: pulls deliveries and runs up to `permits` of them at once, plus up to
/// `bulk_permits` jobs that moved out of their slot into the bulk lane (`crate::job_slot`).
struct Consumer {
    kind: JobType,
    channel: Channel,
    handler: Arc<dyn DeliveryHandler>,
    publisher: Publisher,
    permits: Arc<Semaphore>,
    bulk_permits: Arc<Semaphore>,
    stop_taking: CancellationToken,
    release: CancellationToken,
    in_flight: TaskTracker,
    metrics: Arc<Metrics>,
}

impl Consumer {
    async fn start(&self, names: &topology::Names, prefetch: u16) -> lapin::Result<lapin::Consumer> {
        self.channel.basic_qos(prefetch, BasicQosOptions::default()).await?;
        self.channel
            .basic_consume(
                names.job_queue(self.kind).into(),
                "".into(),
                BasicConsumeOptions { no_ack: false, ..Default::default() },
                FieldTable::default(),
            )
            .await
    }

    async fn run(self, mut stream: lapin::Consumer) -> Result<(), String> {
        loop {
            let permit = tokio::select! {
                _ = self.stop_taking.cancelled() => break,
                p = self.permits.clone().acquire_owned() => p.expect("semaphore never closed"),
            };
            let next = tokio::select! {
                _ = self.stop_taking.cancelled() => break,
                next = stream.next() => next,
            };
            let delivery = match next {
                None => return Err(format!("the broker cancelled the {} consumer", self.kind)),
                Some(Err(e)) => return Err(format!("the {} consumer failed: {e}", self.kind)),
                Some(Ok(delivery)) => delivery,
            };
            let (handler, publisher, release, kind) =
                (self.handler.clone(), self.publisher.clone(), self.release.clone(), self.kind);
            let metrics = self.metrics.clone();
            let slot = Arc::new(JobSlot::new(permit, self.bulk_permits.clone()));
            self.in_flight.spawn(async move {
                metrics.jobs_in_flight.inc();
                tokio::select! {
                    _ = slot.clone().scope(handler.handle(kind, delivery, &publisher)) => {}
                    _ = release.cancelled() => metrics.job(kind.as_str(), JobState::Released.as_str()),
                }
                metrics.jobs_in_flight.dec();
                drop(slot);
            });
        }
        // Stop the broker from pushing more; prefetched deliveries not started yet return to
        // the queue when the channel closes.
        let _ = self.channel.basic_cancel(stream.tag(), BasicCancelOptions::default()).await;
        Ok(())
    }
}
