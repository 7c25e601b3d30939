//! HTTP transport of the SOAP client: POSTs envelopes, bounds every read (size cap,
//! timeout), applies the global calls-per-second limit and the per-integration
//! concurrency limit, and retries transient failures with backoff and jitter only where
//! repeating the call is safe. Inserts are never retried once the request may have left.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use tokio::sync::Semaphore;

use super::credentials::Credentials;
use super::envelope::{self, Value};
use super::operation::{Effect, Operation};
use super::reader::{self, ReadError};
use crate::nmbrs::error::{ErrorKind, NmbrsError};

/// Nmbrs production base URL (v3); the worker POSTs to `<base>/EmployeeService.asmx`.
pub const DEFAULT_BASE_URL: &str = "https://api.nmbrs.nl/soap/v3";

/// Transport settings shared by all integrations of a process.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// `NMBRS_BASE_URL`, without trailing slash.
    pub base_url: String,
    /// Whole-call timeout (connect, send, read the full body).
    pub timeout: Duration,
    /// Responses above this many bytes are refused (company-wide reads can be large).
    pub max_response_bytes: usize,
    /// Global limit on calls per second (Nmbrs fair use serves ≤ 150/s per environment).
    pub calls_per_second: u32,
    /// Retries of a transient failure of a call that is safe to repeat.
    pub max_retries: usize,
    pub retry_min_delay: Duration,
    pub retry_max_delay: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: Duration::from_secs(120),
            max_response_bytes: 64 * 1024 * 1024,
            calls_per_second: 100,
            max_retries: 3,
            retry_min_delay: Duration::from_millis(250),
            retry_max_delay: Duration::from_secs(5),
        }
    }
}

/// Default of `NMBRS_MAX_CONCURRENCY_PER_INTEGRATION`.
pub const DEFAULT_MAX_CONCURRENCY: usize = 4;

/// The process-wide part: one HTTP connection pool and one global rate limiter. Cheap
/// to clone; hand out per-integration clients with [`NmbrsTransport::client`].
#[derive(Clone)]
pub struct NmbrsTransport {
    http: reqwest::Client,
    limiter: Arc<DefaultDirectRateLimiter>,
    config: Arc<ClientConfig>,
}

impl fmt::Debug for NmbrsTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NmbrsTransport").field("config", &self.config).finish_non_exhaustive()
    }
}

