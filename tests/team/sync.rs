//! SyncTeam and Deactivate end to end: real RabbitMQ and PostgreSQL, the worker in-process,
//! the Nmbrs simulator (demo data) over HTTP. "Today" is fixed at 2026-11-24.
//!
//! Demo data on that day: imported 503293, 503294, 503295 (private e-mail only), 503299,
//! 503300, 503301, 503304; no e-mail 503296; no active employment 503297 (ended
//! 2026-06-30), 503298 and 503303 (start in the future), 503302 (ended, and no e-mail).

use crate::support::*;
use nmbrs_worker::{clock::Clock, nmbrs::Operation, sim::demo};
use serde_json::{Value, json};

const USER: (&str, &str) = (demo::USERNAME, demo::TOKEN);

/// 2026-11-24 in Amsterdam (the nightly sync's hour, 22:00 local).
fn clock() -> Clock {
    Clock::fixed("2026-11-24T21:00:00Z".parse().unwrap())
}

/// The team handlers, "today" being [`clock`], on a world of the test's own.
async fn team_app() -> TestApp {
    Spawn::new().handlers(|env, sim| team_handlers(env, sim, clock())).start().await
}

/// [`team_app`] and a way to make jobs for `api` for each of `integrations` (on REST each has a
/// consent of its own, as in production: the worker owns one grant per integration).
async fn team_app_on(api: Api, integrations: &[&str]) -> (TestApp, impl Fn(&TestEnv, &str, &str, Value) -> Value) {
    let app = team_app().await;
    let grants: std::collections::HashMap<String, _> = match api {
        Api::Soap => Default::default(),
        Api::Rest => integrations.iter().map(|i| (i.to_string(), mint_demo_grant(&app.sim))).collect(),
    };
    let job = move |env: &TestEnv, kind: &str, integration: &str, payload: Value| {
        api_job(env, api, grants.get(integration), kind, integration, payload)
    };
    (app, job)
}

/// The values sorted by their JSON text (ids of either API).
fn sorted(mut values: Vec<Value>) -> Vec<Value> {
    values.sort_by_key(|v| v.to_string());
    values
}

crate::on_both_apis!(
    first_sync_publishes_all_then_only_changes_and_full_publishes_all_again,
    members_whose_employment_ended_are_deactivated_or_reported,
    ambiguous_matches_are_reported_not_merged,
    two_syncs_of_one_integration_never_overlap_the_second_waits,
    a_refused_company_makes_the_sync_partial_and_the_others_still_sync,
    a_mass_departure_is_held_for_a_person_to_look,
);

fn roster() -> Value {
    json!([
        {"eitje_user_id": "u-jan", "nmbrs_employee_id": 503293, "active": true},
        {"eitje_user_id": "u-anton", "bsn": "123456782", "active": true},
        {"eitje_user_id": "u-emma", "email": " emma@catering.EXAMPLE", "active": true}
    ])
}

fn sync(full: bool, members: Value) -> Value {
    json!({"trigger": "manual", "full": full, "members": members})
}

fn of_kind<'a>(events: &'a [Received], kind: &str) -> Vec<&'a Received> {
    events.iter().filter(|e| e.kind() == kind).collect()
}

