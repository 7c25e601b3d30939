//! The app-level settings of the Nmbrs REST edge (CONTRACT §1, §5.1): where the API and the
//! token endpoint are, and Eitje's registered app (client id, secret, subscription key).
//!
//! They are optional at start, because a SOAP-only deployment has no app; a `rest` job that
//! finds them missing fails with `rest_not_configured` ([`RestConfig::app`]). The secret and
//! the subscription key are [`SecretString`]s and never appear in `Debug` output or logs.

use secrecy::SecretString;

use crate::config::source::{ConfigError, Source};
use crate::domain::consent_chain::{ChainPolicy, RefreshExpiry};
use crate::domain::export::days::DaysBehaviour;

/// Default of `NMBRS_REST_BASE_URL` (CONTRACT §1); every API path starts with `/api/`.
pub const DEFAULT_REST_BASE_URL: &str = "https://api.nmbrsapp.com";
/// Default of `NMBRS_OAUTH_TOKEN_URL` (CONTRACT §1; REST-NOTES §1 "Authentication").
pub const DEFAULT_OAUTH_TOKEN_URL: &str = "https://identityservice.nmbrs.com/connect/token";

/// The variables that together make Eitje's Nmbrs app (CONTRACT §1).
pub const APP_VARS: [&str; 3] = ["NMBRS_OAUTH_CLIENT_ID", "NMBRS_OAUTH_CLIENT_SECRET", "NMBRS_SUBSCRIPTION_KEY"];

/// REST settings of the worker.
#[derive(Clone)]
pub struct RestConfig {
    /// `NMBRS_REST_BASE_URL`, without a trailing `/`.
    pub base_url: String,
    /// `NMBRS_OAUTH_TOKEN_URL`: the refresh grant is posted here.
    pub token_url: String,
    /// `NMBRS_REST_DAYS_POST`: what a second `POST …/variabledays` does, as `nmbrs-worker probe`
    /// found it (`days_second_post`), or `detect` (the default) to find out by reading back.
    pub days_post: DaysPostSetting,
    /// `NMBRS_OAUTH_REFRESH_LIFETIME`, `NMBRS_OAUTH_REFRESH_EXPIRY`, `NMBRS_OAUTH_CONSENT_WARNING`
    /// (CONTRACT §5.1 "The refresh chain's end").
    pub chain: ChainPolicy,
    app: Result<RestApp, RestNotConfigured>,
}

/// `NMBRS_REST_DAYS_POST` (`detect` | `replace` | `add`): how the REST edge sets a period's
/// variable days (CONTRACT §5.3 "Days"). Whether a second POST replaces or adds is not
/// documented (REST-NOTES §2 \[L\]); `nmbrs-worker probe` answers it (`days_second_post`).
/// - `detect` (default): read the days, POST, read back, and let the reads decide the next POST
///   (`domain::export::days::next_days_step`); safe under either behaviour.
/// - `replace`: one POST of the wanted number, no read (a lost reply is POSTed again: the same
///   number twice is the same days).
/// - `add`: one read, one POST of the difference, no read-back (a lost reply is read back and
///   only what is still missing is POSTed).
///
/// A wrong `replace`/`add` leaves the days wrong (the export's own verification reads them
/// again and reports it): set it only from the probe's answer for this Nmbrs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DaysPostSetting {
    #[default]
    Detect,
    Replace,
    Add,
}

impl DaysPostSetting {
    /// The behaviour the setting asserts; `None` for `detect`.
    pub fn known(self) -> Option<DaysBehaviour> {
        match self {
            DaysPostSetting::Detect => None,
            DaysPostSetting::Replace => Some(DaysBehaviour::Replaces),
            DaysPostSetting::Add => Some(DaysBehaviour::Adds),
        }
    }

    fn parse(text: &str) -> Result<Self, ConfigError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "detect" => Ok(DaysPostSetting::Detect),
            "replace" => Ok(DaysPostSetting::Replace),
            "add" => Ok(DaysPostSetting::Add),
            _ => Err(ConfigError { var: "NMBRS_REST_DAYS_POST", reason: "must be detect, replace or add".into() }),
        }
    }
}

/// Eitje's registered Nmbrs app: the OAuth client and the API product subscription.
#[derive(Clone)]
pub struct RestApp {
    pub client_id: String,
    pub client_secret: SecretString,
    /// Sent as `X-Subscription-Key` on every REST call.
    pub subscription_key: SecretString,
    /// `NMBRS_SUBSCRIPTION_KEY_SECONDARY`: the product subscription's other key. A call the API
    /// gateway refuses for its key is repeated once with this one (CONTRACT §5.1).
    pub secondary_subscription_key: Option<SecretString>,
}

impl std::fmt::Debug for RestApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RestApp { client_id: <redacted>, client_secret: <redacted>, subscription_key: <redacted>, .. }")
    }
}

