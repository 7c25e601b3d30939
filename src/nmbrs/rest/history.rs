//! REST history reads as the worker uses them (issue 23, REST-NOTES §7): a correction in Nmbrs
//! adds a record with the same start and a later `createdAt`, and reads list records newest
//! first. Of the records of one start, only the latest counts: [`latest_records`] applies the
//! domain's rule ([`crate::domain::history::latest_per`], the one SOAP contract versions
//! follow) to every company-wide history read, right where it is read, so no job ever sees a
//! superseded record.
//!
//! | read | one record per | created |
//! | --- | --- | --- |
//! | contracts, employments | start date | `createdAt`, `creationDate` |
//! | salaries, schedules | start date (a record without one is kept) | `createdAt` |
//! | addresses | address type and `period` (one without a period is kept) | `createdAt` |
//! | personal info | `period` (one without is kept) | `createdAt` |
//! | BSNs (`privateInfos`) | — (no start: all kept, the snapshot takes the latest) | `createdAt` |

use std::collections::HashMap;
use std::hash::Hash;

use chrono::{NaiveDate, NaiveDateTime};

use super::ids::EmployeeUuid;
use super::records::*;
use super::wire::{Address, PrivateInfo};
use crate::domain::employment_periods::Employment;
use crate::domain::history::{Listing, latest_per};
use crate::nmbrs::{Contract, Listed, PayPeriod, PersonalInfo, Salary, Schedule};

/// A record of a REST history read: its start (records of one start are versions of one
/// record) and when it was created.
pub trait Versioned {
    type Start: Eq + Hash;
    /// `None`: nothing says which record this is a version of; it is kept as it is.
    fn start(&self) -> Option<Self::Start>;
    fn created(&self) -> Option<NaiveDateTime>;
}

/// `Versioned` for a record kept one per start date.
macro_rules! by_start_date {
    ($record:ty, |$r:ident| $start:expr, $created:ident) => {
        impl Versioned for $record {
            type Start = NaiveDate;
            fn start(&self) -> Option<NaiveDate> {
                let $r = self;
                $start
            }
            fn created(&self) -> Option<NaiveDateTime> {
                self.$created
            }
        }
    };
}

by_start_date!(Contract, |r| r.start_date.map(|d| d.date()), creation_date);
by_start_date!(Employment, |r| Some(r.start.date()), created);
by_start_date!(Salary, |r| r.start_date.map(|d| d.date()), creation_date);
by_start_date!(Schedule, |r| r.start_date.map(|d| d.date()), creation_date);

impl Versioned for Address {
    type Start = (Option<String>, PayPeriod);
    fn start(&self) -> Option<Self::Start> {
        self.period.map(|p| (self.address_type.clone(), p))
    }
    fn created(&self) -> Option<NaiveDateTime> {
        self.created_at
    }
}

/// BSN records carry no start: all are kept (the snapshot takes the latest); the read is still
/// joined across pages.
impl Versioned for PrivateInfo {
    type Start = ();
    fn start(&self) -> Option<()> {
        None
    }
    fn created(&self) -> Option<NaiveDateTime> {
        self.created_at
    }
}

/// Personal info is kept one per period (`start_year`, `start_period`; both 0: none read).
impl Versioned for PersonalInfo {
    type Start = (i32, i32);
    fn start(&self) -> Option<(i32, i32)> {
        let start = (self.start_year, self.start_period);
        (start != (0, 0)).then_some(start)
    }
    fn created(&self) -> Option<NaiveDateTime> {
        self.creation_date
    }
}

/// `listed` (all pages of one company-wide history read, in page order) with one entry per
/// employee (an employee listed on two pages has their records joined, in page order) and, of
/// each employee's records, the latest per start ([`Versioned`]; ties go to the first listed,
/// REST listing newest first). Unreadable records stay as they are.
pub fn latest_records<T: Versioned>(listed: Listed<ByEmployee<T>>) -> Listed<ByEmployee<T>> {
    let mut joined: Vec<ByEmployee<T>> = Vec::with_capacity(listed.items.len());
    let mut at: HashMap<EmployeeUuid, usize> = HashMap::new();
    for entry in listed.items {
        match at.get(&entry.employee_id) {
            Some(&i) => joined[i].items.extend(entry.items),
            None => {
                at.insert(entry.employee_id, joined.len());
                joined.push(entry);
            }
        }
    }
    let items = joined
        .into_iter()
        .map(|e| ByEmployee {
            employee_id: e.employee_id,
            items: latest_per(e.items, T::start, T::created, Listing::NewestFirst),
        })
        .collect();
    Listed { items, unreadable: listed.unreadable }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;
    use uuid::Uuid;

    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, 0, 0).unwrap()
    }

    fn salary(start: Option<NaiveDateTime>, created: Option<NaiveDateTime>, cents: i64) -> Salary {
        Salary {
            start_date: start,
            salary_type: Some(3),
            value: Some(Decimal::new(cents, 2)),
            creation_date: created,
            ..Default::default()
        }
    }

    fn values(e: &ByEmployee<Salary>) -> Vec<i64> {
        e.items.iter().map(|s| s.value.unwrap().mantissa() as i64).collect()
    }

    #[test]
    fn an_employee_split_over_two_pages_is_one_entry_with_the_latest_per_start() {
        let (jan, piet) = (EmployeeUuid(Uuid::from_u128(1)), EmployeeUuid(Uuid::from_u128(2)));
        let may = Some(at(2026, 5, 1, 0));
        // Page 1 ends with Jan's first correction; page 2 starts with his newest version.
        let page1 = vec![
            ByEmployee { employee_id: piet, items: vec![salary(may, Some(at(2026, 1, 1, 9)), 1400)] },
            ByEmployee { employee_id: jan, items: vec![salary(may, Some(at(2026, 4, 27, 16)), 1520)] },
        ];
        let page2 = vec![ByEmployee {
            employee_id: jan,
            items: vec![salary(may, Some(at(2026, 5, 6, 8)), 1502), salary(None, None, 999), salary(None, None, 998)],
        }];
        let mut listed = Listed { items: page1, unreadable: vec![] };
        listed.append(Listed { items: page2, unreadable: vec![] });
        let out = latest_records(listed);
        assert_eq!(out.items.iter().map(|e| e.employee_id).collect::<Vec<_>>(), [piet, jan]);
        assert_eq!(values(&out.items[1]), [1502, 999, 998], "the newest of 1 May; undated starts kept");
        assert_eq!(values(&out.items[0]), [1400]);
    }

    #[test]
    fn every_history_read_keys_its_records_by_start() {
        let c = |start, created| Contract { start_date: Some(start), creation_date: created, ..Default::default() };
        // Same start day at another time of day is the same start.
        assert_eq!(c(at(2026, 4, 1, 0), None).start(), c(at(2026, 4, 1, 12), None).start());
        let home = |period| Address {
            address_type: Some("homeAddress".into()),
            period,
            created_at: Some(at(2026, 1, 1, 0)),
            ..Default::default()
        };
        let post = Address { address_type: Some("postAddress".into()), ..home(Some(PayPeriod::new(2026, 1))) };
        assert_ne!(home(Some(PayPeriod::new(2026, 1))).start(), post.start(), "types are different records");
        assert_eq!(home(None).start(), None);
        let info = PersonalInfo { start_year: 2025, start_period: 3, ..Default::default() };
        assert_eq!(info.start(), Some((2025, 3)));
        assert_eq!(PersonalInfo::default().start(), None, "no period read: kept as it is");
    }
}
