//! Nmbrs API credentials (user e-mail, API token, environment domain). They exist only
//! to be written into the `AuthHeaderWithDomain` header: `Debug` redacts them, they are
//! zeroed on drop, and no error or log line ever carries them.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// Credentials of one Nmbrs integration.
#[derive(Clone)]
pub struct SoapCredentials {
    username: SecretString,
    token: SecretString,
    domain: String,
}

impl SoapCredentials {
    pub fn new(username: impl Into<String>, token: impl Into<String>, domain: impl Into<String>) -> Self {
        SoapCredentials {
            username: SecretString::from(username.into()),
            token: SecretString::from(token.into()),
            domain: domain.into(),
        }
    }

    pub fn username(&self) -> &str {
        self.username.expose_secret()
    }

    pub fn token(&self) -> &str {
        self.token.expose_secret()
    }

    /// The Nmbrs sub-domain (`xxx` of `xxx.nmbrs.nl`); not a secret.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Replaces any occurrence of the username or token in `text` (e.g. a fault message
    /// echoed by a proxy) so it can be shown safely.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in [self.token(), self.username()] {
            if !secret.is_empty() {
                out = out.replace(secret, "<redacted>");
            }
        }
        out
    }
}

impl fmt::Debug for SoapCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &"<redacted>")
            .field("token", &"<redacted>")
            .field("domain", &self.domain)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_username_or_token() {
        let c = SoapCredentials::new("api@eitje.example", "s3cr3t-token", "demo");
        let shown = format!("{c:?} {c:#?}");
        assert!(!shown.contains("api@eitje.example"));
        assert!(!shown.contains("s3cr3t-token"));
        assert!(shown.contains("demo"));
        assert_eq!(c.redact("user api@eitje.example token s3cr3t-token"), "user <redacted> token <redacted>");
    }
}
