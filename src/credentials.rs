//! Sealed Nmbrs credentials (CONTRACT §2.2, §5.1): AES-256-GCM, the integration id as associated
//! data, keys rotated by `key_id`.
//!
//! The monolith seals per integration either `{"username", "token"}` (SOAP) or
//! `{"grant_id", "refresh_token"}` (REST, an OAuth grant it obtained by consent); which one is
//! decided by `integration.nmbrs.api` ([`ApiKind`]). The worker opens it only in memory, for the
//! duration of a job. The same key ring seals the rotated refresh tokens the worker stores
//! (`store::oauth_grants`), under associated data that binds integration and grant, so a stored
//! blob never opens as job credentials nor for another grant. For any other use a ring key is
//! never used as is: [`KeyRing::current_subkey`] derives a separate key per purpose (HKDF-SHA256),
//! e.g. the key of the BSN hashes kept for the switch to REST (`crate::bsn_hash`). Nothing here has a
//! `Debug`/`Display` that shows a secret, and nothing here is ever logged or put in an event.

use aes_gcm::{
    Aes256Gcm, Key, Nonce,
    aead::{Aead, Generate, KeyInit, Payload},
};
use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use secrecy::{ExposeSecret, SecretSlice, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

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
    pub fn for_nmbrs(&self, domain: &str) -> crate::nmbrs::SoapCredentials {
        crate::nmbrs::SoapCredentials::new(self.username.clone(), self.token.expose_secret(), domain)
    }
}

/// Which Nmbrs API an integration uses (`integration.nmbrs.api`, CONTRACT §2.2): it decides
/// the plaintext of the sealed credentials, the form of Nmbrs ids and the edge the jobs call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiKind {
    /// The SOAP v3 API (the default when `api` is absent); ends 2027-03-01.
    #[default]
    Soap,
    /// The REST API with OAuth 2.0 (CONTRACT §5).
    Rest,
}

/// The OAuth grant the monolith hands over for a `rest` integration (CONTRACT §5.1): the
/// `grant_id` it chose for one consent and a refresh token of that grant. The token may be
/// older than the one the worker stored since; `nmbrs::rest::auth` decides which one is used.
#[derive(Clone)]
pub struct RestGrant {
    pub grant_id: Uuid,
    pub refresh_token: SecretString,
    /// When the person consented (RFC 3339), if the monolith said: a stored grant is replaced
    /// only by a newer consent (CONTRACT §5.1 "Which consent is newest").
    pub consented_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl std::fmt::Debug for RestGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RestGrant {{ grant_id: {}, refresh_token: <redacted>, consented_at: {:?} }}",
            self.grant_id, self.consented_at
        )
    }
}

impl RestGrant {
    pub fn new(grant_id: Uuid, refresh_token: impl Into<String>) -> Self {
        Self { grant_id, refresh_token: SecretString::from(refresh_token.into()), consented_at: None }
    }

    /// This grant, consented at `at`.
    pub fn consented(self, at: Option<chrono::DateTime<chrono::Utc>>) -> Self {
        Self { consented_at: at, ..self }
    }
}

/// Opened job credentials, in the shape of the integration's API.
#[derive(Debug)]
pub enum OpenedCredentials {
    Soap(Credentials),
    Rest(RestGrant),
}

#[derive(Deserialize, Serialize)]
struct Plaintext {
    username: String,
    token: String,
}

#[derive(Deserialize, Serialize)]
struct RestPlaintext {
    grant_id: Uuid,
    refresh_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    consented_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Associated data of a refresh token the worker stores: binds it to its integration and its
/// grant, and can never equal the associated data of job credentials (a bare integration id).
fn stored_token_aad(integration_id: &str, grant_id: Uuid) -> Vec<u8> {
    format!("nmbrs-worker/oauth_grants\x1f{integration_id}\x1f{grant_id}").into_bytes()
}

/// A 32-byte key derived from one ring key for one purpose: HKDF-SHA256 (RFC 5869) with the ring
/// key as input keying material, no salt, and the purpose label as info. A key that seals
/// credentials is thus never used as is for anything else, and two purposes never share a key.
/// Its `Debug` shows the key id only.
pub struct Subkey {
    /// The ring key it was derived from: recorded with what it keys, so a rotation can be handled.
    pub key_id: String,
    key: SecretSlice<u8>,
}

impl std::fmt::Debug for Subkey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Subkey {{ key_id: {:?}, key: <redacted> }}", self.key_id)
    }
}

