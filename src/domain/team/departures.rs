//! Steps 5 and 6 of CONTRACT §2.3 (and all of `Deactivate`, §2.4): who left Nmbrs, and when
//! those departures are held because they look like a fault rather than people leaving.
//!
//! Decisions on edge cases:
//! - An employee with no active employment but a contract starting later (hired, or rehired, not
//!   started yet) has not left: no departure. `ended_on` is the last contract's end (each contract
//!   id in its latest version; null when it has no contracts at all). An employee is "returned" by
//!   a company when it is in its snapshots, its contract lists or its unreadable records.
//! - An employee whose record could not be read (`unreadable_record`) is not judged at all.
//! - **Contract record of unreadable `EmployeeId`**: none of that company's employees is judged
//!   gone for an ended employment in this sync (the record may be theirs; [`super::unreadable`]).
//! - **Matched means not gone** (step 5, field case 06): a member this sync matched to an imported
//!   employee, or named in an ambiguity with one, is never a departure, whatever happened to the
//!   Nmbrs id it carries (a company move gives new employee ids with the same BSN).
//! - **Not readable** (§2.3 isolation): while any linked company could not be read, nobody is
//!   judged gone by absence (`not_in_nmbrs`); ended employment is still judged.
//! - **Held (step 6a)**: a linked company that answered with no employees at all holds every
//!   departure by absence; the notification names the lowest such company (all of them in
//!   `nmbrs_company_ids`). Nothing is held, and nothing notified, when no member was affected.
//! - **Held (step 6b)**: when the departures left exceed `max_share` of the roster's active
//!   members carrying a `nmbrs_employee_id` (distinct users), and are at least
//!   [`MIN_HELD_BY_SHARE`], all of them are held. The share is compared exactly (decimal).

use crate::domain::nmbrs::{CompanyId, EmployeeId};
use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::{
    CompanyData,
    selection::contracts_of,
    unreadable::{employment_unknown_ids, unreadable_ids},
};
use crate::{
    domain::nmbrs::Contract,
    domain::{
        employment::{has_upcoming_employment, is_employed_on, last_contract_end},
        matching::RosterMember,
    },
};

/// The share rule holds departures only from this many on (CONTRACT §2.3 step 6b: "at least 5").
pub const MIN_HELD_BY_SHARE: usize = 5;

/// Why a member left Nmbrs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DepartureReason {
    EmploymentEnded,
    NotInNmbrs,
}

/// An active, linked member whose employee is gone from Nmbrs or no longer employed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Departure {
    pub eitje_user_id: String,
    pub nmbrs_employee_id: EmployeeId,
    pub reason: DepartureReason,
    pub ended_on: Option<NaiveDate>,
}

/// Departures held back by step 6, for one `sync.departures_held` notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldDepartures {
    /// The company that answered with no employees (the lowest, when several did); `None` for
    /// the share rule.
    pub nmbrs_company_id: Option<CompanyId>,
    /// Every company that answered empty (step 6a); empty for the share rule.
    pub empty_company_ids: Vec<CompanyId>,
    /// The members held.
    pub count: usize,
}

/// The outcome of steps 5 and 6.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Departures {
    /// To publish (deactivate or list as left), sorted by `eitje_user_id`.
    pub published: Vec<Departure>,
    /// Held back, at most one per rule.
    pub held: Vec<HeldDepartures>,
}

