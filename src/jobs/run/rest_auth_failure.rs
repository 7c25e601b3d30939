//! How a token failure of a `rest` integration ends a job (CONTRACT §5.1): `invalid_grant`
//! needs a new consent (`nmbrs.consent_required`, no retry), missing app settings fail as
//! `rest_not_configured`, an unreachable token endpoint or database is retried on the job
//! schedule.

use super::error::JobError;
use crate::{
    domain::nmbrs_failure::{ErrorKind, NoticeFacts, job_failure, notification},
    nmbrs::rest::{AuthError, RestNotConfigured},
};

/// The job error for a token failure of the integration on Nmbrs domain `domain`.
pub fn job_error(err: &AuthError, domain: &str) -> JobError {
    match err {
        AuthError::NotConfigured(_) => JobError::permanent(RestNotConfigured::CODE, err.to_string()),
        AuthError::ConsentRequired { grant_id } => {
            // The one table (`domain::nmbrs_failure`) names the code and the notification.
            let kind = ErrorKind::ConsentRequired;
            let grant_id = grant_id.to_string();
            let facts = NoticeFacts { domain, grant_id: Some(&grant_id), ..Default::default() };
            let notice = notification(kind, facts).expect("a consent failure notifies");
            JobError::needs_person(job_failure(kind).code, err.to_string(), notice)
        }
        AuthError::ClientRejected { .. } | AuthError::Refused { .. } => {
            JobError::permanent("nmbrs_token_refused", err.to_string())
        }
        AuthError::StoredTokenUnreadable(_) => JobError::permanent("oauth_grant_unreadable", err.to_string()),
        AuthError::Unavailable { .. } => JobError::transient("nmbrs_unavailable", err.to_string()),
        AuthError::StoredGrantChanged | AuthError::Store(_) => {
            JobError::transient("database_unavailable", err.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use serde_json::json;

    use super::*;
    use crate::domain::retry::ErrorClass;

    #[test]
    fn invalid_grant_needs_a_new_consent_and_is_not_retried() {
        let grant_id = Uuid::from_u128(9);
        let e = job_error(&AuthError::ConsentRequired { grant_id }, "mycompany");
        assert_eq!((e.class, e.code.as_str()), (ErrorClass::NeedsPerson, "nmbrs_consent_required"));
        let n = e.final_notification(false, 1);
        assert_eq!(n.code, "nmbrs.consent_required");
        assert_eq!(n.params, json!({"domain": "mycompany", "grant_id": grant_id.to_string()}));
    }

    #[test]
    fn missing_settings_fail_as_rest_not_configured() {
        let e = job_error(&RestNotConfigured { missing: vec!["NMBRS_SUBSCRIPTION_KEY"] }.into(), "d");
        assert_eq!((e.class, e.code.as_str()), (ErrorClass::Permanent, "rest_not_configured"));
        let n = e.final_notification(false, 1);
        assert_eq!((n.code.as_str(), &n.params), ("job.failed", &json!({"code": "rest_not_configured"})));
    }

    #[test]
    fn an_unreachable_token_endpoint_is_transient() {
        let e = job_error(&AuthError::Unavailable { detail: "HTTP 503".into() }, "d");
        assert_eq!((e.class, e.code.as_str()), (ErrorClass::Transient, "nmbrs_unavailable"));
        let client = job_error(&AuthError::ClientRejected { error: "invalid_client".into() }, "d");
        assert_eq!(client.class, ErrorClass::Permanent);
    }
}
