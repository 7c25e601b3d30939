//! The check job end to end: publish `CheckIntegration`, read `integration.checked`, the
//! notification and `job.completed`, and count the simulator's write calls.

use nmbrs_worker::{
    nmbrs::Operation,
    sim::{
        demo,
        rest::{GrantSpec, WORKER_SCOPES},
    },
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::on_both_apis;
use crate::support::*;

/// Runs a check and returns (`job.completed`, `integration.checked`, the notification if any).
async fn run_check(app: &mut TestApp, job: &Value) -> (Value, Value, Option<Value>) {
    let before = app.sim.write_calls();
    let (done, others) = run_job(&app.env, &mut app.events, job).await;
    assert_eq!(app.sim.write_calls(), before, "the check never writes to Nmbrs");
    let checked = others.iter().find(|e| e.kind() == "integration.checked").expect("integration.checked").body.clone();
    let notice = others
        .iter()
        .find(|e| e.kind() == "notification" && e.body["payload"]["code"] == "integration.needs_attention")
        .map(|e| e.body.clone());
    (done.body, checked, notice)
}

/// The `(subject, code)` of every check with `status`.
fn with_status(checked: &Value, status: &str) -> Vec<(String, String)> {
    let checks = checked["payload"]["checks"].as_array().unwrap();
    checks
        .iter()
        .filter(|c| c["status"] == status)
        .map(|c| (c["subject"].as_str().unwrap().to_string(), c["code"].as_str().unwrap().to_string()))
        .collect()
}

fn has(list: &[(String, String)], subject: &str, code: &str) -> bool {
    list.iter().any(|(s, c)| s == subject && c == code)
}

async fn a_healthy_tenant_is_ready(api: Api) {
    let mut app = Spawn::new().api(api).start().await;
    let mut job = api_job(&app.env, api, app.grant.as_ref(), "CheckIntegration", "env-check-ok", json!({}));
    job["integration"]["settings"] = json!({"hour_codes": {"worked": 1, "sick": 30}, "wage_codes": {"meals": 400}});
    let (done, checked, notice) = run_check(&mut app, &job).await;
    assert_eq!(checked["payload"]["status"], "ready", "{checked:#}");
    assert_eq!(checked["payload"]["api"], api.name());
    assert_eq!(checked["payload"]["period"], Value::Null);
    assert!(notice.is_none());
    assert_eq!(done["payload"]["status"], "succeeded");
    assert_eq!(done["payload"]["counts"]["problems"], 0);
    let ok = with_status(&checked, "ok");
    assert!(has(&ok, "hour code 30 in company 54613", "code.known") || api == Api::Rest);
    assert!(ok.iter().filter(|(_, c)| c == "venue.open").count() == 2, "{ok:?}");
    // Both companies' current period, once each: a handful of reads per company.
    let calls = app.sim.calls();
    let periods = calls.iter().filter(|c| c.operation.contains("eriod") && !c.operation.contains("Var")).count();
    assert_eq!(periods, 2, "{:?}", calls.iter().map(|c| &c.operation).collect::<Vec<_>>());
    // docs/check.md "Cost of a check": at most 5 reads per company and 10 once (SOAP).
    println!("calls of a healthy check on {}: {} for 2 companies", api.name(), calls.len());
    assert!(calls.len() <= 5 * 2 + 10, "{:?}", calls.iter().map(|c| &c.operation).collect::<Vec<_>>());
    app.stop().await;
}

on_both_apis!(a_healthy_tenant_is_ready);

#[tokio::test]
async fn a_soap_tenant_with_refused_rights_a_bad_code_a_refused_company_and_a_closed_period_is_reported_in_one_go() {
    let mut app = spawn().await;
    let user = demo::USERNAME;
    // An export learns that DaysVar_Set is refused (the check itself never writes).
    app.sim.revoke(demo::DOMAIN, user, Operation::DaysVarSet);
    let entries = json!([{"entry_id": "s-1", "eitje_user_id": "u-1", "nmbrs_employee_id": 503293,
        "eitje_venue_id": "v-horeca", "date": "2026-11-03", "kind": "worked", "hours": "7.50",
        "approved": true, "contract_type": "fixed"}]);
    let mut export = payload_export(entries);
    export["kinds"] = json!(["worked_days"]);
    let export_job = api_job(&app.env, Api::Soap, None, "ExportHours", "env-check-soap", export);
    app.env.publish(&export_job).await;
    let export_id = export_job["message_id"].clone();
    app.events
        .wait_for(30, "job.failed", |e| e.kind() == "job.failed" && e.body["job"]["message_id"] == export_id)
        .await;

    for op in [Operation::SalaryGetAll, Operation::ScheduleGetAll, Operation::HourComponentVarGet] {
        app.sim.revoke(demo::DOMAIN, user, op);
    }
    app.sim.restrict_companies(demo::DOMAIN, user, &[demo::HORECA]);
    app.sim.clear_calls();
    let mut job = api_job(
        &app.env,
        Api::Soap,
        None,
        "CheckIntegration",
        "env-check-soap",
        json!({"period": {"year": 2020, "number": 1}}),
    );
    job["integration"]["settings"] = json!({"hour_codes": {"worked": 1, "sick": 999}});
    let (done, checked, notice) = run_check(&mut app, &job).await;

    assert_eq!(checked["payload"]["status"], "needs_attention");
    let problems = with_status(&checked, "problem");
    for op in [
        "Salary_GetAll_AllEmployeesByCompany",
        "Schedule_GetAll_AllEmployeesByCompany",
        "HourComponentVar_Get",
        "DaysVar_Set",
    ] {
        assert!(has(&problems, op, "nmbrs.missing_rights"), "{op} in {problems:?}");
    }
    assert!(has(&problems, "company 54613", "export.period_closed"), "{problems:?}");
    assert!(has(&problems, "company 54614", "nmbrs.no_access"), "{problems:?}");
    assert!(has(&problems, "hour code 999 in company 54613", "export.unknown_code"), "{problems:?}");
    assert_eq!(problems.len(), 7, "{problems:?}");
    let days = checked["payload"]["checks"].as_array().unwrap().iter().find(|c| c["subject"] == "DaysVar_Set").unwrap();
    assert!(days["params"]["at"].is_string(), "a refusal an export learned says when: {days}");
    let unverified = with_status(&checked, "unverified");
    assert!(has(&unverified, "HourComponentVar_Insert", "right.unverified"), "{unverified:?}");
    assert!(has(&unverified, "HourComponent_Delete", "right.unverified"), "{unverified:?}");
    assert!(has(&with_status(&checked, "ok"), "hour code 1 in company 54613", "code.known"));

    let notice = notice.expect("integration.needs_attention");
    let message = notice["payload"]["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "Ask your accountant to switch on these API rights in Nmbrs: DaysVar_Set, HourComponentVar_Get, Salary_GetAll_AllEmployeesByCompany, Schedule_GetAll_AllEmployeesByCompany."
        ),
        "{message}"
    );
    assert_eq!(notice["payload"]["params"]["problems"].as_array().unwrap().len(), 7);
    assert_eq!(done["payload"]["counts"]["problems"], 7);
    app.stop().await;
}

