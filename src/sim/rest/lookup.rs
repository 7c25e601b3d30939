//! What every REST operation looks up first, with the refusal Nmbrs gives: the company of the
//! path (404 `40404` unknown, 403 `40303` outside the consent), the employee (404 `40401`,
//! 403 `40303`), the period of a read (`year` + `period`, the current one when both are absent,
//! 400 `40033` when invalid) and the value conversions of the JSON face (decimals as JSON
//! numbers; records are the client's wire structs).

use rust_decimal::Decimal;
use serde_json::Value;
use uuid::Uuid;

use super::ctx::CallContext;
use super::error::RestError;
use super::ids::IdKind;
use crate::nmbrs::PayPeriod;
use crate::nmbrs::rest::ToWire;
use crate::sim::state::SimCompany;

impl CallContext<'_> {
    /// The REST id of a SOAP entity of this grant's domain.
    pub fn id(&self, kind: IdKind, id: impl Into<i64>) -> String {
        self.uuid(kind, id).to_string()
    }

    /// [`CallContext::id`] as a UUID (for the wire records served).
    pub fn uuid(&self, kind: IdKind, id: impl Into<i64>) -> Uuid {
        self.ids.id(self.domain, kind, id.into())
    }

    fn uuid_param(raw: Option<&str>, name: &str) -> Result<Uuid, RestError> {
        let raw = raw.ok_or_else(|| RestError::invalid(name, format!("{name} is required")))?;
        Uuid::try_parse(raw).map_err(|_| RestError::invalid(name, format!("{name} is not a UUID")))
    }

    /// The SOAP id of an entity named by a REST id, if it is one of `kind` in this domain.
    pub fn resolve(&mut self, kind: IdKind, uuid: Uuid) -> Option<i32> {
        self.ids.resolve(self.domain, self.d, kind, uuid)
    }

    /// The company of the path's `companyId`, checked against the consent.
    pub fn company(&mut self) -> Result<i32, RestError> {
        let uuid = Self::uuid_param(self.path.get("companyId"), "companyId")?;
        let id = self.resolve(IdKind::Company, uuid).ok_or_else(RestError::company_not_found)?;
        if !self.grant.covers(id) {
            return Err(RestError::forbidden("the consent does not cover this company"));
        }
        Ok(id)
    }

    /// The employee of the path's `employeeId` and its company, checked against the consent.
    pub fn employee(&mut self) -> Result<(i32, i32), RestError> {
        let uuid = Self::uuid_param(self.path.get("employeeId"), "employeeId")?;
        let id = self.resolve(IdKind::Employee, uuid).ok_or_else(|| RestError::not_found("Employee not found"))?;
        let company = self
            .d
            .employees
            .get(&id)
            .map(|e| e.company_id)
            .ok_or_else(|| RestError::not_found("Employee not found"))?;
        if !self.grant.covers(company) {
            return Err(RestError::forbidden("the consent does not cover this employee's company"));
        }
        Ok((id, company))
    }

    pub fn company_record(&self, id: i32) -> Result<&SimCompany, RestError> {
        self.d.companies.get(&id).ok_or_else(RestError::company_not_found)
    }

    /// The optional `employeeId` query filter: `Some(None)` when it names no employee here.
    pub fn employee_filter(&mut self) -> Result<Option<Option<i32>>, RestError> {
        match self.query.get("employeeId") {
            None => Ok(None),
            Some(raw) => {
                let uuid = Self::uuid_param(Some(raw), "employeeId")?;
                Ok(Some(self.resolve(IdKind::Employee, uuid)))
            }
        }
    }

    /// `year` + `period` of the query; the company's current period when both are absent.
    pub fn query_period(&self, company: i32) -> Result<PayPeriod, RestError> {
        let c = self.company_record(company)?;
        let read = |name: &str| -> Result<Option<i32>, RestError> {
            self.query
                .get(name)
                .map(|v| v.parse::<i32>().map_err(|_| RestError::invalid(name, format!("{name} must be an integer"))))
                .transpose()
        };
        match (read("year")?, read("period")?) {
            (None, None) => Ok(c.current_period),
            (Some(y), Some(p)) => checked_period(c, y, i64::from(p)),
            _ => Err(RestError::invalid("period", "year and period go together")),
        }
    }
}

/// `(year, period)` valid for the company's frequency (400 `40033` otherwise).
pub fn checked_period(c: &SimCompany, year: i32, period: i64) -> Result<PayPeriod, RestError> {
    u8::try_from(period)
        .ok()
        .and_then(|p| PayPeriod::new(year, p).validate(c.period_type).ok())
        .ok_or_else(|| RestError::invalid("period", "Invalid Period"))
}

/// A decimal as a JSON number (the file's `format: float`), as the wire records write it.
pub fn number(d: Decimal) -> Value {
    d.to_wire()
}

/// An optional JSON number of a body as an exact decimal (via its shortest text form).
pub fn decimal(v: &Value, name: &str) -> Result<Option<Decimal>, RestError> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .to_string()
            .parse::<Decimal>()
            .or_else(|_| Decimal::from_scientific(&n.to_string()))
            .map(|d| Some(d.normalize()))
            .map_err(|_| RestError::invalid(name, format!("{name} is not a decimal number"))),
        _ => Err(RestError::invalid(name, format!("{name} must be a number"))),
    }
}

/// Now, as `createdAt` of a new line.
pub fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}
