//! The one Nmbrs call budget (issue 22, CONTRACT §5.3 "One budget for all of Eitje"), on the
//! process side: every Nmbrs API call of every job waits here for a token before it is sent.
//!
//! | scope | rate | shared by |
//! | --- | --- | --- |
//! | [`Scope::Rest`]: Eitje's REST subscription key | `NMBRS_REST_CALLS_PER_SECOND` | every process, every integration |
//! | [`Scope::Soap`]: one Nmbrs environment (domain) | `NMBRS_SOAP_CALLS_PER_SECOND` | every process, the integrations of that domain |
//!
//! - **Across processes** the bucket is a PostgreSQL row (`store::call_budget`): a process takes
//!   tokens in batches (at most `batch` per round trip, only for calls it has waiting), and
//!   ahead (up to `horizon`; the tokens come paced, each call waits for its moment), so the
//!   database sees about four round trips per second per busy process, not one per call (the
//!   `takes` column counts them). Its share is weighted by
//!   the integrations it has waiting; a process that stops asking (it died) stops counting
//!   after two seconds, and the others get the whole rate. Without a database (tools, unit
//!   tests) the same bucket is kept in memory for the process alone.
//! - **Within a process** the tokens go round-robin by integration, a job past
//!   `bulk_after_calls` calls in the bulk lane, which gets a twentieth of the rate over time while
//!   any process has an ordinary call waiting (`domain::call_budget::fair`, `bucket`).
//!   Such a job also moves out of its job slot into one of the queue's bulk slots, when one is
//!   free (`crate::job_slot`), so a process's slots are not all held by jobs that wait here.
//! - **Paced as calls leave**: never before the token's moment on the database's clock, and a
//!   call that wakes too late after it takes a fresh token (`lane` module doc).
//! - **Throttled and paused.** A `42908` spends the shared bucket (with `Retry-After`, no token
//!   comes before it, for any process). A `42909` pauses the REST scope for every process: a
//!   call then either becomes the one probe, or is refused at once ([`Refused::Paused`], the
//!   job's `QuotaExceeded`, retried on its schedule) without being sent; tokens already handed
//!   out are void in every process at once (`NOTIFY`, `lane` module doc). When the budget's
//!   database fails a few takes in a row, waiting calls are refused unsent
//!   ([`Refused::Unavailable`], transient) rather than held. An answered probe ends the
//!   pause. Operations see it in the log (an error line) and the metrics
//!   (`nmbrs_worker_rest_paused`, `nmbrs_worker_rest_quota_exceeded_total`).
//!
//! The order of a call: the integration's permit, (REST) the access token, then the budget's
//! [`Ticket`], the request, and what came back reported on the ticket.

mod lane;
mod scope;
pub mod stats;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use sqlx::PgPool;
use uuid::Uuid;

use lane::Lane;
pub use scope::{BudgetSettings, Outcome, Refused, Scope};
use scope::{SharedBudget, Store};

struct Inner {
    shared: Arc<SharedBudget>,
    lanes: Mutex<HashMap<Scope, Arc<Lane>>>,
}

/// The call budget of one process. Cheap to clone.
#[derive(Clone)]
pub struct CallBudget(Arc<Inner>);

impl std::fmt::Debug for CallBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shared = matches!(self.0.shared.store, Store::Shared { .. });
        f.debug_struct("CallBudget").field("shared", &shared).field("settings", &self.0.shared.settings).finish()
    }
}

