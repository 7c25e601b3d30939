//! Issue 22: one Nmbrs call budget for all of Eitje (CONTRACT §5.3), against the simulator's
//! limits per subscription key (`sim::rest::subscription`), real PostgreSQL and RabbitMQ.
//! - `processes`: two real worker processes keep the one rate; a killed one's share returns;
//! - `quota`: a 42909 storm across two integrations: no tight loop, one notice per job, the
//!   pause ends when the quota returns;
//! - `fairness`: a big sync cannot starve small ones (calls counted per integration, in order);
//! - `halfway`: a quota run out halfway stops both processes within the calls in flight;
//! - `slots`: a big sync in the bulk lane gives its job slot back, so small ones run meanwhile;
//! - `sql_twin`: the bulk allowance in `nmbrs_budget_take`, counted.

mod fairness;
mod halfway;
mod processes;
mod quota;
mod slots;
mod sql_twin;

use nmbrs_worker::{
    credentials::RestGrant,
    sim::{
        SimState, Simulator, demo,
        rest::{GrantSpec, ids::IdKind, ids::rest_id},
    },
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{CLIENT_ID, TestApp, TestEnv, envelope};

/// The demo data under each of `domains` (one Nmbrs environment per integration, so the call
/// log tells the integrations apart by domain); `big` gets `employees` more in its Horeca.
pub fn state_of(domains: &[&str], big: Option<(&str, usize)>) -> SimState {
    let mut state = demo::state();
    let plain = state.domains[demo::DOMAIN].clone();
    for d in domains {
        state.domains.insert((*d).to_owned(), plain.clone());
    }
    if let Some((name, employees)) = big {
        let mut scaled = SimState::default();
        scaled.apply_seed(demo::scaled(employees));
        state.domains.insert(name.to_owned(), scaled.domains[demo::DOMAIN].clone());
    }
    state
}

/// A REST `SyncTeam` of integration `integration` on Nmbrs domain `domain`, with a consent of
/// its own minted at the simulator.
pub fn rest_sync(env: &TestEnv, sim: &Simulator, domain: &str, integration: &str) -> Value {
    let minted = sim.mint_grant(GrantSpec {
        grant_id: Uuid::new_v4().to_string(),
        client_id: CLIENT_ID.into(),
        domain: domain.into(),
        ..Default::default()
    });
    let grant = RestGrant::new(minted.grant_id.parse().expect("a UUID grant id"), minted.refresh_token);
    let sealed = env.keys.seal_rest_grant(integration, &grant);
    let mut job =
        envelope("SyncTeam", integration, &sealed, json!({"trigger": "nightly", "full": false, "members": []}));
    job["integration"]["nmbrs"]["domain"] = json!(domain);
    job["integration"]["nmbrs"]["api"] = json!("rest");
    let company = |id: i32| rest_id(domain, IdKind::Company, id.into()).to_string();
    job["integration"]["venues"] = json!([
        {"eitje_venue_id": "v-horeca", "nmbrs_company_id": company(demo::HORECA)},
        {"eitje_venue_id": "v-catering", "nmbrs_company_id": company(demo::CATERING)}
    ]);
    job
}

/// Publishes a REST sync of `env-big` on the domain `big`, waits until it has made `calls` calls
/// (well into its reads), then publishes one of `env-<domain>` for each of `smalls` at once.
pub async fn big_then_smalls(h: &TestApp, smalls: &[&str], calls: usize) {
    let big = rest_sync(&h.env, &h.sim, "big", "env-big");
    h.env.publish(&big).await;
    crate::support::eventually(30, &format!("the big sync's first {calls} calls"), || {
        let n = rest_calls_by_domain(&h.sim).iter().filter(|d| *d == "big").count();
        async move { n >= calls }
    })
    .await;
    let jobs: Vec<_> = smalls.iter().map(|d| rest_sync(&h.env, &h.sim, d, &format!("env-{d}"))).collect();
    h.env.publish_many(&jobs.iter().collect::<Vec<_>>()).await;
}

/// A simulator with the demo data under each of `domains`, and the environment of worker
/// processes pointed at it, sharing `rate` REST calls per second. Four jobs per process keep
/// the budget the bottleneck; a small pool each, so two processes stay well inside the test
/// server's 100 connections.
pub async fn two_process_world(domains: &[&str], rate: f64) -> (TestEnv, Simulator) {
    let mut env = TestEnv::new();
    let sim = Simulator::start_with(state_of(domains, None)).await.expect("simulator");
    crate::support::point_rest_at(&mut env, &sim);
    env.set("NMBRS_REST_CALLS_PER_SECOND", &rate.to_string());
    env.set("NMBRS_WORKER_CONCURRENCY", "4");
    env.set("NMBRS_WORKER_DB_POOL_SIZE", "24");
    (env, sim)
}

/// The REST calls the simulator served, in order, as the domain each was for ("" for a call
/// the gateway refused before it reached Nmbrs).
pub fn rest_calls_by_domain(sim: &Simulator) -> Vec<String> {
    sim.calls().into_iter().filter(|c| c.operation.contains(" /api/")).map(|c| c.domain).collect()
}
