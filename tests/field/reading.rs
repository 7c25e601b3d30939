//! Real-world Nmbrs inputs (`../shared/nmbrs/field/`, issue 11) end to end: the simulator
//! answers the given bytes (canned responses), the real worker runs the real job over real
//! RabbitMQ and PostgreSQL. One test fn per folder; after each, an input of our own of the same
//! kind, to show the kind is fixed and not the sample.
//!
//! Sync tests fix "today" at 2026-11-24 and link only the HORECA company (54613).

use std::sync::Arc;

use crate::support::export::*;
use crate::support::*;
use chrono::NaiveDate;
use nmbrs_worker::{
    envelope::JobType,
    jobs::{Connector, Handlers, team::SyncTeam},
    nmbrs::{ClientConfig, Contract, NmbrsTransport, Operation},
    sim::{SimEmployee, SimState, Simulator, demo},
    worker::Worker,
};
use serde_json::{Value, json};

const FIELD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/nmbrs/field");
const USER: (&str, &str) = (demo::USERNAME, demo::TOKEN);
const EMP_NS: &str = "https://api.nmbrs.nl/soap/v3/EmployeeService";

pub(super) fn field_file(path: &str) -> String {
    std::fs::read_to_string(format!("{FIELD}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A SOAP response body of `op` from the result's inner XML, as ASMX writes it.
pub(super) fn response(op: &str, result: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body><{op}Response xmlns="{EMP_NS}"><{op}Result>{result}</{op}Result></{op}Response></soap:Body></soap:Envelope>"#
    )
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

/// The demo data with HORECA's employees replaced by `employees` (CATERING keeps its own).
pub(super) fn horeca_with(employees: Vec<SimEmployee>) -> SimState {
    let mut state = demo::state();
    let d = state.domain_mut(demo::DOMAIN);
    d.employees.retain(|_, e| e.company_id != demo::HORECA);
    for e in employees {
        d.employees.insert(e.id(), e);
    }
    state
}

/// A HORECA employee modelled on the demo's Jan: `id`, an e-mail, and the contracts given
/// (the snapshot's own contract dates left empty, so only the contract read counts).
pub(super) fn employee(id: i32, email: &str, contracts: Vec<Contract>) -> SimEmployee {
    let mut e = demo::state().domains[demo::DOMAIN].employees[&503293].clone();
    e.snapshot.employee_id = nmbrs_worker::nmbrs::EmployeeId::int(id);
    e.snapshot.email_work = Some(email.into());
    e.snapshot.bsn = None;
    e.snapshot.contract_start_date = None;
    e.snapshot.contract_end_date = None;
    e.contracts = contracts;
    e
}

pub(super) fn open_contract(id: i32, start: (i32, u32, u32)) -> Contract {
    let start = NaiveDate::from_ymd_opt(start.0, start.1, start.2).unwrap().and_hms_opt(0, 0, 0).unwrap();
    Contract {
        contract_id: nmbrs_worker::nmbrs::ContractId::int(id),
        start_date: Some(start),
        creation_date: Some(start),
        ..Default::default()
    }
}

/// A worker running `SyncTeam` with "today" fixed, against `sim`.
async fn sync_worker(env: &TestEnv, sim: &Simulator) -> Worker {
    let transport =
        NmbrsTransport::new(ClientConfig { base_url: sim.base_url().to_string(), ..Default::default() }).unwrap();
    let nmbrs = Arc::new(Connector::soap_only(transport, 4));
    let handlers = Handlers::default().with(
        JobType::SyncTeam,
        Arc::new(SyncTeam {
            nmbrs,
            max_concurrency: 4,
            // 12:00 UTC on 2026-11-24 is 2026-11-24 in Amsterdam too.
            clock: nmbrs_worker::clock::Clock::fixed(today().and_hms_opt(12, 0, 0).unwrap().and_utc()),
            max_departure_share: rust_decimal::Decimal::new(3, 1),
        }),
    );
    env.start_worker(handlers).await
}

/// One SyncTeam run of the HORECA venue with `members`: its `job.completed` payload and its
/// `team_member.upserted` payloads by Nmbrs employee id.
pub(super) struct SyncRun {
    pub(super) completed: Value,
    pub(super) upserted: Vec<Value>,
    pub(super) deactivated: Vec<Value>,
}

impl SyncRun {
    pub(super) fn upserted(&self, id: i64) -> &Value {
        let found = self.upserted.iter().find(|p| p["nmbrs_employee_id"] == id);
        found.unwrap_or_else(|| panic!("{id} not upserted: {:#}", self.completed))
    }

    pub(super) fn upserted_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.upserted.iter().map(|p| p["nmbrs_employee_id"].as_i64().unwrap()).collect();
        ids.sort();
        ids
    }
}

pub(super) async fn sync(sim: &Simulator, integration: &str, members: Value) -> SyncRun {
    let env = TestEnv::new();
    let mut events = env.events().await;
    let worker = sync_worker(&env, sim).await;
    let mut job = env.demo_job("SyncTeam", integration, USER, json!({"trigger": "manual", "members": members}));
    job["integration"]["venues"] = json!([{"eitje_venue_id": "v-horeca", "nmbrs_company_id": demo::HORECA}]);
    env.publish(&job).await;
    let id = job["message_id"].as_str().unwrap().to_owned();
    let of_job = |e: &Received| e.body["job"]["message_id"] == id.as_str();
    let done =
        events.wait_for(60, "sync result", |e| of_job(e) && matches!(e.kind(), "job.completed" | "job.failed")).await;
    assert_eq!(done.kind(), "job.completed", "{:#}", done.body);
    events.collect_for(300).await;
    let payloads = |kind: &str| -> Vec<Value> {
        events.seen.iter().filter(|e| of_job(e) && e.kind() == kind).map(|e| e.body["payload"].clone()).collect()
    };
    let run = SyncRun {
        completed: done.body["payload"].clone(),
        upserted: payloads("team_member.upserted"),
        deactivated: payloads("team_member.deactivated"),
    };
    worker.stop().await;
    run
}

/// Every string inside `v`, recursively.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// Asserts that no text value of `payload` holds a character XML 1.0 forbids, nor leading or
/// trailing white space.
fn assert_clean_text(payload: &Value) {
    let mut all = Vec::new();
    strings(payload, &mut all);
    for s in all {
        let forbidden =
            s.chars().any(|c| (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}');
        assert!(!forbidden, "forbidden character in {s:?}");
        assert_eq!(s.trim(), s, "untrimmed {s:?}");
    }
}

fn contract_starts(p: &Value) -> Vec<&str> {
    p["contracts"].as_array().unwrap().iter().map(|c| c["start_date"].as_str().unwrap()).collect()
}

// ---------------------------------------------------------------------------------------------
// 01: the v3 contract list names its items `EmployeeContractItemGlobal`.

const CONTRACTS_01: &str = "01-contract-item-global/Contract_GetAll_AllEmployeesByCompany.v3-global.response.xml";

#[tokio::test]
async fn field_01_contract_items_read_whatever_their_element_name() {
    // Export: the company-wide contract read tells which employees the company has.
    let mut h = spawn().await;
    h.sim.canned_sticky(Operation::ContractGetAll, Some(demo::HORECA), field_file(CONTRACTS_01));
    let payload: Value = serde_json::from_str(&field_file("01-contract-item-global/ExportHours.payload.json")).unwrap();
    let mut job = h.job(FULL, payload);
    job["integration"]["venues"] = json!([{"eitje_venue_id": "v-centrum", "nmbrs_company_id": demo::HORECA}]);
    let out = h.run(&job, 60).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("6.50"))]);
    assert_eq!(h.nmbrs(JAN, NOVEMBER).days, Some(1));
    assert_eq!(h.nmbrs(ANTON, NOVEMBER).hour_values(), [], "fixed contract: days only");
    assert_eq!(h.nmbrs(ANTON, NOVEMBER).days, Some(1));
    assert!(out.skipped().iter().all(|(_, _, reason)| reason == "fixed_contract"), "{:?}", out.skipped());
    assert!(h.calls_of("Contract_GetAll_AllEmployeesByCompany") >= 1);
    h.stop().await;

    // Sync: both contracts of 503293, from the canned history.
    let sim = Simulator::start_demo().await.unwrap();
    sim.canned_sticky(Operation::ContractGetAll, Some(demo::HORECA), field_file(CONTRACTS_01));
    let run = sync(&sim, "env-fc01", json!([])).await;
    assert_eq!(run.completed["status"], "succeeded", "{:#}", run.completed);
    assert_eq!(contract_starts(run.upserted(503293)), ["2019-03-01", "2022-01-01"]);
    assert_eq!(run.upserted(503293)["contracts"][0]["end_date"], "2021-08-31");
    assert_eq!(contract_starts(run.upserted(503294)), ["2026-10-01"]);
}

