//! The 22:00 storm (issue 22), at the scale this machine allows: many small REST team syncs
//! and a few big ones, all published at once, run by **two `nmbrs-worker run` processes**
//! against one simulator whose API gateway allows `STORM_LIMIT` calls per second per
//! subscription key (answering 429 `42908` above it). The workers share one budget through
//! PostgreSQL, set to 95 % of the limit (`NMBRS_REST_CALLS_PER_SECOND`).
//!
//! The storm runs twice on fresh databases: with the big syncs, and without them (the
//! baseline for the small syncs' delay). Measured (issue 22 "The storm benchmark"):
//! - makespan ÷ ideal, where ideal = the calls let through ÷ the limit;
//! - 429 answers as a share of all REST calls;
//! - each small sync's completion with the big ones against without them, the worst and the
//!   95th percentile, as a share of the makespan;
//! - peak RSS (VmHWM) of each worker process;
//! - with `STORM_QUOTA=1`, a third run whose quota runs out halfway (half the first run's
//!   calls): the calls answered `42909` in the five seconds of pause after the first one
//!   (in flight, then one probe at a time), and that every job completes once it returns.
//!
//! The small integrations read the demo's Catering company (5 employees): on REST a company of
//! 20–60 employees costs the same calls (one page per read), so the call load is that of the
//! issue's small integrations. The big ones read Horeca scaled to `STORM_BIG_EMPLOYEES`.
//!
//! Run: `cargo bench --bench storm` (release build) or, where a release build does not fit,
//! `cargo bench --profile dev --bench storm`. Settings (env): `STORM_SMALL` (default 200),
//! `STORM_BIG` (3), `STORM_BIG_EMPLOYEES` (2000), `STORM_LIMIT` (calls/s, 30),
//! `STORM_CONCURRENCY` (job slots per queue and process, 6), `STORM_BULK_AFTER` (a job's calls
//! after this many wait in the bulk lane, `NMBRS_WORKER_BULK_AFTER_CALLS`, 50 as the worker's default), `STORM_QUOTA`
//! (1: the quota run too). Needs the local RabbitMQ and PostgreSQL. Not run in CI.

#[allow(dead_code)]
mod common;

