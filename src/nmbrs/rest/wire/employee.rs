//! The per-employee REST records of the company-wide reads: employees, personal info, BSNs,
//! contracts, employments, addresses, salaries and schedules, each declared once, read by the
//! client and served by the simulator. The history records are wire structs (every field a
//! [`Field`]) that convert straight to the neutral model SOAP's reads give ([`PersonalInfo`],
//! [`Contract`], [`Employment`], [`Salary`], [`Schedule`]), so a team sync gets the same on both
//! APIs; employees, BSNs and addresses, which have no neutral model, are their own records
//! ([`super::lenient`]).

use std::fmt;

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::company::WPeriod;
use super::lenient::{decides, nested, opt};
use super::words::{display_name, gender, salary_type};
use super::{Field, Obj, Unread, record};
use crate::domain::employment_periods::Employment;
use crate::nmbrs::rest::ids::*;
use crate::nmbrs::{Contract, ContractId, EmployeeId, NmbrsId, PayPeriod, PersonalInfo, Salary, SalaryId, Schedule};

/// A history record's REST id as a neutral id; a missing one is the nil UUID ([`has_id`]).
fn uuid_id(id: Field<Uuid>) -> NmbrsId {
    NmbrsId::Uuid(id.ok().unwrap_or_default())
}

/// Whether a record read by this module had its own id (`false`: missing or unreadable).
pub fn has_id(id: NmbrsId) -> bool {
    id.rest().is_some_and(|u| !u.is_nil())
}

/// `EmployeeBasicInfo`: nothing in it decides.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BasicInfo {
    /// User-defined and **not unique** (CONTRACT §5.2).
    #[serde(default, with = "opt")]
    pub employee_number: Option<i32>,
    #[serde(default, with = "opt")]
    pub first_name: Option<String>,
    #[serde(default, with = "opt")]
    pub prefix: Option<String>,
    #[serde(default, with = "opt")]
    pub initials: Option<String>,
    #[serde(default, with = "opt")]
    pub last_name: Option<String>,
    /// `payroll`, `formerPayroll`, `external`, …
    #[serde(default, with = "opt")]
    pub employee_type: Option<String>,
}

/// `GET /api/companies/{companyId}/employees` item: an employee with basic info (all of it
/// `None` when the object cannot be read).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Employee {
    /// *decides*.
    #[serde(with = "decides")]
    pub employee_id: EmployeeUuid,
    #[serde(default, with = "nested")]
    pub employee_basic_info: BasicInfo,
}

/// `BirthInfo`: `gender` is `male`, `female`, `unspecified` or `unknown`.
#[derive(Deserialize, Serialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct WBirthInfo {
    pub birth_date: Field<NaiveDateTime>,
    pub gender: Field<String>,
}

/// `ContactInfo`.
#[derive(Deserialize, Serialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct WContactInfo {
    pub private_email: Field<String>,
    pub business_email: Field<String>,
    pub business_phone: Field<String>,
    pub business_mobile_phone: Field<String>,
    pub private_phone: Field<String>,
    pub private_mobile_phone: Field<String>,
    #[serde(skip_serializing_if = "Field::is_missing")]
    pub other_phone: Field<String>,
}

/// One record of `GET /api/companies/{companyId}/employees/personalinfo` (no BSN here).
#[derive(Deserialize, Serialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct WPersonalInfo {
    pub personal_info_id: Field<Uuid>,
    pub basic_info: Field<Obj<BasicInfo>>,
    pub birth_info: Field<Obj<WBirthInfo>>,
    pub contact_info: Field<Obj<WContactInfo>>,
    /// The period from which this record applies.
    pub period: Field<Obj<WPeriod>>,
    pub created_at: Field<NaiveDateTime>,
}

/// A personal-info record as SOAP's `PersonalInfo_V2` (nothing in it decides; its period is
/// `start_year`/`start_period`, 0 when unreadable).
pub fn personal_info(v: &Value) -> Result<PersonalInfo, Unread> {
    let w: WPersonalInfo = record(v)?;
    let b = w.basic_info.ok().map(|o| o.0).unwrap_or_default();
    let birth = w.birth_info.ok().map(|o| o.0).unwrap_or_default();
    let c = w.contact_info.ok().map(|o| o.0).unwrap_or_default();
    let period = w.period.ok().and_then(|p| p.0.pay_period().ok());
    let (first_name, prefix, last_name) = (b.first_name, b.prefix, b.last_name);
    Ok(PersonalInfo {
        id: EmployeeId(uuid_id(w.personal_info_id)),
        display_name: display_name([&first_name, &prefix, &last_name]),
        employee_number: b.employee_number.unwrap_or(0),
        first_name,
        initials: b.initials,
        prefix,
        last_name,
        gender: gender(birth.gender.ok().as_deref()),
        telephone_private: c.private_phone.ok(),
        telephone_work: c.business_phone.ok(),
        telephone_mobile_private: c.private_mobile_phone.ok(),
        telephone_mobile_work: c.business_mobile_phone.ok(),
        telephone_other: c.other_phone.ok(),
        email_private: c.private_email.ok(),
        email_work: c.business_email.ok(),
        birthday: birth.birth_date.ok(),
        creation_date: w.created_at.ok(),
        start_period: period.map_or(0, |p| p.period.into()),
        start_year: period.map_or(0, |p| p.year),
        ..Default::default()
    })
}