#[tokio::test]
async fn own_01_salary_and_schedule_lists_read_whatever_their_element_names() {
    // Our own input: v3-style names for the entries and the history items of two more
    // lists, and a nil and an unparsable passed-on field in them.
    let sim = Simulator::start_with(horeca_with(vec![employee(
        503801,
        "lotte@horeca.example",
        vec![open_contract(88001, (2025, 1, 1))],
    )]))
    .await
    .unwrap();
    let salaries = response(
        "Salary_GetAll_AllEmployeesByCompany",
        "<EmployeeSalaryItemGlobal><EmployeeId>503801</EmployeeId><EmployeeSalaries>\
           <Salary_V3><ID>1</ID><Value>15.25</Value><Type>3</Type><StartDate>2025-01-01T00:00:00</StartDate></Salary_V3>\
           <Salary_V3><ID>2</ID><Value xsi:nil=\"true\"/><Type>drie</Type><StartDate>2025-06-01T00:00:00</StartDate></Salary_V3>\
         </EmployeeSalaries></EmployeeSalaryItemGlobal>",
    );
    let schedules = response(
        "Schedule_GetAll_AllEmployeesByCompany",
        "<EmployeeScheduleItemGlobal><EmployeeId>503801</EmployeeId><EmployeeSchedules><Schedule_V3>\
           <Id>7</Id><HoursMonday>8</HoursMonday><HoursTuesday>4,5</HoursTuesday><HoursWednesday xsi:nil=\"true\"/>\
           <HoursThursday>n/a</HoursThursday><StartDate>2025-01-01T00:00:00</StartDate>\
         </Schedule_V3></EmployeeSchedules></EmployeeScheduleItemGlobal>",
    );
    sim.canned_sticky(Operation::SalaryGetAll, Some(demo::HORECA), salaries);
    sim.canned_sticky(Operation::ScheduleGetAll, Some(demo::HORECA), schedules);
    let run = sync(&sim, "env-own01", json!([])).await;
    assert_eq!(run.completed["status"], "succeeded", "{:#}", run.completed);
    let p = run.upserted(503801);
    assert_eq!(
        p["salaries"],
        json!([
            {"start_date": "2025-01-01", "type": "Bruto_Uurloon", "value": "15.25"},
            {"start_date": "2025-06-01", "type": null, "value": null}
        ])
    );
    assert_eq!(p["schedule"]["start_date"], "2025-01-01");
    // Nil, unparsable and absent days are null, never 0, so the week's total is unknown.
    assert_eq!(p["schedule"]["days"], json!(["8", "4.5", null, null, null, null, null]));
    assert_eq!(p["schedule"]["hours_per_week"], Value::Null);
}

