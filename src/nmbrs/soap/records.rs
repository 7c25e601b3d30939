//! The XML shape of every record: one table per type mapping element name ↔ field, in
//! WSDL order, with the value codec (int, decimal, nillable, optional string…). The client
//! reads with it ([`Record::leaf`]); the simulator writes with it ([`Record::write`]), so
//! both sides agree by construction and the schema test checks the table against the WSDL.
//!
//! Leniency by field (CONTRACT §2.3): each table marks the fields a decision needs
//! (`(decide)`: ids, contract start and end, the values the export reads). Such a field
//! that is nil where a value is needed, absent ([`Record::REQUIRED`], [`Record::check`]) or
//! unparsable makes its record unreadable ([`FieldError`]). Every other field is only
//! passed on: every passed-on number and date is an `Option` and reads as `None` (published
//! as null, never as 0). The only passed-on fields that are not `Option`s read as the type's
//! empty value: the text enumerations (`Gender`, `LoonaangifteTijdvak`: `""`, published as
//! null) and the identifiers that are not decision fields (employee and company `Number`,
//! a history item's own `Id`/`ID`, `SalaryTable.Code`: `0` = unknown, never published as a
//! value), and the personal-info enumerations, which no job reads.
//! Schedule day hours are `Option`s too: an unreadable day is null, not 0.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use super::envelope::SoapWriter;
use crate::domain::nmbrs::model::*;

/// Decodes a leaf's text (`None` = `xsi:nil`) and writes a value back.
pub trait Codec: Sized {
    fn decode(text: Option<&str>) -> Result<Self, String>;
    fn encode(&self, w: &mut SoapWriter, name: &str);
}

fn required(text: Option<&str>) -> Result<&str, String> {
    text.map(str::trim).ok_or_else(|| "nil for a required value".to_owned())
}

/// `None` for nil and for an empty element (lenient).
fn optional(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

impl Codec for i32 {
    fn decode(text: Option<&str>) -> Result<Self, String> {
        let t = required(text)?;
        t.parse().map_err(|_| format!("{t:?} is not an int"))
    }
    fn encode(&self, w: &mut SoapWriter, name: &str) {
        w.leaf(name, &self.to_string());
    }
}

impl Codec for bool {
    fn decode(text: Option<&str>) -> Result<Self, String> {
        match required(text)? {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            t => Err(format!("{t:?} is not a boolean")),
        }
    }
    fn encode(&self, w: &mut SoapWriter, name: &str) {
        w.leaf(name, if *self { "true" } else { "false" });
    }
}

/// Parses a decimal leniently: `7.50`, `7,50`, ` 7 `. Never via a float.
pub fn parse_decimal(t: &str) -> Result<Decimal, String> {
    let t = t.trim();
    let parsed = if t.contains(',') && !t.contains('.') {
        Decimal::from_str(&t.replace(',', "."))
    } else {
        Decimal::from_str(t)
    };
    parsed.map_err(|_| format!("{t:?} is not a decimal"))
}

impl Codec for Decimal {
    fn decode(text: Option<&str>) -> Result<Self, String> {
        parse_decimal(required(text)?)
    }
    fn encode(&self, w: &mut SoapWriter, name: &str) {
        w.leaf(name, &self.to_string());
    }
}

macro_rules! decimal_codec {
    ($($t:ident),*) => {$(
        impl Codec for $t {
            fn decode(text: Option<&str>) -> Result<Self, String> {
                Decimal::decode(text).map($t)
            }
            fn encode(&self, w: &mut SoapWriter, name: &str) {
                self.0.encode(w, name);
            }
        }
    )*};
}
decimal_codec!(Hours, Amount);

/// SOAP ids are `s:int`: they read and write as `i32`. A REST id never reaches a SOAP record
/// (the sim's SOAP face and the SOAP client hold integers only); encoding one is a bug.
macro_rules! soap_id_codec {
    ($($t:ident),*) => {$(
        impl Codec for $t {
            fn decode(text: Option<&str>) -> Result<Self, String> {
                i32::decode(text).map($t::from)
            }
            fn encode(&self, w: &mut SoapWriter, name: &str) {
                let id = self.soap().unwrap_or_else(|| panic!("a REST id ({self}) in a SOAP record"));
                id.encode(w, name);
            }
        }
    )*};
}
soap_id_codec!(EmployeeId, CompanyId, ContractId, SalaryId, HourComponentId, WageComponentId);

/// Parses an `s:dateTime` (`2026-11-03T00:00:00`, with fractions, a zone, or a bare date).
/// Nmbrs means Dutch local time; a zone, if any, is dropped.
pub fn parse_datetime(t: &str) -> Result<NaiveDateTime, String> {
    let t = t.trim();
    if let Some(dt) = asmx_datetime(t) {
        return Ok(dt);
    }
    // `FromStr` reads `%Y-%m-%dT%H:%M:%S%.f` without a format string.
    t.parse::<NaiveDateTime>()
        .or_else(|_| DateTime::parse_from_rfc3339(t).map(|d| d.naive_local()))
        .or_else(|_| NaiveDate::parse_from_str(t, "%Y-%m-%d").map(|d| d.and_time(Default::default())))
        .map_err(|_| format!("{t:?} is not a dateTime"))
}

/// The exact shape ASMX writes, `YYYY-MM-DDThh:mm:ss`, read by position (a company-wide
/// read has three per employee); chrono still checks that the date and time exist.
fn asmx_datetime(t: &str) -> Option<NaiveDateTime> {
    let b = t.as_bytes();
    let shape = b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        });
    if !shape {
        return None;
    }
    let n = |from: usize, to: usize| t[from..to].parse::<u32>().ok();
    NaiveDate::from_ymd_opt(n(0, 4)? as i32, n(5, 7)?, n(8, 10)?)?.and_hms_opt(n(11, 13)?, n(14, 16)?, n(17, 19)?)
}

