//! The bearer token a REST call carries (CONTRACT §5.1): its secret never shows in `Debug`, and
//! it knows how long it may be used (the lifetime floored unless proved short). Obtained and
//! cached by `auth::TokenService`.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use crate::domain::oauth_grant::{believed_lifetime, still_usable};

/// A bearer token for REST calls. `Debug` never shows it.
#[derive(Clone)]
pub struct AccessToken {
    pub(super) secret: SecretString,
    pub(super) grant_id: Uuid,
    pub(super) scopes: Option<Arc<[String]>>,
    /// When the request that produced it was sent (its lifetime counts from there).
    pub(super) issued_at: Instant,
    /// As the token reply gave it (bounded, `token_lifetime`).
    pub(super) lifetime: Duration,
    /// Whether it is used for at least [`crate::domain::oauth_grant::LIFETIME_FLOOR`] (`believed_lifetime`).
    pub(super) floored: bool,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"<redacted>")
            .field("grant_id", &self.grant_id)
            .field("scopes", &self.scopes)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

impl AccessToken {
    /// The token for `Authorization: Bearer …`.
    pub fn bearer(&self) -> &str {
        self.secret.expose_secret()
    }

    /// The grant it was issued for.
    pub fn grant_id(&self) -> Uuid {
        self.grant_id
    }

    /// The grant's scopes as the token endpoint last named them; `None` when it never did.
    /// Tells a missing scope from a company outside the consent on 403 `40303` (CONTRACT §5.3).
    pub fn scopes(&self) -> Option<&[String]> {
        self.scopes.as_deref()
    }

    /// Whether it may still be used at `now` (CONTRACT §5.1 margin, the lifetime floored unless
    /// the integration's short lifetimes proved real).
    pub fn usable_at(&self, now: Instant) -> bool {
        let lifetime = believed_lifetime(self.lifetime, !self.floored);
        let remaining = (self.issued_at + lifetime).saturating_duration_since(now);
        still_usable(lifetime, remaining)
    }

    pub(super) fn same_secret(&self, other: &AccessToken) -> bool {
        self.secret.expose_secret() == other.secret.expose_secret()
    }
}
