//! What the worker keeps, per integration while it is on SOAP, to recognise its companies and
//! employees through REST after the switch (issue 10, CONTRACT §5.4): company id ↔ company number
//! (`List_GetAll`), employee id ↔ employee number, and the BSN, which leaves here only as a
//! [`Bsn`] (normalised, never printed) for the edge to hash (`crate::bsn_hash`). The REST ids are
//! UUIDs and no Nmbrs call maps the two (REST-NOTES §4), so these are the bridges.
//!
//! Rules:
//! - a company is recorded with its number; a record without an id or number (0: not read) is
//!   left out;
//! - an employee is recorded once per read (its last row), with its number (0: not read → none)
//!   and its BSN normalised: digits only, 9 digits, leading zeros kept (an 8-digit BSN gets its
//!   leading zero back); anything else, or all zeros, is no BSN ([`Bsn::parse`]);
//! - an export captures only what is missing: the companies it writes to whose number is not
//!   recorded, and the companies of employees it writes to that are not recorded
//!   ([`missing`]), so an export after the first sync makes no extra call.

use std::collections::{BTreeMap, BTreeSet};

use super::team::Bsn;
use crate::domain::nmbrs::{Company, EmployeeSnapshot};

/// A company as both APIs know it: the SOAP id and the user-facing number (REST's `number`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompanyIdentity {
    pub company_id: i32,
    pub company_number: i32,
}

/// An employee as both APIs know it. `bsn` is hashed at the edge and never stored as is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmployeeIdentity {
    pub employee_id: i32,
    pub company_id: i32,
    /// `None` when the read had none (0). Not unique in a company (CONTRACT §5.2).
    pub employee_number: Option<i32>,
    pub bsn: Option<Bsn>,
}

/// The companies of a `List_GetAll` answer worth recording, each once (the last record wins).
pub fn companies(listed: &[Company]) -> Vec<CompanyIdentity> {
    let by_id: BTreeMap<i32, i32> = listed
        .iter()
        .filter_map(|c| Some((c.id.soap()?, c.number)))
        .filter(|&(id, number)| id != 0 && number != 0)
        .collect();
    by_id.into_iter().map(|(company_id, company_number)| CompanyIdentity { company_id, company_number }).collect()
}

/// The employees of one company's `PersonalInfoContractSalaryAddress_GetAll_AllEmployeesByCompany`
/// rows, each once (its last row wins), with the BSN normalised.
pub fn employees(company_id: i32, snapshots: &[EmployeeSnapshot]) -> Vec<EmployeeIdentity> {
    let mut by_id: BTreeMap<i32, EmployeeIdentity> = BTreeMap::new();
    for (employee_id, s) in snapshots.iter().filter_map(|s| Some((s.employee_id.soap()?, s))).filter(|(id, _)| *id != 0)
    {
        let identity = EmployeeIdentity {
            employee_id,
            company_id,
            employee_number: (s.employee_number != 0).then_some(s.employee_number),
            bsn: s.bsn.as_deref().and_then(Bsn::parse),
        };
        by_id.insert(employee_id, identity);
    }
    by_id.into_values().collect()
}

/// What an export must read to capture what the worker has not recorded yet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Missing {
    /// Some company written to has no recorded number: one `List_GetAll`.
    pub company_numbers: bool,
    /// Companies with an employee written to that is not recorded: one employee read each.
    pub employees_of: BTreeSet<i32>,
}

/// Given the (company, employee) pairs an export writes to and what is recorded, what is missing.
pub fn missing(
    writing: impl IntoIterator<Item = (i32, i32)>,
    known_companies: &BTreeSet<i32>,
    known_employees: &BTreeSet<i32>,
) -> Missing {
    let mut out = Missing::default();
    for (company, employee) in writing {
        out.company_numbers |= !known_companies.contains(&company);
        if !known_employees.contains(&employee) {
            out.employees_of.insert(company);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn company(id: i32, number: i32) -> Company {
        Company { id: crate::domain::nmbrs::CompanyId::int(id), number, ..Default::default() }
    }

    fn snapshot(id: i32, number: i32, bsn: Option<&str>) -> EmployeeSnapshot {
        EmployeeSnapshot {
            employee_id: crate::domain::nmbrs::EmployeeId::int(id),
            employee_number: number,
            bsn: bsn.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn companies_are_recorded_once_each_with_their_number_and_unread_ones_left_out() {
        let listed = [company(2, 20), company(1, 10), company(0, 5), company(3, 0), company(2, 21)];
        assert_eq!(
            companies(&listed),
            [
                CompanyIdentity { company_id: 1, company_number: 10 },
                CompanyIdentity { company_id: 2, company_number: 21 },
            ]
        );
    }

    #[test]
    fn employees_are_recorded_once_with_a_normalised_bsn() {
        let rows = [
            snapshot(7, 70, Some("1234.56.782")),
            snapshot(8, 0, Some("12345678")),
            snapshot(9, 90, Some("12-34")),
            snapshot(10, 100, None),
            snapshot(0, 5, Some("123456782")),
            snapshot(11, 110, Some("000000000")),
        ];
        let got = employees(4, &rows);
        let view: Vec<(i32, i32, Option<i32>, Option<&str>)> = got
            .iter()
            .map(|e| (e.employee_id, e.company_id, e.employee_number, e.bsn.as_ref().map(Bsn::expose)))
            .collect();
        assert_eq!(
            view,
            [
                (7, 4, Some(70), Some("123456782")),
                (8, 4, None, Some("012345678")),
                (9, 4, Some(90), None),
                (10, 4, Some(100), None),
                (11, 4, Some(110), None),
            ]
        );
        let later = employees(4, &[snapshot(7, 70, Some("123456782")), snapshot(7, 71, None)]);
        assert_eq!((later.len(), later[0].employee_number, later[0].bsn.is_none()), (1, Some(71), true), "last row");
    }

    #[test]
    fn an_export_reads_only_what_is_not_recorded() {
        let writing = [(1, 100), (1, 101), (2, 200)];
        let all = missing(writing, &[1, 2].into(), &[100, 101, 200].into());
        assert_eq!(all, Missing::default(), "all recorded: no extra call");
        let some = missing(writing, &[1].into(), &[100, 200].into());
        assert!(some.company_numbers);
        assert_eq!(some.employees_of, [1].into());
        assert_eq!(missing([], &BTreeSet::new(), &BTreeSet::new()), Missing::default());
    }
}
