//! The payload of each job kind as typed values (CONTRACT §2.3–§2.5), parsed once by
//! `envelope::validate` and handed to the job's handler.
//!
//! A payload the JSON Schema accepts but these types refuse (a date that does not exist, an
//! id beyond the Nmbrs `s:int` range) never reaches a handler: the message is rejected.
//! `ExportHours` has its own module ([`super::export::payload`]); it is re-exported here so
//! every job kind's payload is found in one place.

use chrono::NaiveDate;
use serde::Deserialize;

pub use super::check::CheckPayload;
pub use super::export::payload::ExportPayload;
use super::matching::RosterMember;

/// Why a team sync runs (`payload.trigger`, CONTRACT §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// The scheduler's nightly run.
    Nightly,
    /// A person asked for it in Eitje.
    Manual,
    /// The first sync of a new integration.
    Setup,
}

/// The `SyncTeam` payload (CONTRACT §2.3).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SyncTeamPayload {
    pub trigger: Trigger,
    /// Publish every imported record, changed or not (default false).
    #[serde(default)]
    pub full: bool,
    /// Eitje's current roster of the integration's venues, for matching and departures; at
    /// most [`MAX_MEMBERS`](super::bounded::MAX_MEMBERS).
    #[serde(deserialize_with = "super::bounded::list::<_, _, { super::bounded::MAX_MEMBERS }>")]
    pub members: Vec<RosterMember>,
}

/// The `Deactivate` payload (CONTRACT §2.4).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DeactivatePayload {
    /// The members to check, shaped as in `SyncTeam`; at most
    /// [`MAX_MEMBERS`](super::bounded::MAX_MEMBERS).
    #[serde(deserialize_with = "super::bounded::list::<_, _, { super::bounded::MAX_MEMBERS }>")]
    pub members: Vec<RosterMember>,
    /// The date employment is judged on; `None` = today (Europe/Amsterdam).
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sync_team_defaults_full_to_false_and_needs_a_known_trigger() {
        let p: SyncTeamPayload = serde_json::from_value(json!({"trigger": "nightly", "members": []})).unwrap();
        assert_eq!((p.trigger, p.full, p.members.len()), (Trigger::Nightly, false, 0));
        assert!(serde_json::from_value::<SyncTeamPayload>(json!({"trigger": "hourly", "members": []})).is_err());
    }

    #[test]
    fn deactivate_refuses_a_date_that_does_not_exist() {
        let p: DeactivatePayload = serde_json::from_value(json!({"members": [], "as_of": "2026-11-24"})).unwrap();
        assert_eq!(p.as_of, NaiveDate::from_ymd_opt(2026, 11, 24));
        assert!(serde_json::from_value::<DeactivatePayload>(json!({"members": []})).unwrap().as_of.is_none());
        // The schema's date pattern lets 30 February through; the type does not.
        assert!(serde_json::from_value::<DeactivatePayload>(json!({"members": [], "as_of": "2026-02-30"})).is_err());
    }
}
