//! The relink at an integration's first REST job (issue 10, CONTRACT §5.4): the SOAP-era state
//! (ledger rows and identities keyed by SOAP integers) is matched to the REST UUIDs of the same
//! companies, employees and component lines, once, so that the first REST export recognises
//! every component the worker wrote through SOAP and never inserts a second one.
//!
//! [`relink_step`] is every job's step right after it connected: on REST it calls
//! [`relink_if_needed`] and loads the [`EmployeeLinks`]; on SOAP it does nothing.
//!
//! [`relink_if_needed`] runs under the integration's export lock ([`LockKey::export`]; an
//! `ExportHours` job already holds it through `ExportHours::exclusive`). It reads through REST:
//! the companies (numbers), each venue company's current period, and per SOAP-era company
//! that links, its employees, their BSNs (hashed exactly as the capture does:
//! [`BsnHasher`] under the ring key each recorded hash names) and the lines of the open
//! periods its buckets need. The rules are `domain::relink`. Each SOAP-era company is one step
//! (`company:<SOAP id>`), written in one transaction with its recovery point
//! (`store::relink::apply_step`): its id links, its open-period bucket rows rewritten to REST
//! ids (or put in doubt), its open-period contributions moved. Closed periods keep their SOAP
//! rows. A relink that fails or dies between steps resumes after the last step on the next
//! job; once finished it never runs again.
//!
//! [`EmployeeLinks`] (`switch::links`, re-exported here) is the lookup the team sync and export
//! use for members and entries that still carry a SOAP-era integer id.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::PgPool;
use uuid::Uuid;

pub use super::links::EmployeeLinks;
pub use super::report::RelinkReport;
use super::report::count;
use crate::jobs::run::{context::JobContext, error::JobError};
use crate::{
    bsn_hash::BsnHasher,
    credentials::KeyRing,
    domain::{
        export::{
            contributions::{BucketKey, Component},
            stage::Stage,
        },
        integration::Venue,
        nmbrs_id::NmbrsId,
        relink::{
            self, ComponentVerdict, KeyedHash, RestCompanyNumber, RestEmployeeFacts, RestLine, SoapEmployee,
            link_companies, link_employees, period_is_open, relink_component, row_after, unlinked_verdict,
        },
        team::Bsn,
    },
    envelope::JobType,
    failpoint::crash_point,
    nmbrs::{
        CompanyId, EmployeeId, HourCode, NmbrsError, PayPeriod, WageCode,
        rest::{CompanyUuid, EmployeeUuid, RestClient},
    },
    store::{
        AdvisoryLock, LockKey,
        relink::{self as store, ContributionMove, IdLink, LinkKind, RowRewrite, SoapRow, StepWrite},
    },
};

/// Crash point after each committed step (`FAILPOINTS="relink.after_step=return"`).
pub const FAILPOINT_AFTER_STEP: &str = "relink.after_step";
/// Failpoint after each committed step that ends the relink with a transient error instead
/// (an interruption within one process, for tests).
pub const FAILPOINT_ERROR_AFTER_STEP: &str = "relink.error_after_step";

/// Whether the caller already holds the integration's export lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportLock {
    /// An `ExportHours` job: the pipeline holds it for the job (`ExportHours::exclusive`).
    HeldByJob,
    /// Any other job: the relink takes it (and waits for a running export).
    Acquire,
}

/// The relink step of a job, right after it connected and before it reads anything: on REST
/// (`rest` is the job's REST client) relinks the SOAP-era state first (once per integration;
/// after that one query) and loads the employee links; on SOAP (`None`) no links.
pub async fn relink_step(ctx: &JobContext<'_>, rest: Option<&RestClient>) -> Result<EmployeeLinks, JobError> {
    let Some(rest) = rest else { return Ok(EmployeeLinks::default()) };
    relink_if_needed(ctx, rest, &ctx.job.integration.venues).await?;
    EmployeeLinks::load(ctx.pool, &ctx.job.integration.id).await
}

