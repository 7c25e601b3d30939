//! `ExportHours` (CONTRACT §2.5): Eitje's approved hours → Nmbrs components, safe to repeat.
//!
//! The way of one export:
//! 1. **plan** — load the ledger of the entries and places it touches, read each company's
//!    facts from Nmbrs (`export_facts`), and plan (`domain::export::plan`);
//! 2. **record** — the new ledger, the buckets it makes dirty and the plan, in one transaction
//!    (recovery point; a dry run stops before it and reports the plan);
//! 3. **apply** — each bucket that differs from the ledger, up to the integration's Nmbrs
//!    concurrency at once (`export_apply`), plus dirty buckets an earlier job left behind;
//! 4. **report** — `hours.exported`, the notifications, the counts of `job.completed`.
//!
//! A redelivered or retried job finds its recorded plan and goes straight to step 3, where
//! each bucket's row tells how far its write got. Exports of one integration take the
//! integration's export lock in turn (`JobHandler::exclusive`), held until the result is
//! committed, so no two jobs plan from the same ledger or write the same bucket at once.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use async_trait::async_trait;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    CompletionStatus, ErrorItem, JobContext, JobError, JobHandler, JobOutput, NmbrsConnector,
    export_apply::{BucketWrite, Outcome, Stop},
    export_facts, nmbrs_failure,
    sync_team::db_error,
};
use crate::{
    domain::export::{
        actions::{ComponentLineId, decide},
        contributions::BucketKey,
        ledger::{Ledger, bucket_values},
        payload::{EntryId, ExportPayload},
        plan::{BucketPlan, Plan, PlanInput, Status, employee_periods, plan},
    },
    envelope::Job,
    events::{EventDraft, EventType, Notification},
    failpoint::crash_point,
    nmbrs::NmbrsApi,
    store::{
        LockKey,
        export_ledger::{self as ledger, Places},
    },
};

/// Failpoint: the plan and the new ledger are committed, nothing is written yet.
pub const AFTER_PLAN: &str = "export.after_plan";

/// At most this many dirty buckets of earlier jobs are swept up by one export.
const SWEEP_LIMIT: i64 = 10_000;

pub struct ExportHours {
    pub nmbrs: Arc<dyn NmbrsConnector>,
    /// Buckets written at once (`NMBRS_MAX_CONCURRENCY_PER_INTEGRATION`).
    pub max_concurrency: usize,
}

/// What the first recovery point stores besides the ledger: the plan to finish, and the
/// companies Nmbrs refused while planning.
#[derive(Debug, Serialize, Deserialize)]
struct Run {
    plan: Plan,
    refused: Vec<(Notification, ErrorItem)>,
}

#[async_trait]
impl JobHandler for ExportHours {
    async fn run(&self, ctx: JobContext<'_>) -> Result<JobOutput, JobError> {
        let payload: ExportPayload = serde_json::from_value(ctx.job.payload.clone())
            .map_err(|e| JobError::permanent("invalid_payload", format!("ExportHours payload: {e}")))?;
        let integration = &ctx.job.integration;
        let domain = integration.nmbrs.domain.as_str();
        let api = self.nmbrs.connect(ctx.credentials.for_nmbrs(domain));
        let recorded = match payload.dry_run {
            true => None,
            false => ledger::load_run(ctx.pool, &integration.id, &ctx.job.idempotency_key).await.map_err(db_error)?,
        };
        let run = match recorded {
            Some(run) => {
                tracing::info!(export_id = %payload.export_id, "resuming the export's recorded plan");
                run
            }
            None => self.plan(&ctx, &payload, api.as_ref()).await?,
        };
        if payload.dry_run {
            return Ok(report(&payload, run, &BTreeMap::new(), Tally::default()));
        }
        self.apply(&ctx, &payload, run, api.as_ref()).await
    }

    fn exclusive(&self, job: &Job) -> Option<LockKey> {
        Some(LockKey::export(&job.integration.id))
    }
}

