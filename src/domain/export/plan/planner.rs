//! The running state of [`plan`](super::plan): one pass over the payload's entries that
//! decides, per entry, its skips, notifications and ledger update (the rules in the module
//! documentation of `plan.rs`). Split from `plan.rs` so the per-entry rules read on their own.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::domain::export::contributions::{
    BucketKey, ComponentName, Contribution, Skip, SkipReason, eitje_skip, parts, target,
};
use crate::domain::export::ledger::{EntryUpdate, Keep};
use crate::domain::export::notify::{self, Notification};
use crate::domain::export::payload::{Entry, EntryId, ExportKind};
use crate::domain::export::validation::{PeriodCheck, check_period, date_in_period};
use crate::domain::nmbrs::{CompanyId, EmployeeId, PayPeriod};

use super::input::PlanInput;

/// The running state of [`plan`](super::plan).
pub(super) struct Planner<'a> {
    pub(super) input: &'a PlanInput<'a>,
    pub(super) skipped: Vec<Skip>,
    pub(super) notifications: Vec<Notification>,
    pub(super) updates: BTreeMap<EntryId, EntryUpdate>,
    pub(super) unidentified: BTreeSet<(CompanyId, EmployeeId)>,
    /// [`note_key`] of every notification so far: the dedupe stays linear.
    pub(super) noted: HashSet<String>,
}

/// What makes two notifications the same, as one hashable string.
pub(super) fn note_key(n: &Notification) -> String {
    format!("{}\u{1f}{}\u{1f}{}", n.code, n.message, n.params)
}

impl Planner<'_> {
    fn skip(&mut self, entry: &EntryId, component: Option<&ComponentName>, reason: SkipReason) {
        self.skipped.push(Skip { entry_id: entry.clone(), component: component.cloned(), reason });
    }

    pub(super) fn notify(&mut self, n: Notification) {
        if self.noted.insert(note_key(&n)) {
            self.notifications.push(n);
        }
    }

    /// Whether the worker may write `period` of `company`; otherwise the reason, notified.
    fn blocked(&mut self, company: CompanyId, period: PayPeriod) -> Option<SkipReason> {
        let Some(facts) = self.input.companies.get(&company) else {
            // The company could not be read (isolation, `super::companies`).
            return Some(SkipReason::NmbrsRefused);
        };
        match check_period(period, &facts.current_period) {
            PeriodCheck::Open => None,
            PeriodCheck::Closed if self.input.payload.allow_closed_period => None,
            PeriodCheck::Closed => {
                self.notify(notify::period_closed(company, period, &facts.current_period));
                Some(SkipReason::PeriodClosed)
            }
            PeriodCheck::Invalid => {
                self.notify(notify::invalid_period(company, period, &facts.current_period));
                Some(SkipReason::InvalidPeriod)
            }
        }
    }

    /// The first reason why one of these earlier contributions may not be changed.
    fn earlier_blocked<'c>(&mut self, earlier: impl IntoIterator<Item = &'c Contribution>) -> Option<SkipReason> {
        let places: BTreeSet<(CompanyId, PayPeriod)> =
            earlier.into_iter().map(|c| (c.bucket.company, c.bucket.period)).collect();
        places.into_iter().find_map(|(company, period)| self.blocked(company, period))
    }

    /// Withdraws an entry (listed as withdrawn, or sent not approved) unless it is frozen.
    pub(super) fn withdraw(&mut self, id: &EntryId, reason: SkipReason) {
        match self.earlier_blocked(self.input.ledger.contributions(id)) {
            Some(frozen) => self.skip(id, None, frozen),
            None => {
                self.skip(id, None, reason);
                self.updates.insert(id.clone(), EntryUpdate::Withdraw);
            }
        }
    }

    /// Plans an approved entry; true when at least one contribution exports.
    pub(super) fn send(&mut self, entry: &Entry) -> bool {
        let (input, id) = (self.input, &entry.entry_id);
        let requested = |k: ExportKind| input.payload.requests(k);
        let keep_kinds: BTreeSet<ExportKind> = ExportKind::ALL.into_iter().filter(|&k| !requested(k)).collect();
        let mut wanted = Vec::new();
        for part in parts(entry) {
            match eitje_skip(entry, &part, requested) {
                Some(reason) => self.skip(id, Some(&part.component), reason),
                None => wanted.push(part),
            }
        }
        let earlier: Vec<&Contribution> =
            input.ledger.contributions(id).iter().filter(|c| !keep_kinds.contains(&c.component.kind())).collect();
        if wanted.is_empty() && earlier.is_empty() {
            return false;
        }
        let Some(venue) = input.venues.iter().find(|v| v.eitje_venue_id == entry.eitje_venue_id) else {
            self.notify(notify::unknown_venue(&entry.eitje_venue_id));
            self.skip(id, None, SkipReason::UnknownEmployee);
            return false;
        };
        let (company, period) = (venue.nmbrs_company_id, PayPeriod::from(input.payload.period));
        let held = input.unrelinked.entries.contains(id)
            || (!wanted.is_empty() && input.unrelinked.holds(period, entry.nmbrs_employee_id));
        if held {
            self.skip(id, None, SkipReason::InDoubt);
            return false;
        }
        let blocked = match self.blocked(company, period) {
            None => self.earlier_blocked(earlier),
            reason => reason,
        };
        if let Some(reason) = blocked {
            self.skip(id, None, reason);
            return false;
        }
        let facts = &input.companies[&company];
        if !wanted.is_empty() && !date_in_period(entry.date, facts.current_period.kind, period) {
            self.skip(id, None, SkipReason::DateOutsidePeriod);
            return false;
        }
        if !wanted.is_empty() && !facts.employees.contains(&entry.nmbrs_employee_id) {
            if facts.unidentified > 0 {
                // One of the records Nmbrs sent without a readable id may be this employee.
                self.unidentified.insert((company, entry.nmbrs_employee_id));
                self.skip(id, None, SkipReason::UnreadableRecord);
            } else {
                self.notify(notify::unknown_employee(company, entry.nmbrs_employee_id));
                self.skip(id, None, SkipReason::UnknownEmployee);
            }
            return false;
        }
        let mut keep = Keep { kinds: keep_kinds, components: BTreeSet::new() };
        let mut contributions = Vec::new();
        for part in wanted {
            match target(&part.component, input.settings) {
                None => {
                    self.notify(notify::no_code_mapping(&part.component));
                    self.skip(id, Some(&part.component), SkipReason::NoCodeMapping);
                    keep.components.insert(part.component);
                }
                Some(component) if !facts.knows(component) => {
                    let code = component.code().unwrap_or_default();
                    self.notify(notify::unknown_code(company, &part.component, code));
                    self.skip(id, Some(&part.component), SkipReason::UnknownCode);
                    keep.components.insert(part.component);
                }
                Some(component) => contributions.push(Contribution {
                    entry_id: id.clone(),
                    bucket: BucketKey { company, employee: entry.nmbrs_employee_id, period, component },
                    amount: part.amount,
                    date: entry.date,
                    component: part.component,
                }),
            }
        }
        let exported = !contributions.is_empty();
        self.updates.insert(id.clone(), EntryUpdate::Replace { contributions, keep });
        exported
    }
}
