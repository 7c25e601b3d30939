//! Typed job envelope. Parsed once at the edge, passed around typed.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::credentials::SealedCredentials;

/// The three kinds of job, with their routing keys (CONTRACT §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
pub enum JobType {
    SyncTeam,
    ExportHours,
    Deactivate,
}

impl JobType {
    pub const ALL: [JobType; 3] = [JobType::SyncTeam, JobType::ExportHours, JobType::Deactivate];

    /// The body `type` value.
    pub fn as_str(self) -> &'static str {
        match self {
            JobType::SyncTeam => "SyncTeam",
            JobType::ExportHours => "ExportHours",
            JobType::Deactivate => "Deactivate",
        }
    }

    /// The routing key on `nmbrs.jobs`, also the suffix of its queue.
    pub fn routing_key(self) -> &'static str {
        match self {
            JobType::SyncTeam => "sync_team",
            JobType::ExportHours => "export_hours",
            JobType::Deactivate => "deactivate",
        }
    }

    pub fn from_type_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    pub fn from_routing_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.routing_key() == key)
    }
}

impl std::fmt::Display for JobType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RequesterKind {
    User,
    Scheduler,
    System,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RequestedBy {
    pub kind: RequesterKind,
    #[serde(default)]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Venue {
    pub eitje_venue_id: String,
    pub nmbrs_company_id: i32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NmbrsAccount {
    pub domain: String,
    pub credentials: SealedCredentials,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HourCodes {
    pub worked: Option<i32>,
    pub leave: Option<i32>,
    pub sick: Option<i32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct WageCodes {
    pub meals: Option<i32>,
    #[serde(default)]
    pub allowances: BTreeMap<String, i32>,
}

/// Per-integration settings; every one has a default (CONTRACT §2.2).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub auto_deactivate: bool,
    pub hour_codes: HourCodes,
    pub wage_codes: WageCodes,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Integration {
    pub id: String,
    pub nmbrs: NmbrsAccount,
    pub venues: Vec<Venue>,
    #[serde(default)]
    pub settings: Settings,
}

/// The raw envelope as serde sees it, before defaults are applied.
#[derive(Deserialize)]
pub(super) struct RawEnvelope {
    pub message_id: String,
    #[serde(rename = "type")]
    pub kind: JobType,
    pub created_at: DateTime<Utc>,
    pub idempotency_key: Option<String>,
    pub requested_by: Option<RequestedBy>,
    pub integration: Integration,
    pub payload: serde_json::Value,
}

/// A valid job: schema-checked, typed, its credentials still sealed.
#[derive(Debug, Clone)]
pub struct Job {
    pub message_id: String,
    pub kind: JobType,
    pub created_at: DateTime<Utc>,
    /// The body's `idempotency_key`, or its `message_id` when absent.
    pub idempotency_key: String,
    pub requested_by: Option<RequestedBy>,
    pub integration: Integration,
    /// The job-specific payload; each handler parses it into its own type.
    pub payload: serde_json::Value,
    /// SHA-256 of type + canonical payload: the same key with another payload is a conflict.
    pub payload_sha256: [u8; 32],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_keys_and_type_names_round_trip() {
        for t in JobType::ALL {
            assert_eq!(JobType::from_type_name(t.as_str()), Some(t));
            assert_eq!(JobType::from_routing_key(t.routing_key()), Some(t));
        }
        assert_eq!(JobType::from_type_name("sync_team"), None);
        assert_eq!(JobType::from_routing_key("SyncTeam"), None);
    }
}
