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

use crate::domain::nmbrs::{CompanyId, EmployeeId};
use std::collections::BTreeSet;

use super::{CompanyData, TeamList, UnreadableIn, UnreadableRecord};
use crate::domain::nmbrs::PerEmployee;

/// The problem of an employee missing from a list that holds a record of unreadable `EmployeeId`.
const MAYBE_ANONYMOUS: &str = "missing from a list with a record of unreadable EmployeeId";

/// Whether `company`'s read of `list` set aside a record whose `EmployeeId` was unreadable, and
/// the list's name in the edge's words.
fn anonymous_in(company: &CompanyData, list: TeamList) -> Option<&str> {
    company.unreadable.iter().find(|u| u.record.employee_id.is_none() && u.list == list).map(|u| u.source.as_str())
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
        (TeamList::Contracts, listed(&company.contracts)),
        (TeamList::Salaries, listed(&company.salaries)),
        (TeamList::Schedules, listed(&company.schedules)),
    ];
    for (list, ids) in lists {
        let Some(source) = anonymous_in(company, list) else { continue };
        let missing: BTreeSet<EmployeeId> =
            company.snapshots.iter().map(|s| s.employee_id).filter(|id| !ids.contains(id)).collect();
        out.extend(missing.into_iter().map(|id| UnreadableIn {
            list,
            source: source.to_owned(),
            record: UnreadableRecord::of(Some(id), "EmployeeId", MAYBE_ANONYMOUS),
        }));
    }
    out
}

/// The ids of employees with an unreadable record (see [`unreadable_records`]) in any company.
pub fn unreadable_ids(companies: &[CompanyData]) -> BTreeSet<EmployeeId> {
    companies.iter().flat_map(|c| unreadable_records(c).into_iter().filter_map(|u| u.record.employee_id)).collect()
}

/// One unreadable record of a company: (company id, employee id, list, the list's name in the
/// edge's words, field).
pub type UnreadableOf = (CompanyId, Option<EmployeeId>, TeamList, String, String);

/// The unreadable records of `companies`, sorted and deduplicated.
pub fn unreadable_of(companies: &[CompanyData]) -> Vec<UnreadableOf> {
    let mut out: Vec<_> = companies
        .iter()
        .flat_map(|c| {
            unreadable_records(c)
                .into_iter()
                .map(|u| (c.company_id, u.record.employee_id, u.list, u.source, u.record.field))
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
        .filter(|c| anonymous_in(c, TeamList::Contracts).is_some())
        .flat_map(|c| c.snapshots.iter().map(|s| s.employee_id).chain(c.contracts.iter().map(|l| l.employee_id)))
        .collect()
}

#[cfg(test)]
#[path = "unreadable_tests.rs"]
mod tests;
