//! The tests of `selection.rs`, in a file of their own: they use `testkit` and sibling modules that
//! import `selection`, so written inside `selection.rs` they made an import circle (issue 17).

use std::collections::{BTreeSet, HashMap};

use proptest::prelude::*;

use super::*;
use crate::{
    domain::{
        employment::is_employed_on,
        matching::{Matched, MatchedBy, RosterMember},
        team::{DepartureReason, MemberRecord, delta, departures, member_record, testkit::*},
    },
    envelope::schema::check,
};

#[test]
fn imports_only_employed_employees_with_an_email() {
    let t = today();
    let history = vec![
        (1, vec![contract(1, d(2025, 1, 1), None)]), // no end: imported
        (2, vec![contract(2, d(2025, 1, 1), None)]), // no e-mail
        (3, vec![contract(3, d(2025, 1, 1), Some(d(2026, 11, 23)))]), // ended yesterday
        (4, vec![contract(4, d(2026, 12, 1), None)]), // future
        (5, vec![contract(5, d(2025, 1, 1), Some(t))]), // ends today: active
        (6, vec![contract(6, d(2020, 1, 1), Some(d(2021, 1, 1)))]), // ended and no e-mail
    ];
    let snaps = vec![
        snap(5, None, Some(" five@x.nl ")),
        snap(1, Some("one@x.nl"), None),
        snap(2, Some("  "), Some("")),
        snap(3, Some("three@x.nl"), None),
        snap(4, Some("four@x.nl"), None),
        snap(6, None, None),
    ];
    let sel = select_imports(&[company(10, snaps, history)], t);
    assert_eq!(ids(&sel), vec![1, 5]);
    assert_eq!((sel.no_email, sel.no_active_employment), (1, 3));
    assert_eq!(sel.imported[1].email, "five@x.nl");
    assert_eq!(sel.imported[0].eitje_venue_ids, vec!["v-1", "v-2"]);
}

#[test]
fn snapshot_dates_count_only_without_contract_history() {
    let t = today();
    let mut no_history = snap(1, Some("a@x.nl"), None);
    no_history.contract_start_date = Some(at(d(2025, 1, 1)));
    let mut history_ended = snap(2, Some("b@x.nl"), None);
    history_ended.contract_start_date = Some(at(d(2025, 1, 1)));
    let mut no_dates = snap(3, Some("c@x.nl"), None);
    no_dates.contract_end_date = None;
    let companies = [company(
        10,
        vec![no_history, history_ended, no_dates],
        vec![(2, vec![contract(1, d(2020, 1, 1), Some(d(2021, 1, 1)))])],
    )];
    let sel = select_imports(&companies, t);
    assert_eq!(ids(&sel), vec![1]);
    assert_eq!(sel.no_active_employment, 2);
    assert_eq!(sel.imported[0].contracts.len(), 1);
}

#[test]
fn listed_with_no_contracts_is_not_employed_by_the_snapshot_dates() {
    // Field case 03: snapshots carry the current contract's dates; a nil or empty list in
    // the contract list still means "no contracts".
    let mut listed = snap(1, Some("a@x.nl"), None);
    listed.contract_start_date = Some(at(d(2024, 2, 1)));
    let mut unlisted = snap(2, Some("b@x.nl"), None);
    unlisted.contract_start_date = Some(at(d(2024, 2, 1)));
    let sel = select_imports(&[company(10, vec![listed, unlisted], vec![(1, vec![])])], today());
    assert_eq!(ids(&sel), vec![2]);
    assert_eq!(sel.no_active_employment, 1);
}

#[test]
fn an_employee_in_two_companies_counts_once() {
    let t = today();
    let active = vec![(1, vec![contract(1, d(2025, 1, 1), None)])];
    let a = company(20, vec![snap(1, Some("a@x.nl"), None)], active.clone());
    let b = company(10, vec![snap(1, None, None)], active.clone());
    let sel = select_imports(&[a.clone(), b.clone()], t);
    assert_eq!(ids(&sel), vec![1]);
    assert_eq!(sel.imported[0].company_id, CompanyId::int(20));
    assert_eq!((sel.no_email, sel.no_active_employment), (0, 0));
    let c = company(30, vec![snap(1, Some("a@x.nl"), None)], vec![]);
    let sel = select_imports(&[b, c], t);
    assert_eq!((sel.imported.len(), sel.no_email, sel.no_active_employment), (0, 1, 0));
}

