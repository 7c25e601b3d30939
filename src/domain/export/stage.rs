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
//! | `settled`, `to_write` | Nmbrs found holding other than the row says (`export.after_drift`, issue 18) | `to_write` |
//!
//! The database holds the same set of stages in a CHECK (migration `20261129000010`).
//!
//! **One table** (issue 18): each row above is a [`Move`]; [`Move::from`] names the stages it
//! may follow and [`Move::to`] the stage it leaves, and [`BucketState::after`] is the whole
//! move on a state in memory. The store's guarded statements (`store::export_buckets::record`)
//! take their `stage IN (…)` guard and their new stage from the same table, so the row in
//! PostgreSQL and the copy the export carries in memory can never move differently.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::actions::{Action, Applied, ComponentLineId, WriteMode, Writing, decide};
use super::contributions::BucketKey;
use super::marker::{InsertMarker, MarkedIntent};
use crate::domain::nmbrs::model::CompanyId;

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
    /// The marker in the comment of the line the worker owns, when it owns one line whose
    /// insert carried a marker (`export_buckets.owned_marker`).
    pub owned_marker: Option<InsertMarker>,
}

/// What a person found in Nmbrs about a bucket in doubt (`nmbrs-worker in-doubt resolve`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// The insert landed as this component: the worker owns it from now on.
    LandedAs(ComponentLineId),
    /// The insert did not land (or the person deleted it): the next export inserts.
    NotLanded,
}

/// One step of a bucket's write, a row of the table in the module doc. Each is a recovery
/// point: the store records it in one guarded statement, the export applies it to its copy in
/// memory with [`BucketState::after`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Move {
    /// The plan records a write of the bucket, in the export's protection mode.
    Planned { unprotected: bool },
    /// The worker's own components are deleted (an unknown id counts as deleted); their marker
    /// and any kept intent go with them.
    Deleted,
    /// An insert of `value` carrying `marker` is about to be sent; `foreign`: the lines of the
    /// bucket's code already in the period (`None`: not read, or could not be).
    Intent { value: Decimal, foreign: Option<Vec<ComponentLineId>>, marker: InsertMarker },
    /// The insert answered with `id`: the worker owns it, holding `value` more.
    Inserted { id: ComponentLineId, value: Decimal },
    /// A read-back found the pending insert as line `id`.
    Adopted { id: ComponentLineId },
    /// A read-back found no trace of the pending insert; its intent and marker stay for the retry.
    NotLanded,
    /// The bucket holds `value` and nothing is pending (days set, or nothing to write).
    Applied { value: Decimal },
    /// The owned line `id` was updated in place to `value` with the owned marker in its comment,
    /// the other owned lines dropped.
    Updated { id: ComponentLineId, value: Decimal },
    /// The pending insert can be neither confirmed nor ruled out.
    InDoubt,
    /// A person's word on a bucket in doubt.
    Resolved(Resolution),
    /// Nmbrs was read and holds, of the worker's, `held` (its lines and their total), not what
    /// the row says: the row takes what Nmbrs holds and the bucket is written again
    /// (`domain::export::proof`, issue 18).
    Drifted { held: Applied },
}

/// A move that may not follow the bucket's state: a bug, or a row changed by another process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MoveRefused {
    pub step: &'static str,
    pub stage: Stage,
}

