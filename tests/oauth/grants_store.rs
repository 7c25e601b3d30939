//! `store::oauth_grants` against a real PostgreSQL database: a write lands only on the state it
//! read, so a rotated refresh token never overwrites a newer one, and a replaced grant is
//! retired in the same transaction.

use crate::support::TestEnv;
use nmbrs_worker::{
    credentials::SealedCredentials,
    store::oauth_grants::{self, Expect, StoredGrant},
};
use uuid::Uuid;

fn blob(tag: &str) -> SealedCredentials {
    SealedCredentials { key_id: "k1".into(), sealed: format!("sealed-{tag}") }
}

#[tokio::test]
async fn writes_land_only_on_the_state_they_read() {
    let env = TestEnv::new();
    let pool = env.pool().await;
    let mut conn = pool.acquire().await.unwrap();
    let (g1, g2) = (Uuid::new_v4(), Uuid::new_v4());
    let save = |grant, tag: &'static str, scopes: Option<&'static str>, expect| {
        let pool = pool.clone();
        async move {
            let mut conn = pool.acquire().await.unwrap();
            oauth_grants::save_rotated(&mut conn, "env-1", grant, &blob(tag), scopes, None, expect).await.unwrap()
        }
    };

    assert_eq!(oauth_grants::load(&mut conn, "env-1").await.unwrap(), None);
    assert!(save(g1, "a", Some("offline_access employee.info.read"), Expect::Nothing).await);
    assert!(!save(g1, "a2", None, Expect::Nothing).await, "a second first write changes nothing");
    let first = oauth_grants::load(&mut conn, "env-1").await.unwrap().unwrap();
    assert_eq!(
        first,
        StoredGrant {
            grant_id: g1,
            refresh_token: blob("a"),
            scopes: Some("offline_access employee.info.read".into()),
            generation: 1,
            consented_at: None,
        }
    );

    assert!(save(g1, "b", None, Expect::Generation(1)).await);
    assert!(!save(g1, "stale", None, Expect::Generation(1)).await, "a write from generation 1 is stale now");
    let second = oauth_grants::load(&mut conn, "env-1").await.unwrap().unwrap();
    assert_eq!((second.refresh_token, second.generation), (blob("b"), 2));
    assert_eq!(second.scopes, first.scopes, "a reply without scopes keeps the known ones");

    assert!(!oauth_grants::is_retired(&mut conn, "env-1", g1).await.unwrap());
    assert!(!save(g2, "x", None, Expect::Replacing { retired: g2 }).await, "replaces only the grant it read");
    assert!(save(g2, "c", Some("offline_access"), Expect::Replacing { retired: g1 }).await);
    let third = oauth_grants::load(&mut conn, "env-1").await.unwrap().unwrap();
    assert_eq!((third.grant_id, third.refresh_token, third.generation), (g2, blob("c"), 1));
    assert!(oauth_grants::is_retired(&mut conn, "env-1", g1).await.unwrap());
    assert!(!oauth_grants::is_retired(&mut conn, "env-1", g2).await.unwrap());
    assert!(!oauth_grants::is_retired(&mut conn, "env-2", g1).await.unwrap(), "per integration");
    assert!(!save(g1, "old", None, Expect::Generation(2)).await, "the retired grant's token cannot come back");
    drop(conn);
    pool.close().await;
}

/// `nmbrs.consent_expiring` goes out only after an attempt in which the chain was refreshed
/// (`jobs::run::consent`). The attempt reads `oauth_grants::clock` before it runs; a refresh
/// committed before that reading is an earlier attempt's however close in time, and one made
/// after it is this attempt's: no slack between two clocks decides it (a 1 s slack once counted
/// the previous job's refresh, 0.85 s earlier, as a refused consent's own).
#[tokio::test]
async fn the_database_clock_tells_an_attempts_own_refresh_from_the_one_just_before() {
    let env = TestEnv::new();
    let pool = env.pool().await;
    let mut conn = pool.acquire().await.unwrap();
    let grant = Uuid::new_v4();
    let save = |tag: &'static str, expect| {
        let pool = pool.clone();
        async move {
            let mut conn = pool.acquire().await.unwrap();
            oauth_grants::save_rotated(&mut conn, "env-c", grant, &blob(tag), None, None, expect).await.unwrap()
        }
    };
    assert!(save("a", Expect::Nothing).await);
    assert!(save("b", Expect::Generation(1)).await, "the previous attempt's refresh");
    let attempt_started = oauth_grants::clock(&mut conn).await.unwrap();
    let before = oauth_grants::chain(&mut conn, "env-c").await.unwrap().unwrap();
    assert!(
        before.facts.refreshed_at < attempt_started,
        "a refresh committed just before the attempt is not the attempt's own"
    );
    assert!(save("c", Expect::Generation(2)).await, "this attempt's refresh");
    let after = oauth_grants::chain(&mut conn, "env-c").await.unwrap().unwrap();
    assert!(after.facts.refreshed_at >= attempt_started, "a refresh after the reading is the attempt's own");
    drop(conn);
    pool.close().await;
}
