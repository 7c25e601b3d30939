//! Field folder 14 (issue 23): a correction in Nmbrs adds a REST history record with the same
//! start date and a later `createdAt`, listed newest first. Served as they are, then inputs of
//! our own of the same kind: the records listed the other way round (employees and versions),
//! the newest version on the next page, and corrected schedules and employments. One record per
//! start date counts, the latest `createdAt` (the first listed on a tie).

use chrono::DateTime;
use nmbrs_worker::{clock::Clock, nmbrs::rest::RestOperation as Rest};
use serde_json::{Value, json};

use super::rest_world::*;
use crate::support::TestApp;

const F: &str = "14-rest-corrected-history";

fn clock(instant: &str) -> Clock {
    Clock::fixed(instant.parse::<DateTime<chrono::Utc>>().unwrap())
}

/// 2026-11-24, after the corrected contract of employee 1 ended (2026-09-30).
const NOVEMBER: &str = "2026-11-24T21:00:00Z";
/// 2026-07-01, within it.
const JULY: &str = "2026-07-01T10:00:00Z";

fn members() -> Value {
    json!([{"eitje_user_id": "u-f14-1", "nmbrs_employee_id": person(1), "active": true},
           {"eitje_user_id": "u-f14-2", "nmbrs_employee_id": person(2), "active": true}])
}

/// Employee 1 in service from 2026-04-01 (open: only the contract was corrected), employee 2
/// from 2025-01-01.
fn people() -> Vec<(u8, Vec<nmbrs_worker::nmbrs::Contract>)> {
    vec![(1, vec![employment("2026-04-01", None)]), (2, vec![employment("2025-01-01", None)])]
}

fn contracts() -> String {
    page(F, "companies_employees_contracts")
}

fn salaries() -> String {
    page(F, "companies_employees_salaries")
}

/// [`people`] on `instant`, the folder's contracts and salaries served as they are.
async fn folder_world(instant: &str) -> TestApp {
    let app = world(people(), clock(instant)).await;
    serve(&app, Rest::Contracts, vec![contracts()]);
    serve(&app, Rest::Salaries, vec![salaries()]);
    app
}

/// A page of a company-wide read: number `n`, `data`, a next page unless `last`.
fn page_of(n: usize, last: bool, data: Vec<Value>) -> String {
    let next =
        (!last).then(|| format!("https://api.nmbrsapp.com/api/companies/{COMPANY}/employees?pageNumber={}", n + 1));
    json!({"pagination": {"pageNumber": n, "pageSize": 1, "nextPage": next}, "data": data}).to_string()
}

/// A page's `data` items.
fn data(page: &str) -> Vec<Value> {
    serde_json::from_str::<Value>(page).unwrap()["data"].as_array().unwrap().clone()
}

/// The November outcome: employee 1 deactivated (its contract of 2026-04-01 corrected to end
/// 2026-09-30), employee 2 upserted with the one salary of 2026-02-01 that counts.
fn assert_november(run: &Published, what: &str) {
    assert_eq!(
        run.deactivated,
        [
            json!({"eitje_user_id": "u-f14-1", "nmbrs_employee_id": person(1), "reason": "employment_ended", "ended_on": "2026-09-30"})
        ],
        "{what}: {:#}",
        run.completed
    );
    assert_eq!(run.upserted.len(), 1, "{what}: {:#}", run.completed);
    let two = run.of(2);
    assert_eq!(
        two["salaries"],
        json!([{"start_date": "2026-02-01", "type": "Bruto_Salaris_Partime", "value": "1980"}]),
        "{what}"
    );
    assert_eq!(two["hourly_wage"], Value::Null, "{what}: a part-time salary, no hourly wage");
    assert_eq!(two["contracts"].as_array().unwrap().len(), 1, "{what}");
    assert_eq!(run.completed["status"], "succeeded", "{what}");
}