async fn first_sync_publishes_all_then_only_changes_and_full_publishes_all_again(api: Api) {
    let (mut app, job) = team_app_on(api, &["env-sync"]).await;
    let TestApp { env, sim, events, .. } = &mut app;

    let (done, first) = run_job(env, events, &job(env, "SyncTeam", "env-sync", sync(false, roster()))).await;
    assert_eq!(done.body["payload"]["status"], "succeeded");
    let counts = &done.body["payload"]["counts"];
    assert_eq!(counts["imported"], 7, "{counts}");
    assert_eq!(counts["upserted"], 7);
    assert_eq!(counts["no_email"], 1);
    assert_eq!(counts["no_active_employment"], 4);
    let upserts = of_kind(&first, "team_member.upserted");
    let ids = upserts.iter().map(|e| e.body["payload"]["nmbrs_employee_id"].clone()).collect();
    let imported = [503293, 503294, 503295, 503299, 503300, 503301, 503304];
    assert_eq!(sorted(ids), sorted(imported.map(|id| api.employee(id)).to_vec()));
    let by_id = |id: i32| upserts.iter().find(|e| e.body["payload"]["nmbrs_employee_id"] == api.employee(id)).unwrap();
    assert_eq!(by_id(503293).body["payload"]["matched_by"], "nmbrs_id");
    assert_eq!(by_id(503293).body["payload"]["eitje_user_id"], "u-jan");
    assert_eq!(by_id(503294).body["payload"]["matched_by"], "bsn");
    assert_eq!(by_id(503301).body["payload"]["matched_by"], "email");
    assert_eq!(by_id(503301).body["payload"]["eitje_user_id"], "u-emma");
    assert_eq!(by_id(503300).body["payload"]["matched_by"], "new");
    assert!(by_id(503300).body["payload"]["eitje_user_id"].is_null());
    assert_eq!(by_id(503300).body["payload"]["eitje_venue_ids"], json!(["v-catering"]));
    assert_eq!(by_id(503295).body["payload"]["contact"]["email"], "fatima@private.example");
    assert!(by_id(503293).body["payload"]["cost_per_hour"].is_string(), "cost per hour reported per member");
    if api == Api::Rest {
        assert_eq!(by_id(503293).body["payload"]["nmbrs_employee_number"], 1, "the user-facing number (CONTRACT §5.2)");
    }

    // The same sync again: nothing changed, nothing published.
    let (done, second) = run_job(env, events, &job(env, "SyncTeam", "env-sync", sync(false, roster()))).await;
    assert_eq!(done.body["payload"]["counts"]["upserted"], 0);
    assert_eq!(done.body["payload"]["counts"]["unchanged"], 7);
    assert!(of_kind(&second, "team_member.upserted").is_empty());

    // One changed field in Nmbrs: one record published.
    {
        let mut state = sim.state();
        let employee = state.domain_mut(demo::DOMAIN).employees.get_mut(&503294).unwrap();
        // One change in Nmbrs: the simulator keeps it in the snapshot (SOAP's flat read) and in
        // the personal-info history (REST's read), as Nmbrs keeps one person.
        employee.snapshot.last_name = Some("de Jong-Visser".into());
        employee.personal_infos.iter_mut().for_each(|p| p.last_name = Some("de Jong-Visser".into()));
    }
    let (done, third) = run_job(env, events, &job(env, "SyncTeam", "env-sync", sync(false, roster()))).await;
    assert_eq!(done.body["payload"]["counts"]["upserted"], 1);
    let changed = of_kind(&third, "team_member.upserted");
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].body["payload"]["nmbrs_employee_id"], api.employee(503294));
    assert_eq!(changed[0].body["payload"]["person"]["last_name"], "de Jong-Visser");

    // `full`: everything again.
    let (done, _) = run_job(env, events, &job(env, "SyncTeam", "env-sync", sync(true, roster()))).await;
    assert_eq!(done.body["payload"]["counts"]["upserted"], 7);
    app.stop().await;
}

#[tokio::test]
async fn sync_reads_each_company_once_and_costs_only_for_imported_employees() {
    let mut app = team_app().await;
    let TestApp { env, sim, events, .. } = &mut app;
    sim.clear_calls();
    run_job(env, events, &env.demo_job("SyncTeam", "env-calls", USER, sync(false, json!([])))).await;
    let calls = sim.calls();
    let count = |op: &str| calls.iter().filter(|c| c.operation == op).count();
    assert_eq!(count("PersonalInfoContractSalaryAddress_GetAll_AllEmployeesByCompany"), 2);
    assert_eq!(count("Contract_GetAll_AllEmployeesByCompany"), 2);
    assert_eq!(count("Salary_GetAll_AllEmployeesByCompany"), 2);
    assert_eq!(count("Schedule_GetAll_AllEmployeesByCompany"), 2);
    assert_eq!(count("Company_GetCurrentPeriod"), 2);
    assert_eq!(count("Salary_GetEstimatedCostPerHour"), 7, "one per imported employee");
    assert_eq!(count("List_GetAll"), 1, "company numbers for the SOAP→REST switch (issue 10)");
    assert_eq!(calls.len(), 18);
    app.stop().await;
}

