//! The tests of `delta.rs`, in a file of their own: they use `testkit` and sibling modules that
//! import `delta`, so written inside `delta.rs` they made an import circle (issue 17).

use rust_decimal::Decimal;
use serde_json::json;

use super::*;
use crate::domain::team::{member_record, testkit::*};

fn records(wage_cents: i64) -> Vec<MemberRecord> {
    let mut a = rich();
    a.snapshot.hourly_wage = Some(Decimal::new(wage_cents, 2));
    let mut b = rich();
    b.nmbrs_employee_id = EmployeeId::int(2);
    vec![
        member_record(&a, &by_id(503293), None, crate::domain::team::MemberShape::Plain),
        member_record(&b, &by_id(2), None, crate::domain::team::MemberShape::Plain),
    ]
}

#[test]
fn delta_publishes_all_first_then_only_changes() {
    let first = records(1450);
    let d = delta(first.clone(), &HashMap::new(), true);
    assert_eq!((d.publish.len(), d.unchanged), (2, 0));
    assert_eq!(
        d.publish.iter().map(|r| r.nmbrs_employee_id).collect::<Vec<_>>(),
        vec![EmployeeId::int(2), EmployeeId::int(503293)]
    );
    let stored: HashMap<EmployeeId, [u8; 32]> = first.iter().map(|r| (r.nmbrs_employee_id, r.content_hash)).collect();
    let d = delta(records(1450), &stored, false);
    assert_eq!((d.publish.len(), d.unchanged), (0, 2));
    let d = delta(records(1500), &stored, false);
    assert_eq!((d.publish.len(), d.unchanged), (1, 1));
    assert_eq!(d.publish[0].nmbrs_employee_id, EmployeeId::int(503293));
    assert_eq!(d.publish[0].payload["hourly_wage"], json!("15.00"));
    // Full sync: everything again, also unchanged records.
    assert_eq!(delta(records(1450), &stored, true).publish.len(), 2);
    // An employee without a stored hash is new.
    let only_one: HashMap<EmployeeId, [u8; 32]> =
        stored.into_iter().filter(|(id, _)| *id == EmployeeId::int(2)).collect();
    assert_eq!(delta(records(1450), &only_one, false).publish.len(), 1);
}
