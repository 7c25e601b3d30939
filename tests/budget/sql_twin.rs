//! The SQL twin of `domain::call_budget::Bucket::take` (`nmbrs_budget_take`) keeps the bulk
//! lane to its allowance: counted tokens on the real PostgreSQL, one take after another.

use nmbrs_worker::domain::call_budget::{BULK_SHARE, Take, TakeAnswer};
use nmbrs_worker::store::call_budget::take;
use uuid::Uuid;

use crate::support::TestEnv;

fn tokens(answer: TakeAnswer) -> (u32, u32) {
    match answer {
        TakeAnswer::Tokens { granted, bulk, .. } => (granted, bulk),
        TakeAnswer::Paused { .. } => panic!("paused"),
    }
}

#[tokio::test]
async fn bulk_calls_get_only_the_allowance_while_ordinary_calls_wait_and_everything_otherwise() {
    let env = TestEnv::new();
    let pool = env.pool().await;
    let (bulky, small) = (Uuid::new_v4(), Uuid::new_v4());
    // 10 calls/s, a burst of 5, a quarter second ahead: 7 tokens within reach of a full bucket.
    let t = Take {
        want: 0,
        want_bulk: 50,
        ordinary_total: 0.0,
        bulk_share: BULK_SHARE,
        weight: BULK_SHARE,
        total_weight: BULK_SHARE,
        rate: 10.0,
        burst: 5.0,
        horizon_secs: 0.25,
        probe_secs: 30.0,
    };
    // No ordinary call waits anywhere: the bulk lane takes what is within reach.
    let (granted, bulk) = tokens(take(&pool, "twin-a", bulky, &t).await.unwrap().0);
    assert_eq!((granted, bulk), (7, 7));
    // Ordinary calls wait in another process: it takes everything within reach (the bucket
    // owes 2), and the bulk lane, asking right after, gets the one token of its allowance and
    // nothing more (no token is there unreserved, and the allowance holds one).
    let ordinary = Take { want: 50, want_bulk: 0, ordinary_total: 1.0, weight: 1.0, total_weight: 1.0, ..t };
    let (granted, _) = tokens(take(&pool, "twin-b", small, &ordinary).await.unwrap().0);
    assert_eq!(granted, 7);
    let mut bulk_total = 0;
    for _ in 0..2 {
        let (granted, bulk) = tokens(take(&pool, "twin-b", bulky, &t).await.unwrap().0);
        assert_eq!(granted, bulk);
        bulk_total += bulk;
    }
    assert!(
        (1..=2).contains(&bulk_total),
        "two quick takes got {bulk_total} bulk tokens: the allowance (1), and at most one that refilled"
    );
}
