//! OAuth 2.0 access tokens for the Nmbrs REST API (CONTRACT §5.1), with the `oauth2` crate's
//! refresh grant.
//!
//! Nmbrs refresh tokens are single-use and rotate: spending one twice, or losing the new one,
//! kills the integration until a person consents again. So a refresh is handled like a ledger
//! write:
//! 1. take the integration's advisory lock (`LockKey::oauth_grant`), which holds across
//!    worker processes;
//! 2. read the stored grant inside the lock (another process may just have rotated it) and
//!    decide, with [`choose_grant`], whether the job's grant or the stored one is used;
//! 3. post the refresh grant; a reply that was lost is tried once more with the same token;
//! 4. commit the rotated refresh token (sealed, generation-checked) before the new access
//!    token is handed out, then release the lock.
//!
//! Access tokens are cached in-process per integration and grant until less than
//! min(60 s, lifetime / 10) remains ([`crate::domain::oauth_grant::still_usable`]), the lifetime floored at
//! [`LIFETIME_FLOOR`] so a reply saying 0 or 1 s does not make every call refresh. The REST
//! client calls [`TokenSource::access_token`] before each call and [`TokenSource::invalidate`]
//! on a 401, then asks again (one refresh) and repeats the call once. A 401 for a token used on
//! the floor shows that Nmbrs means its short lifetimes: from then on the integration's tokens
//! are used for exactly their lifetime in this process, refreshed in time rather than refused.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use oauth2::{
    AuthType, ClientId, ClientSecret, EndpointNotSet, EndpointSet, RefreshToken, RequestTokenError, TokenResponse,
    TokenUrl,
    basic::{BasicClient, BasicErrorResponseType},
};
use secrecy::{ExposeSecret, SecretString};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

pub use super::access_token::AccessToken;
use super::{
    RestConfig, RestNotConfigured,
    auth_http::{TokenHttp, TokenHttpLimits},
};
use crate::{
    credentials::{KeyRing, OpenError, RestGrant},
    domain::oauth_grant::{Consent, GrantChoice, LIFETIME_FLOOR, choose_grant, token_lifetime},
    store::{
        AdvisoryLock, LockKey,
        oauth_grants::{self, Expect, StoredGrant},
    },
};

/// The oauth2 client with only its token endpoint set.
pub(crate) type TokenClient = BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// The worker's token request: the app's client authenticated with HTTP Basic (URL-encoded
/// halves, RFC 6749 §2.3.1, the form REST-NOTES §1 reports) at `NMBRS_OAUTH_TOKEN_URL`. Also
/// used by `nmbrs-worker probe`, so the probe refreshes exactly as the worker does.
pub(crate) fn token_client(config: &RestConfig) -> Result<TokenClient, AuthError> {
    let app = config.app()?;
    let token_url = TokenUrl::new(config.token_url.clone())
        .map_err(|_| RestNotConfigured { missing: vec!["NMBRS_OAUTH_TOKEN_URL (not a URL)"] })?;
    Ok(BasicClient::new(ClientId::new(app.client_id.clone()))
        .set_client_secret(ClientSecret::new(app.client_secret.expose_secret().to_string()))
        .set_auth_type(AuthType::BasicAuth)
        .set_token_uri(token_url))
}

