//! The REST writes of REST-NOTES §2 on the shared state: variable hours and wage components
//! (POST inserts a line and answers its UUID, PUT changes the line named in the body in place,
//! DELETE removes it). Rules as on SOAP: unknown code → 400
//! `40033`; a period before the company's current one needs `unprotectedMode: true`
//! ("Protected Mode", 400 `40033`); an unknown line → 404 `40401`. A line written here is the
//! same line SOAP reads (and the other way round).
//!
//! Where the file is silent (REST-NOTES [L]), the simulator decides, configurable by
//! [`RestSettings`](super::RestSettings) (`settings.rs` lists them): a DELETE of a line in a
//! closed period is refused or allowed (`closed_period_delete`) and the code of that refusal
//! (`closed_period_code`); a PUT changes only the fields sent non-null, or clears the comment
//! and cost fields it leaves out (`put_omitted`); a PUT naming another period moves the line,
//! one naming none keeps it or moves it to the current period (`put_missing_period`); which
//! period shapes of the wage POST are honoured (`wage_period_shape`); a comment limit
//! (`comment_max_chars`). Variable days are in `days.rs`.

use std::collections::BTreeMap;

use crate::sim::SimId;
use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::ctx::{CallContext, OperationReply};
use super::error::RestError;
use super::ids::IdKind;
use super::lookup::{checked_period, decimal, now};
use super::{ClosedPeriodDelete, CommentOverLimit, LinePosts, Omitted, PutMissingPeriod};
use crate::nmbrs::{Amount, HourComponentLine, Hours, PayPeriod, WageComponentLine};
use crate::sim::state::{LineInfo, PeriodKey, SimDomain};

pub(super) fn body<'a>(ctx: &CallContext<'a>) -> Result<&'a Value, RestError> {
    ctx.body.filter(|b| b.is_object()).ok_or_else(|| RestError::invalid("body", "a JSON object is required"))
}

pub(super) fn int(v: &Value, name: &str) -> Result<Option<i64>, RestError> {
    match v {
        Value::Null => Ok(None),
        v => v.as_i64().map(Some).ok_or_else(|| RestError::invalid(name, format!("{name} must be an integer"))),
    }
}

fn text(v: &Value, name: &str) -> Result<Option<String>, RestError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(RestError::invalid(name, format!("{name} must be a string"))),
    }
}

/// Where a write lands: `period` (`{year, period}`) or the current period, and whether
/// `unprotectedMode` was set.
pub(super) fn target(
    ctx: &CallContext,
    company: i32,
    period: &Value,
    unprotected: &Value,
) -> Result<(PayPeriod, bool), RestError> {
    let c = ctx.company_record(company)?;
    let p = match period {
        Value::Null => c.current_period,
        p => {
            let year = int(&p["year"], "year")?.ok_or_else(|| RestError::invalid("year", "year is required"))?;
            let per = int(&p["period"], "period")?.ok_or_else(|| RestError::invalid("period", "period is required"))?;
            checked_period(c, i32::try_from(year).map_err(|_| RestError::invalid("year", "Invalid Period"))?, per)?
        }
    };
    Ok((p, unprotected.as_bool().unwrap_or(false)))
}

/// Refuses a write before the current period without `unprotectedMode` (as SOAP's 2011), with
/// the code of `closed_period_code`.
pub(super) fn writable(ctx: &CallContext, company: i32, p: PayPeriod, unprotected: bool) -> Result<(), RestError> {
    if p < ctx.company_record(company)?.current_period && !unprotected {
        let mut e = RestError::invalid("unprotectedMode", "Protected Mode: Cannot Change in the Past");
        let code = ctx.settings.closed_period_code;
        e.code = code;
        e.status = StatusCode::from_u16(u16::try_from(code / 100).unwrap_or(400)).unwrap_or(StatusCode::BAD_REQUEST);
        return Err(e);
    }
    Ok(())
}

/// A comment as stored: cut to `comment_max_chars`, or refused beyond it.
fn comment(ctx: &CallContext, v: &Value) -> Result<Option<String>, RestError> {
    let Some(text) = text(v, "comment")? else { return Ok(None) };
    match ctx.settings.comment_max_chars {
        Some(max) if text.chars().count() > max => match ctx.settings.comment_over_limit {
            CommentOverLimit::Truncate => Ok(Some(text.chars().take(max).collect())),
            CommentOverLimit::Refuse => {
                Err(RestError::invalid("comment", format!("comment is longer than {max} characters")))
            }
        },
        _ => Ok(Some(text)),
    }
}