#[tokio::test]
async fn field_14_one_record_per_start_date_counts_the_latest_created() {
    let mut app = folder_world(NOVEMBER).await;
    let run = sync(&mut app, "env-f14", false, members()).await;
    assert_november(&run, "the folder's pages");

    // Own input: employees and each one's records listed the other way round (oldest first).
    let reversed = |page: String| {
        let mut items = data(&page);
        items.reverse();
        for item in &mut items {
            let list = item.as_object_mut().unwrap().values_mut().find(|v| v.is_array()).unwrap();
            list.as_array_mut().unwrap().reverse();
        }
        page_of(1, true, items)
    };
    app.sim.state().rest.faults = Default::default();
    serve(&app, Rest::Contracts, vec![reversed(contracts())]);
    serve(&app, Rest::Salaries, vec![reversed(salaries())]);
    assert_november(&sync(&mut app, "env-f14-order", false, members()).await, "oldest first");

    // Own input: a page boundary between two versions of a record. Page 1 holds employee 1's
    // older versions, page 2 the newest (the same employee on both pages).
    let split = |page: String, one_first: bool| {
        let items = data(&page);
        let (mut one, two) = (items[0].clone(), items[1].clone());
        let key = if one.get("contracts").is_some() { "contracts" } else { "salaries" };
        let records = one[key].as_array().unwrap().clone();
        let (newest, older) = records.split_at(1);
        let mut newest_part = one.clone();
        newest_part[key] = json!(newest);
        one[key] = json!(older);
        let first = if one_first { vec![one, two] } else { vec![two, one] };
        vec![page_of(1, false, first), page_of(2, true, vec![newest_part])]
    };
    app.sim.state().rest.faults = Default::default();
    app.sim.clear_calls();
    serve(&app, Rest::Contracts, split(contracts(), true));
    serve(&app, Rest::Salaries, split(salaries(), false));
    assert_november(&sync(&mut app, "env-f14-pages", false, members()).await, "newest on page 2");
    let pages = app.sim.calls().iter().filter(|c| c.operation == Rest::Salaries.name()).count();
    assert_eq!(pages, 2, "both pages read");
    app.stop().await;
}

#[tokio::test]
async fn field_14_in_july_the_corrected_records_are_published_once_and_corrected_schedules_and_employments_count_too() {
    let mut app = folder_world(JULY).await;
    let run = sync(&mut app, "env-f14-july", false, members()).await;
    assert_eq!(run.completed["status"], "succeeded", "{:#}", run.completed);
    assert!(run.deactivated.is_empty(), "{:#?}", run.deactivated);
    let one = run.of(1);
    assert_eq!(
        one["contracts"],
        json!([{"start_date": "2026-04-01", "end_date": "2026-09-30", "hours_per_week": "16", "contract_type": null}])
    );
    assert_eq!(
        by_start(&one["salaries"]),
        [
            json!({"start_date": "2025-06-01", "type": "Bruto_Uurloon", "value": "14.11"}),
            json!({"start_date": "2026-05-01", "type": "Bruto_Uurloon", "value": "15.02"})
        ]
    );
    assert_eq!(one["hourly_wage"], "15.02");

    // Own input, other histories: employee 1's schedule of 2026-04-01 entered twice in the same
    // minute (a tie: the first listed counts, its float32 noise removed), and employee 2's
    // employment corrected to end 2026-06-30 (a later `creationDate`, same start).
    // The two schedules are real records (folder 13's employees 1 and 2: 6.4 h on three days,
    // 8 h on four), dated 2026-04-01 and created in the same minute.
    let folder13 = data(&page("13-rest-float32-noise", "companies_employees_schedules"));
    let schedule = |of: usize| {
        let mut record = folder13[of]["schedules"][0].clone();
        record["startDate"] = json!("2026-04-01T00:00:00");
        record["createdAt"] = json!("2026-03-28T15:21:00");
        record
    };
    let schedules = page_of(1, true, vec![json!({"employeeId": person(1), "schedules": [schedule(0), schedule(1)]})]);
    let employment = |id: u8, end: Value, created: &str| {
        json!({"employmentId": format!("e2000000-0000-4000-8000-0000000000{id:02}"), "startDate": "2025-01-01T00:00:00",
               "endDate": end, "creationDate": created})
    };
    let employments = page_of(
        1,
        true,
        vec![
            json!({"employeeId": person(1), "employments": [{"employmentId": "e2000000-0000-4000-8000-000000000009",
               "startDate": "2026-04-01T00:00:00", "endDate": null, "creationDate": "2026-03-28T15:19:00"}]}),
            json!({"employeeId": person(2), "employments": [
            employment(2, json!("2026-06-30T00:00:00"), "2026-06-15T11:00:00"),
            employment(1, Value::Null, "2024-12-20T10:00:00")]}),
        ],
    );
    serve(&app, Rest::Schedules, vec![schedules]);
    serve(&app, Rest::Employments, vec![employments]);
    let run = sync(&mut app, "env-f14-july-own", false, members()).await;
    assert_eq!(
        run.deactivated,
        [
            json!({"eitje_user_id": "u-f14-2", "nmbrs_employee_id": person(2), "reason": "employment_ended", "ended_on": "2026-06-30"})
        ],
        "{:#}",
        run.completed
    );
    assert_eq!(
        run.of(1)["schedule"],
        json!({"start_date": "2026-04-01", "hours_per_week": "19.2", "days": ["6.4", "6.4", "0", "6.4", "0", "0", "0"]})
    );
    app.stop().await;
}
