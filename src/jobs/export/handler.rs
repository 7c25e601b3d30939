//! `ExportHours` (CONTRACT §2.5): Eitje's approved hours → Nmbrs components, safe to repeat.
//!
//! The way of one export:
//! 1. **plan** — load the ledger of the entries and places it touches, read each company's
//!    facts from Nmbrs (`facts`), and plan (`domain::export::plan`);
//! 2. **record** — the new ledger, the buckets it makes dirty and the plan, in one transaction
//!    (recovery point; a dry run stops before it and reports the plan);
//! 3. **apply** — each bucket that needs work (`domain::export::work`: it differs from the
//!    ledger or its write is not settled), up to the integration's Nmbrs concurrency at once
//!    (`apply`), plus the unsettled buckets earlier jobs left behind (the sweep, only
//!    companies still linked);
//! 4. **report** — `hours.exported`, the notifications, the counts of `job.completed`.
//!
//! A redelivered or retried job finds its recorded plan and goes straight to step 3, where
//! each bucket's row tells how far its write got (its stage). Each attempt reads the bucket rows
//! and the ledger once ([`AttemptReads`]); after recording the plan it carries them on in memory. Exports of one integration take the
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

use super::{
    apply::{BucketResult, BucketWrite, Stop, edge_of},
    facts as export_facts, proof as export_proof, report,
    snapshot::Snapshots,
};
use crate::domain::job_result::ErrorItem;
use crate::jobs::{
    run::{
        connector::{NmbrsConnection, NmbrsConnector, store_write_log},
        context::{JobContext, JobHandler, JobOutput},
        error::JobError,
    },
    switch::{capture, links::EmployeeLinks, relink},
};
use crate::{
    domain::events::Notification,
    domain::export::{
        contributions::BucketKey,
        ledger::Ledger,
        payload::{EntryId, ExportPayload},
        plan::{Plan, PlanInput, Unrelinked, employee_periods, plan},
        proof::Proof,
        result::{Tally, Written, fold},
        stage::{BucketState, Stage, swept},
        work::{AttemptState, BucketWork, Work, work},
    },
    domain::nmbrs_failure::{NoticeFacts, notification},
    envelope::Job,
    failpoint::crash_point,
    nmbrs::{CompanyId, ErrorKind, NmbrsApi, rest::RestClient},
    store::{
        LockKey, export_buckets as buckets,
        export_ledger::{self as ledger, Places},
    },
};

/// Failpoint: the plan and the new ledger are committed, nothing is written yet.
pub const AFTER_PLAN: &str = "export.after_plan";

/// At most this many unsettled buckets of earlier jobs (any stage but `settled`) are swept up
/// by one export.
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
    /// Companies that could not be read: their notification, if any, and `errors` item.
    refused: Vec<(Option<Notification>, ErrorItem)>,
    /// What the export proved of its buckets in Nmbrs (issue 18); before planning, then after
    /// writing.
    #[serde(default)]
    proof: Proof,
}

#[async_trait]
impl JobHandler for ExportHours {
    type Payload = ExportPayload;

    async fn run(&self, ctx: JobContext<'_>, payload: &ExportPayload) -> Result<JobOutput, JobError> {
        let NmbrsConnection { api, rest, write_log } = self.nmbrs.connect(&ctx)?;
        let result = self.run_connected(&ctx, payload, api, rest).await;
        store_write_log(&ctx, write_log.as_ref()).await;
        result
    }

    fn exclusive(&self, job: &Job) -> Option<LockKey> {
        Some(LockKey::export(&job.integration.id))
    }
}

impl ExportHours {
    /// The export once connected; its writes note what they learn about their rights.
    async fn run_connected(
        &self,
        ctx: &JobContext<'_>,
        payload: &ExportPayload,
        api: Arc<dyn NmbrsApi>,
        rest: Option<Arc<RestClient>>,
    ) -> Result<JobOutput, JobError> {
        let integration = &ctx.job.integration;
        let links = relink::relink_step(ctx, rest.as_deref()).await?;
        // Entries that still carry a SOAP-era employee id are read through the relink.
        let payload = links.entries(payload);
        let payload = payload.as_ref();
        let recorded: Option<Run> = match payload.dry_run {
            true => None,
            false => ledger::load_run(ctx.pool, &integration.id, &ctx.job.idempotency_key).await?,
        };
        let (run, attempt) = match recorded {
            Some(run) => {
                tracing::info!(export_id = %payload.export_id, "resuming the export's recorded plan");
                let places = run.plan.buckets.iter().map(|b| (b.key.company, b.key.employee, b.key.period)).collect();
                let attempt = AttemptReads::load(ctx, places).await?;
                (run, attempt)
            }
            None => self.plan(ctx, payload, api.as_ref(), &links).await?,
        };
        if payload.dry_run {
            let Run { plan, refused, proof } = run;
            let none = Written::default();
            return Ok(report::output(
                payload,
                &plan,
                refused,
                &BTreeMap::new(),
                Tally::default(),
                &none,
                &proof,
                ctx.max_event_bytes,
            ));
        }
        self.apply(ctx, payload, run, attempt, api.as_ref()).await
    }
}

