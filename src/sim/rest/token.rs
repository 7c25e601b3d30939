//! HTTP handlers of the identity server: `POST /connect/token` (form
//! `grant_type=refresh_token&refresh_token=…`, client by HTTP Basic or form body; faults of
//! operation `"POST /connect/token"` apply, a lost reply rotates and then drops) and
//! `POST /connect/revocation`, plus the `/_sim/oauth/*` control routes that stand in for the
//! browser consent.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::{Deserialize, Serialize};

use super::error::OAuthError;
use super::faults::{RestInjected, injected_name};
use super::oauth::{GrantSpec, OAuthClient, OAuthSettings, TokenCall, TokenForm, client_credentials, now_ms};
use super::respond::{html_error, injected_error};
use crate::sim::shared::{Shared, dropped, lock};

/// The operation name faults use for the token endpoint.
pub const TOKEN_OPERATION: &str = "POST /connect/token";

fn log(state: &Shared, endpoint: &str, grant_id: Option<String>, outcome: impl Into<String>) {
    lock(state).rest.oauth.token_calls.push(TokenCall {
        endpoint: endpoint.to_owned(),
        grant_id,
        outcome: outcome.into(),
    });
}

/// `POST /connect/token`.
pub async fn token(State(state): State<Shared>, headers: HeaderMap, Form(form): Form<TokenForm>) -> Response {
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let client = client_credentials(authorization, &form);
    let (injected, latency) = {
        let mut s = lock(&state);
        (s.rest.faults.pick(TOKEN_OPERATION, true), s.rest.faults.latency_ms)
    };
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    let lost_reply = match injected {
        None => false,
        Some(RestInjected::LostReply) => true,
        Some(RestInjected::Drop) => {
            log(&state, "token", None, "injected:drop");
            return dropped();
        }
        Some(RestInjected::ServerError { status }) => {
            log(&state, "token", None, format!("injected:http{status}"));
            return html_error(status);
        }
        Some(other) => {
            log(&state, "token", None, format!("injected:{}", injected_name(&other)));
            return injected_error(&other).into_response();
        }
    };
    let result = lock(&state).rest.oauth.refresh(client, &form, now_ms());
    match result {
        Ok((grant_id, _)) if lost_reply => {
            log(&state, "token", Some(grant_id), "injected:lost_reply");
            dropped()
        }
        Ok((grant_id, response)) => {
            log(&state, "token", Some(grant_id), "ok");
            ([(header::CACHE_CONTROL, "no-store")], Json(response)).into_response()
        }
        Err(e) => {
            log(&state, "token", None, e.error);
            e.into_response()
        }
    }
}

/// `POST /connect/revocation` (RFC 7009): 200 whether or not the token was known.
pub async fn revocation(State(state): State<Shared>, headers: HeaderMap, Form(form): Form<TokenForm>) -> Response {
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let client = client_credentials(authorization, &form);
    let mut s = lock(&state);
    let known = client.is_some_and(|(id, secret)| {
        s.rest.oauth.clients.get(&id).is_some_and(|c| c.client_secret == secret && !secret.is_empty())
    });
    if !known {
        drop(s);
        log(&state, "revocation", None, "invalid_client");
        return OAuthError::new("invalid_client", "unknown client or wrong secret").into_response();
    }
    let grant = s.rest.oauth.revoke_token(&form.token);
    s.rest.oauth.token_calls.push(TokenCall { endpoint: "revocation".into(), grant_id: grant, outcome: "ok".into() });
    StatusCode::OK.into_response()
}

/// `POST /_sim/oauth/clients`: registers an app (`client_id`, `client_secret`, `subscription_key`).
pub async fn add_client(State(state): State<Shared>, Json(client): Json<ClientSpec>) -> StatusCode {
    lock(&state).rest.oauth.add_client(OAuthClient {
        client_id: client.client_id,
        client_secret: client.client_secret,
        subscription_key: client.subscription_key,
    });
    StatusCode::NO_CONTENT
}

