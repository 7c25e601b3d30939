//! Jobs across the switch (issue 10, CONTRACT §5.4), end to end through the worker: an
//! integration exports and syncs through SOAP, the monolith flips it to REST (a consent, REST
//! venue ids), and its next jobs run on REST. The first REST job relinks the SOAP-era state;
//! after it an identical re-export writes nothing, a changed one changes the SOAP-made
//! component instead of adding a second, a withdrawn entry deletes it, and the team sync matches
//! members that still carry SOAP-era ids without duplicating or deactivating anyone.

use crate::support::export::*;
use crate::support::*;
use serde_json::{Value, json};

fn entries(jan_hours: &str) -> Value {
    json!([
        with(worked("j-1", JAN, "2026-11-03", jan_hours), json!({"meals": 1})),
        worked("a-1", ANTON, "2026-11-03", "6.00"),
    ])
}

/// Flips `h`'s integration to REST, as the monolith does once the customer consented.
fn switch_to_rest(h: &mut TestApp) {
    h.api = Api::Rest;
    h.grant = Some(mint_demo_grant(&h.sim));
}

/// A REST job of `h` whose entries still carry the SOAP-era integer ids (the monolith has not
/// updated them yet).
fn with_soap_ids(mut job: Value, payload: Value) -> Value {
    job["payload"] = payload;
    job
}

async fn exported_through_soap_then_switched() -> TestApp {
    let mut h = Spawn::new().start().await;
    let first = h.export(FULL, export_payload("exp-soap", NOVEMBER, entries("7.50"))).await;
    assert_eq!(first.status(), "succeeded", "{:#}", first.completed);
    assert!(first.write_calls > 0);
    switch_to_rest(&mut h);
    h
}

#[tokio::test]
async fn after_the_switch_an_identical_re_export_writes_nothing() {
    for keep_soap_ids in [false, true] {
        let mut h = exported_through_soap_then_switched().await;
        let before = (h.nmbrs(JAN, NOVEMBER), h.nmbrs(ANTON, NOVEMBER));
        let payload = export_payload("exp-rest", NOVEMBER, entries("7.50"));
        let job = h.job(FULL, payload.clone());
        let job = if keep_soap_ids { with_soap_ids(job, payload) } else { job };
        let out = h.run(&job, 60).await;
        assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
        assert_eq!(out.write_calls, 0, "no write call after the switch (SOAP ids kept: {keep_soap_ids})");
        assert_eq!(out.count("in_doubt"), 0);
        assert_eq!((h.nmbrs(JAN, NOVEMBER), h.nmbrs(ANTON, NOVEMBER)), before, "Nmbrs untouched");
        h.stop().await;
    }
}

#[tokio::test]
async fn after_the_switch_a_changed_entry_changes_the_soap_made_component_and_a_withdrawn_one_deletes_it() {
    let mut h = exported_through_soap_then_switched().await;
    let soap_made = h.nmbrs(JAN, NOVEMBER).hours[0].id;
    let out = h.export(FULL, export_payload("exp-changed", NOVEMBER, entries("9.00"))).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    let jan = h.nmbrs(JAN, NOVEMBER);
    assert_eq!(jan.hour_values(), [(1, d("9"))], "one component, the new total");
    assert_eq!(jan.hours[0].id, soap_made, "the SOAP-made component changed in place, none added");
    assert_eq!(out.write_calls, 1, "one PUT");

    let withdrawn = json!({"export_id": "exp-withdrawn", "period": {"year": 2026, "number": 11},
                           "withdrawn_entry_ids": ["a-1"], "entries": [with(worked("j-1", JAN, "2026-11-03", "9.00"), json!({"meals": 1}))]});
    let out = h.export(FULL, withdrawn).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    assert!(h.nmbrs(ANTON, NOVEMBER).hours.is_empty(), "the SOAP-made component of the withdrawn entry is deleted");
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("9"))]);
    h.stop().await;
}