/// What one attempt read from its tables, once: the bucket rows of its places and the
/// unsettled ones of the integration, and the ledger of the places of both.
struct AttemptReads {
    rows: BTreeMap<BucketKey, BucketState>,
    ledger: Ledger,
    linked: BTreeSet<CompanyId>,
}

impl AttemptReads {
    async fn load(ctx: &JobContext<'_>, mut places: Places) -> Result<Self, JobError> {
        let (pool, id) = (ctx.pool, ctx.job.integration.id.as_str());
        let linked: BTreeSet<CompanyId> = ctx.job.integration.venues.iter().map(|v| v.nmbrs_company_id).collect();
        let rows = buckets::load_for_attempt(pool, id, &places, SWEEP_LIMIT).await?;
        let unsettled = rows.iter().filter(|(_, s)| s.stage != Stage::Settled).map(|(k, _)| k);
        places.extend(swept(unsettled, &BTreeSet::new(), &linked).iter().map(|k| (k.company, k.employee, k.period)));
        let ledger = ledger::load_places(pool, id, &places).await?.into_iter().collect();
        Ok(AttemptReads { rows, ledger, linked })
    }
}

impl ExportHours {
    /// Steps 1 and 2: plan from the ledger and Nmbrs' facts, and record it (unless dry run).
    async fn plan(
        &self,
        ctx: &JobContext<'_>,
        payload: &ExportPayload,
        api: &dyn NmbrsApi,
        links: &EmployeeLinks,
    ) -> Result<(Run, AttemptReads), JobError> {
        let integration = &ctx.job.integration;
        let (pool, id) = (ctx.pool, integration.id.as_str());
        let named_ids: Vec<&EntryId> =
            payload.entries.iter().map(|e| &e.entry_id).chain(&payload.withdrawn_entry_ids).collect();
        let named: Ledger = ledger::load_entries(pool, id, &named_ids).await?.into_iter().collect();
        let unrelinked = unrelinked(ctx, links, &named).await?;
        let mut places = employee_periods(payload, &integration.venues, &named);
        if integration.nmbrs.api == crate::credentials::ApiKind::Rest {
            // What the relink left under SOAP ids cannot be read through REST; its entries wait.
            places.retain(|(company, employee, _)| company.soap().is_none() && employee.soap().is_none());
        }
        let companies = places.iter().map(|(company, ..)| *company).collect();
        let facts =
            export_facts::read(api, &companies).await.map_err(|e| JobError::nmbrs(&e, &integration.nmbrs.domain))?;
        let mut attempt = AttemptReads::load(ctx, places.clone()).await?;
        // Proof in Nmbrs (issue 18): what Nmbrs holds of the buckets in these places, before planning.
        let mut proof = Proof { checked: integration.settings.verify_export, ..Proof::default() };
        let mut drifted = Vec::new();
        if proof.checked {
            let expected = attempt
                .rows
                .iter()
                .filter(|(k, s)| {
                    matches!(s.stage, Stage::Settled | Stage::ToWrite)
                        && facts.companies.contains_key(&k.company)
                        && places.contains(&(k.company, k.employee, k.period))
                })
                .map(|(k, s)| (*k, s.clone()))
                .collect();
            let read = export_proof::check(api, pool, id, &expected, self.max_concurrency)
                .await
                .map_err(|stop| stopped(ctx, stop))?;
            drifted = export_proof::absorb_before(&mut proof, read);
            for (key, step) in &drifted {
                if let Some(row) = attempt.rows.get_mut(key) {
                    *row = row.after(step).unwrap_or_else(|_| row.clone());
                }
            }
        }
        let applied = attempt.rows.iter().map(|(key, state)| (*key, state.applied.clone())).collect();
        let planned = plan(&PlanInput {
            payload,
            venues: &integration.venues,
            settings: &integration.settings,
            companies: &facts.companies,
            ledger: &attempt.ledger,
            applied: &applied,
            edge: edge_of(api),
            unrelinked: &unrelinked,
        });
        let refused = facts.unread.iter().map(|(company, failure)| export_facts::report(*company, failure)).collect();
        tracing::info!(
            export_id = %payload.export_id, entries = payload.entries.len(), buckets = planned.buckets.len(),
            writes = planned.writes().count(), "export planned"
        );
        let run = Run { plan: planned, refused, proof };
        if !payload.dry_run {
            let writing =
                run.plan.buckets.iter().filter_map(|b| Some((b.key.company.soap()?, b.key.employee.soap()?))).collect();
            capture::for_export(ctx, api, &writing).await;
            let key = (id, ctx.job.idempotency_key.as_str(), payload.export_id.as_str());
            // The rows found drifted take what Nmbrs holds in the same transaction as the plan.
            let mut tx = pool.begin().await?;
            for (bucket, step) in &drifted {
                buckets::record(&mut tx, id, bucket, step).await?;
            }
            ledger::record_plan_in(&mut tx, key, &run.plan, &run).await?;
            tx.commit().await?;
            crash_point(AFTER_PLAN);
            // The rows and the ledger as they stand now, without reading them again.
            for bucket in run.plan.writes() {
                if let Some(row) = attempt.rows.get_mut(&bucket.key) {
                    row.ledger_changed(bucket.unprotected);
                } else {
                    let row =
                        BucketState { stage: Stage::ToWrite, unprotected: bucket.unprotected, ..Default::default() };
                    attempt.rows.insert(bucket.key, row);
                }
            }
            attempt.ledger = run.plan.ledger.clone();
        }
        Ok((run, attempt))
    }

