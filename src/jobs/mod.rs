//! Jobs: the handler each job kind implements, and the pipeline that carries a delivery
//! through consume → validate → plan/apply (the handler) → record → publish.
//!
//! The folders mirror `domain/`:
//! - `run/`: the way every job takes: `pipeline`, `lifecycle` (an attempt's end → job state,
//!   pure), `error` (with `JobError::token`) and `connector` (the job's Nmbrs client);
//! - `team/`: `SyncTeam` (`sync`) and `Deactivate` (`deactivate`), with `reads`, their shared
//!   reading of Nmbrs;
//! - `export/`: `ExportHours` (`handler`), with `facts` (its Nmbrs reads), `apply` (the
//!   crash-safe write of one bucket), `snapshot` (the period read before an insert) and `report`
//!   (its events);
//! - `switch/`: the SOAP→REST switch (issue 10): `capture` keeps, from the SOAP reads, what the
//!   switch needs; `relink` is every job's step after connecting (a REST job's first relinks).
//!
//! A job's steps read in its handler: connect (`NmbrsConnector::connect`), relink
//! (`switch::relink::relink_step`), read, plan (`domain`), write, report. A kind without a
//! handler fails permanently with `job_type_not_supported` and is parked, so it can be
//! replayed later.

pub mod check;
pub mod export;
pub mod run;
pub mod switch;
pub mod team;

use std::{collections::BTreeMap, collections::HashMap, sync::Arc};

use async_trait::async_trait;
use sqlx::PgPool;

pub use crate::domain::job_result::{CompletionStatus, ErrorItem};
pub use run::{
    connector::{Connector, NmbrsConnection, NmbrsConnector, RestSide},
    error::JobError,
    pipeline::Pipeline,
};

use crate::{
    credentials::OpenedCredentials,
    domain::events::EventDraft,
    envelope::{Job, JobType, PayloadOf},
    store::sync_state::PublishedHashes,
};

/// What a handler gets besides its payload: the typed job, its opened credentials and the
/// database.
pub struct JobContext<'a> {
    pub job: &'a Job,
    pub credentials: &'a OpenedCredentials,
    /// 1-based attempt number of this delivery (retries count up).
    pub attempt: u32,
    pub pool: &'a PgPool,
    pub metrics: &'a crate::metrics::Metrics,
    /// The credentials key ring, for keys derived from it (e.g. the BSN hashes of
    /// `identity_capture`).
    pub keys: &'a crate::credentials::KeyRing,
    /// `NMBRS_WORKER_MAX_EVENT_BYTES`: no event of the job may be larger (CONTRACT §2.2
    /// Bounds); a job cuts what it lists to fit, and counts the rest.
    pub max_event_bytes: usize,
}

/// State a job records with its result, in the same transaction as its events.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultWrite {
    /// The team sync's content hashes of the records it published.
    SyncHashes(PublishedHashes),
}

/// The result of a job that ran to the end.
#[derive(Debug, Clone, PartialEq)]
pub struct JobOutput {
    pub status: CompletionStatus,
    pub counts: BTreeMap<String, u64>,
    pub errors: Vec<ErrorItem>,
    /// Events published with `job.completed`, in the same transaction.
    pub events: Vec<EventDraft>,
    /// State committed in that same transaction.
    pub writes: Vec<ResultWrite>,
}

impl JobOutput {
    /// The output with `errors` cut so that they take at most `max_bytes` serialized; how many
    /// were left out is `counts.errors_unlisted` (CONTRACT §2.2 Bounds: counted, not listed,
    /// and said so). Unchanged when they fit.
    pub fn bounded(mut self, max_bytes: usize) -> Self {
        let mut used = 0;
        let fit = self
            .errors
            .iter()
            .take_while(|e| {
                used += serde_json::to_string(e).map_or(usize::MAX / 2, |t| t.len() + 1);
                used <= max_bytes
            })
            .count();
        let unlisted = self.errors.len() - fit;
        if unlisted > 0 {
            self.errors.truncate(fit);
            self.counts.insert("errors_unlisted".into(), unlisted as u64);
        }
        self
    }