fn code_known(ctx: &CallContext, company: i32, hours: bool, code: i64) -> Result<i32, RestError> {
    let c = ctx.company_record(company)?;
    let lists = if hours { [&c.hour_codes, &c.hour_codes2] } else { [&c.wage_codes, &c.wage_codes2] };
    let name = if hours { "hourCode" } else { "code" };
    i32::try_from(code).ok().filter(|code| lists.iter().any(|l| l.iter().any(|m| m.code == *code))).ok_or_else(|| {
        RestError::invalid(name, if hours { "Invalid Hour component" } else { "Invalid Wage Component" })
    })
}

fn info(ctx: &CallContext, b: &Value) -> Result<LineInfo, RestError> {
    Ok(LineInfo {
        comment: comment(ctx, &b["comment"])?,
        cost_center_id: text(&b["costCenterId"], "costCenterId")?,
        cost_unit_id: text(&b["costUnitId"], "costUnitId")?,
        created_at: now(),
        via_soap: false,
    })
}

/// What the write handlers need to know of a kind of line (variable hours, variable wages), so
/// each verb has one handler for both: its JSON names, where the lines are kept, and how a line
/// is made and changed.
pub trait Line: Sized {
    /// The kind of its REST ids.
    const KIND: IdKind;
    /// The id in a PUT body and in the answers (`hourComponentId`, `variableWagecomponentId`).
    const ID: &'static str;
    /// The id's path parameter of the DELETE (`hourComponentId`, `wagecomponentId`).
    const PATH_ID: &'static str;
    /// The code field (`hourCode`, `code`).
    const CODE: &'static str;
    /// The number field (`hours`, `value`).
    const VALUE: &'static str;
    /// Hour codes (`true`) or wage codes.
    const HOURS: bool;
    /// The lines of this kind, per employee and period.
    fn lines(d: &mut SimDomain) -> &mut BTreeMap<PeriodKey, Vec<Self>>;
    /// Where a POST lands (the two period shapes of the file, SOURCES.md).
    fn post_target(ctx: &CallContext, company: i32, b: &Value) -> Result<(PayPeriod, bool), RestError>;
    fn new(id: i32, code: i32, value: Decimal) -> Self;
    fn id(&self) -> i32;
    /// Changes the fields a PUT sent.
    fn change(&mut self, code: Option<i32>, value: Option<Decimal>);
}

/// Implements [`Line`] for a line type from its names: type, id kind, id in body and answer,
/// id's path parameter, code and number fields (JSON), hour codes or not, its map in
/// [`SimDomain`], its code and number fields (Rust) with the number's newtype, and where a POST
/// lands.
macro_rules! line {
    ($ty:ident, $kind:ident, $id:literal, $path_id:literal, $code:literal, $value:literal, $hours:literal,
     $map:ident, $code_field:ident, $value_field:ident($wrap:ident), $target:ident) => {
        impl Line for $ty {
            const KIND: IdKind = IdKind::$kind;
            const ID: &'static str = $id;
            const PATH_ID: &'static str = $path_id;
            const CODE: &'static str = $code;
            const VALUE: &'static str = $value;
            const HOURS: bool = $hours;
            fn lines(d: &mut SimDomain) -> &mut BTreeMap<PeriodKey, Vec<Self>> {
                &mut d.$map
            }
            fn post_target(ctx: &CallContext, company: i32, b: &Value) -> Result<(PayPeriod, bool), RestError> {
                $target(ctx, company, b)
            }
            fn new(id: i32, code: i32, value: Decimal) -> Self {
                $ty { id: id.into(), $code_field: code, $value_field: $wrap(value), comment: None }
            }
            fn id(&self) -> i32 {
                self.id.int()
            }
            fn change(&mut self, code: Option<i32>, value: Option<Decimal>) {
                if let Some(code) = code {
                    self.$code_field = code;
                }
                if let Some(value) = value {
                    self.$value_field = $wrap(value);
                }
            }
        }
    };
}