impl Codec for NaiveDateTime {
    fn decode(text: Option<&str>) -> Result<Self, String> {
        parse_datetime(required(text)?)
    }
    fn encode(&self, w: &mut SoapWriter, name: &str) {
        w.leaf(name, &self.format("%Y-%m-%dT%H:%M:%S").to_string());
    }
}

/// Required strings (enums such as `Gender`): nil reads as empty.
impl Codec for String {
    fn decode(text: Option<&str>) -> Result<Self, String> {
        Ok(text.unwrap_or("").to_owned())
    }
    fn encode(&self, w: &mut SoapWriter, name: &str) {
        w.leaf(name, self);
    }
}

/// `minOccurs="0"` strings: absent when `None`; an empty (or, once cleaned, blank) value
/// reads as `None` too.
impl Codec for Option<String> {
    fn decode(text: Option<&str>) -> Result<Self, String> {
        Ok(optional(text).map(str::to_owned))
    }
    fn encode(&self, w: &mut SoapWriter, name: &str) {
        w.leaf_opt(name, self.as_deref());
    }
}

macro_rules! nillable {
    ($($t:ty),*) => {$(
        /// `nillable="true"` values: `xsi:nil` when `None`; empty text reads as `None`.
        impl Codec for Option<$t> {
            fn decode(text: Option<&str>) -> Result<Self, String> {
                optional(text).map(|t| <$t>::decode(Some(t))).transpose()
            }
            fn encode(&self, w: &mut SoapWriter, name: &str) {
                match self {
                    Some(v) => v.encode(w, name),
                    None => w.leaf_nil::<&str>(name, None),
                }
            }
        }
    )*};
}
nillable!(i32, bool, Decimal, NaiveDateTime);

/// A field a decision needs that could not be read: its element name and what was wrong.
/// The problem quotes at most [`FieldError::MAX_QUOTE`] characters of the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub problem: String,
}

impl FieldError {
    /// Longest problem text kept (a quoted value is cut there).
    pub const MAX_QUOTE: usize = 80;

    pub fn new(field: &str, problem: &str) -> Self {
        FieldError { field: field.to_owned(), problem: problem.chars().take(Self::MAX_QUOTE).collect() }
    }

    /// The field is absent, nil or empty where a value is needed.
    pub fn missing(field: &str) -> Self {
        FieldError::new(field, "missing")
    }
}

