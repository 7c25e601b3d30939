//! One export, planned: which entries export, what is skipped and why, the new ledger, and the
//! write each touched bucket needs. Everything the handler must read first comes in as
//! [`PlanInput`]; nothing here calls Nmbrs or the database.
//!
//! Rules beyond the per-part ones of [`contributions`](super::contributions):
//! - Eitje-side reasons come first (`not_approved`, `withdrawn`, `kind_not_requested`,
//!   `fixed_contract`): they state the new truth and are applied to the ledger.
//! - Nmbrs-side and configuration reasons never change what an entry already has in Nmbrs:
//!   a whole-entry skip (`unknown_employee`, `invalid_period`, `period_closed`) freezes the
//!   entry, a part skip (`no_code_mapping`, `unknown_code`) freezes that part; their earlier
//!   contributions stay until an export can write them. Nothing is ever written half.
//! - An entry whose earlier contributions lie in a period that is now closed is frozen as
//!   `period_closed` too (moving or withdrawing it would write into the closed period), unless
//!   the export allows closed periods.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::domain::integration::Venue;
pub use crate::domain::job_result::CompletionStatus;
use crate::domain::nmbrs::{CompanyId, EmployeeId, PayPeriod};

use super::actions::{Action, ComponentLineId, Writing, decide};
use super::contributions::{BucketKey, ComponentName, Skip, SkipReason};
use super::ledger::{EntryUpdate, Ledger, bucket_values};
use super::notify::{self, Notification, period_json};
use super::payload::{Entry, EntryId, ExportPayload};
use super::validation::{PeriodCheck, check_period};

mod bucket;
mod input;
mod planner;

pub use bucket::{BucketPlan, HeldBack};
pub use input::{CompanyFacts, PlanInput, Unrelinked};
use planner::{Planner, note_key};

/// The outcome of planning one export.
///
/// It serializes without `ledger` and `updates` (they go to the ledger tables): what remains
/// is what the handler stores as the export's recovery point, so a resumed job finishes and
/// reports the plan it made, not a new one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The ledger once every bucket action has been carried out.
    #[serde(skip)]
    pub ledger: Ledger,
    /// Per entry this export changes, its update. To store the new ledger the handler replaces,
    /// for each id here, the entry's rows by `ledger.contributions(id)` (no other entry changed).
    #[serde(skip)]
    pub updates: BTreeMap<EntryId, EntryUpdate>,
    /// This export's new contributions as (bucket, entry, part): who an in-doubt bucket holds
    /// back. A list, not a map: JSON object keys cannot be bucket keys.
    pub sources: Vec<(BucketKey, EntryId, ComponentName)>,
    /// Entries with at least one exported contribution, in payload order.
    pub exported: Vec<EntryId>,
    /// Every contribution not exported, with its reason.
    pub skipped: Vec<Skip>,
    /// Notifications to publish (deduplicated).
    pub notifications: Vec<Notification>,
    /// Every bucket the export touches (dropped or new contributions), by key; unchanged too.
    pub buckets: Vec<BucketPlan>,
    /// Companies with at least one write in a closed period (allowed by the export).
    pub unprotected: BTreeSet<CompanyId>,
    /// Employees whose entries were skipped `unreadable_record` because they are missing from
    /// their company's employee list while some of its records had no readable id; the handler
    /// names each in `errors`.
    #[serde(default)]
    pub unidentified: BTreeSet<(CompanyId, EmployeeId)>,
    pub status: CompletionStatus,
}

impl Plan {
    /// The `hours.exported` payload, at most `max_bytes` serialized: `buckets`, then `skipped`,
    /// then `exported` are listed until the next item would pass it, and each list's `_count`
    /// and `_truncated` say what was left out (CONTRACT §2.2 Bounds, `bounded::fit_lists`).
    /// `component_ids` holds the component the worker owns per bucket after writing; for a
    /// bucket missing there, an unchanged bucket reports its one owned component and any other
    /// null (as a dry run does for an insert). `proof`: per bucket (and whether it was held
    /// back) its `verified`, `reason` and `drift` (issue 18, `super::proof::Proof::report`).
    pub fn hours_exported(
        &self,
        payload: &ExportPayload,
        component_ids: &BTreeMap<BucketKey, ComponentLineId>,
        proof: impl Fn(&BucketKey, bool) -> Value,
        max_bytes: usize,
    ) -> Value {
        let buckets: Vec<Value> = self
            .buckets
            .iter()
            .map(|b| {
                let owned = match (&b.action, b.applied.ids.as_slice()) {
                    (Action::Unchanged, [one]) => Some(*one),
                    _ => None,
                };
                let mut item = b.report(component_ids.get(&b.key).copied().or(owned));
                if let (Some(item), Value::Object(more)) = (item.as_object_mut(), proof(&b.key, b.held.is_some())) {
                    item.extend(more);
                }
                item
            })
            .collect();
        let fixed = json!({"export_id": payload.export_id, "period": period_json(payload.period.into()),
                           "dry_run": payload.dry_run});
        fn listed<T: Serialize>(items: &[T]) -> Vec<Value> {
            items.iter().map(|i| serde_json::to_value(i).expect("serializes")).collect()
        }
        let lists =
            vec![("buckets", buckets), ("skipped", listed(&self.skipped)), ("exported", listed(&self.exported))];
        crate::domain::bounded::fit_lists(fixed.as_object().expect("an object").clone(), lists, max_bytes)
    }