/// One record of `GET /api/companies/{companyId}/employees/privateInfos`. `Debug` never
/// shows the BSN.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct PrivateInfo {
    /// *decides* (matching by BSN); cleaned and trimmed, never blank ([`super::FromWire`]).
    #[serde(rename = "BSN", with = "decides")]
    pub bsn: String,
    #[serde(rename = "createdAt", default, with = "opt")]
    pub created_at: Option<NaiveDateTime>,
}

impl fmt::Debug for PrivateInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateInfo").field("bsn", &"<redacted>").field("created_at", &self.created_at).finish()
    }
}

/// One contract of `GET /api/companies/{companyId}/employees/contracts`.
#[derive(Deserialize, Serialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct WContract {
    pub contract_id: Field<Uuid>,
    /// *decides*.
    pub start_date: Field<NaiveDateTime>,
    pub trial_period: Field<NaiveDateTime>,
    /// *decides*: null = open-ended; a value that is present but unreadable makes the record
    /// unreadable.
    pub end_date: Field<NaiveDateTime>,
    pub indefinite: Field<bool>,
    pub written_contract: Field<bool>,
    pub hours_per_week: Field<Decimal>,
    pub created_at: Field<NaiveDateTime>,
}

/// A contract as SOAP's `EmployeeContract`; a missing `contractId` reads as the nil UUID
/// ([`has_id`]: the contract list sets such an employee aside).
pub fn contract(v: &Value) -> Result<Contract, Unread> {
    let w: WContract = record(v)?;
    Ok(Contract {
        contract_id: ContractId(uuid_id(w.contract_id)),
        start_date: Some(w.start_date.need("startDate")?),
        end_date: w.end_date.need_or_null("endDate")?,
        creation_date: w.created_at.ok(),
        trial_period: w.trial_period.ok(),
        indefinite: w.indefinite.ok(),
        written_contract: w.written_contract.ok(),
        hours_per_week: w.hours_per_week.ok(),
        ..Default::default()
    })
}

/// `EndContractReason` of an employment.
#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub struct WEndReason {
    pub code: Field<i32>,
    pub reason: Field<String>,
}

/// One employment of `GET /api/companies/{companyId}/employees/employments`.
#[derive(Deserialize, Serialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct WEmployment {
    pub employment_id: Field<Uuid>,
    pub creation_date: Field<NaiveDateTime>,
    /// *decides*.
    pub start_date: Field<NaiveDateTime>,
    /// *decides* as for contracts.
    pub end_date: Field<NaiveDateTime>,
    pub seniority_date: Field<NaiveDateTime>,
    pub end_contract_reason: Field<Obj<WEndReason>>,
    pub changed_date: Field<NaiveDateTime>,
}

/// An employment as the period that bounds contracts ([`Employment`]).
pub fn employment(v: &Value) -> Result<Employment, Unread> {
    let w: WEmployment = record(v)?;
    Ok(Employment {
        id: ContractId(uuid_id(w.employment_id)),
        start: w.start_date.need("startDate")?,
        end: w.end_date.need_or_null("endDate")?,
        created: w.creation_date.ok(),
    })
}

/// One address of `GET /api/companies/{companyId}/employees/addresses` (history, newest
/// record per type in effect): nothing in it decides, every field is passed on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
    pub address_id: Option<Uuid>,
    #[serde(default, with = "opt")]
    pub is_default: Option<bool>,
    /// `homeAddress`, `postAddress`, …
    #[serde(rename = "type", default, with = "opt")]
    pub address_type: Option<String>,
    #[serde(default, with = "opt")]
    pub street: Option<String>,
    #[serde(default, with = "opt")]
    pub house_number: Option<String>,
    #[serde(default, with = "opt")]
    pub house_number_addition: Option<String>,
    #[serde(default, with = "opt")]
    pub postal_code: Option<String>,
    #[serde(default, with = "opt")]
    pub city: Option<String>,
    #[serde(rename = "countryISOCode", default, with = "opt")]
    pub country_iso_code: Option<String>,
    /// The period from which this record applies (what dates an address in its history).
    #[serde(default, with = "opt")]
    pub period: Option<PayPeriod>,
    #[serde(default, with = "opt")]
    pub created_at: Option<NaiveDateTime>,
}

