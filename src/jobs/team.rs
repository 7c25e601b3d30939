//! Reading a team from Nmbrs, shared by `SyncTeam` and `Deactivate`: one call per company and
//! operation (`*_GetAll_AllEmployeesByCompany`), companies read one after the other, the
//! operations of one company at once (the client bounds calls per integration).

use std::collections::BTreeMap;

use super::ErrorItem;
use crate::{
    domain::team_sync::{self, CompanyData, Departure},
    envelope::Venue,
    events::{EventDraft, EventType},
    nmbrs::{CompanyId, ErrorKind, NmbrsApi, NmbrsError},
};

/// What a team read produced: the companies read, and those Nmbrs refused access to.
pub struct TeamRead {
    pub companies: Vec<CompanyData>,
    pub refused: Vec<(i32, NmbrsError)>,
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
    let mut read = TeamRead { companies: Vec::new(), refused: Vec::new() };
    for (company_id, eitje_venue_ids) in companies_of(venues) {
        match read_company(api, company_id, eitje_venue_ids, detail).await {
            Ok(company) => read.companies.push(company),
            Err(e) if e.kind() == ErrorKind::NoAccess => read.refused.push((company_id, e)),
            Err(e) => return Err(e),
        }
    }
    Ok(read)
}

async fn read_company(
    api: &dyn NmbrsApi,
    company_id: i32,
    eitje_venue_ids: Vec<String>,
    detail: Detail,
) -> Result<CompanyData, NmbrsError> {
    let company = CompanyId(company_id);
    let (snapshots, contracts) = futures::try_join!(api.employee_snapshots(company), api.contracts(company))?;
    let (salaries, schedules) = match detail {
        Detail::Employment => (Vec::new(), Vec::new()),
        Detail::Full => futures::try_join!(api.salaries(company), api.schedules(company))?,
    };
    Ok(CompanyData { company_id, eitje_venue_ids, snapshots, contracts, salaries, schedules })
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
