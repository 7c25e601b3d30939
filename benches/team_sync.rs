//! Team sync of one company with 10 000 employees through the simulator (no added latency),
//! on SOAP and on REST side by side: wall time, Nmbrs calls, and peak RSS of the worker.
//!
//! Each API gets a simulator of its own as its own process (`nmbrs-worker sim --employees N`),
//! so the peak RSS measured here (VmHWM, reset after start-up; each API in a process of its own
//! under `BENCH_API=both`, the benchmark running itself again per API) is the
//! worker's alone: reading Nmbrs, building the records, committing 10 000 events to the outbox
//! and publishing them. Goals: a few calls per company per 100 employees on REST (pages, not
//! one call per employee), peak RSS ≤ 150 MB.
//!
//! Run: `cargo bench --bench team_sync` (env `BENCH_API` both (default) / soap / rest,
//! `BENCH_EMPLOYEES` default 10000). Needs the local RabbitMQ and PostgreSQL.

mod common;

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use common::{Api, BenchWorld, SimProcess};
use futures::StreamExt;
use nmbrs_worker::{bus, cli::publish::publish_bytes, jobs::Handlers, sim::demo, worker::Worker};
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

/// One API's figures.
struct Sync {
    api: Api,
    wall: Duration,
    calls: u64,
    tokens: usize,
    per_operation: BTreeMap<String, u64>,
    baseline_mib: f64,
    peak_mib: f64,
    counts: Value,
}

/// The line a child process answers with (`BENCH_CHILD=1`).
const RESULT: &str = "BENCH_RESULT ";

impl Sync {
    fn to_json(&self) -> Value {
        json!({"api": self.api.name(), "wall_s": self.wall.as_secs_f64(), "calls": self.calls,
               "tokens": self.tokens, "per_operation": self.per_operation, "baseline_mib": self.baseline_mib,
               "peak_mib": self.peak_mib, "counts": self.counts})
    }

    fn from_json(api: Api, v: &Value) -> Sync {
        let per_operation = v["per_operation"].as_object().into_iter().flatten();
        Sync {
            api,
            wall: Duration::from_secs_f64(v["wall_s"].as_f64().unwrap_or_default()),
            calls: v["calls"].as_u64().unwrap_or_default(),
            tokens: v["tokens"].as_u64().unwrap_or_default() as usize,
            per_operation: per_operation.map(|(op, n)| (op.clone(), n.as_u64().unwrap_or_default())).collect(),
            baseline_mib: v["baseline_mib"].as_f64().unwrap_or_default(),
            peak_mib: v["peak_mib"].as_f64().unwrap_or_default(),
            counts: v["counts"].clone(),
        }
    }
}

/// Runs this benchmark again for `api` alone, so that its peak RSS is not raised by what the
/// other API's sync left on the heap, and reads its figures.
fn in_own_process(api: Api) -> Sync {
    let exe = std::env::current_exe().expect("the benchmark's path");
    let output = std::process::Command::new(exe)
        .env("BENCH_API", api.name())
        .env("BENCH_CHILD", "1")
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("the benchmark runs again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().find_map(|l| l.strip_prefix(RESULT));
    let line = line.unwrap_or_else(|| panic!("the {} run answered no figures ({})", api.name(), output.status));
    Sync::from_json(api, &serde_json::from_str(line).expect("the figures as JSON"))
}

fn main() {
    let employees: usize = std::env::var("BENCH_EMPLOYEES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let apis = Api::from_env();
    let syncs: Vec<Sync> = if let [api] = apis[..] {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let sim = SimProcess::spawn(if api == Api::Soap { 18_000 } else { 22_000 }, employees);
        let sync = runtime.block_on(run(&sim, api));
        if std::env::var_os("BENCH_CHILD").is_some() {
            println!("{RESULT}{}", sync.to_json());
            return;
        }
        vec![sync]
    } else {
        apis.into_iter().map(in_own_process).collect()
    };
    println!("team sync of one company with {employees} extra employees (+ the demo's 7), no added latency");
    let cell = |f: &dyn Fn(&Sync) -> String| syncs.iter().map(|s| format!(" | {:>22}", f(s))).collect::<String>();
    println!("{:<16}{}", "", cell(&|s| s.api.name().to_uppercase()));
    println!("{:<16}{}", "wall time s", cell(&|s| format!("{:.2}", s.wall.as_secs_f64())));
    println!("{:<16}{}", "Nmbrs calls", cell(&|s| s.calls.to_string()));
    println!("{:<16}{}", "token requests", cell(&|s| s.tokens.to_string()));
    println!("{:<16}{}", "calls/100 empl.", cell(&|s| format!("{:.2}", s.calls as f64 * 100.0 / employees as f64)));
    println!("{:<16}{}", "peak RSS MiB", cell(&|s| format!("{:.1}", s.peak_mib)));
    println!("{:<16}{}", "RSS before MiB", cell(&|s| format!("{:.1}", s.baseline_mib)));
    for s in &syncs {
        println!("{}: counts {}", s.api.name(), s.counts);
        println!("    calls {:?}", s.per_operation);
    }
}

async fn run(sim: &SimProcess, api: Api) -> Sync {
    sim.ready().await;
    let world = BenchWorld::new("sync", &sim.base, &sim.rest_settings().await).await;
    let config = &world.config;
    let mut events = bus::tap_events(&world.channel, &world.names, "job.*").await.unwrap();
    let worker = Worker::start(config.clone(), Handlers::production(config).unwrap()).await.unwrap();
    let job = json!({
        "message_id": uuid::Uuid::new_v4().to_string(), "type": "SyncTeam", "schema_version": 1,
        "created_at": "2026-11-24T21:00:00Z",
        "integration": {"id": "env-bench", "nmbrs": sim.nmbrs(api, &world.keys, "env-bench").await,
                        "venues": [{"eitje_venue_id": "v-1", "nmbrs_company_id": api.company(demo::HORECA)}]},
        "payload": {"trigger": "manual", "full": false, "members": []}
    });
    let (before, tokens_before) = (sim.calls().await, sim.token_calls().await);
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
    let after = sim.calls().await;
    let per_operation = (after.per_operation.iter())
        .map(|(op, n)| (op.clone(), n - before.per_operation.get(op).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect();
    let tokens = sim.token_calls().await - tokens_before;
    worker.stop().await;
    world.remove().await;
    assert_eq!(completed["type"], "job.completed", "{} sync: {completed}", api.name());
    let counts = completed["payload"]["counts"].clone();
    Sync { api, wall, calls: after.total - before.total, tokens, per_operation, baseline_mib, peak_mib, counts }
}
