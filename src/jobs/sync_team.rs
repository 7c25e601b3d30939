//! `SyncTeam` (CONTRACT §2.3): Nmbrs → Eitje. Reads each linked company, imports employees
//! with an active employment and an e-mail, matches them to the roster, publishes the records
//! that changed, and handles members whose employment ended.
//!
//! A nightly and a manual sync of one integration never overlap: the handler holds the
//! integration's team lock (`LockKey::team`, taken by the pipeline) from before it reads until
//! its result is committed, so the second one **waits** and then runs on the state the first
//! one committed (its delta is then usually empty).

use std::{collections::HashMap, sync::Arc};

use async_trait::async_trait;
use chrono::NaiveDate;
use futures::{StreamExt, TryStreamExt};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{
    CompletionStatus, JobContext, JobError, JobHandler, JobOutput, NmbrsConnector, ResultWrite, nmbrs_failure,
    team::{self, Detail},
};
use crate::{
    domain::{
        matching::{self, RosterMember},
        team_sync::{self, ImportedEmployee},
    },
    envelope::Job,
    events::{EventDraft, EventType},
    nmbrs::{CompanyId, EmployeeId, NmbrsApi, NmbrsError, PayPeriod},
    store::{LockKey, sync_state},
};

#[derive(Debug, Deserialize)]
struct Payload {
    #[serde(default)]
    full: bool,
    members: Vec<RosterMember>,
}

pub struct SyncTeam {
    pub nmbrs: Arc<dyn NmbrsConnector>,
    /// Cost-per-hour calls in flight at once (`NMBRS_MAX_CONCURRENCY_PER_INTEGRATION`).
    pub max_concurrency: usize,
    /// "Today" for active employment (a clock, so tests can fix it).
    pub today: fn() -> NaiveDate,
}

#[async_trait]
impl JobHandler for SyncTeam {
    async fn run(&self, ctx: JobContext<'_>) -> Result<JobOutput, JobError> {
        let payload: Payload = serde_json::from_value(ctx.job.payload.clone())
            .map_err(|e| JobError::permanent("invalid_payload", format!("SyncTeam payload: {e}")))?;
        self.sync(&ctx, payload).await
    }

    fn exclusive(&self, job: &Job) -> Option<LockKey> {
        Some(LockKey::team(&job.integration.id))
    }
}

pub(super) fn db_error(e: sqlx::Error) -> JobError {
    JobError::transient("database_unavailable", format!("the worker's database failed: {e}"))
}

