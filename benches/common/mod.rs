//! What the benchmarks that run the worker against a simulator process share: the simulator
//! as its own process (so the worker's figures are its own), its call log, and a throw-away
//! world for the worker (its own database and queue prefix), removed afterwards, and what a
//! run needs to go through either Nmbrs API (`BENCH_API`): the REST app registered at the
//! simulator, a consent minted there, and ids in the API's form (CONTRACT §5).

use std::{
    collections::{BTreeMap, HashMap},
    process::{Child, Command, Stdio},
    time::Duration,
};

use nmbrs_worker::{
    bus::{self, topology::Names},
    config::Config,
    credentials::{Credentials, KeyRing, RestGrant},
    sim::{
        demo,
        rest::ids::{IdKind, rest_id},
    },
};
use serde_json::{Value, json};

/// The benchmark setting `name` from the environment, or `default` when unset or unreadable.
#[allow(dead_code)]
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The Nmbrs API a run goes through (`integration.nmbrs.api`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    Soap,
    Rest,
}

impl Api {
    /// `BENCH_API`: `both` (default: SOAP, then REST, in one run), `soap` or `rest`.
    pub fn from_env() -> Vec<Api> {
        match std::env::var("BENCH_API").unwrap_or_default().trim().to_ascii_lowercase().as_str() {
            "" | "both" => vec![Api::Soap, Api::Rest],
            "soap" => vec![Api::Soap],
            "rest" => vec![Api::Rest],
            other => panic!("BENCH_API must be both, soap or rest, not {other:?}"),
        }
    }

    /// As `integration.nmbrs.api` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Api::Soap => "soap",
            Api::Rest => "rest",
        }
    }

    /// A simulator id in this API's form: the SOAP integer, or its REST UUID.
    fn id(self, kind: IdKind, soap_id: i32) -> Value {
        match self {
            Api::Soap => json!(soap_id),
            Api::Rest => json!(rest_id(demo::DOMAIN, kind, soap_id.into()).to_string()),
        }
    }

    /// A company id (`venues[].nmbrs_company_id`) in this API's form.
    pub fn company(self, soap_id: i32) -> Value {
        self.id(IdKind::Company, soap_id)
    }

    /// An employee id (`entries[].nmbrs_employee_id`) in this API's form.
    #[allow(dead_code)]
    pub fn employee(self, soap_id: i32) -> Value {
        self.id(IdKind::Employee, soap_id)
    }
}

/// The OAuth app the benchmarks register at the simulator's identity server.
const BENCH_APP: (&str, &str, &str) = ("eitje-bench", "bench-client-secret", "bench-subscription-key");

/// `nmbrs-worker sim --employees N` on a port of its own; killed when dropped.
pub struct SimProcess {
    pub child: Child,
    pub base: String,
    pub http: reqwest::Client,
}

/// The simulator's call log (not every benchmark reads every figure).
#[allow(dead_code)]
pub struct SimCalls {
    pub total: u64,
    pub writes: u64,
    pub per_operation: BTreeMap<String, u64>,
}

impl SimProcess {
    /// Starts it on `port_base` + a number from the process id (parallel runs do not collide).
    pub fn spawn(port_base: u16, employees: usize) -> Self {
        Self::spawn_with(port_base, employees, &[])
    }

    /// [`Self::spawn`] with more `sim` arguments (e.g. `--small-companies N`).
    pub fn spawn_with(port_base: u16, employees: usize, more: &[String]) -> Self {
        let port = port_base + (std::process::id() % 1000) as u16;
        let child = Command::new(env!("CARGO_BIN_EXE_nmbrs-worker"))
            .args(["sim", "--port", &port.to_string(), "--employees", &employees.to_string()])
            .args(more)
            .env("RUST_LOG", "warn")
            // Checking every REST request and response against the 480 KB OpenAPI file is the
            // tests' job (`.cargo/config.toml` sets it for them); Nmbrs does not do it on our time.
            .env_remove("NMBRS_SIM_OPENAPI")
            .stdout(Stdio::null())
            .spawn()
            .expect("the simulator starts");
        SimProcess { child, base: format!("http://127.0.0.1:{port}"), http: reqwest::Client::new() }
    }

