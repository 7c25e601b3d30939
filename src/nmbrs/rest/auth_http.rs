//! The worker's reqwest 0.13 as the HTTP client of the `oauth2` crate (whose own reqwest
//! feature pins reqwest 0.12): one bounded POST to the token endpoint.
//!
//! Built on the HTTP core of every Nmbrs client (`nmbrs::http`): its client builder (no
//! redirects: a token request carries the client secret; the oauth2 crate's docs advise against
//! following redirects), its capped body read and its bounded error text; its own timeouts and
//! a small reply limit. A 3xx, 5xx or 429 reply becomes an error here rather than a "response",
//! so the caller treats it like a lost reply (the refresh may or may not have happened). The
//! token endpoint is not a Nmbrs API call: it takes no cell of the calls-per-second limit.
//! Errors never carry the request or the reply body: both hold secrets.

use std::{future::Future, pin::Pin, time::Duration};

use oauth2::{AsyncHttpClient, HttpRequest, HttpResponse};

use crate::nmbrs::http::{SendError, build_client, error_chain, read_capped, redirect_target};

/// Bounds of a token request.
#[derive(Debug, Clone, Copy)]
pub struct TokenHttpLimits {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub max_reply_bytes: usize,
}

impl Default for TokenHttpLimits {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_reply_bytes: 64 * 1024,
        }
    }
}

/// The HTTP client handed to `oauth2`'s `request_async`.
#[derive(Debug, Clone)]
pub struct TokenHttp {
    client: reqwest::Client,
    max_reply_bytes: usize,
    timeout: Duration,
}

/// Why a token request got no usable HTTP reply. None of these says whether the token endpoint
/// already rotated the refresh token.
#[derive(Debug, thiserror::Error)]
pub enum TokenHttpError {
    /// Connection, TLS, timeout or a broken reply (reqwest's error without its URL).
    #[error("token endpoint not reached or reply lost: {0}")]
    Transport(String),
    /// The token endpoint answered 5xx or 429.
    #[error("token endpoint answered HTTP {0}")]
    Unavailable(u16),
    /// The token endpoint answered with a redirect, which is never followed.
    #[error("token endpoint answered HTTP {status}, a redirect to {location}; not followed")]
    Redirected { status: u16, location: String },
    /// The reply was larger than the limit.
    #[error("token endpoint reply larger than {0} bytes")]
    TooLarge(usize),
    /// The request oauth2 built could not be sent (a bug, not a network condition).
    #[error("token request could not be built: {0}")]
    Request(String),
}

impl TokenHttp {
    pub fn new(limits: TokenHttpLimits) -> reqwest::Result<Self> {
        let client = build_client(limits.connect_timeout, limits.request_timeout)?;
        Ok(Self { client, max_reply_bytes: limits.max_reply_bytes, timeout: limits.request_timeout })
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TokenHttpError> {
        let request: reqwest::Request =
            request.try_into().map_err(|e: reqwest::Error| TokenHttpError::Request(error_chain(&e.without_url())))?;
        let mut response = self.client.execute(request).await.map_err(|e| lost(SendError::of(e, self.timeout)))?;
        let status = response.status();
        if status.is_redirection() {
            let location = response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok());
            return Err(TokenHttpError::Redirected { status: status.as_u16(), location: redirect_target(location) });
        }
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(TokenHttpError::Unavailable(status.as_u16()));
        }
        let mut builder = oauth2::http::Response::builder().status(status.as_u16());
        for (name, value) in response.headers() {
            builder = builder.header(name.as_str(), value.as_bytes());
        }
        let body = read_capped(&mut response, self.max_reply_bytes, self.timeout).await.map_err(lost)?;
        builder.body(body).map_err(|e| TokenHttpError::Transport(format!("unreadable reply head: {e}")))
    }
}

/// A reply that never arrived whole.
fn lost(e: SendError) -> TokenHttpError {
    match e {
        SendError::TooLarge(limit) => TokenHttpError::TooLarge(limit),
        SendError::Timeout(after) => TokenHttpError::Transport(format!("no complete reply within {after:?}")),
        SendError::Connect(message) | SendError::Transport(message) => TokenHttpError::Transport(message),
        SendError::Redirected { status, location } => TokenHttpError::Redirected { status, location },
    }
}

impl<'c> AsyncHttpClient<'c> for TokenHttp {
    type Error = TokenHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}
