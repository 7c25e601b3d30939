//! The handler of each job kind: the registry the pipeline looks a job's kind up in
//! ([`Handlers`]), and this release's wiring of it ([`Handlers::production`]). Apart from
//! `jobs/mod.rs` so that the handlers it names never import back the file that names them.

use std::{collections::HashMap, sync::Arc};

use super::{check, export, run, team};
use crate::{
    envelope::{JobType, PayloadOf},
    jobs::run::{
        connector::{Connector, NmbrsConnector},
        context::{AnyHandler, JobHandler},
    },
};

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
    use async_trait::async_trait;
    use sqlx::PgPool;

    use super::*;
    use crate::{
        credentials::{KeyRing, OpenedCredentials},
        domain::payloads::{DeactivatePayload, SyncTeamPayload},
        envelope::{Job, JobPayload, Limits},
        jobs::run::{
            context::{JobContext, JobOutput},
            error::JobError,
        },
    };

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

    /// A first attempt's context for `job` and its credentials.
    fn ctx<'a>(
        job: &'a (Job, OpenedCredentials),
        pool: &'a PgPool,
        metrics: &'a crate::metrics::Metrics,
        keys: &'a KeyRing,
    ) -> JobContext<'a> {
        JobContext { job: &job.0, credentials: &job.1, attempt: 1, pool, metrics, keys, max_event_bytes: 4 << 20 }
    }

    #[tokio::test]
    async fn a_handler_runs_on_its_typed_payload_and_refuses_another_kinds() {
        let keys = KeyRing::parse(&KeyRing::generate_entry("k1")).unwrap();
        let pool = PgPool::connect_lazy("postgres://nobody@127.0.0.1:1/none").unwrap(); // never used
        let metrics = crate::metrics::Metrics::default();
        let handler: Arc<dyn AnyHandler> = Arc::new(RosterSize);
        let roster =
            serde_json::json!([{"eitje_user_id": "u-1", "active": true}, {"eitje_user_id": "u-2", "active": false}]);
        let sync = job(&keys, "SyncTeam", serde_json::json!({"trigger": "manual", "members": roster}));
        assert_eq!(handler.run(ctx(&sync, &pool, &metrics, &keys)).await.unwrap().counts["members"], 2);

        let deactivate = job(&keys, "Deactivate", serde_json::json!({"members": []}));
        assert!(matches!(deactivate.0.payload, JobPayload::Deactivate(DeactivatePayload { .. })));
        let refused = handler.run(ctx(&deactivate, &pool, &metrics, &keys)).await.unwrap_err();
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
