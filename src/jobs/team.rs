//! Reading a team from Nmbrs, shared by `SyncTeam` and `Deactivate`: one call per company and
//! operation (`*_GetAll_AllEmployeesByCompany`), companies read one after the other, the
//! operations of one company at once (the client bounds calls per integration).

use std::collections::{BTreeMap, BTreeSet};

use super::ErrorItem;
use crate::{
    domain::team_sync::{self, CompanyData, Departure, DepartureReason},
    envelope::Venue,
    events::{EventDraft, EventType},
    nmbrs::{CompanyId, ErrorKind, Listed, NmbrsApi, NmbrsError, PerEmployee, UnreadableRecord},
};

/// What a team read produced: the companies read, those Nmbrs refused access to, and the
/// records that could not be read (`(company id, record)`; their employees are left out of
/// `companies`, CONTRACT §2.3).
pub struct TeamRead {
    pub companies: Vec<CompanyData>,
    pub refused: Vec<(i32, NmbrsError)>,
    pub unreadable: Vec<(i32, UnreadableRecord)>,
}

/// Which details to read besides the employees and their contracts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Employees and contracts: enough to tell who left (Deactivate).
    Employment,
    /// Also salaries and schedules (SyncTeam).
    Full,
}

/// The linked companies with the Eitje venues of each, in company id order.
pub fn companies_of(venues: &[Venue]) -> BTreeMap<i32, Vec<String>> {
    let mut out: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    for v in venues {
        let ids = out.entry(v.nmbrs_company_id).or_default();
        if !ids.contains(&v.eitje_venue_id) {
            ids.push(v.eitje_venue_id.clone());
        }
    }
    out
}

/// Reads every linked company. A company Nmbrs refuses access to is reported in `refused`
/// and the others are still read; any other failure stops the read.
pub async fn read(api: &dyn NmbrsApi, venues: &[Venue], detail: Detail) -> Result<TeamRead, NmbrsError> {
    let mut read = TeamRead { companies: Vec::new(), refused: Vec::new(), unreadable: Vec::new() };
    for (company_id, eitje_venue_ids) in companies_of(venues) {
        match read_company(api, company_id, eitje_venue_ids, detail).await {
            Ok((company, unreadable)) => {
                read.companies.push(company);
                read.unreadable.extend(unreadable.into_iter().map(|u| (company_id, u)));
            }
            Err(e) if e.kind() == ErrorKind::NoAccess => read.refused.push((company_id, e)),
            Err(e) => return Err(e),
        }
    }
    Ok(read)
}

/// Reads one company. An employee with an unreadable record in any of the reads is left out
/// of all of them (skipped as `unreadable_record`); the records are returned.
async fn read_company(
    api: &dyn NmbrsApi,
    company_id: i32,
    eitje_venue_ids: Vec<String>,
    detail: Detail,
) -> Result<(CompanyData, Vec<UnreadableRecord>), NmbrsError> {
    let company = CompanyId(company_id);
    let (snapshots, contracts) = futures::try_join!(api.employee_snapshots(company), api.contracts(company))?;
    let (salaries, schedules) = match detail {
        Detail::Employment => (Listed::default(), Listed::default()),
        Detail::Full => futures::try_join!(api.salaries(company), api.schedules(company))?,
    };
    let mut unreadable = Vec::new();
    let mut skipped = BTreeSet::new();
    for u in [&snapshots.unreadable, &contracts.unreadable, &salaries.unreadable, &schedules.unreadable] {
        skipped.extend(u.iter().filter_map(|u| u.employee_id));
        unreadable.extend(u.iter().cloned());
    }
    fn keep<T>(list: Listed<PerEmployee<T>>, skipped: &BTreeSet<i32>) -> Vec<PerEmployee<T>> {
        list.items.into_iter().filter(|l| !skipped.contains(&l.employee_id)).collect()
    }
    let mut data = CompanyData {
        company_id,
        eitje_venue_ids,
        snapshots: snapshots.items,
        contracts: keep(contracts, &skipped),
        salaries: keep(salaries, &skipped),
        schedules: keep(schedules, &skipped),
    };
    data.snapshots.retain(|s| !skipped.contains(&s.employee_id));
    Ok((data, unreadable))
}

/// Leaves out the departures that cannot be judged after `read` (CONTRACT §2.3): an
/// employee whose record could not be read is not gone; and when a company was refused or
/// someone's `EmployeeId` itself could not be read, nobody is judged gone by absence.
pub fn judgeable(departures: &mut Vec<Departure>, read: &TeamRead) {
    let unreadable: BTreeSet<i32> = read.unreadable.iter().filter_map(|(_, u)| u.employee_id).collect();
    let anonymous = read.unreadable.iter().any(|(_, u)| u.employee_id.is_none());
    departures.retain(|d| !unreadable.contains(&d.nmbrs_employee_id));
    if anonymous || !read.refused.is_empty() {
        departures.retain(|d| d.reason != DepartureReason::NotInNmbrs);
    }
}

