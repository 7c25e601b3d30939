//! The probe spends the one call budget every worker process shares (CONTRACT §5.3, issue 17
//! step 3), against the simulator over real HTTP and a real PostgreSQL: its REST calls keep the
//! budget's rate (counted per second by the simulator's gateway), each round trip of tokens is
//! counted in the budget's row, a `42909` it meets pauses REST in that row for every process
//! (and is not sent again), and while REST is paused it sends no API call at all.

use std::collections::HashMap;

use nmbrs_worker::sim::rest::subscription::SubscriptionLimits;
use sqlx::PgPool;

use super::*;

/// The probe's configuration (on the world's own database), with `rate` REST calls per second.
fn config_at(w: &World, rate: u32) -> Config {
    let mut vars = w.vars();
    vars.push(("NMBRS_REST_CALLS_PER_SECOND", rate.to_string()));
    let map: HashMap<&str, &str> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Config::from_source(&map).unwrap()
}

/// Runs the probe (Jan, no SOAP) with `config`.
async fn run(w: &World, config: &Config) -> anyhow::Result<ProbeReport> {
    let secrets = Secrets { refresh_token: SecretString::from(w.token()), soap: None };
    probe::run(config, &w.options(), secrets, &mut Vec::new()).await
}

/// The REST row of the shared budget: round trips that took tokens, and whether it is paused.
async fn rest_row(pool: &PgPool) -> Option<(i64, bool)> {
    sqlx::query_as("SELECT takes, paused_since IS NOT NULL FROM nmbrs_call_budget WHERE scope = 'rest'")
        .fetch_optional(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_probes_rest_calls_keep_the_shared_budgets_rate_and_are_counted_in_its_row() {
    let w = World::new().await;
    let pool = w.env.pool().await;
    // Counted per key and second from here; no limit of the gateway's own.
    w.sim.set_rest_limits(SubscriptionLimits::default());
    run(&w, &config_at(&w, 20)).await.unwrap_or_else(|e| panic!("the probe failed: {e:#}"));
    assert_eq!(w.answers()["default_page_size"], 20, "a whole run");
    let counts = w.sim.rest_limit_counts();
    let passed: u64 = counts.iter().map(|k| k.passed).sum();
    let peak = counts.iter().map(|k| k.peak_per_second).max().unwrap_or(0);
    assert!(passed > 40, "the run made its REST calls: {counts:?}");
    // Unpaced, a run sends its calls as fast as the simulator answers (hundreds a second).
    assert!(peak <= 20 + 2, "at most the budget's 20 calls a second (and its burst): {counts:?}");
    let (takes, paused) = rest_row(&pool).await.expect("the probe's takes made the REST row");
    assert!(takes >= 1 && !paused, "takes {takes}, paused {paused}");
}

#[tokio::test]
async fn a_42909_the_probe_meets_pauses_rest_for_every_process_and_is_not_sent_again() {
    let w = World::new().await;
    let pool = w.env.pool().await;
    w.sim.set_rest_limits(SubscriptionLimits { quota: Some(0), ..Default::default() });
    let e = run(&w, &config_at(&w, 100)).await.expect_err("no company can be read");
    assert!(format!("{e:#}").contains("42909"), "{e:#}");
    let refused: u64 = w.sim.rest_limit_counts().iter().map(|k| k.quota_exceeded).sum();
    assert_eq!(refused, 1, "a used-up quota is not retried in the call");
    let (_, paused) = rest_row(&pool).await.expect("the REST row");
    assert!(paused, "the probe's 42909 paused REST in the budget every process shares");
    assert_eq!(w.sim.write_calls(), 0);
}

#[tokio::test]
async fn while_rest_is_paused_the_probe_sends_no_api_call_and_records_the_refusal() {
    let w = World::new().await;
    let pool = w.env.pool().await;
    // Another process met a 42909 and holds the one probing call for the next hour.
    sqlx::query(
        "INSERT INTO nmbrs_call_budget (scope, tokens, refilled_at, paused_since, probe_until)
         VALUES ('rest', 1, now(), now(), now() + interval '1 hour')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let e = run(&w, &config_at(&w, 100)).await.expect_err("REST is paused");
    assert!(format!("{e:#}").contains("not sent") && format!("{e:#}").contains("42909"), "{e:#}");
    assert!(w.sim.calls().is_empty(), "no Nmbrs API call at all: {:?}", w.sim.calls());
    let refusals: Vec<Value> = records(w.out.path()).into_iter().filter(|r| r.get("response").is_none()).collect();
    assert!(!refusals.is_empty(), "the refused call is on record");
    for r in &refusals {
        assert!(r["url"].as_str().unwrap().contains("/api/"), "{r}");
        assert!(r["error"].as_str().unwrap().starts_with("not sent"), "{r}");
    }
    // The pause lifts (the other process's probe was answered): the same consent runs the probe.
    sqlx::query("UPDATE nmbrs_call_budget SET paused_since = NULL, probe_until = NULL WHERE scope = 'rest'")
        .execute(&pool)
        .await
        .unwrap();
    run(&w, &config_at(&w, 100)).await.unwrap_or_else(|e| panic!("the probe failed: {e:#}"));
    assert!(!w.sim.calls().is_empty());
}
