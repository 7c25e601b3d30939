//! The typed records the REST client returns where the jobs have no neutral model of their own
//! (debtors, wage models, employees, BSNs, addresses, cost per hour and days), and the one
//! container every REST read answers ([`Listed`]). Where a neutral model exists
//! (companies, the current period, hour and wage codes, hour and wage lines, the history
//! records) the wire struct is read straight into it ([`super::wire`]). The records here are
//! still declared twice (issue 17 step 4, not finished): the `Rest*` record is the typed
//! record the edge returns, and its wire struct (`W*`, every field a [`super::wire::Field`])
//! the serde shape, read leniently and, for debtors, wage models, employees, BSNs and
//! addresses, served by the simulator; cost per hour and days are still served by the
//! simulator from `json!` literals (see `sim/rest/reads.rs`, `line_reads.rs`). UUID ids ([`super::ids`]),
//! hours and money as `Decimal`, dates as `NaiveDateTime` (Nmbrs means Dutch local time; a
//! zone, if sent, is dropped as on SOAP). A field marked *decides* is one a job's decision
//! needs: when it is missing or unreadable the record goes to [`Listed::unreadable`]
//! instead; every other field is only passed on and reads as `None` when missing or unreadable
//! (CONTRACT §2.3, like the SOAP reader).

use std::fmt;

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use super::ids::*;
use crate::nmbrs::{Amount, HourCode, Hours, ModelCode, PayPeriod, WageCode};

/// One employee's records of a company-wide read (`{employeeId, <list>: [...]}`).
#[derive(Clone, Debug, PartialEq)]
pub struct ByEmployee<T> {
    pub employee_id: EmployeeUuid,
    pub items: Vec<T>,
}

/// `GET /api/debtors` item: a Nmbrs customer the consent covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestDebtor {
    /// *decides*.
    pub id: DebtorUuid,
    pub number: Option<String>,
    pub name: Option<String>,
}

/// `GET /api/companies/{companyId}/wagemodels` item: one wage model with its codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestWageModel {
    pub id: Option<WageModelUuid>,
    pub number: Option<i32>,
    pub name: Option<String>,
    /// Its codes as SOAP's model codes (`code` *decides*): a code without a readable `code` is
    /// left out (and reported unreadable).
    pub codes: Vec<ModelCode>,
}

/// `GET /api/companies/{companyId}/employees` item: an employee with basic info.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestEmployee {
    /// *decides*.
    pub id: EmployeeUuid,
    /// User-defined and **not unique** (CONTRACT §5.2).
    pub employee_number: Option<i32>,
    pub first_name: Option<String>,
    pub prefix: Option<String>,
    pub initials: Option<String>,
    pub last_name: Option<String>,
    /// `payroll`, `formerPayroll`, `external`, …
    pub employee_type: Option<String>,
}

/// One record of `GET /api/companies/{companyId}/employees/privateInfos`. `Debug` never
/// shows the BSN.
#[derive(Clone, PartialEq, Eq)]
pub struct RestBsn {
    /// *decides* (matching by BSN).
    pub bsn: String,
    pub created_at: Option<NaiveDateTime>,
}

impl fmt::Debug for RestBsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestBsn").field("bsn", &"<redacted>").field("created_at", &self.created_at).finish()
    }
}

/// One address of `GET /api/companies/{companyId}/employees/addresses` (history, newest
/// record per type in effect).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RestAddress {
    pub is_default: Option<bool>,
    /// `homeAddress`, `postAddress`, …
    pub address_type: Option<String>,
    pub street: Option<String>,
    pub house_number: Option<String>,
    pub house_number_addition: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country_iso_code: Option<String>,
    /// The period from which this record applies (what dates an address in its history).
    pub period: Option<PayPeriod>,
    pub created_at: Option<NaiveDateTime>,
}

/// One item of `GET /api/companies/{companyId}/employees/costperhour`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestCostPerHour {
    /// *decides*.
    pub employee_id: EmployeeUuid,
    /// Euros per hour (a string on the wire); `None` when Nmbrs has none or it is unreadable.
    pub cost_per_hour: Option<Decimal>,
}

/// The variable days of an employee in a period (`GET …/variabledays`): every record Nmbrs
/// lists. Whether a second POST adds a record or replaces the first is not documented
/// (REST-NOTES §2 [L]); [`RestDays::total`] is the number in effect under both readings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RestDays {
    /// `days` of each record (*decides*; an unreadable record fails the read).
    pub records: Vec<i32>,
}

impl RestDays {
    /// The days worked in the period: the sum of the records (0 when none).
    pub fn total(&self) -> i32 {
        self.records.iter().sum()
    }
}

/// A variable hour line to insert (`POST …/variablehours`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewHourLine {
    pub hour_code: HourCode,
    pub hours: Hours,
    /// Carries the insert intent's marker (CONTRACT §5.3).
    pub comment: Option<String>,
}

/// A variable wage line to insert (`POST …/variablewagecomponent`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewWageLine {
    pub code: WageCode,
    pub value: Amount,
    pub comment: Option<String>,
}

/// What a `DELETE` found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deleted {
    /// Nmbrs deleted the line (204).
    Deleted,
    /// Nmbrs did not know it (404 `40401`): gone already, which counts as done (CONTRACT §5.3).
    AlreadyGone,
}
