//! What earlier jobs learned about an integration's Nmbrs write rights (CONTRACT §2.6): per
//! operation, when a write last succeeded and when Nmbrs last refused the right. The check
//! reads it; exports write it (`nmbrs::soap::write_log` collects what one job saw).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// One operation's last outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Learned {
    pub last_ok_at: Option<DateTime<Utc>>,
    pub last_refused_at: Option<DateTime<Utc>>,
}

impl Learned {
    /// Whether the latest thing learned is a refusal.
    pub fn refused(&self) -> bool {
        match (self.last_ok_at, self.last_refused_at) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(ok), Some(refused)) => refused > ok,
        }
    }
}

/// Records that `operation` succeeded (`ok`) or was refused at `at`.
pub async fn record(
    pool: &PgPool,
    integration: &str,
    operation: &str,
    ok: bool,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    let (ok_at, refused_at) = if ok { (Some(at), None) } else { (None, Some(at)) };
    sqlx::query(
        "INSERT INTO write_rights (integration_id, operation, last_ok_at, last_refused_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (integration_id, operation) DO UPDATE SET
           last_ok_at = GREATEST(write_rights.last_ok_at, EXCLUDED.last_ok_at),
           last_refused_at = GREATEST(write_rights.last_refused_at, EXCLUDED.last_refused_at)",
    )
    .bind(integration)
    .bind(operation)
    .bind(ok_at)
    .bind(refused_at)
    .execute(pool)
    .await
    .map(|_| ())
}

/// One `write_rights` row: operation, `last_ok_at`, `last_refused_at`.
type LearnedRow = (String, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// Everything learned about `integration`'s write rights, by operation.
pub async fn load(pool: &PgPool, integration: &str) -> sqlx::Result<BTreeMap<String, Learned>> {
    let rows: Vec<LearnedRow> =
        sqlx::query_as("SELECT operation, last_ok_at, last_refused_at FROM write_rights WHERE integration_id = $1")
            .bind(integration)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(|(op, ok, refused)| (op, Learned { last_ok_at: ok, last_refused_at: refused })).collect())
}
