//! The one table from a Nmbrs failure to what a job does about it (issue 9, CONTRACT §2.3
//! "Real Nmbrs data is untidy", §3, §4, §5.3). Each API maps its errors into the neutral
//! [`ErrorKind`] at its edge (SOAP: fault codes, OPERATIONS.md §5, in `nmbrs::fault`; REST:
//! `code`, then `type`, then status, CONTRACT §5.3); [`treat`] then decides, from the kind and
//! the [`FailureScope`] the failed call served, in one place:
//! - **whole job**: the job error's class (retry or not), its error code, and the notification
//!   a person gets when it fails for good ([`JobFailure`]);
//! - **company**: whether only that company is skipped, and the `errors[].code` naming it
//!   ([`CompanyError`]), the same for `SyncTeam`, `Deactivate` and `ExportHours`;
//! - **bucket**: whether only that bucket stops, and how ([`BucketOutcome`]).
//!
//! | kind | job | company | bucket |
//! | --- | --- | --- | --- |
//! | `Transient` | transient `nmbrs_unavailable` (`nmbrs.unavailable` when the retries run out) | job | job |
//! | `Credentials` | needs a person `nmbrs_auth_failed`, `nmbrs.auth_failed` | job | job |
//! | `MissingRight` | needs a person `nmbrs_missing_rights`, `nmbrs.missing_rights` | job | job |
//! | `NoAccess` | needs a person `nmbrs_no_access`, `nmbrs.no_access` | `nmbrs.no_access` (notified) | refused |
//! | `NoCurrentPeriod` | permanent `nmbrs_error` | `nmbrs.no_current_period` | refused |
//! | `Unreadable`, `InvalidData`, `UnknownEmployee`, `NotFound`, `PeriodClosed`, `Unknown` | permanent `nmbrs_error` | `nmbrs.unreadable_response` | refused |
//! | `OutcomeUnknown` | permanent `nmbrs_error` | `nmbrs.unreadable_response` | in doubt |
//! | `QuotaExceeded` (REST 42909) | transient `nmbrs_quota_exceeded`, `nmbrs.quota_exceeded` | job | job |
//! | `MissingScope` (REST 403 40303, scope not granted) | needs a person `nmbrs_missing_rights`, `nmbrs.missing_rights` {operation, scope} | job | job |
//! | `ConsentRequired` (REST `invalid_grant`) | needs a person `nmbrs_consent_required`, `nmbrs.consent_required` | job | job |
//! | `SubscriptionRefused` (REST gateway 401) | transient `rest_subscription_refused` (Eitje's configuration: no customer notification) | job | job |
//!
//! A closed period is a bucket matter: the export checks the period before it writes
//! (`export.period_closed` comes from planning); a write Nmbrs refuses as closed afterwards
//! stops only its bucket. The optional read-backs (`HourComponentVar_Get`,
//! `WageComponentVar_Get`) are not asked here: a missing right there is a normal outcome
//! (CONTRACT §2.3), decided by the export's read-back rules.
//!
//! The REST edge's throttling (42908, with or without `Retry-After`) is `Transient`: it is
//! retried inside the call with backoff. A used-up quota (42909) is `QuotaExceeded`: never
//! retried inside the call, the job goes on its retry schedule (CONTRACT §5.3).
//!
//! **Adding a kind**: one [`ErrorKind`] variant and one arm in [`treat`], plus its notification
//! in [`Notice::notification`] if it has a new one. `treat` matches every kind without a
//! wildcard, so the compiler points at the arm to write.

use serde_json::json;

use crate::{
    domain::events::{Level, Notification},
    domain::retry::ErrorClass,
};

