//! A quota that runs out halfway (issue 22): two real worker processes, four jobs in flight in
//! each. After the first `42909` every process pauses REST at once (its own answer, or the
//! other's `NOTIFY`): the tokens they hold are void, so the calls that still meet the used-up
//! quota are only those already sent, at most processes × per-integration concurrency. When
//! the quota returns, the next probe succeeds and every job completes. Counted by the
//! simulator's gateway: calls let through and answered 42909, not timings.

use nmbrs_worker::sim::rest::subscription::SubscriptionLimits;
use serde_json::Value;

use super::{rest_sync, two_process_world};
use crate::export::crash::harness::Crew;

const PROCESSES: u64 = 2;
const PER_INTEGRATION: u64 = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quota_run_out_halfway_stops_every_process_within_the_calls_in_flight_and_resumes() {
    let domains = ["h-1", "h-2", "h-3", "h-4"];
    let (mut env, sim) = two_process_world(&domains, 40.0).await;
    env.set("NMBRS_MAX_CONCURRENCY_PER_INTEGRATION", &PER_INTEGRATION.to_string());
    // No probe for a while after a 42909, so the calls counted in the pause are those in
    // flight; the jobs retry every second, the probe then finds the quota back.
    env.set("NMBRS_WORKER_QUOTA_PROBE_SECS", "4");
    env.set("NMBRS_WORKER_RETRY_SCHEDULE", &vec!["1s"; 20].join(","));
    let mut events = env.events().await;
    let mut crew = Crew::new(&env, &sim);
    crew.start(&[]);
    crew.start(&[]);
    let jobs: Vec<Value> =
        (0..8).map(|i| rest_sync(&env, &sim, domains[i % domains.len()], &format!("env-half-{i}"))).collect();
    // About half the calls the eight syncs make.
    sim.set_rest_limits(SubscriptionLimits { quota: Some(60), ..Default::default() });
    env.publish_many(&jobs.iter().collect::<Vec<_>>()).await;

    // Every job meets the pause (its notice) before any probe may go.
    let is_quota = |e: &crate::support::Received| e.body["payload"]["code"] == "nmbrs.quota_exceeded";
    events.wait_for_count(60, "a quota notice per job", jobs.len(), is_quota).await;
    let key = sim.rest_limit_counts().into_iter().next().expect("one subscription key");
    assert_eq!(key.passed, 60, "the quota was used");
    eprintln!("{} calls answered 42909 after the quota ran out", key.quota_exceeded);
    assert!(
        (1..=PROCESSES * PER_INTEGRATION).contains(&key.quota_exceeded),
        "after the first 42909 only calls already sent met the used-up quota: {} (≤ {})",
        key.quota_exceeded,
        PROCESSES * PER_INTEGRATION
    );

    // The quota returns: a probe finds it, REST resumes in both processes, every job completes.
    sim.set_rest_limits(SubscriptionLimits::default());
    let done = |e: &crate::support::Received| e.kind() == "job.completed";
    events.wait_for_count(120, "every sync completed", jobs.len(), done).await;
    let after = sim.rest_limit_counts().into_iter().next().expect("one subscription key");
    assert!(after.passed > 0 && after.quota_exceeded == 0, "resumed: {after:?}");
    crew.stop_all().await;
}
