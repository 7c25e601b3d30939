//! The simulated Nmbrs identity server: `POST /connect/token` (refresh grant only, REST-NOTES
//! §1 "Authentication") and `POST /connect/revocation` (RFC 7009), plus what the REST face
//! needs to check a bearer token. Refresh tokens are single use and rotate: each refresh
//! returns a new one and the old one answers `invalid_grant` from then on, as does a revoked
//! grant's. Grants are minted by the tests through `/_sim/oauth/*` (the browser consent that
//! makes them in real life is outside the worker). Tokens are random and never serialised.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::error::OAuthError;

/// Milliseconds since the Unix epoch (the simulator's clock for token expiry).
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

fn random_token(prefix: &str) -> String {
    format!("{prefix}{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// An app registration: client credentials and the subscription key of its product.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OAuthClient {
    pub client_id: String,
    #[serde(skip_serializing)]
    pub client_secret: String,
    #[serde(skip_serializing)]
    pub subscription_key: String,
}

/// One consent: which Nmbrs environment (simulator domain), which scopes and which companies
/// (SOAP ids; `None` = every company of the domain) the refresh tokens of this grant reach.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Grant {
    pub grant_id: String,
    pub client_id: String,
    pub domain: String,
    pub scopes: BTreeSet<String>,
    pub companies: Option<BTreeSet<i32>>,
    pub revoked: bool,
    /// Access-token lifetime for this grant (seconds); the global setting when `None`.
    pub access_token_ttl_secs: Option<u64>,
    /// The `expires_in` token replies give, when it differs from the real lifetime (a server
    /// that says 0 or 1 s of tokens that live longer); the real lifetime when `None`.
    pub expires_in_secs: Option<u64>,
    /// Successful refreshes so far.
    pub refreshes: u32,
    /// Refused refreshes (`invalid_grant`) so far.
    pub refused: u32,
    /// When the person consented (ms since the epoch).
    pub consented_at_ms: u64,
    /// The last successful refresh (ms; the consent until the first).
    pub last_refresh_ms: u64,
    /// How long the refresh chain lives (CONTRACT §5.1 "The refresh chain's end"); `None`:
    /// forever.
    pub refresh_lifetime_secs: Option<u64>,
    /// How that lifetime is counted (REST-NOTES [L]: not known for the real Nmbrs).
    pub refresh_expiry: RefreshExpiryKind,
    #[serde(skip)]
    pub refresh_token: String,
    /// The token this one replaced and when (ms), for the optional reuse grace.
    #[serde(skip)]
    pub previous: Option<(String, u64)>,
}

impl Grant {
    /// Whether the grant may call an operation needing any of `required` (CONTRACT §5.3:
    /// a write scope includes its `.read`).
    pub fn allows(&self, required: &[String]) -> bool {
        required.is_empty()
            || required
                .iter()
                .any(|r| self.scopes.contains(r) || r.strip_suffix(".read").is_some_and(|w| self.scopes.contains(w)))
    }

    /// Whether the consent covers the company with SOAP id `company`.
    pub fn covers(&self, company: i32) -> bool {
        self.companies.as_ref().is_none_or(|c| c.contains(&company))
    }
}

/// How the simulated identity server counts a refresh chain's lifetime.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RefreshExpiryKind {
    /// From the consent, however often it is refreshed.
    #[default]
    Absolute,
    /// From the last refresh.
    Sliding,
}

impl Grant {
    /// Whether the refresh chain has ended at `now` (ms).
    pub fn chain_ended(&self, now: u64) -> bool {
        let Some(lifetime) = self.refresh_lifetime_secs else { return false };
        let start = match self.refresh_expiry {
            RefreshExpiryKind::Absolute => self.consented_at_ms,
            RefreshExpiryKind::Sliding => self.last_refresh_ms,
        };
        now >= start.saturating_add(lifetime.saturating_mul(1000))
    }
}

/// An issued access token.
#[derive(Clone, Debug)]
pub struct IssuedToken {
    pub grant_id: String,
    pub expires_at_ms: u64,
}

/// Settings of the token endpoint (`POST /_sim/oauth/settings`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OAuthSettings {
    /// Lifetime of an access token in seconds (Nmbrs: about 3600, REST-NOTES §1 [M]).
    pub access_token_ttl_secs: u64,
    /// Seconds during which the refresh token just replaced is still accepted once more
    /// (a reply lost on the way). 0 = strict single use, as REST-NOTES §1 describes.
    pub reuse_grace_secs: u64,
}

impl Default for OAuthSettings {
    fn default() -> Self {
        OAuthSettings { access_token_ttl_secs: 3600, reuse_grace_secs: 0 }
    }
}

