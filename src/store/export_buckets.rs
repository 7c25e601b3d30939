//! PostgreSQL edge of the hours export: where each bucket's write stands in Nmbrs (issue 5),
//! as one named stage (`export_buckets.stage`, issue 12; the stages and their order are in
//! [`domain::export::stage`](crate::domain::export::stage)).
//!
//! After [`record_plan`](super::export_ledger::record_plan), each step of a bucket's write is
//! one statement, a recovery point that moves the row from one stage to the next and only from
//! the stages that step may follow (a row in another stage is an error, never a silent no-op):
//! [`record_deleted`] (→ `cleared`), [`record_intent`] (→ `insert_sent`), [`record_inserted`]
//! (→ `settled`), [`record_adopted`] and [`record_not_landed`] after a read-back (→ `to_write`),
//! [`record_applied`] after `DaysVar_Set` or when nothing had to be written (→ `settled`),
//! [`record_updated`] after an owned line was updated in place (→ `settled`),
//! [`record_in_doubt`] when an insert cannot be known (→ `in_doubt`). A person resolves a bucket
//! in doubt with [`resolve`].
//!
//! Markers (issue 10, `domain::export::marker`): [`record_intent`] keeps the intent's marker
//! (`intent_marker`, `intent_value`); when its insert lands ([`record_inserted`],
//! [`record_adopted`], [`resolve`] landed) the marker becomes `owned_marker`, the marker of the
//! component the worker owns; "not landed" keeps it for the retry; [`record_deleted`] and
//! [`record_applied`] drop what no longer exists. Rows from before markers hold NULLs.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool, Row, postgres::PgRow};

use super::export_ledger::{KeyColumns, PgQuery, Places, component_text, key_of, place_columns};
pub use crate::domain::export::stage::Resolution;
use crate::domain::export::{
    actions::{Applied, ComponentLineId},
    contributions::BucketKey,
    marker::{InsertMarker, MarkedIntent},
    stage::{BucketState, Move, Stage},
};
use crate::domain::nmbrs_id::NmbrsId;

fn ids(list: Vec<NmbrsId>) -> Vec<ComponentLineId> {
    list.into_iter().map(ComponentLineId).collect()
}

fn state_of(row: &PgRow) -> sqlx::Result<BucketState> {
    let stage: String = row.try_get("stage")?;
    let stage =
        Stage::parse(&stage).ok_or_else(|| sqlx::Error::Decode(format!("unknown bucket stage {stage:?}").into()))?;
    let pending: Option<Decimal> = row.try_get("pending_value")?;
    if stage.insert_pending() != pending.is_some() {
        return Err(sqlx::Error::Decode(format!("bucket stage {stage:?} with pending value {pending:?}").into()));
    }
    let intent = match (row.try_get::<Option<String>, _>("intent_marker")?, row.try_get("intent_value")?) {
        (Some(text), Some(value)) => {
            let marker = InsertMarker::parse_stored(&text)
                .ok_or_else(|| sqlx::Error::Decode(format!("bucket intent marker {text:?} is not a marker").into()))?;
            Some(MarkedIntent { marker, value })
        }
        _ => None,
    };
    Ok(BucketState {
        stage,
        applied: Applied { value: row.try_get("applied_value")?, ids: ids(row.try_get("owned_ids")?), unmarked: false },
        pending,
        foreign: row.try_get::<Option<Vec<NmbrsId>>, _>("foreign_ids")?.map(ids),
        unprotected: row.try_get("unprotected")?,
        intent,
        owned_marker: match row.try_get::<Option<String>, _>("owned_marker")? {
            Some(text) => {
                Some(InsertMarker::parse_stored(&text).ok_or_else(|| {
                    sqlx::Error::Decode(format!("bucket owned marker {text:?} is not a marker").into())
                })?)
            }
            None => None,
        },
    })
}

