//! The neutral records of Nmbrs (see `domain::nmbrs`), the values that cross both edges: id
//! newtypes, and the records the jobs read and write (shaped after SOAP's v3 records, the first
//! edge; REST maps into them, fields it lacks stay `None`). Parsed once at the edge, passed typed
//! inside; hours and amounts are `Decimal`, never floats. Payroll periods (`period`) and list
//! results (`listed`) are re-exported here, so `model::*` is the whole model.

use std::fmt;

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use super::listed::{Listed, PerEmployee, UnreadableRecord};
pub use super::period::{CurrentPeriod, PayPeriod, PeriodError, PeriodType, WritePeriod};
pub use crate::domain::nmbrs_id::NmbrsId;

/// The text of a snapshot field (a name, code, city, phone number, e-mail address): up to 24
/// bytes of UTF-8 are held inline, longer text on the heap. Reads as `&str` (`as_str()`,
/// `as_deref()`), is made with `.into()` from `&str` or `String`, and serializes as a plain
/// JSON string. Issue 22: a company-wide SOAP read fills ~15 such fields per employee, and
/// one heap block each was most of what the records added to the parse.
pub type Text = compact_str::CompactString;

macro_rules! code_newtype {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i32);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

code_newtype!(
    /// A code of a company's hour model (`HourCode`, REST `hourCode`): an integer in both APIs.
    HourCode,
    /// A code of a company's wage model (`Code`, REST `code`): an integer in both APIs.
    WageCode,
);

/// Ids of things that exist in both APIs under different ids: a [`NmbrsId`] inside (an
/// integer from SOAP, a UUID from REST), one newtype per kind so an employee id is never
/// passed where a company id is meant.
macro_rules! id_newtype {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub NmbrsId);

        impl $name {
            /// The id of SOAP integer `id`.
            pub const fn int(id: i32) -> Self {
                $name(NmbrsId::Int(id))
            }

            /// The SOAP integer id, `None` when this id came from REST.
            pub fn soap(self) -> Option<i32> {
                self.0.soap()
            }

            /// The id when it can be one: a positive SOAP integer (a field that failed to
            /// decode reads as 0) or any UUID but the nil one.
            pub fn positive(self) -> Option<Self> {
                match self.0 {
                    NmbrsId::Int(id) if id > 0 => Some(self),
                    NmbrsId::Uuid(id) if !id.is_nil() => Some(self),
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i32> for $name {
            fn from(id: i32) -> Self {
                $name(NmbrsId::Int(id))
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::domain::nmbrs_id::NotAnId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }
    )*};
}

id_newtype!(
    /// Nmbrs employee id (SOAP `EmployeeId`/`EmployeeID`, REST `employeeId`), not the personnel number.
    EmployeeId,
    /// Nmbrs company id (SOAP `CompanyId`/`CompanyID`/`ID`, REST `companyId`).
    CompanyId,
    /// Id of a variable hour component line (SOAP `HourComponentVar_Insert`'s result, REST `hourComponentId`).
    HourComponentId,
    /// Id of a variable wage component line (SOAP `WageComponentVar_Insert`'s result, REST `variableWageComponentId`).
    WageComponentId,
    /// Id of one contract version (SOAP `ContractID`, REST `contractId`).
    ContractId,
    /// Id of one salary version (SOAP `Id`, REST `salaryId`).
    SalaryId,
);

macro_rules! decimal_newtype {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Decimal);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = rust_decimal::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }
    )*};
}

decimal_newtype!(
    /// Hours of an hour component (decimal, never float).
    Hours,
    /// Value of a wage component: an amount in euros or a count (meals, kilometres).
    Amount,
);

/// `Company` of `List_GetAll`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Company {
    pub id: CompanyId,
    pub number: i32,
    pub name: Option<String>,
    pub phone_number: Option<String>,
    pub fax_number: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    /// Wage-tax declaration period (`None|Month|Week4|Month6|Year`), not the payroll type.
    pub loonaangifte_tijdvak: String,
    pub kvk_nr: Option<String>,
}

/// `Employee` of `List_GetByCompany`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmployeeListItem {
    pub id: EmployeeId,
    pub number: i32,
    pub display_name: Option<String>,
}

/// `HourCode` / `WageCode` of the hour and wage models.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelCode {
    pub code: i32,
    pub description: Option<String>,
}

