//! PostgreSQL edge of the hours export (issue 5): the ledger of contributions per entry and
//! each export's recorded plan. The state of each bucket in Nmbrs is in
//! [`export_buckets`](super::export_buckets).
//!
//! The first recovery point, Stripe idempotency-key style, is [`record_plan`]: the new ledger,
//! the buckets it makes dirty and the plan, in one transaction. A job that dies later resumes
//! from it: the plan is read back with [`load_run`], and each bucket's row says where its
//! write stands.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool, Row, postgres::PgRow};

use crate::{
    domain::export::{
        contributions::{BucketKey, Component, ComponentName, Contribution},
        payload::EntryId,
        plan::Plan,
    },
    nmbrs::{CompanyId, EmployeeId, HourCode, PayPeriod, WageCode},
};

/// How long the recorded plan of a completed job is kept (see [`record_plan`]).
const RUN_RETENTION: &str = "30 days";

/// A bucket's component as stored: `hours:<code>`, `wage:<code>` or `days`.
pub fn component_text(component: Component) -> String {
    match component {
        Component::Hours(HourCode(c)) => format!("hours:{c}"),
        Component::Wage(WageCode(c)) => format!("wage:{c}"),
        Component::Days => "days".into(),
    }
}

/// The inverse of [`component_text`].
pub fn parse_component(text: &str) -> Option<Component> {
    match text.split_once(':') {
        None if text == "days" => Some(Component::Days),
        Some(("hours", code)) => code.parse().ok().map(|c| Component::Hours(HourCode(c))),
        Some(("wage", code)) => code.parse().ok().map(|c| Component::Wage(WageCode(c))),
        _ => None,
    }
}

/// The (company, employee, period) places of a set of buckets or contributions.
pub type Places = BTreeSet<(CompanyId, EmployeeId, PayPeriod)>;

/// Columns of a place list, for `UNNEST`.
pub(super) fn place_columns(places: &Places) -> (Vec<CompanyId>, Vec<EmployeeId>, Vec<i32>, Vec<i16>) {
    let mut cols = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (company, employee, period) in places {
        cols.0.push(*company);
        cols.1.push(*employee);
        cols.2.push(period.year);
        cols.3.push(i16::from(period.period));
    }
    cols
}

fn bad_row(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("export ledger row with {what}").into())
}

pub(super) fn key_of(row: &PgRow) -> sqlx::Result<BucketKey> {
    let component: String = row.try_get("component")?;
    let period: i16 = row.try_get("period")?;
    Ok(BucketKey {
        company: CompanyId(row.try_get("company_id")?),
        employee: EmployeeId(row.try_get("employee_id")?),
        period: PayPeriod::new(row.try_get("year")?, u8::try_from(period).map_err(|_| bad_row("a bad period"))?),
        component: parse_component(&component).ok_or_else(|| bad_row("an unknown component"))?,
    })
}

fn contribution_of(row: &PgRow) -> sqlx::Result<Contribution> {
    let part: String = row.try_get("part")?;
    Ok(Contribution {
        entry_id: EntryId(row.try_get("entry_id")?),
        bucket: key_of(row)?,
        amount: row.try_get("amount")?,
        date: row.try_get::<NaiveDate, _>("work_date")?,
        component: ComponentName::try_from(part).map_err(|_| bad_row("an unknown part"))?,
    })
}

macro_rules! contribution_columns {
    () => {
        "entry_id, part, company_id, employee_id, year, period, component, amount, work_date"
    };
}

/// `WHERE` a row lies in one of the places bound as `$2`…`$5` (see [`place_columns`]).
macro_rules! in_places {
    () => {
        "integration_id = $1 AND (company_id, employee_id, year, period) IN
         (SELECT * FROM UNNEST($2::text[], $3::text[], $4::int[], $5::smallint[]))"
    };
}

/// The live contributions of the named entries.
pub async fn load_entries(pool: &PgPool, integration: &str, ids: &[&EntryId]) -> sqlx::Result<Vec<Contribution>> {
    let ids: Vec<&str> = ids.iter().map(|id| id.0.as_str()).collect();
    let sql = concat!(
        "SELECT ",
        contribution_columns!(),
        " FROM export_contributions WHERE integration_id = $1 AND entry_id = ANY($2)"
    );
    let rows = sqlx::query(sql).bind(integration).bind(&ids).fetch_all(pool).await?;
    rows.iter().map(contribution_of).collect()
}

