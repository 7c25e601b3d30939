//! Proof in Nmbrs under each undocumented REST behaviour issue 18 names, as the simulator's
//! modes (`/_sim/rest/settings`, each off by default): "a PUT replaces the whole line" (omitted
//! fields cleared, a missing period read as the current one), "a days POST adds", and "a write
//! answers 201 but is lost" (`proof.rs`). In every mode the worker ends exact, or names the
//! bucket it could not prove; it never claims a bucket it did not see. The clerk
//! (`sim::clerk`) changes Nmbrs behind the worker's back, as a payroll clerk would.

use crate::support::export::*;
use crate::support::*;
use nmbrs_worker::domain::export::marker::find_in;
use nmbrs_worker::nmbrs::rest::RestOperation as Rest;
use nmbrs_worker::sim::{
    clerk::{ClerkAction, LineKind},
    demo,
    rest::{DaysPost, Omitted, PutMissingPeriod, RestInjected, RestSettings},
};
use serde_json::{Value, json};

/// A later period than HORECA's current one (2026-11), still open: a PUT that lost its period
/// would move the line to November, where the test looks for it.
const DECEMBER: (i32, u8) = (2026, 12);

fn shift(date: &str, hours: &str) -> Value {
    json!([with(worked("j-1", JAN, date, hours), json!({"meals": 1}))])
}

fn clerk(h: &TestApp, action: ClerkAction) {
    h.sim.clerk(demo::DOMAIN, action).expect("the clerk's edit");
}

/// The comment of line `id` as the simulator holds it.
fn comment(h: &TestApp, id: i32) -> Option<String> {
    h.sim.state().domain_mut(demo::DOMAIN).line_info.get(&id).and_then(|i| i.comment.clone())
}

/// Mode "a PUT replaces the whole line" (`put_omitted: clear`, `put_missing_period: current`):
/// the export changes its hours line in place and repairs the meals line a clerk changed and
/// stripped of its comment. Both PUTs carry the whole line, so both lines stay in December
/// with the worker's marker; an identical export then writes nothing.
#[tokio::test]
async fn a_put_that_replaces_the_whole_line_keeps_the_marker_and_the_period() {
    let mut h = Spawn::new().api(Api::Rest).start().await;
    h.sim.set_rest_settings(RestSettings {
        put_omitted: Omitted::Clear,
        put_missing_period: PutMissingPeriod::Current,
        ..RestSettings::default()
    });
    let first = h.export(FULL, export_payload("exp-1", DECEMBER, shift("2026-12-03", "8.00"))).await;
    assert_eq!(first.status(), "succeeded", "{:#}", first.completed);
    let (hours, meals) = (first.component_id(JAN, "hours", 1).unwrap(), first.component_id(JAN, "wage", 400).unwrap());
    clerk(&h, ClerkAction::StripComment { line_id: meals });
    clerk(&h, ClerkAction::ChangeValue { line_id: meals, value: d("3") });

    let out = h.export(FULL, export_payload("exp-2", DECEMBER, shift("2026-12-03", "6.00"))).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    assert_eq!(out.bucket(JAN, "wage", Some(400))["drift"], json!({"found": "changed", "nmbrs_value": "3"}));
    assert_eq!(out.write_calls, 2, "two PUTs: the hours changed, the meals repaired");
    assert_eq!((out.component_id(JAN, "hours", 1), out.component_id(JAN, "wage", 400)), (Some(hours), Some(meals)));
    assert_eq!((out.count("verified"), out.count("drift_repaired"), out.count("unverified")), (3, 1, 0));
    let december = h.nmbrs(JAN, DECEMBER);
    assert_eq!((december.hour_values(), december.wage_values()), (vec![(1, d("6"))], vec![(400, d("1"))]));
    let november = h.nmbrs(JAN, NOVEMBER);
    assert!(november.hours.is_empty() && november.wages.is_empty(), "nothing moved to the current period");
    for line in [hours, meals] {
        assert!(comment(&h, line).as_deref().and_then(find_in).is_some(), "line {line}: {:?}", comment(&h, line));
    }

    let quiet = h.export(FULL, export_payload("exp-3", DECEMBER, shift("2026-12-03", "6.00"))).await;
    assert_eq!((quiet.write_calls, quiet.count("verified"), quiet.count("drift_repaired")), (0, 3, 0));
    h.stop().await;
}

