//! The oracle of the export crash tests: exports built from plain entries, an independent
//! model of the ledger (the latest data of every live entry), the bucket totals it implies,
//! and the check that the simulator holds exactly those totals, one component per bucket.
//! It knows only the contract (§2.5), never the worker's planning code, so it can catch it.

use std::collections::{BTreeMap, BTreeSet};

use nmbrs_worker::{nmbrs::PayPeriod, sim::Simulator, sim::demo};
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// The period every export books into: the demo monthly company's current period.
pub const PERIOD: PayPeriod = PayPeriod { year: 2026, period: 11 };
/// The code mappings every job carries (`integration.settings`).
pub const WORKED: i32 = 1;
pub const LEAVE: i32 = 20;
pub const SICK: i32 = 30;
pub const MEALS: i32 = 400;
pub const TRAVEL: i32 = 410;

pub fn settings() -> Value {
    json!({
        "auto_deactivate": false,
        "hour_codes": {"worked": WORKED, "leave": LEAVE, "sick": SICK},
        "wage_codes": {"meals": MEALS, "allowances": {"travel": TRAVEL}}
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Worked,
    Leave,
    Sick,
}

/// One approved entry of a zero-hours employee of the monthly demo company.
#[derive(Clone, Debug)]
pub struct Entry {
    pub id: String,
    pub employee: i32,
    /// Day of November 2026.
    pub day: u32,
    pub kind: Kind,
    pub hours: Decimal,
    pub meals: u32,
    pub travel: Option<Decimal>,
}

pub fn dec(s: &str) -> Decimal {
    s.parse().expect("a decimal")
}

/// A worked entry with meals and a travel allowance.
pub fn worked(id: &str, employee: i32, day: u32, hours: &str, meals: u32, travel: Option<&str>) -> Entry {
    Entry { id: id.into(), employee, day, kind: Kind::Worked, hours: dec(hours), meals, travel: travel.map(dec) }
}

/// A leave or sick entry.
pub fn absence(id: &str, employee: i32, day: u32, kind: Kind, hours: &str) -> Entry {
    Entry { id: id.into(), employee, day, kind, hours: dec(hours), meals: 0, travel: None }
}

impl Entry {
    pub fn json(&self) -> Value {
        let kind = match self.kind {
            Kind::Worked => "worked",
            Kind::Leave => "leave",
            Kind::Sick => "sick",
        };
        let mut e = json!({
            "entry_id": self.id, "eitje_user_id": format!("u-{}", self.employee),
            "nmbrs_employee_id": self.employee, "eitje_venue_id": "v-horeca",
            "date": format!("2026-11-{:02}", self.day), "kind": kind, "hours": self.hours.to_string(),
            "approved": true, "contract_type": "zero_hours", "meals": self.meals
        });
        if let Some(t) = self.travel {
            e["allowances"] = json!([{"type": "travel", "amount": t.to_string()}]);
        }
        e
    }
}

/// One `ExportHours` payload.
#[derive(Clone, Debug, Default)]
pub struct Export {
    pub export_id: String,
    pub entries: Vec<Entry>,
    pub withdrawn: Vec<String>,
    /// `None` = all kinds.
    pub kinds: Option<Vec<&'static str>>,
}

impl Export {
    pub fn new(export_id: &str, entries: Vec<Entry>, withdrawn: &[&str]) -> Self {
        Self {
            export_id: export_id.into(),
            entries,
            withdrawn: withdrawn.iter().map(|s| s.to_string()).collect(),
            kinds: None,
        }
    }

    pub fn payload(&self) -> Value {
        let mut p = json!({
            "export_id": self.export_id,
            "period": {"year": PERIOD.year, "number": PERIOD.period},
            "withdrawn_entry_ids": self.withdrawn,
            "entries": self.entries.iter().map(Entry::json).collect::<Vec<_>>()
        });
        if let Some(kinds) = &self.kinds {
            p["kinds"] = json!(kinds);
        }
        p
    }

    pub fn entry_ids(&self) -> BTreeSet<String> {
        self.entries.iter().map(|e| e.id.clone()).collect()
    }
}

/// The live entries after a sequence of exports (all kinds requested, all approved).
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    entries: BTreeMap<String, Entry>,
    /// Every employee ever named, so emptied buckets are checked too.
    pub employees: BTreeSet<i32>,
}

/// One employee's totals in the period: hour code → hours, wage code → value, worked days.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub hours: BTreeMap<i32, Decimal>,
    pub wages: BTreeMap<i32, Decimal>,
    pub days: i32,
}

impl Ledger {
    pub fn after(exports: &[&Export]) -> Self {
        let mut ledger = Self::default();
        for e in exports {
            ledger.apply(e);
        }
        ledger
    }

    pub fn apply(&mut self, export: &Export) {
        for e in &export.entries {
            self.employees.insert(e.employee);
            self.entries.insert(e.id.clone(), e.clone());
        }
        for id in &export.withdrawn {
            if let Some(old) = self.entries.remove(id) {
                self.employees.insert(old.employee);
            }
        }
    }

    /// Bucket totals per employee (employees without any live entry get empty totals).
    pub fn totals(&self) -> BTreeMap<i32, Totals> {
        let mut out: BTreeMap<i32, Totals> = self.employees.iter().map(|e| (*e, Totals::default())).collect();
        let mut dates: BTreeMap<i32, BTreeSet<u32>> = BTreeMap::new();
        for e in self.entries.values() {
            let t = out.entry(e.employee).or_default();
            let code = match e.kind {
                Kind::Worked => WORKED,
                Kind::Leave => LEAVE,
                Kind::Sick => SICK,
            };
            *t.hours.entry(code).or_default() += e.hours;
            if e.kind == Kind::Worked {
                dates.entry(e.employee).or_default().insert(e.day);
                *t.wages.entry(MEALS).or_default() += Decimal::from(e.meals);
                if let Some(tr) = e.travel {
                    *t.wages.entry(TRAVEL).or_default() += tr;
                }
            }
        }
        for (emp, d) in dates {
            out.entry(emp).or_default().days = d.len() as i32;
        }
        for t in out.values_mut() {
            t.hours.retain(|_, v| !v.is_zero());
            t.wages.retain(|_, v| !v.is_zero());
        }
        out
    }
}

