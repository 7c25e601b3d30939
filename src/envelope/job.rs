//! Typed job envelope. Parsed once at the edge, passed around typed.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::{
    credentials::SealedCredentials,
    domain::{
        bounded,
        integration::{Settings, Venue},
        payloads::{CheckPayload, DeactivatePayload, ExportPayload, SyncTeamPayload},
    },
};

/// The four kinds of job, with their routing keys (CONTRACT §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
pub enum JobType {
    SyncTeam,
    ExportHours,
    Deactivate,
    CheckIntegration,
}

impl JobType {
    pub const ALL: [JobType; 4] =
        [JobType::SyncTeam, JobType::ExportHours, JobType::Deactivate, JobType::CheckIntegration];

    /// The body `type` value.
    pub fn as_str(self) -> &'static str {
        match self {
            JobType::SyncTeam => "SyncTeam",
            JobType::ExportHours => "ExportHours",
            JobType::Deactivate => "Deactivate",
            JobType::CheckIntegration => "CheckIntegration",
        }
    }

    /// The routing key on `nmbrs.jobs`, also the suffix of its queue.
    pub fn routing_key(self) -> &'static str {
        match self {
            JobType::SyncTeam => "sync_team",
            JobType::ExportHours => "export_hours",
            JobType::Deactivate => "deactivate",
            JobType::CheckIntegration => "check_integration",
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
    #[serde(default, deserialize_with = "bounded::optional_id")]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NmbrsAccount {
    /// The Nmbrs domain: 1–200 bytes, printable (CONTRACT §2.2 Bounds).
    #[serde(deserialize_with = "bounded::id")]
    pub domain: String,
    /// `soap` (the default) or `rest`: the plaintext of `credentials`, the form of ids and the
    /// edge the jobs call (CONTRACT §2.2, §5).
    #[serde(default)]
    pub api: crate::credentials::ApiKind,
    pub credentials: SealedCredentials,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Integration {
    /// 1–200 bytes, printable (CONTRACT §2.2 Bounds).
    #[serde(deserialize_with = "bounded::id")]
    pub id: String,
    pub nmbrs: NmbrsAccount,
    /// At most [`bounded::MAX_VENUES`].
    #[serde(deserialize_with = "bounded::list::<_, _, { bounded::MAX_VENUES }>")]
    pub venues: Vec<Venue>,
    #[serde(default)]
    pub settings: Settings,
}

/// The raw envelope as serde sees it, before defaults are applied.
#[derive(Deserialize)]
pub(super) struct RawEnvelope {
    #[serde(deserialize_with = "bounded::id")]
    pub message_id: String,
    #[serde(rename = "type")]
    pub kind: JobType,
    pub created_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "bounded::optional_id")]
    pub idempotency_key: Option<String>,
    pub requested_by: Option<RequestedBy>,
    pub integration: Integration,
    pub payload: serde_json::Value,
}

/// The typed payload of a job, one variant per [`JobType`] (CONTRACT §2.3–§2.5).
#[derive(Debug, Clone, PartialEq)]
pub enum JobPayload {
    SyncTeam(SyncTeamPayload),
    ExportHours(ExportPayload),
    Deactivate(DeactivatePayload),
    CheckIntegration(CheckPayload),
}

impl JobPayload {
    /// Parses the `payload` of a job of `kind`. On a value its type refuses, the error names
    /// where (`entries[3].date`), never the value (it may be a BSN).
    pub fn parse(kind: JobType, payload: serde_json::Value) -> Result<Self, PayloadMismatch> {
        fn typed<T: serde::de::DeserializeOwned>(payload: serde_json::Value) -> Result<T, PayloadMismatch> {
            serde_path_to_error::deserialize(payload)
                .map_err(|e| PayloadMismatch { path: e.path().to_string(), why: bound_refusal(e.inner()) })
        }
        Ok(match kind {
            JobType::SyncTeam => Self::SyncTeam(typed(payload)?),
            JobType::ExportHours => Self::ExportHours(typed(payload)?),
            JobType::Deactivate => Self::Deactivate(typed(payload)?),
            JobType::CheckIntegration => Self::CheckIntegration(typed(payload)?),
        })
    }

