//! Unit tests of [`super`]: the stages, their next steps, and the table of moves.
use std::collections::BTreeSet;

use super::*;
use crate::domain::export::marker::{InsertMarker, MarkedIntent};
use crate::domain::export::{
    contributions::Component,
    testkit::{COMPANY, EMPLOYEE, d},
};
use crate::domain::nmbrs::model::{HourCode, PayPeriod};

fn key(component: Component) -> BucketKey {
    BucketKey { company: COMPANY, employee: EMPLOYEE, period: PayPeriod::new(2026, 11), component }
}

const HOURS: Component = Component::Hours(HourCode(1));
const SOAP: WriteMode = WriteMode::InsertDelete;

fn state(stage: Stage, value: &str, ids: &[i32]) -> BucketState {
    let applied = Applied {
        value: d(value),
        ids: ids.iter().map(|&i| ComponentLineId(crate::domain::nmbrs_id::NmbrsId::Int(i))).collect(),
        unmarked: false,
    };
    BucketState { stage, applied, ..Default::default() }
}

#[test]
fn stage_names_round_trip_and_are_the_checked_ones() {
    for stage in Stage::ALL {
        assert_eq!(Stage::parse(stage.as_str()), Some(stage));
    }
    let names: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(names, ["settled", "to_write", "cleared", "insert_sent", "in_doubt"]);
    assert_eq!(Stage::parse("dirty"), None);
    let sql = include_str!("../../../migrations/20261129000010_export_bucket_stage.sql");
    let check = format!("stage IN ('{}')", names.join("', '"));
    assert!(sql.contains(&check), "the migration checks exactly these stages: {check}");
}

#[test]
fn a_settled_bucket_at_its_value_needs_no_work() {
    let s = state(Stage::Settled, "7.50", &[11]);
    assert!(!s.needs_work(&key(HOURS), d("7.5"), SOAP));
    assert_eq!(s.next_step(&key(HOURS), d("7.5"), SOAP), Step::Settle);
    assert_eq!(s.sole_component(), Some(ComponentLineId::int(11)));
}

#[test]
fn a_settled_bucket_whose_ledger_changed_needs_a_write() {
    let s = state(Stage::Settled, "7.50", &[11]);
    assert!(s.needs_work(&key(HOURS), d("9"), SOAP));
    assert_eq!(s.next_step(&key(HOURS), d("9"), SOAP), Step::DeleteOwn { ids: vec![ComponentLineId::int(11)] });
}

#[test]
fn a_bucket_not_settled_is_visited_even_at_its_value() {
    for stage in [Stage::ToWrite, Stage::Cleared] {
        let s = state(stage, "0", &[]);
        assert!(s.needs_work(&key(HOURS), d("0"), SOAP), "{stage:?}");
        assert_eq!(s.next_step(&key(HOURS), d("0"), SOAP), Step::Settle, "recorded settled, no call");
    }
}

#[test]
fn a_pending_insert_always_needs_work_its_read_back() {
    for stage in [Stage::InsertSent, Stage::InDoubt] {
        let s = BucketState { stage, pending: Some(d("7.50")), ..Default::default() };
        assert!(s.stage.insert_pending());
        assert!(s.needs_work(&key(HOURS), d("0"), SOAP), "{stage:?}");
    }
    assert!(!Stage::Cleared.insert_pending() && !Stage::ToWrite.insert_pending());
}

#[test]
fn a_cleared_bucket_inserts_its_total_and_days_are_set() {
    let s = state(Stage::Cleared, "0", &[]);
    assert_eq!(s.next_step(&key(HOURS), d("9"), SOAP), Step::Insert { value: d("9") });
    let days = state(Stage::ToWrite, "1", &[]);
    assert_eq!(days.next_step(&key(Component::Days), d("2"), SOAP), Step::SetDays { days: 2 });
    assert_eq!(days.next_step(&key(Component::Days), d("1"), SOAP), Step::Settle);
}

#[test]
fn a_recorded_write_makes_a_settled_bucket_to_write_and_keeps_a_write_under_way() {
    let mut s = state(Stage::Settled, "1", &[3]);
    s.ledger_changed(true);
    assert_eq!((s.stage, s.unprotected), (Stage::ToWrite, true));
    let mut sent = BucketState { stage: Stage::InsertSent, pending: Some(d("1")), ..Default::default() };
    sent.ledger_changed(false);
    assert_eq!(sent.stage, Stage::InsertSent);
}

#[test]
fn the_sweep_takes_only_linked_companies_not_already_planned() {
    let planned_key = key(HOURS);
    let other = BucketKey { employee: crate::domain::nmbrs::model::EmployeeId::int(1), ..planned_key };
    let unlinked = BucketKey { company: CompanyId::int(1), ..planned_key };
    let planned: BTreeSet<BucketKey> = [planned_key].into();
    let linked: BTreeSet<CompanyId> = [COMPANY].into();
    let unsettled = [planned_key, unlinked, other, other];
    assert_eq!(swept(&unsettled, &planned, &linked), [other]);
    assert!(swept(&unsettled, &planned, &BTreeSet::new()).is_empty(), "no venue left: nothing swept");
}

