//! Who is who: matching imported Nmbrs employees to Eitje's roster (CONTRACT §2.3 step 3).
//!
//! Each candidate (an imported employee) is matched at the first rule level that finds any
//! member, and only at that level:
//! 1. **Nmbrs id**: members whose `nmbrs_employee_id` is the employee's id;
//! 2. else **BSN**: members whose BSN equals the employee's, both a [`Bsn`] (digits only; an
//!    8-digit BSN gets its leading zero back; anything else than 8 or 9 digits, or all zeros, is
//!    no BSN and matches nothing);
//! 3. else **e-mail**: members whose e-mail (trimmed, case-insensitive) equals either of the
//!    employee's two addresses (work and private).
//!
//! Decisions on edge cases:
//! - Inactive roster members (`active: false`) match like active ones: a returning employee keeps
//!   their Eitje account.
//! - Ambiguities are never merged silently, and an employee named in an ambiguity is not matched
//!   (the handler counts it as `ambiguous` and publishes nothing for it). Candidates and the
//!   members they found at their deciding level form a graph; every connected part that is not
//!   exactly one employee with at most one member is one [`Ambiguity`] naming all its employees
//!   and members. That covers (a) two members at the deciding level of one employee, (b) one
//!   member found by two employees (also at different levels: BSN for one, e-mail for the other),
//!   and (c) a member found by BSN or e-mail whose `nmbrs_employee_id` points to another employee
//!   (imported or not — a rehire under a new employee id is for a person to link): the ambiguity
//!   then also names the employee the member is linked to. Hence a member already matched by Nmbrs
//!   id is never assigned to a second employee by BSN or e-mail.
//! - A BSN or e-mail match is not blocked by a mismatch in the other key (a member with a typo in
//!   their BSN still matches by e-mail; Nmbrs is leading and the upsert corrects the BSN).
//! - Exact duplicate roster entries count once. Candidate ids are expected to be unique
//!   (`select_imports` guarantees it).
//! - The result depends on neither the roster order nor the candidate order.

use crate::domain::nmbrs::EmployeeId;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

pub use super::team::Bsn;

/// One member of Eitje's roster, as sent in the `SyncTeam` and `Deactivate` payloads.
/// Its BSN is a [`Bsn`] (a value that is no BSN reads as none).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RosterMember {
    /// An id (CONTRACT §2.2 Bounds: 1–200 bytes, printable).
    #[serde(deserialize_with = "crate::domain::bounded::id")]
    pub eitje_user_id: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "Bsn::deserialize_lenient")]
    pub bsn: Option<Bsn>,
    #[serde(default)]
    pub nmbrs_employee_id: Option<EmployeeId>,
    pub active: bool,
}

/// The match keys of one imported Nmbrs employee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub nmbrs_employee_id: EmployeeId,
    pub bsn: Option<Bsn>,
    /// Work and private address (either may be missing).
    pub emails: Vec<String>,
}

/// The rule that matched an employee to a member (`new`: none did).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    NmbrsId,
    Bsn,
    Email,
    New,
}

impl MatchedBy {
    /// The `matched_by` value of the `team_member.upserted` event.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchedBy::NmbrsId => "nmbrs_id",
            MatchedBy::Bsn => "bsn",
            MatchedBy::Email => "email",
            MatchedBy::New => "new",
        }
    }
}

/// An employee that is not ambiguous, with its member (none when `New`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    pub nmbrs_employee_id: EmployeeId,
    pub eitje_user_id: Option<String>,
    pub matched_by: MatchedBy,
}

/// Employees and members that cannot be paired without a person deciding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ambiguity {
    /// Sorted, deduplicated.
    pub nmbrs_employee_ids: Vec<EmployeeId>,
    /// Sorted, deduplicated.
    pub eitje_user_ids: Vec<String>,
}

/// The outcome of [`match_members`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Matching {
    /// One per candidate that is not ambiguous, sorted by `nmbrs_employee_id`.
    pub matched: Vec<Matched>,
    /// Sorted.
    pub ambiguities: Vec<Ambiguity>,
}

/// An e-mail address trimmed and lower-cased in ASCII only; `None` when empty.
///
/// Only ASCII letters are folded (issue 19 item 10): full Unicode lower-casing merges distinct
/// addresses (U+212A KELVIN SIGN becomes `k`, U+212B ANGSTROM SIGN `å`), so a roster member
/// could claim someone else's record. Two addresses that differ in any non-ASCII character
/// never match; at worst such a member is not matched by e-mail and shows up as `new`.
pub fn normalize_email(email: &str) -> Option<String> {
    let e = email.trim();
    (!e.is_empty()).then(|| e.to_ascii_lowercase())
}

/// Union-find over candidates and members.
struct Groups(Vec<usize>);

impl Groups {
    fn root(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }

    fn join(&mut self, a: usize, b: usize) {
        let (a, b) = (self.root(a), self.root(b));
        self.0[a.max(b)] = a.min(b);
    }
}