/// An hour component line to insert (`Hourcomponent` of `HourComponentVar_Insert`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewHourComponent {
    pub hour_code: HourCode,
    pub hours: Hours,
    #[serde(default)]
    pub cost_center_id: Option<i32>,
    #[serde(default)]
    pub cost_unit_id: Option<i32>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A wage component line to insert (`WageComponent` of `WageComponentVar_Insert`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewWageComponent {
    pub code: WageCode,
    pub value: Amount,
    #[serde(default)]
    pub cost_center_id: Option<i32>,
    #[serde(default)]
    pub cost_unit_id: Option<i32>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// `HourComponent` of `HourComponentVar_Get`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourComponentLine {
    pub id: HourComponentId,
    pub hour_code: i32,
    pub hours: Hours,
    /// The line's comment: read through REST, `None` through SOAP (its read has none). The
    /// worker's marker in it names the insert intent that made the line (CONTRACT §5.3).
    #[serde(default)]
    pub comment: Option<String>,
}

/// `WageComponent` of `WageComponentVar_Get`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WageComponentLine {
    pub id: WageComponentId,
    pub code: i32,
    pub value: Amount,
    /// As [`HourComponentLine::comment`].
    #[serde(default)]
    pub comment: Option<String>,
}

/// One flat row of `PersonalInfoContractSalaryAddress_GetAll_AllEmployeesByCompany`.
/// Holds the BSN: its `Debug` leaves it out.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmployeeSnapshot {
    pub employee_id: EmployeeId,
    pub employee_number: i32,
    pub first_name: Option<Text>,
    pub birthday: Option<NaiveDateTime>,
    pub prefix: Option<Text>,
    pub last_name: Option<Text>,
    pub gender: Text,
    pub bsn: Option<Text>,
    pub city: Option<Text>,
    pub telephone_work: Option<Text>,
    pub telephone_mobile_work: Option<Text>,
    pub email_work: Option<Text>,
    pub contract_start_date: Option<NaiveDateTime>,
    pub contract_end_date: Option<NaiveDateTime>,
    pub email_private: Option<Text>,
    pub telephone_private: Option<Text>,
    pub telephone_mobile_private: Option<Text>,
    pub salary_type: Option<Text>,
    pub salary_value: Option<Decimal>,
    pub street: Option<Text>,
    pub house_number: Option<Text>,
    pub house_number_addition: Option<Text>,
    pub post_code: Option<Text>,
    /// Passed on; `None` when nil, absent or unparsable (CONTRACT §2.3), never 0.
    pub hourly_wage: Option<Decimal>,
    /// Hours per week of the current contract; passed on, `None` like `hourly_wage`.
    pub contract_hours: Option<Decimal>,
}

/// `Debug` of a record holding a BSN: ids only, the BSN shown as redacted.
fn debug_without_bsn(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    id: EmployeeId,
    number: i32,
    bsn: Option<&str>,
) -> fmt::Result {
    f.debug_struct(name)
        .field("id", &id)
        .field("employee_number", &number)
        .field("bsn", &bsn.map(|_| "<redacted>"))
        .finish_non_exhaustive()
}

impl fmt::Debug for EmployeeSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (id, number) = (self.employee_id, self.employee_number);
        debug_without_bsn(f, "EmployeeSnapshot", id, number, self.bsn.as_deref())
    }
}

/// `PersonalInfo_V2`: one record of an employee's personal-info history. Holds the BSN:
/// its `Debug` leaves it out.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PersonalInfo {
    pub id: EmployeeId,
    pub display_name: Option<String>,
    pub employee_number: i32,
    pub bsn: Option<String>,
    pub title: Option<String>,
    pub first_name: Option<String>,
    pub initials: Option<String>,
    pub prefix: Option<String>,
    pub last_name: Option<String>,
    pub nickname: Option<String>,
    pub gender: String,
    /// The enumerations and start period are not passed on (no job reads `PersonalInfo`);
    /// non-nillable ints in the WSDL, 0 when unreadable.
    pub nationality_code: i32,
    pub place_of_birth: Option<String>,
    pub country_of_birth_iso_code: Option<String>,
    pub identification_number: Option<String>,
    pub identification_type: i32,
    pub partner_prefix: Option<String>,
    pub partner_last_name: Option<String>,
    pub telephone_private: Option<String>,
    pub telephone_work: Option<String>,
    pub telephone_mobile_private: Option<String>,
    pub telephone_mobile_work: Option<String>,
    pub telephone_other: Option<String>,
    pub email_private: Option<String>,
    pub email_work: Option<String>,
    pub burgerlijke_staat: i32,
    pub naamstelling: i32,
    pub birthday: Option<NaiveDateTime>,
    pub creation_date: Option<NaiveDateTime>,
    pub start_period: i32,
    pub start_year: i32,
    pub deceased_date: Option<NaiveDateTime>,
    pub in_case_of_emergency: Option<String>,
    pub in_case_of_emergency_phone: Option<String>,
    pub in_case_of_emergency_relation: Option<String>,
    pub title_after: Option<String>,
}

