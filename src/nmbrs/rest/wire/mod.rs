//! The JSON of the REST API, read leniently and written exactly. Reading: every field is a
//! [`Field`] (absent/`null`, unreadable, or a value), so one odd field never fails a whole
//! response; the record converters then require the fields a decision needs
//! ([`super::records`] marks them *decides*) and pass the rest on as `None` when unreadable.
//! Numbers become `Decimal` through their shortest text form, never by `f64` arithmetic;
//! strings holding numbers (`costPerHour`) are parsed like the SOAP reader does (`7,50` too);
//! either is then the decimal Nmbrs meant ([`crate::domain::decimal`]: float32 noise removed).
//! Writing: the request bodies of `nmbrs-openapi.yaml`, including its two period shapes
//! (SOURCES.md: wage insert flat, everything else nested).

use std::borrow::Cow;
use std::str::FromStr;

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use uuid::Uuid;

use super::ids::EmployeeUuid;
use super::records::ByEmployee;
use crate::domain::decimal::as_meant;
use crate::nmbrs::soap::records::{parse_datetime, parse_decimal};
use crate::nmbrs::{EmployeeId, Listed, NmbrsId, UnreadableRecord};

mod bodies;
mod company;
mod employee;
mod lenient;
mod period_lines;
pub mod words;

pub use bodies::*;
pub use company::*;
pub use employee::*;
pub use lenient::checked;
pub use period_lines::*;

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
            Value::Number(n) => match n.as_i64() {
                Some(i) => i32::try_from(i).map_err(|_| format!("{n} is not an int")),
                // `4.0`, or float32's `3.9999998`: an int if that is what Nmbrs meant.
                None => Decimal::from_wire(v)
                    .ok()
                    .filter(Decimal::is_integer)
                    .and_then(|d| i32::try_from(d).ok())
                    .ok_or_else(|| format!("{n} is not an int")),
            },
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

/// Text as the worker sees it on both APIs (CONTRACT §2.3): the characters XML 1.0 forbids
/// removed, trimmed ([`crate::nmbrs::soap::reader::clean_text`]); blank text is no value (as SOAP's
/// empty element), so an optional field reads `None`.
impl FromWire for String {
    fn from_wire(v: &Value) -> Result<Self, String> {
        match v {
            Value::String(s) => {
                let text = crate::nmbrs::soap::reader::clean_text(s);
                if text.is_empty() { Err("blank".to_owned()) } else { Ok(text.into_owned()) }
            }
            Value::Number(n) => Ok(n.to_string()),
            other => Err(format!("{} is not a string", kind_of(other))),
        }
    }
}

/// Every number the worker reads from REST, as the decimal Nmbrs meant: the text as sent (a
/// JSON number through its shortest text form, never `f64` arithmetic; a string like SOAP's,
/// `7,50` too), then [`as_meant`] (float32 artefacts such as `19.200003` become `19.2`, issue
/// 23). This is the only place REST numbers are parsed: every record, comparison and event
/// after it holds meanings.
impl FromWire for Decimal {
    fn from_wire(v: &Value) -> Result<Self, String> {
        let read = match v {
            Value::Number(n) => {
                let t = n.to_string();
                Decimal::from_str(&t)
                    .or_else(|_| Decimal::from_scientific(&t))
                    .map(|d| d.normalize())
                    .map_err(|_| format!("{t} is not a decimal"))
            }
            Value::String(s) => parse_decimal(s),
            other => Err(format!("{} is not a number", kind_of(other))),
        }?;
        Ok(as_meant(read))
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

/// A nested object is written as its own fields.
impl<T: Serialize> ToWire for Obj<T> {
    fn to_wire(&self) -> Value {
        serde_json::to_value(&self.0).unwrap_or(Value::Null)
    }
}

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

/// The JSON of a field as Nmbrs sends it when it is tidy: what the simulator serves (the reader
/// is lenient beyond it, [`FromWire`]). A value that was not read (`Missing`, `Bad`) is `null`.
impl<T: ToWire> Serialize for Field<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Value(v) => v.to_wire().serialize(s),
            Field::Missing | Field::Bad(_) => s.serialize_none(),
        }
    }
}

