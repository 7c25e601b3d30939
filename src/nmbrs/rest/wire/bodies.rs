//! The request bodies of `nmbrs-openapi.yaml`, with its two period shapes (SOURCES.md: the
//! wage insert puts the period flat with `unprotectedMode` beside it; everything else nests).

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Number;
use uuid::Uuid;

use crate::nmbrs::PayPeriod;

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
pub struct WorkedDaysPost {
    pub days: i32,
    pub period_details: PeriodPost,
}
