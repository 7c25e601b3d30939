//! A small, realistic demo dataset for `demo` and `sim`: domain `demo` with two companies
//! (monthly and 4-weekly), both hour and wage models, and a dozen employees including the
//! edge cases a sync must handle: no e-mail, only a private e-mail, an ended contract, a
//! future contract, a prefix in the name and XML-special characters.
//!
//! Every date that decides something (contract starts and ends, the companies' current
//! periods) is placed relative to a "today" ([`seed_at`]), so the demo reads the same on any
//! day: the data was written as of [`ANCHOR`], and [`seed_at`] moves it by whole months to
//! the month of the day it is given. Tests use [`seed`] (the data as of [`ANCHOR`]) with the
//! worker's clock pinned to that day (`NMBRS_WORKER_CLOCK`); `demo` and `sim` use today.

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use super::state::{Seed, SimCompany, SimEmployee, SimUser};
use crate::nmbrs::*;

/// The demo domain (`AuthHeaderWithDomain/Domain`).
pub const DOMAIN: &str = "demo";
/// A user with every right.
pub const USERNAME: &str = "api@eitje.example";
pub const TOKEN: &str = "demo-token-0123456789abcdef";
/// A user without the read-back rights (`HourComponentVar_Get`, `DaysVar_Get`).
pub const LIMITED_USERNAME: &str = "limited@eitje.example";
pub const LIMITED_TOKEN: &str = "limited-token-0123456789";
/// The monthly company and the 4-weekly one.
pub const HORECA: i32 = 54613;
pub const CATERING: i32 = 54614;

/// The day the demo data was written for: [`seed`] holds it as of this date, and tests pin the
/// worker's clock to it ([`ANCHOR_INSTANT`]).
pub const ANCHOR: NaiveDate = match NaiveDate::from_ymd_opt(2026, 11, 24) {
    Some(d) => d,
    None => panic!("valid anchor"),
};

/// Noon of [`ANCHOR`] in Amsterdam (RFC 3339), the instant tests give `NMBRS_WORKER_CLOCK`.
pub const ANCHOR_INSTANT: &str = "2026-11-24T11:00:00Z";

fn date(y: i32, m: u32, d: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(0, 0, 0)).expect("valid demo date")
}

/// Moves the data's dates from [`ANCHOR`]'s month to `today`'s month, in whole months, so
/// every date keeps its place relative to "today" (a start next month stays in the future, an
/// end five months ago stays past) and the first of a month stays the first.
#[derive(Debug, Clone, Copy)]
struct Shift(i32);

impl Shift {
    fn to(today: NaiveDate) -> Self {
        let months = |d: NaiveDate| d.year() * 12 + d.month0() as i32;
        Shift(months(today) - months(ANCHOR))
    }

    fn date(self, at: NaiveDateTime) -> NaiveDateTime {
        let moved = if self.0 >= 0 {
            at.checked_add_months(Months::new(self.0.unsigned_abs()))
        } else {
            at.checked_sub_months(Months::new(self.0.unsigned_abs()))
        };
        moved.expect("demo dates stay within chrono's range")
    }

    /// A period of `kind` moved by the same number of months: monthly by months, 4-weekly by
    /// the 4-weekly period that holds the moved anchor day.
    fn period(self, kind: PeriodType, anchored: PayPeriod) -> PayPeriod {
        let day = self.date(ANCHOR.and_hms_opt(0, 0, 0).expect("midnight")).date();
        match kind {
            PeriodType::Monthly => {
                let months = anchored.year * 12 + i32::from(anchored.period) - 1 + self.0;
                PayPeriod::new(months.div_euclid(12), (months.rem_euclid(12) + 1) as u8)
            }
            _ => PayPeriod::new(day.year(), ((day.ordinal0() / 28) + 1).min(13) as u8),
        }
    }
}

fn dec(s: &str) -> Decimal {
    s.parse().expect("valid demo decimal")
}

fn codes(list: &[(i32, &str)]) -> Vec<ModelCode> {
    list.iter().map(|(code, d)| ModelCode { code: *code, description: Some((*d).to_owned()) }).collect()
}

fn company(id: i32, number: i32, name: &str, kind: PeriodType, current: PayPeriod) -> SimCompany {
    SimCompany {
        company: Company {
            id: id.into(),
            number,
            name: Some(name.to_owned()),
            email: Some(format!("salaris@{number}.example")),
            loonaangifte_tijdvak: if kind == PeriodType::Monthly { "Month" } else { "Week4" }.into(),
            kvk_nr: Some(format!("{}", 80_000_000 + number)),
            ..Default::default()
        },
        period_type: kind,
        current_period: current,
        hour_codes: codes(&[(1, "Gewerkte uren"), (20, "Verlof"), (30, "Ziekte")]),
        hour_codes2: codes(&[(40, "Overwerk 125%")]),
        wage_codes: codes(&[(400, "Maaltijden"), (410, "Reiskosten"), (420, "Bonus")]),
        wage_codes2: codes(&[(430, "Fooien")]),
    }
}

