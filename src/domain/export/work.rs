//! The buckets one attempt of an export writes (issue 12: decided once, here): the plan's
//! buckets and the unsettled ones earlier exports left (the sweep, [`super::stage::swept`]),
//! each with its ledger value now and where its write stands; the others need nothing.
//!
//! The handler reads the bucket rows and the ledger once per attempt and passes them in;
//! nothing here reads or writes.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::actions::{ComponentLineId, WriteMode, Writing, decide};
use super::contributions::BucketKey;
use super::plan::{BucketPlan, Plan};
use super::stage::{BucketState, swept};
use crate::domain::nmbrs::CompanyId;

/// One bucket to write: its key, its ledger value now, and its state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketWork {
    pub key: BucketKey,
    pub wanted: Decimal,
    pub state: BucketState,
}

/// What one attempt writes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Work {
    /// The buckets that need work, in plan order (swept ones last).
    pub buckets: Vec<BucketWork>,
    /// The buckets of `buckets` that have no row yet (the row is made before any step).
    pub without_row: Vec<BucketKey>,
    /// The component each bucket that needs nothing already has (for `hours.exported`).
    pub owned: BTreeMap<BucketKey, ComponentLineId>,
}

/// Everything the attempt read, once.
#[derive(Clone, Copy, Debug)]
pub struct AttemptState<'a> {
    /// The bucket rows of the plan's places and the unsettled rows of the integration.
    pub rows: &'a BTreeMap<BucketKey, BucketState>,
    /// Bucket values from the ledger now (a later export may have changed it since a crash).
    pub values: &'a BTreeMap<BucketKey, Decimal>,
    /// The companies in `integration.venues`.
    pub linked: &'a BTreeSet<CompanyId>,
    /// What the Nmbrs edge of this attempt can do to an owned line.
    pub edge: WriteMode,
}

