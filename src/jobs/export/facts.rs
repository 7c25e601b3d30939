//! The Nmbrs reads an export is planned from (CONTRACT §2.5, "validation before any write"):
//! per company its current period, both hour and wage models, and the employees it has.
//! A company that cannot be read (no access, no current period, an unreadable response) is
//! reported and skipped, never fatal (`domain::nmbrs_failure`, company scope); the other
//! companies go on.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use crate::domain::job_result::ErrorItem;
use crate::{
    domain::events::Notification,
    domain::{
        export::plan::CompanyFacts,
        nmbrs_failure::{CompanyError, FailureScope, NoticeFacts, Treatment, stops_job, treat},
    },
    nmbrs::{CompanyId, NmbrsApi, NmbrsError},
};

/// The facts per company read, and the companies that could not be read.
pub struct Facts {
    pub companies: BTreeMap<CompanyId, CompanyFacts>,
    pub unread: Vec<(CompanyId, UnreadCompany)>,
}

/// A company skipped because its reads failed, and the failure (for the message).
pub struct UnreadCompany {
    pub reason: CompanyError,
    pub error: NmbrsError,
}

/// Reads every company, one after the other, the six reads of one company at once (the client
/// bounds the calls per integration). A failure that fails the whole job stops the read.
pub async fn read(api: &dyn NmbrsApi, companies: &BTreeSet<CompanyId>) -> Result<Facts, NmbrsError> {
    let mut facts = Facts { companies: BTreeMap::new(), unread: Vec::new() };
    for &company in companies {
        match read_company(api, company).await {
            Ok(read) => {
                facts.companies.insert(company, read);
            }
            Err(error) => match treat(error.kind(), FailureScope::Company) {
                Treatment::Company(reason) => {
                    tracing::warn!(company = %company, %error, ?reason, "company skipped: its reads failed");
                    facts.unread.push((company, UnreadCompany { reason, error }));
                }
                Treatment::Job(_) | Treatment::Bucket(_) => return Err(error),
            },
        }
    }
    Ok(facts)
}

/// What a skipped company adds to the job's result: its `errors` item (scope: the company) and
/// its notification, if the table gives one (`nmbrs.no_access`).
pub fn report(company: CompanyId, unread: &UnreadCompany) -> (Option<Notification>, ErrorItem) {
    let scope = json!({"nmbrs_company_id": company.0});
    let code = unread.reason.code().to_owned();
    let operation = unread.error.operation();
    let facts =
        NoticeFacts { domain: "", operation: operation.name(), company_id: Some(company.0), ..Default::default() };
    let notice = unread.reason.notice().map(|n| n.notification(facts));
    let message = match (&notice, unread.reason) {
        (Some(notice), _) => notice.message.clone(),
        (None, CompanyError::NoCurrentPeriod) => {
            format!("Nmbrs gives company {} no current period ({operation}); its entries were not exported", company.0)
        }
        (None, _) => {
            format!("company {} could not be read ({}); its entries were not exported", company.0, unread.error)
        }
    };
    (notice, ErrorItem { code, message, scope })
}

async fn read_company(api: &dyn NmbrsApi, company: CompanyId) -> Result<CompanyFacts, NmbrsError> {
    let (period, hours, hours2, wages, wages2, contracts) = futures::join!(
        api.current_period(company),
        api.hour_codes(company),
        api.hour_codes2(company),
        api.wage_codes(company),
        api.wage_codes2(company),
        api.contracts(company),
    );
    fn ok<T>(r: Result<T, NmbrsError>, errors: &mut Vec<NmbrsError>) -> Option<T> {
        r.map_err(|e| errors.push(e)).ok()
    }
    let mut errors = Vec::new();
    let (period, hours, hours2) = (ok(period, &mut errors), ok(hours, &mut errors), ok(hours2, &mut errors));
    let (wages, wages2) = (ok(wages, &mut errors), ok(wages2, &mut errors));
    let contracts = ok(contracts, &mut errors);
    match (period, hours, hours2, wages, wages2, contracts) {
        (Some(current_period), Some(hours), Some(hours2), Some(wages), Some(wages2), Some(contracts)) => {
            // The export needs only to know the employee exists: one whose contract record could
            // not be read still does (its contract dates decide nothing here). A record whose
            // `EmployeeId` could not be read may be anyone missing from the list.
            let unreadable = contracts.unreadable.iter().filter_map(|u| u.employee_id);
            let employees = contracts.items.iter().map(|c| c.employee_id).chain(unreadable).collect();
            let unidentified = contracts.unreadable.iter().filter(|u| u.employee_id.is_none()).count();
            Ok(CompanyFacts {
                current_period,
                hour_models: [hours, hours2],
                wage_models: [wages, wages2],
                employees,
                unidentified: u32::try_from(unidentified).unwrap_or(u32::MAX),
            })
        }
        // Whichever failed first: a failure of the whole job wins over one of the company.
        _ => {
            let job_wide = errors.iter().position(|e| stops_job(e.kind(), FailureScope::Company));
            Err(errors.swap_remove(job_wide.unwrap_or(0)))
        }
    }
}
