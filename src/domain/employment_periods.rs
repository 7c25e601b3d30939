//! REST splits what SOAP calls a contract in two: *employments* (in service from, until) and
//! *contracts* (terms within an employment). "Active employment follows REST's employments and
//! contracts" (issue 9, CONTRACT §5): the rules of [`crate::domain::employment`] read contracts,
//! so the REST edge bounds each contract by the employment it starts in (an ended employment
//! ends its open or later-ending contracts) and stands an employment without any contract in
//! for one (a person in service without contract terms is still employed).

use chrono::NaiveDateTime;

use crate::domain::nmbrs::{Contract, ContractId};

/// One REST employment: in service from `start` until `end` (the last working day; `None` =
/// open-ended). `id` is the contract id a stand-in contract gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Employment {
    pub id: ContractId,
    pub start: NaiveDateTime,
    pub end: Option<NaiveDateTime>,
    pub created: Option<NaiveDateTime>,
}

impl Employment {
    /// Whether `on` (date part) lies in this employment.
    fn covers(&self, on: NaiveDateTime) -> bool {
        self.start.date() <= on.date() && self.end.is_none_or(|end| end.date() >= on.date())
    }
}

/// `contracts` of one employee bounded by their `employments`, then one stand-in contract per
/// employment in which no contract starts. Contracts without a start date, or starting in no
/// employment, stay as they are.
pub fn bounded_by_employments(mut contracts: Vec<Contract>, employments: &[Employment]) -> Vec<Contract> {
    for c in &mut contracts {
        let Some(start) = c.start_date else { continue };
        let within = employments.iter().filter(|e| e.covers(start)).max_by_key(|e| e.start);
        if let Some(end) = within.and_then(|e| e.end)
            && c.end_date.is_none_or(|c_end| c_end.date() > end.date())
        {
            c.end_date = Some(end);
        }
    }
    let stand_ins: Vec<Contract> = employments
        .iter()
        .filter(|e| !contracts.iter().any(|c| c.start_date.is_some_and(|s| e.covers(s))))
        .map(|e| Contract {
            contract_id: e.id,
            creation_date: e.created,
            start_date: Some(e.start),
            end_date: e.end,
            ..Default::default()
        })
        .collect();
    contracts.extend(stand_ins);
    contracts
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn at(y: i32, m: u32, d: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(0, 0, 0).unwrap()
    }

    fn contract(id: i32, start: NaiveDateTime, end: Option<NaiveDateTime>) -> Contract {
        Contract { contract_id: ContractId::int(id), start_date: Some(start), end_date: end, ..Default::default() }
    }

    fn employment(id: i32, start: NaiveDateTime, end: Option<NaiveDateTime>) -> Employment {
        Employment { id: ContractId::int(id), start, end, created: None }
    }

    #[test]
    fn matching_employment_changes_nothing() {
        let c = vec![contract(1, at(2024, 3, 1), None), contract(2, at(2020, 1, 1), Some(at(2021, 12, 31)))];
        let e = [employment(9, at(2024, 3, 1), None), employment(8, at(2020, 1, 1), Some(at(2021, 12, 31)))];
        assert_eq!(bounded_by_employments(c.clone(), &e), c);
    }

    #[test]
    fn an_ended_employment_ends_its_open_or_later_contracts() {
        let c = vec![contract(1, at(2024, 3, 1), None), contract(2, at(2024, 6, 1), Some(at(2027, 1, 1)))];
        let e = [employment(9, at(2024, 1, 1), Some(at(2026, 6, 30)))];
        let ends: Vec<_> = bounded_by_employments(c, &e).iter().map(|c| c.end_date).collect();
        assert_eq!(ends, vec![Some(at(2026, 6, 30)), Some(at(2026, 6, 30))]);
        // An earlier contract end stays.
        let c = vec![contract(1, at(2024, 3, 1), Some(at(2025, 1, 31)))];
        assert_eq!(bounded_by_employments(c, &e)[0].end_date, Some(at(2025, 1, 31)));
    }

    #[test]
    fn a_contract_outside_every_employment_stays_and_a_rehire_counts_its_own_employment() {
        // Employed 2020–2021, rehired 2024 (open): the 2024 contract is not ended by the old one.
        let c = vec![contract(1, at(2024, 3, 1), None)];
        let e = [employment(8, at(2020, 1, 1), Some(at(2021, 12, 31))), employment(9, at(2024, 3, 1), None)];
        let out = bounded_by_employments(c, &e);
        assert_eq!(out[0].end_date, None);
        // The 2020 employment has no contract: it stands in for one.
        assert_eq!(out.len(), 2);
        assert_eq!(
            (out[1].contract_id, out[1].start_date, out[1].end_date),
            (ContractId::int(8), Some(at(2020, 1, 1)), Some(at(2021, 12, 31)))
        );
    }

    #[test]
    fn an_employment_without_contracts_stands_in_and_none_leaves_contracts_alone() {
        let e = [employment(9, at(2025, 9, 1), None)];
        let out = bounded_by_employments(Vec::new(), &e);
        assert_eq!(out.len(), 1);
        assert!(crate::domain::employment::is_employed_on(&out, at(2026, 11, 30).date()));
        let c = vec![contract(1, at(2024, 3, 1), Some(at(2024, 12, 31)))];
        assert_eq!(bounded_by_employments(c.clone(), &[]), c);
    }
}
