//! One test per rule of issue 5 / CONTRACT §2.5, through [`plan`].

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::json;

use super::*;
use crate::domain::export::actions::WriteMode;
use crate::domain::export::payload::{Allowance, ContractType, EntryKind, ExportKind};
use crate::domain::export::testkit::{
    COMPANY, companies, d, date, entry, payload, run, run_all, run_all_on, run_on, settings,
};

fn buckets(plan: &Plan) -> Vec<String> {
    plan.buckets
        .iter()
        .map(|b| {
            let code = b.key.component.code().map(|c| format!(":{c}")).unwrap_or_default();
            format!("{}{code}={} {}", b.key.component.label(), b.value, b.action.label(&b.applied))
        })
        .collect()
}

fn skipped(plan: &Plan) -> Vec<String> {
    plan.skipped
        .iter()
        .map(|s| {
            let component = s.component.as_ref().map(ToString::to_string).unwrap_or_else(|| "-".into());
            format!("{} {component} {}", s.entry_id, serde_json::to_value(s.reason).unwrap().as_str().unwrap())
        })
        .collect()
}

fn codes(plan: &Plan) -> Vec<&str> {
    plan.notifications.iter().map(|n| n.code.as_str()).collect()
}

fn ids(plan: &Plan) -> Vec<&str> {
    plan.exported.iter().map(|e| e.0.as_str()).collect()
}

/// An event of `kind` around `payload`, as the handler would publish it.
fn event(kind: &str, payload: serde_json::Value) -> serde_json::Value {
    json!({"event_id": "0b6f3c1e-8a4d-4f2b-9c71-5d2e8f0a6b13", "type": kind,
           "occurred_at": "2026-11-24T21:00:00.000Z", "integration_id": "env-1",
           "job": {"message_id": "m", "type": "ExportHours", "idempotency_key": "m"}, "payload": payload})
}

/// [`entry`] dated in October 2026, for exports into period 10.
fn in_october(id: &str) -> Entry {
    let mut e = entry(id);
    e.date = date("2026-10-06");
    e
}

fn first(entries: Vec<Entry>) -> Plan {
    run(&payload(entries), &Ledger::new(), &BTreeMap::new())
}

/// Nothing proven: the `verified` fields of an export that does not check Nmbrs.
fn unproven(_: &BucketKey, _: bool) -> serde_json::Value {
    json!({"verified": false, "reason": "not_checked", "drift": null})
}

#[test]
fn an_approved_worked_shift_exports_hours_and_a_day() {
    let plan = first(vec![entry("s1")]);
    assert_eq!(buckets(&plan), ["hours:1=7.50 insert", "days=1 insert"]);
    assert_eq!(ids(&plan), ["s1"]);
    assert!(plan.skipped.is_empty() && plan.notifications.is_empty());
    assert_eq!(plan.status, CompletionStatus::Succeeded);
}

#[test]
fn only_approved_entries_export() {
    let mut e = entry("s1");
    e.approved = false;
    let plan = first(vec![e, entry("s2")]);
    assert_eq!(ids(&plan), ["s2"]);
    assert_eq!(skipped(&plan), ["s1 - not_approved"]);
    assert_eq!(codes(&plan), ["export.not_approved"]);
    assert_eq!(plan.notifications[0].params, json!({"count": 1}));
    assert_eq!(plan.status, CompletionStatus::Succeeded, "not_approved is an Eitje-side reason");
}

#[test]
fn an_entry_sent_again_not_approved_withdraws_its_earlier_contribution() {
    let mut again = entry("s1");
    again.approved = false;
    let (plan, ledger, _) = run_all(&[payload(vec![entry("s1")]), payload(vec![again])]);
    let plan = plan.unwrap();
    assert_eq!(buckets(&plan), ["hours:1=0 delete", "days=0 delete"]);
    assert!(matches!(plan.buckets[0].action, Action::Delete { .. }));
    assert_eq!(plan.buckets[1].action, Action::SetDays { days: 0 });
    assert_eq!(ledger, Ledger::new());
}

#[test]
fn worked_hours_export_only_for_zero_hours_contracts() {
    let mut e = entry("s1");
    e.contract_type = ContractType::Fixed;
    e.meals = 1;
    let plan = first(vec![e]);
    assert_eq!(skipped(&plan), ["s1 worked_hours fixed_contract"]);
    assert_eq!(buckets(&plan), ["wage:400=1 insert", "days=1 insert"]);
    assert_eq!(ids(&plan), ["s1"]);
    assert_eq!(plan.status, CompletionStatus::Succeeded);
}

