//! Test harness in the style of zero2prod's `helpers.rs`: every test gets its own PostgreSQL
//! database and its own queue prefix on the real local RabbitMQ, so tests run in parallel, and
//! dropping its [`TestEnv`] deletes both (`cleanup.rs`), also when the test panics. A test
//! starts its whole world (plus a simulator and a worker) with [`spawn`] (`app.rs`).
//! Events are read from a private queue bound to the test's `nmbrs.events` and each one is
//! checked against its JSON Schema on arrival.

mod api;
mod app;
mod cleanup;
pub mod export;
pub mod migrations;
pub mod nmbrs;
pub mod tcp_proxy;

pub use api::{
    Api, CLIENT_ID, CLIENT_SECRET, api_job, mint_demo_grant, mint_demo_grant_for, point_rest_at, soap_ids_of,
};
pub use app::{Spawn, TestApp, spawn, team_handlers};

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use futures::StreamExt;
use lapin::{
    Channel, Connection,
    options::{BasicAckOptions, BasicGetOptions, QueueDeclareOptions},
    types::FieldTable,
};
use nmbrs_worker::{
    bus::{self, headers, topology},
    cli::publish::publish_bytes,
    config::Config,
    credentials::{Credentials, KeyRing, SealedCredentials},
    envelope::{JobPayload, schema},
    jobs::{Handlers, JobContext, JobError, JobHandler, JobOutput},
    worker::Worker,
};
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::sync::mpsc;

pub const AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
pub const PG_BASE: &str = "postgres://postgres@127.0.0.1:5432";

/// One test's private world.
pub struct TestEnv {
    pub prefix: String,
    pub database_url: String,
    pub keys: KeyRing,
    pub names: topology::Names,
    pub env: HashMap<&'static str, String>,
    /// The shutdown tokens of the workers started in this environment: [`Drop`] cancels them
    /// before it deletes the queues, so a worker still running (a panicking test on a
    /// multi-thread runtime) does not declare them again.
    pub(crate) workers: std::sync::Mutex<Vec<tokio_util::sync::CancellationToken>>,
}

impl TestEnv {
    pub fn new() -> Self {
        // JSON logs and trace context as in production; nextest shows them for failing tests.
        static TELEMETRY: std::sync::OnceLock<Option<nmbrs_worker::telemetry::TelemetryGuard>> =
            std::sync::OnceLock::new();
        TELEMETRY.get_or_init(|| nmbrs_worker::telemetry::init(None).ok());
        let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
        let prefix = format!("t{id}.");
        let database_url = format!("{PG_BASE}/nmbrs_test_{id}");
        let keys_entry = KeyRing::generate_entry("k1");
        let keys = KeyRing::parse(&keys_entry).unwrap();
        let env = HashMap::from([
            ("AMQP_URL", AMQP_URL.to_string()),
            ("DATABASE_URL", database_url.clone()),
            ("NMBRS_CREDENTIALS_KEYS", keys_entry),
            ("NMBRS_WORKER_QUEUE_PREFIX", prefix.clone()),
            ("NMBRS_WORKER_HTTP_ADDR", "127.0.0.1:0".to_string()),
            ("NMBRS_WORKER_RETRY_SCHEDULE", "1s,2s".to_string()),
            ("NMBRS_WORKER_SHUTDOWN_TIMEOUT", "10s".to_string()),
            ("NMBRS_WORKER_OUTBOX_POLL_INTERVAL", "200ms".to_string()),
            ("NMBRS_WORKER_MAX_MESSAGE_BYTES", "65536".to_string()),
            ("NMBRS_WORKER_CONCURRENCY", "4".to_string()),
            // "Today" is the day the demo data was written for, whatever day the test runs.
            ("NMBRS_WORKER_CLOCK", nmbrs_worker::sim::demo::ANCHOR_INSTANT.to_string()),
        ]);
        Self { names: topology::Names::new(&prefix), prefix, database_url, keys, env, workers: Default::default() }
    }

    pub fn set(&mut self, var: &'static str, value: &str) {
        self.env.insert(var, value.to_string());
    }

