//! The tests of `actions.rs`, in a file of their own: they use `testkit` and sibling modules that
//! import `actions`, so written inside `actions.rs` they made an import circle (issue 17).

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
