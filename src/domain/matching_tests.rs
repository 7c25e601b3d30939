//! The tests of `matching.rs`, in a file of their own so that neither file is over issue 17's 450
//! lines.

use proptest::prelude::*;

use super::*;

fn cand(id: i32, bsn: Option<&str>, emails: &[&str]) -> Candidate {
    Candidate {
        nmbrs_employee_id: EmployeeId::int(id),
        bsn: bsn.and_then(Bsn::parse),
        emails: emails.iter().map(|e| e.to_string()).collect(),
    }
}

fn member(user: &str, id: Option<i32>, bsn: Option<&str>, email: Option<&str>) -> RosterMember {
    RosterMember {
        eitje_user_id: user.into(),
        email: email.map(str::to_owned),
        bsn: bsn.and_then(Bsn::parse),
        nmbrs_employee_id: id.map(EmployeeId::int),
        active: true,
    }
}

fn matched(id: i32, user: Option<&str>, by: MatchedBy) -> Matched {
    Matched { nmbrs_employee_id: EmployeeId::int(id), eitje_user_id: user.map(str::to_owned), matched_by: by }
}

fn ambiguity(ids: &[i32], users: &[&str]) -> Ambiguity {
    Ambiguity {
        nmbrs_employee_ids: ids.iter().map(|&i| EmployeeId::int(i)).collect(),
        eitje_user_ids: users.iter().map(|u| u.to_string()).collect(),
    }
}

#[test]
fn matches_by_id_then_bsn_then_email_else_new() {
    let cands = [
        cand(1, Some("123456782"), &["a@x.nl"]),
        cand(2, Some("111222333"), &["b@x.nl"]),
        cand(3, None, &["work@x.nl", "Priv@X.nl"]),
        cand(4, Some("999888777"), &["d@x.nl"]),
    ];
    let roster = [
        member("u-1", Some(1), None, None),
        member("u-2", None, Some("111 222 333"), Some("other@x.nl")),
        member("u-3", None, None, Some("  priv@x.NL ")),
    ];
    let m = match_members(&cands, &roster);
    assert!(m.ambiguities.is_empty());
    assert_eq!(
        m.matched,
        vec![
            matched(1, Some("u-1"), MatchedBy::NmbrsId),
            matched(2, Some("u-2"), MatchedBy::Bsn),
            matched(3, Some("u-3"), MatchedBy::Email),
            matched(4, None, MatchedBy::New),
        ]
    );
}

#[test]
fn the_first_level_that_finds_a_member_decides() {
    // u-2 carries the employee's BSN, but u-1 is linked by id: id wins, u-2 is not involved.
    let cands = [cand(1, Some("123456782"), &["a@x.nl"])];
    let roster = [member("u-1", Some(1), None, None), member("u-2", None, Some("123456782"), Some("a@x.nl"))];
    let m = match_members(&cands, &roster);
    assert_eq!(m.matched, vec![matched(1, Some("u-1"), MatchedBy::NmbrsId)]);
    assert!(m.ambiguities.is_empty());
}

#[test]
fn bsn_is_compared_normalized() {
    let m = match_members(&[cand(1, Some("012345678"), &[])], &[member("u-1", None, Some("12345678"), None)]);
    assert_eq!(m.matched, vec![matched(1, Some("u-1"), MatchedBy::Bsn)]);
    let m = match_members(&[cand(1, Some("000000000"), &[])], &[member("u-1", None, Some("000000000"), None)]);
    assert_eq!(m.matched, vec![matched(1, None, MatchedBy::New)]);
}

