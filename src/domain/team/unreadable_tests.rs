//! The tests of `unreadable.rs`, in a file of their own: they use `testkit` and sibling modules that
//! import `unreadable`, so written inside `unreadable.rs` they made an import circle (issue 17).

use super::*;
use crate::domain::team::testkit::*;

fn anonymous(list: TeamList) -> UnreadableIn {
    unreadable_in(list, UnreadableRecord::of(None, "EmployeeId", "missing"))
}

fn salary_list(ids: &[i32]) -> Vec<PerEmployee<crate::domain::nmbrs::Salary>> {
    ids.iter()
        .map(|&employee_id| PerEmployee { employee_id: EmployeeId::int(employee_id), items: vec![Default::default()] })
        .collect()
}

#[test]
fn an_anonymous_record_makes_the_employees_missing_from_its_list_unreadable() {
    let snaps = (1..=3).map(|id| snap(id, Some("a@x.nl"), None)).collect();
    let mut c = company(10, snaps, vec![(1, vec![]), (2, vec![]), (3, vec![])]);
    c.salaries = salary_list(&[1]);
    c.schedules = vec![PerEmployee { employee_id: EmployeeId::int(2), items: vec![] }];
    // Without an anonymous record, missing from a list is an empty history.
    assert_eq!(unreadable_records(&c), vec![]);
    c.unreadable.push(anonymous(TeamList::Salaries));
    let of = unreadable_of(std::slice::from_ref(&c));
    let (list, salary) = (TeamList::Salaries, "Salaries list");
    assert_eq!(
        of,
        vec![
            (CompanyId::int(10), None, list, salary.into(), "EmployeeId".into()),
            (CompanyId::int(10), Some(EmployeeId::int(2)), list, salary.into(), "EmployeeId".into()),
            (CompanyId::int(10), Some(EmployeeId::int(3)), list, salary.into(), "EmployeeId".into()),
        ]
    );
    assert_eq!(unreadable_ids(std::slice::from_ref(&c)), BTreeSet::from([EmployeeId::int(2), EmployeeId::int(3)]));
    // Each list on its own: an anonymous schedule record adds 1 and 3, 3 is counted once by id.
    c.unreadable.push(anonymous(TeamList::Schedules));
    assert_eq!(
        unreadable_ids(std::slice::from_ref(&c)),
        BTreeSet::from([EmployeeId::int(1), EmployeeId::int(2), EmployeeId::int(3)])
    );
    assert_eq!(employment_unknown_ids(std::slice::from_ref(&c)), BTreeSet::new());
}

#[test]
fn an_anonymous_contract_record_holds_ended_employment_of_its_company_only() {
    let a = company(10, vec![snap(1, None, None), snap(2, None, None)], vec![(2, vec![]), (4, vec![])]);
    let mut held = a.clone();
    held.unreadable.push(anonymous(TeamList::Contracts));
    let other = company(20, vec![snap(3, None, None)], vec![]);
    assert_eq!(employment_unknown_ids(&[a, other.clone()]), BTreeSet::new());
    assert_eq!(
        employment_unknown_ids(&[held.clone(), other]),
        BTreeSet::from([EmployeeId::int(1), EmployeeId::int(2), EmployeeId::int(4)])
    );
    // 1 is missing from the contract list: unreadable; 2 is listed: only held.
    assert_eq!(unreadable_ids(&[held]), BTreeSet::from([EmployeeId::int(1)]));
}
