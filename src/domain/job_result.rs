//! What a job that ran to the end reports in `job.completed` (CONTRACT §3): its status and its
//! `errors` items. One type each, shared by the team and export plans and the jobs.

use serde::{Deserialize, Serialize};

/// `job.completed` status (CONTRACT §3): `succeeded`, or `partial` when something was skipped,
/// held or refused (named in `errors`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CompletionStatus {
    /// The aliases read export plans recorded before the status types were one
    /// (`export_runs.plan`, serialised with the variant names).
    #[default]
    #[serde(alias = "Succeeded")]
    Succeeded,
    #[serde(alias = "Partial")]
    Partial,
}

impl CompletionStatus {
    /// Its word in `job.completed`.
    pub fn as_str(self) -> &'static str {
        match self {
            CompletionStatus::Succeeded => "succeeded",
            CompletionStatus::Partial => "partial",
        }
    }
}

/// One item of `job.completed`'s `errors` (CONTRACT §3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorItem {
    /// Machine-readable, e.g. `unreadable_record`, `export.in_doubt`.
    pub code: String,
    /// English, for people; never a BSN or a credential.
    pub message: String,
    /// Names the company / employee / entry concerned.
    pub scope: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_is_written_in_lowercase_and_read_in_either_form() {
        assert_eq!(serde_json::to_value(CompletionStatus::Partial).unwrap(), "partial");
        assert_eq!(CompletionStatus::Succeeded.as_str(), "succeeded");
        for (json, status) in [
            ("\"partial\"", CompletionStatus::Partial),
            ("\"Partial\"", CompletionStatus::Partial),
            ("\"Succeeded\"", CompletionStatus::Succeeded),
        ] {
            assert_eq!(serde_json::from_str::<CompletionStatus>(json).unwrap(), status, "{json}");
        }
    }
}