#[test]
fn emails_fold_ascii_case_only_so_distinct_addresses_never_merge() {
    assert_eq!(normalize_email(" Emma@Catering.EXAMPLE "), Some("emma@catering.example".into()));
    // Each lower-cases (Unicode) to an ASCII or other address it is not.
    for (odd, plain) in [
        ("\u{212A}im@x.nl", "kim@x.nl"),
        ("\u{212B}sa@x.nl", "\u{e5}sa@x.nl"),
        ("\u{130}lse@x.nl", "i\u{307}lse@x.nl"),
        ("\u{2126}mega@x.nl", "\u{3c9}mega@x.nl"),
    ] {
        assert_ne!(normalize_email(odd), normalize_email(plain), "{odd:?} ~ {plain:?}");
    }
    let m = match_members(
        &[cand(1, None, &["kim@x.nl"])],
        &[member("u-impostor", None, None, Some("\u{212A}IM@X.NL")), member("u-kim", None, None, Some("KIM@x.nl"))],
    );
    assert_eq!(m.matched, vec![matched(1, Some("u-kim"), MatchedBy::Email)]);
    assert!(m.ambiguities.is_empty());
}

#[test]
fn inactive_members_still_match() {
    let mut returning = member("u-1", None, None, Some("a@x.nl"));
    returning.active = false;
    let m = match_members(&[cand(1, None, &["A@x.nl"])], &[returning]);
    assert_eq!(m.matched, vec![matched(1, Some("u-1"), MatchedBy::Email)]);
}

#[test]
fn blank_emails_match_nothing() {
    let m = match_members(&[cand(1, None, &["  ", ""])], &[member("u-1", None, None, Some(" "))]);
    assert_eq!(m.matched, vec![matched(1, None, MatchedBy::New)]);
}

#[test]
fn two_members_for_one_employee_at_any_level_are_ambiguous() {
    let cases = [
        vec![member("u-1", Some(1), None, None), member("u-2", Some(1), None, None)],
        vec![member("u-1", None, Some("123456782"), None), member("u-2", None, Some("123456782"), None)],
        vec![member("u-1", None, None, Some("a@x.nl")), member("u-2", None, None, Some("p@x.nl"))],
    ];
    for roster in cases {
        let m = match_members(&[cand(1, Some("123456782"), &["a@x.nl", "p@x.nl"]), cand(9, None, &[])], &roster);
        assert_eq!(m.ambiguities, vec![ambiguity(&[1], &["u-1", "u-2"])], "{roster:?}");
        assert_eq!(m.matched, vec![matched(9, None, MatchedBy::New)]);
    }
}

#[test]
fn one_member_for_two_employees_is_ambiguous() {
    // Both employees give the same private address.
    let roster = [member("u-1", None, None, Some("home@x.nl"))];
    let m = match_members(&[cand(1, None, &["home@x.nl"]), cand(2, None, &["w@x.nl", "HOME@x.nl"])], &roster);
    assert_eq!(m.ambiguities, vec![ambiguity(&[1, 2], &["u-1"])]);
    assert!(m.matched.is_empty());
    // Found by BSN for one employee and by e-mail for the other.
    let roster = [member("u-1", None, Some("123456782"), Some("home@x.nl"))];
    let m = match_members(&[cand(1, Some("123456782"), &[]), cand(2, None, &["home@x.nl"])], &roster);
    assert_eq!(m.ambiguities, vec![ambiguity(&[1, 2], &["u-1"])]);
    assert!(m.matched.is_empty());
}

#[test]
fn a_member_linked_by_id_is_not_taken_by_another_employee() {
    // u-1 is linked to 1 but its BSN is that of employee 2.
    let roster = [member("u-1", Some(1), Some("123456782"), None)];
    let m = match_members(&[cand(1, None, &[]), cand(2, Some("123456782"), &[])], &roster);
    assert_eq!(m.ambiguities, vec![ambiguity(&[1, 2], &["u-1"])]);
    assert!(m.matched.is_empty());
}

#[test]
fn a_member_linked_to_an_employee_not_imported_is_ambiguous_with_its_bsn_match() {
    // Rehired under a new employee id 7; u-1 still points to 5.
    let roster = [member("u-1", Some(5), None, Some("a@x.nl"))];
    let m = match_members(&[cand(7, None, &["a@x.nl"])], &roster);
    assert_eq!(m.ambiguities, vec![ambiguity(&[5, 7], &["u-1"])]);
    assert!(m.matched.is_empty());
}

