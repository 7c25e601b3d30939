//! `Deactivate` (CONTRACT §2.4): only steps 5 and 6 of the team sync, for the given members and
//! `as_of` (default today in Europe/Amsterdam), honouring `auto_deactivate`. Takes the same team
//! lock as SyncTeam. The decisions are `domain::team::plan_deactivate`.

use std::sync::Arc;

use async_trait::async_trait;
use rust_decimal::Decimal;

use super::reads::{self, Detail};
use crate::jobs::{
    run::{
        connector::{NmbrsConnection, NmbrsConnector},
        context::{JobContext, JobHandler, JobOutput},
        error::JobError,
    },
    switch::{
        capture::{self, CompanyNumbers},
        relink,
    },
};
use crate::{
    clock::Clock,
    domain::{payloads::DeactivatePayload, team::plan_deactivate},
    envelope::Job,
    store::LockKey,
};

pub struct Deactivate {
    pub nmbrs: Arc<dyn NmbrsConnector>,
    /// "Today" when the payload has no `as_of` (`Clock::fixed` in tests).
    pub clock: Clock,
    /// `NMBRS_WORKER_MAX_DEPARTURE_SHARE` (CONTRACT §2.3 step 6b).
    pub max_departure_share: Decimal,
}

#[async_trait]
impl JobHandler for Deactivate {
    type Payload = DeactivatePayload;

    async fn run(&self, ctx: JobContext<'_>, payload: &DeactivatePayload) -> Result<JobOutput, JobError> {
        let integration = &ctx.job.integration;
        let domain = integration.nmbrs.domain.as_str();
        let NmbrsConnection { api, rest, .. } = self.nmbrs.connect(&ctx)?;
        let links = relink::relink_step(&ctx, rest.as_deref()).await?;
        let (members, _) = links.members(&payload.members, integration.nmbrs.api);
        let read = reads::read(api.as_ref(), &integration.venues, Detail::Employment)
            .await
            .map_err(|e| JobError::nmbrs(&e, domain))?;
        capture::from_team(&ctx, api.as_ref(), &read, CompanyNumbers::Skip).await;
        let (failure_events, failed) = reads::failures(&read.failed);
        let as_of = payload.as_of.unwrap_or_else(|| self.clock.nmbrs_today());
        let plan = plan_deactivate(
            &read.companies,
            &failed,
            &members,
            integration.settings.auto_deactivate,
            self.max_departure_share,
            as_of,
        );
        Ok(reads::output(plan, failure_events))
    }

    fn exclusive(&self, job: &Job) -> Option<LockKey> {
        Some(LockKey::team(&job.integration.id))
    }
}
