//! Test harness in the style of zero2prod's `helpers.rs`: every test gets its own PostgreSQL
//! database and its own queue prefix on the real local RabbitMQ, so tests run in parallel, and
//! dropping its [`TestEnv`] deletes both (`cleanup.rs`), also when the test panics. A test
//! starts its whole world (plus a simulator and a worker) with [`spawn`] (`app.rs`).
//! Events are read from a private queue bound to the test's `nmbrs.events` and each one is
//! checked against its JSON Schema on arrival.

mod api;
mod app;
mod cleanup;
mod events;
pub mod export;
mod held;
pub mod migrations;
pub mod nmbrs;
mod scripted;
pub mod tcp_proxy;

pub use api::{
    Api, CLIENT_ID, CLIENT_SECRET, api_job, mint_demo_grant, mint_demo_grant_for, point_rest_at, soap_ids_of,
};
pub use app::{Spawn, TestApp, spawn, team_handlers};
pub use events::{Events, Parked, Received};
pub use held::{NmbrsLine, NmbrsPeriod, export_payload, nmbrs_period};
pub use scripted::{Scripted, sync_payload};

use std::{collections::HashMap, time::Duration};

use futures::StreamExt;
use lapin::{
    options::{BasicAckOptions, BasicGetOptions, QueueDeclareOptions},
    types::FieldTable,
};
use nmbrs_worker::{
    bus::{self, headers, topology},
    cli::publish::publish_bytes,
    config::Config,
    credentials::{Credentials, KeyRing, SealedCredentials},
    envelope::schema,
    jobs::Handlers,
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
        Events::new(rx, conn, channel)
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
    events.collect_for(300).await;
    let others = events.seen.iter().filter(|e| e.body["job"]["message_id"] == id && e.kind() != "job.completed");
    (done, others.cloned().collect())
}
