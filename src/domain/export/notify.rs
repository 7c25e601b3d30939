//! The notifications an export raises (CONTRACT §3), as the project's
//! [`Notification`] (`{level, code, message, params}`; `draft()`
//! makes the event). Messages are English and carry ids, never a BSN.
//!
//! Beyond the contract's list (which says "at least"), the planner adds three codes so a person
//! learns about every configuration skip: `export.invalid_period`, `export.unknown_employee`
//! and `export.unknown_venue`.

use serde_json::{Value, json};

pub use crate::domain::events::{Level, Notification};
use crate::domain::nmbrs::{CompanyId, CurrentPeriod, EmployeeId, PayPeriod};

use super::contributions::{BucketKey, ComponentName};

/// `{"year": …, "number": …}`, the period shape of every event.
pub fn period_json(p: PayPeriod) -> Value {
    json!({"year": p.year, "number": p.period})
}

fn describe(p: PayPeriod) -> String {
    format!("{} period {}", p.year, p.period)
}

/// `export.period_closed`: the company already ran payroll for `period`.
pub fn period_closed(company: CompanyId, period: PayPeriod, current: &CurrentPeriod) -> Notification {
    Notification::new(
        Level::Warning,
        "export.period_closed",
        format!(
            "Company {company} has already run payroll for {} (current period: {}); its hours were not exported.",
            describe(period),
            describe(current.period)
        ),
        json!({"nmbrs_company_id": company.0, "period": period_json(period),
              "current_period": period_json(current.period)}),
    )
}

/// `export.invalid_period` (added): the period number does not exist for the company's type.
pub fn invalid_period(company: CompanyId, period: PayPeriod, current: &CurrentPeriod) -> Notification {
    Notification::new(
        Level::Warning,
        "export.invalid_period",
        format!(
            "{} does not exist for company {company}, which runs {:?} payroll; its hours were not exported.",
            describe(period),
            current.kind
        ),
        json!({"nmbrs_company_id": company.0, "period": period_json(period),
              "period_type": current.kind.token()}),
    )
}

/// `export.not_approved`: `count` entries were not exported because they are not approved.
pub fn not_approved(count: usize) -> Notification {
    Notification::new(
        Level::Info,
        "export.not_approved",
        match count {
            1 => "1 entry was not exported because it is not approved.".to_owned(),
            n => format!("{n} entries were not exported because they are not approved."),
        },
        json!({"count": count}),
    )
}

/// `export.no_code_mapping`: a kind to export has no code in the settings.
pub fn no_code_mapping(kind: &ComponentName) -> Notification {
    Notification::new(
        Level::Warning,
        "export.no_code_mapping",
        format!("No Nmbrs code is set up for {kind}; these hours were not exported."),
        json!({"kind": kind}),
    )
}

/// `export.unknown_code`: a mapped code is in neither of the company's two models.
pub fn unknown_code(company: CompanyId, kind: &ComponentName, code: i32) -> Notification {
    Notification::new(
        Level::Warning,
        "export.unknown_code",
        format!(
            "Code {code} set up for {kind} is not in the hour or wage model of company {company}; \
             these hours were not exported."
        ),
        json!({"nmbrs_company_id": company.0, "kind": kind, "code": code}),
    )
}

/// `export.unknown_employee` (added): Nmbrs does not know the employee in the company.
pub fn unknown_employee(company: CompanyId, employee: EmployeeId) -> Notification {
    Notification::new(
        Level::Warning,
        "export.unknown_employee",
        format!("Employee {employee} is not known in company {company}; their hours were not exported."),
        json!({"nmbrs_company_id": company.0, "nmbrs_employee_id": employee.0}),
    )
}

/// `export.unknown_venue` (added): an entry's venue is not linked to a Nmbrs company.
pub fn unknown_venue(venue: &str) -> Notification {
    Notification::new(
        Level::Warning,
        "export.unknown_venue",
        format!("Venue {venue} is not linked to a Nmbrs company; its hours were not exported."),
        json!({"eitje_venue_id": venue}),
    )
}

/// `export.in_doubt`, for the handler: an insert may or may not have landed and cannot be
/// read back, so the bucket was stopped.
pub fn in_doubt(key: &BucketKey) -> Notification {
    let what = match key.component.code() {
        Some(code) => format!("{} code {code}", key.component.label()),
        None => "worked days".to_owned(),
    };
    Notification::new(
        Level::Error,
        "export.in_doubt",
        format!(
            "Could not verify whether {what} for employee {} in {} was written; check it in Nmbrs.",
            key.employee,
            describe(key.period)
        ),
        json!({"nmbrs_employee_id": key.employee.0, "component": key.component.label(),
              "code": key.component.code(), "period": period_json(key.period)}),
    )
}

#[cfg(test)]
#[path = "notify_tests.rs"]
mod tests;