/// A record read from leaves and written back as child elements.
pub trait Record: Default {
    /// Element names of the decision fields that must be present with a value as direct
    /// children of the record element (checked by the list reader; at most 32).
    const REQUIRED: &'static [&'static str] = &[];
    /// A complex child opened at `depth` (1 = direct child of the record element).
    fn open(&mut self, _depth: usize, _name: &str) {}
    /// A leaf at `depth`; unknown names are ignored. Fails only for a decision field.
    fn leaf(&mut self, depth: usize, name: &str, text: Option<&str>) -> Result<(), FieldError>;
    /// Checks, once the record is complete, the decision fields [`Record::REQUIRED`] cannot
    /// (those of nested records, e.g. a contract's start date).
    fn check(&self) -> Result<(), FieldError> {
        Ok(())
    }
    /// The Nmbrs employee the record is about, when it names one.
    fn employee_id(&self) -> Option<EmployeeId> {
        None
    }
    /// For a variable hour or wage line: its `Id` and its code, each when it could be read
    /// (so an unreadable line still says which lines and codes it may be).
    fn line(&self) -> (Option<NmbrsId>, Option<i32>) {
        (None, None)
    }
    /// Writes the children of the record element, in WSDL order.
    fn write(&self, w: &mut SoapWriter);
}

/// A decision field: a value that cannot be decoded is an error.
fn field<T: Codec>(slot: &mut T, name: &str, text: Option<&str>) -> Result<(), FieldError> {
    *slot = T::decode(text).map_err(|e| FieldError::new(name, &e))?;
    Ok(())
}

/// A passed-on field: a value that cannot be decoded reads as the type's empty value.
fn lenient<T: Codec + Default>(slot: &mut T, text: Option<&str>) {
    *slot = T::decode(text).unwrap_or_default();
}

/// One field of a [`record!`] table: `decide` fields may fail, the others never do.
macro_rules! read_field {
    (decide $slot:expr, $name:expr, $text:expr) => {
        field(&mut $slot, $name, $text)?
    };
    ($slot:expr, $name:expr, $text:expr) => {
        lenient(&mut $slot, $text)
    };
}

/// Implements [`Record`] from a table `"Element" => field` in WSDL order; `(decide)` marks a
/// decision field; `required [...]` lists the elements that must be present; `employee f`
/// names the field holding the employee id; `line id code` the fields of a variable line's id
/// and code.
macro_rules! record {
    ($ty:ty { $($xml:literal => $field:ident $(($decide:ident))?),* $(,)? } required [$($req:literal),*]
     $(employee $emp:ident)? $(line $line_id:ident $line_code:ident)?) => {
        impl Record for $ty {
            const REQUIRED: &'static [&'static str] = &[$($req),*];
            $(fn employee_id(&self) -> Option<EmployeeId> {
                self.$emp.positive()
            })?
            // A field that failed to decode keeps its default (0): ids and codes are positive.
            $(fn line(&self) -> (Option<NmbrsId>, Option<i32>) {
                (self.$line_id.positive().map(|id| id.0), (self.$line_code > 0).then_some(self.$line_code))
            })?
            fn leaf(&mut self, depth: usize, name: &str, text: Option<&str>) -> Result<(), FieldError> {
                if depth == 1 {
                    match name {
                        $($xml => read_field!($($decide)? self.$field, name, text),)*
                        _ => {}
                    }
                }
                Ok(())
            }
            fn write(&self, w: &mut SoapWriter) {
                $(self.$field.encode(w, $xml);)*
            }
        }
    };
}

record!(Company {
    "ID" => id (decide), "Number" => number, "Name" => name, "PhoneNumber" => phone_number,
    "FaxNumber" => fax_number, "Email" => email, "Website" => website,
    "LoonaangifteTijdvak" => loonaangifte_tijdvak, "KvkNr" => kvk_nr,
} required ["ID"]);

record!(EmployeeListItem { "Id" => id (decide), "Number" => number, "DisplayName" => display_name } required ["Id"]);

record!(ModelCode { "Code" => code (decide), "Description" => description } required ["Code"]);

record!(HourComponentLine {
    "Id" => id (decide), "HourCode" => hour_code (decide), "Hours" => hours (decide),
} required ["Id", "HourCode", "Hours"] line id hour_code);

