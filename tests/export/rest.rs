//! ExportHours through the REST edge (CONTRACT §5.3): a changed bucket is updated in place
//! (one repeat-safe `PUT`, the same line and marker), an emptied bucket of an allowed closed
//! period is set to 0 (REST `DELETE` has no `unprotectedMode`), a lost `PUT` reply is repeated
//! and never in doubt, and a lost insert is adopted only by the line carrying its own marker,
//! without reading the period before inserting. The production worker runs against the
//! simulator's REST face over HTTP with real RabbitMQ and PostgreSQL.
//!
//! Needs the REST edge as a full `NmbrsApi` reporting its capabilities
//! (`component_updates() -> Some(self)`, `reads_comments() -> true`) and the lead's wiring
//! (`Spawn::api`, `Api::Rest`).

use crate::export::crash::harness::{Crew, FAILPOINT_EXIT, completed, count, message_id};
use crate::support::export::*;
use crate::support::*;
use nmbrs_worker::{
    domain::export::marker::find_in,
    nmbrs::{PayPeriod, rest::RestOperation as Rest},
    sim::{
        Simulator, demo,
        rest::{Numbers, RestInjected, RestSettings},
    },
};
use serde_json::{Value, json};

fn shift(hours: &str) -> Value {
    json!([with(worked("j-1", JAN, "2026-11-03", hours), json!({"meals": 1}))])
}

/// Calls of `op` so far.
fn calls(h: &TestApp, op: Rest) -> usize {
    h.calls_of(op.name())
}

/// The comment Nmbrs holds on line `id` (SOAP id of the simulator's state).
fn comment(h: &TestApp, id: i32) -> Option<String> {
    h.sim.state().domain_mut(demo::DOMAIN).line_info.get(&id).and_then(|i| i.comment.clone())
}

#[tokio::test]
async fn a_changed_bucket_is_updated_in_place_with_one_put_keeping_its_line_and_marker() {
    let mut h = Spawn::new().api(Api::Rest).start().await;
    let first = h.export(FULL, export_payload("exp-1", NOVEMBER, shift("7.50"))).await;
    assert_eq!(first.status(), "succeeded", "{:#}", first.completed);
    let line = first.component_id(JAN, "hours", 1).expect("the hours line");
    let marker = comment(&h, line).as_deref().and_then(find_in).expect("the insert's marker");

    let (posts, deletes) = (calls(&h, Rest::HoursPost), calls(&h, Rest::HoursDelete));
    let out = h.export(FULL, export_payload("exp-2", NOVEMBER, shift("9.25"))).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    assert_eq!(out.bucket(JAN, "hours", Some(1))["action"], "replace");
    assert_eq!(out.component_id(JAN, "hours", 1), Some(line), "the same line, changed");
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("9.25"))]);
    assert_eq!(calls(&h, Rest::HoursPut), 1, "one PUT");
    assert_eq!((calls(&h, Rest::HoursPost), calls(&h, Rest::HoursDelete)), (posts, deletes), "no delete, no insert");
    assert_eq!(comment(&h, line).as_deref().and_then(find_in), Some(marker), "its marker stays");
    out.assert_matches_nmbrs(&h.sim);

    // An identical re-export writes nothing.
    let again = h.export(FULL, export_payload("exp-3", NOVEMBER, shift("9.25"))).await;
    assert_eq!(again.write_calls, 0);
    h.stop().await;
}

#[tokio::test]
async fn an_emptied_bucket_of_an_allowed_closed_period_is_set_to_zero_not_deleted() {
    let mut h = Spawn::new().api(Api::Rest).start().await;
    // CATERING's current period is 2026-12: period 11 is closed; the export may write it.
    let emma = json!([with(worked("e-1", EMMA, "2026-11-10", "5.00"), json!({"eitje_venue_id": "v-catering"}))]);
    let mut first = export_payload("exp-closed-1", NOVEMBER, emma);
    first["allow_closed_period"] = json!(true);
    let out = h.export(FULL, first).await;
    let line = out.component_id(EMMA, "hours", 1).expect("the hours line");

    let mut withdrawn = export_payload("exp-closed-2", NOVEMBER, json!([]));
    withdrawn["allow_closed_period"] = json!(true);
    withdrawn["withdrawn_entry_ids"] = json!(["e-1"]);
    let deletes = calls(&h, Rest::HoursDelete);
    let out = h.export(FULL, withdrawn.clone()).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    assert_eq!(out.bucket(EMMA, "hours", Some(1))["action"], "delete");
    assert_eq!(calls(&h, Rest::HoursDelete), deletes, "no DELETE in a closed period");
    let held = h.nmbrs(EMMA, NOVEMBER);
    assert_eq!(held.hours.iter().map(|l| (l.id, l.value)).collect::<Vec<_>>(), [(line, d("0"))]);

    // The line kept at 0 needs nothing more.
    withdrawn["export_id"] = json!("exp-closed-3");
    assert_eq!(h.export(FULL, withdrawn).await.write_calls, 0);
    h.stop().await;
}

