//! The call budget's vocabulary and where its buckets are kept: [`Scope`], [`BudgetSettings`],
//! what a call came back with ([`Outcome`]), a call not sent ([`Refused`]: a pause, no database), and the
//! [`Store`] (PostgreSQL, shared by every process, or memory, for the process alone).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::call_budget::{Bucket, Take, TakeAnswer};

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
    /// How far ahead one take may reserve tokens (they come paced, one every `1 / rate`): with
    /// the rate, it decides how many calls one round trip serves.
    pub horizon: Duration,
    /// A job's REST calls wait in the bulk lane after this many.
    pub bulk_after_calls: u64,
    /// A job's SOAP calls wait in the bulk lane after this many: a SOAP team sync makes one call
    /// per employee (its cost per hour), so a small customer's sync makes more calls than on REST.
    pub soap_bulk_after_calls: u64,
    /// How long one probe holds the probe (then another process may probe).
    pub probe_lease: Duration,
    /// After a `42909`, the next probe goes no sooner than this.
    pub probe_every: Duration,
    /// A call that wakes later than this after its token's moment takes a fresh token
    /// (`lane` module doc: the gateway counts arrivals).
    pub late_slack: Duration,
}

impl Default for BudgetSettings {
    fn default() -> Self {
        BudgetSettings {
            rest_rate: 100.0,
            soap_rate: 100.0,
            burst_secs: 0.05,
            batch: 64,
            horizon: Duration::from_millis(250),
            bulk_after_calls: 50,
            soap_bulk_after_calls: 200,
            probe_lease: Duration::from_secs(150),
            late_slack: Duration::from_millis(25),
            probe_every: Duration::from_secs(1),
        }
    }
}

impl BudgetSettings {
    pub(super) fn rate(&self, scope: &Scope) -> f64 {
        match scope {
            Scope::Rest => self.rest_rate,
            Scope::Soap { .. } => self.soap_rate,
        }
        .max(0.1)
    }

    /// After how many calls of its job a call of `scope` waits in the bulk lane.
    pub fn bulk_after(&self, scope: &Scope) -> u64 {
        match scope {
            Scope::Rest => self.bulk_after_calls,
            Scope::Soap { .. } => self.soap_bulk_after_calls,
        }
    }

    /// The bucket's size: `burst_secs` of calls, at least one.
    pub(super) fn burst(&self, rate: f64) -> f64 {
        (rate * self.burst_secs).max(1.0)
    }
}

/// Where the buckets are kept.
pub(super) enum Store {
    Shared { pool: PgPool, process: Uuid },
    Local { started: Instant, buckets: Mutex<HashMap<String, Bucket>> },
}

impl Store {
    fn now(started: &Instant) -> f64 {
        started.elapsed().as_secs_f64()
    }

