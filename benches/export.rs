//! Hours export of 200 employees through the real worker (RabbitMQ + PostgreSQL) against the
//! simulator with 50 ms per Nmbrs call: is the export bound by Nmbrs latency and the
//! per-integration concurrency, as it should be, or by something of ours?
//!
//! Three runs of one integration: a first export (every bucket inserted), the identical
//! export again (must make no write call: the process exits non-zero otherwise) and one with
//! 10 changed buckets (at most 2 write calls each). Per run: wall time from publish to
//! `job.completed`, Nmbrs calls from the simulator's call log, the ideal time
//! `calls × latency ÷ NMBRS_MAX_CONCURRENCY_PER_INTEGRATION` next to the bound of the client's
//! global rate limit (100 calls/s), and wall ÷ ideal (goal ≤ 1.2).
//!
//! The simulator runs as its own process (`nmbrs-worker sim --employees N`), the worker in
//! this one; its database, queues and exchanges are deleted afterwards.
//!
//! Run: `cargo bench --bench export` (env `BENCH_EMPLOYEES` default 200, `BENCH_LATENCY_MS`
//! default 50, `NMBRS_MAX_CONCURRENCY_PER_INTEGRATION` default 4; `BENCH_LOG=1` prints the
//! worker's JSON logs, e.g. with `RUST_LOG=info,sqlx=debug,nmbrs_worker::nmbrs=debug` for
//! statement and call timings). Needs the local RabbitMQ and PostgreSQL.

mod common;

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use common::{BenchWorld, SimProcess};
use futures::StreamExt;
use nmbrs_worker::{
    bus, cli::publish::publish_bytes, credentials::Credentials, jobs::Handlers, sim::demo, telemetry, worker::Worker,
};
use serde_json::{Value, json};

/// The client's global limit (`ClientConfig::calls_per_second`).
const RATE_LIMIT_PER_S: f64 = 100.0;
/// Buckets changed by the third run.
const CHANGED: usize = 10;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One run's figures.
struct Run {
    name: &'static str,
    wall: Duration,
    calls: u64,
    writes: u64,
    per_operation: BTreeMap<String, u64>,
    status: String,
    counts: Value,
    actions: BTreeMap<String, usize>,
}

fn main() {
    let employees: usize = env_or("BENCH_EMPLOYEES", 200);
    let latency_ms: u64 = env_or("BENCH_LATENCY_MS", 50);
    let concurrency: usize = env_or("NMBRS_MAX_CONCURRENCY_PER_INTEGRATION", 4);
    let sim = SimProcess::spawn(19_000, employees);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // `BENCH_LOG=1`: the worker's JSON logs on stdout (filter `RUST_LOG`), for profiling.
    let _logs = std::env::var_os("BENCH_LOG").map(|_| runtime.block_on(async { telemetry::init(None).unwrap() }));
    let runs = runtime.block_on(run(&sim, employees, latency_ms, concurrency));
    drop(sim);
    let runs = runs.unwrap_or_else(|e| {
        eprintln!("export benchmark failed: {e}");
        std::process::exit(1);
    });

    println!(
        "hours export of {employees} employees (one company), simulator latency {latency_ms} ms, \
         NMBRS_MAX_CONCURRENCY_PER_INTEGRATION={concurrency}, rate limit {RATE_LIMIT_PER_S} calls/s"
    );
    println!(
        "{:<22} {:>8} {:>6} {:>6} {:>10} {:>10} {:>10} {:>9}  status / bucket actions",
        "run", "wall s", "calls", "writes", "ideal s", "rate s", "wall/ideal", "in flight"
    );
    for r in &runs {
        let ideal = r.calls as f64 * latency_ms as f64 / 1000.0 / concurrency as f64;
        let rate = r.calls as f64 / RATE_LIMIT_PER_S;
        let wall = r.wall.as_secs_f64();
        let in_flight = r.calls as f64 * latency_ms as f64 / 1000.0 / wall;
        println!(
            "{:<22} {wall:>8.2} {:>6} {:>6} {ideal:>10.2} {rate:>10.2} {:>10.2} {in_flight:>9.2}  {} {:?}",
            r.name,
            r.calls,
            r.writes,
            wall / ideal.max(rate).max(f64::EPSILON),
            r.status,
            r.actions,
        );
    }
    println!("(ideal s = calls × latency ÷ concurrency; rate s = calls ÷ rate limit; wall/ideal uses the larger;");
    println!(" in flight = calls × latency ÷ wall, the average number of Nmbrs calls outstanding)");
    for r in &runs {
        println!("{}: counts {} calls {:?}", r.name, r.counts, r.per_operation);
    }

    let mut failed = false;
    if runs[1].writes != 0 {
        eprintln!("FAIL: the identical re-export made {} write calls (must be 0)", runs[1].writes);
        failed = true;
    }
    if runs[2].writes > 2 * CHANGED as u64 {
        eprintln!("FAIL: {CHANGED} changed buckets took {} write calls (at most {})", runs[2].writes, 2 * CHANGED);
        failed = true;
    }
    let first = &runs[0];
    let ideal = first.calls as f64 * latency_ms as f64 / 1000.0 / concurrency as f64;
    let ratio = first.wall.as_secs_f64() / ideal.max(first.calls as f64 / RATE_LIMIT_PER_S);
    println!("first export wall/ideal = {ratio:.2} (goal ≤ 1.2: {})", if ratio <= 1.2 { "met" } else { "NOT met" });
    if failed {
        std::process::exit(1);
    }
}

