//! The worker's OAuth 2.0 token handling (CONTRACT §5.1) against the simulator's identity
//! server over real HTTP, with the grants stored in a real PostgreSQL database per test.
//!
//! Several `TokenService`s over separate connection pools stand for several worker processes:
//! each has its own in-process access-token cache and only the database (advisory lock and
//! stored grant) in common, exactly as two processes would.

use std::{collections::HashMap, sync::Arc, time::Duration};

use crate::support::TestEnv;
use nmbrs_worker::{
    credentials::{KeyRing, RestGrant},
    jobs::run::error::JobError,
    nmbrs::rest::{AuthError, RestConfig, TokenService, TokenSource},
    sim::{
        Simulator,
        rest::{GrantSpec, OAuthClient, RestInjected, RestScripted, oauth::now_ms},
    },
    store::oauth_grants::{self, StoredGrant},
};
use sqlx::PgPool;
use uuid::Uuid;

const CLIENT_ID: &str = "eitje-worker";
const CLIENT_SECRET: &str = "app secret/with+reserved:chars";
const DOMAIN: &str = "debrouwerij";
const TOKEN_OP: &str = "POST /connect/token";

/// One test's world: database, simulator with Eitje's app registered, worker settings.
struct World {
    env: TestEnv,
    sim: Simulator,
    config: RestConfig,
}

impl World {
    async fn new() -> Self {
        let env = TestEnv::new();
        let sim = Simulator::start().await.unwrap();
        sim.state().rest.oauth.add_client(OAuthClient {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            subscription_key: "sub-key".into(),
        });
        let token_url = format!("{}/connect/token", sim.base_url());
        let config = RestConfig::from_source(&HashMap::from([
            ("NMBRS_REST_BASE_URL", sim.base_url()),
            ("NMBRS_OAUTH_TOKEN_URL", token_url.as_str()),
            ("NMBRS_OAUTH_CLIENT_ID", CLIENT_ID),
            ("NMBRS_OAUTH_CLIENT_SECRET", CLIENT_SECRET),
            ("NMBRS_SUBSCRIPTION_KEY", "sub-key"),
        ]))
        .unwrap();
        Self { env, sim, config }
    }

    /// A consent, as the monolith would obtain it: `(grant_id, refresh_token)`.
    fn consent(&self, ttl_secs: Option<u64>) -> (Uuid, String) {
        self.consent_saying(ttl_secs, None)
    }

    /// [`Self::consent`] whose token replies say `expires_in` (not the real lifetime) when given.
    fn consent_saying(&self, ttl_secs: Option<u64>, expires_in: Option<u64>) -> (Uuid, String) {
        let (grant_id, refresh_token) = self.sim.state().rest.oauth.mint(GrantSpec {
            grant_id: Uuid::new_v4().to_string(),
            client_id: CLIENT_ID.into(),
            domain: DOMAIN.into(),
            access_token_ttl_secs: ttl_secs,
            expires_in_secs: expires_in,
            ..Default::default()
        });
        (grant_id.parse().unwrap(), refresh_token)
    }

    /// A worker process: its own pool, its own token cache.
    async fn process(&self) -> (Arc<TokenService>, PgPool) {
        let pool = self.env.pool().await;
        (Arc::new(TokenService::new(pool.clone(), self.env.keys.clone(), &self.config).unwrap()), pool)
    }

    /// Outcomes of the token endpoint calls so far (`ok`, `invalid_grant`, `injected:…`).
    fn token_calls(&self) -> Vec<String> {
        self.sim.state().rest.oauth.token_calls.iter().map(|c| c.outcome.clone()).collect()
    }

    fn grant_counts(&self, grant_id: Uuid) -> (u32, u32) {
        let s = self.sim.state();
        let g = &s.rest.oauth.grants[&grant_id.to_string()];
        (g.refreshes, g.refused)
    }

    /// Whether the identity server accepts `bearer` as a live access token of `grant_id`.
    fn accepts(&self, bearer: &str, grant_id: Uuid) -> bool {
        let s = self.sim.state();
        s.rest.oauth.grant_for_access(bearer, now_ms()).is_some_and(|g| g.grant_id == grant_id.to_string())
    }

    fn script_token_fault(&self, injected: RestInjected) {
        self.sim.state().rest.faults.script.push(RestScripted { operation: Some(TOKEN_OP.into()), injected });
    }

