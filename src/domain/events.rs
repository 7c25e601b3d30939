//! What a job says happened, before it is an event (CONTRACT §3): the event types, the
//! [`EventDraft`] a job returns and the [`Notification`] a person reads. Pure shapes, no I/O:
//! the envelope an event travels in (its id, the job reference, the trace context, the
//! outbox row) is the edge's, in `crate::events`.

use serde::{Deserialize, Serialize};
use serde_json::{Value, value::RawValue};

/// The event types; each is also its routing key on `nmbrs.events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    JobCompleted,
    JobFailed,
    JobRejected,
    TeamMemberUpserted,
    TeamMemberDeactivated,
    HoursExported,
    IntegrationChecked,
    Notification,
}

impl EventType {
    pub fn routing_key(self) -> &'static str {
        match self {
            EventType::JobCompleted => "job.completed",
            EventType::JobFailed => "job.failed",
            EventType::JobRejected => "job.rejected",
            EventType::TeamMemberUpserted => "team_member.upserted",
            EventType::TeamMemberDeactivated => "team_member.deactivated",
            EventType::HoursExported => "hours.exported",
            EventType::IntegrationChecked => "integration.checked",
            EventType::Notification => "notification",
        }
    }
}

/// An event a job wants to publish, before it gets its envelope. The payload is kept as
/// serialized JSON: a sync of 10 000 employees holds 10 000 of these, and a JSON tree costs
/// several times its text.
#[derive(Debug, Clone)]
pub struct EventDraft {
    pub kind: EventType,
    pub payload: Box<RawValue>,
}

impl EventDraft {
    pub fn new(kind: EventType, payload: &impl Serialize) -> Self {
        Self { kind, payload: serde_json::value::to_raw_value(payload).expect("event payloads serialize") }
    }

    /// The payload as a JSON tree (for tests and inspection).
    pub fn payload_value(&self) -> Value {
        serde_json::from_str(self.payload.get()).expect("a RawValue is JSON")
    }
}

impl PartialEq for EventDraft {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.payload.get() == other.payload.get()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
    Error,
}

/// A `notification` event: something a person must know, in English, with typed params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub level: Level,
    pub code: String,
    pub message: String,
    pub params: Value,
}

impl Notification {
    pub fn new(level: Level, code: &str, message: impl Into<String>, params: Value) -> Self {
        Self { level, code: code.to_string(), message: message.into(), params }
    }

    pub fn draft(&self) -> EventDraft {
        EventDraft::new(EventType::Notification, self)
    }
}
