//! The JSON of the REST API, read leniently and written exactly. Reading: every field is a
//! [`Field`] (absent/`null`, unreadable, or a value), so one odd field never fails a whole
//! response; the record converters then require the fields a decision needs
//! ([`super::records`] marks them *decides*) and pass the rest on as `None` when unreadable.
//! Numbers become `Decimal` through their shortest text form, never by `f64` arithmetic;
//! strings holding numbers (`costPerHour`) are parsed like the SOAP reader does (`7,50` too).
//! Writing: the request bodies of `nmbrs-openapi.yaml`, including its two period shapes
//! (SOURCES.md: wage insert flat, everything else nested).

use std::str::FromStr;

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Number, Value};
use uuid::Uuid;

use super::ids::*;
use super::records::*;
use crate::nmbrs::records::{parse_datetime, parse_decimal};
use crate::nmbrs::{Amount, HourCode, Hours, PayPeriod, PeriodType, WageCode};

/// A JSON value that can be read from one field.
pub trait FromWire: Sized {
    fn from_wire(v: &Value) -> Result<Self, String>;
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

impl FromWire for Uuid {
    fn from_wire(v: &Value) -> Result<Self, String> {
        let s = v.as_str().ok_or_else(|| format!("{} is not a UUID", kind_of(v)))?;
        Uuid::try_parse(s.trim()).map_err(|_| "not a UUID".to_owned())
    }
}

impl FromWire for i32 {
    fn from_wire(v: &Value) -> Result<Self, String> {
        match v {
            Value::Number(n) => {
                n.as_i64().and_then(|n| i32::try_from(n).ok()).ok_or_else(|| format!("{n} is not an int"))
            }
            Value::String(s) => s.trim().parse().map_err(|_| format!("{s:?} is not an int")),
            other => Err(format!("{} is not an int", kind_of(other))),
        }
    }
}

impl FromWire for bool {
    fn from_wire(v: &Value) -> Result<Self, String> {
        match v {
            Value::Bool(b) => Ok(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
            other => Err(format!("{} is not a boolean", kind_of(other))),
        }
    }
}

impl FromWire for String {
    fn from_wire(v: &Value) -> Result<Self, String> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            other => Err(format!("{} is not a string", kind_of(other))),
        }
    }
}

impl FromWire for Decimal {
    fn from_wire(v: &Value) -> Result<Self, String> {
        match v {
            Value::Number(n) => {
                let t = n.to_string();
                Decimal::from_str(&t)
                    .or_else(|_| Decimal::from_scientific(&t))
                    .map(|d| d.normalize())
                    .map_err(|_| format!("{t} is not a decimal"))
            }
            Value::String(s) => parse_decimal(s),
            other => Err(format!("{} is not a number", kind_of(other))),
        }
    }
}

impl FromWire for NaiveDateTime {
    fn from_wire(v: &Value) -> Result<Self, String> {
        let s = v.as_str().ok_or_else(|| format!("{} is not a dateTime", kind_of(v)))?;
        parse_datetime(s)
    }
}

/// A nested JSON object read into `T` (whose fields are [`Field`]s themselves).
#[derive(Debug)]
pub struct Obj<T>(pub T);

impl<T: DeserializeOwned> FromWire for Obj<T> {
    fn from_wire(v: &Value) -> Result<Self, String> {
        if !v.is_object() {
            return Err(format!("{} is not an object", kind_of(v)));
        }
        T::deserialize(v).map(Obj).map_err(|e| e.to_string())
    }
}

/// One field as read: absent or `null`, present but unreadable, or a value.
#[derive(Debug, Default)]
pub enum Field<T> {
    #[default]
    Missing,
    Bad(String),
    Value(T),
}

impl<'de, T: FromWire> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => Field::Missing,
            v => match T::from_wire(&v) {
                Ok(t) => Field::Value(t),
                Err(problem) => Field::Bad(problem),
            },
        })
    }
}

