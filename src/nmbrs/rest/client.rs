//! HTTP transport of the REST client (CONTRACT §5.3): one [`RestTransport`] per process (the
//! HTTP core of `nmbrs::http`, shared with SOAP: one `reqwest::Client` that never follows a
//! redirect, the calls-per-second limit, the per-integration permits; plus the app's
//! subscription key) and one [`RestClient`] per integration's job (its [`TokenSource`]).
//!
//! Every call carries `Authorization: Bearer` and `X-Subscription-Key`; a 401 invalidates the
//! token, refreshes once and repeats the call once. A 401 in the API gateway's own shape
//! (`{statusCode, message}`: the subscription key was refused, CONTRACT §5.1) never refreshes:
//! the call is repeated once with the other key of [`SubscriptionKeys`] when one is set, and
//! the key that worked is used first from then on; otherwise it fails as
//! `ErrorKind::SubscriptionRefused` (Eitje's configuration, retried on the job's schedule). Replies are read as a stream and refused
//! above the size cap; the whole call has the timeout of [`ClientConfig`] (as on SOAP).
//! Retries follow the one policy of `nmbrs::http::with_retries`: transient failures (5xx, 429
//! `42908`, timeouts, broken connections) with backoff and jitter, waiting at least
//! `Retry-After` (up to [`RestTransport::retry_after_cap`]; a longer wait is left to the job's
//! retry schedule); 429 `42909` (quota used up) never. A POST insert is repeated only after a
//! refusal that proves it did not happen ([`RestFailure::proves_not_applied`]); any other
//! failure of it (a 5xx whatever its body says, a redirect, a lost reply) is
//! `ErrorKind::OutcomeUnknown`.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::sync::Semaphore;

use super::error::{RestFailure, classify};
use super::keys::{KeySlot, SubscriptionKeys};
use super::operation::RestOperation;
use super::{AccessToken, RestConfig, RestNotConfigured, TokenSource};
use crate::nmbrs::budget::{Refused, Scope};
use crate::nmbrs::http::{self, CallError, HttpCore, SendError};
use crate::nmbrs::{ClientConfig, ErrorKind, NmbrsError};

/// The longest `Retry-After` waited inside a REST call by default (a longer wait is left to the
/// job's retry schedule; the probe, which has none, reports the reply as it came).
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(60);

/// Nmbrs' largest page size (REST-NOTES §1 "Pagination").
pub const PAGE_SIZE: usize = 100;

