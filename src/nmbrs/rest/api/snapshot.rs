//! The team-sync snapshot through REST: what SOAP's
//! `PersonalInfoContractSalaryAddress_GetAll_AllEmployeesByCompany` gives in one call, assembled
//! from seven company-wide reads ([`SnapshotReads`], read in `team.rs`). Contract dates are the
//! latest employment's (else the latest contract's: contracts come bounded by employments),
//! hours per week the latest contract's, salary and hourly wage the latest salary's, the address
//! the default home address (else the newest), names and contact details the latest personal
//! info, the BSN the latest one.
//!
//! Unreadable records: an employee whose contract or employment dates cannot be read is in
//! `unreadable` only (those dates decide, CONTRACT §2.3); any other record that cannot be read (a
//! blank BSN, say) only passes values on, so it is left out and its values are `None`, as on
//! SOAP, unless even its employee could not be read (then it is in `unreadable` without one).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::edge::log_left_out;
use super::mapping::{HOURLY, latest};
use crate::nmbrs::rest::operation::RestOperation as Op;
use crate::nmbrs::rest::*;
use crate::nmbrs::{Contract, EmployeeId, EmployeeSnapshot, Listed, PerEmployee, PersonalInfo, Salary};

/// The reads a snapshot is made of.
pub(super) struct SnapshotReads {
    pub employees: Listed<Employee>,
    pub infos: Listed<ByEmployee<PersonalInfo>>,
    pub bsns: Listed<ByEmployee<PrivateInfo>>,
    pub salaries: Arc<Listed<ByEmployee<Salary>>>,
    pub addresses: Listed<ByEmployee<Address>>,
    /// Bounded by employments, unreadable ones named.
    pub contracts: Arc<Listed<PerEmployee<Contract>>>,
}

fn by_employee<T>(listed: &Listed<ByEmployee<T>>) -> HashMap<EmployeeUuid, &[T]> {
    listed.items.iter().map(|l| (l.employee_id, l.items.as_slice())).collect()
}

/// One snapshot per readable employee of `r.employees` (module doc).
pub(super) fn assemble(r: SnapshotReads) -> Listed<EmployeeSnapshot> {
    let mut unread: Vec<_> = r.employees.unreadable.clone();
    unread.extend(r.contracts.unreadable.iter().cloned());
    let passed_on = [
        (Op::PersonalInfo, &r.infos.unreadable),
        (Op::PrivateInfos, &r.bsns.unreadable),
        (Op::Salaries, &r.salaries.unreadable),
        (Op::Addresses, &r.addresses.unreadable),
    ];
    for (op, u) in passed_on {
        log_left_out(op, u);
        unread.extend(u.iter().filter(|u| u.employee_id.is_none()).cloned());
    }
    let skipped: BTreeSet<EmployeeId> = unread.iter().filter_map(|u| u.employee_id).collect();
    let (infos, bsns, salaries) = (by_employee(&r.infos), by_employee(&r.bsns), by_employee(&r.salaries));
    let addresses = by_employee(&r.addresses);
    let contracts: HashMap<_, _> = r.contracts.items.iter().map(|l| (l.employee_id, l.items.as_slice())).collect();
    // Sized to the employees listed (issue 22): not grown by doubling past them.
    let mut items = Vec::with_capacity(r.employees.items.len());
    items.extend(r.employees.items.iter().filter(|e| !skipped.contains(&EmployeeId::from(e.employee_id))).map(|e| {
        let id = e.employee_id;
        let info = infos.get(&id).and_then(|i| latest(i, |p| (p.start_year, p.start_period, p.creation_date)));
        let bsn = bsns.get(&id).and_then(|b| latest(b, |b| b.created_at));
        let pay = salaries.get(&id).and_then(|s| latest(s, |s| (s.start_date, s.creation_date)));
        let terms = contracts.get(&EmployeeId::from(id)).copied().unwrap_or_default();
        let home = addresses.get(&id).and_then(|a| {
            latest(a, |a| (a.is_default == Some(true), a.address_type.as_deref() == Some("homeAddress"), a.created_at))
        });
        with_address(snapshot(e, info, bsn, pay, terms), home)
    }));
    Listed { items, unreadable: unread }
}

