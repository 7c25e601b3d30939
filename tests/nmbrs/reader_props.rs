//! Property test of the SOAP reader (issue 11, CONTRACT §2.3): random well-formed company-wide
//! responses with random nils, absences, unparsable values and forbidden characters (raw and as
//! character references) in the fields the worker only passes on never fail a company read,
//! never set a record aside, and give every text value cleaned and trimmed.

use nmbrs_worker::nmbrs::{
    Contract, EmployeeSnapshot, Listed, Text,
    soap::{reader, records::HistoryEntry},
};
use proptest::prelude::*;

const SNAPSHOTS: &str = "PersonalInfoContractSalaryAddress_GetAll_AllEmployeesByCompany";
const CONTRACTS: &str = "Contract_GetAll_AllEmployeesByCompany";

/// One piece of a text value: allowed text, or a character XML 1.0 forbids written raw or as
/// a hexadecimal or decimal character reference.
#[derive(Clone, Debug)]
enum Piece {
    Text(String),
    Forbidden { code: u32, form: u8 },
}

impl Piece {
    fn xml(&self) -> String {
        match self {
            Piece::Text(t) => t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;"),
            // A surrogate cannot be written raw: always a reference.
            Piece::Forbidden { code, form: 0 } if char::from_u32(*code).is_some() => {
                char::from_u32(*code).unwrap().to_string()
            }
            Piece::Forbidden { code, form: 1 } => format!("&#{code};"),
            Piece::Forbidden { code, .. } => format!("&#x{code:X};"),
        }
    }
}

/// A passed-on field as Nmbrs may send it.
#[derive(Clone, Debug)]
enum Field {
    Absent,
    Nil,
    Empty,
    Text(Vec<Piece>),
    /// A value of the wrong shape for a typed field (e.g. `veertien` for a decimal).
    Garbage(String),
}

impl Field {
    fn xml(&self, name: &str) -> String {
        match self {
            Field::Absent => String::new(),
            Field::Nil => format!(r#"<{name} xsi:nil="true"/>"#),
            Field::Empty => format!("<{name}/>"),
            Field::Text(pieces) => format!("<{name}>{}</{name}>", pieces.iter().map(Piece::xml).collect::<String>()),
            Field::Garbage(g) => format!("<{name}>{g}</{name}>"),
        }
    }

    /// What the worker must see for a text field: the allowed text, trimmed; none if blank.
    fn expected_text(&self) -> Option<String> {
        let Field::Text(pieces) = self else { return None };
        let text: String = pieces.iter().map(|p| if let Piece::Text(t) = p { t.as_str() } else { "" }).collect();
        Some(text.trim().to_owned()).filter(|t| !t.is_empty())
    }
}

fn forbidden() -> impl Strategy<Value = u32> {
    prop_oneof![0u32..=8, Just(0xB), Just(0xC), 0xEu32..=0x1F, Just(0xFFFE), Just(0xFFFF), 0xD800u32..=0xDFFF]
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        "[a-zA-Z0-9 éëÖ€&<>'\".@\t\n-]{0,10}".prop_map(Piece::Text),
        (forbidden(), 0u8..3).prop_map(|(code, form)| Piece::Forbidden { code, form }),
    ]
}

fn text_field() -> impl Strategy<Value = Field> {
    prop_oneof![
        Just(Field::Absent),
        Just(Field::Nil),
        Just(Field::Empty),
        prop::collection::vec(piece(), 0..5).prop_map(Field::Text),
    ]
}

fn typed_field() -> impl Strategy<Value = Field> {
    prop_oneof![
        Just(Field::Absent),
        Just(Field::Nil),
        Just(Field::Empty),
        "x[a-z/]{0,7}|31-02-1990|1\\.2\\.3".prop_map(Field::Garbage),
        prop::collection::vec((forbidden(), 0u8..3).prop_map(|(code, form)| Piece::Forbidden { code, form }), 1..3)
            .prop_map(Field::Text),
    ]
}

