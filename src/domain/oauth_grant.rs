//! Rules of an integration's Nmbrs OAuth grant (CONTRACT §5.1), as pure functions: which
//! refresh token a job may use, and when a cached access token is too close to its expiry.
//!
//! Nmbrs refresh tokens are single-use and rotate, so from the first job that carries a
//! `grant_id` the worker owns that grant and its stored token is the only one that still works.
//! The edges (`nmbrs::rest::auth`, `store::oauth_grants`) do the I/O around these decisions.

use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One consent: the grant Eitje chose for it and, when the monolith said, when the person
/// consented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consent {
    pub grant_id: Uuid,
    pub consented_at: Option<DateTime<Utc>>,
}

/// Which refresh token a job uses, given what is stored for its integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantChoice {
    /// Nothing stored yet: the message's grant becomes the integration's grant, starting from
    /// the message's refresh token.
    Adopt,
    /// Use the stored refresh token. The message's token of the same grant is older or equal
    /// (the worker rotated it since); a message of a grant a newer consent replaced must not
    /// bring it back.
    UseStored,
    /// The message carries a new consent (a later `consented_at`, or, where either lacks one,
    /// a `grant_id` never seen for this integration): it replaces the stored grant, which is
    /// retired.
    Replace,
    /// The message carries an older consent than the stored one (a delayed or retried
    /// message): the stored grant is used, and the message's grant is retired so it never
    /// comes back.
    KeepNewer,
}

/// Decides between the stored grant and the one in a job message (CONTRACT §5.1: "a later job
/// that carries an older refresh token of the same `grant_id` uses the stored one"; "Which
/// consent is newest": a stored grant is replaced only by a newer consent, and a retired grant
/// is never used again).
///
/// `stored` is the integration's current consent, `message_grant_retired` whether the
/// message's grant id was retired earlier. Two consents at the same instant keep the stored one.
pub fn choose_grant(stored: Option<Consent>, message: Consent, message_grant_retired: bool) -> GrantChoice {
    match stored {
        None => GrantChoice::Adopt,
        Some(current) if current.grant_id == message.grant_id || message_grant_retired => GrantChoice::UseStored,
        Some(current) => match (current.consented_at, message.consented_at) {
            (Some(stored_at), Some(message_at)) if message_at <= stored_at => GrantChoice::KeepNewer,
            _ => GrantChoice::Replace,
        },
    }
}

/// An access token is refreshed once less than this remains of it: min(60 s, a tenth of its
/// lifetime) (CONTRACT §5.1).
pub fn refresh_margin(lifetime: Duration) -> Duration {
    Duration::from_secs(60).min(lifetime / 10)
}

/// Whether an access token of `lifetime` with `remaining` left may still be used.
pub fn still_usable(lifetime: Duration, remaining: Duration) -> bool {
    remaining >= refresh_margin(lifetime) && !remaining.is_zero()
}

/// Lifetime assumed when a token reply has no `expires_in` (RFC 6749 §5.1 makes it optional;
/// Nmbrs sends 3600 s). Short on purpose: a token whose lifetime is unknown is renewed soon
/// rather than used until a 401.
pub const ASSUMED_LIFETIME: Duration = Duration::from_secs(300);

/// The longest lifetime believed (a bound on what the token endpoint says): a longer
/// `expires_in` is read as this.
pub const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// The shortest lifetime a token is believed to have (issue 19 item 10): a reply saying 0 or
/// 1 s would otherwise make every call refresh first, and every refresh spends (rotates) the
/// integration's refresh token. A token whose reply said less is used for this long, minus the
/// margin, unless Nmbrs has shown that it means the short lifetime ([`believed_lifetime`]).
pub const LIFETIME_FLOOR: Duration = Duration::from_secs(30);

/// How long a token whose reply gave `lifetime` is used: at least [`LIFETIME_FLOOR`], unless
/// `short_is_real` (the API refused a token of this integration that was used on the floor, so
/// its short lifetimes are enforced): then exactly `lifetime`, and the token is refreshed in
/// time rather than refused (a 401 and a repeat per call).
pub fn believed_lifetime(lifetime: Duration, short_is_real: bool) -> Duration {
    match short_is_real {
        true => lifetime,
        false => lifetime.max(LIFETIME_FLOOR),
    }
}