/// Relinks the integration's SOAP-era state once, at its first `rest` job (module doc). Call it
/// at the start of every `rest` job, before anything is read or written by SOAP-era ids; after
/// the relink finished it costs one query.
pub async fn relink_if_needed(
    ctx: &JobContext<'_>,
    rest: &RestClient,
    venues: &[Venue],
) -> Result<RelinkReport, JobError> {
    let lock = match ctx.job.kind {
        JobType::ExportHours => ExportLock::HeldByJob,
        JobType::SyncTeam | JobType::Deactivate | JobType::CheckIntegration => ExportLock::Acquire,
    };
    let integration = &ctx.job.integration;
    relink(ctx.pool, ctx.keys, (&integration.id, &integration.nmbrs.domain), rest, venues, lock).await
}

/// [`relink_if_needed`] with its parts named: `(integration id, Nmbrs domain)`.
pub async fn relink(
    pool: &PgPool,
    keys: &KeyRing,
    (integration, domain): (&str, &str),
    rest: &RestClient,
    venues: &[Venue],
    lock: ExportLock,
) -> Result<RelinkReport, JobError> {
    if store::finished(pool, integration).await? {
        return Ok(RelinkReport::default());
    }
    let _lock = match lock {
        ExportLock::Acquire => Some(AdvisoryLock::acquire(pool, LockKey::export(integration)).await?),
        ExportLock::HeldByJob => None,
    };
    if store::finished(pool, integration).await? {
        return Ok(RelinkReport::default());
    }
    let mut report = RelinkReport { ran: true, ..Default::default() };
    if !venues.iter().any(|v| v.nmbrs_company_id.0.rest().is_some()) {
        // Venues still on SOAP ids: nothing to link to, and judging every company unlinked
        // would put all their buckets in doubt. The monolith switches venues with `api`.
        return Err(JobError::permanent(
            "relink_without_rest_venues",
            "the integration is on REST but none of its venues names a REST company id",
        ));
    }
    if store::has_soap_state(pool, integration).await? {
        store::start(pool, integration).await?;
        let run = Run { pool, keys, integration, domain, rest, nmbrs: |e: NmbrsError| JobError::nmbrs(&e, domain) };
        run.steps(venues, &mut report).await?;
    }
    let json = serde_json::to_value(&report).expect("a report serialises");
    store::finish(pool, integration, &json).await?;
    tracing::info!(
        companies = report.companies_linked,
        employees = report.employees_linked,
        adopted = report.components_adopted,
        in_doubt = report.in_doubt.len(),
        "SOAP→REST relink finished"
    );
    Ok(report)
}

struct Run<'a, F> {
    pool: &'a PgPool,
    keys: &'a KeyRing,
    integration: &'a str,
    domain: &'a str,
    rest: &'a RestClient,
    nmbrs: F,
}

/// The SOAP-era state read once per run.
struct SoapState {
    employees: BTreeMap<i32, Vec<SoapEmployee>>,
    rows: BTreeMap<i32, Vec<SoapRow>>,
}

