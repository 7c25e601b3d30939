//! The harness's own promise: a test that panics leaks nothing. A test body spawns its world
//! (database, queue prefix, simulator, a worker consuming), runs an export through it and
//! panics with the worker still running; afterwards its database is gone from the real
//! PostgreSQL and every queue and exchange of its prefix from the real RabbitMQ.

use lapin::{
    ExchangeKind,
    options::{ExchangeDeclareOptions, QueueDeclareOptions},
    types::FieldTable,
};
use nmbrs_worker::bus;
use serde_json::json;

use crate::support::{export::*, *};

#[test]
fn a_panicking_test_leaves_no_database_and_no_queues() {
    let (tx, rx) = std::sync::mpsc::channel();
    // A test of its own: a thread with its own runtime, as `#[tokio::test]` gives each test.
    let test = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async move {
            let mut app = spawn().await;
            let entries = json!([worked("e1", JAN, "2026-11-03", "7.50")]);
            let out = app.export(FULL, export_payload("exp-leak", NOVEMBER, entries)).await;
            assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
            let owned = app.env.owned();
            assert!(database_exists(&owned.database).await, "the test's database exists while it runs");
            for queue in &owned.queues {
                assert!(queue_exists(queue).await, "{queue} exists while the test runs");
            }
            for exchange in &owned.exchanges {
                assert!(exchange_exists(exchange).await, "{exchange} exists while the test runs");
            }
            tx.send(owned).unwrap();
            panic!("a failing assertion, with the worker still running");
        })
    });
    assert!(test.join().is_err(), "the test body panicked");
    let owned = rx.recv().expect("the test body got as far as its names");

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        assert!(!database_exists(&owned.database).await, "database {} is left", owned.database);
        for queue in &owned.queues {
            assert!(!queue_exists(queue).await, "queue {queue} is left");
        }
        for exchange in &owned.exchanges {
            assert!(!exchange_exists(exchange).await, "exchange {exchange} is left");
        }
    });
}

async fn database_exists(name: &str) -> bool {
    let pool = sqlx::PgPool::connect(&format!("{PG_BASE}/postgres")).await.unwrap();
    let found: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    found == 1
}

/// Whether the broker knows `queue`: a passive declare answers, or fails with 404 NOT_FOUND
/// (any other failure fails the test).
async fn queue_exists(queue: &str) -> bool {
    let conn = bus::connect(AMQP_URL, "test leak check").await.unwrap();
    let channel = conn.create_channel().await.unwrap();
    let passive = QueueDeclareOptions { passive: true, durable: true, ..Default::default() };
    let found = channel.queue_declare(queue.into(), passive, FieldTable::default()).await.map(drop);
    let _ = conn.close(200, "done".into()).await;
    found_or_not(found, queue)
}

async fn exchange_exists(exchange: &str) -> bool {
    let conn = bus::connect(AMQP_URL, "test leak check").await.unwrap();
    let channel = conn.create_channel().await.unwrap();
    let passive = ExchangeDeclareOptions { passive: true, durable: true, ..Default::default() };
    let found = channel.exchange_declare(exchange.into(), ExchangeKind::Direct, passive, FieldTable::default()).await;
    let _ = conn.close(200, "done".into()).await;
    found_or_not(found, exchange)
}

fn found_or_not(answer: lapin::Result<()>, name: &str) -> bool {
    match answer {
        Ok(()) => true,
        Err(e) => match e.kind() {
            lapin::ErrorKind::ProtocolError(amqp) if amqp.get_id() == 404 => false,
            _ => panic!("passive declare of {name}: {e}"),
        },
    }
}
