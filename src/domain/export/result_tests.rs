//! Unit tests of [`super`]: the fold from bucket ends to the plan and the job's result.

use std::collections::BTreeMap;

use super::*;
use crate::domain::export::{
    ledger::Ledger,
    testkit::{entry, payload, run},
};

/// A worked shift: two buckets to insert, `hours:1` then `days`.
fn plan() -> Plan {
    run(&payload(vec![entry("s1")]), &Ledger::new(), &BTreeMap::new())
}

fn done(id: i32, write_calls: u64) -> Result<BucketResult<String>, &'static str> {
    Ok(BucketResult { end: BucketEnd::Done { component: Some(ComponentLineId::int(id)) }, write_calls })
}

fn ended(end: BucketEnd<String>) -> Result<BucketResult<String>, &'static str> {
    Ok(BucketResult { end, write_calls: 1 })
}

#[test]
fn written_buckets_give_their_components_and_calls_and_a_succeeded_result() {
    let mut plan = plan();
    let (hours, days) = (plan.buckets[0].key, plan.buckets[1].key);
    let mut ids = BTreeMap::new();
    let results =
        [(hours, done(11, 2)), (days, Ok(BucketResult { end: BucketEnd::Done { component: None }, write_calls: 1 }))];
    let written = fold(results, &mut plan, &mut ids);
    assert_eq!((written.write_calls, written.stop), (3, None));
    assert_eq!(ids, BTreeMap::from([(hours, ComponentLineId::int(11))]));
    let tally = Tally::after_writes(&plan, 5);
    assert_eq!(tally, Tally { write_calls: 5, buckets_written: 2 });
    let result = export_result(&payload(vec![entry("s1")]), &plan, vec![], tally, &written);
    assert_eq!(result.status, CompletionStatus::Succeeded);
    assert!(result.errors.is_empty());
    assert_eq!((result.counts["buckets_written"], result.counts["write_calls"], result.counts["exported"]), (2, 5, 1));
    assert!(!result.counts.contains_key("would_write"), "only a dry run counts what it would write");
}

#[test]
fn a_refused_bucket_and_one_in_doubt_are_held_back_and_make_the_job_partial() {
    let mut plan = plan();
    let (hours, days) = (plan.buckets[0].key, plan.buckets[1].key);
    let results = [
        (hours, ended(BucketEnd::InDoubt { missing_right: Some("HourComponentVar_Get") })),
        (hours, ended(BucketEnd::InDoubt { missing_right: Some("HourComponentVar_Get") })),
        (days, ended(BucketEnd::Refused("period closed".to_string()))),
    ];
    let written = fold(results, &mut plan, &mut BTreeMap::new());
    assert_eq!(written.missing_rights, ["HourComponentVar_Get"], "each refused read right once");
    assert_eq!((plan.buckets[0].held, plan.buckets[1].held), (Some(HeldBack::InDoubt), Some(HeldBack::Refused)));
    let tally = Tally::after_writes(&plan, written.write_calls);
    assert_eq!(tally.buckets_written, 0, "neither bucket counts as written");
    let result = export_result(&payload(vec![entry("s1")]), &plan, vec![], tally, &written);
    assert_eq!(result.status, CompletionStatus::Partial);
    let codes: Vec<&str> = result.errors.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(codes, ["export.in_doubt", BucketOutcome::Refused.code()]);
    assert_eq!(result.errors[1].message, "period closed");
    assert_eq!(result.errors[1].scope, bucket_scope(&days));
    assert_eq!(result.counts["in_doubt"], 1);
}

#[test]
fn an_unreadable_line_holds_its_bucket_back_after_the_companies_that_could_not_be_read() {
    let mut plan = plan();
    let hours = plan.buckets[0].key;
    let unreadable = BucketEnd::Unreadable { operation: "HourComponentVar_Get", field: "HourCode".into() };
    let written = fold([(hours, ended(unreadable))], &mut plan, &mut BTreeMap::new());
    assert_eq!(plan.buckets[0].held, Some(HeldBack::Unreadable));
    let company = ErrorItem { code: "nmbrs.no_access".into(), message: "no access".into(), scope: json!({}) };
    let result = export_result(&payload(vec![entry("s1")]), &plan, vec![company], Tally::default(), &written);
    assert_eq!(result.status, CompletionStatus::Partial);
    let codes: Vec<&str> = result.errors.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(codes, ["nmbrs.no_access", "unreadable_record"]);
    assert!(result.errors[1].message.starts_with("HourComponentVar_Get listed a line whose HourCode"));
}

#[test]
fn the_first_stop_is_kept_and_lost_replies_wait_for_a_later_attempt() {
    let mut plan = plan();
    let (hours, days) = (plan.buckets[0].key, plan.buckets[1].key);
    let results =
        [(hours, Err("first")), (days, ended(BucketEnd::Later("reply lost".to_string()))), (days, Err("second"))];
    let written = fold(results, &mut plan, &mut BTreeMap::new());
    assert_eq!(written.stop, Some("first"));
    assert_eq!(written.later, [(days, "reply lost".to_string())]);
    assert_eq!(plan.buckets[1].held, None, "a lost reply holds nothing back");
}

#[test]
fn a_dry_run_counts_what_it_would_write_and_a_planned_hold_back_stays_partial() {
    let mut dry = payload(vec![entry("s1")]);
    dry.dry_run = true;
    let mut plan = plan();
    let none: Written<String, ()> = Written::default();
    let result = export_result(&dry, &plan, vec![], Tally::default(), &none);
    assert_eq!((result.status, result.counts["would_write"]), (CompletionStatus::Succeeded, 2));
    plan.status = CompletionStatus::Partial;
    assert_eq!(export_result(&dry, &plan, vec![], Tally::default(), &none).status, CompletionStatus::Partial);
}

#[test]
fn each_end_has_its_metric_label() {
    let label = |end: BucketEnd<()>, write_calls| BucketResult { end, write_calls }.metric_label();
    assert_eq!(label(BucketEnd::Done { component: None }, 1), "written");
    assert_eq!(label(BucketEnd::Done { component: None }, 0), "unchanged");
    assert_eq!(label(BucketEnd::InDoubt { missing_right: None }, 1), "in_doubt");
    assert_eq!(label(BucketEnd::Refused(()), 1), "refused");
    assert_eq!(label(BucketEnd::Later(()), 1), "later");
    assert_eq!(label(BucketEnd::Unreadable { operation: "x", field: "y".into() }, 0), "unreadable");
}