record!(WageComponentLine {
    "Id" => id (decide), "Code" => code (decide), "Value" => value (decide),
} required ["Id", "Code", "Value"] line id code);

record!(EmployeeSnapshot {
    "EmployeeID" => employee_id (decide), "EmployeeNumber" => employee_number,
    "FirstName" => first_name, "Birthday" => birthday, "Prefix" => prefix,
    "LastName" => last_name, "Gender" => gender, "BSN" => bsn, "City" => city,
    "TelephoneWork" => telephone_work, "TelephoneMobileWork" => telephone_mobile_work,
    "EmailWork" => email_work, "ContractStartDate" => contract_start_date (decide),
    "ContractEndDate" => contract_end_date (decide), "EmailPrivate" => email_private,
    "TelephonePrivate" => telephone_private,
    "TelephoneMobilePrivate" => telephone_mobile_private, "SalaryType" => salary_type,
    "SalaryValue" => salary_value, "Street" => street, "HouseNumber" => house_number,
    "HouseNumberAddition" => house_number_addition, "PostCode" => post_code,
    "HourlyWage" => hourly_wage, "ContractHours" => contract_hours,
} required ["EmployeeID"] employee employee_id);

record!(PersonalInfo {
    "Id" => id, "DisplayName" => display_name, "EmployeeNumber" => employee_number,
    "BSN" => bsn, "Title" => title, "FirstName" => first_name, "Initials" => initials,
    "Prefix" => prefix, "LastName" => last_name, "Nickname" => nickname,
    "Gender" => gender, "NationalityCode" => nationality_code,
    "PlaceOfBirth" => place_of_birth, "CountryOfBirthISOCode" => country_of_birth_iso_code,
    "IdentificationNumber" => identification_number,
    "IdentificationType" => identification_type, "PartnerPrefix" => partner_prefix,
    "PartnerLastName" => partner_last_name, "TelephonePrivate" => telephone_private,
    "TelephoneWork" => telephone_work, "TelephoneMobilePrivate" => telephone_mobile_private,
    "TelephoneMobileWork" => telephone_mobile_work, "TelephoneOther" => telephone_other,
    "EmailPrivate" => email_private, "EmailWork" => email_work,
    "BurgerlijkeStaat" => burgerlijke_staat, "Naamstelling" => naamstelling,
    "Birthday" => birthday, "CreationDate" => creation_date,
    "StartPeriod" => start_period, "StartYear" => start_year,
    "DeceasedDate" => deceased_date, "InCaseOfEmergency" => in_case_of_emergency,
    "InCaseOfEmergencyPhone" => in_case_of_emergency_phone,
    "InCaseOfEmergencyRelation" => in_case_of_emergency_relation,
    "TitleAfter" => title_after,
} required []);

// A nil `EndDate` is an open end; an unparsable one is not (it makes the record unreadable).
// `ContractID` and `StartDate` are checked by `check`: a contract is a nested record.
record!(Contract {
    "ContractID" => contract_id (decide), "CreationDate" => creation_date,
    "StartDate" => start_date (decide), "TrialPeriod" => trial_period, "EndDate" => end_date (decide),
    "EmployementType" => employement_type,
    "EmploymentSequenceTaxId" => employment_sequence_tax_id, "Indefinite" => indefinite,
    "PhaseClassification" => phase_classification,
    "WrittenContract" => written_contract, "HoursPerWeek" => hours_per_week,
} required []);

impl Contract {
    /// A contract's decision fields (CONTRACT §2.3): a positive `ContractID` and a `StartDate`.
    pub fn check_decision_fields(&self) -> Result<(), FieldError> {
        if self.contract_id.positive().is_none() {
            return Err(FieldError::missing("ContractID"));
        }
        if self.start_date.is_none() {
            return Err(FieldError::missing("StartDate"));
        }
        Ok(())
    }
}

const WEEKDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

