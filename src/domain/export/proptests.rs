//! Property tests of the export ledger (required by issue 5): whatever sequence of exports and
//! re-exports arrives (approval flips, withdrawals, kind, date, hours, venue and period changes,
//! the same entry in several exports, partial `kinds`), the buckets the worker has written
//! equal a from-scratch computation over the latest version of each live entry; and an export
//! applied twice changes nothing. Each holds for both edges: delete-and-insert (SOAP) and
//! update-in-place (REST), whose carried-out state keeps a bucket's line across changes.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Datelike;
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::actions::{Action, WriteMode};
use super::contributions::{BucketKey, Component};
use super::ledger::Ledger;
use super::payload::{Allowance, ContractType, Entry, EntryId, EntryKind, ExportKind, ExportPayload};
use super::plan::{CompanyFacts, employee_periods};
use super::testkit::{
    COMPANY, EMPLOYEE, carry_out, companies, date, entry, facts, payload, run, run_all, run_all_on, run_on, settings,
    venues,
};
use super::validation::{PeriodCheck, check_period};
use crate::domain::integration::Settings;
use crate::domain::job_result::CompletionStatus;
use crate::domain::nmbrs::{CompanyId, EmployeeId, HourCode, PayPeriod, WageCode};

fn quarter_hours() -> impl Strategy<Value = Decimal> {
    (0i64..=40).prop_map(|q| Decimal::new(q * 25, 2))
}

fn amount() -> impl Strategy<Value = Decimal> {
    (-500i64..=2000).prop_map(|cents| Decimal::new(cents, 2))
}

fn arb_entry() -> impl Strategy<Value = Entry> {
    let kind = prop_oneof![Just(EntryKind::Worked), Just(EntryKind::Leave), Just(EntryKind::Sick)];
    let allowance = (prop::sample::select(vec!["travel", "bonus"]), amount());
    (
        (0..8usize, prop::bool::weighted(0.25), prop::sample::select(vec!["v-1", "v-1", "v-2", "v-3"]), 3..6u32, kind),
        (quarter_hours(), prop::bool::weighted(0.8), any::<bool>(), 0..3u32, prop::collection::vec(allowance, 0..3)),
    )
        .prop_map(|((id, other_employee, venue, day, kind), (hours, approved, fixed, meals, allowances))| {
            let mut e = entry(&format!("e{id}"));
            e.nmbrs_employee_id = if other_employee { EmployeeId::int(503377) } else { EMPLOYEE };
            e.eitje_venue_id = venue.into();
            e.date = date(&format!("2026-11-0{day}"));
            e.kind = kind;
            e.hours = hours;
            e.approved = approved;
            e.contract_type = if fixed { ContractType::Fixed } else { ContractType::ZeroHours };
            e.meals = meals;
            e.allowances = allowances.into_iter().map(|(t, amount)| Allowance { kind: t.into(), amount }).collect();
            e
        })
}

fn arb_export() -> impl Strategy<Value = ExportPayload> {
    let kinds =
        prop::option::weighted(0.3, prop::collection::btree_set(prop::sample::select(ExportKind::ALL.to_vec()), 1..=6));
    (
        prop::collection::vec(arb_entry(), 0..10),
        prop::collection::vec(0..8usize, 0..2),
        kinds,
        prop::sample::select(vec![11u8, 11, 11, 12]),
    )
        .prop_map(|(entries, withdrawn, kinds, number)| {
            let mut p = payload(entries);
            // Entries are dated within the export's period (a date outside it is skipped).
            for e in &mut p.entries {
                e.date = e.date.with_month(u32::from(number)).expect("day 3 to 5 exists in every month");
            }
            p.withdrawn_entry_ids = withdrawn.into_iter().map(|i| EntryId(format!("e{i}"))).collect();
            p.kinds = kinds;
            p.period.number = number;
            p
        })
}

