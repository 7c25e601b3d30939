//! Events out (CONTRACT §3): the envelope every event shares, around the drafts jobs produce.
//!
//! A job returns [`EventDraft`]s (`domain::events`, pure); the pipeline wraps them into the
//! envelope with an `event_id`, the job reference and the trace context, and stores them in the
//! outbox.

use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    domain::events::{EventDraft, EventType, Level, Notification},
    envelope::Job,
    store::outbox::OutboxEvent,
    telemetry::TraceHeaders,
};

/// Bytes an event's envelope may take around its payload: ids of at most 200 bytes (CONTRACT
/// §2.2 Bounds), JSON-escaped, a timestamp and the field names come to well under this.
pub const ENVELOPE_RESERVE: usize = 4096;

/// The most bytes an event's payload may take so the whole event stays within
/// `max_event_bytes` (`NMBRS_WORKER_MAX_EVENT_BYTES`).
pub fn payload_budget(max_event_bytes: usize) -> usize {
    max_event_bytes.saturating_sub(ENVELOPE_RESERVE)
}

/// The `job` reference of an event; its fields are null where a rejected body could not be read.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JobRef {
    pub message_id: Option<String>,
    #[serde(rename = "type")]
    pub job_type: Option<String>,
    pub idempotency_key: Option<String>,
}

impl From<&Job> for JobRef {
    fn from(job: &Job) -> Self {
        Self {
            message_id: Some(job.message_id.clone()),
            job_type: Some(job.kind.as_str().to_string()),
            idempotency_key: Some(job.idempotency_key.clone()),
        }
    }
}

/// Wraps a draft into the event envelope, ready for the outbox.
pub fn envelope(
    event_id: Uuid,
    draft: &EventDraft,
    integration_id: Option<&str>,
    job: &JobRef,
    trace: &TraceHeaders,
) -> OutboxEvent {
    let body = json!({
        "event_id": event_id,
        "type": draft.kind.routing_key(),
        "occurred_at": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        "integration_id": integration_id,
        "job": if *job == JobRef::default() { Value::Null } else { serde_json::to_value(job).expect("serializes") },
        "payload": draft.payload,
    });
    OutboxEvent {
        event_id,
        routing_key: draft.kind.routing_key().to_string(),
        correlation_id: job.message_id.clone(),
        body: body.to_string(),
        traceparent: trace.traceparent.clone(),
        tracestate: trace.tracestate.clone(),
    }
}

/// [`envelope`], unless the event would be larger than `max_event_bytes`: then an `error`
/// notification `event.too_large` {`type`, `bytes`, `max_bytes`} takes its place, under the same
/// `event_id`, and the oversized event never enters the outbox (CONTRACT §2.2 Bounds: no job
/// produces an event the broker refuses). Jobs cut their own lists to fit first
/// (`domain::bounded::fit_lists`); this is the last guard.
pub fn envelope_within(
    max_event_bytes: usize,
    (event_id, draft): (Uuid, &EventDraft),
    integration_id: Option<&str>,
    job: &JobRef,
    trace: &TraceHeaders,
) -> OutboxEvent {
    let event = envelope(event_id, draft, integration_id, job, trace);
    if event.body.len() <= max_event_bytes {
        return event;
    }
    let (kind, bytes) = (draft.kind.routing_key(), event.body.len());
    if let Some(cut) = notification_lists_cut(draft, bytes, max_event_bytes) {
        let event = envelope(event_id, &cut, integration_id, job, trace);
        if event.body.len() <= max_event_bytes {
            tracing::warn!(
                event_type = kind,
                bytes,
                max_event_bytes,
                "a notification's lists were cut to fit NMBRS_WORKER_MAX_EVENT_BYTES"
            );
            return event;
        }
    }
    tracing::error!(
        event_type = kind,
        bytes,
        max_event_bytes,
        "an event is over NMBRS_WORKER_MAX_EVENT_BYTES; a notification takes its place"
    );
    let message = format!(
        "A {kind} event of this job was {bytes} bytes, over the limit of {max_event_bytes} (NMBRS_WORKER_MAX_EVENT_BYTES), and was not published; tell the worker's maintainers"
    );
    let params = json!({"type": kind, "bytes": bytes, "max_bytes": max_event_bytes});
    envelope(
        event_id,
        &Notification::new(Level::Error, "event.too_large", message, params).draft(),
        integration_id,
        job,
        trace,
    )
}

