//! The 22:00 storm (issue 22): many small team syncs and a few big ones, all published at
//! once, run by **two `nmbrs-worker run` processes** against one simulator that enforces
//! Nmbrs' limit: on REST the API gateway allows `STORM_LIMIT` calls per second per
//! subscription key (answering 429 `42908` above it); on SOAP (`STORM_API=soap`) the fair-use
//! limit allows `STORM_LIMIT` calls per second per domain (a call above it is served half a
//! second late, as Nmbrs documents). The workers share one budget through PostgreSQL, set to
//! 95 % of the limit (`NMBRS_REST_CALLS_PER_SECOND` / `NMBRS_SOAP_CALLS_PER_SECOND`).
//!
//! The storm runs twice on fresh databases: with the big syncs, and without them (the
//! baseline for the small syncs' delay). Measured (issue 22 "The storm benchmark"):
//! - makespan ÷ ideal, where ideal = the calls let through ÷ the limit;
//! - calls over the limit (REST: 429 answers; SOAP: delayed calls) as a share of all calls;
//! - each small sync's completion with the big ones against without them, the worst and the
//!   95th percentile, as a share of the makespan;
//! - peak RSS (VmHWM) of each worker process;
//! - on REST with `STORM_QUOTA=1`, a third run whose quota runs out halfway (half the first
//!   run's calls): the calls answered `42909` in the five seconds of pause after the first one
//!   (in flight, then one probe at a time), and that every job completes once it returns.
//!
//! The small integrations read the simulator's small companies (`sim --small-companies 41`:
//! 20 to 60 employees each, integration `i` reading company `i % 41`); the big ones read
//! Horeca scaled to `STORM_BIG_EMPLOYEES`. All are in the demo domain (on SOAP the worst case:
//! one environment's fair use for every customer).
//!
//! Run: `cargo bench --bench storm` (release build). Settings (env): `STORM_SCALE=issue` (the
//! issue's load: 1 000 small, 3 big of 5 000 employees, limit 80/s; each setting below still
//! overrides it), `STORM_SMALL` (default 200), `STORM_BIG` (3), `STORM_BIG_EMPLOYEES` (2000),
//! `STORM_LIMIT` (calls/s, 30), `STORM_CONCURRENCY` (job slots per queue and process, 6),
//! `STORM_BULK_AFTER` (a job's calls after this many wait in the bulk lane,
//! `NMBRS_WORKER_BULK_AFTER_CALLS`, 50 as the worker's default), `STORM_BULK_JOBS` (bulk slots per
//! queue and process, `NMBRS_WORKER_BULK_JOBS`, 2 as the worker's default; 0 keeps every job in
//! its slot), `STORM_API` (`rest`, `soap` or
//! `both`: REST, then SOAP), `STORM_QUOTA` (1: the REST quota run too). Needs the local
//! RabbitMQ and PostgreSQL. Not run in CI.

#[allow(dead_code)]
mod common;
#[path = "storm/gateway.rs"]
mod gateway;