/// Everything that varies between demo employees.
struct Person<'a> {
    id: i32,
    company: i32,
    first: &'a str,
    prefix: Option<&'a str>,
    last: &'a str,
    email_work: Option<&'a str>,
    email_private: Option<&'a str>,
    start: NaiveDateTime,
    end: Option<NaiveDateTime>,
    hourly: &'a str,
    weekly_hours: &'a str,
    bsn: &'a str,
}

fn employee(p: Person<'_>) -> SimEmployee {
    let number = p.id - 503_292;
    let hourly = dec(p.hourly);
    let weekly = dec(p.weekly_hours);
    let zero_hours = weekly.is_zero();
    let daily = (weekly / Decimal::from(5)).round_dp(2);
    let week = [daily, daily, daily, daily, daily, Decimal::ZERO, Decimal::ZERO];
    let own = |s: Option<&str>| s.map(str::to_owned);
    SimEmployee {
        company_id: p.company,
        employee_type: 1,
        snapshot: EmployeeSnapshot {
            employee_id: p.id.into(),
            employee_number: number,
            first_name: Some(p.first.into()),
            birthday: Some(date(1990 + number % 10, 1 + (number as u32 % 12), 15)),
            prefix: p.prefix.map(Into::into),
            last_name: Some(p.last.into()),
            gender: if number % 2 == 0 { "female" } else { "male" }.into(),
            bsn: Some(p.bsn.into()),
            city: Some("Amsterdam".into()),
            email_work: p.email_work.map(Into::into),
            email_private: p.email_private.map(Into::into),
            telephone_mobile_private: Some(format!("06{:08}", 12_345_600 + number).into()),
            contract_start_date: Some(p.start),
            contract_end_date: p.end,
            salary_type: Some("Bruto_Uurloon".into()),
            salary_value: Some(hourly),
            street: Some("Keizersgracht".into()),
            house_number: Some(format!("{}", 100 + number).into()),
            post_code: Some("1015 CJ".into()),
            hourly_wage: Some(hourly),
            contract_hours: Some(weekly),
            ..Default::default()
        },
        personal_infos: vec![PersonalInfo {
            id: (p.id * 10).into(),
            display_name: Some(
                [Some(p.first), p.prefix, Some(p.last)].into_iter().flatten().collect::<Vec<_>>().join(" "),
            ),
            employee_number: number,
            bsn: Some(p.bsn.into()),
            first_name: Some(p.first.into()),
            prefix: own(p.prefix),
            last_name: Some(p.last.into()),
            gender: if number % 2 == 0 { "female" } else { "male" }.into(),
            nationality_code: 1,
            email_work: own(p.email_work),
            email_private: own(p.email_private),
            birthday: Some(date(1990 + number % 10, 1 + (number as u32 % 12), 15)),
            creation_date: Some(p.start),
            start_period: 1,
            start_year: 2024,
            ..Default::default()
        }],
        contracts: vec![Contract {
            contract_id: (p.id * 10 + 1).into(),
            creation_date: Some(p.start),
            start_date: Some(p.start),
            end_date: p.end,
            employement_type: Some(if zero_hours { 2 } else { 1 }),
            employment_sequence_tax_id: Some(1),
            indefinite: Some(p.end.is_none()),
            phase_classification: Some(1),
            written_contract: Some(true),
            hours_per_week: Some(weekly),
            ..Default::default()
        }],
        salaries: vec![Salary {
            id: (p.id * 10 + 2).into(),
            value: Some(hourly),
            salary_type: Some(3),
            salary_table: None,
            start_date: Some(p.start),
            creation_date: Some(p.start),
        }],
        schedules: vec![Schedule {
            id: Decimal::from(p.id * 10 + 3),
            hours_week1: week.map(Some),
            hours_week2: week.map(Some),
            parttime_percentage: Some((weekly / Decimal::from(40) * Decimal::from(100)).round_dp(2)),
            start_date: Some(p.start),
            creation_date: Some(p.start),
        }],
        cost_per_hour: Some((hourly * dec("1.32")).round_dp(2)),
    }
}

/// The demo dataset as of [`ANCHOR`] (tests). Employee ids start at 503293; BSNs are
/// fictitious but 11-proof.
pub fn seed() -> Seed {
    seed_at(ANCHOR)
}

