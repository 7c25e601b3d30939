//! Issue 10, the capture part: every component the worker inserts through SOAP carries a
//! marker unique to its insert intent at the start of its comment, readable through the
//! simulator's REST face (one state behind both faces, as in Nmbrs). The production handlers
//! run in-process against the simulator over HTTP, with real RabbitMQ and PostgreSQL.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::export::*;
use crate::support::*;
use nmbrs_worker::{
    domain::export::marker::{InsertMarker, find_in},
    nmbrs::Operation,
    sim::{
        Injected, Simulator, demo,
        rest::{GrantSpec, ids::IdKind},
    },
};
use serde_json::{Value, json};
use sqlx::Row;

const CLIENT: (&str, &str, &str) = ("eitje app", "app secret", "sub-key");

/// An access token of a consent for the demo domain, from the simulator's token endpoint.
async fn rest_token(sim: &Simulator) -> String {
    sim.add_oauth_client(CLIENT.0, CLIENT.1, CLIENT.2);
    let grant =
        sim.mint_grant(GrantSpec { client_id: CLIENT.0.into(), domain: demo::DOMAIN.into(), ..Default::default() });
    let form = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "refresh_token"),
            ("refresh_token", grant.refresh_token.as_str()),
            ("client_id", CLIENT.0),
            ("client_secret", CLIENT.1),
        ])
        .finish();
    let resp = reqwest::Client::new()
        .post(sim.token_url())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    body["access_token"].as_str().unwrap_or_else(|| panic!("a token: {body}")).to_owned()
}

async fn rest_get(sim: &Simulator, token: &str, path: &str) -> Value {
    let resp = reqwest::Client::new()
        .get(format!("{}{path}", sim.base_url()))
        .header("Authorization", format!("Bearer {token}"))
        .header("X-Subscription-Key", CLIENT.2)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "GET {path}");
    serde_json::from_str(&resp.text().await.unwrap()).unwrap()
}

/// The comments of the variable hour and wage lines of `employee` in 2026-11, read through the
/// REST face, by SOAP line id.
async fn rest_comments(sim: &Simulator, token: &str, employee: i32) -> BTreeMap<i32, Option<String>> {
    let uuid = |kind, id| sim.rest_id(demo::DOMAIN, kind, id).to_string();
    let e = uuid(IdKind::Employee, employee);
    let company = uuid(IdKind::Company, demo::HORECA);
    let hours = rest_get(sim, token, &format!("/api/employees/{e}/variablehours?year=2026&period=11")).await;
    let wages = rest_get(
        sim,
        token,
        &format!("/api/companies/{company}/employees/variablewagecomponents?year=2026&period=11&employeeId={e}"),
    )
    .await;
    let mut by_uuid: BTreeMap<String, Option<String>> = BTreeMap::new();
    for line in hours["data"].as_array().unwrap() {
        by_uuid.insert(line["hourComponentId"].as_str().unwrap().into(), line["comment"].as_str().map(Into::into));
    }
    for per in wages["data"].as_array().unwrap().iter().filter(|p| p["employeeId"] == e.as_str()) {
        for line in per["variablewagecomponents"].as_array().unwrap() {
            let id = line["variableWageComponentId"].as_str().unwrap().to_owned();
            by_uuid.insert(id, line["comment"].as_str().map(Into::into));
        }
    }
    let held = nmbrs_period(sim, employee, NOVEMBER);
    let mut out = BTreeMap::new();
    for (kind, lines) in [(IdKind::HourComponent, &held.hours), (IdKind::WageComponent, &held.wages)] {
        for line in lines {
            let comment =
                by_uuid.remove(&uuid(kind, line.id)).unwrap_or_else(|| panic!("line {} read via REST", line.id));
            out.insert(line.id, comment);
        }
    }
    assert!(by_uuid.is_empty(), "REST shows no line SOAP does not: {by_uuid:?}");
    assert_eq!(sim.rest_violations(), Vec::<String>::new(), "the test's REST reads keep to the OpenAPI file");
    out
}

/// `(owned_ids, owned_marker, intent_marker, stage)` of every bucket row of an employee.
async fn bucket_markers(
    h: &TestApp,
    employee: i32,
) -> BTreeMap<String, (Vec<i32>, Option<String>, Option<String>, String)> {
    let pool = h.env.pool().await;
    let rows = sqlx::query(
        "SELECT component, owned_ids, owned_marker, intent_marker, stage FROM export_buckets
         WHERE integration_id = $1 AND employee_id = $2",
    )
    .bind(INTEGRATION)
    .bind(employee.to_string())
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows.iter()
        .map(|r| {
            let owned: Vec<String> = r.get("owned_ids");
            let owned = owned.iter().map(|id| id.parse().expect("a SOAP id")).collect();
            let value = (owned, r.get("owned_marker"), r.get("intent_marker"), r.get("stage"));
            (r.get::<String, _>("component"), value)
        })
        .collect()
}

