//! Proof in Nmbrs (issue 18, CONTRACT §2.5 "Proof in Nmbrs (verification and drift)"): the
//! ledger says what the worker wrote, only Nmbrs says what is there now. Given what a bucket's
//! row says the worker holds in Nmbrs and the lines Nmbrs lists for the bucket's employee and
//! period, [`reconcile`] judges the bucket:
//! - **verified**: the worker's lines hold exactly the row's value, once, carrying its marker;
//! - **drift** ([`Found`]): the worker's line is gone (`missing`), holds another value
//!   (`changed`), is there more than once (`duplicated`), or no longer carries the worker's
//!   marker (`unmarked`, only where comments are read: REST);
//! - **unreadable**: a line that may be the bucket's could not be read (or the read was
//!   refused): nothing can be said, and nothing is repaired.
//!
//! **Whose line is it.** The worker's lines of a bucket are those of its code whose id the row
//! owns, and, where comments are read, every line of its code carrying a marker this
//! integration issued (one bucket per employee, period and code: such a line is this bucket's,
//! e.g. a write that landed after its reply was lost, or one a person copied or moved here).
//! A marker this integration never issued (another integration's on the same company, or a
//! look-alike) is no marker: [`Holdings::forget_unissued`] drops it before judging. Every other line of
//! the code is a person's (foreign): never changed, never drift, never counted.
//!
//! **Repair.** A drifted bucket's row takes what Nmbrs holds of the worker's ([`Judgement::held`],
//! `stage::Move::Drifted`); the usual decision (`actions::decide`) then restores Eitje's value:
//! an insert with a new marker when nothing is left, a change in place of the worker's line
//! (REST), or delete and insert (SOAP); extra lines are dropped, and an unmarked line is put
//! back with its marker ([`super::actions::Applied::unmarked`]). Days have no line and no
//! owner: a value other than the row's is `changed` (`missing` at 0) and set again.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::actions::{Applied, ComponentLineId};
use super::contributions::{BucketKey, Component};
use super::marker::InsertMarker;
use super::notify::{Level, Notification, period_json};
use super::readback::{NMBRS_DECIMALS, PeriodLines, ReadLine};
use crate::domain::nmbrs::model::CompanyId;

/// What the worker found wrong with a bucket in Nmbrs (`drift.found` of `hours.exported`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Found {
    Missing,
    Changed,
    Duplicated,
    Unmarked,
}

/// A bucket found drifted: what was wrong and what Nmbrs held (the sum of the worker's lines).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drift {
    pub found: Found,
    pub nmbrs_value: Decimal,
}

/// The judgement on one bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Judgement {
    Verified,
    /// `held`: the worker's lines Nmbrs holds and their total (what the row must take).
    Drift {
        drift: Drift,
        held: Applied,
    },
    Unreadable,
}

/// What Nmbrs lists for one employee and period, per kind of bucket: `None` where the read was
/// refused (a template without `HourComponentVar_Get`, field case 07) or not made.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Holdings {
    pub hours: Option<PeriodLines>,
    pub wages: Option<PeriodLines>,
    pub days: Option<Decimal>,
}

impl Holdings {
    /// Every marker the read lines carry (what to ask the ledger about).
    pub fn markers(&self) -> BTreeSet<InsertMarker> {
        let lines = [&self.hours, &self.wages].into_iter().flatten().flat_map(|p| p.lines.iter());
        lines.filter_map(|l| l.marker.clone()).collect()
    }

    /// The holdings with every marker not in `issued` (those the integration issued) dropped:
    /// such a line is judged as a person's.
    pub fn forget_unissued(mut self, issued: &BTreeSet<InsertMarker>) -> Self {
        for period in [&mut self.hours, &mut self.wages].into_iter().flatten() {
            for line in &mut period.lines {
                if line.marker.as_ref().is_some_and(|m| !issued.contains(m)) {
                    line.marker = None;
                }
            }
        }
        self
    }
}

fn same(a: Decimal, b: Decimal) -> bool {
    a.round_dp(NMBRS_DECIMALS) == b.round_dp(NMBRS_DECIMALS)
}