    async fn stored(&self, pool: &PgPool, integration: &str) -> Option<StoredGrant> {
        oauth_grants::load(&mut pool.acquire().await.unwrap(), integration).await.unwrap()
    }
}

fn source(service: &Arc<TokenService>, integration: &str, grant: (Uuid, &str)) -> TokenSource {
    service.source(integration, RestGrant::new(grant.0, grant.1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_refreshing_at_once_lose_no_grant() {
    let w = World::new().await;
    let (grant_id, rt0) = w.consent(None);
    let (p1, pool1) = w.process().await;
    let (p2, _pool2) = w.process().await;
    // Each round both processes (fresh caches, as after a restart) need a token at once, each
    // with several tasks; every round rotates the refresh token at least once.
    for round in 0..4 {
        let (p1, p2) = if round == 0 { (p1.clone(), p2.clone()) } else { (w.process().await.0, w.process().await.0) };
        let mut tasks = Vec::new();
        for i in 0..6 {
            let service = if i % 2 == 0 { p1.clone() } else { p2.clone() };
            let rt0 = rt0.clone();
            tasks.push(tokio::spawn(async move { source(&service, "env-1", (grant_id, &rt0)).access_token().await }));
        }
        for task in tasks {
            let token = task.await.unwrap().unwrap_or_else(|e| panic!("round {round}: {e}"));
            assert_eq!(token.grant_id(), grant_id);
            assert!(w.accepts(token.bearer(), grant_id), "round {round}: a token Nmbrs does not accept");
        }
    }
    let calls = w.token_calls();
    assert!(calls.iter().all(|c| c == "ok"), "{calls:?}");
    let (refreshes, refused) = w.grant_counts(grant_id);
    assert_eq!(refused, 0, "no refresh token was ever spent twice");
    assert_eq!(refreshes, 8, "one refresh per process and round; its other tasks use its cache");
    // The stored token is the newest: every rotation was saved, and it still refreshes.
    let stored = w.stored(&pool1, "env-1").await.unwrap();
    assert_eq!((stored.grant_id, stored.generation), (grant_id, i64::from(refreshes)));
    let (fresh, _) = w.process().await;
    let token = source(&fresh, "env-1", (grant_id, &rt0)).access_token().await.unwrap();
    assert!(w.accepts(token.bearer(), grant_id));
    assert_eq!(w.grant_counts(grant_id), (refreshes + 1, 0));
}

#[tokio::test]
async fn a_message_with_an_older_refresh_token_after_a_rotation_still_works() {
    let w = World::new().await;
    let (grant_id, rt0) = w.consent(None);
    let (first_process, pool) = w.process().await;
    let first = source(&first_process, "env-1", (grant_id, &rt0)).access_token().await.unwrap();
    // rt0 is spent now. A later job (another process) still carries rt0.
    let (second_process, _) = w.process().await;
    let second = source(&second_process, "env-1", (grant_id, &rt0)).access_token().await.unwrap();
    assert!(w.accepts(first.bearer(), grant_id) && w.accepts(second.bearer(), grant_id));
    assert_eq!(w.token_calls(), ["ok", "ok"]);
    assert_eq!(w.grant_counts(grant_id), (2, 0), "the stored token was used, never rt0 again");
    assert_eq!(w.stored(&pool, "env-1").await.unwrap().generation, 2);
}

#[tokio::test]
async fn invalid_grant_requires_consent_and_changes_nothing_stored() {
    let w = World::new().await;
    let (grant_id, rt0) = w.consent(None);
    let (process, pool) = w.process().await;
    source(&process, "env-1", (grant_id, &rt0)).access_token().await.unwrap();
    let before = w.stored(&pool, "env-1").await.unwrap();
    assert!(w.sim.state().rest.oauth.revoke(&grant_id.to_string()));

    let (later, _) = w.process().await;
    let err = source(&later, "env-1", (grant_id, &rt0)).access_token().await.unwrap_err();
    assert!(matches!(err, AuthError::ConsentRequired { grant_id: g } if g == grant_id), "{err}");
    assert_eq!(w.stored(&pool, "env-1").await.unwrap(), before, "nothing stored changed");
    assert_eq!(w.token_calls(), ["ok", "invalid_grant"], "refused once, not tried again");

    let job_error = JobError::token(&err, DOMAIN);
    assert_eq!(job_error.code, "nmbrs_consent_required");
    let notification = job_error.final_notification(false, 1);
    assert_eq!(notification.code, "nmbrs.consent_required");
    assert_eq!(notification.params, serde_json::json!({"domain": DOMAIN, "grant_id": grant_id.to_string()}));

    // A first job whose refresh token is refused stores nothing at all.
    let err = source(&later, "env-2", (Uuid::new_v4(), "rt-never-issued")).access_token().await.unwrap_err();
    assert!(matches!(err, AuthError::ConsentRequired { .. }), "{err}");
    assert_eq!(w.stored(&pool, "env-2").await, None);
}

#[tokio::test]
async fn a_cached_token_is_reused_until_near_expiry() {
    let w = World::new().await;
    let (grant_id, rt0) = w.consent(None);
    let (process, _) = w.process().await;
    let job = source(&process, "env-1", (grant_id, &rt0));
    let first = job.access_token().await.unwrap();
    for _ in 0..5 {
        assert_eq!(job.access_token().await.unwrap().bearer(), first.bearer());
    }
    // A later job of the same integration in the same process uses the cache too.
    let next_job = source(&process, "env-1", (grant_id, &rt0));
    assert_eq!(next_job.access_token().await.unwrap().bearer(), first.bearer());
    assert_eq!(w.token_calls(), ["ok"], "one refresh for all of them");
}

#[tokio::test]
async fn a_short_lived_token_is_used_for_the_floor_until_nmbrs_shows_its_lifetime_is_real() {
    let w = World::new().await;
    let (grant_id, rt0) = w.consent(Some(1));
    let (process, _) = w.process().await;
    let job = source(&process, "env-1", (grant_id, &rt0));
    let first = job.access_token().await.unwrap();
    assert_eq!(job.access_token().await.unwrap().bearer(), first.bearer(), "fresh: reused");
    // A 1 s lifetime is floored (30 s): no refresh per call ...
    tokio::time::sleep(Duration::from_millis(1_050)).await;
    assert_eq!(job.access_token().await.unwrap().bearer(), first.bearer(), "on the floor");
    assert!(!w.accepts(first.bearer(), grant_id), "the simulator does end it after 1 s");
    // ... until Nmbrs refuses such a token (a 401): from then on this integration's 1 s is
    // honoured, and a token is renewed in time instead of being refused.
    job.invalidate(&first).await;
    let second = job.access_token().await.unwrap();
    assert_ne!(second.bearer(), first.bearer());
    // 1 s lifetime: unusable once less than 100 ms remain.
    tokio::time::sleep(Duration::from_millis(950)).await;
    let third = job.access_token().await.unwrap();
    assert_ne!(third.bearer(), second.bearer());
    assert!(w.accepts(third.bearer(), grant_id));
    assert_eq!(w.token_calls(), ["ok", "ok", "ok"]);
}

#[tokio::test]
async fn a_token_said_to_live_0_or_1_s_is_refreshed_once_not_per_call() {
    for expires_in in [0, 1] {
        let w = World::new().await;
        // The replies say 0 or 1 s; the tokens live an hour.
        let (grant_id, rt0) = w.consent_saying(None, Some(expires_in));
        let (process, _) = w.process().await;
        let job = source(&process, "env-1", (grant_id, &rt0));
        for _ in 0..20 {
            let token = job.access_token().await.unwrap();
            assert!(w.accepts(token.bearer(), grant_id));
            tokio::time::sleep(Duration::from_millis(75)).await;
        }
        assert_eq!(w.token_calls(), ["ok"], "expires_in {expires_in}: one refresh for 1.5 s of calls");
    }
}

#[tokio::test]
async fn a_401_invalidates_once_and_the_next_token_is_fresh() {
    let w = World::new().await;
    let (grant_id, rt0) = w.consent(None);
    let (process, _) = w.process().await;
    let job = source(&process, "env-1", (grant_id, &rt0));
    let rejected = job.access_token().await.unwrap();
    // Two calls in flight both saw the 401.
    job.invalidate(&rejected).await;
    let fresh = job.access_token().await.unwrap();
    job.invalidate(&rejected).await;
    assert_eq!(job.access_token().await.unwrap().bearer(), fresh.bearer(), "a stale 401 costs no refresh");
    assert_ne!(fresh.bearer(), rejected.bearer());
    assert_eq!(w.token_calls(), ["ok", "ok"]);
}

#[tokio::test]
async fn a_new_grant_replaces_the_stored_one_and_the_old_one_never_returns() {
    let w = World::new().await;
    let (old_grant, old_rt) = w.consent(None);
    let (process, pool) = w.process().await;
    source(&process, "env-1", (old_grant, &old_rt)).access_token().await.unwrap();
    // The customer consents again: a new grant id.
    let (new_grant, new_rt) = w.consent(None);
    let token = source(&process, "env-1", (new_grant, &new_rt)).access_token().await.unwrap();
    assert_eq!(token.grant_id(), new_grant);
    let stored = w.stored(&pool, "env-1").await.unwrap();
    assert_eq!((stored.grant_id, stored.generation), (new_grant, 1));
    // A retried message of the old consent uses the new grant (another process: no cache).
    let (other, _) = w.process().await;
    let token = source(&other, "env-1", (old_grant, &old_rt)).access_token().await.unwrap();
    assert_eq!(token.grant_id(), new_grant);
    assert!(w.accepts(token.bearer(), new_grant));
    assert_eq!(w.grant_counts(old_grant), (1, 0), "the old grant was not refreshed again");
    assert_eq!(w.stored(&pool, "env-1").await.unwrap().grant_id, new_grant);
}

#[tokio::test]
async fn an_older_consent_arriving_after_a_newer_one_never_displaces_it() {
    let w = World::new().await;
    let at = |s: &str| Some(s.parse::<chrono::DateTime<chrono::Utc>>().unwrap());
    let (older, older_rt) = w.consent(None);
    let (newer, newer_rt) = w.consent(None);
    let (process, pool) = w.process().await;
    // The newer consent's job arrives first…
    let newer_grant = RestGrant::new(newer, newer_rt).consented(at("2026-12-01T09:00:00Z"));
    let token = process.source("env-1", newer_grant).access_token().await.unwrap();
    assert_eq!(token.grant_id(), newer);
    // …then a delayed message of the older consent (another process: no cache).
    let (other, _) = w.process().await;
    let older_grant = RestGrant::new(older, older_rt.clone()).consented(at("2026-11-01T09:00:00Z"));
    let token = other.source("env-1", older_grant).access_token().await.unwrap();
    assert_eq!(token.grant_id(), newer, "the newer consent is kept");
    assert_eq!(w.grant_counts(older), (0, 0), "the older consent's token is never spent");
    let stored = w.stored(&pool, "env-1").await.unwrap();
    assert_eq!((stored.grant_id, stored.consented_at), (newer, at("2026-12-01T09:00:00Z")));
    // The older grant is retired: it never comes back, also without a date.
    let (third, _) = w.process().await;
    let token = source(&third, "env-1", (older, &older_rt)).access_token().await.unwrap();
    assert_eq!(token.grant_id(), newer);
    assert_eq!(w.grant_counts(older), (0, 0));
}

#[tokio::test]
async fn a_lost_refresh_reply_is_tried_once_more_with_the_same_token() {
    let w = World::new().await;
    // Nmbrs' identity server lets a just-replaced token be used once more shortly after.
    w.sim.state().rest.oauth.settings.reuse_grace_secs = 30;
    let (grant_id, rt0) = w.consent(None);
    let (process, pool) = w.process().await;
    w.script_token_fault(RestInjected::LostReply);
    let token = source(&process, "env-1", (grant_id, &rt0)).access_token().await.unwrap();
    assert!(w.accepts(token.bearer(), grant_id));
    assert_eq!(w.token_calls(), ["injected:lost_reply", "ok"]);
    assert_eq!(w.stored(&pool, "env-1").await.unwrap().generation, 1);

    // A 503 (nothing refreshed) is tried once more too; twice is the end of this attempt.
    let (fresh, _) = w.process().await;
    w.script_token_fault(RestInjected::ServerError { status: 503 });
    source(&fresh, "env-1", (grant_id, &rt0)).access_token().await.unwrap();
    let (fresh, _) = w.process().await;
    w.script_token_fault(RestInjected::ServerError { status: 502 });
    w.script_token_fault(RestInjected::Drop);
    let err = source(&fresh, "env-1", (grant_id, &rt0)).access_token().await.unwrap_err();
    assert!(matches!(err, AuthError::Unavailable { .. }), "{err}");
    assert_eq!(JobError::token(&err, DOMAIN).class, nmbrs_worker::domain::retry::ErrorClass::Transient);
    assert_eq!(w.grant_counts(grant_id).1, 0);
    // The stored token is still good for the job's next attempt.
    source(&fresh, "env-1", (grant_id, &rt0)).access_token().await.unwrap();
}

#[tokio::test]
async fn without_a_reuse_grace_a_lost_reply_ends_in_a_new_consent() {
    let w = World::new().await;
    let (grant_id, rt0) = w.consent(None);
    let (process, pool) = w.process().await;
    w.script_token_fault(RestInjected::LostReply);
    let err = source(&process, "env-1", (grant_id, &rt0)).access_token().await.unwrap_err();
    assert!(matches!(err, AuthError::ConsentRequired { .. }), "{err}");
    assert_eq!(w.token_calls(), ["injected:lost_reply", "invalid_grant"]);
    assert_eq!(w.stored(&pool, "env-1").await, None);
}

#[tokio::test]
async fn stored_refresh_tokens_are_sealed_for_their_integration_and_grant() {
    let w = World::new().await;
    let (grant_id, rt0) = w.consent(None);
    let (process, pool) = w.process().await;
    source(&process, "env-1", (grant_id, &rt0)).access_token().await.unwrap();
    let stored = w.stored(&pool, "env-1").await.unwrap();
    let raw: String =
        sqlx::query_scalar("SELECT sealed_refresh_token FROM oauth_grants WHERE integration_id = 'env-1'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(!raw.contains("rt-"), "never plaintext");
    let keys: &KeyRing = &w.env.keys;
    assert!(keys.open_stored_refresh_token("env-1", grant_id, &stored.refresh_token).is_ok());
    assert!(keys.open_stored_refresh_token("env-2", grant_id, &stored.refresh_token).is_err());
    assert!(keys.open_stored_refresh_token("env-1", Uuid::new_v4(), &stored.refresh_token).is_err());
    // A worker whose key ring lost the sealing key cannot open it, and says so.
    let other_keys = KeyRing::parse(&KeyRing::generate_entry("k9")).unwrap();
    let stranger = Arc::new(TokenService::new(pool.clone(), other_keys, &w.config).unwrap());
    let err = source(&stranger, "env-1", (grant_id, &rt0)).access_token().await.unwrap_err();
    assert!(matches!(err, AuthError::StoredTokenUnreadable(_)), "{err}");
}

#[tokio::test]
async fn a_rest_job_without_app_settings_is_not_configured() {
    let w = World::new().await;
    let config = RestConfig::from_source(&HashMap::from([("NMBRS_OAUTH_CLIENT_ID", CLIENT_ID)])).unwrap();
    let err = TokenService::new(w.env.pool().await, w.env.keys.clone(), &config).unwrap_err();
    let job_error = JobError::token(&err, DOMAIN);
    assert_eq!(job_error.code, "rest_not_configured");
    assert!(
        job_error.message.contains("NMBRS_OAUTH_CLIENT_SECRET") && job_error.message.contains("NMBRS_SUBSCRIPTION_KEY")
    );
    // A wrong client secret is the app's problem, not the customer's consent.
    let (grant_id, rt0) = w.consent(None);
    let mut bad = HashMap::from([
        ("NMBRS_OAUTH_CLIENT_ID", CLIENT_ID.to_string()),
        ("NMBRS_OAUTH_CLIENT_SECRET", "wrong".to_string()),
        ("NMBRS_SUBSCRIPTION_KEY", "sub-key".to_string()),
    ]);
    bad.insert("NMBRS_OAUTH_TOKEN_URL", format!("{}/connect/token", w.sim.base_url()));
    let bad: HashMap<&str, &str> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let service = Arc::new(
        TokenService::new(w.env.pool().await, w.env.keys.clone(), &RestConfig::from_source(&bad).unwrap()).unwrap(),
    );
    let err = source(&service, "env-1", (grant_id, &rt0)).access_token().await.unwrap_err();
    assert!(matches!(err, AuthError::ClientRejected { .. }), "{err}");
    assert_eq!(w.grant_counts(grant_id), (0, 0));
}
