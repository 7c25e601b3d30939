//! What a read-back tells about an insert whose reply never came (CONTRACT §2.5, in doubt).
//!
//! The worker records its intent (bucket, value) before every insert. When the reply is lost,
//! or a resumed job finds an intent without a recorded id, it reads the period back and judges
//! the lines here: exactly one line of the bucket's code and value that the worker does not own
//! yet is its insert (adopt it); none means the insert never landed; more than one could each
//! be a person's own line, so the bucket stops for a person rather than guess. Lines that were
//! in the period before the insert (read just before it) are never candidates.
//!
//! Each read right counts on its own (issue 11, field 07): when the period could not be read
//! before the insert (say `HourComponentVar_Get` is not in the API user's template), a line of
//! the bucket's code and value may be a person's, and a read-back cannot tell it from the
//! worker's insert (SOAP reads no comments back). Then only "no such line" resolves the insert
//! (not landed); any such line leaves it in doubt. A person's line is never adopted.
//!
//! **By marker** (CONTRACT §5.3): every insert carries a marker unique to its intent in its
//! comment ([`super::marker`]). When the edge reads comments back (REST; [`PeriodLines::comments`])
//! and the intent has a marker, the lost insert is the one line whose comment holds that marker,
//! and nothing else: never a line by code and value, never a line with another marker or none
//! (a person's). No such line: the insert did not land. The lines in the period before the
//! insert do not matter then, so an edge that reads comments needs no read before inserting.
//! Two lines with the marker, or one of another code (edited by a person), stop the bucket for
//! a person. Without comments (SOAP), or for an intent recorded before markers, the rules above
//! hold; lines that carry a marker are then another intent's and never adopted.
//!
//! Real Nmbrs data is untidy (CONTRACT §2.3): a line whose id, code or value could not be read
//! ([`UnreadLine`]) never fails the read, but it may be any line of its code (of any code when
//! the code itself is unreadable). Such a line that the worker does not own concerns the
//! buckets of its code only: before an insert it stops the bucket ([`before_insert`]: never a
//! blind insert next to it), and in a read-back it makes the verdict ambiguous (never adopted).

use rust_decimal::Decimal;

use super::actions::ComponentLineId;
use super::marker::InsertMarker;
use crate::domain::nmbrs_id::NmbrsId;

/// Decimals Nmbrs may keep of hours and amounts: a value sent with more (7.333 hours) may read
/// back rounded (7.33) and is still the same line.
pub const NMBRS_DECIMALS: u32 = 2;

/// One component line of the period, as `HourComponentVar_Get` / `WageComponentVar_Get` list it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadLine {
    pub id: NmbrsId,
    pub code: i32,
    pub value: Decimal,
    /// The worker's marker in the line's comment ([`super::marker::find_in`]); always `None`
    /// from an edge that reads no comments.
    pub marker: Option<InsertMarker>,
}

/// A line of the period that could not be read: its id and code, each when it could be read,
/// and the field that could not (for the report; never a value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadLine {
    pub id: Option<NmbrsId>,
    pub code: Option<i32>,
    pub field: String,
}

impl UnreadLine {
    /// Whether the line may be one of `code` that the worker does not own (`excluded` says
    /// which known ids are not candidates).
    fn may_concern(&self, code: i32, excluded: impl Fn(ComponentLineId) -> bool) -> bool {
        self.code.is_none_or(|c| c == code) && !self.id.is_some_and(|id| excluded(ComponentLineId(id)))
    }
}

/// What `HourComponentVar_Get` / `WageComponentVar_Get` gave for one employee and period: the
/// lines read, and those that could not be.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeriodLines {
    pub lines: Vec<ReadLine>,
    pub unreadable: Vec<UnreadLine>,
    /// The edge read each line's comment (REST), so [`ReadLine::marker`] is known; `false`
    /// (SOAP): no line's marker can be seen.
    pub comments: bool,
}

