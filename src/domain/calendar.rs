//! Which calendar date an instant is for Nmbrs (CONTRACT §2.3 step 2): Nmbrs' dates (contract
//! starts and ends, periods) are Dutch calendar dates without a zone, so "today" is the date in
//! Europe/Amsterdam, not in UTC. Between 22:00 and 24:00 UTC (23:00/00:00 local, by season) the
//! two differ, and the nightly sync runs right then.
//!
//! The zone rules come from `chrono-tz` (the IANA database compiled in), so the answer does not
//! depend on the machine's `/usr/share/zoneinfo` nor on `TZ`.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Amsterdam;

/// The Europe/Amsterdam calendar date of `instant`.
pub fn nmbrs_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&Amsterdam).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn winter_is_utc_plus_one() {
        assert_eq!(nmbrs_date(at("2026-02-28T22:59:59Z")), d(2026, 2, 28));
        assert_eq!(nmbrs_date(at("2026-02-28T23:00:00Z")), d(2026, 3, 1));
        assert_eq!(nmbrs_date(at("2026-02-28T23:30:00Z")), d(2026, 3, 1));
    }

    #[test]
    fn summer_is_utc_plus_two() {
        assert_eq!(nmbrs_date(at("2026-06-30T21:59:59Z")), d(2026, 6, 30));
        assert_eq!(nmbrs_date(at("2026-06-30T22:30:00Z")), d(2026, 7, 1));
    }

    #[test]
    fn year_end_and_the_daylight_saving_switches() {
        assert_eq!(nmbrs_date(at("2026-12-31T23:30:00Z")), d(2027, 1, 1));
        // 2026-03-29 01:00 UTC clocks go forward; 2026-10-25 01:00 UTC back.
        assert_eq!(nmbrs_date(at("2026-03-28T23:00:00Z")), d(2026, 3, 29));
        assert_eq!(nmbrs_date(at("2026-03-29T21:59:00Z")), d(2026, 3, 29));
        assert_eq!(nmbrs_date(at("2026-03-29T22:00:00Z")), d(2026, 3, 30));
        assert_eq!(nmbrs_date(at("2026-10-24T21:59:00Z")), d(2026, 10, 24));
        assert_eq!(nmbrs_date(at("2026-10-24T22:00:00Z")), d(2026, 10, 25));
        assert_eq!(nmbrs_date(at("2026-10-25T22:59:00Z")), d(2026, 10, 25));
        assert_eq!(nmbrs_date(at("2026-10-25T23:00:00Z")), d(2026, 10, 26));
    }
}
