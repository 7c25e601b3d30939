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
mod tests {
    use super::*;
    use crate::domain::export::testkit::d;
    use crate::domain::nmbrs::{HourCode, WageCode};

    const HOURS: Component = Component::Hours(HourCode(1));
    const WAGE: Component = Component::Wage(WageCode(400));
    const SOAP: Writing = Writing { edge: WriteMode::InsertDelete, unprotected: false };
    const REST: Writing = Writing { edge: WriteMode::InPlace, unprotected: false };
    const REST_CLOSED: Writing = Writing { edge: WriteMode::InPlace, unprotected: true };

    fn applied(value: &str, ids: &[i32]) -> Applied {
        Applied {
            value: d(value),
            ids: ids.iter().map(|&i| ComponentLineId(crate::domain::nmbrs_id::NmbrsId::Int(i))).collect(),
            unmarked: false,
        }
    }

    #[test]
    fn a_new_bucket_is_inserted() {
        let a = Applied::default();
        assert_eq!(decide(HOURS, d("7.50"), &a, SOAP), Action::Insert { value: d("7.50") });
        assert_eq!(decide(HOURS, d("7.50"), &a, SOAP).label(&a), "insert");
    }

    #[test]
    fn an_unchanged_bucket_makes_no_write_call() {
        let a = applied("7.50", &[11]);
        assert_eq!(decide(WAGE, d("7.5"), &a, SOAP), Action::Unchanged);
        assert!(!decide(WAGE, d("7.5"), &a, SOAP).writes());
        assert_eq!(decide(HOURS, d("0"), &Applied::default(), SOAP), Action::Unchanged);
    }

    #[test]
    fn a_changed_bucket_replaces_only_the_workers_own_components() {
        let a = applied("7.50", &[11]);
        let action = decide(HOURS, d("9"), &a, SOAP);
        assert_eq!(action, Action::Replace { delete: vec![ComponentLineId::int(11)], value: d("9") });
        assert_eq!(action.label(&a), "replace");
    }

    #[test]
    fn several_owned_components_are_merged_into_one_even_at_the_same_value() {
        let a = applied("7.50", &[11, 12]);
        let ids = vec![ComponentLineId::int(11), ComponentLineId::int(12)];
        assert_eq!(decide(HOURS, d("7.50"), &a, SOAP), Action::Replace { delete: ids, value: d("7.50") });
    }

    #[test]
    fn a_bucket_dropping_to_zero_deletes_its_components() {
        let a = applied("7.50", &[11]);
        let action = decide(WAGE, d("0.00"), &a, SOAP);
        assert_eq!(action, Action::Delete { ids: vec![ComponentLineId::int(11)] });
        assert_eq!(action.label(&a), "delete");
    }

    #[test]
    fn negative_totals_are_written_not_dropped() {
        assert_eq!(decide(WAGE, d("-3"), &Applied::default(), SOAP), Action::Insert { value: d("-3") });
    }

    #[test]
    fn days_are_set_and_set_to_zero_when_emptied() {
        let none = Applied::default();
        assert_eq!(decide(Component::Days, d("2"), &none, SOAP), Action::SetDays { days: 2 });
        assert_eq!(decide(Component::Days, d("2"), &none, SOAP).label(&none), "insert");
        let two = applied("2", &[]);
        assert_eq!(decide(Component::Days, d("2"), &two, SOAP), Action::Unchanged);
        assert_eq!(decide(Component::Days, d("3"), &two, SOAP).label(&two), "replace");
        let zero = decide(Component::Days, d("0"), &two, SOAP);
        assert_eq!(zero, Action::SetDays { days: 0 });
        assert_eq!(zero.label(&two), "delete");
        assert_eq!(decide(Component::Days, d("0"), &none, SOAP), Action::Unchanged);
    }

    #[test]
    fn in_place_a_changed_bucket_with_its_one_line_is_updated_not_replaced() {
        let a = applied("7.50", &[11]);
        let action = decide(HOURS, d("9"), &a, REST);
        assert_eq!(action, Action::Update { id: ComponentLineId::int(11), value: d("9"), drop: vec![] });
        assert_eq!(action.label(&a), "replace");
        assert_eq!(decide(HOURS, d("7.5"), &a, REST), Action::Unchanged, "an unchanged bucket writes nothing");
        assert_eq!(decide(HOURS, d("9"), &a, REST_CLOSED), decide(HOURS, d("9"), &a, REST), "closed or not");
    }

    #[test]
    fn in_place_several_owned_lines_update_the_first_and_drop_the_rest_even_at_the_same_value() {
        let a = applied("7.50", &[11, 12, 13]);
        let drop = vec![ComponentLineId::int(12), ComponentLineId::int(13)];
        let update = |value: &str| Action::Update { id: ComponentLineId::int(11), value: d(value), drop: drop.clone() };
        assert_eq!(decide(WAGE, d("9"), &a, REST), update("9"));
        assert_eq!(decide(WAGE, d("7.50"), &a, REST), update("7.50"));
    }

    #[test]
    fn in_place_a_new_bucket_is_still_inserted_and_an_emptied_one_deleted() {
        assert_eq!(decide(HOURS, d("2"), &Applied::default(), REST), Action::Insert { value: d("2") });
        let a = applied("7.50", &[11, 12]);
        let ids = vec![ComponentLineId::int(11), ComponentLineId::int(12)];
        assert_eq!(decide(HOURS, d("0"), &a, REST), Action::Delete { ids });
        assert_eq!(decide(HOURS, d("0"), &Applied::default(), REST_CLOSED), Action::Unchanged);
    }

    #[test]
    fn in_a_closed_period_an_emptied_bucket_is_updated_to_zero_because_rest_delete_is_always_protected() {
        let a = applied("7.50", &[11, 12]);
        let action = decide(HOURS, d("0"), &a, REST_CLOSED);
        let zero = Action::Update { id: ComponentLineId::int(11), value: d("0"), drop: vec![ComponentLineId::int(12)] };
        assert_eq!(action, zero);
        assert_eq!(action.label(&a), "delete");
        // Once set to 0 the line stays the worker's and nothing more is written.
        let emptied = applied("0", &[11]);
        assert_eq!(decide(HOURS, d("0"), &emptied, REST_CLOSED), Action::Unchanged);
        // A later export fills it again in place.
        let refill = Action::Update { id: ComponentLineId::int(11), value: d("3"), drop: vec![] };
        assert_eq!(decide(HOURS, d("3"), &emptied, REST_CLOSED), refill);
        // SOAP keeps deleting (its delete is allowed in a closed period with the export's right).
        let soap = Writing { unprotected: true, ..SOAP };
        assert_eq!(decide(HOURS, d("0"), &a, soap), Action::Delete { ids: a.ids.clone() });
    }

    #[test]
    fn days_are_set_whatever_the_edge() {
        let two = applied("2", &[]);
        assert_eq!(decide(Component::Days, d("3"), &two, REST_CLOSED), Action::SetDays { days: 3 });
        assert_eq!(decide(Component::Days, d("0"), &two, REST_CLOSED), Action::SetDays { days: 0 });
    }
}