/// Every live contribution in these places (all entries, also of earlier exports).
pub async fn load_places(pool: &PgPool, integration: &str, places: &Places) -> sqlx::Result<Vec<Contribution>> {
    let (companies, employees, years, periods) = place_columns(places);
    let sql = concat!("SELECT ", contribution_columns!(), " FROM export_contributions WHERE ", in_places!());
    let query = sqlx::query(sql).bind(integration).bind(&companies).bind(&employees).bind(&years).bind(&periods);
    query.fetch_all(pool).await?.iter().map(contribution_of).collect()
}

/// The plan an earlier attempt of this job recorded, if it got that far.
pub async fn load_run<T: serde::de::DeserializeOwned + Send + Unpin + 'static>(
    pool: &PgPool,
    integration: &str,
    idempotency_key: &str,
) -> sqlx::Result<Option<T>> {
    let plan: Option<sqlx::types::Json<T>> =
        sqlx::query_scalar("SELECT plan FROM export_runs WHERE integration_id = $1 AND idempotency_key = $2")
            .bind(integration)
            .bind(idempotency_key)
            .fetch_optional(pool)
            .await?;
    Ok(plan.map(|p| p.0))
}

/// Adds an attempt's write calls to its run; returns the job's total over its attempts.
pub async fn add_write_calls(pool: &PgPool, integration: &str, idempotency_key: &str, calls: u64) -> sqlx::Result<u64> {
    let total: i64 = sqlx::query_scalar(
        "UPDATE export_runs SET write_calls = write_calls + $3 WHERE integration_id = $1 AND idempotency_key = $2
         RETURNING write_calls",
    )
    .bind(integration)
    .bind(idempotency_key)
    .bind(i64::try_from(calls).unwrap_or(i64::MAX))
    .fetch_optional(pool)
    .await?
    .unwrap_or(0);
    Ok(u64::try_from(total).unwrap_or(0))
}

/// Keeps with the run what its export proved in Nmbrs so far (`proof`, issue 18), when the
/// check after writing stopped: the run's `proof` member is replaced, the rest kept.
pub async fn record_proof<T: serde::Serialize + Sync>(
    pool: &PgPool,
    integration: &str,
    idempotency_key: &str,
    proof: &T,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE export_runs SET plan = jsonb_set(plan, '{proof}', $3) WHERE integration_id = $1 AND idempotency_key = $2",
    )
    .bind(integration)
    .bind(idempotency_key)
    .bind(sqlx::types::Json(proof))
    .execute(pool)
    .await?;
    Ok(())
}

/// Recovery point 1: in one transaction, the entries' new contributions, the buckets that must
/// be written (`to_write`, with their protection mode), and `run` (the plan to finish).
pub async fn record_plan<T: serde::Serialize + Sync>(
    pool: &PgPool,
    (integration, idempotency_key, export_id): (&str, &str, &str),
    plan: &Plan,
    run: &T,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    record_plan_in(&mut tx, (integration, idempotency_key, export_id), plan, run).await?;
    tx.commit().await
}

/// [`record_plan`] inside a transaction the caller commits (with what else belongs to the same
/// recovery point, e.g. the buckets found drifted in Nmbrs, issue 18).
pub async fn record_plan_in<T: serde::Serialize + Sync>(
    tx: &mut PgConnection,
    (integration, idempotency_key, export_id): (&str, &str, &str),
    plan: &Plan,
    run: &T,
) -> sqlx::Result<()> {
    let ids: Vec<&str> = plan.updates.keys().map(|id| id.0.as_str()).collect();
    sqlx::query("DELETE FROM export_contributions WHERE integration_id = $1 AND entry_id = ANY($2)")
        .bind(integration)
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    let rows: Vec<&Contribution> = plan.updates.keys().flat_map(|id| plan.ledger.contributions(id)).collect();
    insert_contributions(tx, integration, &rows).await?;
    let writes: Vec<(BucketKey, bool)> = plan.writes().map(|b| (b.key, b.unprotected)).collect();
    mark_dirty(tx, integration, &writes).await?;
    // A run is only needed until its job completes: completed ones go after a while, so the
    // table stays bounded. A failed job's run stays, for its replay to finish the same plan.
    sqlx::query(
        "DELETE FROM export_runs r USING jobs j
         WHERE r.integration_id = $1 AND r.recorded_at < now() - $2::interval
           AND j.integration_id = r.integration_id AND j.idempotency_key = r.idempotency_key
           AND j.state = 'completed'",
    )
    .bind(integration)
    .bind(RUN_RETENTION)
    .execute(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO export_runs (integration_id, idempotency_key, export_id, plan) VALUES ($1, $2, $3, $4)")
        .bind(integration)
        .bind(idempotency_key)
        .bind(export_id)
        .bind(sqlx::types::Json(run))
        .execute(&mut *tx)
        .await?;
    Ok(())
}

async fn insert_contributions(conn: &mut PgConnection, integration: &str, rows: &[&Contribution]) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let entry: Vec<&str> = rows.iter().map(|c| c.entry_id.0.as_str()).collect();
    let part: Vec<String> = rows.iter().map(|c| c.component.to_string()).collect();
    let company: Vec<CompanyId> = rows.iter().map(|c| c.bucket.company).collect();
    let employee: Vec<EmployeeId> = rows.iter().map(|c| c.bucket.employee).collect();
    let year: Vec<i32> = rows.iter().map(|c| c.bucket.period.year).collect();
    let period: Vec<i16> = rows.iter().map(|c| i16::from(c.bucket.period.period)).collect();
    let component: Vec<String> = rows.iter().map(|c| component_text(c.bucket.component)).collect();
    let amount: Vec<Decimal> = rows.iter().map(|c| c.amount).collect();
    let date: Vec<NaiveDate> = rows.iter().map(|c| c.date).collect();
    sqlx::query(
        "INSERT INTO export_contributions
             (integration_id, entry_id, part, company_id, employee_id, year, period, component, amount, work_date)
         SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::smallint[],
                                  $8::text[], $9::numeric[], $10::date[])",
    )
    .bind(integration)
    .bind(&entry)
    .bind(&part)
    .bind(&company)
    .bind(&employee)
    .bind(&year)
    .bind(&period)
    .bind(&component)
    .bind(&amount)
    .bind(&date)
    .execute(conn)
    .await?;
    Ok(())
}

