//! What an export tells: `hours.exported`, its notifications and `job.completed` (CONTRACT §3;
//! its status, counts and errors are decided in `domain::export::result`), and its progress
//! while it writes (logs and metrics).

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde_json::json;

use super::apply::{BucketResult, Stop};
use crate::{
    domain::events::{EventDraft, EventType, Notification},
    domain::export::{
        actions::ComponentLineId,
        contributions::BucketKey,
        payload::ExportPayload,
        plan::{CompletionStatus, Plan},
        proof::Proof,
        result::{Tally, Written, bucket_scope, export_result},
    },
    domain::job_result::ErrorItem,
    jobs::run::context::JobOutput,
    metrics::Metrics,
    nmbrs::{CompanyId, NmbrsError},
};

/// Counts a bucket whose write ended in the metrics and logs every 10 % of a long export.
pub fn progress<E>(metrics: &Metrics, result: &Result<BucketResult, E>, done: u64, total: usize) {
    metrics.export_bucket(result.as_ref().map_or("stopped", BucketResult::metric_label));
    let step = (total as u64 / 10).max(1);
    if done.is_multiple_of(step) || done == total as u64 {
        tracing::info!(done, total, "export progress");
    }
}

/// The job output of a finished (or dry) export: `hours.exported`, the plan's notifications,
/// the companies that could not be read (in `errors`, with their notification if any), the
/// buckets the writes held back (`written`, empty for a dry run), and the counts.
/// `hours.exported` stays within `max_event_bytes` (`NMBRS_WORKER_MAX_EVENT_BYTES`): its lists
/// are cut to fit and say so (`Plan::hours_exported`).
#[allow(
    clippy::too_many_arguments,
    reason = "the parts of one export's result and the event bound; a bundle would only rename them"
)]
pub fn output(
    payload: &ExportPayload,
    plan: &Plan,
    refused_companies: Vec<(Option<Notification>, ErrorItem)>,
    component_ids: &BTreeMap<BucketKey, ComponentLineId>,
    tally: Tally,
    written: &Written<NmbrsError, Stop>,
    proof: &Proof,
    max_event_bytes: usize,
) -> JobOutput {
    let (notices, items): (Vec<_>, Vec<_>) = refused_companies.into_iter().unzip();
    let result = export_result(payload, plan, items, tally, written);
    let mut out = JobOutput::succeeded();
    (out.status, out.counts, out.errors) = (result.status, result.counts, result.errors);
    // Proof in Nmbrs (issue 18): per bucket `verified` (+ `reason`) and `drift`, the counts,
    // a refused read named once per company, a bucket that failed its check.
    let held: BTreeSet<BucketKey> = plan.buckets.iter().filter(|b| b.held.is_some()).map(|b| b.key).collect();
    let budget = crate::events::payload_budget(max_event_bytes);
    let exported =
        plan.hours_exported(payload, component_ids, |key, held| proof.report(key, payload.dry_run, held), budget);
    for (name, n) in proof.counts(plan.buckets.iter().map(|b| &b.key), payload.dry_run, &held) {
        out.counts.insert(name.into(), n);
    }
    // A refused read is named once per company, with every operation refused.
    let mut refused: BTreeMap<&CompanyId, Vec<&str>> = BTreeMap::new();
    for (company, operation) in &proof.refused_reads {
        refused.entry(company).or_default().push(operation);
    }
    for (company, operations) in refused {
        let message = format!(
            "Nmbrs refused {} for company {company}: its buckets of that kind could not be verified (the export went on)",
            operations.join(", ")
        );
        let scope = json!({"nmbrs_company_id": company.0, "operations": operations});
        out.errors.push(ErrorItem { code: "export.unverified".into(), message, scope });
    }
    let values: BTreeMap<BucketKey, Decimal> = plan.buckets.iter().map(|b| (b.key, b.value)).collect();
    let failed = proof.verification_failed(&values);
    for (notice, (key, _)) in failed.iter().zip(&proof.failed) {
        out.errors.push(ErrorItem {
            code: notice.code.clone(),
            message: notice.message.clone(),
            scope: bucket_scope(key),
        });
        out.status = CompletionStatus::Partial;
    }
    out.events.push(EventDraft::new(EventType::HoursExported, &exported));
    out.events.extend(plan.notifications.iter().map(Notification::draft));
    out.events.extend(notices.iter().flatten().map(Notification::draft));
    if !payload.dry_run {
        out.events.extend(proof.drift_repaired(&values, &held).as_ref().map(Notification::draft));
    }
    out.events.extend(failed.iter().map(Notification::draft));
    out
}