#[tokio::test]
async fn a_team_sync_across_the_switch_matches_soap_era_members_and_deactivates_nobody() {
    let mut h = Spawn::new().start().await;
    let roster = json!([
        {"eitje_user_id": "u-jan", "nmbrs_employee_id": JAN, "active": true},
        {"eitje_user_id": "u-anton", "nmbrs_employee_id": ANTON, "active": true}
    ]);
    let sync = |members: &Value| json!({"trigger": "manual", "full": false, "members": members});
    let soap = h.env.demo_job("SyncTeam", INTEGRATION, FULL, sync(&roster));
    let (done, _) = run_job(&h.env, &mut h.events, &soap).await;
    assert_eq!(done.body["payload"]["status"], "succeeded");
    // An export, so there is SOAP-era ledger state to relink too.
    h.export(FULL, export_payload("exp-soap", NOVEMBER, entries("7.50"))).await;

    switch_to_rest(&mut h);
    let mut rest = api_job(&h.env, Api::Rest, h.grant.as_ref(), "SyncTeam", INTEGRATION, sync(&roster));
    rest["payload"]["members"] = roster.clone(); // still the SOAP-era ids
    let (done, events) = run_job(&h.env, &mut h.events, &rest).await;
    assert_eq!(done.body["payload"]["status"], "succeeded", "{:#}", done.body);
    let counts = &done.body["payload"]["counts"];
    assert_eq!((counts["deactivated"].as_u64(), counts["left_nmbrs"].as_u64()), (Some(0), Some(0)), "{counts}");
    assert!(events.iter().all(|e| e.kind() != "team_member.deactivated"), "nobody is deactivated by the switch");
    let upserts: Vec<&Value> =
        events.iter().filter(|e| e.kind() == "team_member.upserted").map(|e| &e.body["payload"]).collect();
    for (user, soap_id) in [("u-jan", JAN), ("u-anton", ANTON)] {
        let mine: Vec<&&Value> = upserts.iter().filter(|p| p["eitje_user_id"] == user).collect();
        assert_eq!(mine.len(), 1, "{user} matched once, not duplicated: {upserts:#?}");
        assert_eq!(mine[0]["matched_by"], "nmbrs_id");
        assert_eq!(mine[0]["nmbrs_employee_id"], Api::Rest.employee(soap_id), "the REST id");
        assert_eq!(mine[0]["previous_nmbrs_employee_id"], soap_id, "the id the monolith must replace");
    }
    let new_members = upserts.iter().filter(|p| p["matched_by"] == "new").count();
    assert_eq!(new_members, 5, "the other imported employees, as on SOAP; no duplicates of Jan and Anton");
    h.stop().await;
}

#[tokio::test]
async fn an_employee_the_relink_cannot_recognise_is_never_written_beside_the_soap_made_component() {
    let mut h = exported_through_soap_then_switched().await;
    {
        let mut state = h.sim.state();
        let anton = state.domain_mut(nmbrs_worker::sim::demo::DOMAIN).employees.get_mut(&ANTON).unwrap();
        // Through REST Anton has another number and BSN: the relink cannot recognise him.
        anton.snapshot.employee_number = 77;
        anton.snapshot.bsn = Some("999999990".into());
        anton.personal_infos.iter_mut().for_each(|p| p.bsn = Some("999999990".into()));
    }
    let out = h.export(FULL, export_payload("exp-rest", NOVEMBER, entries("7.50"))).await;
    assert_eq!(out.status(), "partial", "{:#}", out.completed);
    assert!(
        out.skipped().contains(&("a-1".into(), None, "in_doubt".into())),
        "Anton's entry waits for a person: {:?}",
        out.skipped()
    );
    assert_eq!(h.nmbrs(ANTON, NOVEMBER).hour_values(), [(1, d("6"))], "only the SOAP-made line, none beside it");
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("7.5"))], "Jan, recognised, is exported as usual");
    assert_eq!(out.write_calls, 0, "nothing changed for Jan, nothing written for Anton");
    h.stop().await;
}
