//! No-op job round trip: consume → commit → confirmed event → ack, in jobs/s, side by side with
//! a raw lapin loop doing the same broker operations without the worker (no validation, no
//! database), in one run on the same broker.
//!
//! Run: `cargo bench --bench roundtrip` (env `BENCH_JOBS`, default 5000; `BENCH_CONCURRENCY`,
//! default 32). Needs the local RabbitMQ and PostgreSQL.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use async_trait::async_trait;
use futures::StreamExt;
use lapin::{
    options::{
        BasicAckOptions, BasicConsumeOptions, BasicQosOptions, QueueBindOptions, QueueDeclareOptions, QueuePurgeOptions,
    },
    types::FieldTable,
};
use nmbrs_worker::{
    bus::{
        self,
        publisher::{Outgoing, Publisher, json_properties},
        topology::{self, Names},
    },
    config::Config,
    credentials::{Credentials, KeyRing},
    envelope::{JobPayload, JobType},
    jobs::{Handlers, JobContext, JobError, JobHandler, JobOutput},
    worker::Worker,
};
use serde_json::json;
use tokio::sync::Semaphore;

const AMQP: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

struct NoOp;

#[async_trait]
impl JobHandler for NoOp {
    type Payload = JobPayload;

    async fn run(&self, _: JobContext<'_>, _: &JobPayload) -> Result<JobOutput, JobError> {
        Ok(JobOutput::succeeded())
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Declares a durable queue bound to all events, as a consumer of the events would.
async fn bind_events_sink(channel: &lapin::Channel, exchange: &str, queue: &str) {
    channel
        .queue_declare(queue.into(), QueueDeclareOptions { durable: true, ..Default::default() }, FieldTable::default())
        .await
        .unwrap();
    channel
        .queue_bind(queue.into(), exchange.into(), "#".into(), QueueBindOptions::default(), FieldTable::default())
        .await
        .unwrap();
}

async fn depth(channel: &lapin::Channel, queue: &str) -> u32 {
    let passive = QueueDeclareOptions { passive: true, durable: true, ..Default::default() };
    channel.queue_declare(queue.into(), passive, FieldTable::default()).await.unwrap().message_count()
}

async fn publish_jobs(publisher: &Publisher, exchange: &str, bodies: &[(String, Vec<u8>)]) {
    for chunk in bodies.chunks(500) {
        let msgs = chunk.iter().map(|(id, body)| Outgoing {
            exchange,
            routing_key: "sync_team",
            body,
            properties: json_properties(id, FieldTable::default()).expect("a uuid fits a short string"),
            mandatory: true,
        });
        for r in publisher.send_all(msgs.collect::<Vec<_>>()).await {
            r.unwrap();
        }
    }
}

fn job_bodies(n: usize, keys: &KeyRing) -> Vec<(String, Vec<u8>)> {
    let sealed = keys.seal("env-bench", &Credentials::new("api@example.com", "token"));
    (0..n)
        .map(|_| {
            let id = uuid::Uuid::new_v4().to_string();
            let body = json!({
                "message_id": id, "type": "SyncTeam", "schema_version": 1, "created_at": "2026-11-24T21:00:00Z",
                "integration": {"id": "env-bench", "nmbrs": {"domain": "bench", "credentials": sealed},
                                "venues": [{"eitje_venue_id": "v-1", "nmbrs_company_id": 1}]},
                "payload": {"trigger": "manual", "full": false, "members": []}
            });
            (id, serde_json::to_vec(&body).unwrap())
        })
        .collect()
}

/// The raw loop: same queues and exchange types, consume with the same prefetch and
/// concurrency, publish one event with a confirm per message, then ack.
async fn raw_loop(names: &Names, bodies: &[(String, Vec<u8>)], concurrency: u16) -> f64 {
    let conn = bus::connect(AMQP, "bench raw").await.unwrap();
    let setup = conn.create_channel().await.unwrap();
    topology::declare(&setup, names, &[]).await.unwrap();
    let sink = format!("{}bench.events", names.prefix());
    bind_events_sink(&setup, &names.events_exchange(), &sink).await;
    let publisher = Publisher::open(&conn, Duration::from_secs(10)).await.unwrap();
    publish_jobs(&publisher, &names.jobs_exchange(), bodies).await;
    let consume = conn.create_channel().await.unwrap();
    consume.basic_qos(concurrency, BasicQosOptions::default()).await.unwrap();
    let mut consumer = consume
        .basic_consume(
            names.job_queue(JobType::SyncTeam).into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let permits = Arc::new(Semaphore::new(concurrency.into()));
    let exchange: Arc<str> = names.events_exchange().into();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..bodies.len() {
        let permit = permits.clone().acquire_owned().await.unwrap();
        let delivery = consumer.next().await.unwrap().unwrap();
        let (publisher, exchange) = (publisher.clone(), exchange.clone());
        tasks.spawn(async move {
            let event = json!({"event_id": uuid::Uuid::new_v4(), "type": "job.completed", "payload": {}}).to_string();
            publisher
                .send(Outgoing {
                    exchange: &exchange,
                    routing_key: "job.completed",
                    body: event.as_bytes(),
                    properties: json_properties("e", FieldTable::default()).expect("\"e\" fits a short string"),
                    mandatory: false,
                })
                .await
                .unwrap();
            delivery.acker.ack(BasicAckOptions::default()).await.unwrap();
            drop(permit);
        });
    }
    while tasks.join_next().await.is_some() {}
    let rate = bodies.len() as f64 / started.elapsed().as_secs_f64();
    assert_eq!(depth(&setup, &sink).await as usize, bodies.len());
    setup.queue_purge(sink.into(), QueuePurgeOptions::default()).await.unwrap();
    rate
}

/// The worker: the same messages, a no-op handler, measured from start of consumption until
/// every job is acked and every `job.completed` is confirmed into the sink queue.
async fn worker_loop(names: &Names, bodies: &[(String, Vec<u8>)], concurrency: u16, keys_entry: &str) -> f64 {
    let conn = bus::connect(AMQP, "bench worker setup").await.unwrap();
    let setup = conn.create_channel().await.unwrap();
    let sink = format!("{}bench.events", names.prefix());
    topology::declare(&setup, names, &[]).await.unwrap();
    bind_events_sink(&setup, &names.events_exchange(), &sink).await;
    let db = format!("nmbrs_bench_{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let database_url = format!("postgres://postgres@127.0.0.1:5432/{db}");
    let vars: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", database_url.clone()),
        ("NMBRS_CREDENTIALS_KEYS", keys_entry.to_string()),
        ("NMBRS_WORKER_QUEUE_PREFIX", names.prefix().to_string()),
        ("NMBRS_WORKER_HTTP_ADDR", "127.0.0.1:0".to_string()),
        ("NMBRS_WORKER_CONCURRENCY", concurrency.to_string()),
        ("NMBRS_WORKER_RETRY_SCHEDULE", "".to_string()),
    ]);
    let map: HashMap<&str, &str> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let config = Config::from_source(&map).unwrap();
    nmbrs_worker::store::connect(&database_url, 2).await.unwrap().close().await;
    let publisher = Publisher::open(&conn, Duration::from_secs(10)).await.unwrap();
    publish_jobs(&publisher, &names.jobs_exchange(), bodies).await;
    let started = Instant::now();
    let worker = Worker::start(config, Handlers::default().with(JobType::SyncTeam, Arc::new(NoOp))).await.unwrap();
    let queue = names.job_queue(JobType::SyncTeam);
    loop {
        let done = depth(&setup, &sink).await as usize >= bodies.len();
        if done && depth(&setup, &queue).await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let rate = bodies.len() as f64 / started.elapsed().as_secs_f64();
    worker.stop().await;
    setup.queue_purge(sink.into(), QueuePurgeOptions::default()).await.unwrap();
    let admin = sqlx::PgPool::connect("postgres://postgres@127.0.0.1:5432/postgres").await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE \"{db}\" WITH (FORCE)"))).execute(&admin).await.unwrap();
    rate
}