/// One salary of `GET /api/companies/{companyId}/employees/salaries`.
#[derive(Deserialize, Serialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct WSalary {
    pub salary_id: Field<Uuid>,
    pub start_date: Field<NaiveDateTime>,
    /// Euros.
    pub value: Field<Decimal>,
    /// `grossFulltimeSalary`, `grossHourlyWage`, … ([`super::SALARY_TYPES`]).
    #[serde(rename = "type", skip_serializing_if = "Field::is_missing")]
    pub salary_type: Field<String>,
    pub created_at: Field<NaiveDateTime>,
}

/// A salary as SOAP's `Salary_V2` (its type as the Nmbrs number).
pub fn salary(v: &Value) -> Result<Salary, Unread> {
    let w: WSalary = record(v)?;
    Ok(Salary {
        id: SalaryId(uuid_id(w.salary_id)),
        value: w.value.ok(),
        salary_type: salary_type(w.salary_type.ok().as_deref()),
        salary_table: None,
        start_date: w.start_date.ok(),
        creation_date: w.created_at.ok(),
    })
}

/// Hours per weekday of one schedule week.
#[derive(Deserialize, Serialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct WWeek {
    pub hours_monday: Field<Decimal>,
    pub hours_tuesday: Field<Decimal>,
    pub hours_wednesday: Field<Decimal>,
    pub hours_thursday: Field<Decimal>,
    pub hours_friday: Field<Decimal>,
    pub hours_saturday: Field<Decimal>,
    pub hours_sunday: Field<Decimal>,
}

impl WWeek {
    /// Monday first; a day that could not be read is 0.
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

    /// The week of `hours` (Monday first).
    pub fn of(hours: [Field<Decimal>; 7]) -> Self {
        let [hours_monday, hours_tuesday, hours_wednesday, hours_thursday, hours_friday, hours_saturday, hours_sunday] =
            hours;
        WWeek {
            hours_monday,
            hours_tuesday,
            hours_wednesday,
            hours_thursday,
            hours_friday,
            hours_saturday,
            hours_sunday,
        }
    }
}

/// One schedule of `GET /api/companies/{companyId}/employees/schedules`.
#[derive(Deserialize, Serialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct WSchedule {
    pub schedule_id: Field<Uuid>,
    pub start_date: Field<NaiveDateTime>,
    pub parttime_percentage: Field<Decimal>,
    pub hours_per_week: Field<Decimal>,
    pub days_per_week: Field<Decimal>,
    pub week1: Field<Obj<WWeek>>,
    pub week2: Field<Obj<WWeek>>,
    pub created_at: Field<NaiveDateTime>,
}

/// A schedule as SOAP's `Schedule_V2` (its decimal id 0: a UUID does not fit and no rule reads
/// it; a day that could not be read is 0 hours).
pub fn schedule(v: &Value) -> Result<Schedule, Unread> {
    let w: WSchedule = record(v)?;
    let week = |f: Field<Obj<WWeek>>| f.ok().map_or([Decimal::ZERO; 7], |o| o.0.days()).map(Some);
    Ok(Schedule {
        id: Decimal::ZERO,
        hours_week1: week(w.week1),
        hours_week2: week(w.week2),
        parttime_percentage: w.parttime_percentage.ok(),
        start_date: w.start_date.ok(),
        creation_date: w.created_at.ok(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::{by_employee, checked};
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
        assert!(!has_id(c.contract_id.0), "no contractId: set aside by the contract list");
        assert_eq!(listed.unreadable.len(), 2);
        assert_eq!(listed.unreadable[0].field, "startDate");
        assert!(listed.unreadable[0].employee_id.is_some());
        assert_eq!((listed.unreadable[1].employee_id, listed.unreadable[1].field.as_str()), (None, "employeeId"));
    }

    #[test]
    fn the_bsn_never_prints() {
        let b: PrivateInfo = checked(&json!({"BSN": " 123456782 ", "createdAt": "2026-01-01T00:00:00Z"})).unwrap();
        assert_eq!(b.bsn, "123456782");
        assert!(!format!("{b:?}").contains("123456782"));
    }
}
