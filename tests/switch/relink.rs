//! Issue 10, the relink (CONTRACT §5.4): hours are exported through the simulator's SOAP face
//! with the production handlers (real RabbitMQ and PostgreSQL), then `jobs::switch::relink` runs with
//! the worker's REST client against the REST face of the same state, as at an integration's
//! first REST job. Companies, employees and components are matched to their REST ids; a
//! person's identical line is never adopted; components from before markers are adopted only
//! on exactly one candidate; closed periods keep their SOAP rows; the relink runs once, and an
//! interrupted one resumes after its last step and ends exact.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::support::export::*;
use crate::support::*;
use nmbrs_worker::{
    credentials::RestGrant,
    domain::{export::marker::WORKER_COMMENT, integration::Venue},
    jobs::switch::relink::{self, EmployeeLinks, ExportLock, FAILPOINT_ERROR_AFTER_STEP, RelinkReport},
    nmbrs::{
        ClientConfig, CompanyId, EmployeeId,
        rest::{CompanyUuid, RestClient, RestConfig, RestTransport, TokenService},
    },
    sim::{
        demo,
        rest::{GrantSpec, Numbers, RestSettings, ids::IdKind},
    },
};
use serde_json::{Value, json};
use sqlx::Row;
use uuid::Uuid;

const CLIENT: (&str, &str, &str) = ("eitje app", "app secret", "sub-key");

/// The worker's REST client for the demo domain, with a consent minted by the simulator.
async fn rest_client(h: &TestApp) -> RestClient {
    h.sim.add_oauth_client(CLIENT.0, CLIENT.1, CLIENT.2);
    let grant = h.sim.mint_grant(GrantSpec {
        grant_id: Uuid::new_v4().to_string(),
        client_id: CLIENT.0.into(),
        domain: demo::DOMAIN.into(),
        ..Default::default()
    });
    let token_url = h.sim.token_url();
    let config = RestConfig::from_source(&HashMap::from([
        ("NMBRS_REST_BASE_URL", h.sim.base_url()),
        ("NMBRS_OAUTH_TOKEN_URL", token_url.as_str()),
        ("NMBRS_OAUTH_CLIENT_ID", CLIENT.0),
        ("NMBRS_OAUTH_CLIENT_SECRET", CLIENT.1),
        ("NMBRS_SUBSCRIPTION_KEY", CLIENT.2),
    ]))
    .unwrap();
    let service = Arc::new(TokenService::new(h.env.pool().await, h.env.keys.clone(), &config).unwrap());
    let tokens = service.source(INTEGRATION, RestGrant::new(grant.grant_id.parse().unwrap(), &grant.refresh_token));
    RestTransport::new(&config, ClientConfig::default()).unwrap().client(tokens, 4)
}

fn uuid(h: &TestApp, kind: IdKind, id: i32) -> Uuid {
    h.sim.rest_id(demo::DOMAIN, kind, id)
}

/// The envelope's venues after the switch: the REST ids of both demo companies.
fn rest_venues(h: &TestApp) -> Vec<Venue> {
    [("v-horeca", demo::HORECA), ("v-catering", demo::CATERING)]
        .map(|(venue, company)| Venue {
            eitje_venue_id: venue.into(),
            nmbrs_company_id: CompanyId::from(CompanyUuid(uuid(h, IdKind::Company, company))),
        })
        .into()
}

async fn run_relink(h: &TestApp, client: &RestClient) -> Result<RelinkReport, nmbrs_worker::jobs::JobError> {
    relink_with(h, client, &rest_venues(h)).await
}

async fn relink_with(
    h: &TestApp,
    client: &RestClient,
    venues: &[Venue],
) -> Result<RelinkReport, nmbrs_worker::jobs::JobError> {
    let pool = h.env.pool().await;
    let report =
        relink::relink(&pool, &h.env.keys, (INTEGRATION, demo::DOMAIN), client, venues, ExportLock::Acquire).await;
    pool.close().await;
    report
}

/// Every bucket row as JSON, by `company/employee/year-period/component`.
async fn bucket_rows(h: &TestApp) -> BTreeMap<String, Value> {
    let pool = h.env.pool().await;
    let rows = sqlx::query(
        "SELECT company_id, employee_id, year, period, component,
                jsonb_build_object('stage', stage, 'applied', applied_value::text, 'owned', owned_ids,
                    'pending', pending_value::text, 'owned_marker', owned_marker, 'intent_marker', intent_marker,
                    'foreign', foreign_ids) AS row
         FROM export_buckets WHERE integration_id = $1",
    )
    .bind(INTEGRATION)
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows.iter()
        .map(|r| {
            let key = format!(
                "{}/{}/{}-{}/{}",
                r.get::<String, _>("company_id"),
                r.get::<String, _>("employee_id"),
                r.get::<i32, _>("year"),
                r.get::<i16, _>("period"),
                r.get::<String, _>("component")
            );
            (key, r.get::<Value, _>("row"))
        })
        .collect()
}