impl fmt::Debug for PersonalInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_without_bsn(f, "PersonalInfo", self.id, self.employee_number, self.bsn.as_deref())
    }
}

/// `EmployeeContract` (with the v3 additions).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Contract {
    pub contract_id: ContractId,
    pub creation_date: Option<NaiveDateTime>,
    pub start_date: Option<NaiveDateTime>,
    pub trial_period: Option<NaiveDateTime>,
    pub end_date: Option<NaiveDateTime>,
    /// Passed on; `None` when nil, absent or unparsable (CONTRACT §2.3).
    pub employement_type: Option<i32>,
    pub employment_sequence_tax_id: Option<i32>,
    pub indefinite: Option<bool>,
    pub phase_classification: Option<i32>,
    pub written_contract: Option<bool>,
    pub hours_per_week: Option<Decimal>,
}

/// `Schedule_V2`: hours per weekday of week 1 and week 2 (Monday first).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Schedule {
    /// `Id` is a decimal in the WSDL (sic).
    pub id: Decimal,
    /// Hours per day; `None` when nil, absent or unparsable (passed on as null, never as 0:
    /// CONTRACT §2.3).
    pub hours_week1: [Option<Decimal>; 7],
    pub hours_week2: [Option<Decimal>; 7],
    /// Passed on; `None` when nil, absent or unparsable (CONTRACT §2.3).
    pub parttime_percentage: Option<Decimal>,
    pub start_date: Option<NaiveDateTime>,
    pub creation_date: Option<NaiveDateTime>,
}

/// `SalaryTable` of a `Salary_V2` (scale and step flattened).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SalaryTable {
    pub code: i32,
    pub description: Option<String>,
    pub scale: Option<String>,
    pub scale_description: Option<String>,
    pub scale_value: Option<Decimal>,
    pub scale_percentage_max: Option<Decimal>,
    pub scale_percentage_min: Option<Decimal>,
    pub step: Option<String>,
    pub step_description: Option<String>,
    pub step_value: Option<Decimal>,
}

/// `Salary_V2`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Salary {
    pub id: SalaryId,
    /// Passed on; `None` when nil, absent or unparsable (CONTRACT §2.3).
    pub value: Option<Decimal>,
    /// Salary type as an int (see the Nmbrs enumerations); `None` when unreadable.
    pub salary_type: Option<i32>,
    pub salary_table: Option<SalaryTable>,
    pub start_date: Option<NaiveDateTime>,
    pub creation_date: Option<NaiveDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_debug_hides_bsn() {
        let s = EmployeeSnapshot { bsn: Some("123456782".into()), ..Default::default() };
        assert!(!format!("{s:?}").contains("123456782"));
        let p = PersonalInfo { bsn: Some("123456782".into()), ..Default::default() };
        assert!(!format!("{p:?}").contains("123456782"));
    }

    #[test]
    fn snapshot_text_serializes_as_plain_strings_short_or_long() {
        let long = "medewerker12345@horeca.example";
        let s = EmployeeSnapshot {
            first_name: Some("Ada".into()),
            gender: "female".into(),
            email_work: Some(long.into()),
            ..Default::default()
        };
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(
            (&json["first_name"], &json["gender"], &json["email_work"]),
            (&"Ada".into(), &"female".into(), &long.into())
        );
        assert!(json["city"].is_null());
        assert_eq!(serde_json::from_value::<EmployeeSnapshot>(json).unwrap(), s);
    }
}
