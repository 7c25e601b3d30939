//! Which write turns a bucket's current state in Nmbrs into the wanted value.
//!
//! The worker only ever deletes components it created itself, and writes nothing for a bucket
//! whose value did not change. A bucket whose value is zero holds no worker component (days:
//! `DaysVar_Set` 0).
//!
//! **In place** (an edge that can update a line, REST `PUT`; CONTRACT §5.3, [`WriteMode::InPlace`]):
//! a changed bucket whose worker-owned line exists is updated ([`Action::Update`]: one write,
//! safe to repeat) instead of deleted and inserted again; with several owned lines the first is
//! updated and the others dropped. A bucket dropping to zero is deleted, except in a closed
//! period the export may write (REST `DELETE` has no `unprotectedMode`): there its line is set
//! to 0 and stays the worker's, and other owned lines are set to 0 and let go. Only a bucket's
//! first insert stays a non-idempotent call.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use super::contributions::Component;

/// Id of an hour or wage component line the worker created (`HourComponentVar_Insert` /
/// `WageComponentVar_Insert`); which of the two follows from the bucket's [`Component`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ComponentLineId(pub crate::domain::nmbrs_id::NmbrsId);

impl ComponentLineId {
    /// The line of SOAP integer id `id`.
    pub const fn int(id: i32) -> Self {
        ComponentLineId(crate::domain::nmbrs_id::NmbrsId::Int(id))
    }
}

/// What the worker has in Nmbrs for a bucket now, from its ledger tables.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    /// The value last written (0 when nothing was).
    pub value: Decimal,
    /// The components the worker created and owns for this bucket (empty for days).
    pub ids: Vec<ComponentLineId>,
    /// The owned line no longer carries the worker's marker (a person stripped the comment,
    /// `super::proof`): an edge that updates in place puts it back, even at the same value.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unmarked: bool,
}

/// What the Nmbrs edge can do to a line the worker owns (a capability the edge reports,
/// `nmbrs::EmployeeService::component_updates`; the plan never asks which API it talks to).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum WriteMode {
    /// Delete and insert only (SOAP): a changed bucket is replaced.
    #[default]
    InsertDelete,
    /// Also update a line in place, repeat-safe (REST `PUT`).
    InPlace,
}

/// Where a bucket is written: by which edge, and whether into a closed period the export may
/// write (`unprotected`, every write with `UnprotectedMode=true`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Writing {
    pub edge: WriteMode,
    pub unprotected: bool,
}

/// The write a bucket needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// Nothing to write.
    Unchanged,
    /// Insert one component with `value`; the worker owns none yet.
    Insert { value: Decimal },
    /// Delete the worker's own components `delete`, then insert one with `value`.
    Replace { delete: Vec<ComponentLineId>, value: Decimal },
    /// The value is zero: delete the worker's own components.
    Delete { ids: Vec<ComponentLineId> },
    /// Set the worker's own line `id` to `value` in place ([`WriteMode::InPlace`]), then drop the
    /// other owned lines `drop` (deleted; set to 0 and let go in a closed period). `value` is 0
    /// only in a closed period the export may write.
    Update { id: ComponentLineId, value: Decimal, drop: Vec<ComponentLineId> },
    /// `DaysVar_Set` to `days` (0 when no worked date is left).
    SetDays { days: u32 },
}

/// The action for a bucket whose ledger value is `wanted`, given what the worker has applied
/// and where it writes (module doc for the in-place rules).
pub fn decide(component: Component, wanted: Decimal, applied: &Applied, writing: Writing) -> Action {
    if component == Component::Days {
        return if wanted == applied.value {
            Action::Unchanged
        } else {
            Action::SetDays { days: wanted.to_u32().unwrap_or(0) }
        };
    }
    let in_place = writing.edge == WriteMode::InPlace;
    let update = |first: &ComponentLineId, rest: &[ComponentLineId]| Action::Update {
        id: *first,
        value: wanted,
        drop: rest.to_vec(),
    };
    match (wanted.is_zero(), applied.ids.as_slice()) {
        (true, []) => Action::Unchanged,
        (true, [_]) if in_place && writing.unprotected && applied.value.is_zero() => Action::Unchanged,
        (true, [first, rest @ ..]) if in_place && writing.unprotected => update(first, rest),
        (true, ids) => Action::Delete { ids: ids.to_vec() },
        (false, []) => Action::Insert { value: wanted },
        (false, [_]) if applied.value == wanted && !(in_place && applied.unmarked) => Action::Unchanged,
        (false, [first, rest @ ..]) if in_place => update(first, rest),
        (false, ids) => Action::Replace { delete: ids.to_vec(), value: wanted },
    }
}

impl Action {
    /// Whether the action makes a write call.
    pub fn writes(&self) -> bool {
        *self != Action::Unchanged
    }

    /// The `buckets[].action` of `hours.exported` (`insert|replace|delete|unchanged`); days set
    /// from nothing is `insert`, to another value `replace`, to 0 `delete`; an update in place
    /// is `replace`, to 0 (a closed period) `delete`.
    pub fn label(&self, applied: &Applied) -> &'static str {
        match self {
            Action::Unchanged => "unchanged",
            Action::Insert { .. } => "insert",
            Action::Replace { .. } => "replace",
            Action::Update { value, .. } if value.is_zero() => "delete",
            Action::Update { .. } => "replace",
            Action::Delete { .. } | Action::SetDays { days: 0 } => "delete",
            Action::SetDays { .. } if applied.value.is_zero() => "insert",
            Action::SetDays { .. } => "replace",
        }
    }
}

#[cfg(test)]
#[path = "actions_tests.rs"]
mod tests;
