//! PostgreSQL edge of the markers each integration issued (issue 18 review, CONTRACT §2.5
//! "Proof in Nmbrs"): a line in Nmbrs counts as the worker's by its marker only when this
//! integration issued that marker. Another integration's marker on the same company, or a
//! look-alike typed by a person, leaves the line a person's (`domain::export::proof::forget_unissued`).
//!
//! A marker is kept here before its insert intent is recorded ([`issue`], called by
//! `export_buckets::record`), so a line it lands on is always recognised, even after a later
//! intent of the bucket replaced it. Rows are never deleted.

use std::collections::BTreeSet;

use sqlx::{PgConnection, PgPool};

use crate::domain::export::marker::InsertMarker;

/// Keeps `marker` as one `integration` issued (idempotent).
pub async fn issue(conn: &mut PgConnection, integration: &str, marker: &InsertMarker) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO export_markers (integration_id, marker) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(integration)
        .bind(marker.as_str())
        .execute(conn)
        .await
        .map(drop)
}

/// Which of `markers` `integration` issued (one statement; none asked, no statement).
pub async fn issued(
    pool: &PgPool,
    integration: &str,
    markers: &BTreeSet<InsertMarker>,
) -> sqlx::Result<BTreeSet<InsertMarker>> {
    if markers.is_empty() {
        return Ok(BTreeSet::new());
    }
    let asked: Vec<&str> = markers.iter().map(InsertMarker::as_str).collect();
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT marker FROM export_markers WHERE integration_id = $1 AND marker = ANY($2)")
            .bind(integration)
            .bind(&asked)
            .fetch_all(pool)
            .await?;
    Ok(rows.iter().filter_map(|m| InsertMarker::parse_stored(m)).collect())
}