/// The buckets from scratch: per entry and kind the latest approved version sent by an export
/// that requested the kind (dropped by a withdrawal or a non-approved version), booked into the
/// period of that export, with the test settings' codes.
fn from_scratch(exports: &[ExportPayload]) -> BTreeMap<BucketKey, Decimal> {
    let mut state: BTreeMap<EntryId, BTreeMap<ExportKind, (Entry, PayPeriod)>> = BTreeMap::new();
    for export in exports {
        for id in &export.withdrawn_entry_ids {
            state.remove(id);
        }
        let mut latest: BTreeMap<&EntryId, &Entry> = BTreeMap::new();
        for e in &export.entries {
            latest.insert(&e.entry_id, e);
        }
        for (id, e) in latest {
            if export.withdrawn_entry_ids.contains(id) {
                continue;
            }
            if !e.approved {
                state.remove(id);
                continue;
            }
            let kinds = state.entry(id.clone()).or_default();
            for kind in ExportKind::ALL.into_iter().filter(|&k| export.requests(k)) {
                kinds.insert(kind, (e.clone(), export.period.into()));
            }
        }
    }
    let mut sums: BTreeMap<BucketKey, Decimal> = BTreeMap::new();
    let mut days: BTreeMap<BucketKey, BTreeSet<chrono::NaiveDate>> = BTreeMap::new();
    let venues = venues();
    for (kind, (e, period)) in state.values().flatten() {
        let company = venues.iter().find(|v| v.eitje_venue_id == e.eitje_venue_id).unwrap().nmbrs_company_id;
        let key = |component| BucketKey { company, employee: e.nmbrs_employee_id, period: *period, component };
        let mut add = |component, amount| *sums.entry(key(component)).or_default() += amount;
        match (kind, e.kind) {
            (ExportKind::WorkedHours, EntryKind::Worked) if e.contract_type == ContractType::ZeroHours => {
                add(Component::Hours(HourCode(1)), e.hours)
            }
            (ExportKind::Meals, EntryKind::Worked) => add(Component::Wage(WageCode(400)), Decimal::from(e.meals)),
            (ExportKind::Allowances, EntryKind::Worked) => {
                for a in &e.allowances {
                    add(Component::Wage(WageCode(if a.kind == "travel" { 410 } else { 420 })), a.amount);
                }
            }
            (ExportKind::Leave, EntryKind::Leave) => add(Component::Hours(HourCode(20)), e.hours),
            (ExportKind::Sick, EntryKind::Sick) => add(Component::Hours(HourCode(30)), e.hours),
            (ExportKind::WorkedDays, EntryKind::Worked) => {
                days.entry(key(Component::Days)).or_default().insert(e.date);
            }
            _ => {}
        }
    }
    sums.extend(days.into_iter().map(|(k, dates)| (k, Decimal::from(dates.len()))));
    sums.retain(|_, v| !v.is_zero());
    sums
}

fn arb_edge() -> impl Strategy<Value = WriteMode> {
    prop_oneof![Just(WriteMode::InsertDelete), Just(WriteMode::InPlace)]
}