impl CallBudget {
    /// A budget kept in `pool` and shared with every process on that database. It listens for
    /// the pauses other processes record (`lane` module doc), from within a tokio runtime.
    pub fn shared(pool: PgPool, settings: BudgetSettings) -> Self {
        let budget = Self::with(Store::Shared { pool: pool.clone(), process: Uuid::new_v4() }, settings);
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(listen(pool, Arc::downgrade(&budget.0)));
        }
        budget
    }

    /// A budget of this process alone (no database: tools and unit tests).
    pub fn local(settings: BudgetSettings) -> Self {
        Self::with(Store::Local { started: Instant::now(), buckets: Mutex::default() }, settings)
    }

    fn with(store: Store, settings: BudgetSettings) -> Self {
        CallBudget(Arc::new(Inner { shared: Arc::new(SharedBudget { store, settings }), lanes: Mutex::default() }))
    }

    pub fn settings(&self) -> &BudgetSettings {
        &self.0.shared.settings
    }

    /// Waits for a token of `scope` for a call of `integration`, whose job has made `calls`
    /// calls so far (past [`BudgetSettings::bulk_after`] it waits in the bulk lane).
    pub async fn ticket(&self, scope: &Scope, integration: &str, calls: u64) -> Result<Ticket, Refused> {
        let lane = self.lane(scope);
        let bulk = calls >= self.0.shared.settings.bulk_after(scope);
        if bulk {
            // The job waits in the bulk lane: it moves to a bulk slot when one is free, and
            // its ordinary slot takes another job (`job_slot`, issue 22).
            if crate::job_slot::entered_bulk() {
                stats::get().bulk_slot_moves.inc();
            }
        }
        let probe = lane.wait(self.0.shared.clone(), integration, bulk).await?;
        Ok(Ticket { budget: self.clone(), lane, probe, reported: false })
    }

    fn lane(&self, scope: &Scope) -> Arc<Lane> {
        let mut lanes = self.0.lanes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        lanes
            .entry(scope.clone())
            .or_insert_with(|| {
                let settings = &self.0.shared.settings;
                let rate = settings.rate(scope);
                Arc::new(Lane::new(scope, rate, settings.burst(rate)))
            })
            .clone()
    }
}

/// Voids the held tokens of the lane a pause `NOTIFY` names, for as long as the budget lives
/// (a lost connection is listened again a second later).
async fn listen(pool: PgPool, budget: std::sync::Weak<Inner>) {
    use crate::store::call_budget::PAUSED_CHANNEL;
    while budget.strong_count() > 0 {
        let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::debug!(error = %e, "the call budget cannot listen for pauses yet");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
        };
        if listener.listen(PAUSED_CHANNEL).await.is_err() {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            continue;
        }
        loop {
            // Wake now and then to notice a budget that was dropped.
            let next = tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv()).await;
            let Some(inner) = budget.upgrade() else { return };
            match next {
                Ok(Ok(note)) => {
                    let lanes = inner.lanes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    if let Some(lane) = lanes.values().find(|l| l.key == note.payload()) {
                        lane.halt();
                    }
                }
                Ok(Err(_)) => break,
                Err(_) => {}
            }
        }
    }
}

/// A token of the budget: the call may go. Report what came back on it ([`Ticket::report`]); a
/// probe dropped unreported frees the probe.
pub struct Ticket {
    budget: CallBudget,
    lane: Arc<Lane>,
    probe: bool,
    reported: bool,
}

impl Ticket {
    /// Whether this call is the one probe of a paused scope.
    pub fn is_probe(&self) -> bool {
        self.probe
    }

    /// Tells the budget what came back: a `42908` spends the shared bucket, a `42909` pauses
    /// the scope, an answered probe ends the pause. The budget's own database failing is
    /// logged, never the call's error.
    pub async fn report(mut self, outcome: Outcome) {
        self.reported = true;
        let lane = self.lane.clone();
        if let Err(e) = lane.record(&self.budget.0.shared, self.probe, outcome).await {
            tracing::warn!(scope = %lane.key, error = %e, "the call budget could not record an outcome");
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if self.probe && !self.reported {
            let (shared, lane) = (self.budget.0.shared.clone(), self.lane.clone());
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(async move { lane.record(&shared, true, Outcome::NoAnswer).await });
            }
        }
    }
}
