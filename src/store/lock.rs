//! Session-level PostgreSQL advisory locks, each held on its own pooled connection.

use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection, PgPool};

/// A session-level advisory lock held on its own connection while work runs: a job (so a
/// second delivery of the same idempotency key waits for the first, CONTRACT §2.2), or a team
/// sync of one integration (so a nightly and a manual sync never overlap). If the process dies,
/// the connection drops and PostgreSQL releases the lock.
pub struct AdvisoryLock {
    conn: Option<sqlx::pool::PoolConnection<sqlx::Postgres>>,
    key: i64,
    held: bool,
}

impl AdvisoryLock {
    /// Waits until the lock is free and takes it.
    pub async fn acquire(pool: &PgPool, key: LockKey) -> sqlx::Result<Self> {
        let key = key.0;
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

impl Drop for AdvisoryLock {
    fn drop(&mut self) {
        // Dropped without release (a cancelled task): never return a locked connection to
        // the pool. Detaching closes it, which frees the lock.
        if let Some(conn) = self.conn.take() {
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
