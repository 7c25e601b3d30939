//! What the REST reads of `team.rs` and `snapshot.rs` share beyond the records themselves (the
//! history records are read straight into the neutral model, `wire`): companies as SOAP's
//! [`Company`], the hourly salary types by their SOAP numbers, and the
//! latest of a history. Pure.

pub(super) use crate::nmbrs::rest::wire::words::{display_name, employee_type_word};
use crate::nmbrs::rest::*;
use crate::nmbrs::{Company, CompanyId};

/// Salary type numbers that are an hourly wage (the snapshot's `hourly_wage`).
pub(super) const HOURLY: [i32; 3] = [3, 6, 8];

/// The item of `items` greatest by `key`, the first listed on ties (REST lists histories newest
/// first, REST-NOTES §7; as [`crate::domain::history::Listing::NewestFirst`]).
pub(super) fn latest<T, K: Ord>(items: &[T], key: impl Fn(&T) -> K) -> Option<&T> {
    items.iter().enumerate().max_by_key(|(i, t)| (key(t), std::cmp::Reverse(*i))).map(|(_, t)| t)
}

pub(super) fn company(c: RestCompany) -> Company {
    Company {
        id: CompanyId::from(c.id),
        number: c.number.as_deref().and_then(|n| n.trim().parse().ok()).unwrap_or(0),
        name: c.name,
        ..Default::default()
    }
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

    #[test]
    fn company_number_is_read_from_its_string() {
        let c = |n: Option<&str>| RestCompany {
            id: CompanyUuid(uuid::Uuid::nil()),
            number: n.map(Into::into),
            name: None,
            debtor_id: None,
        };
        assert_eq!(company(c(Some(" 444445 "))).number, 444445);
        assert_eq!(company(c(Some("A-12"))).number, 0);
        assert_eq!(company(c(None)).number, 0);
    }
}