impl<T> Field<T> {
    /// Whether nothing was read (for `skip_serializing_if`: a field Nmbrs leaves out).
    pub fn is_missing(&self) -> bool {
        matches!(self, Field::Missing)
    }
}

impl<T> From<Option<T>> for Field<T> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Field::Missing, Field::Value)
    }
}

/// The canonical JSON of a value [`FromWire`] reads, as Nmbrs writes it (a UUID as its
/// hyphenated text, a decimal as a JSON float, a date with `Z`, text as it is).
pub trait ToWire {
    fn to_wire(&self) -> Value;
}

impl ToWire for Uuid {
    fn to_wire(&self) -> Value {
        Value::String(self.to_string())
    }
}

impl ToWire for i32 {
    fn to_wire(&self) -> Value {
        Value::from(*self)
    }
}

impl ToWire for bool {
    fn to_wire(&self) -> Value {
        Value::Bool(*self)
    }
}

impl ToWire for String {
    fn to_wire(&self) -> Value {
        Value::String(self.clone())
    }
}

/// A JSON float (the file's `format: float`) as Nmbrs writes one: `7.25`, a whole number as
/// `38.0` (so the simulator's float32 noise reaches it as it reaches Nmbrs' numbers).
impl ToWire for Decimal {
    fn to_wire(&self) -> Value {
        use rust_decimal::prelude::ToPrimitive;
        self.to_f64().map_or(Value::Null, Value::from)
    }
}

/// ISO-8601 as Nmbrs' examples write it (`2024-01-01T00:00:00Z`); the reader drops the zone.
impl ToWire for NaiveDateTime {
    fn to_wire(&self) -> Value {
        Value::String(format!("{}Z", self.format("%Y-%m-%dT%H:%M:%S")))
    }
}

/// A field a decision needs that could not be read: `(JSON name, problem)`.
pub type Unread = (Cow<'static, str>, String);

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
            Field::Missing => Err((name.into(), "missing".to_owned())),
            Field::Bad(p) => Err((name.into(), p)),
        }
    }

    /// A field a decision needs that may be null (an open end date), but never unreadable.
    pub fn need_or_null(self, name: &'static str) -> Result<Option<T>, Unread> {
        match self {
            Field::Value(v) => Ok(Some(v)),
            Field::Missing => Ok(None),
            Field::Bad(p) => Err((name.into(), p)),
        }
    }
}

