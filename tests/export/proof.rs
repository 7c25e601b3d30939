//! Proof in Nmbrs (issue 18, CONTRACT §2.5 "Proof in Nmbrs"): every export reads what Nmbrs
//! holds of its buckets, repairs what a person changed behind the worker's back (the
//! simulator's clerk, on the state both faces serve), confirms what it wrote, and never claims
//! a bucket it did not see. Each test runs on both APIs.

use crate::support::export::*;
use crate::support::*;
use nmbrs_worker::sim::{
    clerk::{ClerkAction, LineKind},
    demo,
    rest::{LinePosts, RestSettings},
};
use serde_json::{Value, json};

fn shift(hours: &str) -> Value {
    json!([with(worked("j-1", JAN, "2026-11-03", hours), json!({"meals": 1}))])
}

/// An export with `settings.verify_export` on.
async fn export(h: &mut TestApp, payload: Value) -> ExportOutcome {
    let mut job = h.job(FULL, payload);
    job["integration"]["settings"]["verify_export"] = json!(true);
    h.run(&job, 60).await
}

fn clerk(h: &TestApp, action: ClerkAction) -> Option<i32> {
    h.sim.clerk(demo::DOMAIN, action).expect("the clerk's edit")
}

async fn a_first_export_is_verified_after_writing_and_an_identical_one_reads_only(api: Api) {
    let mut h = Spawn::new().api(api).start().await;
    let out = export(&mut h, export_payload("exp-1", NOVEMBER, shift("7.50"))).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    for b in out.buckets() {
        assert_eq!((&b["verified"], &b["drift"]), (&json!(true), &Value::Null), "{b:#}");
    }
    assert_eq!((out.count("verified"), out.count("unverified"), out.count("drift_repaired")), (3, 0, 0));
    let again = export(&mut h, export_payload("exp-2", NOVEMBER, shift("7.50"))).await;
    assert_eq!(again.write_calls, 0, "an identical re-export with nothing drifted writes nothing");
    assert_eq!(again.count("verified"), 3);
    assert!(again.notification_codes().iter().all(|c| c != "export.drift_repaired"));
    h.stop().await;
}

async fn a_line_a_clerk_deleted_or_changed_and_days_they_set_are_restored_and_notified(api: Api) {
    let mut h = Spawn::new().api(api).start().await;
    let first = export(&mut h, export_payload("exp-1", NOVEMBER, shift("8.00"))).await;
    let hours = first.component_id(JAN, "hours", 1).expect("hours line");
    let meals = first.component_id(JAN, "wage", 400).expect("meals line");
    let mine = clerk(
        &h,
        ClerkAction::AddLine {
            employee_id: JAN,
            year: 2026,
            period: 11,
            kind: LineKind::Hours,
            code: 1,
            value: d("2"),
            comment: Some("overtime".into()),
        },
    )
    .expect("the clerk's own line");
    clerk(&h, ClerkAction::DeleteLine { line_id: hours });
    clerk(&h, ClerkAction::ChangeValue { line_id: meals, value: d("3") });
    clerk(&h, ClerkAction::SetDays { employee_id: JAN, year: 2026, period: 11, days: 4 });

    let out = export(&mut h, export_payload("exp-2", NOVEMBER, shift("8.00"))).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    let drift = |component: &str, code: Option<i32>| out.bucket(JAN, component, code)["drift"].clone();
    assert_eq!(drift("hours", Some(1)), json!({"found": "missing", "nmbrs_value": "0"}));
    assert_eq!(drift("wage", Some(400)), json!({"found": "changed", "nmbrs_value": "3"}));
    assert_eq!(drift("days", None), json!({"found": "changed", "nmbrs_value": "4"}));
    assert_eq!(out.count("drift_repaired"), 3);
    assert_eq!(out.count("verified"), 3, "every bucket read back after its repair");
    let note = out.notification("export.drift_repaired");
    assert_eq!(note["level"], "warning");
    assert_eq!(note["params"]["buckets"].as_array().map(Vec::len), Some(3));
    let nmbrs = h.nmbrs(JAN, NOVEMBER);
    let mut hours_values = nmbrs.hour_values();
    hours_values.sort();
    assert_eq!(hours_values, [(1, d("2")), (1, d("8"))], "Eitje's 8 hours back beside the clerk's own 2");
    assert_eq!(nmbrs.wage_values(), [(400, d("1"))]);
    assert_eq!(h.sim.days(demo::DOMAIN, JAN, nmbrs_worker::nmbrs::PayPeriod::new(2026, 11)), Some(1));
    assert!(nmbrs.ids().contains(&mine), "the clerk's own line is untouched");

    let quiet = export(&mut h, export_payload("exp-3", NOVEMBER, shift("8.00"))).await;
    assert_eq!(quiet.write_calls, 0, "after the repair an identical export writes nothing");
    assert_eq!(quiet.count("drift_repaired"), 0);
    h.stop().await;
}