/// The lines of `code` already in the period before an insert that the worker does not own
/// (`owned`): the read-back will never adopt them. `Err` with the first unreadable line that may
/// be of `code` and is not the worker's: the bucket is not inserted next to it (it is skipped as
/// `unreadable_record` and written by a later export).
pub fn before_insert<'a>(
    period: &'a PeriodLines,
    code: i32,
    owned: &[ComponentLineId],
) -> Result<Vec<ComponentLineId>, &'a UnreadLine> {
    if let Some(line) = period.unreadable.iter().find(|l| l.may_concern(code, |id| owned.contains(&id))) {
        return Err(line);
    }
    let ids = period.lines.iter().filter(|l| l.code == code).map(|l| ComponentLineId(l.id));
    Ok(ids.filter(|id| !owned.contains(id)).collect())
}

/// The verdict on a lost insert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadbackVerdict {
    /// The insert landed as this line: the worker owns it from now on.
    Adopt(ComponentLineId),
    /// No line matches: the insert did not land and may be sent (once) again.
    NotLanded,
    /// Several lines match: which one is the worker's cannot be known.
    Ambiguous,
}

/// Judges the period read back for an insert of `value` under `code`. `owned`: the lines the
/// worker already owns. `before`: the lines of the code that were in the period before the
/// insert (a person's), or `None` when the period could not be read then (or was not read:
/// an edge that reads comments). `marker`: the insert intent's marker (`None`: recorded before
/// markers). With comments and a marker the verdict is by marker alone (module doc); otherwise
/// by code and value: an unreadable line that may be of `code` and is neither owned nor known
/// from before may be the insert, and then nothing can be concluded ([`ReadbackVerdict::Ambiguous`]).
pub fn judge(
    period: &PeriodLines,
    code: i32,
    value: Decimal,
    owned: &[ComponentLineId],
    before: Option<&[ComponentLineId]>,
    marker: Option<&InsertMarker>,
) -> ReadbackVerdict {
    match marker {
        Some(marker) if period.comments => by_marker(period, code, owned, marker),
        _ => by_value(period, code, value, owned, before),
    }
}

/// The verdict of an edge that reads comments: the one line carrying `marker` is the insert.
fn by_marker(period: &PeriodLines, code: i32, owned: &[ComponentLineId], marker: &InsertMarker) -> ReadbackVerdict {
    let not_owned = |id: ComponentLineId| !owned.contains(&id);
    let mut ours =
        period.lines.iter().filter(|l| l.marker.as_ref() == Some(marker) && not_owned(ComponentLineId(l.id)));
    match (ours.next(), ours.next()) {
        (Some(line), None) if line.code == code => ReadbackVerdict::Adopt(ComponentLineId(line.id)),
        // Our marker twice, or on a line a person moved to another code: for a person.
        (Some(_), _) => ReadbackVerdict::Ambiguous,
        // A line whose comment could not be read may carry the marker.
        (None, _) if period.unreadable.iter().any(|l| l.may_concern(code, |id| owned.contains(&id))) => {
            ReadbackVerdict::Ambiguous
        }
        (None, _) => ReadbackVerdict::NotLanded,
    }
}