    /// Step 3 and 4: settle every bucket of the plan (and the unsettled ones of earlier jobs).
    async fn apply(
        &self,
        ctx: &JobContext<'_>,
        payload: &ExportPayload,
        mut run: Run,
        attempt: AttemptReads,
        api: &dyn NmbrsApi,
    ) -> Result<JobOutput, JobError> {
        let (pool, id) = (ctx.pool, ctx.job.integration.id.as_str());
        let values = attempt.ledger.bucket_values();
        let now = AttemptState { rows: &attempt.rows, values: &values, linked: &attempt.linked, edge: edge_of(api) };
        let Work { buckets: work, without_row, owned: mut component_ids } = work(&mut run.plan, now);
        buckets::ensure_rows(pool, id, &without_row).await?;
        tracing::info!(export_id = %payload.export_id, buckets = work.len(), "writing buckets to Nmbrs");
        let wanted: BTreeMap<BucketKey, rust_decimal::Decimal> = work.iter().map(|w| (w.key, w.wanted)).collect();
        let (results, ended) = self.write(ctx, api, work).await;
        let mut written = fold(results, &mut run.plan, &mut component_ids);
        let mut total_calls = ledger::add_write_calls(pool, id, &ctx.job.idempotency_key, written.write_calls).await?;
        if let Some(stop) = written.stop.take() {
            tracing::warn!(write_calls = written.write_calls, "export stopped; a retry resumes where it stands");
            return Err(stopped(ctx, stop));
        }
        if let Some((key, cause)) = written.later.first() {
            let n = written.later.len();
            tracing::warn!(buckets = n, bucket = ?key, error = %cause, "lost write replies to resolve; retrying the job later");
            let message = format!(
                "{n} write replies were lost (an insert not in Nmbrs yet, or an update to repeat); resolving them later ({cause})"
            );
            return Err(JobError::transient("nmbrs_outcome_pending", message));
        }
        if run.proof.checked {
            // Read after writing: every bucket written, and those of the plan not proven before.
            let not_held: BTreeSet<BucketKey> =
                run.plan.buckets.iter().filter(|b| b.held.is_none()).map(|b| b.key).collect();
            let mut check: BTreeMap<BucketKey, (rust_decimal::Decimal, BucketState)> = ended
                .into_iter()
                .filter(|(k, _)| not_held.contains(k))
                .map(|(k, state)| (k, (wanted[&k], state)))
                .collect();
            for b in run.plan.buckets.iter().filter(|b| b.held.is_none()) {
                let proven = run.proof.verified.contains(&b.key) || run.proof.unreadable.contains(&b.key);
                if !proven && !check.contains_key(&b.key) {
                    let state = attempt.rows.get(&b.key).cloned().unwrap_or_default();
                    check.insert(b.key, (b.value, state));
                }
            }
            let confirmed = export_proof::confirm(api, pool, id, &mut run.proof, check, self.max_concurrency).await;
            total_calls = ledger::add_write_calls(pool, id, &ctx.job.idempotency_key, confirmed.write_calls).await?;
            if let Some(stop) = confirmed.stop {
                // What was proven so far stays with the run: the retry checks only the rest.
                ledger::record_proof(pool, id, &ctx.job.idempotency_key, &run.proof).await?;
                tracing::warn!("the check after writing stopped; a retry checks what is left");
                return Err(stopped(ctx, stop));
            }
            crash_point(export_proof::AFTER_CONFIRM);
        }
        let Run { plan, refused: companies, proof } = run;
        let tally = Tally::after_writes(&plan, total_calls);
        let mut output =
            report::output(payload, &plan, companies, &component_ids, tally, &written, &proof, ctx.max_event_bytes);
        for &operation in &written.missing_rights {
            let facts = NoticeFacts {
                domain: &ctx.job.integration.nmbrs.domain,
                operation,
                company_id: None,
                ..Default::default()
            };
            output
                .events
                .extend(notification(ErrorKind::MissingRight { operation }, facts).as_ref().map(Notification::draft));
        }
        Ok(output)
    }

