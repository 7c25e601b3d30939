//! Two real `nmbrs-worker run` processes against one subscription limit (issue 22): together
//! they keep `NMBRS_REST_CALLS_PER_SECOND` (the simulator's gateway answers 42908 above its
//! limit and counts them), and when one is killed its share returns to the other.

use std::time::{Duration, Instant};

use nmbrs_worker::sim::rest::subscription::SubscriptionLimits;
use serde_json::Value;

use super::{rest_sync, two_process_world};
use crate::export::crash::harness::Crew;

/// The gateway's limit, and the rate the workers are set to (a little below it, as the docs
/// tell operators: the budget's burst rides on top of its rate).
const LIMIT: u32 = 30;
const RATE: f64 = 28.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_keep_one_rate_and_a_killed_ones_share_returns() {
    let domains = ["d-1", "d-2", "d-3", "d-4"];
    let (env, sim) = two_process_world(&domains, RATE).await;
    let mut events = env.events().await;
    let mut crew = Crew::new(&env, &sim);
    crew.start(&[]);
    crew.start(&[]);
    let jobs: Vec<Value> =
        (0..48).map(|i| rest_sync(&env, &sim, domains[i % domains.len()], &format!("env-{i}"))).collect();
    sim.set_rest_limits(SubscriptionLimits { calls_per_second: Some(LIMIT), ..Default::default() });
    let since = Instant::now();
    env.publish_many(&jobs.iter().collect::<Vec<_>>()).await;

    // Both processes work; a third of the way in, one dies.
    let passed = || sim.rest_limit_counts().first().map_or(0, |k| k.passed);
    crate::support::eventually(60, "the first 250 calls", || {
        let n = passed();
        async move { n >= 250 }
    })
    .await;
    crew.proc(0).kill();
    let killed_at = since.elapsed();
    let done = |e: &crate::support::Received| e.kind() == "job.completed";
    events.wait_for_count(180, "every sync completed", jobs.len(), done).await;
    let finished_at = since.elapsed();

    let counts = sim.rest_limit_counts();
    assert_eq!(counts.len(), 1, "one subscription key");
    let key = &counts[0];
    // One shared rate leaves only the jitter of calls woken late on a loaded machine (the storm
    // benchmark's goal, ≤ 1 %, is measured without a test suite beside it: under a full suite
    // on 2 cores this run saw 1.4–1.5 %); two processes each at the rate would see about half
    // of their calls refused. 3 % tells the two apart with room for the load.
    assert!(
        key.throttled * 100 <= key.passed * 3,
        "two processes kept one rate: {} calls answered 42908 for {} let through",
        key.throttled,
        key.passed
    );
    // The survivor alone, from three seconds after the kill (the dead process's demand counts
    // for two) to the last whole second before the end: about the whole rate, not half.
    let from = (killed_at + Duration::from_secs(3)).as_secs() as usize;
    let to = finished_at.as_secs().saturating_sub(1) as usize;
    assert!(to > from + 2, "the survivor ran long enough to be measured ({from}..{to} s)");
    let alone = &key.per_second[from..to.min(key.per_second.len())];
    let mean = alone.iter().map(|n| f64::from(*n)).sum::<f64>() / alone.len() as f64;
    assert!(mean >= 0.7 * RATE, "the killed process's share returned: {mean:.1} calls/s alone ({alone:?})");
    // What sharing cost: the round trips that took tokens, against the calls made.
    let pool = env.pool().await;
    let takes: i64 = sqlx::query_scalar("SELECT takes FROM nmbrs_call_budget WHERE scope = 'rest'")
        .fetch_one(&pool)
        .await
        .expect("the rest scope's row");
    let calls = key.passed + key.throttled;
    eprintln!("{calls} REST calls, {takes} budget round trips");
    assert!(
        u64::try_from(takes).unwrap() * 2 <= calls,
        "a round trip serves a batch of calls: {takes} takes for {calls} calls"
    );
    crew.stop_all().await;
}