    pub fn succeeded() -> Self {
        Self {
            status: CompletionStatus::Succeeded,
            counts: BTreeMap::new(),
            errors: Vec::new(),
            events: Vec::new(),
            writes: Vec::new(),
        }
    }
}

/// The business logic of one job kind, run on its payload as `envelope::validate` typed it.
#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    /// The payload it runs on: its kind's (`SyncTeamPayload`, `DeactivatePayload`,
    /// `ExportPayload`), or [`JobPayload`](crate::envelope::JobPayload) for a handler of every kind.
    type Payload: PayloadOf;

    async fn run(&self, ctx: JobContext<'_>, payload: &Self::Payload) -> Result<JobOutput, JobError>;

    /// A lock jobs of this kind must hold from before they run until their result is
    /// committed, so two of them never overlap (e.g. two syncs of one integration). The
    /// pipeline takes it; a second job waits.
    fn exclusive(&self, _job: &Job) -> Option<crate::store::LockKey> {
        None
    }
}

/// A [`JobHandler`] with its payload type erased, so handlers of every kind share one map.
#[async_trait]
pub trait AnyHandler: Send + Sync {
    /// Runs the handler on the job's payload.
    async fn run(&self, ctx: JobContext<'_>) -> Result<JobOutput, JobError>;
    /// [`JobHandler::exclusive`].
    fn exclusive(&self, job: &Job) -> Option<crate::store::LockKey>;
}

#[async_trait]
impl<H: JobHandler> AnyHandler for H {
    async fn run(&self, ctx: JobContext<'_>) -> Result<JobOutput, JobError> {
        let job = ctx.job;
        match H::Payload::of(&job.payload) {
            Some(payload) => JobHandler::run(self, ctx, payload).await,
            // `Handlers::with` refuses such a pairing, so only a bug gets here.
            None => Err(JobError::permanent(
                "internal_error",
                format!("a {} job reached a handler of another kind", job.payload.kind()),
            )),
        }
    }

    fn exclusive(&self, job: &Job) -> Option<crate::store::LockKey> {
        JobHandler::exclusive(self, job)
    }
}

/// The handler of each job kind that has one.
#[derive(Clone, Default)]
pub struct Handlers(HashMap<JobType, Arc<dyn AnyHandler>>);

impl Handlers {
    /// Registers `handler` for jobs of `kind`.
    ///
    /// # Panics
    /// When the handler's payload is not `kind`'s (a wiring mistake, caught at start).
    pub fn with<H: JobHandler>(mut self, kind: JobType, handler: Arc<H>) -> Self {
        assert!(H::Payload::serves(kind), "{} cannot run {kind} jobs", std::any::type_name::<H>());
        self.0.insert(kind, handler);
        self
    }

    pub fn get(&self, kind: JobType) -> Option<&Arc<dyn AnyHandler>> {
        self.0.get(&kind)
    }