async fn run(sim: &SimProcess, employees: usize, latency_ms: u64, concurrency: usize) -> Result<Vec<Run>, String> {
    sim.ready().await;
    let faults = json!({"latency_ms": latency_ms}).to_string();
    let set = sim.http.post(format!("{}/_sim/faults", sim.base)).header("content-type", "application/json");
    set.body(faults).send().await.map_err(|e| e.to_string())?.error_for_status().map_err(|e| e.to_string())?;

    let extra = [("NMBRS_MAX_CONCURRENCY_PER_INTEGRATION", concurrency.to_string())];
    let world = BenchWorld::new("export", &sim.base, &extra).await;
    let config = &world.config;
    let mut events = bus::tap_events(&world.channel, &world.names, "#").await.map_err(|e| e.to_string())?;
    let worker = Worker::start(config.clone(), Handlers::production(config).unwrap()).await.unwrap();
    let sealed = world.keys.seal("env-bench-export", &Credentials::new(demo::USERNAME, demo::TOKEN));
    let integration = json!({
        "id": "env-bench-export", "nmbrs": {"domain": demo::DOMAIN, "credentials": sealed},
        "venues": [{"eitje_venue_id": "v-1", "nmbrs_company_id": demo::HORECA}],
        "settings": {"hour_codes": {"worked": 1, "leave": 20, "sick": 30}, "wage_codes": {"meals": 400}}
    });

    let first = payload(employees, 0);
    let changed = payload(employees, CHANGED);
    let mut runs = Vec::new();
    for (name, payload) in [("first export", &first), ("identical re-export", &first), ("10 changed buckets", &changed)]
    {
        let job = json!({
            "message_id": uuid::Uuid::new_v4().to_string(), "type": "ExportHours", "schema_version": 1,
            "created_at": chrono::Utc::now().to_rfc3339(), "integration": integration, "payload": payload
        });
        let before = sim.calls().await;
        let started = Instant::now();
        publish_bytes(config, &serde_json::to_vec(&job).unwrap(), Some(&job), None, true).await.unwrap();
        let (exported, completed) = wait_for_job(&mut events, &job).await;
        let wall = started.elapsed();
        let after = sim.calls().await;
        let per_operation: BTreeMap<String, u64> = (after.per_operation.iter())
            .map(|(op, n)| (op.clone(), n - before.per_operation.get(op).copied().unwrap_or(0)))
            .filter(|(_, n)| *n > 0)
            .collect();
        let mut actions = BTreeMap::new();
        for bucket in exported["payload"]["buckets"].as_array().into_iter().flatten() {
            *actions.entry(bucket["action"].as_str().unwrap_or("?").to_string()).or_default() += 1;
        }
        runs.push(Run {
            name,
            wall,
            calls: after.total - before.total,
            writes: after.writes - before.writes,
            per_operation,
            status: completed["payload"]["status"].as_str().unwrap_or(completed["type"].as_str().unwrap_or("?")).into(),
            counts: completed["payload"]["counts"].clone(),
            actions,
        });
        if completed["type"] != "job.completed" {
            break;
        }
    }
    worker.stop().await;
    world.remove().await;
    if runs.len() < 3 {
        let last = runs.last().map(|r| format!("{} {}", r.status, r.counts)).unwrap_or_default();
        return Err(format!("an export did not complete: {last}"));
    }
    Ok(runs)
}

/// Every employee (ids from 600000, zero-hours, in the monthly company) has two worked
/// shifts with a meal each and one leave entry in period 2026-11: four buckets (hours 1,
/// hours 20, wage 400, days). `changed` employees get another length for their first shift,
/// which changes their worked-hours bucket only.
fn payload(employees: usize, changed: usize) -> Value {
    let mut entries = Vec::with_capacity(employees * 3);
    for i in 0..employees {
        let employee = 600_000 + i as i64;
        let hours = if i < changed { "8.25" } else { "7.50" };
        let entry = |id: String, kind: &str, day: u32, hours: &str, meals: u32| {
            json!({"entry_id": id, "nmbrs_employee_id": employee, "eitje_venue_id": "v-1",
                   "date": format!("2026-11-{day:02}"), "kind": kind, "hours": hours, "approved": true,
                   "contract_type": "zero_hours", "meals": meals})
        };
        entries.push(entry(format!("shift-{i}-a"), "worked", 3, hours, 1));
        entries.push(entry(format!("shift-{i}-b"), "worked", 4, "6.00", 1));
        entries.push(entry(format!("leave-{i}"), "leave", 10, "8.00", 0));
    }
    json!({"export_id": format!("bench-{changed}"), "period": {"year": 2026, "number": 11}, "entries": entries})
}

/// Waits for the job's `hours.exported` (null if none) and its `job.completed` / `job.failed`.
async fn wait_for_job(events: &mut lapin::Consumer, job: &Value) -> (Value, Value) {
    let mut exported = Value::Null;
    loop {
        let next = tokio::time::timeout(Duration::from_secs(600), events.next()).await;
        let delivery = next.expect("no event within 600 s").expect("event stream ended").unwrap();
        let event: Value = serde_json::from_slice(&delivery.data).unwrap();
        if event["job"]["message_id"] != job["message_id"] {
            continue;
        }
        match event["type"].as_str() {
            Some("hours.exported") => exported = event,
            Some("job.completed" | "job.failed") => return (exported, event),
            _ => {}
        }
    }
}