/// REST reads company-wide (CONTRACT §5.3): a few calls per company, none per employee.
#[tokio::test]
async fn a_rest_sync_reads_company_wide_a_few_calls_per_company() {
    let (mut app, job) = team_app_on(Api::Rest, &["env-calls"]).await;
    let TestApp { env, sim, events, .. } = &mut app;
    sim.clear_calls();
    let (done, _) = run_job(env, events, &job(env, "SyncTeam", "env-calls", sync(false, json!([])))).await;
    assert_eq!(done.body["payload"]["counts"]["imported"], 7);
    let calls = sim.calls();
    let mut by_operation: std::collections::BTreeMap<&str, usize> = Default::default();
    for c in &calls {
        *by_operation.entry(c.operation.as_str()).or_default() += 1;
    }
    eprintln!("{by_operation:#?}");
    assert!(by_operation.keys().all(|op| !op.contains("{employeeId}")), "no call per employee: {by_operation:#?}");
    assert!(by_operation.values().all(|&n| n <= 2), "each company-wide read once per company: {by_operation:#?}");
    app.stop().await;
}

async fn members_whose_employment_ended_are_deactivated_or_reported(api: Api) {
    let (mut app, job) = team_app_on(api, &["env-on", "env-off"]).await;
    let TestApp { env, events, .. } = &mut app;
    let members = json!([
        {"eitje_user_id": "u-sanne", "nmbrs_employee_id": 503297, "active": true},
        {"eitje_user_id": "u-gone", "nmbrs_employee_id": 999001, "active": true},
        {"eitje_user_id": "u-old", "nmbrs_employee_id": 999002, "active": false},
        {"eitje_user_id": "u-jan", "nmbrs_employee_id": 503293, "active": true}
    ]);

    let on = job(env, "SyncTeam", "env-on", sync(false, members.clone()));
    let (done, evs) = run_job(env, events, &on).await;
    assert_eq!(done.body["payload"]["counts"]["deactivated"], 2);
    let mut deactivated: Vec<Value> =
        of_kind(&evs, "team_member.deactivated").iter().map(|e| e.body["payload"].clone()).collect();
    deactivated.sort_by_key(|p| p["eitje_user_id"].as_str().unwrap().to_string());
    assert_eq!(
        deactivated,
        [
            json!({"eitje_user_id": "u-gone", "nmbrs_employee_id": api.employee(999001), "reason": "not_in_nmbrs", "ended_on": null}),
            json!({"eitje_user_id": "u-sanne", "nmbrs_employee_id": api.employee(503297), "reason": "employment_ended", "ended_on": "2026-06-30"}),
        ]
    );

    let mut off = job(env, "Deactivate", "env-off", json!({"members": members, "as_of": "2026-11-24"}));
    off["integration"]["settings"]["auto_deactivate"] = json!(false);
    let (done, evs) = run_job(env, events, &off).await;
    assert_eq!(done.body["payload"]["counts"]["deactivated"], 0);
    assert!(of_kind(&evs, "team_member.deactivated").is_empty());
    let notices: Vec<_> = of_kind(&evs, "notification");
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].body["payload"]["code"], "sync.members_left_nmbrs");
    let mut users: Vec<String> =
        serde_json::from_value(notices[0].body["payload"]["params"]["eitje_user_ids"].clone()).unwrap();
    users.sort();
    assert_eq!(users, ["u-gone", "u-sanne"]);
    app.stop().await;
}

async fn ambiguous_matches_are_reported_not_merged(api: Api) {
    let (mut app, job) = team_app_on(api, &["env-dup"]).await;
    let TestApp { env, events, .. } = &mut app;
    let members = json!([
        {"eitje_user_id": "u-a", "bsn": "123456782", "active": true},
        {"eitje_user_id": "u-b", "bsn": "123456782", "active": true}
    ]);
    let (done, evs) = run_job(env, events, &job(env, "SyncTeam", "env-dup", sync(false, members))).await;
    assert_eq!(done.body["payload"]["counts"]["ambiguous"], 1);
    let dup = of_kind(&evs, "notification");
    assert_eq!(dup.len(), 1);
    assert_eq!(dup[0].body["payload"]["code"], "sync.duplicate_member");
    assert_eq!(dup[0].body["payload"]["params"]["nmbrs_employee_ids"], json!([api.employee(503294)]));
    assert_eq!(dup[0].body["payload"]["params"]["eitje_user_ids"], json!(["u-a", "u-b"]));
    assert!(
        !of_kind(&evs, "team_member.upserted")
            .iter()
            .any(|e| e.body["payload"]["nmbrs_employee_id"] == api.employee(503294)),
        "the ambiguous employee is not published"
    );
    app.stop().await;
}

