//! `Deactivate` (CONTRACT §2.4): only step 5 of the team sync, for the given members and
//! `as_of` (default today), honouring `auto_deactivate`. Takes the same team lock as SyncTeam.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;
use serde::Deserialize;

use super::{
    CompletionStatus, JobContext, JobError, JobHandler, JobOutput, NmbrsConnector, nmbrs_failure,
    team::{self, Detail},
};
use crate::{
    domain::{matching::RosterMember, team_sync},
    envelope::Job,
    store::LockKey,
};

#[derive(Debug, Deserialize)]
struct Payload {
    members: Vec<RosterMember>,
    #[serde(default)]
    as_of: Option<NaiveDate>,
}

pub struct Deactivate {
    pub nmbrs: Arc<dyn NmbrsConnector>,
    pub today: fn() -> NaiveDate,
}

#[async_trait]
impl JobHandler for Deactivate {
    async fn run(&self, ctx: JobContext<'_>) -> Result<JobOutput, JobError> {
        let payload: Payload = serde_json::from_value(ctx.job.payload.clone())
            .map_err(|e| JobError::permanent("invalid_payload", format!("Deactivate payload: {e}")))?;
        let integration = &ctx.job.integration;
        let domain = integration.nmbrs.domain.as_str();
        let api = self.nmbrs.connect(ctx.credentials.for_nmbrs(domain));
        let read = team::read(api.as_ref(), &integration.venues, Detail::Employment)
            .await
            .map_err(|e| nmbrs_failure::job_error(&e, domain))?;

        let as_of = payload.as_of.unwrap_or_else(self.today);
        let mut departures = team_sync::departures(&payload.members, &read.companies, as_of);
        team::judgeable(&mut departures, &read);
        let mut out = JobOutput::succeeded();
        let (refusal_events, errors) = team::refusals(&read.refused);
        if !read.refused.is_empty() || !read.unreadable.is_empty() {
            out.status = CompletionStatus::Partial;
        }
        out.errors = errors;
        out.errors.extend(team::unreadable_errors(&read.unreadable));
        out.events.extend(team::departure_events(&departures, integration.settings.auto_deactivate));
        out.events.extend(refusal_events);
        let deactivated = if integration.settings.auto_deactivate { departures.len() as u64 } else { 0 };
        out.counts.insert("deactivated".into(), deactivated);
        out.counts.insert("left_nmbrs".into(), departures.len() as u64);
        Ok(out)
    }

    fn exclusive(&self, job: &Job) -> Option<LockKey> {
        Some(LockKey::team(&job.integration.id))
    }
}