    pub fn config(&self) -> Config {
        let map: HashMap<&str, &str> = self.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Config::from_source(&map).expect("test config is valid")
    }

    pub async fn start_worker(&self, handlers: Handlers) -> Worker {
        let worker = Worker::start(self.config(), handlers).await.expect("worker starts");
        self.workers.lock().unwrap().push(worker.shutdown_token());
        worker
    }

    /// Opens the test database (the worker creates and migrates it).
    pub async fn pool(&self) -> PgPool {
        nmbrs_worker::store::connect(&self.database_url, 4).await.unwrap()
    }

    /// Declares the topology and binds a private queue to all events of this test.
    pub async fn events(&self) -> Events {
        let conn = bus::connect(AMQP_URL, "test events").await.unwrap();
        let channel = conn.create_channel().await.unwrap();
        topology::declare(&channel, &self.names, &self.config().retry_schedule).await.unwrap();
        let mut consumer = bus::tap_events(&channel, &self.names, "#").await.unwrap();
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(Ok(delivery)) = consumer.next().await {
                let body: Value = serde_json::from_slice(&delivery.data).expect("events are JSON");
                let kind = body["type"].as_str().expect("events have a type").to_string();
                if let Err(problems) = schema::check(&format!("events/{kind}"), &body) {
                    panic!("event breaks its schema: {problems}\n{body:#}");
                }
                let props = &delivery.properties;
                assert_eq!(
                    props.message_id().as_ref().map(|s| s.to_string()),
                    body["event_id"].as_str().map(str::to_string)
                );
                assert_eq!(props.content_type().as_ref().map(|s| s.as_str()), Some("application/json"));
                assert_eq!(*props.delivery_mode(), Some(2), "events are persistent");
                assert_eq!(delivery.routing_key.as_str(), kind, "routing key = type");
                let correlation = props.correlation_id().as_ref().map(|s| s.to_string());
                let traceparent = props.headers().as_ref().and_then(|h| headers::text(h, "traceparent"));
                if tx.send(Received { body, correlation, traceparent }).is_err() {
                    break;
                }
            }
        });
        Events { rx, seen: Vec::new(), _conn: conn, _channel: channel }
    }

    /// A valid job envelope with credentials sealed for `integration`.
    pub fn job(&self, kind: &str, integration: &str, payload: Value) -> Value {
        let sealed = self.keys.seal(integration, &Credentials::new("api@example.com", "secret-token"));
        envelope(kind, integration, &sealed, payload)
    }

    /// A job for the simulator's demo domain, sealed with the given Nmbrs user and token.
    pub fn demo_job(&self, kind: &str, integration: &str, user: (&str, &str), payload: Value) -> Value {
        let sealed = self.keys.seal(integration, &Credentials::new(user.0, user.1));
        let mut job = envelope(kind, integration, &sealed, payload);
        job["integration"]["nmbrs"]["domain"] = json!(nmbrs_worker::sim::demo::DOMAIN);
        job["integration"]["venues"] = json!([
            {"eitje_venue_id": "v-horeca", "nmbrs_company_id": nmbrs_worker::sim::demo::HORECA},
            {"eitje_venue_id": "v-catering", "nmbrs_company_id": nmbrs_worker::sim::demo::CATERING}
        ]);
        job
    }

    pub async fn publish(&self, job: &Value) {
        publish_bytes(&self.config(), &serde_json::to_vec(job).unwrap(), Some(job), None, true).await.unwrap();
    }

    /// Publishes raw bytes (possibly invalid) with a routing key and AMQP message id.
    pub async fn publish_raw(&self, body: &[u8], routing_key: &str) {
        let parsed: Option<Value> = serde_json::from_slice(body).ok();
        publish_bytes(&self.config(), body, parsed.as_ref(), Some(routing_key), false).await.unwrap();
    }

    /// Takes every message parked in `nmbrs.jobs.dead` (acked; the queue ends empty).
    pub async fn drain_dead(&self) -> Vec<Parked> {
        let conn = bus::connect(AMQP_URL, "test dead").await.unwrap();
        let channel = conn.create_channel().await.unwrap();
        let mut out = Vec::new();
        while let Some(msg) =
            channel.basic_get(self.names.dead_queue().into(), BasicGetOptions { no_ack: false }).await.unwrap()
        {
            let h = msg.delivery.properties.headers().clone().unwrap_or_default();
            out.push(Parked {
                code: headers::text(&h, headers::ERROR_CODE),
                error: headers::text(&h, headers::ERROR),
                routing_key: headers::text(&h, headers::ROUTING_KEY),
                message_id: msg.delivery.properties.message_id().as_ref().map(|s| s.to_string()),
                body: msg.delivery.data.clone(),
            });
            msg.delivery.acker.ack(BasicAckOptions::default()).await.unwrap();
        }
        let _ = conn.close(200, "done".into()).await;
        out
    }

    /// Messages ready in a queue (passive declare).
    pub async fn queue_depth(&self, queue: &str) -> u32 {
        let conn = bus::connect(AMQP_URL, "test depth").await.unwrap();
        let channel = conn.create_channel().await.unwrap();
        let passive = QueueDeclareOptions { passive: true, durable: true, ..Default::default() };
        let depth = channel.queue_declare(queue.into(), passive, FieldTable::default()).await.unwrap().message_count();
        let _ = conn.close(200, "done".into()).await;
        depth
    }

    /// Publishes several valid jobs back to back on one connection (they arrive at once).
    pub async fn publish_many(&self, jobs: &[&Value]) {
        use nmbrs_worker::bus::publisher::{Outgoing, Publisher, json_properties};
        let conn = bus::connect(AMQP_URL, "test publish").await.unwrap();
        let publisher = Publisher::open(&conn, Duration::from_secs(5)).await.unwrap();
        let exchange = self.names.jobs_exchange();
        let bodies: Vec<Vec<u8>> = jobs.iter().map(|j| serde_json::to_vec(j).unwrap()).collect();
        let msgs = jobs.iter().zip(&bodies).map(|(job, body)| {
            let kind_name = job["type"].as_str().unwrap();
            schema::check(&format!("jobs/{kind_name}"), job).expect("a valid job");
            let kind = nmbrs_worker::envelope::JobType::from_type_name(kind_name).unwrap();
            Outgoing {
                exchange: &exchange,
                routing_key: kind.routing_key(),
                body,
                properties: json_properties(job["message_id"].as_str().unwrap(), FieldTable::default()).unwrap(),
                mandatory: true,
            }
        });
        for sent in publisher.send_all(msgs.collect::<Vec<_>>()).await {
            sent.unwrap();
        }
        let _ = conn.close(200, "done".into()).await;
    }

    /// Consumers attached to a queue (passive declare).
    pub async fn queue_consumers(&self, queue: &str) -> u32 {
        let conn = bus::connect(AMQP_URL, "test consumers").await.unwrap();
        let channel = conn.create_channel().await.unwrap();
        let passive = QueueDeclareOptions { passive: true, durable: true, ..Default::default() };
        let n = channel.queue_declare(queue.into(), passive, FieldTable::default()).await.unwrap().consumer_count();
        let _ = conn.close(200, "done".into()).await;
        n
    }
}

