//! Shared test data of the team rules: a date, contracts, snapshots, companies, one rich
//! employee, and the event envelope the schemas check.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{CompanyData, ImportedEmployee, Selection, select_imports};
use crate::{
    domain::matching::{Matched, MatchedBy, RosterMember},
    domain::nmbrs::{Contract, EmployeeSnapshot, PerEmployee, Salary, Schedule},
};

pub const TODAY: (i32, u32, u32) = (2026, 11, 24);

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub fn today() -> NaiveDate {
    d(TODAY.0, TODAY.1, TODAY.2)
}

pub fn at(date: NaiveDate) -> NaiveDateTime {
    date.and_hms_opt(0, 0, 0).unwrap()
}

pub fn contract(id: i32, start: NaiveDate, end: Option<NaiveDate>) -> Contract {
    Contract {
        contract_id: crate::domain::nmbrs::ContractId::int(id),
        start_date: Some(at(start)),
        end_date: end.map(at),
        hours_per_week: Some(Decimal::new(3200, 2)),
        employement_type: Some(1),
        ..Default::default()
    }
}

pub fn snap(id: i32, email_work: Option<&str>, email_private: Option<&str>) -> EmployeeSnapshot {
    EmployeeSnapshot {
        employee_id: crate::domain::nmbrs::EmployeeId::int(id),
        employee_number: id,
        email_work: email_work.map(Into::into),
        email_private: email_private.map(Into::into),
        ..Default::default()
    }
}

pub fn company(id: i32, snapshots: Vec<EmployeeSnapshot>, contracts: Vec<(i32, Vec<Contract>)>) -> CompanyData {
    CompanyData {
        company_id: crate::domain::nmbrs::CompanyId::int(id),
        eitje_venue_ids: vec!["v-2".into(), "v-1".into(), "v-1".into()],
        snapshots,
        contracts: contracts
            .into_iter()
            .map(|(employee_id, items)| PerEmployee {
                employee_id: crate::domain::nmbrs::EmployeeId::int(employee_id),
                items,
            })
            .collect(),
        ..Default::default()
    }
}

pub fn rich_company() -> CompanyData {
    let s = EmployeeSnapshot {
        employee_id: crate::domain::nmbrs::EmployeeId::int(503293),
        employee_number: 1,
        first_name: Some("Sanne ".into()),
        birthday: Some(at(d(1994, 3, 15))),
        prefix: Some("de".into()),
        last_name: Some("Vries".into()),
        gender: "Female".into(),
        bsn: Some("123456782".into()),
        city: Some("Amsterdam".into()),
        telephone_work: Some("020 1234567".into()),
        telephone_mobile_work: Some("0611111111".into()),
        telephone_mobile_private: Some("0622222222".into()),
        email_work: Some(" Sanne@Brouwerij.nl ".into()),
        email_private: Some("sanne@home.nl".into()),
        street: Some("Keizersgracht".into()),
        house_number: Some("101".into()),
        house_number_addition: Some("".into()),
        post_code: Some("1015 CJ".into()),
        hourly_wage: Some(Decimal::new(1450, 2)),
        contract_hours: Some(Decimal::new(32, 0)),
        ..Default::default()
    };
    let mut c = company(
        54613,
        vec![s],
        vec![(503293, vec![contract(2, d(2025, 1, 1), None), contract(1, d(2023, 1, 1), Some(d(2024, 12, 31)))])],
    );
    let salary = |id, start, cents| Salary {
        id,
        value: Some(Decimal::new(cents, 2)),
        salary_type: Some(3),
        start_date: Some(at(start)),
        creation_date: Some(at(start)),
        ..Default::default()
    };
    c.salaries = vec![PerEmployee {
        employee_id: crate::domain::nmbrs::EmployeeId::int(503293),
        items: vec![
            salary(crate::domain::nmbrs::SalaryId::int(2), d(2025, 1, 1), 1450),
            salary(crate::domain::nmbrs::SalaryId::int(1), d(2023, 1, 1), 1300),
        ],
    }];
    let week = |h: i64| [h, h, h, h, 0, 0, 0].map(|h| Some(Decimal::new(h * 100, 2)));
    let schedule = |id: i64, start, w1, w2| Schedule {
        id: Decimal::from(id),
        hours_week1: w1,
        hours_week2: w2,
        start_date: Some(at(start)),
        ..Default::default()
    };
    c.schedules = vec![PerEmployee {
        employee_id: crate::domain::nmbrs::EmployeeId::int(503293),
        items: vec![
            schedule(1, d(2023, 1, 1), week(6), week(6)),
            schedule(2, d(2025, 1, 1), week(8), [Some(Decimal::ZERO); 7]),
            schedule(3, d(2027, 1, 1), week(4), week(4)),
        ],
    }];
    c
}

pub fn rich() -> ImportedEmployee {
    let sel = select_imports(&[rich_company()], today());
    sel.imported.into_iter().next().unwrap()
}

pub fn by_id(id: i32) -> Matched {
    Matched {
        nmbrs_employee_id: crate::domain::nmbrs::EmployeeId::int(id),
        eitje_user_id: Some("u-1".into()),
        matched_by: MatchedBy::NmbrsId,
    }
}

pub fn event(kind: &str, job: &str, payload: &Value) -> Value {
    json!({
        "event_id": "0b6f3c1e-8a4d-4f2b-9c71-5d2e8f0a6b13",
        "type": kind,
        "occurred_at": "2026-11-24T21:00:00.000Z",
        "integration_id": "env-1",
        "job": {"message_id": "m", "type": job, "idempotency_key": "m"},
        "payload": payload,
    })
}

pub fn ids(sel: &Selection) -> Vec<i32> {
    sel.imported.iter().filter_map(|e| e.nmbrs_employee_id.soap()).collect()
}

pub fn member(user: &str, id: Option<i32>, active: bool) -> RosterMember {
    RosterMember {
        eitje_user_id: user.into(),
        email: None,
        bsn: None,
        nmbrs_employee_id: id.map(crate::domain::nmbrs::EmployeeId::int),
        active,
    }
}

/// An unreadable record of `list`, named in messages as `"{list:?} list"`.
pub fn unreadable_in(list: super::TeamList, record: super::UnreadableRecord) -> super::UnreadableIn {
    super::UnreadableIn { list, source: format!("{list:?} list"), record }
}
