//! The error a job attempt ends with: its class decides retry and parking, its notification
//! tells a person what to do.

use crate::{
    domain::events::{Level, Notification},
    domain::{
        nmbrs_failure::{ErrorKind, NoticeFacts, job_failure, notification},
        retry::ErrorClass,
    },
    nmbrs::{
        NmbrsError,
        rest::{AuthError, RestNotConfigured},
    },
    store::fault::{self, DbFault},
};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct JobError {
    pub class: ErrorClass,
    /// Machine-readable, e.g. `nmbrs_unavailable`, `nmbrs_auth_failed`.
    pub code: String,
    /// English, for people. Never contains credentials or a BSN.
    pub message: String,
    /// What to tell a person when the job fails for good (`None`: a generic `job.failed` one).
    pub notification: Option<Notification>,
}

impl JobError {
    pub fn transient(code: &str, message: impl Into<String>) -> Self {
        Self { class: ErrorClass::Transient, code: code.into(), message: message.into(), notification: None }
    }

    pub fn permanent(code: &str, message: impl Into<String>) -> Self {
        Self { class: ErrorClass::Permanent, code: code.into(), message: message.into(), notification: None }
    }

    /// A failure only a person can resolve, announced with `notification`.
    pub fn needs_person(code: &str, message: impl Into<String>, notification: Notification) -> Self {
        Self {
            class: ErrorClass::NeedsPerson,
            code: code.into(),
            message: message.into(),
            notification: Some(notification),
        }
    }

    /// The job error for a token failure of a `rest` integration on Nmbrs domain `domain`
    /// (CONTRACT §5.1): `invalid_grant` needs a new consent (`nmbrs.consent_required`, no
    /// retry), missing app settings fail as `rest_not_configured`, an unreachable token
    /// endpoint or database is retried on the job schedule.
    pub fn token(err: &AuthError, domain: &str) -> Self {
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

    /// The job error for a Nmbrs failure that stops the whole job: class, code and notification
    /// from the one table (`domain::nmbrs_failure`); `domain` is the integration's Nmbrs domain.
    pub fn nmbrs(err: &NmbrsError, domain: &str) -> Self {
        Self::nmbrs_at(err, domain, None)
    }

    /// [`JobError::nmbrs`] of a failure in one company's call: its notification names
    /// `company` (`nmbrs.no_access` requires `nmbrs_company_id`, CONTRACT §3).
    pub fn nmbrs_at(err: &NmbrsError, domain: &str, company: Option<crate::domain::nmbrs_id::NmbrsId>) -> Self {
        // A REST call that got no access token ends the job as the token failure it is: its
        // notification names the grant (`nmbrs.consent_required` {domain, grant_id}).
        if let NmbrsError::Rest { failure, .. } = err
            && let crate::nmbrs::rest::RestFailure::Token(auth) = failure.as_ref()
        {
            return Self::token(auth, domain);
        }
        let failure = job_failure(err.kind());
        let facts =
            NoticeFacts { domain, operation: err.operation().name(), company_id: company, ..Default::default() };
        let notification = notification(err.kind(), facts);
        // The notification's English names the cause without the fault text; otherwise the
        // (redacted) error itself.
        let message = notification.as_ref().map_or_else(|| err.to_string(), |n| n.message.clone());
        Self { class: failure.class, code: failure.code.into(), message, notification }
    }

    /// The notification sent when this error fails the job for good after `attempts` attempts.
    pub fn final_notification(&self, exhausted: bool, attempts: u32) -> Notification {
        if exhausted && self.code.starts_with("database_") {
            return Notification::new(
                Level::Error,
                "job.failed",
                format!(
                    "The worker's database failed on each of {attempts} attempts ({}); the job was stopped. Replay it once the database works again.",
                    self.message
                ),
                serde_json::json!({"code": self.code, "attempts": attempts}),
            );
        }
        if exhausted && self.code == "rest_subscription_refused" {
            // Eitje's configuration, not the customer's, and Nmbrs was reachable (CONTRACT §5.1).
            return Notification::new(
                Level::Error,
                "job.failed",
                format!(
                    "The Nmbrs API refused Eitje's app key on each of {attempts} attempts; the job was stopped. This is a setting at Eitje, not in your Nmbrs: Eitje's operations team has been alerted and runs the job again once it is fixed; you need to do nothing."
                ),
                serde_json::json!({"code": self.code, "attempts": attempts}),
            );
        }
        if exhausted {
            return Notification::new(
                Level::Error,
                "nmbrs.unavailable",
                format!(
                    "Nmbrs could not be reached after {attempts} attempts; the job was stopped. Replay it once Nmbrs is available again."
                ),
                serde_json::json!({"attempts": attempts}),
            );
        }
        self.notification.clone().unwrap_or_else(|| {
            Notification::new(
                Level::Error,
                "job.failed",
                format!("The job failed and was parked: {}", self.message),
                serde_json::json!({"code": self.code}),
            )
        })
    }
}

/// The worker's own database failed inside a handler (issue 19 item 10e): never "Nmbrs could
/// not be reached". A value of the job that the database refuses (`DbFault::Input`) fails the
/// job for good (`database_refused_value`); an unavailable database or a lost race is
/// transient and retried on the job schedule (`database_unavailable`, `database_error`).
impl From<sqlx::Error> for JobError {
    fn from(e: sqlx::Error) -> Self {
        let what = fault::describe(&e);
        match DbFault::of(&e) {
            DbFault::Input => JobError::permanent(
                "database_refused_value",
                format!("the worker's database refuses a value of this job ({what}); it would on every try"),
            ),
            DbFault::Unavailable => JobError::transient(
                "database_unavailable",
                format!("the worker's database could not be reached ({what})"),
            ),
            DbFault::Transient | DbFault::Other => {
                JobError::transient("database_error", format!("the worker's database failed ({what})"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use serde_json::json;

    use super::*;

    #[test]
    fn invalid_grant_needs_a_new_consent_and_is_not_retried() {
        let grant_id = Uuid::from_u128(9);
        let e = JobError::token(&AuthError::ConsentRequired { grant_id }, "mycompany");
        assert_eq!((e.class, e.code.as_str()), (ErrorClass::NeedsPerson, "nmbrs_consent_required"));
        let n = e.final_notification(false, 1);
        assert_eq!(n.code, "nmbrs.consent_required");
        assert_eq!(n.params, json!({"domain": "mycompany", "grant_id": grant_id.to_string()}));
    }

    #[test]
    fn missing_settings_fail_as_rest_not_configured() {
        let e = JobError::token(&RestNotConfigured { missing: vec!["NMBRS_SUBSCRIPTION_KEY"] }.into(), "d");
        assert_eq!((e.class, e.code.as_str()), (ErrorClass::Permanent, "rest_not_configured"));
        let n = e.final_notification(false, 1);
        assert_eq!((n.code.as_str(), &n.params), ("job.failed", &json!({"code": "rest_not_configured"})));
    }

    #[test]
    fn an_unreachable_token_endpoint_is_transient() {
        let e = JobError::token(&AuthError::Unavailable { detail: "HTTP 503".into() }, "d");
        assert_eq!((e.class, e.code.as_str()), (ErrorClass::Transient, "nmbrs_unavailable"));
        let client = JobError::token(&AuthError::ClientRejected { error: "invalid_client".into() }, "d");
        assert_eq!(client.class, ErrorClass::Permanent);
    }
}