    /// Writes the buckets, at most twice the Nmbrs concurrency at once: while one bucket records
    /// a step, another's call can use its slot (the client still holds calls to
    /// `max_concurrency`). After a failure that stops the job, buckets not started are left for
    /// the retry; those in flight finish their step.
    async fn write(
        &self,
        ctx: &JobContext<'_>,
        api: &dyn NmbrsApi,
        work: Vec<BucketWork>,
    ) -> (Vec<(BucketKey, Result<BucketResult, Stop>)>, BTreeMap<BucketKey, BucketState>) {
        let (pool, integration, total) = (ctx.pool, ctx.job.integration.id.as_str(), work.len());
        let (settled, stopped) = (&AtomicU64::new(0), &AtomicBool::new(false));
        let snapshots = &Snapshots::default();
        type Ended = (BucketKey, Result<BucketResult, Stop>, Option<BucketState>);
        let results: Vec<Option<Ended>> = futures::stream::iter(work)
            .map(|work| async move {
                if stopped.load(Ordering::Relaxed) {
                    return None;
                }
                let key = work.key;
                let write = BucketWrite { api, pool, integration, work, snapshots };
                let (result, state) = match write.apply_keeping().await {
                    Ok((result, state)) => (Ok(result), Some(state)),
                    Err(stop) => (Err(stop), None),
                };
                if result.is_err() {
                    stopped.store(true, Ordering::Relaxed);
                }
                report::progress(ctx.metrics, &result, settled.fetch_add(1, Ordering::Relaxed) + 1, total);
                Some((key, result, state))
            })
            .buffer_unordered(2 * self.max_concurrency.max(1))
            .collect()
            .await;
        let mut ended = BTreeMap::new();
        let mut out = Vec::new();
        for (key, result, state) in results.into_iter().flatten() {
            // Only a bucket settled by this write is read back after writing.
            if let (Ok(BucketResult { end: crate::domain::export::result::BucketEnd::Done { .. }, .. }), Some(state)) =
                (&result, state)
            {
                ended.insert(key, state);
            }
            out.push((key, result));
        }
        (out, ended)
    }
}

/// The job error of a failure that stopped the export (a retry resumes where it stands).
fn stopped(ctx: &JobContext<'_>, stop: Stop) -> JobError {
    match stop {
        Stop::Database(e) => e.into(),
        Stop::Nmbrs(e) => JobError::nmbrs(&e, &ctx.job.integration.nmbrs.domain),
        Stop::Unsettled(key) => {
            JobError::transient("export_bucket_unsettled", format!("bucket {key:?} did not settle"))
        }
    }
}

/// On REST after a switch, what the relink left under SOAP ids (`domain::export::plan::Unrelinked`):
/// the periods holding buckets of employees it could not recognise, the employees it linked,
/// the (employee, period) whose SOAP twin still has buckets there, and the entries `named`
/// whose contributions are still SOAP-keyed. Empty on SOAP.
async fn unrelinked(ctx: &JobContext<'_>, links: &EmployeeLinks, named: &Ledger) -> Result<Unrelinked, JobError> {
    if ctx.job.integration.nmbrs.api != crate::credentials::ApiKind::Rest {
        return Ok(Unrelinked::default());
    }
    let soap_keyed = |k: &BucketKey| k.employee.soap().is_some() || k.company.soap().is_some();
    let entries = named.iter().filter(|c| soap_keyed(&c.bucket)).map(|c| c.entry_id.clone()).collect();
    let left = buckets::soap_keyed(ctx.pool, &ctx.job.integration.id).await?;
    let mut held = Unrelinked { entries, linked: links.linked(), ..Default::default() };
    for key in left {
        let rest = links.rest_id_for(key.employee);
        match rest.0.rest() {
            Some(_) => held.twins.insert((rest, key.period)),
            None => held.periods.insert(key.period),
        };
    }
    Ok(held)
}