/// Why a [`RestTransport`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RestTransportError {
    #[error(transparent)]
    NotConfigured(#[from] RestNotConfigured),
    #[error("the HTTP client could not be built: {0}")]
    Http(#[from] reqwest::Error),
}

/// The process-wide part of the REST edge: the HTTP core (shared with SOAP in the worker), the
/// base URL and the app's subscription key. Cheap to clone.
#[derive(Clone)]
pub struct RestTransport {
    core: HttpCore,
    base_url: Arc<str>,
    keys: SubscriptionKeys,
    retry_after_cap: Duration,
    /// `NMBRS_REST_DAYS_POST` (`api/days.rs`).
    days_post: super::DaysPostSetting,
}

impl fmt::Debug for RestTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestTransport").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

impl RestTransport {
    /// `rest` gives the base URL and the subscription key (a missing app fails with
    /// `rest_not_configured`); `config` the timeout, size cap, call rate, retries and read
    /// bounds (its SOAP `base_url` is not used).
    pub fn new(rest: &RestConfig, config: ClientConfig) -> Result<Self, RestTransportError> {
        let core = HttpCore::new(config)?;
        Ok(Self::with_core(rest, core)?)
    }

    /// The REST transport on `core`, shared with the SOAP edge (one calls-per-second limit and
    /// one set of per-integration permits for the process).
    pub fn with_core(rest: &RestConfig, core: HttpCore) -> Result<Self, RestNotConfigured> {
        let app = rest.app()?;
        Ok(RestTransport {
            core,
            base_url: rest.base_url.trim_end_matches('/').into(),
            keys: SubscriptionKeys::new(app),
            retry_after_cap: RETRY_AFTER_CAP,
            days_post: rest.days_post,
        })
    }

    /// The longest `Retry-After` waited inside a call (default 60 s).
    pub fn retry_after_cap(&self) -> Duration {
        self.retry_after_cap
    }

    pub fn with_retry_after_cap(mut self, cap: Duration) -> Self {
        self.retry_after_cap = cap;
        self
    }

    /// How the clients set variable days (`NMBRS_REST_DAYS_POST`; default from the [`RestConfig`]).
    pub fn with_days_post(mut self, setting: super::DaysPostSetting) -> Self {
        self.days_post = setting;
        self
    }

    /// The client of one integration's job: its calls share at most `max_concurrency` permits
    /// with every other client of the same integration (`tokens.integration_id()`) on this core.
    pub fn client(&self, tokens: TokenSource, max_concurrency: usize) -> RestClient {
        let permits = self.core.permits(tokens.integration_id(), max_concurrency);
        RestClient {
            transport: self.clone(),
            tokens: Arc::new(tokens),
            permits,
            read_ahead: max_concurrency.max(1),
            calls: Arc::default(),
            memo: Arc::default(),
        }
    }
}

/// The REST client of one integration (the calls are in `calls.rs`; as an `NmbrsApi` in
/// `api/`). Made per job: what its adapter remembers (`memo`) lives as long as the job.
#[derive(Clone)]
pub struct RestClient {
    transport: RestTransport,
    tokens: Arc<TokenSource>,
    permits: Arc<Semaphore>,
    /// Pages of one read asked for at once (`NMBRS_MAX_CONCURRENCY_PER_INTEGRATION`, `pages.rs`).
    read_ahead: usize,
    /// Calls made by this client (its job): past `bulk_after_calls` they wait in the bulk lane.
    calls: Arc<AtomicU64>,
    pub(super) memo: Arc<super::api::Memo>,
}

impl fmt::Debug for RestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestClient")
            .field("base_url", &self.transport.base_url)
            .field("integration_id", &self.tokens.integration_id())
            .finish_non_exhaustive()
    }
}

/// One request: the operation, its path (ids filled in), query and JSON body.
pub(super) struct RestRequest {
    pub op: RestOperation,
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<Value>,
}

/// A 2xx reply.
pub(super) struct RestReply {
    pub body: Vec<u8>,
}

pub(super) fn rest_error(op: RestOperation, failure: RestFailure, granted: Option<&[String]>) -> NmbrsError {
    let kind = classify(op, &failure, granted);
    NmbrsError::Rest { operation: op, failure: Box::new(failure), kind }
}

impl RestClient {
    /// `NMBRS_REST_DAYS_POST` of the process.
    pub(super) fn days_post_setting(&self) -> super::DaysPostSetting {
        self.transport.days_post
    }

    /// The timeouts, size cap and read bounds of the process's HTTP core.
    pub(super) fn config(&self) -> &ClientConfig {
        self.transport.core.config()
    }

    /// Pages of one read asked for at once (`pages.rs`).
    pub(super) fn read_ahead(&self) -> usize {
        self.read_ahead
    }

    /// The token source (integration, grant) of this client.
    pub fn tokens(&self) -> &TokenSource {
        &self.tokens
    }

    /// Sends `req`, retrying per its operation's effect (`nmbrs::http::with_retries`).
    pub(super) async fn call(&self, req: &RestRequest) -> Result<RestReply, NmbrsError> {
        let t = &self.transport;
        let (config, name, effect) = (t.core.config(), req.op.name(), req.op.effect());
        http::with_retries(config, name, effect, t.retry_after_cap, || self.attempt(req)).await
    }

    /// One attempt: token, exchange; on a gateway 401 one repeat with the other subscription
    /// key; on any other 401 one refresh and one repeat.
    async fn attempt(&self, req: &RestRequest) -> Result<RestReply, NmbrsError> {
        let _permit = self.permits.acquire().await.expect("the semaphore is never closed");
        let token = self.token(req.op).await?;
        let keys = &self.transport.keys;
        let key = keys.first();
        match self.exchange(req, &token, key).await {
            Err(e) if e.kind() == ErrorKind::SubscriptionRefused => self.other_key(req, &token, key, e).await,
            Err(e) if e.http_status() == Some(401) => {
                tracing::info!(operation = req.op.name(), "Nmbrs answered 401; refreshing the access token once");
                self.tokens.invalidate(&token).await;
                let token = self.token(req.op).await?;
                self.exchange(req, &token, key).await
            }
            other => other,
        }
    }

