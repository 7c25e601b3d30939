//! Where one bucket's write stands in Nmbrs, as one named stage (issue 12), and the rules
//! read from it: does the bucket need work, what is its next step, and which unsettled
//! buckets of earlier exports an export sweeps up.
//!
//! The stages are the recovery points of the crash-safe write order (DESIGN-NOTES "Nmbrs
//! insert calls are not idempotent"; rocket-rides-atomic names its recovery points the same
//! way). Every step of a bucket's write moves it from one stage to the next in one statement:
//!
//! | from | step (recovery point) | to |
//! | --- | --- | --- |
//! | `settled` | the plan records a write of the bucket (`export.after_plan`) | `to_write` |
//! | `settled`, `to_write` | own components deleted (`export.after_delete`) | `cleared` |
//! | `settled`, `to_write` | own line updated in place, the others dropped (`export.after_update`) | `settled` |
//! | `settled`, `to_write`, `cleared` | insert intent recorded (`export.after_intent`) | `insert_sent` |
//! | `insert_sent` | insert answered with its id (`export.after_insert`) | `settled` |
//! | `settled`, `to_write`, `cleared` | `DaysVar_Set` (`export.after_days`), or nothing to write | `settled` |
//! | `insert_sent`, `in_doubt` | read back: adopted, or not landed | `to_write` |
//! | `insert_sent`, `in_doubt` | read back impossible or ambiguous | `in_doubt` |
//! | `in_doubt` | a person's word (`nmbrs-worker in-doubt resolve`) | `to_write` |
//!
//! The database holds the same set of stages in a CHECK (migration `20261129000010`).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::actions::{Action, Applied, ComponentLineId, WriteMode, Writing, decide};
use super::contributions::BucketKey;
use super::marker::MarkedIntent;
use crate::nmbrs::CompanyId;

/// Where a bucket's write stands (`export_buckets.stage`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Nmbrs holds what the row says the worker applied; nothing is under way.
    #[default]
    Settled,
    /// The ledger changed (or a lost insert was just resolved): Nmbrs may not follow yet. The
    /// worker's own components of the row may still be in Nmbrs.
    ToWrite,
    /// The worker's own components are deleted (`owned_ids` empty, value 0): the insert of the
    /// new total comes next. Recovery point `export.after_delete`.
    Cleared,
    /// An insert of `pending_value` was about to be sent or was sent, and its id is not
    /// recorded: it may have landed. Recovery point `export.after_intent`.
    InsertSent,
    /// The insert of `pending_value` can be neither confirmed nor ruled out: no write until a
    /// read-back or a person resolves it (`nmbrs-worker in-doubt resolve`).
    InDoubt,
}

impl Stage {
    /// Every stage, in the order of the write.
    pub const ALL: [Stage; 5] = [Stage::Settled, Stage::ToWrite, Stage::Cleared, Stage::InsertSent, Stage::InDoubt];

    /// The stored name (`export_buckets.stage`).
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Settled => "settled",
            Stage::ToWrite => "to_write",
            Stage::Cleared => "cleared",
            Stage::InsertSent => "insert_sent",
            Stage::InDoubt => "in_doubt",
        }
    }

    /// The inverse of [`Stage::as_str`].
    pub fn parse(text: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// An insert may have landed and must be read back before anything else is written.
    pub fn insert_pending(self) -> bool {
        matches!(self, Stage::InsertSent | Stage::InDoubt)
    }
}

/// What the worker knows of one bucket in Nmbrs, from its `export_buckets` row (a bucket
/// without a row has nothing: the default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BucketState {
    pub stage: Stage,
    /// The value and ids of the worker's own components in Nmbrs.
    pub applied: Applied,
    /// With [`Stage::InsertSent`] (always) and [`Stage::InDoubt`] (when an insert is the
    /// doubt): the value of the insert that may have landed.
    pub pending: Option<Decimal>,
    /// With a pending insert: the lines of the bucket's code that were in the period before
    /// it (a person's, never the worker's insert). `None`: the period could not be read first,
    /// so a line of the same code and value may be a person's.
    pub foreign: Option<Vec<ComponentLineId>>,
    /// Writes go with `UnprotectedMode=true` (a closed period the export allowed).
    pub unprotected: bool,
    /// The last insert intent not known to have landed (pending, or judged not landed), with
    /// its marker ([`super::marker`]): a retry of it sends the same marker. `None`: no such
    /// intent, or one recorded before markers existed.
    pub intent: Option<MarkedIntent>,
}

