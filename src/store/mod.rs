//! PostgreSQL edge (sqlx): the job inbox (idempotency and attempts) and the transactional
//! outbox. Later issues add the export ledger and sync state beside them.
//!
//! No business rules live here: functions take typed values and run SQL.

pub mod call_budget;
pub mod export_buckets;
pub mod export_ledger;
pub mod export_markers;
pub mod fault;
pub mod identities;
pub mod inbox;
mod lock;
mod nmbrs_ids;
pub mod oauth_grants;
pub mod outbox;
pub mod relink;
pub mod sync_state;
pub mod write_rights;

pub use lock::{AdvisoryLock, LockKey};

use std::{str::FromStr, time::Duration};

use sqlx::{
    ConnectOptions, Connection, PgPool,
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
            // Another process created it at the same moment: `duplicate_database`, or, when both
            // CREATE DATABASE statements overlap, a unique violation on `pg_database`.
            Err(sqlx::Error::Database(e)) if matches!(e.code().as_deref(), Some("42P04" | "23505")) => {}
            Err(e) => return Err(e.into()),
        }
    }
    admin.close().await?;
    Ok(())
}

/// Creates the database if needed, applies the migrations and opens a pool of `pool_size`
/// connections with the default [`PoolSettings`].
pub async fn connect(url: &str, pool_size: u32) -> anyhow::Result<PgPool> {
    connect_with(url, &PoolSettings { size: pool_size, ..PoolSettings::default() }).await
}

/// How the worker's pool and its sessions are set up (issue 19 item 8).
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    /// Connections at most (`NMBRS_WORKER_DB_POOL_SIZE`).
    pub size: u32,
    /// How long a statement waits for a free or new connection before it fails as
    /// unavailable (`NMBRS_WORKER_DB_ACQUIRE_TIMEOUT`).
    pub acquire_timeout: Duration,
    /// Every session's `statement_timeout` and `lock_timeout`
    /// (`NMBRS_WORKER_DB_STATEMENT_TIMEOUT`, `NMBRS_WORKER_DB_LOCK_TIMEOUT`): no statement of
    /// the ledger, the inbox or the outbox waits for ever. The advisory locks, whose wait is
    /// the point (a duplicate waits for the first delivery), lift both for their wait alone.
    pub statement_timeout: Duration,
    pub lock_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            size: 10,
            acquire_timeout: Duration::from_secs(10),
            statement_timeout: Duration::from_secs(120),
            lock_timeout: Duration::from_secs(60),
        }
    }
}

/// [`connect`] with every setting of the pool.
pub async fn connect_with(url: &str, settings: &PoolSettings) -> anyhow::Result<PgPool> {
    ensure_database(url).await?;
    let ms = |d: Duration| format!("{}ms", d.as_millis().max(1));
    let options = PgConnectOptions::from_str(url)?
        .application_name("nmbrs-worker")
        .options([("statement_timeout", ms(settings.statement_timeout)), ("lock_timeout", ms(settings.lock_timeout))]);
    let pool = PgPoolOptions::new()
        .max_connections(settings.size)
        .acquire_timeout(settings.acquire_timeout)
        // A broken connection fails its statement and the job is redelivered; pinging on
        // every acquire would cost a round trip per job.
        .test_before_acquire(false)
        .connect_with(options)
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