/// A notification over the limit whose `params` hold lists (e.g. `sync.members_left_nmbrs`
/// with 20 000 members): the lists cut at one index so the event of `bytes` takes at most
/// `max_event_bytes`, each with `<list>_count` and `<list>_truncated`
/// (`domain::bounded::fit_parallel_lists`, CONTRACT §2.2 Bounds). `None` for other events, or
/// a notification without lists.
fn notification_lists_cut(draft: &EventDraft, bytes: usize, max_event_bytes: usize) -> Option<EventDraft> {
    if draft.kind != EventType::Notification {
        return None;
    }
    let mut payload = draft.payload_value();
    let params = payload.get_mut("params")?.as_object_mut()?;
    let params_bytes = Value::Object(params.clone()).to_string().len();
    let names: Vec<String> = params.iter().filter(|(_, v)| v.is_array()).map(|(k, _)| k.clone()).collect();
    if names.is_empty() {
        return None;
    }
    let lists = names
        .into_iter()
        .map(|name| {
            let items = match params.remove(&name) {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            };
            (name, items)
        })
        .collect();
    let budget = max_event_bytes.checked_sub(bytes - params_bytes)?;
    *params = match crate::domain::bounded::fit_parallel_lists(std::mem::take(params), lists, budget) {
        Value::Object(fitted) => fitted,
        _ => return None,
    };
    Some(EventDraft::new(EventType::Notification, &payload))
}

