//! The process-wide HTTP core of every Nmbrs client: one `reqwest::Client` whose redirect policy
//! is *none*, the call budget (`nmbrs::budget`, shared with every process through PostgreSQL in
//! the worker), the per-integration permits, and one exchange (send under the timeout, read the
//! body up to the cap).
//!
//! The order of a call is the same on both APIs: the integration's permit (held for the whole
//! attempt), then (REST) the access token, then one budget ticket per HTTP request, then the
//! request under the timeout (so waiting for the budget never eats the timeout), then the
//! outcome reported on the ticket ([`HttpCore::call`]: SOAP, REST and the probe).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, LOCATION, RETRY_AFTER};
use tokio::sync::Semaphore;

use super::config::ClientConfig;
use super::text::{bounded_to, error_chain, error_code};
use crate::nmbrs::budget::{BudgetSettings, CallBudget, Outcome, Refused, Scope};

/// Builds a `reqwest::Client` with the one redirect policy of every Nmbrs client: none. A 3xx
/// reply is returned as it is and turned into an error ([`SendError::Redirected`]), never
/// followed: a followed redirect would carry the API user and token (SOAP body), the bearer
/// token and subscription key (REST) or the client secret (token endpoint) to whatever host
/// the `Location` names, https→http included.
pub fn build_client(connect_timeout: Duration, timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// Why one HTTP exchange produced no reply the client can read.
#[derive(Clone, Debug, thiserror::Error)]
pub enum SendError {
    /// The connection could not be made: the request was certainly not sent.
    #[error("connection failed: {0}")]
    Connect(String),
    /// The connection broke after the request may have been sent (or the reply was lost).
    #[error("connection lost: {0}")]
    Transport(String),
    /// No complete answer within the timeout.
    #[error("no complete answer within {0:?}")]
    Timeout(Duration),
    /// The reply was larger than the cap (bytes).
    #[error("reply larger than {0} bytes")]
    TooLarge(usize),
    /// A 3xx reply: refused, never followed. `location` is the target's scheme and host only.
    #[error("HTTP {status}, a redirect to {location}; not followed")]
    Redirected { status: u16, location: String },
}

/// Why a call on a budget ticket ([`HttpCore::call`]) got no reply.
#[derive(Clone, Debug, thiserror::Error)]
pub enum CallError {
    /// Not sent: the budget gave no ticket (a paused scope, or its database unavailable).
    #[error("not sent: {0}")]
    Refused(Refused),
    /// Sent (or tried), and no readable reply came.
    #[error(transparent)]
    Send(SendError),
}

impl SendError {
    /// The error of a failed `reqwest` send or body read (its message without the URL).
    pub fn of(e: reqwest::Error, timeout: Duration) -> SendError {
        if e.is_timeout() {
            return SendError::Timeout(timeout);
        }
        let connect = e.is_connect();
        let message = error_chain(&e.without_url());
        if connect { SendError::Connect(message) } else { SendError::Transport(message) }
    }
}

/// A reply that is not a redirect, its body read in full.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// `Content-Type`, at most 100 characters.
    pub content_type: String,
    /// `Retry-After` in seconds, when sent.
    pub retry_after: Option<Duration>,
    /// Every header as it came (for a client that records the exchange, e.g. the probe).
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// Reads `response`'s body as a stream, refusing it (unread) once it passes `limit` bytes.
pub async fn read_capped(
    response: &mut reqwest::Response,
    limit: usize,
    timeout: Duration,
) -> Result<Vec<u8>, SendError> {
    let announced = response.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if announced.is_some_and(|n| n > limit) {
        return Err(SendError::TooLarge(limit));
    }
    let mut body = Vec::with_capacity(announced.unwrap_or(8 * 1024).min(limit));
    while let Some(chunk) = response.chunk().await.map_err(|e| SendError::of(e, timeout))? {
        if body.len() + chunk.len() > limit {
            return Err(SendError::TooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The scheme and host (and port) a `Location` names, for the error; never its path or query.
pub fn redirect_target(location: Option<&str>) -> String {
    match location.map(reqwest::Url::parse) {
        None => "(no Location)".into(),
        Some(Ok(url)) => {
            let host = url.host_str().unwrap_or("?");
            let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
            bounded_to(&format!("{}://{host}{port}", url.scheme()), 200)
        }
        Some(Err(_)) => "(a relative Location on the same host)".into(),
    }
}

/// The integrations' permits, by integration: one semaphore per integration for as long as a
/// client of it lives (held weakly, so the map never outgrows the integrations in flight).
#[derive(Default)]
struct Permits(Mutex<HashMap<String, Weak<Semaphore>>>);

impl Permits {
    fn of(&self, integration: &str, max: usize) -> Arc<Semaphore> {
        let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(permits) = map.get(integration).and_then(Weak::upgrade) {
            return permits;
        }
        map.retain(|_, held| held.strong_count() > 0);
        let permits = Arc::new(Semaphore::new(max.max(1)));
        map.insert(integration.to_owned(), Arc::downgrade(&permits));
        permits
    }
}

struct Inner {
    http: reqwest::Client,
    budget: CallBudget,
    permits: Permits,
    config: ClientConfig,
}

/// The HTTP core of one process, shared by its SOAP and REST transports. Cheap to clone.
#[derive(Clone)]
pub struct HttpCore(Arc<Inner>);

impl std::fmt::Debug for HttpCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpCore").field("config", &self.0.config).finish_non_exhaustive()
    }
}

impl HttpCore {
    /// The core with `config` (its `base_url` without a trailing `/`) and a call budget of
    /// this process alone, at `config.calls_per_second` per scope (tools and tests; the worker
    /// uses [`HttpCore::with_budget`]).
    pub fn new(config: ClientConfig) -> Result<Self, reqwest::Error> {
        let rate = f64::from(config.calls_per_second.max(1));
        let budget = CallBudget::local(BudgetSettings { rest_rate: rate, soap_rate: rate, ..Default::default() });
        Self::with_budget(config, budget)
    }

    /// The core with `config` whose calls wait for `budget` (the worker's is shared with every
    /// process through PostgreSQL).
    pub fn with_budget(mut config: ClientConfig, budget: CallBudget) -> Result<Self, reqwest::Error> {
        config.base_url = config.base_url.trim_end_matches('/').to_owned();
        let http = build_client(config.timeout.min(Duration::from_secs(15)), config.timeout)?;
        Ok(HttpCore(Arc::new(Inner { http, budget, permits: Permits::default(), config })))
    }

    pub fn config(&self) -> &ClientConfig {
        &self.0.config
    }

    /// The call budget every call of this core waits for.
    pub fn budget(&self) -> &CallBudget {
        &self.0.budget
    }

    /// The permits of `integration`: every client of it made from this core (any job, either
    /// API) shares them, so at most `max` of its calls are in flight at once.
    pub fn permits(&self, integration: &str, max: usize) -> Arc<Semaphore> {
        self.0.permits.of(integration, max)
    }

    /// A request on the core's client.
    pub fn request(&self, method: reqwest::Method, url: String) -> reqwest::RequestBuilder {
        self.0.http.request(method, url)
    }

    /// One call of `integration` on a ticket of `scope`'s budget, its job's `calls`-th so far
    /// (`CallBudget::ticket`): waits for the ticket, makes the [`exchange`](Self::exchange) and
    /// tells the budget what came back ([`outcome`]). The reply, and how long the ticket took.
    pub async fn call(
        &self,
        scope: &Scope,
        integration: &str,
        calls: u64,
        request: reqwest::RequestBuilder,
    ) -> Result<(Reply, Duration), CallError> {
        let asked = std::time::Instant::now();
        let ticket = self.budget().ticket(scope, integration, calls).await.map_err(CallError::Refused)?;
        let waited = asked.elapsed();
        let reply = self.exchange(request).await;
        ticket.report(outcome(scope, &reply)).await;
        reply.map(|r| (r, waited)).map_err(CallError::Send)
    }

    /// One exchange, once the caller holds its budget ticket: sends `request` and reads its
    /// reply within the timeout. A 3xx is [`SendError::Redirected`]; any other status is the
    /// caller's to judge.
    pub async fn exchange(&self, request: reqwest::RequestBuilder) -> Result<Reply, SendError> {
        let timeout = self.0.config.timeout;
        tokio::time::timeout(timeout, self.send(request)).await.unwrap_or(Err(SendError::Timeout(timeout)))
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Reply, SendError> {
        let timeout = self.0.config.timeout;
        let mut response = request.send().await.map_err(|e| SendError::of(e, timeout))?;
        let status = response.status().as_u16();
        let header = |name| response.headers().get(name).and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok());
        if response.status().is_redirection() {
            return Err(SendError::Redirected { status, location: redirect_target(header(LOCATION)) });
        }
        let content_type = bounded_to(header(CONTENT_TYPE).unwrap_or(""), 100);
        let retry_after = header(RETRY_AFTER).and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs);
        let body = read_capped(&mut response, self.0.config.max_response_bytes, timeout).await?;
        let headers = std::mem::take(response.headers_mut());
        Ok(Reply { status, content_type, retry_after, headers, body })
    }
}

/// What a reply tells the budget of `scope`: any 429 is throttling (with its `Retry-After`),
/// but on REST a 429 whose JSON error `code` is `42909` is the used-up quota; a 5xx, 401 or 403
/// is no answer of the API's (it ends no quota pause); any other status is the API's answer.
pub fn outcome(scope: &Scope, reply: &Result<Reply, SendError>) -> Outcome {
    match reply {
        Ok(r) if r.status == 429 => {
            let code = || serde_json::from_slice::<serde_json::Value>(&r.body).ok().as_ref().and_then(error_code);
            if *scope == Scope::Rest && code() == Some(42909) {
                Outcome::QuotaExceeded
            } else {
                Outcome::Throttled(r.retry_after)
            }
        }
        // A 5xx or a refused key or token comes from before the quota's gate or says nothing of
        // it: a probe answered so must not end the pause for every process (issue 22: "until a
        // call succeeds"). Other 4xx (404 `40401`, 400 …) are the API's own answer: through.
        Ok(r) if r.status >= 500 || r.status == 401 || r.status == 403 => Outcome::NoAnswer,
        Ok(_) => Outcome::Answered,
        Err(_) => Outcome::NoAnswer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_names_only_the_scheme_and_host_of_its_target() {
        assert_eq!(redirect_target(Some("http://evil.example:8080/steal?token=x")), "http://evil.example:8080");
        assert_eq!(redirect_target(Some("https://api.nmbrs.nl/soap/v3/x")), "https://api.nmbrs.nl");
        assert_eq!(redirect_target(Some("/elsewhere")), "(a relative Location on the same host)");
        assert_eq!(redirect_target(None), "(no Location)");
    }

    #[tokio::test]
    async fn one_integration_shares_its_permits_and_others_have_their_own() {
        let core = HttpCore::new(ClientConfig::default()).unwrap();
        let a = core.permits("env-1", 2);
        let again = core.permits("env-1", 2);
        assert!(Arc::ptr_eq(&a, &again));
        assert!(!Arc::ptr_eq(&a, &core.permits("env-2", 2)));
        let held = a.clone().acquire_owned().await.unwrap();
        assert_eq!(again.available_permits(), 1);
        drop((held, a, again));
        // Once no client holds them they are forgotten: a new client starts with all permits.
        assert_eq!(core.permits("env-1", 2).available_permits(), 2);
    }

    /// Issue 22: after a `42909` every process stops calling REST, but for one probing call,
    /// "until a call succeeds" ([`Refused::Paused`] says the same). A probe the gateway answers
    /// 503 (or 401 for a stale token) shows nothing about the quota, so it must not end the
    /// pause; `outcome` counts every status but 429 as `Answered`, and an answered probe
    /// resumes REST for every process.
    #[tokio::test]
    async fn a_probe_answered_with_a_server_error_does_not_end_the_quota_pause() {
        use crate::nmbrs::budget::{BudgetSettings, CallBudget, Outcome, Refused, Scope};
        let settings = BudgetSettings { probe_every: Duration::from_millis(10), ..BudgetSettings::default() };
        let budget = CallBudget::local(settings);
        let first = budget.ticket(&Scope::Rest, "a", 0).await.unwrap();
        first.report(Outcome::QuotaExceeded).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        let probe = budget.ticket(&Scope::Rest, "a", 1).await.unwrap();
        assert!(probe.is_probe(), "after a 42909 the next call is the probe");
        let page = b"<html><body><h1>Service Unavailable</h1></body></html>".to_vec();
        let reply = Ok(Reply {
            status: 503,
            content_type: "text/html".into(),
            retry_after: None,
            headers: HeaderMap::new(),
            body: page,
        });
        probe.report(outcome(&Scope::Rest, &reply)).await;
        match budget.ticket(&Scope::Rest, "a", 2).await {
            Err(Refused::Paused) => {}
            Err(other) => panic!("refused for another reason: {other}"),
            Ok(next) => {
                assert!(next.is_probe(), "a 503 to the probe ended the quota pause: REST resumes for every process")
            }
        }
    }
}
