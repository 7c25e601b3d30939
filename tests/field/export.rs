//! The export side of the real-world Nmbrs inputs in `../shared/nmbrs/field/` (issue 11):
//! folder 05 (a company without a current period is skipped alone) and folder 07 (each read
//! right on its own: a refused `HourComponentVar_Get` never switches off `WageComponentVar_Get`,
//! and a person's line is never adopted nor deleted), each with inputs of our own of the same
//! kind. The production worker runs the real job over RabbitMQ and PostgreSQL against the
//! simulator over HTTP, which answers the folder's bytes where the test says so.

use std::path::PathBuf;

use crate::support::export::*;
use crate::support::*;
use nmbrs_worker::{
    nmbrs::{Amount, Operation, PayPeriod, WageComponentLine},
    sim::{CannedRule, FaultConfig, Injected, SimState, demo},
};
use serde_json::{Value, json};

/// A file of the field folder `folder` (read from `../shared`, as the issue allows).
fn field(folder: &str, file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/nmbrs/field").join(folder).join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const FC05: &str = "05-current-period-missing";
const FC07: &str = "07-template-without-hourcomponentvar-get";
const OLD: i32 = 54613;
const NEW: i32 = 54671;
const EMPLOYEE_OLD: i32 = 503601;
const EMPLOYEE_NEW: i32 = 503701;
const EMPLOYEE_FC07: i32 = 503801;

/// The demo data plus `extra` employees (copies of Jan, zero hours) as (id, company), and
/// company [`NEW`] (a copy of HORECA) whose current period is 2026-03.
fn state_with(extra: &[(i32, i32)]) -> SimState {
    let mut state = demo::state();
    let domain = state.domain_mut(demo::DOMAIN);
    let mut new = domain.companies[&demo::HORECA].clone();
    (new.company.id, new.company.number, new.current_period) =
        (nmbrs_worker::nmbrs::CompanyId::int(NEW), 71, PayPeriod::new(2026, 3));
    domain.companies.insert(NEW, new);
    for &(id, company) in extra {
        let mut e = domain.employees[&JAN].clone();
        (e.snapshot.employee_id, e.company_id) = (nmbrs_worker::nmbrs::EmployeeId::int(id), company);
        domain.employees.insert(id, e);
    }
    state
}

/// Serves `body` with HTTP `status` for every call of `operation` about `company`.
fn canned(h: &TestApp, operation: Operation, company: Option<i32>, body: String, status: u16) {
    let rule = CannedRule { operation: operation.name().to_owned(), company_id: company, body, status };
    h.sim.state().faults.canned.push(rule);
}

/// The job of folder 05: its venues, settings and payload, sealed for the demo domain.
fn fc05_job(h: &TestApp, export_id: &str) -> Value {
    let fragment: Value = serde_json::from_str(&field(FC05, "ExportHours.job-fragment.json")).unwrap();
    let mut payload = fragment["payload"].clone();
    payload["export_id"] = json!(export_id);
    let id = fragment["integration"]["id"].as_str().unwrap();
    let mut job = h.env.demo_job("ExportHours", id, FULL, payload);
    job["integration"]["venues"] = fragment["integration"]["venues"].clone();
    job["integration"]["settings"] = fragment["integration"]["settings"].clone();
    job
}

/// Folder 05's skips: the old company's entry as refused; worked days are not requested.
fn skipped_fc05() -> Vec<(String, Option<String>, String)> {
    let days = || Some("worked_days".to_string());
    vec![
        ("fc05-a".into(), None, "nmbrs_refused".into()),
        ("fc05-a".into(), days(), "kind_not_requested".into()),
        ("fc05-b".into(), days(), "kind_not_requested".into()),
    ]
}

fn errors(out: &ExportOutcome) -> Vec<(String, Value)> {
    let items = out.completed["errors"].as_array().expect("errors");
    items.iter().map(|e| (e["code"].as_str().unwrap().to_string(), e["scope"].clone())).collect()
}

#[tokio::test]
async fn field_05_a_company_without_a_current_period_is_skipped_and_the_other_exports() {
    let mut h = Spawn::new().state(state_with(&[(EMPLOYEE_OLD, OLD), (EMPLOYEE_NEW, NEW)])).start().await;
    // Both XML variants of the folder: no result for the old company, the zero-padded period
    // `2026-03-M` for the new one.
    let period = Operation::CompanyGetCurrentPeriod;
    canned(&h, period, Some(OLD), field(FC05, "Company_GetCurrentPeriod.no-result.response.xml"), 200);
    canned(&h, period, Some(NEW), field(FC05, "Company_GetCurrentPeriod.zero-padded.response.xml"), 200);

    let out = h.run(&fc05_job(&h, "exp-fc05"), 60).await;
    assert_eq!(out.status(), "partial", "{:#}", out.completed);
    assert_eq!(out.exported_ids(), ["fc05-b"]);
    assert_eq!(out.skipped(), skipped_fc05());
    assert_eq!(errors(&out), [("nmbrs.no_current_period".into(), json!({"nmbrs_company_id": OLD}))]);
    assert_eq!(h.nmbrs(EMPLOYEE_NEW, (2026, 3)).hour_values(), [(1, d("4"))]);
    assert_eq!(h.nmbrs(EMPLOYEE_NEW, (2026, 3)).days, None, "worked days were not requested");
    let old = h.nmbrs(EMPLOYEE_OLD, (2026, 3));
    assert!(old.ids().is_empty() && old.days.is_none(), "nothing written for the old company: {old:?}");
    assert_eq!(out.rows(), [row(EMPLOYEE_NEW, "hours", Some(1), "4", "insert")]);
    out.assert_matches_nmbrs(&h.sim);
    h.stop().await;
}

#[tokio::test]
async fn every_kind_of_unreadable_company_is_skipped_alone() {
    let mut h = Spawn::new().state(state_with(&[(EMPLOYEE_OLD, OLD), (EMPLOYEE_NEW, NEW)])).start().await;
    let padded = field(FC05, "Company_GetCurrentPeriod.zero-padded.response.xml");
    let nil = padded.replace(
        "<Company_GetCurrentPeriodResult>2026-03-M</Company_GetCurrentPeriodResult>",
        "<Company_GetCurrentPeriodResult xsi:nil=\"true\" />",
    );
    let past_end = padded.replace("2026-03-M", "2026-13-M");
    let cut = padded[..padded.len() / 2].to_string();
    let contracts = Operation::ContractGetAll;
    // (what the old company answers, the error code naming it)
    let inputs: [(&str, Operation, String, u16, &str); 5] = [
        ("nil period", Operation::CompanyGetCurrentPeriod, nil, 200, "nmbrs.no_current_period"),
        ("period out of range", Operation::CompanyGetCurrentPeriod, past_end, 200, "nmbrs.unreadable_response"),
        ("cut-off response", Operation::CompanyGetCurrentPeriod, cut, 200, "nmbrs.unreadable_response"),
        ("HTML instead of SOAP", contracts, "<html><body>Oops</body></html>".into(), 200, "nmbrs.unreadable_response"),
        ("no access", Operation::CompanyGetCurrentPeriod, String::new(), 0, "nmbrs.no_access"),
    ];
    for (n, (what, operation, body, status, code)) in inputs.into_iter().enumerate() {
        h.sim.set_faults(FaultConfig::default());
        h.sim.add_user(demo::DOMAIN, demo::USERNAME, demo::TOKEN);
        match status {
            0 => h.sim.restrict_companies(demo::DOMAIN, demo::USERNAME, &[NEW]),
            _ => canned(&h, operation, Some(OLD), body, status),
        }
        canned(&h, Operation::CompanyGetCurrentPeriod, Some(NEW), padded.clone(), 200);
        let mut job = fc05_job(&h, &format!("exp-kind-{n}"));
        // A new shift each time, so the other company writes every time.
        job["payload"]["entries"][1]["hours"] = json!(format!("{}", n + 1));
        let out = h.run(&job, 60).await;
        assert_eq!(out.status(), "partial", "{what}: {:#}", out.completed);
        assert_eq!(out.skipped(), skipped_fc05(), "{what}");
        assert_eq!(errors(&out), [(code.to_string(), json!({"nmbrs_company_id": OLD}))], "{what}");
        let held = h.nmbrs(EMPLOYEE_NEW, (2026, 3)).hour_values();
        assert_eq!(held, [(1, rust_decimal::Decimal::from(n + 1))], "{what}: the other company exports");
        assert!(h.nmbrs(EMPLOYEE_OLD, (2026, 3)).hour_values().is_empty(), "{what}");
    }
    h.stop().await;
}

#[tokio::test]
async fn a_company_read_that_nmbrs_cannot_serve_now_still_retries_the_whole_job() {
    let mut env = TestEnv::new();
    env.set("NMBRS_WORKER_RETRY_SCHEDULE", "1s,1s,1s");
    let mut state = state_with(&[(EMPLOYEE_OLD, OLD), (EMPLOYEE_NEW, NEW)]);
    // Both companies in 2026-03 here: the simulator refuses protected writes to closed periods.
    state.domain_mut(demo::DOMAIN).companies.get_mut(&OLD).unwrap().current_period = PayPeriod::new(2026, 3);
    let mut h = Spawn::new().env(env).state(state).start().await;
    canned(
        &h,
        Operation::CompanyGetCurrentPeriod,
        Some(NEW),
        field(FC05, "Company_GetCurrentPeriod.zero-padded.response.xml"),
        200,
    );
    canned(
        &h,
        Operation::CompanyGetCurrentPeriod,
        Some(OLD),
        field(FC05, "Company_GetCurrentPeriod.zero-padded.response.xml"),
        200,
    );
    // Nmbrs unavailable for the old company's contracts (more 503s than the client retries
    // within a call): not a company failure, the job is retried and then exports both.
    for _ in 0..6 {
        let fault = Injected::Transient { fault: nmbrs_worker::sim::TransientFault::Http503 };
        h.sim.inject(Some(Operation::ContractGetAll), fault);
    }
    let out = h.run(&fc05_job(&h, "exp-fc05-retry"), 90).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    assert_eq!(out.exported_ids(), ["fc05-a", "fc05-b"]);
    assert_eq!(h.nmbrs(EMPLOYEE_OLD, (2026, 3)).hour_values(), [(1, d("5.25"))]);
    assert_eq!(h.nmbrs(EMPLOYEE_NEW, (2026, 3)).hour_values(), [(1, d("4"))]);
    h.stop().await;
}

/// The payload of folder 07 with one sick shift added (the folder's run: worked hours, sick
/// hours and 2 meals), at venue `v-centrum` of HORECA.
fn fc07_job(h: &TestApp, export_id: &str, meals_second_shift: u32) -> Value {
    let mut payload: Value = serde_json::from_str(&field(FC07, "ExportHours.payload.json")).unwrap();
    payload["export_id"] = json!(export_id);
    payload["kinds"] = json!(["worked_hours", "meals", "sick"]);
    payload["entries"][1]["meals"] = json!(meals_second_shift);
    let sick = json!({"entry_id": "fc07-3", "eitje_user_id": "u-fc07", "nmbrs_employee_id": EMPLOYEE_FC07,
                      "eitje_venue_id": "v-centrum", "date": "2026-11-09", "kind": "sick", "hours": "8.00",
                      "approved": true, "contract_type": "zero_hours"});
    payload["entries"].as_array_mut().unwrap().push(sick);
    let mut job = h.job(FULL, payload);
    job["integration"]["venues"] = json!([{"eitje_venue_id": "v-centrum", "nmbrs_company_id": demo::HORECA}]);
    job
}

/// A worker at concurrency 1 with short job retries.
async fn fc07_harness(extra: i32) -> TestApp {
    let mut env = TestEnv::new();
    env.set("NMBRS_MAX_CONCURRENCY_PER_INTEGRATION", "1");
    env.set("NMBRS_WORKER_RETRY_SCHEDULE", "1s,1s,1s,1s");
    Spawn::new().env(env).state(state_with(&[(extra, demo::HORECA)])).start().await
}

/// A line a person entered in Nmbrs by hand, with the id the folder's responses show.
fn hand_made(h: &TestApp, employee: i32, id: i32, code: i32, value: &str) {
    let mut state = h.sim.state();
    let lines = state.domain_mut(demo::DOMAIN).wage_components.entry((employee, 2026, 11)).or_default();
    lines.push(WageComponentLine {
        id: nmbrs_worker::nmbrs::WageComponentId::int(id),
        code,
        value: Amount(d(value)),
        comment: None,
    });
}

fn ok_calls(h: &TestApp, operation: &str) -> (usize, usize) {
    let calls = h.sim.calls();
    let of = calls.iter().filter(|c| c.operation == operation);
    (of.clone().count(), of.filter(|c| c.outcome == "ok").count())
}

#[tokio::test]
async fn field_07_a_refused_hour_read_leaves_the_wage_read_on_and_a_persons_line_alone() {
    let mut h = fc07_harness(EMPLOYEE_FC07).await;
    hand_made(&h, EMPLOYEE_FC07, 99001, 400, "2");
    // The API user template refuses HourComponentVar_Get: Nmbrs answers the folder's fault.
    canned(&h, Operation::HourComponentVarGet, None, field(FC07, "HourComponentVar_Get.fault-1002.response.xml"), 500);
    // The first wage insert is dropped before Nmbrs applies it.
    h.sim.inject(Some(Operation::WageComponentVarInsert), Injected::Drop);
    h.sim.clear_calls();

    let out = h.run(&fc07_job(&h, "exp-fc07", 1), 90).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    let held = h.nmbrs(EMPLOYEE_FC07, NOVEMBER);
    assert_eq!(held.wage_values(), [(400, d("2")), (400, d("2"))], "the person's line and the worker's");
    assert_eq!(held.wages[0].id, 99001, "the person's line untouched");
    let mine = out.component_id(EMPLOYEE_FC07, "wage", 400).expect("the worker owns its meals line");
    assert_ne!(mine, 99001, "the person's line is not adopted");
    assert_eq!(ok_calls(&h, "WageComponentVar_Insert"), (2, 1), "dropped once, written once");
    assert!(ok_calls(&h, "WageComponentVar_Get").1 >= 2, "the wage period is read although hours are refused");
    assert_eq!(held.hour_values(), [(1, d("13")), (40, d("8"))], "worked and sick hours");
    assert_eq!(out.count("in_doubt"), 0);
    assert!(out.notifications.is_empty(), "the read-backs are optional rights: {:#?}", out.notifications);
    out.assert_matches_nmbrs(&h.sim);

    // One meal less: the worker replaces only its own line; the person's stays.
    let changed = h.run(&fc07_job(&h, "exp-fc07-2", 0), 60).await;
    assert_eq!(changed.status(), "succeeded", "{:#}", changed.completed);
    let held = h.nmbrs(EMPLOYEE_FC07, NOVEMBER);
    assert_eq!(held.wage_values(), [(400, d("1")), (400, d("2"))]);
    assert!(held.wages.iter().any(|l| l.id == 99001 && l.value == d("2")), "never deleted: {held:?}");
    changed.assert_matches_nmbrs(&h.sim);
    h.stop().await;
}

#[tokio::test]
async fn a_refused_wage_read_leaves_the_hour_read_on_and_a_persons_hour_line_alone() {
    let mut h = fc07_harness(EMPLOYEE_FC07).await;
    // The reverse template: WageComponentVar_Get refused, HourComponentVar_Get allowed; a
    // person's hour line of the worker's code and total; the first hour insert dropped.
    let hand = h.hand_made_hours(EMPLOYEE_FC07, NOVEMBER, 1, "13.00").await;
    h.sim.revoke(demo::DOMAIN, demo::USERNAME, Operation::WageComponentVarGet);
    h.sim.inject(Some(Operation::HourComponentVarInsert), Injected::Drop);
    h.sim.clear_calls();

    let out = h.run(&fc07_job(&h, "exp-fc07-rev", 1), 90).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    let held = h.nmbrs(EMPLOYEE_FC07, NOVEMBER);
    assert_eq!(held.hour_values(), [(1, d("13")), (1, d("13")), (40, d("8"))], "the person's line and the worker's");
    assert_eq!(held.hours[0].id, hand);
    let mine = out.component_id(EMPLOYEE_FC07, "hours", 1).expect("the worker owns its hours line");
    assert_ne!(mine, hand, "the person's line is not adopted");
    let hour_inserts = h.sim.calls().into_iter().filter(|c| c.operation == "HourComponentVar_Insert");
    let worked: Vec<String> = hour_inserts.map(|c| c.outcome).collect();
    assert_eq!(worked.iter().filter(|o| *o == "ok").count(), 2, "worked (once) and sick: {worked:?}");
    assert_eq!(held.wage_values(), [(400, d("2"))]);
    assert!(ok_calls(&h, "HourComponentVar_Get").1 >= 2, "the hour period is read although wages are refused");
    out.assert_matches_nmbrs(&h.sim);
    h.stop().await;
}
