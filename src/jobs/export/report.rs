//! What an export tells: `hours.exported`, its notifications and `job.completed` (CONTRACT §3;
//! its status, counts and errors are decided in `domain::export::result`), and its progress
//! while it writes (logs and metrics).

use std::collections::BTreeMap;

use super::apply::{BucketResult, Stop};
use crate::{
    domain::export::{
        actions::ComponentLineId,
        contributions::BucketKey,
        payload::ExportPayload,
        plan::Plan,
        result::{Tally, Written, export_result},
    },
    events::{EventDraft, EventType, Notification},
    jobs::{ErrorItem, JobOutput},
    metrics::Metrics,
    nmbrs::NmbrsError,
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
pub fn output(
    payload: &ExportPayload,
    plan: &Plan,
    refused_companies: Vec<(Option<Notification>, ErrorItem)>,
    component_ids: &BTreeMap<BucketKey, ComponentLineId>,
    tally: Tally,
    written: &Written<NmbrsError, Stop>,
    max_event_bytes: usize,
) -> JobOutput {
    let (notices, items): (Vec<_>, Vec<_>) = refused_companies.into_iter().unzip();
    let result = export_result(payload, plan, items, tally, written);
    let mut out = JobOutput::succeeded();
    (out.status, out.counts, out.errors) = (result.status, result.counts, result.errors);
    let budget = crate::events::payload_budget(max_event_bytes);
    out.events.push(EventDraft::new(EventType::HoursExported, &plan.hours_exported(payload, component_ids, budget)));
    out.events.extend(plan.notifications.iter().map(Notification::draft));
    out.events.extend(notices.iter().flatten().map(Notification::draft));
    out
}