/// The work of one attempt. Adds to `plan` the buckets swept up (reported with the action
/// that brings them to the ledger) and refreshes every plan bucket's value to the ledger now.
pub fn work(plan: &mut Plan, now: AttemptState<'_>) -> Work {
    let value = |key: &BucketKey| now.values.get(key).copied().unwrap_or_default();
    let planned: BTreeSet<BucketKey> = plan.buckets.iter().map(|b| b.key).collect();
    let unsettled = now.rows.iter().filter(|(_, s)| s.stage != super::stage::Stage::Settled).map(|(k, _)| k);
    for key in swept(unsettled, &planned, now.linked) {
        let state = &now.rows[&key];
        let (wanted, applied, unprotected) = (value(&key), state.applied.clone(), state.unprotected);
        let action = decide(key.component, wanted, &applied, Writing { edge: now.edge, unprotected });
        plan.buckets.push(BucketPlan::new(key, wanted, applied, action, unprotected));
    }
    let mut out = Work::default();
    for bucket in &mut plan.buckets {
        bucket.value = value(&bucket.key);
        let row = now.rows.get(&bucket.key);
        let state =
            row.cloned().unwrap_or_else(|| BucketState { unprotected: bucket.unprotected, ..Default::default() });
        if state.needs_work(&bucket.key, bucket.value, now.edge) {
            if row.is_none() {
                out.without_row.push(bucket.key);
            }
            out.buckets.push(BucketWork { key: bucket.key, wanted: bucket.value, state });
        } else if let Some(one) = state.sole_component() {
            out.owned.insert(bucket.key, one);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::export::{
        actions::{Action, Applied},
        contributions::Component,
        stage::Stage,
        testkit::{COMPANY, EMPLOYEE, d},
    };
    use crate::domain::nmbrs::{EmployeeId, HourCode, PayPeriod, WageCode};

    fn key(employee: i32, component: Component) -> BucketKey {
        BucketKey {
            company: COMPANY,
            employee: EmployeeId(crate::domain::nmbrs_id::NmbrsId::Int(employee)),
            period: PayPeriod::new(2026, 11),
            component,
        }
    }

    fn planned(key: BucketKey, value: &str, applied: Applied) -> BucketPlan {
        let action = decide(key.component, d(value), &applied, Writing::default());
        BucketPlan::new(key, d(value), applied, action, false)
    }

    fn plan_of(buckets: Vec<BucketPlan>) -> Plan {
        use crate::domain::export::{ledger::Ledger, testkit};
        let mut plan = testkit::run(&testkit::payload(vec![]), &Ledger::new(), &BTreeMap::new());
        plan.buckets = buckets;
        plan
    }

    fn owned(value: &str, id: i32) -> Applied {
        Applied {
            value: d(value),
            ids: vec![ComponentLineId(crate::domain::nmbrs_id::NmbrsId::Int(id))],
            unmarked: false,
        }
    }

    #[test]
    fn only_buckets_that_need_work_are_written_the_others_report_their_component() {
        let (hours, wage) = (
            key(EMPLOYEE.soap().unwrap(), Component::Hours(HourCode(1))),
            key(EMPLOYEE.soap().unwrap(), Component::Wage(WageCode(400))),
        );
        let mut plan = plan_of(vec![planned(hours, "7.50", Applied::default()), planned(wage, "1", owned("1", 9))]);
        let rows = BTreeMap::from([
            (hours, BucketState { stage: Stage::ToWrite, ..Default::default() }),
            (wage, BucketState { stage: Stage::Settled, applied: owned("1", 9), ..Default::default() }),
        ]);
        let values = BTreeMap::from([(hours, d("7.50")), (wage, d("1"))]);
        let linked = BTreeSet::from([COMPANY]);
        let w = work(
            &mut plan,
            AttemptState { rows: &rows, values: &values, linked: &linked, edge: WriteMode::InsertDelete },
        );
        assert_eq!(w.buckets.iter().map(|b| b.key).collect::<Vec<_>>(), [hours]);
        assert_eq!(w.owned, BTreeMap::from([(wage, ComponentLineId::int(9))]));
        assert!(w.without_row.is_empty());
    }

    #[test]
    fn the_ledger_now_wins_over_the_recorded_plan_and_a_bucket_without_row_gets_one() {
        let hours = key(EMPLOYEE.soap().unwrap(), Component::Hours(HourCode(1)));
        let mut plan = plan_of(vec![planned(hours, "0", Applied::default())]);
        let values = BTreeMap::from([(hours, d("3"))]);
        let (rows, linked) = (BTreeMap::new(), BTreeSet::from([COMPANY]));
        let w = work(
            &mut plan,
            AttemptState { rows: &rows, values: &values, linked: &linked, edge: WriteMode::InsertDelete },
        );
        assert_eq!(plan.buckets[0].value, d("3"));
        assert_eq!(w.buckets, [BucketWork { key: hours, wanted: d("3"), state: BucketState::default() }]);
        assert_eq!(w.without_row, [hours]);
    }

    #[test]
    fn unsettled_buckets_of_linked_companies_are_swept_into_the_plan() {
        let mine = key(EMPLOYEE.soap().unwrap(), Component::Hours(HourCode(1)));
        let left = key(1, Component::Wage(WageCode(400)));
        let unlinked = BucketKey { company: CompanyId::int(7), ..left };
        let mut plan = plan_of(vec![planned(mine, "1", owned("1", 3))]);
        let doubt = BucketState { stage: Stage::InDoubt, pending: Some(d("2")), ..Default::default() };
        let rows = BTreeMap::from([
            (mine, BucketState { applied: owned("1", 3), ..Default::default() }),
            (left, doubt.clone()),
            (unlinked, BucketState { stage: Stage::ToWrite, ..Default::default() }),
        ]);
        let values = BTreeMap::from([(mine, d("1")), (left, d("2"))]);
        let linked = BTreeSet::from([COMPANY]);
        let w = work(
            &mut plan,
            AttemptState { rows: &rows, values: &values, linked: &linked, edge: WriteMode::InsertDelete },
        );
        assert_eq!(w.buckets, [BucketWork { key: left, wanted: d("2"), state: doubt }]);
        assert_eq!(plan.buckets.len(), 2, "the swept bucket is reported");
        assert_eq!(plan.buckets[1].action, Action::Insert { value: d("2") });
    }
}
