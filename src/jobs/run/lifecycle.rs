//! The states a job passes through, and what the end of each attempt leads to, as one pure
//! function (issue 12; river names its job states the same plain way).
//!
//! [`conclude`] takes how an attempt ended and which attempt it was, and returns the job's state,
//! the events to store with it (CONTRACT §3) and the next step for the delivery (CONTRACT §4).
//! No I/O, no clock, no randomness: event ids are derived from the message id and the attempt,
//! so the same end always gives the same step. The pipeline records the step (inbox and outbox
//! in one transaction), logs and counts it, and carries out its next step.
//!
//! A duplicate of a completed job is not an attempt: the inbox answers it with the stored
//! result before anything runs, so it has no step here.

use std::time::Duration;

use serde_json::json;
use uuid::Uuid;

use super::context::{JobOutput, ResultWrite};
use super::error::JobError;
use crate::{
    domain::events::{EventDraft, EventType, Level, Notification},
    domain::retry::{Decision, ErrorClass, decide},
    envelope::Rejection,
    events::stable_event_id,
};

/// Where a job stands once an attempt has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// It ran to the end; `job.completed` says how it went.
    Completed,
    /// It failed transiently and runs again after a delay.
    Retryable,
    /// It failed for good (permanently, or out of retries): `job.failed`, parked.
    Failed,
    /// The message is not a valid job (CONTRACT §3): `job.rejected`, parked, never run.
    Rejected,
    /// The worker's own database or broker failed before the end was recorded: nothing is
    /// recorded and the delivery goes back to its queue, to be tried again as it was.
    Released,
}

impl JobState {
    /// Its word, the same everywhere: the `outcome` label of the jobs metric, and (for
    /// `completed`, `retryable`, `failed`) `jobs.state` and `job_attempts.outcome`
    /// (`store::inbox::Ending`).
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Completed => "completed",
            JobState::Retryable => "retryable",
            JobState::Failed => "failed",
            JobState::Rejected => "rejected",
            JobState::Released => "released",
        }
    }
}

/// How an attempt ended.
#[derive(Debug)]
pub enum AttemptEnd {
    /// The handler ran and returned.
    Ran(Result<JobOutput, JobError>),
    /// The message was refused before it ran (invalid, or an idempotency conflict).
    Rejected(Rejection),
    /// The worker's infrastructure failed; nothing about the job itself is known.
    Interrupted,
}

/// Which attempt ended.
#[derive(Debug, Clone, Copy)]
pub struct EndedAttempt<'a> {
    /// The job's message id (a rejection carries its own, as far as it could be read).
    pub message_id: &'a str,
    /// The inbox row of the attempt (`job_attempts.id`); 0 when it was never claimed.
    pub id: i64,
    /// 1-based delivery number (`x-nmbrs-attempt`), for the retry schedule and `attempts`.
    pub number: u32,
    /// How often the message was replayed from `nmbrs.jobs.dead` (`x-nmbrs-replayed`): a
    /// replayed message that is rejected again gets a new `job.rejected`.
    pub replays: u32,
}

impl EndedAttempt<'static> {
    /// A delivery that was never claimed in the inbox (a rejection, an interruption).
    pub fn unclaimed(number: u32) -> Self {
        Self { message_id: "", id: 0, number, replays: 0 }
    }
}

/// What the delivery needs once the step is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Acknowledge it: the job is done.
    Ack,
    /// Send a copy to the retry queue of this delay, then acknowledge.
    Retry(Duration),
    /// Move it to `nmbrs.jobs.dead` with this reason, then acknowledge.
    Park { code: String, message: String },
    /// Give it back to its queue unacknowledged.
    Requeue,
}