#[test]
fn in_place_a_settled_bucket_whose_ledger_changed_is_updated_and_a_closed_one_emptied_to_zero() {
    let s = state(Stage::Settled, "7.50", &[11, 12]);
    let update = |value: &str| Step::Update {
        id: ComponentLineId::int(11),
        value: d(value),
        drop: vec![ComponentLineId::int(12)],
    };
    assert_eq!(s.next_step(&key(HOURS), d("9"), WriteMode::InPlace), update("9"));
    let ids = vec![ComponentLineId::int(11), ComponentLineId::int(12)];
    assert_eq!(s.next_step(&key(HOURS), d("0"), WriteMode::InPlace), Step::DeleteOwn { ids });
    let closed = BucketState { unprotected: true, ..s };
    assert_eq!(closed.next_step(&key(HOURS), d("0"), WriteMode::InPlace), update("0"));
    let emptied = BucketState { unprotected: true, ..state(Stage::Settled, "0", &[11]) };
    assert!(!emptied.needs_work(&key(HOURS), d("0"), WriteMode::InPlace), "a line kept at 0 needs nothing");
}

/// The row CHECKs of migration `20261129000010` on a state, as PostgreSQL checks them.
fn checks_hold(s: &BucketState) -> bool {
    let pending_with_its_stage = s.stage.insert_pending() == s.pending.is_some();
    let foreign_with_pending = s.foreign.is_none() || s.pending.is_some();
    let cleared_owns_nothing = s.stage != Stage::Cleared || (s.applied.ids.is_empty() && s.applied.value.is_zero());
    pending_with_its_stage && foreign_with_pending && cleared_owns_nothing
}

fn marker(n: u8) -> InsertMarker {
    InsertMarker::from_random([n; 8])
}

/// A state in `stage` that meets the CHECKs: owning line 7 (not when cleared or pending an insert).
fn sample(stage: Stage) -> BucketState {
    let mut s = match stage {
        Stage::Cleared | Stage::InsertSent | Stage::InDoubt => state(stage, "0", &[]),
        _ => state(stage, "7.50", &[7]),
    };
    if stage.insert_pending() {
        s.pending = Some(d("2"));
        s.foreign = Some(vec![ComponentLineId::int(3)]);
        s.intent = Some(MarkedIntent { marker: marker(1), value: d("2") });
    } else if !s.applied.ids.is_empty() {
        s.owned_marker = Some(marker(2));
    }
    assert!(checks_hold(&s), "{s:?}");
    s
}

fn every_move() -> Vec<Move> {
    vec![
        Move::Planned { unprotected: true },
        Move::Deleted,
        Move::Intent { value: d("9"), foreign: None, marker: marker(3) },
        Move::Inserted { id: ComponentLineId::int(8), value: d("2") },
        Move::Adopted { id: ComponentLineId::int(8) },
        Move::NotLanded,
        Move::Applied { value: d("4") },
        Move::Updated { id: ComponentLineId::int(7), value: d("9") },
        Move::InDoubt,
        Move::Resolved(Resolution::LandedAs(ComponentLineId::int(8))),
        Move::Resolved(Resolution::NotLanded),
        Move::Drifted { held: Applied { value: d("3"), ids: vec![ComponentLineId::int(7)], unmarked: false } },
    ]
}

#[test]
fn the_migration_holds_the_checks_the_table_is_tested_against() {
    let sql = include_str!("../../../migrations/20261129000010_export_bucket_stage.sql");
    for check in [
        "CHECK ((stage IN ('insert_sent', 'in_doubt')) = (pending_value IS NOT NULL))",
        "CHECK (foreign_ids IS NULL OR pending_value IS NOT NULL)",
        "CHECK (stage <> 'cleared' OR (owned_ids = '{}' AND applied_value = 0))",
    ] {
        assert!(sql.contains(check), "{check}");
    }
}

#[test]
fn every_move_from_every_stage_it_may_follow_lands_in_its_stage_and_meets_the_checks() {
    for step in every_move() {
        for stage in Stage::ALL {
            let before = sample(stage);
            let after = before.after(&step);
            // An intent needs a bucket owning nothing; an update needs the line owned.
            let own_condition = match &step {
                Move::Intent { .. } => before.applied.ids.is_empty(),
                Move::Updated { id, .. } => before.applied.ids.contains(id),
                _ => true,
            };
            if step.from().contains(&stage) && own_condition {
                let after = after.unwrap_or_else(|e| panic!("{step:?} from {stage:?}: {e:?}"));
                assert_eq!(after.stage, step.to(stage), "{step:?} from {stage:?}");
                assert!(checks_hold(&after), "{step:?} from {stage:?} breaks a CHECK: {after:?}");
            } else {
                assert_eq!(after, Err(MoveRefused { step: step.name(), stage }), "{step:?} from {stage:?}");
            }
        }
    }
}

#[test]
fn the_guard_of_each_move_names_exactly_its_stages() {
    assert_eq!(Move::Deleted.guard(), "stage IN ('settled', 'to_write')");
    assert_eq!(Move::Inserted { id: ComponentLineId::int(1), value: d("1") }.guard(), "stage IN ('insert_sent')");
    assert_eq!(Move::Resolved(Resolution::NotLanded).guard(), "stage IN ('in_doubt')");
    assert_eq!(Move::Planned { unprotected: false }.from(), Stage::ALL);
}