impl std::fmt::Debug for RestConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestConfig")
            .field("base_url", &self.base_url)
            .field("token_url", &self.token_url)
            .field("days_post", &self.days_post)
            .field("chain", &self.chain)
            .field("app", &self.app.as_ref().map(|_| "<configured>"))
            .finish()
    }
}

/// A `rest` job arrived but the app settings are (partly) missing: the job fails with
/// `job.failed` `rest_not_configured` (CONTRACT §5.1). Names the variables, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the Nmbrs REST app is not configured: {} not set", .missing.join(", "))]
pub struct RestNotConfigured {
    pub missing: Vec<&'static str>,
}

impl RestNotConfigured {
    /// The `job.failed` error code (CONTRACT §5.1).
    pub const CODE: &'static str = "rest_not_configured";
}

impl RestConfig {
    /// Reads the REST variables; the app may be missing, the URLs must be http(s).
    pub fn from_source(src: &impl Source) -> Result<Self, ConfigError> {
        let url = |var: &'static str, default: &str| -> Result<String, ConfigError> {
            let value = src.get(var).unwrap_or_else(|| default.to_string());
            let value = value.trim().trim_end_matches('/').to_string();
            if value.starts_with("https://") || value.starts_with("http://") {
                Ok(value)
            } else {
                Err(ConfigError { var, reason: "must be an http(s) URL".into() })
            }
        };
        let base_url = url("NMBRS_REST_BASE_URL", DEFAULT_REST_BASE_URL)?;
        let token_url = url("NMBRS_OAUTH_TOKEN_URL", DEFAULT_OAUTH_TOKEN_URL)?;
        let days_post =
            src.get("NMBRS_REST_DAYS_POST").map_or(Ok(DaysPostSetting::Detect), |v| DaysPostSetting::parse(&v))?;
        let [client_id, client_secret, subscription_key] = APP_VARS.map(|var| src.get(var));
        let missing: Vec<&'static str> = APP_VARS
            .iter()
            .zip([&client_id, &client_secret, &subscription_key])
            .filter(|(_, value)| value.is_none())
            .map(|(var, _)| *var)
            .collect();
        let app = match (client_id, client_secret, subscription_key) {
            (Some(client_id), Some(secret), Some(key)) => Ok(RestApp {
                client_id: client_id.trim().to_string(),
                client_secret: SecretString::from(secret),
                subscription_key: SecretString::from(key),
                secondary_subscription_key: src
                    .get("NMBRS_SUBSCRIPTION_KEY_SECONDARY")
                    .filter(|k| !k.trim().is_empty())
                    .map(SecretString::from),
            }),
            _ => Err(RestNotConfigured { missing }),
        };
        Ok(Self { base_url, token_url, days_post, chain: chain_policy(src)?, app })
    }

    /// The app, or the error a `rest` job fails with when any of its settings is missing.
    pub fn app(&self) -> Result<&RestApp, RestNotConfigured> {
        self.app.as_ref().map_err(Clone::clone)
    }
}