#[tokio::test]
async fn a_rest_grant_missing_a_scope_and_a_company_outside_the_consent_are_reported() {
    let mut app = Spawn::new().api(Api::Rest).start().await;
    let scope = WORKER_SCOPES.split(' ').filter(|s| *s != "employee.payment").collect::<Vec<_>>().join(" ");
    let minted = app.sim.mint_grant(GrantSpec {
        grant_id: Uuid::new_v4().to_string(),
        client_id: CLIENT_ID.into(),
        domain: demo::DOMAIN.into(),
        scope,
        companies: Some(vec![demo::HORECA]),
        ..Default::default()
    });
    let grant = nmbrs_worker::credentials::RestGrant::new(minted.grant_id.parse().unwrap(), minted.refresh_token);
    let mut job = api_job(&app.env, Api::Rest, Some(&grant), "CheckIntegration", "env-check-rest", json!({}));
    job["integration"]["settings"] = json!({"hour_codes": {"worked": 1}});
    let (_, checked, notice) = run_check(&mut app, &job).await;

    assert_eq!(checked["payload"]["status"], "needs_attention");
    let problems = with_status(&checked, "problem");
    let catering = format!("company {}", Api::Rest.company(demo::CATERING).as_str().unwrap());
    assert!(has(&problems, &catering, "nmbrs.no_access"), "{problems:?}");
    for call in ["POST /api/employees/{employeeId}/variablehours", "POST /api/employees/{employeeId}/variabledays"] {
        assert!(has(&problems, call, "nmbrs.missing_rights"), "{call} in {problems:?}");
    }
    assert!(has(&with_status(&checked, "ok"), "GET /api/companies/{companyId}/period", "right.ok"));
    let message = notice.expect("integration.needs_attention")["payload"]["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("Connect Nmbrs again in Eitje and allow these permissions: employee.payment."),
        "{message}"
    );
    assert!(!message.contains("accountant"), "a REST scope is not the accountant's: {message}");
    app.stop().await;
}

/// An export payload of period 2026-11 for `entries`.
fn payload_export(entries: Value) -> Value {
    export_payload("exp-check", (2026, 11), entries)
}
