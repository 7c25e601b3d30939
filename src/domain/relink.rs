//! The relink at an integration's first REST job (issue 10, CONTRACT §5.4): which SOAP-era
//! company, employee and component is which REST one. SOAP knows them by integers, REST by
//! UUIDs, and no Nmbrs call maps the two (REST-NOTES §4); these rules decide from the bridges
//! the worker kept while on SOAP (`domain::identity`, `domain::export::marker`). What they
//! cannot decide exactly is never guessed: it is unlinked, and its buckets go in doubt.
//!
//! Rules (CONTRACT §5.4):
//! - **Companies** ([`link_companies`]) by company number: a SOAP-era company links to the
//!   venue's REST company with the same number when exactly one venue company has it and no
//!   other SOAP-era company claims it. A number that matches none (the numbers disagree), or
//!   matches ambiguously, leaves the company unlinked.
//! - **Employees** ([`link_employees`], per linked company) by BSN hash, then by employee
//!   number: the REST employees whose BSN hashes (under the SOAP row's ring key) equal the
//!   recorded hash; one → linked; several → narrowed by number to one, else unlinked; none →
//!   by number, where exactly one SOAP-era and exactly one REST employee of the company have
//!   it and the REST one's BSN does not contradict the recorded hash. A REST employee claimed
//!   by two SOAP-era ones links neither.
//! - **Components** ([`relink_component`], in periods that are not closed) by the marker of
//!   the owned component (exactly one line of the bucket's code carries it), or, for a
//!   component written before markers, by code + value + the worker's comment
//!   ([`WORKER_COMMENT`], no marker) when exactly one line matches. A line with any other
//!   comment (a person's) is never adopted. A pending insert's marker found once → landed,
//!   nowhere → not landed, twice → in doubt; a pending insert without a marker → in doubt.
//! - **Closed periods** ([`period_is_open`]) are history: their SOAP rows are not touched.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use uuid::Uuid;

use super::export::{
    marker::{InsertMarker, MarkedIntent, WORKER_COMMENT, find_in},
    stage::Stage,
};
use super::identity::CompanyIdentity;
use super::nmbrs_id::NmbrsId;
use crate::domain::nmbrs::PayPeriod;

/// A venue's REST company and its number (REST's `number` is a string; `None` when absent or
/// not a number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestCompanyNumber {
    pub id: Uuid,
    pub number: Option<i32>,
}

/// REST's company number (a string) as the SOAP integer it was, `None` when it is not one.
pub fn parse_company_number(text: Option<&str>) -> Option<i32> {
    text.map(str::trim).and_then(|t| t.parse().ok()).filter(|n| *n != 0)
}

/// Which SOAP-era companies link to which venue REST company.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompanyLinks {
    pub linked: BTreeMap<i32, Uuid>,
    /// SOAP-era companies left unlinked: their numbers disagree, are unknown or ambiguous.
    pub unlinked: BTreeSet<i32>,
}

/// Links each SOAP-era company of `soap` (every company with state) to the venue company with
/// its recorded number (`numbers`), see the module doc.
pub fn link_companies(soap: &BTreeSet<i32>, numbers: &[CompanyIdentity], venues: &[RestCompanyNumber]) -> CompanyLinks {
    let number_of: BTreeMap<i32, i32> = numbers.iter().map(|c| (c.company_id, c.company_number)).collect();
    let mut claims: BTreeMap<Uuid, Vec<i32>> = BTreeMap::new();
    let mut out = CompanyLinks::default();
    for &company in soap {
        let by_number: Vec<Uuid> = match number_of.get(&company) {
            Some(n) => venues.iter().filter(|v| v.number == Some(*n)).map(|v| v.id).collect::<BTreeSet<_>>(),
            None => BTreeSet::new(),
        }
        .into_iter()
        .collect();
        match by_number[..] {
            [one] => claims.entry(one).or_default().push(company),
            _ => {
                out.unlinked.insert(company);
            }
        }
    }
    for (rest, companies) in claims {
        match companies[..] {
            [one] => {
                out.linked.insert(one, rest);
            }
            _ => out.unlinked.extend(companies),
        }
    }
    out
}

/// A BSN's keyed hash with the id of the ring key it was made under.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeyedHash {
    pub key_id: String,
    pub hmac: [u8; 32],
}

