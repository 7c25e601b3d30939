//! `SyncTeam` (CONTRACT §2.3): Nmbrs → Eitje. Reads each linked company and the cost per hour of
//! each imported employee, then hands everything to the pure plan (`domain::team::plan_sync`):
//! who is imported, matched, published, gone or held. This file does only the I/O.
//!
//! A nightly and a manual sync of one integration never overlap: the handler holds the
//! integration's team lock (`LockKey::team`, taken by the pipeline) from before it reads until
//! its result is committed, so the second one **waits** and then runs on the state the first
//! one committed (its delta is then usually empty).

use std::{collections::HashMap, sync::Arc};

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use rust_decimal::Decimal;

use super::reads::{self, Detail};
use crate::jobs::{
    run::{
        connector::{NmbrsConnection, NmbrsConnector},
        context::{JobContext, JobHandler, JobOutput, ResultWrite},
        error::JobError,
    },
    switch::{
        capture::{self, CompanyNumbers},
        relink,
    },
};
use crate::{
    clock::Clock,
    domain::{
        nmbrs_failure::CompanyError,
        payloads::SyncTeamPayload,
        team::{CompanyData, ImportedEmployee, MemberShape, SyncInput, SyncSettings, plan_sync, select_imports},
    },
    envelope::Job,
    nmbrs::{CompanyId, EmployeeId, NmbrsApi, NmbrsError, PayPeriod},
    store::{LockKey, sync_state},
};

pub struct SyncTeam {
    pub nmbrs: Arc<dyn NmbrsConnector>,
    /// Cost-per-hour calls in flight at once (`NMBRS_MAX_CONCURRENCY_PER_INTEGRATION`).
    pub max_concurrency: usize,
    /// "Today" for active employment (`Clock::fixed` in tests).
    pub clock: Clock,
    /// `NMBRS_WORKER_MAX_DEPARTURE_SHARE` (CONTRACT §2.3 step 6b).
    pub max_departure_share: Decimal,
}

#[async_trait]
impl JobHandler for SyncTeam {
    type Payload = SyncTeamPayload;

    async fn run(&self, ctx: JobContext<'_>, payload: &SyncTeamPayload) -> Result<JobOutput, JobError> {
        self.sync(&ctx, payload).await
    }

    fn exclusive(&self, job: &Job) -> Option<LockKey> {
        Some(LockKey::team(&job.integration.id))
    }
}

/// What the cost-per-hour reads gave.
struct Costs {
    /// Per imported employee.
    read: HashMap<EmployeeId, Decimal>,
    /// Companies whose current period could not be read, and why (no cost calls for their
    /// employees).
    without_period: Vec<(CompanyId, CompanyError)>,
    /// Employees whose own cost call Nmbrs refused (e.g. fault 2003): a null cost per hour.
    refused: Vec<EmployeeId>,
}