pub fn envelope(kind: &str, integration: &str, sealed: &SealedCredentials, payload: Value) -> Value {
    json!({
        "message_id": uuid::Uuid::new_v4().to_string(),
        "type": kind,
        "schema_version": 1,
        "created_at": "2026-11-24T21:00:00Z",
        "requested_by": {"kind": "user", "id": "u-9"},
        "integration": {
            "id": integration,
            "nmbrs": {"domain": "mycompany", "credentials": {"key_id": sealed.key_id, "sealed": sealed.sealed}},
            "venues": [{"eitje_venue_id": "v-1", "nmbrs_company_id": 54613}],
            "settings": {"auto_deactivate": true}
        },
        "payload": payload
    })
}

/// A SyncTeam payload; `behaviour` steers the scripted test handler. The worker hands its
/// handlers typed payloads only, so the behaviour rides in the roster, as the `eitje_user_id`
/// of an inactive member: [`SCRIPT`] followed by the behaviour's JSON.
pub fn sync_payload(behaviour: Value) -> Value {
    let script = json!({"eitje_user_id": format!("{SCRIPT}{behaviour}"), "active": false});
    json!({"trigger": "manual", "full": false, "members": [script]})
}

/// Marks the roster member that carries a [`Scripted`] behaviour.
pub const SCRIPT: &str = "scripted:";