/// A SOAP-era employee as recorded (`nmbrs_employee_identities`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SoapEmployee {
    pub id: i32,
    pub number: Option<i32>,
    pub bsn: Option<KeyedHash>,
}

/// A REST employee of the same company: its number and its BSN hashed under each ring key the
/// SOAP-era rows use (none when REST has no BSN for it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestEmployeeFacts {
    pub id: Uuid,
    pub number: Option<i32>,
    pub bsns: Vec<KeyedHash>,
}

/// How an employee was linked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkedBy {
    Bsn,
    Number,
}

/// Links the SOAP-era employees of one company to its REST employees (module doc). Absent
/// from the answer: unlinked.
pub fn link_employees(soap: &[SoapEmployee], rest: &[RestEmployeeFacts]) -> BTreeMap<i32, (Uuid, LinkedBy)> {
    let count_soap = |n: i32| soap.iter().filter(|s| s.number == Some(n)).count();
    let mut claims: BTreeMap<Uuid, Vec<(i32, LinkedBy)>> = BTreeMap::new();
    for s in soap {
        let by_bsn: Vec<&RestEmployeeFacts> = match &s.bsn {
            Some(h) => rest.iter().filter(|r| r.bsns.contains(h)).collect(),
            None => Vec::new(),
        };
        let found = match by_bsn[..] {
            [one] => Some((one.id, LinkedBy::Bsn)),
            [] => s.number.filter(|n| count_soap(*n) == 1).and_then(|n| {
                let same: Vec<&RestEmployeeFacts> = rest.iter().filter(|r| r.number == Some(n)).collect();
                match same[..] {
                    [one] if !contradicts(s.bsn.as_ref(), one) => Some((one.id, LinkedBy::Number)),
                    _ => None,
                }
            }),
            _ => {
                let narrowed: Vec<&&RestEmployeeFacts> =
                    by_bsn.iter().filter(|r| s.number.is_some() && r.number == s.number).collect();
                match narrowed[..] {
                    [one] => Some((one.id, LinkedBy::Bsn)),
                    _ => None,
                }
            }
        };
        if let Some((id, by)) = found {
            claims.entry(id).or_default().push((s.id, by));
        }
    }
    claims
        .into_iter()
        .filter_map(|(rest, soap)| matches!(soap[..], [_]).then(|| (soap[0].0, (rest, soap[0].1))))
        .collect()
}

/// A REST employee contradicts a recorded hash when it has a BSN under the same key that differs.
fn contradicts(recorded: Option<&KeyedHash>, rest: &RestEmployeeFacts) -> bool {
    recorded.is_some_and(|h| rest.bsns.iter().any(|b| b.key_id == h.key_id && b.hmac != h.hmac))
}

/// Whether `period` is not closed for a company whose current (first unclosed) period is
/// `current`; closed periods keep their SOAP rows as history.
pub fn period_is_open(period: PayPeriod, current: PayPeriod) -> bool {
    period >= current
}

/// A component line of the bucket's kind and code in its employee's period, read through REST.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestLine {
    pub id: Uuid,
    pub value: Decimal,
    pub comment: Option<String>,
}

/// What a bucket row holds for the relink (SOAP ids, `export_buckets`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SoapBucket {
    /// SOAP ids of the worker's components.
    pub owned: Vec<i32>,
    pub owned_marker: Option<InsertMarker>,
    pub applied: Decimal,
    /// A pending insert's value (stage `insert_sent` / `in_doubt`).
    pub pending: Option<Decimal>,
    /// The insert intent kept with its marker (pending, or kept for a retry).
    pub intent: Option<MarkedIntent>,
}

/// The relink's verdict on one bucket of an open period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComponentVerdict {
    /// Nothing of the worker's is (or may be) in Nmbrs: only the ids change.
    Nothing,
    /// The owned component is this REST line (SOAP id → REST id).
    Adopted { soap: i32, rest: Uuid },
    /// The pending insert landed as this line (as a read-back adopting it).
    Landed(Uuid),
    /// The pending insert carries a marker found on no line: it did not land.
    NotLanded,
    /// Zero or several candidates: in doubt, for a person.
    InDoubt,
}