    /// The gateway refused `refused`: never a refresh (the token is not the problem); the call
    /// once more with the other key, if there is one (CONTRACT §5.1).
    async fn other_key(
        &self,
        req: &RestRequest,
        token: &AccessToken,
        refused: KeySlot,
        error: NmbrsError,
    ) -> Result<RestReply, NmbrsError> {
        let keys = &self.transport.keys;
        let operation = req.op.name();
        let Some(other) = keys.other(refused) else {
            tracing::error!(
                operation,
                key = refused.name(),
                "the Nmbrs API gateway refused the app's subscription key (NMBRS_SUBSCRIPTION_KEY) and no NMBRS_SUBSCRIPTION_KEY_SECONDARY is set: Eitje's configuration must be fixed (rest_subscription_refused)"
            );
            return Err(error);
        };
        tracing::warn!(
            operation,
            refused = refused.name(),
            trying = other.name(),
            "the Nmbrs API gateway refused a subscription key; repeating the call once with the other key"
        );
        let result = self.exchange(req, token, other).await;
        match &result {
            Err(e) if e.kind() == ErrorKind::SubscriptionRefused => {
                tracing::error!(
                    operation,
                    "the Nmbrs API gateway refused both subscription keys: Eitje's configuration must be fixed (rest_subscription_refused)"
                );
            }
            _ => {
                if keys.first() != other {
                    tracing::warn!(
                        key = other.name(),
                        "the other subscription key works: it is used first from now on"
                    );
                }
                keys.prefer(other);
            }
        }
        result
    }

    async fn token(&self, op: RestOperation) -> Result<AccessToken, NmbrsError> {
        self.tokens.access_token().await.map_err(|e| rest_error(op, RestFailure::Token(e), None))
    }

    /// One HTTP exchange through the core, on a ticket of the subscription's call budget
    /// (refused unsent while a used-up quota pauses REST); a non-2xx reply becomes its
    /// classified error.
    async fn exchange(&self, req: &RestRequest, token: &AccessToken, key: KeySlot) -> Result<RestReply, NmbrsError> {
        let granted = token.scopes();
        let request = self.request(req, token, key).map_err(|f| rest_error(req.op, f, granted))?;
        let calls = self.calls.fetch_add(1, Ordering::Relaxed);
        let asked = std::time::Instant::now();
        let integration = self.tokens.integration_id();
        let called = self.transport.core.call(&Scope::Rest, integration, calls, request).await;
        let (reply, waited) = called.map_err(|e| rest_error(req.op, call_failure(e), granted))?;
        tracing::debug!(
            operation = req.op.name(),
            status = reply.status,
            bytes = reply.body.len(),
            waited_ms = waited.as_millis() as u64,
            answered_ms = asked.elapsed().saturating_sub(waited).as_millis() as u64,
            "nmbrs REST call"
        );
        if (200..300).contains(&reply.status) {
            return Ok(RestReply { body: reply.body });
        }
        Err(rest_error(req.op, error_reply(reply.status, reply.retry_after, &reply.body), granted))
    }