/// The bucket rows one attempt of an export works from, read once: every row in `places`
/// (the plan's), and at most `sweep_limit` more rows of the integration that are not settled
/// (left by earlier exports: dirty, half-written or in doubt), in key order.
pub async fn load_for_attempt(
    pool: &PgPool,
    integration: &str,
    places: &Places,
    sweep_limit: i64,
) -> sqlx::Result<BTreeMap<BucketKey, BucketState>> {
    let (companies, employees, years, periods) = place_columns(places);
    let sql = "WITH places AS (SELECT * FROM UNNEST($2::text[], $3::text[], $4::int[], $5::smallint[]))
               SELECT * FROM export_buckets
               WHERE integration_id = $1 AND (company_id, employee_id, year, period) IN (SELECT * FROM places)
               UNION ALL
               (SELECT * FROM export_buckets
                WHERE integration_id = $1 AND stage <> 'settled'
                  AND (company_id, employee_id, year, period) NOT IN (SELECT * FROM places)
                ORDER BY company_id, employee_id, year, period, component LIMIT $6)";
    let query = sqlx::query(sql).bind(integration).bind(&companies).bind(&employees).bind(&years).bind(&periods);
    let rows = query.bind(sweep_limit).fetch_all(pool).await?;
    rows.iter().map(|r| Ok((key_of(r)?, state_of(r)?))).collect()
}

/// Binds a bucket's key as `$1`…`$6` of [`bucket_update`].
fn bind_key<'q>(query: PgQuery<'q>, integration: &'q str, key: &BucketKey) -> PgQuery<'q> {
    query
        .bind(integration)
        .bind(key.company.0)
        .bind(key.employee.0)
        .bind(key.period.year)
        .bind(i16::from(key.period.period))
        .bind(component_text(key.component))
}

/// `UPDATE` of one bucket by `step`: `$1`…`$6` its key (see [`bind_key`]), then the `SET`
/// list's own parameters; the new stage and the `stage IN (…)` guard come from the one table
/// ([`Move::to`], [`Move::guard`]), `extra` adds a condition of the move's own.
fn bucket_update(step: &Move, set: &str, extra: &str) -> String {
    let to: Vec<String> = Stage::ALL
        .iter()
        .filter(|s| step.from().contains(s))
        .map(|s| format!("WHEN '{}' THEN '{}'", s.as_str(), step.to(*s).as_str()))
        .collect();
    format!(
        "UPDATE export_buckets SET stage = CASE stage {} END, {set}, updated_at = now() \
         WHERE integration_id = $1 AND company_id = $2 AND employee_id = $3 AND year = $4 AND period = $5 \
         AND component = $6 AND {}{extra}",
        to.join(" "),
        step.guard()
    )
}

/// A recovery point must land on its bucket's row; a missing row is an error, never a silent
/// no-op (the rows are made by [`ensure_rows`] before any write).
fn one_row(done: sqlx::postgres::PgQueryResult) -> sqlx::Result<()> {
    match done.rows_affected() {
        1 => Ok(()),
        _ => Err(sqlx::Error::RowNotFound),
    }
}

/// Makes sure each of these buckets has its row (a bucket that never had a write has none).
pub async fn ensure_rows(pool: &PgPool, integration: &str, keys: &[BucketKey]) -> sqlx::Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let query = sqlx::query(
        "INSERT INTO export_buckets (integration_id, company_id, employee_id, year, period, component)
         SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::int[], $5::smallint[], $6::text[])
         ON CONFLICT DO NOTHING",
    );
    KeyColumns::of(keys.iter()).bind(query.bind(integration)).execute(pool).await.map(drop)
}

/// The columns besides the stage that landing a pending insert as line `$7` sets.
const LANDED: &str = "owned_ids = array_append(owned_ids, $7), applied_value = applied_value + pending_value, \
     pending_value = NULL, foreign_ids = NULL, owned_marker = intent_marker, intent_marker = NULL, intent_value = NULL";
/// The columns a pending insert judged not landed clears (its intent and marker stay).
const NOT_LANDED: &str = "pending_value = NULL, foreign_ids = NULL";

