//! A stateful Nmbrs SOAP simulator: a real HTTP server that answers the 21 operations
//! with the same envelopes, rules and faults as Nmbrs, with runtime fault injection and a
//! call log. Used by the tests (over real HTTP), by `sim --port N` and by `demo`.
//!
//! HTTP control API (JSON), next to `POST /EmployeeService.asmx` and
//! `POST /CompanyService.asmx`:
//!
//! | route | does |
//! | --- | --- |
//! | `POST /_sim/seed` | merges a [`Seed`] (`{"domain", "users", "companies", "employees"}`) into the state |
//! | `GET /_sim/state` | the whole [`SimState`] (tokens left out), incl. components per `"employee/year/period"` |
//! | `POST /_sim/faults`, `GET /_sim/faults` | replaces / shows the [`FaultConfig`]: `error_rate`, `transient` (`fault9999`, `fault1006`, `http503`), `latency_ms`, `drop_rate`, `lost_reply_rate`, `script` (one-shot faults, e.g. `{"operation": "List_GetAll", "kind": "fault", "code": 1002, "message": "Unauthorized Access"}`, or an uncoded `{"kind": "server_fault", "faultstring": "…", "applied": true}` answered after the write landed; `"company_id": N` aims one at a company), `canned` (sticky canned answers, see below) |
//! | `GET /_sim/calls` | `{total, writes, per_operation, calls}` |
//! | `POST /_sim/reset` | empties the state |
//! | `POST /_sim/soap/limits`, `GET` | the SOAP fair-use limit per domain ([`fair_use::FairUseLimits`]: calls per sliding second, above it each call is answered half a second later, as Nmbrs documents; setting it starts the count afresh) / what each domain met |
//! | `POST /_sim/clerk` | a person's edit behind the worker's back ([`clerk`]): delete a line, change its value, strip its comment, add a line of their own, set days |
//!
//! **Canned responses** (real-world bytes for the worker to read): a script entry
//! `{"operation": "Contract_GetAll_AllEmployeesByCompany", "company_id": 54613, "kind": "canned",
//! "body": "<?xml …", "status": 200}` answers the next matching call once; an entry of
//! `canned` (`{"operation", "company_id"?, "body", "status"?}`) answers every matching call
//! until the faults are replaced. The body goes out as is (`text/xml`), nothing is applied, and
//! the call is logged as `injected:canned`. From Rust: [`Simulator::canned_once`],
//! [`Simulator::canned_sticky`].
//! The REST face ([`rest`], issue 9) serves the same state. Its identity server and controls:
//!
//! | route | does |
//! | --- | --- |
//! | `POST /connect/token` | OAuth 2.0 refresh grant (form `grant_type=refresh_token&refresh_token=…`, client by HTTP Basic with form-urlencoded halves or `client_id`/`client_secret` in the form) → `{access_token, token_type: "Bearer", expires_in, refresh_token, scope}`; the refresh token rotates, a reused, unknown or revoked one is `400 {"error": "invalid_grant"}`, a bad client `401 invalid_client` |
//! | `POST /connect/revocation` | RFC 7009: revokes a refresh token (its grant) or an access token; 200 |
//! | `POST /_sim/oauth/clients` | registers an app `{client_id, client_secret, subscription_key}` |
//! | `POST /_sim/oauth/grants` | mints a consent [`rest::GrantSpec`] `{client_id, domain, scope?, companies?, access_token_ttl_secs?, expires_in_secs? (what the token replies say, when not the real lifetime), grant_id?}` → `201 {grant_id, refresh_token}`; `scope` defaults to [`rest::WORKER_SCOPES`], `companies` (SOAP ids) to all |
//! | `GET /_sim/oauth/grants` | the grants (scopes, companies, `refreshes`, `refused`, `revoked`), no tokens |
//! | `PUT /_sim/oauth/grants/{grant_id}` | changes `scope`, `companies` / `all_companies`, `access_token_ttl_secs` |
//! | `POST /_sim/oauth/grants/{grant_id}/revoke` | revokes the grant (its refresh token → `invalid_grant`, access tokens → 401) |
//! | `POST /_sim/oauth/grants/{grant_id}/expire` | expires the grant's access tokens now (a token expiring mid-job) |
//! | `POST /_sim/oauth/settings`, `GET` | [`rest::OAuthSettings`] `{access_token_ttl_secs (3600), reuse_grace_secs (0 = strict single use)}` |
//! | `GET /_sim/oauth/calls` | token and revocation calls with their outcome |
//! | `POST /_sim/rest/faults`, `GET` | replaces / shows the [`rest::RestFaults`]; scripted faults name the operation as `"METHOD /path/template"`, the token endpoint as `"POST /connect/token"` (`{"kind": "reply", "status", "body", "applied"?}` answers any status and body as they are); `endless_pages` names a paged read whose `nextPage` chain never ends; `pages` (`[{"operation", "company_id"?, "pages": ["{\"pagination\": …", …]}]`) answers a read with given pages as they are (logged `injected:canned`; [`Simulator::rest_pages`]) |
//! | `POST /_sim/rest/settings`, `GET` | replaces / shows the [`rest::RestSettings`]: how the REST face plays each behaviour the OpenAPI file leaves open (days POST, PUT, wage period shapes, closed periods, SOAP comments, page size, gateway 401, comment limit; `rest/settings.rs`), and `numbers` (`{"kind": "float32", "steps": 1}`: every number read goes out through float32, as real Nmbrs sends it); every field optional, defaults as before |
//! | `POST /_sim/rest/limits`, `GET` | the API gateway's limits per subscription key ([`rest::subscription::SubscriptionLimits`]: calls per second → 429 `42908`, a quota → 429 `42909`; setting them starts the count afresh) / what each key met (`rest/subscription.rs`) |
//! | `GET /_sim/rest/violations` | `{requests, responses}` that broke the OpenAPI file |
//!
//! Differences from Nmbrs, on purpose or for lack of knowledge: the SOAPAction must be
//! quoted; an unknown or misplaced element is a `soap:Client` fault (ASMX would ignore it and
//! use 0); a missing `Domain` is refused (1001); deletes are allowed in closed periods and
//! writes to future periods are accepted; `List_GetByCompany` returns the employees whose
//! seeded `employee_type` equals `EmployeeType`.
//!
//! ```no_run
//! # async fn t() -> anyhow::Result<()> {
//! let sim = nmbrs_worker::sim::Simulator::start_demo().await?;
//! // NMBRS_BASE_URL = sim.base_url(); credentials: sim::demo::{USERNAME, TOKEN, DOMAIN}
//! # Ok(()) }
//! ```

