//! Checks of an export against what Nmbrs says about a company: is the period open, does it
//! exist for the company's payroll frequency, is a mapped code in the company's models.
//!
//! Pure: the handler reads `Company_GetCurrentPeriod` and the hour/wage models, these decide.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

use crate::domain::nmbrs::{CurrentPeriod, ModelCode, PayPeriod, PeriodType};

/// Whether the worker may write into a requested period of a company.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodCheck {
    /// The company's current period or a later one: writes are allowed.
    Open,
    /// Before the company's current period (payroll already ran): skip as `period_closed`
    /// unless the export allows closed periods (then writes carry `UnprotectedMode=true`).
    Closed,
    /// The number does not exist for the company's period type: skip as `invalid_period`.
    Invalid,
}

/// Compares `requested` with the company's current (first unclosed) period.
///
/// Period numbers: monthly 1–12, four-weekly 1–13, weekly 1–52, or 1–53 in a year with 53 ISO
/// weeks (e.g. 2026). A valid period is `Closed` when it comes before the current one.
pub fn check_period(requested: PayPeriod, current: &CurrentPeriod) -> PeriodCheck {
    if requested.validate(current.kind).is_err() || requested.period > periods_in_year(current.kind, requested.year) {
        PeriodCheck::Invalid
    } else if requested < current.period {
        PeriodCheck::Closed
    } else {
        PeriodCheck::Open
    }
}

/// Number of periods of `kind` in `year`: weekly payroll has a 53rd week only in long ISO years.
pub fn periods_in_year(kind: PeriodType, year: i32) -> u8 {
    match kind {
        PeriodType::Weekly => match NaiveDate::from_ymd_opt(year, 12, 28) {
            Some(d) if d.iso_week().week() == 53 => 53,
            _ => 52,
        },
        other => other.max_period(),
    }
}

/// The first and last date of `period` in a company of period type `kind`, where the
/// calendar is certain: monthly periods are calendar months, weekly ones ISO weeks (Monday to
/// Sunday, week 1 holding the year's first Thursday). `None` for four-weekly periods (Nmbrs
/// publishes no dates for them, and the worker does not guess) and for a number the type does
/// not have.
pub fn period_dates(kind: PeriodType, period: PayPeriod) -> Option<(NaiveDate, NaiveDate)> {
    let (year, number) = (period.year, u32::from(period.period));
    if number == 0 || period.period > periods_in_year(kind, year) {
        return None;
    }
    match kind {
        PeriodType::Monthly => {
            let first = NaiveDate::from_ymd_opt(year, number, 1)?;
            Some((first, first.checked_add_months(Months::new(1))?.pred_opt()?))
        }
        PeriodType::Weekly => {
            let monday = NaiveDate::from_isoywd_opt(year, number, Weekday::Mon)?;
            Some((monday, monday + Days::new(6)))
        }
        PeriodType::FourWeekly => None,
    }
}

/// Whether `date` may belong to `period` of a company of period type `kind`: within its dates
/// where [`period_dates`] knows them, else not refused.
pub fn date_in_period(date: NaiveDate, kind: PeriodType, period: PayPeriod) -> bool {
    period_dates(kind, period).is_none_or(|(first, last)| first <= date && date <= last)
}