/// What kind of failure, in neutral terms (either API maps into it at its edge).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Nmbrs unavailable: connection, timeout, 429/5xx without a fault, SOAP faults 1006,
    /// 2019/2020, 9999. Retried inside the call, then on the job's schedule.
    Transient,
    /// The API user, token or domain is wrong (SOAP 1000/1001/1004/2043).
    Credentials,
    /// The API user lacks the right for `operation` (SOAP 1002; the operation's name).
    MissingRight { operation: &'static str },
    /// No access to the company or debtor (SOAP 1003/2004/2009).
    NoAccess,
    /// The employee does not exist or is not visible (SOAP 2003).
    UnknownEmployee,
    /// The thing a call names (a line to delete or change) does not exist (any more): SOAP
    /// fault 2046, REST 404 `40401` on a line's `PUT` or `DELETE`. Decided at the edge, so a job
    /// matches this kind, never a wire code.
    NotFound,
    /// The request was refused as invalid (SOAP 2001/2002/2006, other 20xx, `soap:Client`).
    InvalidData,
    /// The period is closed (SOAP 2011/2012, 9999 mentioning TWK).
    PeriodClosed,
    /// An insert may or may not have landed (its reply was lost).
    OutcomeUnknown,
    /// The company's current period was asked for and Nmbrs answered without one.
    NoCurrentPeriod,
    /// A response that cannot be read at all (not the expected XML, too large, a result missing).
    Unreadable,
    /// Anything else Nmbrs refused.
    Unknown,
    /// REST 429 `42909`: the plan's call quota is used up. Retried on the job schedule, never
    /// inside the call; `nmbrs.quota_exceeded`, and `job.failed` `nmbrs_quota_exceeded` when the
    /// schedule runs out (CONTRACT §5.3).
    QuotaExceeded,
    /// REST 403 `40303` for an operation the grant holds none of the scopes for (CONTRACT §5.3):
    /// `operation` is `"METHOD /path/template"`, `scope` the first scope the OpenAPI file lists
    /// for it (`nmbrs.missing_rights`); only a new consent helps.
    MissingScope { operation: &'static str, scope: &'static str },
    /// REST: the token endpoint refused the grant (`invalid_grant`): a person must consent again
    /// (`nmbrs.consent_required`, no retry; CONTRACT §5.1).
    ConsentRequired,
    /// REST: the API gateway refused Eitje's subscription key (a 401 in the gateway's shape,
    /// also with `NMBRS_SUBSCRIPTION_KEY_SECONDARY`). Eitje's configuration, not the customer's:
    /// retried on the job's schedule, seen by operations at once (CONTRACT §5.1).
    SubscriptionRefused,
}

/// What the failed call served: the whole job, one company's reads (or one of its
/// employees' reads, e.g. a cost per hour), or one export bucket's write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureScope {
    Job,
    Company,
    Bucket,
}

/// What a failure does in its scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Treatment {
    /// The whole job stops (a failure of a company or bucket read may still be one).
    Job(JobFailure),
    /// Only the company is skipped and named in `errors`; the other companies go on.
    Company(CompanyError),
    /// Only the bucket stops; the others are written.
    Bucket(BucketOutcome),
}

/// A failure that stops the whole job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobFailure {
    /// Retry later, or park (CONTRACT §4).
    pub class: ErrorClass,
    /// `job.failed` `error.code` (and `x-nmbrs-error-code` of the parked message).
    pub code: &'static str,
    /// The notification a person gets when the job fails for good; `None`: the generic
    /// `job.failed {code}` (or `nmbrs.unavailable` once a transient failure used up the retries).
    pub notice: Option<Notice>,
}

/// A notification code of CONTRACT §3 and its level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Notice {
    pub code: &'static str,
    pub level: Level,
}

/// Why a company was skipped: its `job.completed` `errors[].code` (scope: the company), the same
/// in every job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CompanyError {
    /// No access to the company (`nmbrs.no_access`, also notified).
    NoAccess,
    /// `Company_GetCurrentPeriod` answered without a period: nothing can be booked, and no
    /// cost per hour read.
    NoCurrentPeriod,
    /// A read's response could not be read at all, or a refusal that is not about the job.
    UnreadableResponse,
}

