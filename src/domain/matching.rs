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
#[path = "matching_tests.rs"]
mod tests;