/// Whether `code` is in either of a company's two hour (or two wage) models.
pub fn code_known(code: i32, model1: &[ModelCode], model2: &[ModelCode]) -> bool {
    model1.iter().chain(model2).any(|m| m.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current(year: i32, period: u8, kind: PeriodType) -> CurrentPeriod {
        CurrentPeriod { period: PayPeriod::new(year, period), kind }
    }

    #[test]
    fn the_current_and_later_periods_are_open() {
        let now = current(2026, 11, PeriodType::Monthly);
        assert_eq!(check_period(PayPeriod::new(2026, 11), &now), PeriodCheck::Open);
        assert_eq!(check_period(PayPeriod::new(2026, 12), &now), PeriodCheck::Open);
        assert_eq!(check_period(PayPeriod::new(2027, 1), &now), PeriodCheck::Open);
    }

    #[test]
    fn earlier_periods_are_closed_also_across_years() {
        let now = current(2027, 1, PeriodType::Monthly);
        assert_eq!(check_period(PayPeriod::new(2026, 12), &now), PeriodCheck::Closed);
        let now = current(2026, 11, PeriodType::FourWeekly);
        assert_eq!(check_period(PayPeriod::new(2026, 10), &now), PeriodCheck::Closed);
    }

    #[test]
    fn period_numbers_must_fit_the_period_type() {
        let monthly = current(2026, 1, PeriodType::Monthly);
        assert_eq!(check_period(PayPeriod::new(2026, 12), &monthly), PeriodCheck::Open);
        assert_eq!(check_period(PayPeriod::new(2026, 13), &monthly), PeriodCheck::Invalid);
        assert_eq!(check_period(PayPeriod::new(2026, 0), &monthly), PeriodCheck::Invalid);
        let four = current(2026, 1, PeriodType::FourWeekly);
        assert_eq!(check_period(PayPeriod::new(2026, 13), &four), PeriodCheck::Open);
        assert_eq!(check_period(PayPeriod::new(2026, 14), &four), PeriodCheck::Invalid);
    }

    #[test]
    fn week_53_exists_only_in_long_iso_years() {
        assert_eq!(periods_in_year(PeriodType::Weekly, 2026), 53);
        assert_eq!(periods_in_year(PeriodType::Weekly, 2027), 52);
        let weekly = current(2026, 1, PeriodType::Weekly);
        assert_eq!(check_period(PayPeriod::new(2026, 53), &weekly), PeriodCheck::Open);
        assert_eq!(check_period(PayPeriod::new(2027, 53), &weekly), PeriodCheck::Invalid);
        assert_eq!(check_period(PayPeriod::new(2027, 52), &weekly), PeriodCheck::Open);
    }

    #[test]
    fn an_invalid_number_is_invalid_even_when_it_is_also_earlier() {
        let now = current(2027, 5, PeriodType::Monthly);
        assert_eq!(check_period(PayPeriod::new(2026, 13), &now), PeriodCheck::Invalid);
    }

    #[test]
    fn period_dates_follow_months_and_iso_weeks() {
        let date = |s: &str| s.parse::<NaiveDate>().unwrap();
        let dates = |kind, year, n| period_dates(kind, PayPeriod::new(year, n)).unwrap();
        assert_eq!(dates(PeriodType::Monthly, 2026, 2), (date("2026-02-01"), date("2026-02-28")));
        assert_eq!(dates(PeriodType::Monthly, 2026, 12), (date("2026-12-01"), date("2026-12-31")));
        // ISO week 1 of 2026 starts on Monday 29 December 2025; 2026 has 53 weeks.
        assert_eq!(dates(PeriodType::Weekly, 2026, 1), (date("2025-12-29"), date("2026-01-04")));
        assert_eq!(dates(PeriodType::Weekly, 2026, 53), (date("2026-12-28"), date("2027-01-03")));
        let four = PayPeriod::new(2026, 12);
        assert_eq!(period_dates(PeriodType::FourWeekly, four), None, "not known: not checked");
        assert!(date_in_period(date("2026-12-01"), PeriodType::FourWeekly, four));
        assert_eq!(period_dates(PeriodType::Weekly, PayPeriod::new(2027, 53)), None);
        assert_eq!(period_dates(PeriodType::Monthly, PayPeriod::new(2026, 0)), None);
        let nov = PayPeriod::new(2026, 11);
        assert!(date_in_period(date("2026-11-30"), PeriodType::Monthly, nov));
        assert!(!date_in_period(date("2026-12-01"), PeriodType::Monthly, nov));
        assert!(!date_in_period(date("2026-10-31"), PeriodType::Monthly, nov));
    }

    #[test]
    fn a_code_is_known_when_either_model_has_it() {
        let m = |codes: &[i32]| codes.iter().map(|&code| ModelCode { code, description: None }).collect::<Vec<_>>();
        assert!(code_known(1, &m(&[1, 2]), &m(&[])));
        assert!(code_known(30, &m(&[1]), &m(&[30])));
        assert!(!code_known(5, &m(&[1]), &m(&[30])));
        assert!(!code_known(5, &[], &[]));
    }
}
