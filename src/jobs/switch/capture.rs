//! Capturing, while on SOAP, what the switch to REST needs to recognise companies and employees
//! (issue 10, CONTRACT §5.4), from the reads the jobs make anyway:
//! - `SyncTeam` records every employee of its `PersonalInfoContractSalaryAddress` reads (number,
//!   BSN hash) and the company numbers from one `List_GetAll` per sync: no read of the sync
//!   carries a company number, so this is the one added call;
//! - `Deactivate` records the employees of its reads (no added call);
//! - `ExportHours` (not a dry run) reads only what is missing for the buckets it plans
//!   (`domain::identity::missing`): `List_GetAll` when a company's number is not recorded, one
//!   `PersonalInfoContractSalaryAddress` read per company with an employee not recorded. After a
//!   first sync an export makes no added call.
//!
//! Best effort: a failed capture (Nmbrs or the database) is logged and never changes the job's
//! outcome; the next read captures again. The BSN is hashed here (`crate::bsn_hash`, the
//! current ring key) and never logged.

use std::collections::BTreeSet;

use crate::jobs::{run::context::JobContext, team::reads::TeamRead};
use crate::{
    bsn_hash::BsnHasher,
    domain::identity::{self, EmployeeIdentity},
    nmbrs::{CompanyId, NmbrsApi},
    store::identities,
};

/// Whether a team job also reads the company numbers (`List_GetAll`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CompanyNumbers {
    Read,
    Skip,
}

/// After a team read: its employees, and (`Read`) the company numbers.
pub async fn from_team(ctx: &JobContext<'_>, api: &dyn NmbrsApi, read: &TeamRead, numbers: CompanyNumbers) {
    if !on_soap(ctx) {
        return;
    }
    let employees: Vec<EmployeeIdentity> = read
        .companies
        .iter()
        .filter_map(|c| Some(identity::employees(c.company_id.soap()?, &c.snapshots)))
        .flatten()
        .collect();
    record_employees(ctx, &employees).await;
    if numbers == CompanyNumbers::Read {
        record_company_numbers(ctx, api).await;
    }
}

/// Before an export writes: what is missing for the (company, employee) pairs it writes to
/// (SOAP ids: the capture keeps what a SOAP integration needs for its switch to REST).
pub async fn for_export(ctx: &JobContext<'_>, api: &dyn NmbrsApi, writing: &BTreeSet<(i32, i32)>) {
    if !on_soap(ctx) {
        return;
    }
    let (pool, integration) = (ctx.pool, ctx.job.integration.id.as_str());
    let companies: Vec<i32> = writing.iter().map(|(c, _)| *c).collect::<BTreeSet<_>>().into_iter().collect();
    let employees: Vec<i32> = writing.iter().map(|(_, e)| *e).collect();
    let known = futures::try_join!(
        identities::known_companies(pool, integration, &companies),
        identities::known_employees(pool, integration, &employees),
    );
    let (known_companies, known_employees) = match known {
        Ok(known) => known,
        Err(e) => return tracing::warn!(error = %e, "identity capture skipped: the database failed"),
    };
    let missing = identity::missing(writing.iter().copied(), &known_companies, &known_employees);
    if missing.company_numbers {
        record_company_numbers(ctx, api).await;
    }
    for company in missing.employees_of {
        match api.employee_snapshots(CompanyId::from(company)).await {
            Ok(listed) => record_employees(ctx, &identity::employees(company, &listed.items)).await,
            Err(e) => tracing::warn!(company, error = %e, "identity capture: employees not read"),
        }
    }
}

async fn record_company_numbers(ctx: &JobContext<'_>, api: &dyn NmbrsApi) {
    let listed = match api.companies().await {
        Ok(listed) => listed,
        Err(e) => return tracing::warn!(error = %e, "identity capture: company numbers not read"),
    };
    let companies = identity::companies(&listed);
    if let Err(e) = identities::upsert_companies(ctx.pool, &ctx.job.integration.id, &companies).await {
        tracing::warn!(error = %e, "identity capture: company numbers not recorded");
    }
}

async fn record_employees(ctx: &JobContext<'_>, employees: &[EmployeeIdentity]) {
    let hasher = BsnHasher::current(ctx.keys);
    if let Err(e) = identities::upsert_employees(ctx.pool, &ctx.job.integration.id, employees, &hasher).await {
        tracing::warn!(error = %e, "identity capture: employees not recorded");
    }
}

/// The capture keeps what a SOAP integration needs for its switch; a REST one has switched.
fn on_soap(ctx: &JobContext<'_>) -> bool {
    ctx.job.integration.nmbrs.api == crate::credentials::ApiKind::Soap
}
