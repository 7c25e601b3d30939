//! Question 7, tokens (REST-NOTES §1, §7; CONTRACT §5.1): the access token's lifetime
//! (`access_token_lifetime_s`, the reply's `expires_in`), whether a reused refresh token is
//! `invalid_grant` or accepted (`refresh_token_reuse`) and whether the newer one then still
//! works, and a refresh token's own expiry where the reply states it. Run last: a reuse may
//! end the consent.
//!
//! Whether the refresh chain ends 30 days after the consent cannot be seen in minutes: the
//! consent date (the access token's `auth_time`, else `--consented-at`) and every refresh's
//! outcome are kept in `<out>/tokens.json`, and the probe says when to run `probe --tokens`
//! again and what its answer means for `NMBRS_OAUTH_REFRESH_EXPIRY`.

use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cli::probe::findings::Findings;
use crate::cli::probe::recorder::{ProbeReply, Recorder};
use crate::cli::probe::session::{self, RefreshOutcome};
use crate::nmbrs::rest::auth::TokenClient;

/// The claims of a JWT access token, when it is one (IdentityServer issues JWTs).
pub fn jwt_claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// `access_token_lifetime_s` from the first refresh: `expires_in`, with a JWT's `exp - iat` as
/// a cross-check (or the answer when `expires_in` is missing).
pub fn lifetime(
    f: &mut Findings,
    reply: &ProbeReply,
    expires_in: Option<u64>,
    access: &SecretString,
    extra: &serde_json::Map<String, Value>,
) {
    let claims = jwt_claims(access.expose_secret());
    let jwt = claims
        .as_ref()
        .and_then(|c| Some(c["exp"].as_i64()? - c["iat"].as_i64().or(c["nbf"].as_i64())?))
        .and_then(|s| u64::try_from(s).ok());
    let mut evidence = format!("#{} expires_in {expires_in:?}", reply.seq);
    if let Some(s) = jwt {
        evidence.push_str(&format!(", JWT exp - iat {s}"));
    }
    let stated: Vec<String> = extra
        .iter()
        .filter(|(k, _)| k.contains("refresh") || k.contains("expire"))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    evidence.push_str(&if stated.is_empty() {
        "; the reply states no refresh-token expiry".to_owned()
    } else {
        format!("; refresh token: {}", stated.join(", "))
    });
    match expires_in.or(jwt) {
        Some(s) => f.set("access_token_lifetime_s", s, evidence),
        None => f.unknown("access_token_lifetime_s", format!("neither expires_in nor a JWT lifetime: {evidence}")),
    }
}

/// Refreshes with `current` (→ a newer token), then with `current` again (the reuse), then with
/// the newest token held: sets `refresh_token_reuse` and answers the newest working token.
pub async fn reuse(rec: &Recorder, client: &TokenClient, current: SecretString, f: &mut Findings) -> SecretString {
    rec.question("tokens");
    let first = match session::refresh(rec, client, &current).await {
        Ok(r) => r,
        Err(e) => {
            f.unknown("refresh_token_reuse", format!("the refresh before the reuse got no reply: {e}"));
            return current;
        }
    };
    let newer = match first.outcome {
        RefreshOutcome::Granted { refresh: Some(newer), .. } => newer,
        RefreshOutcome::Granted { refresh: None, .. } => {
            f.unknown(
                "refresh_token_reuse",
                format!("#{}: the endpoint did not rotate the refresh token: nothing to reuse", first.reply.seq),
            );
            return current;
        }
        RefreshOutcome::Refused { error } => {
            f.unknown(
                "refresh_token_reuse",
                format!("#{}: the refresh before the reuse was refused ({error})", first.reply.seq),
            );
            return current;
        }
    };
    let reused = match session::refresh(rec, client, &current).await {
        Ok(r) => r,
        Err(e) => {
            f.unknown("refresh_token_reuse", format!("the reuse got no reply: {e}"));
            return newer;
        }
    };
    let (answer, newest) = match reused.outcome {
        RefreshOutcome::Refused { error } if error == "invalid_grant" => ("invalid_grant", newer),
        RefreshOutcome::Granted { refresh, .. } => ("accepted", refresh.unwrap_or(newer)),
        RefreshOutcome::Refused { error } => {
            f.unknown(
                "refresh_token_reuse",
                format!("#{}: the reuse was refused with {error}, not invalid_grant", reused.reply.seq),
            );
            return newer;
        }
    };
    let mut evidence =
        format!("#{} refresh → rotated; #{} the same token again → {answer}", first.reply.seq, reused.reply.seq);
    let newest = match session::refresh(rec, client, &newest).await {
        Ok(check) => match check.outcome {
            RefreshOutcome::Granted { refresh, .. } => {
                evidence.push_str(&format!("; #{} the newest token still works", check.reply.seq));
                refresh.unwrap_or(newest)
            }
            RefreshOutcome::Refused { error } => {
                evidence.push_str(&format!(
                    "; #{} the newest token is refused too ({error}): the reuse ended the consent, consent again",
                    check.reply.seq
                ));
                newest
            }
        },
        Err(e) => {
            evidence.push_str(&format!("; the check of the newest token got no reply ({e})"));
            newest
        }
    };
    f.set("refresh_token_reuse", answer, evidence);
    newest
}

