//! PostgreSQL edge of the SOAP→REST relink (issue 10, CONTRACT §5.4; migration
//! `20261202000010_switch_relink.sql`): the SOAP-era state it reads (company numbers,
//! employee identities, the bucket rows keyed by SOAP ids), the id map it writes
//! (`nmbrs_id_links`: integration, kind, SOAP id → REST id), and its progress: a row per
//! integration (`nmbrs_relinks`, finished once) and one recovery point per step
//! (`nmbrs_relink_steps`), written in the same transaction as that step's rewrite of the ledger
//! ([`apply_step`]), so a relink that dies mid-way resumes after its last step and never
//! relinks a step twice.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use sqlx::{PgPool, Row, postgres::PgRow};
use uuid::Uuid;

use super::export_ledger::{component_text, parse_component};
use crate::{
    domain::{
        export::{
            contributions::Component,
            marker::{InsertMarker, MarkedIntent},
            stage::Stage,
        },
        identity::CompanyIdentity,
        nmbrs_id::NmbrsId,
        relink::{KeyedHash, RowAfter, SoapBucket, SoapEmployee},
    },
    nmbrs::PayPeriod,
};

/// `WHERE` fragment: a text id column holds a SOAP integer.
macro_rules! soap_id {
    ($column:literal) => {
        concat!($column, " ~ '^-?[0-9]+$'")
    };
}

/// What an id link names (`nmbrs_id_links.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LinkKind {
    Company,
    Employee,
    HourComponent,
    WageComponent,
}

impl LinkKind {
    fn as_str(self) -> &'static str {
        match self {
            LinkKind::Company => "company",
            LinkKind::Employee => "employee",
            LinkKind::HourComponent => "hour_component",
            LinkKind::WageComponent => "wage_component",
        }
    }
}

/// One SOAP id → REST id of the map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct IdLink {
    pub kind: LinkKind,
    pub soap: i32,
    pub rest: Uuid,
}

/// Whether the integration's relink has finished (then nothing is relinked again).
pub async fn finished(pool: &PgPool, integration: &str) -> sqlx::Result<bool> {
    let done: Option<bool> =
        sqlx::query_scalar("SELECT finished_at IS NOT NULL FROM nmbrs_relinks WHERE integration_id = $1")
            .bind(integration)
            .fetch_optional(pool)
            .await?;
    Ok(done == Some(true))
}

/// Whether anything of the integration is keyed by SOAP ids: ledger rows or recorded identities.
pub async fn has_soap_state(pool: &PgPool, integration: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar(concat!(
        "SELECT EXISTS (SELECT 1 FROM export_buckets WHERE integration_id = $1 AND ",
        soap_id!("company_id"),
        ") OR EXISTS (SELECT 1 FROM export_contributions WHERE integration_id = $1 AND ",
        soap_id!("company_id"),
        ") OR EXISTS (SELECT 1 FROM nmbrs_company_identities WHERE integration_id = $1)
           OR EXISTS (SELECT 1 FROM nmbrs_employee_identities WHERE integration_id = $1)"
    ))
    .bind(integration)
    .fetch_one(pool)
    .await
}

/// Records that the relink started (kept if it already had).
pub async fn start(pool: &PgPool, integration: &str) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO nmbrs_relinks (integration_id) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(integration)
        .execute(pool)
        .await
        .map(drop)
}

/// Records that the relink finished, with its report.
pub async fn finish(pool: &PgPool, integration: &str, report: &serde_json::Value) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO nmbrs_relinks (integration_id, finished_at, report) VALUES ($1, now(), $2)
         ON CONFLICT (integration_id) DO UPDATE SET finished_at = now(), report = $2",
    )
    .bind(integration)
    .bind(report)
    .execute(pool)
    .await
    .map(drop)
}

/// The steps already done (recovery points).
pub async fn done_steps(pool: &PgPool, integration: &str) -> sqlx::Result<BTreeSet<String>> {
    let rows: Vec<String> = sqlx::query_scalar("SELECT step FROM nmbrs_relink_steps WHERE integration_id = $1")
        .bind(integration)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The recorded company numbers.
pub async fn company_numbers(pool: &PgPool, integration: &str) -> sqlx::Result<Vec<CompanyIdentity>> {
    let rows = sqlx::query(
        "SELECT company_id, company_number FROM nmbrs_company_identities WHERE integration_id = $1 ORDER BY 1",
    )
    .bind(integration)
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| Ok(CompanyIdentity { company_id: r.try_get(0)?, company_number: r.try_get(1)? })).collect()
}