/// A field a decision needs that could not be read: `(JSON name, problem)`.
pub type Unread = (&'static str, String);

impl<T> Field<T> {
    /// A passed-on field: `None` when missing or unreadable.
    pub fn ok(self) -> Option<T> {
        match self {
            Field::Value(v) => Some(v),
            _ => None,
        }
    }

    /// A field a decision needs.
    pub fn need(self, name: &'static str) -> Result<T, Unread> {
        match self {
            Field::Value(v) => Ok(v),
            Field::Missing => Err((name, "missing".to_owned())),
            Field::Bad(p) => Err((name, p)),
        }
    }

    /// A field a decision needs that may be null (an open end date), but never unreadable.
    pub fn need_or_null(self, name: &'static str) -> Result<Option<T>, Unread> {
        match self {
            Field::Value(v) => Ok(Some(v)),
            Field::Missing => Ok(None),
            Field::Bad(p) => Err((name, p)),
        }
    }
}

fn record<T: DeserializeOwned>(v: &Value) -> Result<T, Unread> {
    if !v.is_object() {
        return Err(("(record)", format!("{} is not an object", kind_of(v))));
    }
    T::deserialize(v).map_err(|e| ("(record)", e.to_string()))
}

/// The `{pagination, data}` envelope of every read (REST-NOTES §1 "Pagination").
#[derive(Deserialize)]
pub struct PageEnvelope {
    #[serde(default)]
    pub pagination: Option<Value>,
    pub data: Vec<Value>,
}

impl PageEnvelope {
    /// Whether `pagination.nextPage` names a next page.
    pub fn has_next(&self) -> bool {
        self.pagination.as_ref().is_some_and(|p| p.get("nextPage").is_some_and(|n| !n.is_null()))
    }
}

fn unreadable(employee_id: Option<EmployeeUuid>, (field, problem): Unread) -> RestUnreadable {
    RestUnreadable { employee_id, field: field.to_owned(), problem }
}

/// Items of a flat list read, each converted on its own.
pub fn flat<T>(items: &[Value], convert: impl Fn(&Value) -> Result<T, Unread>) -> RestListed<T> {
    let mut out = RestListed::default();
    for item in items {
        match convert(item) {
            Ok(t) => out.items.push(t),
            Err(e) => out.unreadable.push(unreadable(None, e)),
        }
    }
    out
}

/// Items of a company-wide per-employee read (`{employeeId, <key>: [...]}`).
pub fn by_employee<T>(
    items: &[Value],
    key: &'static str,
    convert: impl Fn(&Value) -> Result<T, Unread>,
) -> RestListed<ByEmployee<T>> {
    let mut out = RestListed::default();
    for item in items {
        let id = match Field::<Uuid>::deserialize(item.get("employeeId").unwrap_or(&Value::Null)) {
            Ok(f) => f.need("employeeId"),
            Err(e) => Err(("employeeId", e.to_string())),
        };
        let employee_id = match id {
            Ok(id) => EmployeeUuid(id),
            Err(e) => {
                out.unreadable.push(unreadable(None, e));
                continue;
            }
        };
        let list: &[Value] = match item.get(key) {
            None | Some(Value::Null) => &[],
            Some(Value::Array(list)) => list,
            Some(other) => {
                out.unreadable.push(unreadable(Some(employee_id), (key, format!("{} is not a list", kind_of(other)))));
                continue;
            }
        };
        let mut records = Vec::with_capacity(list.len());
        for v in list {
            match convert(v) {
                Ok(t) => records.push(t),
                Err(e) => out.unreadable.push(unreadable(Some(employee_id), e)),
            }
        }
        out.items.push(ByEmployee { employee_id, items: records });
    }
    out
}

/// Lines of one employee's read: an unreadable line names that employee.
pub fn lines<T>(
    employee: EmployeeUuid,
    items: &[Value],
    convert: impl Fn(&Value) -> Result<T, Unread>,
) -> RestListed<T> {
    let mut out = flat(items, convert);
    out.unreadable.iter_mut().for_each(|u| u.employee_id = Some(employee));
    out
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WCompany {
    company_id: Field<Uuid>,
    number: Field<String>,
    name: Field<String>,
    debtor_id: Field<Uuid>,
}

pub fn company(v: &Value) -> Result<RestCompany, Unread> {
    let w: WCompany = record(v)?;
    Ok(RestCompany {
        id: CompanyUuid(w.company_id.need("companyId")?),
        number: w.number.ok(),
        name: w.name.ok(),
        debtor_id: w.debtor_id.ok().map(DebtorUuid),
    })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WDebtor {
    debtor_id: Field<Uuid>,
    number: Field<String>,
    name: Field<String>,
}

pub fn debtor(v: &Value) -> Result<RestDebtor, Unread> {
    let w: WDebtor = record(v)?;
    Ok(RestDebtor { id: DebtorUuid(w.debtor_id.need("debtorId")?), number: w.number.ok(), name: w.name.ok() })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WPeriod {
    year: Field<i32>,
    period: Field<i32>,
}

impl WPeriod {
    fn pay_period(self) -> Result<PayPeriod, Unread> {
        let year = self.year.need("year")?;
        let period = self.period.need("period")?;
        let period = u8::try_from(period).map_err(|_| ("period", format!("{period} is not a period")))?;
        Ok(PayPeriod::new(year, period))
    }
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WCurrentPeriod {
    period: Field<Obj<WPeriod>>,
    period_type: Field<String>,
}

pub fn current_period(v: &Value) -> Result<RestCurrentPeriod, Unread> {
    let w: WCurrentPeriod = record(v)?;
    let kind = match w.period_type.need("periodType")?.as_str() {
        "month" => PeriodType::Monthly,
        "4-weeks" => PeriodType::FourWeekly,
        "1-week" => PeriodType::Weekly,
        other => return Err(("periodType", format!("{other:?} is not a period type"))),
    };
    let period = w.period.need("period")?.0.pay_period()?;
    let period = period.validate(kind).map_err(|e| ("period", e.to_string()))?;
    Ok(RestCurrentPeriod { period, kind })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WHourCode {
    code: Field<i32>,
    description: Field<String>,
}

pub fn hour_code(v: &Value) -> Result<RestHourCode, Unread> {
    let w: WHourCode = record(v)?;
    Ok(RestHourCode { code: HourCode(w.code.need("code")?), description: w.description.ok() })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WWageModel {
    id: Field<Uuid>,
    number: Field<i32>,
    name: Field<String>,
    wage_codes: Option<Vec<Value>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WWageCode {
    wage_code_id: Field<Uuid>,
    code: Field<i32>,
    description: Field<String>,
    continuity_type: Field<String>,
}

fn wage_code(v: &Value) -> Result<RestWageCode, Unread> {
    let w: WWageCode = record(v)?;
    Ok(RestWageCode {
        id: w.wage_code_id.ok().map(WageCodeUuid),
        code: WageCode(w.code.need("code")?),
        description: w.description.ok(),
        continuity_type: w.continuity_type.ok(),
    })
}

/// Wage models; a code whose `code` cannot be read is set aside, the model kept.
pub fn wage_models(items: &[Value]) -> RestListed<RestWageModel> {
    let mut out = RestListed::default();
    for item in items {
        let w: WWageModel = match record(item) {
            Ok(w) => w,
            Err(e) => {
                out.unreadable.push(unreadable(None, e));
                continue;
            }
        };
        let codes = flat(w.wage_codes.as_deref().unwrap_or(&[]), wage_code);
        out.unreadable.extend(codes.unreadable);
        out.items.push(RestWageModel {
            id: w.id.ok().map(WageModelUuid),
            number: w.number.ok(),
            name: w.name.ok(),
            codes: codes.items,
        });
    }
    out
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WBasicInfo {
    employee_number: Field<i32>,
    first_name: Field<String>,
    prefix: Field<String>,
    initials: Field<String>,
    last_name: Field<String>,
    employee_type: Field<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WEmployee {
    employee_id: Field<Uuid>,
    employee_basic_info: Field<Obj<WBasicInfo>>,
}

pub fn employee(v: &Value) -> Result<RestEmployee, Unread> {
    let w: WEmployee = record(v)?;
    let id = EmployeeUuid(w.employee_id.need("employeeId")?);
    let b = w.employee_basic_info.ok().map(|o| o.0).unwrap_or_default();
    Ok(RestEmployee {
        id,
        employee_number: b.employee_number.ok(),
        first_name: b.first_name.ok(),
        prefix: b.prefix.ok(),
        initials: b.initials.ok(),
        last_name: b.last_name.ok(),
        employee_type: b.employee_type.ok(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WBirthInfo {
    birth_date: Field<NaiveDateTime>,
    gender: Field<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WContactInfo {
    private_email: Field<String>,
    business_email: Field<String>,
    business_phone: Field<String>,
    business_mobile_phone: Field<String>,
    private_phone: Field<String>,
    private_mobile_phone: Field<String>,
    other_phone: Field<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WPersonalInfo {
    personal_info_id: Field<Uuid>,
    basic_info: Field<Obj<WBasicInfo>>,
    birth_info: Field<Obj<WBirthInfo>>,
    contact_info: Field<Obj<WContactInfo>>,
    period: Field<Obj<WPeriod>>,
    created_at: Field<NaiveDateTime>,
}

pub fn personal_info(v: &Value) -> Result<RestPersonalInfo, Unread> {
    let w: WPersonalInfo = record(v)?;
    let b = w.basic_info.ok().map(|o| o.0).unwrap_or_default();
    let birth = w.birth_info.ok().map(|o| o.0).unwrap_or_default();
    let c = w.contact_info.ok().map(|o| o.0).unwrap_or_default();
    Ok(RestPersonalInfo {
        id: w.personal_info_id.ok().map(PersonalInfoUuid),
        employee_number: b.employee_number.ok(),
        first_name: b.first_name.ok(),
        prefix: b.prefix.ok(),
        initials: b.initials.ok(),
        last_name: b.last_name.ok(),
        employee_type: b.employee_type.ok(),
        birth_date: birth.birth_date.ok(),
        gender: birth.gender.ok(),
        private_email: c.private_email.ok(),
        business_email: c.business_email.ok(),
        business_phone: c.business_phone.ok(),
        business_mobile_phone: c.business_mobile_phone.ok(),
        private_phone: c.private_phone.ok(),
        private_mobile_phone: c.private_mobile_phone.ok(),
        other_phone: c.other_phone.ok(),
        period: w.period.ok().and_then(|p| p.0.pay_period().ok()),
        created_at: w.created_at.ok(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WBsn {
    #[serde(rename = "BSN")]
    bsn: Field<String>,
    #[serde(rename = "createdAt")]
    created_at: Field<NaiveDateTime>,
}

pub fn bsn(v: &Value) -> Result<RestBsn, Unread> {
    let w: WBsn = record(v)?;
    let bsn = w.bsn.need("BSN")?.trim().to_owned();
    if bsn.is_empty() {
        return Err(("BSN", "empty".to_owned()));
    }
    Ok(RestBsn { bsn, created_at: w.created_at.ok() })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WContract {
    contract_id: Field<Uuid>,
    start_date: Field<NaiveDateTime>,
    end_date: Field<NaiveDateTime>,
    trial_period: Field<NaiveDateTime>,
    indefinite: Field<bool>,
    written_contract: Field<bool>,
    hours_per_week: Field<Decimal>,
    created_at: Field<NaiveDateTime>,
}

pub fn contract(v: &Value) -> Result<RestContract, Unread> {
    let w: WContract = record(v)?;
    Ok(RestContract {
        id: w.contract_id.ok().map(ContractUuid),
        start_date: w.start_date.need("startDate")?,
        end_date: w.end_date.need_or_null("endDate")?,
        trial_period: w.trial_period.ok(),
        indefinite: w.indefinite.ok(),
        written_contract: w.written_contract.ok(),
        hours_per_week: w.hours_per_week.ok(),
        created_at: w.created_at.ok(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WEndReason {
    code: Field<i32>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WEmployment {
    employment_id: Field<Uuid>,
    creation_date: Field<NaiveDateTime>,
    start_date: Field<NaiveDateTime>,
    end_date: Field<NaiveDateTime>,
    seniority_date: Field<NaiveDateTime>,
    end_contract_reason: Field<Obj<WEndReason>>,
    changed_date: Field<NaiveDateTime>,
}

pub fn employment(v: &Value) -> Result<RestEmployment, Unread> {
    let w: WEmployment = record(v)?;
    Ok(RestEmployment {
        id: w.employment_id.ok().map(EmploymentUuid),
        start_date: w.start_date.need("startDate")?,
        end_date: w.end_date.need_or_null("endDate")?,
        seniority_date: w.seniority_date.ok(),
        end_contract_reason_code: w.end_contract_reason.ok().and_then(|r| r.0.code.ok()),
        creation_date: w.creation_date.ok(),
        changed_date: w.changed_date.ok(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WSalary {
    salary_id: Field<Uuid>,
    start_date: Field<NaiveDateTime>,
    #[serde(rename = "type")]
    salary_type: Field<String>,
    value: Field<Decimal>,
    created_at: Field<NaiveDateTime>,
}

pub fn salary(v: &Value) -> Result<RestSalary, Unread> {
    let w: WSalary = record(v)?;
    Ok(RestSalary {
        id: w.salary_id.ok().map(SalaryUuid),
        start_date: w.start_date.ok(),
        salary_type: w.salary_type.ok(),
        value: w.value.ok(),
        created_at: w.created_at.ok(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WWeek {
    hours_monday: Field<Decimal>,
    hours_tuesday: Field<Decimal>,
    hours_wednesday: Field<Decimal>,
    hours_thursday: Field<Decimal>,
    hours_friday: Field<Decimal>,
    hours_saturday: Field<Decimal>,
    hours_sunday: Field<Decimal>,
}

impl WWeek {
    fn days(self) -> [Decimal; 7] {
        [
            self.hours_monday,
            self.hours_tuesday,
            self.hours_wednesday,
            self.hours_thursday,
            self.hours_friday,
            self.hours_saturday,
            self.hours_sunday,
        ]
        .map(|d| d.ok().unwrap_or_default())
    }
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WSchedule {
    schedule_id: Field<Uuid>,
    start_date: Field<NaiveDateTime>,
    parttime_percentage: Field<Decimal>,
    hours_per_week: Field<Decimal>,
    days_per_week: Field<Decimal>,
    week1: Field<Obj<WWeek>>,
    week2: Field<Obj<WWeek>>,
    created_at: Field<NaiveDateTime>,
}

pub fn schedule(v: &Value) -> Result<RestSchedule, Unread> {
    let w: WSchedule = record(v)?;
    let week = |f: Field<Obj<WWeek>>| f.ok().map_or([Decimal::ZERO; 7], |o| o.0.days());
    Ok(RestSchedule {
        id: w.schedule_id.ok().map(ScheduleUuid),
        start_date: w.start_date.ok(),
        parttime_percentage: w.parttime_percentage.ok(),
        hours_per_week: w.hours_per_week.ok(),
        days_per_week: w.days_per_week.ok(),
        week1: week(w.week1),
        week2: week(w.week2),
        created_at: w.created_at.ok(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WCostPerHour {
    employee_id: Field<Uuid>,
    cost_per_hour: Field<Decimal>,
}

pub fn cost_per_hour(v: &Value) -> Result<RestCostPerHour, Unread> {
    let w: WCostPerHour = record(v)?;
    Ok(RestCostPerHour {
        employee_id: EmployeeUuid(w.employee_id.need("employeeId")?),
        cost_per_hour: w.cost_per_hour.ok(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WHourLine {
    hour_component_id: Field<Uuid>,
    hour_code: Field<i32>,
    hours: Field<Decimal>,
    comment: Field<String>,
    cost_center_id: Field<Uuid>,
    cost_unit_id: Field<Uuid>,
    created_at: Field<NaiveDateTime>,
}

pub fn hour_line(v: &Value) -> Result<RestHourLine, Unread> {
    let w: WHourLine = record(v)?;
    Ok(RestHourLine {
        id: HourComponentUuid(w.hour_component_id.need("hourComponentId")?),
        hour_code: HourCode(w.hour_code.need("hourCode")?),
        hours: Hours(w.hours.need("hours")?),
        comment: w.comment.ok(),
        cost_center_id: w.cost_center_id.ok(),
        cost_unit_id: w.cost_unit_id.ok(),
        created_at: w.created_at.ok(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WWageLine {
    variable_wage_component_id: Field<Uuid>,
    code: Field<i32>,
    value: Field<Decimal>,
    comment: Field<String>,
    cost_center_id: Field<Uuid>,
    cost_unit_id: Field<Uuid>,
    created_at: Field<NaiveDateTime>,
}

pub fn wage_line(v: &Value) -> Result<RestWageLine, Unread> {
    let w: WWageLine = record(v)?;
    Ok(RestWageLine {
        id: WageComponentUuid(w.variable_wage_component_id.need("variableWageComponentId")?),
        code: WageCode(w.code.need("code")?),
        value: Amount(w.value.need("value")?),
        comment: w.comment.ok(),
        cost_center_id: w.cost_center_id.ok(),
        cost_unit_id: w.cost_unit_id.ok(),
        created_at: w.created_at.ok(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WDays {
    days: Field<i32>,
}

pub fn days(v: &Value) -> Result<i32, Unread> {
    record::<WDays>(v)?.days.need("days")
}

/// The id in a write's answer (`{hourComponentId}`, `{variableWagecomponentId}`).
pub fn answered_id(body: &[u8], name: &'static str) -> Result<Uuid, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let f = Field::<Uuid>::deserialize(v.get(name).unwrap_or(&Value::Null)).map_err(|e| e.to_string())?;
    f.need(name).map_err(|(field, problem)| format!("{field}: {problem}"))
}

// ---- request bodies ----

/// A decimal as a JSON number (the file's `format: float`), written from its exact text so
/// `7.25` goes out as `7.25`.
pub fn number(d: Decimal) -> Number {
    Number::from_str(&d.normalize().to_string()).unwrap_or_else(|_| Number::from(0))
}

/// `{year, period}`.
#[derive(Serialize, Clone, Copy)]
pub struct PeriodJson {
    pub year: i32,
    pub period: u8,
}

impl From<PayPeriod> for PeriodJson {
    fn from(p: PayPeriod) -> Self {
        PeriodJson { year: p.year, period: p.period }
    }
}

/// `PeriodPost`: `{period: {year, period}, unprotectedMode}` (hours, days, wage PUT).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeriodPost {
    pub period: PeriodJson,
    pub unprotected_mode: bool,
}

impl PeriodPost {
    pub fn new(period: PayPeriod, unprotected: bool) -> Self {
        PeriodPost { period: period.into(), unprotected_mode: unprotected }
    }
}

/// `CreateVariableHourComponent`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HourPost<'a> {
    pub hour_code: i32,
    pub hours: Number,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<&'a str>,
    pub period_details: PeriodPost,
}

/// `UpdateVariableHourComponent` (fields left `None` are not sent).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HourPut<'a> {
    pub hour_component_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hour_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours: Option<Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<&'a str>,
    pub period_details: PeriodPost,
}

/// `CreateVariableWageComponent`: the period flat, `unprotectedMode` beside it (SOURCES.md).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WagePost<'a> {
    pub code: i32,
    pub value: Number,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<&'a str>,
    pub period_details: PeriodJson,
    pub unprotected_mode: bool,
}

/// `UpdateVariableWageComponent`: the period nested again.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WagePut<'a> {
    pub variable_wagecomponent_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<&'a str>,
    pub period_details: PeriodPost,
}

/// `CreateVariableWorkedDay`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DaysPost {
    pub days: i32,
    pub period_details: PeriodPost,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_record_missing_a_deciding_field_is_set_aside_with_its_employee() {
        let items = vec![
            json!({"employeeId": "6e6d6272-0000-4000-8000-000000000001", "contracts": [
                {"startDate": "2026-01-01T00:00:00Z", "endDate": null, "hoursPerWeek": "oops"},
                {"startDate": "not a date"}
            ]}),
            json!({"employeeId": 12, "contracts": []}),
        ];
        let listed = by_employee(&items, "contracts", contract);
        assert_eq!(listed.items.len(), 1);
        let c = &listed.items[0].items[0];
        assert_eq!(c.hours_per_week, None, "passed-on field unreadable → None");
        assert_eq!(c.end_date, None);
        assert_eq!(listed.unreadable.len(), 2);
        assert_eq!(listed.unreadable[0].field, "startDate");
        assert!(listed.unreadable[0].employee_id.is_some());
        assert_eq!((listed.unreadable[1].employee_id, listed.unreadable[1].field.as_str()), (None, "employeeId"));
    }

    #[test]
    fn numbers_are_read_exactly_and_written_as_their_text() {
        assert_eq!(Decimal::from_wire(&json!(7.25)).unwrap().to_string(), "7.25");
        assert_eq!(Decimal::from_wire(&json!("12,50")).unwrap().to_string(), "12.50");
        assert_eq!(Decimal::from_wire(&json!(0.1)).unwrap().to_string(), "0.1");
        assert_eq!(number(Decimal::new(725, 2)).to_string(), "7.25");
        assert_eq!(number(Decimal::new(800, 2)).to_string(), "8");
    }

    #[test]
    fn the_bsn_never_prints() {
        let b = bsn(&json!({"BSN": "123456782", "createdAt": "2026-01-01T00:00:00Z"})).unwrap();
        assert!(!format!("{b:?}").contains("123456782"));
    }
}
