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

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::domain::integration::{Settings, Venue};
pub use crate::domain::job_result::CompletionStatus;
use crate::domain::nmbrs::{CompanyId, CurrentPeriod, EmployeeId, HourCode, ModelCode, PayPeriod, WageCode};

use super::actions::{Action, Applied, ComponentLineId, WriteMode, Writing, decide};
use super::contributions::{
    BucketKey, Component, ComponentName, Contribution, Skip, SkipReason, eitje_skip, parts, target,
};
use super::ledger::{EntryUpdate, Keep, Ledger, bucket_values};
use super::notify::{self, Notification, period_json};
use super::payload::{Entry, EntryId, ExportPayload, Kind};
use super::validation::{PeriodCheck, check_period, code_known, date_in_period};

/// What the handler read from Nmbrs about one company.
#[derive(Clone, Debug, PartialEq)]
pub struct CompanyFacts {
    /// `Company_GetCurrentPeriod`.
    pub current_period: CurrentPeriod,
    /// The company's two hour models (`HourModel_GetHourCodes`, `HourModel2_GetHourCodes`).
    pub hour_models: [Vec<ModelCode>; 2],
    /// The company's two wage models.
    pub wage_models: [Vec<ModelCode>; 2],
    /// The employees Nmbrs knows in the company.
    pub employees: BTreeSet<EmployeeId>,
    /// Records of the company's employee list whose `EmployeeId` could not be read: any of
    /// them may be an employee missing from `employees`, so such an employee is not certainly
    /// unknown (CONTRACT §2.3: skipped `unreadable_record`, not `unknown_employee`).
    pub unidentified: u32,
}

impl CompanyFacts {
    /// Whether the company's models contain the component's code (days need none).
    pub fn knows(&self, component: Component) -> bool {
        match component {
            Component::Hours(HourCode(c)) => code_known(c, &self.hour_models[0], &self.hour_models[1]),
            Component::Wage(WageCode(c)) => code_known(c, &self.wage_models[0], &self.wage_models[1]),
            Component::Days => true,
        }
    }
}

/// Everything one export is planned from.
#[derive(Clone, Copy, Debug)]
pub struct PlanInput<'a> {
    pub payload: &'a ExportPayload,
    /// `integration.venues`: venue → Nmbrs company.
    pub venues: &'a [Venue],
    /// `integration.settings`: the code mappings.
    pub settings: &'a Settings,
    /// Facts per company, for every company of [`companies_to_read`]. A company missing here
    /// could not be read (no access, no current period, unreadable): its entries are skipped
    /// as `nmbrs_refused` and frozen; the handler names the company in `errors` itself.
    pub companies: &'a BTreeMap<CompanyId, CompanyFacts>,
    /// The ledger before this export. It must hold every live contribution of the entries this
    /// export names and of every bucket they touch (all contributions of the employees named,
    /// for the periods concerned, are enough).
    pub ledger: &'a Ledger,
    /// What the worker has in Nmbrs per bucket (value last written, own component ids);
    /// absent = nothing.
    pub applied: &'a BTreeMap<BucketKey, Applied>,
    /// What the Nmbrs edge can do to an owned line (update in place or only delete and insert).
    pub edge: WriteMode,
    /// After a switch to REST: the periods where SOAP-era buckets of an employee the relink
    /// could not recognise are in doubt, and the employees it did recognise.
    pub unrelinked: &'a Unrelinked,
}

/// What the SOAP→REST relink left unrecognised (CONTRACT §5.4 "what it cannot relink is
/// reported `export.in_doubt` and never written blindly"). A SOAP-made component of an employee
/// the relink could not recognise still counts in Nmbrs; any REST employee without a SOAP twin
/// may be that employee, so in those periods their entries are held (`in_doubt`) until a person
/// has resolved the SOAP-era buckets (`in-doubt list` / `in-doubt resolve`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unrelinked {
    /// Periods with SOAP-keyed buckets of an employee the relink could not recognise.
    pub periods: BTreeSet<PayPeriod>,
    /// REST employees the relink linked to a SOAP-era employee.
    pub linked: BTreeSet<EmployeeId>,
    /// (REST employee, period) where the employee's SOAP twin still has SOAP-keyed buckets (a
    /// closed period the relink left as history, or a company it could not link): its
    /// SOAP-made components are there, so a REST write beside them could double an hour.
    pub twins: BTreeSet<(EmployeeId, PayPeriod)>,
    /// Entries whose earlier contributions are still keyed by SOAP ids (their buckets were
    /// left as they were).
    pub entries: BTreeSet<EntryId>,
}

