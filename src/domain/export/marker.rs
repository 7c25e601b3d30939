//! The marker in the comment of every component the worker inserts (issue 10, CONTRACT §5.3 and
//! §5.4): a short token unique to one insert intent, so that after the switch to REST (whose
//! reads return the comment; SOAP's `*Var_Get` do not) each SOAP-made line is recognised exactly
//! as the worker's, and a person's line never is.
//!
//! **Form.** `[EJ-` + 12 random symbols + 1 check symbol + `]`, e.g. `[EJ-7K3QX9M2A4PBR]`, at the
//! **start** of the comment, followed by the worker's text: `[EJ-7K3QX9M2A4PBR] Eitje hours
//! export`. The symbols are Crockford's base32 alphabet (`0-9 A-Z` without `I L O U`): 60 random
//! bits, plus 5 bits of check (the first byte of SHA-256 of the 12 symbols). The length of
//! Nmbrs' comment field is not documented (REST-NOTES §2): the marker is 18 characters and
//! comes first, so a field cut after 18 characters still keeps it whole, and a marker cut
//! shorter never reads as another one (exactly 13 symbols and the closing `]` are required).
//!
//! **Reading** ([`find_in`]): case-insensitive, anywhere in the comment (a person may have typed
//! before or after it), exactly 13 symbols and `]` after `[EJ-`, the check symbol right. A
//! comment with no such marker, or with two different ones, has none: a person's line is never
//! taken for the worker's.
//!
//! **Which intent gets which marker** ([`marker_for`]): an insert intent gets a fresh marker
//! when it is recorded; a retry of the same intent (the same value into the same bucket after
//! its earlier send was judged not landed) sends the marker it had; once an insert landed, the
//! next intent of the bucket gets a new one. Intents recorded before markers existed have none
//! and keep working as before; their retry gets a fresh marker.

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

/// The comment's text after the marker, for a person looking at the line in Nmbrs.
pub const WORKER_COMMENT: &str = "Eitje hours export";

/// Crockford's base32 alphabet (no I, L, O, U: nothing a person misreads).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const OPEN: &str = "[EJ-";
const CLOSE: u8 = b']';
/// Random symbols (12 × 5 = 60 bits).
const RANDOM: usize = 12;
/// Random symbols and the check symbol.
const SYMBOLS: usize = RANDOM + 1;

/// Length of the marker as written, brackets included.
pub const MARKER_LEN: usize = OPEN.len() + SYMBOLS + 1;

/// One insert intent's marker, in its canonical form `EJ-` + 13 symbols (upper case), as stored
/// in `export_buckets.intent_marker` / `owned_marker`. Not secret.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InsertMarker(String);

fn check_symbol(random: &[u8]) -> u8 {
    ALPHABET[usize::from(Sha256::digest(random)[0] & 31)]
}

impl InsertMarker {
    /// A marker from 8 random bytes (the caller draws them from the OS RNG; the low 60 bits are
    /// used). Pure, so tests can name one.
    pub fn from_random(bytes: [u8; 8]) -> Self {
        let bits = u64::from_be_bytes(bytes);
        let random: Vec<u8> = (0..RANDOM).map(|i| ALPHABET[((bits >> (5 * (RANDOM - 1 - i))) & 31) as usize]).collect();
        let check = check_symbol(&random);
        let mut text = String::with_capacity(3 + SYMBOLS);
        text.push_str("EJ-");
        text.extend(random.iter().map(|&b| char::from(b)));
        text.push(char::from(check));
        Self(text)
    }

    /// The canonical text (`EJ-…`, 16 characters).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A stored marker back (the canonical form only); `None` for anything else.
    pub fn parse_stored(text: &str) -> Option<Self> {
        let symbols = text.strip_prefix("EJ-")?;
        Self::from_symbols(symbols.as_bytes()).filter(|m| m.0 == text)
    }

    /// 13 symbols (any case) with a right check symbol → the marker.
    fn from_symbols(symbols: &[u8]) -> Option<Self> {
        if symbols.len() != SYMBOLS {
            return None;
        }
        let upper: Vec<u8> = symbols.iter().map(u8::to_ascii_uppercase).collect();
        if !upper.iter().all(|b| ALPHABET.contains(b)) || check_symbol(&upper[..RANDOM]) != upper[RANDOM] {
            return None;
        }
        Some(Self(format!("EJ-{}", String::from_utf8(upper).ok()?)))
    }

    /// The comment the worker sends with an insert: the marker first, then [`WORKER_COMMENT`].
    pub fn comment(&self) -> String {
        format!("[{}] {WORKER_COMMENT}", self.0)
    }
}

/// The worker's marker in a component's comment (see the module doc); `None` when there is no
/// well-formed marker, or more than one different one.
pub fn find_in(comment: &str) -> Option<InsertMarker> {
    let bytes = comment.as_bytes();
    let mut found: Option<InsertMarker> = None;
    let mut at = 0;
    while at + MARKER_LEN <= bytes.len() {
        let rest = &bytes[at..];
        let framed = rest[..OPEN.len()].eq_ignore_ascii_case(OPEN.as_bytes()) && rest[MARKER_LEN - 1] == CLOSE;
        if let Some(marker) = framed.then(|| InsertMarker::from_symbols(&rest[OPEN.len()..MARKER_LEN - 1])).flatten() {
            match &found {
                Some(earlier) if *earlier != marker => return None,
                _ => found = Some(marker),
            }
        }
        at += 1;
    }
    found
}

