//! Step 2 of CONTRACT §2.3: which Nmbrs employees to import.
//!
//! Decisions on edge cases:
//! - **Contracts**: an employee's contract history (all `contracts` lists of its company), each
//!   contract id in its latest version only ([`latest_versions`]), decides employment; only when
//!   the contract list does not name it at all are the snapshot's `ContractStartDate`/
//!   `ContractEndDate` (and `ContractHours`) used as one contract. Named with a nil or empty
//!   list means "no contracts" (field case 03: snapshots carry the current contract's dates).
//! - **One employee, several companies** (or listed twice): counted once. The record comes from the
//!   lowest company id where it is importable; it is skipped as `no_email` when it is employed in
//!   some company but has no e-mail there, else as `no_active_employment` (also when both apply).
//! - **Unreadable records** (a field a decision needs could not be read, and employees missing
//!   from a list with a record of unreadable `EmployeeId`, see [`super::unreadable`]): the
//!   employee is counted `unreadable_record` and not imported, whatever other companies say.
//! - **Venues**: the same company may be passed once per linked venue; an employee's
//!   `eitje_venue_ids` are those of every entry with its company id, sorted and deduplicated.
//! - **Schedule** = the one with the latest start on or before the sync date (ties: latest
//!   creation); when none has started yet, the first upcoming one.

use crate::domain::nmbrs::{CompanyId, EmployeeId};
use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{
    Bsn, CompanyData, text,
    unreadable::{UnreadableOf, unreadable_ids, unreadable_of},
};
use crate::{
    domain::nmbrs::{Contract, EmployeeSnapshot, PerEmployee, Salary, Schedule},
    domain::{
        employment::{is_employed_on, latest_versions},
        matching::Candidate,
    },
};

/// Step 2's outcome.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selection {
    /// Sorted by id.
    pub imported: Vec<ImportedEmployee>,
    pub no_email: u64,
    pub no_active_employment: u64,
    /// Employees skipped because a field a decision needs could not be read, sorted:
    /// (company id, employee id, operation, field).
    pub unreadable: Vec<UnreadableOf>,
}

/// An employee to import, with everything its `team_member.upserted` record needs.
/// `Debug` hides the BSN (the snapshot's `Debug` does).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedEmployee {
    pub nmbrs_employee_id: EmployeeId,
    pub company_id: CompanyId,
    /// The company's venues, sorted and deduplicated.
    pub eitje_venue_ids: Vec<String>,
    pub snapshot: EmployeeSnapshot,
    /// Contract history, each contract id once in its latest version, by start date (one
    /// contract from the snapshot when Nmbrs has none).
    pub contracts: Vec<Contract>,
    /// Salary history, oldest first.
    pub salaries: Vec<Salary>,
    /// The schedule current on the sync date (see the module doc).
    pub schedule: Option<Schedule>,
    /// `EmailWork`, else `EmailPrivate`, trimmed.
    pub email: String,
}

pub(super) fn items<T: Clone>(lists: &[PerEmployee<T>], employee_id: EmployeeId) -> Vec<T> {
    let mut items: Vec<T> =
        lists.iter().filter(|l| l.employee_id == employee_id).flat_map(|l| l.items.iter().cloned()).collect();
    // Kept per imported employee: no room for four where one was read (issue 22).
    items.shrink_to_fit();
    items
}

/// The contracts that decide the employee's employment in `company`: latest versions only,
/// sorted by (start, creation, id); one from the snapshot's contract dates only when the
/// contract list does not name the employee at all.
pub(super) fn contracts_of(
    company: &CompanyData,
    snapshot: Option<&EmployeeSnapshot>,
    employee_id: EmployeeId,
) -> Vec<Contract> {
    let mut contracts = latest_versions(&items(&company.contracts, employee_id));
    // Listed with a nil or empty contract list is "no contracts" (field case 03): the snapshot's
    // dates stand in only for an employee the contract list does not name at all.
    let listed = company.contracts.iter().any(|l| l.employee_id == employee_id);
    if !listed && let Some(s) = snapshot.filter(|s| s.contract_start_date.is_some() || s.contract_end_date.is_some()) {
        contracts.push(Contract {
            start_date: s.contract_start_date,
            end_date: s.contract_end_date,
            hours_per_week: s.contract_hours,
            ..Default::default()
        });
    }
    contracts.sort_by_key(|c| (c.start_date, c.creation_date, c.contract_id));
    contracts
}

