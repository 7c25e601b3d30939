//! Who gets the next token of a process: the calls waiting for the budget, served round-robin
//! by integration, so a 10 000-employee export and a 20-employee sync each get one call in
//! turn, however many calls each has waiting (issue 22, "tenant fairness").
//!
//! **The bulk lane.** A job that has already made many calls (`BudgetSettings::bulk_after_calls`)
//! waits in a second lane, served once in every [`BULK_EVERY`] tokens while ordinary
//! integrations wait, and with every token when none do. The few huge integrations of the
//! 22:00 storm thus take about an eighth of the budget while the thousand small ones wait, and
//! all of it once they are done: nothing is left unused, and a small sync is never stuck behind
//! a big one.

use std::collections::{HashMap, VecDeque};

/// While ordinary calls wait, one token in this many goes to the bulk lane.
pub const BULK_EVERY: u32 = 8;

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
    /// Tokens given to the ordinary lane since the bulk lane's last one.
    since_bulk: u32,
}

impl<T> Default for FairQueue<T> {
    fn default() -> Self {
        FairQueue { ordinary: Lane::default(), bulk: Lane::default(), since_bulk: 0 }
    }
}

impl<T> FairQueue<T> {
    /// A call of `integration` waits (in the bulk lane when its job is `bulk`).
    pub fn push(&mut self, integration: &str, bulk: bool, waiter: T) {
        if bulk { self.bulk.push(integration, waiter) } else { self.ordinary.push(integration, waiter) }
    }

    /// The call the next token goes to, with its integration.
    pub fn pop(&mut self) -> Option<(String, T)> {
        let bulk_turn = self.since_bulk + 1 >= BULK_EVERY || self.ordinary.calls == 0;
        if bulk_turn && let Some(next) = self.bulk.pop() {
            self.since_bulk = 0;
            return Some(next);
        }
        let next = self.ordinary.pop()?;
        self.since_bulk += 1;
        Some(next)
    }

    /// How many tokens to ask for at once. While the budget is `scarce` (the last batch had to
    /// be paced or was cut short), handed out in order they keep the bulk lane to its one in
    /// [`BULK_EVERY`]: every ordinary call, and the bulk calls whose turn comes among them
    /// (counting the ordinary tokens since the lane's last one). Otherwise, or when no ordinary
    /// call waits, every waiting call: tokens that are there go to whoever waits. Without this
    /// a batch of tokens taken ahead would serve every waiting call, bulk or not, and the lane
    /// would decide nothing.
    pub fn wanted(&self, scarce: bool) -> usize {
        let (ordinary, bulk) = (self.ordinary.calls, self.bulk.calls);
        if !scarce || ordinary == 0 {
            return ordinary + bulk;
        }
        let behind = usize::try_from(BULK_EVERY - 1).unwrap_or(1);
        let since = usize::try_from(self.since_bulk).unwrap_or(0);
        ordinary + bulk.min((since + ordinary) / behind)
    }

    /// Calls waiting.
    pub fn len(&self) -> usize {
        self.ordinary.calls + self.bulk.calls
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// This process's claim on the shared budget: its waiting integrations, a bulk one counting
    /// `1 / BULK_EVERY` (so across processes the lanes keep the proportion they have within one).
    pub fn weight(&self) -> f64 {
        self.ordinary.turn.len() as f64 + self.bulk.turn.len() as f64 / f64::from(BULK_EVERY)
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
        let order: Vec<String> = (0..6).map(|_| q.pop().unwrap().0).collect();
        assert_eq!(order, ["big", "small-1", "small-2", "big", "small-2", "big"]);
        assert_eq!(q.len(), 97);
        assert_eq!(q.weight(), 1.0);
    }

    #[test]
    fn the_bulk_lane_gets_one_token_in_eight_while_others_wait_and_all_when_none_do() {
        let mut q = FairQueue::default();
        for i in 0..100 {
            q.push("huge", true, i);
            q.push(&format!("small-{}", i % 10), false, i);
        }
        assert!((q.weight() - (10.0 + 1.0 / 8.0)).abs() < 1e-9);
        let first: Vec<String> = (0..80).map(|_| q.pop().unwrap().0).collect();
        assert_eq!(first.iter().filter(|i| *i == "huge").count(), 10);
        while q.ordinary.calls > 0 {
            q.pop();
        }
        assert!(std::iter::from_fn(|| q.pop()).all(|(i, _)| i == "huge"));
        assert!(q.is_empty());
    }

    #[test]
    fn a_batch_asks_for_the_ordinary_calls_and_the_bulk_lanes_share_of_them() {
        let mut q = FairQueue::default();
        for i in 0..100 {
            q.push("huge", true, i);
        }
        assert_eq!(q.wanted(true), 100, "alone, the bulk lane gets every token");
        for i in 0..14 {
            q.push(&format!("small-{}", i % 4), false, i);
        }
        assert_eq!(q.wanted(false), 114, "tokens to spare go to every waiting call");
        assert_eq!(q.wanted(true), 16, "scarce: 14 ordinary calls and 2 bulk ones");
        // Handed out in order, a batch of that size keeps the lane to one in eight.
        let batch: Vec<String> = (0..q.wanted(true)).map(|_| q.pop().unwrap().0).collect();
        assert_eq!(batch.iter().filter(|i| *i == "huge").count(), 2);
        assert_eq!(batch.iter().filter(|i| i.starts_with("small-")).count(), 14);
        // One ordinary call at a time: the bulk lane's turn comes after the seventh.
        let mut bulk = 0;
        for i in 0..70 {
            q.push("small", false, i);
            for _ in 0..q.wanted(true) {
                bulk += usize::from(q.pop().unwrap().0 == "huge");
            }
        }
        // One bulk call per seven ordinary ones.
        assert_eq!(bulk, 10);
    }
}
