//! PostgreSQL edge of the identity capture for the SOAP→REST switch (issue 10, CONTRACT §5.4):
//! per integration, company id ↔ company number (`nmbrs_company_identities`) and employee id ↔
//! employee number and keyed BSN hash (`nmbrs_employee_identities`), upserted on each read that
//! carries them (`domain::identity` decides what). Only the HMAC of a BSN and the id of the ring
//! key it was made under are stored, never the BSN.

use std::collections::BTreeSet;

use sqlx::PgPool;

use crate::{
    bsn_hash::BsnHasher,
    domain::identity::{CompanyIdentity, EmployeeIdentity},
};

/// Upserts company numbers; a row changes only when its number did.
pub async fn upsert_companies(pool: &PgPool, integration: &str, companies: &[CompanyIdentity]) -> sqlx::Result<()> {
    if companies.is_empty() {
        return Ok(());
    }
    let ids: Vec<i32> = companies.iter().map(|c| c.company_id).collect();
    let numbers: Vec<i32> = companies.iter().map(|c| c.company_number).collect();
    sqlx::query(
        "INSERT INTO nmbrs_company_identities AS t (integration_id, company_id, company_number)
         SELECT $1, * FROM UNNEST($2::int[], $3::int[])
         ON CONFLICT (integration_id, company_id) DO UPDATE SET company_number = EXCLUDED.company_number, updated_at = now()
         WHERE t.company_number IS DISTINCT FROM EXCLUDED.company_number",
    )
    .bind(integration)
    .bind(&ids)
    .bind(&numbers)
    .execute(pool)
    .await
    .map(drop)
}

/// Upserts employees, their BSN hashed with `hasher` (the current ring key). A read without a
/// BSN keeps a hash recorded before (a BSN is not taken away by a record that lacks it); a new
/// BSN or a new key replaces it. A row changes only when something in it did.
pub async fn upsert_employees(
    pool: &PgPool,
    integration: &str,
    employees: &[EmployeeIdentity],
    hasher: &BsnHasher,
) -> sqlx::Result<()> {
    if employees.is_empty() {
        return Ok(());
    }
    let ids: Vec<i32> = employees.iter().map(|e| e.employee_id).collect();
    let companies: Vec<i32> = employees.iter().map(|e| e.company_id).collect();
    let numbers: Vec<Option<i32>> = employees.iter().map(|e| e.employee_number).collect();
    let hashes: Vec<Option<Vec<u8>>> =
        employees.iter().map(|e| e.bsn.as_ref().map(|b| hasher.hash(b).0.to_vec())).collect();
    sqlx::query(
        "INSERT INTO nmbrs_employee_identities AS t
             (integration_id, employee_id, company_id, employee_number, bsn_hmac, bsn_key_id)
         SELECT $1, u.id, u.company, u.number, u.hash, CASE WHEN u.hash IS NULL THEN NULL ELSE $6::text END
         FROM UNNEST($2::int[], $3::int[], $4::int[], $5::bytea[]) AS u(id, company, number, hash)
         ON CONFLICT (integration_id, employee_id) DO UPDATE SET
             company_id = EXCLUDED.company_id,
             employee_number = COALESCE(EXCLUDED.employee_number, t.employee_number),
             bsn_hmac = COALESCE(EXCLUDED.bsn_hmac, t.bsn_hmac),
             bsn_key_id = COALESCE(EXCLUDED.bsn_key_id, t.bsn_key_id),
             updated_at = now()
         WHERE (t.company_id, t.employee_number, t.bsn_hmac, t.bsn_key_id) IS DISTINCT FROM
               (EXCLUDED.company_id, COALESCE(EXCLUDED.employee_number, t.employee_number),
                COALESCE(EXCLUDED.bsn_hmac, t.bsn_hmac), COALESCE(EXCLUDED.bsn_key_id, t.bsn_key_id))",
    )
    .bind(integration)
    .bind(&ids)
    .bind(&companies)
    .bind(&numbers)
    .bind(&hashes)
    .bind(hasher.key_id())
    .execute(pool)
    .await
    .map(drop)
}

/// Of `companies`, those whose number is recorded.
pub async fn known_companies(pool: &PgPool, integration: &str, companies: &[i32]) -> sqlx::Result<BTreeSet<i32>> {
    let rows: Vec<i32> = sqlx::query_scalar(
        "SELECT company_id FROM nmbrs_company_identities WHERE integration_id = $1 AND company_id = ANY($2)",
    )
    .bind(integration)
    .bind(companies)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Of `employees`, those recorded.
pub async fn known_employees(pool: &PgPool, integration: &str, employees: &[i32]) -> sqlx::Result<BTreeSet<i32>> {
    let rows: Vec<i32> = sqlx::query_scalar(
        "SELECT employee_id FROM nmbrs_employee_identities WHERE integration_id = $1 AND employee_id = ANY($2)",
    )
    .bind(integration)
    .bind(employees)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().collect())
}
