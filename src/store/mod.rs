//! PostgreSQL edge (sqlx): the job inbox (idempotency and attempts) and the transactional
//! outbox. Later issues add the export ledger and sync state beside them.
//!
//! No business rules live here: functions take typed values and run SQL.

pub mod inbox;
pub mod outbox;

use std::{str::FromStr, time::Duration};

use sqlx::{
    ConnectOptions, Connection, PgConnection, PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

/// The migrations in `migrations/`, embedded.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

/// Creates the database named in `url` when it is missing (CONTRACT §1).
pub async fn ensure_database(url: &str) -> anyhow::Result<()> {
    let options = PgConnectOptions::from_str(url)?;
    let name = options.get_database().unwrap_or("postgres").to_string();
    let mut admin = options.clone().database("postgres").connect().await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(&name)
        .fetch_one(&mut admin)
        .await?;
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        match sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {quoted}"))).execute(&mut admin).await {
            Ok(_) => tracing::info!(database = %name, "created database"),
            // Another process created it at the same moment.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
            Err(e) => return Err(e.into()),
        }
    }
    admin.close().await?;
    Ok(())
}

/// Creates the database if needed, applies the migrations and opens a pool.
pub async fn connect(url: &str, pool_size: u32) -> anyhow::Result<PgPool> {
    ensure_database(url).await?;
    let pool = PgPoolOptions::new()
        .max_connections(pool_size)
        .acquire_timeout(Duration::from_secs(10))
        // A broken connection fails its statement and the job is redelivered; pinging on
        // every acquire would cost a round trip per job.
        .test_before_acquire(false)
        .connect_with(PgConnectOptions::from_str(url)?.application_name("nmbrs-worker"))
        .await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

/// `SELECT 1` with a bound, for `/readyz`.
pub async fn ping(pool: &PgPool) -> bool {
    let check = async {
        let mut conn = pool.acquire().await?;
        conn.ping().await
    };
    matches!(tokio::time::timeout(Duration::from_secs(2), check).await, Ok(Ok(())))
}

/// A session-level advisory lock held on its own connection while a job runs, so a second
/// delivery of the same idempotency key waits for the first (CONTRACT §2.2). If the process
/// dies, the connection drops and PostgreSQL releases the lock.
pub struct JobLock {
    conn: Option<sqlx::pool::PoolConnection<sqlx::Postgres>>,
    key: i64,
    held: bool,
}

impl JobLock {
    pub async fn acquire(pool: &PgPool, integration_id: &str, idempotency_key: &str) -> sqlx::Result<Self> {
        let key = lock_key(integration_id, idempotency_key);
        let mut conn = pool.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock($1)").bind(key).execute(&mut *conn).await?;
        Ok(Self { conn: Some(conn), key, held: true })
    }

    /// The advisory lock key, for statements that unlock as part of their work.
    pub fn key(&self) -> i64 {
        self.key
    }

    /// The connection that holds the lock; the job's own statements run on it too.
    pub fn conn(&mut self) -> &mut PgConnection {
        self.conn.as_deref_mut().expect("held until release")
    }

    /// Records that a statement on this connection already unlocked (see `inbox::finish`).
    pub fn mark_unlocked(&mut self) {
        self.held = false;
    }

    /// Unlocks and returns the connection to the pool. Should unlocking fail, the connection
    /// is closed instead, which releases the lock just the same.
    pub async fn release(mut self) {
        if let Some(mut conn) = self.conn.take() {
            if !self.held {
                return;
            }
            let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)").bind(self.key).execute(&mut *conn).await;
            if unlocked.is_err() {
                let _ = conn.detach().close().await;
            }
        }
    }
}

impl Drop for JobLock {
    fn drop(&mut self) {
        // Dropped without release (a cancelled task): never return a locked connection to
        // the pool. Detaching closes it, which frees the lock.
        if let Some(conn) = self.conn.take() {
            drop(conn.detach());
        }
    }
}

/// A stable 64-bit key per (integration, idempotency key): the first 8 bytes of a SHA-256.
fn lock_key(integration_id: &str, idempotency_key: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(b"job\x1f")
        .chain_update(integration_id.as_bytes())
        .chain_update(b"\x1f")
        .chain_update(idempotency_key.as_bytes())
        .finalize();
    i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

#[cfg(test)]
mod tests {
    use super::lock_key;

    #[test]
    fn lock_keys_separate_integrations_and_keys() {
        assert_eq!(lock_key("env-1", "k"), lock_key("env-1", "k"));
        assert_ne!(lock_key("env-1", "k"), lock_key("env-2", "k"));
        assert_ne!(lock_key("env-1", "k1"), lock_key("env-1k", "1"));
    }
}
