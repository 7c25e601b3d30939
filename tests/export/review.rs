//! A reviewer's probes of the REST export and the SOAP→REST switch (issues 9 and 10): days
//! going up and down under both simulator POST behaviours, days across the switch, a relink
//! whose consent leaves a company out, envelopes a `rest` integration must refuse or handle,
//! and members with SOAP-era ids on an integration that has nothing to relink.

use crate::support::export::*;
use crate::support::*;
use nmbrs_worker::sim::{
    demo,
    rest::{DaysPost, GrantSpec, RestSettings},
};
use serde_json::{Value, json};
use uuid::Uuid;

/// Jan's shifts on `days` distinct dates of November, 4 h each.
fn jan_days(days: u32) -> Value {
    let shifts: Vec<Value> =
        (1..=days).map(|d| worked(&format!("j-{d}"), JAN, &format!("2026-11-{:02}", d + 2), "4.00")).collect();
    json!(shifts)
}

/// A November export of Jan's shifts on `days` dates, the shifts of later dates withdrawn.
fn days_payload(export_id: &str, days: u32) -> Value {
    let mut payload = export_payload(export_id, NOVEMBER, jan_days(days));
    let withdrawn: Vec<String> = (days + 1..=4).map(|d| format!("j-{d}")).collect();
    payload["withdrawn_entry_ids"] = json!(withdrawn);
    payload
}

/// The job's result event (completed or failed) and the job's other events.
async fn result_of(h: &mut TestApp, job: &Value) -> (Received, Vec<Received>) {
    h.env.publish(job).await;
    let id = job["message_id"].as_str().unwrap().to_string();
    let done = h
        .events
        .wait_for(60, "job result", |e| {
            matches!(e.kind(), "job.completed" | "job.failed" | "job.rejected") && e.body["job"]["message_id"] == id
        })
        .await;
    h.events.collect_for(300).await;
    let others = h.events.seen.iter().filter(|e| e.body["job"]["message_id"] == id && e.kind() != done.kind());
    let others = others.cloned().collect();
    (done, others)
}

#[tokio::test]
async fn rest_days_go_up_and_down_exactly_under_both_post_behaviours() {
    for behaviour in [DaysPost::Replace, DaysPost::Add] {
        let mut h = Spawn::new().api(Api::Rest).start().await;
        h.sim.set_rest_settings(RestSettings { days_post: behaviour, ..Default::default() });
        let mut held = 0;
        for (n, days) in [3u32, 1, 4, 2, 2, 0, 5].into_iter().enumerate() {
            let payload = days_payload(&format!("exp-{n}"), days);
            let out = h.export(FULL, payload).await;
            let now = h.nmbrs(JAN, NOVEMBER).days.unwrap_or(0);
            if out.status() == "partial" {
                // CONTRACT §5.3: a correction Nmbrs cannot express is reported, never silently wrong.
                assert_eq!(behaviour, DaysPost::Add, "step {n}: {:#}", out.completed);
                assert!((days as i32) < held, "only a lowering can be refused (step {n})");
                assert_eq!(out.completed["errors"][0]["code"], "nmbrs_refused", "{:#}", out.completed);
                assert_eq!(now, held, "{behaviour:?} step {n}: the days as they were");
            } else {
                assert_eq!(out.status(), "succeeded", "{behaviour:?} step {n}: {:#}", out.completed);
                assert_eq!(now, days as i32, "{behaviour:?} step {n}: days {days}");
                out.assert_matches_nmbrs(&h.sim);
                held = now;
            }
        }
        h.stop().await;
    }
}

#[tokio::test]
async fn days_changed_after_the_switch_end_exact_under_both_post_behaviours() {
    for behaviour in [DaysPost::Replace, DaysPost::Add] {
        let mut h = Spawn::new().start().await;
        let out = h.export(FULL, export_payload("exp-soap", NOVEMBER, jan_days(2))).await;
        assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
        assert_eq!(h.nmbrs(JAN, NOVEMBER).days, Some(2));
        h.api = Api::Rest;
        h.grant = Some(mint_demo_grant(&h.sim));
        h.sim.set_rest_settings(RestSettings { days_post: behaviour, ..Default::default() });
        let mut held = 2;
        for (n, days) in [3u32, 1, 4].into_iter().enumerate() {
            let out = h.export(FULL, days_payload(&format!("exp-rest-{n}"), days)).await;
            let now = h.nmbrs(JAN, NOVEMBER).days.unwrap_or(0);
            assert_eq!(out.count("in_doubt"), 0);
            if out.status() == "partial" {
                assert_eq!(behaviour, DaysPost::Add, "step {n}: {:#}", out.completed);
                assert_eq!(out.completed["errors"][0]["code"], "nmbrs_refused", "{:#}", out.completed);
                assert_eq!(now, held, "{behaviour:?} step {n}: the days as they were");
            } else {
                assert_eq!(out.status(), "succeeded", "{behaviour:?} step {n}: {:#}", out.completed);
                assert_eq!(now, days as i32, "{behaviour:?} step {n}");
                held = now;
            }
        }
        h.stop().await;
    }
}

