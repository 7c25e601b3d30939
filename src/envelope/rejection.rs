//! Why a message was rejected: the `job.rejected` error codes (see `schemas/events/job.rejected.json`).

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectCode {
    /// The body is larger than `NMBRS_WORKER_MAX_MESSAGE_BYTES`.
    TooLarge,
    /// Not UTF-8 JSON, or not a JSON object.
    InvalidJson,
    /// `type` is missing or not one of the three job types.
    UnknownType,
    /// Valid JSON that breaks the job's JSON Schema.
    SchemaViolation,
    /// The body `type` does not belong to the queue/routing key it arrived on.
    RoutingKeyMismatch,
    /// The sealed credentials do not open (unknown key, another integration, tampered).
    CredentialsInvalid,
    /// The idempotency key was used before with another payload.
    IdempotencyConflict,
    /// The body's `message_id` is not the AMQP `message_id` (CONTRACT §2.1, §2.2 Bounds).
    MessageIdMismatch,
    /// An `ExportHours` job names one `entry_id` more than once (`domain::export::bounds`).
    DuplicateEntryId,
    /// Hours, meals or an amount beyond what payroll can mean (`domain::export::bounds`).
    ValueOutOfRange,
    /// A value the worker's database refuses to store (a NUL byte, SQLSTATE class 22 or 23):
    /// it would be refused on every delivery, so it is refused once.
    UnstorableValue,
}

impl RejectCode {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectCode::TooLarge => "too_large",
            RejectCode::InvalidJson => "invalid_json",
            RejectCode::UnknownType => "unknown_type",
            RejectCode::SchemaViolation => "schema_violation",
            RejectCode::RoutingKeyMismatch => "routing_key_mismatch",
            RejectCode::CredentialsInvalid => "credentials_invalid",
            RejectCode::IdempotencyConflict => "idempotency_conflict",
            RejectCode::MessageIdMismatch => "message_id_mismatch",
            RejectCode::DuplicateEntryId => "duplicate_entry_id",
            RejectCode::ValueOutOfRange => "value_out_of_range",
            RejectCode::UnstorableValue => "unstorable_value",
        }
    }
}

/// A rejected message, with whatever identification could still be read from it.
#[derive(Debug, Clone)]
pub struct Rejection {
    pub code: RejectCode,
    /// English, for people; never contains field values (no BSN, no credentials).
    pub message: String,
    /// The body's `message_id` if readable, else the AMQP `message_id`.
    pub message_id: Option<String>,
    pub integration_id: Option<String>,
    pub job_type: Option<String>,
    pub idempotency_key: Option<String>,
}

impl Rejection {
    pub fn new(code: RejectCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            message_id: None,
            integration_id: None,
            job_type: None,
            idempotency_key: None,
        }
    }

    /// Fills in the identification that can be read from a (possibly invalid) body.
    pub fn identified_by(mut self, body: Option<&serde_json::Value>, amqp_message_id: Option<&str>) -> Self {
        let text = |ptr: &str| {
            body.and_then(|b| b.pointer(ptr))
                .and_then(serde_json::Value::as_str)
                // An id beyond its bounds (over 200 bytes, a control character such as NUL)
                // cannot be stored or sent as a correlation id: it counts as unreadable.
                .filter(|s| crate::domain::bounded::id_problem(s).is_none())
                .map(str::to_string)
        };
        self.message_id = text("/message_id").or_else(|| {
            amqp_message_id.filter(|s| crate::domain::bounded::id_problem(s).is_none()).map(str::to_string)
        });
        self.integration_id = text("/integration/id");
        // Only a known type is named; anything else would be an invalid `job.type` in the event.
        self.job_type = text("/type").filter(|t| super::JobType::from_type_name(t).is_some());
        self.idempotency_key = text("/idempotency_key").or_else(|| self.message_id.clone());
        self
    }
}
