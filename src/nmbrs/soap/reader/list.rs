//! Array results: the items of `<XResult>` read as [`Record`]s whatever their element name,
//! a record whose decision field cannot be read set aside as an [`UnreadableRecord`] without
//! failing the others ([`read_list`]), and the readable records alone ([`readable`]).

use super::{ReadError, Visitor, read_response};
use crate::domain::nmbrs::model::{Listed, UnreadableRecord};
use crate::nmbrs::soap::records::{FieldError, Record};

/// Collects the items of an array result (`<XResult><Item>…</Item>…</XResult>`): zero,
/// one or many. The items are the children of `<XResult>` whatever their element name
/// (Nmbrs v3 calls the contract list items `EmployeeContractItemGlobal` where the v2.1 WSDL
/// says `EmployeeContractItem`); a nil item is skipped. An item whose decision field
/// cannot be read goes to `unreadable`, the others are not affected.
///
/// The record of the item being read is built in place as the last of `listed.items` and
/// only moved out when it turns out unreadable: the rare case pays, not every record.
struct ListOf<T> {
    result: String,
    /// For each of [`Record::FIELDS`], its bit in [`Item::seen`] (0 when not required).
    required_bits: Vec<u32>,
    in_result: bool,
    /// Set while an item is read; its record is then the last of `listed.items`.
    current: Option<Item>,
    listed: Listed<T>,
}

/// What is known of the item being read besides its record: the first decision field that
/// failed, which required fields ([`Record::REQUIRED`]) were seen with a value (bit i =
/// `REQUIRED[i]`), and where in [`Record::FIELDS`] the next field is expected.
#[derive(Default)]
struct Item {
    error: Option<FieldError>,
    seen: u32,
    next: usize,
}

/// The bit of the required field `name` in [`Item::seen`]; 0 when it is not required.
fn required_bit<T: Record>(name: &str) -> u32 {
    T::REQUIRED.iter().position(|r| *r == name).map_or(0, |i| 1 << i)
}

impl<T: Record> ListOf<T> {
    /// Starts an item: its record is pushed, empty, to be filled in place.
    fn begin(&mut self) {
        self.listed.items.push(T::default());
        self.current = Some(Item::default());
    }

    /// Ends the item begun last: its record stays where it is, or is moved to `unreadable`.
    fn finish(&mut self, item: Item) {
        let Some(record) = self.listed.items.last() else {
            return;
        };
        let missing = T::REQUIRED.iter().enumerate().find(|(i, _)| item.seen & (1 << i) == 0);
        let error =
            item.error.or_else(|| missing.map(|(_, name)| FieldError::missing(name))).or_else(|| record.check().err());
        if let Some(e) = error
            && let Some(record) = self.listed.items.pop()
        {
            let (line_id, code) = record.line();
            self.listed.unreadable.push(UnreadableRecord {
                employee_id: record.employee_id(),
                field: e.field,
                problem: e.problem,
                line_id,
                code,
            });
        }
    }
}

