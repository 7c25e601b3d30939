//! Review of issue 11, the SOAP reader and its types: inputs of issue 11's kinds that are not
//! in `../shared/nmbrs/field/` and that the worker got wrong (CONTRACT §2.3: a passed-on
//! value that is nil or unparsable is null, not an error; one odd block never makes a record
//! unreadable). Each runs the real SyncTeam job against the simulator answering the bytes.

use nmbrs_worker::{nmbrs::Operation, sim::Simulator, sim::demo};
use serde_json::{Value, json};

use super::reading::{employee, horeca_with, open_contract, response, sync};

/// The snapshot's `ContractHours` is only passed on: when it is nil and the contract comes
/// from the snapshot (the contract list does not name the employee), the contract's
/// `hours_per_week` is null, not `"0"`; an unparsable `HourlyWage` is null as well.
#[tokio::test]
async fn nil_contract_hours_of_the_snapshot_contract_is_null_not_zero() {
    let people = [503841].map(|id| employee(id, &format!("p{id}@horeca.example"), vec![]));
    let sim = Simulator::start_with(horeca_with(people.to_vec())).await.unwrap();
    let snapshots = response(
        "PersonalInfoContractSalaryAddress_GetAll_AllEmployeesByCompany",
        "<PersonalInfoContractSalaryAddress><EmployeeID>503841</EmployeeID><FirstName>P</FirstName>\
         <EmailWork>p503841@horeca.example</EmailWork><ContractStartDate>2025-01-01T00:00:00</ContractStartDate>\
         <ContractEndDate xsi:nil=\"true\"/><HourlyWage>14.50 EUR</HourlyWage><ContractHours xsi:nil=\"true\"/>\
         </PersonalInfoContractSalaryAddress>",
    );
    let contracts = response(
        "Contract_GetAll_AllEmployeesByCompany",
        // The list does not name the employee at all: only then do the snapshot's dates stand in
        // (listed with a nil or empty list means no contracts, `field::review_team`).
        "",
    );
    sim.canned_sticky(Operation::PersonalInfoContractSalaryAddressGetAll, Some(demo::HORECA), snapshots);
    sim.canned_sticky(Operation::ContractGetAll, Some(demo::HORECA), contracts);
    let run = sync(&sim, "env-revb-hours", json!([])).await;
    let p = run.upserted(503841);
    assert_eq!(p["contracts"][0]["start_date"], "2025-01-01", "{:#}", p["contracts"]);
    assert_eq!(p["contracts"][0]["hours_per_week"], Value::Null, "{:#}", p["contracts"]);
    assert_eq!(p["hourly_wage"], Value::Null, "{p:#}");
}

/// A nil `Salary_GetEstimatedCostPerHourResult` (a passed-on value) is published as a null
/// cost per hour; it is not a refusal: no error, and the job is `succeeded`.
#[tokio::test]
async fn nil_cost_per_hour_is_null_and_the_job_succeeds() {
    let people =
        [503851].map(|id| employee(id, &format!("p{id}@horeca.example"), vec![open_contract(88051, (2025, 1, 1))]));
    let sim = Simulator::start_with(horeca_with(people.to_vec())).await.unwrap();
    let nil = r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body><Salary_GetEstimatedCostPerHourResponse xmlns="https://api.nmbrs.nl/soap/v3/EmployeeService"><Salary_GetEstimatedCostPerHourResult xsi:nil="true"/></Salary_GetEstimatedCostPerHourResponse></soap:Body></soap:Envelope>"#;
    sim.canned_sticky(Operation::SalaryGetEstimatedCostPerHour, None, nil);
    let run = sync(&sim, "env-revb-cost-nil", json!([])).await;
    assert_eq!(run.upserted(503851)["cost_per_hour"], Value::Null);
    assert_eq!(run.completed["status"], "succeeded", "{:#}", run.completed);
    assert_eq!(run.completed["errors"], json!([]), "{:#}", run.completed);
}

