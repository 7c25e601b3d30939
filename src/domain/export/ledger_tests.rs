//! The tests of `ledger.rs`, in a file of their own: they use `testkit` and sibling modules that
//! import `ledger`, so written inside `ledger.rs` they made an import circle (issue 17).

use super::*;
use crate::domain::export::testkit::{contribution, d, days_contribution};

fn replace(contributions: Vec<Contribution>) -> EntryUpdate {
    EntryUpdate::Replace { contributions, keep: Keep::default() }
}

fn values(l: &Ledger) -> Vec<String> {
    l.bucket_values().iter().map(|(k, v)| format!("{}:{v}", k.component.code().unwrap_or(0))).collect()
}

#[test]
fn buckets_sum_the_contributions_of_all_entries() {
    let mut l = Ledger::new();
    let (a, b) = (EntryId::from("a"), EntryId::from("b"));
    let (ua, ub) = (replace(vec![contribution("a", 1, "7.50")]), replace(vec![contribution("b", 1, "2.25")]));
    l.apply([(&a, &ua), (&b, &ub)]);
    assert_eq!(values(&l), ["1:9.75"]);
}

#[test]
fn sending_an_entry_again_replaces_its_contribution() {
    let mut l = Ledger::new();
    let a = EntryId::from("a");
    l.apply([(&a, &replace(vec![contribution("a", 1, "7.50")]))]);
    l.apply([(&a, &replace(vec![contribution("a", 1, "6")]))]);
    assert_eq!(values(&l), ["1:6"]);
    // Moved to another code: the old bucket is left with nothing.
    l.apply([(&a, &replace(vec![contribution("a", 2, "6")]))]);
    assert_eq!(values(&l), ["2:6"]);
}

#[test]
fn withdrawing_removes_every_contribution_of_the_entry() {
    let mut l = Ledger::new();
    let (a, b) = (EntryId::from("a"), EntryId::from("b"));
    l.apply([(&a, &replace(vec![contribution("a", 1, "7.50")])), (&b, &replace(vec![contribution("b", 1, "1")]))]);
    l.apply([(&a, &EntryUpdate::Withdraw)]);
    assert_eq!(values(&l), ["1:1"]);
    assert!(l.contributions(&a).is_empty());
    // Withdrawing again, or an entry never seen, changes nothing.
    let before = l.clone();
    l.apply([(&a, &EntryUpdate::Withdraw), (&EntryId::from("zz"), &EntryUpdate::Withdraw)]);
    assert_eq!(l, before);
}

#[test]
fn days_count_distinct_dates_also_across_entries_and_exports() {
    let mut l = Ledger::new();
    let ids: Vec<EntryId> = ["a", "b", "c"].map(EntryId::from).to_vec();
    l.apply([(&ids[0], &replace(vec![days_contribution("a", "2026-11-03")]))]);
    // A second shift on the same date, in a later export: still one day.
    l.apply([(&ids[1], &replace(vec![days_contribution("b", "2026-11-03")]))]);
    let key = days_contribution("a", "2026-11-03").bucket;
    assert_eq!(l.bucket_value(&key), d("1"));
    l.apply([(&ids[2], &replace(vec![days_contribution("c", "2026-11-04")]))]);
    assert_eq!(l.bucket_value(&key), d("2"));
    // Withdrawing one of the two shifts of the 3rd keeps that day.
    l.apply([(&ids[0], &EntryUpdate::Withdraw)]);
    assert_eq!(l.bucket_value(&key), d("2"));
    l.apply([(&ids[1], &EntryUpdate::Withdraw)]);
    assert_eq!(l.bucket_value(&key), d("1"));
}

#[test]
fn kept_kinds_and_components_survive_a_replacement() {
    let mut l = Ledger::new();
    let a = EntryId::from("a");
    let mut meals = contribution("a", 400, "1");
    meals.component = ComponentName::Meals;
    let mut travel = contribution("a", 410, "12.40");
    travel.component = ComponentName::Allowance("travel".into());
    l.apply([(&a, &replace(vec![contribution("a", 1, "7.50"), meals.clone(), travel.clone()]))]);
    let keep =
        Keep { kinds: BTreeSet::from([ExportKind::Meals]), components: BTreeSet::from([travel.component.clone()]) };
    l.apply([(&a, &EntryUpdate::Replace { contributions: vec![contribution("a", 1, "8")], keep })]);
    assert_eq!(values(&l), ["1:8", "400:1", "410:12.40"]);
}

#[test]
fn a_ledger_rebuilt_from_its_contributions_is_the_same() {
    let mut l = Ledger::new();
    let (a, b) = (EntryId::from("a"), EntryId::from("b"));
    let ua = replace(vec![contribution("a", 1, "7.50"), days_contribution("a", "2026-11-03")]);
    l.apply([(&a, &ua), (&b, &replace(vec![contribution("b", 2, "1")]))]);
    let mut rows: Vec<Contribution> = l.iter().cloned().collect();
    rows.reverse();
    assert_eq!(rows.into_iter().collect::<Ledger>(), l);
}

#[test]
fn a_bucket_emptied_by_its_entries_has_no_value() {
    let mut l = Ledger::new();
    let a = EntryId::from("a");
    l.apply([(&a, &replace(vec![contribution("a", 1, "7.50")]))]);
    let key = contribution("a", 1, "0").bucket;
    l.apply([(&a, &replace(vec![]))]);
    assert_eq!(l.bucket_value(&key), Decimal::ZERO);
    assert!(l.bucket_values().is_empty());
}

#[test]
fn summing_two_28_digit_values_does_not_panic() {
    let huge = "79228162514264337593543950335"; // Decimal::MAX
    let ledger: Ledger = [contribution("a", 1, huge), contribution("b", 1, huge)].into_iter().collect();
    assert_eq!(values(&ledger), [format!("1:{}", Decimal::MAX)]);
}
