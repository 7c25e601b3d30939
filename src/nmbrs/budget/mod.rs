//! The one Nmbrs call budget (issue 22, CONTRACT §5.3 "One budget for all of Eitje"), on the
//! process side: every Nmbrs API call of every job waits here for a token before it is sent.
//!
//! | scope | rate | shared by |
//! | --- | --- | --- |
//! | [`Scope::Rest`]: Eitje's REST subscription key | `NMBRS_REST_CALLS_PER_SECOND` | every process, every integration |
//! | [`Scope::Soap`]: one Nmbrs environment (domain) | `NMBRS_SOAP_CALLS_PER_SECOND` | every process, the integrations of that domain |
//!
//! - **Across processes** the bucket is a PostgreSQL row (`store::call_budget`): a process takes
//!   tokens in batches (at most `batch` per round trip, only for calls it has waiting), so the
//!   database sees a few round trips per second, not one per call. Its share is weighted by
//!   the integrations it has waiting; a process that stops asking (it died) stops counting
//!   after two seconds, and the others get the whole rate. Without a database (tools, unit
//!   tests) the same bucket is kept in memory for the process alone.
//! - **Within a process** the tokens go round-robin by integration, a job past
//!   `bulk_after_calls` calls in the bulk lane (`domain::call_budget::fair`).
//! - **Throttled and paused.** A `42908` spends the shared bucket (with `Retry-After`, no token
//!   comes before it, for any process). A `42909` pauses the REST scope for every process: a
//!   call then either becomes the one probe, or is refused at once ([`Refused`], the job's
//!   `QuotaExceeded`, retried on its schedule) without being sent. An answered probe ends the
//!   pause. Operations see it in the log (an error line) and the metrics
//!   (`nmbrs_worker_rest_paused`, `nmbrs_worker_rest_quota_exceeded_total`).
//!
//! The order of a call: the integration's permit, (REST) the access token, then the budget's
//! [`Ticket`], the request, and the ticket settled with what came back.

mod lane;
pub mod stats;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::call_budget::{Answer, Bucket, Take};
use lane::Lane;

/// What a budget is counted for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every REST call: throttling and the quota count per subscription key (Eitje's app).
    Rest,
    /// The SOAP calls to one Nmbrs environment.
    Soap { domain: String },
}

impl Scope {
    /// The scope's key in `nmbrs_call_budget`.
    pub fn key(&self) -> String {
        match self {
            Scope::Rest => "rest".into(),
            Scope::Soap { domain } => format!("soap:{}", domain.to_ascii_lowercase()),
        }
    }
}

/// The budget's settings.
#[derive(Clone, Debug)]
pub struct BudgetSettings {
    /// `NMBRS_REST_CALLS_PER_SECOND`: REST calls per second, all processes together.
    pub rest_rate: f64,
    /// `NMBRS_SOAP_CALLS_PER_SECOND`: SOAP calls per second per domain, all processes together.
    pub soap_rate: f64,
    /// The bucket holds this many seconds of calls (the burst above the rate).
    pub burst_secs: f64,
    /// At most this many tokens per database round trip.
    pub batch: u32,
    /// A job's calls wait in the bulk lane after this many.
    pub bulk_after_calls: u64,
    /// How long one probe holds the probe (then another process may probe).
    pub probe_lease: Duration,
}

impl Default for BudgetSettings {
    fn default() -> Self {
        BudgetSettings {
            rest_rate: 100.0,
            soap_rate: 100.0,
            burst_secs: 0.05,
            batch: 8,
            bulk_after_calls: 200,
            probe_lease: Duration::from_secs(150),
        }
    }
}

impl BudgetSettings {
    fn rate(&self, scope: &Scope) -> f64 {
        match scope {
            Scope::Rest => self.rest_rate,
            Scope::Soap { .. } => self.soap_rate,
        }
        .max(0.1)
    }

    /// The bucket's size: `burst_secs` of calls, at least one.
    fn burst(&self, rate: f64) -> f64 {
        (rate * self.burst_secs).max(1.0)
    }
}

/// Where the buckets are kept.
enum Store {
    Shared { pool: PgPool, process: Uuid },
    Local { started: Instant, buckets: Mutex<HashMap<String, Bucket>> },
}

impl Store {
    fn now(started: &Instant) -> f64 {
        started.elapsed().as_secs_f64()
    }

    async fn take(&self, scope: &str, t: &Take) -> sqlx::Result<Answer> {
        match self {
            Store::Shared { pool, process } => crate::store::call_budget::take(pool, scope, *process, t).await,
            Store::Local { started, buckets } => {
                let now = Self::now(started);
                let mut map = buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                Ok(map.entry(scope.to_owned()).or_insert_with(|| Bucket::new(t.burst, now)).take(now, t))
            }
        }
    }

    /// Applies `step` to the local bucket, or runs `shared` on the database.
    fn local<R>(&self, scope: &str, step: impl FnOnce(&mut Bucket, f64) -> R) -> Option<R> {
        let Store::Local { started, buckets } = self else { return None };
        let now = Self::now(started);
        let mut map = buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get_mut(scope).map(|b| step(b, now))
    }