/// `s` with the address fields of `a` (the default home address, else the newest).
fn with_address(s: EmployeeSnapshot, a: Option<&Address>) -> EmployeeSnapshot {
    let Some(a) = a else { return s };
    EmployeeSnapshot {
        street: a.street.as_deref().map(Into::into),
        house_number: a.house_number.as_deref().map(Into::into),
        house_number_addition: a.house_number_addition.as_deref().map(Into::into),
        post_code: a.postal_code.as_deref().map(Into::into),
        city: a.city.as_deref().map(Into::into),
        ..s
    }
}

fn snapshot(
    e: &Employee,
    info: Option<&PersonalInfo>,
    bsn: Option<&PrivateInfo>,
    pay: Option<&Salary>,
    terms: &[Contract],
) -> EmployeeSnapshot {
    let text = |f: fn(&PersonalInfo) -> &Option<String>| info.and_then(|i| f(i).as_deref()).map(Into::into);
    let or_basic = |f: fn(&PersonalInfo) -> &Option<String>, basic: &Option<String>| {
        info.and_then(|i| f(i).as_deref()).or(basic.as_deref()).map(Into::into)
    };
    // Stand-ins (no hours) and contracts share the list; the latest by start decides the dates.
    let current = latest(terms, |c| (c.start_date, c.creation_date));
    let hours = latest(&terms.iter().filter(|c| c.hours_per_week.is_some()).collect::<Vec<_>>(), |c| {
        (c.start_date, c.creation_date)
    })
    .and_then(|c| c.hours_per_week);
    let pay_type = pay.and_then(|s| s.salary_type);
    let basic = &e.employee_basic_info;
    EmployeeSnapshot {
        employee_id: e.employee_id.into(),
        employee_number: basic.employee_number.unwrap_or_else(|| info.map_or(0, |i| i.employee_number)),
        first_name: or_basic(|i| &i.first_name, &basic.first_name),
        birthday: info.and_then(|i| i.birthday),
        prefix: or_basic(|i| &i.prefix, &basic.prefix),
        last_name: or_basic(|i| &i.last_name, &basic.last_name),
        gender: info.map(|i| i.gender.as_str().into()).unwrap_or_default(),
        bsn: bsn.map(|b| b.bsn.as_str().into()),
        telephone_work: text(|i| &i.telephone_work),
        telephone_mobile_work: text(|i| &i.telephone_mobile_work),
        email_work: text(|i| &i.email_work),
        contract_start_date: current.and_then(|c| c.start_date),
        contract_end_date: current.and_then(|c| c.end_date),
        email_private: text(|i| &i.email_private),
        telephone_private: text(|i| &i.telephone_private),
        telephone_mobile_private: text(|i| &i.telephone_mobile_private),
        salary_type: pay_type.map(crate::domain::team::record::salary_type).map(Into::into),
        salary_value: pay.and_then(|s| s.value),
        hourly_wage: pay.filter(|_| pay_type.is_some_and(|t| HOURLY.contains(&t))).and_then(|s| s.value),
        contract_hours: hours,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rust_decimal::Decimal;
    use uuid::Uuid;

    use super::*;
    use crate::nmbrs::UnreadableRecord;

    fn at(y: i32, m: u32, d: u32) -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(0, 0, 0).unwrap()
    }

    fn listed<T>(items: Vec<T>, unreadable: Vec<UnreadableRecord>) -> Listed<T> {
        Listed { items, unreadable }
    }

    fn of<T>(e: EmployeeUuid, items: Vec<T>) -> ByEmployee<T> {
        ByEmployee { employee_id: e, items }
    }

    fn unread(e: Option<EmployeeUuid>, field: &str) -> UnreadableRecord {
        UnreadableRecord::of(e.map(EmployeeId::from), field, "blank")
    }

    fn employee(e: EmployeeUuid) -> Employee {
        let employee_basic_info = BasicInfo {
            employee_number: Some(7),
            first_name: Some("Jan".into()),
            prefix: None,
            initials: None,
            last_name: Some("Basic".into()),
            employee_type: Some("payroll".into()),
        };
        Employee { employee_id: e, employee_basic_info }
    }

    fn salary(start: chrono::NaiveDateTime, kind: &str, value: i64) -> Salary {
        Salary {
            start_date: Some(start),
            salary_type: crate::nmbrs::rest::wire::words::salary_type(Some(kind)),
            value: Some(Decimal::new(value, 2)),
            ..Default::default()
        }
    }

    fn reads(jan: EmployeeUuid, piet: EmployeeUuid) -> SnapshotReads {
        let contract = |start, end, hours| Contract {
            start_date: Some(start),
            end_date: end,
            hours_per_week: hours,
            ..Default::default()
        };
        SnapshotReads {
            employees: listed(vec![employee(jan), employee(piet)], vec![]),
            infos: listed(
                vec![of(
                    jan,
                    vec![
                        PersonalInfo {
                            last_name: Some("Old".into()),
                            start_year: 2024,
                            start_period: 1,
                            ..Default::default()
                        },
                        PersonalInfo {
                            last_name: Some("Vries".into()),
                            gender: crate::nmbrs::rest::wire::words::gender(Some("unspecified")),
                            email_work: Some("jan@x.example".into()),
                            start_year: 2025,
                            start_period: 3,
                            ..Default::default()
                        },
                    ],
                )],
                vec![],
            ),
            // Jan's one BSN record is blank: left out, his BSN null, Jan still read.
            bsns: listed(vec![of(jan, vec![])], vec![unread(Some(jan), "BSN")]),
            salaries: Arc::new(listed(
                vec![of(
                    jan,
                    vec![
                        salary(at(2025, 1, 1), "grossHourlyWage", 1550),
                        salary(at(2024, 1, 1), "grossHourlyWage", 1400),
                    ],
                )],
                vec![],
            )),
            addresses: listed(
                vec![of(
                    jan,
                    vec![
                        Address { is_default: Some(true), city: Some("Utrecht".into()), ..Default::default() },
                        Address { is_default: Some(false), city: Some("Elsewhere".into()), ..Default::default() },
                    ],
                )],
                vec![],
            ),
            contracts: Arc::new(Listed {
                items: vec![PerEmployee {
                    employee_id: jan.into(),
                    items: vec![
                        contract(at(2020, 1, 1), Some(at(2021, 1, 1)), Some(Decimal::new(38, 0))),
                        contract(at(2024, 3, 1), None, None),
                    ],
                }],
                // Piet's contract start could not be read: his dates decide, so he is unreadable.
                unreadable: vec![unread(Some(piet), "startDate")],
            }),
        }
    }

    #[test]
    fn a_snapshot_takes_the_latest_of_each_history_and_only_deciding_records_make_it_unreadable() {
        let (jan, piet) = (EmployeeUuid(Uuid::from_u128(1)), EmployeeUuid(Uuid::from_u128(2)));
        let out = assemble(reads(jan, piet));
        assert_eq!(out.unreadable_employees(), vec![EmployeeId::from(piet)]);
        assert_eq!(out.items.len(), 1);
        let s = &out.items[0];
        assert_eq!((s.employee_id, s.employee_number), (EmployeeId::from(jan), 7));
        assert_eq!(
            (s.last_name.as_deref(), s.first_name.as_deref()),
            (Some("Vries"), Some("Jan")),
            "latest info, else basic"
        );
        assert_eq!(
            (s.gender.as_str(), s.email_work.as_deref(), s.bsn.as_deref()),
            ("undefined", Some("jan@x.example"), None)
        );
        assert_eq!((s.contract_start_date, s.contract_end_date), (Some(at(2024, 3, 1)), None), "latest by start");
        assert_eq!(s.contract_hours, Some(Decimal::new(38, 0)), "the latest contract that has hours");
        assert_eq!((s.salary_value, s.hourly_wage), (Some(Decimal::new(1550, 2)), Some(Decimal::new(1550, 2))));
        assert_eq!(s.salary_type.as_deref(), Some("Bruto_Uurloon"));
        assert_eq!(s.city.as_deref(), Some("Utrecht"), "the default address");
    }

    #[test]
    fn a_record_whose_employee_cannot_be_read_names_nobody_but_is_kept() {
        let (jan, piet) = (EmployeeUuid(Uuid::from_u128(1)), EmployeeUuid(Uuid::from_u128(2)));
        let mut r = reads(jan, piet);
        r.addresses.unreadable.push(unread(None, "employeeId"));
        let out = assemble(r);
        assert_eq!(out.unreadable.iter().filter(|u| u.employee_id.is_none()).count(), 1);
        assert_eq!(out.items.len(), 1);
    }
}
