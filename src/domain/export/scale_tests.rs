//! Export planning grows about linearly with the export (issue 19 item 8): one large export
//! must not burn minutes of CPU. Work is counted as comparisons of entry ids (every dedupe,
//! set and map of the planner compares them), never timed, so the test is deterministic.

use std::collections::BTreeMap;

use super::compare_count;
use super::contributions::SkipReason;
use super::ledger::Ledger;
use super::testkit::{COMPANY, companies, employee, entry, payload, run_on, settings};
use super::{actions::WriteMode, payload::Entry};

/// Comparisons to plan an export of `n` shifts of `n` employees (none known to Nmbrs but the
/// first half, so half are skipped with a notification each), then hold back every bucket as
/// in doubt, as an attempt that lost every reply would.
fn work(n: u32) -> u64 {
    let entries: Vec<Entry> = (0..n)
        .map(|i| {
            let mut e = entry(&format!("shift-{i:06}"));
            e.nmbrs_employee_id = employee(1_000_000 + i as i32);
            e
        })
        .collect();
    let mut facts = companies();
    let known = facts.get_mut(&COMPANY).expect("the test company");
    known.employees.extend((0..n / 2).map(|i| employee(1_000_000 + i as i32)));
    compare_count::reset();
    let mut plan =
        run_on(WriteMode::InsertDelete, &payload(entries), &settings(), &facts, &Ledger::new(), &BTreeMap::new());
    let marks: Vec<_> = plan.buckets.iter().map(|b| (b.key, SkipReason::InDoubt)).collect();
    plan.hold_back(&marks);
    assert_eq!(plan.exported.len(), 0, "every bucket held back");
    compare_count::count()
}

#[test]
fn planning_a_large_export_grows_about_linearly() {
    let (small, large) = (work(1_000), work(4_000));
    // n·log n gives a little over 4 times the work for 4 times the entries; quadratic, 16.
    assert!(large < small * 6, "1 000 entries: {small} comparisons, 4 000: {large}");
}