fn non_zero(values: impl IntoIterator<Item = (BucketKey, Decimal)>) -> BTreeMap<BucketKey, Decimal> {
    values.into_iter().filter(|(_, v)| !v.is_zero()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn written_buckets_equal_a_from_scratch_computation(
        edge in arb_edge(), exports in prop::collection::vec(arb_export(), 1..8),
    ) {
        let (_, ledger, applied) = run_all_on(edge, &exports);
        let expected = from_scratch(&exports);
        prop_assert_eq!(&non_zero(ledger.bucket_values()), &expected);
        // What the handler wrote (the actions carried out) is what the ledger says.
        prop_assert_eq!(&non_zero(applied.iter().map(|(k, a)| (*k, a.value))), &expected);
        for (key, a) in &applied {
            let owned = if key.component == Component::Days || a.value.is_zero() { 0 } else { 1 };
            prop_assert_eq!(a.ids.len(), owned, "one own component per non-zero bucket: {:?}", key);
        }
    }

    #[test]
    fn an_export_applied_twice_changes_nothing(edge in arb_edge(), exports in prop::collection::vec(arb_export(), 1..6)) {
        let (_, ledger, applied) = run_all_on(edge, &exports);
        let again = run_on(edge, exports.last().unwrap(), &settings(), &companies(), &ledger, &applied);
        prop_assert_eq!(&again.ledger, &ledger);
        let writes: Vec<_> = again.writes().map(|b| (b.key, b.action.clone())).collect();
        prop_assert!(writes.is_empty(), "writes on a repeated export: {:?}", writes);
        prop_assert_eq!(carry_out(&applied, &again), applied);
    }

    #[test]
    fn ledger_updates_are_idempotent(exports in prop::collection::vec(arb_export(), 1..6)) {
        let (_, ledger, _) = run_all(&exports[..exports.len() - 1]);
        let plan = run(exports.last().unwrap(), &ledger, &BTreeMap::new());
        let mut twice = plan.ledger.clone();
        twice.apply(&plan.updates);
        prop_assert_eq!(twice, plan.ledger);
    }

    #[test]
    fn a_bucket_emptied_keeps_no_component(edge in arb_edge(), exports in prop::collection::vec(arb_export(), 1..6)) {
        let (plan, ..) = run_all_on(edge, &exports);
        for b in &plan.unwrap().buckets {
            if b.value.is_zero() {
                let ok = match b.action {
                    Action::Unchanged => b.applied.ids.is_empty() && b.applied.value.is_zero(),
                    Action::Delete { .. } | Action::SetDays { days: 0 } => true,
                    _ => false,
                };
                prop_assert!(ok, "{:?}", b);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// In place, a bucket keeps the line it owns for as long as it is not emptied: no replace,
    /// every change updates that very line, and the only insert is a bucket's first.
    #[test]
    fn in_place_a_bucket_keeps_its_line_until_emptied(exports in prop::collection::vec(arb_export(), 1..8)) {
        let (mut ledger, mut applied) = (Ledger::new(), BTreeMap::new());
        for p in &exports {
            let plan = run_on(WriteMode::InPlace, p, &settings(), &companies(), &ledger, &applied);
            for b in plan.writes() {
                match &b.action {
                    Action::Replace { .. } => prop_assert!(false, "replace in place: {:?}", b),
                    Action::Update { id, drop, .. } => {
                        prop_assert_eq!(Some(id), b.applied.ids.first());
                        prop_assert_eq!(drop.as_slice(), &b.applied.ids[1..]);
                    }
                    Action::Insert { .. } => prop_assert!(b.applied.ids.is_empty(), "{:?}", b),
                    _ => {}
                }
            }
            let next = carry_out(&applied, &plan);
            for (key, a) in &next {
                let kept = applied.get(key).and_then(|before: &super::actions::Applied| before.ids.first());
                if let (Some(line), false) = (kept, a.value.is_zero()) {
                    prop_assert_eq!(a.ids.as_slice(), &[*line][..], "{:?}", key);
                }
            }
            applied = next;
            ledger = plan.ledger;
        }
    }
}

#[test]
fn withdrawing_everything_empties_every_bucket() {
    let mut all = payload(vec![]);
    all.withdrawn_entry_ids = (0..6).map(|i| EntryId(format!("e{i}"))).collect();
    let first = payload((0..6).map(|i| entry(&format!("e{i}"))).collect());
    let (_, ledger, applied) = run_all(&[first, all]);
    assert_eq!(ledger, Ledger::new());
    assert!(applied.values().all(|a| a.value.is_zero() && a.ids.is_empty()));
}

/// What Nmbrs says may change between exports: a company's current period moves on, codes and
/// employees disappear from it, it cannot be read at all; mappings go missing.
#[derive(Clone, Debug)]
struct World {
    settings: Settings,
    companies: BTreeMap<CompanyId, CompanyFacts>,
}

fn arb_facts() -> impl Strategy<Value = Option<CompanyFacts>> {
    let facts = (prop::sample::select(vec![10u8, 11, 11, 12]), any::<bool>(), any::<bool>(), prop::bool::weighted(0.2))
        .prop_map(|(current, drop_sick, drop_bonus, drop_employee)| {
            let mut f = facts();
            f.current_period.period.period = current;
            if drop_sick {
                f.hour_models[1].clear();
            }
            if drop_bonus {
                f.wage_models[1].retain(|m| m.code != 420);
            }
            if drop_employee {
                f.employees.remove(&EmployeeId::int(503377));
            }
            f
        });
    prop::option::weighted(0.9, facts)
}

fn arb_world() -> impl Strategy<Value = World> {
    (arb_facts(), arb_facts(), prop::bool::weighted(0.2)).prop_map(|(a, b, no_meals)| {
        let mut settings = settings();
        if no_meals {
            settings.wage_codes.meals = None;
        }
        let companies =
            [(COMPANY, a), (CompanyId::int(54671), b)].into_iter().filter_map(|(c, f)| Some((c, f?))).collect();
        World { settings, companies }
    })
}

fn arb_step() -> impl Strategy<Value = (ExportPayload, World)> {
    (arb_export(), arb_world(), prop::bool::weighted(0.3)).prop_map(|(mut p, world, allow)| {
        p.allow_closed_period = allow;
        (p, world)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Whatever Nmbrs refuses, what the worker writes always equals what its ledger says, it
    /// never writes into a closed period unless allowed (and then unprotected), never into a
    /// company it could not read, and the status is `partial` exactly when a Nmbrs-side or
    /// configuration reason skipped something.
    #[test]
    fn writes_follow_the_ledger_whatever_nmbrs_refuses(
        edge in arb_edge(), steps in prop::collection::vec(arb_step(), 1..8),
    ) {
        let (mut ledger, mut applied) = (Ledger::new(), BTreeMap::new());
        for (payload, world) in &steps {
            let plan = run_on(edge, payload, &world.settings, &world.companies, &ledger, &applied);
            for b in plan.writes() {
                let facts = world.companies.get(&b.key.company);
                prop_assert!(facts.is_some(), "write into an unread company: {:?}", b.key);
                let check = check_period(b.key.period, &facts.unwrap().current_period);
                prop_assert!(check == PeriodCheck::Open || (check == PeriodCheck::Closed && b.unprotected), "{:?}", b);
            }
            let partial = plan.skipped.iter().any(|s| s.reason.makes_partial());
            prop_assert_eq!(plan.status == CompletionStatus::Partial, partial);
            applied = carry_out(&applied, &plan);
            ledger = plan.ledger;
            prop_assert_eq!(non_zero(applied.iter().map(|(k, a)| (*k, a.value))), non_zero(ledger.bucket_values()));
            for (key, a) in &applied {
                prop_assert!(a.ids.len() <= 1, "one own line per bucket at most: {:?}: {:?}", key, a);
                // A line kept at 0 only where a closed period was emptied in place.
                prop_assert!(a.ids.is_empty() || !a.value.is_zero() || edge == WriteMode::InPlace, "{:?}: {:?}", key, a);
            }
        }
    }
}

proptest! {
    /// The handler loads only the ledger rows of [`employee_periods`]; planning from them gives
    /// the same buckets and updates as planning from the whole ledger.
    #[test]
    fn the_loaded_part_of_the_ledger_is_enough(exports in prop::collection::vec(arb_export(), 2..8)) {
        let (last, earlier) = exports.split_last().unwrap();
        let (_, ledger, applied) = run_all(earlier);
        let named: Ledger = ledger
            .iter()
            .filter(|c| last.entries.iter().any(|e| e.entry_id == c.entry_id) || last.withdrawn_entry_ids.contains(&c.entry_id))
            .cloned()
            .collect();
        let triples = employee_periods(last, &venues(), &named);
        let loaded: Ledger =
            ledger.iter().filter(|c| triples.contains(&(c.bucket.company, c.bucket.employee, c.bucket.period))).cloned().collect();
        let (full, part) = (run(last, &ledger, &applied), run(last, &loaded, &applied));
        prop_assert_eq!(full.buckets, part.buckets);
        prop_assert_eq!(full.updates, part.updates);
        prop_assert_eq!(full.skipped, part.skipped);
    }
}