/// Mode "a days POST adds" (`days_post: add`): a clerk who cleared the days is repaired by
/// adding back the difference, and the check after writing proves it. A clerk who raised them
/// cannot be brought down where Nmbrs refuses negative days: the bucket is named `refused`
/// and not verified, and nothing else is claimed.
#[tokio::test]
async fn a_days_post_that_adds_ends_exact_or_names_the_bucket() {
    let mut h = Spawn::new().api(Api::Rest).start().await;
    h.sim.set_rest_settings(RestSettings { days_post: DaysPost::Add, ..RestSettings::default() });
    let first = h.export(FULL, export_payload("exp-1", NOVEMBER, shift("2026-11-03", "8.00"))).await;
    assert_eq!(first.status(), "succeeded", "{:#}", first.completed);
    assert_eq!(h.nmbrs(JAN, NOVEMBER).days, Some(1));

    clerk(&h, ClerkAction::SetDays { employee_id: JAN, year: 2026, period: 11, days: 0 });
    let out = h.export(FULL, export_payload("exp-2", NOVEMBER, shift("2026-11-03", "8.00"))).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    let days = out.bucket(JAN, "days", None);
    assert_eq!((&days["drift"], &days["verified"]), (&json!({"found": "missing", "nmbrs_value": "0"}), &json!(true)));
    assert_eq!(h.nmbrs(JAN, NOVEMBER).days, Some(1), "added back once, not twice");
    assert_eq!(out.write_calls, 1);

    clerk(&h, ClerkAction::SetDays { employee_id: JAN, year: 2026, period: 11, days: 4 });
    let out = h.export(FULL, export_payload("exp-3", NOVEMBER, shift("2026-11-03", "8.00"))).await;
    let days = out.bucket(JAN, "days", None);
    assert_eq!(days["drift"], json!({"found": "changed", "nmbrs_value": "4"}), "{days:#}");
    assert_eq!((&days["action"], &days["verified"]), (&json!("refused"), &json!(false)), "{days:#}");
    assert_eq!(out.status(), "partial", "{:#}", out.completed);
    assert_eq!((out.count("verified"), out.count("unverified"), out.count("drift_repaired")), (2, 1, 0));
    assert!(!out.notification_codes().contains(&"export.drift_repaired".to_string()), "nothing was repaired");
    assert_eq!(h.nmbrs(JAN, NOVEMBER).days, Some(4), "left as the clerk set it, never made worse");
    h.stop().await;
}

/// A `PUT` Nmbrs answers 200 without applying it: the check after writing finds the old value
/// on the worker's own line and repairs it once, in place (a second `PUT`, never an insert);
/// the bucket is then verified.
#[tokio::test]
async fn a_put_answered_but_not_applied_is_repaired_once_by_the_check_after_writing() {
    let mut h = Spawn::new().api(Api::Rest).start().await;
    let first = h.export(FULL, export_payload("exp-1", NOVEMBER, shift("2026-11-03", "8.00"))).await;
    let hours = first.component_id(JAN, "hours", 1).unwrap();
    let body = format!(r#"{{"hourComponentId": "{}"}}"#, uuid::Uuid::new_v4());
    h.sim.inject_rest(Some(Rest::HoursPut.name()), RestInjected::Reply { status: 200, body, applied: false });
    let out = h.export(FULL, export_payload("exp-2", NOVEMBER, shift("2026-11-03", "6.00"))).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    assert_eq!(out.write_calls, 2, "the PUT, and the one repair after the check");
    assert_eq!(h.calls_of(Rest::HoursPost.name()), 1, "only the first export's insert");
    assert_eq!(out.bucket(JAN, "hours", Some(1))["verified"], json!(true));
    assert_eq!(out.bucket(JAN, "hours", Some(1))["drift"], Value::Null, "not drift found before planning");
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hours.iter().map(|l| (l.id, l.value)).collect::<Vec<_>>(), [(hours, d("6"))]);
    h.stop().await;
}