#[test]
fn an_ambiguity_leaves_unrelated_matches_alone() {
    let roster = [
        member("u-1", None, None, Some("shared@x.nl")),
        member("u-2", None, None, Some("shared@x.nl")),
        member("u-3", Some(3), None, None),
    ];
    let m = match_members(&[cand(1, None, &["shared@x.nl"]), cand(3, None, &["shared@x.nl"])], &roster);
    assert_eq!(m.ambiguities, vec![ambiguity(&[1], &["u-1", "u-2"])]);
    assert_eq!(m.matched, vec![matched(3, Some("u-3"), MatchedBy::NmbrsId)]);
}

#[test]
fn duplicate_roster_entries_count_once() {
    let roster = [member("u-1", None, None, Some("a@x.nl")), member("u-1", None, None, Some("a@x.nl"))];
    let m = match_members(&[cand(1, None, &["a@x.nl"])], &roster);
    assert_eq!(m.matched, vec![matched(1, Some("u-1"), MatchedBy::Email)]);
}

#[test]
fn debug_hides_bsn() {
    let m = member("u-1", Some(1), Some("123456782"), None);
    assert!(!format!("{m:?}").contains("123456782"));
    let c = cand(1, Some("123456782"), &[]);
    assert!(!format!("{c:?}").contains("123456782"));
}

#[test]
fn roster_member_reads_the_contract_shape() {
    let m: RosterMember = serde_json::from_value(serde_json::json!(
        {"eitje_user_id": "u-1", "email": "a@b.nl", "bsn": "123456782", "nmbrs_employee_id": 503293, "active": true}
    ))
    .unwrap();
    assert_eq!(m, member("u-1", Some(503293), Some("123456782"), Some("a@b.nl")));
    let m: RosterMember = serde_json::from_value(serde_json::json!({"eitje_user_id": "u-2", "active": false})).unwrap();
    assert_eq!((m.email, m.bsn, m.nmbrs_employee_id, m.active), (None, None, None, false));
}

#[test]
fn matched_by_serializes_as_the_event_enum() {
    for by in [MatchedBy::NmbrsId, MatchedBy::Bsn, MatchedBy::Email, MatchedBy::New] {
        assert_eq!(serde_json::to_value(by).unwrap(), serde_json::json!(by.as_str()));
    }
}

// Small pools so that keys collide often.
const BSNS: [&str; 3] = ["123456782", "111222333", "12345678"];
const EMAILS: [&str; 4] = ["a@x.nl", "b@x.nl", "c@x.nl", "d@x.nl"];

fn arb_candidates() -> impl Strategy<Value = Vec<Candidate>> {
    proptest::collection::btree_map(
        1i32..10,
        (proptest::option::of(0usize..3), proptest::collection::vec(0usize..4, 0..3)),
        0..7,
    )
    .prop_map(|m| {
        m.into_iter()
            .map(|(id, (bsn, emails))| Candidate {
                nmbrs_employee_id: EmployeeId::int(id),
                bsn: bsn.and_then(|b| Bsn::parse(BSNS[b])),
                emails: emails.into_iter().map(|e| EMAILS[e].to_owned()).collect(),
            })
            .collect()
    })
}

fn arb_roster() -> impl Strategy<Value = Vec<RosterMember>> {
    proptest::collection::vec(
        (
            proptest::option::of(1i32..12),
            proptest::option::of(0usize..3),
            proptest::option::of(0usize..4),
            any::<bool>(),
            any::<bool>(),
        ),
        0..8,
    )
    .prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (id, bsn, email, active, shout))| RosterMember {
                eitje_user_id: format!("u-{i}"),
                email: email
                    .map(|e| if shout { format!(" {} ", EMAILS[e].to_uppercase()) } else { EMAILS[e].to_owned() }),
                bsn: bsn.and_then(|b| Bsn::parse(BSNS[b])),
                nmbrs_employee_id: id.map(EmployeeId::int),
                active,
            })
            .collect()
    })
}