async fn a_dry_run_shows_the_drift_it_would_repair_and_writes_nothing(api: Api) {
    let mut h = Spawn::new().api(api).start().await;
    let first = export(&mut h, export_payload("exp-1", NOVEMBER, shift("8.00"))).await;
    clerk(&h, ClerkAction::DeleteLine { line_id: first.component_id(JAN, "hours", 1).unwrap() });
    let mut dry = export_payload("exp-dry", NOVEMBER, shift("8.00"));
    dry["dry_run"] = json!(true);
    let out = export(&mut h, dry).await;
    assert_eq!(out.write_calls, 0);
    let b = out.bucket(JAN, "hours", Some(1));
    assert_eq!((&b["action"], &b["verified"], &b["reason"]), (&json!("insert"), &json!(false), &json!("dry_run")));
    assert_eq!(b["drift"]["found"], "missing");
    assert!(out.notification_codes().iter().all(|c| c != "export.drift_repaired"), "nothing repaired");
    assert!(h.nmbrs(JAN, NOVEMBER).hour_values().is_empty(), "still deleted");
    for b in out.buckets() {
        assert_eq!((&b["verified"], &b["reason"]), (&json!(false), &json!("dry_run")), "{b:#}");
    }
    // Nor did it record anything: the next export finds the same drift and repairs it.
    let real = export(&mut h, export_payload("exp-2", NOVEMBER, shift("8.00"))).await;
    assert_eq!(real.bucket(JAN, "hours", Some(1))["drift"]["found"], "missing");
    assert_eq!((real.write_calls, real.count("drift_repaired")), (1, 1));
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("8"))]);
    h.stop().await;
}

async fn verification_switched_off_reads_nothing_and_claims_nothing(api: Api) {
    let mut h = Spawn::new().api(api).start().await;
    let mut job = h.job(FULL, export_payload("exp-1", NOVEMBER, shift("8.00")));
    job["integration"]["settings"]["verify_export"] = json!(false);
    let out = h.run(&job, 60).await;
    assert_eq!(out.status(), "succeeded");
    for b in out.buckets() {
        assert_eq!((&b["verified"], &b["reason"]), (&json!(false), &json!("not_checked")), "{b:#}");
    }
    assert_eq!(out.count("unverified"), 3);
    h.stop().await;
}

crate::on_both_apis!(
    a_first_export_is_verified_after_writing_and_an_identical_one_reads_only,
    a_dry_run_shows_the_drift_it_would_repair_and_writes_nothing,
    verification_switched_off_reads_nothing_and_claims_nothing,
);

#[tokio::test]
async fn a_line_a_clerk_deleted_or_changed_and_days_they_set_are_restored_and_notified_soap() {
    a_line_a_clerk_deleted_or_changed_and_days_they_set_are_restored_and_notified(Api::Soap).await
}

#[tokio::test]
async fn a_line_a_clerk_deleted_or_changed_and_days_they_set_are_restored_and_notified_rest() {
    a_line_a_clerk_deleted_or_changed_and_days_they_set_are_restored_and_notified(Api::Rest).await
}

