//! How a Nmbrs failure ends a job: its class decides retry or parking, and its notification
//! tells a person what to do ("switch on the right X in Nmbrs").

use serde_json::json;

use super::JobError;
use crate::{
    events::{Level, Notification},
    nmbrs::{ErrorKind, NmbrsError, Operation},
};

/// The job error for a Nmbrs failure that stops the whole job.
pub fn job_error(err: &NmbrsError, domain: &str) -> JobError {
    match err.kind() {
        ErrorKind::Transient => JobError::transient("nmbrs_unavailable", err.to_string()),
        ErrorKind::Credentials => JobError::needs_person(
            "nmbrs_auth_failed",
            format!("Nmbrs refused the API credentials ({})", err.operation()),
            Notification::new(
                Level::Error,
                "nmbrs.auth_failed",
                format!(
                    "Nmbrs refused the API user, token or domain \"{domain}\". Check them in the Nmbrs integration settings."
                ),
                json!({"domain": domain}),
            ),
        ),
        ErrorKind::MissingRight { operation } => JobError::needs_person(
            "nmbrs_missing_rights",
            format!("the Nmbrs API user lacks the right {operation}"),
            missing_right_notification(operation),
        ),
        ErrorKind::NoAccess => JobError::needs_person(
            "nmbrs_no_access",
            format!("the Nmbrs API user has no access ({})", err.operation()),
            no_access_notification(None, err),
        ),
        _ => JobError::permanent("nmbrs_error", err.to_string()),
    }
}

/// `nmbrs.missing_rights`: the API user template lacks the right for `operation`.
pub fn missing_right_notification(operation: Operation) -> Notification {
    Notification::new(
        Level::Error,
        "nmbrs.missing_rights",
        format!("Missing right {operation} in Nmbrs: switch it on in the API user template, then retry."),
        json!({"operation": operation.to_string()}),
    )
}

/// `nmbrs.no_access`: the API user cannot see a company.
pub fn no_access_notification(company_id: Option<i32>, err: &NmbrsError) -> Notification {
    let operation = err.operation().to_string();
    let which = company_id.map_or_else(|| "a company".to_string(), |id| format!("company {id}"));
    Notification::new(
        Level::Error,
        "nmbrs.no_access",
        format!("The Nmbrs API user has no access to {which} ({operation}); give it access in Nmbrs."),
        json!({"nmbrs_company_id": company_id, "operation": operation}),
    )
}