pub struct Parked {
    pub code: Option<String>,
    pub error: Option<String>,
    pub routing_key: Option<String>,
    pub message_id: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub body: Value,
    pub correlation: Option<String>,
    pub traceparent: Option<String>,
}

impl Received {
    pub fn kind(&self) -> &str {
        self.body["type"].as_str().unwrap()
    }
}

pub struct Events {
    rx: mpsc::UnboundedReceiver<Received>,
    pub seen: Vec<Received>,
    _conn: Connection,
    _channel: Channel,
}

impl Events {
    /// Waits until an event matching `pred` arrives (or panics after `secs`).
    pub async fn wait_for(&mut self, secs: u64, what: &str, pred: impl Fn(&Received) -> bool) -> Received {
        if let Some(found) = self.seen.iter().find(|e| pred(e)) {
            return found.clone();
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let next = tokio::time::timeout_at(deadline, self.rx.recv()).await;
            match next {
                Ok(Some(ev)) => {
                    self.seen.push(ev.clone());
                    if pred(&ev) {
                        return ev;
                    }
                }
                _ => {
                    panic!("no {what} within {secs}s; saw {:#?}", self.seen.iter().map(|e| &e.body).collect::<Vec<_>>())
                }
            }
        }
    }

    /// Waits until `n` events matching `pred` have arrived; returns them.
    pub async fn wait_for_count(
        &mut self,
        secs: u64,
        what: &str,
        n: usize,
        pred: impl Fn(&Received) -> bool,
    ) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let found: Vec<Received> = self.seen.iter().filter(|e| pred(e)).cloned().collect();
            if found.len() >= n {
                return found;
            }
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(ev)) => self.seen.push(ev),
                _ => panic!(
                    "only {} of {n} {what} within {secs}s; saw {:#?}",
                    found.len(),
                    self.seen.iter().map(|e| &e.body).collect::<Vec<_>>()
                ),
            }
        }
    }

    /// Collects whatever arrives within `ms` milliseconds.
    pub async fn settle(&mut self, ms: u64) {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
        while let Ok(Some(ev)) = tokio::time::timeout_at(deadline, self.rx.recv()).await {
            self.seen.push(ev);
        }
    }

    pub fn of(&self, kind: &str, message_id: &str) -> Vec<&Received> {
        self.seen.iter().filter(|e| e.kind() == kind && e.body["job"]["message_id"] == message_id).collect()
    }
}

/// A job handler steered by the `test` field of the payload:
/// `"ok"`, `"with_notification"`, `"transient"`, `"permanent"`, `{"sleep_ms": N}`, `"panic"`,
/// `"needs_person"`.
#[derive(Default, Clone)]
pub struct Scripted {
    pub runs: Arc<AtomicUsize>,
    pub started: Arc<Mutex<Vec<String>>>,
}

impl Scripted {
    pub fn handlers(&self) -> Handlers {
        let me = Arc::new(self.clone());
        nmbrs_worker::envelope::JobType::ALL.iter().fold(Handlers::default(), |h, k| h.with(*k, me.clone()))
    }