/// What the simulator holds for the employees of `ledger`, per employee, or the problems:
/// a code with no or several components, a wrong total, a component for a zero bucket,
/// wrong days.
pub fn problems(sim: &Simulator, ledger: &Ledger) -> Vec<String> {
    let mut out = Vec::new();
    for (emp, want) in ledger.totals() {
        let mut hours: BTreeMap<i32, Vec<Decimal>> = BTreeMap::new();
        for l in sim.hour_components(demo::DOMAIN, emp, PERIOD) {
            hours.entry(l.hour_code).or_default().push(l.hours.0);
        }
        let mut wages: BTreeMap<i32, Vec<Decimal>> = BTreeMap::new();
        for l in sim.wage_components(demo::DOMAIN, emp, PERIOD) {
            wages.entry(l.code).or_default().push(l.value.0);
        }
        compare(&mut out, emp, "hour code", &want.hours, &hours);
        compare(&mut out, emp, "wage code", &want.wages, &wages);
        let days = sim.days(demo::DOMAIN, emp, PERIOD).unwrap_or(0);
        if days != want.days {
            out.push(format!("employee {emp}: {days} days, want {}", want.days));
        }
    }
    out
}

fn compare(
    out: &mut Vec<String>,
    emp: i32,
    what: &str,
    want: &BTreeMap<i32, Decimal>,
    have: &BTreeMap<i32, Vec<Decimal>>,
) {
    let codes: BTreeSet<i32> = want.keys().chain(have.keys()).copied().collect();
    for code in codes {
        let lines = have.get(&code).cloned().unwrap_or_default();
        match want.get(&code) {
            Some(w) if lines.len() == 1 && lines[0] == *w => {}
            Some(w) => {
                out.push(format!("employee {emp} {what} {code}: components {lines:?}, want one component of {w}"))
            }
            None => out.push(format!("employee {emp} {what} {code}: components {lines:?}, want none")),
        }
    }
}

/// Panics with the problems (at most 20) unless the simulator holds exactly `ledger`.
pub fn assert_exact(sim: &Simulator, ledger: &Ledger, what: &str) {
    let p = problems(sim, ledger);
    assert!(p.is_empty(), "{what}: Nmbrs is not exact ({} problems):\n{}", p.len(), p[..p.len().min(20)].join("\n"));
}

/// Inserts a from-scratch export sequence needs to go from `before` to `after`: one per hour
/// or wage bucket whose total changed to a non-zero value; `in_place` (REST, CONTRACT §5.3):
/// one per bucket that had no value before, a changed one is updated with `PUT`.
pub fn inserts_needed(before: &Ledger, after: &Ledger, in_place: bool) -> usize {
    let (old, new) = (before.totals(), after.totals());
    let needs = |prev: Option<&Decimal>, v: &Decimal| match in_place {
        true => prev.is_none(),
        false => prev != Some(v),
    };
    let mut n = 0;
    for (emp, t) in &new {
        let prev = old.get(emp).cloned().unwrap_or_default();
        n += t.hours.iter().filter(|(c, v)| needs(prev.hours.get(c), v)).count();
        n += t.wages.iter().filter(|(c, v)| needs(prev.wages.get(c), v)).count();
    }
    n
}

/// Checks `hours.exported` against Nmbrs: every hour/wage bucket reported with a value names
/// the one component Nmbrs holds for it (so an adopted insert reports the landed id), an
/// emptied one names none; no bucket is `in_doubt`. Ids are read as SOAP ids whatever the
/// API (a REST id by its SOAP twin in the simulator).
pub fn reported_id_problems(sim: &Simulator, hours_exported: &Value) -> Vec<String> {
    let twins = crate::support::soap_ids_of(sim);
    let soap = |id: &Value| match id {
        Value::String(text) => twins.get(text).map(|&i| i64::from(i)),
        other => other.as_i64(),
    };
    let mut out = Vec::new();
    for b in hours_exported["payload"]["buckets"].as_array().expect("buckets") {
        let emp = soap(&b["nmbrs_employee_id"]).expect("employee") as i32;
        let code = b["code"].as_i64().map(|c| c as i32);
        let ids: Vec<i64> = match (b["component"].as_str(), code) {
            (Some("hours"), Some(c)) => sim
                .hour_components(demo::DOMAIN, emp, PERIOD)
                .into_iter()
                .filter(|l| l.hour_code == c)
                .map(|l| l.id.soap().unwrap() as i64)
                .collect(),
            (Some("wage"), Some(c)) => sim
                .wage_components(demo::DOMAIN, emp, PERIOD)
                .into_iter()
                .filter(|l| l.code == c)
                .map(|l| l.id.soap().unwrap() as i64)
                .collect(),
            _ => continue,
        };
        let zero = dec(b["value"].as_str().expect("value")).is_zero();
        let reported = soap(&b["nmbrs_component_id"]);
        let ok = b["action"] != "in_doubt"
            && if zero { reported.is_none() && ids.is_empty() } else { reported.is_some_and(|r| ids == [r]) };
        if !ok {
            out.push(format!("bucket {b} vs Nmbrs component ids {ids:?}"));
        }
    }
    out
}
