//! Which write turns a bucket's current state in Nmbrs into the wanted value.
//!
//! The worker only ever deletes components it created itself, and writes nothing for a bucket
//! whose value did not change. A bucket whose value is zero holds no worker component (days:
//! `DaysVar_Set` 0).

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
    /// `DaysVar_Set` to `days` (0 when no worked date is left).
    SetDays { days: u32 },
}

/// The action for a bucket whose ledger value is `wanted`, given what the worker has applied.
pub fn decide(component: Component, wanted: Decimal, applied: &Applied) -> Action {
    if component == Component::Days {
        return if wanted == applied.value {
            Action::Unchanged
        } else {
            Action::SetDays { days: wanted.to_u32().unwrap_or(0) }
        };
    }
    match (wanted.is_zero(), applied.ids.as_slice()) {
        (true, []) => Action::Unchanged,
        (true, ids) => Action::Delete { ids: ids.to_vec() },
        (false, []) => Action::Insert { value: wanted },
        (false, [_]) if applied.value == wanted => Action::Unchanged,
        (false, ids) => Action::Replace { delete: ids.to_vec(), value: wanted },
    }
}

impl Action {
    /// Whether the action makes a write call.
    pub fn writes(&self) -> bool {
        *self != Action::Unchanged
    }

    /// The `buckets[].action` of `hours.exported` (`insert|replace|delete|unchanged`); days set
    /// from nothing is `insert`, to another value `replace`, to 0 `delete`.
    pub fn label(&self, applied: &Applied) -> &'static str {
        match self {
            Action::Unchanged => "unchanged",
            Action::Insert { .. } => "insert",
            Action::Replace { .. } => "replace",
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
    use crate::nmbrs::{HourCode, WageCode};

    const HOURS: Component = Component::Hours(HourCode(1));
    const WAGE: Component = Component::Wage(WageCode(400));

    fn applied(value: &str, ids: &[i32]) -> Applied {
        Applied {
            value: d(value),
            ids: ids.iter().map(|&i| ComponentLineId(crate::domain::nmbrs_id::NmbrsId::Int(i))).collect(),
        }
    }

    #[test]
    fn a_new_bucket_is_inserted() {
        let a = Applied::default();
        assert_eq!(decide(HOURS, d("7.50"), &a), Action::Insert { value: d("7.50") });
        assert_eq!(decide(HOURS, d("7.50"), &a).label(&a), "insert");
    }

    #[test]
    fn an_unchanged_bucket_makes_no_write_call() {
        let a = applied("7.50", &[11]);
        assert_eq!(decide(WAGE, d("7.5"), &a), Action::Unchanged);
        assert!(!decide(WAGE, d("7.5"), &a).writes());
        assert_eq!(decide(HOURS, d("0"), &Applied::default()), Action::Unchanged);
    }

    #[test]
    fn a_changed_bucket_replaces_only_the_workers_own_components() {
        let a = applied("7.50", &[11]);
        let action = decide(HOURS, d("9"), &a);
        assert_eq!(action, Action::Replace { delete: vec![ComponentLineId::int(11)], value: d("9") });
        assert_eq!(action.label(&a), "replace");
    }

    #[test]
    fn several_owned_components_are_merged_into_one_even_at_the_same_value() {
        let a = applied("7.50", &[11, 12]);
        let ids = vec![ComponentLineId::int(11), ComponentLineId::int(12)];
        assert_eq!(decide(HOURS, d("7.50"), &a), Action::Replace { delete: ids, value: d("7.50") });
    }

    #[test]
    fn a_bucket_dropping_to_zero_deletes_its_components() {
        let a = applied("7.50", &[11]);
        let action = decide(WAGE, d("0.00"), &a);
        assert_eq!(action, Action::Delete { ids: vec![ComponentLineId::int(11)] });
        assert_eq!(action.label(&a), "delete");
    }

    #[test]
    fn negative_totals_are_written_not_dropped() {
        assert_eq!(decide(WAGE, d("-3"), &Applied::default()), Action::Insert { value: d("-3") });
    }

    #[test]
    fn days_are_set_and_set_to_zero_when_emptied() {
        let none = Applied::default();
        assert_eq!(decide(Component::Days, d("2"), &none), Action::SetDays { days: 2 });
        assert_eq!(decide(Component::Days, d("2"), &none).label(&none), "insert");
        let two = applied("2", &[]);
        assert_eq!(decide(Component::Days, d("2"), &two), Action::Unchanged);
        assert_eq!(decide(Component::Days, d("3"), &two).label(&two), "replace");
        let zero = decide(Component::Days, d("0"), &two);
        assert_eq!(zero, Action::SetDays { days: 0 });
        assert_eq!(zero.label(&two), "delete");
        assert_eq!(decide(Component::Days, d("0"), &none), Action::Unchanged);
    }
}
