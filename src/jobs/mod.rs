//! Jobs: the handler each job kind implements, and the pipeline that carries a delivery
//! through consume → validate → plan/apply (the handler) → record → publish.
//!
//! One file per job kind: `sync_team.rs`, `deactivate.rs` (with `team.rs`, their shared
//! reading of Nmbrs) and `export_hours.rs` (with `export_facts.rs`, its Nmbrs reads,
//! `export_apply.rs`, the crash-safe write of one bucket, and `export_report.rs`, its events). A kind without a handler fails
//! permanently with `job_type_not_supported` and is parked, so it can be replayed later.

pub mod deactivate;
mod error;
pub mod export_apply;
mod export_facts;
pub mod export_hours;
mod export_report;
mod export_snapshot;
mod nmbrs_failure;
pub mod pipeline;
pub mod rest_auth_failure;
pub mod sync_team;
mod team;

use std::{collections::BTreeMap, collections::HashMap, sync::Arc};

use async_trait::async_trait;
use serde::Serialize;
use sqlx::PgPool;

pub use error::JobError;

use crate::{
    credentials::Credentials,
    envelope::{Job, JobType},
    events::EventDraft,
    store::sync_state::PublishedHashes,
};

/// What a handler gets: the typed job, its opened credentials and the database.
pub struct JobContext<'a> {
    pub job: &'a Job,
    pub credentials: &'a Credentials,
    /// 1-based attempt number of this delivery (retries count up).
    pub attempt: u32,
    pub pool: &'a PgPool,
    pub metrics: &'a crate::metrics::Metrics,
}

/// `job.completed` status (CONTRACT §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CompletionStatus {
    Succeeded,
    Partial,
}

/// One item of `job.completed`'s `errors`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ErrorItem {
    pub code: String,
    pub message: String,
    /// Names the company / employee / entry concerned.
    pub scope: serde_json::Value,
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

/// The business logic of one job kind.
#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    async fn run(&self, ctx: JobContext<'_>) -> Result<JobOutput, JobError>;

    /// A lock jobs of this kind must hold from before they run until their result is
    /// committed, so two of them never overlap (e.g. two syncs of one integration). The
    /// pipeline takes it; a second job waits.
    fn exclusive(&self, _job: &Job) -> Option<crate::store::LockKey> {
        None
    }
}

/// Gives a job a Nmbrs client for its integration's credentials. The SOAP transport
/// implements it; a REST implementation (Nmbrs ends SOAP on 2027-03-01) would too.
pub trait NmbrsConnector: Send + Sync {
    fn connect(&self, credentials: crate::nmbrs::Credentials) -> Arc<dyn crate::nmbrs::NmbrsApi>;
}

/// The SOAP client with the per-integration concurrency limit.
pub struct SoapConnector {
    pub transport: crate::nmbrs::NmbrsTransport,
    pub max_concurrency: usize,
}

impl NmbrsConnector for SoapConnector {
    fn connect(&self, credentials: crate::nmbrs::Credentials) -> Arc<dyn crate::nmbrs::NmbrsApi> {
        Arc::new(self.transport.client(credentials, self.max_concurrency))
    }
}

/// The handler of each job kind that has one.
#[derive(Clone, Default)]
pub struct Handlers(HashMap<JobType, Arc<dyn JobHandler>>);

impl Handlers {
    pub fn with(mut self, kind: JobType, handler: Arc<dyn JobHandler>) -> Self {
        self.0.insert(kind, handler);
        self
    }

    pub fn get(&self, kind: JobType) -> Option<&Arc<dyn JobHandler>> {
        self.0.get(&kind)
    }

    /// The handlers of this release, talking SOAP to `NMBRS_BASE_URL`.
    pub fn production(config: &crate::config::Config) -> anyhow::Result<Self> {
        let transport = crate::nmbrs::NmbrsTransport::new(crate::nmbrs::ClientConfig {
            base_url: config.nmbrs_base_url.clone(),
            ..Default::default()
        })?;
        let max_concurrency = config.nmbrs_max_concurrency_per_integration;
        let nmbrs: Arc<dyn NmbrsConnector> = Arc::new(SoapConnector { transport, max_concurrency });
        let sync = sync_team::SyncTeam { nmbrs: nmbrs.clone(), max_concurrency, today: utc_today };
        let deactivate = deactivate::Deactivate { nmbrs: nmbrs.clone(), today: utc_today };
        let export = export_hours::ExportHours { nmbrs, max_concurrency };
        Ok(Self::default()
            .with(JobType::SyncTeam, Arc::new(sync))
            .with(JobType::Deactivate, Arc::new(deactivate))
            .with(JobType::ExportHours, Arc::new(export)))
    }
}

/// Today's date in UTC. The nightly sync runs at 22:00 Dutch time, which is the same date in
/// UTC, so "active employment today" means the same day as in the Netherlands.
pub fn utc_today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}
