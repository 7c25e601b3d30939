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
use super::payload::{EntryId, Kind};

/// Per entry id, its live contributions (entries without any are not kept).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    entries: BTreeMap<EntryId, Vec<Contribution>>,
}

/// Which of an entry's earlier contributions an export leaves alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keep {
    /// Kinds the export did not request: ignored, so their earlier contributions stay.
    pub kinds: BTreeSet<Kind>,
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
mod tests {
    use super::*;
    use crate::domain::export::testkit::{contribution, d, days_contribution};

    fn replace(contributions: Vec<Contribution>) -> EntryUpdate {
        EntryUpdate::Replace { contributions, keep: Keep::default() }
    }

    fn values(l: &Ledger) -> Vec<String> {
        l.bucket_values().iter().map(|(k, v)| format!("{}:{v}", k.component.code().unwrap_or(0))).collect()
    }

    #[test]
    fn buckets_sum_the_contributions_of_all_entries() {
        let mut l = Ledger::new();
        let (a, b) = (EntryId::from("a"), EntryId::from("b"));
        let (ua, ub) = (replace(vec![contribution("a", 1, "7.50")]), replace(vec![contribution("b", 1, "2.25")]));
        l.apply([(&a, &ua), (&b, &ub)]);
        assert_eq!(values(&l), ["1:9.75"]);
    }

    #[test]
    fn sending_an_entry_again_replaces_its_contribution() {
        let mut l = Ledger::new();
        let a = EntryId::from("a");
        l.apply([(&a, &replace(vec![contribution("a", 1, "7.50")]))]);
        l.apply([(&a, &replace(vec![contribution("a", 1, "6")]))]);
        assert_eq!(values(&l), ["1:6"]);
        // Moved to another code: the old bucket is left with nothing.
        l.apply([(&a, &replace(vec![contribution("a", 2, "6")]))]);
        assert_eq!(values(&l), ["2:6"]);
    }

    #[test]
    fn withdrawing_removes_every_contribution_of_the_entry() {
        let mut l = Ledger::new();
        let (a, b) = (EntryId::from("a"), EntryId::from("b"));
        l.apply([(&a, &replace(vec![contribution("a", 1, "7.50")])), (&b, &replace(vec![contribution("b", 1, "1")]))]);
        l.apply([(&a, &EntryUpdate::Withdraw)]);
        assert_eq!(values(&l), ["1:1"]);
        assert!(l.contributions(&a).is_empty());
        // Withdrawing again, or an entry never seen, changes nothing.
        let before = l.clone();
        l.apply([(&a, &EntryUpdate::Withdraw), (&EntryId::from("zz"), &EntryUpdate::Withdraw)]);
        assert_eq!(l, before);
    }

    #[test]
    fn days_count_distinct_dates_also_across_entries_and_exports() {
        let mut l = Ledger::new();
        let ids: Vec<EntryId> = ["a", "b", "c"].map(EntryId::from).to_vec();
        l.apply([(&ids[0], &replace(vec![days_contribution("a", "2026-11-03")]))]);
        // A second shift on the same date, in a later export: still one day.
        l.apply([(&ids[1], &replace(vec![days_contribution("b", "2026-11-03")]))]);
        let key = days_contribution("a", "2026-11-03").bucket;
        assert_eq!(l.bucket_value(&key), d("1"));
        l.apply([(&ids[2], &replace(vec![days_contribution("c", "2026-11-04")]))]);
        assert_eq!(l.bucket_value(&key), d("2"));
        // Withdrawing one of the two shifts of the 3rd keeps that day.
        l.apply([(&ids[0], &EntryUpdate::Withdraw)]);
        assert_eq!(l.bucket_value(&key), d("2"));
        l.apply([(&ids[1], &EntryUpdate::Withdraw)]);
        assert_eq!(l.bucket_value(&key), d("1"));
    }

    #[test]
    fn kept_kinds_and_components_survive_a_replacement() {
        let mut l = Ledger::new();
        let a = EntryId::from("a");
        let mut meals = contribution("a", 400, "1");
        meals.component = ComponentName::Meals;
        let mut travel = contribution("a", 410, "12.40");
        travel.component = ComponentName::Allowance("travel".into());
        l.apply([(&a, &replace(vec![contribution("a", 1, "7.50"), meals.clone(), travel.clone()]))]);
        let keep =
            Keep { kinds: BTreeSet::from([Kind::Meals]), components: BTreeSet::from([travel.component.clone()]) };
        l.apply([(&a, &EntryUpdate::Replace { contributions: vec![contribution("a", 1, "8")], keep })]);
        assert_eq!(values(&l), ["1:8", "400:1", "410:12.40"]);
    }

    #[test]
    fn a_ledger_rebuilt_from_its_contributions_is_the_same() {
        let mut l = Ledger::new();
        let (a, b) = (EntryId::from("a"), EntryId::from("b"));
        let ua = replace(vec![contribution("a", 1, "7.50"), days_contribution("a", "2026-11-03")]);
        l.apply([(&a, &ua), (&b, &replace(vec![contribution("b", 2, "1")]))]);
        let mut rows: Vec<Contribution> = l.iter().cloned().collect();
        rows.reverse();
        assert_eq!(rows.into_iter().collect::<Ledger>(), l);
    }

    #[test]
    fn a_bucket_emptied_by_its_entries_has_no_value() {
        let mut l = Ledger::new();
        let a = EntryId::from("a");
        l.apply([(&a, &replace(vec![contribution("a", 1, "7.50")]))]);
        let key = contribution("a", 1, "0").bucket;
        l.apply([(&a, &replace(vec![]))]);
        assert_eq!(l.bucket_value(&key), Decimal::ZERO);
        assert!(l.bucket_values().is_empty());
    }

    #[test]
    fn summing_two_28_digit_values_does_not_panic() {
        let huge = "79228162514264337593543950335"; // Decimal::MAX
        let ledger: Ledger = [contribution("a", 1, huge), contribution("b", 1, huge)].into_iter().collect();
        assert_eq!(values(&ledger), [format!("1:{}", Decimal::MAX)]);
    }
}