/// The identity server's state.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OAuthState {
    pub settings: OAuthSettings,
    pub clients: BTreeMap<String, OAuthClient>,
    pub grants: BTreeMap<String, Grant>,
    #[serde(skip)]
    pub access: BTreeMap<String, IssuedToken>,
    /// Token endpoint calls: `(grant_type or "revocation", outcome)`.
    pub token_calls: Vec<TokenCall>,
}

/// One logged call of the token or revocation endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenCall {
    pub endpoint: String,
    pub grant_id: Option<String>,
    /// `ok`, `invalid_grant`, `invalid_client`, ... or `injected:…`.
    pub outcome: String,
}

/// What a test asks for when minting a grant (`POST /_sim/oauth/grants`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct GrantSpec {
    /// Chosen when empty.
    pub grant_id: String,
    pub client_id: String,
    pub domain: String,
    /// Space-separated, as OAuth writes scopes; every worker scope of REST-NOTES §1 when empty.
    pub scope: String,
    /// SOAP company ids the consent covers; all when `None`.
    pub companies: Option<Vec<i32>>,
    pub access_token_ttl_secs: Option<u64>,
    /// See [`Grant::expires_in_secs`].
    pub expires_in_secs: Option<u64>,
    /// When the person consented (ms since the epoch); now when `None`.
    pub consented_at_ms: Option<u64>,
    /// See [`Grant::refresh_lifetime_secs`].
    pub refresh_lifetime_secs: Option<u64>,
    /// See [`Grant::refresh_expiry`].
    pub refresh_expiry: RefreshExpiryKind,
}

/// The scopes the worker asks for (REST-NOTES §1).
pub const WORKER_SCOPES: &str = "offline_access company.info.read company.payrollsettings.read employee.info.read employee.employment.read employee.payment";

/// A successful token response (RFC 6749 §5.1).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: u64,
    pub refresh_token: String,
    pub scope: String,
}

/// The form fields of a token request that matter here.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    pub grant_type: String,
    pub refresh_token: String,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub scope: Option<String>,
    /// Revocation only (RFC 7009).
    pub token: String,
}

/// Client credentials from `Authorization: Basic` (each half form-urlencoded first, RFC 6749
/// §2.3.1) or, failing that, the form body.
pub fn client_credentials(authorization: Option<&str>, form: &TokenForm) -> Option<(String, String)> {
    if let Some(basic) = authorization.and_then(|a| a.strip_prefix("Basic ").or_else(|| a.strip_prefix("basic "))) {
        let raw = base64::engine::general_purpose::STANDARD.decode(basic.trim()).ok()?;
        let text = String::from_utf8(raw).ok()?;
        let (id, secret) = text.split_once(':')?;
        let decode = |s: &str| form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
        return Some((decode(id)?, decode(secret)?));
    }
    Some((form.client_id.clone()?, form.client_secret.clone().unwrap_or_default()))
}

fn scope_string(scopes: &BTreeSet<String>) -> String {
    scopes.iter().cloned().collect::<Vec<_>>().join(" ")
}

impl OAuthState {
    /// Registers (or replaces) an app.
    pub fn add_client(&mut self, client: OAuthClient) {
        self.clients.insert(client.client_id.clone(), client);
    }

    /// Mints a grant as a consent would; returns `(grant_id, refresh_token)`.
    pub fn mint(&mut self, spec: GrantSpec) -> (String, String) {
        let grant_id = if spec.grant_id.is_empty() { uuid::Uuid::new_v4().to_string() } else { spec.grant_id };
        let scope = if spec.scope.trim().is_empty() { WORKER_SCOPES } else { spec.scope.as_str() };
        let refresh_token = random_token("rt-");
        let grant = Grant {
            grant_id: grant_id.clone(),
            client_id: spec.client_id,
            domain: spec.domain,
            scopes: scope.split_whitespace().map(str::to_owned).collect(),
            companies: spec.companies.map(|c| c.into_iter().collect()),
            access_token_ttl_secs: spec.access_token_ttl_secs,
            expires_in_secs: spec.expires_in_secs,
            consented_at_ms: spec.consented_at_ms.unwrap_or_else(now_ms),
            last_refresh_ms: spec.consented_at_ms.unwrap_or_else(now_ms),
            refresh_lifetime_secs: spec.refresh_lifetime_secs,
            refresh_expiry: spec.refresh_expiry,
            refresh_token: refresh_token.clone(),
            ..Default::default()
        };
        self.grants.insert(grant_id.clone(), grant);
        (grant_id, refresh_token)
    }

    /// Revokes a grant: its refresh and access tokens stop working. `false` if unknown.
    pub fn revoke(&mut self, grant_id: &str) -> bool {
        let Some(g) = self.grants.get_mut(grant_id) else { return false };
        g.revoked = true;
        self.access.retain(|_, a| a.grant_id != grant_id);
        true
    }