use std::{
    collections::HashMap,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use common::{Api, BenchWorld, SimProcess};
use futures::StreamExt;
use nmbrs_worker::{bus, cli::publish::publish_bytes, sim::demo};
use serde_json::{Value, json};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

/// The storm's shape.
#[derive(Clone, Copy)]
struct Load {
    small: usize,
    big: usize,
    limit: u64,
    concurrency: u64,
    bulk_after: u64,
}

/// A quota that runs out after `after` calls let through, and returns `pause` after the first
/// `42909`.
#[derive(Clone, Copy)]
struct Quota {
    after: u64,
    pause: Duration,
}

/// What one run measured.
struct Run {
    makespan: Duration,
    /// Each integration's completion after the publish, by integration id.
    done: HashMap<String, Duration>,
    failed: usize,
    passed: u64,
    throttled: u64,
    quota: u64,
    peak_per_second: u64,
    takes: i64,
    peak_rss_mib: Vec<f64>,
    /// With a quota: calls answered 42909 during the pause, and the pause's length.
    paused: Option<(u64, Duration)>,
    /// Budget tokens taken by both workers, and those dropped as too late.
    late: (u64, u64),
}

/// A worker process's peak RSS in MiB (`VmHWM`), read while it still runs.
fn peak_rss_mib(child: &Child) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn sync_job(id: &str, nmbrs: Value, company: i32) -> Value {
    json!({
        "message_id": uuid::Uuid::new_v4().to_string(), "type": "SyncTeam", "schema_version": 1,
        "created_at": "2026-11-24T21:00:00Z",
        "integration": {"id": id, "nmbrs": nmbrs,
                        "venues": [{"eitje_venue_id": "v-1", "nmbrs_company_id": Api::Rest.company(company)}]},
        "payload": {"trigger": "nightly", "full": false, "members": []}
    })
}

/// The simulator's counts for the one subscription key.
async fn key_counts(base: &str, http: &reqwest::Client) -> Value {
    let url = format!("{base}/_sim/rest/limits");
    let text = http.get(url).send().await.unwrap().text().await.unwrap();
    let limits: Value = serde_json::from_str(&text).unwrap();
    limits["keys"][0].clone()
}

/// Waits for the quota's first 42909, lets the pause run, gives the quota back: the 42909s
/// answered meanwhile and the first one's moment after the start.
async fn run_out(base: String, http: reqwest::Client, load: Load, quota: Quota) -> (u64, Duration) {
    let started = Instant::now();
    while key_counts(&base, &http).await["quota_exceeded"].as_u64().unwrap_or(0) == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let first = started.elapsed();
    tokio::time::sleep(quota.pause).await;
    let refused = key_counts(&base, &http).await["quota_exceeded"].as_u64().unwrap_or(0);
    // Setting the limits again gives the quota back (and counts afresh).
    let body = json!({"calls_per_second": load.limit}).to_string();
    let url = format!("{base}/_sim/rest/limits");
    http.post(url).header("content-type", "application/json").body(body).send().await.unwrap();
    (refused, first)
}

async fn run(sim: &SimProcess, load: Load, big: usize, quota: Option<Quota>) -> Run {
    let rate = load.limit as f64 * 0.95;
    let mut extra = sim.rest_settings().await;
    let slots = load.concurrency.to_string();
    let pool = (load.concurrency * 3 + 6).to_string();
    extra.extend([
        ("NMBRS_REST_CALLS_PER_SECOND", format!("{rate:.2}")),
        ("NMBRS_WORKER_CONCURRENCY", slots),
        ("NMBRS_WORKER_DB_POOL_SIZE", pool),
        ("NMBRS_WORKER_BULK_AFTER_CALLS", load.bulk_after.to_string()),
        // Jobs that meet the paused quota retry soon (the quota run).
        ("NMBRS_WORKER_RETRY_SCHEDULE", vec!["2s"; 20].join(",")),
    ]);
    let world = BenchWorld::new("storm", &sim.base, &extra).await;
    let mut events = bus::tap_events(&world.channel, &world.names, "job.*").await.unwrap();
    let mut jobs = Vec::new();
    for i in 0..load.small {
        let id = format!("small-{i:04}");
        jobs.push(sync_job(&id, sim.nmbrs(Api::Rest, &world.keys, &id).await, demo::CATERING));
        // The big ones are published among the first, as the worst case for the small ones.
        if i < big {
            let id = format!("big-{i}");
            jobs.push(sync_job(&id, sim.nmbrs(Api::Rest, &world.keys, &id).await, demo::HORECA));
        }
    }
    let mut workers: Vec<Child> = (0..2)
        .map(|i| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_nmbrs-worker"));
            cmd.arg("run").env("RUST_LOG", "warn").stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
            for (k, v) in &world.vars {
                cmd.env(k, v);
            }
            cmd.env("NMBRS_WORKER_HTTP_ADDR", format!("127.0.0.1:{}", METRICS_PORT + i));
            cmd.spawn().expect("a worker process starts")
        })
        .collect();
    // Both consume before the storm: their start-up is not part of it.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let mut limits = json!({"calls_per_second": load.limit});
    if let Some(q) = quota {
        limits["quota"] = json!(q.after);
    }
    sim.control("/_sim/rest/limits", limits).await;
    let started = Instant::now();
    for job in &jobs {
        publish_bytes(&world.config, &serde_json::to_vec(job).unwrap(), Some(job), None, false).await.unwrap();
    }
    let quota_run = quota.map(|q| tokio::spawn(run_out(sim.base.clone(), sim.http.clone(), load, q)));
    let mut done = HashMap::new();
    let mut failed = 0;
    while done.len() < jobs.len() {
        let next = tokio::time::timeout(Duration::from_secs(600), events.next()).await;
        let delivery = next.expect("the storm ends within 10 minutes of quiet").unwrap().unwrap();
        let event: Value = serde_json::from_slice(&delivery.data).unwrap();
        let kind = event["type"].as_str().unwrap_or_default();
        if kind == "job.completed" || kind == "job.failed" {
            failed += usize::from(kind == "job.failed");
            done.insert(event["integration_id"].as_str().unwrap_or_default().to_owned(), started.elapsed());
        }
    }
    let makespan = started.elapsed();
    let paused = match quota_run {
        Some(handle) => Some(handle.await.unwrap()),
        None => None,
    };
    let peak_rss_mib = workers.iter().map(peak_rss_mib).collect();
    let mut late = (0, 0);
    for i in 0..workers.len() {
        let (tokens, dropped) = budget_tokens(&sim.http, METRICS_PORT + i as u16).await;
        late = (late.0 + tokens, late.1 + dropped);
    }
    let key = &key_counts(&sim.base, &sim.http).await;
    let count = |f: &str| key[f].as_u64().unwrap_or(0);
    let db = sqlx::PgPool::connect(&world.config.database_url).await.unwrap();
    let takes: i64 = sqlx::query_scalar("SELECT takes FROM nmbrs_call_budget WHERE scope = 'rest'")
        .fetch_optional(&db)
        .await
        .unwrap()
        .unwrap_or(0);
    db.close().await;
    for w in &mut workers {
        let _ = w.kill();
        let _ = w.wait();
    }
    world.remove().await;
    Run {
        makespan,
        done,
        failed,
        passed: count("passed"),
        throttled: count("throttled"),
        quota: count("quota_exceeded"),
        peak_per_second: count("peak_per_second"),
        takes,
        peak_rss_mib,
        paused,
        late,
    }
}

