//! The simulator's REST face (issue 9): the Nmbrs identity server (`/connect/token`), the REST
//! resources of REST-NOTES §2 over the same [`SimState`](crate::sim::SimState) the SOAP face
//! serves, validation of every REST request against Nmbrs' OpenAPI file, and REST fault
//! injection. Routes are listed in the table of [`crate::sim`].

mod api;
mod ctx;
mod days;
pub mod error;
pub mod faults;
pub mod ids;
mod line_reads;
mod lookup;
pub mod oauth;
pub mod openapi;
mod reads;
pub mod respond;
pub mod routes;
pub mod settings;
mod state;
pub mod subscription;
pub mod token;
mod writes;

use axum::Router;
use axum::routing::{get, post};

pub use faults::{RestFaults, RestInjected, RestPages, RestScripted};
pub use oauth::{GrantSpec, OAuthClient, OAuthSettings, OAuthState, RefreshExpiryKind, TokenResponse, WORKER_SCOPES};
pub use settings::{
    ClosedPeriodDelete, CommentOverLimit, DaysPost, Gateway401, LinePosts, NegativeDays, Numbers, Omitted,
    PutMissingPeriod, RestSettings, SoapComments, WagePeriodShape,
};
pub use state::RestState;
pub use token::MintedGrant;

use crate::sim::shared::{Shared, lock};

/// The REST face's routes (merged into [`crate::sim::router`]).
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/connect/token", post(token::token))
        .route("/connect/revocation", post(token::revocation))
        .route("/_sim/oauth/clients", post(token::add_client))
        .route("/_sim/oauth/grants", post(token::mint).get(token::grants))
        .route("/_sim/oauth/grants/{grant_id}", axum::routing::put(token::change))
        .route("/_sim/oauth/grants/{grant_id}/revoke", post(token::revoke))
        .route("/_sim/oauth/grants/{grant_id}/expire", post(token::expire))
        .route("/_sim/oauth/settings", post(token::set_settings).get(token::get_settings))
        .route("/_sim/oauth/calls", get(token::token_calls))
        .route("/_sim/rest/faults", post(set_faults).get(get_faults))
        .route("/_sim/rest/settings", post(set_settings).get(get_settings))
        .route("/_sim/rest/violations", get(violations))
        .route("/_sim/rest/limits", post(set_limits).get(get_limits))
        .route("/api/{*rest}", axum::routing::any(api::api))
}

async fn set_faults(
    axum::extract::State(state): axum::extract::State<Shared>,
    axum::Json(f): axum::Json<RestFaults>,
) -> axum::http::StatusCode {
    lock(&state).rest.faults = f;
    axum::http::StatusCode::NO_CONTENT
}

async fn get_faults(axum::extract::State(state): axum::extract::State<Shared>) -> axum::Json<RestFaults> {
    axum::Json(lock(&state).rest.faults.clone())
}

async fn set_settings(
    axum::extract::State(state): axum::extract::State<Shared>,
    axum::Json(settings): axum::Json<RestSettings>,
) -> axum::http::StatusCode {
    lock(&state).rest.settings = settings;
    axum::http::StatusCode::NO_CONTENT
}

async fn get_settings(axum::extract::State(state): axum::extract::State<Shared>) -> axum::Json<RestSettings> {
    axum::Json(lock(&state).rest.settings)
}

/// `POST /_sim/rest/limits`: the gateway's limits per subscription key; counting starts afresh.
async fn set_limits(
    axum::extract::State(state): axum::extract::State<Shared>,
    axum::Json(limits): axum::Json<subscription::SubscriptionLimits>,
) -> axum::http::StatusCode {
    lock(&state).rest.subscriptions.set(limits);
    axum::http::StatusCode::NO_CONTENT
}

/// `GET /_sim/rest/limits`: `{limits, keys: [KeyCount…]}`.
async fn get_limits(axum::extract::State(state): axum::extract::State<Shared>) -> axum::Json<serde_json::Value> {
    let s = lock(&state);
    let subscriptions = &s.rest.subscriptions;
    axum::Json(serde_json::json!({"limits": subscriptions.limits, "keys": subscriptions.counts()}))
}

/// `GET /_sim/rest/violations`: `{requests: [...], responses: [...]}` that broke the OpenAPI file.
async fn violations(axum::extract::State(state): axum::extract::State<Shared>) -> axum::Json<serde_json::Value> {
    let s = lock(&state);
    axum::Json(serde_json::json!({"requests": s.rest.violations, "responses": s.rest.response_violations}))
}