    /// Records that the handler stopped bucket `key` because it cannot know whether its insert
    /// landed and cannot read it back: the bucket reports `in_doubt`, this export's
    /// contributions to it are skipped as `in_doubt` (an entry left with no other exported
    /// contribution leaves `exported`), `export.in_doubt` is notified and the job is `partial`.
    /// The new ledger stays as planned (it is what Eitje sent); the handler keeps the bucket's
    /// state in doubt and writes it no more until a person has checked it.
    pub fn mark_in_doubt(&mut self, key: &BucketKey) {
        self.hold_back(&[(*key, SkipReason::InDoubt)]);
    }

    /// Records that Nmbrs refused to write bucket `key` (e.g. its period closed after
    /// planning): the bucket reports `refused`, this export's contributions to it are skipped
    /// as `nmbrs_refused` (an entry left with no other exported contribution leaves
    /// `exported`) and the job is `partial`. The handler keeps the bucket dirty, so a later
    /// export writes it.
    pub fn mark_refused(&mut self, key: &BucketKey) {
        self.hold_back(&[(*key, SkipReason::NmbrsRefused)]);
    }

    /// Records that bucket `key` was not written because a line of its period that may be of
    /// its code could not be read (CONTRACT §2.3): the bucket reports `unreadable`, this
    /// export's contributions to it are skipped as `unreadable_record` and the job is `partial`.
    /// The handler keeps the bucket dirty, so a later export writes it.
    pub fn mark_unreadable(&mut self, key: &BucketKey) {
        self.hold_back(&[(*key, SkipReason::UnreadableRecord)]);
    }

    /// The marks of [`Plan::mark_in_doubt`], [`Plan::mark_refused`] and
    /// [`Plan::mark_unreadable`] for many buckets at once, in one pass over the plan (issue 19
    /// item 8: linear, however many buckets an attempt holds back). Keys the plan does not
    /// have are ignored.
    pub fn hold_back(&mut self, marks: &[(BucketKey, SkipReason)]) {
        let index: HashMap<BucketKey, usize> = self.buckets.iter().enumerate().map(|(i, b)| (b.key, i)).collect();
        let mut sources: HashMap<BucketKey, Vec<usize>> = HashMap::new();
        for (i, (bucket, ..)) in self.sources.iter().enumerate() {
            sources.entry(*bucket).or_default().push(i);
        }
        let mut listed: HashSet<Skip> = self.skipped.iter().cloned().collect();
        let mut noted: HashSet<String> = self.notifications.iter().map(note_key).collect();
        let mut any = false;
        for (key, reason) in marks {
            let Some(&i) = index.get(key) else { continue };
            any = true;
            let bucket = &mut self.buckets[i];
            let held = match reason {
                SkipReason::InDoubt => HeldBack::InDoubt,
                SkipReason::UnreadableRecord => HeldBack::Unreadable,
                _ => HeldBack::Refused,
            };
            bucket.held = bucket.held.or(Some(held));
            if *reason == SkipReason::InDoubt {
                let note = notify::in_doubt(key);
                if noted.insert(note_key(&note)) {
                    self.notifications.push(note);
                }
            }
            for &s in sources.get(key).into_iter().flatten() {
                let (_, id, component) = &self.sources[s];
                let skip = Skip { entry_id: id.clone(), component: Some(component.clone()), reason: *reason };
                if listed.insert(skip.clone()) {
                    self.skipped.push(skip);
                }
            }
        }
        if !any {
            return;
        }
        let held_back: HashSet<BucketKey> = self.buckets.iter().filter(|b| b.held.is_some()).map(|b| b.key).collect();
        let mut held: HashMap<&EntryId, bool> = HashMap::new();
        for (bucket, id, _) in &self.sources {
            *held.entry(id).or_insert(true) &= held_back.contains(bucket);
        }
        self.exported.retain(|e| !held.get(e).copied().unwrap_or(false));
        self.status = CompletionStatus::Partial;
    }

    /// Buckets that need a write call.
    pub fn writes(&self) -> impl Iterator<Item = &BucketPlan> {
        self.buckets.iter().filter(|b| b.action.writes())
    }
}

/// The companies the handler must read facts for (current period, models, employees): those
/// where the payload's entries book and those of the earlier contributions of every entry the
/// export names (`ledger` needs only those entries).
pub fn companies_to_read(payload: &ExportPayload, venues: &[Venue], ledger: &Ledger) -> BTreeSet<CompanyId> {
    employee_periods(payload, venues, ledger).into_iter().map(|(company, ..)| company).collect()
}

