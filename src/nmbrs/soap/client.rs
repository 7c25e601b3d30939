//! HTTP transport of the SOAP client: POSTs envelopes through the process's HTTP core
//! (`nmbrs::http`: no redirects, the calls-per-second limit, the integration's permits, the
//! capped body read, bounded error text) and retries with the one policy of `nmbrs::http`:
//! transient failures with backoff and jitter where repeating the call is safe. Inserts are
//! never retried once the request may have left, and a failed insert whose reply does not prove
//! it was refused is in doubt.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::header::CONTENT_TYPE;
use tokio::sync::Semaphore;

use super::credentials::SoapCredentials;
use super::envelope::{self, Value};
use super::fault::SoapFault;
use super::operation::Operation;
use super::reader::{self, ReadError};
use crate::nmbrs::budget::Scope;
use crate::nmbrs::error::NmbrsError;
use crate::nmbrs::http::{self, CallError, HttpCore, SendError, bounded};

pub use crate::nmbrs::http::{ClientConfig, DEFAULT_BASE_URL, DEFAULT_MAX_CONCURRENCY};

/// The process-wide part: the HTTP core (one connection pool, the global rate limiter, the
/// integrations' permits). Cheap to clone; hand out per-integration clients with
/// [`NmbrsTransport::client_for`].
#[derive(Clone)]
pub struct NmbrsTransport {
    core: HttpCore,
}

impl fmt::Debug for NmbrsTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NmbrsTransport").field("config", self.core.config()).finish_non_exhaustive()
    }
}

impl NmbrsTransport {
    pub fn new(config: ClientConfig) -> Result<Self, reqwest::Error> {
        Ok(Self::with_core(HttpCore::new(config)?))
    }

    /// The SOAP transport on a core shared with the REST edge (one limiter, one set of permits).
    pub fn with_core(core: HttpCore) -> Self {
        NmbrsTransport { core }
    }

    pub fn config(&self) -> &ClientConfig {
        self.core.config()
    }

    /// The client of integration `integration`: its calls share at most `max_concurrency`
    /// permits with every other client of that integration made from the same core.
    pub fn client_for(&self, integration: &str, credentials: SoapCredentials, max_concurrency: usize) -> SoapClient {
        SoapClient {
            core: self.core.clone(),
            scope: Scope::Soap { domain: credentials.domain().to_owned() },
            credentials: Arc::new(credentials),
            permits: self.core.permits(integration, max_concurrency),
            write_log: None,
            integration: integration.into(),
            calls: Arc::default(),
        }
    }

    /// [`Self::client_for`] the integration named by the credentials' Nmbrs domain (tools and
    /// tests, where no integration id is at hand).
    pub fn client(&self, credentials: SoapCredentials, max_concurrency: usize) -> SoapClient {
        let integration = format!("soap-domain:{}", credentials.domain());
        self.client_for(&integration, credentials, max_concurrency)
    }
}

/// The SOAP implementation of [`super::NmbrsApi`] for one integration.
#[derive(Clone)]
pub struct SoapClient {
    core: HttpCore,
    credentials: Arc<SoapCredentials>,
    permits: Arc<Semaphore>,
    /// Where the outcome of each write is noted, when a job wants to learn its rights.
    write_log: Option<super::WriteLog>,
    /// The budget scope: the credentials' Nmbrs domain.
    scope: Scope,
    integration: Arc<str>,
    /// Calls made by this client (its job): past `bulk_after_calls` they wait in the bulk lane.
    calls: Arc<AtomicU64>,
}