pub mod clerk;
pub mod demo;
mod domain;
pub mod fair_use;
mod http;
mod id;
mod request;
pub mod rest;
mod service;
mod shared;
mod state;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use http::router;
pub(crate) use id::SimId;
pub use service::display_name;
pub use state::{
    CallRecord, CannedRule, FaultConfig, Injected, LineInfo, Scripted, Seed, SimCompany, SimDomain, SimEmployee,
    SimState, SimUser, TransientFault,
};

use crate::nmbrs::{HourComponentLine, Operation, PayPeriod, WageComponentLine};

/// Serves the simulator on `addr`, seeded with [`demo::seed`], until `shutdown` resolves.
/// This is what `nmbrs-worker sim --port N` runs.
pub async fn serve(addr: SocketAddr, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
    serve_seeded(addr, demo::seed(), shutdown).await
}

/// Serves a simulator holding `seed` (e.g. [`demo::scaled`]) until `shutdown`.
pub async fn serve_seeded(
    addr: SocketAddr,
    seed: Seed,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    tracing::info!(addr = %listener.local_addr()?, "nmbrs simulator listening");
    let mut state = SimState::default();
    state.apply_seed(seed);
    state.rest.openapi = rest::openapi::from_env()?;
    if state.rest.openapi.is_none() {
        tracing::warn!("NMBRS_SIM_OPENAPI is not set: REST requests are not validated");
    }
    serve_on(listener, Arc::new(Mutex::new(state)), shutdown).await
}

/// Serves `state` on an already bound listener until `shutdown` resolves.
pub async fn serve_on(
    listener: TcpListener,
    state: Arc<Mutex<SimState>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await?;
    Ok(())
}

/// A simulator running in the background on `127.0.0.1:<random port>`; stops on drop.
/// Each instance has its own state, so tests run in parallel.
pub struct Simulator {
    state: Arc<Mutex<SimState>>,
    base_url: String,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl Simulator {
    /// Starts an empty simulator.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(SimState::default()).await
    }

    /// Starts a simulator seeded with [`demo::seed`] (log in with [`demo::USERNAME`],
    /// [`demo::TOKEN`], domain [`demo::DOMAIN`]).
    pub async fn start_demo() -> anyhow::Result<Self> {
        Self::start_with(demo::state()).await
    }