    /// The kind whose payload this is.
    pub fn kind(&self) -> JobType {
        match self {
            Self::SyncTeam(_) => JobType::SyncTeam,
            Self::ExportHours(_) => JobType::ExportHours,
            Self::Deactivate(_) => JobType::Deactivate,
            Self::CheckIntegration(_) => JobType::CheckIntegration,
        }
    }
}

/// A payload its kind's type refuses, at `path` (`.` for the payload itself), and which bound
/// it breaks when it is one of [`bounded`] (CONTRACT §2.2 Bounds).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("payload.{path} does not fit its type{}", why.as_deref().map(|w| format!(": {w}")).unwrap_or_default())]
pub struct PayloadMismatch {
    pub path: String,
    pub why: Option<String>,
}

/// The text of a [`bounded`] refusal inside a serde error (it names the bound, never the value);
/// `None` for serde's own messages, which may quote the value.
pub(super) fn bound_refusal(error: &serde_json::Error) -> Option<String> {
    let text = error.to_string();
    let at = text.find(bounded::REFUSAL_MARK)?;
    // serde_json appends " at line L column C"; a from_value error has none.
    let text = &text[at..];
    Some(text.split(" at line ").next().unwrap_or(text).to_string())
}

/// A payload type a handler can run on: one kind's payload, or [`JobPayload`] itself for a
/// handler that takes every kind (tests, benchmarks).
pub trait PayloadOf: Send + Sync + 'static {
    /// Whether jobs of `kind` carry this payload.
    fn serves(kind: JobType) -> bool;
    /// This type's view of a job's payload; `None` when the job is of another kind.
    fn of(payload: &JobPayload) -> Option<&Self>;
}

impl PayloadOf for JobPayload {
    fn serves(_: JobType) -> bool {
        true
    }

    fn of(payload: &JobPayload) -> Option<&Self> {
        Some(payload)
    }
}

macro_rules! payload_of {
    ($($variant:ident => $payload:ty),* $(,)?) => {$(
        impl PayloadOf for $payload {
            fn serves(kind: JobType) -> bool {
                kind == JobType::$variant
            }

            fn of(payload: &JobPayload) -> Option<&Self> {
                match payload {
                    JobPayload::$variant(p) => Some(p),
                    _ => None,
                }
            }
        }
    )*};
}

payload_of!(
    SyncTeam => SyncTeamPayload,
    ExportHours => ExportPayload,
    Deactivate => DeactivatePayload,
    CheckIntegration => CheckPayload,
);

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
    /// The job-specific payload, parsed into its kind's type (always the variant of `kind`).
    pub payload: JobPayload,
    /// SHA-256 of type + canonical payload: the same key with another payload is a conflict.
    pub payload_sha256: [u8; 32],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_payload_type_serves_its_own_kind_only() {
        let sync =
            JobPayload::parse(JobType::SyncTeam, serde_json::json!({"trigger": "setup", "members": []})).unwrap();
        assert_eq!(sync.kind(), JobType::SyncTeam);
        assert!(SyncTeamPayload::of(&sync).is_some());
        assert!(DeactivatePayload::of(&sync).is_none() && ExportPayload::of(&sync).is_none());
        assert!(JobPayload::of(&sync).is_some());
        for kind in JobType::ALL {
            assert_eq!(SyncTeamPayload::serves(kind), kind == JobType::SyncTeam);
            assert_eq!(ExportPayload::serves(kind), kind == JobType::ExportHours);
            assert_eq!(DeactivatePayload::serves(kind), kind == JobType::Deactivate);
            assert!(JobPayload::serves(kind));
        }
        // Valid JSON for one kind is not another kind's payload.
        assert!(
            JobPayload::parse(JobType::ExportHours, serde_json::json!({"trigger": "setup", "members": []})).is_err()
        );
    }

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