impl Move {
    /// The stages this move may follow.
    pub fn from(&self) -> &'static [Stage] {
        use Stage::*;
        match self {
            Move::Planned { .. } => &Stage::ALL,
            Move::Deleted | Move::Updated { .. } | Move::Drifted { .. } => &[Settled, ToWrite],
            Move::Intent { .. } | Move::Applied { .. } => &[Settled, ToWrite, Cleared],
            Move::Inserted { .. } => &[InsertSent],
            Move::Adopted { .. } | Move::NotLanded | Move::InDoubt => &[InsertSent, InDoubt],
            Move::Resolved(_) => &[InDoubt],
        }
    }

    /// The stage the move leaves from `stage` (one of [`Move::from`]).
    pub fn to(&self, stage: Stage) -> Stage {
        match self {
            Move::Planned { .. } if stage == Stage::Settled => Stage::ToWrite,
            Move::Planned { .. } => stage,
            Move::Deleted => Stage::Cleared,
            Move::Intent { .. } => Stage::InsertSent,
            Move::Inserted { .. } | Move::Applied { .. } | Move::Updated { .. } => Stage::Settled,
            Move::Adopted { .. } | Move::NotLanded | Move::Resolved(_) | Move::Drifted { .. } => Stage::ToWrite,
            Move::InDoubt => Stage::InDoubt,
        }
    }

    /// The move's name, for errors and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Move::Planned { .. } => "planned",
            Move::Deleted => "deleted",
            Move::Intent { .. } => "intent",
            Move::Inserted { .. } => "inserted",
            Move::Adopted { .. } => "adopted",
            Move::NotLanded => "not_landed",
            Move::Applied { .. } => "applied",
            Move::Updated { .. } => "updated",
            Move::InDoubt => "in_doubt",
            Move::Resolved(_) => "resolved",
            Move::Drifted { .. } => "drifted",
        }
    }

    /// The guard of the move's statement: `stage IN ('…', …)` of [`Move::from`].
    pub fn guard(&self) -> String {
        let names: Vec<String> = self.from().iter().map(|s| format!("'{}'", s.as_str())).collect();
        format!("stage IN ({})", names.join(", "))
    }
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

    /// The plan recorded a write of this bucket ([`Move::Planned`]; `store::export_ledger::record_plan`
    /// does the same to the row): a settled bucket becomes [`Stage::ToWrite`], one whose write is
    /// under way keeps its stage; the protection mode is the plan's.
    pub fn ledger_changed(&mut self, unprotected: bool) {
        *self = self.after(&Move::Planned { unprotected }).expect("a plan may follow every stage");
    }

    /// The state after `step` (the table in the module doc), or why the step may not follow
    /// this state: a stage it may not follow, an insert intent while the worker still owns a
    /// line, an update of a line the worker does not own.
    pub fn after(&self, step: &Move) -> Result<BucketState, MoveRefused> {
        let refused = MoveRefused { step: step.name(), stage: self.stage };
        if !step.from().contains(&self.stage) {
            return Err(refused);
        }
        let mut s = self.clone();
        s.stage = step.to(self.stage);
        let landed = |s: &mut BucketState, id: ComponentLineId, value: Decimal| {
            s.applied.ids.push(id);
            s.applied.value += value;
            (s.pending, s.foreign) = (None, None);
            s.owned_marker = s.intent.take().map(|i| i.marker);
        };
        match step {
            Move::Planned { unprotected } => s.unprotected = *unprotected,
            Move::Deleted => (s.applied, s.owned_marker, s.intent) = (Applied::default(), None, None),
            Move::Intent { value, foreign, marker } => {
                if !s.applied.ids.is_empty() {
                    return Err(refused);
                }
                (s.pending, s.foreign) = (Some(*value), foreign.clone());
                s.intent = Some(MarkedIntent { marker: marker.clone(), value: *value });
            }
            Move::Inserted { id, value } => landed(&mut s, *id, *value),
            Move::Adopted { id } | Move::Resolved(Resolution::LandedAs(id)) => {
                let pending = s.pending.unwrap_or_default();
                landed(&mut s, *id, pending);
            }
            Move::NotLanded | Move::Resolved(Resolution::NotLanded) => (s.pending, s.foreign) = (None, None),
            Move::Applied { value } => (s.applied.value, s.intent) = (*value, None),
            Move::Updated { id, value } => {
                if !s.applied.ids.contains(id) {
                    return Err(refused);
                }
                (s.applied, s.intent) = (Applied { value: *value, ids: vec![*id], unmarked: false }, None);
            }
            Move::InDoubt => {}
            Move::Drifted { held } => {
                if held.ids.is_empty() {
                    s.owned_marker = None;
                }
                (s.applied, s.intent) = (held.clone(), None);
            }
        }
        Ok(s)
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
#[path = "stage_tests.rs"]
mod tests;
