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
#[path = "delta_tests.rs"]
mod tests;