    fn request(
        &self,
        req: &RestRequest,
        token: &AccessToken,
        key: KeySlot,
    ) -> Result<reqwest::RequestBuilder, RestFailure> {
        let t = &self.transport;
        let mut url = format!("{}{}", t.base_url, req.path);
        if !req.query.is_empty() {
            url.push('?');
            url.push_str(&form_urlencoded::Serializer::new(String::new()).extend_pairs(&req.query).finish());
        }
        let method = reqwest::Method::from_bytes(req.op.method().as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut builder = t
            .core
            .request(method, url)
            .header(AUTHORIZATION, format!("Bearer {}", token.bearer()))
            .header("X-Subscription-Key", t.keys.get(key).expose_secret())
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = &req.body {
            let bytes = serde_json::to_vec(body).map_err(|e| RestFailure::Malformed { message: e.to_string() })?;
            builder = builder.header(CONTENT_TYPE, "application/json").body(bytes);
        }
        Ok(builder)
    }
}

/// The REST failure of a call that produced no readable reply: not sent (a paused REST scope,
/// the budget's database unavailable) or sent without a reply the client can read.
fn call_failure(e: CallError) -> RestFailure {
    match e {
        CallError::Refused(Refused::Paused) => RestFailure::Paused,
        CallError::Refused(refused @ Refused::Unavailable) => RestFailure::Connect { message: refused.to_string() },
        CallError::Send(SendError::Connect(message)) => RestFailure::Connect { message },
        CallError::Send(SendError::Transport(message)) => RestFailure::Transport { message },
        CallError::Send(SendError::Timeout(after)) => RestFailure::Timeout { after },
        CallError::Send(SendError::TooLarge(limit)) => RestFailure::TooLarge { limit },
        CallError::Send(SendError::Redirected { status, location }) => RestFailure::Redirected { status, location },
    }
}

/// The error of a call to `op` that got no readable reply, as the worker classifies it: for a
/// client that keeps the raw exchange (the probe).
pub(crate) fn call_error(op: RestOperation, e: CallError) -> NmbrsError {
    rest_error(op, call_failure(e), None)
}

/// The error of a non-2xx reply to `op` as the worker classifies it (its kind decides whether
/// `nmbrs::http::with_retries` repeats the call): for a client that keeps the raw reply (the probe).
pub(crate) fn reply_error(op: RestOperation, status: u16, retry_after: Option<Duration>, body: &[u8]) -> NmbrsError {
    rest_error(op, error_reply(status, retry_after, body), None)
}

/// The failure of a non-2xx reply: what its JSON error body says, when it is one. A 401 in the
/// API gateway's shape (`statusCode` and no Nmbrs `code` or `type`) is [`RestFailure::GatewayRefused`].
fn error_reply(status: u16, retry_after: Option<Duration>, body: &[u8]) -> RestFailure {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let gateway = json
        .as_ref()
        .is_some_and(|j| j.get("statusCode").is_some() && j.get("code").is_none() && j.get("type").is_none());
    if status == 401 && gateway {
        return RestFailure::GatewayRefused;
    }
    let field = |name: &str| json.as_ref().and_then(|j| j.get(name));
    let code = json.as_ref().and_then(http::error_code).and_then(|c| u32::try_from(c).ok());
    let error_type = field("type").and_then(Value::as_str).map(|t| http::bounded_to(t, 40));
    let title = field("title").and_then(Value::as_str).map(|t| http::bounded_to(t, 100));
    RestFailure::Status { status, code, error_type, title, retry_after }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_give_code_type_and_title_and_html_gives_none() {
        let body = br#"{"type":"throttlingError","httpStatus":429,"code":42908,"title":"Too_Many_Calls","detail":"x"}"#;
        match error_reply(429, Some(Duration::from_secs(2)), body) {
            RestFailure::Status { code, error_type, title, retry_after, .. } => {
                assert_eq!(code, Some(42908));
                assert_eq!(error_type.as_deref(), Some("throttlingError"));
                assert_eq!(title.as_deref(), Some("Too_Many_Calls"));
                assert_eq!(retry_after, Some(Duration::from_secs(2)));
            }
            other => panic!("{other:?}"),
        }
        let html = error_reply(503, None, b"<html><body>Service Unavailable</body></html>");
        assert_eq!((html.status(), html.code()), (Some(503), None));
    }

    #[test]
    fn only_a_401_in_the_gateway_shape_is_a_gateway_refusal() {
        let gateway = br#"{"statusCode": 401, "message": "Access denied due to invalid subscription key."}"#;
        assert!(matches!(error_reply(401, None, gateway), RestFailure::GatewayRefused));
        let nmbrs = br#"{"type":"authenticationError","httpStatus":401,"code":40102,"title":"Invalid token"}"#;
        assert_eq!(error_reply(401, None, nmbrs).code(), Some(40102));
        // An empty 401 is the token's (refreshed once), and the gateway's shape on a 403 is not a key refusal.
        assert_eq!(error_reply(401, None, b"").status(), Some(401));
        assert_eq!(error_reply(403, None, gateway).status(), Some(403));
    }
}