/// A clerk's copy of the worker's line, marker and all, is `duplicated`: the copy is dropped,
/// and the line kept carries the marker, also under "a PUT replaces the whole line" (the PUT
/// writes the marker back). The marker stays the bucket's: a later strip of it is still found
/// (issue 18 review: the ledger had forgotten it and called the bare line verified).
#[tokio::test]
async fn the_line_kept_after_a_duplicate_is_dropped_keeps_the_marker() {
    let mut h = Spawn::new().api(Api::Rest).start().await;
    h.sim.set_rest_settings(RestSettings { put_omitted: Omitted::Clear, ..RestSettings::default() });
    let first = h.export(FULL, export_payload("exp-1", DECEMBER, shift("2026-12-03", "8.00"))).await;
    let hours = first.component_id(JAN, "hours", 1).unwrap();
    let marked = comment(&h, hours).expect("the worker's comment");
    let copy = h.sim.clerk(
        demo::DOMAIN,
        ClerkAction::AddLine {
            employee_id: JAN,
            year: DECEMBER.0,
            period: DECEMBER.1,
            kind: LineKind::Hours,
            code: 1,
            value: d("8"),
            comment: Some(marked.clone()),
        },
    );
    let copy = copy.expect("the clerk's edit").expect("the copy's id");

    let out = h.export(FULL, export_payload("exp-2", DECEMBER, shift("2026-12-03", "8.00"))).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    assert_eq!(out.bucket(JAN, "hours", Some(1))["drift"], json!({"found": "duplicated", "nmbrs_value": "16"}));
    assert_eq!(h.nmbrs(JAN, DECEMBER).hour_values(), [(1, d("8"))], "one line of 8 hours left");
    let kept = out.component_id(JAN, "hours", 1).expect("the line kept");
    assert!([hours, copy].contains(&kept));
    assert_eq!(comment(&h, kept).as_deref().and_then(find_in), find_in(&marked), "the PUT wrote the marker back");

    clerk(&h, ClerkAction::StripComment { line_id: kept });
    let after = h.export(FULL, export_payload("exp-3", DECEMBER, shift("2026-12-03", "8.00"))).await;
    assert_eq!(after.bucket(JAN, "hours", Some(1))["drift"], json!({"found": "unmarked", "nmbrs_value": "8"}));
    assert_eq!(comment(&h, kept).as_deref().and_then(find_in), find_in(&marked), "put back once more");
    h.stop().await;
}

/// A line carrying a marker this integration never issued (another integration's on the same
/// Nmbrs company, or a look-alike a person typed) is a person's: never counted, changed or
/// deleted, however like the worker's it looks (issue 18 review: a second integration took the
/// first one's lines for duplicates and deleted them).
#[tokio::test]
async fn a_line_marked_by_another_integration_is_a_persons_and_never_touched() {
    let mut h = Spawn::new().api(Api::Rest).start().await;
    let first = h.export(FULL, export_payload("exp-1", DECEMBER, shift("2026-12-03", "8.00"))).await;
    assert_eq!(first.status(), "succeeded", "{:#}", first.completed);
    let others = nmbrs_worker::domain::export::marker::InsertMarker::from_random([7; 8]).comment();
    for (kind, code) in [(LineKind::Hours, 1), (LineKind::Wage, 400)] {
        let (year, period) = DECEMBER;
        let add = ClerkAction::AddLine {
            employee_id: JAN,
            year,
            period,
            kind,
            code,
            value: d("8"),
            comment: Some(others.clone()),
        };
        clerk(&h, add);
    }
    let before = h.nmbrs(JAN, DECEMBER).ids();

    let out = h.export(FULL, export_payload("exp-2", DECEMBER, shift("2026-12-03", "8.00"))).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    assert_eq!(out.write_calls, 0, "nothing drifted: the other integration's lines are not the worker's");
    assert_eq!((out.count("verified"), out.count("drift_repaired")), (3, 0));
    assert_eq!(h.nmbrs(JAN, DECEMBER).ids(), before, "every line still there");
    assert_eq!(h.nmbrs(JAN, DECEMBER).hour_values(), [(1, d("8")), (1, d("8"))]);
    h.stop().await;
}