#[test]
fn worked_days_count_distinct_dates_within_and_across_exports() {
    let (a, mut b, mut c) = (entry("a"), entry("b"), entry("c"));
    b.hours = d("2");
    let plan = first(vec![a.clone(), b.clone()]);
    assert_eq!(buckets(&plan), ["hours:1=9.50 insert", "days=1 insert"], "two shifts on one date are one day");
    // A later export with a third shift on the same date: the day count does not move.
    c.hours = d("1");
    let (plan, ..) = run_all(&[payload(vec![a.clone(), b.clone()]), payload(vec![c.clone()])]);
    assert_eq!(buckets(&plan.unwrap()), ["hours:1=10.50 replace", "days=1 unchanged"]);
    // On another date it does.
    c.date = date("2026-11-04");
    let (plan, ..) = run_all(&[payload(vec![a, b]), payload(vec![c])]);
    assert_eq!(buckets(&plan.unwrap()), ["hours:1=10.50 replace", "days=2 replace"]);
}

#[test]
fn meals_are_counted_and_allowances_summed_per_type_on_their_own_codes() {
    let (mut a, mut b) = (entry("a"), entry("b"));
    a.meals = 1;
    a.allowances = vec![Allowance { kind: "travel".into(), amount: d("12.40") }];
    b.meals = 2;
    b.date = date("2026-11-04");
    b.allowances = vec![
        Allowance { kind: "travel".into(), amount: d("0.60") },
        Allowance { kind: "bonus".into(), amount: d("25") },
    ];
    let plan = first(vec![a, b]);
    assert_eq!(
        buckets(&plan),
        ["hours:1=15.00 insert", "wage:400=3 insert", "wage:410=13.00 insert", "wage:420=25 insert", "days=2 insert"]
    );
}

#[test]
fn leave_and_sick_hours_export_for_both_contract_types() {
    let (mut leave, mut sick) = (entry("l1"), entry("k1"));
    leave.kind = EntryKind::Leave;
    leave.contract_type = ContractType::Fixed;
    sick.kind = EntryKind::Sick;
    sick.hours = d("8");
    let plan = first(vec![leave, sick]);
    assert_eq!(buckets(&plan), ["hours:20=7.50 insert", "hours:30=8 insert"]);
    assert!(plan.skipped.is_empty());
}

#[test]
fn kinds_not_requested_are_ignored_and_keep_what_they_had() {
    let mut e = entry("s1");
    e.meals = 1;
    let mut meals_only = payload(vec![e.clone()]);
    meals_only.kinds = Some([ExportKind::Meals].into());
    let plan = run(&meals_only, &Ledger::new(), &BTreeMap::new());
    assert_eq!(buckets(&plan), ["wage:400=1 insert"]);
    assert_eq!(skipped(&plan), ["s1 worked_hours kind_not_requested", "s1 worked_days kind_not_requested"]);
    assert_eq!(plan.status, CompletionStatus::Succeeded);
    // After a full export of 7.50 hours, a meals-only export of the entry with other hours
    // leaves the hours and the day alone.
    e.hours = d("9");
    e.meals = 2;
    meals_only.entries = vec![e];
    let (plan, ledger, _) = run_all(&[payload(vec![entry("s1")]), meals_only]);
    assert_eq!(buckets(&plan.unwrap()), ["wage:400=2 insert"]);
    let values: Vec<String> = ledger.bucket_values().values().map(ToString::to_string).collect();
    assert_eq!(values, ["7.50", "2", "1"]);
}

#[test]
fn withdrawn_entries_lose_their_contribution() {
    let mut s2 = entry("s2");
    s2.hours = d("2");
    let mut withdraw = payload(vec![s2]);
    withdraw.withdrawn_entry_ids = vec!["s1".into(), "never-sent".into()];
    let (plan, ledger, _) = run_all(&[payload(vec![entry("s1")]), withdraw]);
    let plan = plan.unwrap();
    assert_eq!(skipped(&plan), ["never-sent - withdrawn", "s1 - withdrawn"]);
    assert_eq!(buckets(&plan), ["hours:1=2 replace", "days=1 unchanged"]);
    assert_eq!(ledger.iter().map(|c| c.entry_id.0.as_str()).collect::<Vec<_>>(), ["s2", "s2"]);
    assert_eq!(plan.status, CompletionStatus::Succeeded);
}