#[tokio::test]
async fn a_relink_whose_consent_leaves_a_company_out_writes_nothing_there_and_keeps_the_rest_exact() {
    let mut h = Spawn::new().start().await;
    let emma = with(worked("e-1", EMMA, "2026-12-01", "5.00"), json!({"eitje_venue_id": "v-catering"}));
    let entries = |jan: &str| json!([worked("j-1", JAN, "2026-11-03", jan), emma.clone()]);
    // CATERING's current period is 2026-12: export December for both companies' sake.
    let out =
        h.export(FULL, export_payload("exp-soap", NOVEMBER, json!([worked("j-1", JAN, "2026-11-03", "6.00")]))).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    let out = h.export(FULL, export_payload("exp-soap-dec", (2026, 12), json!([emma.clone()]))).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    let emma_before = h.nmbrs(EMMA, (2026, 12));
    // The customer consents for HORECA only.
    let minted = h.sim.mint_grant(GrantSpec {
        grant_id: Uuid::new_v4().to_string(),
        client_id: "eitje-worker-tests".into(),
        domain: demo::DOMAIN.into(),
        companies: Some(vec![demo::HORECA]),
        ..Default::default()
    });
    h.api = Api::Rest;
    h.grant = Some(nmbrs_worker::credentials::RestGrant::new(minted.grant_id.parse().unwrap(), minted.refresh_token));
    let job = h.job(FULL, export_payload("exp-rest", NOVEMBER, entries("8.00")));
    let (done, events) = result_of(&mut h, &job).await;
    let codes: Vec<&Value> =
        events.iter().filter(|e| e.kind() == "notification").map(|e| &e.body["payload"]["code"]).collect();
    eprintln!("result {:#}\nnotifications {codes:?}", done.body["payload"]);
    assert_eq!(h.nmbrs(EMMA, (2026, 12)), emma_before, "nothing written in the company outside the consent");
    let jan = h.nmbrs(JAN, NOVEMBER);
    assert!(jan.hour_values().len() <= 1, "never a second component for Jan: {jan:?}");
    // Then a December re-export for Emma, her company outside the consent.
    let job =
        h.job(FULL, export_payload("exp-rest-dec", (2026, 12), json!([with(emma.clone(), json!({"hours": "7.00"}))])));
    let (done, events) = result_of(&mut h, &job).await;
    let codes: Vec<&Value> =
        events.iter().filter(|e| e.kind() == "notification").map(|e| &e.body["payload"]["code"]).collect();
    eprintln!("dec result {:#}\nnotifications {codes:?}", done.body["payload"]);
    assert_eq!(h.nmbrs(EMMA, (2026, 12)), emma_before, "nothing written in the company outside the consent");
    assert!(codes.iter().any(|c| *c == "nmbrs.no_access"), "the company outside the consent is named: {codes:?}");
    h.stop().await;
}

#[tokio::test]
async fn a_rest_integration_with_soap_venue_ids_or_mixed_venues_is_refused_before_any_call() {
    let mut h = Spawn::new().api(Api::Rest).start().await;
    for venues in [
        json!([{"eitje_venue_id": "v-horeca", "nmbrs_company_id": demo::HORECA}]),
        json!([{"eitje_venue_id": "v-horeca", "nmbrs_company_id": Api::Rest.company(demo::HORECA)},
               {"eitje_venue_id": "v-catering", "nmbrs_company_id": demo::CATERING}]),
    ] {
        let mut job = h.job(FULL, export_payload("exp-bad-venues", NOVEMBER, jan_days(1)));
        job["integration"]["venues"] = venues.clone();
        let writes = h.sim.write_calls();
        let (done, _) = result_of(&mut h, &job).await;
        eprintln!("{} {:#}", done.kind(), done.body["payload"]);
        assert_eq!(done.kind(), "job.rejected", "{venues}: {:#}", done.body);
        assert_eq!(h.sim.write_calls(), writes);
    }
    // And a SOAP integration whose venue carries a UUID.
    h.api = Api::Soap;
    let mut job = h.job(FULL, export_payload("exp-bad-venues-soap", NOVEMBER, jan_days(1)));
    job["integration"]["venues"] =
        json!([{"eitje_venue_id": "v-horeca", "nmbrs_company_id": Api::Rest.company(demo::HORECA)}]);
    let (done, _) = result_of(&mut h, &job).await;
    eprintln!("{} {:#}", done.kind(), done.body["payload"]);
    assert_eq!(done.kind(), "job.rejected");
    h.stop().await;
}

