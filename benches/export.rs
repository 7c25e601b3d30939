//! Hours export of 200 employees through the real worker (RabbitMQ + PostgreSQL) against the
//! simulator with 50 ms per Nmbrs call, on SOAP and on REST side by side: is the export bound
//! by Nmbrs latency and the per-integration concurrency, as it should be, or by something of
//! ours?
//!
//! Per API, four runs of one integration, every export proving its buckets in Nmbrs (issue 18,
//! `settings.verify_export` on by default): a first export (every bucket inserted), the
//! identical export again (must make no write call: the process exits non-zero otherwise), one
//! with 10 changed buckets (at most 2 write calls each on SOAP, delete + insert; at most 1 on
//! REST, which changes a line in place with PUT), and the identical export after a clerk
//! changed 10 worker lines in Nmbrs (`/_sim/clerk`; exactly 10 repairing writes on REST, at
//! most 20 on SOAP). Per run: wall time from publish to
//! `job.completed`, Nmbrs calls from the simulator's call log (token requests apart), the
//! ideal time `calls × latency ÷ NMBRS_MAX_CONCURRENCY_PER_INTEGRATION` next to the bound of
//! the client's global rate limit (100 calls/s), and wall ÷ ideal (goal ≤ 1.2).
//!
//! Each API gets a simulator of its own as its own process (`nmbrs-worker sim --employees N`,
//! the same latency on its SOAP and REST faces), the worker runs in this one; its database,
//! queues and exchanges are deleted afterwards.
//!
//! Run: `cargo bench --bench export` (env `BENCH_API` both (default) / soap / rest,
//! `BENCH_REST_DAYS_POST` both (default: REST runs with `NMBRS_REST_DAYS_POST=detect`, then
//! `replace`, the probe's answer for a Nmbrs whose second days POST replaces) / detect / replace,
//! `BENCH_EMPLOYEES` default 200, `BENCH_LATENCY_MS` default 50,
//! `NMBRS_MAX_CONCURRENCY_PER_INTEGRATION` default 4; `BENCH_LOG=1` prints the worker's JSON
//! logs, e.g. with `RUST_LOG=info,sqlx=debug,nmbrs_worker::nmbrs=debug` for statement and call
//! timings). Needs the local RabbitMQ and PostgreSQL.

mod common;

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use common::{Api, BenchWorld, SimProcess, env_or};
use futures::StreamExt;
use nmbrs_worker::{bus, cli::publish::publish_bytes, jobs::Handlers, sim::demo, telemetry, worker::Worker};
use serde_json::{Value, json};

/// The client's global limit (`ClientConfig::calls_per_second`).
const RATE_LIMIT_PER_S: f64 = 100.0;
/// Buckets changed by the third run, and drifted before the fourth.
const CHANGED: usize = 10;
/// The runs, in order.
const RUNS: [&str; 4] = ["first export", "identical re-export", "10 changed buckets", "10 drifted buckets"];

/// One run's figures.
struct Run {
    name: &'static str,
    wall: Duration,
    calls: u64,
    writes: u64,
    tokens: usize,
    per_operation: BTreeMap<String, u64>,
    status: String,
    counts: Value,
    actions: BTreeMap<String, usize>,
}

/// The benchmark's settings.
#[derive(Clone, Copy)]
struct Setup {
    employees: usize,
    latency_ms: u64,
    concurrency: usize,
}

impl Setup {
    /// `calls × latency ÷ concurrency` or `calls ÷ rate limit`, whichever is larger, in s.
    fn ideal(self, calls: u64) -> f64 {
        let by_latency = calls as f64 * self.latency_ms as f64 / 1000.0 / self.concurrency as f64;
        by_latency.max(calls as f64 / RATE_LIMIT_PER_S)
    }
}

/// One column of the table: an API and, on REST, `NMBRS_REST_DAYS_POST`.
#[derive(Clone, Copy)]
struct Lane {
    api: Api,
    /// `detect` (the default: days read before and after each POST) or `replace` (the probe's
    /// answer set: the POST alone, the check after writing reads the days).
    days_post: &'static str,
}