/// Decides one bucket from the lines of its code in its period (module doc).
pub fn relink_component(bucket: &SoapBucket, lines: &[RestLine]) -> ComponentVerdict {
    let with_marker = |m: &InsertMarker| -> Vec<Uuid> {
        lines.iter().filter(|l| l.comment.as_deref().and_then(find_in).as_ref() == Some(m)).map(|l| l.id).collect()
    };
    if bucket.pending.is_some() {
        return match bucket.intent.as_ref().map(|i| with_marker(&i.marker)).as_deref() {
            Some([one]) => ComponentVerdict::Landed(*one),
            Some([]) => ComponentVerdict::NotLanded,
            _ => ComponentVerdict::InDoubt,
        };
    }
    let [soap] = bucket.owned[..] else {
        return if bucket.owned.is_empty() { ComponentVerdict::Nothing } else { ComponentVerdict::InDoubt };
    };
    let candidates = match &bucket.owned_marker {
        Some(m) => with_marker(m),
        None => lines
            .iter()
            .filter(|l| l.value == bucket.applied && l.comment.as_deref().is_some_and(is_pre_marker_comment))
            .map(|l| l.id)
            .collect(),
    };
    match candidates[..] {
        [rest] => ComponentVerdict::Adopted { soap, rest },
        _ => ComponentVerdict::InDoubt,
    }
}

/// The verdict on a bucket whose company or employee could not be relinked: in doubt when
/// something of the worker's is (or may be) in Nmbrs, else nothing to do.
pub fn unlinked_verdict(bucket: &SoapBucket) -> ComponentVerdict {
    match bucket.owned.is_empty() && bucket.pending.is_none() {
        true => ComponentVerdict::Nothing,
        false => ComponentVerdict::InDoubt,
    }
}

/// A bucket row's columns after the relink (besides its key), CONTRACT §5.4.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowAfter {
    pub stage: Stage,
    pub applied: Decimal,
    pub owned: Vec<NmbrsId>,
    pub pending: Option<Decimal>,
    pub intent: Option<MarkedIntent>,
    pub owned_marker: Option<InsertMarker>,
}

/// The row after `verdict`, from its stage and contents before:
/// - `Nothing`: unchanged (no component ids to rewrite);
/// - `Adopted`: owns the REST line instead of the SOAP one;
/// - `Landed` / `NotLanded`: as a read-back would resolve the pending insert (`to_write`);
/// - `InDoubt`: stage `in_doubt` for a person (`in-doubt list` / `resolve`). A pending insert
///   stays as it is; an owned component whose line was not found becomes a pending insert of
///   its value (owning nothing), carrying its marker when it had one, so that `resolve
///   --landed-as <REST id>` adopts the line and `--not-landed` lets the next export insert.
pub fn row_after(stage: Stage, bucket: &SoapBucket, verdict: &ComponentVerdict) -> RowAfter {
    let same = RowAfter {
        stage,
        applied: bucket.applied,
        owned: bucket.owned.iter().map(|&id| NmbrsId::Int(id)).collect(),
        pending: bucket.pending,
        intent: bucket.intent.clone(),
        owned_marker: bucket.owned_marker.clone(),
    };
    match verdict {
        ComponentVerdict::Nothing => same,
        ComponentVerdict::Adopted { rest, .. } => RowAfter { owned: vec![NmbrsId::Uuid(*rest)], ..same },
        ComponentVerdict::Landed(id) => RowAfter {
            stage: Stage::ToWrite,
            applied: bucket.applied + bucket.pending.unwrap_or_default(),
            owned: vec![NmbrsId::Uuid(*id)],
            pending: None,
            intent: None,
            owned_marker: bucket.intent.as_ref().map(|i| i.marker.clone()),
        },
        ComponentVerdict::NotLanded => RowAfter { stage: Stage::ToWrite, pending: None, ..same },
        ComponentVerdict::InDoubt if bucket.pending.is_some() => RowAfter { stage: Stage::InDoubt, ..same },
        ComponentVerdict::InDoubt => RowAfter {
            stage: Stage::InDoubt,
            applied: Decimal::ZERO,
            owned: Vec::new(),
            pending: Some(bucket.applied),
            intent: bucket.owned_marker.clone().map(|marker| MarkedIntent { marker, value: bucket.applied }),
            owned_marker: None,
        },
    }
}

/// The comment the worker wrote before markers existed: exactly [`WORKER_COMMENT`].
fn is_pre_marker_comment(comment: &str) -> bool {
    comment.trim().eq_ignore_ascii_case(WORKER_COMMENT) && find_in(comment).is_none()
}

#[cfg(test)]
#[path = "relink_tests.rs"]
mod tests;