#[tokio::test]
async fn a_lost_put_reply_is_repeated_never_in_doubt() {
    let mut h = Spawn::new().api(Api::Rest).start().await;
    let first = h.export(FULL, export_payload("exp-1", NOVEMBER, shift("7.50"))).await;
    let line = first.component_id(JAN, "hours", 1).expect("the hours line");
    // More lost replies than the client retries within one call: the job's next attempt PUTs again.
    for _ in 0..8 {
        h.sim.inject_rest(Some(Rest::HoursPut.name()), RestInjected::LostReply);
    }
    let out = h.export(FULL, export_payload("exp-2", NOVEMBER, shift("6"))).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    assert_eq!(out.count("in_doubt"), 0);
    assert!(!out.notification_codes().contains(&"export.in_doubt".to_string()));
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hours.iter().map(|l| (l.id, l.value)).collect::<Vec<_>>(), [(line, d("6"))]);
    assert!(calls(&h, Rest::HoursPut) > 8, "repeated until answered");
    h.stop().await;
}

#[tokio::test]
async fn a_lost_insert_is_adopted_only_by_its_marker_next_to_a_persons_identical_line() {
    let mut h = Spawn::new().api(Api::Rest).start().await;
    // A person's line of the same code and value, without a marker.
    let persons = h.hand_made_hours(JAN, NOVEMBER, 1, "7.50").await;
    h.sim.inject_rest(Some(Rest::HoursPost.name()), RestInjected::LostReply);
    h.sim.clear_calls();
    let out = h.export(FULL, export_payload("exp-lost", NOVEMBER, shift("7.50"))).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    assert_eq!(out.count("in_doubt"), 0);
    assert_eq!(calls(&h, Rest::HoursPost), 1, "never inserted twice");
    assert_eq!(calls(&h, Rest::HoursGet), 2, "the read-back and the check after writing, none before the insert");
    let jan = h.nmbrs(JAN, NOVEMBER);
    assert_eq!(jan.hour_values(), [(1, d("7.5")), (1, d("7.5"))]);
    let mine = out.component_id(JAN, "hours", 1).expect("adopted");
    assert_ne!(mine, persons, "the person's line is never taken");
    assert!(comment(&h, mine).as_deref().and_then(find_in).is_some());
    h.stop().await;
}

#[tokio::test]
async fn an_insert_whose_marker_is_not_found_is_sent_again_only_by_a_later_attempt_never_in_doubt() {
    let mut h = Spawn::new().api(Api::Rest).start().await;
    // The connection drops after sending: the insert may have landed; it did not.
    h.sim.inject_rest(Some(Rest::HoursPost.name()), RestInjected::Drop);
    h.sim.clear_calls();
    let out = h.export(FULL, export_payload("exp-later", NOVEMBER, shift("7.50"))).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    assert_eq!(out.count("in_doubt"), 0, "no line with the marker: not landed, no doubt");
    let hours: Vec<String> = (h.sim.calls().into_iter())
        .filter(|c| c.operation.ends_with("/variablehours"))
        .map(|c| format!("{} {}", &c.operation[..c.operation.find(' ').unwrap_or(0)], c.outcome))
        .collect();
    // No read before the insert; read back at once (not there), again by the next attempt, and
    // only then sent again; last the check after writing (CONTRACT §2.5 "Proof in Nmbrs").
    assert_eq!(hours, ["POST injected:drop", "GET ok", "GET ok", "POST ok", "GET ok"], "{hours:?}");
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("7.5"))]);
    out.assert_matches_nmbrs(&h.sim);
    h.stop().await;
}

