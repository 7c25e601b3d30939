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

mod codec;
mod history;

pub use codec::{Codec, parse_datetime, parse_decimal};
pub use history::{HistoryEntry, HistoryRecord, list_rank};

use super::envelope::SoapWriter;
use crate::domain::nmbrs::model::*;

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
    /// Element names of the direct children [`Record::read_field`] reads, in WSDL order
    /// (empty for a record whose [`Record::leaf`] reads its children itself).
    const FIELDS: &'static [&'static str] = &[];
    /// Reads `text` into the field of `FIELDS[index]`. Fails only for a decision field.
    fn read_field(&mut self, _index: usize, _text: Option<&str>) -> Result<(), FieldError> {
        Ok(())
    }
    /// [`Record::leaf`] for a reader that follows the fields in order: `next` is where in
    /// [`Record::FIELDS`] the next field is expected (0 for a new record). Nmbrs writes the
    /// fields in WSDL order, absent ones left out, so a direct child is found by comparing
    /// names from `next` on: usually one comparison. Any other leaf (out of order, repeated,
    /// unknown, deeper) is read by [`Record::leaf`], the same way.
    fn leaf_in_order(
        &mut self,
        depth: usize,
        name: &str,
        text: Option<&str>,
        next: &mut usize,
    ) -> Result<(), FieldError> {
        if depth == 1
            && let Some(ahead) = Self::FIELDS.get(*next..)
            && let Some(i) = ahead.iter().position(|f| same_name(f, name))
        {
            *next += i + 1;
            return self.read_field(*next - 1, text);
        }
        self.leaf(depth, name, text)
    }
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

/// `a == b` for element names, inline: lengths first, then 8-byte words (the last one
/// overlapping), so comparing the usual short name makes no `memcmp` call.
fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let word = |s: &[u8], i: usize| s.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()).map(u64::from_ne_bytes);
    match a.len() {
        0..8 => a.iter().zip(b).all(|(x, y)| x == y),
        n => (0..n - 8).step_by(8).all(|i| word(a, i) == word(b, i)) && word(a, n - 8) == word(b, n - 8),
    }
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
            const FIELDS: &'static [&'static str] = &[$($xml),*];
            fn read_field(&mut self, index: usize, text: Option<&str>) -> Result<(), FieldError> {
                type Read = fn(&mut $ty, Option<&str>) -> Result<(), FieldError>;
                const READ: &[Read] = &[$(|r, text| {
                    read_field!($($decide)? r.$field, $xml, text);
                    Ok(())
                }),*];
                READ[index](self, text)
            }
            fn leaf(&mut self, depth: usize, name: &str, text: Option<&str>) -> Result<(), FieldError> {
                if depth != 1 {
                    return Ok(());
                }
                match Self::FIELDS.iter().position(|f| *f == name) {
                    Some(i) => self.read_field(i, text),
                    None => Ok(()),
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read_in_order(leaves: &[(&str, &str)]) -> (EmployeeSnapshot, Vec<usize>) {
        let mut record = EmployeeSnapshot::default();
        let mut next = 0;
        let mut cursor = Vec::new();
        for (name, text) in leaves {
            record.leaf_in_order(1, name, Some(text), &mut next).unwrap();
            cursor.push(next);
        }
        (record, cursor)
    }

    #[test]
    fn fields_in_wsdl_order_take_the_fast_path_and_others_fall_back_to_the_same_reading() {
        assert!(EmployeeSnapshot::FIELDS.iter().enumerate().all(|(i, f)| !EmployeeSnapshot::FIELDS[..i].contains(f)));
        // In order, absent fields skipped: the cursor moves past each field read.
        let (tidy, cursor) =
            read_in_order(&[("EmployeeID", "7"), ("FirstName", "Ada"), ("City", "Ede"), ("PostCode", "1")]);
        assert_eq!(cursor, [1, 3, 9, 23]);
        // Untidy: the first jumps ahead (absent fields skipped); then out of order, unknown and
        // repeated fields leave the cursor where it is and `leaf` reads them all the same.
        let (untidy, cursor) = read_in_order(&[
            ("PostCode", "9"),
            ("City", "Ede"),
            ("FirstName", "Ada"),
            ("Unknown", "x"),
            ("EmployeeID", "7"),
            ("PostCode", "1"),
        ]);
        assert_eq!(cursor, [23, 23, 23, 23, 23, 23]);
        assert_eq!(untidy, tidy);
        assert_eq!(
            (tidy.employee_id, tidy.first_name.as_deref(), tidy.post_code.as_deref()),
            (EmployeeId::int(7), Some("Ada"), Some("1"))
        );
        // A deeper leaf is no field of the record, whatever its name.
        let mut next = 0;
        let mut record = EmployeeSnapshot::default();
        record.leaf_in_order(2, "City", Some("Ede"), &mut next).unwrap();
        assert_eq!((record.city, next), (None, 0));
        // Names are compared exactly, whatever their length.
        for (a, b) in [("", ""), ("Id", "Id"), ("Id", "ID"), ("BSN", "BSNx"), ("EmployeeID", "EmployeeID")]
            .into_iter()
            .chain([("TelephoneMobilePrivate", "TelephoneMobilePrivatE"), ("ContractEnd", "ContractEnd")])
            .chain([("12345678", "12345679"), ("12345678", "12345678"), ("abcdefghi", "xbcdefghi")])
        {
            assert_eq!(same_name(a, b), a == b, "{a} {b}");
        }
        // A decision field fails on either path.
        for next in [0, 5] {
            let mut record = EmployeeSnapshot::default();
            let err = record.leaf_in_order(1, "EmployeeID", Some("zeven"), &mut { next }).unwrap_err();
            assert_eq!(err.field, "EmployeeID");
        }
    }
}