/// Judges a bucket of `component` whose row says the worker holds `expected` in Nmbrs, its one
/// line carrying `marker` (when known), against what Nmbrs lists (module doc).
pub fn reconcile(
    component: Component,
    expected: &Applied,
    marker: Option<&InsertMarker>,
    nmbrs: &Holdings,
) -> Judgement {
    let (lines, code) = match component {
        Component::Days => return reconcile_days(expected.value, nmbrs.days),
        Component::Hours(c) => (&nmbrs.hours, c.0),
        Component::Wage(c) => (&nmbrs.wages, c.0),
    };
    let Some(period) = lines else { return Judgement::Unreadable };
    if period.unreadable.iter().any(|l| l.code.is_none_or(|c| c == code)) {
        return Judgement::Unreadable;
    }
    let mine: Vec<&ReadLine> = workers_lines(period, code, &expected.ids).collect();
    let total: Decimal = mine.iter().map(|l| l.value).sum();
    let held = Applied { value: total, ids: mine.iter().map(|l| ComponentLineId(l.id)).collect(), unmarked: false };
    let drift = |found: Found, held: Applied| Judgement::Drift { drift: Drift { found, nmbrs_value: total }, held };
    match mine.as_slice() {
        [] if expected.ids.is_empty() && expected.value.is_zero() => Judgement::Verified,
        [] => drift(Found::Missing, held),
        [_, _, ..] => drift(Found::Duplicated, held),
        [line] if !same(line.value, expected.value) || !expected.ids.contains(&ComponentLineId(line.id)) => {
            drift(Found::Changed, held)
        }
        [line] if period.comments && marker.is_some() && line.marker.as_ref() != marker => {
            drift(Found::Unmarked, Applied { unmarked: true, ..held })
        }
        [_] => Judgement::Verified,
    }
}

/// The worker's lines of `code`: owned by id, or (where comments are read) marked.
pub fn workers_lines<'a>(
    period: &'a PeriodLines,
    code: i32,
    owned: &'a [ComponentLineId],
) -> impl Iterator<Item = &'a ReadLine> + 'a {
    period.lines.iter().filter(move |l| {
        l.code == code && (owned.contains(&ComponentLineId(l.id)) || (period.comments && l.marker.is_some()))
    })
}

fn reconcile_days(expected: Decimal, days: Option<Decimal>) -> Judgement {
    let Some(days) = days else { return Judgement::Unreadable };
    if same(days, expected) {
        return Judgement::Verified;
    }
    let found = if days.is_zero() { Found::Missing } else { Found::Changed };
    Judgement::Drift { drift: Drift { found, nmbrs_value: days }, held: Applied { value: days, ..Applied::default() } }
}

/// What one export proved of its buckets in Nmbrs (kept with its recorded plan, so a resumed
/// job reports what the first attempt found), for `hours.exported`, the notifications and the
/// counts of `job.completed`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proof {
    /// The export checks Nmbrs (`settings.verify_export`, the default).
    pub checked: bool,
    /// Buckets found drifted before planning, with what was wrong.
    pub drift: Vec<(BucketKey, Drift)>,
    /// Buckets Nmbrs showed holding exactly their value, once, with their marker.
    pub verified: Vec<BucketKey>,
    /// Buckets whose lines could not be read.
    pub unreadable: Vec<BucketKey>,
    /// Buckets that did not hold their value after writing and could not be repaired safely,
    /// with what Nmbrs held.
    pub failed: Vec<(BucketKey, Decimal)>,
    /// Companies whose reads Nmbrs refused, with the operation (each once).
    pub refused_reads: Vec<(CompanyId, String)>,
}

impl Proof {
    /// The drift found for `key`, if any.
    pub fn drift_of(&self, key: &BucketKey) -> Option<Drift> {
        self.drift.iter().find(|(k, _)| k == key).map(|(_, d)| *d)
    }