async fn a_refused_company_makes_the_sync_partial_and_the_others_still_sync(api: Api) {
    let mut app = team_app().await;
    // CATERING is outside the user's rights (SOAP) or outside the consent (REST).
    let grant = match api {
        Api::Soap => {
            app.sim.restrict_companies(demo::DOMAIN, demo::USERNAME, &[demo::HORECA]);
            None
        }
        Api::Rest => Some(mint_demo_grant_for(&app.sim, Some(vec![demo::HORECA]))),
    };
    let TestApp { env, events, .. } = &mut app;
    let members = json!([{"eitje_user_id": "u-lucas", "nmbrs_employee_id": 503300, "active": true}]);
    let job = api_job(env, api, grant.as_ref(), "SyncTeam", "env-part", sync(false, members));
    let (done, evs) = run_job(env, events, &job).await;
    assert_eq!(done.body["payload"]["status"], "partial", "{:#}", done.body);
    assert_eq!(done.body["payload"]["counts"]["imported"], 4, "the HORECA employees");
    assert_eq!(done.body["payload"]["errors"][0]["scope"]["nmbrs_company_id"], api.company(demo::CATERING));
    let notice = of_kind(&evs, "notification");
    assert_eq!(notice.len(), 1);
    assert_eq!(notice[0].body["payload"]["code"], "nmbrs.no_access");
    assert!(of_kind(&evs, "team_member.deactivated").is_empty(), "not gone: its company could not be read");
    app.stop().await;
}

/// SOAP; its REST twin (a revoked consent, a missing scope) is in `tests/oauth/jobs.rs`.
#[tokio::test]
async fn bad_credentials_and_missing_rights_notify_once_without_retries() {
    let mut app = team_app().await;
    let TestApp { env, sim, events, .. } = &mut app;
    sim.revoke(demo::DOMAIN, demo::USERNAME, Operation::SalaryGetEstimatedCostPerHour);

    env.publish(&env.demo_job("SyncTeam", "env-auth", (demo::USERNAME, "wrong-token"), sync(false, json!([])))).await;
    let failed = events
        .wait_for(30, "auth job.failed", |e| e.kind() == "job.failed" && e.body["integration_id"] == "env-auth")
        .await;
    assert_eq!(failed.body["payload"]["error"]["code"], "nmbrs_auth_failed");
    assert_eq!(failed.body["payload"]["error"]["attempts"], 1);
    let notice = events.wait_for(5, "nmbrs.auth_failed", |e| e.body["payload"]["code"] == "nmbrs.auth_failed").await;
    assert_eq!(notice.body["payload"]["params"], json!({"domain": "demo"}));

    env.publish(&env.demo_job("SyncTeam", "env-right", USER, sync(false, json!([])))).await;
    let failed = events
        .wait_for(30, "rights job.failed", |e| e.kind() == "job.failed" && e.body["integration_id"] == "env-right")
        .await;
    assert_eq!(failed.body["payload"]["error"]["code"], "nmbrs_missing_rights");
    let notice =
        events.wait_for(5, "nmbrs.missing_rights", |e| e.body["payload"]["code"] == "nmbrs.missing_rights").await;
    assert_eq!(notice.body["payload"]["params"]["operation"], "Salary_GetEstimatedCostPerHour");

    events.collect_for(1500).await;
    let auth_calls = sim
        .calls()
        .iter()
        .filter(|c| c.operation == "PersonalInfoContractSalaryAddress_GetAll_AllEmployeesByCompany")
        .count();
    assert!(auth_calls <= 4, "no retry storm: {auth_calls} reads");
    assert_eq!(of_kind(&events.seen, "job.failed").len(), 2);
    app.stop().await;
    assert_eq!(app.env.drain_dead().await.len(), 2, "both parked for replay once fixed");
}

async fn two_syncs_of_one_integration_never_overlap_the_second_waits(api: Api) {
    let (mut app, job) = team_app_on(api, &["env-twice"]).await; // concurrency 4: both jobs are taken at once
    let TestApp { env, sim, events, .. } = &mut app;
    sim.set_faults(nmbrs_worker::sim::FaultConfig { latency_ms: 20, ..Default::default() });
    let nightly = job(env, "SyncTeam", "env-twice", json!({"trigger": "nightly", "full": false, "members": []}));
    let manual = job(env, "SyncTeam", "env-twice", json!({"trigger": "manual", "full": false, "members": []}));
    env.publish(&nightly).await;
    env.publish(&manual).await;
    let done = events.wait_for_count(60, "two job.completed", 2, |e| e.kind() == "job.completed").await;
    let mut upserted: Vec<u64> =
        done.iter().map(|e| e.body["payload"]["counts"]["upserted"].as_u64().unwrap()).collect();
    upserted.sort();
    // Had they overlapped, both would have been a "first sync" and published all 7.
    assert_eq!(upserted, [0, 7], "the second ran on the first one's committed state");
    events.collect_for(500).await;
    assert_eq!(of_kind(&events.seen, "team_member.upserted").len(), 7);
    app.stop().await;
}