/// Records `step` on the bucket's row in one guarded statement (the table of
/// [`crate::domain::export::stage`]): an error when the row is not in a stage the move may
/// follow, or misses the move's own condition. [`BucketState::after`] is the same move in memory.
pub async fn record(conn: &mut PgConnection, integration: &str, key: &BucketKey, step: &Move) -> sqlx::Result<()> {
    if let Move::Intent { marker, .. } = step {
        // Before the intent: a marker that lands is always one this integration issued.
        super::export_markers::issue(conn, integration, marker).await?;
    }
    let update = |set: &str, extra: &str| bucket_update(step, set, extra);
    let sql = match step {
        Move::Planned { .. } => update("unprotected = $7", ""),
        Move::Deleted => update(
            "owned_ids = '{}', applied_value = 0, owned_marker = NULL, intent_marker = NULL, intent_value = NULL",
            "",
        ),
        Move::Intent { .. } => update(
            "pending_value = $7, foreign_ids = $8, intent_marker = $9, intent_value = $7",
            " AND owned_ids = '{}'",
        ),
        Move::Inserted { .. } => update(
            "owned_ids = array_append(owned_ids, $7), applied_value = applied_value + $8, pending_value = NULL, \
             foreign_ids = NULL, owned_marker = intent_marker, intent_marker = NULL, intent_value = NULL",
            "",
        ),
        Move::Adopted { .. } | Move::Resolved(Resolution::LandedAs(_)) => update(LANDED, ""),
        Move::NotLanded | Move::Resolved(Resolution::NotLanded) => update(NOT_LANDED, ""),
        Move::Applied { .. } => update("applied_value = $7, intent_marker = NULL, intent_value = NULL", ""),
        Move::Updated { .. } => update(
            "owned_ids = ARRAY[$7], applied_value = $8, intent_marker = NULL, intent_value = NULL",
            " AND $7 = ANY(owned_ids)",
        ),
        Move::InDoubt => update("pending_value = pending_value", ""),
        Move::Drifted { .. } => update(
            "owned_ids = $7, applied_value = $8, owned_marker = CASE WHEN cardinality($7::text[]) > 0 THEN owned_marker END, \
             intent_marker = NULL, intent_value = NULL",
            "",
        ),
    };
    let query = bind_key(sqlx::query(sqlx::AssertSqlSafe(sql)), integration, key);
    let query = match step {
        Move::Planned { unprotected } => query.bind(*unprotected),
        Move::Intent { value, foreign, marker } => {
            let foreign: Option<Vec<NmbrsId>> = foreign.as_ref().map(|f| f.iter().map(|id| id.0).collect());
            query.bind(*value).bind(foreign).bind(marker.as_str().to_owned())
        }
        Move::Inserted { id, value } | Move::Updated { id, value } => query.bind(id.0).bind(*value),
        Move::Adopted { id } | Move::Resolved(Resolution::LandedAs(id)) => query.bind(id.0),
        Move::Applied { value } => query.bind(*value),
        Move::Drifted { held } => query.bind(held.ids.iter().map(|id| id.0).collect::<Vec<_>>()).bind(held.value),
        Move::Deleted | Move::NotLanded | Move::Resolved(Resolution::NotLanded) | Move::InDoubt => query,
    };
    query.execute(conn).await.and_then(one_row)
}

/// [`record`] on a connection of `pool`.
async fn record_on(pool: &PgPool, integration: &str, key: &BucketKey, step: Move) -> sqlx::Result<()> {
    record(&mut *pool.acquire().await?, integration, key, &step).await
}

/// [`Move::Deleted`]: `settled`/`to_write` → `cleared`.
pub async fn record_deleted(pool: &PgPool, integration: &str, key: &BucketKey) -> sqlx::Result<()> {
    record_on(pool, integration, key, Move::Deleted).await
}

/// [`Move::Intent`]: before an insert of `value` carrying `marker` (→ `insert_sent`); from here
/// until [`record_inserted`] the insert may have landed. `foreign`: the lines of the bucket's
/// code already in the period (`None`: the period could not be read). The marker is kept with
/// the intent (`domain::export::marker::marker_for` chose it: the kept one for a retry).
pub async fn record_intent(
    pool: &PgPool,
    integration: &str,
    key: &BucketKey,
    value: Decimal,
    foreign: Option<&[ComponentLineId]>,
    marker: &InsertMarker,
) -> sqlx::Result<()> {
    let step = Move::Intent { value, foreign: foreign.map(<[_]>::to_vec), marker: marker.clone() };
    record_on(pool, integration, key, step).await
}

/// [`Move::Inserted`]: right after an insert returned `id` (`insert_sent` → `settled`).
pub async fn record_inserted(
    pool: &PgPool,
    integration: &str,
    key: &BucketKey,
    id: ComponentLineId,
    value: Decimal,
) -> sqlx::Result<()> {
    record_on(pool, integration, key, Move::Inserted { id, value }).await
}

