//! `nmbrs-worker seal`: seal Nmbrs credentials for one integration (CONTRACT §2.2), the way
//! the monolith does, for set-up and support. The token is read from stdin so it never shows
//! up in the shell history or the process list.

use std::io::BufRead;

use anyhow::{Context, bail};

use crate::credentials::{Credentials, KeyRing};

/// Reads the token (first line of `input`) and prints the `credentials` object as JSON.
pub fn seal(keys: &KeyRing, integration_id: &str, username: &str, input: impl BufRead) -> anyhow::Result<String> {
    let token = input.lines().next().context("expected the Nmbrs API token on stdin")??;
    let token = token.trim();
    if token.is_empty() || username.trim().is_empty() || integration_id.trim().is_empty() {
        bail!("integration id, username and token must not be empty");
    }
    let sealed = keys.seal(integration_id, &Credentials::new(username.trim(), token));
    Ok(serde_json::to_string(&sealed)?)
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
}
