//! The shared call budget's rows (`migrations/20261207000500_call_budget.sql`): one round trip
//! per take of a batch of tokens (`nmbrs_budget_take`, the SQL twin of
//! `domain::call_budget::Bucket::take`), and one per `42908`, `42909` or answered probe. Every
//! worker process on the database shares them.

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::call_budget::{Answer, Take};

/// One take of up to `t.want` tokens of `scope` by `process` (the weights of the other
/// processes are read from their demand rows; `t.total_weight` is not used).
pub async fn take(pool: &PgPool, scope: &str, process: Uuid, t: &Take) -> sqlx::Result<Answer> {
    let want = i32::try_from(t.want).unwrap_or(i32::MAX);
    let (granted, available, wait_secs, paused, probe): (i32, f64, f64, bool, bool) = sqlx::query_as(
        "SELECT granted, available, wait_secs, paused, probe FROM nmbrs_budget_take($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(scope)
    .bind(process)
    .bind(want)
    .bind(t.weight)
    .bind(t.rate)
    .bind(t.burst)
    .bind(t.horizon_secs)
    .bind(t.probe_secs)
    .fetch_one(pool)
    .await?;
    Ok(if paused {
        Answer::Paused { probe }
    } else {
        Answer::Tokens { granted: u32::try_from(granted).unwrap_or(0), available, wait_secs }
    })
}

/// A `42908`: the bucket's tokens are spent; with `Retry-After` none come before it.
pub async fn throttle(pool: &PgPool, scope: &str, retry_after_secs: Option<f64>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE nmbrs_call_budget SET tokens = LEAST(tokens, 0),
             refilled_at = GREATEST(refilled_at, clock_timestamp() + make_interval(secs => $2))
         WHERE scope = $1",
    )
    .bind(scope)
    .bind(retry_after_secs.unwrap_or(0.0))
    .execute(pool)
    .await?;
    Ok(())
}

/// A `42909`: `scope` pauses for every process, and the probe is free. True when this call
/// paused it.
pub async fn pause(pool: &PgPool, scope: &str) -> sqlx::Result<bool> {
    let newly: Option<bool> = sqlx::query_scalar(
        "UPDATE nmbrs_call_budget b SET paused_since = COALESCE(b.paused_since, clock_timestamp()), probe_until = NULL
         FROM (SELECT paused_since IS NULL AS newly FROM nmbrs_call_budget WHERE scope = $1 FOR UPDATE) old
         WHERE b.scope = $1 RETURNING old.newly",
    )
    .bind(scope)
    .fetch_optional(pool)
    .await?;
    Ok(newly.unwrap_or(false))
}

/// A probe was answered: the pause of `scope` ends. True when there was one.
pub async fn resume(pool: &PgPool, scope: &str) -> sqlx::Result<bool> {
    let ended: Option<bool> = sqlx::query_scalar(
        "UPDATE nmbrs_call_budget b SET paused_since = NULL, probe_until = NULL, tokens = 0,
             refilled_at = GREATEST(b.refilled_at, clock_timestamp())
         FROM (SELECT paused_since IS NOT NULL AS was FROM nmbrs_call_budget WHERE scope = $1 FOR UPDATE) old
         WHERE b.scope = $1 AND old.was RETURNING true",
    )
    .bind(scope)
    .fetch_optional(pool)
    .await?;
    Ok(ended.unwrap_or(false))
}

/// A probe ended without an answer: another call may probe.
pub async fn release_probe(pool: &PgPool, scope: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE nmbrs_call_budget SET probe_until = NULL WHERE scope = $1").bind(scope).execute(pool).await?;
    Ok(())
}