/// The passed-on text fields of a snapshot and how to read them back.
type Getter = fn(&EmployeeSnapshot) -> &Option<Text>;
const TEXT_FIELDS: [(&str, Getter); 12] = [
    ("FirstName", |s| &s.first_name),
    ("Prefix", |s| &s.prefix),
    ("LastName", |s| &s.last_name),
    ("BSN", |s| &s.bsn),
    ("City", |s| &s.city),
    ("EmailWork", |s| &s.email_work),
    ("EmailPrivate", |s| &s.email_private),
    ("Street", |s| &s.street),
    ("HouseNumber", |s| &s.house_number),
    ("HouseNumberAddition", |s| &s.house_number_addition),
    ("PostCode", |s| &s.post_code),
    ("SalaryType", |s| &s.salary_type),
];
const TYPED_FIELDS: [&str; 6] = ["EmployeeNumber", "Birthday", "Gender", "SalaryValue", "HourlyWage", "ContractHours"];

#[derive(Clone, Debug)]
struct SnapshotInput {
    text: Vec<Field>,
    typed: Vec<Field>,
}

fn snapshot_input() -> impl Strategy<Value = SnapshotInput> {
    (prop::collection::vec(text_field(), TEXT_FIELDS.len()), prop::collection::vec(typed_field(), TYPED_FIELDS.len()))
        .prop_map(|(text, typed)| SnapshotInput { text, typed })
}

fn envelope(op: &str, result: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body><{op}Response xmlns="https://api.nmbrs.nl/soap/v3/EmployeeService"><{op}Result>{result}</{op}Result></{op}Response></soap:Body></soap:Envelope>"#
    )
}

