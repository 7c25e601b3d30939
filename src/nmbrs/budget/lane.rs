//! One scope's waiting calls in one process, and the task that fetches tokens for them: while
//! calls wait, it takes a batch from the shared bucket and hands the tokens out in the fair
//! order (`domain::call_budget::FairQueue`), then waits as long as the bucket says before it
//! asks again. It runs only while calls wait, so an idle process costs the database nothing.
//!
//! **Pacing as calls leave.** Each token comes with its moment on the database's clock (the
//! take's moment, mapped to this process's clock, plus its place in the batch): the call
//! sleeps until then, never leaving earlier. The gateway counts arrivals, so a call that wakes
//! more than `late_slack` after its moment (a loaded process wakes several at once) does not
//! go on that token: it waits for a fresh one (at most [`MAX_RETAKES`] times, counted in
//! `nmbrs_worker_budget_late_tokens_total`). Every call thus leaves within `late_slack` of a
//! moment the shared bucket gave (or of the take's answer, for tokens already there: the
//! database's round trip is not the process's lateness, and a job's parallel first reads on
//! the burst still leave together), and no sliding second sees more than the rate, the burst
//! and `rate × late_slack`, across every process.
//!
//! **A pause voids the tokens held.** When this process sees a `42909` (its own call, a take,
//! or another process's `NOTIFY`), tokens handed out before it are not used: only calls already
//! sent can still meet the used-up quota.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use tokio::sync::oneshot;

use super::scope::{Outcome, Refused, Scope, SharedBudget, UNAVAILABLE_AFTER};
use super::stats;
use crate::domain::call_budget::{BULK_SHARE, FairQueue, Take, TakeAnswer, ready_in};

/// Refuses every call waiting in `w` with `why`.
fn refuse(w: &mut Waiting, why: Refused) {
    while let Some((_, tx)) = w.queue.pop(false) {
        let _ = tx.send(Handed::Refused(why));
    }
}

/// How often one call may drop a token it woke too late for before it goes anyway (a process
/// loaded that long must still make progress).
pub(super) const MAX_RETAKES: u32 = 8;

/// What a waiting call is handed.
#[derive(Debug)]
enum Handed {
    /// A token, to be used from its moment on (tokens taken ahead come paced), due by the
    /// second instant (its moment, or when it was handed out if that was later), handed out
    /// after the pause numbered here.
    Token {
        ready: Instant,
        due: Instant,
        pauses: u64,
    },
    Probe,
    Refused(Refused),
}

#[derive(Default)]
struct Waiting {
    queue: FairQueue<oneshot::Sender<Handed>>,
    /// Whether the task that fetches tokens runs.
    fetching: bool,
    /// Whether a call of this process is the probe of a paused scope: the calls waiting behind
    /// it learn from its answer whether they may go (`Lane::after_probe`).
    probing: bool,
    /// Pauses this process has seen: a token handed out before the last one is void.
    pauses: u64,
}

pub(super) struct Lane {
    pub(super) key: String,
    rate: f64,
    burst: f64,
    /// Only the REST scope pauses (a quota exists only there).
    rest: bool,
    waiting: Mutex<Waiting>,
}

