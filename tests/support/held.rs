//! What Nmbrs (the simulator) holds for one employee and period, read straight from the
//! simulator's state, and the `ExportHours` job payload the end-to-end tests send (issue 5).
//! Split from `mod.rs` to keep the harness file short.

use serde_json::{Value, json};

/// An `ExportHours` payload booking `entries` into `period` (`(year, number)`); set the other
/// fields (`withdrawn_entry_ids`, `dry_run`, `allow_closed_period`, `kinds`) on the result.
pub fn export_payload(export_id: &str, period: (i32, u8), entries: Value) -> Value {
    json!({"export_id": export_id, "period": {"year": period.0, "number": period.1}, "entries": entries})
}

/// One hour or wage component line in Nmbrs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NmbrsLine {
    pub id: i32,
    pub code: i32,
    pub value: rust_decimal::Decimal,
}

/// The hour components, wage components and days of one employee in one period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NmbrsPeriod {
    pub hours: Vec<NmbrsLine>,
    pub wages: Vec<NmbrsLine>,
    /// `None` when `DaysVar_Set` was never called for the period.
    pub days: Option<i32>,
}

impl NmbrsPeriod {
    /// `(code, value)` of every hour component, sorted (duplicates stay).
    pub fn hour_values(&self) -> Vec<(i32, rust_decimal::Decimal)> {
        sorted_values(&self.hours)
    }

    /// `(code, value)` of every wage component, sorted (duplicates stay).
    pub fn wage_values(&self) -> Vec<(i32, rust_decimal::Decimal)> {
        sorted_values(&self.wages)
    }

    /// Every component id, hour and wage.
    pub fn ids(&self) -> Vec<i32> {
        self.hours.iter().chain(&self.wages).map(|l| l.id).collect()
    }
}

fn sorted_values(lines: &[NmbrsLine]) -> Vec<(i32, rust_decimal::Decimal)> {
    let mut v: Vec<_> = lines.iter().map(|l| (l.code, l.value)).collect();
    v.sort();
    v
}

/// What the simulator holds for `employee` in `period` of the demo domain.
pub fn nmbrs_period(sim: &nmbrs_worker::sim::Simulator, employee: i32, period: (i32, u8)) -> NmbrsPeriod {
    use nmbrs_worker::{nmbrs::PayPeriod, sim::demo::DOMAIN};
    let p = PayPeriod::new(period.0, period.1);
    let hours = sim.hour_components(DOMAIN, employee, p);
    let wages = sim.wage_components(DOMAIN, employee, p);
    NmbrsPeriod {
        hours: hours
            .iter()
            .map(|l| NmbrsLine { id: l.id.soap().unwrap(), code: l.hour_code, value: l.hours.0 })
            .collect(),
        wages: wages.iter().map(|l| NmbrsLine { id: l.id.soap().unwrap(), code: l.code, value: l.value.0 }).collect(),
        days: sim.days(DOMAIN, employee, p),
    }
}
