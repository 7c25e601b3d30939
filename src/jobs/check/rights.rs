//! The rights check on each API (CONTRACT §2.6). SOAP: a read right is tested with a harmless
//! read (once, on the first company that could be read, and an employee of it); a write right
//! is what earlier jobs of the integration learned (`store::write_rights`), never tested by
//! writing. REST: the grant's scopes against the scopes the OpenAPI file lists per call.

use std::collections::BTreeMap;

use super::operations::{rest_operations, soap_operation};
use super::venues::CompanyRead;
use crate::domain::check::{
    Check,
    findings::{RightSeen, VenueSeen, right},
    needs::{Need, NeedRow, User},
};
use crate::nmbrs::{CompanyId, EmployeeId, ErrorKind, NmbrsApi, NmbrsError, Operation, PayPeriod};
use crate::store::write_rights::Learned;

/// A right seen through a call's outcome (its error's kind).
fn seen<T>(result: &Result<T, ErrorKind>) -> RightSeen {
    match result {
        Ok(_) => RightSeen::Allowed { at: None },
        Err(kind) => match kind {
            ErrorKind::MissingRight { .. } => RightSeen::Refused { at: None, scope: None },
            ErrorKind::MissingScope { scope, .. } => RightSeen::Refused { at: None, scope: Some(scope.to_string()) },
            kind => RightSeen::Unknown { reason: format!("Nmbrs answered {kind:?}") },
        },
    }
}

/// The SOAP rights of `needs`: `companies` is the outcome of the credentials' `List_GetAll`,
/// `reads` the companies' reads, `learned` what earlier writes learned.
pub async fn soap(
    api: &dyn NmbrsApi,
    needs: &[(NeedRow, Vec<User>)],
    companies: &RightSeen,
    reads: &[CompanyRead],
    learned: &BTreeMap<String, Learned>,
) -> Vec<Check> {
    let first = reads.iter().find_map(|r| match &r.seen {
        VenueSeen::Current(current) => Some((r.company, current.period)),
        _ => None,
    });
    // The contracts of the first readable company test their right and give an employee to
    // ask the reads about one employee with.
    let (mut contracts, mut employee) = (None, None);
    if let Some((company, _)) = first.filter(|_| needs.iter().any(|(r, _)| r.need == Need::Contracts)) {
        let read = api.contracts(company).await;
        employee = read.as_ref().ok().and_then(|c| c.items.first().map(|c| c.employee_id));
        contracts = Some(seen(&read.map_err(|e| e.kind())));
    }
    let mut checks = Vec::new();
    for (row, users) in needs {
        let op = soap_operation(row.need);
        let seen = if row.writes {
            match learned.get(op.name()) {
                Some(l) if l.refused() => RightSeen::Refused { at: l.last_refused_at, scope: None },
                Some(l) if l.last_ok_at.is_some() => RightSeen::Allowed { at: l.last_ok_at },
                _ => RightSeen::Untested,
            }
        } else if row.need == Need::CompanyList {
            companies.clone()
        } else if let Some(seen) = contracts.clone().filter(|_| row.need == Need::Contracts) {
            seen
        } else if let Some(seen) = seen_in_company_reads(op, reads) {
            seen
        } else {
            probe(api, row.need, first, employee).await
        };
        checks.push(right(op.name(), row, users, &seen));
    }
    checks
}

/// The reads about one employee.
fn per_employee(need: Need) -> bool {
    matches!(need, Need::CostPerHour | Need::HoursRead | Need::WagesRead | Need::DaysRead)
}

/// A right the companies' reads already tested: refused in any company, or answered by one.
fn seen_in_company_reads(op: Operation, reads: &[CompanyRead]) -> Option<RightSeen> {
    let models = [
        Operation::HourModelGetHourCodes,
        Operation::HourModel2GetHourCodes,
        Operation::WageModelGetWageCodes,
        Operation::WageModel2GetWageCodes,
    ];
    if op != Operation::CompanyGetCurrentPeriod && !models.contains(&op) {
        return None;
    }
    let failed = reads.iter().flat_map(|r| &r.failed).filter(|e| e.operation() == op);
    if let Some(refused) = failed.map(|e| seen::<()>(&Err(e.kind()))).find(|s| matches!(s, RightSeen::Refused { .. })) {
        return Some(refused);
    }
    let answered = reads.iter().any(|r| match op {
        Operation::CompanyGetCurrentPeriod => matches!(r.seen, VenueSeen::Current(_)),
        _ => r.models.is_ok(),
    });
    answered.then_some(RightSeen::Allowed { at: None })
}

/// The harmless read that tests `need`'s right, on `first` (a readable company and its
/// current period) and `employee` (one of its employees).
async fn probe(
    api: &dyn NmbrsApi,
    need: Need,
    first: Option<(CompanyId, PayPeriod)>,
    employee: Option<EmployeeId>,
) -> RightSeen {
    let Some((company, period)) = first else {
        return RightSeen::Unknown { reason: "no linked company could be read".into() };
    };
    if per_employee(need) && employee.is_none() {
        return RightSeen::Unknown { reason: "the first readable company has no employee to ask about".into() };
    }
    let e = employee.unwrap_or(EmployeeId::int(0)); // unused unless per_employee
    fn kind<T>(r: Result<T, NmbrsError>) -> Result<(), ErrorKind> {
        r.map(|_| ()).map_err(|e| e.kind())
    }
    let outcome = match need {
        Need::EmployeeRecords => kind(api.employee_snapshots(company).await),
        Need::Contracts => kind(api.contracts(company).await),
        Need::Salaries => kind(api.salaries(company).await),
        Need::Schedules => kind(api.schedules(company).await),
        Need::CostPerHour => kind(api.estimated_cost_per_hour(e, period).await),
        Need::HoursRead => kind(api.hour_component_var_get(e, period).await),
        Need::WagesRead => kind(api.wage_component_var_get(e, period).await),
        Need::DaysRead => kind(api.days_var_get(e, period).await),
        other => return RightSeen::Unknown { reason: format!("{other:?} is not tested by a read") },
    };
    seen(&outcome)
}

/// The REST rights of `needs`: each call against the grant's scopes (`None`: the token reply
/// named none, so nothing can be told).
pub fn rest(needs: &[(NeedRow, Vec<User>)], scopes: Option<&[String]>) -> Vec<Check> {
    let mut checks = Vec::new();
    for (row, users) in needs {
        for op in rest_operations(row.need) {
            let seen = match scopes {
                None => RightSeen::Unknown { reason: "the token reply named no scopes".into() },
                Some(granted) if op.allowed_by(granted) => RightSeen::Allowed { at: None },
                Some(_) => RightSeen::Refused { at: None, scope: op.scopes().first().map(|s| s.to_string()) },
            };
            checks.push(right(op.name(), row, users, &seen));
        }
    }
    checks
}
