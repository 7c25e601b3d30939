//! The value codec of SOAP leaves: how an int, decimal, boolean, date or string is read from
//! a leaf's text (`None` = `xsi:nil`) and written back, strict for a decision field and
//! lenient (`None`, empty) for a nillable or optional one. Decimals never go through a float.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use crate::domain::nmbrs::model::*;
use crate::nmbrs::soap::envelope::SoapWriter;
use crate::nmbrs::soap::text::trim;

/// Decodes a leaf's text (`None` = `xsi:nil`) and writes a value back.
pub trait Codec: Sized {
    fn decode(text: Option<&str>) -> Result<Self, String>;
    fn encode(&self, w: &mut SoapWriter, name: &str);
}

fn required(text: Option<&str>) -> Result<&str, String> {
    text.map(trim).ok_or_else(|| "nil for a required value".to_owned())
}

/// `None` for nil and for an empty element (lenient).
fn optional(text: Option<&str>) -> Option<&str> {
    text.map(trim).filter(|t| !t.is_empty())
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
    let t = trim(t);
    if let Some(d) = plain_decimal(t) {
        return Ok(d);
    }
    let parsed = if t.contains(',') && !t.contains('.') {
        Decimal::from_str(&t.replace(',', "."))
    } else {
        Decimal::from_str(t)
    };
    parsed.map_err(|_| format!("{t:?} is not a decimal"))
}

/// The usual decimal, `-?digits` or `-?digits.digits` with at most 18 digits, read by
/// position into the mantissa and scale `Decimal::from_str` gives it (`7.50` is 750 scale 2).
/// Anything else (a comma, a sign `+`, an exponent, more digits, `-0`) is `None` and goes
/// through `Decimal::from_str`.
fn plain_decimal(t: &str) -> Option<Decimal> {
    let (negative, digits) = match t.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        b => (false, b),
    };
    if digits.is_empty() {
        return None;
    }
    let (mut mantissa, mut scale, mut count) = (0i64, None, 0u32);
    for (i, &c) in digits.iter().enumerate() {
        match c {
            b'0'..=b'9' if count < 18 => {
                mantissa = mantissa * 10 + i64::from(c - b'0');
                count += 1;
            }
            b'.' if scale.is_none() && i > 0 && i + 1 < digits.len() => scale = Some((digits.len() - i - 1) as u32),
            _ => return None,
        }
    }
    if negative && mantissa == 0 {
        return None;
    }
    Some(Decimal::new(if negative { -mantissa } else { mantissa }, scale.unwrap_or(0)))
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
    let t = trim(t);
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
    // The shape is checked: every position read is an ASCII digit.
    let n = |from: usize, to: usize| b[from..to].iter().fold(0u32, |n, c| n * 10 + u32::from(c - b'0'));
    NaiveDate::from_ymd_opt(n(0, 4) as i32, n(5, 7), n(8, 10))?.and_hms_opt(n(11, 13), n(14, 16), n(17, 19))
}

impl Codec for NaiveDateTime {
    fn decode(text: Option<&str>) -> Result<Self, String> {
        parse_datetime(required(text)?)
    }
    fn encode(&self, w: &mut SoapWriter, name: &str) {
        w.leaf(name, &self.format("%Y-%m-%dT%H:%M:%S").to_string());
    }
}

/// Text: `String`, and [`Text`] for the snapshot (the same reading, without a heap block for
/// short text).
macro_rules! text_codec {
    ($($t:ty),*) => {$(
        /// Required strings (enums such as `Gender`): nil reads as empty.
        impl Codec for $t {
            fn decode(text: Option<&str>) -> Result<Self, String> {
                Ok(<$t>::from(text.unwrap_or("")))
            }
            fn encode(&self, w: &mut SoapWriter, name: &str) {
                w.leaf(name, self);
            }
        }

        /// `minOccurs="0"` strings: absent when `None`; an empty (or, once cleaned, blank)
        /// value reads as `None` too.
        impl Codec for Option<$t> {
            fn decode(text: Option<&str>) -> Result<Self, String> {
                Ok(optional(text).map(<$t>::from))
            }
            fn encode(&self, w: &mut SoapWriter, name: &str) {
                w.leaf_opt(name, self.as_deref());
            }
        }
    )*};
}
text_codec!(String, Text);

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
    fn the_plain_decimal_shortcut_reads_what_from_str_reads_mantissa_and_scale() {
        for t in [
            "0",
            "7",
            "7.50",
            "1450.00",
            "-0.1",
            "-12.345",
            "0012.50",
            "999999999999999999",
            "0.00000000000000001",
            "-999999999999.999999",
        ] {
            let fast = plain_decimal(t).unwrap_or_else(|| panic!("{t} takes the shortcut"));
            let slow = Decimal::from_str(t).unwrap();
            assert_eq!((fast.mantissa(), fast.scale()), (slow.mantissa(), slow.scale()), "{t}");
        }
        for t in ["", "-", "-0", "-0.00", "1.", ".5", "1.2.3", "+1", "1e3", "7,5", "1 000", "1234567890123456789"] {
            assert_eq!(plain_decimal(t), None, "{t:?} goes to from_str");
        }
        assert_eq!(parse_decimal("1234567890123456789").unwrap(), Decimal::from_str("1234567890123456789").unwrap());
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
}
