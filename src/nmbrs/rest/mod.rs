//! The Nmbrs REST edge (CONTRACT §5), beside the SOAP one. So far: the app settings
//! ([`RestConfig`]) and OAuth 2.0 token handling ([`auth`]: refresh grant, stored rotating
//! refresh tokens, cached access tokens). The REST client that maps JSON to the domain model
//! builds on [`TokenSource`].

pub mod auth;
mod auth_http;
mod config;

pub use auth::{AccessToken, AuthError, TokenService, TokenSource};
pub use auth_http::TokenHttpLimits;
pub use config::{DEFAULT_OAUTH_TOKEN_URL, DEFAULT_REST_BASE_URL, RestApp, RestConfig, RestNotConfigured};