/// `(company_id, employee_id, year, period)` of every contribution, sorted.
async fn contribution_places(h: &TestApp) -> Vec<(String, String, i32, i16)> {
    let pool = h.env.pool().await;
    let rows = sqlx::query_as(
        "SELECT company_id, employee_id, year, period FROM export_contributions WHERE integration_id = $1
         ORDER BY 1, 2, 3, 4",
    )
    .bind(INTEGRATION)
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows
}

/// The rows keyed `company/employee` (SOAP ids) moved to the REST ids, owned SOAP line ids to
/// the REST ids of the same lines, everything else as it was.
fn relinked(h: &TestApp, before: &BTreeMap<String, Value>, company: i32) -> BTreeMap<String, Value> {
    before
        .iter()
        .map(|(key, row)| {
            let mut parts: Vec<String> = key.split('/').map(str::to_owned).collect();
            if parts[0] != company.to_string() {
                return (key.clone(), row.clone());
            }
            let employee: i32 = parts[1].parse().unwrap();
            parts[0] = uuid(h, IdKind::Company, company).to_string();
            parts[1] = uuid(h, IdKind::Employee, employee).to_string();
            let kind = if parts[3].starts_with("wage") { IdKind::WageComponent } else { IdKind::HourComponent };
            let mut row = row.clone();
            let owned: Vec<Value> = row["owned"]
                .as_array()
                .unwrap()
                .iter()
                .map(|id| json!(uuid(h, kind, id.as_str().unwrap().parse().unwrap()).to_string()))
                .collect();
            row["owned"] = json!(owned);
            (parts.join("/"), row)
        })
        .collect()
}

/// Nov 2026 at HORECA (open): Jan 7.50 hours and a meal, Anton 6.00 hours; Oct 2026 at
/// CATERING (closed, its current period is 2026-12): Emma 5.00 hours, written unprotected.
async fn export_through_soap(h: &mut TestApp) {
    let horeca = json!([
        with(worked("j-1", JAN, "2026-11-03", "7.50"), json!({"meals": 1})),
        worked("a-1", ANTON, "2026-11-04", "6.00"),
    ]);
    let out = h.export(FULL, export_payload("exp-soap", NOVEMBER, horeca)).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    let emma = json!([with(worked("e-1", EMMA, "2026-11-10", "5.00"), json!({"eitje_venue_id": "v-catering"}))]);
    let mut closed = export_payload("exp-closed", NOVEMBER, emma);
    closed["allow_closed_period"] = json!(true);
    let out = h.export(FULL, closed).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
}

/// The relink's recovery points: its steps done, and whether it finished (`None`: not started).
async fn progress(h: &TestApp) -> (Vec<String>, Option<bool>) {
    let pool = h.env.pool().await;
    let steps = sqlx::query_scalar("SELECT step FROM nmbrs_relink_steps WHERE integration_id = $1 ORDER BY step")
        .bind(INTEGRATION)
        .fetch_all(&pool)
        .await
        .unwrap();
    let finished = sqlx::query_scalar("SELECT finished_at IS NOT NULL FROM nmbrs_relinks WHERE integration_id = $1")
        .bind(INTEGRATION)
        .fetch_optional(&pool)
        .await
        .unwrap();
    pool.close().await;
    (steps, finished)
}

