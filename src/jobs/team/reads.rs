//! Reading a team from Nmbrs, shared by `SyncTeam` and `Deactivate`: one call per company and
//! operation (`*_GetAll_AllEmployeesByCompany`), companies and the operations of one company
//! read one after the other (each response is parsed and dropped before the next is asked
//! for: peak memory, issue 22). Also turns a
//! [`TeamPlan`] into the job's output.
//!
//! Isolation (CONTRACT §2.3): a company whose reads fail outright (no access, a response that
//! cannot be read, the company unknown) is set aside in [`TeamRead::failed`] and the others are
//! still read. Only credentials, a missing right and Nmbrs being unavailable (transient errors)
//! stop the whole read.

use std::collections::{BTreeMap, BTreeSet};

use crate::jobs::run::context::JobOutput;
use crate::{
    domain::events::{EventDraft, Notification},
    domain::{
        nmbrs_failure::{CompanyError, FailureScope, NoticeFacts, Treatment, treat},
        team::{CompanyData, CompanyFailure, TeamList, TeamPlan, UnreadableIn},
    },
    envelope::Venue,
    nmbrs::{CompanyId, EmployeeId, Listed, NmbrsApi, NmbrsError, PerEmployee},
};

/// What a team read produced: the companies read, and those whose reads failed.
pub struct TeamRead {
    pub companies: Vec<CompanyData>,
    pub failed: Vec<(CompanyId, NmbrsError)>,
}

/// Which details to read besides the employees and their contracts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Employees and contracts: enough to tell who left (Deactivate).
    Employment,
    /// Also salaries and schedules (SyncTeam).
    Full,
}

/// The linked companies with the Eitje venues of each, in company id order.
pub fn companies_of(venues: &[Venue]) -> BTreeMap<CompanyId, Vec<String>> {
    let mut out: BTreeMap<CompanyId, Vec<String>> = BTreeMap::new();
    for v in venues {
        let ids = out.entry(v.nmbrs_company_id).or_default();
        if !ids.contains(&v.eitje_venue_id) {
            ids.push(v.eitje_venue_id.clone());
        }
    }
    out
}

/// Whether a failed read concerns only its company (CONTRACT §2.3: "A company whose reads fail
/// outright … the other companies go on"), rather than the whole job: the company scope of the
/// one table (`domain::nmbrs_failure`), and why.
pub fn company_failure(e: &NmbrsError) -> Option<CompanyError> {
    match treat(e.kind(), FailureScope::Company) {
        Treatment::Company(error) => Some(error),
        Treatment::Job(_) | Treatment::Bucket(_) => None,
    }
}

/// Reads every linked company; see the module doc for which failures stop the read.
pub async fn read(api: &dyn NmbrsApi, venues: &[Venue], detail: Detail) -> Result<TeamRead, NmbrsError> {
    let mut read = TeamRead { companies: Vec::new(), failed: Vec::new() };
    for (company_id, eitje_venue_ids) in companies_of(venues) {
        match read_company(api, company_id, eitje_venue_ids, detail).await {
            Ok(company) => read.companies.push(company),
            Err(e) if company_failure(&e).is_some() => read.failed.push((company_id, e)),
            Err(e) => return Err(e),
        }
    }
    Ok(read)
}

async fn read_company(
    api: &dyn NmbrsApi,
    company_id: CompanyId,
    eitje_venue_ids: Vec<String>,
    detail: Detail,
) -> Result<CompanyData, NmbrsError> {
    let company = company_id;
    // One after the other: a big company's SOAP responses (8 MB of XML for 10 000 employees)
    // are then held, with their parse, one at a time, not all four at once.
    let snapshots = api.employee_snapshots(company).await?;
    let contracts = api.contracts(company).await?;
    let (salaries, schedules) = match detail {
        Detail::Employment => (Listed::default(), Listed::default()),
        Detail::Full => (api.salaries(company).await?, api.schedules(company).await?),
    };
    // Records the reader set aside (a field a decision needs could not be read, CONTRACT §2.3):
    // their employees are left out of every list and skipped as `unreadable_record`.
    let mut unreadable = Vec::new();
    for (list, records) in [
        (TeamList::Employees, &snapshots.unreadable),
        (TeamList::Contracts, &contracts.unreadable),
        (TeamList::Salaries, &salaries.unreadable),
        (TeamList::Schedules, &schedules.unreadable),
    ] {
        let source = api.list_name(list);
        unreadable.extend(records.iter().map(|u| UnreadableIn { list, source: source.into(), record: u.clone() }));
    }
    let skipped: BTreeSet<EmployeeId> = unreadable.iter().filter_map(|u| u.record.employee_id).collect();
    fn keep<T>(list: Listed<PerEmployee<T>>, skipped: &BTreeSet<EmployeeId>) -> Vec<PerEmployee<T>> {
        list.items.into_iter().filter(|l| !skipped.contains(&l.employee_id)).collect()
    }
    let mut snapshots = snapshots.items;
    snapshots.retain(|s| !skipped.contains(&s.employee_id));
    Ok(CompanyData {
        company_id,
        eitje_venue_ids,
        snapshots,
        contracts: keep(contracts, &skipped),
        salaries: keep(salaries, &skipped),
        schedules: keep(schedules, &skipped),
        unreadable,
    })
}

/// The companies that could not be read, for the plan, and their notifications: each is named
/// with its company error code of the one table (`nmbrs.no_access`, also notified;
/// `nmbrs.unreadable_response`; …), naming the operation, never the response.
pub fn failures(failed: &[(CompanyId, NmbrsError)]) -> (Vec<EventDraft>, Vec<CompanyFailure>) {
    let mut events = Vec::new();
    let mut out = Vec::new();
    for (company_id, err) in failed {
        let error = company_failure(err).unwrap_or(CompanyError::UnreadableResponse);
        let operation = err.operation();
        let facts = NoticeFacts {
            domain: "",
            operation: operation.name(),
            company_id: Some(company_id.0),
            ..Default::default()
        };
        let notice = error.notice().map(|n| n.notification(facts));
        let message = notice.as_ref().map_or_else(
            || {
                format!(
                    "Company {company_id} could not be read ({operation} failed: {}); its employees were skipped and nobody was judged gone.",
                    failure_kind(err),
                )
            },
            |n| n.message.clone(),
        );
        out.push(CompanyFailure { company_id: *company_id, error, message });
        events.extend(notice.as_ref().map(Notification::draft));
    }
    (events, out)
}

/// A short, value-free description of a company-level failure.
fn failure_kind(err: &NmbrsError) -> &'static str {
    match err {
        NmbrsError::Malformed { .. } => "unreadable response",
        NmbrsError::TooLarge { .. } => "response too large",
        NmbrsError::Fault { .. } => "Nmbrs refused the request",
        _ => "no usable answer",
    }
}

/// The job's output from a plan, with the handler's own notifications (after the plan's events).
pub fn output(plan: TeamPlan, extra_events: Vec<EventDraft>) -> JobOutput {
    let mut out = JobOutput::succeeded();
    out.status = plan.status;
    out.counts = plan.counts;
    out.errors = plan.errors;
    out.events = plan.events;
    out.events.extend(extra_events);
    out
}
