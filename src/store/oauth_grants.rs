//! The integration's OAuth grant in PostgreSQL (CONTRACT §5.1): the newest refresh token of
//! the current grant, sealed, and the grants a newer consent retired.
//!
//! Only sealed blobs pass through here ([`SealedCredentials`], sealed by the key ring with the
//! integration and grant as associated data); plaintext tokens never reach the database. The
//! caller holds the integration's `LockKey::oauth_grant` advisory lock around read, refresh
//! and write, and every write also checks the generation it read, so a rotation can never
//! overwrite a newer one even if that lock were lost.

use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::credentials::SealedCredentials;

/// The stored grant of one integration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredGrant {
    pub grant_id: Uuid,
    pub refresh_token: SealedCredentials,
    /// Space-separated scopes of the last token reply, if it named them.
    pub scopes: Option<String>,
    /// Rotations since the grant was adopted, from 1.
    pub generation: i64,
    /// When the person consented, if the message that brought the grant said.
    pub consented_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The database's clock now (`clock_timestamp()`), the clock `refreshed_at` is written with
/// (`now()`, the refreshing transaction's start). A refresh whose transaction began after this
/// reading has `refreshed_at` at or after it; one committed before it has `refreshed_at` before
/// it. So an attempt that reads this first can tell its own refreshes from earlier ones
/// exactly, with no slack between two machines' clocks.
pub async fn clock(conn: &mut PgConnection) -> sqlx::Result<chrono::DateTime<chrono::Utc>> {
    sqlx::query_scalar("SELECT clock_timestamp()").fetch_one(conn).await
}

/// The current grant of `integration_id`, if any.
pub async fn load(conn: &mut PgConnection, integration_id: &str) -> sqlx::Result<Option<StoredGrant>> {
    type Row = (Uuid, String, String, Option<String>, i64, Option<chrono::DateTime<chrono::Utc>>);
    let row: Option<Row> = sqlx::query_as(
        "SELECT grant_id, key_id, sealed_refresh_token, scopes, generation, consented_at
           FROM oauth_grants WHERE integration_id = $1",
    )
    .bind(integration_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(grant_id, key_id, sealed, scopes, generation, consented_at)| StoredGrant {
        grant_id,
        refresh_token: SealedCredentials { key_id, sealed },
        scopes,
        generation,
        consented_at,
    }))
}

/// Whether a newer consent replaced `grant_id` of `integration_id`.
pub async fn is_retired(conn: &mut PgConnection, integration_id: &str, grant_id: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM oauth_retired_grants WHERE integration_id = $1 AND grant_id = $2)")
        .bind(integration_id)
        .bind(grant_id)
        .fetch_one(&mut *conn)
        .await
}

