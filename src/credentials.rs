//! Sealed Nmbrs credentials (CONTRACT §2.2): AES-256-GCM, the integration id as associated
//! data, keys rotated by `key_id`.
//!
//! The monolith seals `{"username", "token"}` per integration; the worker opens it only in
//! memory, for the duration of a job. [`Credentials`] has no `Debug`/`Display` that shows the
//! secret, and nothing here is ever logged, stored or put in an event.

use aes_gcm::{
    Aes256Gcm, Key, Nonce,
    aead::{Aead, Generate, KeyInit, Payload},
};
use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// The sealed blob as it travels in a job envelope.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedCredentials {
    pub key_id: String,
    pub sealed: String,
}

impl std::fmt::Debug for SealedCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealedCredentials {{ key_id: {:?}, sealed: <{} chars> }}", self.key_id, self.sealed.len())
    }
}

/// Opened credentials of one Nmbrs API user.
pub struct Credentials {
    pub username: String,
    pub token: SecretString,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials { username: <redacted>, token: <redacted> }")
    }
}

impl Credentials {
    pub fn new(username: impl Into<String>, token: impl Into<String>) -> Self {
        Self { username: username.into(), token: SecretString::from(token.into()) }
    }

    /// The form the Nmbrs client writes into its `AuthHeaderWithDomain`.
    pub fn for_nmbrs(&self, domain: &str) -> crate::nmbrs::Credentials {
        crate::nmbrs::Credentials::new(self.username.clone(), self.token.expose_secret(), domain)
    }
}

#[derive(Deserialize, Serialize)]
struct Plaintext {
    username: String,
    token: String,
}

/// Why a key ring could not be parsed (never contains key material).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyRingError {
    #[error("empty key list; expected key_id:base64key[,key_id:base64key…]")]
    Empty,
    #[error("entry {0} is not key_id:base64key")]
    Malformed(usize),
    #[error("key {0:?} is not standard base64 of 32 bytes")]
    BadKey(String),
    #[error("key id {0:?} appears twice")]
    Duplicate(String),
}

/// Why a sealed blob did not open. Deliberately vague towards the sender: it must not become
/// an oracle, and it never carries the plaintext.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenError {
    #[error("unknown credentials key id {0:?}")]
    UnknownKey(String),
    #[error("sealed credentials are not base64url of nonce, ciphertext and tag")]
    Malformed,
    #[error("sealed credentials do not open for this integration (wrong key, integration or tampered)")]
    Rejected,
    #[error("opened credentials are not {{\"username\", \"token\"}} JSON")]
    BadPlaintext,
}

/// The configured AES keys; the first one seals, all of them open.
#[derive(Clone)]
pub struct KeyRing {
    keys: Vec<(String, Key<Aes256Gcm>)>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing").field("key_ids", &self.key_ids()).finish_non_exhaustive()
    }
}

impl KeyRing {
    /// Parses `key_id:base64key[,key_id:base64key…]` (CONTRACT §1).
    pub fn parse(raw: &str) -> Result<Self, KeyRingError> {
        let mut keys: Vec<(String, Key<Aes256Gcm>)> = Vec::new();
        for (i, entry) in raw.split(',').map(str::trim).filter(|e| !e.is_empty()).enumerate() {
            let (id, b64) = entry.split_once(':').ok_or(KeyRingError::Malformed(i + 1))?;
            let id = id.trim();
            if id.is_empty() {
                return Err(KeyRingError::Malformed(i + 1));
            }
            let bytes = STANDARD.decode(b64.trim()).map_err(|_| KeyRingError::BadKey(id.to_string()))?;
            let key = Key::<Aes256Gcm>::try_from(bytes.as_slice()).map_err(|_| KeyRingError::BadKey(id.to_string()))?;
            if keys.iter().any(|(k, _)| k == id) {
                return Err(KeyRingError::Duplicate(id.to_string()));
            }
            keys.push((id.to_string(), key));
        }
        if keys.is_empty() {
            return Err(KeyRingError::Empty);
        }
        Ok(Self { keys })
    }

    /// A fresh random key in the `key_id:base64key` form, for `seal --generate-key` and tests.
    pub fn generate_entry(key_id: &str) -> String {
        format!("{key_id}:{}", STANDARD.encode(Key::<Aes256Gcm>::generate()))
    }

    pub fn key_ids(&self) -> Vec<&str> {
        self.keys.iter().map(|(id, _)| id.as_str()).collect()
    }