/// The next step of a bucket's write when no insert is pending (a pending one is read back
/// first, see [`super::readback`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing to write: record the bucket settled.
    Settle,
    /// `DaysVar_Set` to `days`.
    SetDays { days: u32 },
    /// Delete the worker's own components (then the bucket is [`Stage::Cleared`]).
    DeleteOwn { ids: Vec<ComponentLineId> },
    /// Record the intent, then insert one component with `value`.
    Insert { value: Decimal },
    /// Update the worker's own line `id` to `value` in place, drop the other owned lines
    /// `drop`, then record the bucket settled with `id` alone. Every call is safe to repeat, so
    /// a crash before the record repeats them all ([`super::actions::Action::Update`]).
    Update { id: ComponentLineId, value: Decimal, drop: Vec<ComponentLineId> },
}

impl BucketState {
    /// The next step that brings the bucket to `wanted` (its ledger value now) through `edge`,
    /// once no insert is pending ([`Stage::insert_pending`]).
    pub fn next_step(&self, key: &BucketKey, wanted: Decimal, edge: WriteMode) -> Step {
        let writing = Writing { edge, unprotected: self.unprotected };
        match decide(key.component, wanted, &self.applied, writing) {
            Action::Unchanged => Step::Settle,
            Action::SetDays { days } => Step::SetDays { days },
            Action::Delete { ids } | Action::Replace { delete: ids, .. } => Step::DeleteOwn { ids },
            Action::Insert { value } => Step::Insert { value },
            Action::Update { id, value, drop } => Step::Update { id, value, drop },
        }
    }

    /// Whether an export must visit this bucket: it is not settled (an earlier write stopped
    /// half-way, a lost insert, the ledger changed), or its applied value differs from
    /// `wanted`. This is the one place the worker decides "does this bucket need a write".
    pub fn needs_work(&self, key: &BucketKey, wanted: Decimal, edge: WriteMode) -> bool {
        self.stage != Stage::Settled || self.next_step(key, wanted, edge) != Step::Settle
    }

    /// The plan recorded a write of this bucket (`store::export_ledger::record_plan` does the
    /// same to the row): a settled bucket becomes [`Stage::ToWrite`], one whose write is under
    /// way keeps its stage; the protection mode is the plan's.
    pub fn ledger_changed(&mut self, unprotected: bool) {
        if self.stage == Stage::Settled {
            self.stage = Stage::ToWrite;
        }
        self.unprotected = unprotected;
    }

    /// The one component the worker owns, when it owns exactly one.
    pub fn sole_component(&self) -> Option<ComponentLineId> {
        match self.applied.ids.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }
}

