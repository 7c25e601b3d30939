//! The call budget's metrics, one set per process (the budget lives below the worker that
//! serves `/metrics`, so `metrics::Metrics` registers these handles too).

use std::sync::OnceLock;

use prometheus_client::metrics::{counter::Counter, gauge::Gauge};

/// The budget's counters and its pause gauge.
#[derive(Default)]
pub struct BudgetStats {
    /// 1 while this process finds the REST scope paused after a `42909`.
    pub rest_paused: Gauge,
    /// `42909` answers seen by this process.
    pub quota_exceeded: Counter,
    /// `42908` (and SOAP 429) answers seen by this process.
    pub throttled: Counter,
    /// Tokens this process took from the shared budget.
    pub tokens: Counter,
    /// Tokens not used because their call woke too late after the token's moment (a loaded
    /// process): the call took a fresh one (`nmbrs::budget::lane`).
    pub late_tokens: Counter,
    /// Jobs that gave their job slot back for a bulk slot when their calls reached the bulk
    /// lane (`crate::job_slot`).
    pub bulk_slot_moves: Counter,
}

/// The process's budget metrics.
pub fn get() -> &'static BudgetStats {
    static STATS: OnceLock<BudgetStats> = OnceLock::new();
    STATS.get_or_init(BudgetStats::default)
}