/// How one bucket's write ends when Nmbrs fails it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BucketOutcome {
    /// Nmbrs refused it (closed meanwhile, employee gone, no access): reported `refused`, its
    /// contributions skipped `nmbrs_refused`, left dirty for a later export.
    Refused,
    /// The insert may have landed (`export.in_doubt`).
    InDoubt,
}

const AUTH_FAILED: Notice = Notice { code: "nmbrs.auth_failed", level: Level::Error };
const MISSING_RIGHTS: Notice = Notice { code: "nmbrs.missing_rights", level: Level::Error };
const NO_ACCESS: Notice = Notice { code: "nmbrs.no_access", level: Level::Error };
const QUOTA_EXCEEDED: Notice = Notice { code: "nmbrs.quota_exceeded", level: Level::Warning };
const CONSENT_REQUIRED: Notice = Notice { code: "nmbrs.consent_required", level: Level::Error };

/// The table: what a failure of `kind` does in `scope` (see the module doc).
pub fn treat(kind: ErrorKind, scope: FailureScope) -> Treatment {
    use ErrorKind as K;
    let job = |class, code, notice| Treatment::Job(JobFailure { class, code, notice });
    let permanent = job(ErrorClass::Permanent, "nmbrs_error", None);
    // A failure that concerns only the company or bucket it happened in.
    let local = |as_job: Treatment, company| match scope {
        FailureScope::Job => as_job,
        FailureScope::Company => Treatment::Company(company),
        FailureScope::Bucket => Treatment::Bucket(BucketOutcome::Refused),
    };
    match kind {
        K::Transient => job(ErrorClass::Transient, "nmbrs_unavailable", None),
        K::Credentials => job(ErrorClass::NeedsPerson, "nmbrs_auth_failed", Some(AUTH_FAILED)),
        K::MissingRight { .. } | K::MissingScope { .. } => {
            job(ErrorClass::NeedsPerson, "nmbrs_missing_rights", Some(MISSING_RIGHTS))
        }
        K::QuotaExceeded => job(ErrorClass::Transient, "nmbrs_quota_exceeded", Some(QUOTA_EXCEEDED)),
        K::ConsentRequired => job(ErrorClass::NeedsPerson, "nmbrs_consent_required", Some(CONSENT_REQUIRED)),
        K::SubscriptionRefused => job(ErrorClass::Transient, "rest_subscription_refused", None),
        K::NoAccess => local(job(ErrorClass::NeedsPerson, "nmbrs_no_access", Some(NO_ACCESS)), CompanyError::NoAccess),
        K::NoCurrentPeriod => local(permanent, CompanyError::NoCurrentPeriod),
        K::Unreadable | K::InvalidData | K::UnknownEmployee | K::NotFound | K::PeriodClosed | K::Unknown => {
            local(permanent, CompanyError::UnreadableResponse)
        }
        K::OutcomeUnknown => match scope {
            FailureScope::Bucket => Treatment::Bucket(BucketOutcome::InDoubt),
            _ => local(permanent, CompanyError::UnreadableResponse),
        },
    }
}

/// The job column of the table: what a failure of `kind` does when it stops the whole job.
pub fn job_failure(kind: ErrorKind) -> JobFailure {
    let Treatment::Job(failure) = treat(kind, FailureScope::Job) else {
        unreachable!("in the job scope every failure stops the job")
    };
    failure
}

/// The notification of a failure of `kind` as its job row gives it (e.g. `nmbrs.missing_rights`
/// for a read-back right the export did without), if any.
pub fn notification(kind: ErrorKind, facts: NoticeFacts<'_>) -> Option<Notification> {
    let facts = match kind {
        // A REST scope names itself: the operation is the method and path template.
        ErrorKind::MissingScope { operation, scope } => NoticeFacts { operation, scope: Some(scope), ..facts },
        _ => facts,
    };
    job_failure(kind).notice.map(|notice| notice.notification(facts))
}

/// Whether a failure in `scope` stops the whole job (rather than only its company or bucket).
pub fn stops_job(kind: ErrorKind, scope: FailureScope) -> bool {
    matches!(treat(kind, scope), Treatment::Job(_))
}