// ---------------------------------------------------------------------------------------------
// 03: nil in contract fields, nil and empty contract lists.

#[tokio::test]
async fn field_03_nil_contract_fields_are_null_and_nil_lists_mean_no_contracts() {
    let people = [503401, 503402, 503403, 503404].map(|id| employee(id, &format!("p{id}@horeca.example"), vec![]));
    let sim = Simulator::start_with(horeca_with(people.to_vec())).await.unwrap();
    let canned =
        field_file("03-nil-in-contract-fields/Contract_GetAll_AllEmployeesByCompany.nil-employement-type.response.xml");
    sim.canned_sticky(Operation::ContractGetAll, Some(demo::HORECA), canned);
    let run = sync(&sim, "env-fc03", json!([])).await;

    assert_eq!(run.completed["status"], "succeeded", "{:#}", run.completed);
    assert_eq!(run.upserted_ids(), [503403, 503404], "503401/503402 have no contracts");
    assert_eq!(run.completed["counts"]["no_active_employment"], 2);
    let c = &run.upserted(503403)["contracts"];
    assert_eq!(
        c,
        &json!([{"start_date": "2025-05-01", "end_date": null, "hours_per_week": null, "contract_type": null}])
    );
    assert_eq!(run.upserted(503404)["contracts"][0]["contract_type"], "1");
}

