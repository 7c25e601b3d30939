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
//!
//! Memory (issue 22): the whole company's personal info and addresses are held until the last
//! read arrives, so each record is cut down to what the snapshot takes ([`Info`], [`Address`],
//! compact text) as soon as it is read, before the next record is; the history rule
//! ([`crate::nmbrs::rest::history`]) sees the same starts and creation times.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::NaiveDateTime;

use super::edge::{log_left_out, unreadable};
use super::mapping::{HOURLY, latest};
use crate::nmbrs::rest::history::Versioned;
use crate::nmbrs::rest::operation::RestOperation as Op;
use crate::nmbrs::rest::*;
use crate::nmbrs::{
    Contract, EmployeeId, EmployeeSnapshot, Listed, PayPeriod, PerEmployee, PersonalInfo, Salary, Text,
};

/// The reads a snapshot is made of.
pub(super) struct SnapshotReads {
    pub employees: RestListed<RestEmployee>,
    pub infos: RestListed<ByEmployee<Info>>,
    pub bsns: RestListed<ByEmployee<RestBsn>>,
    pub salaries: Arc<RestListed<ByEmployee<Salary>>>,
    pub addresses: RestListed<ByEmployee<Address>>,
    /// Bounded by employments, unreadable ones named.
    pub contracts: Arc<Listed<PerEmployee<Contract>>>,
}

fn text(s: Option<String>) -> Option<Text> {
    s.map(Into::into)
}

/// What the snapshot takes of a personal-info record (its period and creation time for the
/// history rule, as [`PersonalInfo`]'s).
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Info {
    employee_number: i32,
    first_name: Option<Text>,
    prefix: Option<Text>,
    last_name: Option<Text>,
    gender: Text,
    birthday: Option<NaiveDateTime>,
    telephone_work: Option<Text>,
    telephone_mobile_work: Option<Text>,
    email_work: Option<Text>,
    email_private: Option<Text>,
    telephone_private: Option<Text>,
    telephone_mobile_private: Option<Text>,
    start: (i32, i32),
    creation_date: Option<NaiveDateTime>,
}

impl From<PersonalInfo> for Info {
    fn from(p: PersonalInfo) -> Info {
        Info {
            employee_number: p.employee_number,
            first_name: text(p.first_name),
            prefix: text(p.prefix),
            last_name: text(p.last_name),
            gender: p.gender.into(),
            birthday: p.birthday,
            telephone_work: text(p.telephone_work),
            telephone_mobile_work: text(p.telephone_mobile_work),
            email_work: text(p.email_work),
            email_private: text(p.email_private),
            telephone_private: text(p.telephone_private),
            telephone_mobile_private: text(p.telephone_mobile_private),
            start: (p.start_year, p.start_period),
            creation_date: p.creation_date,
        }
    }
}

/// As [`PersonalInfo`]'s: one per period (both 0: none read, kept as it is).
impl Versioned for Info {
    type Start = (i32, i32);
    fn start(&self) -> Option<(i32, i32)> {
        (self.start != (0, 0)).then_some(self.start)
    }
    fn created(&self) -> Option<NaiveDateTime> {
        self.creation_date
    }
}

/// What the snapshot takes of an address record (its type and period for the history rule, as
/// [`RestAddress`]'s).
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Address {
    is_default: Option<bool>,
    address_type: Option<Text>,
    street: Option<Text>,
    house_number: Option<Text>,
    house_number_addition: Option<Text>,
    post_code: Option<Text>,
    city: Option<Text>,
    period: Option<PayPeriod>,
    created_at: Option<NaiveDateTime>,
}

impl From<RestAddress> for Address {
    fn from(a: RestAddress) -> Address {
        Address {
            is_default: a.is_default,
            address_type: text(a.address_type),
            street: text(a.street),
            house_number: text(a.house_number),
            house_number_addition: text(a.house_number_addition),
            post_code: text(a.postal_code),
            city: text(a.city),
            period: a.period,
            created_at: a.created_at,
        }
    }
}

/// As [`RestAddress`]'s: one per address type and period (one without a period is kept).
impl Versioned for Address {
    type Start = (Option<Text>, PayPeriod);
    fn start(&self) -> Option<Self::Start> {
        self.period.map(|p| (self.address_type.clone(), p))
    }
    fn created(&self) -> Option<NaiveDateTime> {
        self.created_at
    }
}

fn by_employee<T>(listed: &RestListed<ByEmployee<T>>) -> HashMap<EmployeeUuid, &[T]> {
    listed.items.iter().map(|l| (l.employee_id, l.items.as_slice())).collect()
}

