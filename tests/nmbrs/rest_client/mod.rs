//! The worker's Nmbrs REST client (CONTRACT §5.3) against the simulator's REST face over real
//! HTTP, with real access tokens from the simulator's OAuth endpoint (refresh tokens stored in
//! a real PostgreSQL database per test, as in `oauth_tokens.rs`). Every request the client
//! sends is validated by the simulator against Nmbrs' OpenAPI file; each test asserts that no
//! request and no response broke it. The fault tests are in `faults.rs`, the line writes in
//! `writes.rs`; this file holds the test world and the reads.

use std::{collections::HashMap, sync::Arc, time::Duration, time::Instant};

use crate::support::TestEnv;
use nmbrs_worker::domain::nmbrs_failure::{BucketOutcome, FailureScope, Treatment, job_failure, treat};
use nmbrs_worker::{
    credentials::RestGrant,
    nmbrs::{
        Amount, ClientConfig, CompanyId, ComponentUpdates, EmployeeId, ErrorClass, ErrorKind, HourCode,
        HourComponentId, Hours, NewHourComponent, NewWageComponent, NmbrsError, PayPeriod, PeriodType, WageCode,
        WageComponentId,
        rest::{
            CompanyUuid, Deleted, EmployeeUuid, HourComponentUuid, NewHourLine, NewWageLine, RestClient, RestConfig,
            RestOperation, RestTransport, TokenService, WageComponentUuid,
        },
    },
    sim::{
        SimState, Simulator, demo,
        rest::{
            DaysPost, GrantSpec, OAuthClient, RestInjected, RestSettings,
            ids::{IdKind, rest_id},
            openapi,
        },
    },
};
use rust_decimal::Decimal;
use uuid::Uuid;

mod faults;
mod writes;

const CLIENT_ID: &str = "eitje-worker";
const CLIENT_SECRET: &str = "app-secret";
const SUBSCRIPTION_KEY: &str = "sub-key";
const DOMAIN: &str = demo::DOMAIN;
/// Jan de Vries, an employee of the monthly company (current period 2026-11).
const JAN: i32 = 503293;
const NOVEMBER: PayPeriod = PayPeriod { year: 2026, period: 11 };

/// Where a [`World`]'s REST calls and token requests go, when not to its simulator.
#[derive(Default)]
pub(super) struct Urls {
    pub rest: Option<String>,
    pub token: Option<String>,
}

/// One test's world: database (token store), simulator, the client of one integration (also
/// used by `rest_api.rs`).
pub(super) struct World {
    _env: TestEnv,
    pub(super) sim: Simulator,
    pub(super) client: RestClient,
    grant_id: Uuid,
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Quick retries so the fault tests run in milliseconds.
pub(super) fn client_config() -> ClientConfig {
    ClientConfig {
        timeout: Duration::from_secs(10),
        max_retries: 3,
        retry_min_delay: Duration::from_millis(10),
        retry_max_delay: Duration::from_millis(40),
        ..ClientConfig::default()
    }
}

impl World {
    pub(super) async fn new(spec: GrantSpec) -> Self {
        Self::with_state(demo::state(), spec, |t| t).await
    }

    pub(super) async fn with_state(
        state: SimState,
        spec: GrantSpec,
        tune: impl FnOnce(RestTransport) -> RestTransport,
    ) -> Self {
        Self::with_config(state, spec, client_config(), Urls::default(), tune).await
    }

    /// A world whose client has `config`; its REST calls and token requests go to `urls` where
    /// given, else to the simulator.
    pub(super) async fn with_config(
        state: SimState,
        spec: GrantSpec,
        config: ClientConfig,
        urls: Urls,
        tune: impl FnOnce(RestTransport) -> RestTransport,
    ) -> Self {
        Self::with_vars(state, spec, config, urls, &[], tune).await
    }