/// The sweep: which unsettled buckets left by earlier exports (`unsettled`, e.g. a job that
/// failed half-way for a missing write right, or a bucket in doubt) this export writes beside
/// its own plan (`planned`). Only buckets of companies still linked in `integration.venues`:
/// an unlinked company is no longer this integration's to write. Order kept; none twice.
pub fn swept<'a>(
    unsettled: impl IntoIterator<Item = &'a BucketKey>,
    planned: &std::collections::BTreeSet<BucketKey>,
    linked: &std::collections::BTreeSet<CompanyId>,
) -> Vec<BucketKey> {
    let mut seen = std::collections::BTreeSet::new();
    unsettled
        .into_iter()
        .filter(|k| !planned.contains(k) && linked.contains(&k.company) && seen.insert(**k))
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::domain::export::{
        contributions::Component,
        testkit::{COMPANY, EMPLOYEE, d},
    };
    use crate::nmbrs::{HourCode, PayPeriod};

    fn key(component: Component) -> BucketKey {
        BucketKey { company: COMPANY, employee: EMPLOYEE, period: PayPeriod::new(2026, 11), component }
    }

    const HOURS: Component = Component::Hours(HourCode(1));
    const SOAP: WriteMode = WriteMode::InsertDelete;

    fn state(stage: Stage, value: &str, ids: &[i32]) -> BucketState {
        let applied = Applied {
            value: d(value),
            ids: ids.iter().map(|&i| ComponentLineId(crate::domain::nmbrs_id::NmbrsId::Int(i))).collect(),
        };
        BucketState { stage, applied, ..Default::default() }
    }

    #[test]
    fn stage_names_round_trip_and_are_the_checked_ones() {
        for stage in Stage::ALL {
            assert_eq!(Stage::parse(stage.as_str()), Some(stage));
        }
        let names: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["settled", "to_write", "cleared", "insert_sent", "in_doubt"]);
        assert_eq!(Stage::parse("dirty"), None);
        let sql = include_str!("../../../migrations/20261129000010_export_bucket_stage.sql");
        let check = format!("stage IN ('{}')", names.join("', '"));
        assert!(sql.contains(&check), "the migration checks exactly these stages: {check}");
    }

    #[test]
    fn a_settled_bucket_at_its_value_needs_no_work() {
        let s = state(Stage::Settled, "7.50", &[11]);
        assert!(!s.needs_work(&key(HOURS), d("7.5"), SOAP));
        assert_eq!(s.next_step(&key(HOURS), d("7.5"), SOAP), Step::Settle);
        assert_eq!(s.sole_component(), Some(ComponentLineId::int(11)));
    }

    #[test]
    fn a_settled_bucket_whose_ledger_changed_needs_a_write() {
        let s = state(Stage::Settled, "7.50", &[11]);
        assert!(s.needs_work(&key(HOURS), d("9"), SOAP));
        assert_eq!(s.next_step(&key(HOURS), d("9"), SOAP), Step::DeleteOwn { ids: vec![ComponentLineId::int(11)] });
    }

    #[test]
    fn a_bucket_not_settled_is_visited_even_at_its_value() {
        for stage in [Stage::ToWrite, Stage::Cleared] {
            let s = state(stage, "0", &[]);
            assert!(s.needs_work(&key(HOURS), d("0"), SOAP), "{stage:?}");
            assert_eq!(s.next_step(&key(HOURS), d("0"), SOAP), Step::Settle, "recorded settled, no call");
        }
    }

    #[test]
    fn a_pending_insert_always_needs_work_its_read_back() {
        for stage in [Stage::InsertSent, Stage::InDoubt] {
            let s = BucketState { stage, pending: Some(d("7.50")), ..Default::default() };
            assert!(s.stage.insert_pending());
            assert!(s.needs_work(&key(HOURS), d("0"), SOAP), "{stage:?}");
        }
        assert!(!Stage::Cleared.insert_pending() && !Stage::ToWrite.insert_pending());
    }

    #[test]
    fn a_cleared_bucket_inserts_its_total_and_days_are_set() {
        let s = state(Stage::Cleared, "0", &[]);
        assert_eq!(s.next_step(&key(HOURS), d("9"), SOAP), Step::Insert { value: d("9") });
        let days = state(Stage::ToWrite, "1", &[]);
        assert_eq!(days.next_step(&key(Component::Days), d("2"), SOAP), Step::SetDays { days: 2 });
        assert_eq!(days.next_step(&key(Component::Days), d("1"), SOAP), Step::Settle);
    }

    #[test]
    fn a_recorded_write_makes_a_settled_bucket_to_write_and_keeps_a_write_under_way() {
        let mut s = state(Stage::Settled, "1", &[3]);
        s.ledger_changed(true);
        assert_eq!((s.stage, s.unprotected), (Stage::ToWrite, true));
        let mut sent = BucketState { stage: Stage::InsertSent, pending: Some(d("1")), ..Default::default() };
        sent.ledger_changed(false);
        assert_eq!(sent.stage, Stage::InsertSent);
    }

    #[test]
    fn the_sweep_takes_only_linked_companies_not_already_planned() {
        let planned_key = key(HOURS);
        let other = BucketKey { employee: crate::nmbrs::EmployeeId::int(1), ..planned_key };
        let unlinked = BucketKey { company: CompanyId::int(1), ..planned_key };
        let planned: BTreeSet<BucketKey> = [planned_key].into();
        let linked: BTreeSet<CompanyId> = [COMPANY].into();
        let unsettled = [planned_key, unlinked, other, other];
        assert_eq!(swept(&unsettled, &planned, &linked), [other]);
        assert!(swept(&unsettled, &planned, &BTreeSet::new()).is_empty(), "no venue left: nothing swept");
    }

    #[test]
    fn in_place_a_settled_bucket_whose_ledger_changed_is_updated_and_a_closed_one_emptied_to_zero() {
        let s = state(Stage::Settled, "7.50", &[11, 12]);
        let update = |value: &str| Step::Update {
            id: ComponentLineId::int(11),
            value: d(value),
            drop: vec![ComponentLineId::int(12)],
        };
        assert_eq!(s.next_step(&key(HOURS), d("9"), WriteMode::InPlace), update("9"));
        let ids = vec![ComponentLineId::int(11), ComponentLineId::int(12)];
        assert_eq!(s.next_step(&key(HOURS), d("0"), WriteMode::InPlace), Step::DeleteOwn { ids });
        let closed = BucketState { unprotected: true, ..s };
        assert_eq!(closed.next_step(&key(HOURS), d("0"), WriteMode::InPlace), update("0"));
        let emptied = BucketState { unprotected: true, ..state(Stage::Settled, "0", &[11]) };
        assert!(!emptied.needs_work(&key(HOURS), d("0"), WriteMode::InPlace), "a line kept at 0 needs nothing");
    }
}