/// Every text value of `s`: none may hold a forbidden character or surrounding white space.
fn assert_clean(s: &EmployeeSnapshot) -> Result<(), TestCaseError> {
    let texts = TEXT_FIELDS.iter().filter_map(|(_, get)| get(s).as_deref()).chain([s.gender.as_str()]);
    for t in texts {
        let bad =
            t.chars().any(|c| (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}');
        prop_assert!(!bad, "forbidden character in {:?}", t);
        prop_assert_eq!(t.trim(), t);
    }
    Ok(())
}

fn listed_ok<T>(listed: Listed<T>) -> Result<Vec<T>, TestCaseError> {
    prop_assert!(listed.unreadable.is_empty(), "records set aside: {:?}", listed.unreadable);
    Ok(listed.items)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// `PersonalInfoContractSalaryAddress_GetAll_AllEmployeesByCompany`: whatever the passed-on
    /// fields hold, every employee is read, with the expected cleaned text.
    #[test]
    fn untidy_passed_on_snapshot_fields_never_fail_a_company_read(
        inputs in prop::collection::vec(snapshot_input(), 0..6),
        item_name in prop_oneof![Just("PersonalInfoContractSalaryAddress".to_owned()), Just("PersonalInfoContractSalaryAddressGlobal".to_owned()), "[A-Z][a-zA-Z]{0,12}"],
    ) {
        let mut result = String::new();
        for (i, input) in inputs.iter().enumerate() {
            result.push_str(&format!("<{item_name}><EmployeeID>{}</EmployeeID>", 600_000 + i));
            for ((name, _), field) in TEXT_FIELDS.iter().zip(&input.text) {
                result.push_str(&field.xml(name));
            }
            for (name, field) in TYPED_FIELDS.iter().zip(&input.typed) {
                result.push_str(&field.xml(name));
            }
            result.push_str(&format!("</{item_name}>"));
        }
        let xml = envelope(SNAPSHOTS, &result);
        let read = reader::read_list::<EmployeeSnapshot>(&xml, SNAPSHOTS, "PersonalInfoContractSalaryAddress");
        let snapshots = listed_ok(read.map_err(|e| TestCaseError::fail(format!("{e:?}")))?)?;
        prop_assert_eq!(snapshots.len(), inputs.len());
        for (i, (s, input)) in snapshots.iter().zip(&inputs).enumerate() {
            prop_assert_eq!(s.employee_id, nmbrs_worker::nmbrs::EmployeeId::int(600_000 + i as i32));
            for ((name, get), field) in TEXT_FIELDS.iter().zip(&input.text) {
                let expected = field.expected_text();
                prop_assert_eq!(get(s).as_deref(), expected.as_deref(), "{}", name);
            }
            // No typed value here is valid: each reads as none / the empty value.
            prop_assert_eq!((s.birthday, s.salary_value), (None, None));
            prop_assert_eq!((s.hourly_wage, s.contract_hours, s.employee_number), (None, None, 0));
            let gender = match &input.typed[2] { Field::Garbage(g) => g.as_str(), _ => "" };
            prop_assert_eq!(s.gender.as_str(), gender, "gender is text: passed on as sent, cleaned");
            assert_clean(s)?;
        }
    }

    /// `Contract_GetAll_AllEmployeesByCompany`: any entry and item element names, nil/empty/absent
    /// lists and untidy passed-on contract fields; the decision fields are sound, so every
    /// employee and every contract is read.
    #[test]
    fn untidy_contract_lists_never_fail_a_company_read(
        entries in prop::collection::vec((0usize..4, prop::collection::vec(prop::collection::vec(typed_field(), 6), 0..3)), 0..5),
        entry_name in prop_oneof![Just("EmployeeContractItem".to_owned()), Just("EmployeeContractItemGlobal".to_owned()), "[A-Z][a-zA-Z]{0,12}"],
        item_name in prop_oneof![Just("EmployeeContract".to_owned()), Just("EmployeeContractV3".to_owned()), "[A-Z][a-zA-Z]{0,12}"],
    ) {
        const PASSED_ON: [&str; 6] = ["CreationDate", "TrialPeriod", "EmployementType", "Indefinite", "PhaseClassification", "HoursPerWeek"];
        let mut result = String::new();
        let mut expected = Vec::new();
        for (i, (list_form, contracts)) in entries.iter().enumerate() {
            let id = 700_000 + i as i32;
            result.push_str(&format!("<{entry_name}><EmployeeId>{id}</EmployeeId>"));
            let count = match list_form {
                0 => { result.push_str(r#"<EmployeeContracts xsi:nil="true"/>"#); 0 }
                1 => { result.push_str("<EmployeeContracts/>"); 0 }
                2 => 0,
                _ => {
                    result.push_str("<EmployeeContracts>");
                    for (n, fields) in contracts.iter().enumerate() {
                        result.push_str(&format!("<{item_name}><ContractID>{}</ContractID><StartDate>2025-0{}-01T00:00:00</StartDate><EndDate xsi:nil=\"true\"/>", id * 10 + n as i32, n + 1));
                        for (name, field) in PASSED_ON.iter().zip(fields) {
                            result.push_str(&field.xml(name));
                        }
                        result.push_str(&format!("</{item_name}>"));
                    }
                    result.push_str("</EmployeeContracts>");
                    contracts.len()
                }
            };
            result.push_str(&format!("</{entry_name}>"));
            expected.push((id, count));
        }
        let xml = envelope(CONTRACTS, &result);
        let read = reader::read_list::<HistoryEntry<Contract>>(&xml, CONTRACTS, "EmployeeContractItem");
        let lists = listed_ok(read.map_err(|e| TestCaseError::fail(format!("{e:?}")))?)?;
        let lists: Vec<_> = lists.into_iter().map(|l| l.entry).collect();
        let got: Vec<(i32, usize)> = lists.iter().map(|l| (l.employee_id.soap().unwrap(), l.items.len())).collect();
        prop_assert_eq!(got, expected);
        for c in lists.iter().flat_map(|l| &l.items) {
            prop_assert!(c.start_date.is_some() && c.end_date.is_none());
            prop_assert_eq!((c.creation_date, c.trial_period, c.employement_type), (None, None, None));
            prop_assert_eq!((c.indefinite, c.phase_classification, c.hours_per_week), (None, None, None));
        }
    }
}
