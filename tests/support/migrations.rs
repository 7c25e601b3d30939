//! Migration tests: a test's own database created empty (the worker's connect would apply every
//! migration), and migration files applied one range at a time as plain SQL, so rows can be
//! written in an old shape before the migration under test runs.

use std::path::PathBuf;

use sqlx::PgPool;

use super::{PG_BASE, TestEnv};

/// Creates `env`'s database empty and connects to it.
pub async fn empty_database(env: &TestEnv) -> PgPool {
    let db = env.database_url.rsplit('/').next().unwrap().to_string();
    let admin = PgPool::connect(&format!("{PG_BASE}/postgres")).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{db}\""))).execute(&admin).await.unwrap();
    admin.close().await;
    PgPool::connect(&env.database_url).await.unwrap()
}

/// Applies the migration files whose name passes `take`, in order, as plain SQL.
pub async fn apply(pool: &PgPool, take: impl Fn(&str) -> bool) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for file in files.iter().filter(|f| take(f.file_name().unwrap().to_str().unwrap())) {
        let sql = std::fs::read_to_string(file).unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(pool).await.unwrap_or_else(|e| panic!("{file:?}: {e}"));
    }
}
