//! Issue 11's review, the team sync's part: inputs of the field folder's kinds that are not in
//! it (records of unreadable `EmployeeId` in the company-wide lists, employees listed with no
//! contracts whose snapshots carry contract dates). The real worker runs `SyncTeam` over real
//! RabbitMQ and PostgreSQL; the simulator answers the given bytes over HTTP. "Today" is
//! 2026-11-24; only HORECA (54613) is linked. The rules: `domain::team::unreadable` and
//! `domain::team::selection`.

use super::reading::{SyncRun, employee, field_file, horeca_with, open_contract, response, sync};
use chrono::NaiveDate;
use nmbrs_worker::{
    nmbrs::Operation,
    sim::{Simulator, demo},
};
use serde_json::{Value, json};

/// `unreadable_record` errors of a run as (employee id or null, field).
fn unreadable_errors(run: &SyncRun) -> Vec<(Value, Value)> {
    let errors = run.completed["errors"].as_array().cloned().unwrap_or_default();
    errors
        .iter()
        .filter(|e| e["code"] == "unreadable_record")
        .map(|e| (e["scope"]["nmbrs_employee_id"].clone(), e["scope"]["field"].clone()))
        .collect()
}

/// A linked, active roster member of employee `id`.
fn member(id: i64) -> Value {
    json!({"eitje_user_id": format!("u-{id}"), "email": format!("p{id}@horeca.example"), "nmbrs_employee_id": id, "active": true})
}