/// The buckets the plan writes: a settled one becomes `to_write`; one whose write is under way
/// keeps its stage (a pending insert is read back first); all take the plan's protection mode.
/// [`BucketState::ledger_changed`](crate::domain::export::stage::BucketState::ledger_changed)
/// is the same rule on a state in memory.
async fn mark_dirty(conn: &mut PgConnection, integration: &str, buckets: &[(BucketKey, bool)]) -> sqlx::Result<()> {
    if buckets.is_empty() {
        return Ok(());
    }
    let unprotected: Vec<bool> = buckets.iter().map(|(_, u)| *u).collect();
    let query = sqlx::query(
        "INSERT INTO export_buckets (integration_id, company_id, employee_id, year, period, component, stage, unprotected)
         SELECT $1, c, e, y, p, k, 'to_write', u
         FROM UNNEST($2::text[], $3::text[], $4::int[], $5::smallint[], $6::text[], $7::bool[]) AS t(c, e, y, p, k, u)
         ON CONFLICT (integration_id, company_id, employee_id, year, period, component)
         DO UPDATE SET stage = CASE export_buckets.stage WHEN 'settled' THEN 'to_write' ELSE export_buckets.stage END,
                       unprotected = EXCLUDED.unprotected, updated_at = now()",
    );
    let keys = KeyColumns::of(buckets.iter().map(|(k, _)| k));
    keys.bind(query.bind(integration)).bind(unprotected).execute(conn).await.map(drop)
}

/// Bucket keys as columns for `UNNEST`, bound as `$2`…`$6` (company, employee, year, period,
/// component).
pub(super) struct KeyColumns {
    company: Vec<CompanyId>,
    employee: Vec<EmployeeId>,
    year: Vec<i32>,
    period: Vec<i16>,
    component: Vec<String>,
}

impl KeyColumns {
    pub(super) fn of<'k>(keys: impl Iterator<Item = &'k BucketKey>) -> Self {
        let mut cols = KeyColumns {
            company: Vec::new(),
            employee: Vec::new(),
            year: Vec::new(),
            period: Vec::new(),
            component: Vec::new(),
        };
        for k in keys {
            cols.company.push(k.company);
            cols.employee.push(k.employee);
            cols.year.push(k.period.year);
            cols.period.push(i16::from(k.period.period));
            cols.component.push(component_text(k.component));
        }
        cols
    }

    pub(super) fn bind(self, query: PgQuery<'_>) -> PgQuery<'_> {
        query.bind(self.company).bind(self.employee).bind(self.year).bind(self.period).bind(self.component)
    }
}

/// A query with PostgreSQL arguments.
pub(super) type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_are_stored_as_text_and_read_back_the_same() {
        for c in [Component::Hours(HourCode(1)), Component::Wage(WageCode(430)), Component::Days] {
            assert_eq!(parse_component(&component_text(c)), Some(c));
        }
        assert_eq!(component_text(Component::Hours(HourCode(20))), "hours:20");
        for bad in ["", "hours", "hours:x", "wage:", "day", "salary:1"] {
            assert_eq!(parse_component(bad), None, "{bad}");
        }
    }
}
