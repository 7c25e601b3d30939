//! The consent's end and the API gateway (CONTRACT §5.1, issue 20): `nmbrs.consent_expiring`
//! once per grant before the refresh chain ends, the simulator's two kinds of chain end, and a
//! 401 from the gateway for a refused subscription key, which is never answered with a refresh.
//! Real RabbitMQ and PostgreSQL, the simulator's REST face and identity server over HTTP.

use chrono::{DateTime, Duration, Utc};
use nmbrs_worker::{
    credentials::RestGrant,
    sim::{
        demo,
        rest::{Gateway401, GrantSpec, RefreshExpiryKind, RestSettings},
    },
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::export::{FULL, NOVEMBER, worked};
use crate::support::*;

/// Now for the refresh chain: real time, whatever `NMBRS_WORKER_CLOCK` says (the tests pin it
/// to the demo data's day, which must not move the consent's end).
fn worker_now() -> DateTime<Utc> {
    Utc::now()
}

/// A consent given `days_ago`; the simulator never ends its chain.
fn consent(app: &TestApp, days_ago: i64) -> RestGrant {
    let mut grant = mint(app, worker_now() - Duration::days(days_ago), None, RefreshExpiryKind::Absolute);
    grant.consented_at = Some(worker_now() - Duration::days(days_ago));
    grant
}

/// A consent given at `consented_at` (the simulator's clock is the real one), whose refresh
/// chain the simulator ends after `lifetime_days`, counted as `kind` says.
fn mint(app: &TestApp, consented_at: DateTime<Utc>, lifetime_days: Option<u64>, kind: RefreshExpiryKind) -> RestGrant {
    let minted = app.sim.mint_grant(GrantSpec {
        grant_id: Uuid::new_v4().to_string(),
        client_id: CLIENT_ID.into(),
        domain: demo::DOMAIN.into(),
        consented_at_ms: Some(consented_at.timestamp_millis() as u64),
        refresh_lifetime_secs: lifetime_days.map(|d| d * 86_400),
        refresh_expiry: kind,
        ..Default::default()
    });
    RestGrant::new(minted.grant_id.parse().unwrap(), minted.refresh_token)
}

fn check_job(app: &TestApp, integration: &str, grant: &RestGrant) -> Value {
    api_job(&app.env, Api::Rest, Some(grant), "CheckIntegration", integration, json!({}))
}

/// Runs a check of `integration` with `grant`; the job's events other than `job.completed`.
async fn check(app: &mut TestApp, integration: &str, grant: &RestGrant) -> Vec<Received> {
    let job = check_job(app, integration, grant);
    run_job(&app.env, &mut app.events, &job).await.1
}

fn expiring_notices(app: &TestApp) -> Vec<Value> {
    let seen = app.events.seen.iter().filter(|e| e.body["payload"]["code"] == "nmbrs.consent_expiring");
    seen.map(|e| e.body.clone()).collect()
}

#[tokio::test]
async fn a_consent_near_its_end_is_warned_once_per_grant_and_the_check_names_the_day() {
    let mut app = Spawn::new().api(Api::Rest).start().await;
    let integration = "env-consent-ending";
    let old = consent(&app, 25);
    let renew_by = (old.consented_at.unwrap() + Duration::days(30)).date_naive().to_string();

    let others = check(&mut app, integration, &old).await;
    let checked = others.iter().find(|e| e.kind() == "integration.checked").expect("integration.checked");
    let checks = checked.body["payload"]["checks"].as_array().unwrap();
    let accepted = checks.iter().find(|c| c["code"] == "credentials.accepted").expect("credentials accepted");
    assert_eq!(accepted["params"]["renew_by"], renew_by.as_str(), "{accepted:#}");
    assert!(checks.iter().any(|c| c["code"] == "nmbrs.consent_expiring" && c["status"] == "problem"), "{checks:#?}");
    let notice =
        app.events.wait_for(10, "consent_expiring", |e| e.body["payload"]["code"] == "nmbrs.consent_expiring").await;
    assert_eq!(
        notice.body["payload"]["params"],
        json!({"domain": demo::DOMAIN, "grant_id": old.grant_id.to_string(), "renew_by": renew_by})
    );
    assert_eq!(notice.body["payload"]["level"], "warning");
    nmbrs_worker::envelope::schema::check("events/notification", &notice.body).unwrap_or_else(|e| panic!("{e}"));

    // A second job of the same grant: no second warning.
    check(&mut app, integration, &old).await;
    app.events.collect_for(1500).await;
    assert_eq!(expiring_notices(&app).len(), 1, "once per grant");

    // A newer consent that is itself 24 days old replaces the grant and is warned about once.
    let newer = consent(&app, 24);
    check(&mut app, integration, &newer).await;
    check(&mut app, integration, &newer).await;
    app.events.collect_for(1500).await;
    let notices = expiring_notices(&app);
    let grants: Vec<&Value> = notices.iter().map(|n| &n["payload"]["params"]["grant_id"]).collect();
    assert_eq!(grants, [&json!(old.grant_id.to_string()), &json!(newer.grant_id.to_string())]);

    // A fresh consent of another integration: nothing to warn about.
    let fresh = consent(&app, 1);
    check(&mut app, "env-consent-fresh", &fresh).await;
    app.events.collect_for(1500).await;
    assert_eq!(expiring_notices(&app).len(), 2, "a fresh consent is not warned about");
    app.stop().await;
}

#[tokio::test]
async fn an_ended_refresh_chain_needs_a_new_consent_and_a_sliding_one_lives_on() {
    let mut app = Spawn::new().api(Api::Rest).start().await;
    // 31 days after consent: ended under an absolute chain (the simulator refuses the refresh).
    let ended = mint(&app, Utc::now() - Duration::days(31), Some(30), RefreshExpiryKind::Absolute);
    let others = check(&mut app, "env-chain-ended", &ended).await;
    let checked = others.iter().find(|e| e.kind() == "integration.checked").expect("integration.checked");
    let codes: Vec<&Value> = checked.body["payload"]["checks"].as_array().unwrap().iter().map(|c| &c["code"]).collect();
    assert!(codes.contains(&&json!("nmbrs.consent_required")), "{codes:?}");
    // Under a sliding chain, refreshed 5 days ago, the same age still works.
    let sliding = mint(&app, Utc::now() - Duration::days(31), Some(30), RefreshExpiryKind::Sliding);
    app.sim.state().rest.oauth.grants.get_mut(&sliding.grant_id.to_string()).unwrap().last_refresh_ms =
        (Utc::now() - Duration::days(5)).timestamp_millis() as u64;
    let others = check(&mut app, "env-chain-sliding", &sliding).await;
    let checked = others.iter().find(|e| e.kind() == "integration.checked").expect("integration.checked");
    let codes: Vec<&Value> = checked.body["payload"]["checks"].as_array().unwrap().iter().map(|c| &c["code"]).collect();
    assert!(codes.contains(&&json!("credentials.accepted")), "{codes:?}");
    assert!(!codes.contains(&&json!("nmbrs.consent_required")), "{codes:?}");
    app.stop().await;
}

/// The gateway answers every REST call with its own 401 (`{statusCode, message}`): Eitje's app
/// key was rotated in the Nmbrs developer portal, the worker still sends the old one.
fn rotate_the_key(app: &TestApp, new_key: &str) {
    app.sim.set_rest_settings(RestSettings { gateway_401: Gateway401::Gateway, ..RestSettings::default() });
    app.sim.add_oauth_client(CLIENT_ID, CLIENT_SECRET, new_key);
}

fn refreshes(app: &TestApp) -> usize {
    app.sim.state().rest.oauth.token_calls.iter().filter(|c| c.endpoint != "revocation").count()
}

fn one_entry() -> Value {
    json!([worked("g-1", crate::support::export::JAN, "2026-11-03", "7.50")])
}

#[tokio::test]
async fn a_gateway_401_without_a_secondary_key_is_retried_on_schedule_and_never_refreshes() {
    let mut app = Spawn::new().api(Api::Rest).start().await;
    rotate_the_key(&app, "the-new-key");
    let job = app.job(FULL, export_payload("exp-gateway", NOVEMBER, one_entry()));
    let failed = run_failing_job(&app.env, &mut app.events, &job).await;
    assert_eq!(failed.body["payload"]["error"]["code"], "rest_subscription_refused");
    assert_eq!(failed.body["payload"]["error"]["attempts"], 3, "retried on the schedule (1s, 2s)");
    // One refresh for the first token, then the cached token for every attempt: a gateway 401
    // never spends a refresh token.
    assert_eq!(refreshes(&app), 1, "{:?}", app.sim.state().rest.oauth.token_calls);
    // Each attempt's first reads (run side by side) were refused once each, none repeated.
    let calls = app.sim.calls();
    let api: Vec<_> = calls.iter().filter(|c| c.operation.contains(" /api/")).collect();
    assert!(api.len() >= 3, "{api:?}");
    assert!(api.iter().all(|c| c.outcome == "error:gateway_401"), "{api:?}");
    assert_eq!(api.len() % 3, 0, "the same refused reads in each of the 3 attempts: {api:?}");
    assert_eq!(app.sim.write_calls(), 0);
    let notice = app
        .events
        .wait_for(5, "job.failed notice", |e| e.kind() == "notification" && e.body["payload"]["code"] == "job.failed")
        .await;
    assert_eq!(notice.body["payload"]["params"]["code"], "rest_subscription_refused");
    assert!(notice.body["payload"]["message"].as_str().unwrap().contains("setting at Eitje"), "{notice:#?}");
    let metrics = http_get(app.worker_http_addr(), "/metrics").await.1;
    assert!(
        metrics.contains("nmbrs_worker_job_attempt_errors_total{code=\"rest_subscription_refused\"} 3"),
        "operations see it in the metrics: {metrics}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_gateway_401_is_repeated_once_with_the_secondary_key_which_is_then_used_first() {
    let mut env = TestEnv::new();
    env.set("NMBRS_SUBSCRIPTION_KEY_SECONDARY", "the-new-key");
    let mut app = Spawn::new().api(Api::Rest).env(env).start().await;
    rotate_the_key(&app, "the-new-key");
    let out = app.export(FULL, export_payload("exp-gateway-2", NOVEMBER, one_entry())).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    assert_eq!(app.nmbrs(crate::support::export::JAN, NOVEMBER).hour_values().len(), 1, "written once");
    let refused = |app: &TestApp| app.sim.calls().iter().filter(|c| c.outcome == "error:gateway_401").count();
    // The export's first reads run side by side: each met the old key once, then used the other.
    let first = refused(&app);
    assert!((1..=8).contains(&first), "{first} refused calls");
    assert_eq!(refreshes(&app), 1, "no refresh for a gateway 401");
    // From then on the process uses the key that works first: no call is refused again.
    app.sim.clear_calls();
    let again = app.export(FULL, export_payload("exp-gateway-3", NOVEMBER, one_entry())).await;
    assert_eq!(again.status(), "succeeded", "{:#}", again.completed);
    assert_eq!(again.write_calls, 0, "identical: nothing written twice");
    assert_eq!(refused(&app), 0);
    app.stop().await;
}

#[tokio::test]
async fn a_late_message_with_an_older_consent_never_displaces_the_newer_one_in_the_check() {
    let mut app = Spawn::new().api(Api::Rest).start().await;
    let integration = "env-consent-order";
    let newer = consent(&app, 2);
    let older = consent(&app, 5);
    let grant_of = |others: &[Received]| {
        let checked = others.iter().find(|e| e.kind() == "integration.checked").expect("integration.checked");
        let checks = checked.body["payload"]["checks"].as_array().unwrap().clone();
        let accepted = checks.iter().find(|c| c["code"] == "credentials.accepted").cloned();
        accepted.unwrap_or_else(|| panic!("credentials accepted: {checks:#?}"))["params"]["grant_id"].clone()
    };
    assert_eq!(grant_of(&check(&mut app, integration, &newer).await), json!(newer.grant_id.to_string()));
    // The older consent arrives late: the check still uses (and reports) the newer grant.
    assert_eq!(grant_of(&check(&mut app, integration, &older).await), json!(newer.grant_id.to_string()));
    // ... and the older grant is retired for good: the newer one still works afterwards.
    assert_eq!(grant_of(&check(&mut app, integration, &newer).await), json!(newer.grant_id.to_string()));
    let older_refreshes = app.sim.state().rest.oauth.grants[&older.grant_id.to_string()].refreshes;
    assert_eq!(older_refreshes, 0, "the older token was never spent");
    app.stop().await;
}

#[tokio::test]
async fn a_consent_refused_in_the_attempt_gets_consent_required_and_no_expiry_warning() {
    let mut app = Spawn::new().api(Api::Rest).start().await;
    let grant = consent(&app, 10);
    app.grant = Some(grant.clone());
    let out = app.export(FULL, export_payload("exp-consent-1", NOVEMBER, one_entry())).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    // Weeks pass (the stored consent is now 25 days old) and the customer revokes the consent.
    let pool = app.env.pool().await;
    sqlx::query("UPDATE oauth_grants SET consented_at = now() - interval '25 days'").execute(&pool).await.unwrap();
    assert!(app.sim.state().rest.oauth.revoke(&grant.grant_id.to_string()));
    app.sim.state().rest.oauth.access.clear();
    let job = app.job(FULL, export_payload("exp-consent-2", NOVEMBER, one_entry()));
    let failed = run_failing_job(&app.env, &mut app.events, &job).await;
    assert_eq!(failed.body["payload"]["error"]["code"], "nmbrs_consent_required");
    // A check reports the refused consent as a finding and completes: no warning either.
    let others = check(&mut app, crate::support::export::INTEGRATION, &grant).await;
    let checked = others.iter().find(|e| e.kind() == "integration.checked").expect("integration.checked");
    assert_eq!(checked.body["payload"]["status"], "needs_attention");
    app.events.collect_for(1500).await;
    assert_eq!(expiring_notices(&app), Vec::<Value>::new(), "a refused consent is not warned about as expiring");
    app.stop().await;
}
