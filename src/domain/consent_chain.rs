//! When an integration's Nmbrs refresh chain ends, and when to warn a person before it does
//! (CONTRACT §5.1 "The refresh chain's end"), as pure functions.
//!
//! A Nmbrs refresh token lasts 30 days [H]; whether each refresh extends that is not known
//! [L]: an identity server's default is an absolute lifetime counted from the consent, so that
//! is the default reading here. `nmbrs-worker probe --tokens` answers it for a real Nmbrs.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// `NMBRS_OAUTH_REFRESH_EXPIRY`: how the refresh chain's lifetime is counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RefreshExpiry {
    /// From the consent, however often the worker refreshes (the default, cautious reading).
    #[default]
    Absolute,
    /// From the last refresh: the chain ends only after a lifetime unused.
    Sliding,
}

impl RefreshExpiry {
    /// `absolute` | `sliding` (case and surrounding blanks ignored); `None` otherwise.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "absolute" => Some(RefreshExpiry::Absolute),
            "sliding" => Some(RefreshExpiry::Sliding),
            _ => None,
        }
    }
}

/// The chain settings: `NMBRS_OAUTH_REFRESH_LIFETIME` (default 30 days),
/// `NMBRS_OAUTH_REFRESH_EXPIRY` (default absolute) and `NMBRS_OAUTH_CONSENT_WARNING` (default
/// 7 days): how long before `renew_by` the person is warned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainPolicy {
    pub lifetime: Duration,
    pub expiry: RefreshExpiry,
    pub warning: Duration,
}

impl Default for ChainPolicy {
    fn default() -> Self {
        const DAY: u64 = 24 * 3600;
        ChainPolicy {
            lifetime: Duration::from_secs(30 * DAY),
            expiry: RefreshExpiry::Absolute,
            warning: Duration::from_secs(7 * DAY),
        }
    }
}

/// What the worker knows of a stored grant's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainFacts {
    /// When the person consented, if the monolith said (`consented_at`, CONTRACT §5.1).
    pub consented_at: Option<DateTime<Utc>>,
    /// When the worker first stored the grant: the count starts here when `consented_at` is
    /// unknown (the consent was at or before it, so the real end may be earlier).
    pub adopted_at: DateTime<Utc>,
    /// The last successful refresh.
    pub refreshed_at: DateTime<Utc>,
}

/// The instant the refresh chain ends: the consent (or the adoption) plus the lifetime under
/// `absolute`; the last refresh plus the lifetime under `sliding`.
pub fn renew_by(facts: &ChainFacts, policy: &ChainPolicy) -> DateTime<Utc> {
    let start = match policy.expiry {
        RefreshExpiry::Absolute => facts.consented_at.unwrap_or(facts.adopted_at),
        RefreshExpiry::Sliding => facts.refreshed_at,
    };
    chrono::Duration::from_std(policy.lifetime)
        .ok()
        .and_then(|lifetime| start.checked_add_signed(lifetime))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Whether `now` is within the warning time before `renew_by` (or past it).
pub fn expiring(now: DateTime<Utc>, renew_by: DateTime<Utc>, policy: &ChainPolicy) -> bool {
    let from = chrono::Duration::from_std(policy.warning).ok().and_then(|w| renew_by.checked_sub_signed(w));
    now >= from.unwrap_or(DateTime::<Utc>::MIN_UTC)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 12, 0, 0).unwrap()
    }

    fn facts(consented: Option<u32>) -> ChainFacts {
        ChainFacts { consented_at: consented.map(at), adopted_at: at(3), refreshed_at: at(20) }
    }

    #[test]
    fn absolute_counts_from_the_consent_or_else_from_the_adoption() {
        let policy = ChainPolicy::default();
        assert_eq!(renew_by(&facts(Some(1)), &policy), at(1) + chrono::Duration::days(30));
        assert_eq!(renew_by(&facts(None), &policy), at(3) + chrono::Duration::days(30));
    }

    #[test]
    fn sliding_counts_from_the_last_refresh() {
        let policy = ChainPolicy { expiry: RefreshExpiry::Sliding, ..ChainPolicy::default() };
        assert_eq!(renew_by(&facts(Some(1)), &policy), at(20) + chrono::Duration::days(30));
    }

    #[test]
    fn the_warning_starts_its_time_before_the_end_and_stays_after_it() {
        let policy = ChainPolicy::default();
        let end = at(25);
        assert!(!expiring(at(18) - chrono::Duration::seconds(1), end, &policy));
        assert!(expiring(at(18), end, &policy));
        assert!(expiring(at(26), end, &policy));
    }

    #[test]
    fn expiry_words_parse_and_nothing_else_does() {
        assert_eq!(RefreshExpiry::parse(" Sliding "), Some(RefreshExpiry::Sliding));
        assert_eq!(RefreshExpiry::parse("absolute"), Some(RefreshExpiry::Absolute));
        assert_eq!(RefreshExpiry::parse("forever"), None);
    }

    #[test]
    fn huge_settings_do_not_overflow() {
        let policy = ChainPolicy { lifetime: Duration::MAX, warning: Duration::MAX, ..ChainPolicy::default() };
        let end = renew_by(&facts(Some(1)), &policy);
        assert!(end > at(1));
        assert!(expiring(at(1), at(2), &policy));
    }
}
