//! What a test leaves behind is removed when its [`TestEnv`] is dropped, so a panicking test
//! leaks no database and no queues. `Drop` is sync and the removal is async (AMQP and SQL), so
//! it runs on a thread of its own with its own runtime, and the drop waits for it (bounded):
//! that works inside any test runtime, also while a panic unwinds through the test.

use std::time::Duration;

use nmbrs_worker::{bus, envelope::JobType};
use sqlx::PgPool;

use super::{AMQP_URL, PG_BASE, TestEnv};

/// How long a drop waits for the removal before it gives up (and says so on stderr).
const REMOVAL_BOUND: Duration = Duration::from_secs(30);

/// The broker objects and the database one test owns, by name.
#[derive(Clone, Debug)]
pub struct Owned {
    /// Job queues, the dead-letter queue and the retry queues of the test's prefix.
    pub queues: Vec<String>,
    /// The jobs, events and retry exchanges of the test's prefix.
    pub exchanges: Vec<String>,
    /// The test's PostgreSQL database.
    pub database: String,
}

impl TestEnv {
    /// Everything of this test's that [`Drop`] removes. The retry queues follow the test's
    /// `NMBRS_WORKER_RETRY_SCHEDULE`; an invalid schedule (a configuration-error test) made none.
    pub fn owned(&self) -> Owned {
        let map: std::collections::HashMap<&str, &str> = self.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let schedule = nmbrs_worker::config::Config::from_source(&map).map(|c| c.retry_schedule).unwrap_or_default();
        let mut queues: Vec<String> = JobType::ALL.iter().map(|k| self.names.job_queue(*k)).collect();
        queues.push(self.names.dead_queue());
        queues.extend(schedule.iter().map(|d| self.names.retry_queue(*d)));
        let exchanges = vec![self.names.jobs_exchange(), self.names.events_exchange(), self.names.retry_exchange()];
        let database = self.database_url.rsplit('/').next().expect("a database name").to_string();
        Owned { queues, exchanges, database }
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        for token in self.workers.lock().map(|w| w.clone()).unwrap_or_default() {
            token.cancel();
        }
        let owned = self.owned();
        let removal = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
            runtime.block_on(async { tokio::time::timeout(REMOVAL_BOUND, remove(&owned)).await.is_ok() })
        });
        if !matches!(removal.join(), Ok(true)) {
            eprintln!("test cleanup did not finish within {REMOVAL_BOUND:?}: queues and database may be left");
        }
    }
}

/// Deletes the queues, the exchanges and the database (`WITH (FORCE)`: open connections, such
/// as a worker's pool that was never closed, do not keep it). Each step goes on after the
/// previous one failed; a missing object is not an error.
async fn remove(owned: &Owned) {
    if let Ok(conn) = bus::connect(AMQP_URL, "test cleanup").await {
        // A channel per delete: a refused one cannot close the channel of the next.
        for queue in &owned.queues {
            if let Ok(channel) = conn.create_channel().await {
                let _ = channel.queue_delete(queue.as_str().into(), Default::default()).await;
                let _ = channel.close(200, "done".into()).await;
            }
        }
        for exchange in &owned.exchanges {
            if let Ok(channel) = conn.create_channel().await {
                let _ = channel.exchange_delete(exchange.as_str().into(), Default::default()).await;
                let _ = channel.close(200, "done".into()).await;
            }
        }
        let _ = conn.close(200, "done".into()).await;
    }
    if let Ok(pool) = PgPool::connect(&format!("{PG_BASE}/postgres")).await {
        let drop_db = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", owned.database);
        if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(drop_db)).execute(&pool).await {
            eprintln!("test cleanup: dropping {}: {e}", owned.database);
        }
        pool.close().await;
    }
}