#[test]
fn a_withdrawal_wins_over_the_same_entry_sent_in_the_same_export() {
    let mut p = payload(vec![entry("s1")]);
    p.withdrawn_entry_ids = vec!["s1".into()];
    let plan = first(p.entries.clone());
    assert!(!plan.buckets.is_empty());
    let plan = run(&p, &Ledger::new(), &BTreeMap::new());
    assert!(plan.buckets.is_empty() && plan.exported.is_empty());
    assert_eq!(skipped(&plan), ["s1 - withdrawn"]);
}

#[test]
fn a_kind_without_a_code_mapping_is_skipped_and_notified() {
    let mut e = entry("s1");
    e.allowances = vec![Allowance { kind: "tips".into(), amount: d("4") }];
    let plan = first(vec![e]);
    assert_eq!(skipped(&plan), ["s1 allowances.tips no_code_mapping"]);
    assert_eq!(codes(&plan), ["export.no_code_mapping"]);
    assert_eq!(plan.notifications[0].params, json!({"kind": "allowances.tips"}));
    assert_eq!(buckets(&plan), ["hours:1=7.50 insert", "days=1 insert"]);
    assert_eq!(plan.status, CompletionStatus::Partial);
}

#[test]
fn a_code_in_neither_model_is_skipped_and_notified() {
    let mut facts = companies();
    facts.get_mut(&COMPANY).unwrap().hour_models[1].clear(); // sick code 30 lived there
    let mut e = entry("k1");
    e.kind = EntryKind::Sick;
    let p = payload(vec![e]);
    let plan = run_on(WriteMode::InsertDelete, &p, &settings(), &facts, &Ledger::new(), &BTreeMap::new());
    assert_eq!(skipped(&plan), ["k1 sick unknown_code"]);
    assert_eq!(plan.notifications[0].params, json!({"nmbrs_company_id": 54613, "kind": "sick", "code": 30}));
    assert!(plan.buckets.is_empty() && plan.exported.is_empty());
    assert_eq!(plan.status, CompletionStatus::Partial);
}

#[test]
fn a_part_skipped_for_configuration_keeps_its_earlier_contribution() {
    let (_, ledger, applied) = run_all(&[payload(vec![entry("s1")])]);
    let mut e = entry("s1");
    e.hours = d("9");
    let mut no_worked_code = settings();
    no_worked_code.hour_codes.worked = None;
    let plan = run_on(WriteMode::InsertDelete, &payload(vec![e]), &no_worked_code, &companies(), &ledger, &applied);
    assert_eq!(skipped(&plan), ["s1 worked_hours no_code_mapping"]);
    assert_eq!(buckets(&plan), ["days=1 unchanged"], "the frozen hours bucket is not touched");
    assert_eq!(plan.ledger, ledger);
}

#[test]
fn an_entry_of_an_unknown_venue_is_skipped_as_unknown_employee() {
    let mut e = entry("s1");
    e.eitje_venue_id = "v-9".into();
    let plan = first(vec![e]);
    assert_eq!(skipped(&plan), ["s1 - unknown_employee"]);
    assert_eq!(codes(&plan), ["export.unknown_venue"]);
    assert_eq!(plan.status, CompletionStatus::Partial);
}

#[test]
fn an_employee_nmbrs_does_not_know_is_skipped() {
    let mut e = entry("s1");
    e.nmbrs_employee_id = crate::domain::nmbrs::EmployeeId::int(999);
    let plan = first(vec![e, entry("s2")]);
    assert_eq!(skipped(&plan), ["s1 - unknown_employee"]);
    assert_eq!(codes(&plan), ["export.unknown_employee"]);
    assert_eq!(ids(&plan), ["s2"]);
    assert_eq!(plan.status, CompletionStatus::Partial);
}

#[test]
fn a_company_that_could_not_be_read_freezes_its_entries() {
    let mut e = entry("s1");
    e.eitje_venue_id = "v-3".into(); // company 54671
    let p = payload(vec![e, entry("s2")]);
    let mut facts = companies();
    facts.remove(&crate::domain::nmbrs::CompanyId::int(54671));
    let plan = run_on(WriteMode::InsertDelete, &p, &settings(), &facts, &Ledger::new(), &BTreeMap::new());
    assert_eq!(skipped(&plan), ["s1 - nmbrs_refused"]);
    assert_eq!(ids(&plan), ["s2"]);
    assert!(plan.notifications.is_empty(), "the handler names the company in errors");
    assert_eq!(plan.status, CompletionStatus::Partial);
}