/// A contract entry (`EmployeeContractItem`) of `employee_id` (written as given: nil when
/// `None`) with one contract from 2025-01-01 ending on `end` (open when `None`).
fn contract_item(employee_id: Option<&str>, contract_id: i32, end: Option<&str>) -> String {
    let id =
        employee_id.map_or(r#"<EmployeeId xsi:nil="true"/>"#.to_owned(), |i| format!("<EmployeeId>{i}</EmployeeId>"));
    let end = end.map_or(r#"<EndDate xsi:nil="true"/>"#.to_owned(), |e| format!("<EndDate>{e}T00:00:00</EndDate>"));
    format!(
        "<EmployeeContractItem>{id}<EmployeeContracts><EmployeeContract><ContractID>{contract_id}</ContractID>\
         <StartDate>2025-01-01T00:00:00</StartDate>{end}</EmployeeContract></EmployeeContracts></EmployeeContractItem>"
    )
}

/// A contract record whose `EmployeeId` cannot be read may be any employee's of its company
/// (a second entry of a listed one, too): nobody of the company is deactivated in that sync,
/// neither the employee missing from the list (skipped `unreadable_record`) nor one whose listed
/// contracts ended (held); one with a listed open contract is still imported.
#[tokio::test]
async fn a_contract_record_of_unreadable_employee_id_deactivates_nobody_of_its_company() {
    let people = [503821, 503822, 503823].map(|id| employee(id, &format!("p{id}@horeca.example"), vec![]));
    let sim = Simulator::start_with(horeca_with(people.to_vec())).await.unwrap();
    let items = [
        contract_item(None, 8821, None),
        contract_item(Some("503822"), 8822, None),
        contract_item(Some("503823"), 8823, Some("2026-01-31")),
    ];
    sim.canned_sticky(
        Operation::ContractGetAll,
        Some(demo::HORECA),
        response("Contract_GetAll_AllEmployeesByCompany", &items.concat()),
    );
    let members = json!([member(503821), member(503822), member(503823)]);
    let run = sync(&sim, "env-rev01", members).await;

    assert!(run.deactivated.is_empty(), "deactivated on an unreadable contract record: {:?}", run.deactivated);
    assert_eq!(run.upserted_ids(), [503822], "{:#}", run.completed);
    assert_eq!(run.completed["status"], "partial", "{:#}", run.completed);
    assert_eq!(run.completed["counts"]["deactivated"], 0);
    assert_eq!(run.completed["counts"]["left_nmbrs"], 0);
    assert_eq!(
        unreadable_errors(&run),
        [(Value::Null, json!("EmployeeId")), (json!(503821), json!("EmployeeId"))],
        "{:#}",
        run.completed
    );
    let held = run.completed["errors"].as_array().unwrap().iter().find(|e| e["scope"]["nmbrs_employee_id"].is_null());
    let message = held.and_then(|e| e["message"].as_str()).unwrap_or_default();
    assert!(message.contains("ended employment"), "the error says ended employment is held: {message}");
}

/// Field 03 with snapshots as Nmbrs sends them (they carry the current contract's dates, see
/// field 02's `PersonalInfoContractSalaryAddress`): an employee listed with a nil or empty
/// contract list has no contracts, and the snapshot's dates do not make one up.
#[tokio::test]
async fn field_03_listed_without_contracts_is_not_employed_by_the_snapshot_dates() {
    let people = [503401, 503402, 503403, 503404].map(|id| {
        let mut e = employee(id, &format!("p{id}@horeca.example"), vec![]);
        e.snapshot.contract_start_date =
            Some(NaiveDate::from_ymd_opt(2024, 2, 1).unwrap().and_hms_opt(0, 0, 0).unwrap());
        e
    });
    let sim = Simulator::start_with(horeca_with(people.to_vec())).await.unwrap();
    let canned =
        field_file("03-nil-in-contract-fields/Contract_GetAll_AllEmployeesByCompany.nil-employement-type.response.xml");
    sim.canned_sticky(Operation::ContractGetAll, Some(demo::HORECA), canned);
    let run = sync(&sim, "env-rev05", json!([])).await;

    assert_eq!(run.upserted_ids(), [503403, 503404], "503401/503402 have no contracts");
    assert_eq!(run.completed["counts"]["no_active_employment"], 2, "{:#}", run.completed);
    assert_eq!(
        run.upserted(503403)["contracts"][0]["start_date"],
        "2025-05-01",
        "the listed contract, not the snapshot's"
    );
}

/// A salary record whose `EmployeeId` cannot be read may be the salary history of an employee
/// missing from the list: that employee is skipped `unreadable_record` (never published with
/// `salaries: []`, Nmbrs being leading, nor deactivated); a listed employee is published with
/// its own history.
#[tokio::test]
async fn a_salary_record_of_unreadable_employee_id_publishes_no_empty_salary_history() {
    let people = [503861, 503862].map(|id| {
        employee(id, &format!("p{id}@horeca.example"), vec![open_contract(88000 + id - 503800, (2025, 1, 1))])
    });
    let sim = Simulator::start_with(horeca_with(people.to_vec())).await.unwrap();
    let salary = |id: &str| {
        format!(
            "<EmployeeSalaryItem><EmployeeId>{id}</EmployeeId><EmployeeSalaries>\
               <Salary_V2><ID>1</ID><Value>15.25</Value><Type>3</Type><StartDate>2025-01-01T00:00:00</StartDate></Salary_V2>\
             </EmployeeSalaries></EmployeeSalaryItem>"
        )
    };
    let salaries = response("Salary_GetAll_AllEmployeesByCompany", &(salary("5038six1") + &salary("503862")));
    sim.canned_sticky(Operation::SalaryGetAll, Some(demo::HORECA), salaries);
    let run = sync(&sim, "env-rev06", json!([member(503861), member(503862)])).await;

    for p in &run.upserted {
        assert_ne!(p["salaries"], json!([]), "published with an empty salary history: {p:#}");
    }
    assert_eq!(run.upserted_ids(), [503862], "{:#}", run.completed);
    assert_eq!(run.upserted(503862)["salaries"][0]["value"], "15.25");
    assert!(run.deactivated.is_empty(), "{:?}", run.deactivated);
    assert_eq!(run.completed["status"], "partial");
    assert_eq!(unreadable_errors(&run), [(Value::Null, json!("EmployeeId")), (json!(503861), json!("EmployeeId"))]);
}

/// The same for schedules: an employee missing from a schedule list that holds a record of
/// unreadable `EmployeeId` is skipped, not published with `schedule: null`.
#[tokio::test]
async fn a_schedule_record_of_unreadable_employee_id_publishes_no_empty_schedule() {
    let people =
        [503871].map(|id| employee(id, &format!("p{id}@horeca.example"), vec![open_contract(88071, (2025, 1, 1))]));
    let sim = Simulator::start_with(horeca_with(people.to_vec())).await.unwrap();
    let schedules = response(
        "Schedule_GetAll_AllEmployeesByCompany",
        "<EmployeeScheduleItem><EmployeeId xsi:nil=\"true\"/><EmployeeSchedules><Schedule_V2><Id>1</Id>\
           <StartDate>2025-01-01T00:00:00</StartDate><HoursMonday>8</HoursMonday></Schedule_V2>\
         </EmployeeSchedules></EmployeeScheduleItem>",
    );
    sim.canned_sticky(Operation::ScheduleGetAll, Some(demo::HORECA), schedules);
    let run = sync(&sim, "env-rev07", json!([member(503871)])).await;

    assert!(run.upserted.is_empty(), "published without its schedule: {:?}", run.upserted);
    assert!(run.deactivated.is_empty(), "{:?}", run.deactivated);
    assert_eq!(run.completed["status"], "partial");
    assert_eq!(unreadable_errors(&run), [(Value::Null, json!("EmployeeId")), (json!(503871), json!("EmployeeId"))]);
}
