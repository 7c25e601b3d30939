//! The REST face's error bodies (`ErrorResponse` of the OpenAPI file: `type`, `httpStatus`,
//! `code`, `title`, `detail`, `invalid-params`) and the OAuth token endpoint's RFC 6749 §5.2
//! errors (`{"error": "invalid_grant", ...}`), so every refusal has one shape per endpoint.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One `invalid-params` entry: the parameter (or body field) and why it was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InvalidParam {
    pub name: String,
    pub reason: String,
}

/// A REST API error as Nmbrs sends it (REST-NOTES §1 "Errors", `ErrorResponse` in the file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestError {
    pub status: StatusCode,
    /// `apiError`, `authenticationError`, `invalidRequestError`, `throttlingError`, `validationError`.
    pub kind: &'static str,
    /// Five-digit Nmbrs code, e.g. 40303.
    pub code: u32,
    pub title: String,
    pub detail: String,
    pub invalid_params: Vec<InvalidParam>,
    /// `Retry-After` (seconds) sent with a 429, when set.
    pub retry_after: Option<u64>,
}

impl RestError {
    pub fn new(status: StatusCode, kind: &'static str, code: u32, title: &str, detail: impl Into<String>) -> Self {
        RestError {
            status,
            kind,
            code,
            title: title.to_owned(),
            detail: detail.into(),
            invalid_params: Vec::new(),
            retry_after: None,
        }
    }

    /// 401 40101: no bearer token.
    pub fn token_missing() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "authenticationError", 40101, "Unauthorized", "Access token is missing")
    }

    /// 401 40102: the bearer token is unknown, revoked or expired.
    pub fn token_invalid() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "authenticationError",
            40102,
            "Unauthorized",
            "Access token is invalid or expired",
        )
    }

    /// 401 40101: the `X-Subscription-Key` is missing or not the app's.
    pub fn subscription_key() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "authenticationError",
            40101,
            "Unauthorized",
            "Access denied due to a missing or invalid subscription key",
        )
    }

    /// 403 40303: a scope the grant lacks, or a company outside the consent (same code on the wire).
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "authenticationError", 40303, "Forbidden", detail)
    }

    /// 404 40401: the resource (employee, component) is not found.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "invalidRequestError", 40401, "Not Found", detail)
    }

    /// 404 40404: the company is not found.
    pub fn company_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "invalidRequestError", 40404, "Not Found", "Company not found")
    }

    /// 400 40033: a parameter or body field is invalid.
    pub fn invalid(name: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        let mut e = Self::new(StatusCode::BAD_REQUEST, "validationError", 40033, "Invalid parameter", reason.clone());
        e.invalid_params.push(InvalidParam { name: name.to_owned(), reason });
        e
    }

    /// 429 42908 (too many calls; back off) with an optional `Retry-After`.
    pub fn too_many_calls(retry_after: Option<u64>) -> Self {
        let mut e =
            Self::new(StatusCode::TOO_MANY_REQUESTS, "throttlingError", 42908, "Too_Many_Calls", "Rate limit exceeded");
        e.retry_after = retry_after;
        e
    }

    /// 429 42909 (the plan's call quota is used up).
    pub fn quota_exceeded() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "throttlingError",
            42909,
            "Quota_Exceeded",
            "Call volume quota exceeded",
        )
    }

    /// The JSON body (validates against `ErrorResponse`).
    pub fn body(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "type": self.kind,
            "httpStatus": self.status.as_u16(),
            "code": self.code,
            "title": self.title,
            "detail": self.detail,
        });
        if !self.invalid_params.is_empty() {
            v["invalid-params"] = serde_json::to_value(&self.invalid_params).unwrap_or_default();
        }
        v
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        let mut r = (self.status, Json(self.body())).into_response();
        if let Some(secs) = self.retry_after {
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        r
    }
}

/// An RFC 6749 §5.2 token endpoint error (`invalid_grant`, `invalid_client`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        let status = if error == "invalid_client" { StatusCode::UNAUTHORIZED } else { StatusCode::BAD_REQUEST };
        OAuthError { status, error, description: description.into() }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": self.error, "error_description": self.description});
        let mut r = (self.status, Json(body)).into_response();
        r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"token\""));
        }
        r
    }
}
