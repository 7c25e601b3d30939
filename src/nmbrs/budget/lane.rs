//! One scope's waiting calls in one process, and the task that fetches tokens for them: while
//! calls wait, it takes a batch from the shared bucket and hands the tokens out in the fair
//! order (`domain::call_budget::FairQueue`), then waits as long as the bucket says before it
//! asks again. It runs only while calls wait, so an idle process costs the database nothing.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::oneshot;

use super::scope::{Outcome, Refused, Scope, Shared};
use super::stats;
use crate::domain::call_budget::{Answer, FairQueue, Take};

/// What a waiting call is handed.
#[derive(Debug)]
enum Handed {
    Token,
    Probe,
    Refused,
}

#[derive(Default)]
struct Waiting {
    queue: FairQueue<oneshot::Sender<Handed>>,
    /// Whether the task that fetches tokens runs.
    fetching: bool,
    /// Whether a call of this process is the probe of a paused scope: the calls waiting behind
    /// it learn from its answer whether they may go (`Lane::after_probe`).
    probing: bool,
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
            Ok(Handed::Token) => Ok(false),
            Ok(Handed::Probe) => Ok(true),
            Ok(Handed::Refused) | Err(_) => Err(Refused),
        }
    }

    /// The fetching task (module doc).
    async fn fetch(self: Arc<Self>, budget: Arc<Shared>) {
        let settings = budget.settings.clone();
        loop {
            let take = {
                let mut w = self.lock();
                if w.queue.is_empty() {
                    w.fetching = false;
                    return;
                }
                let want = u32::try_from(w.queue.len()).unwrap_or(u32::MAX).min(settings.batch).max(1);
                let weight = w.queue.weight();
                Take {
                    want,
                    weight,
                    total_weight: weight,
                    rate: self.rate,
                    burst: self.burst,
                    probe_secs: settings.probe_lease.as_secs_f64(),
                }
            };
            let answer = match budget.store.take(&self.key, &take).await {
                Ok(answer) => answer,
                Err(e) => {
                    tracing::warn!(scope = %self.key, error = %e, "the call budget's database failed; calls wait");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
            };
            match answer {
                Answer::Tokens { granted, wait_secs } => {
                    if self.rest {
                        stats::get().rest_paused.set(0);
                    }
                    if self.hand_out(granted) {
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

    /// Hands `granted` tokens to waiting calls in the fair order; true when none waits any more
    /// (the fetching task then ends).
    fn hand_out(&self, granted: u32) -> bool {
        let mut w = self.lock();
        let mut left = granted;
        while left > 0 {
            let Some((_, tx)) = w.queue.pop() else { break };
            if tx.send(Handed::Token).is_ok() {
                left -= 1;
            }
        }
        stats::get().tokens.inc_by(u64::from(granted - left));
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
        while let Some((_, tx)) = w.queue.pop() {
            let _ = tx.send(Handed::Refused);
        }
        true
    }

    /// The probe of this process came back: when it was answered the calls waiting behind it
    /// go on (the fetching task starts again), otherwise they are refused (one probe per
    /// pause and process at a time, never a string of them).
    fn after_probe(self: &Arc<Self>, budget: &Arc<Shared>, answered: bool) {
        let mut w = self.lock();
        w.probing = false;
        if !answered {
            while let Some((_, tx)) = w.queue.pop() {
                let _ = tx.send(Handed::Refused);
            }
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