use std::{
    collections::HashMap,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use common::{Api, BenchWorld, SimProcess};
use futures::StreamExt;
use lapin::types::FieldTable;
use nmbrs_worker::{
    bus::{
        self,
        publisher::{Outgoing, Publisher, json_properties},
    },
    envelope::JobType,
    sim::demo,
};
use serde_json::{Value, json};

/// `name` from the environment, else the issue's value under `STORM_SCALE=issue`, else `default`.
fn setting(name: &str, issue: u64, default: u64) -> u64 {
    let at_scale = std::env::var("STORM_SCALE").is_ok_and(|v| v.trim() == "issue");
    let fallback = if at_scale { issue } else { default };
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(fallback)
}

/// The simulator's small companies (20 to 60 employees, `demo::small_company_size`).
const SMALL_COMPANIES: usize = 41;

/// The storm's shape.
#[derive(Clone, Copy)]
struct Load {
    api: Api,
    small: usize,
    big: usize,
    limit: u64,
    concurrency: u64,
    bulk_after: u64,
    /// Bulk slots per queue and process (`NMBRS_WORKER_BULK_JOBS`).
    bulk_jobs: u64,
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
    counted: gateway::Counted,
    takes: i64,
    peak_rss_mib: Vec<f64>,
    /// CPU seconds (user + system) of each worker process and of the simulator in the run.
    cpu: (Vec<f64>, f64),
    /// With a quota: calls answered 42909 during the pause, and the pause's length.
    paused: Option<(u64, Duration)>,
    /// Budget tokens taken by both workers, and those dropped as too late.
    late: (u64, u64),
}

/// A process's CPU seconds so far (user + system, `/proc/PID/stat`; Linux's 100 ticks a second).
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command's `(name)`: utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: Vec<f64> = rest.split_whitespace().skip(11).take(2).filter_map(|v| v.parse().ok()).collect();
    ticks.iter().sum::<f64>() / 100.0
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

fn sync_job(id: &str, api: Api, nmbrs: Value, company: i32) -> Value {
    json!({
        "message_id": uuid::Uuid::new_v4().to_string(), "type": "SyncTeam", "schema_version": 1,
        "created_at": "2026-11-24T21:00:00Z",
        "integration": {"id": id, "nmbrs": nmbrs,
                        "venues": [{"eitje_venue_id": "v-1", "nmbrs_company_id": api.company(company)}]},
        "payload": {"trigger": "nightly", "full": false, "members": []}
    })
}

async fn run(sim: &SimProcess, load: Load, big: usize, quota: Option<Quota>) -> Run {
    let rate = format!("{:.2}", load.limit as f64 * 0.95);
    let mut extra = sim.rest_settings().await;
    let slots = load.concurrency.to_string();
    let pool = ((load.concurrency + load.bulk_jobs) * 3 + 6).to_string();
    extra.extend([
        ("NMBRS_REST_CALLS_PER_SECOND", rate.clone()),
        ("NMBRS_SOAP_CALLS_PER_SECOND", rate),
        ("NMBRS_WORKER_CONCURRENCY", slots),
        ("NMBRS_WORKER_DB_POOL_SIZE", pool),
        ("NMBRS_WORKER_BULK_AFTER_CALLS", load.bulk_after.to_string()),
        ("NMBRS_WORKER_BULK_JOBS", load.bulk_jobs.to_string()),
        // Jobs that meet the paused quota retry soon (the quota run).
        ("NMBRS_WORKER_RETRY_SCHEDULE", vec!["2s"; 20].join(",")),
    ]);
    let world = BenchWorld::new("storm", &sim.base, &extra).await;
    let mut events = bus::tap_events(&world.channel, &world.names, "job.*").await.unwrap();
    let mut jobs = Vec::new();
    for i in 0..load.small.max(big) {
        if i < load.small {
            let id = format!("small-{i:04}");
            let company = demo::SMALL_COMPANY + (i % SMALL_COMPANIES) as i32;
            jobs.push(sync_job(&id, load.api, sim.nmbrs(load.api, &world.keys, &id).await, company));
        }
        // The big ones are published among the first, as the worst case for the small ones.
        if i < big {
            let id = format!("big-{i}");
            jobs.push(sync_job(&id, load.api, sim.nmbrs(load.api, &world.keys, &id).await, demo::HORECA));
        }
    }
    // `STORM_LOG_DIR`: each worker's log (its REST calls, the team sync's steps, the jobs'
    // ends) goes to a file there, for the tail's timeline (`scripts/storm-tail`).
    let log_dir = std::env::var("STORM_LOG_DIR").ok().filter(|d| !d.trim().is_empty());
    let label = match (big, quota) {
        (0, _) => "alone",
        (_, None) => "storm",
        (_, Some(_)) => "quota",
    };
    let mut workers: Vec<Child> = (0..2)
        .map(|i| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_nmbrs-worker"));
            cmd.arg("run").env("RUST_LOG", "warn").stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
            if let Some(dir) = &log_dir {
                let file = std::fs::File::create(format!("{dir}/{label}-worker{i}.log")).expect("a log file");
                cmd.env("RUST_LOG", WORKER_LOG).stdout(file);
            }
            for (k, v) in &world.vars {
                cmd.env(k, v);
            }
            cmd.env("NMBRS_WORKER_HTTP_ADDR", format!("127.0.0.1:{}", METRICS_PORT + i));
            cmd.spawn().expect("a worker process starts")
        })
        .collect();
    // Both consume before the storm: their start-up is not part of it.
    tokio::time::sleep(Duration::from_secs(4)).await;
    gateway::set(sim, load.api, load.limit, quota.map(|q| q.after)).await;
    // All at once: one connection, every message sent back to back, their confirms awaited
    // together (one `nmbrs-worker publish` per job would connect a thousand times).
    let conn = bus::connect(&world.config.amqp_url, "storm publish").await.unwrap();
    let publisher = Publisher::open(&conn, Duration::from_secs(60)).await.unwrap();
    let bodies: Vec<(String, Vec<u8>)> =
        jobs.iter().map(|j| (j["message_id"].as_str().unwrap().to_owned(), serde_json::to_vec(j).unwrap())).collect();
    let exchange = world.names.jobs_exchange();
    let routing_key = JobType::SyncTeam.routing_key();
    let sim_cpu = cpu_secs(sim.child.id());
    let started = Instant::now();
    let messages = bodies.iter().map(|(id, body)| Outgoing {
        exchange: &exchange,
        routing_key,
        body,
        properties: json_properties(id, FieldTable::default()).unwrap(),
        mandatory: true,
    });
    assert!(publisher.send_all(messages).await.iter().all(Result::is_ok), "every job is published");
    let _ = conn.close(200, "published".into()).await;
    let quota_run =
        quota.map(|q| tokio::spawn(gateway::run_out(sim.base.clone(), sim.http.clone(), load.limit, q.pause)));
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
    let cpu = (workers.iter().map(|w| cpu_secs(w.id())).collect(), cpu_secs(sim.child.id()) - sim_cpu);
    let mut late = (0, 0);
    for i in 0..workers.len() {
        let (tokens, dropped) = budget_tokens(&sim.http, METRICS_PORT + i as u16).await;
        late = (late.0 + tokens, late.1 + dropped);
    }
    let counted = gateway::counted(sim, load.api).await;
    let db = sqlx::PgPool::connect(&world.config.database_url).await.unwrap();
    let takes: i64 = sqlx::query_scalar("SELECT takes FROM nmbrs_call_budget WHERE scope = $1")
        .bind(gateway::scope_key(load.api))
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
    Run { makespan, done, failed, counted, takes, peak_rss_mib, cpu, paused, late }
}