/// Matches each candidate to a roster member; see the module doc for the rules.
pub fn match_members(candidates: &[Candidate], roster: &[RosterMember]) -> Matching {
    let mut members: Vec<&RosterMember> = roster.iter().collect();
    members.sort_by(|a, b| {
        (&a.eitje_user_id, a.nmbrs_employee_id, &a.bsn, &a.email, a.active).cmp(&(
            &b.eitje_user_id,
            b.nmbrs_employee_id,
            &b.bsn,
            &b.email,
            b.active,
        ))
    });
    members.dedup();
    let mut cands: Vec<&Candidate> = candidates.iter().collect();
    cands.sort_by(|a, b| (a.nmbrs_employee_id, &a.bsn, &a.emails).cmp(&(b.nmbrs_employee_id, &b.bsn, &b.emails)));
    cands.dedup();

    let mut by_id: HashMap<EmployeeId, Vec<usize>> = HashMap::new();
    let mut by_bsn: HashMap<&Bsn, Vec<usize>> = HashMap::new();
    let mut by_email: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, m) in members.iter().enumerate() {
        if let Some(id) = m.nmbrs_employee_id {
            by_id.entry(id).or_default().push(i);
        }
        if let Some(bsn) = &m.bsn {
            by_bsn.entry(bsn).or_default().push(i);
        }
        if let Some(email) = m.email.as_deref().and_then(normalize_email) {
            by_email.entry(email).or_default().push(i);
        }
    }

    // Per candidate: the deciding level and the members found there.
    let n = cands.len();
    let mut groups = Groups((0..n + members.len()).collect());
    let mut levels = Vec::with_capacity(n);
    for (ci, c) in cands.iter().enumerate() {
        let (level, found) = deciding_level(c, &by_id, &by_bsn, &by_email);
        for &mi in &found {
            groups.join(ci, n + mi);
        }
        levels.push(level);
    }

    // Each connected part holding a candidate: its candidates, members and extra employee ids
    // (rule c: members found by BSN/e-mail that are linked to another employee).
    #[derive(Default)]
    struct Part {
        cands: Vec<usize>,
        members: BTreeSet<usize>,
        linked: BTreeSet<EmployeeId>,
    }
    let mut parts: BTreeMap<usize, Part> = BTreeMap::new();
    for ci in 0..n {
        let part = parts.entry(groups.root(ci)).or_default();
        part.cands.push(ci);
    }
    for (mi, member) in members.iter().enumerate() {
        let root = groups.root(n + mi);
        if let Some(part) = parts.get_mut(&root) {
            part.members.insert(mi);
            if let Some(id) = member.nmbrs_employee_id {
                let found_by_id = part.cands.iter().any(|&ci| cands[ci].nmbrs_employee_id == id);
                if !found_by_id {
                    part.linked.insert(id);
                }
            }
        }
    }

    let mut matching = Matching::default();
    for part in parts.into_values() {
        match (part.cands.as_slice(), part.members.len(), part.linked.is_empty()) {
            (&[ci], 0, true) => matching.matched.push(Matched {
                nmbrs_employee_id: cands[ci].nmbrs_employee_id,
                eitje_user_id: None,
                matched_by: MatchedBy::New,
            }),
            (&[ci], 1, true) => {
                let mi = *part.members.first().expect("one member");
                matching.matched.push(Matched {
                    nmbrs_employee_id: cands[ci].nmbrs_employee_id,
                    eitje_user_id: Some(members[mi].eitje_user_id.clone()),
                    matched_by: levels[ci],
                });
            }
            _ => {
                let ids: BTreeSet<EmployeeId> =
                    part.cands.iter().map(|&ci| cands[ci].nmbrs_employee_id).chain(part.linked).collect();
                let users: BTreeSet<&String> = part.members.iter().map(|&mi| &members[mi].eitje_user_id).collect();
                matching.ambiguities.push(Ambiguity {
                    nmbrs_employee_ids: ids.into_iter().collect(),
                    eitje_user_ids: users.into_iter().cloned().collect(),
                });
            }
        }
    }
    matching
        .matched
        .sort_by(|a, b| (a.nmbrs_employee_id, &a.eitje_user_id).cmp(&(b.nmbrs_employee_id, &b.eitje_user_id)));
    matching.ambiguities.sort();
    matching
}

/// The first level at which any member is found for `c`, and those members (sorted, unique).
fn deciding_level(
    c: &Candidate,
    by_id: &HashMap<EmployeeId, Vec<usize>>,
    by_bsn: &HashMap<&Bsn, Vec<usize>>,
    by_email: &HashMap<String, Vec<usize>>,
) -> (MatchedBy, Vec<usize>) {
    if let Some(found) = by_id.get(&c.nmbrs_employee_id) {
        return (MatchedBy::NmbrsId, found.clone());
    }
    if let Some(found) = c.bsn.as_ref().and_then(|b| by_bsn.get(b)) {
        return (MatchedBy::Bsn, found.clone());
    }
    let mut found: Vec<usize> = c
        .emails
        .iter()
        .filter_map(|e| normalize_email(e))
        .filter_map(|e| by_email.get(&e))
        .flatten()
        .copied()
        .collect();
    found.sort_unstable();
    found.dedup();
    if found.is_empty() { (MatchedBy::New, found) } else { (MatchedBy::Email, found) }
}

#[cfg(test)]
mod tests {
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
        let m: RosterMember =
            serde_json::from_value(serde_json::json!({"eitje_user_id": "u-2", "active": false})).unwrap();
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
}