/// Issue 23: Nmbrs sends hours and amounts back through float32 (`7.3000002` for 7.30). A
/// lost insert is found by its marker and its hours and meal read back as written; an
/// identical re-export, read one float32 step the other way, writes nothing; a change writes
/// one `PUT` of the exact value.
#[tokio::test]
async fn lines_read_back_through_float32_are_the_values_written() {
    let mut h = Spawn::new().api(Api::Rest).start().await;
    let noise = |steps| RestSettings { numbers: Numbers::Float32 { steps }, ..Default::default() };
    h.sim.set_rest_settings(noise(1));
    h.sim.inject_rest(Some(Rest::HoursPost.name()), RestInjected::LostReply);
    let shift = |hours: &str| json!([with(worked("j-1", JAN, "2026-11-03", hours), json!({"meals": 2}))]);
    let out = h.export(FULL, export_payload("exp-f32-1", NOVEMBER, shift("7.30"))).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    assert_eq!((out.count("in_doubt"), calls(&h, Rest::HoursPost)), (0, 1), "adopted by its marker, never twice");
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("7.3"))]);
    out.assert_matches_nmbrs(&h.sim);

    h.sim.set_rest_settings(noise(-1));
    let again = h.export(FULL, export_payload("exp-f32-2", NOVEMBER, shift("7.30"))).await;
    assert_eq!((again.status(), again.write_calls), ("succeeded", 0), "{:#}", again.completed);
    let changed = h.export(FULL, export_payload("exp-f32-3", NOVEMBER, shift("7.35"))).await;
    assert_eq!((changed.write_calls, calls(&h, Rest::HoursPut)), (1, 1), "{:#}", changed.completed);
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("7.35"))]);
    h.stop().await;
}

/// The real binary stopped between the `PUT` and its record (failpoint `export.after_update`):
/// the restarted worker sends the same `PUT` again (safe) and records it; one line, the same
/// one, never a delete or a second insert, nothing in doubt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_the_put_and_its_record_repeats_the_put_safely() {
    let mut env = TestEnv::new();
    let sim = Simulator::start_demo().await.unwrap();
    point_rest_at(&mut env, &sim);
    let grant = mint_demo_grant(&sim);
    let mut events = env.events().await;
    let mut crew = Crew::new(&env, &sim);
    let job = |export_id: &str, hours: &str| {
        let payload = export_payload(export_id, NOVEMBER, shift(hours));
        let mut job = api_job(&env, Api::Rest, Some(&grant), "ExportHours", INTEGRATION, payload);
        job["integration"]["settings"] = settings();
        job
    };
    let lines = || sim.hour_components(demo::DOMAIN, JAN, PayPeriod::new(NOVEMBER.0, NOVEMBER.1));

    let first = crew.start(&[]);
    let exp1 = job("exp-1", "7.50");
    env.publish(&exp1).await;
    completed(&mut events, &message_id(&exp1), 60).await;
    crew.proc(first).sigterm();
    assert_eq!(crew.proc(first).exit_within(20).await, Some(0), "the first worker stops cleanly");
    let line = lines()[0].id;

    let crashing = crew.start(&[("FAILPOINTS", "export.after_update=return")]);
    let exp2 = job("exp-2", "9.25");
    env.publish(&exp2).await;
    assert_eq!(crew.proc(crashing).exit_within(60).await, Some(FAILPOINT_EXIT), "stopped after the PUT");
    assert_eq!(lines().iter().map(|l| (l.id, l.hours.0)).collect::<Vec<_>>(), [(line, d("9.25"))], "the PUT landed");

    crew.start(&[]);
    let done = completed(&mut events, &message_id(&exp2), 60).await;
    assert_eq!(done.body["payload"]["status"], "succeeded", "{:#}", done.body);
    assert_eq!(count(&done, "in_doubt"), 0);
    assert_eq!(lines().iter().map(|l| (l.id, l.hours.0)).collect::<Vec<_>>(), [(line, d("9.25"))]);
    let of = |op: Rest| sim.calls().iter().filter(|c| c.operation == op.name()).count();
    assert_eq!((of(Rest::HoursPut), of(Rest::HoursPost), of(Rest::HoursDelete)), (2, 1, 0), "the PUT repeated");
    crew.stop_all().await;
}
