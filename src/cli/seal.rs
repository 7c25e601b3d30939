//! `nmbrs-worker seal`: seal Nmbrs credentials for one integration (CONTRACT §2.2, §5.1), the
//! way the monolith does, for set-up and support: a SOAP user and API token, or a REST grant id
//! and refresh token. The token is read from stdin so it never shows up in the shell history or
//! the process list.

use std::io::BufRead;

use anyhow::{Context, bail};

use crate::credentials::{Credentials, KeyRing, RestGrant};

/// Reads the token (first line of `input`) and prints the `credentials` object as JSON.
pub fn seal(keys: &KeyRing, integration_id: &str, username: &str, input: impl BufRead) -> anyhow::Result<String> {
    let token = first_line(input, "the Nmbrs API token")?;
    if username.trim().is_empty() || integration_id.trim().is_empty() {
        bail!("integration id, username and token must not be empty");
    }
    let sealed = keys.seal(integration_id, &Credentials::new(username.trim(), token));
    Ok(serde_json::to_string(&sealed)?)
}

/// Reads the refresh token of consent `grant_id` (first line of `input`) and prints the
/// `credentials` object of a `rest` integration as JSON; `consented_at` (when the person gave the
/// consent) is sealed with it when given.
pub fn seal_rest_grant(
    keys: &KeyRing,
    integration_id: &str,
    grant_id: uuid::Uuid,
    consented_at: Option<chrono::DateTime<chrono::Utc>>,
    input: impl BufRead,
) -> anyhow::Result<String> {
    let refresh_token = first_line(input, "the refresh token")?;
    if integration_id.trim().is_empty() {
        bail!("integration id and refresh token must not be empty");
    }
    let mut grant = RestGrant::new(grant_id, refresh_token);
    grant.consented_at = consented_at;
    let sealed = keys.seal_rest_grant(integration_id, &grant);
    Ok(serde_json::to_string(&sealed)?)
}

/// The trimmed first line of `input`, which must not be empty.
fn first_line(input: impl BufRead, what: &str) -> anyhow::Result<String> {
    let line = input.lines().next().with_context(|| format!("expected {what} on stdin"))??;
    let line = line.trim();
    if line.is_empty() {
        bail!("{what} must not be empty");
    }
    Ok(line.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::SealedCredentials;

    #[test]
    fn sealed_output_opens_for_its_integration_only() {
        let keys = KeyRing::parse(&KeyRing::generate_entry("k1")).unwrap();
        let out = seal(&keys, "env-42", "api@example.com", "tok-1\n".as_bytes()).unwrap();
        let sealed: SealedCredentials = serde_json::from_str(&out).unwrap();
        assert!(!out.contains("tok-1"));
        assert_eq!(keys.open("env-42", &sealed).unwrap().username, "api@example.com");
        assert!(keys.open("env-41", &sealed).is_err());
        assert!(seal(&keys, "env-42", "u", "".as_bytes()).is_err());
    }

    #[test]
    fn a_rest_grant_opens_as_rest_credentials_of_its_integration() {
        use crate::credentials::{ApiKind, OpenedCredentials};
        use secrecy::ExposeSecret;
        let keys = KeyRing::parse(&KeyRing::generate_entry("k1")).unwrap();
        let grant = uuid::Uuid::new_v4();
        let out = seal_rest_grant(&keys, "env-42", grant, None, "rt-1\n".as_bytes()).unwrap();
        assert!(!out.contains("rt-1"));
        let sealed: SealedCredentials = serde_json::from_str(&out).unwrap();
        match keys.open_for(ApiKind::Rest, "env-42", &sealed).unwrap() {
            OpenedCredentials::Rest(g) => assert_eq!((g.grant_id, g.refresh_token.expose_secret()), (grant, "rt-1")),
            other => panic!("{other:?}"),
        }
        assert!(seal_rest_grant(&keys, "env-42", grant, None, " \n".as_bytes()).is_err());
    }
}