/// The (company, employee, period) triples whose ledger contributions [`plan`] needs, all of
/// them: where the payload's entries book, and where the earlier contributions of every entry
/// the export names lie. `named` needs only the contributions of the named entries (step one
/// of loading); the handler then loads every contribution of these triples (step two), so each
/// touched bucket's total counts every entry in it, not only this export's.
pub fn employee_periods(
    payload: &ExportPayload,
    venues: &[Venue],
    named: &Ledger,
) -> BTreeSet<(CompanyId, EmployeeId, PayPeriod)> {
    let period = PayPeriod::from(payload.period);
    let mut triples: BTreeSet<_> = payload
        .entries
        .iter()
        .filter_map(|e| {
            let venue = venues.iter().find(|v| v.eitje_venue_id == e.eitje_venue_id)?;
            Some((venue.nmbrs_company_id, e.nmbrs_employee_id, period))
        })
        .collect();
    let ids = payload.entries.iter().map(|e| &e.entry_id).chain(&payload.withdrawn_entry_ids);
    let earlier = ids.flat_map(|id| named.contributions(id));
    triples.extend(earlier.map(|c| (c.bucket.company, c.bucket.employee, c.bucket.period)));
    triples
}

/// Plans one export (see the module documentation for the rules).
pub fn plan(input: &PlanInput) -> Plan {
    let mut planner = Planner {
        input,
        skipped: Vec::new(),
        notifications: Vec::new(),
        updates: BTreeMap::new(),
        unidentified: BTreeSet::new(),
        noted: HashSet::new(),
    };
    let mut exported = Vec::new();
    let withdrawn: BTreeSet<&EntryId> = input.payload.withdrawn_entry_ids.iter().collect();
    for &id in &withdrawn {
        planner.withdraw(id, SkipReason::Withdrawn);
    }
    let mut not_approved = 0;
    for entry in latest_versions(input.payload) {
        if withdrawn.contains(&entry.entry_id) {
            continue;
        } else if !entry.approved {
            not_approved += 1;
            planner.withdraw(&entry.entry_id, SkipReason::NotApproved);
        } else if planner.send(entry) {
            exported.push(entry.entry_id.clone());
        }
    }
    if not_approved > 0 {
        planner.notify(notify::not_approved(not_approved));
    }
    let Planner { skipped, notifications, updates, unidentified, .. } = planner;

    let mut ledger = input.ledger.clone();
    ledger.apply(&updates);
    let touched: BTreeSet<BucketKey> =
        updates.iter().flat_map(|(id, u)| touched_buckets(input.ledger, id, u)).collect();
    let values = bucket_values(ledger.iter().filter(|c| touched.contains(&c.bucket)));
    let buckets: Vec<BucketPlan> = touched
        .into_iter()
        .map(|key| {
            let value = values.get(&key).copied().unwrap_or_default();
            let applied = input.applied.get(&key).cloned().unwrap_or_default();
            let closed = input.companies.get(&key.company).map(|f| check_period(key.period, &f.current_period));
            let unprotected = input.payload.allow_closed_period && closed == Some(PeriodCheck::Closed);
            let action = decide(key.component, value, &applied, Writing { edge: input.edge, unprotected });
            BucketPlan::new(key, value, applied, action, unprotected)
        })
        .collect();
    let unprotected = buckets.iter().filter(|b| b.unprotected && b.action.writes()).map(|b| b.key.company).collect();
    let status = if skipped.iter().any(|s| s.reason.makes_partial()) {
        CompletionStatus::Partial
    } else {
        CompletionStatus::Succeeded
    };
    let sources = sources(&updates);
    Plan { ledger, updates, sources, exported, skipped, notifications, buckets, unprotected, unidentified, status }
}

/// The new contributions of this export as (bucket, entry, part).
fn sources(updates: &BTreeMap<EntryId, EntryUpdate>) -> Vec<(BucketKey, EntryId, ComponentName)> {
    let new = |u: &EntryUpdate| match u {
        EntryUpdate::Replace { contributions, .. } => contributions.clone(),
        EntryUpdate::Withdraw => Vec::new(),
    };
    updates.values().flat_map(new).map(|c| (c.bucket, c.entry_id, c.component)).collect()
}

/// The buckets an update writes: those of the earlier contributions it drops and of the new
/// ones (kept contributions are not touched).
fn touched_buckets(ledger: &Ledger, id: &EntryId, update: &EntryUpdate) -> Vec<BucketKey> {
    let earlier = ledger.contributions(id).iter();
    match update {
        EntryUpdate::Withdraw => earlier.map(|c| c.bucket).collect(),
        EntryUpdate::Replace { contributions, keep } => {
            earlier.filter(|c| !keep.covers(c)).chain(contributions).map(|c| c.bucket).collect()
        }
    }
}

/// The entries in payload order, a repeated entry id only in its last occurrence.
fn latest_versions(payload: &ExportPayload) -> Vec<&Entry> {
    let last: BTreeMap<&EntryId, usize> = payload.entries.iter().enumerate().map(|(i, e)| (&e.entry_id, i)).collect();
    payload.entries.iter().enumerate().filter(|(i, e)| last[&e.entry_id] == *i).map(|(_, e)| e).collect()
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