/// `<out>/tokens.json`: the consent date and each refresh seen.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TokensRecord {
    pub consented_at: Option<NaiveDate>,
    /// Where the date came from (`auth_time` of the access token, `--consented-at`).
    pub consent_source: Option<String>,
    pub observations: Vec<TokenObservation>,
}

/// One refresh at one moment.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TokenObservation {
    pub at: DateTime<Utc>,
    /// `ok` or the OAuth error.
    pub refresh: String,
    pub days_since_consent: Option<i64>,
}

impl TokensRecord {
    pub fn load(path: &std::path::Path) -> Self {
        std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    /// Takes the consent date: `auth_time` of the access token wins over `--consented-at`,
    /// which wins over the one recorded before.
    pub fn consent(&mut self, access: Option<&SecretString>, given: Option<NaiveDate>) {
        let auth_time = access
            .and_then(|a| jwt_claims(a.expose_secret()))
            .and_then(|c| c["auth_time"].as_i64())
            .and_then(|t| DateTime::from_timestamp(t, 0))
            .map(|t| t.date_naive());
        if let Some(d) = auth_time {
            (self.consented_at, self.consent_source) = (Some(d), Some("auth_time of the access token".into()));
        } else if let Some(d) = given {
            (self.consented_at, self.consent_source) = (Some(d), Some("--consented-at".into()));
        }
    }

    /// Notes a refresh at `now` and says what it means.
    pub fn observe(&mut self, now: DateTime<Utc>, refresh: &str) -> String {
        let days = self.consented_at.map(|c| (now.date_naive() - c).num_days());
        let last_ok = self.observations.iter().filter(|o| o.refresh == "ok").map(|o| o.at).max();
        let used_lately = last_ok.is_some_and(|at| (now - at).num_days() < 30);
        self.observations.push(TokenObservation { at: now, refresh: refresh.to_owned(), days_since_consent: days });
        let note = chain_note(self.consented_at, days, refresh == "ok");
        match days {
            // Refused after day 30 with no refresh in the 30 days before: a sliding chain left
            // unused that long ends too, so this run cannot tell the two apart.
            Some(d) if d > 30 && refresh != "ok" && !used_lately => format!(
                "the refresh was refused {d} days after the consent, but no refresh on record came in the 30 days before, so a sliding chain left unused would end too: this does not tell absolute from sliding. Consent again, run `nmbrs-worker probe --tokens` at least every three weeks, and once more after day 30"
            ),
            _ => note,
        }
    }
}

/// What a refresh `days` after the consent tells about the chain's end (CONTRACT §5.1).
pub fn chain_note(consented: Option<NaiveDate>, days: Option<i64>, ok: bool) -> String {
    match (consented, days) {
        (None, _) | (_, None) if !ok => "check that stdin holds the consent's newest refresh token, whole: a mistyped one, or one already used (each refresh spends it; keep the new one with --refresh-token-out), is refused like a revoked consent; otherwise consent again. With --consented-at YYYY-MM-DD the probe can also tell the 30-day end apart".into(),
        (None, _) | (_, None) => "the consent date is not known: run again with --consented-at YYYY-MM-DD (the day the person consented), then run `nmbrs-worker probe --tokens` 31 days after it".into(),
        (Some(c), Some(d)) if d <= 30 && ok => format!(
            "the refresh chain works {d} days after the consent of {c}; run `nmbrs-worker probe --tokens` with the newest refresh token at least every three weeks and once on or after {}: refused then means the chain ends 30 days after consent (NMBRS_OAUTH_REFRESH_EXPIRY=absolute), working means it slides (sliding)",
            c + chrono::Days::new(31)
        ),
        (Some(c), Some(d)) if ok => format!("the refresh chain still works {d} days after the consent of {c}: it outlives 30 days, so NMBRS_OAUTH_REFRESH_EXPIRY=sliding"),
        (Some(c), Some(d)) if d > 30 => format!("the refresh was refused {d} days after the consent of {c}: the chain ends 30 days after consent (NMBRS_OAUTH_REFRESH_EXPIRY=absolute), unless the consent was revoked"),
        (Some(c), Some(d)) => format!("the refresh was refused only {d} days after the consent of {c}: revoked or spent, not the 30-day end; consent again"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        let b = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.sig", b(r#"{"alg":"RS256"}"#), b(claims))
    }

    #[test]
    fn a_jwt_gives_its_lifetime_and_consent_time() {
        let token = SecretString::from(jwt(r#"{"iat":1000,"exp":4600,"auth_time":1790000000}"#));
        assert_eq!(jwt_claims(token.expose_secret()).unwrap()["exp"], 4600);
        assert_eq!(jwt_claims("opaque-token"), None);
        let mut record = TokensRecord::default();
        record.consent(Some(&token), NaiveDate::from_ymd_opt(2026, 1, 1));
        assert_eq!(record.consent_source.as_deref(), Some("auth_time of the access token"));
        let mut given = TokensRecord::default();
        given.consent(Some(&SecretString::from("opaque")), NaiveDate::from_ymd_opt(2026, 11, 1));
        assert_eq!(given.consented_at, NaiveDate::from_ymd_opt(2026, 11, 1));
    }

    #[test]
    fn the_chain_note_says_when_to_run_again_and_what_it_means() {
        let c = NaiveDate::from_ymd_opt(2026, 11, 1);
        assert!(chain_note(c, Some(3), true).contains("on or after 2026-12-02"));
        assert!(chain_note(c, Some(40), true).contains("sliding"));
        assert!(chain_note(c, Some(40), false).contains("absolute"));
        assert!(chain_note(c, Some(3), false).contains("consent again"));
        assert!(chain_note(None, None, true).contains("--consented-at"));
        let refused = chain_note(None, None, false);
        assert!(refused.contains("newest refresh token") && refused.contains("--refresh-token-out"), "{refused}");
    }

    #[test]
    fn a_refusal_after_day_30_says_absolute_only_when_the_chain_was_used_in_the_30_days_before() {
        use chrono::TimeZone as _;
        let at = |day: u32| {
            chrono::Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap() + chrono::Duration::days(day.into())
        };
        let mut record = TokensRecord { consented_at: NaiveDate::from_ymd_opt(2026, 11, 1), ..Default::default() };
        record.observe(at(0), "ok");
        let unused = record.clone().observe(at(35), "invalid_grant");
        assert!(unused.contains("does not tell absolute from sliding"), "{unused}");
        record.observe(at(20), "ok");
        let used = record.observe(at(35), "invalid_grant");
        assert!(used.contains("NMBRS_OAUTH_REFRESH_EXPIRY=absolute"), "{used}");
    }
}
