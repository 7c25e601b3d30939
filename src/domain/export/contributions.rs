//! What one entry contributes, and to which bucket.
//!
//! An entry splits into parts (`worked_hours`, `worked_days`, `meals`, `allowances.<type>`,
//! `leave`, `sick`); each part that exports becomes a [`Contribution`] to one [`BucketKey`]
//! (company, employee, period, component), each part that does not becomes a [`Skip`] with the
//! reason of CONTRACT §2.5. Which code a part books on comes from the integration's settings.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, Serializer};

use crate::domain::integration::Settings;
use crate::domain::nmbrs::{CompanyId, EmployeeId, HourCode, PayPeriod, WageCode};

use super::payload::{ContractType, Entry, EntryId, EntryKind, ExportKind};

/// Which part of an entry a contribution or skip is about; serialised as the `component` of a
/// skipped item and the `kind` of code notifications: `worked_hours`, `allowances.travel`, …
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub enum ComponentName {
    WorkedHours,
    WorkedDays,
    Meals,
    Leave,
    Sick,
    /// `allowances.<type>`: each allowance type books on its own wage code.
    Allowance(String),
}

impl ComponentName {
    /// The `kinds` value that selects this part.
    pub fn kind(&self) -> ExportKind {
        match self {
            ComponentName::WorkedHours => ExportKind::WorkedHours,
            ComponentName::WorkedDays => ExportKind::WorkedDays,
            ComponentName::Meals => ExportKind::Meals,
            ComponentName::Leave => ExportKind::Leave,
            ComponentName::Sick => ExportKind::Sick,
            ComponentName::Allowance(_) => ExportKind::Allowances,
        }
    }
}

impl fmt::Display for ComponentName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ComponentName::WorkedHours => f.write_str("worked_hours"),
            ComponentName::WorkedDays => f.write_str("worked_days"),
            ComponentName::Meals => f.write_str("meals"),
            ComponentName::Leave => f.write_str("leave"),
            ComponentName::Sick => f.write_str("sick"),
            ComponentName::Allowance(t) => write!(f, "allowances.{t}"),
        }
    }
}

impl TryFrom<String> for ComponentName {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Ok(match s.as_str() {
            "worked_hours" => ComponentName::WorkedHours,
            "worked_days" => ComponentName::WorkedDays,
            "meals" => ComponentName::Meals,
            "leave" => ComponentName::Leave,
            "sick" => ComponentName::Sick,
            _ => match s.strip_prefix("allowances.") {
                Some(t) if !t.is_empty() => ComponentName::Allowance(t.to_owned()),
                _ => return Err(format!("unknown component {s:?}")),
            },
        })
    }
}

impl Serialize for ComponentName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What a bucket holds in Nmbrs: one hour code, one wage code, or the worked days of the period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Component {
    Hours(HourCode),
    Wage(WageCode),
    /// The employee's worked days of the period (`DaysVar_Set`): a count of distinct dates.
    Days,
}

impl Component {
    /// `hours|wage|days`, as in `hours.exported` and `export.in_doubt`.
    pub fn label(self) -> &'static str {
        match self {
            Component::Hours(_) => "hours",
            Component::Wage(_) => "wage",
            Component::Days => "days",
        }
    }

    /// The hour or wage code; `None` for days.
    pub fn code(self) -> Option<i32> {
        match self {
            Component::Hours(HourCode(c)) | Component::Wage(WageCode(c)) => Some(c),
            Component::Days => None,
        }
    }
}

/// One bucket of the ledger: the unit the worker writes to Nmbrs as one component (or one
/// `DaysVar_Set`). The integration is implied: a ledger belongs to one integration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BucketKey {
    pub company: CompanyId,
    pub employee: EmployeeId,
    pub period: PayPeriod,
    pub component: Component,
}

/// What one entry adds to one bucket. For days, `amount` is 1 and `date` is what counts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Contribution {
    pub entry_id: EntryId,
    pub bucket: BucketKey,
    pub amount: Decimal,
    pub date: NaiveDate,
    pub component: ComponentName,
}