/// The same kind with a value that does not parse (`n/a`): null, `succeeded`.
#[tokio::test]
async fn unparsable_cost_per_hour_is_null_and_the_job_succeeds() {
    let people =
        [503852].map(|id| employee(id, &format!("p{id}@horeca.example"), vec![open_contract(88052, (2025, 1, 1))]));
    let sim = Simulator::start_with(horeca_with(people.to_vec())).await.unwrap();
    let garbage = r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><Salary_GetEstimatedCostPerHourResponse xmlns="https://api.nmbrs.nl/soap/v3/EmployeeService"><Salary_GetEstimatedCostPerHourResult>n/a</Salary_GetEstimatedCostPerHourResult></Salary_GetEstimatedCostPerHourResponse></soap:Body></soap:Envelope>"#;
    sim.canned_sticky(Operation::SalaryGetEstimatedCostPerHour, None, garbage);
    let run = sync(&sim, "env-revb-cost-bad", json!([])).await;
    assert_eq!(run.upserted(503852)["cost_per_hour"], Value::Null);
    assert_eq!(run.completed["status"], "succeeded", "{:#}", run.completed);
}

/// A contract entry with one more complex element (an `<Employee>` block) before its list:
/// the block is not a contract, the employee is imported with the list's contract.
#[tokio::test]
async fn extra_complex_element_before_the_list_in_a_contract_entry_is_not_a_contract() {
    let people = [503831].map(|id| employee(id, &format!("p{id}@horeca.example"), vec![]));
    let sim = Simulator::start_with(horeca_with(people.to_vec())).await.unwrap();
    let contracts = response(
        "Contract_GetAll_AllEmployeesByCompany",
        "<EmployeeContractItemGlobal><EmployeeId>503831</EmployeeId><Employee><Number>12</Number></Employee>\
         <EmployeeContracts><EmployeeContract>\
           <ContractID>8831</ContractID><StartDate>2025-01-01T00:00:00</StartDate><EndDate xsi:nil=\"true\"/>\
         </EmployeeContract></EmployeeContracts></EmployeeContractItemGlobal>",
    );
    sim.canned_sticky(Operation::ContractGetAll, Some(demo::HORECA), contracts);
    let run = sync(&sim, "env-revb-block", json!([])).await;
    assert_eq!(run.upserted_ids(), [503831], "{:#}", run.completed);
    assert_eq!(run.upserted(503831)["contracts"].as_array().unwrap().len(), 1);
}

/// The same kind in another list and order: a salary entry with a block after its list.
/// The salary history is the list's one line, not the block.
#[tokio::test]
async fn extra_complex_element_after_the_list_in_a_salary_entry_is_not_a_salary() {
    let people =
        [503832].map(|id| employee(id, &format!("p{id}@horeca.example"), vec![open_contract(88032, (2025, 1, 1))]));
    let sim = Simulator::start_with(horeca_with(people.to_vec())).await.unwrap();
    let salaries = response(
        "Salary_GetAll_AllEmployeesByCompany",
        "<EmployeeSalaryItem><EmployeeId>503832</EmployeeId><EmployeeSalaries>\
           <Salary_V2><ID>1</ID><Value>15.25</Value><Type>3</Type><StartDate>2025-01-01T00:00:00</StartDate></Salary_V2>\
         </EmployeeSalaries><Company><ID>54613</ID><Name>Horeca</Name></Company></EmployeeSalaryItem>",
    );
    sim.canned_sticky(Operation::SalaryGetAll, Some(demo::HORECA), salaries);
    let run = sync(&sim, "env-revb-salblock", json!([])).await;
    let p = run.upserted(503832);
    assert_eq!(p["salaries"].as_array().map(Vec::len), Some(1), "{:#}", p["salaries"]);
    assert_eq!(p["salaries"][0]["value"], "15.25", "{:#}", p["salaries"]);
}
