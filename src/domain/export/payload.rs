//! The `ExportHours` job payload (CONTRACT §2.5) as typed values.
//!
//! Parsed once at the edge from the schema-checked JSON; hours and amounts are `Decimal` read from
//! decimal strings (never floats), dates are `NaiveDate`, Nmbrs ids are the newtypes of
//! [`crate::domain::nmbrs`]. Field names follow `schemas/jobs/ExportHours.json`.

use std::collections::BTreeSet;
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::bounded;
use crate::domain::nmbrs::{EmployeeId, PayPeriod};

/// Eitje's stable id of an entry (a shift, leave or sick record): the key of the ledger.
#[derive(Clone, Debug, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EntryId(pub String);

// Compared by its text. Unit tests count the comparisons (`scale_tests`): planning work is
// measured in operations, never in time.
impl PartialEq for EntryId {
    fn eq(&self, other: &Self) -> bool {
        #[cfg(test)]
        super::compare_count::compared();
        self.0 == other.0
    }
}

// Hashed by its text, as it is compared (the derive would hash the same field).
impl std::hash::Hash for EntryId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl PartialOrd for EntryId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for EntryId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        #[cfg(test)]
        super::compare_count::compared();
        self.0.cmp(&other.0)
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for EntryId {
    fn from(s: &str) -> Self {
        EntryId(s.to_owned())
    }
}

/// Deserializes an entry id: an id of [`bounded`] (1–200 bytes, printable).
fn entry_id<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<EntryId, D::Error> {
    bounded::id(deserializer).map(EntryId)
}

/// Deserializes `withdrawn_entry_ids`: at most [`bounded::MAX_WITHDRAWN`] ids.
fn withdrawn<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<EntryId>, D::Error> {
    let ids = bounded::id_list::<D, { bounded::MAX_WITHDRAWN }>(deserializer)?;
    Ok(ids.into_iter().map(EntryId).collect())
}

/// The payload of an `ExportHours` job. Its ids and lists keep the bounds of [`bounded`]
/// (CONTRACT §2.2): entries at most [`bounded::MAX_ENTRIES`], withdrawn ids at most
/// [`bounded::MAX_WITHDRAWN`], allowances per entry at most [`bounded::MAX_ALLOWANCES_PER_ENTRY`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportPayload {
    #[serde(deserialize_with = "bounded::id")]
    pub export_id: String,
    /// The period every entry books into, in the period type of each entry's company.
    pub period: ExportPeriod,
    /// Kinds to export; `None` (absent) = all six.
    #[serde(default)]
    pub kinds: Option<BTreeSet<ExportKind>>,
    #[serde(default)]
    pub allow_closed_period: bool,
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default, deserialize_with = "withdrawn")]
    pub withdrawn_entry_ids: Vec<EntryId>,
    #[serde(deserialize_with = "bounded::list::<_, _, { bounded::MAX_ENTRIES }>")]
    pub entries: Vec<Entry>,
}

impl ExportPayload {
    /// Whether contributions of `kind` export (an absent `kinds` requests all).
    pub fn requests(&self, kind: ExportKind) -> bool {
        self.kinds.as_ref().is_none_or(|kinds| kinds.contains(&kind))
    }
}

/// `{"year": 2026, "number": 11}` as the job carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportPeriod {
    pub year: i32,
    pub number: u8,
}

impl From<ExportPeriod> for PayPeriod {
    fn from(p: ExportPeriod) -> Self {
        PayPeriod::new(p.year, p.number)
    }
}

/// One shift, leave or sick record of one employee on one date.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    #[serde(deserialize_with = "entry_id")]
    pub entry_id: EntryId,
    #[serde(default, deserialize_with = "bounded::optional_id")]
    pub eitje_user_id: Option<String>,
    pub nmbrs_employee_id: EmployeeId,
    #[serde(deserialize_with = "bounded::id")]
    pub eitje_venue_id: String,
    pub date: NaiveDate,
    pub kind: EntryKind,
    pub hours: Decimal,
    pub approved: bool,
    pub contract_type: ContractType,
    #[serde(default)]
    pub meals: u32,
    #[serde(default, deserialize_with = "bounded::list::<_, _, { bounded::MAX_ALLOWANCES_PER_ENTRY }>")]
    pub allowances: Vec<Allowance>,
}

/// What the hours of an entry are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Worked,
    Leave,
    Sick,
}

/// The employee's contract: worked hours export only for zero-hours contracts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractType {
    ZeroHours,
    Fixed,
}

/// The six kinds an export can request (`payload.kinds`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    WorkedHours,
    WorkedDays,
    Meals,
    Allowances,
    Leave,
    Sick,
}

impl ExportKind {
    pub const ALL: [ExportKind; 6] = [
        ExportKind::WorkedHours,
        ExportKind::WorkedDays,
        ExportKind::Meals,
        ExportKind::Allowances,
        ExportKind::Leave,
        ExportKind::Sick,
    ];
}

/// An allowance on a worked entry; summed per `type` into that type's wage code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Allowance {
    /// The allowance type: an id of [`bounded`] (1–200 bytes, printable).
    #[serde(rename = "type", deserialize_with = "bounded::id")]
    pub kind: String,
    pub amount: Decimal,
}

#[cfg(test)]
#[path = "payload_tests.rs"]
mod tests;
