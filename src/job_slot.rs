//! A running job's slot in its process (issue 22, tenant fairness at the job level).
//!
//! Each job queue's consumer runs `NMBRS_WORKER_CONCURRENCY` jobs at once (its *slots*). A huge
//! job whose calls have moved to the budget's bulk lane (`nmbrs::budget`) gets a twentieth of
//! the rate while other integrations wait: holding an ordinary slot all that time, a few huge
//! integrations could take every slot of a process, and its small jobs would wait in the queue
//! while the budget went unused (the storm benchmark, `docs/benchmarks.md`). So each queue also
//! has `NMBRS_WORKER_BULK_JOBS` *bulk slots*: when a job's calls cross into the bulk lane and a
//! bulk slot is free, the job swaps its ordinary slot for it, and the consumer takes another
//! delivery in the slot it gave back. When no bulk slot is free the job keeps its ordinary one
//! (and tries again at its next bulk call), so never more than slots + bulk slots jobs run at
//! once per queue (the broker's prefetch).
//!
//! The consumer runs each job inside [`JobSlot::scope`] (a tokio task-local); the budget calls
//! [`entered_bulk`] when one of the job's calls waits in the bulk lane. A job's calls run in
//! its own task (`buffer_unordered`, never `tokio::spawn`), so they all see the slot; a call
//! outside any job (tools, tests) sees none, and nothing changes.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

tokio::task_local! {
    static SLOT: Arc<JobSlot>;
}

/// The permit of the slot a job holds, and whether it is a bulk slot's.
struct Held {
    _permit: OwnedSemaphorePermit,
    bulk: bool,
}

/// What [`JobSlot::enter_bulk`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Swap {
    /// The job gave its slot back for a bulk slot just now.
    Moved,
    /// The job already holds a bulk slot.
    InBulk,
    /// No bulk slot is free: the job keeps its slot.
    NoneFree,
}

/// The slot one running job holds: its permit of the queue's slots, until the job moves into
/// a bulk slot (module doc). Dropping it frees whichever it holds.
pub struct JobSlot {
    held: Mutex<Held>,
    bulk: Arc<Semaphore>,
}

impl JobSlot {
    /// A job in the ordinary slot `permit`, which may move to one of `bulk`'s permits.
    pub fn new(permit: OwnedSemaphorePermit, bulk: Arc<Semaphore>) -> Self {
        JobSlot { held: Mutex::new(Held { _permit: permit, bulk: false }), bulk }
    }

    /// The job's calls wait in the bulk lane: when a bulk slot is free, take it and give the
    /// ordinary slot back.
    pub fn enter_bulk(&self) -> Swap {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if held.bulk {
            return Swap::InBulk;
        }
        match self.bulk.clone().try_acquire_owned() {
            Ok(bulk) => {
                // The ordinary permit is dropped here: the consumer can take another delivery.
                *held = Held { _permit: bulk, bulk: true };
                tracing::debug!("a job in the bulk lane moved to a bulk slot; its ordinary slot takes another job");
                Swap::Moved
            }
            Err(_) => Swap::NoneFree,
        }
    }

    /// Whether the job holds a bulk slot.
    pub fn in_bulk(&self) -> bool {
        self.held.lock().unwrap_or_else(PoisonError::into_inner).bulk
    }

    /// Runs `job` with this slot as its task's slot ([`entered_bulk`] finds it).
    pub async fn scope<F: Future>(self: Arc<Self>, job: F) -> F::Output {
        SLOT.scope(self, job).await
    }
}

/// Called by the budget when a call of the current task's job waits in the bulk lane: the job
/// moves to a bulk slot if one is free ([`JobSlot::enter_bulk`]); true when it moved just now.
/// Outside a job, nothing.
pub fn entered_bulk() -> bool {
    SLOT.try_with(|slot| slot.enter_bulk()) == Ok(Swap::Moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(slots: usize, bulk: usize) -> (Arc<Semaphore>, Arc<Semaphore>) {
        (Arc::new(Semaphore::new(slots)), Arc::new(Semaphore::new(bulk)))
    }

    fn job(slots: &Arc<Semaphore>, bulk: &Arc<Semaphore>) -> JobSlot {
        JobSlot::new(slots.clone().try_acquire_owned().expect("a free slot"), bulk.clone())
    }

    #[test]
    fn a_job_entering_the_bulk_lane_gives_its_slot_back_for_a_free_bulk_slot() {
        let (slots, bulk) = queue(1, 1);
        let big = job(&slots, &bulk);
        assert_eq!(slots.available_permits(), 0);
        assert_eq!(big.enter_bulk(), Swap::Moved);
        assert!(big.in_bulk());
        assert_eq!((slots.available_permits(), bulk.available_permits()), (1, 0));
        // Its later bulk calls change nothing.
        assert_eq!(big.enter_bulk(), Swap::InBulk);
        assert_eq!((slots.available_permits(), bulk.available_permits()), (1, 0));
        drop(big);
        assert_eq!((slots.available_permits(), bulk.available_permits()), (1, 1));
    }

    #[test]
    fn without_a_free_bulk_slot_the_job_keeps_its_slot_and_moves_once_one_frees() {
        let (slots, bulk) = queue(2, 1);
        let (first, second) = (job(&slots, &bulk), job(&slots, &bulk));
        assert_eq!(first.enter_bulk(), Swap::Moved);
        assert_eq!(second.enter_bulk(), Swap::NoneFree, "the one bulk slot is taken");
        assert!(!second.in_bulk());
        // In flight: the first in the bulk slot, the second and a new job in the two slots.
        let third = job(&slots, &bulk);
        assert_eq!((slots.available_permits(), bulk.available_permits()), (0, 0));
        drop(first);
        assert_eq!(second.enter_bulk(), Swap::Moved, "the next bulk call moves it");
        assert_eq!((slots.available_permits(), bulk.available_permits()), (1, 0));
        drop((second, third));
        assert_eq!((slots.available_permits(), bulk.available_permits()), (2, 1));
    }

    #[test]
    fn with_no_bulk_slots_a_job_never_moves() {
        let (slots, bulk) = queue(1, 0);
        let big = job(&slots, &bulk);
        assert_eq!(big.enter_bulk(), Swap::NoneFree);
        assert_eq!(slots.available_permits(), 0);
    }

    #[tokio::test]
    async fn the_budget_finds_the_slot_of_the_job_it_serves_and_none_outside_a_job() {
        let (slots, bulk) = queue(1, 1);
        assert!(!entered_bulk(), "outside a job: nothing happens, nothing panics");
        let big = Arc::new(job(&slots, &bulk));
        let calls = futures::future::join_all((0..3).map(|_| async { entered_bulk() }));
        let moved = big.clone().scope(calls).await;
        assert_eq!(moved.iter().filter(|m| **m).count(), 1, "the first of its bulk calls moved it");
        assert!(big.in_bulk());
        assert_eq!((slots.available_permits(), bulk.available_permits()), (1, 0));
    }
}