#[tokio::test]
async fn own_03_nil_and_unparsable_personal_fields_are_null_and_an_unreadable_start_skips_one_employee() {
    let people = [503811, 503812, 503813].map(|id| employee(id, &format!("p{id}@horeca.example"), vec![]));
    let sim = Simulator::start_with(horeca_with(people.to_vec())).await.unwrap();
    // 503811: nil and unparsable passed-on fields of the snapshot. 503812: a contract start
    // that is no date (a decision field). 503813: ordinary.
    let snapshot = |id: i32, extra: &str| {
        format!(
            "<PersonalInfoContractSalaryAddress><EmployeeID>{id}</EmployeeID><EmployeeNumber>n/a</EmployeeNumber>\
             <FirstName>P{id}</FirstName><Birthday>31-02-1990</Birthday><LastName xsi:nil=\"true\"/>\
             <Gender xsi:nil=\"true\"/><EmailWork>p{id}@horeca.example</EmailWork>{extra}\
             <HourlyWage>veertien</HourlyWage><ContractHours xsi:nil=\"true\"/></PersonalInfoContractSalaryAddress>"
        )
    };
    let snapshots = response(
        "PersonalInfoContractSalaryAddress_GetAll_AllEmployeesByCompany",
        &[
            snapshot(503811, "<City xsi:nil=\"true\"/><SalaryValue>1O.5</SalaryValue>"),
            snapshot(503812, ""),
            snapshot(503813, ""),
        ]
        .concat(),
    );
    let contract = |id: i32, start: &str| {
        format!(
            "<EmployeeContractItem><EmployeeId>{id}</EmployeeId><EmployeeContracts><EmployeeContract>\
             <ContractID>{id}1</ContractID><StartDate>{start}</StartDate><EndDate xsi:nil=\"true\"/>\
             <EmployementType>twee</EmployementType></EmployeeContract></EmployeeContracts></EmployeeContractItem>"
        )
    };
    let contracts = response(
        "Contract_GetAll_AllEmployeesByCompany",
        &[
            contract(503811, "2025-01-01T00:00:00"),
            contract(503812, "2025-13-01T00:00:00"),
            contract(503813, "2025-02-01"),
        ]
        .concat(),
    );
    sim.canned_sticky(Operation::PersonalInfoContractSalaryAddressGetAll, Some(demo::HORECA), snapshots);
    sim.canned_sticky(Operation::ContractGetAll, Some(demo::HORECA), contracts);
    let members = json!([
        {"eitje_user_id": "u-812", "nmbrs_employee_id": 503812, "active": true},
        {"eitje_user_id": "u-813", "nmbrs_employee_id": 503813, "active": true}
    ]);
    let run = sync(&sim, "env-own03", members).await;

    assert_eq!(run.completed["status"], "partial", "{:#}", run.completed);
    assert_eq!(run.upserted_ids(), [503811, 503813]);
    assert!(run.deactivated.is_empty(), "an unreadable employee is not gone: {:?}", run.deactivated);
    assert_eq!(run.completed["counts"]["unreadable_record"], 1);
    let errors = run.completed["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["code"], "unreadable_record");
    assert_eq!(
        errors[0]["scope"],
        json!({"nmbrs_company_id": demo::HORECA, "nmbrs_employee_id": 503812, "field": "StartDate"})
    );
    let p = run.upserted(503811);
    assert_eq!(p["person"]["birthday"], Value::Null);
    assert_eq!(p["person"]["last_name"], Value::Null);
    assert_eq!(p["person"]["gender"], Value::Null);
    assert_eq!(p["address"]["city"], Value::Null);
    assert_eq!(p["hourly_wage"], Value::Null);
    assert_eq!(p["contracts"][0]["contract_type"], Value::Null);
    assert_eq!(run.upserted(503813)["contracts"][0]["start_date"], "2025-02-01");
}

// ---------------------------------------------------------------------------------------------
// 04: ASMX writes forbidden characters as character references.

#[tokio::test]
async fn field_04_forbidden_character_references_are_removed_from_every_text_value() {
    let people = [
        employee(503501, "x@example.nl", vec![open_contract(95011, (2025, 3, 1))]),
        employee(503502, "y@example.nl", vec![open_contract(95021, (2024, 9, 1))]),
    ];
    let sim = Simulator::start_with(horeca_with(people.to_vec())).await.unwrap();
    let canned = field_file("04-asmx-control-char-refs/PersonalInfoContractSalaryAddress.nul-charref.response.xml");
    sim.canned_sticky(Operation::PersonalInfoContractSalaryAddressGetAll, Some(demo::HORECA), canned);
    let run = sync(&sim, "env-fc04", json!([])).await;

    assert_eq!(run.completed["status"], "succeeded", "{:#}", run.completed);
    assert_eq!(run.upserted_ids(), [503501, 503502], "both imported");
    let daan = run.upserted(503501);
    assert_eq!(daan["person"]["first_name"], "Daan");
    assert_eq!(daan["person"]["last_name"], "MeerSmit");
    assert_eq!(daan["contact"]["email"], "daan.vandermeer@example.nl");
    assert_eq!(daan["contact"]["email_work"], "daan.vandermeer@example.nl");
    assert_eq!(daan["address"]["house_number_addition"], "bis");
    assert_eq!(run.upserted(503502)["person"]["first_name"], "Özlem");
    assert_eq!(run.upserted(503502)["contact"]["email"], "o.celik@example.com");
    for p in &run.upserted {
        assert_clean_text(p);
    }
}

#[tokio::test]
async fn own_04_other_forbidden_characters_raw_and_as_references_are_removed() {
    let people = [employee(503821, "x@example.nl", vec![open_contract(95211, (2025, 3, 1))])];
    let sim = Simulator::start_with(horeca_with(people.to_vec())).await.unwrap();
    let canned = response(
        "PersonalInfoContractSalaryAddress_GetAll_AllEmployeesByCompany",
        "<PersonalInfoContractSalaryAddress><EmployeeID>503821</EmployeeID><EmployeeNumber>9</EmployeeNumber>\
         <FirstName>&#31;Sem&#x1F;</FirstName><Prefix>&#xFFFF;</Prefix><LastName>de\u{8} Graaf&#xFFFE;</LastName>\
         <Gender>male&#x7;</Gender><City>Ut&#12;recht</City><EmailWork>&#x1B;sem@example.nl &#xD800;</EmailWork>\
         <Street>Oude\u{1}gracht</Street><HouseNumber>&#x0;12</HouseNumber><PostCode>3511&#x9;AB</PostCode>\
         <HourlyWage>15.00</HourlyWage><ContractHours>0</ContractHours></PersonalInfoContractSalaryAddress>",
    );
    sim.canned_sticky(Operation::PersonalInfoContractSalaryAddressGetAll, Some(demo::HORECA), canned);
    let run = sync(&sim, "env-own04", json!([])).await;

    assert_eq!(run.completed["status"], "succeeded", "{:#}", run.completed);
    let p = run.upserted(503821);
    assert_eq!(p["person"]["first_name"], "Sem");
    assert_eq!(p["person"]["prefix"], Value::Null, "nothing left: no value");
    assert_eq!(p["person"]["last_name"], "de Graaf");
    assert_eq!(p["person"]["gender"], "male");
    assert_eq!(p["address"]["city"], "Utrecht");
    assert_eq!(p["address"]["street"], "Oudegracht");
    assert_eq!(p["address"]["house_number"], "12");
    assert_eq!(p["address"]["postal_code"], "3511\tAB", "a tab is allowed");
    assert_eq!(p["contact"]["email"], "sem@example.nl");
    assert_clean_text(p);
}
