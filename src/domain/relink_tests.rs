//! The tests of `relink.rs`, in a file of their own so that neither file is over issue 17's 450
//! lines.

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
    assert_eq!((adopted.stage, adopted.owned, adopted.applied), (Stage::Settled, vec![NmbrsId::Uuid(rest)], d("7.5")));
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