impl Record for Schedule {
    /// Every schedule field is only passed on: nothing here fails.
    fn leaf(&mut self, depth: usize, name: &str, text: Option<&str>) -> Result<(), FieldError> {
        if depth != 1 {
            return Ok(());
        }
        match name {
            "Id" => lenient(&mut self.id, text),
            "ParttimePercentage" => lenient(&mut self.parttime_percentage, text),
            "StartDate" => lenient(&mut self.start_date, text),
            "CreationDate" => lenient(&mut self.creation_date, text),
            _ => {
                if let Some(day) = name.strip_prefix("Hours") {
                    let (day, week) = match day.strip_suffix('2') {
                        Some(d) => (d, &mut self.hours_week2),
                        None => (day, &mut self.hours_week1),
                    };
                    if let Some(i) = WEEKDAYS.iter().position(|d| *d == day) {
                        lenient(&mut week[i], text);
                    }
                }
            }
        }
        Ok(())
    }

    fn write(&self, w: &mut SoapWriter) {
        self.id.encode(w, "Id");
        for (suffix, week) in [("", &self.hours_week1), ("2", &self.hours_week2)] {
            for (day, hours) in WEEKDAYS.iter().zip(week) {
                hours.encode(w, &format!("Hours{day}{suffix}"));
            }
        }
        self.parttime_percentage.encode(w, "ParttimePercentage");
        self.start_date.encode(w, "StartDate");
        self.creation_date.encode(w, "CreationDate");
    }
}

impl Record for Salary {
    fn open(&mut self, depth: usize, name: &str) {
        if depth == 1 && name == "SalaryTable" {
            self.salary_table = Some(SalaryTable::default());
        }
    }