/// The workers' `RUST_LOG` under `STORM_LOG_DIR`: each REST call (its wait for the budget and
/// its answer time), the team sync's steps and each job's end.
const WORKER_LOG: &str = "warn,nmbrs_worker::nmbrs::rest::client=debug,nmbrs_worker::jobs::team=debug,nmbrs_worker::jobs::run::pipeline=info";

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
    let c = &r.counted;
    let calls = c.passed + c.over + c.quota;
    // On SOAP every call is served (a delayed one too): the ideal counts them all.
    let ideal = c.passed as f64 / load.limit as f64;
    let over = if load.api == Api::Rest { "× 42908" } else { "delayed 0.5 s by fair use" };
    println!("{label}");
    println!("  jobs done                {} ({} failed)", r.done.len(), r.failed);
    println!("  {} calls               {calls} ({} let through, {} {over})", load.api.name(), c.passed, c.over);
    println!(
        "  makespan                 {:.1} s, ideal {ideal:.1} s, makespan ÷ ideal {:.3}",
        r.makespan.as_secs_f64(),
        r.makespan.as_secs_f64() / ideal
    );
    println!("  over the limit           {:.3} % of the calls", c.over as f64 * 100.0 / calls.max(1) as f64);
    println!("  peak calls in 1 s        {} (limit {})", c.peak_per_second, load.limit);
    println!("  budget round trips       {} ({:.3} per call)", r.takes, r.takes as f64 / calls.max(1) as f64);
    println!("  tokens dropped as late   {} of {} taken", r.late.1, r.late.0);
    let rss: Vec<String> = r.peak_rss_mib.iter().map(|m| format!("{m:.1}")).collect();
    println!("  peak RSS per process     {} MiB", rss.join(" / "));
    let cpu: Vec<String> = r.cpu.0.iter().map(|s| format!("{s:.1}")).collect();
    println!("  CPU seconds              workers {} (from their start), simulator {:.1}", cpu.join(" / "), r.cpu.1);
    let mut big: Vec<(&String, &Duration)> = r.done.iter().filter(|(id, _)| id.starts_with("big-")).collect();
    big.sort();
    for (id, at) in big {
        println!("  {id} done at            {:.1} s", at.as_secs_f64());
    }
    if let Some((refused, first)) = r.paused {
        println!(
            "  quota ran out at {:.1} s: {refused} calls answered 42909 in the pause (in flight, then the probes)",
            first.as_secs_f64()
        );
    }
}

