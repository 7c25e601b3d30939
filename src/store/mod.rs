//! PostgreSQL edge (sqlx): the job inbox (idempotency and attempts) and the transactional
//! outbox. Later issues add the export ledger and sync state beside them.
//!
//! No business rules live here: functions take typed values and run SQL.

pub mod call_budget;
pub mod export_buckets;
pub mod export_ledger;
pub mod identities;
pub mod inbox;
mod lock;
pub mod oauth_grants;
pub mod outbox;
pub mod relink;
pub mod sync_state;

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
