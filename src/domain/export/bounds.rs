//! What one export may carry before it is planned (issue 19 item 9): every entry id once, and
//! hours, meals and amounts that payroll can mean. An export that breaks one of these is
//! refused whole (the envelope rejects it, `job.rejected`): booking half of it, or booking a
//! 28-digit hour value, would be wrong pay that nobody notices.
//!
//! The bounds, per entry (documented in `docs/bounds.md`):
//! - `hours`: 0 to [`MAX_HOURS`] (one entry is one shift, leave or sick record on one date);
//! - `meals`: 0 to [`MAX_MEALS`];
//! - each allowance `amount`: −[`MAX_AMOUNT`] to +[`MAX_AMOUNT`] euros.
//!
//! With these bounds no sum the planner makes can come near `Decimal`'s range (28 digits): an
//! export of a million entries sums to at most 10^11. A refusal names at most
//! [`NAMED_AT_MOST`] entry ids and counts the rest, so its message stays small whatever came in.

use std::collections::HashSet;

use rust_decimal::Decimal;

use super::payload::{Entry, EntryId, ExportPayload};

/// Most hours one entry may carry: one calendar day.
pub const MAX_HOURS: Decimal = Decimal::from_parts(24, 0, 0, false, 0);
/// Most meals on one entry.
pub const MAX_MEALS: u32 = 10;
/// Largest allowance amount (either sign), in euros: 100 000.00.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(100_000, 0, 0, false, 0);
/// Entry ids named in a refusal; the rest are counted.
pub const NAMED_AT_MOST: usize = 20;

/// Why an export is refused before planning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportRefusal {
    /// An `entry_id` occurs more than once in `entries`: which occurrence is meant is unknown.
    DuplicateEntryIds(Named),
    /// Hours, meals or an allowance amount beyond the bounds of this module.
    OutOfRange(Named),
}

/// Entry ids a refusal is about: the first [`NAMED_AT_MOST`], and how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub ids: Vec<EntryId>,
    pub total: usize,
}

impl Named {
    fn of<'a>(ids: impl Iterator<Item = &'a EntryId>) -> Option<Self> {
        let mut named = Named { ids: Vec::new(), total: 0 };
        for id in ids {
            named.total += 1;
            if named.ids.len() < NAMED_AT_MOST {
                named.ids.push(id.clone());
            }
        }
        (named.total > 0).then_some(named)
    }

    /// `"a", "b" and 3 more`.
    fn describe(&self) -> String {
        let shown: Vec<String> = self.ids.iter().map(|id| format!("{:?}", id.0)).collect();
        match self.total - self.ids.len() {
            0 => shown.join(", "),
            more => format!("{} and {more} more", shown.join(", ")),
        }
    }
}

impl ExportRefusal {
    /// English, for `job.rejected`; names entry ids, never hours or amounts.
    pub fn message(&self) -> String {
        match self {
            ExportRefusal::DuplicateEntryIds(named) => format!(
                "{} entry id(s) occur more than once in this export: {}; send each entry once",
                named.total,
                named.describe()
            ),
            ExportRefusal::OutOfRange(named) => format!(
                "{} entry(ies) carry hours above {MAX_HOURS}, more than {MAX_MEALS} meals, or an allowance \
                 amount beyond ±{MAX_AMOUNT}: {}",
                named.total,
                named.describe()
            ),
        }
    }
}

/// Checks the export's entries: every id once, every value within bounds (module doc). Linear
/// in the number of entries and allowances.
pub fn check(payload: &ExportPayload) -> Result<(), ExportRefusal> {
    let mut seen = HashSet::with_capacity(payload.entries.len());
    let mut reported = HashSet::new();
    let repeated = payload.entries.iter().map(|e| &e.entry_id).filter(|id| !seen.insert(*id) && reported.insert(*id));
    if let Some(named) = Named::of(repeated) {
        return Err(ExportRefusal::DuplicateEntryIds(named));
    }
    let beyond = payload.entries.iter().filter(|e| !within_bounds(e)).map(|e| &e.entry_id);
    match Named::of(beyond) {
        Some(named) => Err(ExportRefusal::OutOfRange(named)),
        None => Ok(()),
    }
}

fn within_bounds(entry: &Entry) -> bool {
    let hours = !entry.hours.is_sign_negative() && entry.hours <= MAX_HOURS;
    hours && entry.meals <= MAX_MEALS && entry.allowances.iter().all(|a| a.amount.abs() <= MAX_AMOUNT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::export::{
        payload::Allowance,
        testkit::{d, entry, payload},
    };

    #[test]
    fn an_entry_id_sent_twice_refuses_the_export_naming_it_once() {
        let refused = check(&payload(vec![entry("a"), entry("b"), entry("a"), entry("a")])).unwrap_err();
        let ExportRefusal::DuplicateEntryIds(named) = &refused else { panic!("{refused:?}") };
        assert_eq!((named.ids.clone(), named.total), (vec![EntryId::from("a")], 1));
        assert!(refused.message().contains("\"a\""), "{}", refused.message());
        assert!(check(&payload(vec![entry("a"), entry("b")])).is_ok());
    }

    #[test]
    fn a_refusal_names_at_most_twenty_ids_and_counts_the_rest() {
        let entries: Vec<Entry> = (0..50).flat_map(|i| [entry(&format!("s-{i}")), entry(&format!("s-{i}"))]).collect();
        let refused = check(&payload(entries)).unwrap_err();
        let ExportRefusal::DuplicateEntryIds(named) = &refused else { panic!("{refused:?}") };
        assert_eq!((named.ids.len(), named.total), (NAMED_AT_MOST, 50));
        assert!(refused.message().ends_with("and 30 more; send each entry once"), "{}", refused.message());
    }

    #[test]
    fn values_at_the_bounds_pass_and_beyond_them_refuse() {
        let with = |hours: &str, meals: u32, amount: &str| {
            let mut e = entry("x");
            e.hours = d(hours);
            e.meals = meals;
            e.allowances = vec![Allowance { kind: "travel".into(), amount: d(amount) }];
            check(&payload(vec![e]))
        };
        assert!(with("24", 10, "100000.00").is_ok());
        assert!(with("0", 0, "-100000").is_ok());
        for (hours, meals, amount) in [("24.01", 0, "1"), ("0", 11, "1"), ("1", 0, "100000.01"), ("1", 0, "-100000.01")]
        {
            let refused = with(hours, meals, amount).unwrap_err();
            assert!(matches!(refused, ExportRefusal::OutOfRange(_)), "{hours} {meals} {amount}");
        }
        let huge = with("9999999999999999999999999999", 0, "1").unwrap_err();
        assert!(matches!(huge, ExportRefusal::OutOfRange(_)));
    }
}