/// An insert intent the bucket row keeps with its marker: the value it inserts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkedIntent {
    pub marker: InsertMarker,
    pub value: Decimal,
}

/// The marker an insert of `value` carries. `kept`: the intent the bucket row still holds (one
/// that was recorded and not known to have landed: pending, or judged not landed); `fresh`: a
/// newly drawn marker. A retry of the same intent (same value) keeps its marker; anything else,
/// including an intent from before markers (`kept` is `None`), gets `fresh`.
pub fn marker_for(kept: Option<&MarkedIntent>, value: Decimal, fresh: InsertMarker) -> InsertMarker {
    match kept {
        Some(intent) if intent.value == value => intent.marker.clone(),
        _ => fresh,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::export::testkit::d;

    fn marker(seed: u64) -> InsertMarker {
        InsertMarker::from_random(seed.to_be_bytes())
    }

    #[test]
    fn the_form_is_short_canonical_and_round_trips() {
        let m = marker(0x0123_4567_89ab_cdef);
        assert_eq!(m.as_str().len(), 16);
        assert!(m.as_str().starts_with("EJ-"));
        assert_eq!(InsertMarker::parse_stored(m.as_str()), Some(m.clone()));
        assert_eq!(m.comment(), format!("[{}] Eitje hours export", m.as_str()));
        assert_eq!(m.comment().find(']'), Some(MARKER_LEN - 1), "the marker comes first");
        assert_eq!(find_in(&m.comment()), Some(m.clone()));
        // Only the low 60 bits count, and different bits give different markers.
        assert_eq!(marker(0x0123_4567_89ab_cdef), marker(0xf123_4567_89ab_cdef));
        assert_ne!(marker(1), marker(2));
        assert_eq!(InsertMarker::parse_stored(&m.as_str().to_lowercase()), None, "stored form is upper case");
    }

    #[test]
    fn the_marker_is_found_in_a_comment_a_person_edited_around_it() {
        let m = marker(42);
        let tag = format!("[{}]", m.as_str());
        for comment in [
            m.comment(),
            format!("correctie 12-11: {tag} Eitje hours export (was 7,5)"),
            tag.to_string(),
            format!("{tag}Eitje"),
            format!("zie mail\n{} eitje", tag.to_lowercase()),
            format!("{tag} {tag} twice the same"),
            format!("[EJ-{tag}"),
        ] {
            assert_eq!(find_in(&comment), Some(m.clone()), "{comment:?}");
        }
    }

    #[test]
    fn a_comment_cut_after_the_marker_keeps_it_and_one_cut_inside_has_none() {
        let m = marker(7);
        let comment = m.comment();
        assert_eq!(find_in(&comment[..MARKER_LEN]), Some(m.clone()));
        for cut in 0..MARKER_LEN {
            assert_eq!(find_in(&comment[..cut]), None, "cut at {cut}");
        }
    }

    #[test]
    fn a_persons_line_never_parses_as_a_marker() {
        let m = marker(99);
        let symbols = &m.as_str()[3..];
        let mut wrong_check = symbols.to_owned();
        let last = wrong_check.pop().unwrap();
        wrong_check.push(if last == '0' { '1' } else { '0' });
        for comment in [
            String::new(),
            "Eitje hours export".to_owned(),
            "handmatig: 7,5 uur".to_owned(),
            "[EJ-]".to_owned(),
            format!("[EJ-{wrong_check}]"),
            format!("[EJ-{}]", &symbols[..12]),
            format!("[EJ-{symbols}0]"),
            format!("EJ-{symbols}"),
            format!("[EX-{symbols}]"),
            format!("[EJ-{}I]", &symbols[..12]),
            "[EJ-ÅÅÅÅÅÅÅÅÅÅÅÅÅ]".to_owned(),
        ] {
            assert_eq!(find_in(&comment), None, "{comment:?}");
        }
        // Two different markers: whose line it is cannot be told.
        assert_eq!(find_in(&format!("{} {}", m.comment(), marker(100).comment())), None);
    }

    #[test]
    fn random_text_almost_never_carries_a_valid_check_symbol() {
        // Of the 32 possible last symbols exactly one is right.
        let m = marker(5);
        let head = &m.as_str()[3..15];
        let valid = ALPHABET.iter().filter(|&&c| find_in(&format!("[EJ-{head}{}]", char::from(c))).is_some()).count();
        assert_eq!(valid, 1);
    }

    #[test]
    fn a_retry_of_the_same_intent_keeps_its_marker_and_a_new_intent_gets_a_new_one() {
        let kept = MarkedIntent { marker: marker(1), value: d("7.50") };
        assert_eq!(marker_for(Some(&kept), d("7.5"), marker(2)), marker(1), "same value: the same intent");
        assert_eq!(marker_for(Some(&kept), d("9"), marker(2)), marker(2), "another value: a new intent");
        assert_eq!(marker_for(None, d("7.5"), marker(2)), marker(2), "nothing kept (or from before markers)");
    }
}
