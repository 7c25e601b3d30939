//! Session-level PostgreSQL advisory locks, each held on its own pooled connection, as a
//! scoped guard: the lock lasts exactly as long as the [`AdvisoryLock`] value.
//!
//! There is no `release` to call (issue 12): the guard is released either by the store
//! statement that commits the guarded work and unlocks in the same statement (the job lock,
//! `inbox::finish`, which takes the guard), or by dropping it. Work that must be visible
//! before the next holder starts is committed before the guard goes out of scope.

use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool, Postgres, pool::PoolConnection};

/// How long a dropped guard's unlock may take before its connection is closed instead.
const UNLOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// A session-level advisory lock held on its own connection while work runs: a job (so a
/// second delivery of the same idempotency key waits for the first, CONTRACT §2.2), or a team
/// sync or export of one integration (so two never overlap).
///
/// Dropping it releases the lock: the unlock runs in the background and the connection then
/// returns to the pool; should that fail, or should there be no runtime to run it on, the
/// connection is closed, which releases the lock just the same. So does the process dying.
pub struct AdvisoryLock {
    conn: Option<PoolConnection<Postgres>>,
    key: i64,
}

impl AdvisoryLock {
    /// Waits until the lock is free and takes it.
    ///
    /// Cancel-safe: the guard exists before the wait starts, so a cancelled wait still ends in
    /// an unlock (once PostgreSQL has granted it) and never in a pooled connection that holds
    /// the lock for good.
    pub async fn acquire(pool: &PgPool, key: LockKey) -> sqlx::Result<Self> {
        let mut lock = Self { conn: Some(pool.acquire().await?), key: key.0 };
        // Waiting is the point of this lock: the session's statement and lock timeouts
        // (`super::PoolSettings`) are lifted for the wait alone, and back before any work.
        sqlx::raw_sql("SET statement_timeout = 0; SET lock_timeout = 0").execute(lock.conn()).await?;
        sqlx::query("SELECT pg_advisory_lock($1)").bind(lock.key).execute(lock.conn()).await?;
        sqlx::raw_sql("RESET statement_timeout; RESET lock_timeout").execute(lock.conn()).await?;
        Ok(lock)
    }

    /// The connection that holds the lock; the guarded work's own statements may run on it.
    pub fn conn(&mut self) -> &mut PgConnection {
        self.conn.as_deref_mut().expect("the connection stays until the guard is dropped")
    }

    /// The advisory lock key, for the statement that unlocks as part of its work.
    pub(super) fn key(&self) -> i64 {
        self.key
    }

    /// Ends the guard after a statement on its connection unlocked the key itself: the
    /// connection goes straight back to the pool. Only store statements that unlock call it.
    pub(super) fn unlocked_by_statement(mut self) {
        drop(self.conn.take());
    }
}

impl Drop for AdvisoryLock {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn(unlock(conn, self.key))),
            Err(_) => drop(conn.detach()),
        }
    }
}

/// Unlocks `key` on `conn` and lets the connection go back to the pool, or closes it when the
/// unlock fails, times out or finds no lock (a statement cut off mid-way leaves the session
/// in doubt; a fresh one is cheaper than a doubt).
async fn unlock(mut conn: PoolConnection<Postgres>, key: i64) {
    let statement = async {
        let unlocked =
            sqlx::query_scalar::<_, bool>("SELECT pg_advisory_unlock($1)").bind(key).fetch_one(&mut *conn).await?;
        // A wait cut off in `acquire` left the timeouts lifted: back to the session's own.
        sqlx::raw_sql("RESET statement_timeout; RESET lock_timeout").execute(&mut *conn).await?;
        Ok::<_, sqlx::Error>(unlocked)
    };
    match tokio::time::timeout(UNLOCK_TIMEOUT, statement).await {
        Ok(Ok(true)) => {}
        outcome => {
            tracing::warn!(unlocked = ?outcome.as_ref().map(|r| r.as_ref().ok()), "advisory unlock failed; closing its connection");
            drop(conn.detach());
        }
    }
}

/// A stable 64-bit advisory lock key: the first 8 bytes of a SHA-256 of its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockKey(i64);

impl LockKey {
    fn of(parts: &[&str]) -> Self {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update(part.as_bytes());
            hasher.update([0x1f]);
        }
        Self(i64::from_be_bytes(hasher.finalize()[..8].try_into().expect("8 bytes")))
    }

    /// One job: (integration, idempotency key).
    pub fn job(integration_id: &str, idempotency_key: &str) -> Self {
        Self::of(&["job", integration_id, idempotency_key])
    }

    /// The team of one integration: SyncTeam and Deactivate jobs take it in turn.
    pub fn team(integration_id: &str) -> Self {
        Self::of(&["team", integration_id])
    }

    /// The export ledger of one integration: ExportHours jobs take it in turn, so two never
    /// plan from the same ledger or write the same bucket at once.
    pub fn export(integration_id: &str) -> Self {
        Self::of(&["export", integration_id])
    }

    /// The OAuth grant of one integration: token refreshes take it in turn, across processes,
    /// so a single-use refresh token is never spent twice (CONTRACT §5.1).
    pub fn oauth_grant(integration_id: &str) -> Self {
        Self::of(&["oauth_grant", integration_id])
    }
}

#[cfg(test)]
mod tests {
    use super::LockKey;

    #[test]
    fn lock_keys_separate_kinds_integrations_and_keys() {
        assert_eq!(LockKey::job("env-1", "k"), LockKey::job("env-1", "k"));
        assert_ne!(LockKey::job("env-1", "k"), LockKey::job("env-2", "k"));
        assert_ne!(LockKey::job("env-1", "k1"), LockKey::job("env-1k", "1"));
        assert_ne!(LockKey::team("env-1"), LockKey::job("env-1", ""));
        assert_ne!(LockKey::team("env-1"), LockKey::export("env-1"));
    }
}