    /// Expires every access token of a grant now (a token expiring mid-job).
    pub fn expire_access(&mut self, grant_id: &str) -> usize {
        let mut n = 0;
        for a in self.access.values_mut().filter(|a| a.grant_id == grant_id) {
            a.expires_at_ms = 0;
            n += 1;
        }
        n
    }

    /// The grant behind a live access token.
    pub fn grant_for_access(&self, token: &str, now: u64) -> Option<&Grant> {
        let a = self.access.get(token).filter(|a| a.expires_at_ms > now)?;
        self.grants.get(&a.grant_id).filter(|g| !g.revoked)
    }

    /// The app behind a grant.
    pub fn client_of(&self, grant: &Grant) -> Option<&OAuthClient> {
        self.clients.get(&grant.client_id)
    }

    /// `grant_type=refresh_token` (RFC 6749 §6) with client credentials `client`.
    /// Rotates the refresh token; a reused, unknown or revoked one is `invalid_grant`.
    pub fn refresh(
        &mut self,
        client: Option<(String, String)>,
        form: &TokenForm,
        now: u64,
    ) -> Result<(String, TokenResponse), OAuthError> {
        if form.grant_type != "refresh_token" {
            let error = if form.grant_type.is_empty() { "invalid_request" } else { "unsupported_grant_type" };
            return Err(OAuthError::new(error, "only grant_type=refresh_token is served"));
        }
        let (client_id, secret) = client.ok_or_else(|| OAuthError::new("invalid_client", "no client credentials"))?;
        let known = self.clients.get(&client_id).is_some_and(|c| c.client_secret == secret && !secret.is_empty());
        if !known {
            return Err(OAuthError::new("invalid_client", "unknown client or wrong secret"));
        }
        if form.refresh_token.is_empty() {
            return Err(OAuthError::new("invalid_request", "refresh_token is missing"));
        }
        let grace_ms = self.settings.reuse_grace_secs * 1000;
        let found = self.grants.values_mut().find(|g| {
            g.refresh_token == form.refresh_token
                || g.previous.as_ref().is_some_and(|(t, at)| *t == form.refresh_token && now < at + grace_ms)
        });
        let Some(grant) = found else {
            // A reused (rotated-away) or unknown token: count it against its grant if known.
            if let Some(g) =
                self.grants.values_mut().find(|g| g.previous.as_ref().is_some_and(|(t, _)| *t == form.refresh_token))
            {
                g.refused += 1;
            }
            return Err(OAuthError::new("invalid_grant", "refresh token is invalid, used or expired"));
        };
        if grant.revoked || grant.client_id != client_id {
            grant.refused += 1;
            return Err(OAuthError::new("invalid_grant", "grant revoked or issued to another client"));
        }
        if grant.chain_ended(now) {
            grant.refused += 1;
            return Err(OAuthError::new("invalid_grant", "the refresh token has expired"));
        }
        let scopes = match form.scope.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => grant.scopes.clone(),
            Some(asked) => {
                let asked: BTreeSet<String> = asked.split_whitespace().map(str::to_owned).collect();
                if !asked.is_subset(&grant.scopes) {
                    return Err(OAuthError::new("invalid_scope", "scope exceeds the consent"));
                }
                asked
            }
        };
        let new_refresh = random_token("rt-");
        let old = std::mem::replace(&mut grant.refresh_token, new_refresh.clone());
        // Keep the start of the grace window when the previous token itself is reused.
        if grant.previous.as_ref().is_none_or(|(t, _)| *t != form.refresh_token) {
            grant.previous = Some((old, now));
        }
        grant.refreshes += 1;
        grant.last_refresh_ms = now;
        let ttl = grant.access_token_ttl_secs.unwrap_or(self.settings.access_token_ttl_secs);
        let expires_in = grant.expires_in_secs.unwrap_or(ttl);
        let grant_id = grant.grant_id.clone();
        let access_token = random_token("at-");
        self.access.retain(|_, a| a.expires_at_ms > now);
        self.access
            .insert(access_token.clone(), IssuedToken { grant_id: grant_id.clone(), expires_at_ms: now + ttl * 1000 });
        let response = TokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in,
            refresh_token: new_refresh,
            scope: scope_string(&scopes),
        };
        Ok((grant_id, response))
    }

    /// RFC 7009 revocation of a refresh or access token; unknown tokens are fine (200).
    pub fn revoke_token(&mut self, token: &str) -> Option<String> {
        if let Some(a) = self.access.remove(token) {
            return Some(a.grant_id);
        }
        let id = self.grants.values().find(|g| g.refresh_token == token).map(|g| g.grant_id.clone())?;
        self.revoke(&id);
        Some(id)
    }
}

#[cfg(test)]
#[path = "oauth_tests.rs"]
mod tests;