/// The recorded employees per SOAP company.
pub async fn soap_employees(pool: &PgPool, integration: &str) -> sqlx::Result<BTreeMap<i32, Vec<SoapEmployee>>> {
    let rows = sqlx::query(
        "SELECT company_id, employee_id, employee_number, bsn_hmac, bsn_key_id FROM nmbrs_employee_identities
         WHERE integration_id = $1 ORDER BY company_id, employee_id",
    )
    .bind(integration)
    .fetch_all(pool)
    .await?;
    let mut out: BTreeMap<i32, Vec<SoapEmployee>> = BTreeMap::new();
    for r in &rows {
        let hmac: Option<Vec<u8>> = r.try_get("bsn_hmac")?;
        let key: Option<String> = r.try_get("bsn_key_id")?;
        let bsn = match (hmac, key) {
            (Some(h), Some(key_id)) => Some(KeyedHash {
                key_id,
                hmac: h.try_into().map_err(|_| sqlx::Error::Decode("a BSN hash not of 32 bytes".into()))?,
            }),
            _ => None,
        };
        let employee = SoapEmployee { id: r.try_get("employee_id")?, number: r.try_get("employee_number")?, bsn };
        out.entry(r.try_get("company_id")?).or_default().push(employee);
    }
    Ok(out)
}

/// A bucket row keyed by SOAP ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SoapRow {
    pub company: i32,
    pub employee: i32,
    pub period: PayPeriod,
    pub component: Component,
    pub stage: Stage,
    pub bucket: SoapBucket,
}

fn decode(what: String) -> sqlx::Error {
    sqlx::Error::Decode(what.into())
}

fn soap_int(text: &str) -> sqlx::Result<i32> {
    text.parse().map_err(|_| decode(format!("{text:?} is not a SOAP id")))
}

fn marker(text: Option<String>) -> sqlx::Result<Option<InsertMarker>> {
    text.map(|t| InsertMarker::parse_stored(&t).ok_or_else(|| decode(format!("{t:?} is not a marker")))).transpose()
}

fn soap_row(r: &PgRow) -> sqlx::Result<SoapRow> {
    let stage: String = r.try_get("stage")?;
    let owned: Vec<String> = r.try_get("owned_ids")?;
    let period: i16 = r.try_get("period")?;
    let component: String = r.try_get("component")?;
    let intent = match (marker(r.try_get("intent_marker")?)?, r.try_get::<Option<Decimal>, _>("intent_value")?) {
        (Some(marker), Some(value)) => Some(MarkedIntent { marker, value }),
        _ => None,
    };
    Ok(SoapRow {
        company: soap_int(r.try_get("company_id")?)?,
        employee: soap_int(r.try_get("employee_id")?)?,
        period: PayPeriod::new(r.try_get("year")?, u8::try_from(period).map_err(|_| decode("a bad period".into()))?),
        component: parse_component(&component).ok_or_else(|| decode(format!("unknown component {component:?}")))?,
        stage: Stage::parse(&stage).ok_or_else(|| decode(format!("unknown stage {stage:?}")))?,
        bucket: SoapBucket {
            owned: owned.iter().map(|id| soap_int(id)).collect::<sqlx::Result<_>>()?,
            owned_marker: marker(r.try_get("owned_marker")?)?,
            applied: r.try_get("applied_value")?,
            pending: r.try_get("pending_value")?,
            intent,
        },
    })
}

/// Every bucket row of the integration keyed by a SOAP company (closed periods included: the
/// caller leaves them alone).
pub async fn soap_rows(pool: &PgPool, integration: &str) -> sqlx::Result<Vec<SoapRow>> {
    let rows = sqlx::query(concat!(
        "SELECT * FROM export_buckets WHERE integration_id = $1 AND ",
        soap_id!("company_id"),
        " AND ",
        soap_id!("employee_id"),
        " ORDER BY company_id, employee_id, year, period, component"
    ))
    .bind(integration)
    .fetch_all(pool)
    .await?;
    rows.iter().map(soap_row).collect()
}

/// SOAP companies named by the contributions (they may have no bucket row yet).
pub async fn contribution_companies(pool: &PgPool, integration: &str) -> sqlx::Result<BTreeSet<i32>> {
    let rows: Vec<String> = sqlx::query_scalar(concat!(
        "SELECT DISTINCT company_id FROM export_contributions WHERE integration_id = $1 AND ",
        soap_id!("company_id")
    ))
    .bind(integration)
    .fetch_all(pool)
    .await?;
    rows.iter().map(|t| soap_int(t)).collect()
}

