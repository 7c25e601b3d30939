//! Whether a Nmbrs employee is employed on a date (CONTRACT §2.3 step 2 and step 5).
//!
//! Active employment on a date = any contract with start ≤ date and (no end, or end ≥ date); the
//! end date is the last working day, so a contract ending today is still active today. Nmbrs
//! sends dates as `dateTime`; only the date part counts.
//!
//! A contract without a start date (Nmbrs requires one, so only broken data has none) counts as
//! started since always: missing data must not make a working person look gone and get them
//! deactivated.
//!
//! **Contract history** (CONTRACT §2.3 step 2, field case 02): Nmbrs returns every version of a
//! contract; a contract id that appears more than once counts only in its latest version
//! ([`latest_versions`]). Callers pass contracts in response order and apply it before any of the
//! rules here.

use chrono::{NaiveDate, NaiveDateTime};

use crate::domain::history::{Listing, latest_per};
use crate::domain::nmbrs::Contract;

fn day(d: Option<NaiveDateTime>) -> Option<NaiveDate> {
    d.map(|d| d.date())
}

/// Each contract id once, in its latest version, in the order of first appearance.
///
/// Latest = the latest `CreationDate`, else the last one in the response (CONTRACT §2.3 step 2):
/// the version that is greatest by (`CreationDate`, place in the response), where a version
/// without a `CreationDate` ranks below every dated one. So when no version is dated (or dates
/// are equal) the last in the response wins ("versions without a `CreationDate` rank by their
/// place"), and mixed histories have one answer whatever the order of the response: a pairwise
/// "undated ranks by place" rule would not be a total order (A dated 10-10, B undated, C dated
/// 10-01 would make each beat another). `contracts` must be in response order. The rule is
/// [`latest_per`], shared with the REST edge's history reads (issue 23).
pub fn latest_versions(contracts: &[Contract]) -> Vec<Contract> {
    let key = |c: &Contract| Some(c.contract_id);
    latest_per(contracts.iter().cloned(), key, |c| c.creation_date, Listing::OldestFirst)
}

/// Whether `c` covers `on`.
pub fn contract_covers(c: &Contract, on: NaiveDate) -> bool {
    day(c.start_date).is_none_or(|start| start <= on) && day(c.end_date).is_none_or(|end| end >= on)
}

/// Active employment on `on` = any contract with start <= on and (no end, or end >= on).
pub fn is_employed_on(contracts: &[Contract], on: NaiveDate) -> bool {
    contracts.iter().any(|c| contract_covers(c, on))
}

/// Whether a contract starts after `on`: the employee is hired (or rehired) but has not started
/// yet. Step 5 does not treat such an employee as gone.
pub fn has_upcoming_employment(contracts: &[Contract], on: NaiveDate) -> bool {
    contracts.iter().any(|c| day(c.start_date).is_some_and(|start| start > on))
}