impl Unrelinked {
    /// Whether an entry of `employee` in `period` must wait: a REST employee without a SOAP twin,
    /// in a period where an unrecognised employee's SOAP-made components are in doubt.
    pub fn holds(&self, period: PayPeriod, employee: EmployeeId) -> bool {
        let maybe_unrecognised =
            self.periods.contains(&period) && employee.0.rest().is_some() && !self.linked.contains(&employee);
        maybe_unrecognised || self.twins.contains(&(employee, period))
    }
}

/// One touched bucket and its write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketPlan {
    pub key: BucketKey,
    /// The new total from the ledger (`0` when emptied).
    pub value: Decimal,
    /// What the worker had in Nmbrs before.
    pub applied: Applied,
    pub action: Action,
    /// The bucket lies in a closed period the export allows: every insert, update and
    /// `DaysVar_Set` carries `UnprotectedMode=true`.
    pub unprotected: bool,
    /// Why the write was held back, when it was ([`Plan::mark_in_doubt`], [`Plan::mark_refused`],
    /// [`Plan::mark_unreadable`]); `None`: not held back.
    #[serde(default)]
    pub held: Option<HeldBack>,
}

/// Why a bucket's write was held back (one reason: the first that stopped it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeldBack {
    /// The write may or may not have landed.
    InDoubt,
    /// Nmbrs refused the write; the bucket was not written.
    Refused,
    /// A line of the period that may be of the bucket's code could not be read; the bucket was
    /// not written.
    Unreadable,
}

impl HeldBack {
    /// The `buckets[].action` of `hours.exported` for a bucket held back.
    pub fn label(self) -> &'static str {
        match self {
            HeldBack::InDoubt => "in_doubt",
            HeldBack::Refused => "refused",
            HeldBack::Unreadable => "unreadable",
        }
    }
}

impl BucketPlan {
    /// The `buckets[].action` of `hours.exported`.
    pub fn label(&self) -> &'static str {
        match self.held {
            Some(held) => held.label(),
            None => self.action.label(&self.applied),
        }
    }

    /// A new bucket plan, not held back.
    pub fn new(key: BucketKey, value: Decimal, applied: Applied, action: Action, unprotected: bool) -> Self {
        BucketPlan { key, value, applied, action, unprotected, held: None }
    }

    /// One `buckets[]` item of `hours.exported`. `component_id` is the component the worker owns
    /// after the action (null for days, after a delete, and for a dry-run insert).
    pub fn report(&self, component_id: Option<ComponentLineId>) -> Value {
        let id = match (self.key.component, &self.action) {
            _ if self.held.is_some() => None,
            (Component::Days, _) | (_, Action::Delete { .. }) => None,
            _ => component_id.map(|c| c.0),
        };
        let value = if self.value.is_zero() { Decimal::ZERO } else { self.value };
        json!({"nmbrs_company_id": self.key.company.0, "nmbrs_employee_id": self.key.employee.0,
               "component": self.key.component.label(), "code": self.key.component.code(),
               "value": value.to_string(), "nmbrs_component_id": id, "action": self.label()})
    }
}

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

/// The running state of [`plan`].
struct Planner<'a> {
    input: &'a PlanInput<'a>,
    skipped: Vec<Skip>,
    notifications: Vec<Notification>,
    updates: BTreeMap<EntryId, EntryUpdate>,
    unidentified: BTreeSet<(CompanyId, EmployeeId)>,
    /// [`note_key`] of every notification so far: the dedupe stays linear.
    noted: HashSet<String>,
}

/// What makes two notifications the same, as one hashable string.
fn note_key(n: &Notification) -> String {
    format!("{}\u{1f}{}\u{1f}{}", n.code, n.message, n.params)
}

impl Planner<'_> {
    fn skip(&mut self, entry: &EntryId, component: Option<&ComponentName>, reason: SkipReason) {
        self.skipped.push(Skip { entry_id: entry.clone(), component: component.cloned(), reason });
    }

    fn notify(&mut self, n: Notification) {
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
    fn withdraw(&mut self, id: &EntryId, reason: SkipReason) {
        match self.earlier_blocked(self.input.ledger.contributions(id)) {
            Some(frozen) => self.skip(id, None, frozen),
            None => {
                self.skip(id, None, reason);
                self.updates.insert(id.clone(), EntryUpdate::Withdraw);
            }
        }
    }

    /// Plans an approved entry; true when at least one contribution exports.
    fn send(&mut self, entry: &Entry) -> bool {
        let (input, id) = (self.input, &entry.entry_id);
        let requested = |k: Kind| input.payload.requests(k);
        let keep_kinds: BTreeSet<Kind> = Kind::ALL.into_iter().filter(|&k| !requested(k)).collect();
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

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