    /// Starts a simulator over `state`. REST traffic is validated against the OpenAPI file
    /// named by `NMBRS_SIM_OPENAPI` when set (the repository's `.cargo/config.toml` sets it to
    /// `../shared/nmbrs/rest/nmbrs-openapi.yaml` for tests).
    pub async fn start_with(mut state: SimState) -> anyhow::Result<Self> {
        if state.rest.openapi.is_none() {
            state.rest.openapi = rest::openapi::from_env()?;
        }
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(state));
        let (stop, stopped) = oneshot::channel::<()>();
        let shared = state.clone();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = serve_on(listener, shared, shutdown).await {
                tracing::error!(error = %e, "nmbrs simulator stopped");
            }
        });
        Ok(Simulator { state, base_url: format!("http://{addr}"), addr, stop: Some(stop) })
    }

    /// The value for `NMBRS_BASE_URL`, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Direct access to the state (hold the guard briefly).
    pub fn state(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn seed(&self, seed: Seed) {
        self.state().apply_seed(seed);
    }

    pub fn seed_company(&self, domain: &str, company: SimCompany) {
        self.state().domain_mut(domain).companies.insert(company.company.id.int(), company);
    }

    pub fn seed_employee(&self, domain: &str, employee: SimEmployee) {
        self.state().domain_mut(domain).employees.insert(employee.id(), employee);
    }

    /// Adds (or replaces) a user with all rights and access to all companies.
    pub fn add_user(&self, domain: &str, username: &str, token: &str) {
        let user = SimUser { username: username.to_owned(), token: token.to_owned(), ..Default::default() };
        self.state().domain_mut(domain).users.insert(username.to_owned(), user);
    }

    fn with_user(&self, domain: &str, username: &str, f: impl FnOnce(&mut SimUser)) {
        if let Some(u) = self.state().domain_mut(domain).users.get_mut(username) {
            f(u);
        }
    }

    /// Switches `op` on in the user's API template.
    pub fn grant(&self, domain: &str, username: &str, op: Operation) {
        self.with_user(domain, username, |u| {
            u.denied.remove(op.name());
        });
    }

    /// Switches `op` off in the user's API template (→ fault 1002).
    pub fn revoke(&self, domain: &str, username: &str, op: Operation) {
        self.with_user(domain, username, |u| {
            u.denied.insert(op.name().to_owned());
        });
    }

    /// Limits the companies the user may see (→ fault 1003 for others).
    pub fn restrict_companies(&self, domain: &str, username: &str, companies: &[i32]) {
        self.with_user(domain, username, |u| {
            u.companies = Some(companies.iter().copied().collect());
        });
    }

    pub fn hour_components(&self, domain: &str, employee: i32, p: PayPeriod) -> Vec<HourComponentLine> {
        let s = self.state();
        let key = (employee, p.year, p.period);
        s.domains.get(domain).and_then(|d| d.hour_components.get(&key).cloned()).unwrap_or_default()
    }

    pub fn wage_components(&self, domain: &str, employee: i32, p: PayPeriod) -> Vec<WageComponentLine> {
        let s = self.state();
        let key = (employee, p.year, p.period);
        s.domains.get(domain).and_then(|d| d.wage_components.get(&key).cloned()).unwrap_or_default()
    }

    pub fn days(&self, domain: &str, employee: i32, p: PayPeriod) -> Option<i32> {
        let s = self.state();
        s.domains.get(domain).and_then(|d| d.days.get(&(employee, p.year, p.period)).copied())
    }

    /// REST requests that broke the OpenAPI file (protocol violations), so far.
    pub fn rest_violations(&self) -> Vec<String> {
        self.state().rest.violations.clone()
    }

    /// REST responses of the simulator that broke the OpenAPI file, so far.
    pub fn rest_response_violations(&self) -> Vec<String> {
        self.state().rest.response_violations.clone()
    }

    /// The REST id (UUID) of SOAP entity `id` of `kind` in `domain` (its alias when given one).
    pub fn rest_id(&self, domain: &str, kind: rest::ids::IdKind, id: i32) -> uuid::Uuid {
        self.state().rest.ids.id(domain, kind, id.into())
    }

    /// Gives SOAP entity `id` of `kind` in `domain` the REST id `uuid` instead of its derived
    /// one, so given REST pages naming it by that id meet its record here.
    pub fn set_rest_id(&self, domain: &str, kind: rest::ids::IdKind, id: i32, uuid: uuid::Uuid) {
        self.state().rest.ids.alias(domain, kind, id, uuid);
    }

    /// Answers every call of the REST read `operation` (`"GET /path/template"`, about
    /// `company`'s `companyId` when given) with `pages` as they are ([`rest::RestPages`]),
    /// until the REST faults are replaced.
    pub fn rest_pages(&self, operation: &str, company: Option<uuid::Uuid>, pages: Vec<String>) {
        let rule =
            rest::RestPages { operation: operation.to_owned(), company_id: company.map(|c| c.to_string()), pages };
        self.state().rest.faults.pages.push(rule);
    }

    /// Sets what the OpenAPI file leaves open (days POST, DELETE in a closed period).
    /// A clerk's edit in Nmbrs behind the worker's back ([`clerk`]); the id of a line added.
    pub fn clerk(&self, domain: &str, action: clerk::ClerkAction) -> Result<Option<i32>, String> {
        clerk::act(self.state().domain_mut(domain), &action)
    }

    pub fn set_rest_settings(&self, settings: rest::RestSettings) {
        self.state().rest.settings = settings;
    }

    /// Sets the gateway's limits per subscription key (rate → 42908, quota → 42909); the
    /// counting starts afresh, so a used-up quota returns.
    pub fn set_rest_limits(&self, limits: rest::subscription::SubscriptionLimits) {
        self.state().rest.subscriptions.set(limits);
    }

    /// What each subscription key met since the limits were set.
    pub fn rest_limit_counts(&self) -> Vec<rest::subscription::KeyCount> {
        self.state().rest.subscriptions.counts()
    }

    /// The call log so far.
    pub fn calls(&self) -> Vec<CallRecord> {
        self.state().calls.clone()
    }

    /// Number of calls of write operations (including refused ones).
    pub fn write_calls(&self) -> usize {
        self.state().write_calls()
    }

    pub fn clear_calls(&self) {
        self.state().calls.clear();
    }

    pub fn set_faults(&self, faults: FaultConfig) {
        self.state().faults = faults;
    }

    /// Registers an OAuth app for the REST face.
    pub fn add_oauth_client(&self, client_id: &str, client_secret: &str, subscription_key: &str) {
        self.state().rest.oauth.add_client(rest::OAuthClient {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            subscription_key: subscription_key.to_owned(),
        });
    }

    /// Mints a consent (grant) and returns its id and first refresh token.
    pub fn mint_grant(&self, spec: rest::GrantSpec) -> rest::MintedGrant {
        let (grant_id, refresh_token) = self.state().rest.oauth.mint(spec);
        rest::MintedGrant { grant_id, refresh_token }
    }

    /// The token endpoint, e.g. `http://127.0.0.1:41234/connect/token`.
    pub fn token_url(&self) -> String {
        format!("{}/connect/token", self.base_url)
    }

    /// Injects a REST fault into the next call of `operation` (`"METHOD /path/template"`,
    /// `"POST /connect/token"`; any call when `None`).
    pub fn inject_rest(&self, operation: Option<&str>, injected: rest::RestInjected) {
        self.state().rest.faults.script.push(rest::RestScripted { operation: operation.map(str::to_owned), injected });
    }

    /// Injects `injected` into the next call of `operation` (any call when `None`).
    pub fn inject(&self, operation: Option<Operation>, injected: Injected) {
        self.state().faults.script.push(Scripted {
            operation: operation.map(|o| o.name().to_owned()),
            company_id: None,
            injected,
        });
    }

    /// Answers the next call of `operation` (about `company_id`, when given) with `body`
    /// (HTTP 200, `text/xml`) instead of the simulated answer.
    pub fn canned_once(&self, operation: Operation, company_id: Option<i32>, body: impl Into<String>) {
        let injected = Injected::Canned { body: body.into(), status: 200 };
        self.state().faults.script.push(Scripted {
            operation: Some(operation.name().to_owned()),
            company_id,
            injected,
        });
    }

    /// Answers every call of `operation` (about `company_id`, when given) with `body`
    /// (HTTP 200, `text/xml`) until the fault configuration is replaced.
    pub fn canned_sticky(&self, operation: Operation, company_id: Option<i32>, body: impl Into<String>) {
        let rule = CannedRule { operation: operation.name().to_owned(), company_id, body: body.into(), status: 200 };
        self.state().faults.canned.push(rule);
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
