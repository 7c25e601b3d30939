//! The scripted job handler of the backbone tests: a handler for every job type whose
//! behaviour (succeed, fail transiently or for good, sleep, panic, need a person) rides in the
//! SyncTeam payload, so a test steers the worker without the production handlers. Split from
//! `mod.rs` to keep the harness file short.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use nmbrs_worker::{
    envelope::JobPayload,
    jobs::{Handlers, JobContext, JobError, JobHandler, JobOutput},
};
use serde_json::{Value, json};

/// A SyncTeam payload; `behaviour` steers the scripted test handler. The worker hands its
/// handlers typed payloads only, so the behaviour rides in the roster, as the `eitje_user_id`
/// of an inactive member: [`SCRIPT`] followed by the behaviour's JSON.
pub fn sync_payload(behaviour: Value) -> Value {
    let script = json!({"eitje_user_id": format!("{SCRIPT}{behaviour}"), "active": false});
    json!({"trigger": "manual", "full": false, "members": [script]})
}

/// Marks the roster member that carries a [`Scripted`] behaviour.
pub const SCRIPT: &str = "scripted:";

/// A job handler steered by the `test` field of the payload:
/// `"ok"`, `"with_notification"`, `"transient"`, `"permanent"`, `{"sleep_ms": N}`, `"panic"`,
/// `"needs_person"`.
#[derive(Default, Clone)]
pub struct Scripted {
    pub runs: Arc<AtomicUsize>,
    pub started: Arc<Mutex<Vec<String>>>,
}

impl Scripted {
    pub fn handlers(&self) -> Handlers {
        let me = Arc::new(self.clone());
        nmbrs_worker::envelope::JobType::ALL.iter().fold(Handlers::default(), |h, k| h.with(*k, me.clone()))
    }

    pub fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl JobHandler for Scripted {
    type Payload = JobPayload;

    async fn run(&self, ctx: JobContext<'_>, payload: &JobPayload) -> Result<JobOutput, JobError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        self.started.lock().unwrap().push(ctx.job.message_id.clone());
        let script = match payload {
            JobPayload::SyncTeam(sync) => sync.members.iter().find_map(|m| m.eitje_user_id.strip_prefix(SCRIPT)),
            _ => None,
        };
        let behaviour: &Value = &script.map_or(Value::Null, |s| serde_json::from_str(s).expect("a JSON behaviour"));
        if let Some(ms) = behaviour["sleep_ms"].as_u64() {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        match behaviour.as_str() {
            Some("transient") => Err(JobError::transient("nmbrs_unavailable", "Nmbrs answered 503")),
            Some("permanent") => Err(JobError::permanent("invalid_data", "the payload cannot be exported")),
            Some("needs_person") => Err(JobError::needs_person(
                "nmbrs_missing_rights",
                "Nmbrs refused Company_GetCurrentPeriod",
                nmbrs_worker::domain::events::Notification::new(
                    nmbrs_worker::domain::events::Level::Error,
                    "nmbrs.missing_rights",
                    "Switch on the API right Company_GetCurrentPeriod in Nmbrs",
                    json!({"operation": "Company_GetCurrentPeriod"}),
                ),
            )),
            Some("panic") => panic!("scripted panic"),
            // A statement PostgreSQL refuses for its value, as a handler's store call would
            // with a NUL byte in an id (SQLSTATE 22021).
            Some("database_refuses") => {
                sqlx::query("SELECT $1::text").bind("a\u{0}b").execute(ctx.pool).await?;
                unreachable!("PostgreSQL refuses a NUL byte in text")
            }
            _ => {
                let mut out = JobOutput::succeeded();
                out.counts.insert("imported".into(), 1);
                if behaviour == "with_notification" {
                    let notice = nmbrs_worker::domain::events::Notification::new(
                        nmbrs_worker::domain::events::Level::Info,
                        "sync.members_left_nmbrs",
                        "Members left Nmbrs",
                        json!({"eitje_user_ids": ["u-1"], "nmbrs_employee_ids": [1]}),
                    );
                    out.events.push(notice.draft());
                }
                assert!(
                    matches!(ctx.credentials, nmbrs_worker::credentials::OpenedCredentials::Soap(c) if c.username == "api@example.com"),
                    "credentials were opened"
                );
                Ok(out)
            }
        }
    }
}
