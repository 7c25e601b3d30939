//! Payroll periods as both APIs give them: a company's frequency ([`PeriodType`]), a period
//! `(year, number)` ([`PayPeriod`]) and a company's current period ([`CurrentPeriod`], parsed from
//! the `2026-11-M` spelling), with why a spelling is refused ([`PeriodError`]). Apart from
//! `model` because the rules of which numbers a frequency allows are more than a record shape.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Payroll frequency of a company, fixed when the company is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodType {
    /// `M`: periods 1–12.
    Monthly,
    /// `4W`/`W4`: periods 1–13.
    FourWeekly,
    /// `1W`/`W1`: periods 1–53 (53 only in long years).
    Weekly,
}

impl PeriodType {
    /// Highest period number of this frequency (53 for weekly: long ISO years have 53 weeks).
    pub fn max_period(self) -> u8 {
        match self {
            PeriodType::Monthly => 12,
            PeriodType::FourWeekly => 13,
            PeriodType::Weekly => 53,
        }
    }

    /// The token Nmbrs uses in `Company_GetCurrentPeriod` (the WSDL documentation spelling).
    pub fn token(self) -> &'static str {
        match self {
            PeriodType::Monthly => "M",
            PeriodType::FourWeekly => "4W",
            PeriodType::Weekly => "1W",
        }
    }

    /// Parses every spelling of the type token seen in Nmbrs material.
    pub fn from_token(token: &str) -> Option<Self> {
        match token.trim().to_ascii_uppercase().as_str() {
            "M" => Some(PeriodType::Monthly),
            "4W" | "W4" => Some(PeriodType::FourWeekly),
            "1W" | "W1" | "W" => Some(PeriodType::Weekly),
            _ => None,
        }
    }
}

/// A payroll period `(year, period)`; which numbers are valid depends on the company's
/// [`PeriodType`], see [`PayPeriod::validate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PayPeriod {
    pub year: i32,
    pub period: u8,
}

impl PayPeriod {
    pub fn new(year: i32, period: u8) -> Self {
        PayPeriod { year, period }
    }

    /// Whether this period exists for a company of `kind` (period 1..=max, a sane year).
    pub fn validate(self, kind: PeriodType) -> Result<Self, PeriodError> {
        if !(1900..=9999).contains(&self.year) {
            return Err(PeriodError::Year(self.year));
        }
        if self.period == 0 || self.period > kind.max_period() {
            return Err(PeriodError::OutOfRange { period: self.period.into(), kind });
        }
        Ok(self)
    }
}

/// The period a write names and whether it is sent in Nmbrs' unprotected mode (SOAP
/// `UnprotectedMode`, REST `unprotectedMode`): a closed period accepts a write only unprotected,
/// which an export sends only where `allow_closed_period` allows it (CONTRACT §2.5, §5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WritePeriod {
    pub period: PayPeriod,
    pub unprotected: bool,
}

impl PayPeriod {
    /// A write into this period in protected mode (the default: a closed period refuses it).
    pub fn protected(self) -> WritePeriod {
        WritePeriod { period: self, unprotected: false }
    }

    /// A write into this period in unprotected mode (a closed period accepts it).
    pub fn unprotected(self) -> WritePeriod {
        WritePeriod { period: self, unprotected: true }
    }
}

impl fmt::Display for PayPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.year, self.period)
    }
}

/// A company's current (first unclosed) period, as returned by `Company_GetCurrentPeriod`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CurrentPeriod {
    pub period: PayPeriod,
    pub kind: PeriodType,
}

/// Why a period string or number was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("period string {0:?} is not YEAR-PERIOD-TYPE")]
    Format(String),
    #[error("unknown period type token {0:?}")]
    Token(String),
    #[error("year {0} is out of range")]
    Year(i32),
    #[error("period {period} does not exist for {kind:?} payroll")]
    OutOfRange { period: i64, kind: PeriodType },
}

impl CurrentPeriod {
    /// Parses `"YYYY-P-T"`, e.g. `2010-5-M`, `2026-11-4W`, `2026-53-W1`.
    pub fn parse(s: &str) -> Result<Self, PeriodError> {
        let format = || PeriodError::Format(s.to_owned());
        let mut parts = s.trim().splitn(3, '-');
        let (Some(y), Some(p), Some(t)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format());
        };
        let year: i32 = y.trim().parse().map_err(|_| format())?;
        let period: i64 = p.trim().parse().map_err(|_| format())?;
        let kind = PeriodType::from_token(t).ok_or_else(|| PeriodError::Token(t.to_owned()))?;
        let period = u8::try_from(period).map_err(|_| PeriodError::OutOfRange { period, kind })?;
        let period = PayPeriod { year, period }.validate(kind)?;
        Ok(CurrentPeriod { period, kind })
    }
}

impl fmt::Display for CurrentPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.period.year, self.period.period, self.kind.token())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_period_accepts_every_type_spelling() {
        let cases = [
            ("2010-5-M", 2010, 5, PeriodType::Monthly),
            ("2010-4-4W", 2010, 4, PeriodType::FourWeekly),
            ("2026-13-W4", 2026, 13, PeriodType::FourWeekly),
            ("2026-53-1W", 2026, 53, PeriodType::Weekly),
            ("2026-1-W1", 2026, 1, PeriodType::Weekly),
            (" 2026-11-m ", 2026, 11, PeriodType::Monthly),
        ];
        for (s, y, p, k) in cases {
            let c = CurrentPeriod::parse(s).unwrap();
            assert_eq!((c.period.year, c.period.period, c.kind), (y, p, k), "{s}");
        }
    }

    #[test]
    fn current_period_rejects_out_of_range_and_garbage() {
        for s in
            ["2026-13-M", "2026-0-M", "2026-14-4W", "2026-54-W1", "2026-5", "2026-x-M", "2026-5-Q", "", "2026-300-M"]
        {
            assert!(CurrentPeriod::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn current_period_displays_round_trip() {
        let c = CurrentPeriod::parse("2026-11-W4").unwrap();
        assert_eq!(c.to_string(), "2026-11-4W");
        assert_eq!(CurrentPeriod::parse(&c.to_string()).unwrap(), c);
    }

    proptest::proptest! {
        /// Every valid period survives display and parse; the next number past the end
        /// of its frequency is refused.
        #[test]
        fn valid_periods_round_trip(year in 1900i32..=9999, kind_ix in 0usize..3, p in 1u8..=53) {
            let kind = [PeriodType::Monthly, PeriodType::FourWeekly, PeriodType::Weekly][kind_ix];
            let period = p.min(kind.max_period());
            let c = CurrentPeriod { period: PayPeriod::new(year, period), kind };
            proptest::prop_assert_eq!(CurrentPeriod::parse(&c.to_string()).unwrap(), c);
            let past_end = format!("{year}-{}-{}", kind.max_period() + 1, kind.token());
            proptest::prop_assert!(CurrentPeriod::parse(&past_end).is_err());
        }
    }
}