/// An empty `…_GetAll_AllEmployeesByCompany` answer for `op` (a company with no employees at all).
fn empty_answer(op: Operation) -> String {
    let name = op.name();
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><{name}Response xmlns="https://api.nmbrs.nl/soap/v3/EmployeeService"><{name}Result /></{name}Response></soap:Body></soap:Envelope>"#
    )
}

/// SOAP only: the empty answer is a canned SOAP envelope; the simulator's REST face has no
/// canned answers, and emptying the company itself would make the absence true.
#[tokio::test]
async fn a_company_answering_with_no_employees_holds_departures_by_absence() {
    let mut app = team_app().await;
    let TestApp { env, sim, events, .. } = &mut app;
    for op in [Operation::PersonalInfoContractSalaryAddressGetAll, Operation::ContractGetAll] {
        sim.canned_sticky(op, Some(demo::CATERING), empty_answer(op));
    }
    // u-lucas works at CATERING, u-sanne's employment at HORECA ended on 2026-06-30.
    let members = json!([
        {"eitje_user_id": "u-lucas", "nmbrs_employee_id": 503300, "active": true},
        {"eitje_user_id": "u-sanne", "nmbrs_employee_id": 503297, "active": true}
    ]);
    let (done, evs) =
        run_job(env, events, &env.demo_job("SyncTeam", "env-empty", USER, sync(false, members.clone()))).await;
    assert_eq!(done.body["payload"]["status"], "partial");
    assert_eq!(done.body["payload"]["counts"]["departures_held"], 1);
    let gone: Vec<&Value> =
        of_kind(&evs, "team_member.deactivated").iter().map(|e| &e.body["payload"]["eitje_user_id"]).collect();
    assert_eq!(gone, [&json!("u-sanne")], "ended employment is still judged, absence is not");
    let held: Vec<_> = of_kind(&evs, "notification")
        .into_iter()
        .filter(|n| n.body["payload"]["code"] == "sync.departures_held")
        .collect();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].body["payload"]["params"]["nmbrs_company_id"], demo::CATERING);
    assert_eq!(held[0].body["payload"]["params"]["count"], 1);

    // `Deactivate` follows step 6 too.
    let (done, evs) =
        run_job(env, events, &env.demo_job("Deactivate", "env-empty-d", USER, json!({"members": members}))).await;
    assert_eq!(done.body["payload"]["status"], "partial");
    assert_eq!(of_kind(&evs, "team_member.deactivated").len(), 1);
    assert_eq!(done.body["payload"]["counts"]["departures_held"], 1);
    app.stop().await;
}

async fn a_mass_departure_is_held_for_a_person_to_look(api: Api) {
    let (mut app, job) = team_app_on(api, &["env-mass"]).await;
    let TestApp { env, events, .. } = &mut app;
    // 5 of 7 linked members vanished from Nmbrs: above 0.3 and at least 5.
    let mut members: Vec<Value> = (1..=5)
        .map(|i| json!({"eitje_user_id": format!("u-gone-{i}"), "nmbrs_employee_id": 999000 + i, "active": true}))
        .collect();
    members.push(json!({"eitje_user_id": "u-jan", "nmbrs_employee_id": 503293, "active": true}));
    members.push(json!({"eitje_user_id": "u-lucas", "nmbrs_employee_id": 503300, "active": true}));
    let (done, evs) = run_job(env, events, &job(env, "SyncTeam", "env-mass", sync(false, json!(members)))).await;
    assert_eq!(done.body["payload"]["status"], "partial");
    assert!(of_kind(&evs, "team_member.deactivated").is_empty());
    assert_eq!(done.body["payload"]["counts"]["deactivated"], 0);
    let held: Vec<_> = of_kind(&evs, "notification")
        .into_iter()
        .filter(|n| n.body["payload"]["code"] == "sync.departures_held")
        .collect();
    assert_eq!(held[0].body["payload"]["params"], json!({"nmbrs_company_id": null, "count": 5}));
    assert_eq!(of_kind(&evs, "team_member.upserted").len(), 7, "the sync itself goes on");

    // Four vanished of six: below five, so they go (the rule is the share AND the floor).
    members.remove(0);
    let (done, evs) = run_job(env, events, &job(env, "SyncTeam", "env-mass", sync(false, json!(members)))).await;
    assert_eq!(done.body["payload"]["status"], "succeeded");
    assert_eq!(of_kind(&evs, "team_member.deactivated").len(), 4);
    app.stop().await;
}

