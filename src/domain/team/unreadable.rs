//! Which employees a sync cannot decide on because Nmbrs sent a record the reader could not
//! use (CONTRACT §2.3: "the fields a decision needs ... skips that employee ... `unreadable_record`").
//!
//! Decisions on edge cases:
//! - A record whose own field could not be read names its employee (when the id was readable):
//!   that employee is skipped and never judged gone.
//! - **A record whose `EmployeeId` could not be read** may belong to any employee of its company.
//!   In a company-wide per-employee list (contracts, salaries, schedules) it makes every employee
//!   of the company's snapshots that is *missing* from that list unreadable too (field
//!   `EmployeeId`): its history is not known to be empty, so it is neither published with an
//!   empty history nor judged gone.
//! - In the contract list such a record also **holds ended employments**: it may be a second
//!   entry of a listed employee carrying a newer contract, so none of that company's employees is
//!   judged gone for an ended employment in this sync ([`employment_unknown_ids`]).

use crate::nmbrs::{CompanyId, EmployeeId};
use std::collections::BTreeSet;

use super::{CompanyData, UnreadableIn, UnreadableRecord};
use crate::nmbrs::{Operation, PerEmployee};

/// The problem of an employee missing from a list that holds a record of unreadable `EmployeeId`.
const MAYBE_ANONYMOUS: &str = "missing from a list with a record of unreadable EmployeeId";

/// Whether `company`'s read of `operation` set aside a record whose `EmployeeId` was unreadable.
fn anonymous_in(company: &CompanyData, operation: Operation) -> bool {
    company.unreadable.iter().any(|u| u.record.employee_id.is_none() && u.operation == operation.name())
}

fn listed<T>(lists: &[PerEmployee<T>]) -> BTreeSet<EmployeeId> {
    lists.iter().map(|l| l.employee_id).collect()
}

/// Every unreadable record of `company`: the reader's, then one per employee of its snapshots
/// missing from a per-employee list that holds a record of unreadable `EmployeeId` (field
/// `EmployeeId`, that list's operation). See the module doc.
pub fn unreadable_records(company: &CompanyData) -> Vec<UnreadableIn> {
    let mut out = company.unreadable.clone();
    let lists = [
        (Operation::ContractGetAll, listed(&company.contracts)),
        (Operation::SalaryGetAll, listed(&company.salaries)),
        (Operation::ScheduleGetAll, listed(&company.schedules)),
    ];
    for (operation, ids) in lists.into_iter().filter(|(op, _)| anonymous_in(company, *op)) {
        let missing: BTreeSet<EmployeeId> =
            company.snapshots.iter().map(|s| s.employee_id).filter(|id| !ids.contains(id)).collect();
        out.extend(missing.into_iter().map(|id| UnreadableIn {
            operation: operation.name().to_owned(),
            record: UnreadableRecord::of(Some(id), "EmployeeId", MAYBE_ANONYMOUS),
        }));
    }
    out
}

/// The ids of employees with an unreadable record (see [`unreadable_records`]) in any company.
pub fn unreadable_ids(companies: &[CompanyData]) -> BTreeSet<EmployeeId> {
    companies.iter().flat_map(|c| unreadable_records(c).into_iter().filter_map(|u| u.record.employee_id)).collect()
}

/// The unreadable records of `companies` as (company id, employee id, operation, field), sorted
/// and deduplicated.
pub fn unreadable_of(companies: &[CompanyData]) -> Vec<(CompanyId, Option<EmployeeId>, String, String)> {
    let mut out: Vec<_> = companies
        .iter()
        .flat_map(|c| {
            unreadable_records(c).into_iter().map(|u| (c.company_id, u.record.employee_id, u.operation, u.record.field))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The employees (of its snapshots and contract list) of every company whose contract list holds
/// a record of unreadable `EmployeeId`: none of them is judged gone for an ended employment.
pub fn employment_unknown_ids(companies: &[CompanyData]) -> BTreeSet<EmployeeId> {
    companies
        .iter()
        .filter(|c| anonymous_in(c, Operation::ContractGetAll))
        .flat_map(|c| c.snapshots.iter().map(|s| s.employee_id).chain(c.contracts.iter().map(|l| l.employee_id)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::team::testkit::*;

    fn anonymous(operation: Operation) -> UnreadableIn {
        UnreadableIn { operation: operation.name().into(), record: UnreadableRecord::of(None, "EmployeeId", "missing") }
    }

    fn salary_list(ids: &[i32]) -> Vec<PerEmployee<crate::nmbrs::Salary>> {
        ids.iter()
            .map(|&employee_id| PerEmployee {
                employee_id: EmployeeId::int(employee_id),
                items: vec![Default::default()],
            })
            .collect()
    }

    #[test]
    fn an_anonymous_record_makes_the_employees_missing_from_its_list_unreadable() {
        let snaps = (1..=3).map(|id| snap(id, Some("a@x.nl"), None)).collect();
        let mut c = company(10, snaps, vec![(1, vec![]), (2, vec![]), (3, vec![])]);
        c.salaries = salary_list(&[1]);
        c.schedules = vec![PerEmployee { employee_id: EmployeeId::int(2), items: vec![] }];
        // Without an anonymous record, missing from a list is an empty history.
        assert_eq!(unreadable_records(&c), vec![]);
        c.unreadable.push(anonymous(Operation::SalaryGetAll));
        let of = unreadable_of(std::slice::from_ref(&c));
        let salary = Operation::SalaryGetAll.name();
        assert_eq!(
            of,
            vec![
                (CompanyId::int(10), None, salary.into(), "EmployeeId".into()),
                (CompanyId::int(10), Some(EmployeeId::int(2)), salary.into(), "EmployeeId".into()),
                (CompanyId::int(10), Some(EmployeeId::int(3)), salary.into(), "EmployeeId".into()),
            ]
        );
        assert_eq!(unreadable_ids(std::slice::from_ref(&c)), BTreeSet::from([EmployeeId::int(2), EmployeeId::int(3)]));
        // Each list on its own: an anonymous schedule record adds 1 and 3, 3 is counted once by id.
        c.unreadable.push(anonymous(Operation::ScheduleGetAll));
        assert_eq!(
            unreadable_ids(std::slice::from_ref(&c)),
            BTreeSet::from([EmployeeId::int(1), EmployeeId::int(2), EmployeeId::int(3)])
        );
        assert_eq!(employment_unknown_ids(std::slice::from_ref(&c)), BTreeSet::new());
    }

    #[test]
    fn an_anonymous_contract_record_holds_ended_employment_of_its_company_only() {
        let a = company(10, vec![snap(1, None, None), snap(2, None, None)], vec![(2, vec![]), (4, vec![])]);
        let mut held = a.clone();
        held.unreadable.push(anonymous(Operation::ContractGetAll));
        let other = company(20, vec![snap(3, None, None)], vec![]);
        assert_eq!(employment_unknown_ids(&[a, other.clone()]), BTreeSet::new());
        assert_eq!(
            employment_unknown_ids(&[held.clone(), other]),
            BTreeSet::from([EmployeeId::int(1), EmployeeId::int(2), EmployeeId::int(4)])
        );
        // 1 is missing from the contract list: unreadable; 2 is listed: only held.
        assert_eq!(unreadable_ids(&[held]), BTreeSet::from([EmployeeId::int(1)]));
    }
}
