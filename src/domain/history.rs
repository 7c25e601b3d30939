//! Nmbrs histories hold corrections as extra records: a contract version on SOAP (the same
//! `ContractID` again, CONTRACT §2.3 step 2, field case 02), a record with the same start date on
//! REST (field case 14, REST-NOTES §7). Of the records that are versions of one, only the latest
//! counts ([`latest_per`]), on both APIs alike; what makes two records versions of one (the
//! key) and which way a read lists them ([`Listing`]) are the edge's to say.

use std::collections::HashMap;
use std::hash::Hash;

use chrono::NaiveDateTime;

/// The order in which a read lists a history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listing {
    /// Oldest record first (SOAP contract versions): among equals, the last listed is the latest.
    OldestFirst,
    /// Newest record first (REST history reads, REST-NOTES §7): among equals, the first listed
    /// is the latest.
    NewestFirst,
}

/// Each key's latest record, at the place of the key's first record; records without a key
/// (`key` answers `None`: nothing says which record they are a version of) are all kept, in place.
///
/// Latest = the greatest creation time (`created`); a record without one ranks below every dated
/// one, and among records equal so far the listing decides ([`Listing`]): so the answer does not
/// depend on the order of the response whenever creation times tell, and is a total order when
/// they do not (CONTRACT §2.3: "versions without a `CreationDate` rank by their place"). Pure.
pub fn latest_per<T, K: Eq + Hash>(
    records: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> Option<K>,
    created: impl Fn(&T) -> Option<NaiveDateTime>,
    listing: Listing,
) -> Vec<T> {
    // Sized from the records (issue 22): a `Vec` grown by `push` holds room for four records,
    // and most histories hold one, for every employee of a company at once.
    let records = records.into_iter();
    let mut out: Vec<T> = Vec::with_capacity(records.size_hint().0);
    let mut at: HashMap<K, usize> = HashMap::new();
    for record in records {
        let Some(k) = key(&record) else {
            out.push(record);
            continue;
        };
        match at.get(&k) {
            None => {
                at.insert(k, out.len());
                out.push(record);
            }
            Some(&i) => {
                // `record` is listed after `out[i]` (`None < Some(_)`).
                let (later, earlier) = (created(&record), created(&out[i]));
                let newer = match listing {
                    Listing::OldestFirst => later >= earlier,
                    Listing::NewestFirst => later > earlier,
                };
                if newer {
                    out[i] = record;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    /// `(key, created day, label)`.
    type Rec = (Option<u8>, Option<u32>, &'static str);

    fn at(day: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 5, day).unwrap().and_hms_opt(8, 15, 0).unwrap()
    }

    fn labels(records: &[Rec], listing: Listing) -> Vec<&'static str> {
        latest_per(records.iter().copied(), |r| r.0, |r| r.1.map(at), listing).into_iter().map(|r| r.2).collect()
    }

    #[test]
    fn the_latest_creation_counts_whatever_the_order() {
        // Field case 14: 2026-05-01 twice (15.20, then corrected to 15.02), listed newest first.
        let newest_first = [(Some(5), Some(6), "15.02"), (Some(5), Some(1), "15.20"), (Some(6), Some(1), "14.11")];
        let oldest_first = [newest_first[2], newest_first[1], newest_first[0]];
        for listing in [Listing::NewestFirst, Listing::OldestFirst] {
            assert_eq!(labels(&newest_first, listing), ["15.02", "14.11"]);
            assert_eq!(labels(&oldest_first, listing), ["14.11", "15.02"], "at the key's first place");
        }
        // A third version listed between the others.
        let three = [(Some(5), Some(1), "a"), (Some(5), Some(9), "c"), (Some(5), Some(6), "b")];
        assert_eq!(labels(&three, Listing::NewestFirst), ["c"]);
        assert_eq!(labels(&three, Listing::OldestFirst), ["c"]);
    }

    #[test]
    fn ties_and_undated_records_go_by_the_listing() {
        let tie = [(Some(1), Some(3), "first"), (Some(1), Some(3), "second")];
        assert_eq!(labels(&tie, Listing::NewestFirst), ["first"]);
        assert_eq!(labels(&tie, Listing::OldestFirst), ["second"]);
        let undated = [(Some(1), None, "first"), (Some(1), None, "second")];
        assert_eq!(labels(&undated, Listing::NewestFirst), ["first"]);
        assert_eq!(labels(&undated, Listing::OldestFirst), ["second"]);
        // A dated record outranks an undated one wherever each is listed.
        for listing in [Listing::NewestFirst, Listing::OldestFirst] {
            assert_eq!(labels(&[(Some(1), None, "u"), (Some(1), Some(1), "d")], listing), ["d"]);
            assert_eq!(labels(&[(Some(1), Some(1), "d"), (Some(1), None, "u")], listing), ["d"]);
        }
    }

    #[test]
    fn records_without_a_key_are_all_kept_in_place() {
        let records = [(None, Some(1), "x"), (Some(1), Some(1), "a"), (None, Some(2), "y"), (Some(1), Some(2), "b")];
        assert_eq!(labels(&records, Listing::NewestFirst), ["x", "b", "y"]);
        assert!(labels(&[], Listing::NewestFirst).is_empty());
    }

    #[test]
    fn the_answer_does_not_depend_on_the_order_when_creation_times_differ() {
        let records = [(Some(1), Some(4), "a"), (Some(1), Some(9), "b"), (Some(1), None, "c"), (Some(1), Some(2), "d")];
        let mut order = records;
        for _ in 0..records.len() {
            order.rotate_left(1);
            for listing in [Listing::NewestFirst, Listing::OldestFirst] {
                assert_eq!(labels(&order, listing), ["b"], "{order:?}");
            }
        }
    }
}