/// SOAP only: a body that is not XML and an envelope without a result are SOAP answers; on
/// REST a 5xx with HTML is a transient error (retried), not an unreadable answer.
#[tokio::test]
async fn an_unreadable_company_and_a_missing_period_leave_the_other_company_syncing() {
    let mut app = team_app().await;
    let TestApp { env, sim, events, .. } = &mut app;
    // CATERING's contracts answer is not XML; HORECA's current period has no result.
    sim.canned_sticky(Operation::ContractGetAll, Some(demo::CATERING), "<html><body>Server Error</body></html>");
    let no_period = r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><Company_GetCurrentPeriodResponse xmlns="https://api.nmbrs.nl/soap/v3/CompanyService" /></soap:Body></soap:Envelope>"#;
    sim.canned_sticky(Operation::CompanyGetCurrentPeriod, Some(demo::HORECA), no_period);
    let members = json!([{"eitje_user_id": "u-lucas", "nmbrs_employee_id": 503300, "active": true}]);
    let (done, evs) = run_job(env, events, &env.demo_job("SyncTeam", "env-iso", USER, sync(false, members))).await;
    let p = &done.body["payload"];
    assert_eq!(p["status"], "partial", "{p}");
    let mut codes: Vec<(&str, &Value)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["code"].as_str().unwrap(), &e["scope"]["nmbrs_company_id"]))
        .collect();
    codes.sort_by_key(|c| c.0);
    assert_eq!(
        codes,
        [("nmbrs.no_current_period", &json!(demo::HORECA)), ("nmbrs.unreadable_response", &json!(demo::CATERING))]
    );
    assert_eq!(p["counts"]["imported"], 4, "HORECA's employees");
    let upserts = of_kind(&evs, "team_member.upserted");
    assert_eq!(upserts.len(), 4);
    assert!(upserts.iter().all(|u| u.body["payload"]["cost_per_hour"].is_null()));
    assert!(of_kind(&evs, "team_member.deactivated").is_empty(), "u-lucas's company could not be read");
    assert!(!sim.calls().iter().any(|c| c.operation == "Salary_GetEstimatedCostPerHour"));
    app.stop().await;
}

/// SOAP only: SOAP asks the cost per hour employee by employee, so Nmbrs can refuse one;
/// REST reads it company-wide in one paged call (`GET …/employees/costperhour`).
#[tokio::test]
async fn a_cost_per_hour_refused_for_one_employee_does_not_fail_the_sync() {
    let mut app = team_app().await;
    let TestApp { env, sim, events, .. } = &mut app;
    // The next cost call is refused as for an unknown employee (fault 2003).
    sim.inject(
        Some(Operation::SalaryGetEstimatedCostPerHour),
        nmbrs_worker::sim::Injected::Fault { code: 2003, message: "Employee not found".into() },
    );
    let (done, evs) = run_job(env, events, &env.demo_job("SyncTeam", "env-cost", USER, sync(false, json!([])))).await;
    let p = &done.body["payload"];
    assert_eq!(p["status"], "partial", "{p}");
    assert_eq!(p["counts"]["upserted"], 7);
    assert_eq!(p["errors"].as_array().unwrap().len(), 1);
    assert_eq!(p["errors"][0]["code"], "no_cost_per_hour");
    let refused = &p["errors"][0]["scope"]["nmbrs_employee_id"];
    let nulls: Vec<&Value> = of_kind(&evs, "team_member.upserted")
        .iter()
        .filter(|u| u.body["payload"]["cost_per_hour"].is_null())
        .map(|u| &u.body["payload"]["nmbrs_employee_id"])
        .collect();
    assert_eq!(nulls, [refused], "exactly the refused employee has no cost per hour");
    app.stop().await;
}