/// The result of [`conclude`]: everything the pipeline records and does for one attempt's end.
#[derive(Debug)]
pub struct Conclusion {
    pub state: JobState,
    /// Events to store with the end, in publish order, each with its `event_id`. A job's own
    /// events come before its terminal event, so whoever sees `job.completed` or
    /// `job.failed` has been sent everything before it.
    pub events: Vec<(Uuid, EventDraft)>,
    /// The terminal event that later duplicates are answered with.
    pub result_event_id: Option<Uuid>,
    /// The failure's `(code, message)`, recorded with the attempt.
    pub error: Option<(String, String)>,
    /// State the job commits with its result, in the same transaction.
    pub writes: Vec<ResultWrite>,
    pub next: Next,
}

impl Conclusion {
    fn new(state: JobState, next: Next) -> Self {
        Self { state, events: Vec::new(), result_event_id: None, error: None, writes: Vec::new(), next }
    }
}

/// Maps the end of an attempt to the job's next state (CONTRACT §3 events, §4 retries), on the
/// retry `schedule` (`NMBRS_WORKER_RETRY_SCHEDULE`).
pub fn conclude(end: AttemptEnd, attempt: EndedAttempt<'_>, schedule: &[Duration]) -> Conclusion {
    match end {
        AttemptEnd::Ran(Ok(output)) => completed(output, attempt),
        AttemptEnd::Ran(Err(error)) => match decide(error.class, attempt.number, schedule) {
            Decision::RetryAfter(delay) => {
                // A transient failure that tells a person at once (a used-up REST quota,
                // CONTRACT §5.3) does so once per job: the notice's id is stable per message,
                // and the outbox keeps one event per id, whichever attempt sends it.
                let events = error.notification.as_ref().map(|n| (early_notice_id(&attempt, &error.code), n.draft()));
                let retry = Conclusion::new(JobState::Retryable, Next::Retry(delay));
                Conclusion { events: events.into_iter().collect(), error: Some((error.code, error.message)), ..retry }
            }
            Decision::GiveUp { exhausted } => failed(error, exhausted, attempt),
        },
        AttemptEnd::Rejected(rejection) => rejected(rejection, attempt.replays),
        AttemptEnd::Interrupted => Conclusion::new(JobState::Released, Next::Requeue),
    }
}

fn completed(output: JobOutput, attempt: EndedAttempt<'_>) -> Conclusion {
    let JobOutput { status, counts, errors, events: drafts, writes } = output;
    let run = format!("completed/{}", attempt.id);
    let id = stable_event_id(attempt.message_id, &run);
    let terminal =
        EventDraft::new(EventType::JobCompleted, &json!({"status": status, "counts": counts, "errors": errors}));
    let mut events: Vec<(Uuid, EventDraft)> = drafts
        .into_iter()
        .enumerate()
        .map(|(i, draft)| (stable_event_id(attempt.message_id, &format!("{run}/{i}")), draft))
        .collect();
    events.push((id, terminal));
    Conclusion { events, result_event_id: Some(id), writes, ..Conclusion::new(JobState::Completed, Next::Ack) }
}

fn failed(error: JobError, exhausted: bool, attempt: EndedAttempt<'_>) -> Conclusion {
    let run = format!("failed/{}", attempt.id);
    let id = stable_event_id(attempt.message_id, &run);
    let terminal = EventDraft::new(
        EventType::JobFailed,
        &json!({"error": {"code": error.code, "message": error.message, "attempts": attempt.number}}),
    );
    // A transient failure that already told a person (see `conclude`) ends with that same notice,
    // under the same id: published once.
    let (notice_id, notice) = match (&error.notification, error.class) {
        (Some(told), ErrorClass::Transient) => (early_notice_id(&attempt, &error.code), told.draft()),
        _ => (
            stable_event_id(attempt.message_id, &format!("{run}/notice")),
            error.final_notification(exhausted, attempt.number).draft(),
        ),
    };
    let events = vec![(notice_id, notice), (id, terminal)];
    let next = Next::Park { code: error.code.clone(), message: error.message.clone() };
    Conclusion {
        events,
        result_event_id: Some(id),
        error: Some((error.code, error.message)),
        ..Conclusion::new(JobState::Failed, next)
    }
}