/// The bucket rows as a worker from before markers left them: no markers.
async fn forget_markers(h: &TestApp) {
    let pool = h.env.pool().await;
    sqlx::query("UPDATE export_buckets SET owned_marker = NULL WHERE integration_id = $1")
        .bind(INTEGRATION)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

fn write_calls(h: &TestApp) -> usize {
    h.sim.calls().iter().filter(|c| c.write).count()
}

/// What an uninterrupted relink of [`export_through_soap`]'s state gives.
async fn assert_relinked_exactly(h: &TestApp, before: &BTreeMap<String, Value>) {
    let after = bucket_rows(h).await;
    assert_eq!(
        after,
        relinked(h, before, demo::HORECA),
        "HORECA's rows on REST ids, CATERING's closed rows as they were"
    );
    let horeca = uuid(h, IdKind::Company, demo::HORECA).to_string();
    let places = contribution_places(h).await;
    let moved: Vec<&(String, String, i32, i16)> = places.iter().filter(|p| p.0 == horeca).collect();
    assert_eq!(moved.len(), 5, "Jan's hours, days and meal, Anton's hours and days: {places:?}");
    assert!(places.iter().all(|p| p.0 == horeca || p.0 == demo::CATERING.to_string()), "{places:?}");

    let pool = h.env.pool().await;
    let links = EmployeeLinks::load(&pool, INTEGRATION).await.unwrap();
    let jan = uuid(h, IdKind::Employee, JAN);
    assert_eq!(links.rest_id_for(EmployeeId::int(JAN)), EmployeeId::from(nmbrs_worker::nmbrs::rest::EmployeeUuid(jan)));
    assert_eq!(links.previous_soap_id(EmployeeId::from(nmbrs_worker::nmbrs::rest::EmployeeUuid(jan))), Some(JAN));
    assert_eq!(links.rest_id_for(EmployeeId::int(1)), EmployeeId::int(1), "an unknown id stays as it is");
    let kinds: Vec<(String, i64)> = sqlx::query_as(
        "SELECT kind, count(*) FROM nmbrs_id_links WHERE integration_id = $1 GROUP BY kind ORDER BY kind",
    )
    .bind(INTEGRATION)
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    let kinds: BTreeMap<&str, i64> = kinds.iter().map(|(k, n)| (k.as_str(), *n)).collect();
    assert_eq!(kinds["company"], 2);
    assert_eq!(kinds["hour_component"], 2, "Jan's and Anton's hours");
    assert_eq!(kinds["wage_component"], 1, "Jan's meal");
    assert!(kinds["employee"] >= 4, "every employee of both companies the capture recorded: {kinds:?}");
    assert_eq!(progress(h).await, (vec!["company:54613".into(), "company:54614".into()], Some(true)));
}

#[tokio::test]
async fn the_relink_maps_companies_employees_and_components_and_leaves_a_persons_line_and_closed_periods_alone() {
    let mut h = spawn().await;
    // A person's line with the same code and value as the worker's, beside it.
    let hand = h.hand_made_hours(JAN, NOVEMBER, 1, "7.50").await;
    export_through_soap(&mut h).await;
    let before = bucket_rows(&h).await;
    let writes = write_calls(&h);
    let client = rest_client(&h).await;

    // Venues still on SOAP ids: refused, nothing recorded or changed.
    let soap_venues = [Venue { eitje_venue_id: "v-horeca".into(), nmbrs_company_id: CompanyId::int(demo::HORECA) }];
    let refused = relink_with(&h, &client, &soap_venues).await.unwrap_err();
    assert_eq!(refused.code, "relink_without_rest_venues");
    assert_eq!((progress(&h).await, bucket_rows(&h).await), ((vec![], None), before.clone()));

    let calls_before = h.sim.calls().len();
    let report = run_relink(&h, &client).await.unwrap();
    assert!(report.ran);
    let reads: Vec<String> = h.sim.calls()[calls_before..].iter().map(|c| c.operation.clone()).collect();
    // companies, 2 current periods; HORECA: employees, BSNs, Jan's and Anton's hours, the
    // company's wages of the period; CATERING (closed rows only): employees, BSNs.
    assert_eq!(reads.len(), 10, "a few reads per company, hours per employee with a bucket: {reads:?}");
    assert_eq!((report.companies_linked, report.companies_unlinked.clone()), (2, vec![]));
    assert_eq!(report.components_adopted, 3, "{report:?}");
    assert_eq!(report.in_doubt, vec![], "{report:?}");
    assert_eq!(report.closed_rows_kept, 2, "Emma's hours and days of the closed period");
    assert_relinked_exactly(&h, &before).await;
    let person = uuid(&h, IdKind::HourComponent, hand).to_string();
    assert!(
        bucket_rows(&h).await.values().all(|row| !row["owned"].as_array().unwrap().contains(&json!(person))),
        "the person's line is not adopted"
    );
    assert_eq!(write_calls(&h), writes, "the relink only reads");
    assert_eq!(nmbrs_period(&h.sim, JAN, NOVEMBER).hour_values(), [(1, d("7.5")), (1, d("7.5"))], "both lines stay");
    assert_eq!(h.sim.rest_violations(), Vec::<String>::new(), "the relink's reads keep to the OpenAPI file");

    // Once finished, a relink does nothing: no call, no change.
    let calls = h.sim.calls().len();
    let again = run_relink(&h, &client).await.unwrap();
    assert_eq!(again, RelinkReport::default());
    assert_eq!(h.sim.calls().len(), calls, "no Nmbrs call");
    assert_relinked_exactly(&h, &before).await;
    h.stop().await;
}

#[tokio::test]
async fn components_from_before_markers_are_adopted_on_one_candidate_and_in_doubt_on_two_or_none() {
    let mut h = spawn().await;
    let three = json!([
        worked("j-1", JAN, "2026-11-03", "7.50"),
        worked("a-1", ANTON, "2026-11-04", "6.00"),
        worked("f-1", FATIMA, "2026-11-05", "5.00"),
    ]);
    let out = h.export(FULL, export_payload("exp-old", NOVEMBER, three)).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    // As an older worker left it: no markers on the rows, the old comment on the lines.
    forget_markers(&h).await;
    let owned = |employee| nmbrs_period(&h.sim, employee, NOVEMBER).hours[0].id;
    let (jan, anton, fatima) = (owned(JAN), owned(ANTON), owned(FATIMA));
    {
        let mut state = h.sim.state();
        let domain = state.domains.get_mut(demo::DOMAIN).unwrap();
        for id in [jan, anton, fatima] {
            domain.line_info.get_mut(&id).unwrap().comment = Some(WORKER_COMMENT.into());
        }
    }
    // Anton: a second line alike (two candidates). Fatima: her line was deleted and a person
    // booked the same hours by hand (no candidate).
    let twin = h.hand_made_hours(ANTON, NOVEMBER, 1, "6.00").await;
    h.sim.state().domains.get_mut(demo::DOMAIN).unwrap().line_info.get_mut(&twin).unwrap().comment =
        Some(WORKER_COMMENT.into());
    h.sim.state().domains.get_mut(demo::DOMAIN).unwrap().hour_components.values_mut().for_each(|lines| {
        lines.retain(|l| l.id.soap() != Some(fatima));
    });
    h.hand_made_hours(FATIMA, NOVEMBER, 1, "5.00").await;
    let writes = write_calls(&h);

    let client = rest_client(&h).await;
    let report = run_relink(&h, &client).await.unwrap();
    assert_eq!(report.components_adopted, 1, "{report:?}");
    let horeca = uuid(&h, IdKind::Company, demo::HORECA);
    let in_doubt: Vec<(Uuid, String)> =
        report.in_doubt.iter().map(|k| (k.employee.0.rest().unwrap(), format!("{:?}", k.component))).collect();
    let want = [ANTON, FATIMA].map(|e| (uuid(&h, IdKind::Employee, e), "Hours(HourCode(1))".to_owned()));
    let mut want = want.to_vec();
    want.sort();
    let mut in_doubt = in_doubt;
    in_doubt.sort();
    assert_eq!(in_doubt, want);
    let rows = bucket_rows(&h).await;
    let row = |employee| rows[&format!("{horeca}/{}/2026-11/hours:1", uuid(&h, IdKind::Employee, employee))].clone();
    assert_eq!(row(JAN)["owned"], json!([uuid(&h, IdKind::HourComponent, jan).to_string()]), "one candidate: adopted");
    assert_eq!(row(JAN)["stage"], "settled");
    for (employee, value) in [(ANTON, "6.00"), (FATIMA, "5.00")] {
        let r = row(employee);
        assert_eq!(
            (r["stage"].as_str(), r["pending"].as_str(), &r["owned"]),
            (Some("in_doubt"), Some(value), &json!([]))
        );
    }
    assert_eq!(write_calls(&h), writes, "never written blindly");

    let mut listed = Vec::new();
    let n = nmbrs_worker::cli::in_doubt::list(&h.env.config(), Some(INTEGRATION), &mut listed).await.unwrap();
    assert_eq!(n, 2, "{}", String::from_utf8_lossy(&listed));
    h.stop().await;
}

/// Issue 23: the relink reads the lines through REST, whose numbers come through float32
/// (`7.4999995` for 7.50): a component from before markers is still adopted by its meaning.
#[tokio::test]
async fn a_component_from_before_markers_read_through_float32_is_adopted_by_its_meaning() {
    let mut h = spawn().await;
    let out =
        h.export(FULL, export_payload("exp-old", NOVEMBER, json!([worked("j-1", JAN, "2026-11-03", "7.50")]))).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    forget_markers(&h).await;
    let line = nmbrs_period(&h.sim, JAN, NOVEMBER).hours[0].id;
    h.sim.state().domains.get_mut(demo::DOMAIN).unwrap().line_info.get_mut(&line).unwrap().comment =
        Some(WORKER_COMMENT.into());
    let numbers = Numbers::Float32 { steps: -1 };
    h.sim.set_rest_settings(RestSettings { numbers, ..Default::default() });

    let report = run_relink(&h, &rest_client(&h).await).await.unwrap();
    assert_eq!((report.components_adopted, report.in_doubt.clone()), (1, vec![]), "{report:?}");
    let rows = bucket_rows(&h).await;
    let key =
        format!("{}/{}/2026-11/hours:1", uuid(&h, IdKind::Company, demo::HORECA), uuid(&h, IdKind::Employee, JAN));
    assert_eq!(rows[&key]["owned"], json!([uuid(&h, IdKind::HourComponent, line).to_string()]));
    h.stop().await;
}

#[tokio::test]
async fn a_relink_interrupted_between_steps_resumes_after_its_last_step_and_ends_exact() {
    let mut h = spawn().await;
    export_through_soap(&mut h).await;
    let before = bucket_rows(&h).await;
    let client = rest_client(&h).await;

    fail::cfg(FAILPOINT_ERROR_AFTER_STEP, "1*return").unwrap();
    let stopped = run_relink(&h, &client).await;
    fail::remove(FAILPOINT_ERROR_AFTER_STEP);
    assert_eq!(stopped.unwrap_err().code, "relink_interrupted");
    assert_eq!(progress(&h).await, (vec!["company:54613".to_owned()], Some(false)), "one step done, not finished");
    assert_eq!(bucket_rows(&h).await, relinked(&h, &before, demo::HORECA), "the first step whole");

    let resumed = run_relink(&h, &client).await.unwrap();
    assert_eq!(resumed.steps_resumed, 1, "{resumed:?}");
    assert_eq!(resumed.components_adopted, 0, "HORECA is not relinked twice");
    assert_relinked_exactly(&h, &before).await;
    assert_eq!(run_relink(&h, &client).await.unwrap(), RelinkReport::default(), "finished: nothing more");
    h.stop().await;
}

#[tokio::test]
async fn a_company_whose_numbers_disagree_and_an_employee_not_recognised_leave_their_buckets_in_doubt() {
    let mut h = spawn().await;
    export_through_soap(&mut h).await;
    let before = bucket_rows(&h).await;
    {
        let mut state = h.sim.state();
        let domain = state.domains.get_mut(demo::DOMAIN).unwrap();
        // CATERING's number is not the one recorded through SOAP any more.
        domain.companies.get_mut(&demo::CATERING).unwrap().company.number = 99_999;
        // Anton shows through REST with another number and another BSN: nobody to link to.
        let anton = domain.employees.get_mut(&ANTON).unwrap();
        anton.snapshot.employee_number = 77;
        anton.snapshot.bsn = Some("999999990".into());
        anton.personal_infos.iter_mut().for_each(|p| p.bsn = Some("999999990".into()));
    }
    let writes = write_calls(&h);
    let client = rest_client(&h).await;
    let report = run_relink(&h, &client).await.unwrap();
    assert_eq!((report.companies_linked, report.companies_unlinked.clone()), (1, vec![demo::CATERING]));
    assert_eq!(report.employees_unlinked, [ANTON]);
    assert_eq!(report.components_adopted, 2, "Jan's hours and meal: {report:?}");
    let keys: Vec<String> = report.in_doubt.iter().map(|k| format!("{}/{}", k.company.0, k.employee.0)).collect();
    assert_eq!(keys, [format!("{}/{ANTON}", demo::HORECA)], "Anton's hours, under their SOAP ids");
    assert_eq!(report.closed_rows_kept, 2, "CATERING's closed period is judged by its venue's current period");

    let after = bucket_rows(&h).await;
    let anton = |component: &str| format!("{}/{ANTON}/2026-11/{component}", demo::HORECA);
    let hours = &after[&anton("hours:1")];
    assert_eq!((hours["stage"].as_str(), hours["pending"].as_str()), (Some("in_doubt"), Some("6.00")));
    assert_eq!(hours["owned"], json!([]));
    assert_eq!(after[&anton("days")], before[&anton("days")], "nothing of the worker's in Nmbrs: left as it was");
    let catering: Vec<(&String, &Value)> = after.iter().filter(|(k, _)| k.starts_with("54614/")).collect();
    let catering_before: Vec<(&String, &Value)> = before.iter().filter(|(k, _)| k.starts_with("54614/")).collect();
    assert_eq!(catering, catering_before, "the unlinked company's closed rows untouched");
    let jan = uuid(&h, IdKind::Employee, JAN);
    assert!(after.keys().any(|k| k.contains(&jan.to_string())), "Jan is relinked");
    assert_eq!(write_calls(&h), writes, "never written blindly");
    h.stop().await;
}
