//! A world for the REST field folders (13, 14: `GET_<path>.pageN.json`): the production team
//! handlers (real RabbitMQ and PostgreSQL) against the simulator's REST face over HTTP, which
//! answers the folder's reads with the folder's pages as they are ([`Simulator::rest_pages`])
//! and every other read (employees, personal info, employments, cost per hour, period) from its
//! state. The simulator's HORECA company and its employees carry the folders' REST ids
//! ([`Simulator::set_rest_id`]), so the pages and the state name the same people.

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::{NaiveDate, NaiveDateTime};
use nmbrs_worker::{
    clock::Clock,
    credentials::RestGrant,
    nmbrs::{Contract, ContractId, EmployeeId, EmployeeSnapshot, rest::RestOperation},
    sim::{SimEmployee, demo, rest::ids::IdKind},
};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::*;

/// The folders' company (`companyId` of their page links).
pub(super) const COMPANY: &str = "5b7c1a7e-3d2f-4b8e-9a61-2f0c8d4e7a10";

/// The folders' employee `n` (1, 2, 3).
pub(super) fn person(n: u8) -> String {
    format!("9d1e2f30-4a5b-4c6d-8e7f-1a2b3c4d5e{n:02}")
}

/// SOAP id of the simulator's record of employee `n`.
fn soap_id(n: u8) -> i32 {
    513_000 + i32::from(n)
}

pub(super) fn page(folder: &str, path: &str) -> String {
    super::reading::field_file(&format!("{folder}/GET_{path}.page1.json"))
}

fn at(date: &str) -> NaiveDateTime {
    NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap().and_hms_opt(0, 0, 0).unwrap()
}

/// One employment of a folder's employee in the simulator (its employments read): from `start`
/// until `end`.
pub(super) fn employment(start: &str, end: Option<&str>) -> Contract {
    Contract {
        contract_id: ContractId::int(i32::try_from(at(start).and_utc().timestamp() / 86_400).unwrap()),
        start_date: Some(at(start)),
        end_date: end.map(at),
        creation_date: Some(at(start)),
        ..Default::default()
    }
}

/// The simulator's record of employee `n`: names, a work e-mail, its employments.
fn employee(n: u8, employments: Vec<Contract>) -> SimEmployee {
    SimEmployee {
        company_id: demo::HORECA,
        employee_type: 1,
        snapshot: EmployeeSnapshot {
            employee_id: EmployeeId::int(soap_id(n)),
            employee_number: 700 + i32::from(n),
            first_name: Some(format!("Field{n}").into()),
            last_name: Some("Person".into()),
            email_work: Some(format!("field{n}@horeca.example").into()),
            ..Default::default()
        },
        contracts: employments,
        cost_per_hour: Some(Decimal::new(2150, 2)),
        ..Default::default()
    }
}

/// The world: HORECA holds the folder's employees (`(n, employments)`), all under the folder's
/// REST ids; "today" is `clock`.
pub(super) async fn world(people: Vec<(u8, Vec<Contract>)>, clock: Clock) -> TestApp {
    let mut state = super::reading::horeca_with(people.iter().map(|(n, e)| employee(*n, e.clone())).collect());
    let company = Uuid::parse_str(COMPANY).unwrap();
    state.rest.ids.alias(demo::DOMAIN, IdKind::Company, demo::HORECA, company);
    for (n, _) in &people {
        state.rest.ids.alias(demo::DOMAIN, IdKind::Employee, soap_id(*n), Uuid::parse_str(&person(*n)).unwrap());
    }
    Spawn::new().api(Api::Rest).state(state).handlers(move |env, sim| team_handlers(env, sim, clock)).start().await
}

/// The company's read `op` answers `pages` as they are, from now on.
pub(super) fn serve(app: &TestApp, op: RestOperation, pages: Vec<String>) {
    app.sim.rest_pages(op.name(), Some(Uuid::parse_str(COMPANY).unwrap()), pages);
}

/// What one sync published.
pub(super) struct Published {
    pub(super) completed: Value,
    /// `team_member.upserted` payloads.
    pub(super) upserted: Vec<Value>,
    pub(super) deactivated: Vec<Value>,
    /// Every event of the job (result included).
    pub(super) events: Vec<Value>,
}

impl Published {
    /// The upserted record of the folder's employee `n`.
    pub(super) fn of(&self, n: u8) -> &Value {
        let found = self.upserted.iter().find(|p| p["nmbrs_employee_id"] == person(n));
        found.unwrap_or_else(|| panic!("employee {n} not upserted: {:#}", self.completed))
    }
}

/// The consent of `integration` at `app`'s simulator: one per integration, as in production
/// (the worker keeps each integration's rotating refresh token), minted on first use.
fn grant_of(app: &TestApp, integration: &str) -> RestGrant {
    static GRANTS: Mutex<BTreeMap<(String, String), RestGrant>> = Mutex::new(BTreeMap::new());
    let key = (app.sim.base_url().to_owned(), integration.to_owned());
    let mut grants = GRANTS.lock().unwrap_or_else(|e| e.into_inner());
    grants.entry(key).or_insert_with(|| mint_demo_grant(&app.sim)).clone()
}

/// Runs a `SyncTeam` of `integration` (auto-deactivate on) for the folder's company.
pub(super) async fn sync(app: &mut TestApp, integration: &str, full: bool, members: Value) -> Published {
    let payload = json!({"trigger": "manual", "full": full, "members": members});
    let grant = grant_of(app, integration);
    let mut job = api_job(&app.env, Api::Rest, Some(&grant), "SyncTeam", integration, payload);
    job["integration"]["venues"] = json!([{"eitje_venue_id": "v-field", "nmbrs_company_id": COMPANY}]);
    job["integration"]["settings"]["auto_deactivate"] = json!(true);
    let (done, others) = run_job(&app.env, &mut app.events, &job).await;
    let payloads = |kind: &str| -> Vec<Value> {
        others.iter().filter(|e| e.kind() == kind).map(|e| e.body["payload"].clone()).collect()
    };
    Published {
        completed: done.body["payload"].clone(),
        upserted: payloads("team_member.upserted"),
        deactivated: payloads("team_member.deactivated"),
        events: std::iter::once(&done).chain(&others).map(|e| e.body.clone()).collect(),
    }
}

/// `v`'s records sorted by their `start_date` (the order of a published list is not the point).
pub(super) fn by_start(v: &Value) -> Vec<Value> {
    let mut items = v.as_array().cloned().unwrap_or_default();
    items.sort_by_key(|i| i["start_date"].as_str().unwrap_or_default().to_owned());
    items
}
