//! Real-world Nmbrs inputs (`../shared/nmbrs/field/`), end to end: the real job through the
//! worker (RabbitMQ, PostgreSQL) against the simulator over HTTP, the simulator answering the
//! folder's bytes for the operations the folder gives (canned responses). The employees of a
//! folder are also seeded into the simulator, so the calls the folder gives no bytes for
//! (salaries, schedules, cost per hour, the current period) answer for them.
//!
//! Team-sync folders: 02 (contract history), 06 (company move), 12 (Europe/Amsterdam date).

use crate::support::*;
use chrono::{DateTime, Utc};
use nmbrs_worker::{
    clock::Clock,
    nmbrs::{EmployeeSnapshot, Operation},
    sim::{SimEmployee, Simulator, demo},
    worker::Worker,
};
use rust_decimal::Decimal;
use serde_json::{Value, json};

const FIELD: &str = "../shared/nmbrs/field";

fn field(folder: &str, file: &str) -> String {
    let path = format!("{FIELD}/{folder}/{file}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn team_worker(env: &TestEnv, sim: &Simulator, clock: Clock) -> Worker {
    env.start_worker(team_handlers(env, sim, clock)).await
}

/// Adds a company (a copy of the demo's HORECA under `id`) and minimal employees to the demo
/// domain, so cost-per-hour and period calls answer for the folder's people.
fn seed(sim: &Simulator, company: i32, employees: &[i32]) {
    let mut state = sim.state();
    let domain = state.domain_mut(demo::DOMAIN);
    let mut c = domain.companies[&demo::HORECA].clone();
    c.company.id = nmbrs_worker::nmbrs::CompanyId::int(company);
    domain.companies.insert(company, c);
    for &id in employees {
        let snapshot = EmployeeSnapshot {
            employee_id: nmbrs_worker::nmbrs::EmployeeId::int(id),
            employee_number: id,
            ..Default::default()
        };
        let e = SimEmployee {
            company_id: company,
            snapshot,
            cost_per_hour: Some(Decimal::new(2150, 2)),
            ..Default::default()
        };
        domain.employees.insert(id, e);
    }
}

fn job(env: &TestEnv, kind: &str, integration: &str, venues: Value, auto_deactivate: bool, payload: Value) -> Value {
    let mut job = env.demo_job(kind, integration, (demo::USERNAME, demo::TOKEN), payload);
    job["integration"]["venues"] = venues;
    job["integration"]["settings"]["auto_deactivate"] = json!(auto_deactivate);
    job
}

/// Runs one job; returns its `job.completed` payload and the payloads of its other events by type.
async fn run(env: &TestEnv, events: &mut Events, job: &Value) -> (Value, Vec<(String, Value)>) {
    let (done, others) = run_job(env, events, job).await;
    let others = others.iter().map(|e| (e.kind().to_string(), e.body["payload"].clone())).collect();
    (done.body["payload"].clone(), others)
}

fn of<'a>(events: &'a [(String, Value)], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|(k, _)| k == kind).map(|(_, p)| p).collect()
}

fn at(instant: &str) -> Clock {
    Clock::fixed(instant.parse::<DateTime<Utc>>().unwrap())
}

