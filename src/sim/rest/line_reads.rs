//! The REST reads of the period-bound lines (REST-NOTES §2): one employee's variable hours
//! and days, and a company's variable wage lines of a period (employee-wide), with each line's
//! comment and cost fields from the shared state (`LineInfo`), written by either face.

use serde_json::{Value, json};

use super::ctx::{CallContext, OperationReply};
use super::ids::IdKind;
use super::lookup::number;
use super::reads::{company_employees, page, served};
use crate::nmbrs::rest::DaysRecord;
use crate::sim::SimId;
use crate::sim::state::SimEmployee;

/// A line's REST fields beyond code and value; a SOAP-made line's comment only under
/// `soap_comments: visible`. A literal, not the client's wire struct (`WHourLine`,
/// `WWageLine`): the state keeps cost centres and units as the text a write gave (a SOAP
/// write's integer ids too, which a UUID field would drop) and `createdAt` as written, with
/// milliseconds; serving them as they are is the point.
fn line_json(ctx: &CallContext, kind: IdKind, id: i32) -> Value {
    let mut info = ctx.d.line_info.get(&id).cloned().unwrap_or_default();
    if info.via_soap && ctx.settings.soap_comments == super::SoapComments::Absent {
        info.comment = None;
    }
    let (id_name, created) = match kind {
        IdKind::HourComponent => ("hourComponentId", info.created_at),
        _ => ("variableWageComponentId", info.created_at),
    };
    let created = if created.is_empty() { "1970-01-01T00:00:00Z".to_owned() } else { created };
    json!({
        id_name: ctx.id(kind, id),
        "costCenterId": info.cost_center_id,
        "costUnitId": info.cost_unit_id,
        "comment": info.comment,
        "createdAt": created,
    })
}

/// `GET /api/employees/{employeeId}/variablehours?year&period`.
pub fn variable_hours(ctx: &mut CallContext) -> OperationReply {
    let (employee, company) = ctx.employee()?;
    let p = ctx.query_period(company)?;
    let c = ctx.company_record(company)?.clone();
    let lines = ctx.d.hour_components.get(&(employee, p.year, p.period)).cloned().unwrap_or_default();
    let items = lines
        .iter()
        .map(|l| {
            let mut v = line_json(ctx, IdKind::HourComponent, l.id.int());
            let description = c
                .hour_codes
                .iter()
                .chain(&c.hour_codes2)
                .find(|h| h.code == l.hour_code)
                .and_then(|h| h.description.clone());
            v["hourCode"] = json!(l.hour_code);
            v["hourCodeDescription"] = json!(description);
            v["hours"] = number(l.hours.0);
            v
        })
        .collect();
    page(ctx, items)
}

/// `GET /api/companies/{companyId}/employees/variablewagecomponents?year&period[&employeeId]`:
/// employees with at least one line in the period.
pub fn variable_wages(ctx: &mut CallContext) -> OperationReply {
    let company = ctx.company()?;
    let p = ctx.query_period(company)?;
    let emps: Vec<i32> = company_employees(ctx, true)?.into_iter().map(SimEmployee::id).collect();
    let rows = emps
        .into_iter()
        .filter_map(|e| {
            let lines = ctx.d.wage_components.get(&(e, p.year, p.period)).filter(|l| !l.is_empty())?;
            let items: Vec<Value> = lines
                .iter()
                .map(|l| {
                    let mut v = line_json(ctx, IdKind::WageComponent, l.id.int());
                    v["code"] = json!(l.code);
                    v["value"] = number(l.value.0);
                    v
                })
                .collect();
            Some(json!({"employeeId": ctx.id(IdKind::Employee, e), "variablewagecomponents": items}))
        })
        .collect();
    page(ctx, rows)
}

/// `GET /api/employees/{employeeId}/variabledays?year&period`: `[{days,
/// daysForWageComponentsPerDay}]`, or `[]` when none were set in the period.
pub fn variable_days(ctx: &mut CallContext) -> OperationReply {
    let (employee, company) = ctx.employee()?;
    let p = ctx.query_period(company)?;
    let key = (employee, p.year, p.period);
    let factor = ctx.d.days_factor.get(&key).copied();
    let items = ctx.d.days.get(&key).map(|&days| DaysRecord { days, days_for_wage_components_per_day: factor });
    page(ctx, served(items))
}
