//! The tests of `contributions.rs`, in a file of their own: they use `testkit` and sibling modules that
//! import `contributions`, so written inside `contributions.rs` they made an import circle (issue 17).

use super::*;
use crate::domain::export::payload::Allowance;
use crate::domain::export::testkit::{d, entry, settings};

fn names(parts: &[Part]) -> Vec<String> {
    parts.iter().map(|p| format!("{}={}", p.component, p.amount)).collect()
}

#[test]
fn a_worked_entry_has_hours_a_day_meals_and_allowances_summed_per_type() {
    let mut e = entry("s1");
    e.meals = 2;
    e.allowances = vec![
        Allowance { kind: "travel".into(), amount: d("12.40") },
        Allowance { kind: "bonus".into(), amount: d("5") },
        Allowance { kind: "travel".into(), amount: d("0.60") },
    ];
    assert_eq!(
        names(&parts(&e)),
        ["worked_hours=7.50", "worked_days=1", "meals=2", "allowances.bonus=5", "allowances.travel=13.00"]
    );
}

#[test]
fn leave_and_sick_entries_have_only_their_hours() {
    let mut e = entry("l1");
    e.kind = EntryKind::Leave;
    e.meals = 1;
    e.allowances = vec![Allowance { kind: "travel".into(), amount: d("1") }];
    assert_eq!(names(&parts(&e)), ["leave=7.50"]);
    e.kind = EntryKind::Sick;
    assert_eq!(names(&parts(&e)), ["sick=7.50"]);
}

#[test]
fn zero_parts_are_left_out_but_a_worked_day_always_counts() {
    let mut e = entry("s1");
    e.hours = d("0");
    e.allowances = vec![Allowance { kind: "travel".into(), amount: d("0.00") }];
    assert_eq!(names(&parts(&e)), ["worked_days=1"]);
}

#[test]
fn worked_hours_of_a_fixed_contract_do_not_export_but_its_days_and_meals_do() {
    let mut e = entry("s1");
    e.contract_type = ContractType::Fixed;
    e.meals = 1;
    let all = |_| true;
    let reasons: Vec<_> = parts(&e).iter().map(|p| eitje_skip(&e, p, all)).collect();
    assert_eq!(reasons, [Some(SkipReason::FixedContract), None, None]);
    e.contract_type = ContractType::ZeroHours;
    assert!(parts(&e).iter().all(|p| eitje_skip(&e, p, all).is_none()));
}

#[test]
fn kinds_not_requested_are_skipped_before_the_contract_rule() {
    let mut e = entry("s1");
    e.contract_type = ContractType::Fixed;
    e.allowances = vec![Allowance { kind: "travel".into(), amount: d("1") }];
    let only_allowances = |k| k == ExportKind::Allowances;
    let reasons: Vec<_> = parts(&e).iter().map(|p| eitje_skip(&e, p, only_allowances)).collect();
    assert_eq!(reasons, [Some(SkipReason::KindNotRequested), Some(SkipReason::KindNotRequested), None]);
}

#[test]
fn codes_come_from_the_settings_and_days_need_none() {
    let s = settings();
    assert_eq!(target(&ComponentName::WorkedHours, &s), Some(Component::Hours(HourCode(1))));
    assert_eq!(target(&ComponentName::Leave, &s), Some(Component::Hours(HourCode(20))));
    assert_eq!(target(&ComponentName::Sick, &s), Some(Component::Hours(HourCode(30))));
    assert_eq!(target(&ComponentName::Meals, &s), Some(Component::Wage(WageCode(400))));
    assert_eq!(target(&ComponentName::Allowance("travel".into()), &s), Some(Component::Wage(WageCode(410))));
    assert_eq!(target(&ComponentName::Allowance("tips".into()), &s), None);
    assert_eq!(target(&ComponentName::WorkedDays, &Settings::default()), Some(Component::Days));
    assert_eq!(target(&ComponentName::WorkedHours, &Settings::default()), None);
}

#[test]
fn component_names_round_trip_through_their_schema_spelling() {
    for s in ["worked_hours", "worked_days", "meals", "leave", "sick", "allowances.travel"] {
        let name = ComponentName::try_from(s.to_owned()).unwrap();
        assert_eq!(name.to_string(), s);
        assert_eq!(serde_json::to_value(&name).unwrap(), serde_json::json!(s));
    }
    assert!(ComponentName::try_from("allowances.".to_owned()).is_err());
    assert!(ComponentName::try_from("overtime".to_owned()).is_err());
}

#[test]
fn only_nmbrs_side_and_configuration_reasons_make_a_job_partial() {
    let partial: Vec<_> = [
        SkipReason::NotApproved,
        SkipReason::FixedContract,
        SkipReason::KindNotRequested,
        SkipReason::Withdrawn,
        SkipReason::NoCodeMapping,
        SkipReason::UnknownCode,
        SkipReason::PeriodClosed,
        SkipReason::InvalidPeriod,
        SkipReason::UnknownEmployee,
        SkipReason::InDoubt,
        SkipReason::NmbrsRefused,
    ]
    .iter()
    .map(|r| r.makes_partial())
    .collect();
    assert_eq!(partial, [false, false, false, false, true, true, true, true, true, true, true]);
}
