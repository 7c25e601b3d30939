//! The tests of `departures.rs`, in a file of their own: they use `testkit` and sibling modules that
//! import `departures`, so written inside `departures.rs` they made an import circle (issue 17).

use serde_json::json;

use super::*;
use crate::{
    domain::team::{notify::deactivated_payload, testkit::*},
    envelope::schema::check,
};

#[test]
fn departures_cover_ended_and_vanished_employees() {
    let t = today();
    let history = vec![
        (1, vec![contract(1, d(2020, 1, 1), Some(d(2021, 6, 30))), contract(2, d(2022, 1, 1), Some(d(2026, 10, 31)))]),
        (2, vec![contract(3, d(2025, 1, 1), None)]),
        (3, vec![contract(4, d(2027, 1, 1), None)]),
        (4, vec![contract(5, d(2020, 1, 1), Some(d(2021, 1, 1))), contract(6, d(2026, 12, 1), None)]),
    ];
    let snaps = (1..=5).map(|id| snap(id, Some("a@x.nl"), None)).collect();
    let companies = [company(10, snaps, history)];
    let roster = [
        member("u-9", Some(99), true), // vanished
        member("u-1", Some(1), true),  // ended
        member("u-2", Some(2), true),  // employed
        member("u-3", Some(3), true),  // future contract only: not left
        member("u-4", Some(4), true),  // rehired from next week: not left
        member("u-5", Some(5), true),  // listed without any contract
        member("u-6", None, true),     // not linked: ignored
        member("u-7", Some(1), false), // inactive: ignored
    ];
    let ds = departures(&roster, &companies, t);
    assert_eq!(
        ds,
        vec![
            Departure {
                eitje_user_id: "u-1".into(),
                nmbrs_employee_id: EmployeeId::int(1),
                reason: DepartureReason::EmploymentEnded,
                ended_on: Some(d(2026, 10, 31))
            },
            Departure {
                eitje_user_id: "u-5".into(),
                nmbrs_employee_id: EmployeeId::int(5),
                reason: DepartureReason::EmploymentEnded,
                ended_on: None
            },
            Departure {
                eitje_user_id: "u-9".into(),
                nmbrs_employee_id: EmployeeId::int(99),
                reason: DepartureReason::NotInNmbrs,
                ended_on: None
            },
        ]
    );
    for dep in &ds {
        let p = deactivated_payload(dep);
        check("events/team_member.deactivated", &event("team_member.deactivated", "Deactivate", &p)).unwrap();
    }
    assert_eq!(deactivated_payload(&ds[0])["ended_on"], json!("2026-10-31"));
    assert_eq!(deactivated_payload(&ds[0])["reason"], json!("employment_ended"));
    assert_eq!(deactivated_payload(&ds[2])["reason"], json!("not_in_nmbrs"));
}

#[test]
fn a_contract_record_of_unreadable_employee_id_holds_ended_employment() {
    let ended = vec![(1, vec![contract(1, d(2020, 1, 1), Some(d(2026, 1, 31)))])];
    let mut c = company(10, vec![snap(1, None, None), snap(2, None, None)], ended);
    let roster = [member("u-1", Some(1), true), member("u-2", Some(2), true)];
    assert_eq!(departures(&roster, std::slice::from_ref(&c), today()).len(), 2);
    c.unreadable.push(unreadable_in(
        super::super::TeamList::Contracts,
        super::super::UnreadableRecord::of(None, "EmployeeId", "missing"),
    ));
    assert_eq!(departures(&roster, &[c], today()), vec![]);
}

#[test]
fn departures_look_at_every_company_and_the_snapshot_fallback() {
    let t = today();
    let mut ended = snap(1, None, None);
    ended.contract_start_date = Some(at(d(2020, 1, 1)));
    ended.contract_end_date = Some(at(d(2026, 1, 31)));
    let a = company(10, vec![ended], vec![]);
    let b = company(20, vec![], vec![(1, vec![contract(1, d(2026, 2, 1), None)])]);
    let roster = [member("u-1", Some(1), true)];
    assert_eq!(departures(&roster, &[a.clone(), b], t), vec![]);
    let ds = departures(&roster, &[a], t);
    assert_eq!(ds[0].ended_on, Some(d(2026, 1, 31)));
    assert_eq!(ds[0].reason, DepartureReason::EmploymentEnded);
    assert_eq!(departures(&roster, &[], t)[0].reason, DepartureReason::NotInNmbrs);
}
