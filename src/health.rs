//! `/healthz`, `/readyz` and `/metrics` on `NMBRS_WORKER_HTTP_ADDR` (CONTRACT §2.1).
//!
//! Liveness says the process answers; readiness says the topology is declared, the consumers
//! run and the database answers.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use axum::{Router, extract::State, http::StatusCode, response::IntoResponse, routing::get};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;

/// What readiness depends on, set by the supervisor.
#[derive(Default)]
pub struct Status {
    broker_ready: AtomicBool,
}

impl Status {
    pub fn set_broker_ready(&self, ready: bool) {
        self.broker_ready.store(ready, Ordering::SeqCst);
    }

    pub fn broker_ready(&self) -> bool {
        self.broker_ready.load(Ordering::SeqCst)
    }
}

#[derive(Clone)]
struct AppState {
    status: Arc<Status>,
    pool: PgPool,
    metrics: Arc<Metrics>,
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(s): State<AppState>) -> impl IntoResponse {
    let broker = s.status.broker_ready();
    let database = crate::store::ping(&s.pool).await;
    let code = if broker && database { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (code, format!("broker: {}\ndatabase: {}\n", up(broker), up(database)))
}

fn up(ok: bool) -> &'static str {
    if ok { "ready" } else { "not ready" }
}

async fn metrics_page(State(s): State<AppState>) -> impl IntoResponse {
    ([("content-type", "text/plain; version=0.0.4; charset=utf-8")], s.metrics.render())
}

/// Binds the listener now (so a taken port fails the start), serves until `shutdown`.
pub async fn serve(
    addr: SocketAddr,
    status: Arc<Status>,
    pool: PgPool,
    metrics: Arc<Metrics>,
    shutdown: CancellationToken,
) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on NMBRS_WORKER_HTTP_ADDR={addr}: {e}"))?;
    let bound = listener.local_addr()?;
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_page))
        .with_state(AppState { status, pool, metrics });
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(shutdown.cancelled_owned()).await;
        if let Err(e) = served {
            tracing::error!(error = %e, "health endpoint failed");
        }
    });
    Ok((bound, task))
}