#[test]
fn a_closed_period_skips_the_company_with_a_notification_and_no_write() {
    let mut p = payload(vec![entry("s1")]);
    p.period.number = 10;
    let plan = run(&p, &Ledger::new(), &BTreeMap::new());
    assert_eq!(skipped(&plan), ["s1 - period_closed"]);
    assert!(plan.buckets.is_empty() && plan.unprotected.is_empty());
    assert_eq!(
        plan.notifications[0].params,
        json!({"nmbrs_company_id": 54613, "period": {"year": 2026, "number": 10},
               "current_period": {"year": 2026, "number": 11}})
    );
    assert_eq!(plan.status, CompletionStatus::Partial);
}

#[test]
fn an_allowed_closed_period_is_written_unprotected() {
    let mut p = payload(vec![in_october("s1")]);
    p.period.number = 10;
    p.allow_closed_period = true;
    let plan = run(&p, &Ledger::new(), &BTreeMap::new());
    assert_eq!(buckets(&plan), ["hours:1=7.50 insert", "days=1 insert"]);
    assert!(plan.buckets.iter().all(|b| b.unprotected));
    assert_eq!(plan.unprotected, [COMPANY].into());
    assert_eq!(plan.status, CompletionStatus::Succeeded);
    // The current period needs no unprotected mode.
    let plan = first(vec![entry("s1")]);
    assert!(plan.buckets.iter().all(|b| !b.unprotected) && plan.unprotected.is_empty());
}

#[test]
fn a_period_number_outside_the_period_type_is_invalid() {
    let mut p = payload(vec![entry("s1")]);
    p.period.number = 13; // monthly company
    let plan = run(&p, &Ledger::new(), &BTreeMap::new());
    assert_eq!(skipped(&plan), ["s1 - invalid_period"]);
    assert_eq!(codes(&plan), ["export.invalid_period"]);
    assert!(plan.buckets.is_empty());
    assert_eq!(plan.status, CompletionStatus::Partial);
}

#[test]
fn an_entry_whose_earlier_contribution_is_in_a_closed_period_is_frozen() {
    let mut october = payload(vec![in_october("s1")]);
    october.period.number = 10;
    october.allow_closed_period = true;
    let (_, ledger, applied) = run_all(&[october]);
    // Sent again for November, and withdrawn: both would write into closed October.
    let plan = run(&payload(vec![entry("s1")]), &ledger, &applied);
    assert_eq!(skipped(&plan), ["s1 - period_closed"]);
    assert!(plan.buckets.is_empty());
    assert_eq!(plan.ledger, ledger);
    let mut withdraw = payload(vec![]);
    withdraw.withdrawn_entry_ids = vec!["s1".into()];
    let plan = run(&withdraw, &ledger, &applied);
    assert_eq!(skipped(&plan), ["s1 - period_closed"]);
    assert_eq!(plan.ledger, ledger);
    let mut unapproved = entry("s1");
    unapproved.approved = false;
    let plan = run(&payload(vec![unapproved.clone()]), &ledger, &applied);
    assert_eq!(skipped(&plan), ["s1 - period_closed"]);
    assert_eq!(codes(&plan), ["export.period_closed", "export.not_approved"]);
    assert_eq!(plan.notifications[0].params["period"], json!({"year": 2026, "number": 10}));
    // Allowed: the withdrawal deletes from closed October, unprotected.
    let mut allowed = payload(vec![unapproved]);
    allowed.allow_closed_period = true;
    let plan = run(&allowed, &ledger, &applied);
    assert_eq!(skipped(&plan), ["s1 - not_approved"]);
    assert_eq!(buckets(&plan), ["hours:1=0 delete", "days=0 delete"]);
    assert!(plan.buckets.iter().all(|b| b.unprotected));
    assert_eq!(plan.ledger, Ledger::new());
}