impl<F: Fn(NmbrsError) -> JobError> Run<'_, F> {
    async fn steps(&self, venues: &[Venue], report: &mut RelinkReport) -> Result<(), JobError> {
        let (pool, integration) = (self.pool, self.integration);
        let numbers = store::company_numbers(pool, integration).await?;
        let employees = store::soap_employees(pool, integration).await?;
        let mut rows: BTreeMap<i32, Vec<SoapRow>> = BTreeMap::new();
        for row in store::soap_rows(pool, integration).await? {
            rows.entry(row.company).or_default().push(row);
        }
        let mut companies: BTreeSet<i32> = store::contribution_companies(pool, integration).await?;
        companies
            .extend(numbers.iter().map(|c| c.company_id).chain(employees.keys().copied()).chain(rows.keys().copied()));
        let done = store::done_steps(pool, integration).await?;

        let venue_companies: BTreeSet<Uuid> = venues.iter().filter_map(|v| v.nmbrs_company_id.0.rest()).collect();
        let listed = self.rest.companies().await.map_err(&self.nmbrs)?;
        let venue_numbers: Vec<RestCompanyNumber> = venue_companies
            .iter()
            .map(|&id| RestCompanyNumber {
                id,
                // The company number as read: 0 when REST's string was not a SOAP number.
                number: listed.items.iter().find(|c| c.id.0.rest() == Some(id)).map(|c| c.number).filter(|n| *n != 0),
            })
            .collect();
        let mut current: BTreeMap<Uuid, PayPeriod> = BTreeMap::new();
        for &company in &venue_companies {
            // A venue company outside the consent is named in its `nmbrs.no_access`.
            let period = self.rest.current_period(CompanyUuid(company)).await;
            let period = period.map_err(|e| JobError::nmbrs_at(&e, self.domain, Some(NmbrsId::Uuid(company))))?;
            current.insert(company, period.period);
        }
        let links = link_companies(&companies, &numbers, &venue_numbers);
        let state = SoapState { employees, rows };
        // An unlinked company's own current period is unknown: the earliest of the venue
        // companies nothing linked to (its venue's company is one of them), else of all.
        let claimed: BTreeSet<&Uuid> = links.linked.values().collect();
        let unclaimed = current.iter().filter(|(id, _)| !claimed.contains(id)).map(|(_, p)| *p).min();
        let earliest = unclaimed.or_else(|| current.values().min().copied());
        for company in companies {
            let step = format!("company:{company}");
            if done.contains(&step) {
                report.steps_resumed += 1;
                continue;
            }
            let write = match links.linked.get(&company) {
                Some(&rest) => self.linked_company(company, rest, current[&rest], &state, report).await?,
                None => unlinked_company(company, earliest, &state, report),
            };
            store::apply_step(pool, integration, &StepWrite { step, ..write }).await?;
            crash_point(FAILPOINT_AFTER_STEP);
            if fail::eval(FAILPOINT_ERROR_AFTER_STEP, |_| ()).is_some() {
                return Err(JobError::transient("relink_interrupted", "failpoint: the relink stops after a step"));
            }
        }
        report.companies_linked = links.linked.len();
        report.companies_unlinked = links.unlinked.into_iter().collect();
        Ok(())
    }

    /// One linked company's step: employees, then its open-period rows.
    async fn linked_company(
        &self,
        soap: i32,
        rest: Uuid,
        current: PayPeriod,
        state: &SoapState,
        report: &mut RelinkReport,
    ) -> Result<StepWrite, JobError> {
        let soap_employees = state.employees.get(&soap).map(Vec::as_slice).unwrap_or_default();
        let facts = self.rest_employees(rest, soap_employees).await?;
        let employees = link_employees(soap_employees, &facts);
        let mut write = StepWrite::default();
        write.links.push(IdLink { kind: LinkKind::Company, soap, rest });
        for (&soap_employee, &(rest_employee, _)) in &employees {
            write.links.push(IdLink { kind: LinkKind::Employee, soap: soap_employee, rest: rest_employee });
            let moved =
                ContributionMove { soap: (soap, soap_employee), rest: (rest, rest_employee), from_period: current };
            write.contributions.push(moved);
        }
        report.employees_linked += employees.len();

        let rows = state.rows.get(&soap).map(Vec::as_slice).unwrap_or_default();
        let (open, closed): (Vec<&SoapRow>, Vec<&SoapRow>) =
            rows.iter().partition(|r| period_is_open(r.period, current));
        report.closed_rows_kept += closed.len();
        let lines = self.lines(rest, &open, &employees).await?;
        let mut unlinked = BTreeSet::new();
        for row in open {
            let Some(&(rest_employee, _)) = employees.get(&row.employee) else {
                unlinked.insert(row.employee);
                push_kept(&mut write, row, unlinked_verdict(&row.bucket), report);
                continue;
            };
            let verdict = match lines.get(&(rest_employee, row.period, row.component)) {
                Some(Read::Lines(lines)) => relink_component(&row.bucket, lines),
                Some(Read::Unreadable) => match relink_component(&row.bucket, &[]) {
                    ComponentVerdict::Nothing => ComponentVerdict::Nothing,
                    _ => ComponentVerdict::InDoubt,
                },
                None => relink_component(&row.bucket, &[]),
            };
            count(&verdict, report);
            if let ComponentVerdict::Adopted { soap: line, rest: id } = verdict {
                let kind = match row.component {
                    Component::Wage(_) => LinkKind::WageComponent,
                    Component::Hours(_) | Component::Days => LinkKind::HourComponent,
                };
                write.links.push(IdLink { kind, soap: line, rest: id });
            }
            let (company, employee) = (NmbrsId::Uuid(rest), NmbrsId::Uuid(rest_employee));
            let after = row_after(row.stage, &row.bucket, &verdict);
            if after.stage == Stage::InDoubt {
                report.in_doubt.push(key(row, company, employee));
            }
            write.rows.push(RowRewrite { from: row.clone(), company, employee, after });
        }
        report.employees_unlinked.extend(unlinked);
        Ok(write)
    }

    /// The REST employees of `company` with their number and BSN hashed under each ring key the
    /// SOAP-era rows of the company name.
    async fn rest_employees(&self, company: Uuid, soap: &[SoapEmployee]) -> Result<Vec<RestEmployeeFacts>, JobError> {
        let listed = self.rest.employees(CompanyUuid(company), None).await.map_err(&self.nmbrs)?;
        let key_ids: BTreeSet<&str> = soap.iter().filter_map(|s| s.bsn.as_ref().map(|h| h.key_id.as_str())).collect();
        let hashers: Vec<BsnHasher> = key_ids.into_iter().filter_map(|k| BsnHasher::for_key(self.keys, k)).collect();
        let mut bsns: BTreeMap<Uuid, Vec<KeyedHash>> = BTreeMap::new();
        if !hashers.is_empty() {
            for person in self.rest.bsns(CompanyUuid(company)).await.map_err(&self.nmbrs)?.items {
                let parsed = person.items.iter().filter_map(|b| Bsn::parse(&b.bsn));
                let hashes = parsed.flat_map(|bsn| {
                    hashers.iter().map(move |h| KeyedHash { key_id: h.key_id().to_owned(), hmac: h.hash(&bsn).0 })
                });
                bsns.entry(person.employee_id.0).or_default().extend(hashes);
            }
        }
        Ok(listed
            .items
            .into_iter()
            .map(|e| RestEmployeeFacts {
                id: e.employee_id.0,
                number: e.employee_basic_info.employee_number,
                bsns: bsns.remove(&e.employee_id.0).unwrap_or_default(),
            })
            .collect())
    }

    /// The REST lines the open rows need, by (REST employee, period, component): hours per
    /// employee and period, wages per period for the whole company.
    async fn lines(
        &self,
        company: Uuid,
        open: &[&SoapRow],
        employees: &BTreeMap<i32, (Uuid, relink::LinkedBy)>,
    ) -> Result<BTreeMap<(Uuid, PayPeriod, Component), Read>, JobError> {
        let needs = |r: &&&SoapRow| !r.bucket.owned.is_empty() || r.bucket.pending.is_some();
        let mut hours: BTreeSet<(Uuid, PayPeriod)> = BTreeSet::new();
        let mut wages: BTreeSet<PayPeriod> = BTreeSet::new();
        for row in open.iter().filter(needs) {
            let Some(&(employee, _)) = employees.get(&row.employee) else { continue };
            match row.component {
                Component::Hours(_) => {
                    hours.insert((employee, row.period));
                }
                Component::Wage(_) => {
                    wages.insert(row.period);
                }
                Component::Days => {}
            }
        }
        let mut out: BTreeMap<(Uuid, PayPeriod, Component), Read> = BTreeMap::new();
        for (employee, period) in hours {
            let read = self.rest.variable_hours(EmployeeUuid(employee), period).await.map_err(&self.nmbrs)?;
            let unreadable = !read.unreadable.is_empty();
            // A REST read's line ids are UUIDs (`rest()` is never `None` here).
            for line in read.items {
                let Some(id) = line.id.0.rest() else { continue };
                let rest_line = RestLine { id, value: line.hours.0, comment: line.comment };
                let key = (employee, period, Component::Hours(HourCode(line.hour_code)));
                push_line(&mut out, key, rest_line);
            }
            let rows = open.iter().filter(|r| r.period == period && matches!(r.component, Component::Hours(_)));
            for row in rows.filter(|r| employees.get(&r.employee).is_some_and(|e| e.0 == employee)) {
                mark_read(&mut out, (employee, period, row.component), unreadable);
            }
        }
        for period in wages {
            let read = self.rest.variable_wages(CompanyUuid(company), period).await.map_err(&self.nmbrs)?;
            let unreadable: BTreeSet<Uuid> =
                read.unreadable_employees().into_iter().filter_map(|e| e.0.rest()).collect();
            let anonymous = read.unreadable.iter().any(|u| u.employee_id.is_none());
            for person in read.items {
                for line in person.items {
                    let Some(id) = line.id.0.rest() else { continue };
                    let rest_line = RestLine { id, value: line.value.0, comment: line.comment };
                    push_line(
                        &mut out,
                        (person.employee_id.0, period, Component::Wage(WageCode(line.code))),
                        rest_line,
                    );
                }
            }
            for row in open.iter().filter(|r| r.period == period && matches!(r.component, Component::Wage(_))) {
                if let Some(&(employee, _)) = employees.get(&row.employee) {
                    mark_read(&mut out, (employee, period, row.component), anonymous || unreadable.contains(&employee));
                }
            }
        }
        Ok(out)
    }
}

