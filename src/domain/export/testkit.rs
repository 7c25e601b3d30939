//! Builders shared by the export tests: one default entry, settings with every code mapped,
//! a company that knows every code and employee used, contributions by hand.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::integration::{Settings, Venue};
use crate::domain::nmbrs::{CompanyId, CurrentPeriod, EmployeeId, HourCode, ModelCode, PayPeriod, PeriodType};

use super::actions::{Action, Applied, ComponentLineId, WriteMode};
use super::contributions::{BucketKey, Component, ComponentName, Contribution};
use super::ledger::Ledger;
use super::payload::{ContractType, Entry, EntryKind, ExportPayload, ExportPeriod};
use super::plan::{CompanyFacts, Plan, PlanInput, plan};

pub const COMPANY: CompanyId = CompanyId::int(54613);
pub const EMPLOYEE: EmployeeId = EmployeeId::int(503293);

/// The SOAP employee `n`.
pub fn employee(n: i32) -> EmployeeId {
    EmployeeId::int(n)
}

pub fn d(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

pub fn date(s: &str) -> NaiveDate {
    s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

/// An approved worked shift of 7.50 hours on 2026-11-03, zero-hours contract, venue `v-1`.
pub fn entry(id: &str) -> Entry {
    Entry {
        entry_id: id.into(),
        eitje_user_id: Some("u-1".into()),
        nmbrs_employee_id: EMPLOYEE,
        eitje_venue_id: "v-1".into(),
        date: date("2026-11-03"),
        kind: EntryKind::Worked,
        hours: d("7.50"),
        approved: true,
        contract_type: ContractType::ZeroHours,
        meals: 0,
        allowances: vec![],
    }
}

/// Period 2026-11, every kind, nothing withdrawn.
pub fn payload(entries: Vec<Entry>) -> ExportPayload {
    ExportPayload {
        export_id: "exp-1".into(),
        period: ExportPeriod { year: 2026, number: 11 },
        kinds: None,
        allow_closed_period: false,
        dry_run: false,
        withdrawn_entry_ids: vec![],
        entries,
    }
}

/// The contract's example codes: worked 1, leave 20, sick 30, meals 400, travel 410, bonus 420.
pub fn settings() -> Settings {
    serde_json::from_value(serde_json::json!({
        "hour_codes": {"worked": 1, "leave": 20, "sick": 30},
        "wage_codes": {"meals": 400, "allowances": {"travel": 410, "bonus": 420}}
    }))
    .expect("settings")
}

/// `v-1` and `v-2` in [`COMPANY`], `v-3` in company 54671.
pub fn venues() -> Vec<Venue> {
    [("v-1", COMPANY), ("v-2", COMPANY), ("v-3", CompanyId::int(54671))]
        .map(|(v, c)| Venue { eitje_venue_id: v.into(), nmbrs_company_id: c })
        .to_vec()
}

fn model(codes: &[i32]) -> Vec<ModelCode> {
    codes.iter().map(|&code| ModelCode { code, description: None }).collect()
}

/// A monthly company in 2026-11 knowing the codes of [`settings`] (split over both models)
/// and the employees 503293 and 503377.
pub fn facts() -> CompanyFacts {
    CompanyFacts {
        current_period: CurrentPeriod { period: PayPeriod::new(2026, 11), kind: PeriodType::Monthly },
        hour_models: [model(&[1, 20]), model(&[30])],
        wage_models: [model(&[400]), model(&[410, 420])],
        employees: [EMPLOYEE, EmployeeId::int(503377)].into(),
        unidentified: 0,
    }
}

/// Both companies of [`venues`], with [`facts`].
pub fn companies() -> BTreeMap<CompanyId, CompanyFacts> {
    BTreeMap::from([(COMPANY, facts()), (CompanyId::int(54671), facts())])
}

/// A worked-hours contribution of `entry` to hour code `code` of [`EMPLOYEE`] in 2026-11.
pub fn contribution(entry: &str, code: i32, amount: &str) -> Contribution {
    Contribution {
        entry_id: entry.into(),
        bucket: BucketKey {
            company: COMPANY,
            employee: EMPLOYEE,
            period: PayPeriod::new(2026, 11),
            component: Component::Hours(HourCode(code)),
        },
        amount: d(amount),
        date: date("2026-11-03"),
        component: ComponentName::WorkedHours,
    }
}

/// A worked-day contribution of `entry` on `on` of [`EMPLOYEE`] in 2026-11.
pub fn days_contribution(entry: &str, on: &str) -> Contribution {
    let mut c = contribution(entry, 0, "1");
    c.bucket.component = Component::Days;
    c.component = ComponentName::WorkedDays;
    c.date = date(on);
    c
}

/// Plans `payload` with [`venues`], [`settings`] and [`companies`].
pub fn run(payload: &ExportPayload, ledger: &Ledger, applied: &BTreeMap<BucketKey, Applied>) -> Plan {
    run_on(WriteMode::InsertDelete, payload, &settings(), &companies(), ledger, applied)
}

/// Plans `payload` with [`venues`] and the given settings and company facts, for an edge that
/// writes as `edge` says.
pub fn run_on(
    edge: WriteMode,
    payload: &ExportPayload,
    settings: &Settings,
    companies: &BTreeMap<CompanyId, CompanyFacts>,
    ledger: &Ledger,
    applied: &BTreeMap<BucketKey, Applied>,
) -> Plan {
    let unrelinked = &super::plan::Unrelinked::default();
    plan(&PlanInput { payload, venues: &venues(), settings, companies, ledger, applied, edge, unrelinked })
}

/// Plans `payload` on REST (in place) after a switch that left `unrelinked`.
pub fn run_unrelinked(payload: &ExportPayload, unrelinked: &super::plan::Unrelinked) -> Plan {
    let (ledger, applied) = (Ledger::new(), BTreeMap::new());
    let input = PlanInput {
        payload,
        venues: &venues(),
        settings: &settings(),
        companies: &companies(),
        ledger: &ledger,
        applied: &applied,
        edge: WriteMode::InPlace,
        unrelinked,
    };
    plan(&input)
}

/// What the handler's writes leave per bucket: the new value and, for a non-zero hour or wage
/// bucket, one owned component (a fresh id on every insert; an update keeps its line).
pub fn carry_out(applied: &BTreeMap<BucketKey, Applied>, plan: &Plan) -> BTreeMap<BucketKey, Applied> {
    let mut next = applied.clone();
    let mut fresh = next.values().flat_map(|a| a.ids.iter().filter_map(|i| i.0.soap())).max().unwrap_or(1000);
    for b in &plan.buckets {
        let ids = match b.action {
            Action::Unchanged => b.applied.ids.clone(),
            Action::Insert { .. } | Action::Replace { .. } => {
                fresh += 1;
                vec![ComponentLineId::int(fresh)]
            }
            Action::Update { id, .. } => vec![id],
            Action::Delete { .. } | Action::SetDays { .. } => vec![],
        };
        next.insert(b.key, Applied { value: b.value, ids, unmarked: false });
    }
    next
}

/// Runs a sequence of exports from an empty ledger, carrying out every plan; the last plan and
/// the state after it.
pub fn run_all(payloads: &[ExportPayload]) -> (Option<Plan>, Ledger, BTreeMap<BucketKey, Applied>) {
    run_all_on(WriteMode::InsertDelete, payloads)
}

/// [`run_all`] for an edge that writes as `edge` says.
pub fn run_all_on(edge: WriteMode, payloads: &[ExportPayload]) -> (Option<Plan>, Ledger, BTreeMap<BucketKey, Applied>) {
    let (mut ledger, mut applied, mut last) = (Ledger::new(), BTreeMap::new(), None);
    for p in payloads {
        let plan = run_on(edge, p, &settings(), &companies(), &ledger, &applied);
        applied = carry_out(&applied, &plan);
        ledger = plan.ledger.clone();
        last = Some(plan);
    }
    (last, ledger, applied)
}