/// Retires `grant_id` of `integration_id` without it ever having been stored: an older consent
/// that arrived after a newer one (CONTRACT §5.1) is never used, also not later.
pub async fn retire(conn: &mut PgConnection, integration_id: &str, grant_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO oauth_retired_grants (integration_id, grant_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(integration_id)
        .bind(grant_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// What a write expects to find, so it never overwrites a newer state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// No grant stored yet (the first job of the integration).
    Nothing,
    /// The same grant stored at `generation` (the token just rotated was read there).
    Generation(i64),
    /// `retired` stored, at any generation: a new consent replaces it and it is retired.
    Replacing { retired: Uuid },
}

/// Stores the rotated refresh token of `grant_id` in one transaction, if the stored state is
/// still what `expect` says. Returns `false` (and changes nothing) when it is not. A grant
/// adopted or replacing another keeps `consented_at`; a rotation keeps the stored one.
pub async fn save_rotated(
    conn: &mut PgConnection,
    integration_id: &str,
    grant_id: Uuid,
    refresh_token: &SealedCredentials,
    scopes: Option<&str>,
    consented_at: Option<chrono::DateTime<chrono::Utc>>,
    expect: Expect,
) -> sqlx::Result<bool> {
    let mut tx = conn.begin().await?;
    let changed = match expect {
        Expect::Nothing => sqlx::query(
            "INSERT INTO oauth_grants
                    (integration_id, grant_id, key_id, sealed_refresh_token, scopes, generation, consented_at)
             VALUES ($1, $2, $3, $4, $5, 1, $6)
             ON CONFLICT (integration_id) DO NOTHING",
        )
        .bind(integration_id)
        .bind(grant_id)
        .bind(&refresh_token.key_id)
        .bind(&refresh_token.sealed)
        .bind(scopes)
        .bind(consented_at)
        .execute(&mut *tx)
        .await?
        .rows_affected(),
        Expect::Generation(generation) => sqlx::query(
            "UPDATE oauth_grants
             SET key_id = $3, sealed_refresh_token = $4, scopes = COALESCE($5, scopes),
                 generation = generation + 1, refreshed_at = now()
             WHERE integration_id = $1 AND grant_id = $2 AND generation = $6",
        )
        .bind(integration_id)
        .bind(grant_id)
        .bind(&refresh_token.key_id)
        .bind(&refresh_token.sealed)
        .bind(scopes)
        .bind(generation)
        .execute(&mut *tx)
        .await?
        .rows_affected(),
        Expect::Replacing { retired } => {
            let replaced = sqlx::query(
                "UPDATE oauth_grants
                 SET grant_id = $2, key_id = $3, sealed_refresh_token = $4, scopes = $5,
                     generation = 1, adopted_at = now(), refreshed_at = now(), consented_at = $7,
                     expiry_warned_at = NULL
                 WHERE integration_id = $1 AND grant_id = $6",
            )
            .bind(integration_id)
            .bind(grant_id)
            .bind(&refresh_token.key_id)
            .bind(&refresh_token.sealed)
            .bind(scopes)
            .bind(retired)
            .bind(consented_at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if replaced == 1 {
                sqlx::query(
                    "INSERT INTO oauth_retired_grants (integration_id, grant_id) VALUES ($1, $2)
                     ON CONFLICT DO NOTHING",
                )
                .bind(integration_id)
                .bind(retired)
                .execute(&mut *tx)
                .await?;
            }
            replaced
        }
    };
    tx.commit().await?;
    Ok(changed == 1)
}

/// What the store knows of the current grant's refresh chain (CONTRACT §5.1 "The refresh
/// chain's end"), read under `FOR UPDATE` in `tx` so two jobs cannot both warn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredChain {
    pub grant_id: Uuid,
    pub facts: crate::domain::consent_chain::ChainFacts,
    /// When `nmbrs.consent_expiring` went out for this grant, if it did.
    pub warned_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The chain of `integration_id`'s current grant, locked for the rest of the transaction.
pub async fn chain_for_update(conn: &mut PgConnection, integration_id: &str) -> sqlx::Result<Option<StoredChain>> {
    chain_read(conn, integration_id, true).await
}

/// The chain of `integration_id`'s current grant, as a plain read (CheckIntegration's report).
pub async fn chain(conn: &mut PgConnection, integration_id: &str) -> sqlx::Result<Option<StoredChain>> {
    chain_read(conn, integration_id, false).await
}

async fn chain_read(conn: &mut PgConnection, integration_id: &str, lock: bool) -> sqlx::Result<Option<StoredChain>> {
    type Ts = chrono::DateTime<chrono::Utc>;
    const READ: &str = "SELECT grant_id, consented_at, adopted_at, refreshed_at, expiry_warned_at
                          FROM oauth_grants WHERE integration_id = $1";
    const LOCKED: &str = "SELECT grant_id, consented_at, adopted_at, refreshed_at, expiry_warned_at
                            FROM oauth_grants WHERE integration_id = $1 FOR UPDATE";
    type Row = (Uuid, Option<Ts>, Ts, Ts, Option<Ts>);
    let row: Option<Row> =
        sqlx::query_as(if lock { LOCKED } else { READ }).bind(integration_id).fetch_optional(&mut *conn).await?;
    Ok(row.map(|(grant_id, consented_at, adopted_at, refreshed_at, warned_at)| StoredChain {
        grant_id,
        facts: crate::domain::consent_chain::ChainFacts { consented_at, adopted_at, refreshed_at },
        warned_at,
    }))
}

/// Records that `grant_id` was warned; `false` when it is no longer the stored grant or was
/// warned already.
pub async fn mark_warned(conn: &mut PgConnection, integration_id: &str, grant_id: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE oauth_grants SET expiry_warned_at = now()
          WHERE integration_id = $1 AND grant_id = $2 AND expiry_warned_at IS NULL",
    )
    .bind(integration_id)
    .bind(grant_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