fn marker_of(comment: &Option<String>) -> InsertMarker {
    let comment = comment.as_deref().expect("the worker's line has a comment");
    assert!(comment.starts_with("[EJ-") && comment.ends_with("] Eitje hours export"), "{comment:?}");
    find_in(comment).unwrap_or_else(|| panic!("a marker in {comment:?}"))
}

fn shifts(jan_hours: &str) -> Value {
    json!([
        with(worked("j-1", JAN, "2026-11-03", jan_hours), json!({"meals": 1})),
        worked("a-1", ANTON, "2026-11-04", "6.00"),
    ])
}

#[tokio::test]
async fn every_insert_carries_a_marker_of_its_own_intent_that_rest_reads_back() {
    let mut h = spawn().await;
    let hand = h.hand_made_hours(JAN, NOVEMBER, 1, "2.00").await;
    let out = h.export(FULL, export_payload("exp-m1", NOVEMBER, shifts("7.50"))).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    let token = rest_token(&h.sim).await;

    let mut markers = BTreeSet::new();
    let mut owned = BTreeMap::new();
    for employee in [JAN, ANTON] {
        let comments = rest_comments(&h.sim, &token, employee).await;
        for (component, (ids, owned_marker, intent_marker, stage)) in bucket_markers(&h, employee).await {
            assert_eq!((stage.as_str(), intent_marker), ("settled", None), "{component}");
            if component == "days" {
                assert_eq!(owned_marker, None);
                continue;
            }
            let [id] = ids[..] else { panic!("one owned component in {component}: {ids:?}") };
            let on_line = marker_of(&comments[&id]);
            assert_eq!(owned_marker.as_deref(), Some(on_line.as_str()), "the row keeps the line's marker");
            assert!(markers.insert(on_line.clone()), "a marker per intent: {on_line:?} twice");
            owned.insert((employee, component), on_line);
        }
        if employee == JAN {
            assert_eq!(comments[&hand].as_deref(), Some("correction by the accountant"));
            assert_eq!(find_in(comments[&hand].as_deref().unwrap()), None, "a person's line has no marker");
        }
    }
    assert_eq!(markers.len(), 3, "Jan's hours and meal, Anton's hours: {markers:?}");

    // A changed bucket is a new intent: its new component has a new marker; the others keep theirs.
    let changed = h.export(FULL, export_payload("exp-m2", NOVEMBER, shifts("9.00"))).await;
    assert_eq!(changed.status(), "succeeded");
    let comments = rest_comments(&h.sim, &token, JAN).await;
    let rows = bucket_markers(&h, JAN).await;
    let new_hours = marker_of(&comments[&rows["hours:1"].0[0]]);
    assert_ne!(new_hours, owned[&(JAN, "hours:1".to_owned())], "a new intent, a new marker");
    assert!(!markers.contains(&new_hours));
    assert_eq!(marker_of(&comments[&rows["wage:400"].0[0]]), owned[&(JAN, "wage:400".to_owned())], "unchanged");
    h.stop().await;
}

#[tokio::test]
async fn a_retried_intent_sends_the_same_marker_and_an_adopted_line_keeps_it() {
    let mut h = spawn().await;
    h.sim.state().capture = true;
    // The hour insert's connection drops before Nmbrs applies it: the read-back finds nothing, a
    // later attempt reads back again and sends the same intent once more. The wage insert lands
    // but its reply is lost: the read-back adopts it.
    h.sim.inject(Some(Operation::HourComponentVarInsert), Injected::Drop);
    h.sim.inject(Some(Operation::WageComponentVarInsert), Injected::LostReply);
    let shift = json!([with(worked("j-1", JAN, "2026-11-03", "7.50"), json!({"meals": 1}))]);
    let out = h.export(FULL, export_payload("exp-retry", NOVEMBER, shift)).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    assert_eq!(out.count("in_doubt"), 0);

    let requests = h.sim.state().requests.clone();
    let sent = |op: Operation| -> Vec<InsertMarker> {
        requests.iter().filter(|(o, _)| *o == op).map(|(_, body)| find_in(body).expect("a marker sent")).collect()
    };
    let hour_sends = sent(Operation::HourComponentVarInsert);
    assert_eq!(hour_sends.len(), 2, "dropped, then sent again by a later attempt");
    assert_eq!(hour_sends[0], hour_sends[1], "the retry of the same intent carries the same marker");
    let wage_sends = sent(Operation::WageComponentVarInsert);
    assert_eq!(wage_sends.len(), 1, "landed once, adopted, never sent again");
    assert_ne!(hour_sends[0], wage_sends[0]);

    let jan = h.nmbrs(JAN, NOVEMBER);
    assert_eq!((jan.hour_values(), jan.wage_values()), (vec![(1, d("7.5"))], vec![(400, d("1"))]), "each once");
    let token = rest_token(&h.sim).await;
    let comments = rest_comments(&h.sim, &token, JAN).await;
    let rows = bucket_markers(&h, JAN).await;
    for (component, sent) in [("hours:1", &hour_sends[0]), ("wage:400", &wage_sends[0])] {
        let (ids, owned_marker, intent_marker, _) = &rows[component];
        assert_eq!(&marker_of(&comments[&ids[0]]), sent, "{component}: the line carries what was sent");
        assert_eq!(owned_marker.as_deref(), Some(sent.as_str()), "{component}");
        assert_eq!(intent_marker, &None, "{component}: the intent landed");
    }
    h.stop().await;
}