line! {
    HourComponentLine, HourComponent, "hourComponentId", "hourComponentId", "hourCode", "hours", true,
    hour_components, hour_code, hours(Hours), hours_target
}
line! {
    WageComponentLine, WageComponent, "variableWagecomponentId", "wagecomponentId", "code", "value", false,
    wage_components, code, value(Amount), wage_target
}

/// Where an hour POST lands: nested, `periodDetails: {period: {year, period}, unprotectedMode}`.
fn hours_target(ctx: &CallContext, company: i32, b: &Value) -> Result<(PayPeriod, bool), RestError> {
    let details = &b["periodDetails"];
    target(ctx, company, &details["period"], &details["unprotectedMode"])
}

/// `POST /api/employees/{employeeId}/variablehours` → 201 `{hourComponentId}`, and `POST
/// /api/employees/{employeeId}/variablewagecomponent` → 201 `{variableWagecomponentId}`.
pub fn post<L: Line>(ctx: &mut CallContext) -> OperationReply {
    let (employee, company) = ctx.employee()?;
    let b = body(ctx)?;
    let (p, unprotected) = L::post_target(ctx, company, b)?;
    writable(ctx, company, p, unprotected)?;
    let code =
        int(&b[L::CODE], L::CODE)?.ok_or_else(|| RestError::invalid(L::CODE, format!("{} is required", L::CODE)))?;
    let code = code_known(ctx, company, L::HOURS, code)?;
    let value = decimal(&b[L::VALUE], L::VALUE)?
        .ok_or_else(|| RestError::invalid(L::VALUE, format!("{} is required", L::VALUE)))?;
    let info = info(ctx, b)?;
    ctx.d.next_id += 1;
    let id = ctx.d.next_id;
    if ctx.settings.line_posts != LinePosts::Lost {
        L::lines(ctx.d).entry((employee, p.year, p.period)).or_default().push(L::new(id, code, value));
        ctx.d.line_info.insert(id, info);
    }
    Ok((StatusCode::CREATED, Some(json!({ (L::ID): ctx.id(L::KIND, id) }))))
}

/// Where a wage POST lands: the file's flat shape (`periodDetails: {year, period}`,
/// `unprotectedMode` beside it) or the hours' nested one (`periodDetails: {period: {…},
/// unprotectedMode}`), each only when `wage_period_shape` honours it; a shape not honoured is
/// ignored and the line falls back to the current period (REST-NOTES §7 [L]).
fn wage_target(ctx: &CallContext, company: i32, b: &Value) -> Result<(PayPeriod, bool), RestError> {
    let details = &b["periodDetails"];
    let nested = details["period"].is_object();
    let (period, unprotected) =
        if nested { (&details["period"], &details["unprotectedMode"]) } else { (details, &b["unprotectedMode"]) };
    let shape = ctx.settings.wage_period_shape;
    let honoured = if nested { shape.honours_nested() } else { shape.honours_flat() };
    if period.is_null() || honoured {
        target(ctx, company, period, unprotected)
    } else {
        Ok((ctx.company_record(company)?.current_period, false))
    }
}

/// The period key of line `id` of `employee`.
fn find_line<L: Line>(d: &mut SimDomain, employee: i32, id: i32) -> Option<PeriodKey> {
    L::lines(d).iter().find(|((e, _, _), lines)| *e == employee && lines.iter().any(|l| l.id() == id)).map(|(k, _)| *k)
}

/// The line named by a REST id (body field or path parameter) of `employee`.
fn line_id(ctx: &mut CallContext, kind: IdKind, raw: &Value, name: &str) -> Result<i32, RestError> {
    let raw = text(raw, name)?.ok_or_else(|| RestError::invalid(name, format!("{name} is required")))?;
    let uuid = uuid::Uuid::try_parse(&raw).map_err(|_| RestError::invalid(name, format!("{name} is not a UUID")))?;
    ctx.resolve(kind, uuid).ok_or_else(|| RestError::not_found("Component not found"))
}