/// The id of the notice a transient failure with code `code` sends at once: one per message
/// and code, whatever the attempt.
fn early_notice_id(attempt: &EndedAttempt<'_>, code: &str) -> Uuid {
    stable_event_id(attempt.message_id, &format!("transient-notice/{code}"))
}

/// `job.rejected` and a `job.invalid` notification, both with ids stable per message, code
/// and replay (a redelivery does not publish them twice); none for a message without an id.
fn rejected(rejection: Rejection, replays: u32) -> Conclusion {
    let code = rejection.code.as_str();
    let next = Next::Park { code: code.to_string(), message: rejection.message.clone() };
    let mut step = Conclusion {
        error: Some((code.to_string(), rejection.message.clone())),
        ..Conclusion::new(JobState::Rejected, next)
    };
    let Some(message_id) = rejection.message_id.as_deref() else { return step };
    let role = format!("rejected/{code}/{replays}");
    let event = EventDraft::new(
        EventType::JobRejected,
        &json!({"error": {"code": rejection.code, "message": rejection.message}}),
    );
    let notice = Notification::new(
        Level::Error,
        "job.invalid",
        format!(
            "A {} job could not be accepted: {}",
            rejection.job_type.as_deref().unwrap_or("job"),
            rejection.message
        ),
        json!({"reason": rejection.code}),
    );
    step.events = vec![
        (stable_event_id(message_id, &role), event),
        (stable_event_id(message_id, &format!("{role}/notice")), notice.draft()),
    ];
    step
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        domain::job_result::{CompletionStatus, ErrorItem},
        envelope::RejectCode,
    };

    const SCHEDULE: [Duration; 2] = [Duration::from_secs(10), Duration::from_secs(60)];

    fn attempt(number: u32) -> EndedAttempt<'static> {
        EndedAttempt { message_id: "m-1", id: 7, number, replays: 0 }
    }

    fn kinds(step: &Conclusion) -> Vec<&'static str> {
        step.events.iter().map(|(_, d)| d.kind.routing_key()).collect()
    }

    fn payload(step: &Conclusion, kind: EventType) -> serde_json::Value {
        step.events.iter().find(|(_, d)| d.kind == kind).expect("the event is there").1.payload_value()
    }

    fn output() -> JobOutput {
        let mut out = JobOutput::succeeded();
        out.status = CompletionStatus::Partial;
        out.counts.insert("imported".into(), 3);
        out.errors.push(ErrorItem {
            code: "nmbrs_refused".into(),
            message: "no access".into(),
            scope: json!({"nmbrs_company_id": 1}),
        });
        out.events.push(Notification::new(Level::Info, "sync.members_left_nmbrs", "left", json!({})).draft());
        out.events.push(Notification::new(Level::Warning, "nmbrs.no_access", "no", json!({})).draft());
        out
    }

    #[test]
    fn completed_publishes_the_jobs_events_then_job_completed_and_acks() {
        let step = conclude(AttemptEnd::Ran(Ok(output())), attempt(1), &SCHEDULE);
        assert_eq!(step.state, JobState::Completed);
        assert_eq!(step.next, Next::Ack);
        assert_eq!(kinds(&step), ["notification", "notification", "job.completed"], "terminal event last");
        let body = payload(&step, EventType::JobCompleted);
        assert_eq!(body["status"], "partial");
        assert_eq!(body["counts"]["imported"], 3);
        assert_eq!(body["errors"][0]["code"], "nmbrs_refused");
        assert_eq!(step.result_event_id, Some(step.events.last().unwrap().0));
        assert!(step.error.is_none());
        let ids: std::collections::BTreeSet<Uuid> = step.events.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids.len(), 3, "every event has its own id");
    }

    #[test]
    fn completed_ids_are_the_same_for_the_same_attempt_and_new_for_another() {
        let again = conclude(AttemptEnd::Ran(Ok(output())), attempt(1), &SCHEDULE);
        let first = conclude(AttemptEnd::Ran(Ok(output())), attempt(1), &SCHEDULE);
        assert_eq!(first.result_event_id, again.result_event_id);
        let other = conclude(AttemptEnd::Ran(Ok(output())), EndedAttempt { id: 8, ..attempt(1) }, &SCHEDULE);
        assert_ne!(first.result_event_id, other.result_event_id);
    }

    #[test]
    fn completed_carries_the_jobs_writes() {
        let mut out = JobOutput::succeeded();
        let hashes = crate::store::sync_state::PublishedHashes {
            integration_id: "env-1".into(),
            hashes: vec![(crate::nmbrs::EmployeeId::int(1), [0; 32])],
        };
        out.writes.push(ResultWrite::SyncHashes(hashes));
        let step = conclude(AttemptEnd::Ran(Ok(out)), attempt(1), &SCHEDULE);
        assert_eq!(step.writes.len(), 1);
    }

    #[test]
    fn a_transient_failure_is_retryable_on_the_schedule_without_events() {
        for (number, delay) in [(1, 10), (2, 60)] {
            let error = JobError::transient("nmbrs_unavailable", "Nmbrs answered 503");
            let step = conclude(AttemptEnd::Ran(Err(error)), attempt(number), &SCHEDULE);
            assert_eq!(step.state, JobState::Retryable);
            assert_eq!(step.next, Next::Retry(Duration::from_secs(delay)));
            assert!(step.events.is_empty() && step.result_event_id.is_none());
            assert_eq!(step.error, Some(("nmbrs_unavailable".into(), "Nmbrs answered 503".into())));
        }
    }

    #[test]
    fn a_transient_failure_out_of_retries_fails_with_nmbrs_unavailable() {
        let error = JobError::transient("nmbrs_unavailable", "Nmbrs answered 503");
        let step = conclude(AttemptEnd::Ran(Err(error)), attempt(3), &SCHEDULE);
        assert_eq!(step.state, JobState::Failed);
        assert_eq!(kinds(&step), ["notification", "job.failed"]);
        assert_eq!(payload(&step, EventType::Notification)["code"], "nmbrs.unavailable");
        assert_eq!(payload(&step, EventType::Notification)["params"]["attempts"], 3);
        assert_eq!(payload(&step, EventType::JobFailed)["error"]["attempts"], 3);
        assert_eq!(step.next, Next::Park { code: "nmbrs_unavailable".into(), message: "Nmbrs answered 503".into() });
    }

    #[test]
    fn a_permanent_failure_fails_at_once_and_parks() {
        let error = JobError::permanent("invalid_data", "cannot be exported");
        let step = conclude(AttemptEnd::Ran(Err(error)), attempt(1), &SCHEDULE);
        assert_eq!(step.state, JobState::Failed);
        assert_eq!(payload(&step, EventType::JobFailed)["error"]["code"], "invalid_data");
        assert_eq!(payload(&step, EventType::Notification)["code"], "job.failed");
        assert_eq!(step.result_event_id, Some(step.events.last().unwrap().0), "job.failed answers duplicates");
        assert_eq!(step.next, Next::Park { code: "invalid_data".into(), message: "cannot be exported".into() });
    }

    #[test]
    fn a_failure_that_needs_a_person_sends_its_own_notification() {
        let notice = Notification::new(Level::Error, "nmbrs.missing_rights", "switch it on", json!({"operation": "X"}));
        let error = JobError::needs_person("nmbrs_missing_rights", "refused", notice);
        let step = conclude(AttemptEnd::Ran(Err(error)), attempt(1), &SCHEDULE);
        assert_eq!(step.state, JobState::Failed);
        assert_eq!(payload(&step, EventType::Notification)["code"], "nmbrs.missing_rights");
    }

    #[test]
    fn a_used_up_quota_notifies_once_per_job_and_retries_on_the_schedule() {
        let quota = || {
            let failure = crate::domain::nmbrs_failure::ErrorKind::QuotaExceeded;
            let facts = crate::domain::nmbrs_failure::NoticeFacts { domain: "d", ..Default::default() };
            let notice = crate::domain::nmbrs_failure::notification(failure, facts).expect("a quota notice");
            JobError { notification: Some(notice), ..JobError::transient("nmbrs_quota_exceeded", "42909") }
        };
        let first = conclude(AttemptEnd::Ran(Err(quota())), attempt(1), &SCHEDULE);
        assert_eq!((first.state, kinds(&first)), (JobState::Retryable, vec!["notification"]));
        assert!(matches!(first.next, Next::Retry(d) if d == SCHEDULE[0]), "the job schedule, no tight loop");
        assert_eq!(payload(&first, EventType::Notification)["code"], "nmbrs.quota_exceeded");
        let again = conclude(AttemptEnd::Ran(Err(quota())), EndedAttempt { id: 8, ..attempt(2) }, &SCHEDULE);
        assert_eq!(again.events[0].0, first.events[0].0, "the same notice id: the outbox keeps it once");
        let last = conclude(AttemptEnd::Ran(Err(quota())), EndedAttempt { id: 9, ..attempt(99) }, &SCHEDULE);
        assert_eq!((last.state, kinds(&last)), (JobState::Failed, vec!["notification", "job.failed"]));
        assert_eq!(last.events[0].0, first.events[0].0, "no second quota notice when the schedule runs out");
        assert_eq!(payload(&last, EventType::JobFailed)["error"]["code"], "nmbrs_quota_exceeded");
    }

    fn rejection(message_id: Option<&str>) -> Rejection {
        Rejection {
            message_id: message_id.map(str::to_string),
            job_type: Some("SyncTeam".into()),
            ..Rejection::new(RejectCode::SchemaViolation, "SyncTeam payload does not fit")
        }
    }

    #[test]
    fn a_rejection_publishes_job_rejected_and_job_invalid_and_parks() {
        let step = conclude(AttemptEnd::Rejected(rejection(Some("m-9"))), attempt(1), &SCHEDULE);
        assert_eq!(step.state, JobState::Rejected);
        assert_eq!(kinds(&step), ["job.rejected", "notification"]);
        assert_eq!(payload(&step, EventType::JobRejected)["error"]["code"], "schema_violation");
        assert_eq!(payload(&step, EventType::Notification)["params"]["reason"], "schema_violation");
        assert_eq!(
            step.next,
            Next::Park { code: "schema_violation".into(), message: "SyncTeam payload does not fit".into() }
        );
        assert!(step.result_event_id.is_none(), "nothing answers later duplicates of an invalid message");
        assert_eq!(step.events[0].0, stable_event_id("m-9", "rejected/schema_violation/0"), "its own message id");
    }

    #[test]
    fn a_replayed_rejection_gets_new_events_and_one_without_an_id_none() {
        let first = conclude(AttemptEnd::Rejected(rejection(Some("m-9"))), attempt(1), &SCHEDULE);
        let replayed = conclude(
            AttemptEnd::Rejected(rejection(Some("m-9"))),
            EndedAttempt { replays: 1, ..attempt(1) },
            &SCHEDULE,
        );
        assert_ne!(first.events[0].0, replayed.events[0].0);
        let anonymous = conclude(AttemptEnd::Rejected(rejection(None)), attempt(1), &SCHEDULE);
        assert!(anonymous.events.is_empty());
        assert!(matches!(anonymous.next, Next::Park { .. }), "still parked");
    }

    #[test]
    fn an_interruption_releases_the_delivery_and_records_nothing() {
        let step = conclude(AttemptEnd::Interrupted, attempt(2), &SCHEDULE);
        assert_eq!(step.state, JobState::Released);
        assert_eq!(step.next, Next::Requeue);
        assert!(step.events.is_empty() && step.error.is_none() && step.result_event_id.is_none());
    }
}
