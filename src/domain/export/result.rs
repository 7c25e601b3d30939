//! What an export's bucket writes come to (CONTRACT §2.5, §3): the fold from each bucket's end
//! to the plan (buckets held back), the components the worker owns, the write calls, and the
//! status, counts and `errors` of the job's `job.completed`. Pure: the handler writes the
//! buckets (`jobs::export::apply`) and hands their results here; `E` is the edge's error and `S`
//! the failure that stops the job, both only carried and formatted.

use std::{collections::BTreeMap, fmt::Display};

use serde_json::{Value, json};

use super::{
    actions::ComponentLineId,
    contributions::{BucketKey, SkipReason},
    payload::ExportPayload,
    plan::{BucketPlan, HeldBack, Plan},
};
use crate::domain::{
    job_result::{CompletionStatus, ErrorItem},
    nmbrs_failure::BucketOutcome,
};

/// How the write of one bucket ended; `E` is the edge's error.
#[derive(Debug)]
pub enum BucketEnd<E> {
    /// Nmbrs holds the ledger value; the worker's component after it (none for days or zero).
    Done { component: Option<ComponentLineId> },
    /// An insert may or may not have landed and cannot be read back: stopped for a person.
    /// `missing_right` names the read-back operation Nmbrs refused, if that was the reason.
    InDoubt { missing_right: Option<&'static str> },
    /// Nmbrs refused this bucket's write (e.g. period closed meanwhile, employee gone, no
    /// access to the company any more); the bucket stays dirty and is written by a later export.
    Refused(E),
    /// An insert's reply was lost and the read-back does not show it (yet): the intent stays
    /// recorded and a later attempt of the job reads it back; or an in-place update's reply was
    /// lost: a later attempt repeats it (`E`: the transport failure).
    Later(E),
    /// A line of the period that may be of the bucket's code could not be read: nothing was
    /// inserted next to it (CONTRACT §2.3, `unreadable_record`); the bucket stays dirty and a
    /// later export writes it. `operation` read the line, `field` could not be read.
    Unreadable { operation: &'static str, field: String },
}

/// One bucket's write: how it ended and the write calls it made.
#[derive(Debug)]
pub struct BucketResult<E> {
    pub end: BucketEnd<E>,
    pub write_calls: u64,
}

impl<E> BucketResult<E> {
    /// Its `outcome` label on the `export_buckets` metric.
    pub fn metric_label(&self) -> &'static str {
        match self.end {
            BucketEnd::Done { .. } if self.write_calls > 0 => "written",
            BucketEnd::Done { .. } => "unchanged",
            BucketEnd::InDoubt { .. } => "in_doubt",
            BucketEnd::Refused(_) => "refused",
            BucketEnd::Later(_) => "later",
            BucketEnd::Unreadable { .. } => "unreadable",
        }
    }
}

/// What the writes of one attempt came to ([`fold`]).
#[derive(Debug)]
pub struct Written<E, S> {
    /// Write calls of this attempt.
    pub write_calls: u64,
    /// The first failure that stopped the job.
    pub stop: Option<S>,
    /// Buckets Nmbrs refused, in the order their results came.
    pub refused: Vec<(BucketKey, E)>,
    /// Lost inserts (or updates) to resolve in a later attempt.
    pub later: Vec<(BucketKey, E)>,
    /// The read-back operations Nmbrs refused, each once.
    pub missing_rights: Vec<&'static str>,
    /// Buckets not inserted next to an unreadable line: (bucket, read operation, field).
    pub unreadable: Vec<(BucketKey, &'static str, String)>,
}

impl<E, S> Default for Written<E, S> {
    fn default() -> Self {
        Self {
            write_calls: 0,
            stop: None,
            refused: Vec::new(),
            later: Vec::new(),
            missing_rights: Vec::new(),
            unreadable: Vec::new(),
        }
    }
}

/// Folds the results of an attempt's bucket writes: marks the buckets held back in `plan` (in
/// doubt, refused, unreadable), records each written bucket's component in `component_ids`, and
/// sums up the rest.
pub fn fold<E, S>(
    results: impl IntoIterator<Item = (BucketKey, Result<BucketResult<E>, S>)>,
    plan: &mut Plan,
    component_ids: &mut BTreeMap<BucketKey, ComponentLineId>,
) -> Written<E, S> {
    let mut written = Written::default();
    // Held back in one pass at the end (`Plan::hold_back`): linear in the buckets.
    let mut marks = Vec::new();
    for (key, result) in results {
        let BucketResult { end, write_calls } = match result {
            Err(stop) => {
                written.stop = written.stop.or(Some(stop));
                continue;
            }
            Ok(result) => result,
        };
        written.write_calls += write_calls;
        match end {
            BucketEnd::Done { component: Some(c) } => drop(component_ids.insert(key, c)),
            BucketEnd::Done { component: None } => {}
            BucketEnd::InDoubt { missing_right } => {
                marks.push((key, SkipReason::InDoubt));
                let new = missing_right.filter(|op| !written.missing_rights.contains(op));
                written.missing_rights.extend(new);
            }
            BucketEnd::Refused(err) => {
                marks.push((key, SkipReason::NmbrsRefused));
                written.refused.push((key, err));
            }
            BucketEnd::Later(cause) => written.later.push((key, cause)),
            BucketEnd::Unreadable { operation, field } => {
                marks.push((key, SkipReason::UnreadableRecord));
                written.unreadable.push((key, operation, field));
            }
        }
    }
    plan.hold_back(&marks);
    written
}

/// What a job wrote: the Nmbrs write operations of all its attempts (the client's own retries
/// of one call not counted separately), and the buckets brought to a new value.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub write_calls: u64,
    pub buckets_written: u64,
}

impl Tally {
    /// After the writes: `write_calls` of every attempt, and the buckets of `plan` written and
    /// not held back.
    pub fn after_writes(plan: &Plan, write_calls: u64) -> Self {
        let buckets_written = plan.buckets.iter().filter(|b| b.action.writes() && b.held.is_none()).count() as u64;
        Tally { write_calls, buckets_written }
    }
}

/// The `scope` of an error about one bucket.
pub fn bucket_scope(key: &BucketKey) -> Value {
    json!({"nmbrs_company_id": key.company.0, "nmbrs_employee_id": key.employee.0,
           "component": key.component.label(), "code": key.component.code(),
           "period": {"year": key.period.year, "number": key.period.period}})
}

/// The status, counts and `errors` of an export's `job.completed`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportResult {
    pub status: CompletionStatus,
    pub counts: BTreeMap<String, u64>,
    /// In order: buckets in doubt, unidentified employees, companies that could not be read,
    /// buckets Nmbrs refused, buckets held back by an unreadable line.
    pub errors: Vec<ErrorItem>,
}