impl CompanyError {
    /// The `errors[].code` naming the company.
    pub fn code(self) -> &'static str {
        match self {
            CompanyError::NoAccess => "nmbrs.no_access",
            CompanyError::NoCurrentPeriod => "nmbrs.no_current_period",
            CompanyError::UnreadableResponse => "nmbrs.unreadable_response",
        }
    }

    /// The notification besides the `errors` item, if any.
    pub fn notice(self) -> Option<Notice> {
        match self {
            CompanyError::NoAccess => Some(NO_ACCESS),
            CompanyError::NoCurrentPeriod | CompanyError::UnreadableResponse => None,
        }
    }
}

impl BucketOutcome {
    /// The `errors[].code` naming the bucket (scope: the bucket).
    pub fn code(self) -> &'static str {
        match self {
            BucketOutcome::Refused => "nmbrs_refused",
            BucketOutcome::InDoubt => "export.in_doubt",
        }
    }
}

/// What a notification of a failure names (CONTRACT §3 `params`).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoticeFacts<'a> {
    /// The integration's Nmbrs domain.
    pub domain: &'a str,
    /// The failed operation's name.
    pub operation: &'a str,
    /// The company concerned, when known.
    pub company_id: Option<crate::domain::nmbrs_id::NmbrsId>,
    /// The REST scope the grant lacks (`nmbrs.missing_rights` of a REST integration).
    pub scope: Option<&'a str>,
    /// The consent (`nmbrs.consent_required`, CONTRACT §5.1).
    pub grant_id: Option<&'a str>,
}

impl Notice {
    /// The notification, in English, with the `params` CONTRACT §3 gives its code.
    pub fn notification(self, facts: NoticeFacts<'_>) -> Notification {
        let NoticeFacts { domain, operation, company_id, scope, grant_id } = facts;
        let (message, params) = match self.code {
            "nmbrs.auth_failed" => (
                format!(
                    "Nmbrs refused the API user, token or domain \"{domain}\". Check them in the Nmbrs integration settings."
                ),
                json!({"domain": domain}),
            ),
            "nmbrs.missing_rights" => match scope {
                None => (
                    format!("Missing right {operation} in Nmbrs: switch it on in the API user template, then retry."),
                    json!({"operation": operation}),
                ),
                Some(scope) => (
                    format!(
                        "Eitje's Nmbrs consent lacks the scope {scope} ({operation}): connect Nmbrs again in Eitje and grant it."
                    ),
                    json!({"operation": operation, "scope": scope}),
                ),
            },
            // The quota counts per subscription key, Eitje's app (CONTRACT §5.3): the scope tells
            // the notification service to route it to Eitje's operations, not the customer.
            "nmbrs.quota_exceeded" => (
                format!(
                    "Eitje's Nmbrs API call quota (one for all customers) is used up; the job for \"{domain}\" is retried later. Nothing to do for the customer: Eitje's operations raise the plan if this repeats."
                ),
                json!({"domain": domain, "scope": "subscription"}),
            ),
            "nmbrs.consent_required" => (
                format!(
                    "Nmbrs no longer accepts Eitje's access to \"{domain}\" (the consent was revoked or expired). Connect Nmbrs again in Eitje to give consent."
                ),
                json!({"domain": domain, "grant_id": grant_id}),
            ),
            "nmbrs.no_access" => {
                let which = company_id.map_or_else(|| "a company".to_string(), |id| format!("company {id}"));
                (
                    format!("The Nmbrs API user has no access to {which} ({operation}); give it access in Nmbrs."),
                    json!({"nmbrs_company_id": company_id, "operation": operation}),
                )
            }
            other => (format!("Nmbrs failed ({other}, {operation})."), json!({})),
        };
        Notification::new(self.level, self.code, message, params)
    }
}

#[cfg(test)]
#[path = "nmbrs_failure_tests.rs"]
mod tests;