impl<T: Record> Visitor for ListOf<T> {
    fn open(&mut self, depth: usize, name: &str) -> Result<(), String> {
        match depth {
            1 => self.in_result = name == self.result,
            2 if self.in_result => self.begin(),
            d if d > 2 && self.current.is_some() => {
                if let Some(record) = self.listed.items.last_mut() {
                    record.open(d - 2, name);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn leaf(&mut self, depth: usize, name: &str, text: Option<&str>) -> Result<(), String> {
        match depth {
            // An item without children: not nil, so something is there, but no field.
            2 if self.in_result && text.is_some() => {
                self.begin();
                if let Some(item) = self.current.take() {
                    self.finish(item);
                }
            }
            d if d > 2 => {
                if let Some(item) = self.current.as_mut()
                    && let Some(record) = self.listed.items.last_mut()
                {
                    let before = item.next;
                    if let Err(e) = record.leaf_in_order(d - 2, name, text, &mut item.next) {
                        item.error.get_or_insert(e);
                    }
                    if d == 3 && text.is_some_and(|t| !t.is_empty()) {
                        // Read in order (the cursor moved): the field is `FIELDS[next - 1]`,
                        // its bit is known without comparing names.
                        item.seen |= match item.next.checked_sub(1) {
                            Some(read) if item.next != before => self.required_bits[read],
                            _ => required_bit::<T>(name),
                        };
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn close(&mut self, depth: usize, _name: &str) {
        match depth {
            1 => self.in_result = false,
            2 => {
                if let Some(item) = self.current.take() {
                    self.finish(item);
                }
            }
            _ => {}
        }
    }
}

/// Reads an array result of `operation`: the records read and those set aside as
/// unreadable. `known_item` is the item element name known so far (e.g. `Company`); it only
/// sizes the list up front, items of any other name are read the same.
pub fn read_list<T: Record>(xml: &str, operation: &str, known_item: &str) -> Result<Listed<T>, ReadError> {
    // Sizing the list up front avoids regrowing it: less copying and a peak of one list
    // instead of two during the last regrowth.
    let hint = size_hint(xml.as_bytes(), known_item);
    let mut v = ListOf {
        result: format!("{operation}Result"),
        required_bits: T::FIELDS.iter().map(|f| required_bit::<T>(f)).collect(),
        in_result: false,
        current: None,
        listed: Listed { items: Vec::with_capacity(hint), unreadable: Vec::new() },
    };
    read_response(xml, operation, &mut v)?;
    Ok(v.listed)
}

/// How many bytes of a response [`size_hint`] counts items in.
const SIZING_SAMPLE: usize = 256 * 1024;

/// The number of `<{known_item}>` in `xml`: counted in a response of up to
/// [`SIZING_SAMPLE`] bytes, else extrapolated from its first `SIZING_SAMPLE` bytes by
/// length (the items of one list are alike) with 1/32 to spare, so a long response is not
/// read twice. Only a hint: other names and prefixed items are missed, a list longer than
/// the hint still grows.
fn size_hint(xml: &[u8], known_item: &str) -> usize {
    let needle = format!("<{known_item}>");
    let finder = memchr::memmem::Finder::new(needle.as_bytes());
    let Some(head) = xml.get(..SIZING_SAMPLE).filter(|_| xml.len() > SIZING_SAMPLE) else {
        return finder.find_iter(xml).count();
    };
    let per_sample = finder.find_iter(head).count();
    let estimate = per_sample.saturating_mul(xml.len() / 1024) / (SIZING_SAMPLE / 1024);
    estimate + estimate / 32 + usize::from(per_sample > 0)
}

/// For a list where a record that cannot be read is as good as absent (companies, the codes
/// of an hour or wage model, an employee list): the readable records; the others are
/// logged (field and problem only) and left out.
pub fn readable<T>(listed: Listed<T>, operation: &str) -> Vec<T> {
    for u in &listed.unreadable {
        tracing::warn!(operation, field = %u.field, problem = %u.problem, "unreadable record left out");
    }
    listed.items
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::*;
    use crate::domain::nmbrs::model::{EmployeeId, EmployeeSnapshot, Text};
    use crate::nmbrs::soap::envelope::SoapWriter;

    fn codes(result: &str) -> Vec<crate::nmbrs::ModelCode> {
        let xml = format!(
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body><HourModel_GetHourCodesResponse xmlns="urn:x">{result}</HourModel_GetHourCodesResponse></soap:Body></soap:Envelope>"#
        );
        let listed = read_list(&xml, "HourModel_GetHourCodes", "HourCode").unwrap();
        assert!(listed.unreadable.is_empty(), "{:?}", listed.unreadable);
        listed.items
    }

    #[test]
    fn the_size_hint_is_exact_for_a_short_response_and_close_above_for_a_long_one() {
        let items = |n: usize| format!("<R>{}</R>", "<I><A>1</A><B>twee</B></I>".repeat(n));
        assert_eq!(size_hint(items(0).as_bytes(), "I"), 0);
        assert_eq!(size_hint(items(3).as_bytes(), "I"), 3);
        assert_eq!(size_hint(items(3).as_bytes(), "J"), 0);
        let n = 3 * SIZING_SAMPLE / 26;
        let hint = size_hint(items(n).as_bytes(), "I");
        assert!((n..=n + n / 16).contains(&hint), "{n} items, hint {hint}");
    }

    #[test]
    fn arrays_of_zero_one_and_many_items_whatever_their_name() {
        assert!(codes("").is_empty(), "no result element");
        assert!(codes("<HourModel_GetHourCodesResult/>").is_empty());
        assert!(codes(r#"<HourModel_GetHourCodesResult xsi:nil="true"/>"#).is_empty());
        let one =
            codes("<HourModel_GetHourCodesResult><HourCode><Code>1</Code></HourCode></HourModel_GetHourCodesResult>");
        assert_eq!(one.len(), 1);
        assert_eq!((one[0].code, one[0].description.as_deref()), (1, None));
        let many = codes(
            r#"<HourModel_GetHourCodesResult>
                 <HourCode><Code>1</Code><New><Deep>x</Deep></New><Description>Uren</Description><Extra/></HourCode>
                 <HourCodeGlobal><Code>99</Code></HourCodeGlobal>
                 <HourCode xsi:nil="true"/>
                 <HourCode><Code>20</Code><Description>Verlof &amp; vakantie</Description></HourCode>
               </HourModel_GetHourCodesResult><AddedLater><HourCode><Code>7</Code></HourCode></AddedLater>"#,
        );
        let got: Vec<_> = many.iter().map(|c| (c.code, c.description.as_deref())).collect();
        assert_eq!(got, [(1, Some("Uren")), (99, None), (20, Some("Verlof & vakantie"))]);
    }

    #[test]
    fn a_record_without_its_decision_field_is_set_aside_alone() {
        let xml = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><HourModel_GetHourCodesResponse><HourModel_GetHourCodesResult>
            <HourCode><Code>1</Code></HourCode>
            <HourCode><Description>no code</Description></HourCode>
            <HourCode><Code>zwei</Code></HourCode>
            <HourCode><Code xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/></HourCode>
            <HourCode/>
            <HourCode><Code>3</Code><Description>&#x0;</Description></HourCode>
        </HourModel_GetHourCodesResult></HourModel_GetHourCodesResponse></soap:Body></soap:Envelope>"#;
        let listed: Listed<crate::nmbrs::ModelCode> = read_list(xml, "HourModel_GetHourCodes", "HourCode").unwrap();
        let codes: Vec<_> = listed.items.iter().map(|c| (c.code, c.description.clone())).collect();
        assert_eq!(codes, [(1, None), (3, None)]);
        let problems: Vec<_> = listed.unreadable.iter().map(|u| (u.field.as_str(), u.problem.as_str())).collect();
        assert_eq!(
            problems,
            [
                ("Code", "missing"),
                ("Code", "\"zwei\" is not an int"),
                ("Code", "nil for a required value"),
                ("Code", "missing")
            ]
        );
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
                first_name: Some(name.as_str().into()),
                last_name: Some(name.into()),
                email_work: email.map(Into::into),
                salary_value: (!nil_value).then_some(value),
                hourly_wage: Some(value),
                ..Default::default()
            };
            let items = vec![item; count];
            // What is read back is the value as the worker sees it: trimmed, blank = none.
            let seen = |t: &Option<Text>| t.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(Text::from);
            let expected: Vec<EmployeeSnapshot> = items
                .iter()
                .map(|i| EmployeeSnapshot { first_name: seen(&i.first_name), last_name: seen(&i.last_name), ..i.clone() })
                .collect();
            let parsed: Vec<EmployeeSnapshot> = read_list(
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
