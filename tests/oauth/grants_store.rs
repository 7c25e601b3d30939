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