/// The result of a finished (or dry) export: `partial` when planning held something back, a
/// company could not be read (`refused_companies`, already as `errors` items), or a bucket's
/// write was refused or held back by an unreadable line (`written`; empty for a dry run).
pub fn export_result<E: Display, S>(
    payload: &ExportPayload,
    plan: &Plan,
    refused_companies: Vec<ErrorItem>,
    tally: Tally,
    written: &Written<E, S>,
) -> ExportResult {
    let mut status = plan.status;
    if !refused_companies.is_empty() || !written.refused.is_empty() || !written.unreadable.is_empty() {
        status = CompletionStatus::Partial;
    }
    let mut errors = Vec::new();
    let in_doubt: Vec<&BucketPlan> = plan.buckets.iter().filter(|b| b.held == Some(HeldBack::InDoubt)).collect();
    for bucket in &in_doubt {
        let message = "the insert's reply was lost and it could not be read back; check the bucket in Nmbrs".into();
        errors.push(ErrorItem { code: "export.in_doubt".into(), message, scope: bucket_scope(&bucket.key) });
    }
    for (company, employee) in &plan.unidentified {
        let message = format!(
            "Employee {employee} is not in company {company}'s employee list, which holds records whose employee id could not be read; one may be this employee, so its entries were skipped"
        );
        let scope = json!({"nmbrs_company_id": company.0, "nmbrs_employee_id": employee.0, "field": "EmployeeId"});
        errors.push(ErrorItem { code: "unreadable_record".into(), message, scope });
    }
    errors.extend(refused_companies);
    for (key, err) in &written.refused {
        let code = BucketOutcome::Refused.code().into();
        errors.push(ErrorItem { code, message: err.to_string(), scope: bucket_scope(key) });
    }
    for (key, operation, field) in &written.unreadable {
        let message = format!(
            "{operation} listed a line whose {field} could not be read and that may be of this bucket's code; the bucket was not written next to it (a later export writes it)"
        );
        errors.push(ErrorItem { code: "unreadable_record".into(), message, scope: bucket_scope(key) });
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
    let mut counts: BTreeMap<String, u64> = counts.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    if payload.dry_run {
        counts.insert("would_write".into(), plan.writes().count() as u64);
    }
    ExportResult { status, counts, errors }
}

#[cfg(test)]
#[path = "result_tests.rs"]
mod tests;