/// The demo dataset with its dates moved to `today` (see [`Shift`]): the same people are
/// active, ended and yet to start on any day, and the monthly company's current period is
/// `today`'s month.
pub fn seed_at(today: NaiveDate) -> Seed {
    let shift = Shift::to(today);
    let p = |id, company, first, prefix, last, work, private, start, end: Option<NaiveDateTime>, hourly, hours, bsn| {
        let (start, end) = (shift.date(start), end.map(|e| shift.date(e)));
        employee(Person {
            id,
            company,
            first,
            prefix,
            last,
            email_work: work,
            email_private: private,
            start,
            end,
            hourly,
            weekly_hours: hours,
            bsn,
        })
    };
    #[rustfmt::skip]
    let employees = vec![
        p(503293, HORECA, "Jan", Some("de"), "Vries", Some("jan@horeca.example"), None, date(2024, 3, 1), None, "14.50", "0", "111222333"),
        p(503294, HORECA, "Anton", Some("de"), "Jong", Some("anton@horeca.example"), Some("anton@private.example"), date(2023, 1, 1), None, "16.25", "32", "123456782"),
        p(503295, HORECA, "Fatima", None, "El Amrani", None, Some("fatima@private.example"), date(2025, 9, 1), None, "13.68", "0", "234567891"),
        p(503296, HORECA, "Pieter", Some("van der"), "Berg", None, None, date(2024, 6, 1), None, "15.00", "0", "345678900"),
        p(503297, HORECA, "Sanne", None, "Bakker", Some("sanne@horeca.example"), None, date(2022, 5, 1), Some(date(2026, 6, 30)), "17.10", "24", "456789012"),
        p(503298, HORECA, "Daan", None, "Visser", Some("daan@horeca.example"), None, date(2027, 1, 1), None, "14.00", "0", "567890123"),
        p(503299, HORECA, "Zoë", None, "Smit & Zonen <test>", Some("zoe@horeca.example"), None, date(2024, 1, 15), None, "15.75", "16", "678901234"),
        p(503300, CATERING, "Lucas", None, "Meijer", Some("lucas@catering.example"), None, date(2023, 8, 1), None, "18.40", "38", "789012346"),
        p(503301, CATERING, "Emma", None, "de Boer", Some("EMMA@Catering.Example "), None, date(2024, 2, 1), None, "14.90", "0", "890123457"),
        p(503302, CATERING, "Noah", None, "Mulder", None, None, date(2021, 4, 1), Some(date(2025, 12, 31)), "16.00", "20", "901234568"),
        p(503303, CATERING, "Julia", None, "de Groot", Some("julia@catering.example"), None, date(2026, 12, 1), None, "15.20", "0", "112233445"),
        p(503304, CATERING, "Sem", None, "Bos", Some("sem@catering.example"), Some("sem@private.example"), date(2025, 1, 6), None, "13.68", "0", "223344556"),
    ];
    Seed {
        domain: DOMAIN.to_owned(),
        users: vec![
            SimUser { username: USERNAME.to_owned(), token: TOKEN.to_owned(), ..Default::default() },
            SimUser {
                username: LIMITED_USERNAME.to_owned(),
                token: LIMITED_TOKEN.to_owned(),
                denied: [Operation::HourComponentVarGet, Operation::DaysVarGet]
                    .iter()
                    .map(|o| o.name().to_owned())
                    .collect(),
                companies: None,
            },
        ],
        companies: vec![
            company(
                HORECA,
                444445,
                "Eitje Demo Horeca B.V.",
                PeriodType::Monthly,
                shift.period(PeriodType::Monthly, PayPeriod::new(2026, 11)),
            ),
            company(
                CATERING,
                444446,
                "Eitje Demo Catering B.V.",
                PeriodType::FourWeekly,
                shift.period(PeriodType::FourWeekly, PayPeriod::new(2026, 12)),
            ),
        ],
        employees,
    }
}

/// The demo domain as of [`ANCHOR`] with `n` more employees in the monthly company (ids from
/// 600000, all active with a work e-mail): load for tests and benchmarks.
pub fn scaled(n: usize) -> Seed {
    scaled_at(ANCHOR, n)
}

/// [`scaled`] with its dates moved to `today` (`sim --employees N`).
pub fn scaled_at(today: NaiveDate, n: usize) -> Seed {
    let shift = Shift::to(today);
    let mut seed = seed_at(today);
    seed.employees.extend((0..n as i32).map(|i| generated(shift, (600_000 + i, HORECA), "Bench", i, 200_000_000 + i)));
    seed
}