/// Why no access token could be had. The class each maps to is in `jobs::run::error::JobError::token`.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The app settings are missing (`rest_not_configured`).
    #[error(transparent)]
    NotConfigured(#[from] RestNotConfigured),
    /// The token endpoint refused the grant (`invalid_grant`): revoked, expired, or its token
    /// was spent. Only a new consent helps (`nmbrs.consent_required`).
    #[error("Nmbrs refused the OAuth grant {grant_id} (invalid_grant); a person must consent again")]
    ConsentRequired { grant_id: Uuid },
    /// The token endpoint refused Eitje's app itself (`invalid_client`, `unauthorized_client`).
    #[error("the Nmbrs token endpoint refused the app's client credentials ({error})")]
    ClientRejected { error: String },
    /// Any other OAuth error reply (e.g. `invalid_request`, `invalid_scope`).
    #[error("the Nmbrs token endpoint refused the refresh ({error})")]
    Refused { error: String },
    /// No usable reply, twice: unreachable, 5xx/429, a lost or unreadable reply.
    #[error("the Nmbrs token endpoint gave no usable reply: {detail}")]
    Unavailable { detail: String },
    /// The stored refresh token does not open (its key left the key ring, or it was altered).
    #[error("the stored refresh token does not open: {0}")]
    StoredTokenUnreadable(OpenError),
    /// The stored grant changed although the lock was held (the lock's connection was lost).
    #[error("the stored OAuth grant changed during a refresh; not saved")]
    StoredGrantChanged,
    #[error("the worker's database failed: {0}")]
    Store(#[from] sqlx::Error),
}

/// One cache slot per integration; its async lock also makes the tasks of one process refresh
/// an integration's token one at a time.
type Slot = Arc<tokio::sync::Mutex<Cached>>;

/// What a process remembers of an integration's access token.
#[derive(Default)]
struct Cached {
    token: Option<AccessToken>,
    /// Nmbrs refused a token of the integration that was used on the floor: its short
    /// lifetimes are real, so they are not floored any more (module doc).
    short_is_real: bool,
}

/// Token handling of one worker process: the oauth2 client, the store, the access-token cache.
/// Create once (per process) and share; [`TokenService::source`] per job.
pub struct TokenService {
    pool: PgPool,
    keys: KeyRing,
    client: TokenClient,
    http: TokenHttp,
    slots: Mutex<HashMap<String, Slot>>,
    /// Pause before the one repeat of a refresh whose reply was lost.
    retry_pause: Duration,
}

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenService").finish_non_exhaustive()
    }
}

impl TokenService {
    /// Fails with [`AuthError::NotConfigured`] when the app settings are missing or the token
    /// URL is unusable.
    pub fn new(pool: PgPool, keys: KeyRing, config: &RestConfig) -> Result<Self, AuthError> {
        Self::with_limits(pool, keys, config, TokenHttpLimits::default())
    }

    pub fn with_limits(
        pool: PgPool,
        keys: KeyRing,
        config: &RestConfig,
        limits: TokenHttpLimits,
    ) -> Result<Self, AuthError> {
        let client = token_client(config)?;
        let http =
            TokenHttp::new(limits).map_err(|e| AuthError::Unavailable { detail: e.without_url().to_string() })?;
        Ok(Self {
            pool,
            keys,
            client,
            http,
            slots: Mutex::new(HashMap::new()),
            retry_pause: Duration::from_millis(250),
        })
    }

    /// The token source of one job of `integration_id`, which carried `grant`.
    pub fn source(self: &Arc<Self>, integration_id: &str, grant: RestGrant) -> TokenSource {
        TokenSource {
            service: Arc::clone(self),
            integration_id: integration_id.to_string(),
            grant,
            resolved: Mutex::new(None),
        }
    }

