//! The Nmbrs reads an export is planned from (CONTRACT §2.5, "validation before any write"):
//! per company its current period, both hour and wage models, and the employees it has.
//! A company Nmbrs refuses is reported, not fatal: its entries are skipped.

use std::collections::{BTreeMap, BTreeSet};

use crate::{
    domain::export::plan::CompanyFacts,
    nmbrs::{CompanyId, EmployeeId, ErrorKind, NmbrsApi, NmbrsError},
};

/// The facts per company read, and the companies Nmbrs refused access to.
pub struct Facts {
    pub companies: BTreeMap<CompanyId, CompanyFacts>,
    pub refused: Vec<(CompanyId, NmbrsError)>,
}

/// Reads every company, one after the other, the six reads of one company at once (the client
/// bounds the calls per integration). Any failure but a refusal stops the read.
pub async fn read(api: &dyn NmbrsApi, companies: &BTreeSet<CompanyId>) -> Result<Facts, NmbrsError> {
    let mut facts = Facts { companies: BTreeMap::new(), refused: Vec::new() };
    for &company in companies {
        match read_company(api, company).await {
            Ok(read) => {
                facts.companies.insert(company, read);
            }
            Err(e) if e.kind() == ErrorKind::NoAccess => facts.refused.push((company, e)),
            Err(e) => return Err(e),
        }
    }
    Ok(facts)
}

async fn read_company(api: &dyn NmbrsApi, company: CompanyId) -> Result<CompanyFacts, NmbrsError> {
    let (current_period, hours, hours2, wages, wages2, contracts) = futures::try_join!(
        api.current_period(company),
        api.hour_codes(company),
        api.hour_codes2(company),
        api.wage_codes(company),
        api.wage_codes2(company),
        api.contracts(company),
    )?;
    // The export needs only to know the employee exists: one whose contract record could
    // not be read still does (its contract dates decide nothing here).
    let unreadable = contracts.unreadable.iter().filter_map(|u| u.employee_id);
    let employees = contracts.items.iter().map(|c| c.employee_id).chain(unreadable).map(EmployeeId).collect();
    Ok(CompanyFacts { current_period, hour_models: [hours, hours2], wage_models: [wages, wages2], employees })
}