/// A generated employee `(id, company)` for load, active since 2024 with a work e-mail
/// (`employee<label>@<first>.example`): `first` "Employee `label`", BSN `bsn`.
fn generated(shift: Shift, (id, company): (i32, i32), first: &str, label: i32, bsn: i32) -> SimEmployee {
    let bsn = format!("{bsn:09}");
    let email = format!("employee{label}@{}.example", first.to_ascii_lowercase());
    let mut e = employee(Person {
        id,
        company,
        first,
        prefix: None,
        last: "Employee",
        email_work: Some(&email),
        email_private: None,
        start: shift.date(date(2024, 1, 1)),
        end: None,
        hourly: "14.50",
        weekly_hours: "0",
        bsn: &bsn,
    });
    e.snapshot.last_name = Some(format!("Employee {label}").into());
    e
}

/// The first of the small companies [`with_small_companies`] adds (the storm benchmark's
/// customers of 20–60 employees).
pub const SMALL_COMPANY: i32 = 70_000;
/// How many employees small company `i` (from 0) has: 20 to 60, in turn.
pub fn small_company_size(i: usize) -> usize {
    20 + i % 41
}

/// `seed` with `count` more companies (ids from [`SMALL_COMPANY`], monthly like Horeca, with
/// its models) of [`small_company_size`] generated employees each (ids from 800000, all active
/// with a work e-mail): the 22:00 storm's many small customers (`sim --small-companies N`).
pub fn with_small_companies(mut seed: Seed, today: NaiveDate, count: usize) -> Seed {
    let shift = Shift::to(today);
    let mut next = 800_000;
    for i in 0..count {
        let id = SMALL_COMPANY + i as i32;
        let number = 500_000 + i as i32;
        let current = shift.period(PeriodType::Monthly, PayPeriod::new(2026, 11));
        seed.companies.push(company(id, number, &format!("Storm Klant {i} B.V."), PeriodType::Monthly, current));
        for _ in 0..small_company_size(i) {
            seed.employees.push(generated(shift, (next, id), "Small", next, 300_000_000 + next));
            next += 1;
        }
    }
    seed
}

/// A simulator state holding only the demo dataset as of [`ANCHOR`].
pub fn state() -> super::SimState {
    state_at(ANCHOR)
}

/// A simulator state holding only the demo dataset as of `today`.
pub fn state_at(today: NaiveDate) -> super::SimState {
    let mut state = super::SimState::default();
    state.apply_seed(seed_at(today));
    state
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_has_two_companies_a_dozen_employees_and_the_edge_cases() {
        let s = seed();
        assert_eq!(s.companies.len(), 2);
        assert_eq!(s.employees.len(), 12);
        let snap = |e: &SimEmployee| e.snapshot.clone();
        assert!(s.employees.iter().map(snap).any(|e| e.email_work.is_none() && e.email_private.is_none()));
        assert!(s.employees.iter().map(snap).any(|e| e.contract_end_date.is_some()));
        assert!(s.employees.iter().map(snap).any(|e| e.contract_start_date > Some(date(2026, 12, 31))));
    }

    /// Who works on `today` in the data of `seed_at(today)`, by id; and the monthly period.
    fn working(today: NaiveDate) -> (Vec<i32>, PayPeriod) {
        let s = seed_at(today);
        let at = today.and_hms_opt(0, 0, 0).unwrap();
        let ids = s
            .employees
            .iter()
            .filter(|e| {
                let c = &e.contracts[0];
                c.start_date.is_some_and(|d| d <= at) && c.end_date.is_none_or(|d| d >= at)
            })
            .map(|e| e.snapshot.employee_id.soap().unwrap())
            .collect();
        (ids, s.companies[0].current_period)
    }

    #[test]
    fn the_data_reads_the_same_on_any_day() {
        let (at_anchor, period) = working(ANCHOR);
        assert_eq!(period, PayPeriod::new(2026, 11));
        assert_eq!(seed_at(ANCHOR).companies[1].current_period, PayPeriod::new(2026, 12));
        assert_eq!(at_anchor.len(), 8, "{at_anchor:?}");
        for day in ["2027-12-07", "2025-12-07", "2026-12-01", "2031-01-31", "2020-02-29", "2026-11-01"] {
            let today: NaiveDate = day.parse().unwrap();
            let (ids, period) = working(today);
            assert_eq!(ids, at_anchor, "{day}");
            assert_eq!((period.year, period.period), (today.year(), today.month() as u8), "{day}");
        }
    }

    #[test]
    fn the_storms_small_companies_hold_20_to_60_employees_each() {
        let s = with_small_companies(seed(), ANCHOR, 42);
        let size = |c: i32| s.employees.iter().filter(|e| e.company_id == c).count();
        assert_eq!((size(SMALL_COMPANY), size(SMALL_COMPANY + 40), size(SMALL_COMPANY + 41)), (20, 60, 20));
        assert_eq!(s.companies.len(), 2 + 42);
    }
}
