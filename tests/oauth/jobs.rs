//! Tokens inside jobs (issue 9, CONTRACT §5.1 and §5.3): REST exports through the worker
//! (real RabbitMQ and PostgreSQL, the simulator's REST face and identity server over HTTP)
//! while the access token expires, the quota runs out, or the consent is gone.

use crate::support::export::*;
use crate::support::*;
use nmbrs_worker::sim::rest::RestInjected;
use serde_json::{Value, json};

const HOURS_INSERT: &str = "POST /api/employees/{employeeId}/variablehours";
const PERIOD: &str = "GET /api/companies/{companyId}/period";

fn entries() -> Value {
    json!([
        with(worked("j-1", JAN, "2026-11-03", "7.50"), json!({"meals": 1})),
        worked("a-1", ANTON, "2026-11-03", "6.00"),
        worked("f-1", FATIMA, "2026-11-04", "5.25"),
    ])
}

/// What the three entries leave in Nmbrs: one line per bucket, exact values.
fn assert_exact(h: &TestApp) {
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("7.5"))]);
    assert_eq!(h.nmbrs(JAN, NOVEMBER).wage_values(), [(400, d("1"))]);
    assert_eq!(h.nmbrs(ANTON, NOVEMBER).hour_values(), [(1, d("6"))]);
    assert_eq!(h.nmbrs(FATIMA, NOVEMBER).hour_values(), [(1, d("5.25"))]);
}

#[tokio::test]
async fn an_access_token_expiring_mid_export_is_refreshed_and_the_export_ends_exact() {
    let mut h = Spawn::new().api(Api::Rest).start().await;
    // After the reads, the token dies just before the first hours insert: a 401, one refresh,
    // the same insert again (it was refused, not applied).
    h.sim.inject_rest(Some(HOURS_INSERT), RestInjected::TokenExpired);
    let out = h.export(FULL, export_payload("exp-token", NOVEMBER, entries())).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    assert_eq!(out.count("in_doubt"), 0);
    assert_exact(&h);
    let again = h.export(FULL, export_payload("exp-token-2", NOVEMBER, entries())).await;
    assert_eq!(again.write_calls, 0, "nothing doubled: an identical re-export writes nothing");
    h.stop().await;
}

#[tokio::test]
async fn a_used_up_quota_notifies_once_and_the_job_retries_on_its_schedule() {
    let mut h = Spawn::new().api(Api::Rest).start().await;
    h.sim.inject_rest(Some(PERIOD), RestInjected::QuotaExceeded);
    h.sim.inject_rest(Some(PERIOD), RestInjected::QuotaExceeded);
    let out = h.export(FULL, export_payload("exp-quota", NOVEMBER, entries())).await;
    assert_eq!(out.status(), "succeeded", "the third attempt ran: {:#}", out.completed);
    assert_exact(&h);
    let quota: Vec<&Value> = out.notifications.iter().filter(|n| n["code"] == "nmbrs.quota_exceeded").collect();
    assert_eq!(quota.len(), 1, "one quota notice per job, not one per attempt: {:#?}", out.notifications);
    assert_eq!(quota[0]["params"]["domain"], nmbrs_worker::sim::demo::DOMAIN);
    let period_reads = h.sim.calls().iter().filter(|c| c.operation == PERIOD).count();
    assert!(period_reads <= 4, "the refused call is not repeated inside the attempt: {period_reads} reads");
    h.stop().await;
}

#[tokio::test]
async fn a_revoked_consent_fails_the_job_for_a_person_and_nothing_else_happens() {
    let mut h = Spawn::new().api(Api::Rest).start().await;
    let grant = h.grant.clone().expect("a REST consent");
    assert!(h.sim.state().rest.oauth.revoke(&grant.grant_id.to_string()));
    let job = h.job(FULL, export_payload("exp-revoked", NOVEMBER, entries()));
    let failed = run_failing_job(&h.env, &mut h.events, &job).await;
    assert_eq!(failed.body["payload"]["error"]["code"], "nmbrs_consent_required");
    assert_eq!(failed.body["payload"]["error"]["attempts"], 1, "no retry");
    let notice =
        h.events.wait_for(5, "consent notice", |e| e.body["payload"]["code"] == "nmbrs.consent_required").await;
    assert_eq!(
        notice.body["payload"]["params"],
        json!({"domain": nmbrs_worker::sim::demo::DOMAIN, "grant_id": grant.grant_id.to_string()})
    );
    h.events.collect_for(1000).await;
    let api_calls = h
        .sim
        .calls()
        .iter()
        .filter(|c| c.operation.starts_with("GET /api") || c.operation.starts_with("POST /api"))
        .count();
    assert_eq!(api_calls, 0, "no Nmbrs call without a token");
    assert_eq!(h.sim.write_calls(), 0);
    assert!(h.events.seen.iter().all(|e| e.kind() != "hours.exported"), "no export event");
    h.stop().await;
}