/// The verdict by code and value (no comments read, or an intent without a marker).
fn by_value(
    period: &PeriodLines,
    code: i32,
    value: Decimal,
    owned: &[ComponentLineId],
    before: Option<&[ComponentLineId]>,
) -> ReadbackVerdict {
    let same = |v: Decimal| v.round_dp(NMBRS_DECIMALS) == value.round_dp(NMBRS_DECIMALS);
    let excluded = |id: ComponentLineId| owned.contains(&id) || before.is_some_and(|b| b.contains(&id));
    if period.unreadable.iter().any(|l| l.may_concern(code, excluded)) {
        return ReadbackVerdict::Ambiguous;
    }
    // A line carrying a marker belongs to another insert intent (this one has none).
    let candidate =
        |l: &&ReadLine| l.code == code && same(l.value) && l.marker.is_none() && !excluded(ComponentLineId(l.id));
    let mut matching = period.lines.iter().filter(candidate);
    match (matching.next(), matching.next(), before) {
        (None, ..) => ReadbackVerdict::NotLanded,
        // Nothing known of the period before: this line may be a person's.
        (Some(_), _, None) => ReadbackVerdict::Ambiguous,
        (Some(line), None, Some(_)) => ReadbackVerdict::Adopt(ComponentLineId(line.id)),
        (Some(_), Some(_), Some(_)) => ReadbackVerdict::Ambiguous,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::export::testkit::d;

    fn line(id: i32, code: i32, value: &str) -> ReadLine {
        ReadLine { id: NmbrsId::Int(id), code, value: d(value), marker: None }
    }

    fn period(lines: &[ReadLine]) -> PeriodLines {
        PeriodLines { lines: lines.to_vec(), unreadable: Vec::new(), comments: false }
    }

    /// Judged with the period read before the insert, holding no line of the code.
    fn judge(lines: &[ReadLine], code: i32, value: Decimal, owned: &[ComponentLineId]) -> ReadbackVerdict {
        super::judge(&period(lines), code, value, owned, Some(&[]), None)
    }

    #[test]
    fn a_line_that_was_there_before_the_insert_is_a_persons_and_never_adopted() {
        let lines = [line(99001, 400, "2")];
        let before = [ComponentLineId::int(99001)];
        assert_eq!(super::judge(&period(&lines), 400, d("2"), &[], Some(&before), None), ReadbackVerdict::NotLanded);
        let both = [line(99001, 400, "2"), line(7, 400, "2")];
        assert_eq!(
            super::judge(&period(&both), 400, d("2"), &[], Some(&before), None),
            ReadbackVerdict::Adopt(ComponentLineId::int(7))
        );
    }

    #[test]
    fn without_the_period_read_before_the_insert_a_matching_line_is_never_adopted() {
        // Field 07: the one line of code 400 and value 2 may be the person's own.
        let lines = [line(99001, 400, "2")];
        assert_eq!(super::judge(&period(&lines), 400, d("2"), &[], None, None), ReadbackVerdict::Ambiguous);
        // No such line at all: the insert did not land, whoever else wrote in the period.
        let other = [line(99001, 400, "3"), line(5, 410, "2")];
        assert_eq!(super::judge(&period(&other), 400, d("2"), &[], None, None), ReadbackVerdict::NotLanded);
        // Lines the worker owns are still not candidates.
        assert_eq!(
            super::judge(&period(&lines), 400, d("2"), &[ComponentLineId::int(99001)], None, None),
            ReadbackVerdict::NotLanded
        );
    }

    #[test]
    fn the_one_matching_line_is_adopted() {
        let lines = [line(7, 1, "7.50"), line(8, 20, "7.50"), line(9, 1, "3")];
        assert_eq!(judge(&lines, 1, d("7.5"), &[]), ReadbackVerdict::Adopt(ComponentLineId::int(7)));
    }

    #[test]
    fn a_value_read_back_rounded_to_two_decimals_is_the_same_line() {
        let lines = [line(7, 1, "7.33")];
        assert_eq!(judge(&lines, 1, d("7.333"), &[]), ReadbackVerdict::Adopt(ComponentLineId::int(7)));
        assert_eq!(judge(&lines, 1, d("7.34"), &[]), ReadbackVerdict::NotLanded);
    }

    #[test]
    fn no_matching_line_means_the_insert_did_not_land() {
        let lines = [line(8, 20, "7.50"), line(9, 1, "3")];
        assert_eq!(judge(&lines, 1, d("7.50"), &[]), ReadbackVerdict::NotLanded);
        assert_eq!(judge(&[], 1, d("7.50"), &[]), ReadbackVerdict::NotLanded);
    }

    #[test]
    fn a_line_the_worker_owns_already_is_not_adopted_again() {
        let lines = [line(7, 1, "7.50")];
        assert_eq!(judge(&lines, 1, d("7.50"), &[ComponentLineId::int(7)]), ReadbackVerdict::NotLanded);
    }

    #[test]
    fn two_candidates_are_ambiguous_even_if_one_is_surely_ours() {
        let lines = [line(7, 1, "7.50"), line(12, 1, "7.50")];
        assert_eq!(judge(&lines, 1, d("7.50"), &[]), ReadbackVerdict::Ambiguous);
        assert_eq!(
            judge(&lines, 1, d("7.50"), &[ComponentLineId::int(7)]),
            ReadbackVerdict::Adopt(ComponentLineId::int(12))
        );
    }

    fn unread(id: Option<i32>, code: Option<i32>) -> UnreadLine {
        UnreadLine { id: id.map(NmbrsId::Int), code, field: "Hours".into() }
    }

    #[test]
    fn an_unreadable_line_of_the_code_or_of_an_unknown_code_stops_an_insert() {
        let lines = vec![line(7, 1, "3"), line(8, 20, "4")];
        for blocking in [unread(None, Some(1)), unread(None, None), unread(Some(9), Some(1)), unread(Some(9), None)] {
            let p = PeriodLines { lines: lines.clone(), unreadable: vec![blocking.clone()], comments: false };
            assert_eq!(before_insert(&p, 1, &[]), Err(&blocking), "{blocking:?}");
        }
        // Another code's line, or the worker's own line, concerns no other bucket.
        let p = PeriodLines {
            lines: lines.clone(),
            unreadable: vec![unread(None, Some(20)), unread(Some(5), None)],
            comments: false,
        };
        assert_eq!(before_insert(&p, 1, &[ComponentLineId::int(5)]), Ok(vec![ComponentLineId::int(7)]));
        assert_eq!(before_insert(&p, 20, &[ComponentLineId::int(5)]).map_err(|l| l.code), Err(Some(20)));
    }

    #[test]
    fn a_read_back_next_to_an_unreadable_line_of_the_code_adopts_nothing() {
        let lines = vec![line(7, 1, "7.50")];
        for u in [unread(None, Some(1)), unread(None, None), unread(Some(12), Some(1))] {
            let p = PeriodLines { lines: lines.clone(), unreadable: vec![u.clone()], comments: false };
            assert_eq!(super::judge(&p, 1, d("7.50"), &[], Some(&[]), None), ReadbackVerdict::Ambiguous, "{u:?}");
            // Not "not landed" either: the unreadable line may be the insert.
            let empty = PeriodLines { lines: vec![], unreadable: vec![u.clone()], comments: false };
            assert_eq!(super::judge(&empty, 1, d("7.50"), &[], Some(&[]), None), ReadbackVerdict::Ambiguous, "{u:?}");
        }
        // An unreadable line known from before the insert, or owned, or of another code, is no candidate.
        let known = PeriodLines {
            lines: lines.clone(),
            unreadable: vec![unread(Some(99), Some(1)), unread(Some(3), None), unread(None, Some(20))],
            comments: false,
        };
        let before = [ComponentLineId::int(99)];
        assert_eq!(
            super::judge(&known, 1, d("7.50"), &[ComponentLineId::int(3)], Some(&before), None),
            ReadbackVerdict::Adopt(ComponentLineId::int(7))
        );
    }

    fn marker(seed: u64) -> InsertMarker {
        InsertMarker::from_random(seed.to_be_bytes())
    }

    fn marked(id: i32, code: i32, value: &str, seed: Option<u64>) -> ReadLine {
        ReadLine { marker: seed.map(marker), ..line(id, code, value) }
    }

    /// A period read by an edge that reads comments (REST).
    fn with_comments(lines: &[ReadLine]) -> PeriodLines {
        PeriodLines { lines: lines.to_vec(), unreadable: Vec::new(), comments: true }
    }

    #[test]
    fn with_comments_only_the_line_with_the_intents_marker_is_adopted_whatever_its_value() {
        let mine = marker(1);
        // A person's identical line (no marker) and another intent's line sit beside ours.
        let lines = [marked(5, 1, "7.50", None), marked(6, 1, "7.50", Some(2)), marked(7, 1, "7.50", Some(1))];
        let p = with_comments(&lines);
        assert_eq!(
            super::judge(&p, 1, d("7.50"), &[], None, Some(&mine)),
            ReadbackVerdict::Adopt(ComponentLineId::int(7))
        );
        // Found by its marker even where code and value alone would be ambiguous or unknown.
        let edited = with_comments(&[marked(5, 1, "7.50", None), marked(7, 1, "8", Some(1))]);
        assert_eq!(
            super::judge(&edited, 1, d("7.50"), &[], None, Some(&mine)),
            ReadbackVerdict::Adopt(ComponentLineId::int(7))
        );
    }

    #[test]
    fn with_comments_no_line_with_the_marker_means_not_landed_never_a_persons_line() {
        let mine = marker(1);
        let lines = [marked(5, 1, "7.50", None), marked(6, 1, "7.50", Some(2))];
        let p = with_comments(&lines);
        assert_eq!(super::judge(&p, 1, d("7.50"), &[], None, Some(&mine)), ReadbackVerdict::NotLanded);
        // The same period read without comments (SOAP): by value, unknown period → ambiguous.
        let soap = PeriodLines { comments: false, lines: vec![line(5, 1, "7.50")], ..Default::default() };
        assert_eq!(super::judge(&soap, 1, d("7.50"), &[], None, Some(&mine)), ReadbackVerdict::Ambiguous);
    }

    #[test]
    fn with_comments_a_line_already_owned_twice_marked_or_moved_to_another_code_is_not_adopted() {
        let mine = marker(1);
        let owned = with_comments(&[marked(7, 1, "7.50", Some(1))]);
        assert_eq!(
            super::judge(&owned, 1, d("7.50"), &[ComponentLineId::int(7)], None, Some(&mine)),
            ReadbackVerdict::NotLanded
        );
        let twice = with_comments(&[marked(7, 1, "7.50", Some(1)), marked(8, 1, "7.50", Some(1))]);
        assert_eq!(super::judge(&twice, 1, d("7.50"), &[], None, Some(&mine)), ReadbackVerdict::Ambiguous);
        let moved = with_comments(&[marked(7, 20, "7.50", Some(1))]);
        assert_eq!(super::judge(&moved, 1, d("7.50"), &[], None, Some(&mine)), ReadbackVerdict::Ambiguous);
    }

    #[test]
    fn with_comments_an_unreadable_line_of_the_code_may_hold_the_marker() {
        let mine = marker(1);
        let p = PeriodLines { lines: vec![], unreadable: vec![unread(Some(9), Some(1))], comments: true };
        assert_eq!(super::judge(&p, 1, d("7.50"), &[], None, Some(&mine)), ReadbackVerdict::Ambiguous);
        let found = PeriodLines { lines: vec![marked(7, 1, "7.50", Some(1))], ..p.clone() };
        assert_eq!(
            super::judge(&found, 1, d("7.50"), &[], None, Some(&mine)),
            ReadbackVerdict::Adopt(ComponentLineId::int(7))
        );
        let other_code = PeriodLines { unreadable: vec![unread(Some(9), Some(20))], ..p };
        assert_eq!(super::judge(&other_code, 1, d("7.50"), &[], None, Some(&mine)), ReadbackVerdict::NotLanded);
    }

    #[test]
    fn an_intent_from_before_markers_is_judged_by_value_and_never_takes_a_marked_line() {
        let lines = [marked(6, 1, "7.50", Some(2)), marked(7, 1, "7.50", None)];
        let p = with_comments(&lines);
        assert_eq!(
            super::judge(&p, 1, d("7.50"), &[], Some(&[]), None),
            ReadbackVerdict::Adopt(ComponentLineId::int(7))
        );
        let only_marked = with_comments(&lines[..1]);
        assert_eq!(super::judge(&only_marked, 1, d("7.50"), &[], Some(&[]), None), ReadbackVerdict::NotLanded);
    }
}
