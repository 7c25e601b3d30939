//! Who gets the next token of a process: the calls waiting for the budget, served round-robin
//! by integration, so a 10 000-employee export and a 20-employee sync each get one call in
//! turn, however many calls each has waiting (issue 22, "tenant fairness").
//!
//! **The bulk lane.** A job that has already made many calls (`BudgetSettings::bulk_after_calls`)
//! waits in a second lane. The shared bucket grants its tokens apart (`Take::want_bulk`), and
//! while an ordinary call waits in any process they come from the bulk allowance, [`BULK_SHARE`]
//! of the rate over time (`bucket` module doc). The few huge integrations of the 22:00 storm
//! thus take a twentieth of the budget while the thousand small ones wait, and all of it once
//! they are done: nothing is left unused, and a small sync is never stuck behind a big one.

use std::collections::{HashMap, VecDeque};

/// The bulk lane's share of the budget while ordinary calls wait (in any process).
pub const BULK_SHARE: f64 = 0.05;

/// One lane: integrations in turn, each with its waiting calls in arrival order.
#[derive(Debug)]
struct Lane<T> {
    turn: VecDeque<String>,
    waiting: HashMap<String, VecDeque<T>>,
    calls: usize,
}

impl<T> Default for Lane<T> {
    fn default() -> Self {
        Lane { turn: VecDeque::new(), waiting: HashMap::new(), calls: 0 }
    }
}

impl<T> Lane<T> {
    fn push(&mut self, integration: &str, waiter: T) {
        let queue = self.waiting.entry(integration.to_owned()).or_default();
        if queue.is_empty() {
            self.turn.push_back(integration.to_owned());
        }
        queue.push_back(waiter);
        self.calls += 1;
    }

    /// The first call of the integration whose turn it is; that integration goes to the back.
    fn pop(&mut self) -> Option<(String, T)> {
        let integration = self.turn.pop_front()?;
        let queue = self.waiting.get_mut(&integration).expect("an integration in turn has calls waiting");
        let waiter = queue.pop_front().expect("an integration in turn has calls waiting");
        if queue.is_empty() {
            self.waiting.remove(&integration);
        } else {
            self.turn.push_back(integration.clone());
        }
        self.calls -= 1;
        Some((integration, waiter))
    }
}

/// The calls of one process waiting for one budget scope.
#[derive(Debug)]
pub struct FairQueue<T> {
    ordinary: Lane<T>,
    bulk: Lane<T>,
}

impl<T> Default for FairQueue<T> {
    fn default() -> Self {
        FairQueue { ordinary: Lane::default(), bulk: Lane::default() }
    }
}

impl<T> FairQueue<T> {
    /// A call of `integration` waits (in the bulk lane when its job is `bulk`).
    pub fn push(&mut self, integration: &str, bulk: bool, waiter: T) {
        if bulk { self.bulk.push(integration, waiter) } else { self.ordinary.push(integration, waiter) }
    }

    /// The call a token of the `bulk` lane (or an ordinary one) goes to, with its integration:
    /// from that lane, or from the other one when none waits there (a token is never left
    /// unused).
    pub fn pop(&mut self, bulk: bool) -> Option<(String, T)> {
        let (first, other) =
            if bulk { (&mut self.bulk, &mut self.ordinary) } else { (&mut self.ordinary, &mut self.bulk) };
        first.pop().or_else(|| other.pop())
    }

    /// Calls waiting in the ordinary lane and in the bulk lane.
    pub fn wanted(&self) -> (usize, usize) {
        (self.ordinary.calls, self.bulk.calls)
    }

    /// Calls waiting.
    pub fn len(&self) -> usize {
        self.ordinary.calls + self.bulk.calls
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Ordinary integrations waiting: above 0, the bulk lane keeps to its share everywhere.
    pub fn ordinary_weight(&self) -> f64 {
        self.ordinary.turn.len() as f64
    }

    /// This process's claim on the shared budget: its waiting integrations, a bulk one counting
    /// [`BULK_SHARE`] (so across processes the lanes keep the proportion they have within one).
    pub fn weight(&self) -> f64 {
        self.ordinary_weight() + self.bulk.turn.len() as f64 * BULK_SHARE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrations_take_turns_whatever_each_has_waiting() {
        let mut q = FairQueue::default();
        for i in 0..100 {
            q.push("big", false, i);
        }
        q.push("small-1", false, 1000);
        q.push("small-2", false, 2000);
        q.push("small-2", false, 2001);
        let order: Vec<String> = (0..6).map(|_| q.pop(false).unwrap().0).collect();
        assert_eq!(order, ["big", "small-1", "small-2", "big", "small-2", "big"]);
        assert_eq!(q.len(), 97);
        assert_eq!(q.weight(), 1.0);
    }

    #[test]
    fn each_lane_gets_its_own_tokens_and_the_others_when_it_has_no_call_waiting() {
        let mut q = FairQueue::default();
        for i in 0..10 {
            q.push("huge", true, i);
            q.push(&format!("small-{}", i % 5), false, i);
        }
        assert_eq!(q.wanted(), (10, 10));
        assert!((q.weight() - (5.0 + BULK_SHARE)).abs() < 1e-9);
        assert_eq!(q.ordinary_weight(), 5.0);
        assert_eq!(q.pop(true).unwrap().0, "huge");
        assert!((0..10).all(|_| q.pop(false).unwrap().0.starts_with("small-")));
        assert_eq!(q.ordinary_weight(), 0.0);
        // An ordinary token with no ordinary call waiting goes to the bulk lane.
        assert_eq!(q.pop(false).unwrap().0, "huge");
        assert_eq!(q.wanted(), (0, 8));
    }
}