#[test]
fn a_plan_makes_only_a_settled_bucket_to_write() {
    for stage in Stage::ALL {
        let after = sample(stage).after(&Move::Planned { unprotected: true }).unwrap();
        let want = if stage == Stage::Settled { Stage::ToWrite } else { stage };
        assert_eq!((after.stage, after.unprotected), (want, true));
    }
}

#[test]
fn a_delete_clears_the_owned_lines_their_marker_and_a_kept_intent() {
    let mut s = sample(Stage::ToWrite);
    s.intent = Some(MarkedIntent { marker: marker(4), value: d("1") });
    let after = s.after(&Move::Deleted).unwrap();
    assert_eq!(
        (after.stage, after.applied, after.owned_marker, after.intent),
        (Stage::Cleared, Applied::default(), None, None)
    );
}

#[test]
fn an_intent_then_its_insert_makes_the_intents_marker_the_owned_one() {
    let cleared = sample(Stage::Cleared);
    let sent = cleared.after(&Move::Intent { value: d("9"), foreign: Some(vec![]), marker: marker(5) }).unwrap();
    assert_eq!((sent.stage, sent.pending, sent.foreign.clone()), (Stage::InsertSent, Some(d("9")), Some(vec![])));
    let done = sent.after(&Move::Inserted { id: ComponentLineId::int(9), value: d("9") }).unwrap();
    assert_eq!(done.applied, Applied { value: d("9"), ids: vec![ComponentLineId::int(9)], unmarked: false });
    assert_eq!((done.stage, done.pending, done.foreign, done.intent), (Stage::Settled, None, None, None));
    assert_eq!(done.owned_marker, Some(marker(5)));
    assert!(
        sample(Stage::Settled).after(&Move::Intent { value: d("1"), foreign: None, marker: marker(5) }).is_err(),
        "owns a line"
    );
}

#[test]
fn a_read_back_adopts_or_lets_go_keeping_the_intent_for_a_retry() {
    for stage in [Stage::InsertSent, Stage::InDoubt] {
        let adopted = sample(stage).after(&Move::Adopted { id: ComponentLineId::int(8) }).unwrap();
        assert_eq!(
            (adopted.stage, adopted.applied.value, adopted.owned_marker),
            (Stage::ToWrite, d("2"), Some(marker(1)))
        );
        let not = sample(stage).after(&Move::NotLanded).unwrap();
        assert_eq!((not.stage, not.pending, not.intent.map(|i| i.marker)), (Stage::ToWrite, None, Some(marker(1))));
        assert_eq!(sample(stage).after(&Move::InDoubt).unwrap().stage, Stage::InDoubt);
    }
    let resolved =
        sample(Stage::InDoubt).after(&Move::Resolved(Resolution::LandedAs(ComponentLineId::int(8)))).unwrap();
    assert_eq!(resolved.applied.ids, [ComponentLineId::int(8)]);
}

#[test]
fn an_update_keeps_the_marker_and_an_apply_gives_up_an_intent() {
    let updated = sample(Stage::Settled).after(&Move::Updated { id: ComponentLineId::int(7), value: d("9") }).unwrap();
    assert_eq!((updated.applied.value, updated.owned_marker), (d("9"), Some(marker(2))));
    let mut two = sample(Stage::Settled);
    two.applied.ids.push(ComponentLineId::int(6));
    let merged = two.after(&Move::Updated { id: ComponentLineId::int(7), value: d("9") }).unwrap();
    // The PUT wrote the owned marker onto the line kept (a duplicate dropped beside it, issue 18
    // review): the marker stays, so a later strip of it is still found.
    assert_eq!((merged.applied.ids, merged.owned_marker), (vec![ComponentLineId::int(7)], Some(marker(2))));
    let mut kept = sample(Stage::ToWrite);
    kept.intent = Some(MarkedIntent { marker: marker(4), value: d("1") });
    let applied = kept.after(&Move::Applied { value: d("4") }).unwrap();
    assert_eq!((applied.stage, applied.applied.value, applied.intent), (Stage::Settled, d("4"), None));
}

#[test]
fn drift_takes_what_nmbrs_holds_and_a_bucket_whose_lines_are_gone_loses_its_marker() {
    let held = Applied { value: d("3"), ids: vec![ComponentLineId::int(7)], unmarked: false };
    let changed = sample(Stage::Settled).after(&Move::Drifted { held: held.clone() }).unwrap();
    assert_eq!((changed.stage, changed.applied, changed.owned_marker), (Stage::ToWrite, held, Some(marker(2))));
    let gone = sample(Stage::Settled).after(&Move::Drifted { held: Applied::default() }).unwrap();
    assert_eq!((gone.applied, gone.owned_marker), (Applied::default(), None));
    assert!(
        sample(Stage::InsertSent).after(&Move::Drifted { held: Applied::default() }).is_err(),
        "pending inserts are read back, not reconciled"
    );
}