#[tokio::test]
async fn a_rest_entry_naming_an_unknown_employee_uuid_is_skipped_and_the_rest_exported() {
    let mut h = Spawn::new().api(Api::Rest).start().await;
    let stranger = Uuid::new_v4().to_string();
    let mut entries = jan_days(1);
    entries
        .as_array_mut()
        .unwrap()
        .push(with(worked("x-1", JAN, "2026-11-04", "3.00"), json!({"nmbrs_employee_id": "PLACEHOLDER"})));
    let mut job = h.job(FULL, export_payload("exp-stranger", NOVEMBER, entries));
    job["payload"]["entries"][1]["nmbrs_employee_id"] = json!(stranger);
    let (done, events) = result_of(&mut h, &job).await;
    eprintln!("{} {:#}", done.kind(), done.body["payload"]);
    for e in &events {
        eprintln!("  {} {}", e.kind(), e.body["payload"]);
    }
    assert_eq!(done.kind(), "job.completed");
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("4"))]);
    let exported = events.iter().find(|e| e.kind() == "hours.exported").expect("hours.exported");
    let skipped = exported.body["payload"]["skipped"].as_array().unwrap();
    assert!(skipped.iter().any(|s| s["entry_id"] == "x-1"), "{skipped:?}");
    h.stop().await;
}

#[tokio::test]
async fn members_with_soap_ids_on_a_rest_integration_with_nothing_to_relink_are_not_deactivated() {
    let mut h = Spawn::new().api(Api::Rest).start().await;
    let roster = json!([
        {"eitje_user_id": "u-jan", "nmbrs_employee_id": JAN, "active": true},
        {"eitje_user_id": "u-anton", "nmbrs_employee_id": ANTON, "active": true}
    ]);
    let mut job = api_job(
        &h.env,
        Api::Rest,
        h.grant.as_ref(),
        "SyncTeam",
        INTEGRATION,
        json!({"trigger": "manual", "full": false, "members": []}),
    );
    job["payload"]["members"] = roster; // SOAP-era ids, no SOAP-era state in this worker
    let (done, events) = result_of(&mut h, &job).await;
    eprintln!("{} {:#}", done.kind(), done.body["payload"]);
    for e in &events {
        eprintln!("  {} {}", e.kind(), e.body["payload"]);
    }
    assert!(events.iter().all(|e| e.kind() != "team_member.deactivated"), "nobody deactivated for carrying a SOAP id");
    let mut deactivate =
        api_job(&h.env, Api::Rest, h.grant.as_ref(), "Deactivate", INTEGRATION, json!({"members": []}));
    deactivate["payload"]["members"] = json!([{"eitje_user_id": "u-jan", "nmbrs_employee_id": JAN, "active": true}]);
    let (done, events) = result_of(&mut h, &deactivate).await;
    eprintln!("{} {:#}", done.kind(), done.body["payload"]);
    for e in &events {
        eprintln!("  {} {}", e.kind(), e.body["payload"]);
    }
    assert!(events.iter().all(|e| e.kind() != "team_member.deactivated"), "Jan is employed; not deactivated");
    h.stop().await;
}

#[tokio::test]
async fn a_rest_job_in_a_worker_without_rest_settings_fails_rest_not_configured_and_says_so() {
    let without_rest = |env: &TestEnv, _: &nmbrs_worker::sim::Simulator| {
        let mut config = env.config();
        let none: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
        config.rest = nmbrs_worker::nmbrs::rest::RestConfig::from_source(&none).expect("REST settings may be absent");
        nmbrs_worker::jobs::Handlers::production(&config).expect("handlers")
    };
    let mut h = Spawn::new().api(Api::Rest).handlers(without_rest).start().await;
    let job = h.job(FULL, export_payload("exp-unconfigured", NOVEMBER, jan_days(1)));
    let (done, events) = result_of(&mut h, &job).await;
    assert_eq!(done.kind(), "job.failed", "{:#}", done.body);
    assert_eq!(done.body["payload"]["error"]["code"], "rest_not_configured", "{:#}", done.body);
    let notices: Vec<&Value> =
        events.iter().filter(|e| e.kind() == "notification").map(|e| &e.body["payload"]).collect();
    assert_eq!(notices.len(), 1, "{notices:#?}");
    assert_eq!(
        (notices[0]["code"].as_str(), notices[0]["params"]["code"].as_str()),
        (Some("job.failed"), Some("rest_not_configured"))
    );
    assert_eq!(h.sim.write_calls(), 0);
    h.stop().await;
}