    fn slot(&self, integration_id: &str) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(slots.entry(integration_id.to_string()).or_default())
    }

    /// Steps 1–4 of the module doc; `cached` is this process's token, reused when it belongs
    /// to the stored grant and is still usable.
    async fn obtain(
        &self,
        integration_id: &str,
        message: &RestGrant,
        cached: &Cached,
    ) -> Result<AccessToken, AuthError> {
        let mut lock = AdvisoryLock::acquire(&self.pool, LockKey::oauth_grant(integration_id)).await?;
        // The lock is released when `lock` drops (store::lock), right after this call.
        let mut token = self.obtain_locked(lock.conn(), integration_id, message, cached.token.as_ref()).await?;
        token.floored = !cached.short_is_real;
        Ok(token)
    }

    async fn obtain_locked(
        &self,
        conn: &mut PgConnection,
        integration_id: &str,
        message: &RestGrant,
        cached: Option<&AccessToken>,
    ) -> Result<AccessToken, AuthError> {
        let stored = oauth_grants::load(conn, integration_id).await?;
        let retired = match &stored {
            Some(s) if s.grant_id != message.grant_id => {
                oauth_grants::is_retired(conn, integration_id, message.grant_id).await?
            }
            _ => false,
        };
        let consent = |grant_id, consented_at| Consent { grant_id, consented_at };
        let choice = choose_grant(
            stored.as_ref().map(|s| consent(s.grant_id, s.consented_at)),
            consent(message.grant_id, message.consented_at),
            retired,
        );
        if choice == GrantChoice::KeepNewer {
            tracing::warn!(integration_id, grant_id = %message.grant_id, "a job carries an older consent than the stored one; it is retired and the stored grant used");
            oauth_grants::retire(conn, integration_id, message.grant_id).await?;
        }
        let (grant_id, refresh_token, known_scopes, expect) = match (choice, stored) {
            (
                GrantChoice::UseStored | GrantChoice::KeepNewer,
                Some(StoredGrant { grant_id, refresh_token, scopes, generation, .. }),
            ) => {
                if let Some(token) = cached.filter(|t| t.grant_id == grant_id && t.usable_at(Instant::now())) {
                    return Ok(token.clone());
                }
                let token = self
                    .keys
                    .open_stored_refresh_token(integration_id, grant_id, &refresh_token)
                    .map_err(AuthError::StoredTokenUnreadable)?;
                (grant_id, token, scopes, Expect::Generation(generation))
            }
            (GrantChoice::Replace, Some(stored)) => {
                (message.grant_id, message.refresh_token.clone(), None, Expect::Replacing { retired: stored.grant_id })
            }
            _ => (message.grant_id, message.refresh_token.clone(), None, Expect::Nothing),
        };
        let issued_at = Instant::now();
        let reply = self.refresh(&refresh_token, grant_id).await?;
        let rotated = reply.refresh_token.unwrap_or(refresh_token);
        let scopes = reply.scopes.or(known_scopes);
        let sealed = self.keys.seal_stored_refresh_token(integration_id, grant_id, &rotated);
        let rotated_grant = RotatedGrant {
            grant_id,
            sealed: &sealed,
            scopes: scopes.as_deref(),
            consented_at: message.consented_at,
            expect,
        };
        let saved = self.save(conn, integration_id, rotated_grant).await?;
        if !saved {
            tracing::error!(integration_id, %grant_id, "stored OAuth grant changed under the refresh lock");
            return Err(AuthError::StoredGrantChanged);
        }
        tracing::info!(integration_id, %grant_id, ?choice, lifetime_s = reply.lifetime.as_secs(), "refreshed the Nmbrs access token");
        Ok(AccessToken {
            secret: reply.access_token,
            grant_id,
            scopes: scopes.map(|s| s.split_whitespace().map(str::to_string).collect()),
            issued_at,
            lifetime: reply.lifetime,
            floored: true,
        })
    }

    /// The rotated token is written before anything uses the new access token; a failing
    /// write is tried again, because the old token is already spent.
    async fn save(
        &self,
        conn: &mut PgConnection,
        integration_id: &str,
        grant: RotatedGrant<'_>,
    ) -> Result<bool, AuthError> {
        let RotatedGrant { grant_id, sealed, scopes, consented_at, expect } = grant;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match oauth_grants::save_rotated(conn, integration_id, grant_id, sealed, scopes, consented_at, expect).await
            {
                Ok(saved) => return Ok(saved),
                Err(e) if attempt < 3 => {
                    tracing::warn!(integration_id, %grant_id, attempt, error = %e, "saving the rotated refresh token failed; trying again");
                    tokio::time::sleep(self.retry_pause * attempt).await;
                }
                Err(e) => {
                    tracing::error!(integration_id, %grant_id, error = %e, "the rotated refresh token could not be saved; the grant may need a new consent");
                    return Err(e.into());
                }
            }
        }
    }

    /// The refresh grant, tried once more with the same token when the first reply was lost
    /// (CONTRACT §5.1).
    async fn refresh(&self, refresh_token: &SecretString, grant_id: Uuid) -> Result<TokenReply, AuthError> {
        match self.exchange(refresh_token, grant_id).await {
            Err(Exchange::Lost(first)) => {
                tracing::warn!(%grant_id, reason = %first, "token refresh reply lost; trying once more with the same token");
                tokio::time::sleep(self.retry_pause).await;
                self.exchange(refresh_token, grant_id).await.map_err(|e| match e {
                    Exchange::Lost(detail) => AuthError::Unavailable { detail },
                    Exchange::Failed(e) => e,
                })
            }
            other => other.map_err(|e| match e {
                Exchange::Lost(detail) => AuthError::Unavailable { detail },
                Exchange::Failed(e) => e,
            }),
        }
    }

    async fn exchange(&self, refresh_token: &SecretString, grant_id: Uuid) -> Result<TokenReply, Exchange> {
        let token = RefreshToken::new(refresh_token.expose_secret().to_string());
        match self.client.exchange_refresh_token(&token).request_async(&self.http).await {
            Ok(reply) => Ok(TokenReply {
                access_token: SecretString::from(reply.access_token().secret().as_str()),
                lifetime: token_lifetime(reply.expires_in()),
                refresh_token: reply.refresh_token().map(|t| SecretString::from(t.secret().as_str())),
                scopes: reply.scopes().map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")),
            }),
            Err(RequestTokenError::ServerResponse(refusal)) => Err(Exchange::Failed(match refusal.error() {
                BasicErrorResponseType::InvalidGrant => AuthError::ConsentRequired { grant_id },
                BasicErrorResponseType::InvalidClient | BasicErrorResponseType::UnauthorizedClient => {
                    AuthError::ClientRejected { error: refusal.error().as_ref().to_string() }
                }
                other => AuthError::Refused { error: other.as_ref().chars().take(100).collect() },
            })),
            Err(RequestTokenError::Request(e)) => Err(Exchange::Lost(e.to_string())),
            // Never show the body: a 200 that did not parse may hold tokens.
            Err(RequestTokenError::Parse(e, _)) => Err(Exchange::Lost(format!("unreadable reply at {}", e.path()))),
            Err(RequestTokenError::Other(what)) => Err(Exchange::Lost(what.chars().take(100).collect())),
        }
    }
}