    pub fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl JobHandler for Scripted {
    type Payload = JobPayload;

    async fn run(&self, ctx: JobContext<'_>, payload: &JobPayload) -> Result<JobOutput, JobError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        self.started.lock().unwrap().push(ctx.job.message_id.clone());
        let script = match payload {
            JobPayload::SyncTeam(sync) => sync.members.iter().find_map(|m| m.eitje_user_id.strip_prefix(SCRIPT)),
            _ => None,
        };
        let behaviour: &Value = &script.map_or(Value::Null, |s| serde_json::from_str(s).expect("a JSON behaviour"));
        if let Some(ms) = behaviour["sleep_ms"].as_u64() {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        match behaviour.as_str() {
            Some("transient") => Err(JobError::transient("nmbrs_unavailable", "Nmbrs answered 503")),
            Some("permanent") => Err(JobError::permanent("invalid_data", "the payload cannot be exported")),
            Some("needs_person") => Err(JobError::needs_person(
                "nmbrs_missing_rights",
                "Nmbrs refused Company_GetCurrentPeriod",
                nmbrs_worker::domain::events::Notification::new(
                    nmbrs_worker::domain::events::Level::Error,
                    "nmbrs.missing_rights",
                    "Switch on the API right Company_GetCurrentPeriod in Nmbrs",
                    json!({"operation": "Company_GetCurrentPeriod"}),
                ),
            )),
            Some("panic") => panic!("scripted panic"),
            // A statement PostgreSQL refuses for its value, as a handler's store call would
            // with a NUL byte in an id (SQLSTATE 22021).
            Some("database_refuses") => {
                sqlx::query("SELECT $1::text").bind("a\u{0}b").execute(ctx.pool).await?;
                unreachable!("PostgreSQL refuses a NUL byte in text")
            }
            _ => {
                let mut out = JobOutput::succeeded();
                out.counts.insert("imported".into(), 1);
                if behaviour == "with_notification" {
                    let notice = nmbrs_worker::domain::events::Notification::new(
                        nmbrs_worker::domain::events::Level::Info,
                        "sync.members_left_nmbrs",
                        "Members left Nmbrs",
                        json!({"eitje_user_ids": ["u-1"], "nmbrs_employee_ids": [1]}),
                    );
                    out.events.push(notice.draft());
                }
                assert!(
                    matches!(ctx.credentials, nmbrs_worker::credentials::OpenedCredentials::Soap(c) if c.username == "api@example.com"),
                    "credentials were opened"
                );
                Ok(out)
            }
        }
    }
}

/// Closes, from the broker side, every connection whose name contains `name_contains`.
pub fn kill_connections(name_contains: &str) -> usize {
    let out = std::process::Command::new("rabbitmqctl")
        .args(["list_connections", "pid", "client_properties", "-q", "--no-table-headers"])
        .output()
        .expect("rabbitmqctl runs");
    let listing = String::from_utf8_lossy(&out.stdout);
    let mut killed = 0;
    for line in listing.lines().filter(|l| l.contains(name_contains)) {
        let pid = line.split_whitespace().next().expect("a pid column");
        let out =
            std::process::Command::new("rabbitmqctl").args(["close_connection", pid, "test kill"]).output().unwrap();
        assert!(out.status.success(), "close_connection {pid}: {}", String::from_utf8_lossy(&out.stderr));
        killed += 1;
    }
    killed
}

/// Polls `check` every 100 ms until it is true or `secs` pass.
pub async fn eventually<F, Fut>(secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen within {secs}s");
}

/// Waits up to 20 s for `/readyz` to answer 200.
pub async fn wait_ready(addr: std::net::SocketAddr, what: &str) {
    eventually(20, what, || async move { http_get(addr, "/readyz").await.0 == 200 }).await;
}

pub async fn http_get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let res = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// Publishes a job with a W3C `traceparent` header, as a traced monolith would.
pub async fn publish_traced(env: &TestEnv, job: &Value, traceparent: &str) {
    let mut h = FieldTable::default();
    headers::set_text(&mut h, "traceparent", traceparent);
    publish_with(env, job, job["message_id"].as_str().unwrap(), h).await;
}

/// Publishes `job` with `amqp_message_id` as its AMQP `message_id`, whatever its body says.
pub async fn publish_with(env: &TestEnv, job: &Value, amqp_message_id: &str, headers: FieldTable) {
    use nmbrs_worker::bus::publisher::{Outgoing, Publisher, json_properties};
    let conn = bus::connect(AMQP_URL, "test publish").await.unwrap();
    let publisher = Publisher::open(&conn, Duration::from_secs(5)).await.unwrap();
    let body = serde_json::to_vec(job).unwrap();
    let exchange = env.names.jobs_exchange();
    let kind = nmbrs_worker::envelope::JobType::from_type_name(job["type"].as_str().unwrap()).unwrap();
    publisher
        .send(Outgoing {
            exchange: &exchange,
            routing_key: kind.routing_key(),
            body: &body,
            properties: json_properties(amqp_message_id, headers).unwrap(),
            mandatory: true,
        })
        .await
        .unwrap();
    let _ = conn.close(200, "done".into()).await;
}

// ExportHours helpers (issue 5): the job payload, and what Nmbrs (the simulator) holds for one
// employee and period, read straight from the simulator's state.

/// An `ExportHours` payload booking `entries` into `period` (`(year, number)`); set the other
/// fields (`withdrawn_entry_ids`, `dry_run`, `allow_closed_period`, `kinds`) on the result.
pub fn export_payload(export_id: &str, period: (i32, u8), entries: Value) -> Value {
    json!({"export_id": export_id, "period": {"year": period.0, "number": period.1}, "entries": entries})
}

/// One hour or wage component line in Nmbrs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NmbrsLine {
    pub id: i32,
    pub code: i32,
    pub value: rust_decimal::Decimal,
}

/// The hour components, wage components and days of one employee in one period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NmbrsPeriod {
    pub hours: Vec<NmbrsLine>,
    pub wages: Vec<NmbrsLine>,
    /// `None` when `DaysVar_Set` was never called for the period.
    pub days: Option<i32>,
}

