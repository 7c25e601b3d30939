//! One scope's waiting calls in one process, and the task that fetches tokens for them: while
//! calls wait, it takes a batch from the shared bucket and hands the tokens out in the fair
//! order (`domain::call_budget::FairQueue`), then waits as long as the bucket says before it
//! asks again. It runs only while calls wait, so an idle process costs the database nothing.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use tokio::sync::oneshot;

use super::scope::{Outcome, Refused, Scope, Shared, UNAVAILABLE_AFTER};
use super::stats;
use crate::domain::call_budget::{Answer, FairQueue, Take, ready_in};

/// Refuses every call waiting in `w` with `why`.
fn refuse(w: &mut Waiting, why: Refused) {
    while let Some((_, tx)) = w.queue.pop() {
        let _ = tx.send(Handed::Refused(why));
    }
}

/// What a waiting call is handed.
#[derive(Debug)]
enum Handed {
    /// A token, to be used from this moment on (tokens taken ahead come paced).
    Token(Instant),
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
    /// Whether the last take was cut short or had to be paced: the budget is the bottleneck,
    /// and the bulk lane keeps to its share (`FairQueue::wanted`).
    scarce: bool,
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
        budget: Arc<Shared>,
        integration: &str,
        bulk: bool,
    ) -> Result<bool, Refused> {
        let (tx, rx) = oneshot::channel();
        {
            let mut w = self.lock();
            w.queue.push(integration, bulk, tx);
            if !w.fetching && !w.probing {
                w.fetching = true;
                tokio::spawn(self.clone().fetch(budget));
            }
        }
        match rx.await {
            Ok(Handed::Token(ready)) => {
                tokio::time::sleep_until(ready).await;
                Ok(false)
            }
            Ok(Handed::Probe) => Ok(true),
            Ok(Handed::Refused(why)) => Err(why),
            Err(_) => Err(Refused::Unavailable),
        }
    }

    /// The fetching task (module doc).
    async fn fetch(self: Arc<Self>, budget: Arc<Shared>) {
        let settings = budget.settings.clone();
        let mut failed = 0;
        loop {
            let (take, waiting) = {
                let mut w = self.lock();
                if w.queue.is_empty() {
                    w.fetching = false;
                    return;
                }
                let want = u32::try_from(w.queue.wanted(w.scarce)).unwrap_or(u32::MAX).min(settings.batch).max(1);
                let weight = w.queue.weight();
                let take = Take {
                    want,
                    weight,
                    total_weight: weight,
                    rate: self.rate,
                    burst: self.burst,
                    horizon_secs: settings.horizon.as_secs_f64(),
                    probe_secs: settings.probe_lease.as_secs_f64(),
                };
                (take, w.queue.len())
            };
            let answer = match budget.store.take(&self.key, &take).await {
                Ok(answer) => {
                    failed = 0;
                    answer
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
            match answer {
                Answer::Tokens { granted, available, wait_secs } => {
                    if self.rest {
                        stats::get().rest_paused.set(0);
                    }
                    // Scarce: the tokens there did not cover every call waiting.
                    self.lock().scarce = granted < take.want || waiting as f64 > available;
                    // Paced from when the answer came, never from before the database's moment.
                    if self.hand_out(granted, available, Instant::now()) {
                        return;
                    }
                    tokio::time::sleep(Duration::from_secs_f64(wait_secs.clamp(0.001, 60.0))).await;
                }
                Answer::Paused { probe } => {
                    stats::get().rest_paused.set(1);
                    if !self.refuse_all(probe) {
                        // Nobody was left to take the probe: free it for another.
                        let _ = budget.store.release_probe(&self.key).await;
                    }
                    return;
                }
            }
        }
    }

    /// Hands `granted` tokens to waiting calls in the fair order, token `i` to be used
    /// `ready_in(available, i)` after `answered` (when the answer came, so never early); true
    /// when none waits any more (the fetching task then ends).
    fn hand_out(&self, granted: u32, available: f64, answered: Instant) -> bool {
        let mut w = self.lock();
        let mut given = 0;
        while given < granted {
            let Some((_, tx)) = w.queue.pop() else { break };
            let ready = answered + Duration::from_secs_f64(ready_in(available, given, self.rate).min(60.0));
            if tx.send(Handed::Token(ready)).is_ok() {
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
            while let Some((_, tx)) = w.queue.pop() {
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
    fn after_probe(self: &Arc<Self>, budget: &Arc<Shared>, answered: bool) {
        let mut w = self.lock();
        w.probing = false;
        if !answered {
            refuse(&mut w, Refused::Paused);
        } else if !w.queue.is_empty() && !w.fetching {
            w.fetching = true;
            tokio::spawn(self.clone().fetch(budget.clone()));
        }
    }

    /// Records what a call on this lane came back with (`Ticket::settle`).
    pub(super) async fn settle(
        self: &Arc<Self>,
        budget: &Arc<Shared>,
        probe: bool,
        outcome: Outcome,
    ) -> sqlx::Result<()> {
        let result = self.record(budget, probe, outcome).await;
        if probe {
            self.after_probe(budget, outcome == Outcome::Answered && result.is_ok());
        }
        result
    }

    async fn record(&self, budget: &Shared, probe: bool, outcome: Outcome) -> sqlx::Result<()> {
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
                if store.pause(&self.key).await? {
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