pub(super) fn record<T: DeserializeOwned>(v: &Value) -> Result<T, Unread> {
    if !v.is_object() {
        return Err(("(record)".into(), format!("{} is not an object", kind_of(v))));
    }
    T::deserialize(v).map_err(|e| ("(record)".into(), e.to_string()))
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

pub(super) fn unreadable(employee_id: Option<EmployeeUuid>, (field, problem): Unread) -> UnreadableRecord {
    let employee_id = employee_id.map(EmployeeId::from);
    UnreadableRecord { employee_id, field: field.into_owned(), problem, line_id: None, code: None }
}

/// JSON names of a variable line's id and code, read from a line that could not be read so a
/// job knows which line and which code it may be (as the SOAP reader does).
#[derive(Clone, Copy, Debug)]
pub struct LineKeys {
    pub id: &'static str,
    pub code: &'static str,
}

/// `GET …/variablehours` lines.
pub const HOUR_LINE: LineKeys = LineKeys { id: "hourComponentId", code: "hourCode" };
/// `GET …/variablewagecomponents` lines.
pub const WAGE_LINE: LineKeys = LineKeys { id: "variableWageComponentId", code: "code" };

impl LineKeys {
    fn mark(self, line: &Value, mut u: UnreadableRecord) -> UnreadableRecord {
        u.line_id = line.get(self.id).and_then(|v| Uuid::from_wire(v).ok()).map(NmbrsId::Uuid);
        u.code = line.get(self.code).and_then(|v| i32::from_wire(v).ok());
        u
    }
}

/// Items of a flat list read, each converted on its own.
pub fn flat<T>(items: &[Value], convert: impl Fn(&Value) -> Result<T, Unread>) -> Listed<T> {
    let mut out = Listed::default();
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
) -> Listed<ByEmployee<T>> {
    by_employee_lines(items, key, convert, None)
}

/// [`by_employee`], for variable lines when `keys` names them: an unreadable line keeps its id
/// and code where those could be read.
pub fn by_employee_lines<T>(
    items: &[Value],
    key: &'static str,
    convert: impl Fn(&Value) -> Result<T, Unread>,
    keys: Option<LineKeys>,
) -> Listed<ByEmployee<T>> {
    let mut out = Listed::default();
    for item in items {
        let id = match Field::<Uuid>::deserialize(item.get("employeeId").unwrap_or(&Value::Null)) {
            Ok(f) => f.need("employeeId"),
            Err(e) => Err(("employeeId".into(), e.to_string())),
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
                out.unreadable
                    .push(unreadable(Some(employee_id), (key.into(), format!("{} is not a list", kind_of(other)))));
                continue;
            }
        };
        let mut records = Vec::with_capacity(list.len());
        for v in list {
            match convert(v) {
                Ok(t) => records.push(t),
                Err(e) => {
                    let u = unreadable(Some(employee_id), e);
                    out.unreadable.push(match keys {
                        Some(k) => k.mark(v, u),
                        None => u,
                    });
                }
            }
        }
        out.items.push(ByEmployee { employee_id, items: records });
    }
    out
}

/// Lines of one employee's read: an unreadable line names that employee, and its id and code
/// where those could be read.
pub fn lines<T>(
    employee: EmployeeUuid,
    items: &[Value],
    convert: impl Fn(&Value) -> Result<T, Unread>,
    keys: LineKeys,
) -> Listed<T> {
    let mut out = Listed::default();
    for item in items {
        match convert(item) {
            Ok(t) => out.items.push(t),
            Err(e) => out.unreadable.push(keys.mark(item, unreadable(Some(employee), e))),
        }
    }
    out
}

/// The id in a write's answer (`{hourComponentId}`, `{variableWagecomponentId}`).
pub fn answered_id(body: &[u8], name: &'static str) -> Result<Uuid, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let f = Field::<Uuid>::deserialize(v.get(name).unwrap_or(&Value::Null)).map_err(|e| e.to_string())?;
    f.need(name).map_err(|(field, problem)| format!("{field}: {problem}"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn numbers_are_read_exactly_and_written_as_their_text() {
        assert_eq!(Decimal::from_wire(&json!(7.25)).unwrap().to_string(), "7.25");
        assert_eq!(Decimal::from_wire(&json!("12,50")).unwrap().to_string(), "12.50");
        assert_eq!(Decimal::from_wire(&json!(0.1)).unwrap().to_string(), "0.1");
        assert_eq!(number(Decimal::new(725, 2)).to_string(), "7.25");
        assert_eq!(number(Decimal::new(800, 2)).to_string(), "8");
    }

    #[test]
    fn text_is_cleaned_and_trimmed_as_on_soap_and_blank_is_no_value() {
        assert_eq!(String::from_wire(&json!(" EMMA@Catering.Example ")).unwrap(), "EMMA@Catering.Example");
        assert_eq!(String::from_wire(&json!("an\u{0}a\u{FFFF}")).unwrap(), "ana");
        assert!(String::from_wire(&json!(" \u{1} ")).is_err());
        let field: Field<String> = serde_json::from_value(json!("  ")).unwrap();
        assert_eq!(field.ok(), None);
    }
}