impl ExportHours {
    /// Steps 1 and 2: plan from the ledger and Nmbrs' facts, and record it (unless dry run).
    async fn plan(&self, ctx: &JobContext<'_>, payload: &ExportPayload, api: &dyn NmbrsApi) -> Result<Run, JobError> {
        let integration = &ctx.job.integration;
        let (pool, id) = (ctx.pool, integration.id.as_str());
        let named_ids: Vec<&EntryId> =
            payload.entries.iter().map(|e| &e.entry_id).chain(&payload.withdrawn_entry_ids).collect();
        let named: Ledger = ledger::load_entries(pool, id, &named_ids).await.map_err(db_error)?.into_iter().collect();
        let places = employee_periods(payload, &integration.venues, &named);
        let companies = places.iter().map(|(company, ..)| *company).collect();
        let facts = export_facts::read(api, &companies)
            .await
            .map_err(|e| nmbrs_failure::job_error(&e, &integration.nmbrs.domain))?;
        let ledger_now: Ledger = ledger::load_places(pool, id, &places).await.map_err(db_error)?.into_iter().collect();
        let states = ledger::load_buckets(pool, id, &places).await.map_err(db_error)?;
        let applied = states.into_iter().map(|(key, state)| (key, state.applied)).collect();
        let planned = plan(&PlanInput {
            payload,
            venues: &integration.venues,
            settings: &integration.settings,
            companies: &facts.companies,
            ledger: &ledger_now,
            applied: &applied,
        });
        let refused = facts
            .refused
            .iter()
            .map(|(company, err)| {
                let notice = nmbrs_failure::no_access_notification(Some(company.0), err);
                let scope = json!({"nmbrs_company_id": company.0});
                let item = ErrorItem { code: "nmbrs.no_access".into(), message: notice.message.clone(), scope };
                (notice, item)
            })
            .collect();
        tracing::info!(
            export_id = %payload.export_id, entries = payload.entries.len(), buckets = planned.buckets.len(),
            writes = planned.writes().count(), "export planned"
        );
        let run = Run { plan: planned, refused };
        if !payload.dry_run {
            let key = (id, ctx.job.idempotency_key.as_str(), payload.export_id.as_str());
            ledger::record_plan(pool, key, &run.plan, &run).await.map_err(db_error)?;
            crash_point(AFTER_PLAN);
        }
        Ok(run)
    }

    /// Step 3 and 4: settle every bucket of the plan (and the dirty ones of earlier jobs).
    async fn apply(
        &self,
        ctx: &JobContext<'_>,
        payload: &ExportPayload,
        mut run: Run,
        api: &dyn NmbrsApi,
    ) -> Result<JobOutput, JobError> {
        let (pool, id) = (ctx.pool, ctx.job.integration.id.as_str());
        let planned: BTreeSet<BucketKey> = run.plan.buckets.iter().map(|b| b.key).collect();
        let swept: Vec<BucketKey> = ledger::dirty_buckets(pool, id, SWEEP_LIMIT)
            .await
            .map_err(db_error)?
            .into_iter()
            .filter(|k| !planned.contains(k))
            .collect();
        let places: Places = planned.iter().chain(&swept).map(|k| (k.company, k.employee, k.period)).collect();
        let contributions = ledger::load_places(pool, id, &places).await.map_err(db_error)?;
        let values = bucket_values(&contributions);
        drop(contributions);
        let states = ledger::load_buckets(pool, id, &places).await.map_err(db_error)?;
        for key in swept {
            let state = states.get(&key).cloned().unwrap_or_default();
            let value = values.get(&key).copied().unwrap_or_default();
            let action = decide(key.component, value, &state.applied);
            tracing::info!(bucket = ?key, "writing a bucket an earlier export left unfinished");
            let unprotected = state.unprotected;
            run.plan.buckets.push(BucketPlan {
                key,
                value,
                applied: state.applied,
                action,
                unprotected,
                in_doubt: false,
            });
        }
        let mut work = Vec::new();
        let mut component_ids = BTreeMap::new();
        for bucket in &mut run.plan.buckets {
            bucket.value = values.get(&bucket.key).copied().unwrap_or_default();
            let state = states.get(&bucket.key).cloned().unwrap_or_default();
            if state.unsettled() || decide(bucket.key.component, bucket.value, &state.applied).writes() {
                work.push((bucket.key, bucket.value, state));
            } else if let [one] = state.applied.ids.as_slice() {
                component_ids.insert(bucket.key, *one);
            }
        }
        let total = work.len();
        tracing::info!(export_id = %payload.export_id, buckets = total, "writing buckets to Nmbrs");
        let settled = AtomicU64::new(0);
        let stopped = AtomicBool::new(false);
        let results: Vec<(BucketKey, Option<Result<crate::jobs::export_apply::Applied, Stop>>)> =
            futures::stream::iter(work)
                .map(|(key, wanted, state)| {
                    let (settled, stopped) = (&settled, &stopped);
                    async move {
                        if stopped.load(Ordering::Relaxed) {
                            return (key, None);
                        }
                        let write = BucketWrite { api, pool, integration: id, key, wanted, state };
                        let result = write.apply().await;
                        if result.is_err() {
                            stopped.store(true, Ordering::Relaxed);
                        }
                        progress(ctx, &result, settled.fetch_add(1, Ordering::Relaxed) + 1, total);
                        (key, Some(result))
                    }
                })
                // Twice the call limit: while one bucket records a step, another's call can use its
                // slot (the client still holds calls to `max_concurrency`).
                .buffer_unordered(2 * self.max_concurrency.max(1))
                .collect()
                .await;
        let mut tally = Tally::default();
        let mut stop = None;
        let mut refused = Vec::new();
        let mut missing_rights = Vec::new();
        for (key, result) in results {
            match result {
                None => {}
                Some(Err(e)) => stop = stop.or(Some(e)),
                Some(Ok(applied)) => {
                    tally.write_calls += applied.write_calls;
                    match applied.outcome {
                        Outcome::Done { component } => {
                            if let Some(c) = component {
                                component_ids.insert(key, c);
                            }
                        }
                        Outcome::InDoubt { missing_right } => {
                            run.plan.mark_in_doubt(&key);
                            missing_rights.extend(missing_right.filter(|op| !missing_rights.contains(op)));
                        }
                        Outcome::Refused(err) => refused.push((key, err)),
                    }
                }
            }
        }
        let attempt_calls = tally.write_calls;
        tally.write_calls =
            ledger::add_write_calls(pool, id, &ctx.job.idempotency_key, attempt_calls).await.map_err(db_error)?;
        tally.buckets_written = (run.plan.buckets.iter())
            .filter(|b| b.action.writes() && !b.in_doubt && !refused.iter().any(|(k, _)| *k == b.key))
            .count() as u64;
        if let Some(stop) = stop {
            tracing::warn!(write_calls = attempt_calls, "export stopped; a retry resumes where it stands");
            return Err(match stop {
                Stop::Database(e) => db_error(e),
                Stop::Nmbrs(e) => nmbrs_failure::job_error(&e, &ctx.job.integration.nmbrs.domain),
            });
        }
        let mut output = report(payload, run, &component_ids, tally);
        for operation in missing_rights {
            output.events.push(nmbrs_failure::missing_right_notification(operation).draft());
        }
        for (key, err) in refused {
            output.status = CompletionStatus::Partial;
            let scope = bucket_scope(&key);
            output.errors.push(ErrorItem { code: "nmbrs_refused".into(), message: err.to_string(), scope });
        }
        Ok(output)
    }
}