/// The end date of the last-ending contract (None when there are no contracts or one has no end).
pub fn last_contract_end(contracts: &[Contract]) -> Option<NaiveDate> {
    contracts.iter().map(|c| day(c.end_date)).try_fold(None, |last: Option<NaiveDate>, end| {
        let end = end?;
        Some(Some(last.map_or(end, |l| l.max(end))))
    })?
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn contract(start: Option<NaiveDate>, end: Option<NaiveDate>) -> Contract {
        Contract {
            start_date: start.map(|s| s.and_hms_opt(0, 0, 0).unwrap()),
            end_date: end.map(|e| e.and_hms_opt(0, 0, 0).unwrap()),
            ..Default::default()
        }
    }

    fn version(id: i32, created: Option<NaiveDate>, end: Option<NaiveDate>) -> Contract {
        Contract {
            contract_id: crate::domain::nmbrs::ContractId::int(id),
            creation_date: created.map(|c| c.and_hms_opt(9, 30, 0).unwrap()),
            ..contract(Some(d(2024, 2, 1)), end)
        }
    }

    #[test]
    fn only_the_latest_version_of_a_contract_counts() {
        let today = d(2026, 11, 24);
        // Field case 02: open-ended at hire, then the same contract with an end date.
        let history =
            [version(88123, Some(d(2024, 1, 15)), None), version(88123, Some(d(2026, 10, 2)), Some(d(2026, 10, 31)))];
        let latest = latest_versions(&history);
        assert_eq!(latest, vec![history[1].clone()]);
        assert!(!is_employed_on(&latest, today));
        assert_eq!(last_contract_end(&latest), Some(d(2026, 10, 31)));
        // The response order does not matter when creation dates tell.
        let reversed = [history[1].clone(), history[0].clone()];
        assert_eq!(latest_versions(&reversed), vec![history[1].clone()]);
        // A third version ranked by its creation date, listed in the middle.
        let third = version(88123, Some(d(2026, 11, 1)), None);
        let three = [history[0].clone(), third.clone(), history[1].clone()];
        assert_eq!(latest_versions(&three), vec![third]);
        assert!(is_employed_on(&latest_versions(&three), today));
    }

    #[test]
    fn without_creation_dates_the_last_in_the_response_wins_and_other_ids_stay() {
        let a = version(1, None, None);
        let b = version(1, None, Some(d(2026, 1, 31)));
        let other = version(2, Some(d(2020, 1, 1)), Some(d(2021, 1, 1)));
        assert_eq!(latest_versions(&[a.clone(), other.clone(), b.clone()]), vec![b.clone(), other.clone()]);
        assert_eq!(latest_versions(&[b.clone(), a.clone()]), vec![a.clone()]);
        // Mixed: a dated version outranks an undated one, wherever each is listed.
        let dated = version(1, Some(d(2026, 1, 1)), Some(d(2026, 1, 31)));
        assert_eq!(latest_versions(&[dated.clone(), a.clone()]), vec![dated.clone()]);
        assert_eq!(latest_versions(&[a.clone(), dated.clone()]), vec![dated.clone()]);
        // The reviewer's case: the answer does not depend on the order of the response.
        let (early, late) = (version(1, Some(d(2025, 10, 1)), None), version(1, Some(d(2025, 10, 10)), None));
        let undated = version(1, None, Some(d(2025, 12, 31)));
        for order in
            [[&late, &undated, &early], [&late, &early, &undated], [&early, &undated, &late], [&undated, &early, &late]]
        {
            let history: Vec<Contract> = order.into_iter().cloned().collect();
            assert_eq!(
                latest_versions(&history),
                vec![late.clone()],
                "{:?}",
                history.iter().map(|c| c.creation_date).collect::<Vec<_>>()
            );
        }
        // Equal creation dates: the later one in the response.
        let twin = version(1, Some(d(2026, 1, 1)), None);
        assert_eq!(latest_versions(&[dated, twin.clone()]), vec![twin]);
        assert!(latest_versions(&[]).is_empty());
    }

    #[test]
    fn no_contracts_means_not_employed_and_no_end() {
        assert!(!is_employed_on(&[], d(2026, 11, 24)));
        assert_eq!(last_contract_end(&[]), None);
        assert!(!has_upcoming_employment(&[], d(2026, 11, 24)));
    }

    #[test]
    fn contract_boundaries_are_inclusive() {
        let today = d(2026, 11, 24);
        let ends_today = contract(Some(d(2025, 1, 1)), Some(today));
        let starts_today = contract(Some(today), None);
        let ended_yesterday = contract(Some(d(2025, 1, 1)), Some(d(2026, 11, 23)));
        let starts_tomorrow = contract(Some(d(2026, 11, 25)), None);
        assert!(is_employed_on(std::slice::from_ref(&ends_today), today));
        assert!(is_employed_on(std::slice::from_ref(&starts_today), today));
        assert!(!is_employed_on(std::slice::from_ref(&ended_yesterday), today));
        assert!(!is_employed_on(std::slice::from_ref(&starts_tomorrow), today));
        assert!(has_upcoming_employment(&[starts_tomorrow], today));
        assert!(!has_upcoming_employment(&[starts_today], today));
    }

    #[test]
    fn time_of_day_is_ignored() {
        let today = d(2026, 11, 24);
        let c = Contract {
            start_date: Some(today.and_hms_opt(23, 59, 0).unwrap()),
            end_date: Some(today.and_hms_opt(8, 0, 0).unwrap()),
            ..Default::default()
        };
        assert!(is_employed_on(&[c], today));
    }

    #[test]
    fn any_covering_contract_counts() {
        let today = d(2026, 11, 24);
        let cs = [contract(Some(d(2020, 1, 1)), Some(d(2021, 1, 1))), contract(Some(d(2026, 1, 1)), None)];
        assert!(is_employed_on(&cs, today));
        assert!(!is_employed_on(&cs, d(2022, 6, 1)));
    }

    #[test]
    fn missing_start_counts_as_started() {
        assert!(is_employed_on(&[contract(None, None)], d(2026, 11, 24)));
        assert!(!is_employed_on(&[contract(None, Some(d(2026, 1, 1)))], d(2026, 11, 24)));
    }

    #[test]
    fn last_end_is_the_latest_end_or_none_when_one_is_open() {
        let cs =
            [contract(Some(d(2020, 1, 1)), Some(d(2021, 3, 31))), contract(Some(d(2019, 1, 1)), Some(d(2019, 12, 31)))];
        assert_eq!(last_contract_end(&cs), Some(d(2021, 3, 31)));
        let open = [cs[0].clone(), contract(Some(d(2022, 1, 1)), None)];
        assert_eq!(last_contract_end(&open), None);
    }

    fn arb_date() -> impl Strategy<Value = NaiveDate> {
        (0i64..3000).prop_map(|n| d(2020, 1, 1) + chrono::Duration::days(n))
    }

    proptest! {
        /// Employment is the union of the contract windows: it does not depend on contract order
        /// and matches a direct reading of the rule.
        #[test]
        fn employment_is_the_union_of_windows(
            windows in proptest::collection::vec((proptest::option::of(arb_date()), proptest::option::of(arb_date())), 0..5),
            on in arb_date(),
        ) {
            let cs: Vec<Contract> = windows.iter().map(|(s, e)| contract(*s, *e)).collect();
            let expected = windows.iter().any(|(s, e)| s.is_none_or(|s| s <= on) && e.is_none_or(|e| e >= on));
            prop_assert_eq!(is_employed_on(&cs, on), expected);
            let mut reversed = cs.clone();
            reversed.reverse();
            prop_assert_eq!(is_employed_on(&reversed, on), expected);
            prop_assert_eq!(last_contract_end(&reversed), last_contract_end(&cs));
            if let Some(end) = last_contract_end(&cs) {
                prop_assert!(!is_employed_on(&cs, end + chrono::Duration::days(1)));
            }
        }
    }
}
