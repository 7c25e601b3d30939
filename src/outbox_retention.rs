//! Outbox retention (issue 19 item 7): a published event's body is kept only for
//! `NMBRS_WORKER_OUTBOX_RETENTION` (default 7 days), then pruned, keeping the row's id, type
//! and times for audit. `team_member.upserted` bodies carry BSNs, addresses, birthdays and
//! salaries: they must not stay in clear text forever.
//!
//! The pruning runs in every worker process, on its own task (it needs only the database),
//! every [`every`] of the retention; several processes pruning at once only share the work.

use std::{sync::Arc, time::Duration};

use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::{metrics::Metrics, store::outbox};

/// How often the outbox is pruned: a tenth of the retention, between 1 s and 10 minutes.
pub fn every(retention: Duration) -> Duration {
    (retention / 10).clamp(Duration::from_secs(1), Duration::from_secs(600))
}

/// Prunes until `stop`.
pub async fn run(pool: PgPool, retention: Duration, metrics: Arc<Metrics>, stop: CancellationToken) {
    loop {
        match outbox::prune(&pool, retention).await {
            Ok(0) => {}
            Ok(pruned) => {
                tracing::info!(pruned, retention = %humantime::format_duration(retention), "pruned published outbox bodies");
                metrics.outbox_pruned.inc_by(pruned);
            }
            Err(e) => tracing::warn!(error = %e, "outbox pruning failed; trying again later"),
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(every(retention)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_runs_a_tenth_of_the_retention_apart_within_bounds() {
        assert_eq!(every(Duration::from_secs(7 * 86_400)), Duration::from_secs(600));
        assert_eq!(every(Duration::from_secs(60)), Duration::from_secs(6));
        assert_eq!(every(Duration::from_secs(2)), Duration::from_secs(1));
    }
}