async fn cleanup(names: &Names) {
    let conn = bus::connect(AMQP, "bench cleanup").await.unwrap();
    let ch = conn.create_channel().await.unwrap();
    let mut queues: Vec<String> = JobType::ALL.iter().map(|k| names.job_queue(*k)).collect();
    queues.push(names.dead_queue());
    queues.push(format!("{}bench.events", names.prefix()));
    for q in queues {
        ch.queue_delete(q.into(), Default::default()).await.unwrap();
    }
    for x in [names.jobs_exchange(), names.events_exchange(), names.retry_exchange()] {
        ch.exchange_delete(x.into(), Default::default()).await.unwrap();
    }
}

fn main() {
    let jobs = env_number("BENCH_JOBS", 5000);
    let concurrency = env_number("BENCH_CONCURRENCY", 32) as u16;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let keys_entry = KeyRing::generate_entry("k1");
        let keys = KeyRing::parse(&keys_entry).unwrap();
        let bodies = job_bodies(jobs, &keys);
        let raw_names = Names::new(&format!("bench{}.raw.", std::process::id()));
        let worker_names = Names::new(&format!("bench{}.worker.", std::process::id()));
        // Warm-up pass of each, then the measured pass.
        let warm = &bodies[..bodies.len().min(500)];
        raw_loop(&raw_names, warm, concurrency).await;
        worker_loop(&worker_names, warm, concurrency, &keys_entry).await;
        let raw = raw_loop(&raw_names, &bodies, concurrency).await;
        let worker = worker_loop(&worker_names, &bodies, concurrency, &keys_entry).await;
        cleanup(&raw_names).await;
        cleanup(&worker_names).await;
        println!("no-op job round trip, {jobs} jobs, concurrency {concurrency}");
        println!("  raw lapin loop : {raw:>8.0} jobs/s");
        println!("  nmbrs-worker   : {worker:>8.0} jobs/s");
        println!("  ratio          : {:>8.1} %", worker / raw * 100.0);
    });
}
