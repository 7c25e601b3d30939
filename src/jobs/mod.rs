//! Jobs: the handler each job kind implements, and the pipeline that carries a delivery
//! through consume → validate → plan/apply (the handler) → record → publish.
//!
//! The handlers of SyncTeam, ExportHours and Deactivate arrive in their own files; until a
//! kind has one, its jobs fail permanently with `job_type_not_supported` and are parked, so
//! they can be replayed once it exists.

mod error;
pub mod pipeline;

use std::{collections::BTreeMap, collections::HashMap, sync::Arc};

use async_trait::async_trait;
use serde::Serialize;
use sqlx::PgPool;

pub use error::JobError;

use crate::{
    credentials::Credentials,
    envelope::{Job, JobType},
    events::EventDraft,
};

/// What a handler gets: the typed job, its opened credentials and the database.
pub struct JobContext<'a> {
    pub job: &'a Job,
    pub credentials: &'a Credentials,
    /// 1-based attempt number of this delivery (retries count up).
    pub attempt: u32,
    pub pool: &'a PgPool,
}

/// `job.completed` status (CONTRACT §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CompletionStatus {
    Succeeded,
    Partial,
}

/// One item of `job.completed`'s `errors`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorItem {
    pub code: String,
    pub message: String,
    /// Names the company / employee / entry concerned.
    pub scope: serde_json::Value,
}

/// The result of a job that ran to the end.
#[derive(Debug, Clone, PartialEq)]
pub struct JobOutput {
    pub status: CompletionStatus,
    pub counts: BTreeMap<String, u64>,
    pub errors: Vec<ErrorItem>,
    /// Events published with `job.completed`, in the same transaction.
    pub events: Vec<EventDraft>,
}

impl JobOutput {
    pub fn succeeded() -> Self {
        Self { status: CompletionStatus::Succeeded, counts: BTreeMap::new(), errors: Vec::new(), events: Vec::new() }
    }
}

/// The business logic of one job kind.
#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    async fn run(&self, ctx: JobContext<'_>) -> Result<JobOutput, JobError>;
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

    /// The handlers of this release (see the module doc).
    pub fn production() -> Self {
        Self::default()
    }
}