/// One snapshot per readable employee of `r.employees` (module doc).
pub(super) fn assemble(r: SnapshotReads) -> Listed<EmployeeSnapshot> {
    let mut unread: Vec<_> = r.employees.unreadable.iter().cloned().map(unreadable).collect();
    unread.extend(r.contracts.unreadable.iter().cloned());
    let passed_on = [
        (Op::PersonalInfo, &r.infos.unreadable),
        (Op::PrivateInfos, &r.bsns.unreadable),
        (Op::Salaries, &r.salaries.unreadable),
        (Op::Addresses, &r.addresses.unreadable),
    ];
    for (op, u) in passed_on {
        log_left_out(op, u);
        unread.extend(u.iter().filter(|u| u.employee_id.is_none()).cloned().map(unreadable));
    }
    let skipped: BTreeSet<EmployeeId> = unread.iter().filter_map(|u| u.employee_id).collect();
    let (infos, bsns, salaries) = (by_employee(&r.infos), by_employee(&r.bsns), by_employee(&r.salaries));
    let addresses = by_employee(&r.addresses);
    let contracts: HashMap<_, _> = r.contracts.items.iter().map(|l| (l.employee_id, l.items.as_slice())).collect();
    // Sized to the employees listed (issue 22): not grown by doubling past them.
    let mut items = Vec::with_capacity(r.employees.items.len());
    items.extend(r.employees.items.iter().filter(|e| !skipped.contains(&EmployeeId::from(e.id))).map(|e| {
        let info = infos.get(&e.id).and_then(|i| latest(i, |p| (p.start, p.creation_date)));
        let bsn = bsns.get(&e.id).and_then(|b| latest(b, |b| b.created_at));
        let pay = salaries.get(&e.id).and_then(|s| latest(s, |s| (s.start_date, s.creation_date)));
        let terms = contracts.get(&EmployeeId::from(e.id)).copied().unwrap_or_default();
        let home = addresses.get(&e.id).and_then(|a| {
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
        street: a.street.clone(),
        house_number: a.house_number.clone(),
        house_number_addition: a.house_number_addition.clone(),
        post_code: a.post_code.clone(),
        city: a.city.clone(),
        ..s
    }
}

fn snapshot(
    e: &RestEmployee,
    info: Option<&Info>,
    bsn: Option<&RestBsn>,
    pay: Option<&Salary>,
    terms: &[Contract],
) -> EmployeeSnapshot {
    let text = |f: fn(&Info) -> &Option<Text>| info.and_then(|i| f(i).clone());
    let or_basic = |f: fn(&Info) -> &Option<Text>, basic: &Option<String>| {
        info.and_then(|i| f(i).clone()).or_else(|| basic.as_deref().map(Into::into))
    };
    // Stand-ins (no hours) and contracts share the list; the latest by start decides the dates.
    let current = latest(terms, |c| (c.start_date, c.creation_date));
    let hours = latest(&terms.iter().filter(|c| c.hours_per_week.is_some()).collect::<Vec<_>>(), |c| {
        (c.start_date, c.creation_date)
    })
    .and_then(|c| c.hours_per_week);
    let pay_type = pay.and_then(|s| s.salary_type);
    EmployeeSnapshot {
        employee_id: e.id.into(),
        employee_number: e.employee_number.unwrap_or_else(|| info.map_or(0, |i| i.employee_number)),
        first_name: or_basic(|i| &i.first_name, &e.first_name),
        birthday: info.and_then(|i| i.birthday),
        prefix: or_basic(|i| &i.prefix, &e.prefix),
        last_name: or_basic(|i| &i.last_name, &e.last_name),
        gender: info.map(|i| i.gender.clone()).unwrap_or_default(),
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

    fn at(y: i32, m: u32, d: u32) -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(0, 0, 0).unwrap()
    }

    fn listed<T>(items: Vec<T>, unreadable: Vec<RestUnreadable>) -> RestListed<T> {
        RestListed { items, unreadable }
    }

    fn of<T>(e: EmployeeUuid, items: Vec<T>) -> ByEmployee<T> {
        ByEmployee { employee_id: e, items }
    }

    fn unread(e: Option<EmployeeUuid>, field: &str) -> RestUnreadable {
        RestUnreadable { employee_id: e, field: field.into(), problem: "blank".into(), line_id: None, code: None }
    }

    fn employee(e: EmployeeUuid) -> RestEmployee {
        RestEmployee {
            id: e,
            employee_number: Some(7),
            first_name: Some("Jan".into()),
            prefix: None,
            initials: None,
            last_name: Some("Basic".into()),
            employee_type: Some("payroll".into()),
        }
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
                        }
                        .into(),
                        PersonalInfo {
                            last_name: Some("Vries".into()),
                            gender: crate::nmbrs::rest::wire::words::gender(Some("unspecified")),
                            email_work: Some("jan@x.example".into()),
                            start_year: 2025,
                            start_period: 3,
                            ..Default::default()
                        }
                        .into(),
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
                        RestAddress { is_default: Some(true), city: Some("Utrecht".into()), ..Default::default() }
                            .into(),
                        RestAddress { is_default: Some(false), city: Some("Elsewhere".into()), ..Default::default() }
                            .into(),
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
                unreadable: vec![super::unreadable(unread(Some(piet), "startDate"))],
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