impl Subkey {
    fn derive(key_id: &str, key: &Key<Aes256Gcm>, purpose: &[u8]) -> Self {
        let mut okm = vec![0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(None, key.as_slice())
            .expand(purpose, &mut okm)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        Self { key_id: key_id.to_owned(), key: SecretSlice::from(okm) }
    }

    /// The 32 key bytes, for the primitive that uses them (never to log).
    pub fn expose(&self) -> &[u8] {
        self.key.expose_secret()
    }
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
    #[error(
        "opened credentials are not the JSON of the integration's api ({{\"username\", \"token\"}} for soap, {{\"grant_id\", \"refresh_token\"}} for rest)"
    )]
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

    /// The `purpose` subkey of the first key (the one that seals: the current key).
    pub fn current_subkey(&self, purpose: &[u8]) -> Subkey {
        let (id, key) = &self.keys[0];
        Subkey::derive(id, key, purpose)
    }

    /// The `purpose` subkey of the key `key_id`, while it is still in the ring (after a
    /// rotation, to check what was keyed under the old key).
    pub fn subkey(&self, key_id: &str, purpose: &[u8]) -> Option<Subkey> {
        self.keys.iter().find(|(id, _)| id == key_id).map(|(id, key)| Subkey::derive(id, key, purpose))
    }

    /// Seals SOAP credentials for one integration under the first key.
    pub fn seal(&self, integration_id: &str, creds: &Credentials) -> SealedCredentials {
        let plaintext = serde_json::to_vec(&Plaintext {
            username: creds.username.clone(),
            token: creds.token.expose_secret().to_string(),
        })
        .expect("two strings serialize");
        self.seal_bytes(integration_id.as_bytes(), &SecretSlice::from(plaintext))
    }

    /// Seals a REST grant for one integration under the first key, as the monolith does.
    pub fn seal_rest_grant(&self, integration_id: &str, grant: &RestGrant) -> SealedCredentials {
        let plaintext = serde_json::to_vec(&RestPlaintext {
            grant_id: grant.grant_id,
            refresh_token: grant.refresh_token.expose_secret().to_string(),
            consented_at: grant.consented_at,
        })
        .expect("a uuid and a string serialize");
        self.seal_bytes(integration_id.as_bytes(), &SecretSlice::from(plaintext))
    }

    /// Opens SOAP credentials sealed for `integration_id`; a blob sealed for another
    /// integration fails.
    pub fn open(&self, integration_id: &str, sealed: &SealedCredentials) -> Result<Credentials, OpenError> {
        let plaintext = self.open_bytes(integration_id.as_bytes(), sealed)?;
        let parsed: Plaintext =
            serde_json::from_slice(plaintext.expose_secret()).map_err(|_| OpenError::BadPlaintext)?;
        Ok(Credentials::new(parsed.username, parsed.token))
    }

    /// Opens job credentials in the shape `api` prescribes (CONTRACT §2.2, §5.1). A REST grant
    /// with an empty refresh token is `BadPlaintext`.
    pub fn open_for(
        &self,
        api: ApiKind,
        integration_id: &str,
        sealed: &SealedCredentials,
    ) -> Result<OpenedCredentials, OpenError> {
        match api {
            ApiKind::Soap => self.open(integration_id, sealed).map(OpenedCredentials::Soap),
            ApiKind::Rest => {
                let plaintext = self.open_bytes(integration_id.as_bytes(), sealed)?;
                let parsed: RestPlaintext =
                    serde_json::from_slice(plaintext.expose_secret()).map_err(|_| OpenError::BadPlaintext)?;
                if parsed.refresh_token.trim().is_empty() {
                    return Err(OpenError::BadPlaintext);
                }
                let grant = RestGrant::new(parsed.grant_id, parsed.refresh_token).consented(parsed.consented_at);
                Ok(OpenedCredentials::Rest(grant))
            }
        }
    }

    /// Seals a refresh token for the worker's own store, bound to its integration and grant.
    pub fn seal_stored_refresh_token(
        &self,
        integration_id: &str,
        grant_id: Uuid,
        refresh_token: &SecretString,
    ) -> SealedCredentials {
        let plaintext = SecretSlice::from(refresh_token.expose_secret().as_bytes().to_vec());
        self.seal_bytes(&stored_token_aad(integration_id, grant_id), &plaintext)
    }

    /// Opens a stored refresh token; it opens only for the integration and grant it was
    /// sealed for, and with a key still in the ring.
    pub fn open_stored_refresh_token(
        &self,
        integration_id: &str,
        grant_id: Uuid,
        sealed: &SealedCredentials,
    ) -> Result<SecretString, OpenError> {
        let plaintext = self.open_bytes(&stored_token_aad(integration_id, grant_id), sealed)?;
        let text = std::str::from_utf8(plaintext.expose_secret()).map_err(|_| OpenError::BadPlaintext)?;
        Ok(SecretString::from(text))
    }

    /// AES-256-GCM under the first key with a random nonce: base64url(nonce ‖ ciphertext ‖ tag).
    fn seal_bytes(&self, aad: &[u8], plaintext: &SecretSlice<u8>) -> SealedCredentials {
        let (key_id, key) = &self.keys[0];
        let nonce = Nonce::generate();
        let ciphertext = Aes256Gcm::new(key)
            .encrypt(&nonce, Payload { msg: plaintext.expose_secret(), aad })
            .expect("AES-GCM encryption of a small buffer cannot fail");
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ciphertext);
        SealedCredentials { key_id: key_id.clone(), sealed: URL_SAFE_NO_PAD.encode(blob) }
    }

    /// The plaintext of a blob sealed under `aad`, zeroed when dropped.
    fn open_bytes(&self, aad: &[u8], sealed: &SealedCredentials) -> Result<SecretSlice<u8>, OpenError> {
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
        let plaintext =
            Aes256Gcm::new(key).decrypt(&nonce, Payload { msg: ciphertext, aad }).map_err(|_| OpenError::Rejected)?;
        Ok(SecretSlice::from(plaintext))
    }
}

#[cfg(test)]
#[path = "credentials_tests.rs"]
pub(crate) mod tests;