#[tokio::test]
async fn field_02_duplicate_contract_versions() {
    const F: &str = "02-duplicate-contract-versions";
    let env = TestEnv::new();
    let sim = Simulator::start_demo().await.unwrap();
    seed(&sim, demo::HORECA, &[503310]);
    sim.canned_sticky(
        Operation::PersonalInfoContractSalaryAddressGetAll,
        Some(demo::HORECA),
        field(F, "PersonalInfoContractSalaryAddress.response.xml"),
    );
    let contracts = field(F, "Contract_GetAll_AllEmployeesByCompany.duplicate-versions.response.xml");
    sim.canned_sticky(Operation::ContractGetAll, Some(demo::HORECA), contracts.clone());
    let mut events = env.events().await;
    let worker = team_worker(&env, &sim, at("2026-11-24T21:00:00Z")).await;
    let venues = json!([{"eitje_venue_id": "v-fc02", "nmbrs_company_id": demo::HORECA}]);
    let payload: Value = serde_json::from_str(&field(F, "SyncTeam.payload.json")).unwrap();

    let (done, evs) = run(&env, &mut events, &job(&env, "SyncTeam", "env-fc02", venues.clone(), true, payload)).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["counts"]["no_active_employment"], 1, "{done}");
    assert_eq!(done["counts"]["imported"], 0);
    assert_eq!(
        of(&evs, "team_member.deactivated"),
        [
            &json!({"eitje_user_id": "u-fc02", "nmbrs_employee_id": 503310, "reason": "employment_ended", "ended_on": "2026-10-31"})
        ]
    );
    assert!(of(&evs, "team_member.upserted").is_empty());
    let calls = sim.calls();
    assert!(
        calls.iter().any(|c| c.operation == "Contract_GetAll_AllEmployeesByCompany" && c.outcome == "injected:canned")
    );
    assert!(
        !calls.iter().any(|c| c.operation == "Salary_GetEstimatedCostPerHour"),
        "nobody imported, no cost per hour asked"
    );

    // Own input: a third version, created after the end date was entered, re-opens contract 88123
    // (listed between the two). Employed again, and `contracts` carries 88123 once.
    let third = r#"<EmployeeContract>
              <ContractID>88123</ContractID>
              <CreationDate>2026-11-02T08:00:00</CreationDate>
              <StartDate>2024-02-01T00:00:00</StartDate>
              <EndDate xsi:nil="true" />
              <EmployementType>2</EmployementType>
              <EmploymentSequenceTaxId>1</EmploymentSequenceTaxId>
              <HoursPerWeek>12</HoursPerWeek>
            </EmployeeContract>
            <!-- Version 2"#;
    let reopened = contracts.replacen("<!-- Version 2", third, 1);
    assert_ne!(reopened, contracts);
    sim.set_faults(nmbrs_worker::sim::FaultConfig::default());
    sim.canned_sticky(
        Operation::PersonalInfoContractSalaryAddressGetAll,
        Some(demo::HORECA),
        field(F, "PersonalInfoContractSalaryAddress.response.xml"),
    );
    sim.canned_sticky(Operation::ContractGetAll, Some(demo::HORECA), reopened);
    let payload = json!({"trigger": "manual", "full": false, "members": [
        {"eitje_user_id": "u-fc02", "email": "noor.verbeek@example.nl", "nmbrs_employee_id": 503310, "active": true}]});
    let (done, evs) = run(&env, &mut events, &job(&env, "SyncTeam", "env-fc02b", venues, true, payload)).await;
    assert_eq!(done["counts"]["imported"], 1, "{done}");
    let upserted = of(&evs, "team_member.upserted");
    assert_eq!(upserted.len(), 1);
    assert_eq!(
        upserted[0]["contracts"],
        json!([{"start_date": "2024-02-01", "end_date": null, "hours_per_week": "12", "contract_type": "2"}])
    );
    assert!(of(&evs, "team_member.deactivated").is_empty());
    worker.stop().await;
}

#[tokio::test]
async fn field_06_company_move_new_employee_id() {
    const F: &str = "06-company-move-new-employee-id";
    const NEW: i32 = 54900;
    let env = TestEnv::new();
    let sim = Simulator::start_demo().await.unwrap();
    seed(&sim, NEW, &[720455]);
    seed(&sim, demo::HORECA, &[610001]);
    let canned = |company: i32, op: Operation, file: &str| sim.canned_sticky(op, Some(company), field(F, file));
    let pica = Operation::PersonalInfoContractSalaryAddressGetAll;
    canned(NEW, pica, "new-company-54900.PersonalInfoContractSalaryAddress.response.xml");
    canned(NEW, Operation::ContractGetAll, "new-company-54900.Contract_GetAll_AllEmployeesByCompany.response.xml");
    // Variant A's old company: the snapshot only (its contract list is empty), employment ended.
    canned(demo::HORECA, pica, "old-company-54613.PersonalInfoContractSalaryAddress.response.xml");
    sim.canned_sticky(Operation::ContractGetAll, Some(demo::HORECA), empty_contracts());
    let mut events = env.events().await;
    let worker = team_worker(&env, &sim, at("2026-11-24T21:00:00Z")).await;
    let fragment: Value = serde_json::from_str(&field(F, "SyncTeam.job-fragment.json")).unwrap();
    let payload = fragment["payload"].clone();

    let only_new = json!([{"eitje_venue_id": "v-oudegracht", "nmbrs_company_id": NEW}]);
    let both = json!([{"eitje_venue_id": "v-oudegracht", "nmbrs_company_id": NEW},
                      {"eitje_venue_id": "v-archief", "nmbrs_company_id": demo::HORECA}]);
    for (name, venues) in [("env-fc06", only_new), ("env-fc06a", both)] {
        let (done, evs) = run(&env, &mut events, &job(&env, "SyncTeam", name, venues, true, payload.clone())).await;
        assert!(of(&evs, "team_member.deactivated").is_empty(), "{name}: matched means not gone: {evs:?}");
        assert_eq!(done["counts"]["deactivated"], 0, "{name}");
        let dup: Vec<&Value> =
            of(&evs, "notification").into_iter().filter(|n| n["code"] == "sync.duplicate_member").collect();
        assert_eq!(dup.len(), 1, "{name}: the duplicate is still named");
        assert_eq!(dup[0]["params"], json!({"nmbrs_employee_ids": [610001, 720455], "eitje_user_ids": ["u-fc06"]}));
        assert_eq!(done["counts"]["ambiguous"], 1, "{name}");
        assert_eq!(done["status"], "succeeded", "{name}: {done}");
    }

    // Own input: the member is known by e-mail only (no BSN anywhere) and moved the same way: the
    // e-mail match keeps them, and `Deactivate` (no matching) would still judge them by Nmbrs.
    let by_mail = json!({"trigger": "manual", "full": false, "members": [
        {"eitje_user_id": "u-fc06", "email": "FLEUR.hendriks@example.nl", "nmbrs_employee_id": 610001, "active": true}]});
    let venues = json!([{"eitje_venue_id": "v-oudegracht", "nmbrs_company_id": NEW}]);
    let (_, evs) = run(&env, &mut events, &job(&env, "SyncTeam", "env-fc06b", venues, true, by_mail)).await;
    assert!(of(&evs, "team_member.deactivated").is_empty(), "{evs:?}");
    worker.stop().await;
}

