//! The BSN (burgerservicenummer, the Dutch citizen service number) as a type that never prints
//! itself: its `Debug` and `Display` are redacted, it has no `Serialize`, and the only way to the
//! digits is [`Bsn::expose`], called where the contract wants the number (matching and the
//! `team_member.upserted` event, CONTRACT §2.3 steps 3 and 4). A BSN is personal data the worker
//! must never log.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// A normalized BSN: exactly 9 ASCII digits, not all zeros.
///
/// Normalization (the rule matching has always used): separators are dropped, an 8-digit BSN gets
/// its leading zero back, and anything that is not 8 or 9 digits then is no BSN at all. The
/// 11-check is not applied: Nmbrs is leading, and a member with a BSN Nmbrs accepted must match.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bsn(String);

impl Bsn {
    /// Reads a BSN as Nmbrs or Eitje write it (`"123456782"`, `"12345678"`, `"1234.56.782"`);
    /// `None` when it is not 8 or 9 digits after dropping separators, or all zeros.
    pub fn parse(raw: &str) -> Option<Self> {
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        if !(8..=9).contains(&digits.len()) || digits.bytes().all(|b| b == b'0') {
            return None;
        }
        Some(Self(format!("{digits:0>9}")))
    }

    /// The 9 digits. Only for matching and the event that must carry them; never for logs.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Serde `deserialize_with` for an optional BSN in a job payload: a value that is not a BSN
    /// (wrong length, all zeros) is no BSN, as matching has always treated it; not an error.
    pub fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.as_deref().and_then(Self::parse))
    }
}

impl fmt::Debug for Bsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bsn(<redacted>)")
    }
}

impl fmt::Display for Bsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_or_refuses() {
        let digits = |s: &str| Bsn::parse(s).map(|b| b.expose().to_owned());
        assert_eq!(digits("12345678").as_deref(), Some("012345678"));
        assert_eq!(digits(" 0123.45.678 ").as_deref(), Some("012345678"));
        assert_eq!(digits("123456782").as_deref(), Some("123456782"));
        for bad in ["1234567", "1234567890", "000000000", "", "abc"] {
            assert_eq!(digits(bad), None, "{bad}");
        }
    }

    #[test]
    fn never_prints_itself() {
        let b = Bsn::parse("123456782").unwrap();
        assert!(!format!("{b:?}").contains("1234"));
        assert!(!format!("{b}").contains("1234"));
        assert!(!format!("{:?}", Some(&b)).contains("1234"));
    }

    #[test]
    fn a_payload_value_that_is_no_bsn_reads_as_none() {
        #[derive(Deserialize)]
        struct M {
            #[serde(default, deserialize_with = "Bsn::deserialize_lenient")]
            bsn: Option<Bsn>,
        }
        let m: M = serde_json::from_str(r#"{"bsn": "12-34"}"#).unwrap();
        assert_eq!(m.bsn, None);
        let m: M = serde_json::from_str(r#"{"bsn": null}"#).unwrap();
        assert_eq!(m.bsn, None);
        let m: M = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!(m.bsn, None);
        let m: M = serde_json::from_str(r#"{"bsn": "123456782"}"#).unwrap();
        assert_eq!(m.bsn.unwrap().expose(), "123456782");
    }
}
