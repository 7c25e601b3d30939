//! Both Nmbrs APIs in one test (issue 9: "the existing job tests run against both APIs").
//! [`Api`] says which face of the simulator a job goes to: `Soap` (integer ids, user and
//! token) or `Rest` (UUID ids, an OAuth grant the simulator minted, the worker's REST app
//! settings pointing at the simulator). The simulator holds one state behind both faces, so
//! a test seeds and inspects it the same way and only translates ids ([`Api::id`]).
//!
//! [`on_both_apis!`] turns one `async fn name(api: Api)` into two tests, `name::soap` and
//! `name::rest`.

use nmbrs_worker::{
    credentials::RestGrant,
    nmbrs::rest::RestOperation,
    sim::{
        Simulator, demo,
        rest::{GrantSpec, ids::IdKind},
    },
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{TestEnv, envelope};

/// The worker's OAuth app at the simulator (tests only).
pub const CLIENT_ID: &str = "eitje-worker-tests";
pub const CLIENT_SECRET: &str = "client-secret-for-tests";
pub const SUBSCRIPTION_KEY: &str = "subscription-key-for-tests";

/// Which Nmbrs API a test's jobs use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    Soap,
    Rest,
}

impl Api {
    /// The value of `integration.nmbrs.api`.
    pub fn name(self) -> &'static str {
        match self {
            Api::Soap => "soap",
            Api::Rest => "rest",
        }
    }

    /// The id the simulator's `kind` with SOAP id `id` has in this API, as events and
    /// envelopes carry it: a JSON number on SOAP, the UUID string on REST (CONTRACT §5.2).
    pub fn id(self, kind: IdKind, id: i32) -> Value {
        match self {
            Api::Soap => json!(id),
            Api::Rest => json!(nmbrs_worker::sim::rest::ids::rest_id(demo::DOMAIN, kind, id.into()).to_string()),
        }
    }

    /// The simulator's call-log name of `op` on this API: the REST `"METHOD /template"`, or
    /// the SOAP operation serving the same need (`RestOperation::soap`).
    pub fn call(self, op: RestOperation) -> &'static str {
        match self {
            Api::Soap => op.soap().name(),
            Api::Rest => op.name(),
        }
    }

    /// [`Api::id`] of an employee.
    pub fn employee(self, id: i32) -> Value {
        self.id(IdKind::Employee, id)
    }

    /// [`Api::id`] of a company.
    pub fn company(self, id: i32) -> Value {
        self.id(IdKind::Company, id)
    }
}

/// Sets the worker's REST app settings to the simulator's identity server and REST face, and
/// registers the app there. Harmless for SOAP tests (the settings are then unused).
pub fn point_rest_at(env: &mut TestEnv, sim: &Simulator) {
    sim.add_oauth_client(CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION_KEY);
    env.set("NMBRS_REST_BASE_URL", sim.base_url());
    env.set("NMBRS_OAUTH_TOKEN_URL", &sim.token_url());
    env.set("NMBRS_OAUTH_CLIENT_ID", CLIENT_ID);
    env.set("NMBRS_OAUTH_CLIENT_SECRET", CLIENT_SECRET);
    env.set("NMBRS_SUBSCRIPTION_KEY", SUBSCRIPTION_KEY);
}

/// A consent of the demo domain with every worker scope and company, as the monolith holds
/// it after the browser flow.
pub fn mint_demo_grant(sim: &Simulator) -> RestGrant {
    mint_demo_grant_for(sim, None)
}

/// [`mint_demo_grant`] for only `companies` (SOAP ids; `None`: all), as when the customer
/// left some companies out of the consent.
pub fn mint_demo_grant_for(sim: &Simulator, companies: Option<Vec<i32>>) -> RestGrant {
    let minted = sim.mint_grant(GrantSpec {
        grant_id: Uuid::new_v4().to_string(),
        client_id: CLIENT_ID.into(),
        domain: demo::DOMAIN.into(),
        companies,
        ..Default::default()
    });
    RestGrant::new(minted.grant_id.parse().expect("a UUID grant id"), minted.refresh_token)
}

/// A job for the demo domain on `api`: SOAP sealed with the demo user, REST with `grant`
/// (mint one with [`mint_demo_grant`]); the two demo venues with the API's company ids; every
/// `nmbrs_employee_id` in `payload` (members, entries) translated to the API's ids.
pub fn api_job(
    env: &TestEnv,
    api: Api,
    grant: Option<&RestGrant>,
    kind: &str,
    integration: &str,
    mut payload: Value,
) -> Value {
    let sealed = match (api, grant) {
        (Api::Soap, _) => {
            env.keys.seal(integration, &nmbrs_worker::credentials::Credentials::new(demo::USERNAME, demo::TOKEN))
        }
        (Api::Rest, Some(grant)) => env.keys.seal_rest_grant(integration, grant),
        (Api::Rest, None) => panic!("a REST job needs a grant (mint_demo_grant)"),
    };
    translate_employee_ids(api, &mut payload);
    let mut job = envelope(kind, integration, &sealed, payload);
    job["integration"]["nmbrs"]["domain"] = json!(demo::DOMAIN);
    job["integration"]["nmbrs"]["api"] = json!(api.name());
    job["integration"]["venues"] = json!([
        {"eitje_venue_id": "v-horeca", "nmbrs_company_id": api.company(demo::HORECA)},
        {"eitje_venue_id": "v-catering", "nmbrs_company_id": api.company(demo::CATERING)}
    ]);
    job
}

/// Rewrites every integer `nmbrs_employee_id` under `value` into `api`'s form.
fn translate_employee_ids(api: Api, value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match (key.as_str(), v.as_i64()) {
                    ("nmbrs_employee_id", Some(id)) => *v = api.employee(id as i32),
                    _ => translate_employee_ids(api, v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| translate_employee_ids(api, v)),
        _ => {}
    }
}

/// The SOAP id of every company, employee and component line of the demo domain, by its REST
/// id's text: how a test that asserts SOAP ids reads the events of a REST job.
pub fn soap_ids_of(sim: &Simulator) -> std::collections::HashMap<String, i32> {
    let mut state = sim.state();
    let d = state.domain_mut(demo::DOMAIN);
    let lines = d.hour_components.values().flatten().map(|l| (IdKind::HourComponent, l.id.soap()));
    let wages = d.wage_components.values().flatten().map(|l| (IdKind::WageComponent, l.id.soap()));
    let companies = d.companies.keys().map(|&id| (IdKind::Company, Some(id)));
    let employees = d.employees.keys().map(|&id| (IdKind::Employee, Some(id)));
    let all: Vec<(IdKind, Option<i32>)> = companies.chain(employees).chain(lines).chain(wages).collect();
    all.into_iter()
        .filter_map(|(kind, id)| {
            let id = id?;
            Some((nmbrs_worker::sim::rest::ids::rest_id(demo::DOMAIN, kind, id.into()).to_string(), id))
        })
        .collect()
}

/// One `async fn name(api: Api)` as two tests, `name::soap` and `name::rest`;
/// `on_both_apis!(multi_thread: name, ...)` runs them on a two-thread runtime (the crash
/// tests, which wait on child processes).
#[macro_export]
macro_rules! on_both_apis {
    (multi_thread: $($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn soap() {
                super::$name($crate::support::Api::Soap).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn rest() {
                super::$name($crate::support::Api::Rest).await
            }
        }
    )*};
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn soap() {
                super::$name($crate::support::Api::Soap).await
            }

            #[tokio::test]
            async fn rest() {
                super::$name($crate::support::Api::Rest).await
            }
        }
    )*};
}
