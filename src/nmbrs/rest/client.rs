//! HTTP transport of the REST client (CONTRACT §5.3): one [`RestTransport`] per process (one
//! `reqwest::Client`, a calls-per-second limit, the app's subscription key) and one
//! [`RestClient`] per integration (its [`TokenSource`], a concurrency limit).
//!
//! Every call carries `Authorization: Bearer` and `X-Subscription-Key`; a 401 invalidates the
//! token, refreshes once and repeats the call once. Replies are read as a stream and refused
//! above the size cap; the whole call has the timeout of [`ClientConfig`] (as on SOAP).
//! Transient failures ([`ErrorKind::Transient`]: 5xx, 429 `42908`, timeouts, broken
//! connections) are retried with `backon`'s exponential backoff and jitter, waiting at least
//! `Retry-After` when Nmbrs sends it (up to [`RestTransport::retry_after_cap`]; a longer wait is
//! left to the job's retry schedule). A POST insert is repeated only when it certainly did
//! not reach Nmbrs; once it may have, the failure becomes [`ErrorKind::OutcomeUnknown`].
//! 429 `42909` (quota used up) is never retried here.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::sync::Semaphore;

use super::error::{RestFailure, classify};
use super::operation::RestOperation;
use super::wire::PageEnvelope;
use super::{AccessToken, RestConfig, RestNotConfigured, TokenSource};
use crate::nmbrs::{ClientConfig, Effect, ErrorKind, NmbrsError};

/// Nmbrs' largest page size (REST-NOTES §1 "Pagination").
pub const PAGE_SIZE: usize = 100;
/// More pages than this in one read is taken as a broken `nextPage` chain.
const MAX_PAGES: usize = 10_000;