    /// One take, with its moment on this process's clock: the tokens' moments count from it.
    pub(super) async fn take(&self, scope: &str, t: &Take) -> sqlx::Result<(TakeAnswer, tokio::time::Instant)> {
        match self {
            Store::Shared { pool, process } => {
                let sent = tokio::time::Instant::now();
                let (answer, at) = crate::store::call_budget::take(pool, scope, *process, t).await?;
                let received = tokio::time::Instant::now();
                Ok((answer, on_this_clock(at, sent, received)))
            }
            Store::Local { started, buckets } => {
                let now = Self::now(started);
                let mut map = buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let answer = map.entry(scope.to_owned()).or_insert_with(|| Bucket::new(t.burst, now)).take(now, t);
                Ok((answer, tokio::time::Instant::now()))
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

    pub(super) async fn throttle(&self, scope: &str, retry_after: Option<Duration>) -> sqlx::Result<()> {
        let secs = retry_after.map(|d| d.as_secs_f64());
        match self {
            Store::Shared { pool, .. } => crate::store::call_budget::throttle(pool, scope, secs).await,
            Store::Local { .. } => {
                self.local(scope, |b, now| b.throttle(now, secs));
                Ok(())
            }
        }
    }

    pub(super) async fn pause(&self, scope: &str, probe_every: Duration) -> sqlx::Result<bool> {
        let every = probe_every.as_secs_f64();
        match self {
            Store::Shared { pool, .. } => crate::store::call_budget::pause(pool, scope, every).await,
            Store::Local { .. } => Ok(self.local(scope, |b, now| b.pause(now, every)).unwrap_or(false)),
        }
    }

    pub(super) async fn resume(&self, scope: &str) -> sqlx::Result<bool> {
        match self {
            Store::Shared { pool, .. } => crate::store::call_budget::resume(pool, scope).await,
            Store::Local { .. } => Ok(self.local(scope, |b, now| b.resume(now)).unwrap_or(false)),
        }
    }

    pub(super) async fn release_probe(&self, scope: &str) -> sqlx::Result<()> {
        match self {
            Store::Shared { pool, .. } => crate::store::call_budget::release_probe(pool, scope).await,
            Store::Local { .. } => {
                self.local(scope, |b, _| b.release_probe());
                Ok(())
            }
        }
    }
}

/// The database's moment `at` (Unix seconds) on this process's monotonic clock, between when
/// the take was sent and answered (the wall clocks agree on one host and within NTP's error
/// across hosts; a clock further off is held to the round trip).
fn on_this_clock(at: f64, sent: tokio::time::Instant, received: tokio::time::Instant) -> tokio::time::Instant {
    let wall = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
    let ago = Duration::from_secs_f64((wall - at).clamp(0.0, 60.0));
    received.checked_sub(ago).unwrap_or(sent).max(sent)
}

/// Why a call was not sent (and took no token).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The REST scope is paused after a `42909` and this call is not the probe.
    #[error("Eitje's Nmbrs REST call quota is used up (42909); REST calls pause until a probing call succeeds")]
    Paused,
    /// The budget's database failed [`UNAVAILABLE_AFTER`] takes in a row: no token could be
    /// had, so the call is not sent (a transient failure; the job retries on its schedule).
    #[error("the shared Nmbrs call budget (PostgreSQL) is unavailable; the call was not sent")]
    Unavailable,
}

/// Failed takes in a row (half a second apart) after which the waiting calls are refused
/// [`Refused::Unavailable`] instead of waiting on.
pub const UNAVAILABLE_AFTER: u32 = 4;

/// What came back for a call made on a [`Ticket`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nmbrs' API answered: a 2xx, or a 4xx other than 401, 403 and 429 (a probe answered so
    /// ends the quota pause).
    Answered,
    /// 429 `42908` (or a SOAP 429), with its `Retry-After`.
    Throttled(Option<Duration>),
    /// 429 `42909`.
    QuotaExceeded,
    /// No answer of the API's: no connection, a timeout, a broken reply, a 5xx, a 401 or 403
    /// (a probe answered so is released for the next one; the pause holds).
    NoAnswer,
}

/// The store and settings every lane of a budget shares.
pub(super) struct SharedBudget {
    pub(super) store: Store,
    pub(super) settings: BudgetSettings,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_customers_soap_sync_stays_out_of_the_bulk_lane_and_a_huge_one_moves_to_it() {
        let s = BudgetSettings::default();
        let soap = Scope::Soap { domain: "demo".into() };
        // Calls of a team sync: REST reads pages of 100 (≈ 10 calls for 60 employees, ≈ 460
        // for 5 000); SOAP reads company-wide and then one cost per hour per employee.
        let rest_sync = |employees: u64| 9 * employees.div_ceil(100) + 1;
        let soap_sync = |employees: u64| 6 + employees;
        assert!(rest_sync(60) < s.bulk_after(&Scope::Rest) && rest_sync(5_000) > 4 * s.bulk_after(&Scope::Rest));
        assert!(soap_sync(60) < s.bulk_after(&soap), "66 calls of a 60-employee SOAP sync are ordinary");
        assert!(soap_sync(5_000) > 20 * s.bulk_after(&soap));
        let tuned = BudgetSettings { bulk_after_calls: 10, soap_bulk_after_calls: 30, ..BudgetSettings::default() };
        assert_eq!((tuned.bulk_after(&Scope::Rest), tuned.bulk_after(&soap)), (10, 30));
    }
}
