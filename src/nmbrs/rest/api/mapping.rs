//! What the REST reads of `team.rs` and `snapshot.rs` share beyond the records themselves (the
//! history records and companies are read straight into the neutral model, `wire`): the hourly
//! salary types by their SOAP numbers, and the latest of a history. Pure.

pub(super) use crate::nmbrs::rest::wire::words::{display_name, employee_type_word};

/// Salary type numbers that are an hourly wage (the snapshot's `hourly_wage`).
pub(super) const HOURLY: [i32; 3] = [3, 6, 8];

/// The item of `items` greatest by `key`, the first listed on ties (REST lists histories newest
/// first, REST-NOTES §7; as [`crate::domain::history::Listing::NewestFirst`]).
pub(super) fn latest<T, K: Ord>(items: &[T], key: impl Fn(&T) -> K) -> Option<&T> {
    items.iter().enumerate().max_by_key(|(i, t)| (key(t), std::cmp::Reverse(*i))).map(|(_, t)| t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_is_greatest_by_key_then_first_in_the_response() {
        let items = [(1, 'a'), (2, 'b'), (2, 'c'), (0, 'd')];
        assert_eq!(latest(&items, |i| i.0), Some(&(2, 'b')));
        assert_eq!(latest(&[] as &[(i32, char)], |i| i.0), None);
    }
}