    /// Every salary field is only passed on: nothing here fails.
    fn leaf(&mut self, depth: usize, name: &str, text: Option<&str>) -> Result<(), FieldError> {
        match depth {
            1 => match name {
                "ID" => lenient(&mut self.id, text),
                "Value" => lenient(&mut self.value, text),
                "Type" => lenient(&mut self.salary_type, text),
                "StartDate" => lenient(&mut self.start_date, text),
                "CreationDate" => lenient(&mut self.creation_date, text),
                _ => {}
            },
            // Children of SalaryTable (depth 2) and of its Schaal/Trede (depth 3); the
            // names are distinct, so depth and name suffice.
            2 | 3 => {
                let Some(t) = self.salary_table.as_mut() else {
                    return Ok(());
                };
                match name {
                    "Code" => lenient(&mut t.code, text),
                    "Description" => lenient(&mut t.description, text),
                    "Scale" => lenient(&mut t.scale, text),
                    "SchaalDescription" => lenient(&mut t.scale_description, text),
                    "ScaleValue" => lenient(&mut t.scale_value, text),
                    "ScalePercentageMax" => lenient(&mut t.scale_percentage_max, text),
                    "ScalePercentageMin" => lenient(&mut t.scale_percentage_min, text),
                    "Step" => lenient(&mut t.step, text),
                    "StepDescription" => lenient(&mut t.step_description, text),
                    "StepValue" => lenient(&mut t.step_value, text),
                    _ => {}
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn write(&self, w: &mut SoapWriter) {
        self.id.encode(w, "ID");
        self.value.encode(w, "Value");
        self.salary_type.encode(w, "Type");
        if let Some(t) = &self.salary_table {
            w.start("SalaryTable", &[]);
            t.code.encode(w, "Code");
            t.description.encode(w, "Description");
            if t.scale.is_some() || t.scale_value.is_some() {
                w.start("Schaal", &[]);
                t.scale.encode(w, "Scale");
                t.scale_description.encode(w, "SchaalDescription");
                t.scale_value.unwrap_or_default().encode(w, "ScaleValue");
                t.scale_percentage_max.unwrap_or_default().encode(w, "ScalePercentageMax");
                t.scale_percentage_min.unwrap_or_default().encode(w, "ScalePercentageMin");
                w.end("Schaal");
            }
            if t.step.is_some() || t.step_value.is_some() {
                w.start("Trede", &[]);
                t.step.encode(w, "Step");
                t.step_description.encode(w, "StepDescription");
                t.step_value.unwrap_or_default().encode(w, "StepValue");
                w.end("Trede");
            }
            w.end("SalaryTable");
        }
        self.start_date.encode(w, "StartDate");
        self.creation_date.encode(w, "CreationDate");
    }
}

/// A record that comes as a per-employee history list (`…Item { EmployeeId, …s }`). The
/// names are those known (and written by the simulator); the reader does not depend on
/// `ENTRY` and `ITEM`: entries are the children of the result, history items the children
/// of the entry's list element.
pub trait HistoryRecord: Record {
    /// Element of one employee's entry in the result array, e.g. `EmployeeSalaryItem`
    /// (v3 also writes `EmployeeContractItemGlobal` for contracts).
    const ENTRY: &'static str;
    /// The wrapper of the history list, e.g. `EmployeeSalaries`.
    const LIST: &'static str;
    /// One history element, e.g. `Salary_V2`.
    const ITEM: &'static str;
    /// The part of a name that says "this is the list of these records", e.g. `Contract`
    /// (in `EmployeeContracts`): used to tell the list from other blocks of an entry.
    const KIND: &'static str;
    /// The decision fields of one history item (CONTRACT §2.3); none by default.
    fn check_item(&self) -> Result<(), FieldError> {
        Ok(())
    }
}

macro_rules! history {
    ($($ty:ty => $entry:literal, $list:literal, $item:literal, $kind:literal $(, $check:path)?;)*) => {$(
        impl HistoryRecord for $ty {
            const ENTRY: &'static str = $entry;
            const LIST: &'static str = $list;
            const ITEM: &'static str = $item;
            const KIND: &'static str = $kind;
            $(fn check_item(&self) -> Result<(), FieldError> {
                $check(self)
            })?
        }
    )*};
}

history! {
    PersonalInfo => "PersonalInfoItem", "EmployeePersonalInfos", "PersonalInfo_V2", "PersonalInfo";
    Contract => "EmployeeContractItem", "EmployeeContracts", "EmployeeContract", "Contract", Contract::check_decision_fields;
    // `Salar`: both `EmployeeSalaries` and `Salary_V2`.
    Salary => "EmployeeSalaryItem", "EmployeeSalaries", "Salary_V2", "Salar";
    Schedule => "EmployeeScheduleItem", "EmployeeSchedules", "Schedule_V2", "Schedule";
}

/// How much a child element `name` of an employee's entry looks like the entry's history
/// list of `kind` records (see [`HistoryRecord::KIND`]): 2 when the name contains the kind,
/// plus 1 when it ends in `s` (a plural); 0 for any other block (e.g. `<Employee>`). The
/// entry's list is its highest-ranked block, the first of equals; the others are ignored.
pub fn list_rank(name: &str, kind: &str) -> u8 {
    2 * u8::from(name.contains(kind)) + u8::from(name.ends_with('s'))
}

/// Reads one employee's entry of a per-employee history list into a [`PerEmployee`] (and
/// writes one back): `EmployeeId`, the list element whose children are the history items
/// whatever they are called, and any other block beside them, which is ignored. Which child
/// is the list is decided by [`list_rank`] as the entry streams by: a better-ranked list
/// element (also a nil or empty one) replaces the items taken from a worse one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HistoryEntry<T> {
    pub entry: PerEmployee<T>,
    /// Rank of the child taken as the list so far; `None` before any.
    list_rank: Option<u8>,
    /// Whether the child being read is that list.
    in_list: bool,
}

impl<T> From<PerEmployee<T>> for HistoryEntry<T> {
    fn from(entry: PerEmployee<T>) -> Self {
        HistoryEntry { entry, list_rank: None, in_list: false }
    }
}

impl<T: HistoryRecord> HistoryEntry<T> {
    /// A depth-1 child `name` other than `EmployeeId`: whether it becomes the list.
    fn claim_list(&mut self, name: &str) -> bool {
        let rank = list_rank(name, T::KIND);
        let better = self.list_rank.is_none_or(|r| rank > r);
        if better {
            self.entry.items.clear();
            self.list_rank = Some(rank);
        }
        better
    }
}

/// An employee's entry. A nil or empty list is an empty history ("no contracts").
impl<T: HistoryRecord> Record for HistoryEntry<T> {
    const REQUIRED: &'static [&'static str] = &["EmployeeId"];

    fn check(&self) -> Result<(), FieldError> {
        self.entry.items.iter().try_for_each(T::check_item)
    }

    fn employee_id(&self) -> Option<EmployeeId> {
        self.entry.employee_id.positive()
    }

    fn open(&mut self, depth: usize, name: &str) {
        match depth {
            1 => self.in_list = self.claim_list(name),
            _ if !self.in_list => {}
            2 => self.entry.items.push(T::default()),
            d => {
                if let Some(last) = self.entry.items.last_mut() {
                    last.open(d - 2, name);
                }
            }
        }
    }

    fn leaf(&mut self, depth: usize, name: &str, text: Option<&str>) -> Result<(), FieldError> {
        match depth {
            1 if name == "EmployeeId" => field(&mut self.entry.employee_id, name, text),
            // A nil or empty list element: no items, unless a better-ranked list follows.
            1 => {
                self.claim_list(name);
                self.in_list = false;
                Ok(())
            }
            _ if !self.in_list => Ok(()),
            // An item without children (`<Salary_V2/>`) still counts as one; a nil one not.
            2 => {
                if text.is_some() {
                    self.entry.items.push(T::default());
                }
                Ok(())
            }
            d => match self.entry.items.last_mut() {
                Some(last) => last.leaf(d - 2, name, text),
                None => Ok(()),
            },
        }
    }

    fn write(&self, w: &mut SoapWriter) {
        self.entry.employee_id.encode(w, "EmployeeId");
        w.start(T::LIST, &[]);
        for item in &self.entry.items {
            w.start(T::ITEM, &[]);
            item.write(w);
            w.end(T::ITEM);
        }
        w.end(T::LIST);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact_and_lenient() {
        assert_eq!(parse_decimal("7.50").unwrap(), Decimal::new(750, 2));
        assert_eq!(parse_decimal(" 7,5 ").unwrap(), Decimal::new(75, 1));
        assert_eq!(parse_decimal("-0.1").unwrap(), Decimal::new(-1, 1));
        assert!(parse_decimal("1.234,5").is_err());
        assert!(parse_decimal("abc").is_err());
        // 0.1 + 0.2 is exactly 0.3: no float anywhere.
        assert_eq!(parse_decimal("0.1").unwrap() + parse_decimal("0.2").unwrap(), parse_decimal("0.3").unwrap());
    }

    #[test]
    fn datetimes_in_every_shape() {
        let want = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap().and_hms_opt(0, 0, 0).unwrap();
        for t in ["2026-11-03T00:00:00", "2026-11-03T00:00:00.000", "2026-11-03T00:00:00+01:00", "2026-11-03"] {
            assert_eq!(parse_datetime(t).unwrap(), want, "{t}");
        }
        assert!(parse_datetime("03-11-2026").is_err());
        assert!(parse_datetime("2026-02-30T00:00:00").is_err());
        assert!(parse_datetime("2026-11-03T25:00:00").is_err());
        assert_eq!(
            parse_datetime("2026-11-03T07:30:15").unwrap(),
            want + chrono::Duration::seconds(7 * 3600 + 30 * 60 + 15)
        );
    }

    #[test]
    fn nillable_and_optional_values() {
        assert_eq!(<Option<i32>>::decode(None).unwrap(), None);
        assert_eq!(<Option<i32>>::decode(Some("")).unwrap(), None);
        assert_eq!(<Option<i32>>::decode(Some("5")).unwrap(), Some(5));
        assert!(i32::decode(None).is_err());
        assert_eq!(<Option<String>>::decode(None).unwrap(), None);
        assert_eq!(<Option<bool>>::decode(Some("true")).unwrap(), Some(true));
    }

    use crate::nmbrs::soap::reader;
    use proptest::prelude::*;

    #[test]
    fn the_list_outranks_other_blocks_of_an_entry() {
        assert_eq!(list_rank("EmployeeContracts", Contract::KIND), 3);
        assert_eq!(list_rank("ContractList", Contract::KIND), 2);
        assert_eq!(list_rank("Items", Contract::KIND), 1);
        assert_eq!(list_rank("Employee", Contract::KIND), 0);
        assert_eq!(list_rank("EmployeeSalaries", Salary::KIND), 3);
    }

    fn contracts_of(entry: &str) -> Listed<HistoryEntry<Contract>> {
        let op = "Contract_GetAll_AllEmployeesByCompany";
        let xml = format!(
            r#"<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><s:Body><{op}Response xmlns="urn:x"><{op}Result><E><EmployeeId>7</EmployeeId>{entry}</E></{op}Result></{op}Response></s:Body></s:Envelope>"#
        );
        reader::read_list(&xml, op, "E").unwrap()
    }

    const ONE: &str = "<C><ContractID>1</ContractID><StartDate>2025-01-01T00:00:00</StartDate></C>";

    #[test]
    fn only_the_list_element_gives_history_items() {
        let block = "<Employee><Number>12</Number><Deeper><X>1</X></Deeper></Employee>";
        for entry in [
            format!("{block}<EmployeeContracts>{ONE}</EmployeeContracts>"),
            format!("<EmployeeContracts>{ONE}</EmployeeContracts>{block}"),
            format!("<Contracts>{ONE}</Contracts>{block}"),
        ] {
            let read = contracts_of(&entry);
            assert!(read.unreadable.is_empty(), "{entry}: {:?}", read.unreadable);
            let ids: Vec<i32> = read.items[0].entry.items.iter().filter_map(|c| c.contract_id.soap()).collect();
            assert_eq!(ids, [1], "{entry}");
        }
        // A nil or empty list beside a block: no contracts, the block is not one.
        for list in ["<EmployeeContracts xsi:nil=\"true\"/>", "<EmployeeContracts/>"] {
            for entry in [format!("{block}{list}"), format!("{list}{block}")] {
                let read = contracts_of(&entry);
                assert!(read.unreadable.is_empty(), "{entry}: {:?}", read.unreadable);
                assert!(read.items[0].entry.items.is_empty(), "{entry}");
            }
        }
    }

    fn wrap(items: &[EmployeeSnapshot]) -> String {
        let op = "PersonalInfoContractSalaryAddress_GetAll_AllEmployeesByCompany";
        let xml = SoapWriter::new().envelope(None, |w| {
            w.start(&format!("{op}Response"), &[("xmlns", "urn:x")]);
            w.start(&format!("{op}Result"), &[]);
            for i in items {
                w.start("PersonalInfoContractSalaryAddress", &[]);
                i.write(w);
                w.end("PersonalInfoContractSalaryAddress");
            }
            w.end(&format!("{op}Result"));
            w.end(&format!("{op}Response"));
        });
        String::from_utf8(xml).unwrap()
    }

    proptest! {
        /// Whatever the writer writes, the streaming reader reads back: text with markup
        /// characters (trimmed), absent and nil values, exact decimals.
        #[test]
        fn written_records_read_back_identically(
            name in "[a-zA-Z0-9 &<>\"'éë€\n\t;]{0,24}",
            email in proptest::option::of("[a-z0-9.@&<]{1,20}"),
            mantissa in any::<i64>(),
            scale in 0u32..8,
            nil_value in any::<bool>(),
            count in 0usize..4,
        ) {
            let value = Decimal::new(mantissa, scale);
            let item = EmployeeSnapshot {
                employee_id: EmployeeId::int(7),
                first_name: Some(name.clone()),
                last_name: Some(name),
                email_work: email,
                salary_value: (!nil_value).then_some(value),
                hourly_wage: Some(value),
                ..Default::default()
            };
            let items = vec![item; count];
            // What is read back is the value as the worker sees it: trimmed, blank = none.
            let seen = |t: &Option<String>| t.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
            let expected: Vec<EmployeeSnapshot> = items
                .iter()
                .map(|i| EmployeeSnapshot { first_name: seen(&i.first_name), last_name: seen(&i.last_name), ..i.clone() })
                .collect();
            let parsed: Vec<EmployeeSnapshot> = reader::read_list(
                &wrap(&items),
                "PersonalInfoContractSalaryAddress_GetAll_AllEmployeesByCompany",
                "PersonalInfoContractSalaryAddress",
            )
            .unwrap()
            .items;
            prop_assert_eq!(parsed, expected);
        }
    }
}
