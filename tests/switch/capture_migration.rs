//! Migration `20261130000010_switch_capture` (issue 10) on real PostgreSQL: bucket rows from
//! before markers keep working (NULL markers, stages untouched), and the checks keep marker and
//! BSN-hash rows to the shapes the code writes.

use crate::support::migrations::{apply, empty_database};
use crate::support::*;
use sqlx::PgPool;

const CAPTURE: &str = "20261130000010";

async fn refused(pool: &PgPool, sql: &'static str, constraint: &str) {
    let err = sqlx::raw_sql(sql).execute(pool).await.expect_err(sql);
    assert!(err.to_string().contains(constraint), "{sql}: {err}");
}

#[tokio::test]
async fn rows_from_before_markers_keep_working_and_the_checks_refuse_other_shapes() {
    let env = TestEnv::new();
    let pool = empty_database(&env).await;
    apply(&pool, |name| name < CAPTURE).await;
    sqlx::raw_sql(
        "INSERT INTO export_buckets (integration_id, company_id, employee_id, year, period, component,
                                     applied_value, owned_ids, stage, pending_value, foreign_ids)
         VALUES ('i', 1, 1, 2026, 11, 'hours:1', 7.5, '{11}', 'settled', NULL, NULL),
                ('i', 1, 1, 2026, 11, 'hours:20', 0, '{}', 'insert_sent', 4, '{}')",
    )
    .execute(&pool)
    .await
    .unwrap();
    apply(&pool, |name| name.starts_with(CAPTURE)).await;

    type Row = (String, String, Option<String>, Option<String>);
    let rows: Vec<Row> =
        sqlx::query_as("SELECT component, stage, intent_marker, owned_marker FROM export_buckets ORDER BY component")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        rows,
        [("hours:1".into(), "settled".into(), None, None), ("hours:20".into(), "insert_sent".into(), None, None)]
    );

    // What the code writes passes: a pending intent with its marker, a landed one owned.
    sqlx::raw_sql(
        "UPDATE export_buckets SET intent_marker = 'EJ-0123456789ABC', intent_value = 4 WHERE component = 'hours:20';
         UPDATE export_buckets SET owned_marker = 'EJ-0123456789ABD' WHERE component = 'hours:1'",
    )
    .execute(&pool)
    .await
    .unwrap();
    refused(
        &pool,
        "UPDATE export_buckets SET intent_marker = 'EJ-0123456789ABC' WHERE component = 'hours:1'",
        "export_buckets_intent_marker_with_value",
    )
    .await;
    refused(
        &pool,
        "UPDATE export_buckets SET intent_value = 5 WHERE component = 'hours:20'",
        "pending_marker_is_its_intent",
    )
    .await;
    refused(
        &pool,
        "UPDATE export_buckets SET owned_marker = 'EJ-0123456789ABC' WHERE component = 'hours:20'",
        "owned_marker_with_a_component",
    )
    .await;
    refused(
        &pool,
        "UPDATE export_buckets SET owned_marker = 'EJ-0123456789AB' WHERE component = 'hours:1'",
        "owned_marker_form",
    )
    .await;
    refused(
        &pool,
        "UPDATE export_buckets SET intent_marker = 'ej-0123456789abc', intent_value = 4 WHERE component = 'hours:20'",
        "intent_marker_form",
    )
    .await;

    // A BSN hash always with its key id, and 32 bytes long.
    sqlx::raw_sql(
        "INSERT INTO nmbrs_employee_identities (integration_id, employee_id, company_id, employee_number, bsn_hmac, bsn_key_id)
         VALUES ('i', 1, 1, 7, decode(repeat('ab', 32), 'hex'), 'k1'), ('i', 2, 1, NULL, NULL, NULL)",
    )
    .execute(&pool)
    .await
    .unwrap();
    refused(
        &pool,
        "INSERT INTO nmbrs_employee_identities (integration_id, employee_id, company_id, bsn_hmac)
         VALUES ('i', 3, 1, decode(repeat('ab', 32), 'hex'))",
        "hash_with_key",
    )
    .await;
    refused(
        &pool,
        "INSERT INTO nmbrs_employee_identities (integration_id, employee_id, company_id, bsn_hmac, bsn_key_id)
         VALUES ('i', 4, 1, decode('123456782', 'escape'), 'k1')",
        "bsn_hmac_check",
    )
    .await;
    pool.close().await;
}
