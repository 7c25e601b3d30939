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
mod tests {
    use super::*;

    fn uuid(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn venue(id: u128, number: Option<i32>) -> RestCompanyNumber {
        RestCompanyNumber { id: uuid(id), number }
    }

    fn numbered(company_id: i32, company_number: i32) -> CompanyIdentity {
        CompanyIdentity { company_id, company_number }
    }

    #[test]
    fn companies_link_by_number_and_disagreeing_or_ambiguous_numbers_stay_unlinked() {
        let soap = BTreeSet::from([1, 2, 3, 4, 5, 6]);
        let numbers = [numbered(1, 10), numbered(2, 20), numbered(3, 30), numbered(5, 50), numbered(6, 50)];
        let venues = [venue(100, Some(10)), venue(200, Some(21)), venue(300, Some(30)), venue(301, Some(30))];
        let venues = [&venues[..], &[venue(500, Some(50))]].concat();
        let links = link_companies(&soap, &numbers, &venues);
        assert_eq!(links.linked, BTreeMap::from([(1, uuid(100))]));
        // 2: numbers disagree; 3: two venue companies with 30; 4: no number recorded; 5 and 6
        // both claim 500.
        assert_eq!(links.unlinked, BTreeSet::from([2, 3, 4, 5, 6]));
        assert_eq!(parse_company_number(Some(" 54613 ")), Some(54613));
        assert_eq!(parse_company_number(Some("A-1")), None);
        assert_eq!(parse_company_number(None), None);
    }

    fn hash(key: &str, byte: u8) -> KeyedHash {
        KeyedHash { key_id: key.into(), hmac: [byte; 32] }
    }

    fn soap(id: i32, number: Option<i32>, bsn: Option<KeyedHash>) -> SoapEmployee {
        SoapEmployee { id, number, bsn }
    }

    fn rest(id: u128, number: Option<i32>, bsns: Vec<KeyedHash>) -> RestEmployeeFacts {
        RestEmployeeFacts { id: uuid(id), number, bsns }
    }

    #[test]
    fn employees_link_by_bsn_hash_first() {
        let soap = [soap(1, Some(7), Some(hash("k1", 1)))];
        // The number points elsewhere; the BSN decides.
        let rest = [rest(10, Some(8), vec![hash("k1", 1)]), rest(11, Some(7), vec![hash("k1", 2)])];
        assert_eq!(link_employees(&soap, &rest), BTreeMap::from([(1, (uuid(10), LinkedBy::Bsn))]));
    }

    #[test]
    fn a_bsn_shared_by_two_rest_employees_is_narrowed_by_number_or_left_unlinked() {
        let rest = [rest(10, Some(7), vec![hash("k1", 1)]), rest(11, Some(8), vec![hash("k1", 1)])];
        let narrowed = [soap(1, Some(8), Some(hash("k1", 1)))];
        assert_eq!(link_employees(&narrowed, &rest), BTreeMap::from([(1, (uuid(11), LinkedBy::Bsn))]));
        let unnumbered = [soap(1, None, Some(hash("k1", 1)))];
        assert!(link_employees(&unnumbered, &rest).is_empty());
    }

    #[test]
    fn without_a_bsn_match_the_number_links_only_when_unique_on_both_sides_and_not_contradicted() {
        let rest = [
            rest(10, Some(7), vec![]),
            rest(11, Some(8), vec![]),
            rest(12, Some(8), vec![]),
            rest(13, Some(9), vec![hash("k1", 9)]),
            rest(14, Some(5), vec![]),
        ];
        let soaps = [
            soap(1, Some(7), None),                // unique both sides
            soap(2, Some(8), None),                // two REST employees with 8
            soap(3, Some(9), Some(hash("k1", 3))), // REST 13 has another BSN under k1
            soap(4, Some(5), None),                // two SOAP employees with 5
            soap(5, Some(5), None),
            soap(6, None, None), // nothing to go by
        ];
        assert_eq!(link_employees(&soaps, &rest), BTreeMap::from([(1, (uuid(10), LinkedBy::Number))]));
        // A hash under another key does not contradict.
        let other_key = [soap(3, Some(9), Some(hash("k0", 3)))];
        assert_eq!(link_employees(&other_key, &rest[3..4]), BTreeMap::from([(3, (uuid(13), LinkedBy::Number))]));
    }

    #[test]
    fn a_rest_employee_claimed_twice_links_neither() {
        let soap = [soap(1, Some(7), Some(hash("k1", 1))), soap(2, Some(8), Some(hash("k1", 1)))];
        let rest = [rest(10, Some(9), vec![hash("k1", 1)])];
        assert!(link_employees(&soap, &rest).is_empty());
    }

    #[test]
    fn closed_periods_are_those_before_the_current_one() {
        let current = PayPeriod::new(2026, 11);
        assert!(period_is_open(PayPeriod::new(2026, 11), current));
        assert!(period_is_open(PayPeriod::new(2027, 1), current));
        assert!(!period_is_open(PayPeriod::new(2026, 10), current));
        assert!(!period_is_open(PayPeriod::new(2025, 12), current));
    }

    fn marker(n: u8) -> InsertMarker {
        InsertMarker::from_random([n; 8])
    }

    fn line(id: u128, value: &str, comment: Option<&str>) -> RestLine {
        RestLine { id: uuid(id), value: d(value), comment: comment.map(str::to_owned) }
    }

    fn owned(id: i32, value: &str, marker: Option<InsertMarker>) -> SoapBucket {
        SoapBucket { owned: vec![id], owned_marker: marker, applied: d(value), pending: None, intent: None }
    }

    fn pending(value: &str, marker: Option<InsertMarker>) -> SoapBucket {
        let intent = marker.map(|marker| MarkedIntent { marker, value: d(value) });
        SoapBucket { owned: vec![], owned_marker: None, applied: d("0"), pending: Some(d(value)), intent }
    }

    #[test]
    fn an_owned_component_is_found_by_its_marker_and_a_persons_identical_line_never() {
        let m = marker(1);
        let lines = [
            line(1, "7.5", Some("correction by the accountant")),
            line(2, "7.5", Some(&m.comment())),
            line(3, "7.5", Some(&marker(2).comment())),
            line(4, "7.5", None),
        ];
        assert_eq!(
            relink_component(&owned(50, "7.5", Some(m.clone())), &lines),
            ComponentVerdict::Adopted { soap: 50, rest: uuid(2) }
        );
        assert_eq!(relink_component(&owned(50, "7.5", Some(m.clone())), &lines[..1]), ComponentVerdict::InDoubt);
        let twice = [line(2, "7.5", Some(&m.comment())), line(5, "1", Some(&format!("copy {}", m.comment())))];
        assert_eq!(relink_component(&owned(50, "7.5", Some(m)), &twice), ComponentVerdict::InDoubt);
    }

    #[test]
    fn a_component_from_before_markers_is_adopted_only_as_the_one_line_with_its_value_and_the_workers_comment() {
        let old = owned(50, "7.5", None);
        let person = line(1, "7.5", Some("correction by the accountant"));
        let marked = line(2, "7.5", Some(&marker(3).comment()));
        let ours = line(3, "7.5", Some("Eitje hours export"));
        let other_value = line(4, "6", Some("Eitje hours export"));
        let one = [person.clone(), marked.clone(), ours.clone(), other_value.clone()];
        assert_eq!(relink_component(&old, &one), ComponentVerdict::Adopted { soap: 50, rest: uuid(3) });
        let two = [ours.clone(), line(5, "7.50", Some(" Eitje hours export "))];
        assert_eq!(relink_component(&old, &two), ComponentVerdict::InDoubt, "two candidates");
        assert_eq!(relink_component(&old, &[person, marked, other_value]), ComponentVerdict::InDoubt, "none");
        assert_eq!(relink_component(&old, &[]), ComponentVerdict::InDoubt, "none at all");
    }

    #[test]
    fn buckets_without_or_with_several_components_and_pending_inserts() {
        let none = SoapBucket { owned: vec![], owned_marker: None, applied: d("0"), pending: None, intent: None };
        assert_eq!(relink_component(&none, &[]), ComponentVerdict::Nothing);
        let several = SoapBucket { owned: vec![1, 2], applied: d("3"), ..none };
        assert_eq!(relink_component(&several, &[]), ComponentVerdict::InDoubt);

        let m = marker(4);
        let pending = |marker| pending("2", marker);
        let landed = [line(1, "2", Some(&m.comment())), line(2, "2", Some("Eitje hours export"))];
        assert_eq!(relink_component(&pending(Some(m.clone())), &landed), ComponentVerdict::Landed(uuid(1)));
        assert_eq!(relink_component(&pending(Some(m.clone())), &landed[1..]), ComponentVerdict::NotLanded);
        let twice = [landed[0].clone(), line(3, "2", Some(&m.comment()))];
        assert_eq!(relink_component(&pending(Some(m)), &twice), ComponentVerdict::InDoubt);
        assert_eq!(relink_component(&pending(None), &landed), ComponentVerdict::InDoubt, "no marker to go by");
    }

    #[test]
    fn rows_after_the_relink_own_the_rest_line_or_wait_in_doubt_for_a_person() {
        let m = marker(5);
        let rest = uuid(9);
        let settled = owned(50, "7.5", Some(m.clone()));
        let adopted = row_after(Stage::Settled, &settled, &ComponentVerdict::Adopted { soap: 50, rest });
        assert_eq!(
            (adopted.stage, adopted.owned, adopted.applied),
            (Stage::Settled, vec![NmbrsId::Uuid(rest)], d("7.5"))
        );
        assert_eq!(adopted.owned_marker, Some(m.clone()));

        let doubt = row_after(Stage::ToWrite, &settled, &ComponentVerdict::InDoubt);
        let want = RowAfter {
            stage: Stage::InDoubt,
            applied: d("0"),
            owned: vec![],
            pending: Some(d("7.5")),
            intent: Some(MarkedIntent { marker: m.clone(), value: d("7.5") }),
            owned_marker: None,
        };
        assert_eq!(doubt, want, "an insert of its value, to resolve with the line's REST id");
        let old = row_after(Stage::Settled, &owned(50, "7.5", None), &ComponentVerdict::InDoubt);
        assert_eq!((old.pending, old.intent), (Some(d("7.5")), None), "no marker to name");

        let sent = pending("2", Some(m.clone()));
        let landed = row_after(Stage::InsertSent, &sent, &ComponentVerdict::Landed(rest));
        assert_eq!((landed.stage, landed.applied, landed.pending, landed.intent), (Stage::ToWrite, d("2"), None, None));
        assert_eq!((landed.owned, landed.owned_marker), (vec![NmbrsId::Uuid(rest)], Some(m.clone())));
        let not = row_after(Stage::InsertSent, &sent, &ComponentVerdict::NotLanded);
        assert_eq!((not.stage, not.pending, not.owned), (Stage::ToWrite, None, vec![]));
        assert_eq!(not.intent, sent.intent, "the retry sends the same marker");
        let stays = row_after(Stage::InsertSent, &sent, &ComponentVerdict::InDoubt);
        assert_eq!((stays.stage, stays.pending, stays.intent), (Stage::InDoubt, Some(d("2")), sent.intent.clone()));

        assert_eq!(unlinked_verdict(&settled), ComponentVerdict::InDoubt);
        assert_eq!(unlinked_verdict(&sent), ComponentVerdict::InDoubt);
        let empty = SoapBucket { owned: vec![], owned_marker: None, applied: d("0"), pending: None, intent: None };
        assert_eq!(unlinked_verdict(&empty), ComponentVerdict::Nothing);
        assert_eq!(row_after(Stage::Cleared, &empty, &ComponentVerdict::Nothing).stage, Stage::Cleared);
    }
}
