//! A Nmbrs id that knows neither API: an integer on SOAP, a UUID on REST (CONTRACT §5.2).
//!
//! Companies, employees and component lines are the same things in both APIs, with different
//! ids. The domain keys buckets, members and events by [`NmbrsId`] and never asks which API
//! made it; the edges turn their wire ids into it and back ([`NmbrsId::soap`],
//! [`NmbrsId::rest`]).
//!
//! Shapes: in JSON an integer id is a number and a UUID id a string (the form each API's
//! events carry, CONTRACT §5.2); in PostgreSQL both are `text` (decimal digits or the
//! hyphenated UUID), so one column holds either (the column mapping lives at the store's edge,
//! `store::nmbrs_ids`).

use std::{fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// One Nmbrs id: `Int` from SOAP (`EmployeeId`, `CompanyId`, …), `Uuid` from REST
/// (`employeeId`, `companyId`, …). Ordered integers first, then UUIDs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NmbrsId {
    Int(i32),
    Uuid(Uuid),
}

impl NmbrsId {
    /// The SOAP id, `None` for a REST one.
    pub fn soap(self) -> Option<i32> {
        match self {
            NmbrsId::Int(id) => Some(id),
            NmbrsId::Uuid(_) => None,
        }
    }

    /// The REST id, `None` for a SOAP one.
    pub fn rest(self) -> Option<Uuid> {
        match self {
            NmbrsId::Uuid(id) => Some(id),
            NmbrsId::Int(_) => None,
        }
    }
}

impl Default for NmbrsId {
    fn default() -> Self {
        NmbrsId::Int(0)
    }
}

impl From<i32> for NmbrsId {
    fn from(id: i32) -> Self {
        NmbrsId::Int(id)
    }
}

impl From<Uuid> for NmbrsId {
    fn from(id: Uuid) -> Self {
        NmbrsId::Uuid(id)
    }
}

impl fmt::Display for NmbrsId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NmbrsId::Int(id) => id.fmt(f),
            NmbrsId::Uuid(id) => id.hyphenated().fmt(f),
        }
    }
}

/// Neither an integer nor a UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a Nmbrs id (an integer or a UUID)")]
pub struct NotAnId;

impl FromStr for NmbrsId {
    type Err = NotAnId;

    /// Decimal digits (optionally signed) are a SOAP id, anything else must be a UUID.
    fn from_str(s: &str) -> Result<Self, NotAnId> {
        let s = s.trim();
        let digits = s.strip_prefix('-').unwrap_or(s);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return s.parse().map(NmbrsId::Int).map_err(|_| NotAnId);
        }
        Uuid::try_parse(s).map(NmbrsId::Uuid).map_err(|_| NotAnId)
    }
}

impl Serialize for NmbrsId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            NmbrsId::Int(id) => s.serialize_i32(*id),
            NmbrsId::Uuid(id) => id.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for NmbrsId {
    /// A JSON number is a SOAP id; a string is a UUID (or, leniently, an integer in digits).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Int(i32),
            Text(String),
        }
        match Wire::deserialize(d)? {
            Wire::Int(id) => Ok(NmbrsId::Int(id)),
            Wire::Text(text) => {
                text.parse().map_err(|_| serde::de::Error::custom("expected an integer or a UUID string"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_and_uuids_read_and_print_in_their_api_form() {
        let uuid = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
        assert_eq!("54613".parse::<NmbrsId>(), Ok(NmbrsId::Int(54613)));
        assert_eq!("-1".parse::<NmbrsId>(), Ok(NmbrsId::Int(-1)));
        assert_eq!(uuid.parse::<NmbrsId>().unwrap().to_string(), uuid);
        assert_eq!("".parse::<NmbrsId>(), Err(NotAnId));
        assert_eq!("12a".parse::<NmbrsId>(), Err(NotAnId));
        assert_eq!("99999999999".parse::<NmbrsId>(), Err(NotAnId));

        let int: NmbrsId = serde_json::from_str("54613").unwrap();
        let rest: NmbrsId = serde_json::from_value(serde_json::json!(uuid)).unwrap();
        assert_eq!((int.soap(), int.rest()), (Some(54613), None));
        assert_eq!(rest.rest().map(|u| u.to_string()).as_deref(), Some(uuid));
        assert_eq!(serde_json::to_value(int).unwrap(), serde_json::json!(54613));
        assert_eq!(serde_json::to_value(rest).unwrap(), serde_json::json!(uuid));
        assert!(serde_json::from_str::<NmbrsId>("\"not-an-id\"").is_err());
        assert!(serde_json::from_str::<NmbrsId>("1.5").is_err());
    }
}
