//! The shared call budget's rows (`migrations/20261207000500_call_budget.sql`): one round trip
//! per take of a batch of tokens (`nmbrs_budget_take`, the SQL twin of
//! `domain::call_budget::Bucket::take`), and one per `42908`, `42909` or answered probe. Every
//! worker process on the database shares them.

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::call_budget::{Take, TakeAnswer};

/// One take of up to `t.want` + `t.want_bulk` tokens of `scope` by `process` (the weights of
/// the other processes are read from their demand rows; `t.total_weight` and
/// `t.ordinary_total` are not used), with the database's moment of the take (Unix seconds).
pub async fn take(pool: &PgPool, scope: &str, process: Uuid, t: &Take) -> sqlx::Result<(TakeAnswer, f64)> {
    let count = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    let (granted, bulk, available, wait_secs, paused, probe, at): (i32, i32, f64, f64, bool, bool, f64) =
        sqlx::query_as(
            "SELECT granted, bulk, available, wait_secs, paused, probe, at_epoch
             FROM nmbrs_budget_take($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(scope)
        .bind(process)
        .bind(count(t.want))
        .bind(count(t.want_bulk))
        .bind(t.weight)
        .bind(t.ordinary_total)
        .bind(t.bulk_share)
        .bind(t.rate)
        .bind(t.burst)
        .bind(t.horizon_secs)
        .bind(t.probe_secs)
        .fetch_one(pool)
        .await?;
    let tokens = |n: i32| u32::try_from(n).unwrap_or(0);
    let answer = if paused {
        TakeAnswer::Paused { probe }
    } else {
        TakeAnswer::Tokens { granted: tokens(granted), bulk: tokens(bulk), available, wait_secs }
    };
    Ok((answer, at))
}

/// The channel on which a pause is told to every process at once (`LISTEN`), so the tokens
/// they already hold are not used (issue 22: at most the calls in flight after a `42909`).
pub const PAUSED_CHANNEL: &str = "nmbrs_call_budget_paused";

/// A `42908`: the bucket's tokens are spent and one more is owed
/// (`domain::call_budget::Bucket::throttle`); with `Retry-After` none come before it.
pub async fn throttle(pool: &PgPool, scope: &str, retry_after_secs: Option<f64>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE nmbrs_call_budget SET tokens = LEAST(tokens, 0) - 1,
             refilled_at = GREATEST(refilled_at, clock_timestamp() + make_interval(secs => $2))
         WHERE scope = $1",
    )
    .bind(scope)
    .bind(retry_after_secs.unwrap_or(0.0))
    .execute(pool)
    .await?;
    Ok(())
}

/// A `42909`: `scope` pauses for every process (told at once on [`PAUSED_CHANNEL`]), and the
/// next probe may go `probe_every_secs` from now. True when this call paused it.
pub async fn pause(pool: &PgPool, scope: &str, probe_every_secs: f64) -> sqlx::Result<bool> {
    let newly: Option<bool> = sqlx::query_scalar(
        "UPDATE nmbrs_call_budget b SET paused_since = COALESCE(b.paused_since, clock_timestamp()),
             probe_until = clock_timestamp() + make_interval(secs => $2)
         FROM (SELECT paused_since IS NULL AS newly FROM nmbrs_call_budget WHERE scope = $1 FOR UPDATE) old
         WHERE b.scope = $1 RETURNING old.newly",
    )
    .bind(scope)
    .bind(probe_every_secs)
    .fetch_optional(pool)
    .await?;
    sqlx::query("SELECT pg_notify($1, $2)").bind(PAUSED_CHANNEL).bind(scope).execute(pool).await?;
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