/// One bucket row's rewrite: from its SOAP key to `company`/`employee` (REST ids, or the same
/// SOAP ids when they could not be relinked) with the columns of `after`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowRewrite {
    pub from: SoapRow,
    pub company: NmbrsId,
    pub employee: NmbrsId,
    pub after: RowAfter,
}

/// One employee's contributions in open periods moving to REST ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContributionMove {
    pub soap: (i32, i32),
    pub rest: (Uuid, Uuid),
    /// The first open period: earlier (closed) periods keep their SOAP rows.
    pub from_period: PayPeriod,
}

/// What one step writes, in one transaction with its recovery point.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepWrite {
    /// `company:<SOAP id>`.
    pub step: String,
    pub links: Vec<IdLink>,
    pub rows: Vec<RowRewrite>,
    pub contributions: Vec<ContributionMove>,
}

/// Applies one step in one transaction: the id links, each row's rewrite (guarded by its stage
/// before: a row that moved on since it was read fails the step, which then runs again), the
/// contributions' move, and the step's recovery point. A step already recorded is an error
/// (the caller skips done steps).
pub async fn apply_step(pool: &PgPool, integration: &str, step: &StepWrite) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO nmbrs_relink_steps (integration_id, step) VALUES ($1, $2)")
        .bind(integration)
        .bind(&step.step)
        .execute(&mut *tx)
        .await?;
    for link in &step.links {
        sqlx::query(
            "INSERT INTO nmbrs_id_links (integration_id, kind, soap_id, rest_id) VALUES ($1, $2, $3, $4)
             ON CONFLICT (integration_id, kind, soap_id) DO UPDATE SET rest_id = EXCLUDED.rest_id, linked_at = now()",
        )
        .bind(integration)
        .bind(link.kind.as_str())
        .bind(link.soap)
        .bind(link.rest)
        .execute(&mut *tx)
        .await?;
    }
    for row in &step.rows {
        let (from, after) = (&row.from, &row.after);
        let done = sqlx::query(
            "UPDATE export_buckets SET company_id = $7, employee_id = $8, stage = $9, applied_value = $10,
                 owned_ids = $11, pending_value = $12, foreign_ids = NULL, intent_marker = $13, intent_value = $14,
                 owned_marker = $15, updated_at = now()
             WHERE integration_id = $1 AND company_id = $2 AND employee_id = $3 AND year = $4 AND period = $5
               AND component = $6 AND stage = $16",
        )
        .bind(integration)
        .bind(from.company.to_string())
        .bind(from.employee.to_string())
        .bind(from.period.year)
        .bind(i16::from(from.period.period))
        .bind(component_text(from.component))
        .bind(row.company)
        .bind(row.employee)
        .bind(after.stage.as_str())
        .bind(after.applied)
        .bind(&after.owned)
        .bind(after.pending)
        .bind(after.intent.as_ref().map(|i| i.marker.as_str()))
        .bind(after.intent.as_ref().map(|i| i.value))
        .bind(after.owned_marker.as_ref().map(InsertMarker::as_str))
        .bind(from.stage.as_str())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(sqlx::Error::RowNotFound);
        }
    }
    for m in &step.contributions {
        sqlx::query(
            "UPDATE export_contributions SET company_id = $4, employee_id = $5
             WHERE integration_id = $1 AND company_id = $2 AND employee_id = $3 AND (year, period) >= ($6, $7)",
        )
        .bind(integration)
        .bind(m.soap.0.to_string())
        .bind(m.soap.1.to_string())
        .bind(m.rest.0.to_string())
        .bind(m.rest.1.to_string())
        .bind(m.from_period.year)
        .bind(i16::from(m.from_period.period))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// The relinked ids of one kind, both ways.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdMap {
    pub to_rest: BTreeMap<i32, Uuid>,
    pub to_soap: BTreeMap<Uuid, i32>,
}

/// The id map of one kind of the integration.
pub async fn id_map(pool: &PgPool, integration: &str, kind: LinkKind) -> sqlx::Result<IdMap> {
    let rows = sqlx::query("SELECT soap_id, rest_id FROM nmbrs_id_links WHERE integration_id = $1 AND kind = $2")
        .bind(integration)
        .bind(kind.as_str())
        .fetch_all(pool)
        .await?;
    let mut map = IdMap::default();
    for r in &rows {
        let (soap, rest): (i32, Uuid) = (r.try_get(0)?, r.try_get(1)?);
        map.to_rest.insert(soap, rest);
        map.to_soap.insert(rest, soap);
    }
    Ok(map)
}
