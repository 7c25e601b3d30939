//! The Nmbrs REST edge (CONTRACT §5), beside the SOAP one. So far: the app settings
//! ([`RestConfig`]) and OAuth 2.0 token handling ([`auth`]: refresh grant, stored rotating
//! refresh tokens, cached access tokens). The REST client that maps JSON to the domain model
//! builds on [`TokenSource`].
//!
//! Wiring into the job path (not done here; `envelope` and `jobs::pipeline` are being
//! reshaped): `integration.nmbrs.api` parses as [`crate::credentials::ApiKind`] and the envelope
//! opens its credentials with [`crate::credentials::KeyRing::open_for`]; the process builds one
//! `Arc<TokenService>` at start when [`RestConfig::app`] is `Ok`; a `rest` job without it fails
//! with `jobs::rest_auth_failure::job_error(&AuthError::NotConfigured(..), domain)`
//! (`rest_not_configured`); each `rest` job takes `service.source(integration_id, grant)` and
//! maps a token failure with the same function.

pub mod auth;
mod auth_http;
mod config;

pub use auth::{AccessToken, AuthError, TokenService, TokenSource};
pub use auth_http::TokenHttpLimits;
pub use config::{DEFAULT_OAUTH_TOKEN_URL, DEFAULT_REST_BASE_URL, RestApp, RestConfig, RestNotConfigured};
