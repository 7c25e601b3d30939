//! CheckIntegration over 200 integrations (issue 20 "Scheduling"): what the nightly check of
//! every integration costs Nmbrs, on SOAP and on REST side by side in one run. Each
//! integration is the simulator's demo tenant (two companies, codes mapped as a customer
//! would); all checks are published at once, as the scheduler would, and run through the real
//! worker (RabbitMQ, PostgreSQL) against the simulator as its own process.
//!
//! Per API: Nmbrs calls in all and per check (from the simulator's call log; token requests
//! counted apart), calls per company, write calls (must be 0: the process exits non-zero
//! otherwise), wall time from publish to the last `job.completed`, and the statuses reported.
//!
//! Run: `cargo bench --bench check` (env `BENCH_API` both (default) / soap / rest,
//! `BENCH_INTEGRATIONS` default 200, `BENCH_LATENCY_MS` default 20). Needs the local RabbitMQ
//! and PostgreSQL.

mod common;

use std::{
    collections::{BTreeMap, HashSet},
    time::{Duration, Instant},
};

use common::{Api, BenchWorld, SimProcess, env_or};
use futures::StreamExt;
use nmbrs_worker::{bus, cli::publish::publish_bytes, jobs::Handlers, sim::demo, worker::Worker};
use serde_json::{Value, json};

/// The demo tenant's companies, each linked to one venue.
const COMPANIES: usize = 2;

/// One API's figures.
struct Run {
    wall: Duration,
    calls: u64,
    writes: u64,
    tokens: usize,
    per_operation: BTreeMap<String, u64>,
    statuses: BTreeMap<String, usize>,
}

fn main() {
    let integrations: usize = env_or("BENCH_INTEGRATIONS", 200);
    let latency_ms: u64 = env_or("BENCH_LATENCY_MS", 20);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut results = Vec::new();
    for api in Api::from_env() {
        let port_base = if api == Api::Soap { 23_000 } else { 25_000 };
        let sim = SimProcess::spawn(port_base, 20);
        let run = runtime.block_on(run(&sim, api, integrations, latency_ms));
        drop(sim);
        match run {
            Ok(run) => results.push((api, run)),
            Err(e) => {
                eprintln!("check benchmark on {} failed: {e}", api.name());
                std::process::exit(1);
            }
        }
    }
    println!(
        "CheckIntegration of {integrations} integrations ({COMPANIES} companies each), published at once; \
         simulator latency {latency_ms} ms per call"
    );
    println!(
        "{:<5} | {:>7} | {:>6} | {:>9} | {:>11} | {:>6} | {:>6} | statuses",
        "api", "wall s", "calls", "per check", "per company", "tokens", "writes"
    );
    let mut ok = true;
    for (api, r) in &results {
        let per_check = r.calls as f64 / integrations as f64;
        println!(
            "{:<5} | {:>7.1} | {:>6} | {:>9.1} | {:>11.1} | {:>6} | {:>6} | {:?}",
            api.name(),
            r.wall.as_secs_f64(),
            r.calls,
            per_check,
            per_check / COMPANIES as f64,
            r.tokens,
            r.writes,
            r.statuses
        );
        println!("      calls {:?}", r.per_operation);
        if r.writes != 0 {
            eprintln!("FAIL ({}): the checks made {} write calls (must be 0)", api.name(), r.writes);
            ok = false;
        }
        if r.statuses.get("ready") != Some(&integrations) {
            eprintln!("FAIL ({}): not every healthy integration was ready: {:?}", api.name(), r.statuses);
            ok = false;
        }
    }
    if !ok {
        std::process::exit(1);
    }
}

async fn run(sim: &SimProcess, api: Api, integrations: usize, latency_ms: u64) -> Result<Run, String> {
    sim.ready().await;
    sim.set_latency(latency_ms).await;
    let world = BenchWorld::new("check", &sim.base, &sim.rest_settings().await).await;
    let config = &world.config;
    let mut events = bus::tap_events(&world.channel, &world.names, "#").await.map_err(|e| e.to_string())?;
    let worker = Worker::start(config.clone(), Handlers::production(config).unwrap()).await.unwrap();
    let mut jobs = Vec::with_capacity(integrations);
    for i in 0..integrations {
        let id = format!("env-bench-check-{i}");
        let integration = json!({
            "id": id, "nmbrs": sim.nmbrs(api, &world.keys, &id).await,
            "venues": [
                {"eitje_venue_id": format!("v-{i}-h"), "nmbrs_company_id": api.company(demo::HORECA)},
                {"eitje_venue_id": format!("v-{i}-c"), "nmbrs_company_id": api.company(demo::CATERING)}
            ],
            "settings": {"hour_codes": {"worked": 1, "sick": 30}, "wage_codes": {"meals": 400}}
        });
        jobs.push(json!({
            "message_id": uuid::Uuid::new_v4().to_string(), "type": "CheckIntegration", "schema_version": 1,
            "created_at": chrono::Utc::now().to_rfc3339(), "integration": integration, "payload": {}
        }));
    }
    let (before, tokens_before) = (sim.calls().await, sim.token_calls().await);
    let started = Instant::now();
    for job in &jobs {
        publish_bytes(config, &serde_json::to_vec(job).unwrap(), Some(job), None, true)
            .await
            .map_err(|e| e.to_string())?;
    }
    let mut waiting: HashSet<String> = jobs.iter().map(|j| j["message_id"].as_str().unwrap().to_string()).collect();
    let mut statuses = BTreeMap::new();
    while !waiting.is_empty() {
        let next = tokio::time::timeout(Duration::from_secs(600), events.next()).await;
        let delivery = next.map_err(|_| "no event within 600 s")?.ok_or("event stream ended")?.unwrap();
        let event: Value = serde_json::from_slice(&delivery.data).unwrap();
        let id = event["job"]["message_id"].as_str().unwrap_or_default().to_string();
        match event["type"].as_str() {
            Some("integration.checked") => {
                *statuses.entry(event["payload"]["status"].as_str().unwrap_or("?").to_string()).or_default() += 1;
            }
            Some("job.completed") => {
                waiting.remove(&id);
            }
            Some("job.failed" | "job.rejected") => return Err(format!("a check did not complete: {event}")),
            _ => {}
        }
    }
    let wall = started.elapsed();
    let after = sim.calls().await;
    let per_operation: BTreeMap<String, u64> = (after.per_operation.iter())
        .map(|(op, n)| (op.clone(), n - before.per_operation.get(op).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect();
    let run = Run {
        wall,
        calls: after.total - before.total,
        writes: after.writes - before.writes,
        tokens: sim.token_calls().await - tokens_before,
        per_operation,
        statuses,
    };
    worker.stop().await;
    world.remove().await;
    Ok(run)
}
