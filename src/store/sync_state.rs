//! Team sync state: the content hash of each employee's last published record, per
//! integration, so a sync publishes only what changed (issue 4, "delta").

use std::collections::HashMap;

use sqlx::{PgConnection, PgPool};

use crate::nmbrs::EmployeeId;

/// Hashes to store for one integration, committed with the events that published them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedHashes {
    pub integration_id: String,
    pub hashes: Vec<(EmployeeId, [u8; 32])>,
}

/// The last published hash per Nmbrs employee of an integration (empty before its first sync).
pub async fn load(pool: &PgPool, integration_id: &str) -> sqlx::Result<HashMap<EmployeeId, [u8; 32]>> {
    let rows: Vec<(EmployeeId, Vec<u8>)> =
        sqlx::query_as("SELECT nmbrs_employee_id, content_hash FROM sync_hashes WHERE integration_id = $1")
            .bind(integration_id)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().filter_map(|(id, hash)| Some((id, <[u8; 32]>::try_from(hash).ok()?))).collect())
}

/// Upserts the hashes (call inside the job's result transaction).
pub async fn save(conn: &mut PgConnection, published: &PublishedHashes) -> sqlx::Result<()> {
    if published.hashes.is_empty() {
        return Ok(());
    }
    let ids: Vec<EmployeeId> = published.hashes.iter().map(|(id, _)| *id).collect();
    let hashes: Vec<Vec<u8>> = published.hashes.iter().map(|(_, h)| h.to_vec()).collect();
    sqlx::query(
        "INSERT INTO sync_hashes (integration_id, nmbrs_employee_id, content_hash)
         SELECT $1, * FROM UNNEST($2::text[], $3::bytea[])
         ON CONFLICT (integration_id, nmbrs_employee_id)
         DO UPDATE SET content_hash = EXCLUDED.content_hash, updated_at = now()",
    )
    .bind(&published.integration_id)
    .bind(&ids)
    .bind(&hashes)
    .execute(conn)
    .await?;
    Ok(())
}
