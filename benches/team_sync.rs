//! Team sync of one company with 10 000 employees through the simulator (no added latency):
//! wall time, Nmbrs calls, and peak RSS of the worker.
//!
//! The simulator runs as its own process (`nmbrs-worker sim --employees N`), so the peak RSS
//! measured here (VmHWM, reset after start-up) is the worker's alone: reading Nmbrs, building
//! the records, committing 10 000 events to the outbox and publishing them.
//!
//! Run: `cargo bench --bench team_sync` (env `BENCH_EMPLOYEES`, default 10000). Needs the
//! local RabbitMQ and PostgreSQL.

mod common;

use std::time::{Duration, Instant};

use common::{BenchWorld, SimProcess};
use futures::StreamExt;
use nmbrs_worker::{
    bus, cli::publish::publish_bytes, credentials::Credentials, jobs::Handlers, sim::demo, worker::Worker,
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
    let sim = SimProcess::spawn(18_000, employees);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let result = runtime.block_on(run(&sim));
    drop(sim);
    let (wall, calls, (baseline_mib, peak_mib), counts) = result;
    println!("team sync of one company with {employees} extra employees (+ the demo's 7), no added latency");
    println!("  wall time      : {:.2} s", wall.as_secs_f64());
    println!("  Nmbrs calls    : {calls}");
    println!("  peak RSS       : {peak_mib:.1} MiB (worker process; {baseline_mib:.1} MiB before the job)");
    println!("  job counts     : {counts}");
}

async fn run(sim: &SimProcess) -> (Duration, u64, (f64, f64), Value) {
    sim.ready().await;
    let world = BenchWorld::new("sync", &sim.base, &[]).await;
    let config = &world.config;
    let mut events = bus::tap_events(&world.channel, &world.names, "job.*").await.unwrap();
    let worker = Worker::start(config.clone(), Handlers::production(config).unwrap()).await.unwrap();
    let sealed = world.keys.seal("env-bench", &Credentials::new(demo::USERNAME, demo::TOKEN));
    let job = json!({
        "message_id": uuid::Uuid::new_v4().to_string(), "type": "SyncTeam", "schema_version": 1,
        "created_at": "2026-11-24T21:00:00Z",
        "integration": {"id": "env-bench", "nmbrs": {"domain": demo::DOMAIN, "credentials": sealed},
                        "venues": [{"eitje_venue_id": "v-1", "nmbrs_company_id": demo::HORECA}]},
        "payload": {"trigger": "manual", "full": false, "members": []}
    });
    let calls_before = sim.calls().await.total;
    reset_peak_rss();
    let baseline_mib = status_kib("VmRSS:") as f64 / 1024.0;
    let started = Instant::now();
    publish_bytes(config, &serde_json::to_vec(&job).unwrap(), Some(&job), None, true).await.unwrap();
    let completed = loop {
        let delivery = events.next().await.unwrap().unwrap();
        let event: Value = serde_json::from_slice(&delivery.data).unwrap();
        if event["type"] == "job.completed" || event["type"] == "job.failed" {
            break event;
        }
    };
    let wall = started.elapsed();
    let peak_mib = status_kib("VmHWM:") as f64 / 1024.0;
    let calls = sim.calls().await.total - calls_before;
    worker.stop().await;
    world.remove().await;
    assert_eq!(completed["type"], "job.completed", "{completed}");
    (wall, calls, (baseline_mib, peak_mib), completed["payload"]["counts"].clone())
}
