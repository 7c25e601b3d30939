//! What a read-back tells about an insert whose reply never came (CONTRACT §2.5, in doubt).
//!
//! The worker records its intent (bucket, value) before every insert. When the reply is lost,
//! or a resumed job finds an intent without a recorded id, it reads the period back and judges
//! the lines here: exactly one line of the bucket's code and value that the worker does not own
//! yet is its insert (adopt it); none means the insert never landed; more than one could each
//! be a person's own line, so the bucket stops for a person rather than guess. Lines that were
//! in the period before the insert (read just before it) are never candidates.

use rust_decimal::Decimal;

use super::actions::ComponentLineId;

/// Decimals Nmbrs may keep of hours and amounts: a value sent with more (7.333 hours) may read
/// back rounded (7.33) and is still the same line.
const NMBRS_DECIMALS: u32 = 2;

/// One component line of the period, as `HourComponentVar_Get` / `WageComponentVar_Get` list it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadLine {
    pub id: i32,
    pub code: i32,
    pub value: Decimal,
}

/// The verdict on a lost insert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The insert landed as this line: the worker owns it from now on.
    Adopt(ComponentLineId),
    /// No line matches: the insert did not land and may be sent (once) again.
    NotLanded,
    /// Several lines match: which one is the worker's cannot be known.
    Ambiguous,
}

/// Judges the period's `lines` for an insert of `value` under `code`. `excluded`: lines that
/// cannot be the insert, i.e. those the worker already owns and those that were in the period
/// before the insert (a person's).
pub fn judge(lines: &[ReadLine], code: i32, value: Decimal, excluded: &[ComponentLineId]) -> Verdict {
    let same = |v: Decimal| v.round_dp(NMBRS_DECIMALS) == value.round_dp(NMBRS_DECIMALS);
    let mut matching =
        lines.iter().filter(|l| l.code == code && same(l.value) && !excluded.contains(&ComponentLineId(l.id)));
    match (matching.next(), matching.next()) {
        (None, _) => Verdict::NotLanded,
        (Some(line), None) => Verdict::Adopt(ComponentLineId(line.id)),
        (Some(_), Some(_)) => Verdict::Ambiguous,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::export::testkit::d;

    fn line(id: i32, code: i32, value: &str) -> ReadLine {
        ReadLine { id, code, value: d(value) }
    }

    #[test]
    fn the_one_matching_line_is_adopted() {
        let lines = [line(7, 1, "7.50"), line(8, 20, "7.50"), line(9, 1, "3")];
        assert_eq!(judge(&lines, 1, d("7.5"), &[]), Verdict::Adopt(ComponentLineId(7)));
    }

    #[test]
    fn a_value_read_back_rounded_to_two_decimals_is_the_same_line() {
        let lines = [line(7, 1, "7.33")];
        assert_eq!(judge(&lines, 1, d("7.333"), &[]), Verdict::Adopt(ComponentLineId(7)));
        assert_eq!(judge(&lines, 1, d("7.34"), &[]), Verdict::NotLanded);
    }

    #[test]
    fn no_matching_line_means_the_insert_did_not_land() {
        let lines = [line(8, 20, "7.50"), line(9, 1, "3")];
        assert_eq!(judge(&lines, 1, d("7.50"), &[]), Verdict::NotLanded);
        assert_eq!(judge(&[], 1, d("7.50"), &[]), Verdict::NotLanded);
    }

    #[test]
    fn a_line_the_worker_owns_already_is_not_adopted_again() {
        let lines = [line(7, 1, "7.50")];
        assert_eq!(judge(&lines, 1, d("7.50"), &[ComponentLineId(7)]), Verdict::NotLanded);
    }

    #[test]
    fn two_candidates_are_ambiguous_even_if_one_is_surely_ours() {
        let lines = [line(7, 1, "7.50"), line(12, 1, "7.50")];
        assert_eq!(judge(&lines, 1, d("7.50"), &[]), Verdict::Ambiguous);
        assert_eq!(judge(&lines, 1, d("7.50"), &[ComponentLineId(7)]), Verdict::Adopt(ComponentLineId(12)));
    }
}