/// The lifetime to use for a token reply's `expires_in` (absent → [`ASSUMED_LIFETIME`]).
pub fn token_lifetime(expires_in: Option<Duration>) -> Duration {
    expires_in.unwrap_or(ASSUMED_LIFETIME).min(MAX_LIFETIME)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Consent {
        Consent { grant_id: Uuid::from_u128(n), consented_at: None }
    }

    fn at(n: u128, day: u32) -> Consent {
        let when = format!("2026-11-{day:02}T10:00:00Z").parse().unwrap();
        Consent { grant_id: Uuid::from_u128(n), consented_at: Some(when) }
    }

    #[test]
    fn the_first_grant_is_adopted() {
        assert_eq!(choose_grant(None, id(1), false), GrantChoice::Adopt);
    }

    #[test]
    fn the_same_grant_always_uses_the_stored_token() {
        assert_eq!(choose_grant(Some(id(1)), id(1), false), GrantChoice::UseStored);
        assert_eq!(choose_grant(Some(at(1, 20)), at(1, 2), false), GrantChoice::UseStored);
    }

    #[test]
    fn a_new_grant_replaces_but_a_retired_one_never_comes_back() {
        assert_eq!(choose_grant(Some(id(1)), id(2), false), GrantChoice::Replace);
        assert_eq!(choose_grant(Some(id(2)), id(1), true), GrantChoice::UseStored);
        assert_eq!(choose_grant(Some(at(2, 20)), at(1, 30), true), GrantChoice::UseStored, "even when dated later");
    }

    #[test]
    fn only_a_later_consent_replaces_a_dated_one() {
        assert_eq!(choose_grant(Some(at(1, 10)), at(2, 20), false), GrantChoice::Replace);
        assert_eq!(choose_grant(Some(at(2, 20)), at(1, 10), false), GrantChoice::KeepNewer);
        assert_eq!(choose_grant(Some(at(1, 10)), at(2, 10), false), GrantChoice::KeepNewer, "a tie keeps the stored");
        // Where either lacks a date, a grant never seen is a new consent.
        assert_eq!(choose_grant(Some(id(1)), at(2, 1), false), GrantChoice::Replace);
        assert_eq!(choose_grant(Some(at(1, 30)), id(2), false), GrantChoice::Replace);
    }

    #[test]
    fn the_margin_is_a_tenth_of_the_lifetime_up_to_a_minute() {
        assert_eq!(refresh_margin(Duration::from_secs(3600)), Duration::from_secs(60));
        assert_eq!(refresh_margin(Duration::from_secs(600)), Duration::from_secs(60));
        assert_eq!(refresh_margin(Duration::from_secs(300)), Duration::from_secs(30));
        assert_eq!(refresh_margin(Duration::from_secs(2)), Duration::from_millis(200));
    }

    #[test]
    fn a_token_is_used_until_the_margin_is_reached() {
        let hour = Duration::from_secs(3600);
        assert!(still_usable(hour, Duration::from_secs(3600)));
        assert!(still_usable(hour, Duration::from_secs(60)));
        assert!(!still_usable(hour, Duration::from_secs(59)));
        assert!(!still_usable(Duration::from_secs(2), Duration::from_millis(199)));
        assert!(still_usable(Duration::from_secs(2), Duration::from_millis(200)));
        assert!(!still_usable(Duration::ZERO, Duration::ZERO), "a token without a lifetime is never used");
    }

    #[test]
    fn a_short_lifetime_is_floored_until_nmbrs_shows_it_is_real() {
        assert_eq!(believed_lifetime(Duration::ZERO, false), LIFETIME_FLOOR);
        assert_eq!(believed_lifetime(Duration::from_secs(1), false), LIFETIME_FLOOR);
        assert_eq!(believed_lifetime(Duration::from_secs(3600), false), Duration::from_secs(3600));
        assert_eq!(believed_lifetime(Duration::from_secs(1), true), Duration::from_secs(1));
        // On the floor a token is used for 27 s: the margin of a 30 s lifetime is 3 s.
        let floor = believed_lifetime(Duration::ZERO, false);
        assert!(still_usable(floor, Duration::from_secs(3)) && !still_usable(floor, Duration::from_millis(2_999)));
    }

    #[test]
    fn a_lifetime_is_assumed_when_absent_and_bounded_when_absurd() {
        assert_eq!(token_lifetime(None), ASSUMED_LIFETIME);
        assert_eq!(token_lifetime(Some(Duration::from_secs(3600))), Duration::from_secs(3600));
        assert_eq!(token_lifetime(Some(Duration::from_secs(u64::MAX))), MAX_LIFETIME);
    }
}
