//! The worker's reqwest 0.13 as the HTTP client of the `oauth2` crate (whose own reqwest
//! feature pins reqwest 0.12): one bounded POST to the token endpoint.
//!
//! Bounds as on the SOAP edge: a connect timeout, a whole-request timeout, a reply size limit,
//! and no redirects (a token request carries the client secret; the oauth2 crate's docs advise
//! against following redirects). A 5xx or 429 reply becomes an error here rather than a
//! "response", so the caller treats it like a lost reply (the refresh may or may not have
//! happened). Errors never carry the request or the reply body: both hold secrets.

use std::{future::Future, pin::Pin, time::Duration};

use oauth2::{AsyncHttpClient, HttpRequest, HttpResponse};

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
    /// The reply was larger than the limit.
    #[error("token endpoint reply larger than {0} bytes")]
    TooLarge(usize),
    /// The request oauth2 built could not be sent (a bug, not a network condition).
    #[error("token request could not be built: {0}")]
    Request(String),
}

impl TokenHttp {
    pub fn new(limits: TokenHttpLimits) -> reqwest::Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self { client, max_reply_bytes: limits.max_reply_bytes })
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TokenHttpError> {
        let request: reqwest::Request =
            request.try_into().map_err(|e: reqwest::Error| TokenHttpError::Request(e.without_url().to_string()))?;
        let transport = |e: reqwest::Error| TokenHttpError::Transport(e.without_url().to_string());
        let mut response = self.client.execute(request).await.map_err(transport)?;
        let status = response.status();
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(TokenHttpError::Unavailable(status.as_u16()));
        }
        if response.content_length().is_some_and(|n| n > self.max_reply_bytes as u64) {
            return Err(TokenHttpError::TooLarge(self.max_reply_bytes));
        }
        let mut builder = oauth2::http::Response::builder().status(status.as_u16());
        for (name, value) in response.headers() {
            builder = builder.header(name.as_str(), value.as_bytes());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > self.max_reply_bytes {
                return Err(TokenHttpError::TooLarge(self.max_reply_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        builder.body(body).map_err(|e| TokenHttpError::Transport(format!("unreadable reply head: {e}")))
    }
}

impl<'c> AsyncHttpClient<'c> for TokenHttp {
    type Error = TokenHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}