impl NmbrsTransport {
    pub fn new(mut config: ClientConfig) -> Result<Self, reqwest::Error> {
        config.base_url = config.base_url.trim_end_matches('/').to_owned();
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(15)))
            .build()?;
        let rate = NonZeroU32::new(config.calls_per_second.max(1)).expect("max(1) is non-zero");
        Ok(NmbrsTransport {
            http,
            limiter: Arc::new(RateLimiter::direct(Quota::per_second(rate))),
            config: Arc::new(config),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// A client for one integration, with at most `max_concurrency` calls in flight.
    pub fn client(&self, credentials: Credentials, max_concurrency: usize) -> SoapClient {
        SoapClient {
            transport: self.clone(),
            credentials: Arc::new(credentials),
            permits: Arc::new(Semaphore::new(max_concurrency.max(1))),
        }
    }
}

/// The SOAP implementation of [`super::NmbrsApi`] for one integration.
#[derive(Clone)]
pub struct SoapClient {
    transport: NmbrsTransport,
    credentials: Arc<Credentials>,
    permits: Arc<Semaphore>,
}

impl fmt::Debug for SoapClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoapClient")
            .field("base_url", &self.transport.config.base_url)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl SoapClient {
    /// A client with its own transport (tests, one-off tools).
    pub fn new(config: ClientConfig, credentials: Credentials, max_concurrency: usize) -> Result<Self, reqwest::Error> {
        Ok(NmbrsTransport::new(config)?.client(credentials, max_concurrency))
    }

    /// Sends `op` with `params`, parses the answer with `parse`, and retries per the
    /// operation's [`Effect`].
    pub(crate) async fn call<T>(
        &self,
        op: Operation,
        params: &[(&'static str, Value<'_>)],
        parse: impl Fn(&str) -> Result<T, ReadError>,
    ) -> Result<T, NmbrsError> {
        if let Some((name, id)) = params.iter().find_map(|(n, v)| Some((n, v.foreign_id()?))) {
            let company = name.to_ascii_lowercase().starts_with("company");
            return Err(NmbrsError::ForeignId { operation: op, id, company });
        }
        let body = envelope::request(op, &self.credentials, params);
        let config = &self.transport.config;
        let backoff = ExponentialBuilder::default()
            .with_jitter()
            .with_min_delay(config.retry_min_delay)
            .with_max_delay(config.retry_max_delay)
            .with_max_times(config.max_retries);
        let unknown_faults = AtomicUsize::new(0);
        let insert = op.effect() == Effect::Insert;
        let result = (|| self.attempt(op, &body, &parse))
            .retry(backoff)
            .sleep(tokio::time::sleep)
            .when(|e: &NmbrsError| {
                if e.kind() != ErrorKind::Transient || (insert && !e.certainly_not_applied()) {
                    return false;
                }
                // 9999 is a catch-all: one retry, then it counts as permanent.
                e.nmbrs_code() != Some(9999) || unknown_faults.fetch_add(1, Ordering::Relaxed) < 1
            })
            .notify(|e, delay| {
                tracing::warn!(operation = op.name(), error = %e, ?delay, "nmbrs call failed, retrying");
            })
            .await;
        match result {
            Err(e) if insert && may_have_been_applied(&e) => {
                Err(NmbrsError::OutcomeUnknown { operation: op, cause: Box::new(e) })
            }
            other => other,
        }
    }

    async fn attempt<T>(
        &self,
        op: Operation,
        body: &[u8],
        parse: &impl Fn(&str) -> Result<T, ReadError>,
    ) -> Result<T, NmbrsError> {
        let _permit = self.permits.acquire().await.expect("the semaphore is never closed");
        self.transport.limiter.until_ready().await;
        let started = Instant::now();
        let timeout = self.transport.config.timeout;
        let (status, content_type, bytes) = tokio::time::timeout(timeout, self.exchange(op, body.to_vec()))
            .await
            .map_err(|_| NmbrsError::Timeout { operation: op, after: timeout })??;
        tracing::debug!(operation = op.name(), status, elapsed = ?started.elapsed(), bytes = bytes.len(), "nmbrs call");
        let xml = std::str::from_utf8(&bytes)
            .map_err(|_| NmbrsError::Malformed { operation: op, message: "response is not UTF-8".into() });
        let parsed = xml.map(|xml| (xml, parse(xml)));
        match parsed {
            Ok((_, Ok(value))) if (200..300).contains(&status) => Ok(value),
            Ok((_, Err(ReadError::Fault(fault)))) => {
                Err(NmbrsError::Fault { operation: op, fault: redact_fault(fault, &self.credentials) })
            }
            _ if !(200..300).contains(&status) => Err(NmbrsError::Http { operation: op, status, content_type }),
            Ok((_, Err(ReadError::Malformed(message)))) => Err(NmbrsError::Malformed { operation: op, message }),
            Ok((_, Ok(_))) => unreachable!("2xx handled above"),
            Err(e) => Err(e),
        }
    }

    /// One HTTP exchange; the body is read as a stream and refused above the cap.
    async fn exchange(&self, op: Operation, body: Vec<u8>) -> Result<(u16, String, Vec<u8>), NmbrsError> {
        let config = &self.transport.config;
        let url = format!("{}/{}", config.base_url, op.service().path());
        let mut response = self
            .transport
            .http
            .post(url)
            .header(CONTENT_TYPE, "text/xml; charset=utf-8")
            .header("SOAPAction", format!("\"{}\"", op.soap_action()))
            .body(body)
            .send()
            .await
            .map_err(|e| transport_error(op, &e, config.timeout))?;
        let status = response.status().as_u16();
        let content_type = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let limit = config.max_response_bytes;
        let too_large = NmbrsError::TooLarge { operation: op, limit };
        let announced = response.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
        if announced.is_some_and(|n| n > limit) {
            return Err(too_large);
        }
        let mut bytes = Vec::with_capacity(announced.unwrap_or(8 * 1024).min(limit));
        while let Some(chunk) = response.chunk().await.map_err(|e| transport_error(op, &e, config.timeout))? {
            if bytes.len() + chunk.len() > limit {
                return Err(too_large);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok((status, content_type, bytes))
    }
}

fn transport_error(op: Operation, e: &reqwest::Error, timeout: Duration) -> NmbrsError {
    // reqwest's Display names the URL (no secrets in it) and the cause chain.
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    if e.is_timeout() {
        NmbrsError::Timeout { operation: op, after: timeout }
    } else if e.is_connect() {
        NmbrsError::Connect { operation: op, message }
    } else {
        NmbrsError::Transport { operation: op, message }
    }
}

/// A refused insert (a definite fault, not transient) was not applied; anything else
/// after the request may have left leaves the outcome open.
fn may_have_been_applied(e: &NmbrsError) -> bool {
    match e {
        NmbrsError::Fault { .. } => e.kind() == ErrorKind::Transient && !e.certainly_not_applied(),
        NmbrsError::Connect { .. } => false,
        _ => true,
    }
}

fn redact_fault(mut fault: super::fault::SoapFault, c: &Credentials) -> super::fault::SoapFault {
    fault.faultstring = c.redact(&fault.faultstring);
    fault
}

/// Reads a response and maps the parse result of an `Option` scalar to a required one.
pub(crate) fn required_scalar(xml: &str, op: Operation) -> Result<String, ReadError> {
    reader::read_scalar(xml, op.name())?.ok_or_else(|| ReadError::Malformed(format!("{op}: no result element")))
}