    /// The handlers of this release, talking SOAP to `NMBRS_BASE_URL`.
    pub fn production(config: &crate::config::Config) -> anyhow::Result<Self> {
        let max_concurrency = config.nmbrs_max_concurrency_per_integration;
        let nmbrs: Arc<dyn NmbrsConnector> = Arc::new(Connector::from_config(config)?);
        let clock = config.clock;
        let max_departure_share = config.max_departure_share;
        let sync = team::SyncTeam { nmbrs: nmbrs.clone(), max_concurrency, clock, max_departure_share };
        let deactivate = team::Deactivate { nmbrs: nmbrs.clone(), clock, max_departure_share };
        let export = export::ExportHours { nmbrs: nmbrs.clone(), max_concurrency };
        let consent = run::consent::ConsentWatch { policy: config.rest.chain };
        let check = check::CheckIntegration { nmbrs, consent };
        Ok(Self::default()
            .with(JobType::SyncTeam, Arc::new(sync))
            .with(JobType::Deactivate, Arc::new(deactivate))
            .with(JobType::ExportHours, Arc::new(export))
            .with(JobType::CheckIntegration, Arc::new(check)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        credentials::KeyRing,
        domain::payloads::{DeactivatePayload, SyncTeamPayload},
        envelope::{JobPayload, Limits},
    };

    #[test]
    fn errors_beyond_the_bound_are_counted_not_listed() {
        let item = |i: usize| ErrorItem {
            code: "export.in_doubt".into(),
            message: format!("m{i:03}"),
            scope: serde_json::json!({}),
        };
        let one = serde_json::to_string(&item(0)).unwrap().len() + 1;
        let output = |n: usize| JobOutput { errors: (0..n).map(item).collect(), ..JobOutput::succeeded() };
        let fits = output(10).bounded(10 * one);
        assert_eq!((fits.errors.len(), fits.counts.get("errors_unlisted")), (10, None), "at the bound");
        let cut = output(11).bounded(10 * one);
        assert_eq!((cut.errors.len(), cut.counts.get("errors_unlisted")), (10, Some(&1)), "one past it");
        assert_eq!(cut.errors[9], item(9), "the first ones, in order");
    }

    /// Counts the roster it was given: proof it ran on the typed payload.
    struct RosterSize;

    #[async_trait]
    impl JobHandler for RosterSize {
        type Payload = SyncTeamPayload;

        async fn run(&self, _: JobContext<'_>, payload: &SyncTeamPayload) -> Result<JobOutput, JobError> {
            let mut out = JobOutput::succeeded();
            out.counts.insert("members".into(), payload.members.len() as u64);
            Ok(out)
        }
    }

    fn job(keys: &KeyRing, kind: &str, payload: serde_json::Value) -> (Job, OpenedCredentials) {
        let sealed = keys.seal("env-1", &crate::credentials::Credentials::new("api@example.com", "tok"));
        let body = serde_json::json!({
            "message_id": "m-1", "type": kind, "schema_version": 1, "created_at": "2026-11-24T21:00:00Z",
            "integration": {"id": "env-1", "nmbrs": {"domain": "d", "credentials": {"key_id": sealed.key_id, "sealed": sealed.sealed}},
                            "venues": [{"eitje_venue_id": "v-1", "nmbrs_company_id": 1}]},
            "payload": payload
        });
        let queue = JobType::from_type_name(kind).unwrap();
        let limits = Limits { max_message_bytes: 64 * 1024, max_event_bytes: 4 << 20 };
        crate::envelope::validate(&serde_json::to_vec(&body).unwrap(), queue, Some("m-1"), limits, keys).unwrap()
    }

    #[tokio::test]
    async fn a_handler_runs_on_its_typed_payload_and_refuses_another_kinds() {
        let keys = KeyRing::parse(&KeyRing::generate_entry("k1")).unwrap();
        let pool = PgPool::connect_lazy("postgres://nobody@127.0.0.1:1/none").unwrap(); // never used
        let metrics = crate::metrics::Metrics::default();
        let handler: Arc<dyn AnyHandler> = Arc::new(RosterSize);
        let roster =
            serde_json::json!([{"eitje_user_id": "u-1", "active": true}, {"eitje_user_id": "u-2", "active": false}]);
        let (sync, credentials) = job(&keys, "SyncTeam", serde_json::json!({"trigger": "manual", "members": roster}));
        let ctx = JobContext {
            job: &sync,
            credentials: &credentials,
            attempt: 1,
            pool: &pool,
            metrics: &metrics,
            keys: &keys,
            max_event_bytes: 4 << 20,
        };
        assert_eq!(handler.run(ctx).await.unwrap().counts["members"], 2);

        let (deactivate, credentials) = job(&keys, "Deactivate", serde_json::json!({"members": []}));
        assert!(matches!(deactivate.payload, JobPayload::Deactivate(DeactivatePayload { .. })));
        let ctx = JobContext {
            job: &deactivate,
            credentials: &credentials,
            attempt: 1,
            pool: &pool,
            metrics: &metrics,
            keys: &keys,
            max_event_bytes: 4 << 20,
        };
        let refused = handler.run(ctx).await.unwrap_err();
        assert_eq!(
            (refused.code.as_str(), refused.class),
            ("internal_error", crate::domain::retry::ErrorClass::Permanent)
        );
    }

    #[test]
    #[should_panic(expected = "cannot run ExportHours jobs")]
    fn registering_a_handler_for_another_kind_fails_at_start() {
        let _ = Handlers::default().with(JobType::ExportHours, Arc::new(RosterSize));
    }
}