impl Lane {
    /// `BENCH_API` as [`Api::from_env`]; REST once per `BENCH_REST_DAYS_POST` setting: `both`
    /// (default: `detect`, then `replace`), `detect` or `replace`.
    fn from_env() -> Vec<Lane> {
        let settings: &[&'static str] =
            match std::env::var("BENCH_REST_DAYS_POST").unwrap_or_default().trim().to_ascii_lowercase().as_str() {
                "" | "both" => &["detect", "replace"],
                "detect" => &["detect"],
                "replace" => &["replace"],
                other => panic!("BENCH_REST_DAYS_POST must be both, detect or replace, not {other:?}"),
            };
        let mut lanes = Vec::new();
        for api in Api::from_env() {
            match api {
                Api::Soap => lanes.push(Lane { api, days_post: "detect" }),
                Api::Rest => lanes.extend(settings.iter().map(|&days_post| Lane { api, days_post })),
            }
        }
        lanes
    }

    fn name(self) -> String {
        match self.api {
            Api::Soap => "soap".to_string(),
            Api::Rest => format!("rest days={}", self.days_post),
        }
    }
}

/// At most this many write calls per changed bucket (CONTRACT §5: REST changes a line in place).
fn writes_per_changed_bucket(api: Api) -> u64 {
    match api {
        Api::Soap => 2,
        Api::Rest => 1,
    }
}

fn main() {
    // The payloads book into 2026-11: the demo company's current period as of this day (the
    // simulator places its data relative to the worker's today, `sim::demo::seed_at`). Set
    // before any thread starts; the simulator processes inherit it.
    if std::env::var_os("NMBRS_WORKER_CLOCK").is_none() {
        // SAFETY: single-threaded here, nothing reads the environment concurrently.
        unsafe { std::env::set_var("NMBRS_WORKER_CLOCK", "2026-11-24T11:00:00Z") };
    }
    let setup = Setup {
        employees: env_or("BENCH_EMPLOYEES", 200),
        latency_ms: env_or("BENCH_LATENCY_MS", 50),
        concurrency: env_or("NMBRS_MAX_CONCURRENCY_PER_INTEGRATION", 4),
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // `BENCH_LOG=1`: the worker's JSON logs on stdout (filter `RUST_LOG`), for profiling.
    let _logs = std::env::var_os("BENCH_LOG").map(|_| runtime.block_on(async { telemetry::init(None).unwrap() }));
    let mut results = Vec::new();
    for (i, lane) in Lane::from_env().into_iter().enumerate() {
        let sim = SimProcess::spawn(19_000 + 2_000 * i as u16, setup.employees);
        let runs = runtime.block_on(run(&sim, lane, setup));
        drop(sim);
        match runs {
            Ok(runs) => results.push((lane, runs)),
            Err(e) => {
                eprintln!("export benchmark on {} failed: {e}", lane.name());
                std::process::exit(1);
            }
        }
    }
    print_table(setup, &results);
    if !passes(setup, &results) {
        std::process::exit(1);
    }
}

/// One table, the APIs side by side, then each run's counts and calls per operation.
fn print_table(setup: Setup, results: &[(Lane, Vec<Run>)]) {
    println!(
        "hours export of {} employees (one company), simulator latency {} ms on every call, \
         NMBRS_MAX_CONCURRENCY_PER_INTEGRATION={}, rate limit {RATE_LIMIT_PER_S} calls/s",
        setup.employees, setup.latency_ms, setup.concurrency
    );
    let mut head = format!("{:<20}", "");
    let mut columns = format!("{:<20}", "run");
    for (lane, _) in results {
        head += &format!(" | {:^53}", lane.name().to_uppercase());
        columns += &format!(
            " | {:>7} {:>5} {:>6} {:>6} {:>7} {:>7} {:>9}",
            "wall s", "calls", "writes", "tokens", "ideal s", "wall/id", "in flight"
        );
    }
    println!("{head}\n{columns}");
    for (i, name) in RUNS.iter().enumerate() {
        let mut line = format!("{name:<20}");
        for (_, runs) in results {
            let r = &runs[i];
            let wall = r.wall.as_secs_f64();
            let ideal = setup.ideal(r.calls);
            let in_flight = r.calls as f64 * setup.latency_ms as f64 / 1000.0 / wall;
            let ratio = wall / ideal.max(f64::EPSILON);
            line += &format!(
                " | {wall:>7.2} {:>5} {:>6} {:>6} {ideal:>7.2} {ratio:>7.2} {in_flight:>9.2}",
                r.calls, r.writes, r.tokens
            );
        }
        println!("{line}");
    }
    println!("(ideal s = max(calls × latency ÷ concurrency, calls ÷ rate limit); wall/id = wall ÷ ideal s;");
    println!(" in flight = calls × latency ÷ wall; tokens = requests to /connect/token, not among the calls)");
    for (lane, runs) in results {
        for r in runs {
            println!("{} {}: {} counts {} buckets {:?}", lane.name(), r.name, r.status, r.counts, r.actions);
            println!("    calls {:?}", r.per_operation);
        }
    }
}

/// Prints the verdicts; false when a write-call bound is broken (wall ÷ ideal is a goal).
fn passes(setup: Setup, results: &[(Lane, Vec<Run>)]) -> bool {
    let mut ok = true;
    for (lane, runs) in results {
        let (api, name) = (&lane.api, lane.name());
        if runs[1].writes != 0 {
            eprintln!("FAIL ({name}): the identical re-export made {} write calls (must be 0)", runs[1].writes);
            ok = false;
        }
        let most = writes_per_changed_bucket(*api) * CHANGED as u64;
        if runs[2].writes > most {
            eprintln!("FAIL ({name}): {CHANGED} changed buckets took {} write calls (at most {most})", runs[2].writes);
            ok = false;
        }
        let repaired = runs[3].counts["drift_repaired"].as_u64();
        let writes_ok = match api {
            Api::Rest => runs[3].writes == CHANGED as u64,
            Api::Soap => runs[3].writes <= most,
        };
        if repaired != Some(CHANGED as u64) || !writes_ok {
            eprintln!("FAIL ({name}): {CHANGED} drifted buckets: {repaired:?} repaired with {} writes", runs[3].writes);
            ok = false;
        }
        let reads = |r: &Run| (r.calls - r.writes) as f64 / setup.employees as f64;
        println!(
            "{name}: reads per employee: first export {:.2}, identical re-export {:.2}, drifted {:.2}",
            reads(&runs[0]),
            reads(&runs[1]),
            reads(&runs[3])
        );
        let ratio = runs[0].wall.as_secs_f64() / setup.ideal(runs[0].calls);
        let verdict = if ratio <= 1.2 { "met" } else { "NOT met" };
        println!("{name}: first export wall/ideal = {ratio:.2} (goal ≤ 1.2: {verdict})");
    }
    ok
}

async fn run(sim: &SimProcess, lane: Lane, setup: Setup) -> Result<Vec<Run>, String> {
    let api = lane.api;
    sim.ready().await;
    sim.set_latency(setup.latency_ms).await;
    let mut extra = vec![
        ("NMBRS_MAX_CONCURRENCY_PER_INTEGRATION", setup.concurrency.to_string()),
        ("NMBRS_REST_DAYS_POST", lane.days_post.to_string()),
    ];
    extra.extend(sim.rest_settings().await);
    let world = BenchWorld::new("export", &sim.base, &extra).await;
    let config = &world.config;
    let mut events = bus::tap_events(&world.channel, &world.names, "#").await.map_err(|e| e.to_string())?;
    let worker = Worker::start(config.clone(), Handlers::production(config).unwrap()).await.unwrap();
    let integration = json!({
        "id": "env-bench-export", "nmbrs": sim.nmbrs(api, &world.keys, "env-bench-export").await,
        "venues": [{"eitje_venue_id": "v-1", "nmbrs_company_id": api.company(demo::HORECA)}],
        "settings": {"hour_codes": {"worked": 1, "leave": 20, "sick": 30}, "wage_codes": {"meals": 400}}
    });

    let first = payload(api, setup.employees, 0);
    let changed = payload(api, setup.employees, CHANGED);
    let mut runs = Vec::new();
    for (name, payload) in RUNS.into_iter().zip([&first, &first, &changed, &changed]) {
        if name == RUNS[3] {
            let so_far = |e: String| {
                format!("{e} (after {:?})", runs.iter().map(|r: &Run| (&r.status, &r.counts)).collect::<Vec<_>>())
            };
            drift(sim, CHANGED).await.map_err(so_far)?;
        }
        let job = json!({
            "message_id": uuid::Uuid::new_v4().to_string(), "type": "ExportHours", "schema_version": 1,
            "created_at": chrono::Utc::now().to_rfc3339(), "integration": integration, "payload": payload
        });
        let (before, tokens_before) = (sim.calls().await, sim.token_calls().await);
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
            tokens: sim.token_calls().await - tokens_before,
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
    if runs.len() < RUNS.len() {
        let last = runs.last().map(|r| format!("{} {}", r.status, r.counts)).unwrap_or_default();
        return Err(format!("an export did not complete: {last}"));
    }
    Ok(runs)
}

/// A clerk changes the worked-hours line of the first `n` employees to 1.00 in Nmbrs (the line
/// ids read through the simulator's SOAP face with the demo user, outside the measured runs).
async fn drift(sim: &SimProcess, n: usize) -> Result<(), String> {
    use nmbrs_worker::nmbrs::{ClientConfig, EmployeeId, EmployeeService, NmbrsTransport, PayPeriod, SoapCredentials};
    let config = ClientConfig { base_url: sim.base.clone(), ..Default::default() };
    let transport = NmbrsTransport::new(config).map_err(|e| e.to_string())?;
    let client = transport.client(SoapCredentials::new(demo::USERNAME, demo::TOKEN, demo::DOMAIN), 1);
    for i in 0..n {
        let employee = EmployeeId::int(600_000 + i as i32);
        let lines =
            client.hour_component_var_get(employee, PayPeriod::new(2026, 11)).await.map_err(|e| e.to_string())?;
        let line = lines.items.iter().find(|l| l.hour_code == 1).ok_or("no worked-hours line")?;
        let id = line.id.soap().ok_or("a SOAP line id")?;
        sim.clerk(json!({"action": "change_value", "line_id": id, "value": "1.00"})).await;
    }
    Ok(())
}

/// Every employee (ids from 600000, zero-hours, in the monthly company) has two worked
/// shifts with a meal each and one leave entry in period 2026-11: four buckets (hours 1,
/// hours 20, wage 400, days). `changed` employees get another length for their first shift,
/// which changes their worked-hours bucket only. Employee ids are in `api`'s form.
fn payload(api: Api, employees: usize, changed: usize) -> Value {
    let mut entries = Vec::with_capacity(employees * 3);
    for i in 0..employees {
        let employee = api.employee(600_000 + i as i32);
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