    /// A world whose REST settings also hold `vars` (e.g. `NMBRS_REST_DAYS_POST`).
    pub(super) async fn with_rest_vars(state: SimState, vars: &[(&'static str, &str)]) -> Self {
        Self::with_vars(state, GrantSpec::default(), client_config(), Urls::default(), vars, |t| t).await
    }

    async fn with_vars(
        state: SimState,
        spec: GrantSpec,
        config: ClientConfig,
        urls: Urls,
        vars: &[(&'static str, &str)],
        tune: impl FnOnce(RestTransport) -> RestTransport,
    ) -> Self {
        let env = TestEnv::new();
        let sim = Simulator::start_with(state).await.unwrap();
        sim.state().rest.oauth.add_client(OAuthClient {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            subscription_key: SUBSCRIPTION_KEY.into(),
        });
        let minted = sim.mint_grant(GrantSpec {
            grant_id: Uuid::new_v4().to_string(),
            client_id: CLIENT_ID.into(),
            domain: DOMAIN.into(),
            ..spec
        });
        let token_url = urls.token.unwrap_or_else(|| sim.token_url());
        let base_url = urls.rest.unwrap_or_else(|| sim.base_url().to_owned());
        let mut settings = HashMap::from([
            ("NMBRS_REST_BASE_URL", base_url.as_str()),
            ("NMBRS_OAUTH_TOKEN_URL", token_url.as_str()),
            ("NMBRS_OAUTH_CLIENT_ID", CLIENT_ID),
            ("NMBRS_OAUTH_CLIENT_SECRET", CLIENT_SECRET),
            ("NMBRS_SUBSCRIPTION_KEY", SUBSCRIPTION_KEY),
        ]);
        settings.extend(vars.iter().copied());
        let rest = RestConfig::from_source(&settings).unwrap();
        let pool = env.pool().await;
        let service = Arc::new(TokenService::new(pool, env.keys.clone(), &rest).unwrap());
        let grant_id: Uuid = minted.grant_id.parse().unwrap();
        let tokens = service.source("integration-1", RestGrant::new(grant_id, &minted.refresh_token));
        let transport = tune(RestTransport::new(&rest, config).unwrap());
        let client = transport.client(tokens, 4);
        World { _env: env, sim, client, grant_id }
    }

    pub(super) fn company(&self, id: i32) -> CompanyUuid {
        CompanyUuid(rest_id(DOMAIN, IdKind::Company, id.into()))
    }

    pub(super) fn employee(&self, id: i32) -> EmployeeUuid {
        EmployeeUuid(rest_id(DOMAIN, IdKind::Employee, id.into()))
    }

    fn inject(&self, op: RestOperation, injected: RestInjected) {
        self.sim.inject_rest(Some(op.name()), injected);
    }

    /// Outcomes of the calls of `op` so far, in order (`ok`, `error:40401`, `injected:…`).
    pub(super) fn outcomes(&self, op: RestOperation) -> Vec<String> {
        self.sim.calls().into_iter().filter(|c| c.operation == op.name()).map(|c| c.outcome).collect()
    }

    /// Successful refreshes of the grant at the simulated identity server.
    pub(super) fn refreshes(&self) -> u32 {
        self.sim.state().rest.oauth.grants[&self.grant_id.to_string()].refreshes
    }

    /// Every REST request sent and every response generated kept to the OpenAPI file.
    pub(super) fn assert_valid_traffic(&self) {
        assert!(self.sim.state().rest.openapi.is_some(), "NMBRS_SIM_OPENAPI names the OpenAPI file");
        assert_eq!(self.sim.rest_violations(), Vec::<String>::new(), "requests broke the OpenAPI file");
        assert_eq!(self.sim.rest_response_violations(), Vec::<String>::new(), "responses broke the OpenAPI file");
    }

    fn hours_lines(&self, employee: i32, p: PayPeriod) -> Vec<(i32, Decimal)> {
        self.sim.hour_components(DOMAIN, employee, p).into_iter().map(|l| (l.hour_code, l.hours.0)).collect()
    }
}

pub(super) fn line(code: i32, hours: &str, marker: &str) -> NewHourLine {
    NewHourLine { hour_code: HourCode(code), hours: Hours(dec(hours)), comment: Some(marker.to_owned()) }
}

#[test]
fn the_operation_table_matches_the_openapi_file() {
    let file = openapi::from_env().unwrap().expect("NMBRS_SIM_OPENAPI is set (.cargo/config.toml)");
    let spec = file.get().unwrap();
    for op in RestOperation::ALL {
        let method = axum::http::Method::from_bytes(op.method().as_bytes()).unwrap();
        assert!(spec.operation(&method, op.template()).is_some(), "{op} is not in the file");
        let listed = spec.scopes(&method, op.template());
        assert_eq!(listed, op.scopes().iter().map(|s| s.to_string()).collect::<Vec<_>>(), "{op}: scopes and order");
    }
}

#[tokio::test]
async fn every_call_once_reads_and_writes_the_shared_state_within_the_openapi_file() {
    let w = World::new(GrantSpec::default()).await;
    let (c, horeca, catering, jan) = (&w.client, w.company(demo::HORECA), w.company(demo::CATERING), w.employee(JAN));

    let companies = c.companies().await.unwrap();
    assert!(companies.unreadable.is_empty());
    let numbers: Vec<(CompanyId, i32)> = companies.items.iter().map(|c| (c.id, c.number)).collect();
    assert_eq!(numbers, vec![(horeca.into(), 444445), (catering.into(), 444446)]);

    let debtors = c.debtors().await.unwrap().items;
    assert_eq!(debtors.len(), 1);
    let of_debtor = c.debtor_companies(debtors[0].debtor_id).await.unwrap();
    assert_eq!(of_debtor.items, companies.items, "the debtor's companies are the consent's");

    let period = c.current_period(horeca).await.unwrap();
    assert_eq!((period.period, period.kind), (NOVEMBER, PeriodType::Monthly));
    assert_eq!(c.current_period(catering).await.unwrap().kind, PeriodType::FourWeekly);

    let codes: Vec<i32> = c.hour_codes(horeca).await.unwrap().items.iter().map(|h| h.code).collect();
    assert_eq!(codes, vec![1, 20, 30, 40], "both hour models");
    let models = c.wage_models(horeca, NOVEMBER).await.unwrap().items;
    let wage_codes: Vec<(Option<i32>, i32)> =
        models.iter().flat_map(|m| m.wage_codes.iter().map(move |w| (m.number, w.code))).collect();
    assert_eq!(wage_codes, vec![(Some(1), 400), (Some(1), 410), (Some(1), 420), (Some(2), 430)]);

    let employees = c.employees(horeca, None).await.unwrap();
    assert_eq!(employees.items.len(), 7);
    let jan_row = employees.items.iter().find(|e| e.employee_id == jan).expect("Jan is listed by his REST id");
    assert_eq!(
        (jan_row.employee_basic_info.last_name.as_deref(), jan_row.employee_basic_info.prefix.as_deref()),
        (Some("Vries"), Some("de"))
    );
    assert!(jan_row.employee_basic_info.employee_number.is_some());

    let infos = c.personal_infos(horeca).await.unwrap();
    assert_eq!(infos.items.len(), 7);
    let jan_info = &infos.items.iter().find(|e| e.employee_id == jan).unwrap().items;
    assert_eq!(jan_info.last().unwrap().email_work.as_deref(), Some("jan@horeca.example"));

    let bsns = c.bsns(horeca).await.unwrap();
    let jan_bsn = &bsns.items.iter().find(|e| e.employee_id == jan).unwrap().items;
    assert_eq!(jan_bsn.last().unwrap().bsn, "111222333");
    assert!(!format!("{bsns:?}").contains("111222333"), "a BSN never prints");

    let contracts = c.contracts(horeca).await.unwrap();
    let jan_contract = &contracts.items.iter().find(|e| e.employee_id == jan).unwrap().items[0];
    assert_eq!(jan_contract.start_date.map(|d| d.to_string()).as_deref(), Some("2024-03-01 00:00:00"));
    assert_eq!(jan_contract.end_date, None);
    let employments = c.employments(horeca).await.unwrap();
    assert_eq!(employments.items.iter().find(|e| e.employee_id == jan).unwrap().items.len(), 1);
    let salaries = c.salaries(horeca).await.unwrap();
    assert!(salaries.items.iter().find(|e| e.employee_id == jan).unwrap().items.iter().any(|s| s.value.is_some()));
    let schedules = c.schedules(horeca).await.unwrap();
    assert_eq!(schedules.items.len(), 7);
    let addresses = c.addresses(horeca).await.unwrap();
    let jan_address = &addresses.items.iter().find(|e| e.employee_id == jan).unwrap().items;
    assert_eq!(
        (jan_address[0].street.as_deref(), jan_address[0].city.as_deref()),
        (Some("Keizersgracht"), Some("Amsterdam"))
    );
    let costs = c.costs_per_hour(horeca, NOVEMBER).await.unwrap();
    let jan_cost = costs.items.iter().find(|e| e.employee_id == jan).unwrap().cost_per_hour;
    assert_eq!(jan_cost, Some(dec("19.14")), "14.50 × 1.32, read from a string");

    // Hours: insert with a marker, read back, change in place, delete.
    assert!(c.variable_hours(jan, NOVEMBER).await.unwrap().items.is_empty());
    let id = c.insert_variable_hours(jan, &line(1, "7.25", "eitje:intent-1"), NOVEMBER, false).await.unwrap();
    assert_eq!(w.hours_lines(JAN, NOVEMBER), vec![(1, dec("7.25"))], "visible to the SOAP face");
    let read = c.variable_hours(jan, NOVEMBER).await.unwrap().items;
    assert_eq!(read.len(), 1);
    assert_eq!((read[0].id, read[0].hour_code, read[0].hours.0), (HourComponentId::from(id), 1, dec("7.25")));
    assert_eq!(read[0].comment.as_deref(), Some("eitje:intent-1"), "the marker round-trips");
    assert_eq!(c.update_variable_hours(jan, id, &line(1, "8.5", "eitje:intent-1"), NOVEMBER, false).await.unwrap(), id);
    assert_eq!(w.hours_lines(JAN, NOVEMBER), vec![(1, dec("8.5"))]);
    assert_eq!(c.variable_hours(jan, NOVEMBER).await.unwrap().items[0].comment.as_deref(), Some("eitje:intent-1"));
    assert_eq!(c.delete_variable_hours(jan, id).await.unwrap(), Deleted::Deleted);
    assert!(w.hours_lines(JAN, NOVEMBER).is_empty());

    // Wage components: insert, company-wide read, change in place, delete.
    let wage = NewWageLine { code: WageCode(410), value: Amount(dec("12.40")), comment: Some("eitje:intent-2".into()) };
    let wid = c.insert_variable_wage(jan, &wage, NOVEMBER, false).await.unwrap();
    let wages = c.variable_wages(horeca, NOVEMBER).await.unwrap();
    let jan_wages = &wages.items.iter().find(|e| e.employee_id == jan).unwrap().items;
    assert_eq!(
        (jan_wages[0].id, jan_wages[0].code, jan_wages[0].value.0),
        (WageComponentId::from(wid), 410, dec("12.4"))
    );
    assert_eq!(jan_wages[0].comment.as_deref(), Some("eitje:intent-2"));
    c.update_variable_wage(jan, wid, &NewWageLine { value: Amount(dec("20")), ..wage.clone() }, NOVEMBER, false)
        .await
        .unwrap();
    let soap_side = w.sim.wage_components(DOMAIN, JAN, NOVEMBER);
    assert_eq!(soap_side.iter().map(|l| (l.code, l.value.0)).collect::<Vec<_>>(), vec![(410, dec("20"))]);
    assert_eq!(c.delete_variable_wage(jan, wid).await.unwrap(), Deleted::Deleted);
    assert!(w.sim.wage_components(DOMAIN, JAN, NOVEMBER).is_empty());

    // Days.
    assert_eq!(c.variable_days(jan, NOVEMBER).await.unwrap().total(), 0);
    c.post_variable_days(jan, 12, NOVEMBER, false).await.unwrap();
    assert_eq!(c.variable_days(jan, NOVEMBER).await.unwrap().total(), 12);
    assert_eq!(w.sim.days(DOMAIN, JAN, NOVEMBER), Some(12));

    let called: std::collections::BTreeSet<String> = w.sim.calls().into_iter().map(|c| c.operation).collect();
    let all: std::collections::BTreeSet<String> = RestOperation::ALL.iter().map(|o| o.name().to_owned()).collect();
    assert_eq!(called, all, "every operation of the catalogue was called");
    assert!(w.sim.calls().iter().all(|c| c.outcome == "ok"), "{:?}", w.sim.calls());
    w.assert_valid_traffic();
}

#[tokio::test]
async fn a_consent_spanning_several_debtors_reads_companies_per_debtor() {
    let w = World::new(GrantSpec { companies: Some(vec![demo::CATERING]), ..Default::default() }).await;
    // Nmbrs refuses `GET /api/companies` for a multi-debtor consent (REST-NOTES §1).
    w.inject(RestOperation::Companies, RestInjected::Error { status: 403, code: 40306, title: "Forbidden".into() });
    let companies = w.client.companies().await.unwrap();
    let ids: Vec<CompanyId> = companies.items.iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![w.company(demo::CATERING).into()], "only the consent's company");
    assert_eq!(w.outcomes(RestOperation::Debtors), vec!["ok".to_string()]);
    assert_eq!(w.outcomes(RestOperation::DebtorCompanies), vec!["ok".to_string()]);
    w.assert_valid_traffic();
}

#[tokio::test]
async fn writes_name_their_period_and_unprotected_mode_reaches_a_closed_period() {
    let w = World::new(GrantSpec::default()).await;
    let (c, jan) = (&w.client, w.employee(JAN));
    let october = PayPeriod::new(2026, 10);
    // A period before the current one is closed: refused without unprotectedMode …
    let refused = c.insert_variable_hours(jan, &line(1, "3", "m-closed"), october, false).await.unwrap_err();
    assert_eq!((refused.kind(), refused.nmbrs_code()), (ErrorKind::InvalidData, Some(40033)), "{refused}");
    assert!(w.hours_lines(JAN, october).is_empty());
    // … written with it, to exactly that period (not the current one).
    let id = c.insert_variable_hours(jan, &line(1, "3", "m-closed"), october, true).await.unwrap();
    assert_eq!(w.hours_lines(JAN, october), vec![(1, dec("3"))]);
    assert!(w.hours_lines(JAN, NOVEMBER).is_empty());
    // Emptying it: PUT 0 (DELETE has no unprotectedMode).
    c.update_variable_hours(jan, id, &line(1, "0", "m-closed"), october, true).await.unwrap();
    assert_eq!(w.hours_lines(JAN, october), vec![(1, Decimal::ZERO)]);
    assert_eq!(c.variable_hours(jan, october).await.unwrap().items.len(), 1, "reads name the period too");
    w.assert_valid_traffic();
}

#[tokio::test]
async fn paging_follows_next_page_across_more_than_100_employees() {
    let mut state = SimState::default();
    state.apply_seed(demo::scaled(250));
    let w = World::with_state(state, GrantSpec::default(), |t| t).await;
    let horeca = w.company(demo::HORECA);
    let employees = w.client.employees(horeca, None).await.unwrap();
    assert_eq!(employees.items.len(), 257, "7 demo employees and 250 more");
    let distinct: std::collections::BTreeSet<EmployeeUuid> = employees.items.iter().map(|e| e.employee_id).collect();
    assert_eq!(distinct.len(), 257, "no page read twice");
    assert_eq!(w.outcomes(RestOperation::Employees).len(), 3, "pages of 100: 100 + 100 + 57");
    let contracts = w.client.contracts(horeca).await.unwrap();
    assert_eq!(contracts.items.len(), 257);
    assert_eq!(w.outcomes(RestOperation::Contracts).len(), 3);
    let costs = w.client.costs_per_hour(horeca, NOVEMBER).await.unwrap();
    assert_eq!(costs.items.len(), 257);
    w.assert_valid_traffic();
}

#[tokio::test]
async fn a_long_read_asks_for_the_pages_page_1_announces_with_as_many_in_flight_as_the_permits() {
    let mut state = SimState::default();
    state.apply_seed(demo::scaled(1_000));
    let w = World::with_state(state, GrantSpec::default(), |t| t).await;
    // Each answer takes 50 ms: pages asked together are in flight together at the simulator.
    w.sim.state().rest.faults.latency_ms = 50;
    let contracts = w.client.contracts(w.company(demo::HORECA)).await.unwrap();
    let employees: Vec<i32> = {
        let s = w.sim.state();
        s.domains[DOMAIN].employees.values().filter(|e| e.company_id == demo::HORECA).map(|e| e.id()).collect()
    };
    let in_page_order: Vec<EmployeeUuid> = employees.iter().map(|&id| w.employee(id)).collect();
    let read: Vec<EmployeeUuid> = contracts.items.iter().map(|c| c.employee_id).collect();
    assert_eq!(read, in_page_order, "1 007 employees, each once, in page order");
    assert_eq!(w.outcomes(RestOperation::Contracts).len(), 11, "pages of 100: 11 pages, none twice, none past the end");
    assert_eq!(w.sim.state().max_in_flight, 4, "the integration's 4 permits, all used (issue 22: the storm's tail)");
    w.assert_valid_traffic();
}