    /// Seals credentials for one integration under the first key.
    pub fn seal(&self, integration_id: &str, creds: &Credentials) -> SealedCredentials {
        let (key_id, key) = &self.keys[0];
        let plaintext = serde_json::to_vec(&Plaintext {
            username: creds.username.clone(),
            token: creds.token.expose_secret().to_string(),
        })
        .expect("two strings serialize");
        let nonce = Nonce::generate();
        let ciphertext = Aes256Gcm::new(key)
            .encrypt(&nonce, Payload { msg: &plaintext, aad: integration_id.as_bytes() })
            .expect("AES-GCM encryption of a small buffer cannot fail");
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ciphertext);
        SealedCredentials { key_id: key_id.clone(), sealed: URL_SAFE_NO_PAD.encode(blob) }
    }

    /// Opens a blob sealed for `integration_id`; a blob sealed for another integration fails.
    pub fn open(&self, integration_id: &str, sealed: &SealedCredentials) -> Result<Credentials, OpenError> {
        let (_, key) = self
            .keys
            .iter()
            .find(|(id, _)| *id == sealed.key_id)
            .ok_or_else(|| OpenError::UnknownKey(sealed.key_id.clone()))?;
        let blob = URL_SAFE_NO_PAD.decode(sealed.sealed.as_bytes()).map_err(|_| OpenError::Malformed)?;
        if blob.len() < NONCE_LEN + TAG_LEN {
            return Err(OpenError::Malformed);
        }
        let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
        let nonce = Nonce::try_from(nonce).map_err(|_| OpenError::Malformed)?;
        let plaintext = Aes256Gcm::new(key)
            .decrypt(&nonce, Payload { msg: ciphertext, aad: integration_id.as_bytes() })
            .map_err(|_| OpenError::Rejected)?;
        let parsed: Plaintext = serde_json::from_slice(&plaintext).map_err(|_| OpenError::BadPlaintext)?;
        Ok(Credentials::new(parsed.username, parsed.token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(ids: &[&str]) -> KeyRing {
        let raw: Vec<String> = ids.iter().map(|id| KeyRing::generate_entry(id)).collect();
        KeyRing::parse(&raw.join(",")).unwrap()
    }

    #[test]
    fn round_trip_for_the_same_integration() {
        let keys = ring(&["k1"]);
        let sealed = keys.seal("env-42", &Credentials::new("api@example.com", "tok-123"));
        assert_eq!(sealed.key_id, "k1");
        assert!(!sealed.sealed.contains('='), "base64url without padding");
        let opened = keys.open("env-42", &sealed).unwrap();
        assert_eq!(opened.username, "api@example.com");
        assert_eq!(opened.token.expose_secret(), "tok-123");
    }

    #[test]
    fn a_blob_sealed_for_another_integration_does_not_open() {
        let keys = ring(&["k1"]);
        let sealed = keys.seal("env-42", &Credentials::new("u", "t"));
        assert_eq!(keys.open("env-43", &sealed).unwrap_err(), OpenError::Rejected);
    }

    #[test]
    fn rotation_old_keys_still_open_new_key_seals() {
        let old = ring(&["k1"]);
        let sealed_old = old.seal("env-1", &Credentials::new("u", "t"));
        let old_entry = format!("k1:{}", STANDARD.encode(old.keys[0].1));
        let rotated = KeyRing::parse(&format!("{},{}", KeyRing::generate_entry("k2"), old_entry)).unwrap();
        assert_eq!(rotated.open("env-1", &sealed_old).unwrap().username, "u");
        assert_eq!(rotated.seal("env-1", &Credentials::new("u", "t")).key_id, "k2");
    }

    #[test]
    fn tampering_unknown_keys_and_garbage_fail_cleanly() {
        let keys = ring(&["k1"]);
        let mut sealed = keys.seal("env-1", &Credentials::new("u", "t"));
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed.sealed).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        sealed.sealed = URL_SAFE_NO_PAD.encode(bytes);
        assert_eq!(keys.open("env-1", &sealed).unwrap_err(), OpenError::Rejected);
        let unknown = SealedCredentials { key_id: "k9".into(), sealed: sealed.sealed.clone() };
        assert_eq!(keys.open("env-1", &unknown).unwrap_err(), OpenError::UnknownKey("k9".into()));
        for junk in ["", "!!!", "AAAA"] {
            let s = SealedCredentials { key_id: "k1".into(), sealed: junk.into() };
            assert_eq!(keys.open("env-1", &s).unwrap_err(), OpenError::Malformed, "{junk:?}");
        }
    }

    #[test]
    fn key_ring_parse_errors() {
        assert_eq!(KeyRing::parse("").unwrap_err(), KeyRingError::Empty);
        assert_eq!(KeyRing::parse("nocolon").unwrap_err(), KeyRingError::Malformed(1));
        assert_eq!(KeyRing::parse("k1:c2hvcnQ=").unwrap_err(), KeyRingError::BadKey("k1".into()));
        let e = KeyRing::generate_entry("k1");
        assert_eq!(KeyRing::parse(&format!("{e},{e}")).unwrap_err(), KeyRingError::Duplicate("k1".into()));
    }

    #[test]
    fn debug_never_shows_secrets() {
        let creds = Credentials::new("api@example.com", "tok-123");
        let shown = format!("{creds:?}");
        assert!(!shown.contains("tok-123") && !shown.contains("api@example.com"), "{shown}");
        let sealed = ring(&["k1"]).seal("e", &creds);
        assert!(!format!("{sealed:?}").contains(&sealed.sealed));
    }
}