/// The refresh chain's settings (CONTRACT §5.1), each a positive duration like `30d` or an
/// expiry word.
fn chain_policy(src: &impl Source) -> Result<ChainPolicy, ConfigError> {
    let defaults = ChainPolicy::default();
    let duration = |var: &'static str, default: std::time::Duration| -> Result<_, ConfigError> {
        let Some(raw) = src.get(var) else { return Ok(default) };
        match humantime::parse_duration(raw.trim()) {
            Ok(d) if !d.is_zero() => Ok(d),
            _ => Err(ConfigError { var, reason: format!("expected a positive duration like 30d, got {raw:?}") }),
        }
    };
    let expiry = match src.get("NMBRS_OAUTH_REFRESH_EXPIRY") {
        None => defaults.expiry,
        Some(raw) => RefreshExpiry::parse(&raw)
            .ok_or(ConfigError { var: "NMBRS_OAUTH_REFRESH_EXPIRY", reason: "must be absolute or sliding".into() })?,
    };
    Ok(ChainPolicy {
        lifetime: duration("NMBRS_OAUTH_REFRESH_LIFETIME", defaults.lifetime)?,
        expiry,
        warning: duration("NMBRS_OAUTH_CONSENT_WARNING", defaults.warning)?,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn defaults_follow_the_contract_and_the_app_is_optional() {
        let cfg = RestConfig::from_source(&HashMap::new()).unwrap();
        assert_eq!(cfg.base_url, "https://api.nmbrsapp.com");
        assert_eq!(cfg.token_url, "https://identityservice.nmbrs.com/connect/token");
        let err = cfg.app().unwrap_err();
        assert_eq!(err.missing, APP_VARS.to_vec());
        assert_eq!(RestNotConfigured::CODE, "rest_not_configured");
    }

    #[test]
    fn a_partial_app_names_what_is_missing_and_never_a_value() {
        let cfg = RestConfig::from_source(&HashMap::from([
            ("NMBRS_OAUTH_CLIENT_ID", "eitje"),
            ("NMBRS_OAUTH_CLIENT_SECRET", "s3cret"),
        ]))
        .unwrap();
        let err = cfg.app().unwrap_err();
        assert_eq!(err.missing, vec!["NMBRS_SUBSCRIPTION_KEY"]);
        assert!(!err.to_string().contains("s3cret"), "{err}");
    }

    #[test]
    fn a_full_app_is_configured_and_debug_redacts_it() {
        let cfg = RestConfig::from_source(&HashMap::from([
            ("NMBRS_REST_BASE_URL", "http://127.0.0.1:9/"),
            ("NMBRS_OAUTH_CLIENT_ID", "eitje"),
            ("NMBRS_OAUTH_CLIENT_SECRET", "s3cret"),
            ("NMBRS_SUBSCRIPTION_KEY", "sub-key"),
        ]))
        .unwrap();
        assert_eq!(cfg.base_url, "http://127.0.0.1:9");
        let app = cfg.app().unwrap();
        assert_eq!((app.client_secret.expose_secret(), app.subscription_key.expose_secret()), ("s3cret", "sub-key"));
        let shown = format!("{cfg:?} {app:?}");
        assert!(!shown.contains("s3cret") && !shown.contains("sub-key") && !shown.contains("eitje"), "{shown}");
    }

    #[test]
    fn days_post_defaults_to_detect_and_takes_the_probe_answers() {
        let read = |v: &str| RestConfig::from_source(&HashMap::from([("NMBRS_REST_DAYS_POST", v)]));
        assert_eq!(RestConfig::from_source(&HashMap::new()).unwrap().days_post, DaysPostSetting::Detect);
        assert_eq!(read("replace").unwrap().days_post.known(), Some(DaysBehaviour::Replaces));
        assert_eq!(read(" Add ").unwrap().days_post.known(), Some(DaysBehaviour::Adds));
        assert_eq!(read("detect").unwrap().days_post.known(), None);
        assert_eq!(read("sometimes").unwrap_err().var, "NMBRS_REST_DAYS_POST");
    }

    #[test]
    fn the_refresh_chain_defaults_to_30_days_absolute_warned_7_days_before() {
        let cfg = RestConfig::from_source(&HashMap::new()).unwrap();
        assert_eq!(cfg.chain, ChainPolicy::default());
        assert_eq!(cfg.chain.lifetime, std::time::Duration::from_secs(30 * 86_400));
        let cfg = RestConfig::from_source(&HashMap::from([
            ("NMBRS_OAUTH_REFRESH_LIFETIME", "90d"),
            ("NMBRS_OAUTH_REFRESH_EXPIRY", "sliding"),
            ("NMBRS_OAUTH_CONSENT_WARNING", "2d"),
        ]))
        .unwrap();
        assert_eq!(cfg.chain.expiry, RefreshExpiry::Sliding);
        assert_eq!(cfg.chain.warning, std::time::Duration::from_secs(2 * 86_400));
        for (var, bad) in [
            ("NMBRS_OAUTH_REFRESH_EXPIRY", "never"),
            ("NMBRS_OAUTH_REFRESH_LIFETIME", "0s"),
            ("NMBRS_OAUTH_CONSENT_WARNING", "soon"),
        ] {
            assert_eq!(RestConfig::from_source(&HashMap::from([(var, bad)])).unwrap_err().var, var);
        }
    }

    #[test]
    fn the_secondary_key_is_optional_and_never_shown() {
        let app = |extra: Option<&'static str>| {
            let mut vars = HashMap::from([
                ("NMBRS_OAUTH_CLIENT_ID", "eitje"),
                ("NMBRS_OAUTH_CLIENT_SECRET", "s3cret"),
                ("NMBRS_SUBSCRIPTION_KEY", "key-1"),
            ]);
            if let Some(k) = extra {
                vars.insert("NMBRS_SUBSCRIPTION_KEY_SECONDARY", k);
            }
            RestConfig::from_source(&vars).unwrap()
        };
        assert!(app(None).app().unwrap().secondary_subscription_key.is_none());
        assert!(app(Some(" ")).app().unwrap().secondary_subscription_key.is_none());
        let cfg = app(Some("key-2"));
        let second = cfg.app().unwrap().secondary_subscription_key.as_ref().unwrap();
        assert_eq!(second.expose_secret(), "key-2");
        assert!(!format!("{cfg:?} {:?}", cfg.app().unwrap()).contains("key-2"));
    }

    #[test]
    fn urls_must_be_http() {
        let err = RestConfig::from_source(&HashMap::from([("NMBRS_OAUTH_TOKEN_URL", "ftp://x")])).unwrap_err();
        assert_eq!(err.var, "NMBRS_OAUTH_TOKEN_URL");
    }
}