/// Where worker `i` serves `/metrics` (`METRICS_PORT + i`).
const METRICS_PORT: u16 = 26_100;

/// A worker's budget tokens taken, and those dropped because their call woke too late.
async fn budget_tokens(http: &reqwest::Client, port: u16) -> (u64, u64) {
    let text = match http.get(format!("http://127.0.0.1:{port}/metrics")).send().await {
        Ok(answer) => answer.text().await.unwrap_or_default(),
        Err(_) => return (0, 0),
    };
    let value = |name: &str| -> u64 {
        let line = text.lines().find(|l| l.starts_with(name));
        line.and_then(|l| l.rsplit(' ').next()).and_then(|v| v.parse::<f64>().ok()).map_or(0, |v| v as u64)
    };
    (value("nmbrs_worker_call_budget_tokens_total"), value("nmbrs_worker_budget_late_tokens_total"))
}


fn report(label: &str, load: Load, r: &Run) {
    let calls = r.passed + r.throttled + r.quota;
    let ideal = r.passed as f64 / load.limit as f64;
    println!("{label}");
    println!("  jobs done                {} ({} failed)", r.done.len(), r.failed);
    println!("  REST calls               {calls} ({} let through, {} × 42908)", r.passed, r.throttled);
    println!(
        "  makespan                 {:.1} s, ideal {ideal:.1} s, makespan ÷ ideal {:.3}",
        r.makespan.as_secs_f64(),
        r.makespan.as_secs_f64() / ideal
    );
    println!("  429 share                {:.3} %", r.throttled as f64 * 100.0 / calls.max(1) as f64);
    println!("  peak calls in 1 s        {} (limit {})", r.peak_per_second, load.limit);
    println!("  budget round trips       {} ({:.3} per call)", r.takes, r.takes as f64 / calls.max(1) as f64);
    println!("  tokens dropped as late   {} of {} taken", r.late.1, r.late.0);
    let rss: Vec<String> = r.peak_rss_mib.iter().map(|m| format!("{m:.1}")).collect();
    println!("  peak RSS per process     {} MiB", rss.join(" / "));
    if let Some((refused, first)) = r.paused {
        println!(
            "  quota ran out at {:.1} s: {refused} calls answered 42909 in the pause (in flight, then the probes)",
            first.as_secs_f64()
        );
    }
}

fn main() {
    let load = Load {
        small: setting("STORM_SMALL", 200) as usize,
        big: setting("STORM_BIG", 3) as usize,
        limit: setting("STORM_LIMIT", 30),
        concurrency: setting("STORM_CONCURRENCY", 6),
        bulk_after: setting("STORM_BULK_AFTER", 50),
    };
    let big_employees = setting("STORM_BIG_EMPLOYEES", 2000) as usize;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = SimProcess::spawn(26_000, big_employees);
    runtime.block_on(sim.ready());
    let storm = runtime.block_on(run(&sim, load, load.big, None));
    let alone = runtime.block_on(run(&sim, load, 0, None));
    let quota = (setting("STORM_QUOTA", 0) == 1).then(|| {
        let q = Quota { after: storm.passed / 2, pause: Duration::from_secs(5) };
        runtime.block_on(run(&sim, load, load.big, Some(q)))
    });
    println!(
        "storm: {} small REST syncs (5 employees) + {} big ({} employees), 2 worker processes, gateway limit {} calls/s, budget {:.1}/s, {} job slots per process, bulk lane after {} calls",
        load.small,
        load.big,
        big_employees + 7,
        load.limit,
        load.limit as f64 * 0.95,
        load.concurrency,
        load.bulk_after
    );
    report("with the big syncs", load, &storm);
    report("without them (baseline)", load, &alone);
    if let Some(q) = &quota {
        report("with the big syncs, the quota running out halfway for 5 s", load, q);
    }
    let span = storm.makespan.as_secs_f64();
    let mut delays: Vec<f64> = (0..load.small)
        .filter_map(|i| {
            let id = format!("small-{i:04}");
            Some(storm.done.get(&id)?.as_secs_f64() - alone.done.get(&id)?.as_secs_f64())
        })
        .collect();
    delays.sort_by(f64::total_cmp);
    let p95 = delays.get(delays.len() * 95 / 100).copied().unwrap_or(0.0);
    let worst = delays.last().copied().unwrap_or(0.0);
    println!(
        "small syncs delayed by the big ones: p95 {p95:.1} s ({:.1} % of the makespan), worst {worst:.1} s ({:.1} %)",
        p95 * 100.0 / span,
        worst * 100.0 / span
    );
}
