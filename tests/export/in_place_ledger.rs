//! The recovery point of an update in place (CONTRACT §5.3, `store::export_buckets::record_updated`)
//! on real PostgreSQL, with REST (UUID) ids: it settles the bucket on the one line it updated,
//! keeps that line's marker, is safe to repeat, and lands only on a row whose write may be an
//! update (never on a line the bucket does not own, never on a cleared or pending row).

use std::collections::BTreeSet;

use nmbrs_worker::{
    domain::export::{
        actions::ComponentLineId,
        contributions::{BucketKey, Component},
        marker::InsertMarker,
        stage::{BucketState, Stage},
    },
    domain::nmbrs_id::NmbrsId,
    nmbrs::{CompanyId, EmployeeId, HourCode, PayPeriod},
    store::export_buckets as buckets,
};
use sqlx::PgPool;
use uuid::Uuid;

use crate::support::{TestEnv, export::d};

const INTEGRATION: &str = "env-in-place";

fn uuid_line() -> ComponentLineId {
    ComponentLineId(NmbrsId::Uuid(Uuid::new_v4()))
}

/// A test database holding the row of one hours bucket of REST ids, nothing written yet.
async fn fresh_bucket() -> (TestEnv, PgPool, BucketKey) {
    let env = TestEnv::new();
    let pool = env.pool().await;
    let key = BucketKey {
        company: CompanyId(NmbrsId::Uuid(Uuid::new_v4())),
        employee: EmployeeId(NmbrsId::Uuid(Uuid::new_v4())),
        period: PayPeriod::new(2026, 11),
        component: Component::Hours(HourCode(1)),
    };
    buckets::ensure_rows(&pool, INTEGRATION, &[key]).await.unwrap();
    (env, pool, key)
}

async fn state(pool: &PgPool, key: &BucketKey) -> BucketState {
    let places = BTreeSet::from([(key.company, key.employee, key.period)]);
    let mut rows = buckets::load_for_attempt(pool, INTEGRATION, &places, 10).await.unwrap();
    rows.remove(key).expect("the bucket's row")
}

async fn owned_marker(pool: &PgPool) -> Option<String> {
    sqlx::query_scalar("SELECT owned_marker FROM export_buckets WHERE integration_id = $1")
        .bind(INTEGRATION)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_update_in_place_settles_the_bucket_on_its_line_and_is_safe_to_repeat() {
    let (_env, pool, key) = fresh_bucket().await;
    // The bucket's first insert, with its marker.
    let (marker, line) = (InsertMarker::from_random([7; 8]), uuid_line());
    buckets::record_intent(&pool, INTEGRATION, &key, d("7.50"), None, &marker).await.unwrap();
    buckets::record_inserted(&pool, INTEGRATION, &key, line, d("7.50")).await.unwrap();

    // A line the bucket does not own is never recorded as updated.
    let stranger = buckets::record_updated(&pool, INTEGRATION, &key, uuid_line(), d("9")).await;
    assert!(matches!(stranger, Err(sqlx::Error::RowNotFound)), "{stranger:?}");

    buckets::record_updated(&pool, INTEGRATION, &key, line, d("9")).await.unwrap();
    let s = state(&pool, &key).await;
    assert_eq!((s.stage, s.applied.value, s.applied.ids), (Stage::Settled, d("9"), vec![line]));
    assert_eq!(owned_marker(&pool).await.as_deref(), Some(marker.as_str()), "the line keeps its comment");
    // A crash after the record and a repeated step: the same record again, same state.
    buckets::record_updated(&pool, INTEGRATION, &key, line, d("9")).await.unwrap();
    assert_eq!(state(&pool, &key).await.applied.value, d("9"));
}

#[tokio::test]
async fn updating_the_first_of_several_owned_lines_keeps_it_alone_with_the_owned_marker() {
    let (_env, pool, key) = fresh_bucket().await;
    let (marker, first, second) = (InsertMarker::from_random([9; 8]), uuid_line(), uuid_line());
    buckets::record_intent(&pool, INTEGRATION, &key, d("2"), None, &marker).await.unwrap();
    buckets::record_inserted(&pool, INTEGRATION, &key, second, d("2")).await.unwrap();
    // An interrupted run of long ago left a second owned line before it (as `resolve` can).
    sqlx::query("UPDATE export_buckets SET owned_ids = ARRAY[$1] || owned_ids, applied_value = 5, stage = 'to_write'")
        .bind(first.0)
        .execute(&pool)
        .await
        .unwrap();

    buckets::record_updated(&pool, INTEGRATION, &key, first, d("4")).await.unwrap();
    let s = state(&pool, &key).await;
    assert_eq!((s.stage, s.applied.value, s.applied.ids), (Stage::Settled, d("4"), vec![first]));
    // The PUT wrote the owned marker onto the line kept (issue 18 review), so it stays the
    // bucket's: a later strip of it is still found.
    assert_eq!(owned_marker(&pool).await.as_deref(), Some(marker.as_str()), "the kept line carries it");
    // The intent kept its marker as one this integration issued, and only this one.
    let asked = std::collections::BTreeSet::from([marker.clone(), InsertMarker::from_random([3; 8])]);
    let issued = nmbrs_worker::store::export_markers::issued(&pool, INTEGRATION, &asked).await.unwrap();
    assert_eq!(issued, std::collections::BTreeSet::from([marker.clone()]));
    let elsewhere = nmbrs_worker::store::export_markers::issued(&pool, "another-integration", &asked).await.unwrap();
    assert!(elsewhere.is_empty(), "{elsewhere:?}");
}

#[tokio::test]
async fn a_cleared_or_pending_bucket_is_never_recorded_as_updated() {
    let (_env, pool, key) = fresh_bucket().await;
    let line = uuid_line();
    buckets::record_intent(&pool, INTEGRATION, &key, d("1"), None, &InsertMarker::from_random([1; 8])).await.unwrap();
    // Pending insert (insert_sent): its line is not owned yet.
    let pending = buckets::record_updated(&pool, INTEGRATION, &key, line, d("1")).await;
    assert!(matches!(pending, Err(sqlx::Error::RowNotFound)), "{pending:?}");
    buckets::record_inserted(&pool, INTEGRATION, &key, line, d("1")).await.unwrap();
    buckets::record_deleted(&pool, INTEGRATION, &key).await.unwrap();
    let cleared = buckets::record_updated(&pool, INTEGRATION, &key, line, d("1")).await;
    assert!(matches!(cleared, Err(sqlx::Error::RowNotFound)), "{cleared:?}");
    assert_eq!(state(&pool, &key).await.stage, Stage::Cleared);
}