/// A rotated refresh token ready to be stored, with what the write expects to find
/// (`oauth_grants::save_rotated`, CONTRACT §5.1).
struct RotatedGrant<'a> {
    grant_id: Uuid,
    sealed: &'a crate::credentials::SealedCredentials,
    scopes: Option<&'a str>,
    consented_at: Option<chrono::DateTime<chrono::Utc>>,
    expect: Expect,
}

/// One token request's outcome when it did not succeed.
enum Exchange {
    /// No usable reply: the refresh may or may not have happened.
    Lost(String),
    /// A definite answer.
    Failed(AuthError),
}

/// A successful token reply, secrets wrapped.
struct TokenReply {
    access_token: SecretString,
    lifetime: Duration,
    /// `None` when the endpoint did not rotate (the old token stays valid).
    refresh_token: Option<SecretString>,
    scopes: Option<String>,
}

/// Access tokens for the REST calls of one job (one integration, the grant its message carried).
pub struct TokenSource {
    service: Arc<TokenService>,
    integration_id: String,
    grant: RestGrant,
    /// The grant actually in use once known (the stored one when the message's was retired).
    resolved: Mutex<Option<Uuid>>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("integration_id", &self.integration_id)
            .field("grant", &self.grant)
            .finish_non_exhaustive()
    }
}

impl TokenSource {
    /// A usable access token: the cached one, or a fresh one from a refresh under the lock.
    ///
    /// Errors: [`AuthError::ConsentRequired`] on `invalid_grant` (nothing stored changes),
    /// [`AuthError::Unavailable`] / [`AuthError::Store`] (transient), the others permanent.
    pub async fn access_token(&self) -> Result<AccessToken, AuthError> {
        let slot = self.service.slot(&self.integration_id);
        let mut cached = slot.lock().await;
        let wanted =
            self.resolved.lock().unwrap_or_else(std::sync::PoisonError::into_inner).unwrap_or(self.grant.grant_id);
        if let Some(token) = cached.token.as_ref().filter(|t| t.grant_id == wanted && t.usable_at(Instant::now())) {
            return Ok(token.clone());
        }
        let token = self.service.obtain(&self.integration_id, &self.grant, &cached).await?;
        *self.resolved.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(token.grant_id);
        cached.token = Some(token.clone());
        Ok(token)
    }

    /// Drops `rejected` from the cache after Nmbrs answered 401 with it, so the next
    /// [`Self::access_token`] refreshes. A token already replaced (another task saw the 401
    /// first) is left alone, so concurrent 401s cost one refresh. A refused token that was used
    /// on the floor ([`LIFETIME_FLOOR`]) ends the floor for the integration in this process.
    pub async fn invalidate(&self, rejected: &AccessToken) {
        let slot = self.service.slot(&self.integration_id);
        let mut cached = slot.lock().await;
        if cached.token.as_ref().is_some_and(|t| t.same_secret(rejected)) {
            cached.token = None;
            if rejected.floored && rejected.lifetime < LIFETIME_FLOOR && !cached.short_is_real {
                tracing::warn!(
                    integration_id = %self.integration_id,
                    lifetime_s = rejected.lifetime.as_secs(),
                    "Nmbrs refused a token used beyond its short lifetime; its lifetimes are honoured from now on"
                );
                cached.short_is_real = true;
            }
        }
    }

    /// The integration this source serves.
    pub fn integration_id(&self) -> &str {
        &self.integration_id
    }

    /// The grant id the job's message carried (for `nmbrs.consent_required`).
    pub fn message_grant_id(&self) -> Uuid {
        self.grant.grant_id
    }
}
