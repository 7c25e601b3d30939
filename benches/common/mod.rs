//! What the benchmarks that run the worker against a simulator process share: the simulator
//! as its own process (so the worker's figures are its own), its call log, and a throw-away
//! world for the worker (its own database and queue prefix), removed afterwards.

use std::{
    collections::{BTreeMap, HashMap},
    process::{Child, Command, Stdio},
    time::Duration,
};

use nmbrs_worker::{
    bus::{self, topology::Names},
    config::Config,
    credentials::KeyRing,
};
use serde_json::Value;

/// `nmbrs-worker sim --employees N` on a port of its own; killed when dropped.
pub struct SimProcess {
    child: Child,
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
        let port = port_base + (std::process::id() % 1000) as u16;
        let child = Command::new(env!("CARGO_BIN_EXE_nmbrs-worker"))
            .args(["sim", "--port", &port.to_string(), "--employees", &employees.to_string()])
            .env("RUST_LOG", "warn")
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
        ]);
        vars.extend(extra.iter().cloned());
        let map: HashMap<&str, &str> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let config = Config::from_source(&map).expect("a valid benchmark configuration");
        let names = Names::new(&config.queue_prefix);
        let conn = bus::connect(&config.amqp_url, &format!("bench {label}")).await.expect("RabbitMQ");
        let channel = conn.create_channel().await.expect("a channel");
        bus::topology::declare(&channel, &names, &config.retry_schedule).await.expect("the topology");
        let keys = KeyRing::parse(&keys_entry).expect("a fresh key");
        BenchWorld { config, keys, names, channel, conn, database }
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
