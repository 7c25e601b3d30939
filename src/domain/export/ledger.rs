//! The export ledger as a pure model: per entry, the contributions it has in Nmbrs now.
//!
//! A bucket's value is derived from the ledger, never stored as a running total: the sum of
//! its contributions, except for days, which count distinct dates (two shifts on one date are
//! one day, also when they came in different exports). Re-sending an entry replaces its
//! contributions, so exporting the same data again can never count anything twice.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::contributions::{BucketKey, Component, ComponentName, Contribution};
use super::payload::{EntryId, ExportKind};

/// Per entry id, its live contributions (entries without any are not kept).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    entries: BTreeMap<EntryId, Vec<Contribution>>,
}

/// Which of an entry's earlier contributions an export leaves alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keep {
    /// Kinds the export did not request: ignored, so their earlier contributions stay.
    pub kinds: BTreeSet<ExportKind>,
    /// Parts that could not be exported for a Nmbrs-side or configuration reason
    /// (`no_code_mapping`, `unknown_code`): nothing is written for them, so what they had stays.
    pub components: BTreeSet<ComponentName>,
}

impl Keep {
    /// Whether an earlier contribution survives the update.
    pub fn covers(&self, c: &Contribution) -> bool {
        self.kinds.contains(&c.component.kind()) || self.components.contains(&c.component)
    }
}

/// What one export decides for one entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryUpdate {
    /// The entry was sent (approved): its earlier contributions, except those `keep` covers,
    /// are replaced by `contributions` (which may be empty).
    Replace { contributions: Vec<Contribution>, keep: Keep },
    /// Listed in `withdrawn_entry_ids`, or sent again with `approved: false`: every earlier
    /// contribution goes.
    Withdraw,
}

impl Ledger {
    pub fn new() -> Self {
        Self::default()
    }

    /// The live contributions of one entry.
    pub fn contributions(&self, entry: &EntryId) -> &[Contribution] {
        self.entries.get(entry).map(Vec::as_slice).unwrap_or_default()
    }

    /// Every live contribution.
    pub fn iter(&self) -> impl Iterator<Item = &Contribution> {
        self.entries.values().flatten()
    }

    /// Applies one export's decisions, entry by entry. Entries not named keep what they have.
    pub fn apply<'a>(&mut self, updates: impl IntoIterator<Item = (&'a EntryId, &'a EntryUpdate)>) {
        for (id, update) in updates {
            let mut next: Vec<Contribution> = match update {
                EntryUpdate::Withdraw => Vec::new(),
                EntryUpdate::Replace { contributions, keep } => {
                    let kept = self.contributions(id).iter().filter(|c| keep.covers(c)).cloned();
                    kept.chain(contributions.iter().cloned()).collect()
                }
            };
            next.sort();
            if next.is_empty() {
                self.entries.remove(id);
            } else {
                self.entries.insert(id.clone(), next);
            }
        }
    }

    /// The value of every bucket with at least one live contribution: the sum of the amounts,
    /// or for [`Component::Days`] the number of distinct dates.
    pub fn bucket_values(&self) -> BTreeMap<BucketKey, Decimal> {
        bucket_values(self.iter())
    }

    /// The value of one bucket (zero when nothing contributes to it).
    pub fn bucket_value(&self, key: &BucketKey) -> Decimal {
        bucket_values(self.iter().filter(|c| c.bucket == *key)).remove(key).unwrap_or_default()
    }
}

/// Builds a ledger from stored contributions (e.g. the rows the handler loaded).
impl FromIterator<Contribution> for Ledger {
    fn from_iter<I: IntoIterator<Item = Contribution>>(contributions: I) -> Self {
        let mut entries = BTreeMap::<EntryId, Vec<Contribution>>::new();
        for c in contributions {
            entries.entry(c.entry_id.clone()).or_default().push(c);
        }
        entries.values_mut().for_each(|v| v.sort());
        Ledger { entries }
    }
}

/// Bucket values of a set of contributions (see [`Ledger::bucket_values`]).
pub fn bucket_values<'a>(contributions: impl IntoIterator<Item = &'a Contribution>) -> BTreeMap<BucketKey, Decimal> {
    let mut sums = BTreeMap::<BucketKey, Decimal>::new();
    let mut days = BTreeMap::<BucketKey, BTreeSet<NaiveDate>>::new();
    for c in contributions {
        match c.bucket.component {
            Component::Days => {
                days.entry(c.bucket).or_default().insert(c.date);
            }
            // Never panics: the bounds of `super::bounds` keep real sums far below `Decimal`'s
            // range; a sum of rows stored before those bounds saturates instead of overflowing.
            _ => {
                let sum = sums.entry(c.bucket).or_default();
                *sum = sum.saturating_add(c.amount);
            }
        }
    }
    sums.extend(days.into_iter().map(|(k, dates)| (k, Decimal::from(dates.len()))));
    sums
}

#[cfg(test)]
#[path = "ledger_tests.rs"]
mod tests;
