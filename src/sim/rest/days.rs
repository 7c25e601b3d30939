//! Variable days over REST (REST-NOTES §2): `POST /api/employees/{employeeId}/variabledays`
//! on the shared state (SOAP's `DaysVar_Set` / `DaysVar_Get` read and write the same days).
//! A second POST replaces or adds (`days_post`), a negative number is refused or accepted
//! (`negative_days`), and `daysForWageComponentsPerDay` is kept when a POST leaves it out or
//! reset (`days_factor_omitted`); an explicit `null` always clears it (settings in `settings.rs`).

use axum::http::StatusCode;

use super::ctx::{CallContext, OperationReply};
use super::error::RestError;
use super::writes::{body, int, target, writable};
use super::{DaysPost, NegativeDays, Omitted};

/// `POST /api/employees/{employeeId}/variabledays` → 201, no body.
pub fn days_post(ctx: &mut CallContext) -> OperationReply {
    let (employee, company) = ctx.employee()?;
    let b = body(ctx)?;
    let details = &b["periodDetails"];
    let (p, unprotected) = target(ctx, company, &details["period"], &details["unprotectedMode"])?;
    writable(ctx, company, p, unprotected)?;
    let days = int(&b["days"], "days")?.ok_or_else(|| RestError::invalid("days", "days is required"))?;
    let days = i32::try_from(days)
        .ok()
        .filter(|d| *d >= 0 || ctx.settings.negative_days == NegativeDays::Accept)
        .ok_or_else(|| RestError::invalid("days", "days must be 0 or more"))?;
    let factor = match b.get("daysForWageComponentsPerDay") {
        None if ctx.settings.days_factor_omitted == Omitted::Keep => None,
        None => Some(None),
        Some(v) => Some(int(v, "daysForWageComponentsPerDay")?.and_then(|f| i32::try_from(f).ok())),
    };
    let key = (employee, p.year, p.period);
    let slot = ctx.d.days.entry(key).or_insert(0);
    *slot = match ctx.settings.days_post {
        DaysPost::Replace => days,
        DaysPost::Add => slot.saturating_add(days),
    };
    match factor {
        None => {}
        Some(None) => {
            ctx.d.days_factor.remove(&key);
        }
        Some(Some(f)) => {
            ctx.d.days_factor.insert(key, f);
        }
    }
    Ok((StatusCode::CREATED, None))
}