impl SyncTeam {
    async fn sync(&self, ctx: &JobContext<'_>, payload: Payload) -> Result<JobOutput, JobError> {
        let integration = &ctx.job.integration;
        let domain = integration.nmbrs.domain.as_str();
        let api = self.nmbrs.connect(ctx.credentials.for_nmbrs(domain));
        let fail = |e: NmbrsError| nmbrs_failure::job_error(&e, domain);
        let today = (self.today)();

        let read = team::read(api.as_ref(), &integration.venues, Detail::Full).await.map_err(fail)?;
        let selection = team_sync::select_imports(&read.companies, today);
        // An employee of a company we could not read is not "gone": only judge departures
        // by absence when every company was read.
        let mut departures = team_sync::departures(&payload.members, &read.companies, today);
        team::judgeable(&mut departures, &read);
        let unreadable = read.unreadable;
        let refused = read.refused;
        drop(read.companies); // what is needed lives on in `selection`; 10 000 employees are heavy

        let costs = self.costs_per_hour(api.as_ref(), &selection.imported).await.map_err(fail)?;
        let candidates: Vec<_> = selection.imported.iter().map(team_sync::candidate).collect();
        let matching = matching::match_members(&candidates, &payload.members);
        let previous = sync_state::load(ctx.pool, &integration.id).await.map_err(db_error)?;
        let publish_all = payload.full || previous.is_empty();
        // Record by record, through the pure `delta` rule: only the records to publish are kept,
        // already serialized, so a big team is never held as JSON trees all at once.
        let mut published: Vec<(i32, [u8; 32], EventDraft)> = Vec::new();
        let mut unchanged = 0;
        {
            let by_id: HashMap<i32, &ImportedEmployee> =
                selection.imported.iter().map(|e| (e.nmbrs_employee_id, e)).collect();
            for m in &matching.matched {
                let cost = costs.get(&m.nmbrs_employee_id).copied();
                let record = team_sync::member_record(by_id[&m.nmbrs_employee_id], m, cost);
                let delta = team_sync::delta(vec![record], &previous, publish_all);
                unchanged += delta.unchanged;
                published.extend(delta.publish.into_iter().map(|r| {
                    (r.nmbrs_employee_id, r.content_hash, EventDraft::new(EventType::TeamMemberUpserted, &r.payload))
                }));
            }
        }
        let imported = selection.imported.len() as u64;
        let (no_email, no_active_employment) = (selection.no_email, selection.no_active_employment);
        drop(selection);

        let mut out = JobOutput::succeeded();
        let (refusal_events, errors) = team::refusals(&refused);
        if !refused.is_empty() || !unreadable.is_empty() {
            out.status = CompletionStatus::Partial;
        }
        out.errors = errors;
        out.errors.extend(team::unreadable_errors(&unreadable));
        out.counts.insert("unreadable_record".into(), team::unreadable_count(&unreadable));
        let ambiguous = imported - matching.matched.len() as u64;
        let deactivated = if integration.settings.auto_deactivate { departures.len() as u64 } else { 0 };
        for (name, value) in [
            ("imported", imported),
            ("upserted", published.len() as u64),
            ("unchanged", unchanged),
            ("no_email", no_email),
            ("no_active_employment", no_active_employment),
            ("ambiguous", ambiguous),
            ("deactivated", deactivated),
            ("left_nmbrs", departures.len() as u64),
        ] {
            out.counts.insert(name.into(), value);
        }
        out.writes.push(ResultWrite::SyncHashes(sync_state::PublishedHashes {
            integration_id: integration.id.clone(),
            hashes: published.iter().map(|(id, hash, _)| (*id, *hash)).collect(),
        }));
        out.events.extend(published.into_iter().map(|(_, _, draft)| draft));
        out.events.extend(
            matching
                .ambiguities
                .iter()
                .map(|a| EventDraft::new(EventType::Notification, &team_sync::duplicate_member_notification(a))),
        );
        out.events.extend(team::departure_events(&departures, integration.settings.auto_deactivate));
        out.events.extend(refusal_events);
        Ok(out)
    }

    /// `Salary_GetEstimatedCostPerHour` for each imported employee (in the current period of
    /// its company), `max_concurrency` calls at once.
    async fn costs_per_hour(
        &self,
        api: &dyn NmbrsApi,
        imported: &[ImportedEmployee],
    ) -> Result<HashMap<i32, Decimal>, NmbrsError> {
        let mut periods: HashMap<i32, PayPeriod> = HashMap::new();
        for e in imported {
            if let std::collections::hash_map::Entry::Vacant(slot) = periods.entry(e.company_id) {
                slot.insert(api.current_period(CompanyId(e.company_id)).await?.period);
            }
        }
        // Built first, then streamed: a closure inside the stream would make the future
        // not `Send` for every lifetime (rust-lang/rust#102211).
        let calls: Vec<_> =
            imported.iter().map(|e| cost_of(api, EmployeeId(e.nmbrs_employee_id), periods[&e.company_id])).collect();
        futures::stream::iter(calls).buffer_unordered(self.max_concurrency.max(1)).try_collect().await
    }
}

async fn cost_of(api: &dyn NmbrsApi, employee: EmployeeId, period: PayPeriod) -> Result<(i32, Decimal), NmbrsError> {
    Ok((employee.0, api.estimated_cost_per_hour(employee, period).await?))
}
