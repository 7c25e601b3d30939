//! Team sync of one company with 10 000 employees through the simulator (no added latency):
//! wall time, Nmbrs calls, and peak RSS of the worker.
//!
//! The simulator runs as its own process (`nmbrs-worker sim --employees N`), so the peak RSS
//! measured here (VmHWM, reset after start-up) is the worker's alone: reading Nmbrs, building
//! the records, committing 10 000 events to the outbox and publishing them.
//!
//! Run: `cargo bench --bench team_sync` (env `BENCH_EMPLOYEES`, default 10000). Needs the
//! local RabbitMQ and PostgreSQL.

use std::{
    collections::HashMap,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use futures::StreamExt;
use nmbrs_worker::{
    bus::{self, topology},
    cli::publish::publish_bytes,
    config::Config,
    credentials::{Credentials, KeyRing},
    jobs::Handlers,
    sim::demo,
    worker::Worker,
};
use serde_json::{Value, json};

/// A `/proc/self/status` figure in KiB (`VmHWM` = peak RSS, `VmRSS` = RSS now).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn reset_peak_rss() {
    std::fs::write("/proc/self/clear_refs", "5").expect("resetting VmHWM");
}

fn main() {
    let employees: usize = std::env::var("BENCH_EMPLOYEES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let port = 18_000 + (std::process::id() % 1000) as u16;
    let mut sim = Command::new(env!("CARGO_BIN_EXE_nmbrs-worker"))
        .args(["sim", "--port", &port.to_string(), "--employees", &employees.to_string()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let result = runtime.block_on(run(port, employees));
    let _ = sim.kill();
    let _ = sim.wait();
    let (wall, calls, (baseline_mib, peak_mib), counts) = result;
    println!("team sync of one company with {employees} extra employees (+ the demo's 7), no added latency");
    println!("  wall time      : {:.2} s", wall.as_secs_f64());
    println!("  Nmbrs calls    : {calls}");
    println!("  peak RSS       : {peak_mib:.1} MiB (worker process; {baseline_mib:.1} MiB before the job)");
    println!("  job counts     : {counts}");
}

async fn run(port: u16, employees: usize) -> (Duration, u64, (f64, f64), Value) {
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if http.get(format!("{base}/_sim/calls")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let id = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let keys_entry = KeyRing::generate_entry("k1");
    let vars: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", format!("postgres://postgres@127.0.0.1:5432/nmbrs_bench_sync_{id}")),
        ("NMBRS_BASE_URL", base.clone()),
        ("NMBRS_CREDENTIALS_KEYS", keys_entry.clone()),
        ("NMBRS_WORKER_QUEUE_PREFIX", format!("bench{id}.")),
        ("NMBRS_WORKER_HTTP_ADDR", "127.0.0.1:0".to_string()),
    ]);
    let map: HashMap<&str, &str> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let config = Config::from_source(&map).unwrap();
    let names = topology::Names::new(&config.queue_prefix);
    let conn = bus::connect(&config.amqp_url, "bench team sync").await.unwrap();
    let channel = conn.create_channel().await.unwrap();
    topology::declare(&channel, &names, &config.retry_schedule).await.unwrap();
    let mut events = bus::tap_events(&channel, &names, "job.*").await.unwrap();
    let worker = Worker::start(config.clone(), Handlers::production(&config).unwrap()).await.unwrap();
    let keys = KeyRing::parse(&keys_entry).unwrap();
    let sealed = keys.seal("env-bench", &Credentials::new(demo::USERNAME, demo::TOKEN));
    let job = json!({
        "message_id": uuid::Uuid::new_v4().to_string(), "type": "SyncTeam", "schema_version": 1,
        "created_at": "2026-11-24T21:00:00Z",
        "integration": {"id": "env-bench", "nmbrs": {"domain": demo::DOMAIN, "credentials": sealed},
                        "venues": [{"eitje_venue_id": "v-1", "nmbrs_company_id": demo::HORECA}]},
        "payload": {"trigger": "manual", "full": false, "members": []}
    });
    let calls_before = sim_calls(&http, &base).await;
    reset_peak_rss();
    let baseline_mib = status_kib("VmRSS:") as f64 / 1024.0;
    let started = Instant::now();
    publish_bytes(&config, &serde_json::to_vec(&job).unwrap(), Some(&job), None, true).await.unwrap();
    let completed = loop {
        let delivery = events.next().await.unwrap().unwrap();
        let event: Value = serde_json::from_slice(&delivery.data).unwrap();
        if event["type"] == "job.completed" || event["type"] == "job.failed" {
            break event;
        }
    };
    let wall = started.elapsed();
    let peak_mib = status_kib("VmHWM:") as f64 / 1024.0;
    let calls = sim_calls(&http, &base).await - calls_before;
    worker.stop().await;
    let _ = conn.close(200, "done".into()).await;
    let admin = sqlx::PgPool::connect("postgres://postgres@127.0.0.1:5432/postgres").await.unwrap();
    let drop_db = format!("DROP DATABASE IF EXISTS \"nmbrs_bench_sync_{id}\" WITH (FORCE)");
    sqlx::query(sqlx::AssertSqlSafe(drop_db)).execute(&admin).await.unwrap();
    assert_eq!(completed["type"], "job.completed", "{completed}");
    assert!(employees > 0);
    (wall, calls, (baseline_mib, peak_mib), completed["payload"]["counts"].clone())
}

async fn sim_calls(http: &reqwest::Client, base: &str) -> u64 {
    let text = http.get(format!("{base}/_sim/calls")).send().await.unwrap().text().await.unwrap();
    let calls: Value = serde_json::from_str(&text).unwrap();
    calls["total"].as_u64().unwrap()
}