impl Lane {
    pub(super) fn new(scope: &Scope, rate: f64, burst: f64) -> Self {
        Lane { key: scope.key(), rate, burst, rest: *scope == Scope::Rest, waiting: Mutex::default() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for a token (false) or the probe (true), or is refused during a pause.
    pub(super) async fn wait(
        self: &Arc<Self>,
        budget: Arc<SharedBudget>,
        integration: &str,
        bulk: bool,
    ) -> Result<bool, Refused> {
        let slack = budget.settings.late_slack;
        let mut retakes = 0;
        loop {
            let (tx, rx) = oneshot::channel();
            {
                let mut w = self.lock();
                w.queue.push(integration, bulk, tx);
                if !w.fetching && !w.probing {
                    w.fetching = true;
                    tokio::spawn(self.clone().fetch(budget.clone()));
                }
            }
            match rx.await {
                Ok(Handed::Token { ready, due, pauses }) => {
                    tokio::time::sleep_until(ready).await;
                    if self.lock().pauses != pauses {
                        return Err(Refused::Paused);
                    }
                    if Instant::now() > due + slack && retakes < MAX_RETAKES {
                        retakes += 1;
                        stats::get().late_tokens.inc();
                        continue;
                    }
                    return Ok(false);
                }
                Ok(Handed::Probe) => return Ok(true),
                Ok(Handed::Refused(why)) => return Err(why),
                Err(_) => return Err(Refused::Unavailable),
            }
        }
    }

    /// A pause was seen (module doc): tokens handed out so far are void.
    pub(super) fn halt(&self) {
        self.lock().pauses += 1;
    }

    /// The fetching task (module doc).
    async fn fetch(self: Arc<Self>, budget: Arc<SharedBudget>) {
        let settings = budget.settings.clone();
        let mut failed = 0;
        loop {
            let take = {
                let mut w = self.lock();
                if w.queue.is_empty() {
                    w.fetching = false;
                    return;
                }
                let (ordinary, bulk) = w.queue.wanted();
                let want = u32::try_from(ordinary).unwrap_or(u32::MAX).min(settings.batch);
                let want_bulk = u32::try_from(bulk).unwrap_or(u32::MAX).min(settings.batch - want);
                let weight = w.queue.weight();
                let take = Take {
                    want,
                    want_bulk,
                    ordinary_total: w.queue.ordinary_weight(),
                    bulk_share: BULK_SHARE,
                    weight,
                    total_weight: weight,
                    rate: self.rate,
                    burst: self.burst,
                    horizon_secs: settings.horizon.as_secs_f64(),
                    probe_secs: settings.probe_lease.as_secs_f64(),
                };
                take
            };
            let answer = match budget.store.take(&self.key, &take).await {
                Ok(answered) => {
                    failed = 0;
                    answered
                }
                Err(e) => {
                    failed += 1;
                    tracing::warn!(scope = %self.key, error = %e, failed, "the call budget's database failed; calls wait");
                    if failed >= UNAVAILABLE_AFTER {
                        self.refuse_waiting(Refused::Unavailable);
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
            };
            let (answer, taken_at) = answer;
            match answer {
                TakeAnswer::Tokens { granted, bulk, available, wait_secs } => {
                    if self.rest {
                        stats::get().rest_paused.set(0);
                    }
                    // Paced from the database's moment of the take (module doc).
                    if self.hand_out(granted, bulk, available, taken_at) {
                        return;
                    }
                    tokio::time::sleep(Duration::from_secs_f64(wait_secs.clamp(0.001, 60.0))).await;
                }
                TakeAnswer::Paused { probe } => {
                    stats::get().rest_paused.set(1);
                    self.halt();
                    if !self.refuse_all(probe) {
                        // Nobody was left to take the probe: free it for another.
                        let _ = budget.store.release_probe(&self.key).await;
                    }
                    return;
                }
            }
        }
    }

    /// Hands `granted` tokens (the last `bulk` of them the bulk lane's) to waiting calls in the
    /// fair order, token `i` to be used `ready_in(available, i)` after `taken` (the take's
    /// moment on this process's clock); true when none waits any more (the fetching task
    /// then ends).
    fn hand_out(&self, granted: u32, bulk: u32, available: f64, taken: Instant) -> bool {
        let mut w = self.lock();
        let pauses = w.pauses;
        let handed = Instant::now();
        let mut given = 0;
        while given < granted {
            let Some((_, tx)) = w.queue.pop(given >= granted - bulk) else { break };
            let ready = taken + Duration::from_secs_f64(ready_in(available, given, self.rate).min(60.0));
            if tx.send(Handed::Token { ready, due: ready.max(handed), pauses }).is_ok() {
                given += 1;
            }
        }
        stats::get().tokens.inc_by(u64::from(given));
        w.fetching = !w.queue.is_empty();
        !w.fetching
    }

    /// During a pause: the probe (when this process holds it) to the first waiting call in the
    /// fair order, and the others wait for its answer; without the probe every waiting call is
    /// refused. The fetching task ends. False when the probe was held but nobody took it.
    fn refuse_all(&self, probe: bool) -> bool {
        let mut w = self.lock();
        w.fetching = false;
        if probe {
            while let Some((_, tx)) = w.queue.pop(false) {
                if tx.send(Handed::Probe).is_ok() {
                    w.probing = true;
                    return true;
                }
            }
            return false;
        }
        refuse(&mut w, Refused::Paused);
        true
    }

    /// Refuses every waiting call with `why`; the fetching task ends (the next call starts it
    /// again).
    fn refuse_waiting(&self, why: Refused) {
        let mut w = self.lock();
        w.fetching = false;
        refuse(&mut w, why);
    }

    /// The probe of this process came back: when it was answered the calls waiting behind it
    /// go on (the fetching task starts again), otherwise they are refused (one probe per
    /// pause and process at a time, never a string of them).
    fn after_probe(self: &Arc<Self>, budget: &Arc<SharedBudget>, answered: bool) {
        let mut w = self.lock();
        w.probing = false;
        if !answered {
            refuse(&mut w, Refused::Paused);
        } else if !w.queue.is_empty() && !w.fetching {
            w.fetching = true;
            tokio::spawn(self.clone().fetch(budget.clone()));
        }
    }

    /// Records what a call on this lane came back with (`Ticket::report`).
    pub(super) async fn record(
        self: &Arc<Self>,
        budget: &Arc<SharedBudget>,
        probe: bool,
        outcome: Outcome,
    ) -> sqlx::Result<()> {
        let result = self.store_outcome(budget, probe, outcome).await;
        if probe {
            self.after_probe(budget, outcome == Outcome::Answered && result.is_ok());
        }
        result
    }

    async fn store_outcome(&self, budget: &SharedBudget, probe: bool, outcome: Outcome) -> sqlx::Result<()> {
        let store = &budget.store;
        match outcome {
            Outcome::Answered if probe => {
                if store.resume(&self.key).await? {
                    stats::get().rest_paused.set(0);
                    tracing::warn!(scope = %self.key, "Nmbrs answered the probing call: the REST call quota is back, calls resume");
                }
            }
            Outcome::Answered => {}
            Outcome::Throttled(retry_after) => {
                stats::get().throttled.inc();
                tracing::info!(scope = %self.key, ?retry_after, "Nmbrs throttled a call (42908): the shared budget slows down");
                store.throttle(&self.key, retry_after).await?;
                if probe {
                    store.release_probe(&self.key).await?;
                }
            }
            Outcome::QuotaExceeded if self.rest => {
                stats::get().quota_exceeded.inc();
                self.halt();
                if store.pause(&self.key, budget.settings.probe_every).await? {
                    stats::get().rest_paused.set(1);
                    tracing::error!(
                        scope = %self.key,
                        "Nmbrs answered 42909: Eitje's REST call quota is used up; every worker process pauses REST \
                         (one probing call at a time) until a call succeeds, and jobs wait on their retry schedule"
                    );
                }
            }
            Outcome::QuotaExceeded | Outcome::NoAnswer => {
                if probe {
                    store.release_probe(&self.key).await?;
                }
            }
        }
        Ok(())
    }
}