/// A stable event id for events that must not be published twice when a delivery is handled
/// twice (rejections, failures): derived from the message id and the event's role.
pub fn stable_event_id(message_id: &str, role: &str) -> Uuid {
    const NAMESPACE: Uuid = Uuid::from_u128(0x6e6d_6272_732d_776f_726b_6572_2d65_7674);
    Uuid::new_v5(&NAMESPACE, format!("{role}\x1f{message_id}").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_carries_identity_and_correlation() {
        let job = JobRef {
            message_id: Some("m-1".into()),
            job_type: Some("SyncTeam".into()),
            idempotency_key: Some("k".into()),
        };
        let draft = Notification::new(Level::Error, "job.invalid", "bad", json!({"reason": "x"})).draft();
        let id = Uuid::new_v4();
        let ev = envelope(id, &draft, Some("env-1"), &job, &TraceHeaders::default());
        let body: Value = serde_json::from_str(&ev.body).unwrap();
        assert_eq!(ev.routing_key, "notification");
        assert_eq!(ev.correlation_id.as_deref(), Some("m-1"));
        assert_eq!(body["event_id"], json!(id.to_string()));
        assert_eq!(body["job"]["type"], "SyncTeam");
        assert_eq!(body["payload"]["code"], "job.invalid");
        crate::envelope::schema::check("events/notification", &body).unwrap();
    }

    #[test]
    fn unreadable_jobs_have_a_null_job_reference() {
        let draft =
            EventDraft::new(EventType::JobRejected, &json!({"error": {"code": "invalid_json", "message": "x"}}));
        let ev = envelope(Uuid::new_v4(), &draft, None, &JobRef::default(), &TraceHeaders::default());
        let body: Value = serde_json::from_str(&ev.body).unwrap();
        assert!(body["job"].is_null() && body["integration_id"].is_null());
    }

    #[test]
    fn an_event_over_the_limit_becomes_a_notification_under_the_same_id() {
        let job = JobRef { message_id: Some("m-1".into()), job_type: Some("SyncTeam".into()), idempotency_key: None };
        let draft = EventDraft::new(EventType::TeamMemberUpserted, &json!({"blob": "x".repeat(10_000)}));
        let id = Uuid::new_v4();
        let fits = envelope_within(20_000, (id, &draft), Some("env-1"), &job, &TraceHeaders::default());
        assert_eq!(fits.routing_key, "team_member.upserted");
        let at = fits.body.len();
        assert_eq!(
            envelope_within(at, (id, &draft), Some("env-1"), &job, &TraceHeaders::default()).routing_key,
            "team_member.upserted"
        );
        let past = envelope_within(at - 1, (id, &draft), Some("env-1"), &job, &TraceHeaders::default());
        assert_eq!((past.routing_key.as_str(), past.event_id), ("notification", id));
        let body: Value = serde_json::from_str(&past.body).unwrap();
        assert_eq!(body["payload"]["code"], "event.too_large");
        assert_eq!(
            body["payload"]["params"],
            json!({"type": "team_member.upserted", "bytes": at, "max_bytes": at - 1})
        );
        assert!(past.body.len() < 1000);
    }

    #[test]
    fn a_notification_listing_20000_members_is_cut_to_fit_and_counts_the_rest() {
        let job = JobRef { message_id: Some("m-1".into()), job_type: Some("SyncTeam".into()), idempotency_key: None };
        let ids: Vec<String> = (0..20_000).map(|i| format!("{i:0200}")).collect();
        let members: Vec<Value> =
            ids.iter().zip(500_000..).map(|(id, n)| json!({"eitje_user_id": id, "nmbrs_employee_id": n, "reason": "not_in_nmbrs", "ended_on": null})).collect();
        let params = json!({"eitje_user_ids": ids, "nmbrs_employee_ids": (500_000..520_000).collect::<Vec<i32>>(), "members": members});
        let draft = Notification::new(Level::Warning, "sync.members_left_nmbrs", "20000 members left", params).draft();
        let id = Uuid::new_v4();
        let max = 1024 * 1024;
        let whole = envelope(id, &draft, Some("env-1"), &job, &TraceHeaders::default()).body.len();
        assert!(whole > 8 * max, "{whole} bytes uncut");
        let event = envelope_within(max, (id, &draft), Some("env-1"), &job, &TraceHeaders::default());
        assert!(event.body.len() <= max, "{} bytes", event.body.len());
        let body: Value = serde_json::from_str(&event.body).unwrap();
        assert_eq!(body["payload"]["code"], "sync.members_left_nmbrs", "cut, not event.too_large");
        let p = &body["payload"]["params"];
        let listed = p["eitje_user_ids"].as_array().unwrap().len();
        assert!(listed > 1000 && listed < 20_000, "{listed} listed");
        for list in ["eitje_user_ids", "nmbrs_employee_ids", "members"] {
            assert_eq!(p[list].as_array().unwrap().len(), listed, "{list} stays parallel");
            assert_eq!(
                (p[format!("{list}_count")].as_u64(), p[format!("{list}_truncated")].as_bool()),
                (Some(20_000), Some(true))
            );
        }
        assert_eq!(p["members"][listed - 1]["eitje_user_id"], p["eitje_user_ids"][listed - 1]);
        crate::envelope::schema::check("events/notification", &body).unwrap();

        // At the bound: the estimate counts each of the 3 flags as `false`, one byte longer than
        // the `true` it becomes, so a limit 3 bytes over the cut event's size lists the same and
        // a limit under its size lists fewer.
        let at = event.body.len();
        let same = envelope_within(at + 3, (id, &draft), Some("env-1"), &job, &TraceHeaders::default());
        assert!(same.body.len() <= at + 3);
        let same: Value = serde_json::from_str(&same.body).unwrap();
        assert_eq!(same["payload"]["params"]["eitje_user_ids"].as_array().unwrap().len(), listed);
        let fewer = envelope_within(at - 1, (id, &draft), Some("env-1"), &job, &TraceHeaders::default());
        assert!(fewer.body.len() < at);
        let fewer_at_3 = envelope_within(at + 2, (id, &draft), Some("env-1"), &job, &TraceHeaders::default());
        let fewer_at_3: Value = serde_json::from_str(&fewer_at_3.body).unwrap();
        assert_eq!(fewer_at_3["payload"]["params"]["eitje_user_ids"].as_array().unwrap().len(), listed - 1);
        let fewer: Value = serde_json::from_str(&fewer.body).unwrap();
        assert_eq!(fewer["payload"]["params"]["eitje_user_ids"].as_array().unwrap().len(), listed - 1);

        // Uncut when it fits: no counts added.
        let small = Notification::new(
            Level::Warning,
            "sync.members_left_nmbrs",
            "1 member left",
            json!({"eitje_user_ids": ["u"], "nmbrs_employee_ids": [1]}),
        )
        .draft();
        let small = envelope_within(max, (id, &small), Some("env-1"), &job, &TraceHeaders::default());
        let small: Value = serde_json::from_str(&small.body).unwrap();
        assert_eq!(small["payload"]["params"], json!({"eitje_user_ids": ["u"], "nmbrs_employee_ids": [1]}));
    }

    #[test]
    fn stable_ids_differ_by_role_and_message() {
        assert_eq!(stable_event_id("m", "rejected"), stable_event_id("m", "rejected"));
        assert_ne!(stable_event_id("m", "rejected"), stable_event_id("m", "failed"));
        assert_ne!(stable_event_id("m", "rejected"), stable_event_id("n", "rejected"));
    }
}