/// `EmailWork`, else `EmailPrivate`; trimmed, empty = none.
pub fn chosen_email(s: &EmployeeSnapshot) -> Option<&str> {
    text(&s.email_work).or_else(|| text(&s.email_private))
}

pub(super) fn current_schedule(mut schedules: Vec<Schedule>, today: NaiveDate) -> Option<Schedule> {
    schedules.retain(|s| s.start_date.is_some());
    schedules.sort_by_key(|s| (s.start_date, s.creation_date, s.id));
    let started = schedules.iter().rposition(|s| s.start_date.is_some_and(|d| d.date() <= today));
    match started {
        Some(i) => Some(schedules.swap_remove(i)),
        None => schedules.into_iter().next(),
    }
}

/// Step 2 of CONTRACT §2.3: only employees with an active employment `today` AND an email
/// (EmailWork, else EmailPrivate; trimmed, empty = none). See the module doc for the rules.
pub fn select_imports(companies: &[CompanyData], today: NaiveDate) -> Selection {
    let unreadable = unreadable_ids(companies);
    let mut by_employee: BTreeMap<EmployeeId, Vec<(&CompanyData, &EmployeeSnapshot)>> = BTreeMap::new();
    for company in companies {
        for s in company.snapshots.iter().filter(|s| !unreadable.contains(&s.employee_id)) {
            by_employee.entry(s.employee_id).or_default().push((company, s));
        }
    }
    let mut selection = Selection { unreadable: unreadable_of(companies), ..Default::default() };
    // At most one each: never a second, doubled list beside the first while it grows (issue 22).
    selection.imported.reserve_exact(by_employee.len());
    for (id, mut seen) in by_employee {
        seen.sort_by_key(|(c, _)| c.company_id);
        let mut employed_somewhere = false;
        let mut chosen = None;
        for (company, s) in seen {
            let contracts = contracts_of(company, Some(s), id);
            if !is_employed_on(&contracts, today) {
                continue;
            }
            employed_somewhere = true;
            if let Some(email) = chosen_email(s) {
                chosen = Some((company, s, contracts, email.to_owned()));
                break;
            }
        }
        match chosen {
            Some((company, s, contracts, email)) => {
                let mut salaries = items(&company.salaries, id);
                salaries.sort_by_key(|x| (x.start_date, x.creation_date, x.id));
                // The same company may come once per linked venue: its venues are all of them.
                let mut venues: Vec<String> = companies
                    .iter()
                    .filter(|c| c.company_id == company.company_id)
                    .flat_map(|c| c.eitje_venue_ids.iter().cloned())
                    .collect();
                venues.sort();
                venues.dedup();
                selection.imported.push(ImportedEmployee {
                    nmbrs_employee_id: id,
                    company_id: company.company_id,
                    eitje_venue_ids: venues,
                    snapshot: s.clone(),
                    contracts,
                    salaries,
                    schedule: current_schedule(items(&company.schedules, id), today),
                    email,
                });
            }
            None if employed_somewhere => selection.no_email += 1,
            None => selection.no_active_employment += 1,
        }
    }
    selection
}

/// The match keys of an imported employee: its BSN and its work and private addresses.
pub fn candidate(e: &ImportedEmployee) -> Candidate {
    let s = &e.snapshot;
    Candidate {
        nmbrs_employee_id: e.nmbrs_employee_id,
        bsn: s.bsn.as_deref().and_then(Bsn::parse),
        emails: [text(&s.email_work), text(&s.email_private)].into_iter().flatten().map(str::to_owned).collect(),
    }
}

#[cfg(test)]
#[path = "selection_tests.rs"]
mod tests;
