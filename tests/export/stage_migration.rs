//! Migration `20261129000010_export_bucket_stage` (issue 12) on real PostgreSQL: rows written
//! in the old shape (flags `dirty`, `in_doubt`, `pending_value`, `foreign_ids`) convert to the
//! one named stage they meant, and the checks keep every meaningless combination out.

use crate::support::migrations::{apply, empty_database};
use crate::support::*;
use sqlx::Row;

const STAGE: &str = "20261129000010";

#[tokio::test]
async fn old_bucket_rows_convert_to_their_stage_and_the_checks_refuse_the_rest() {
    let env = TestEnv::new();
    // A fresh database without the worker's migrations (the worker's connect would apply all).
    let pool = empty_database(&env).await;
    apply(&pool, |name| name < STAGE).await;
    // component, applied_value, owned_ids, pending_value, foreign_ids, dirty, in_doubt
    sqlx::raw_sql(
        "INSERT INTO export_buckets (integration_id, company_id, employee_id, year, period, component,
                                     applied_value, owned_ids, pending_value, foreign_ids, dirty, in_doubt)
         VALUES ('i', 1, 1, 2026, 11, 'hours:1',  7.5, '{11}', NULL, NULL,  false, false),
                ('i', 1, 1, 2026, 11, 'hours:20', 7.5, '{12}', NULL, NULL,  true,  false),
                ('i', 1, 1, 2026, 11, 'hours:30', 0,   '{}',   4,    '{77}', true,  false),
                ('i', 1, 1, 2026, 11, 'hours:40', 0,   '{}',   4,    '{}',   true,  false),
                ('i', 1, 1, 2026, 11, 'wage:400', 0,   '{}',   2,    NULL,  true,  true),
                ('i', 1, 1, 2026, 11, 'wage:410', 0,   '{}',   NULL, NULL,  false, true),
                ('i', 1, 1, 2026, 11, 'wage:420', 3,   '{13}', NULL, '{5}', false, false)",
    )
    .execute(&pool)
    .await
    .unwrap();
    apply(&pool, |name| name.starts_with(STAGE)).await;

    type Row = (String, String, Option<Vec<i32>>);
    let rows: Vec<Row> = sqlx::query_as("SELECT component, stage, foreign_ids FROM export_buckets ORDER BY component")
        .fetch_all(&pool)
        .await
        .unwrap();
    let expected: Vec<Row> = vec![
        ("hours:1".into(), "settled".into(), None),
        ("hours:20".into(), "to_write".into(), None),
        ("hours:30".into(), "insert_sent".into(), Some(vec![77])),
        // An empty list could mean "not read": unknown from now on, never adopt by mistake.
        ("hours:40".into(), "insert_sent".into(), None),
        ("wage:400".into(), "in_doubt".into(), None),
        // In doubt without a pending insert: nothing may have landed; written again.
        ("wage:410".into(), "to_write".into(), None),
        ("wage:420".into(), "settled".into(), None),
    ];
    assert_eq!(rows, expected);
    let columns: Vec<String> = sqlx::query(
        "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'export_buckets' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect();
    assert!(!columns.contains(&"dirty".into()) && !columns.contains(&"in_doubt".into()), "{columns:?}");

    let refused = [
        ("an unknown stage", "stage, pending_value", "'dirty', NULL"),
        ("a pending insert without its value", "stage, pending_value", "'insert_sent', NULL"),
        ("a value pending in a settled bucket", "stage, pending_value", "'settled', 4"),
        ("lines before an insert that is not pending", "stage, foreign_ids", "'to_write', '{1}'"),
        ("a cleared bucket that still owns a line", "stage, owned_ids", "'cleared', '{9}'"),
    ];
    for (what, columns, values) in refused {
        let sql = format!(
            "INSERT INTO export_buckets (integration_id, company_id, employee_id, year, period, component, {columns})
             VALUES ('i', 2, 2, 2026, 11, 'hours:1', {values})"
        );
        let err = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&pool).await.expect_err(what);
        assert!(err.to_string().contains("check constraint"), "{what}: {err}");
    }
    pool.close().await;
}