impl SyncTeam {
    async fn sync(&self, ctx: &JobContext<'_>, payload: &SyncTeamPayload) -> Result<JobOutput, JobError> {
        let integration = &ctx.job.integration;
        let domain = integration.nmbrs.domain.as_str();
        let NmbrsConnection { api, rest, .. } = self.nmbrs.connect(ctx)?;
        let links = relink::relink_step(ctx, rest.as_deref()).await?;
        let (members, previous_ids) = links.members(&payload.members, integration.nmbrs.api);
        let fail = |e: NmbrsError| JobError::nmbrs(&e, domain);
        let today = self.clock.nmbrs_today();

        let started = std::time::Instant::now();
        let read = reads::read(api.as_ref(), &integration.venues, Detail::Full).await.map_err(fail)?;
        tracing::debug!(read_ms = started.elapsed().as_millis() as u64, "team sync: companies read");
        capture::from_team(ctx, api.as_ref(), &read, CompanyNumbers::Read).await;
        let (failure_events, failed) = reads::failures(&read.failed);
        let selection = select_imports(&read.companies, today);
        let companies: Vec<CompanyData> = read.companies.into_iter().map(CompanyData::for_departures).collect();
        let costs = self.costs_per_hour(api.as_ref(), &selection.imported).await.map_err(fail)?;
        let previous = sync_state::load(ctx.pool, &integration.id).await?;
        let mut plan = plan_sync(SyncInput {
            selection,
            companies,
            failed: &failed,
            without_period: &costs.without_period,
            without_cost: &costs.refused,
            costs: &costs.read,
            members: &members,
            previous: &previous,
            previous_ids: &previous_ids,
            settings: SyncSettings {
                full: payload.full,
                auto_deactivate: integration.settings.auto_deactivate,
                max_departure_share: self.max_departure_share,
                shape: match integration.nmbrs.api {
                    crate::credentials::ApiKind::Soap => MemberShape::Plain,
                    crate::credentials::ApiKind::Rest => MemberShape::WithEmployeeNumber,
                },
            },
            today,
        });
        tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "team sync: planned");
        let hashes = std::mem::take(&mut plan.hashes);
        let mut out = reads::output(plan, failure_events);
        out.writes.push(ResultWrite::SyncHashes(sync_state::PublishedHashes {
            integration_id: integration.id.clone(),
            hashes,
        }));
        Ok(out)
    }

    /// `Salary_GetEstimatedCostPerHour` for each imported employee (in the current period of
    /// its company), `max_concurrency` calls at once. A company whose current period cannot be
    /// read (no result, unreadable) gets no cost calls, and an employee whose own call Nmbrs
    /// refuses gets none: they are published with a null cost per hour and named in `errors`
    /// (CONTRACT §2.3: only credentials, a missing right or Nmbrs unavailable fail the job).
    async fn costs_per_hour(&self, api: &dyn NmbrsApi, imported: &[ImportedEmployee]) -> Result<Costs, NmbrsError> {
        let mut periods: HashMap<CompanyId, Result<PayPeriod, CompanyError>> = HashMap::new();
        for e in imported {
            if let std::collections::hash_map::Entry::Vacant(slot) = periods.entry(e.company_id) {
                let period = match api.current_period(e.company_id).await {
                    Ok(current) => Ok(current.period),
                    Err(err) => Err(reads::company_failure(&err).ok_or(err)?),
                };
                slot.insert(period);
            }
        }
        // Built first, then streamed: a closure inside the stream would make the future
        // not `Send` for every lifetime (rust-lang/rust#102211).
        let calls: Vec<_> = imported
            .iter()
            .filter_map(|e| periods[&e.company_id].ok().map(|p| cost_of(api, e.nmbrs_employee_id, p)))
            .collect();
        let answers: Vec<(EmployeeId, Result<Option<Decimal>, ()>)> =
            futures::stream::iter(calls).buffer_unordered(self.max_concurrency.max(1)).try_collect().await?;
        let mut refused: Vec<EmployeeId> = answers.iter().filter(|(_, c)| c.is_err()).map(|(id, _)| *id).collect();
        refused.sort_unstable();
        let read = answers.into_iter().filter_map(|(id, c)| c.ok().flatten().map(|c| (id, c))).collect();
        let mut without_period: Vec<(CompanyId, CompanyError)> =
            periods.into_iter().filter_map(|(company, p)| p.err().map(|e| (company, e))).collect();
        without_period.sort_unstable_by_key(|(company, _)| *company);
        Ok(Costs { read, without_period, refused })
    }
}

/// One employee's cost per hour: `Ok(None)` when Nmbrs answers it nil or unreadable (a
/// passed-on value, CONTRACT §2.3: null, not an error); `Err(())` when Nmbrs refuses it for
/// this employee only (named in `errors`).
async fn cost_of(
    api: &dyn NmbrsApi,
    employee: EmployeeId,
    period: PayPeriod,
) -> Result<(EmployeeId, Result<Option<Decimal>, ()>), NmbrsError> {
    match api.estimated_cost_per_hour(employee, period).await {
        Ok(cost) => Ok((employee, Ok(cost))),
        Err(e) if reads::company_failure(&e).is_some() => Ok((employee, Err(()))),
        Err(e) => Err(e),
    }
}