impl NmbrsPeriod {
    /// `(code, value)` of every hour component, sorted (duplicates stay).
    pub fn hour_values(&self) -> Vec<(i32, rust_decimal::Decimal)> {
        sorted_values(&self.hours)
    }

    /// `(code, value)` of every wage component, sorted (duplicates stay).
    pub fn wage_values(&self) -> Vec<(i32, rust_decimal::Decimal)> {
        sorted_values(&self.wages)
    }

    /// Every component id, hour and wage.
    pub fn ids(&self) -> Vec<i32> {
        self.hours.iter().chain(&self.wages).map(|l| l.id).collect()
    }
}

fn sorted_values(lines: &[NmbrsLine]) -> Vec<(i32, rust_decimal::Decimal)> {
    let mut v: Vec<_> = lines.iter().map(|l| (l.code, l.value)).collect();
    v.sort();
    v
}

/// What the simulator holds for `employee` in `period` of the demo domain.
pub fn nmbrs_period(sim: &nmbrs_worker::sim::Simulator, employee: i32, period: (i32, u8)) -> NmbrsPeriod {
    use nmbrs_worker::{nmbrs::PayPeriod, sim::demo::DOMAIN};
    let p = PayPeriod::new(period.0, period.1);
    let hours = sim.hour_components(DOMAIN, employee, p);
    let wages = sim.wage_components(DOMAIN, employee, p);
    NmbrsPeriod {
        hours: hours
            .iter()
            .map(|l| NmbrsLine { id: l.id.soap().unwrap(), code: l.hour_code, value: l.hours.0 })
            .collect(),
        wages: wages.iter().map(|l| NmbrsLine { id: l.id.soap().unwrap(), code: l.code, value: l.value.0 }).collect(),
        days: sim.days(DOMAIN, employee, p),
    }
}

/// Publishes `job` and returns its `job.failed` (within 30 s: a job that fails at once, or after
/// the tests' short retry schedule).
pub async fn run_failing_job(env: &TestEnv, events: &mut Events, job: &Value) -> Received {
    env.publish(job).await;
    let id = job["message_id"].as_str().unwrap().to_string();
    events.wait_for(30, "job.failed", |e| e.kind() == "job.failed" && e.body["job"]["message_id"] == id).await
}

/// Runs one job and returns (its job.completed, the other events of that job).
pub async fn run_job(env: &TestEnv, events: &mut Events, job: &Value) -> (Received, Vec<Received>) {
    env.publish(job).await;
    let id = job["message_id"].as_str().unwrap().to_string();
    let done = events
        .wait_for(30, "job.completed", |e| e.kind() == "job.completed" && e.body["job"]["message_id"] == id)
        .await;
    events.settle(300).await;
    let others = events.seen.iter().filter(|e| e.body["job"]["message_id"] == id && e.kind() != "job.completed");
    (done, others.cloned().collect())
}