/// Why a contribution was not exported (`skipped[].reason` of `hours.exported`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    NotApproved,
    FixedContract,
    KindNotRequested,
    Withdrawn,
    NoCodeMapping,
    UnknownCode,
    PeriodClosed,
    InvalidPeriod,
    UnknownEmployee,
    /// A record the decision needs could not be read (CONTRACT §2.3): the employee is missing
    /// from a company list with records whose id is unreadable, or a line of the period that
    /// may be of the bucket's code could not be read.
    UnreadableRecord,
    InDoubt,
    /// The entry's date lies outside the export's period of its company, where the period's
    /// dates are certain (`validation::period_dates`): which period it belongs to is unclear,
    /// so it is frozen.
    DateOutsidePeriod,
    /// Nmbrs refused the bucket's write after planning (e.g. its period closed meanwhile), or
    /// the entry's company could not be read (no access, no current period, unreadable).
    NmbrsRefused,
}

impl SkipReason {
    /// Nmbrs-side or configuration reasons make the job `partial` (CONTRACT §3); Eitje-side
    /// rules (`not_approved`, `fixed_contract`, `kind_not_requested`, `withdrawn`) do not.
    pub fn makes_partial(self) -> bool {
        !matches!(
            self,
            SkipReason::NotApproved | SkipReason::FixedContract | SkipReason::KindNotRequested | SkipReason::Withdrawn
        )
    }
}

/// One item of `skipped`: `component` is `None` when the reason concerns the whole entry.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Skip {
    pub entry_id: EntryId,
    pub component: Option<ComponentName>,
    pub reason: SkipReason,
}

/// A part of an entry before any rule: its name and value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub component: ComponentName,
    pub amount: Decimal,
}

/// The parts an entry has. A worked entry has worked hours, one worked day, its meals (count)
/// and per allowance type the sum of its amounts; a leave or sick entry only its hours (meals
/// and allowances on them are ignored, as `schemas/jobs/ExportHours.json` describes the entry).
/// Parts worth zero are left out (nothing to book), except the worked day, which counts
/// whatever the hours.
pub fn parts(entry: &Entry) -> Vec<Part> {
    let part = |component, amount| Part { component, amount };
    let mut parts = Vec::new();
    match entry.kind {
        EntryKind::Worked => {
            parts.push(part(ComponentName::WorkedHours, entry.hours));
            parts.push(part(ComponentName::WorkedDays, Decimal::ONE));
            parts.push(part(ComponentName::Meals, Decimal::from(entry.meals)));
            let mut sums = std::collections::BTreeMap::<&str, Decimal>::new();
            for a in &entry.allowances {
                // Saturates instead of panicking; `super::bounds` refuses amounts that could.
                let sum = sums.entry(a.kind.as_str()).or_default();
                *sum = sum.saturating_add(a.amount);
            }
            parts.extend(sums.into_iter().map(|(t, sum)| part(ComponentName::Allowance(t.to_owned()), sum)));
        }
        EntryKind::Leave => parts.push(part(ComponentName::Leave, entry.hours)),
        EntryKind::Sick => parts.push(part(ComponentName::Sick, entry.hours)),
    }
    parts.retain(|p| p.component == ComponentName::WorkedDays || !p.amount.is_zero());
    parts
}

/// The Eitje-side rule that keeps a part from exporting, if any: a kind the export does not
/// request (`kind_not_requested`), worked hours of a fixed contract (`fixed_contract`).
pub fn eitje_skip(entry: &Entry, part: &Part, requested: impl Fn(ExportKind) -> bool) -> Option<SkipReason> {
    if !requested(part.component.kind()) {
        Some(SkipReason::KindNotRequested)
    } else if part.component == ComponentName::WorkedHours && entry.contract_type == ContractType::Fixed {
        Some(SkipReason::FixedContract)
    } else {
        None
    }
}

/// The component a part books on according to the settings; `None` when its kind has no code
/// (`no_code_mapping`). Worked days need no code.
pub fn target(component: &ComponentName, settings: &Settings) -> Option<Component> {
    let (hours, wages) = (&settings.hour_codes, &settings.wage_codes);
    match component {
        ComponentName::WorkedHours => hours.worked.map(|c| Component::Hours(HourCode(c))),
        ComponentName::Leave => hours.leave.map(|c| Component::Hours(HourCode(c))),
        ComponentName::Sick => hours.sick.map(|c| Component::Hours(HourCode(c))),
        ComponentName::Meals => wages.meals.map(|c| Component::Wage(WageCode(c))),
        ComponentName::Allowance(t) => wages.allowances.get(t).map(|&c| Component::Wage(WageCode(c))),
        ComponentName::WorkedDays => Some(Component::Days),
    }
}

#[cfg(test)]
#[path = "contributions_tests.rs"]
mod tests;