    /// Waits (up to 20 s) until it answers.
    pub async fn ready(&self) {
        for _ in 0..200 {
            if self.http.get(format!("{}/_sim/calls", self.base)).send().await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the simulator at {} did not answer", self.base);
    }

    pub async fn calls(&self) -> SimCalls {
        let url = format!("{}/_sim/calls", self.base);
        let text = self.http.get(url).send().await.unwrap().text().await.unwrap();
        let calls: Value = serde_json::from_str(&text).unwrap();
        let ops = calls["per_operation"].as_object().into_iter().flatten();
        let per_operation = ops.map(|(op, n)| (op.clone(), n.as_u64().unwrap_or(0))).collect();
        SimCalls { total: calls["total"].as_u64().unwrap(), writes: calls["writes"].as_u64().unwrap(), per_operation }
    }

    /// Calls to the identity server's `/connect/token` so far (not in [`Self::calls`]).
    pub async fn token_calls(&self) -> usize {
        let url = format!("{}/_sim/oauth/calls", self.base);
        let text = self.http.get(url).send().await.unwrap().text().await.unwrap();
        let calls: Value = serde_json::from_str(&text).unwrap();
        calls.as_array().map_or(0, |a| a.iter().filter(|c| c["endpoint"] == "token").count())
    }

    /// POSTs `body` to a `/_sim/...` control route and returns the answer's JSON (null if none).
    #[allow(dead_code)]
    pub async fn control(&self, path: &str, body: Value) -> Value {
        let request = self.http.post(format!("{}{path}", self.base)).header("content-type", "application/json");
        let answer = request.body(body.to_string()).send().await.and_then(|a| a.error_for_status());
        let text = answer.unwrap_or_else(|e| panic!("POST {path}: {e}")).text().await.unwrap_or_default();
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// A payroll clerk's edit in the simulator (`POST /_sim/clerk`, issue 18): `action` is a
    /// `sim::clerk::ClerkAction` as JSON, in the demo domain.
    #[allow(dead_code)]
    pub async fn clerk(&self, mut action: Value) {
        action["domain"] = json!(nmbrs_worker::sim::demo::DOMAIN);
        self.control("/_sim/clerk", action).await;
    }

    /// Adds `latency_ms` to every SOAP and every REST call (and token request), the same on both.
    #[allow(dead_code)]
    pub async fn set_latency(&self, latency_ms: u64) {
        self.control("/_sim/faults", json!({"latency_ms": latency_ms})).await;
        self.control("/_sim/rest/faults", json!({"latency_ms": latency_ms})).await;
    }

    /// Registers the benchmark's OAuth app here and returns the worker's REST settings pointing
    /// at this simulator (its REST face and identity server), for [`BenchWorld::new`]'s `extra`.
    pub async fn rest_settings(&self) -> Vec<(&'static str, String)> {
        let (client_id, secret, key) = BENCH_APP;
        let app = json!({"client_id": client_id, "client_secret": secret, "subscription_key": key});
        self.control("/_sim/oauth/clients", app).await;
        vec![
            ("NMBRS_REST_BASE_URL", self.base.clone()),
            ("NMBRS_OAUTH_TOKEN_URL", format!("{}/connect/token", self.base)),
            ("NMBRS_OAUTH_CLIENT_ID", client_id.to_string()),
            ("NMBRS_OAUTH_CLIENT_SECRET", secret.to_string()),
            ("NMBRS_SUBSCRIPTION_KEY", key.to_string()),
        ]
    }

    /// The integration's `nmbrs` object for `api`: the demo domain with its SOAP login, or a
    /// consent minted here for the app of [`Self::rest_settings`], sealed for `integration_id`.
    pub async fn nmbrs(&self, api: Api, keys: &KeyRing, integration_id: &str) -> Value {
        let sealed = match api {
            Api::Soap => keys.seal(integration_id, &Credentials::new(demo::USERNAME, demo::TOKEN)),
            Api::Rest => {
                let spec = json!({"grant_id": "", "client_id": BENCH_APP.0, "domain": demo::DOMAIN, "scope": ""});
                let minted = self.control("/_sim/oauth/grants", spec).await;
                let grant_id = minted["grant_id"].as_str().and_then(|g| g.parse().ok()).expect("a grant id");
                let refresh = minted["refresh_token"].as_str().expect("a refresh token").to_string();
                keys.seal_rest_grant(integration_id, &RestGrant::new(grant_id, refresh))
            }
        };
        json!({"domain": demo::DOMAIN, "api": api.name(), "credentials": sealed})
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The worker's configuration with a database and queue prefix of its own, and the broker
/// channel the benchmark declares the topology and taps events on.
pub struct BenchWorld {
    pub config: Config,
    /// The settings `config` was made from, for worker processes of its own (`nmbrs-worker run`).
    #[allow(dead_code)]
    pub vars: Vec<(String, String)>,
    pub keys: KeyRing,
    pub names: Names,
    pub channel: lapin::Channel,
    conn: lapin::Connection,
    database: String,
}

impl BenchWorld {
    /// `label` names the database (`nmbrs_bench_<label>_<id>`); `extra` adds settings.
    pub async fn new(label: &str, nmbrs_base_url: &str, extra: &[(&'static str, String)]) -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
        let database = format!("nmbrs_bench_{label}_{id}");
        let keys_entry = KeyRing::generate_entry("k1");
        let mut vars: HashMap<&str, String> = HashMap::from([
            ("DATABASE_URL", format!("postgres://postgres@127.0.0.1:5432/{database}")),
            ("NMBRS_BASE_URL", nmbrs_base_url.to_string()),
            ("NMBRS_CREDENTIALS_KEYS", keys_entry.clone()),
            ("NMBRS_WORKER_QUEUE_PREFIX", format!("bench{id}.")),
            ("NMBRS_WORKER_HTTP_ADDR", "127.0.0.1:0".to_string()),
            // The demo data's day (sim::demo::ANCHOR): the figures do not move with the calendar.
            ("NMBRS_WORKER_CLOCK", nmbrs_worker::sim::demo::ANCHOR_INSTANT.to_string()),
        ]);
        vars.extend(extra.iter().cloned());
        let map: HashMap<&str, &str> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let config = Config::from_source(&map).expect("a valid benchmark configuration");
        let names = Names::new(&config.queue_prefix);
        let conn = bus::connect(&config.amqp_url, &format!("bench {label}")).await.expect("RabbitMQ");
        let channel = conn.create_channel().await.expect("a channel");
        bus::topology::declare(&channel, &names, &config.retry_schedule).await.expect("the topology");
        let keys = KeyRing::parse(&keys_entry).expect("a fresh key");
        let vars = vars.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        BenchWorld { config, vars, keys, names, channel, conn, database }
    }

    /// Deletes the benchmark's queues, exchanges and database.
    pub async fn remove(self) {
        let (names, channel) = (&self.names, &self.channel);
        let jobs = nmbrs_worker::envelope::JobType::ALL.iter().map(|kind| names.job_queue(*kind));
        let retries = self.config.retry_schedule.iter().map(|delay| names.retry_queue(*delay));
        for queue in jobs.chain(retries).chain([names.dead_queue()]) {
            let _ = channel.queue_delete(queue.into(), Default::default()).await;
        }
        for exchange in [names.jobs_exchange(), names.events_exchange(), names.retry_exchange()] {
            let _ = channel.exchange_delete(exchange.into(), Default::default()).await;
        }
        let _ = self.conn.close(200, "done".into()).await;
        let admin = sqlx::PgPool::connect("postgres://postgres@127.0.0.1:5432/postgres").await.unwrap();
        let drop_db = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.database);
        sqlx::query(sqlx::AssertSqlSafe(drop_db)).execute(&admin).await.unwrap();
    }
}