/// Logs every 10 % of a long export and counts each settled bucket in the metrics.
fn progress(ctx: &JobContext<'_>, result: &Result<crate::jobs::export_apply::Applied, Stop>, done: u64, total: usize) {
    let outcome = match result {
        Ok(a) => match a.outcome {
            Outcome::Done { .. } if a.write_calls > 0 => "written",
            Outcome::Done { .. } => "unchanged",
            Outcome::InDoubt { .. } => "in_doubt",
            Outcome::Refused(_) => "refused",
        },
        Err(_) => "stopped",
    };
    ctx.metrics.export_bucket(outcome);
    let step = (total as u64 / 10).max(1);
    if done.is_multiple_of(step) || done == total as u64 {
        tracing::info!(done, total, "export progress");
    }
}

/// What a job wrote: the Nmbrs write operations of all its attempts (the client's own retries
/// of one call not counted separately), and the buckets brought to a new value.
#[derive(Default)]
struct Tally {
    write_calls: u64,
    buckets_written: u64,
}

fn bucket_scope(key: &BucketKey) -> serde_json::Value {
    json!({"nmbrs_company_id": key.company.0, "nmbrs_employee_id": key.employee.0,
           "component": key.component.label(), "code": key.component.code(),
           "period": {"year": key.period.year, "number": key.period.period}})
}

/// Step 4: the events and counts of a finished (or dry) run.
fn report(
    payload: &ExportPayload,
    run: Run,
    component_ids: &BTreeMap<BucketKey, ComponentLineId>,
    tally: Tally,
) -> JobOutput {
    let Run { plan, refused } = run;
    let mut out = JobOutput::succeeded();
    if plan.status == Status::Partial || !refused.is_empty() {
        out.status = CompletionStatus::Partial;
    }
    let in_doubt: Vec<&BucketPlan> = plan.buckets.iter().filter(|b| b.in_doubt).collect();
    for bucket in &in_doubt {
        let message = "the insert's reply was lost and it could not be read back; check the bucket in Nmbrs".into();
        out.errors.push(ErrorItem { code: "export.in_doubt".into(), message, scope: bucket_scope(&bucket.key) });
    }
    let unchanged = plan.buckets.iter().filter(|b| b.label() == "unchanged").count();
    let counts = [
        ("exported", plan.exported.len() as u64),
        ("skipped", plan.skipped.len() as u64),
        ("buckets", plan.buckets.len() as u64),
        ("buckets_written", tally.buckets_written),
        ("write_calls", tally.write_calls),
        ("unchanged", unchanged as u64),
        ("in_doubt", in_doubt.len() as u64),
    ];
    out.counts = counts.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    if payload.dry_run {
        out.counts.insert("would_write".into(), plan.writes().count() as u64);
    }
    out.events.push(EventDraft::new(EventType::HoursExported, &plan.hours_exported(payload, component_ids)));
    out.events.extend(plan.notifications.iter().map(Notification::draft));
    for (notice, item) in refused {
        out.events.push(notice.draft());
        out.errors.push(item);
    }
    out
}