    async fn throttle(&self, scope: &str, retry_after: Option<Duration>) -> sqlx::Result<()> {
        let secs = retry_after.map(|d| d.as_secs_f64());
        match self {
            Store::Shared { pool, .. } => crate::store::call_budget::throttle(pool, scope, secs).await,
            Store::Local { .. } => Ok(self.local(scope, |b, now| b.throttle(now, secs)).unwrap_or(())),
        }
    }

    async fn pause(&self, scope: &str) -> sqlx::Result<bool> {
        match self {
            Store::Shared { pool, .. } => crate::store::call_budget::pause(pool, scope).await,
            Store::Local { .. } => Ok(self.local(scope, |b, now| b.pause(now)).unwrap_or(false)),
        }
    }

    async fn resume(&self, scope: &str) -> sqlx::Result<bool> {
        match self {
            Store::Shared { pool, .. } => crate::store::call_budget::resume(pool, scope).await,
            Store::Local { .. } => Ok(self.local(scope, |b, now| b.resume(now)).unwrap_or(false)),
        }
    }

    async fn release_probe(&self, scope: &str) -> sqlx::Result<()> {
        match self {
            Store::Shared { pool, .. } => crate::store::call_budget::release_probe(pool, scope).await,
            Store::Local { .. } => Ok(self.local(scope, |b, _| b.release_probe()).unwrap_or(())),
        }
    }
}

struct Inner {
    store: Store,
    settings: BudgetSettings,
    lanes: Mutex<HashMap<Scope, Arc<Lane>>>,
}

/// The call budget of one process. Cheap to clone.
#[derive(Clone)]
pub struct CallBudget(Arc<Inner>);

impl std::fmt::Debug for CallBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shared = matches!(self.0.store, Store::Shared { .. });
        f.debug_struct("CallBudget").field("shared", &shared).field("settings", &self.0.settings).finish()
    }
}

/// The REST scope is paused after a `42909` and this call is not the probe: it was not sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Eitje's Nmbrs REST call quota is used up (42909); REST calls pause until a probing call succeeds")]
pub struct Refused;

/// What came back for a call made on a [`Ticket`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nmbrs answered (any status but 429).
    Answered,
    /// 429 `42908` (or a SOAP 429), with its `Retry-After`.
    Throttled(Option<Duration>),
    /// 429 `42909`.
    QuotaExceeded,
    /// No answer (no connection, a timeout, a broken reply).
    NoAnswer,
}

impl CallBudget {
    /// A budget kept in `pool` and shared with every process on that database.
    pub fn shared(pool: PgPool, settings: BudgetSettings) -> Self {
        Self::with(Store::Shared { pool, process: Uuid::new_v4() }, settings)
    }

    /// A budget of this process alone (no database: tools and unit tests).
    pub fn local(settings: BudgetSettings) -> Self {
        Self::with(Store::Local { started: Instant::now(), buckets: Mutex::default() }, settings)
    }

    fn with(store: Store, settings: BudgetSettings) -> Self {
        CallBudget(Arc::new(Inner { store, settings, lanes: Mutex::default() }))
    }

    pub fn settings(&self) -> &BudgetSettings {
        &self.0.settings
    }

    /// Waits for a token of `scope` for a call of `integration`, whose job has made `calls`
    /// calls so far (past `bulk_after_calls` it waits in the bulk lane).
    pub async fn ticket(&self, scope: &Scope, integration: &str, calls: u64) -> Result<Ticket, Refused> {
        let lane = self.lane(scope);
        let bulk = calls >= self.0.settings.bulk_after_calls;
        let probe = lane.wait(self.clone(), integration, bulk).await?;
        Ok(Ticket { budget: self.clone(), lane, probe, settled: false })
    }

    fn lane(&self, scope: &Scope) -> Arc<Lane> {
        let mut lanes = self.0.lanes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        lanes
            .entry(scope.clone())
            .or_insert_with(|| {
                let rate = self.0.settings.rate(scope);
                Arc::new(Lane::new(scope, rate, self.0.settings.burst(rate)))
            })
            .clone()
    }
}

/// A token of the budget: the call may go. Settle it with what came back; a probe dropped
/// unsettled frees the probe.
pub struct Ticket {
    budget: CallBudget,
    lane: Arc<Lane>,
    probe: bool,
    settled: bool,
}

impl Ticket {
    /// Whether this call is the one probe of a paused scope.
    pub fn is_probe(&self) -> bool {
        self.probe
    }

    /// Tells the budget what came back: a `42908` spends the shared bucket, a `42909` pauses
    /// the scope, an answered probe ends the pause. The budget's own database failing is
    /// logged, never the call's error.
    pub async fn settle(mut self, outcome: Outcome) {
        self.settled = true;
        let lane = self.lane.clone();
        if let Err(e) = lane.settle(&self.budget, self.probe, outcome).await {
            tracing::warn!(scope = %lane.key, error = %e, "the call budget could not record an outcome");
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if self.probe && !self.settled {
            let (budget, lane) = (self.budget.clone(), self.lane.clone());
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(async move { lane.settle(&budget, true, Outcome::NoAnswer).await });
            }
        }
    }
}
