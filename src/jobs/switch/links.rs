//! The relink's result as the jobs use it: [`EmployeeLinks`], the lookup the team sync and
//! export use for members and entries that still carry a SOAP-era integer id
//! ([`EmployeeLinks::rest_id_for`], [`EmployeeLinks::previous_soap_id`]). Apart from `relink`,
//! which writes the links once, because every job reads them.

use sqlx::PgPool;

use crate::{
    domain::nmbrs_id::NmbrsId,
    jobs::run::error::JobError,
    nmbrs::EmployeeId,
    store::relink::{self as store, IdMap, LinkKind},
};

/// The relinked employee ids of an integration, both ways: for members and entries that still
/// carry a SOAP-era integer `nmbrs_employee_id` (CONTRACT §5.4).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmployeeLinks(IdMap);

impl EmployeeLinks {
    /// Loads the integration's employee links (empty before or without a relink).
    pub async fn load(pool: &PgPool, integration: &str) -> Result<Self, JobError> {
        store::id_map(pool, integration, LinkKind::Employee).await.map(Self).map_err(JobError::from)
    }

    /// The REST id of a SOAP-era employee id; a REST id, or a SOAP id that was not relinked,
    /// comes back as it is (an unrelinked integer then stays unknown to REST).
    pub fn rest_id_for(&self, employee: EmployeeId) -> EmployeeId {
        match employee.0.soap().and_then(|soap| self.0.to_rest.get(&soap)) {
            Some(&rest) => EmployeeId(NmbrsId::Uuid(rest)),
            None => employee,
        }
    }

    /// The SOAP-era integer id of a REST employee (`previous_nmbrs_employee_id` of
    /// `team_member.upserted`), `None` when it had none.
    pub fn previous_soap_id(&self, employee: EmployeeId) -> Option<i32> {
        employee.0.rest().and_then(|rest| self.0.to_soap.get(&rest).copied())
    }

    /// The REST employees linked to a SOAP-era employee.
    pub fn linked(&self) -> std::collections::BTreeSet<EmployeeId> {
        self.0.to_soap.keys().map(|&rest| EmployeeId(NmbrsId::Uuid(rest))).collect()
    }

    /// `members` with their SOAP-era ids read as REST ids, and the SOAP-era id of each member
    /// that still carried one (by the REST id it stands for now): their upserts name it as
    /// `previous_nmbrs_employee_id`. A member whose id still has the other API's form (a
    /// SOAP-era integer that was never relinked on a `rest` integration, or a UUID on `soap`)
    /// names no employee this API knows: it is read as unlinked (matched like a member without
    /// an id, never judged gone), because its absence from the reads proves nothing.
    pub fn members(
        &self,
        members: &[crate::domain::matching::RosterMember],
        api: crate::credentials::ApiKind,
    ) -> (Vec<crate::domain::matching::RosterMember>, std::collections::HashMap<EmployeeId, i32>) {
        let mut previous = std::collections::HashMap::new();
        let mut foreign = 0usize;
        let mapped = members
            .iter()
            .map(|m| {
                let mut m = m.clone();
                if let Some(id) = m.nmbrs_employee_id {
                    let rest = self.rest_id_for(id);
                    if let (Some(soap), true) = (id.soap(), rest != id) {
                        previous.insert(rest, soap);
                    }
                    let own_form = match api {
                        crate::credentials::ApiKind::Soap => rest.0.soap().is_some(),
                        crate::credentials::ApiKind::Rest => rest.0.rest().is_some(),
                    };
                    if !own_form {
                        foreign += 1;
                    }
                    m.nmbrs_employee_id = own_form.then_some(rest);
                }
                m
            })
            .collect();
        if foreign > 0 {
            tracing::warn!(
                members = foreign,
                ?api,
                "members carry an employee id of the other API that was not relinked; read as unlinked"
            );
        }
        (mapped, previous)
    }

    /// `payload` with every entry's SOAP-era employee id read as its REST id (borrowed as it is
    /// when there is nothing to relink).
    pub fn entries<'p>(
        &self,
        payload: &'p crate::domain::export::payload::ExportPayload,
    ) -> std::borrow::Cow<'p, crate::domain::export::payload::ExportPayload> {
        if self.0.to_rest.is_empty() {
            return std::borrow::Cow::Borrowed(payload);
        }
        let mut mapped = payload.clone();
        mapped.entries.iter_mut().for_each(|e| e.nmbrs_employee_id = self.rest_id_for(e.nmbrs_employee_id));
        std::borrow::Cow::Owned(mapped)
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::{credentials::ApiKind, domain::matching::RosterMember};

    fn member(user: &str, id: EmployeeId) -> RosterMember {
        RosterMember { eitje_user_id: user.into(), email: None, bsn: None, nmbrs_employee_id: Some(id), active: true }
    }

    #[test]
    fn members_read_relinked_ids_as_rest_and_ids_of_the_other_api_as_unlinked() {
        let rest = Uuid::from_u128(7);
        let mut map = IdMap::default();
        map.to_rest.insert(503293, rest);
        map.to_soap.insert(rest, 503293);
        let links = EmployeeLinks(map);
        let roster = [
            member("u-jan", EmployeeId::int(503293)),
            member("u-anton", EmployeeId::int(503294)),
            member("u-emma", EmployeeId(NmbrsId::Uuid(Uuid::from_u128(9)))),
        ];
        let (mapped, previous) = links.members(&roster, ApiKind::Rest);
        let ids: Vec<Option<EmployeeId>> = mapped.iter().map(|m| m.nmbrs_employee_id).collect();
        let emma = EmployeeId(NmbrsId::Uuid(Uuid::from_u128(9)));
        assert_eq!(ids, [Some(EmployeeId(NmbrsId::Uuid(rest))), None, Some(emma)], "Anton's id was never relinked");
        assert_eq!(previous, std::collections::HashMap::from([(EmployeeId(NmbrsId::Uuid(rest)), 503293)]));

        let (mapped, _) = EmployeeLinks::default().members(&roster, ApiKind::Soap);
        let ids: Vec<Option<EmployeeId>> = mapped.iter().map(|m| m.nmbrs_employee_id).collect();
        assert_eq!(ids, [Some(EmployeeId::int(503293)), Some(EmployeeId::int(503294)), None], "a UUID on SOAP");
    }
}