#[tokio::test]
async fn an_allowed_closed_period_exported_on_soap_is_never_doubled_by_a_re_export_on_rest() {
    let mut h = Spawn::new().start().await;
    // CATERING's current period is 2026-12: November is closed, and the export may write it.
    let emma =
        |hours: &str| json!([with(worked("e-1", EMMA, "2026-11-10", hours), json!({"eitje_venue_id": "v-catering"}))]);
    let closed = |id: &str, hours: &str| {
        let mut p = export_payload(id, NOVEMBER, emma(hours));
        p["allow_closed_period"] = json!(true);
        p
    };
    let out = h.export(FULL, closed("exp-soap", "5.00")).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    assert_eq!(h.nmbrs(EMMA, NOVEMBER).hour_values(), [(1, d("5"))]);
    h.api = Api::Rest;
    h.grant = Some(mint_demo_grant(&h.sim));

    let out = h.export(FULL, closed("exp-rest-same", "5.00")).await;
    eprintln!("identical: {:#}", out.completed);
    assert_eq!(h.nmbrs(EMMA, NOVEMBER).hour_values(), [(1, d("5"))], "never a second component: {:#}", out.exported);
    assert_eq!(out.write_calls, 0, "an identical re-export writes nothing");

    let out = h.export(FULL, closed("exp-rest-changed", "6.00")).await;
    eprintln!("changed: {:#}\n{:#}", out.completed, out.exported);
    let held = h.nmbrs(EMMA, NOVEMBER).hour_values();
    assert!(held.iter().map(|(_, v)| *v).sum::<rust_decimal::Decimal>() <= d("6"), "never doubled: {held:?}");
    // CONTRACT §5.2: every id in the events of a `rest` integration is the REST one; and the
    // company is not out of reach (the consent covers it): a no_access about the SOAP-era id
    // sends a person looking for a missing right that is not missing.
    let texts = [out.completed.to_string(), out.exported.to_string()];
    for text in texts.iter().chain(out.notifications.iter().map(|n| n.to_string()).collect::<Vec<_>>().iter()) {
        assert!(!text.contains(&demo::CATERING.to_string()), "a SOAP-era company id in a REST event: {text}");
        assert!(!text.contains("nmbrs.no_access"), "a misleading no_access: {text}");
    }
    h.stop().await;
}

#[tokio::test]
async fn a_rest_export_whose_entries_carry_never_relinked_soap_ids_writes_nothing_and_says_why() {
    let mut h = Spawn::new().api(Api::Rest).start().await;
    let payload = export_payload("exp-soap-ids", NOVEMBER, jan_days(2));
    let mut job = h.job(FULL, payload.clone());
    job["payload"] = payload; // the SOAP-era integer ids, nothing relinked in this worker
    let (done, events) = result_of(&mut h, &job).await;
    eprintln!("{} {:#}", done.kind(), done.body["payload"]);
    for e in &events {
        eprintln!("  {} {}", e.kind(), e.body["payload"]);
    }
    assert_eq!(h.sim.write_calls(), 0);
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), []);
    let exported = events.iter().find(|e| e.kind() == "hours.exported").expect("hours.exported");
    let skipped = exported.body["payload"]["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 2, "both entries named: {skipped:?}");
    h.stop().await;
}

#[tokio::test]
async fn a_switch_to_a_consent_missing_a_scope_names_the_scope_and_writes_nothing() {
    let mut h = Spawn::new().start().await;
    let out = h.export(FULL, export_payload("exp-soap", NOVEMBER, jan_days(1))).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    let before = h.nmbrs(JAN, NOVEMBER);
    let minted = h.sim.mint_grant(GrantSpec {
        grant_id: Uuid::new_v4().to_string(),
        client_id: "eitje-worker-tests".into(),
        domain: demo::DOMAIN.into(),
        scope:
            "offline_access company.info.read company.payrollsettings.read employee.info.read employee.employment.read"
                .into(),
        ..Default::default()
    });
    h.api = Api::Rest;
    h.grant = Some(nmbrs_worker::credentials::RestGrant::new(minted.grant_id.parse().unwrap(), minted.refresh_token));
    let job = h.job(FULL, export_payload("exp-rest", NOVEMBER, jan_days(2)));
    let (done, events) = result_of(&mut h, &job).await;
    eprintln!("{} {:#}", done.kind(), done.body["payload"]);
    for e in &events {
        eprintln!("  {} {}", e.kind(), e.body["payload"]);
    }
    assert_eq!(h.nmbrs(JAN, NOVEMBER), before, "nothing written without the scope");
    let notices: Vec<&Value> =
        events.iter().filter(|e| e.kind() == "notification").map(|e| &e.body["payload"]).collect();
    assert!(
        notices.iter().any(|n| n["code"] == "nmbrs.missing_rights" && n["params"]["scope"].is_string()),
        "{notices:#?}"
    );
    h.stop().await;
}
