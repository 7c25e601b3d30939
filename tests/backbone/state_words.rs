//! Migration `20261203000010_job_state_words` (issue 17) on real PostgreSQL: attempts recorded
//! with the old word `retry` read `retryable`, as the job's state and the metric say, and the
//! check keeps the old word out.

use crate::support::migrations::{apply, empty_database};
use crate::support::*;

const WORDS: &str = "20261203000010";

#[tokio::test]
async fn attempts_recorded_as_retry_read_retryable_and_the_old_word_is_refused() {
    let env = TestEnv::new();
    let pool = empty_database(&env).await;
    apply(&pool, |name| name < WORDS).await;
    sqlx::raw_sql(
        "INSERT INTO jobs (integration_id, idempotency_key, message_id, job_type, payload_sha256, state, attempts)
         VALUES ('i', 'k', 'm', 'SyncTeam', '\\x00', 'completed', 3);
         INSERT INTO job_attempts (integration_id, idempotency_key, attempt, message_id, redelivered, outcome)
         VALUES ('i', 'k', 1, 'm', false, 'retry'), ('i', 'k', 2, 'm', false, 'retry'),
                ('i', 'k', 3, 'm', false, 'completed'), ('i', 'k', 4, 'm', true, NULL)",
    )
    .execute(&pool)
    .await
    .unwrap();
    apply(&pool, |name| name.starts_with(WORDS)).await;

    let outcomes: Vec<(i32, Option<String>)> =
        sqlx::query_as("SELECT attempt, outcome FROM job_attempts ORDER BY attempt").fetch_all(&pool).await.unwrap();
    let expected = [(1, Some("retryable")), (2, Some("retryable")), (3, Some("completed")), (4, None)];
    assert_eq!(outcomes, expected.map(|(n, o)| (n, o.map(String::from))));
    let old = sqlx::query("UPDATE job_attempts SET outcome = 'retry' WHERE attempt = 4").execute(&pool).await;
    assert!(old.unwrap_err().to_string().contains("job_attempts_outcome_check"), "the old word is refused");
    pool.close().await;
}
