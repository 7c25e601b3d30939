//! The check's reads of each linked company (both APIs): its current period (is it reachable,
//! is the asked period open) and, when it is, its hour and wage models (are the mapped codes
//! there). Five reads per company on SOAP, three on REST; nothing else is read per company.

use std::collections::BTreeMap;

use crate::domain::check::findings::{Models, VenueSeen};
use crate::domain::integration::Venue;
use crate::nmbrs::{CompanyId, ErrorKind, NmbrsApi, NmbrsError};

/// What one company's reads found, with the errors of the reads that failed (their rights).
pub struct CompanyRead {
    pub company: CompanyId,
    pub venues: Vec<String>,
    pub seen: VenueSeen,
    /// `Err`: why the models could not be read.
    pub models: Result<Models, String>,
    /// The reads that failed, each with its error (a refused right shows here).
    pub failed: Vec<NmbrsError>,
}

/// The linked companies, each with the venues linked to it.
pub fn companies(venues: &[Venue]) -> BTreeMap<CompanyId, Vec<String>> {
    let mut by: BTreeMap<CompanyId, Vec<String>> = BTreeMap::new();
    for v in venues {
        by.entry(v.nmbrs_company_id).or_default().push(v.eitje_venue_id.clone());
    }
    by
}

/// Reads every company, one after the other.
pub async fn read(api: &dyn NmbrsApi, venues: &[Venue]) -> Vec<CompanyRead> {
    let mut out = Vec::new();
    for (company, venues) in companies(venues) {
        out.push(read_company(api, company, venues).await);
    }
    out
}

async fn read_company(api: &dyn NmbrsApi, company: CompanyId, venues: Vec<String>) -> CompanyRead {
    let mut failed = Vec::new();
    let seen = match api.current_period(company).await {
        Ok(current) => VenueSeen::Current(current),
        Err(e) => {
            let seen = venue_seen(&e);
            failed.push(e);
            seen
        }
    };
    let models = match &seen {
        VenueSeen::Current(_) => {
            let (h1, h2, w1, w2) = futures::join!(
                api.hour_codes(company),
                api.hour_codes2(company),
                api.wage_codes(company),
                api.wage_codes2(company)
            );
            match (h1, h2, w1, w2) {
                (Ok(h1), Ok(h2), Ok(w1), Ok(w2)) => Ok(Models { hours: [h1, h2], wages: [w1, w2] }),
                (h1, h2, w1, w2) => {
                    let errors: Vec<NmbrsError> =
                        [h1.err(), h2.err(), w1.err(), w2.err()].into_iter().flatten().collect();
                    let reason = errors.iter().map(|e| e.operation().name()).collect::<Vec<_>>().join(", ");
                    failed.extend(errors);
                    Err(format!("Nmbrs refused or failed {reason}"))
                }
            }
        }
        _ => Err("the company could not be read".to_string()),
    };
    CompanyRead { company, venues, seen, models, failed }
}

/// What a failed current-period read says about the company.
fn venue_seen(e: &NmbrsError) -> VenueSeen {
    match e.kind() {
        ErrorKind::NoAccess => VenueSeen::NoAccess,
        ErrorKind::NoCurrentPeriod => VenueSeen::NoCurrentPeriod,
        ErrorKind::MissingRight { operation } => {
            VenueSeen::Unknown { reason: format!("the right {operation} is refused") }
        }
        ErrorKind::MissingScope { scope, .. } => {
            VenueSeen::Unknown { reason: format!("the consent lacks the scope {scope}") }
        }
        kind => VenueSeen::Unknown { reason: format!("{kind:?}") },
    }
}