#[test]
fn a_company_linked_to_two_venues_gives_both() {
    let active = vec![(1, vec![contract(1, d(2025, 1, 1), None)])];
    let mut a = company(10, vec![snap(1, Some("a@x.nl"), None)], active);
    a.eitje_venue_ids = vec!["v-9".into()];
    let mut b = a.clone();
    b.eitje_venue_ids = vec!["v-3".into()];
    let sel = select_imports(&[a, b], today());
    assert_eq!(sel.imported.len(), 1);
    assert_eq!(sel.imported[0].eitje_venue_ids, vec!["v-3", "v-9"]);
}

#[test]
fn imported_employee_debug_hides_bsn() {
    assert!(!format!("{:?}", rich()).contains("123456782"));
    assert!(!format!("{:?}", candidate(&rich())).contains("123456782"));
}

#[test]
fn candidate_carries_bsn_and_both_addresses() {
    let c = candidate(&rich());
    assert_eq!(c.nmbrs_employee_id, EmployeeId::int(503293));
    assert_eq!(c.bsn.as_ref().map(Bsn::expose), Some("123456782"));
    assert_eq!(c.emails, vec!["Sanne@Brouwerij.nl", "sanne@home.nl"]);
}

fn arb_company() -> impl Strategy<Value = CompanyData> {
    let employee = (1i32..12, 0usize..3, proptest::option::of(0i64..60), proptest::option::of(0i64..60), any::<bool>());
    (1i32..4, proptest::collection::vec(employee, 0..8)).prop_map(|(company_id, employees)| {
        let base = d(2026, 10, 1);
        let mut c = company(company_id, vec![], vec![]);
        for (id, email, start, end, history) in employees {
            let emails = [(None, None), (Some("w@x.nl"), None), (Some(" "), Some("p@x.nl"))][email];
            let mut s = snap(id, emails.0, emails.1);
            let start = start.map(|n| base + chrono::Duration::days(n));
            let end = end.map(|n| base + chrono::Duration::days(n));
            if history {
                let items = vec![Contract { start_date: start.map(at), end_date: end.map(at), ..Default::default() }];
                c.contracts.push(PerEmployee { employee_id: EmployeeId::int(id), items });
            } else {
                (s.contract_start_date, s.contract_end_date) = (start.map(at), end.map(at));
            }
            c.snapshots.push(s);
        }
        c
    })
}

proptest! {
    /// Every employee of every company is counted once: imported or skipped for one reason.
    /// Imported employees are employed and have an e-mail; an active, linked member of an
    /// imported employee never departs.
    #[test]
    fn selection_counts_every_employee_once(companies in proptest::collection::vec(arb_company(), 0..3)) {
        let t = today();
        let sel = select_imports(&companies, t);
        let all: BTreeSet<EmployeeId> = companies.iter().flat_map(|c| c.snapshots.iter().map(|s| s.employee_id)).collect();
        prop_assert_eq!(sel.imported.len() as u64 + sel.no_email + sel.no_active_employment, all.len() as u64);
        prop_assert!(sel.imported.windows(2).all(|w| w[0].nmbrs_employee_id < w[1].nmbrs_employee_id));
        for e in &sel.imported {
            prop_assert!(is_employed_on(&e.contracts, t));
            prop_assert!(!e.email.trim().is_empty());
        }
        let roster: Vec<RosterMember> =
            all.iter().map(|id| member(&format!("u-{id}"), id.soap(), true)).collect();
        let ds = departures(&roster, &companies, t);
        let stripped: Vec<CompanyData> = companies.iter().cloned().map(CompanyData::for_departures).collect();
        prop_assert_eq!(&departures(&roster, &stripped, t), &ds, "departures read only what for_departures keeps");
        for dep in &ds {
            prop_assert!(sel.imported.iter().all(|e| e.nmbrs_employee_id != dep.nmbrs_employee_id));
            prop_assert_eq!(dep.reason, DepartureReason::EmploymentEnded);
        }
        prop_assert!(ds.windows(2).all(|w| w[0].eitje_user_id < w[1].eitje_user_id));
        // Records built from the selection all validate, and a second identical sync publishes nothing.
        let records: Vec<MemberRecord> = sel.imported.iter().map(|e| {
            let m = Matched { nmbrs_employee_id: e.nmbrs_employee_id, eitje_user_id: None, matched_by: MatchedBy::New };
            member_record(e, &m, None, crate::domain::team::MemberShape::Plain)
        }).collect();
        for r in &records {
            prop_assert!(check("events/team_member.upserted", &event("team_member.upserted", "SyncTeam", &r.payload)).is_ok());
        }
        let stored: HashMap<EmployeeId, [u8; 32]> = records.iter().map(|r| (r.nmbrs_employee_id, r.content_hash)).collect();
        let again = delta(records.clone(), &stored, false);
        prop_assert_eq!((again.publish.len(), again.unchanged), (0, records.len() as u64));
    }
}