fn arb_case() -> impl Strategy<Value = (Vec<Candidate>, Vec<RosterMember>, Vec<Candidate>, Vec<RosterMember>)> {
    (arb_candidates(), arb_roster())
        .prop_flat_map(|(c, r)| (Just(c.clone()), Just(r.clone()), Just(c).prop_shuffle(), Just(r).prop_shuffle()))
}

proptest! {
    #[test]
    fn order_does_not_matter((c, r, c2, r2) in arb_case()) {
        prop_assert_eq!(match_members(&c, &r), match_members(&c2, &r2));
    }

    #[test]
    fn every_pair_satisfies_its_rule_and_members_are_used_once((c, r, _c2, _r2) in arb_case()) {
        let m = match_members(&c, &r);
        let mut users = BTreeSet::new();
        for pair in &m.matched {
            let cand = c.iter().find(|x| x.nmbrs_employee_id == pair.nmbrs_employee_id).unwrap();
            let Some(user) = &pair.eitje_user_id else {
                prop_assert_eq!(pair.matched_by, MatchedBy::New);
                continue;
            };
            prop_assert!(users.insert(user.clone()), "member {} matched twice", user);
            let mem = r.iter().find(|x| &x.eitje_user_id == user).unwrap();
            match pair.matched_by {
                MatchedBy::NmbrsId => prop_assert_eq!(mem.nmbrs_employee_id, Some(cand.nmbrs_employee_id)),
                MatchedBy::Bsn => {
                    prop_assert!(mem.bsn.is_some());
                    prop_assert_eq!(&mem.bsn, &cand.bsn);
                }
                MatchedBy::Email => {
                    let e = mem.email.as_deref().and_then(normalize_email).unwrap();
                    prop_assert!(cand.emails.iter().any(|x| normalize_email(x).as_ref() == Some(&e)));
                }
                MatchedBy::New => prop_assert!(false, "new with a member"),
            }
            // Not by BSN or e-mail a member linked elsewhere.
            if pair.matched_by != MatchedBy::NmbrsId {
                prop_assert_eq!(mem.nmbrs_employee_id, None);
            }
        }
        // Every candidate is either matched or named in exactly one ambiguity.
        for cand in &c {
            let id = cand.nmbrs_employee_id;
            let in_matched = m.matched.iter().filter(|x| x.nmbrs_employee_id == id).count();
            let in_amb = m.ambiguities.iter().filter(|a| a.nmbrs_employee_ids.contains(&id)).count();
            prop_assert_eq!(in_matched + in_amb, 1, "candidate {}", id);
        }
        for a in &m.ambiguities {
            prop_assert!(!a.eitje_user_ids.is_empty());
            prop_assert!(a.nmbrs_employee_ids.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(a.eitje_user_ids.windows(2).all(|w| w[0] < w[1]));
        }
        prop_assert!(m.matched.windows(2).all(|w| w[0].nmbrs_employee_id < w[1].nmbrs_employee_id));
    }

    /// A matched member is the only one at its deciding level: nothing ambiguous is merged.
    #[test]
    fn matched_members_are_alone_at_their_level((c, r, _c2, _r2) in arb_case()) {
        let m = match_members(&c, &r);
        for pair in m.matched.iter().filter(|p| p.matched_by != MatchedBy::New) {
            let cand = c.iter().find(|x| x.nmbrs_employee_id == pair.nmbrs_employee_id).unwrap();
            let bsn = cand.bsn.clone();
            let emails: Vec<String> = cand.emails.iter().filter_map(|e| normalize_email(e)).collect();
            let found: BTreeSet<&String> = r.iter().filter(|x| match pair.matched_by {
                MatchedBy::NmbrsId => x.nmbrs_employee_id == Some(cand.nmbrs_employee_id),
                MatchedBy::Bsn => bsn.is_some() && x.bsn == bsn,
                _ => x.email.as_deref().and_then(normalize_email).is_some_and(|e| emails.contains(&e)),
            }).map(|x| &x.eitje_user_id).collect();
            prop_assert_eq!(found.len(), 1);
        }
    }
}