/// [`Move::Adopted`]: a read-back found the pending insert as component `id` (→ `to_write`).
pub async fn record_adopted(
    pool: &PgPool,
    integration: &str,
    key: &BucketKey,
    id: ComponentLineId,
) -> sqlx::Result<()> {
    record_on(pool, integration, key, Move::Adopted { id }).await
}

/// [`Move::NotLanded`]: a read-back found no trace of the pending insert (→ `to_write`).
pub async fn record_not_landed(pool: &PgPool, integration: &str, key: &BucketKey) -> sqlx::Result<()> {
    record_on(pool, integration, key, Move::NotLanded).await
}

/// [`Move::Applied`]: the bucket holds `value` and nothing is pending (→ `settled`).
pub async fn record_applied(pool: &PgPool, integration: &str, key: &BucketKey, value: Decimal) -> sqlx::Result<()> {
    record_on(pool, integration, key, Move::Applied { value }).await
}

/// [`Move::Updated`]: the worker's own line `id` was updated in place to `value` and its other
/// owned lines dropped (→ `settled`). The line keeps its comment, so its marker stays when it
/// was the only owned line.
pub async fn record_updated(
    pool: &PgPool,
    integration: &str,
    key: &BucketKey,
    id: ComponentLineId,
    value: Decimal,
) -> sqlx::Result<()> {
    record_on(pool, integration, key, Move::Updated { id, value }).await
}

/// [`Move::InDoubt`]: the pending insert can be neither confirmed nor ruled out (→ `in_doubt`).
pub async fn record_in_doubt(pool: &PgPool, integration: &str, key: &BucketKey) -> sqlx::Result<()> {
    record_on(pool, integration, key, Move::InDoubt).await
}

/// A bucket stopped in doubt, for a person to look at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DoubtfulBucket {
    pub integration_id: String,
    pub key: BucketKey,
    /// The value of the insert that may or may not have landed.
    pub pending: Option<Decimal>,
    pub owned: Vec<ComponentLineId>,
    /// The marker in the comment of that insert (`None`: recorded before markers existed).
    pub marker: Option<String>,
}

/// Every bucket in doubt (of one integration, or of all).
pub async fn in_doubt(pool: &PgPool, integration: Option<&str>) -> sqlx::Result<Vec<DoubtfulBucket>> {
    let rows = sqlx::query(
        "SELECT integration_id, company_id, employee_id, year, period, component, pending_value, owned_ids,
                intent_marker
         FROM export_buckets WHERE stage = 'in_doubt' AND ($1::text IS NULL OR integration_id = $1)
         ORDER BY integration_id, company_id, employee_id, year, period, component",
    )
    .bind(integration)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let owned: Vec<NmbrsId> = r.try_get("owned_ids")?;
            Ok(DoubtfulBucket {
                integration_id: r.try_get("integration_id")?,
                key: key_of(r)?,
                pending: r.try_get("pending_value")?,
                owned: owned.into_iter().map(ComponentLineId).collect(),
                marker: r.try_get("intent_marker")?,
            })
        })
        .collect()
}

/// The keys of the integration's buckets still under a SOAP id (employee or company) — after a
/// switch to REST, what the relink left as it was (closed periods, the unrecognised).
pub async fn soap_keyed(pool: &PgPool, integration: &str) -> sqlx::Result<Vec<BucketKey>> {
    let rows = sqlx::query(
        "SELECT company_id, employee_id, year, period, component FROM export_buckets
         WHERE integration_id = $1 AND (employee_id ~ '^-?[0-9]+$' OR company_id ~ '^-?[0-9]+$')",
    )
    .bind(integration)
    .fetch_all(pool)
    .await?;
    rows.iter().map(key_of).collect()
}

/// Resolves a bucket in doubt by a person's word ([`Move::Resolved`], → `to_write`), so the
/// next export of the integration brings it to the ledger's value. False when no such bucket
/// is in doubt.
pub async fn resolve(
    conn: &mut PgConnection,
    integration: &str,
    key: &BucketKey,
    how: Resolution,
) -> sqlx::Result<bool> {
    match record(conn, integration, key, &Move::Resolved(how)).await {
        Ok(()) => Ok(true),
        Err(sqlx::Error::RowNotFound) => Ok(false),
        Err(e) => Err(e),
    }
}