/// The small syncs' delay by the big ones (with them against without), p95 and worst, in seconds.
fn delays(load: Load, storm: &Run, alone: &Run) -> (f64, f64) {
    let mut delays: Vec<f64> = (0..load.small)
        .filter_map(|i| {
            let id = format!("small-{i:04}");
            Some(storm.done.get(&id)?.as_secs_f64() - alone.done.get(&id)?.as_secs_f64())
        })
        .collect();
    delays.sort_by(f64::total_cmp);
    let p95 = delays.get(delays.len() * 95 / 100).copied().unwrap_or(0.0);
    (p95, delays.last().copied().unwrap_or(0.0))
}

/// The storm on one API: with the big syncs, without them, and (REST, `STORM_QUOTA=1`) with a
/// quota that runs out halfway.
fn storm(runtime: &tokio::runtime::Runtime, sim: &SimProcess, load: Load, big_employees: usize) {
    let storm = runtime.block_on(run(sim, load, load.big, None));
    let alone = runtime.block_on(run(sim, load, 0, None));
    let quota = (load.api == Api::Rest && setting("STORM_QUOTA", 0, 0) == 1).then(|| {
        let q = Quota { after: storm.counted.passed / 2, pause: Duration::from_secs(5) };
        runtime.block_on(run(sim, load, load.big, Some(q)))
    });
    println!(
        "storm on {}: {} small syncs (20–60 employees) + {} big ({} employees), 2 worker processes, limit {} calls/s, budget {:.1}/s, {} job slots + {} bulk slots per process, bulk lane after {} calls",
        load.api.name(),
        load.small,
        load.big,
        big_employees + 7,
        load.limit,
        load.limit as f64 * 0.95,
        load.concurrency,
        load.bulk_jobs,
        load.bulk_after
    );
    report("with the big syncs", load, &storm);
    report("without them (baseline)", load, &alone);
    if let Some(q) = &quota {
        report("with the big syncs, the quota running out halfway for 5 s", load, q);
    }
    let span = storm.makespan.as_secs_f64();
    let (p95, worst) = delays(load, &storm, &alone);
    println!(
        "small syncs delayed by the big ones: p95 {p95:.1} s ({:.1} % of the makespan), worst {worst:.1} s ({:.1} %)",
        p95 * 100.0 / span,
        worst * 100.0 / span
    );
}

fn main() {
    let apis = match std::env::var("STORM_API").unwrap_or_default().trim() {
        "" | "rest" => vec![Api::Rest],
        "soap" => vec![Api::Soap],
        "both" => vec![Api::Rest, Api::Soap],
        other => panic!("STORM_API must be rest, soap or both, not {other:?}"),
    };
    let big_employees = setting("STORM_BIG_EMPLOYEES", 5000, 2000) as usize;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let small_companies = ["--small-companies".to_owned(), SMALL_COMPANIES.to_string()];
    let sim = SimProcess::spawn_with(26_000, big_employees, &small_companies);
    runtime.block_on(sim.ready());
    for api in apis {
        let load = Load {
            api,
            small: setting("STORM_SMALL", 1000, 200) as usize,
            big: setting("STORM_BIG", 3, 3) as usize,
            limit: setting("STORM_LIMIT", 80, 30),
            concurrency: setting("STORM_CONCURRENCY", 6, 6),
            bulk_after: setting("STORM_BULK_AFTER", 50, 50),
            bulk_jobs: setting("STORM_BULK_JOBS", 2, 2),
        };
        storm(&runtime, &sim, load, big_employees);
    }
}