impl fmt::Debug for SoapClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoapClient")
            .field("base_url", &self.core.config().base_url)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl SoapClient {
    /// A client with its own transport (tests, one-off tools).
    pub fn new(
        config: ClientConfig,
        credentials: SoapCredentials,
        max_concurrency: usize,
    ) -> Result<Self, reqwest::Error> {
        Ok(NmbrsTransport::new(config)?.client(credentials, max_concurrency))
    }

    /// Notes the outcome of every write (success, or the right refused) in `log`.
    pub fn with_write_log(mut self, log: super::WriteLog) -> Self {
        self.write_log = Some(log);
        self
    }

    /// Sends `op` with `params`, parses the answer with `parse`, and retries per the
    /// operation's [`super::Effect`] (`nmbrs::http::with_retries`).
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
        let config = self.core.config();
        let result =
            http::with_retries(config, op.name(), op.effect(), Duration::ZERO, || self.attempt(op, &body, &parse))
                .await;
        if let Some(log) = self.write_log.as_ref().filter(|_| op.is_write()) {
            match &result {
                Ok(_) => log.note(op, true),
                Err(e) if matches!(e.kind(), crate::nmbrs::ErrorKind::MissingRight { .. }) => log.note(op, false),
                Err(_) => {}
            }
        }
        result
    }

    async fn attempt<T>(
        &self,
        op: Operation,
        body: &[u8],
        parse: &impl Fn(&str) -> Result<T, ReadError>,
    ) -> Result<T, NmbrsError> {
        let _permit = self.permits.acquire().await.expect("the semaphore is never closed");
        let started = Instant::now();
        let url = format!("{}/{}", self.core.config().base_url, op.service().path());
        let request = self
            .core
            .request(reqwest::Method::POST, url)
            .header(CONTENT_TYPE, "text/xml; charset=utf-8")
            .header("SOAPAction", format!("\"{}\"", op.soap_action()))
            .body(body.to_vec());
        let calls = self.calls.fetch_add(1, Ordering::Relaxed);
        let (reply, _) = self.core.call(&self.scope, &self.integration, calls, request).await.map_err(|e| match e {
            CallError::Refused(refused) => NmbrsError::Connect { operation: op, message: refused.to_string() },
            CallError::Send(e) => send_error(op, e),
        })?;
        let status = reply.status;
        tracing::debug!(operation = op.name(), status, elapsed = ?started.elapsed(), bytes = reply.body.len(), "nmbrs call");
        let ok = (200..300).contains(&status);
        let Ok(xml) = std::str::from_utf8(&reply.body) else {
            return Err(match ok {
                true => NmbrsError::Malformed { operation: op, message: "response is not UTF-8".into() },
                false => NmbrsError::Http { operation: op, status, content_type: reply.content_type },
            });
        };
        match parse(xml) {
            Ok(value) if ok => Ok(value),
            Err(ReadError::Fault(fault)) => {
                let fault = SoapFault::redacted(fault, &self.credentials).bounded();
                Err(NmbrsError::Fault { operation: op, fault })
            }
            _ if !ok => Err(NmbrsError::Http { operation: op, status, content_type: reply.content_type }),
            Err(ReadError::Malformed(message)) => {
                Err(NmbrsError::Malformed { operation: op, message: bounded(&message) })
            }
            Ok(_) => unreachable!("2xx handled above"),
        }
    }
}

impl SoapFault {
    /// The fault with the integration's username and token taken out of its text (a proxy may
    /// echo the request).
    fn redacted(mut self, c: &SoapCredentials) -> SoapFault {
        self.faultstring = c.redact(&self.faultstring);
        self.faultcode = c.redact(&self.faultcode);
        self
    }
}

/// The SOAP error of an exchange that produced no readable reply.
fn send_error(op: Operation, e: SendError) -> NmbrsError {
    match e {
        SendError::Connect(message) => NmbrsError::Connect { operation: op, message },
        SendError::Transport(message) => NmbrsError::Transport { operation: op, message },
        SendError::Timeout(after) => NmbrsError::Timeout { operation: op, after },
        SendError::TooLarge(limit) => NmbrsError::TooLarge { operation: op, limit },
        SendError::Redirected { status, location } => NmbrsError::Redirected { operation: op, status, location },
    }
}

/// Reads a response and maps the parse result of an `Option` scalar to a required one.
pub(crate) fn required_scalar(xml: &str, op: Operation) -> Result<String, ReadError> {
    reader::read_scalar(xml, op.name())?.ok_or_else(|| ReadError::Malformed(format!("{op}: no result element")))
}