/// Body of `POST /_sim/oauth/clients` (the secrets are write-only).
#[derive(Clone, Debug, Deserialize)]
pub struct ClientSpec {
    pub client_id: String,
    pub client_secret: String,
    pub subscription_key: String,
}

/// Answer of `POST /_sim/oauth/grants`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MintedGrant {
    pub grant_id: String,
    pub refresh_token: String,
}

/// `POST /_sim/oauth/grants`: a consent → `201 {grant_id, refresh_token}`.
pub async fn mint(State(state): State<Shared>, Json(spec): Json<GrantSpec>) -> (StatusCode, Json<MintedGrant>) {
    let (grant_id, refresh_token) = lock(&state).rest.oauth.mint(spec);
    (StatusCode::CREATED, Json(MintedGrant { grant_id, refresh_token }))
}

/// `GET /_sim/oauth/grants`: the grants without their tokens.
pub async fn grants(State(state): State<Shared>) -> Json<serde_json::Value> {
    let s = lock(&state);
    Json(serde_json::to_value(&s.rest.oauth.grants).unwrap_or_default())
}

/// `POST /_sim/oauth/grants/{grant_id}/revoke`.
pub async fn revoke(State(state): State<Shared>, Path(grant_id): Path<String>) -> StatusCode {
    if lock(&state).rest.oauth.revoke(&grant_id) { StatusCode::NO_CONTENT } else { StatusCode::NOT_FOUND }
}

/// `POST /_sim/oauth/grants/{grant_id}/expire`: every access token of the grant expires now.
pub async fn expire(State(state): State<Shared>, Path(grant_id): Path<String>) -> StatusCode {
    let mut s = lock(&state);
    if !s.rest.oauth.grants.contains_key(&grant_id) {
        return StatusCode::NOT_FOUND;
    }
    s.rest.oauth.expire_access(&grant_id);
    StatusCode::NO_CONTENT
}

/// Body of `PUT /_sim/oauth/grants/{grant_id}`: what the consent covers from now on.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct GrantChange {
    /// Space-separated scopes, replacing the grant's when set.
    pub scope: Option<String>,
    /// SOAP company ids the consent covers (`null` in JSON keeps the current value; use
    /// `all_companies` to lift the limit).
    pub companies: Option<Vec<i32>>,
    pub all_companies: bool,
    pub access_token_ttl_secs: Option<u64>,
}

/// `PUT /_sim/oauth/grants/{grant_id}`: changes scopes, covered companies or token lifetime.
pub async fn change(
    State(state): State<Shared>,
    Path(grant_id): Path<String>,
    Json(c): Json<GrantChange>,
) -> StatusCode {
    let mut s = lock(&state);
    let Some(g) = s.rest.oauth.grants.get_mut(&grant_id) else { return StatusCode::NOT_FOUND };
    if let Some(scope) = c.scope {
        g.scopes = scope.split_whitespace().map(str::to_owned).collect();
    }
    if c.all_companies {
        g.companies = None;
    } else if let Some(companies) = c.companies {
        g.companies = Some(companies.into_iter().collect());
    }
    if c.access_token_ttl_secs.is_some() {
        g.access_token_ttl_secs = c.access_token_ttl_secs;
    }
    StatusCode::NO_CONTENT
}

/// `POST /_sim/oauth/settings`, `GET /_sim/oauth/settings`.
pub async fn set_settings(State(state): State<Shared>, Json(settings): Json<OAuthSettings>) -> StatusCode {
    lock(&state).rest.oauth.settings = settings;
    StatusCode::NO_CONTENT
}

pub async fn get_settings(State(state): State<Shared>) -> Json<OAuthSettings> {
    Json(lock(&state).rest.oauth.settings.clone())
}

/// `GET /_sim/oauth/calls`: the token and revocation calls so far.
pub async fn token_calls(State(state): State<Shared>) -> Json<Vec<TokenCall>> {
    Json(lock(&state).rest.oauth.token_calls.clone())
}