/// The lines read for one bucket, or a read with unreadable records (a line of the worker's
/// may be among them: nothing is decided from it but in doubt).
enum Read {
    Lines(Vec<RestLine>),
    Unreadable,
}

fn push_line(
    out: &mut BTreeMap<(Uuid, PayPeriod, Component), Read>,
    key: (Uuid, PayPeriod, Component),
    line: RestLine,
) {
    if let Read::Lines(lines) = out.entry(key).or_insert_with(|| Read::Lines(Vec::new())) {
        lines.push(line);
    }
}

/// A bucket's read is `Unreadable` when it had unreadable records, else its (maybe empty) lines.
fn mark_read(
    out: &mut BTreeMap<(Uuid, PayPeriod, Component), Read>,
    key: (Uuid, PayPeriod, Component),
    unreadable: bool,
) {
    match unreadable {
        true => {
            out.insert(key, Read::Unreadable);
        }
        false => {
            out.entry(key).or_insert_with(|| Read::Lines(Vec::new()));
        }
    }
}

fn key(row: &SoapRow, company: NmbrsId, employee: NmbrsId) -> BucketKey {
    BucketKey {
        company: CompanyId(company),
        employee: EmployeeId(employee),
        period: row.period,
        component: row.component,
    }
}

/// A row that keeps its SOAP key: rewritten only when it goes in doubt.
fn push_kept(write: &mut StepWrite, row: &SoapRow, verdict: ComponentVerdict, report: &mut RelinkReport) {
    if verdict != ComponentVerdict::InDoubt {
        return;
    }
    let (company, employee) = (NmbrsId::Int(row.company), NmbrsId::Int(row.employee));
    report.in_doubt.push(key(row, company, employee));
    let after = row_after(row.stage, &row.bucket, &verdict);
    write.rows.push(RowRewrite { from: row.clone(), company, employee, after });
}

/// An unlinked company's step: its rows of periods not before `earliest` (the earliest current
/// period of the venue companies nothing linked to, else of all venues; every row when none is
/// known) that hold something of the worker's go in doubt, under their SOAP keys.
fn unlinked_company(
    company: i32,
    earliest: Option<PayPeriod>,
    state: &SoapState,
    report: &mut RelinkReport,
) -> StepWrite {
    let mut write = StepWrite::default();
    for row in state.rows.get(&company).map(Vec::as_slice).unwrap_or_default() {
        if earliest.is_some_and(|e| !period_is_open(row.period, e)) {
            report.closed_rows_kept += 1;
            continue;
        }
        push_kept(&mut write, row, unlinked_verdict(&row.bucket), report);
    }
    write
}
