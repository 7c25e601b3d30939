//! What the REST face adds to the simulator state ([`RestState`]): a leaf, so the state holds
//! it without importing the REST face's routes and handlers.

use serde::{Deserialize, Serialize};

use super::faults::RestFaults;
use super::ids::IdIndex;
use super::oauth::OAuthState;
use super::openapi::OpenApiFile;
use super::settings::RestSettings;
use super::subscription::Subscriptions;

/// Everything the REST face adds to the simulator state.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RestState {
    pub oauth: OAuthState,
    pub faults: RestFaults,
    pub settings: RestSettings,
    /// Requests that broke the OpenAPI file (a protocol violation: tests assert none).
    pub violations: Vec<String>,
    /// Responses of the simulator that broke the OpenAPI file (tests assert none).
    pub response_violations: Vec<String>,
    #[serde(skip)]
    pub ids: IdIndex,
    /// The gateway's limits per subscription key and what each key met (`subscription`).
    #[serde(skip)]
    pub subscriptions: Subscriptions,
    /// The OpenAPI file requests and responses are checked against; none = no validation.
    #[serde(skip)]
    pub openapi: Option<OpenApiFile>,
}
