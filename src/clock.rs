//! The worker's clock. Everything that asks "what day is it" asks this, so tests can set the
//! instant (CONTRACT §2.3: "today" is the calendar date in Europe/Amsterdam, where Nmbrs' dates
//! live; `domain::calendar` turns the instant into that date).

use chrono::{DateTime, NaiveDate, Utc};

/// Where the current instant comes from: the system clock in production, a fixed instant in
/// tests (`Clock::fixed`). Cheap to copy; handlers hold one each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// `Utc::now()`.
    #[default]
    System,
    /// Always this instant.
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// A clock that always reads `instant` (tests).
    pub fn fixed(instant: DateTime<Utc>) -> Self {
        Self::Fixed(instant)
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Self::System => Utc::now(),
            Self::Fixed(at) => *at,
        }
    }

    /// Today's calendar date in Europe/Amsterdam (the date Nmbrs' contract dates mean).
    pub fn nmbrs_today(&self) -> NaiveDate {
        crate::domain::calendar::nmbrs_date(self.now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_reads_its_instant_and_the_dutch_date() {
        let at: DateTime<Utc> = "2026-02-28T23:30:00Z".parse().unwrap();
        let clock = Clock::fixed(at);
        assert_eq!(clock.now(), at);
        assert_eq!(clock.nmbrs_today(), NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        let before = Utc::now();
        let now = Clock::System.now();
        assert!(now >= before);
    }
}