/// Step 5 / Deactivate, before the rules that keep or hold: roster members with active: true and
/// a nmbrs_employee_id whose employee has no active employment on `on` (reason employment_ended,
/// ended_on = last contract end) or is returned by no linked company (reason not_in_nmbrs,
/// ended_on null). Employees with an unreadable record are not judged, nor for an ended
/// employment those of a company whose contract list has a record of unreadable `EmployeeId`.
/// Sorted by eitje_user_id.
pub fn departures(roster: &[RosterMember], companies: &[CompanyData], on: NaiveDate) -> Vec<Departure> {
    let unreadable = unreadable_ids(companies);
    let employment_unknown = employment_unknown_ids(companies);
    let mut contracts: HashMap<EmployeeId, Vec<Contract>> = HashMap::new();
    for company in companies {
        // Every snapshot (an employee may be listed twice) and every contract history, each
        // contract id in its latest version (per company: `contracts_of`).
        let listed = company.snapshots.iter().map(|s| (s.employee_id, Some(s)));
        let histories = company.contracts.iter().map(|l| (l.employee_id, None));
        for (id, snapshot) in listed.chain(histories) {
            let entry = contracts.entry(id).or_default();
            for c in contracts_of(company, snapshot, id) {
                if !entry.contains(&c) {
                    entry.push(c);
                }
            }
        }
    }
    let mut out: Vec<Departure> = roster
        .iter()
        .filter(|m| m.active)
        .filter_map(|m| {
            let id = m.nmbrs_employee_id?;
            if unreadable.contains(&id) {
                return None;
            }
            let (reason, ended_on) = match contracts.get(&id) {
                None => (DepartureReason::NotInNmbrs, None),
                Some(cs) if is_employed_on(cs, on) || has_upcoming_employment(cs, on) => return None,
                Some(_) if employment_unknown.contains(&id) => return None,
                Some(cs) => (DepartureReason::EmploymentEnded, last_contract_end(cs)),
            };
            Some(Departure { eitje_user_id: m.eitje_user_id.clone(), nmbrs_employee_id: id, reason, ended_on })
        })
        .collect();
    out.sort_by(|a, b| (&a.eitje_user_id, a.nmbrs_employee_id).cmp(&(&b.eitje_user_id, b.nmbrs_employee_id)));
    out.dedup();
    out
}

/// What steps 5 and 6 need besides the companies.
#[derive(Debug, Clone, Copy)]
pub struct DepartureRules<'a> {
    /// The date employment is judged on (today in Europe/Amsterdam, or `as_of`).
    pub on: NaiveDate,
    /// Members this sync matched to an imported employee or named in an ambiguity with one.
    pub kept: &'a BTreeSet<String>,
    /// Whether some linked company could not be read at all.
    pub some_company_unread: bool,
    /// `NMBRS_WORKER_MAX_DEPARTURE_SHARE`.
    pub max_share: Decimal,
}

/// Steps 5 and 6 of CONTRACT §2.3: the departures to publish and those held (see the module doc).
pub fn judge_departures(roster: &[RosterMember], companies: &[CompanyData], rules: DepartureRules<'_>) -> Departures {
    let mut found = departures(roster, companies, rules.on);
    found.retain(|d| !rules.kept.contains(&d.eitje_user_id));
    if rules.some_company_unread {
        found.retain(|d| d.reason != DepartureReason::NotInNmbrs);
    }
    let mut held = Vec::new();
    let empty: Vec<CompanyId> = {
        let mut ids: Vec<CompanyId> = companies.iter().filter(|c| c.is_empty()).map(|c| c.company_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    if !empty.is_empty() {
        let absent = found.iter().filter(|d| d.reason == DepartureReason::NotInNmbrs).count();
        if absent > 0 {
            found.retain(|d| d.reason != DepartureReason::NotInNmbrs);
            held.push(HeldDepartures { nmbrs_company_id: Some(empty[0]), empty_company_ids: empty, count: absent });
        }
    }
    let linked: BTreeSet<&str> =
        roster.iter().filter(|m| m.active && m.nmbrs_employee_id.is_some()).map(|m| m.eitje_user_id.as_str()).collect();
    if exceeds_share(found.len(), linked.len(), rules.max_share) {
        held.push(HeldDepartures { nmbrs_company_id: None, empty_company_ids: Vec::new(), count: found.len() });
        found.clear();
    }
    Departures { published: found, held }
}

/// Step 6b: `departing` of `linked` members is more than `max_share` of them, and at least
/// [`MIN_HELD_BY_SHARE`].
pub fn exceeds_share(departing: usize, linked: usize, max_share: Decimal) -> bool {
    departing >= MIN_HELD_BY_SHARE && Decimal::from(departing) > max_share * Decimal::from(linked)
}

#[cfg(test)]
#[path = "departures_tests.rs"]
mod tests;
