//! Assembles the running worker: database, health endpoint, outbox relay, pipeline and the
//! supervised consumer, with one shutdown token for all of them.

use std::{net::SocketAddr, sync::Arc};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::{
    bus::{supervisor::Supervisor, topology::Names},
    config::Config,
    envelope::{Limits, schema},
    health::{self, Status},
    jobs::{Handlers, Pipeline},
    metrics::Metrics,
    relay::Relay,
    store,
};

/// A started worker.
pub struct Worker {
    /// Where `/healthz`, `/readyz` and `/metrics` answer (useful with port 0).
    pub http_addr: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

impl Worker {
    /// Connects to the database (creating and migrating it), binds the health endpoint and
    /// starts consuming. Fails fast on bad configuration, an unreachable database or a taken
    /// port; an unreachable broker is retried in the background (and `/readyz` says so).
    pub async fn start(config: Config, handlers: Handlers) -> anyhow::Result<Self> {
        let keys = config.require_keys()?.clone();
        schema::warm_up();
        let pool = store::connect_with(&config.database_url, &config.pool_settings()).await?;
        let metrics = Arc::new(Metrics::default());
        let (config_retention, metrics_for_pruning) = (config.outbox_retention, metrics.clone());
        let status = Arc::new(Status::default());
        let names = Names::new(&config.queue_prefix);
        let relay = Arc::new(Relay::new(
            pool.clone(),
            names.events_exchange(),
            config.outbox_poll_interval,
            config.max_event_bytes,
            metrics.clone(),
        ));
        let shutdown = CancellationToken::new();
        let http_stop = CancellationToken::new();
        let (http_addr, http) =
            health::serve(config.http_addr, status.clone(), pool.clone(), metrics.clone(), http_stop.clone()).await?;
        let pipeline = Pipeline {
            pool: pool.clone(),
            keys,
            handlers,
            names: names.clone(),
            relay: relay.clone(),
            metrics: metrics.clone(),
            limits: Limits { max_message_bytes: config.max_message_bytes, max_event_bytes: config.max_event_bytes },
            retry_schedule: config.retry_schedule.clone(),
            db_retry_max: config.db_retry_max,
            job_deadline: config.job_deadline,
            consent: crate::jobs::run::consent::ConsentWatch { policy: config.rest.chain },
        };
        let connection_name = format!("nmbrs-worker {}pid{}", names.prefix(), std::process::id());
        let supervisor = Supervisor {
            config: Arc::new(config),
            names,
            handler: Arc::new(pipeline),
            relay,
            status,
            metrics,
            connection_name,
        };
        let pruning = tokio::spawn(crate::outbox_retention::run(
            pool.clone(),
            config_retention,
            metrics_for_pruning,
            shutdown.clone(),
        ));
        let stop = shutdown.clone();
        let task = tokio::spawn(async move {
            supervisor.run(stop).await;
            http_stop.cancel();
            let _ = http.await;
            let _ = pruning.await;
            pool.close().await;
            tracing::info!("worker stopped");
        });
        Ok(Self { http_addr, shutdown, task })
    }

    /// The token that stops the worker gracefully when cancelled.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Waits until the worker has stopped (after its shutdown token was cancelled).
    pub async fn wait(self) {
        let _ = self.task.await;
    }

    /// Graceful stop: finish or release in-flight jobs, flush the outbox, close.
    pub async fn stop(self) {
        self.shutdown.cancel();
        self.wait().await;
    }
}
