//! What the pipeline and a job's handler say to each other: the [`JobContext`] a handler runs
//! in, the [`JobOutput`] it returns (with the state it records, [`ResultWrite`]), and the
//! [`JobHandler`] trait each job kind implements ([`AnyHandler`], its payload erased). A leaf of
//! `jobs/`: every handler and the pipeline import it, and it imports none of them.

use std::collections::BTreeMap;

use async_trait::async_trait;
use sqlx::PgPool;

use super::error::JobError;
use crate::{
    credentials::OpenedCredentials,
    domain::{
        events::EventDraft,
        job_result::{CompletionStatus, ErrorItem},
    },
    envelope::{Job, PayloadOf},
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