#[tokio::test]
async fn intents_recorded_before_markers_existed_are_resolved_as_before() {
    let mut h = spawn().await;
    // What an older worker left: Jan's insert of 7.50 hours landed (with the old comment) but its
    // id was never recorded; Anton's insert of 6.00 never landed. Both rows are pending without a
    // marker, as the migration leaves them.
    let old = h.nmbrs_client(FULL);
    let line = nmbrs_worker::nmbrs::NewHourComponent {
        hour_code: nmbrs_worker::nmbrs::HourCode(1),
        hours: nmbrs_worker::nmbrs::Hours(d("7.50")),
        cost_center_id: None,
        cost_unit_id: None,
        comment: Some("Eitje hours export".into()),
    };
    let period = nmbrs_worker::nmbrs::PayPeriod::new(2026, 11);
    use nmbrs_worker::nmbrs::EmployeeService as _;
    let landed = old
        .hour_component_var_insert(nmbrs_worker::nmbrs::EmployeeId::int(JAN), &line, period.protected())
        .await
        .unwrap();
    let pool = h.env.pool().await;
    for (employee, value) in [(JAN, "7.50"), (ANTON, "6.00")] {
        sqlx::query(
            "INSERT INTO export_buckets (integration_id, company_id, employee_id, year, period, component, stage,
                                         pending_value, foreign_ids)
             VALUES ($1, $2, $3, 2026, 11, 'hours:1', 'insert_sent', $4, '{}')",
        )
        .bind(INTEGRATION)
        .bind(demo::HORECA)
        .bind(employee)
        .bind(d(value))
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;
    h.sim.state().capture = true;

    let out = h.export(FULL, export_payload("exp-old", NOVEMBER, shifts("7.50"))).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    assert_eq!(out.count("in_doubt"), 0);
    assert_eq!(out.component_id(JAN, "hours", 1), landed.0.soap(), "the old insert is adopted, not sent again");
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("7.5"))]);
    assert_eq!(h.nmbrs(ANTON, NOVEMBER).hour_values(), [(1, d("6"))], "the one that never landed, inserted once");
    let hour_inserts: Vec<String> = (h.sim.state().requests.iter())
        .filter(|(op, _)| *op == Operation::HourComponentVarInsert)
        .map(|(_, body)| body.clone())
        .collect();
    assert_eq!(hour_inserts.len(), 1, "only Anton's hours are inserted");
    let rows = bucket_markers(&h, JAN).await;
    assert_eq!(
        rows["hours:1"],
        (vec![landed.0.soap().unwrap()], None, None, "settled".into()),
        "a component from before markers"
    );
    let anton = bucket_markers(&h, ANTON).await;
    let sent = find_in(&hour_inserts[0]).expect("the new insert has a marker");
    assert_eq!(anton["hours:1"].1.as_deref(), Some(sent.as_str()));

    let again = h.export(FULL, export_payload("exp-old-2", NOVEMBER, shifts("7.50"))).await;
    assert_eq!(again.write_calls, 0, "identical re-export: no write");
    h.stop().await;
}

#[tokio::test]
async fn a_bucket_in_doubt_names_the_marker_to_look_for_in_nmbrs() {
    let mut h = spawn().await;
    h.sim.state().capture = true;
    // Without the hour read-back right a lost hour insert stays in doubt.
    h.sim.inject(Some(Operation::HourComponentVarInsert), Injected::LostReply);
    let shift = json!([worked("j-1", JAN, "2026-11-03", "7.50")]);
    let out = h.export(LIMITED, export_payload("exp-doubt", NOVEMBER, shift)).await;
    assert_eq!(out.count("in_doubt"), 1, "{:#}", out.completed);
    let sent: Vec<InsertMarker> = (h.sim.state().requests.iter())
        .filter(|(op, _)| *op == Operation::HourComponentVarInsert)
        .map(|(_, body)| find_in(body).expect("a marker sent"))
        .collect();
    assert_eq!(sent.len(), 1);
    let rows = bucket_markers(&h, JAN).await;
    assert_eq!(rows["hours:1"].2.as_deref(), Some(sent[0].as_str()), "the pending intent keeps its marker");

    let mut listed = Vec::new();
    let config = h.env.config();
    let n = nmbrs_worker::cli::in_doubt::list(&config, Some(INTEGRATION), &mut listed).await.unwrap();
    let text = String::from_utf8(listed).unwrap();
    assert_eq!(n, 1, "{text}");
    let want = format!("hours:1: insert of 7.50 in doubt, its comment starts with [{}]", sent[0].as_str());
    assert!(text.contains(&want), "{text}");
    h.stop().await;
}
