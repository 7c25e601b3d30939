//! A used-up quota (42909) across two integrations (CONTRACT §5.3): REST pauses for the whole
//! subscription, each job tells its one `nmbrs.quota_exceeded` {scope: "subscription"} and
//! waits on its retry schedule, with at most one probing call at a time: no tight loop. When the
//! quota returns, the next probe succeeds and every job completes.

use nmbrs_worker::sim::rest::subscription::SubscriptionLimits;
use serde_json::Value;

use super::{rest_sync, state_of};
use crate::support::{Spawn, TestEnv};

#[tokio::test]
async fn a_42909_storm_pauses_rest_notifies_each_job_once_and_makes_no_tight_loop() {
    let mut env = TestEnv::new();
    // Six attempts, a second apart: the pause lasts about three of them.
    env.set("NMBRS_WORKER_RETRY_SCHEDULE", "1s,1s,1s,1s,1s,1s,1s,1s");
    let mut h = Spawn::new().env(env).state(state_of(&["alpha", "beta"], None)).start().await;
    h.sim.set_rest_limits(SubscriptionLimits { quota: Some(0), ..Default::default() });
    let jobs: Vec<Value> =
        [("alpha", "env-alpha-1"), ("alpha", "env-alpha-2"), ("beta", "env-beta-1"), ("beta", "env-beta-2")]
            .iter()
            .map(|(domain, integration)| rest_sync(&h.env, &h.sim, domain, integration))
            .collect();
    h.env.publish_many(&jobs.iter().collect::<Vec<_>>()).await;
    let is_quota = |e: &crate::support::Received| e.body["payload"]["code"] == "nmbrs.quota_exceeded";
    let notices = h.events.wait_for_count(30, "a quota notice per job", jobs.len(), is_quota).await;
    for n in &notices {
        assert_eq!(n.body["payload"]["params"]["scope"], "subscription", "{:#}", n.body);
        assert_eq!(n.body["payload"]["level"], "warning");
    }
    // Three more seconds of pause: every job retries on its schedule; each attempt sends at
    // most the one probe, so the calls stay counted in attempts, not in a loop.
    h.events.collect_for(3_000).await;
    let refused = h.sim.rest_limit_counts().iter().map(|k| k.quota_exceeded).sum::<u64>();
    // 4 jobs × (first wave ≤ 4 calls in flight) + about 4 seconds × 1 probe at a time (≤ one
    // per attempt: 4 jobs × ~4 attempts).
    assert!(refused <= 4 * 4 + 4 * 5, "no tight loop: {refused} calls answered 42909");
    assert!(refused >= 2, "the jobs did probe while paused: {refused}");
    // Operations see it at once: the counter ops/alerts.yml watches, and the pause gauge.
    let metrics = nmbrs_worker::metrics::Metrics::default().render();
    let value = |name: &str| -> f64 {
        let line = metrics.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{name} in {metrics}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert!(value("nmbrs_worker_rest_quota_exceeded_total") >= 1.0, "{metrics}");
    assert_eq!(value("nmbrs_worker_rest_paused "), 1.0, "{metrics}");
    // The quota returns: the next probe succeeds, REST resumes, every job completes.
    h.sim.set_rest_limits(SubscriptionLimits::default());
    let done = |e: &crate::support::Received| e.kind() == "job.completed";
    h.events.wait_for_count(40, "every job completed", jobs.len(), done).await;
    h.events.collect_for(500).await;
    for job in &jobs {
        let id = job["message_id"].as_str().unwrap();
        let told: Vec<_> = h.events.of("notification", id).into_iter().filter(|e| is_quota(e)).collect();
        assert_eq!(told.len(), 1, "one quota notice for job {id}, whatever its attempts");
    }
    h.stop().await;
}
