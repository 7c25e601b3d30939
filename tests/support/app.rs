//! One way to start a test, as zero2prod's `spawn_app`: [`spawn`] gives a test its own
//! PostgreSQL database and queue prefix ([`TestEnv`]), its own Nmbrs simulator (SOAP and REST
//! faces over one state, demo data unless told otherwise), an event tap, and a worker
//! configured against all three. Dropping the [`TestApp`] stops the worker and removes the
//! database and the queues, also when the test panics; [`TestApp::stop`] stops it gracefully.

use std::sync::Arc;

use nmbrs_worker::{
    clock::Clock,
    envelope::JobType,
    jobs::{
        Connector, Handlers,
        team::{Deactivate, SyncTeam},
    },
    sim::{SimState, Simulator, demo},
    worker::Worker,
};

use super::{Events, TestEnv};

/// A running world of one test. Fields drop in order: the worker is cancelled first (in
/// [`Drop`]), the environment (database, queues) is removed last.
pub struct TestApp {
    worker: Option<Worker>,
    /// The API of the jobs the test makes (`job`, `export`); SOAP unless [`Spawn::api`] says.
    pub api: super::Api,
    /// The REST consent the jobs carry when `api` is REST.
    pub grant: Option<nmbrs_worker::credentials::RestGrant>,
    pub events: Events,
    pub sim: Simulator,
    pub env: TestEnv,
}

/// The world most tests want: the production handlers against a simulator with the demo data.
pub async fn spawn() -> TestApp {
    Spawn::new().start().await
}

/// Makes the handlers of a test's worker once the simulator runs (it needs its address).
type MakeHandlers = Box<dyn FnOnce(&TestEnv, &Simulator) -> Handlers + Send>;

/// A [`TestApp`] to be started, for tests that need other settings, Nmbrs data or handlers.
pub struct Spawn {
    api: super::Api,
    env: TestEnv,
    state: SimState,
    handlers: MakeHandlers,
}

impl Spawn {
    /// A fresh [`TestEnv`], the demo data, the production handlers.
    pub fn new() -> Self {
        let production = |env: &TestEnv, _: &Simulator| Handlers::production(&env.config()).expect("handlers");
        Spawn { api: super::Api::Soap, env: TestEnv::new(), state: demo::state(), handlers: Box::new(production) }
    }

    /// The test's jobs go to `api` (REST: a consent is minted at start).
    pub fn api(mut self, api: super::Api) -> Self {
        self.api = api;
        self
    }

    /// Runs in `env` (a [`TestEnv`] with settings of the test's own).
    pub fn env(mut self, env: TestEnv) -> Self {
        self.env = env;
        self
    }

    /// Starts the simulator holding `state` instead of the demo data.
    pub fn state(mut self, state: SimState) -> Self {
        self.state = state;
        self
    }

    /// Runs the worker with the handlers `make` builds.
    pub fn handlers(mut self, make: impl FnOnce(&TestEnv, &Simulator) -> Handlers + Send + 'static) -> Self {
        self.handlers = Box::new(make);
        self
    }

    /// Starts the simulator, points the worker's `NMBRS_BASE_URL` and REST settings at it, binds the event tap
    /// (before the worker, so no event is missed) and starts the worker.
    pub async fn start(self) -> TestApp {
        let Spawn { api, mut env, state, handlers } = self;
        let sim = Simulator::start_with(state).await.expect("simulator starts");
        env.set("NMBRS_BASE_URL", sim.base_url());
        super::point_rest_at(&mut env, &sim);
        let events = env.events().await;
        let worker = env.start_worker(handlers(&env, &sim)).await;
        let grant = (api == super::Api::Rest).then(|| super::mint_demo_grant(&sim));
        TestApp { worker: Some(worker), api, grant, events, sim, env }
    }
}

impl TestApp {
    /// The address of the worker's health and metrics endpoint.
    pub fn worker_http_addr(&self) -> std::net::SocketAddr {
        self.worker.as_ref().expect("the worker runs").http_addr
    }

    /// Stops the worker gracefully (in-flight jobs finish, the outbox is flushed); the
    /// database and queues stay until the app is dropped.
    pub async fn stop(&mut self) {
        if let Some(worker) = self.worker.take() {
            worker.stop().await;
        }
    }
}

impl Drop for TestApp {
    /// A test that did not [`stop`](TestApp::stop) (it panicked): cancel the worker, so it
    /// does not declare its queues again while they are being deleted.
    fn drop(&mut self) {
        if let Some(worker) = self.worker.take() {
            worker.shutdown_token().cancel();
        }
    }
}

/// `SyncTeam` and `Deactivate` against `sim` (SOAP; REST as `env` sets it, see [`super::point_rest_at`]), "today" being `clock`, holding a sync when more
/// than 30 % of the linked employees would leave.
pub fn team_handlers(env: &TestEnv, sim: &Simulator, clock: Clock) -> Handlers {
    let max_departure_share = rust_decimal::Decimal::new(3, 1);
    let mut config = env.config();
    config.nmbrs_base_url = sim.base_url().to_string();
    let nmbrs = Arc::new(Connector::from_config(&config).expect("connector"));
    Handlers::default()
        .with(
            JobType::SyncTeam,
            Arc::new(SyncTeam { nmbrs: nmbrs.clone(), max_concurrency: 4, clock, max_departure_share }),
        )
        .with(JobType::Deactivate, Arc::new(Deactivate { nmbrs, clock, max_departure_share }))
}
