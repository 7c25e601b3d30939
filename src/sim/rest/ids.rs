//! REST ids for SOAP-era entities. Nmbrs gives every company, employee and component a UUID
//! on REST and an integer on SOAP (REST-NOTES §4); the simulator derives the UUID as UUIDv5
//! of `"{domain}/{kind}/{integer id}"`, so it is stable across restarts and seeds, and looks
//! the integer up again by scanning the domain (cached). The same record is one record for
//! both faces: a component inserted through SOAP has a REST id and the other way round.

use crate::sim::SimId;
use std::collections::HashMap;

use uuid::Uuid;

use crate::sim::state::SimDomain;

/// Namespace of the simulator's UUIDv5 ids.
const NAMESPACE: Uuid = Uuid::from_u128(0x6e6d_6272_732d_7369_6d2d_7265_7374_0001);

/// What a REST id names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdKind {
    Company,
    Debtor,
    Employee,
    HourComponent,
    WageComponent,
    Contract,
    Salary,
    Schedule,
    /// One employment (the simulator keeps one per contract).
    Employment,
    /// A wage model (1 or 2) of a company: `company id * 10 + model`.
    WageModel,
    /// A wage code of a company's model: derived from `(company, model, code)`.
    WageCode,
    PersonalInfo,
    Address,
}

impl IdKind {
    fn tag(self) -> &'static str {
        match self {
            IdKind::Company => "company",
            IdKind::Debtor => "debtor",
            IdKind::Employee => "employee",
            IdKind::HourComponent => "hour",
            IdKind::WageComponent => "wage",
            IdKind::Contract => "contract",
            IdKind::Salary => "salary",
            IdKind::Schedule => "schedule",
            IdKind::Employment => "employment",
            IdKind::WageModel => "wagemodel",
            IdKind::WageCode => "wagecode",
            IdKind::PersonalInfo => "personalinfo",
            IdKind::Address => "address",
        }
    }
}

/// The REST id of the SOAP entity `id` of `kind` in `domain`.
pub fn rest_id(domain: &str, kind: IdKind, id: i64) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("{domain}/{}/{id}", kind.tag()).as_bytes())
}

/// Reverse lookups, filled as ids are asked for; a miss rescans the domain once. Also the REST
/// ids a test gave an entity instead of its derived one ([`IdIndex::alias`]).
#[derive(Clone, Debug, Default)]
pub struct IdIndex {
    known: HashMap<(String, Uuid), (IdKind, i32)>,
    aliases: HashMap<(String, IdKind, i64), Uuid>,
}

impl IdIndex {
    /// The REST id of the SOAP entity `id` of `kind` in `domain`: its alias, else [`rest_id`].
    pub fn id(&self, domain: &str, kind: IdKind, id: i64) -> Uuid {
        self.aliases.get(&(domain.to_owned(), kind, id)).copied().unwrap_or_else(|| rest_id(domain, kind, id))
    }

    /// Gives the SOAP entity `id` of `kind` the REST id `uuid` (so given real-world pages that
    /// name an employee by its UUID meet the simulator's record of that employee).
    pub fn alias(&mut self, domain: &str, kind: IdKind, id: i32, uuid: Uuid) {
        self.aliases.insert((domain.to_owned(), kind, i64::from(id)), uuid);
        self.known.insert((domain.to_owned(), uuid), (kind, id));
    }

    /// The SOAP id of `uuid` if it names an entity of `kind` in `d`.
    pub fn resolve(&mut self, domain: &str, d: &SimDomain, kind: IdKind, uuid: Uuid) -> Option<i32> {
        let key = (domain.to_owned(), uuid);
        if let Some(&(k, id)) = self.known.get(&key) {
            return (k == kind).then_some(id);
        }
        let candidates: Vec<i32> = match kind {
            IdKind::Company => d.companies.keys().copied().collect(),
            IdKind::Employee => d.employees.keys().copied().collect(),
            IdKind::HourComponent => d.hour_components.values().flatten().map(|l| l.id.int()).collect(),
            IdKind::WageComponent => d.wage_components.values().flatten().map(|l| l.id.int()).collect(),
            _ => Vec::new(),
        };
        for id in candidates {
            let u = self.id(domain, kind, id.into());
            self.known.insert((domain.to_owned(), u), (kind, id));
        }
        self.known.get(&key).and_then(|&(k, id)| (k == kind).then_some(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_differ_by_domain_and_kind() {
        assert_eq!(rest_id("d", IdKind::Employee, 7), rest_id("d", IdKind::Employee, 7));
        assert_ne!(rest_id("d", IdKind::Employee, 7), rest_id("e", IdKind::Employee, 7));
        assert_ne!(rest_id("d", IdKind::Employee, 7), rest_id("d", IdKind::Company, 7));
    }

    #[test]
    fn an_alias_replaces_the_derived_id_both_ways() {
        let mut d = SimDomain::default();
        d.employees.insert(7, crate::sim::SimEmployee::default());
        let mut index = IdIndex::default();
        let given = Uuid::from_u128(42);
        index.alias("d", IdKind::Employee, 7, given);
        assert_eq!(index.id("d", IdKind::Employee, 7), given);
        assert_eq!(index.id("e", IdKind::Employee, 7), rest_id("e", IdKind::Employee, 7), "per domain");
        assert_eq!(index.resolve("d", &d, IdKind::Employee, given), Some(7));
        assert_eq!(index.resolve("d", &d, IdKind::Company, given), None);
    }

    #[test]
    fn resolve_finds_entities_added_after_the_first_lookup() {
        let mut d = SimDomain::default();
        let mut index = IdIndex::default();
        let u = rest_id("d", IdKind::HourComponent, 5);
        assert_eq!(index.resolve("d", &d, IdKind::HourComponent, u), None);
        d.hour_components.entry((1, 2026, 1)).or_default().push(crate::nmbrs::HourComponentLine {
            id: crate::nmbrs::HourComponentId::int(5),
            hour_code: 1,
            hours: Default::default(),
            comment: None,
        });
        assert_eq!(index.resolve("d", &d, IdKind::HourComponent, u), Some(5));
        assert_eq!(index.resolve("d", &d, IdKind::WageComponent, u), None, "kind must match");
    }
}