/// Why a [`RestTransport`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RestTransportError {
    #[error(transparent)]
    NotConfigured(#[from] RestNotConfigured),
    #[error("the HTTP client could not be built: {0}")]
    Http(#[from] reqwest::Error),
}

/// The process-wide part of the REST edge. Cheap to clone.
#[derive(Clone)]
pub struct RestTransport {
    http: reqwest::Client,
    limiter: Arc<DefaultDirectRateLimiter>,
    config: Arc<ClientConfig>,
    base_url: Arc<str>,
    subscription_key: SecretString,
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
    /// `rest_not_configured`); `config` the timeout, size cap, call rate and retries (its SOAP
    /// `base_url` is not used).
    pub fn new(rest: &RestConfig, config: ClientConfig) -> Result<Self, RestTransportError> {
        let app = rest.app()?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(15)))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let rate = NonZeroU32::new(config.calls_per_second.max(1)).expect("max(1) is non-zero");
        Ok(RestTransport {
            http,
            limiter: Arc::new(RateLimiter::direct(Quota::per_second(rate))),
            config: Arc::new(config),
            base_url: rest.base_url.trim_end_matches('/').into(),
            subscription_key: app.subscription_key.clone(),
            retry_after_cap: Duration::from_secs(60),
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

    /// The client of one integration's job, with at most `max_concurrency` calls in flight.
    pub fn client(&self, tokens: TokenSource, max_concurrency: usize) -> RestClient {
        RestClient {
            transport: self.clone(),
            tokens: Arc::new(tokens),
            permits: Arc::new(Semaphore::new(max_concurrency.max(1))),
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
pub(super) struct Request {
    pub op: RestOperation,
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<Value>,
}

/// A 2xx reply.
pub(super) struct Reply {
    pub body: Vec<u8>,
}

fn rest_error(op: RestOperation, failure: RestFailure, granted: Option<&[String]>) -> NmbrsError {
    let kind = classify(op, &failure, granted);
    NmbrsError::Rest { operation: op, failure: Box::new(failure), kind }
}

fn failure_of(e: &NmbrsError) -> Option<&RestFailure> {
    match e {
        NmbrsError::Rest { failure, .. } => Some(failure),
        _ => None,
    }
}

impl RestClient {
    /// `NMBRS_REST_DAYS_POST` of the process.
    pub(super) fn days_post_setting(&self) -> super::DaysPostSetting {
        self.transport.days_post
    }

    /// The token source (integration, grant) of this client.
    pub fn tokens(&self) -> &TokenSource {
        &self.tokens
    }

    /// Sends `req`, retrying per its operation's [`Effect`] (module doc).
    pub(super) async fn call(&self, req: &Request) -> Result<Reply, NmbrsError> {
        let config = &self.transport.config;
        let backoff = ExponentialBuilder::default()
            .with_jitter()
            .with_min_delay(config.retry_min_delay)
            .with_max_delay(config.retry_max_delay)
            .with_max_times(config.max_retries);
        let insert = req.op.effect() == Effect::Insert;
        let cap = self.transport.retry_after_cap;
        let result = (|| self.attempt(req))
            .retry(backoff)
            .sleep(tokio::time::sleep)
            .when(|e: &NmbrsError| {
                e.kind() == ErrorKind::Transient
                    && (!insert || failure_of(e).is_some_and(RestFailure::certainly_not_applied))
            })
            .adjust(move |e: &NmbrsError, backoff: Option<Duration>| {
                match (backoff, failure_of(e).and_then(RestFailure::retry_after)) {
                    (Some(_), Some(wait)) if wait > cap => None,
                    (Some(delay), Some(wait)) => Some(delay.max(wait)),
                    (delay, _) => delay,
                }
            })
            .notify(|e, delay| {
                tracing::warn!(operation = req.op.name(), error = %e, ?delay, "nmbrs REST call failed, retrying");
            })
            .await;
        match result {
            Err(NmbrsError::Rest { operation, failure, kind })
                if insert && kind == ErrorKind::Transient && !failure.certainly_not_applied() =>
            {
                Err(NmbrsError::Rest { operation, failure, kind: ErrorKind::OutcomeUnknown })
            }
            // A 2xx insert whose answer cannot be read did land; its id is unknown.
            Err(NmbrsError::Rest { operation, failure, .. })
                if insert && matches!(*failure, RestFailure::Malformed { .. } | RestFailure::TooLarge { .. }) =>
            {
                Err(NmbrsError::Rest { operation, failure, kind: ErrorKind::OutcomeUnknown })
            }
            other => other,
        }
    }

    /// One attempt: token, exchange; on 401 one refresh and one repeat.
    async fn attempt(&self, req: &Request) -> Result<Reply, NmbrsError> {
        let _permit = self.permits.acquire().await.expect("the semaphore is never closed");
        let token = self.token(req.op).await?;
        match self.exchange(req, &token).await {
            Err(e) if e.http_status() == Some(401) => {
                tracing::info!(operation = req.op.name(), "Nmbrs answered 401; refreshing the access token once");
                self.tokens.invalidate(&token).await;
                let token = self.token(req.op).await?;
                self.exchange(req, &token).await
            }
            other => other,
        }
    }

    async fn token(&self, op: RestOperation) -> Result<AccessToken, NmbrsError> {
        self.tokens.access_token().await.map_err(|e| rest_error(op, RestFailure::Token(e), None))
    }

    /// One HTTP exchange under the timeout; a non-2xx reply becomes its classified error.
    async fn exchange(&self, req: &Request, token: &AccessToken) -> Result<Reply, NmbrsError> {
        self.transport.limiter.until_ready().await;
        let timeout = self.transport.config.timeout;
        let granted = token.scopes();
        let outcome = tokio::time::timeout(timeout, self.send(req, token)).await;
        let (status, retry_after, body) = match outcome {
            Err(_) => return Err(rest_error(req.op, RestFailure::Timeout { after: timeout }, granted)),
            Ok(Err(failure)) => return Err(rest_error(req.op, failure, granted)),
            Ok(Ok(reply)) => reply,
        };
        tracing::debug!(operation = req.op.name(), status, bytes = body.len(), "nmbrs REST call");
        if (200..300).contains(&status) {
            return Ok(Reply { body });
        }
        Err(rest_error(req.op, error_reply(status, retry_after, &body), granted))
    }

    async fn send(&self, req: &Request, token: &AccessToken) -> Result<(u16, Option<Duration>, Vec<u8>), RestFailure> {
        let t = &self.transport;
        let mut url = format!("{}{}", t.base_url, req.path);
        if !req.query.is_empty() {
            url.push('?');
            url.push_str(&form_urlencoded::Serializer::new(String::new()).extend_pairs(&req.query).finish());
        }
        let method = reqwest::Method::from_bytes(req.op.method().as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut builder = t
            .http
            .request(method, url)
            .header(AUTHORIZATION, format!("Bearer {}", token.bearer()))
            .header("X-Subscription-Key", t.subscription_key.expose_secret())
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = &req.body {
            let bytes = serde_json::to_vec(body).map_err(|e| RestFailure::Malformed { message: e.to_string() })?;
            builder = builder.header(CONTENT_TYPE, "application/json").body(bytes);
        }
        let mut response = builder.send().await.map_err(transport_failure)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let limit = t.config.max_response_bytes;
        let announced = response.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
        if announced.is_some_and(|n| n > limit) {
            return Err(RestFailure::TooLarge { limit });
        }
        let mut body = Vec::with_capacity(announced.unwrap_or(4096).min(limit));
        while let Some(chunk) = response.chunk().await.map_err(transport_failure)? {
            if body.len() + chunk.len() > limit {
                return Err(RestFailure::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, retry_after, body))
    }

    /// Every `data` item of a read, following `nextPage` to the end with `pageSize` 100 (the
    /// current-period read declares no paging parameters and is read once).
    pub(super) async fn get_all(
        &self,
        op: RestOperation,
        path: String,
        query: Vec<(&'static str, String)>,
    ) -> Result<Vec<Value>, NmbrsError> {
        let mut items = Vec::new();
        self.get_pages(op, path, query, |page| items.extend(page)).await?;
        Ok(items)
    }

    /// [`Self::get_all`], handing each page's `data` to `on_page` as it arrives, so a big
    /// company-wide read never holds all its pages as JSON trees at once (the caller keeps only
    /// its typed records).
    pub(super) async fn get_pages(
        &self,
        op: RestOperation,
        path: String,
        query: Vec<(&'static str, String)>,
        mut on_page: impl FnMut(Vec<Value>) + Send,
    ) -> Result<(), NmbrsError> {
        let mut page = 1usize;
        loop {
            let mut q = query.clone();
            if op.paged() {
                q.push(("pageNumber", page.to_string()));
                q.push(("pageSize", PAGE_SIZE.to_string()));
            }
            let reply = self.call(&Request { op, path: path.clone(), query: q, body: None }).await?;
            let envelope: PageEnvelope = serde_json::from_slice(&reply.body).map_err(|e| {
                rest_error(
                    op,
                    RestFailure::Malformed { message: format!("not a {{pagination, data}} page: {e}") },
                    None,
                )
            })?;
            let more = op.paged() && envelope.has_next() && !envelope.data.is_empty();
            on_page(envelope.data);
            if !more {
                return Ok(());
            }
            page += 1;
            if page > MAX_PAGES {
                let message = format!("more than {MAX_PAGES} pages");
                return Err(rest_error(op, RestFailure::Malformed { message }, None));
            }
        }
    }
}

/// The failure of a non-2xx reply: what its JSON error body says, when it is one.
fn error_reply(status: u16, retry_after: Option<Duration>, body: &[u8]) -> RestFailure {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let field = |name: &str| json.as_ref().and_then(|j| j.get(name));
    let code = field("code")
        .and_then(|c| c.as_u64().or_else(|| c.as_str()?.trim().parse().ok()))
        .and_then(|c| u32::try_from(c).ok());
    let error_type = field("type").and_then(Value::as_str).map(|t| t.chars().take(40).collect());
    let title = field("title").and_then(Value::as_str).map(|t| t.chars().take(100).collect());
    RestFailure::Status { status, code, error_type, title, retry_after }
}

fn transport_failure(e: reqwest::Error) -> RestFailure {
    let connect = e.is_connect();
    let e = e.without_url();
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    if connect { RestFailure::Connect { message } } else { RestFailure::Transport { message } }
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
}
