//! Tenant fairness at the job level (issue 22, `job_slot`): a big sync whose calls moved to the
//! bulk lane gives its job slot back for a bulk slot, so small syncs published after it run
//! while it runs; without bulk slots (`NMBRS_WORKER_BULK_JOBS=0`) they wait for it. One
//! process with one slot per queue, so where the small syncs go is decided by the slot alone.
//! Told by the order of the simulator's calls and of the completion events: no timings.

use super::{big_then_smalls, rest_calls_by_domain, state_of};
use crate::support::{Received, Spawn, TestApp, TestEnv};

const SMALLS: [&str; 2] = ["small-1", "small-2"];

/// A process with one slot and `bulk_jobs` bulk slots per queue, `rate` REST calls per second,
/// running a big sync (≈ 90 calls, in the bulk lane after 25; a small one makes ≈ 20) and the
/// small syncs, published once the big one has made 40 calls.
async fn big_then_small(bulk_jobs: &str, rate: &str) -> TestApp {
    let mut env = TestEnv::new();
    env.set("NMBRS_REST_CALLS_PER_SECOND", rate);
    env.set("NMBRS_WORKER_BULK_AFTER_CALLS", "25");
    env.set("NMBRS_WORKER_CONCURRENCY", "1");
    env.set("NMBRS_WORKER_BULK_JOBS", bulk_jobs);
    env.set("NMBRS_WORKER_DB_POOL_SIZE", "16");
    // A job still running at the end is released rather than waited for.
    env.set("NMBRS_WORKER_SHUTDOWN_TIMEOUT", "1s");
    let h = Spawn::new().env(env).state(state_of(&SMALLS, Some(("big", 1_000)))).start().await;
    big_then_smalls(&h, &SMALLS, 40).await;
    h
}

/// The integrations of the first `n` `job.completed` events, in the order they came.
async fn completed(h: &mut TestApp, n: usize) -> Vec<String> {
    let done = |e: &Received| e.kind() == "job.completed";
    let events = h.events.wait_for_count(60, "completed syncs", n, done).await;
    events.iter().take(n).map(|e| e.body["integration_id"].as_str().unwrap_or_default().to_owned()).collect()
}

#[tokio::test]
async fn small_syncs_run_in_the_slot_a_big_sync_in_the_bulk_lane_gave_back() {
    let mut h = big_then_small("1", "20").await;
    // The first two syncs to complete are the small ones: the big one still runs ...
    assert_eq!(completed(&mut h, 2).await, ["env-small-1", "env-small-2"], "the small syncs finished first");
    let calls = rest_calls_by_domain(&h.sim);
    for d in SMALLS {
        assert!(calls.iter().filter(|c| *c == d).count() > 3, "{d} made its calls: {calls:?}");
    }
    // ... and goes on calling Nmbrs after them.
    let last_small = calls.iter().rposition(|d| d.starts_with("small-")).expect("the small syncs made calls");
    crate::support::eventually(30, "a call of the big sync after the small ones", || {
        let later = rest_calls_by_domain(&h.sim)[last_small + 1..].iter().any(|d| d == "big");
        async move { later }
    })
    .await;
    let metrics = crate::support::http_get(h.worker_http_addr(), "/metrics").await.1;
    let moves = metrics.lines().find_map(|l| l.strip_prefix("nmbrs_worker_bulk_slot_moves_total "));
    assert!(moves.and_then(|n| n.parse::<f64>().ok()).is_some_and(|n| n >= 1.0), "operations see the move: {metrics}");
    h.stop().await;
}

#[tokio::test]
async fn without_bulk_slots_the_small_syncs_wait_for_the_big_one() {
    // The order here does not depend on the rate: a faster one keeps the test short.
    let mut h = big_then_small("0", "100").await;
    let order = completed(&mut h, 3).await;
    assert_eq!(order[0], "env-big", "the big sync held the one slot: {order:?}");
    let calls = rest_calls_by_domain(&h.sim);
    let first_small = calls.iter().position(|d| d.starts_with("small-")).expect("the small syncs made calls");
    let last_big = calls.iter().rposition(|d| d == "big").expect("the big sync made calls");
    assert!(last_big < first_small, "no small sync called Nmbrs before the big one was done: {calls:?}");
    h.stop().await;
}