    /// `verified`, `reason` and `drift` of one `buckets[]` item of `hours.exported`. Reasons:
    /// `dry_run`, `not_checked` (`settings.verify_export` false), `unreadable`, `mismatch` (did
    /// not hold its value after writing), `held_back` (in doubt, refused or unreadable: not written).
    pub fn report(&self, key: &BucketKey, dry_run: bool, held_back: bool) -> Value {
        let reason = if dry_run {
            Some("dry_run")
        } else if !self.checked {
            Some("not_checked")
        } else if self.failed.iter().any(|(k, _)| k == key) {
            Some("mismatch")
        } else if self.unreadable.contains(key) {
            Some("unreadable")
        } else if held_back || !self.verified.contains(key) {
            Some("held_back")
        } else {
            None
        };
        let drift =
            self.drift_of(key).map(|d| json!({"found": d.found, "nmbrs_value": d.nmbrs_value.normalize().to_string()}));
        match reason {
            None => json!({"verified": true, "drift": drift}),
            Some(reason) => json!({"verified": false, "reason": reason, "drift": drift}),
        }
    }

    /// `export.drift_repaired` (warning): the drifted buckets the export restored to Eitje's
    /// value (`values`: the bucket's ledger value now), or `None` when there were none.
    pub fn drift_repaired(
        &self,
        values: &BTreeMap<BucketKey, Decimal>,
        held_back: &BTreeSet<BucketKey>,
    ) -> Option<Notification> {
        let repaired: Vec<Value> = self
            .drift
            .iter()
            .filter(|(k, _)| !held_back.contains(k) && !self.failed.iter().any(|(f, _)| f == k))
            .map(|(k, d)| {
                let value = values.get(k).copied().unwrap_or_default();
                let mut item = bucket_json(k);
                item["found"] = json!(d.found);
                item["nmbrs_value"] = json!(d.nmbrs_value.normalize().to_string());
                item["value"] = json!(value.normalize().to_string());
                item
            })
            .collect();
        let n = repaired.len();
        (n > 0).then(|| {
            Notification::new(
                Level::Warning,
                "export.drift_repaired",
                format!("{n} bucket(s) in Nmbrs no longer held what the worker wrote (a line deleted, changed or unmarked by hand); they were restored to Eitje's value."),
                json!({"buckets": repaired}),
            )
        })
    }

    /// `export.verification_failed` (warning), one per bucket that did not hold its value after
    /// writing (`values`: the bucket's ledger value).
    pub fn verification_failed(&self, values: &BTreeMap<BucketKey, Decimal>) -> Vec<Notification> {
        self.failed
            .iter()
            .map(|(k, nmbrs_value)| {
                let value = values.get(k).copied().unwrap_or_default();
                let mut params = bucket_json(k);
                params["value"] = json!(value.normalize().to_string());
                params["nmbrs_value"] = json!(nmbrs_value.normalize().to_string());
                Notification::new(
                    Level::Warning,
                    "export.verification_failed",
                    format!(
                        "After writing, Nmbrs does not hold {value} for employee {} ({} {}) in {} period {} but {nmbrs_value}; check the bucket in Nmbrs.",
                        k.employee, k.component.label(), k.component.code().map_or(String::new(), |c| c.to_string()), k.period.year, k.period.period
                    ),
                    params,
                )
            })
            .collect()
    }

    /// `verified`, `drift_repaired` and `unverified` of `job.completed` over `keys` (the
    /// buckets of `hours.exported`).
    pub fn counts<'a>(
        &self,
        keys: impl Iterator<Item = &'a BucketKey>,
        dry_run: bool,
        held_back: &BTreeSet<BucketKey>,
    ) -> [(&'static str, u64); 3] {
        let (mut verified, mut unverified) = (0, 0);
        for key in keys {
            match self.report(key, dry_run, held_back.contains(key))["verified"].as_bool() {
                Some(true) => verified += 1,
                _ => unverified += 1,
            }
        }
        let repaired = if dry_run {
            0
        } else {
            self.drift
                .iter()
                .filter(|(k, _)| !held_back.contains(k) && !self.failed.iter().any(|(f, _)| f == k))
                .count() as u64
        };
        [("verified", verified), ("drift_repaired", repaired), ("unverified", unverified)]
    }
}

/// The bucket's place in a notification: company, employee, component, code, period.
fn bucket_json(k: &BucketKey) -> Value {
    json!({"nmbrs_company_id": k.company.0, "nmbrs_employee_id": k.employee.0, "component": k.component.label(),
           "code": k.component.code(), "period": period_json(k.period)})
}

#[cfg(test)]
#[path = "proof_tests.rs"]
mod tests;
