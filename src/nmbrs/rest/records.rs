//! What the REST client answers besides the records themselves: one employee's records of a
//! company-wide read ([`ByEmployee`]), the days in effect in a period ([`DaysInPeriod`]), the
//! lines the export inserts ([`NewHourLine`], [`NewWageLine`]) and what a `DELETE` found. Every
//! REST record the client reads is declared once, in `wire` (issue 17 step 4; the simulator
//! still writes hour and wage lines as JSON of its own): where the jobs have a neutral
//! model (companies, the current period, hour codes, hour and wage lines, the history records)
//! its wire struct (every field a [`super::Field`]) is read straight into that model; the
//! records without one (debtors, wage models, employees, BSNs, addresses, cost per hour, days)
//! are their own serde shape, read leniently and served by the simulator as they are. A read
//! answers the domain's [`crate::nmbrs::Listed`], its unreadable records the domain's
//! [`crate::nmbrs::UnreadableRecord`]. UUID ids ([`super::ids`]), hours and money as `Decimal`,
//! dates as `NaiveDateTime` (Nmbrs means Dutch local time; a zone, if sent, is dropped as on
//! SOAP). A field marked *decides* is one a job's decision needs: when it is missing or
//! unreadable the record goes to `unreadable` instead; every other field is only passed on and
//! reads as `None` when missing or unreadable (CONTRACT §2.3, like the SOAP reader).

use super::ids::*;
use crate::nmbrs::{Amount, HourCode, Hours, WageCode};

/// One employee's records of a company-wide read (`{employeeId, <list>: [...]}`).
#[derive(Clone, Debug, PartialEq)]
pub struct ByEmployee<T> {
    pub employee_id: EmployeeUuid,
    pub items: Vec<T>,
}

/// The variable days of an employee in a period (`GET …/variabledays`): every record Nmbrs
/// lists. Whether a second POST adds a record or replaces the first is not documented
/// (REST-NOTES §2 [L]); [`DaysInPeriod::total`] is the number in effect under both readings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DaysInPeriod {
    /// `days` of each record (*decides*; an unreadable record fails the read).
    pub records: Vec<i32>,
}

impl DaysInPeriod {
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
