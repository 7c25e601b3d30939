//! PostgreSQL edge of the hours export: where each bucket's write stands in Nmbrs (issue 5).
//!
//! After [`record_plan`](super::export_ledger::record_plan), each step of a bucket's write is
//! one statement, a recovery point: [`record_deleted`] after deleting the worker's own
//! components, [`record_intent`] before an insert, [`record_inserted`] with the returned id
//! (or [`record_adopted`] after a read-back), [`record_applied`] after `DaysVar_Set` or when
//! nothing had to be written, [`record_in_doubt`] when an insert cannot be known. A person
//! settles a bucket in doubt with [`resolve`].

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool, Row, postgres::PgRow};

use super::export_ledger::{KeyColumns, PgQuery, Places, component_text, key_of, place_columns};
use crate::domain::export::{
    actions::{Applied, ComponentLineId},
    contributions::BucketKey,
};

/// Where a bucket stands in Nmbrs, from its row (a bucket without a row has nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BucketState {
    pub applied: Applied,
    /// An insert of this value may have been sent; its id is not recorded.
    pub pending: Option<Decimal>,
    /// With `pending`: the lines of the bucket's code already in the period before the insert
    /// (never the worker's own insert).
    pub foreign: Vec<ComponentLineId>,
    pub dirty: bool,
    pub unprotected: bool,
    pub in_doubt: bool,
}

impl BucketState {
    /// Whether the row asks for attention even when the ledger value equals the applied one.
    pub fn unsettled(&self) -> bool {
        self.pending.is_some() || self.dirty || self.in_doubt
    }
}

fn state_of(row: &PgRow) -> sqlx::Result<BucketState> {
    let ids: Vec<i32> = row.try_get("owned_ids")?;
    Ok(BucketState {
        applied: Applied { value: row.try_get("applied_value")?, ids: ids.into_iter().map(ComponentLineId).collect() },
        pending: row.try_get("pending_value")?,
        foreign: row
            .try_get::<Option<Vec<i32>>, _>("foreign_ids")?
            .unwrap_or_default()
            .into_iter()
            .map(ComponentLineId)
            .collect(),
        dirty: row.try_get("dirty")?,
        unprotected: row.try_get("unprotected")?,
        in_doubt: row.try_get("in_doubt")?,
    })
}

/// The state of every bucket with a row in these places.
pub async fn load_buckets(
    pool: &PgPool,
    integration: &str,
    places: &Places,
) -> sqlx::Result<BTreeMap<BucketKey, BucketState>> {
    let (companies, employees, years, periods) = place_columns(places);
    let sql = "SELECT company_id, employee_id, year, period, component, applied_value, owned_ids, pending_value, \
               foreign_ids, dirty, unprotected, in_doubt FROM export_buckets
               WHERE integration_id = $1 AND (company_id, employee_id, year, period) IN
                     (SELECT * FROM UNNEST($2::int[], $3::int[], $4::int[], $5::smallint[]))";
    let query = sqlx::query(sql).bind(integration).bind(&companies).bind(&employees).bind(&years).bind(&periods);
    query.fetch_all(pool).await?.iter().map(|r| Ok((key_of(r)?, state_of(r)?))).collect()
}

/// The buckets whose ledger changed without Nmbrs following yet, e.g. left by a job that
/// failed half-way, and those in doubt (each export tries to settle them again, e.g. once the
/// read right is granted); at most `limit`.
pub async fn unsettled_buckets(pool: &PgPool, integration: &str, limit: i64) -> sqlx::Result<Vec<BucketKey>> {
    let rows = sqlx::query(
        "SELECT company_id, employee_id, year, period, component FROM export_buckets
         WHERE integration_id = $1 AND (dirty OR in_doubt)
         ORDER BY company_id, employee_id, year, period, component LIMIT $2",
    )
    .bind(integration)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(key_of).collect()
}

/// Binds a bucket's key as `$1`…`$6` of [`bucket_update!`].
fn bind_key<'q>(query: PgQuery<'q>, integration: &'q str, key: &BucketKey) -> PgQuery<'q> {
    query
        .bind(integration)
        .bind(key.company.0)
        .bind(key.employee.0)
        .bind(key.period.year)
        .bind(i16::from(key.period.period))
        .bind(component_text(key.component))
}

/// `UPDATE` of one bucket: `$1`…`$6` its key (see [`bind_key`]), then the `SET` list's own
/// parameters; optionally an extra condition.
macro_rules! bucket_update {
    ($set:literal) => {
        bucket_update!($set, "")
    };
    ($set:literal, $extra:literal) => {
        concat!(
            "UPDATE export_buckets SET ",
            $set,
            ", updated_at = now() WHERE integration_id = $1 AND company_id = $2 AND employee_id = $3 \
             AND year = $4 AND period = $5 AND component = $6",
            $extra
        )
    };
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
         SELECT $1, * FROM UNNEST($2::int[], $3::int[], $4::int[], $5::smallint[], $6::text[])
         ON CONFLICT DO NOTHING",
    );
    KeyColumns::of(keys.iter()).bind(query.bind(integration)).execute(pool).await.map(drop)
}

/// After the worker's own components were deleted in Nmbrs (an unknown id counts as deleted).
pub async fn record_deleted(pool: &PgPool, integration: &str, key: &BucketKey) -> sqlx::Result<()> {
    let sql = bucket_update!("owned_ids = '{}', applied_value = 0");
    bind_key(sqlx::query(sql), integration, key).execute(pool).await.and_then(one_row)
}