#[test]
fn an_earlier_export_keeps_its_contribution_until_the_entry_is_sent_again() {
    let mut changed = entry("s1");
    changed.hours = d("6");
    let (plan, ledger, _) = run_all(&[payload(vec![entry("s1")]), payload(vec![entry("s2")])]);
    assert_eq!(buckets(&plan.unwrap()), ["hours:1=15.00 replace", "days=1 unchanged"]);
    let (plan, ..) = run_all(&[payload(vec![entry("s1")]), payload(vec![entry("s2")]), payload(vec![changed])]);
    let plan = plan.unwrap();
    assert_eq!(buckets(&plan), ["hours:1=13.50 replace", "days=1 unchanged"]);
    assert!(matches!(&plan.buckets[0].action, Action::Replace { delete, .. } if delete.len() == 1));
    assert_eq!(ledger.iter().count(), 4);
}

#[test]
fn the_same_export_twice_changes_nothing() {
    let mut e = entry("s1");
    e.meals = 1;
    let p = payload(vec![e, entry("s2")]);
    let (plan, ledger, applied) = run_all(std::slice::from_ref(&p));
    let again = run(&p, &ledger, &applied);
    assert_eq!(again.ledger, ledger);
    assert!(again.writes().next().is_none(), "{:?}", buckets(&again));
    assert_eq!(again.exported, plan.unwrap().exported);
    let body = again.hours_exported(&p, &BTreeMap::new(), unproven, usize::MAX);
    let reported: Vec<_> =
        body["buckets"].as_array().unwrap().iter().map(|b| b["nmbrs_component_id"].clone()).collect();
    assert_eq!(reported, [json!(1001), json!(1002), json!(null)], "unchanged buckets name the component they own");
}

#[test]
fn a_repeated_entry_id_counts_once_in_its_last_version() {
    let mut later = entry("s1");
    later.hours = d("2");
    let plan = first(vec![entry("s1"), later]);
    assert_eq!(buckets(&plan), ["hours:1=2 insert", "days=1 insert"]);
    assert_eq!(ids(&plan), ["s1"]);
}

#[test]
fn a_venue_change_moves_the_contribution_to_the_other_company() {
    let mut moved = entry("s1");
    moved.eitje_venue_id = "v-3".into();
    let (plan, ..) = run_all(&[payload(vec![entry("s1")]), payload(vec![moved])]);
    let plan = plan.unwrap();
    let by_company: Vec<_> =
        plan.buckets.iter().map(|b| (b.key.company.soap().unwrap(), b.action.label(&b.applied))).collect();
    assert_eq!(by_company, [(54613, "delete"), (54613, "delete"), (54671, "insert"), (54671, "insert")]);
}

#[test]
fn allowances_may_be_negative_and_a_bucket_summing_to_zero_holds_nothing() {
    let (mut a, mut b) = (entry("a"), entry("b"));
    a.allowances = vec![Allowance { kind: "bonus".into(), amount: d("10") }];
    b.allowances = vec![Allowance { kind: "bonus".into(), amount: d("-10.00") }];
    let (_, ledger, applied) = run_all(&[payload(vec![a.clone()])]);
    let plan = run(&payload(vec![b.clone()]), &ledger, &applied);
    assert_eq!(buckets(&plan), ["hours:1=15.00 replace", "wage:420=0.00 delete", "days=1 unchanged"]);
    let body = plan.hours_exported(&payload(vec![b]), &BTreeMap::new(), unproven, usize::MAX);
    assert_eq!(body["buckets"][1]["value"], "0");
    let mut correction = a;
    correction.allowances[0].amount = d("-4");
    let plan = first(vec![correction]);
    assert_eq!(buckets(&plan)[1], "wage:420=-4 insert");
}

#[test]
fn an_entry_dated_outside_the_period_is_skipped_and_keeps_what_it_had() {
    let mut late = entry("s2");
    late.date = date("2026-12-01");
    let plan = first(vec![entry("s1"), late]);
    assert_eq!(ids(&plan), ["s1"]);
    assert_eq!(skipped(&plan), ["s2 - date_outside_period"]);
    assert_eq!(buckets(&plan), ["hours:1=7.50 insert", "days=1 insert"], "s2 books nothing");
    assert_eq!(plan.status, CompletionStatus::Partial);
    // Its earlier contribution stays as it was: the entry is frozen, not withdrawn.
    let earlier = run(&payload(vec![entry("s2")]), &Ledger::new(), &BTreeMap::new());
    let mut moved = entry("s2");
    moved.date = date("2026-10-31");
    let again = run(&payload(vec![moved]), &earlier.ledger, &BTreeMap::new());
    assert!(again.buckets.is_empty() && again.updates.is_empty(), "{:?}", buckets(&again));
}

#[path = "plan_report_tests.rs"]
mod report;