/// REST only: a line stripped of its comment is put back with its marker (SOAP reads no comments).
#[tokio::test]
async fn a_stripped_comment_is_put_back_in_place() {
    let mut h = Spawn::new().api(Api::Rest).start().await;
    let first = export(&mut h, export_payload("exp-1", NOVEMBER, shift("8.00"))).await;
    let line = first.component_id(JAN, "hours", 1).unwrap();
    clerk(&h, ClerkAction::StripComment { line_id: line });
    let out = export(&mut h, export_payload("exp-2", NOVEMBER, shift("8.00"))).await;
    assert_eq!(out.bucket(JAN, "hours", Some(1))["drift"], json!({"found": "unmarked", "nmbrs_value": "8"}));
    assert_eq!(out.write_calls, 1, "one PUT");
    assert_eq!(out.component_id(JAN, "hours", 1), Some(line), "the same line");
    let comment = h.sim.state().domain_mut(demo::DOMAIN).line_info.get(&line).and_then(|i| i.comment.clone());
    assert!(comment.as_deref().and_then(nmbrs_worker::domain::export::marker::find_in).is_some(), "{comment:?}");
    h.stop().await;
}

/// REST mode "a write answers 201 but is lost": the worker never claims the bucket, never
/// inserts a second time beside it, reports `export.verification_failed` and `partial`; the
/// next export (the mode off) finds the bucket missing and restores it once.
#[tokio::test]
async fn a_write_answered_but_lost_is_named_not_claimed_and_restored_next_time() {
    let mut h = Spawn::new().api(Api::Rest).start().await;
    h.sim.set_rest_settings(RestSettings { line_posts: LinePosts::Lost, ..RestSettings::default() });
    let out = export(&mut h, export_payload("exp-1", NOVEMBER, shift("8.00"))).await;
    assert_eq!(out.status(), "partial", "{:#}", out.completed);
    let b = out.bucket(JAN, "hours", Some(1));
    assert_eq!((&b["verified"], &b["reason"]), (&json!(false), &json!("mismatch")));
    // Both lines were lost (hours and meals); the days were set and are verified.
    let failed: Vec<(Value, Value, Value)> = (out.notifications.iter())
        .filter(|n| n["code"] == "export.verification_failed")
        .map(|n| (n["params"]["component"].clone(), n["params"]["value"].clone(), n["params"]["nmbrs_value"].clone()))
        .collect();
    assert_eq!(failed, [(json!("hours"), json!("8"), json!("0")), (json!("wage"), json!("1"), json!("0"))]);
    assert_eq!(out.bucket(JAN, "wage", Some(400))["reason"], json!("mismatch"));
    assert_eq!(out.bucket(JAN, "days", None)["verified"], json!(true));
    assert_eq!((out.count("verified"), out.count("unverified")), (1, 2));
    assert_eq!(out.write_calls, 3, "hours and meals POSTed once each, days once: no second insert");
    assert!(h.nmbrs(JAN, NOVEMBER).hour_values().is_empty());

    h.sim.set_rest_settings(RestSettings::default());
    let next = export(&mut h, export_payload("exp-2", NOVEMBER, shift("8.00"))).await;
    assert_eq!(next.status(), "succeeded", "{:#}", next.completed);
    assert_eq!(next.bucket(JAN, "hours", Some(1))["drift"]["found"], "missing");
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("8"))]);
    assert_eq!(h.nmbrs(JAN, NOVEMBER).wage_values(), [(400, d("1"))]);
    h.stop().await;
}

/// SOAP: a template without `HourComponentVar_Get` (field case 07) leaves the hour buckets
/// unverified (`unreadable`), names the company once, and the export goes on.
#[tokio::test]
async fn an_unreadable_hour_read_names_the_company_once_and_the_export_goes_on() {
    let mut h = Spawn::new().start().await;
    let mut job = h.job(LIMITED, export_payload("exp-1", NOVEMBER, shift("8.00")));
    job["integration"]["settings"]["verify_export"] = json!(true);
    let out = h.run(&job, 60).await;
    let b = out.bucket(JAN, "hours", Some(1));
    assert_eq!((&b["verified"], &b["reason"]), (&json!(false), &json!("unreadable")), "{b:#}");
    assert_eq!(out.bucket(JAN, "days", None)["reason"], json!("unreadable"), "no DaysVar_Get either");
    assert_eq!(out.bucket(JAN, "wage", Some(400))["verified"], json!(true));
    let unverified: Vec<&Value> =
        out.completed["errors"].as_array().unwrap().iter().filter(|e| e["code"] == "export.unverified").collect();
    assert_eq!(unverified.len(), 1, "{:#}", out.completed);
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("8"))], "written all the same");
    h.stop().await;
}