/// Before an insert of `value`: from here until [`record_inserted`] the insert is in doubt.
/// `foreign`: the lines of the bucket's code already in the period (none known: empty).
pub async fn record_intent(
    pool: &PgPool,
    integration: &str,
    key: &BucketKey,
    value: Decimal,
    foreign: &[ComponentLineId],
) -> sqlx::Result<()> {
    let sql = bucket_update!("pending_value = $7, foreign_ids = $8");
    let foreign: Vec<i32> = foreign.iter().map(|id| id.0).collect();
    bind_key(sqlx::query(sql), integration, key).bind(value).bind(foreign).execute(pool).await.and_then(one_row)
}

/// Right after an insert returned `id`: the worker owns it and the bucket holds `value`, as
/// the ledger wants (inserts come only after the worker's other components are deleted).
pub async fn record_inserted(
    pool: &PgPool,
    integration: &str,
    key: &BucketKey,
    id: ComponentLineId,
    value: Decimal,
) -> sqlx::Result<()> {
    let sql = bucket_update!(
        "owned_ids = array_append(owned_ids, $7), applied_value = applied_value + $8, pending_value = NULL, \
         foreign_ids = NULL, in_doubt = false, dirty = false"
    );
    bind_key(sqlx::query(sql), integration, key).bind(id.0).bind(value).execute(pool).await.and_then(one_row)
}

/// A read-back found the pending insert as component `id`: adopted as if its reply had come.
pub async fn record_adopted(
    pool: &PgPool,
    integration: &str,
    key: &BucketKey,
    id: ComponentLineId,
) -> sqlx::Result<()> {
    let sql = bucket_update!(
        "owned_ids = array_append(owned_ids, $7), applied_value = applied_value + pending_value, \
         pending_value = NULL, foreign_ids = NULL, in_doubt = false"
    );
    bind_key(sqlx::query(sql), integration, key).bind(id.0).execute(pool).await.and_then(one_row)
}

/// A read-back found no trace of the pending insert: it did not land.
pub async fn record_not_landed(pool: &PgPool, integration: &str, key: &BucketKey) -> sqlx::Result<()> {
    let sql = bucket_update!("pending_value = NULL, foreign_ids = NULL, in_doubt = false");
    bind_key(sqlx::query(sql), integration, key).execute(pool).await.and_then(one_row)
}

/// The bucket holds `value` in Nmbrs and nothing is pending (after `DaysVar_Set`, or when the
/// ledger already matched).
pub async fn record_applied(pool: &PgPool, integration: &str, key: &BucketKey, value: Decimal) -> sqlx::Result<()> {
    let sql = bucket_update!("applied_value = $7, dirty = false");
    bind_key(sqlx::query(sql), integration, key).bind(value).execute(pool).await.and_then(one_row)
}

/// The pending insert can be neither confirmed nor ruled out: no write until a person checks.
pub async fn record_in_doubt(pool: &PgPool, integration: &str, key: &BucketKey) -> sqlx::Result<()> {
    let sql = bucket_update!("in_doubt = true");
    bind_key(sqlx::query(sql), integration, key).execute(pool).await.and_then(one_row)
}

/// A bucket stopped in doubt, for a person to look at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DoubtfulBucket {
    pub integration_id: String,
    pub key: BucketKey,
    /// The value of the insert that may or may not have landed.
    pub pending: Option<Decimal>,
    pub owned: Vec<ComponentLineId>,
}

/// Every bucket in doubt (of one integration, or of all).
pub async fn in_doubt(pool: &PgPool, integration: Option<&str>) -> sqlx::Result<Vec<DoubtfulBucket>> {
    let rows = sqlx::query(
        "SELECT integration_id, company_id, employee_id, year, period, component, pending_value, owned_ids
         FROM export_buckets WHERE in_doubt AND ($1::text IS NULL OR integration_id = $1)
         ORDER BY integration_id, company_id, employee_id, year, period, component",
    )
    .bind(integration)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let owned: Vec<i32> = r.try_get("owned_ids")?;
            Ok(DoubtfulBucket {
                integration_id: r.try_get("integration_id")?,
                key: key_of(r)?,
                pending: r.try_get("pending_value")?,
                owned: owned.into_iter().map(ComponentLineId).collect(),
            })
        })
        .collect()
}

/// What a person found in Nmbrs about a bucket in doubt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// The insert landed as this component: the worker owns it from now on.
    LandedAs(ComponentLineId),
    /// The insert did not land (or the person deleted it): the next export inserts.
    NotLanded,
}

/// Settles a bucket in doubt by a person's word and marks it dirty, so the next export of the
/// integration brings it to the ledger's value. False when no such bucket is in doubt.
pub async fn resolve(
    conn: &mut PgConnection,
    integration: &str,
    key: &BucketKey,
    how: Resolution,
) -> sqlx::Result<bool> {
    let done = match how {
        Resolution::LandedAs(id) => {
            let sql = bucket_update!(
                "owned_ids = array_append(owned_ids, $7), applied_value = applied_value + pending_value, \
                 pending_value = NULL, in_doubt = false, dirty = true",
                " AND in_doubt"
            );
            bind_key(sqlx::query(sql), integration, key).bind(id.0).execute(&mut *conn).await?
        }
        Resolution::NotLanded => {
            let sql = bucket_update!("pending_value = NULL, in_doubt = false, dirty = true", " AND in_doubt");
            bind_key(sqlx::query(sql), integration, key).execute(&mut *conn).await?
        }
    };
    Ok(done.rows_affected() == 1)
}
