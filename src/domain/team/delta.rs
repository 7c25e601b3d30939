//! Step 4 of CONTRACT §2.3: publish only the records that changed since the last successful sync
//! of the integration (all of them when `full` or on the first sync). The store keeps the last
//! published content hash per employee, committed with the events.

use crate::domain::nmbrs::EmployeeId;
use std::collections::HashMap;

use super::MemberRecord;

/// Step 4: the records to publish and how many are unchanged.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Delta {
    /// Sorted by employee id.
    pub publish: Vec<MemberRecord>,
    pub unchanged: u64,
}

/// Step 4: which records to publish. `previous` = last published hash per employee; publish all
/// when `publish_all` (full, or first sync); else only new or changed ones.
pub fn delta(records: Vec<MemberRecord>, previous: &HashMap<EmployeeId, [u8; 32]>, publish_all: bool) -> Delta {
    let mut d = Delta::default();
    for r in records {
        if publish_all || previous.get(&r.nmbrs_employee_id) != Some(&r.content_hash) {
            d.publish.push(r);
        } else {
            d.unchanged += 1;
        }
    }
    d.publish.sort_by_key(|r| r.nmbrs_employee_id);
    d
}

#[cfg(test)]
mod tests {
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
        let stored: HashMap<EmployeeId, [u8; 32]> =
            first.iter().map(|r| (r.nmbrs_employee_id, r.content_hash)).collect();
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
}
