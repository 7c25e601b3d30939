//! What an export tells: `hours.exported`, its notifications and the counts and errors of
//! `job.completed` (CONTRACT §3), and its progress while it writes (logs and metrics).

use std::collections::BTreeMap;

use serde_json::json;

use super::apply::{BucketResult, Outcome};
use crate::jobs::{CompletionStatus, ErrorItem, JobOutput};
use crate::{
    domain::export::{
        actions::ComponentLineId,
        contributions::BucketKey,
        payload::ExportPayload,
        plan::{BucketPlan, Plan, Status},
    },
    events::{EventDraft, EventType, Notification},
    metrics::Metrics,
};

/// What a job wrote: the Nmbrs write operations of all its attempts (the client's own retries
/// of one call not counted separately), and the buckets brought to a new value.
#[derive(Debug, Default)]
pub struct Tally {
    pub write_calls: u64,
    pub buckets_written: u64,
}

/// The `scope` of an error about one bucket.
pub fn bucket_scope(key: &BucketKey) -> serde_json::Value {
    json!({"nmbrs_company_id": key.company.0, "nmbrs_employee_id": key.employee.0,
           "component": key.component.label(), "code": key.component.code(),
           "period": {"year": key.period.year, "number": key.period.period}})
}

/// Counts a settled bucket in the metrics and logs every 10 % of a long export.
pub fn progress<E>(metrics: &Metrics, result: &Result<BucketResult, E>, done: u64, total: usize) {
    let outcome = match result {
        Ok(r) => match r.outcome {
            Outcome::Done { .. } if r.write_calls > 0 => "written",
            Outcome::Done { .. } => "unchanged",
            Outcome::InDoubt { .. } => "in_doubt",
            Outcome::Refused(_) => "refused",
            Outcome::Later(_) => "later",
            Outcome::Unreadable { .. } => "unreadable",
        },
        Err(_) => "stopped",
    };
    metrics.export_bucket(outcome);
    let step = (total as u64 / 10).max(1);
    if done.is_multiple_of(step) || done == total as u64 {
        tracing::info!(done, total, "export progress");
    }
}

/// The job output of a finished (or dry) export: `hours.exported`, the plan's notifications,
/// the companies that could not be read (in `errors`, with their notification if any), and
/// the counts.
pub fn output(
    payload: &ExportPayload,
    plan: &Plan,
    refused_companies: Vec<(Option<Notification>, ErrorItem)>,
    component_ids: &BTreeMap<BucketKey, ComponentLineId>,
    tally: Tally,
) -> JobOutput {
    let mut out = JobOutput::succeeded();
    if plan.status == Status::Partial || !refused_companies.is_empty() {
        out.status = CompletionStatus::Partial;
    }
    let in_doubt: Vec<&BucketPlan> = plan.buckets.iter().filter(|b| b.in_doubt).collect();
    for bucket in &in_doubt {
        let message = "the insert's reply was lost and it could not be read back; check the bucket in Nmbrs".into();
        out.errors.push(ErrorItem { code: "export.in_doubt".into(), message, scope: bucket_scope(&bucket.key) });
    }
    for (company, employee) in &plan.unidentified {
        let message = format!(
            "Employee {employee} is not in company {company}'s employee list (Contract_GetAll_AllEmployeesByCompany), which holds records whose EmployeeId could not be read; one may be this employee, so its entries were skipped"
        );
        let scope = json!({"nmbrs_company_id": company.0, "nmbrs_employee_id": employee.0, "field": "EmployeeId"});
        out.errors.push(ErrorItem { code: "unreadable_record".into(), message, scope });
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
    for (notice, item) in refused_companies {
        out.events.extend(notice.as_ref().map(Notification::draft));
        out.errors.push(item);
    }
    out
}