/// One `unreadable_record` error per unreadable record, scoped to its company, employee
/// (null when its id was unreadable) and field.
pub fn unreadable_errors(unreadable: &[(i32, UnreadableRecord)]) -> Vec<ErrorItem> {
    unreadable
        .iter()
        .map(|(company_id, u)| ErrorItem {
            code: "unreadable_record".into(),
            message: format!("Nmbrs record skipped: <{}> {}", u.field, u.problem),
            scope: serde_json::json!({
                "nmbrs_company_id": company_id,
                "nmbrs_employee_id": u.employee_id,
                "field": u.field,
            }),
        })
        .collect()
}

/// Employees skipped as `unreadable_record` (each counted once, anonymous records each once).
pub fn unreadable_count(unreadable: &[(i32, UnreadableRecord)]) -> u64 {
    let named: BTreeSet<(i32, i32)> = unreadable.iter().filter_map(|(c, u)| Some((*c, u.employee_id?))).collect();
    let anonymous = unreadable.iter().filter(|(_, u)| u.employee_id.is_none()).count();
    (named.len() + anonymous) as u64
}

/// Step 5 of CONTRACT §2.3 as events: `team_member.deactivated` per member when
/// `auto_deactivate` is on, else one `sync.members_left_nmbrs` notification listing them.
pub fn departure_events(departures: &[Departure], auto_deactivate: bool) -> Vec<EventDraft> {
    if departures.is_empty() {
        return Vec::new();
    }
    if auto_deactivate {
        departures
            .iter()
            .map(|d| EventDraft::new(EventType::TeamMemberDeactivated, &team_sync::deactivated_payload(d)))
            .collect()
    } else {
        vec![EventDraft::new(EventType::Notification, &team_sync::members_left_notification(departures))]
    }
}

/// Companies Nmbrs refused: a `nmbrs.no_access` notification and a `job.completed` error each.
pub fn refusals(refused: &[(i32, NmbrsError)]) -> (Vec<EventDraft>, Vec<ErrorItem>) {
    refused
        .iter()
        .map(|(company_id, err)| {
            let notice = super::nmbrs_failure::no_access_notification(Some(*company_id), err);
            let item = ErrorItem {
                code: "nmbrs.no_access".into(),
                message: notice.message.clone(),
                scope: serde_json::json!({"nmbrs_company_id": company_id}),
            };
            (notice.draft(), item)
        })
        .unzip()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn departure(id: i32, reason: DepartureReason) -> Departure {
        Departure { eitje_user_id: format!("u-{id}"), nmbrs_employee_id: id, reason, ended_on: None }
    }

    fn unreadable(company: i32, employee: Option<i32>) -> (i32, UnreadableRecord) {
        (company, UnreadableRecord { employee_id: employee, field: "StartDate".into(), problem: "missing".into() })
    }

    fn read_with(unreadable: Vec<(i32, UnreadableRecord)>) -> TeamRead {
        TeamRead { companies: Vec::new(), refused: Vec::new(), unreadable }
    }

    fn ids(departures: &[Departure]) -> Vec<i32> {
        departures.iter().map(|d| d.nmbrs_employee_id).collect()
    }

    #[test]
    fn an_unreadable_employee_is_not_judged_gone_and_others_still_are() {
        let all = || {
            vec![
                departure(1, DepartureReason::EmploymentEnded),
                departure(2, DepartureReason::NotInNmbrs),
                departure(3, DepartureReason::EmploymentEnded),
            ]
        };
        let mut d = all();
        judgeable(&mut d, &read_with(vec![unreadable(7, Some(3))]));
        assert_eq!(ids(&d), [1, 2]);

        // Someone whose EmployeeId itself was unreadable: nobody is gone by absence.
        let mut d = all();
        judgeable(&mut d, &read_with(vec![unreadable(7, None)]));
        assert_eq!(ids(&d), [1, 3]);

        let mut d = all();
        judgeable(&mut d, &read_with(Vec::new()));
        assert_eq!(ids(&d), [1, 2, 3], "a clean read judges everyone");
    }

    #[test]
    fn unreadable_records_count_per_employee_and_are_named_in_errors() {
        let records = [unreadable(7, Some(3)), unreadable(7, Some(3)), unreadable(8, Some(3)), unreadable(7, None)];
        assert_eq!(unreadable_count(&records), 3, "employee 3 of company 7 twice counts once");
        let errors = unreadable_errors(&records[3..]);
        assert_eq!(errors[0].code, "unreadable_record");
        assert_eq!(
            errors[0].scope,
            serde_json::json!({"nmbrs_company_id": 7, "nmbrs_employee_id": null, "field": "StartDate"})
        );
    }
}