/// Applies the comment / cost fields sent non-null to a line's info; under `put_omitted: clear`
/// the ones left out (or null) are cleared.
fn update_info(ctx: &mut CallContext, id: i32, b: &Value) -> Result<(), RestError> {
    let clear = ctx.settings.put_omitted == Omitted::Clear;
    let sent = [
        comment(ctx, &b["comment"])?,
        text(&b["costCenterId"], "costCenterId")?,
        text(&b["costUnitId"], "costUnitId")?,
    ];
    let entry = ctx.d.line_info.entry(id).or_default();
    for (slot, v) in [&mut entry.comment, &mut entry.cost_center_id, &mut entry.cost_unit_id].into_iter().zip(sent) {
        if v.is_some() || clear {
            *slot = v;
        }
    }
    Ok(())
}

/// The period a PUT leaves a line in: `periodDetails.period`, or, when that is absent, the
/// line's own period (`put_missing_period: keep`) or the company's current one (`current`).
/// Both the line's period and that one must be writable (`unprotectedMode` for a closed one),
/// as for hours and wage lines alike.
fn put_period(ctx: &CallContext, company: i32, key: PeriodKey, details: &Value) -> Result<PayPeriod, RestError> {
    let unprotected = details["unprotectedMode"].as_bool().unwrap_or(false);
    let current = PayPeriod::new(key.1, key.2);
    let to = match (details["period"].is_null(), ctx.settings.put_missing_period) {
        (true, PutMissingPeriod::Keep) => current,
        (true, PutMissingPeriod::Current) => ctx.company_record(company)?.current_period,
        (false, _) => target(ctx, company, &details["period"], &details["unprotectedMode"])?.0,
    };
    writable(ctx, company, current, unprotected)?;
    writable(ctx, company, to, unprotected)?;
    Ok(to)
}

/// `PUT /api/employees/{employeeId}/variablehours` → 200 `{hourComponentId}`, and `PUT
/// /api/employees/{employeeId}/variablewagecomponent` → 200 `{variableWagecomponentId}` (the
/// period nested in both: `periodDetails: {period: {year, period}, unprotectedMode}`). A line
/// named in another period moves there.
pub fn put<L: Line>(ctx: &mut CallContext) -> OperationReply {
    let (employee, company) = ctx.employee()?;
    let b = body(ctx)?;
    let id = line_id(ctx, L::KIND, &b[L::ID], L::ID)?;
    let key = find_line::<L>(ctx.d, employee, id).ok_or_else(|| RestError::not_found("Component not found"))?;
    let to = put_period(ctx, company, key, &b["periodDetails"])?;
    let code = int(&b[L::CODE], L::CODE)?.map(|c| code_known(ctx, company, L::HOURS, c)).transpose()?;
    let value = decimal(&b[L::VALUE], L::VALUE)?;
    update_info(ctx, id, b)?;
    let map = L::lines(ctx.d);
    let lines = map.get_mut(&key).expect("found above");
    let pos = lines.iter().position(|l| l.id() == id).expect("found above");
    lines[pos].change(code, value);
    let to = (employee, to.year, to.period);
    if key != to {
        let line = lines.remove(pos);
        map.entry(to).or_default().push(line);
    }
    Ok((StatusCode::OK, Some(json!({ (L::ID): ctx.id(L::KIND, id) }))))
}

/// `DELETE /api/employees/{employeeId}/hours/{hourComponentId}` and `DELETE
/// /api/employees/{employeeId}/wagecomponents/{wagecomponentId}` → 204 (no period, no
/// `unprotectedMode`).
pub fn delete<L: Line>(ctx: &mut CallContext) -> OperationReply {
    let (employee, company) = ctx.employee()?;
    let raw = ctx.path.get(L::PATH_ID).map(|s| Value::String(s.to_owned())).unwrap_or(Value::Null);
    let id = line_id(ctx, L::KIND, &raw, L::PATH_ID)?;
    let key = find_line::<L>(ctx.d, employee, id).ok_or_else(|| RestError::not_found("Component not found"))?;
    if ctx.settings.closed_period_delete == ClosedPeriodDelete::Refuse {
        writable(ctx, company, PayPeriod::new(key.1, key.2), false)?;
    }
    L::lines(ctx.d).get_mut(&key).into_iter().for_each(|v| v.retain(|l| l.id() != id));
    ctx.d.line_info.remove(&id);
    Ok((StatusCode::NO_CONTENT, None))
}