fn empty_contracts() -> String {
    r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><Contract_GetAll_AllEmployeesByCompanyResponse xmlns="https://api.nmbrs.nl/soap/v3/EmployeeService"><Contract_GetAll_AllEmployeesByCompanyResult /></Contract_GetAll_AllEmployeesByCompanyResponse></soap:Body></soap:Envelope>"#.to_string()
}

/// Folder 12's bytes with the given date prefixes replaced (the summer variant).
fn moved_dates(xml: &str, from: &[(&str, &str)]) -> String {
    from.iter().fold(xml.to_string(), |x, (a, b)| x.replace(a, b))
}

#[tokio::test]
async fn field_12_amsterdam_date() {
    const F: &str = "12-amsterdam-date";
    let env = TestEnv::new();
    let sim = Simulator::start_demo().await.unwrap();
    seed(&sim, demo::HORECA, &[504301, 504302]);
    let fragment: Value = serde_json::from_str(&field(F, "SyncTeam.job-fragment.json")).unwrap();
    let venues = fragment["integration"]["venues"].clone();
    let members = fragment["payload"]["members"].clone();
    let mut events = env.events().await;

    // Winter: 2026-02-28T23:30Z is 00:30 on 1 March in Amsterdam. Summer (own input):
    // 2026-06-30T22:30Z is 00:30 on 1 July; the dates moved from 28 Feb/1 Mar to 30 Jun/1 Jul.
    let winter: &[(&str, &str)] = &[];
    let summer: &[(&str, &str)] = &[("2026-03-01T", "2026-07-01T"), ("2026-02-28T", "2026-06-30T")];
    for (season, instant, moves, ended_on) in [
        ("winter", "2026-02-28T23:30:00Z", winter, "2026-02-28"),
        ("summer", "2026-06-30T22:30:00Z", summer, "2026-06-30"),
    ] {
        sim.set_faults(nmbrs_worker::sim::FaultConfig::default());
        for (op, file) in [
            (Operation::PersonalInfoContractSalaryAddressGetAll, "PersonalInfoContractSalaryAddress.response.xml"),
            (Operation::ContractGetAll, "Contract_GetAll_AllEmployeesByCompany.response.xml"),
        ] {
            sim.canned_sticky(op, Some(demo::HORECA), moved_dates(&field(F, file), moves));
        }
        let worker = team_worker(&env, &sim, at(instant)).await;
        let sync = json!({"trigger": "manual", "full": false, "members": members});
        let (done, evs) =
            run(&env, &mut events, &job(&env, "SyncTeam", &format!("env-fc12-{season}"), venues.clone(), true, sync))
                .await;
        let upserted: Vec<&Value> =
            of(&evs, "team_member.upserted").into_iter().map(|u| &u["nmbrs_employee_id"]).collect();
        assert_eq!(upserted, [&json!(504301)], "{season}: the starter of the Dutch day is imported: {done}");
        assert_eq!(
            of(&evs, "team_member.deactivated"),
            [
                &json!({"eitje_user_id": "u-fc12-leaver", "nmbrs_employee_id": 504302, "reason": "employment_ended", "ended_on": ended_on})
            ],
            "{season}: the leaver of the day before is gone"
        );
        // Deactivate without `as_of`: today in Amsterdam too.
        let deactivate = json!({"members": members});
        let (done, evs) = run(
            &env,
            &mut events,
            &job(&env, "Deactivate", &format!("env-fc12d-{season}"), venues.clone(), true, deactivate),
        )
        .await;
        assert_eq!(done["counts"]["deactivated"], 1, "{season}: {done}");
        assert_eq!(of(&evs, "team_member.deactivated")[0]["ended_on"], ended_on);
        worker.stop().await;
    }
}
