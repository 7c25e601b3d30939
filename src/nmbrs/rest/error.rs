//! What went wrong in a REST call ([`RestFailure`]) and its classification into an
//! [`ErrorKind`] (CONTRACT §5.3, REST-NOTES §1 "Errors"): by the body's `code` first, then its
//! `type`, then the HTTP status. A 403 `40303` is a missing scope or a company outside the
//! consent, told apart by the grant's scopes. Nothing here carries a token, a request body or
//! an error body's `detail` (which may echo data); only code, type and a short title.
//!
//! | code (type / status) | kind |
//! | --- | --- |
//! | 40101, 40102 (401) after the one refresh-and-repeat | `Credentials` (`nmbrs.auth_failed`) |
//! | 401 in the API gateway's shape `{statusCode, message}` (a refused subscription key), after the one repeat with `NMBRS_SUBSCRIPTION_KEY_SECONDARY` | `SubscriptionRefused` (never a refresh) |
//! | 40303 with none of the operation's scopes granted | `MissingScope` (`nmbrs.missing_rights`) |
//! | 40303 otherwise, 40304, 40305, 40404 | `NoAccess` (`nmbrs.no_access`) |
//! | 40306 on `GET /api/companies` (multi-debtor consent) | not an error: `companies()` walks the debtors |
//! | 40401 on a line's `PUT` or `DELETE` | `NotFound` (a `DELETE` answers "already gone", not an error) |
//! | 40401 elsewhere | `UnknownEmployee` on an employee's call, else `InvalidData` |
//! | 42908 (`throttlingError`, 429) | `Transient`, retried in the call with backoff honouring `Retry-After` |
//! | 42909 | `QuotaExceeded` (`nmbrs.quota_exceeded`), never retried in the call; REST then pauses for every process (`nmbrs::budget`) |
//! | not sent during that pause ([`RestFailure::Paused`]) | `QuotaExceeded`, as the 42909 it stands for |
//! | 50001, 50201, 50301, 5xx, `apiError` | `Transient`; on a POST insert after the request left: `OutcomeUnknown` |
//! | other 400/422 codes, `validationError`, `invalidRequestError` | `InvalidData` |
//! | a redirect (3xx, never followed), a read past its bounds | `Unknown` |
//! | anything else | `Unknown` |
//!
//! Whether a failed POST insert may count as "not landed" is not the kind but the proof
//! ([`RestFailure::proves_not_applied`]): only a 4xx refusal does; a 5xx never, whatever its
//! body says (issue 19 item 5).

use std::fmt;
use std::time::Duration;

use super::AuthError;
use super::operation::RestOperation;
use crate::nmbrs::ErrorKind;

/// How a REST call failed. `Display` shows no secrets and no response data.
#[derive(Debug)]
pub enum RestFailure {
    /// Nmbrs (or a gateway) answered with an error status; what its JSON error body said,
    /// when it had one (a 5xx HTML page has none).
    Status {
        status: u16,
        code: Option<u32>,
        error_type: Option<String>,
        /// The body's `title`, at most 100 characters.
        title: Option<String>,
        /// `Retry-After` in seconds, when sent.
        retry_after: Option<Duration>,
    },
    /// The API gateway in front of Nmbrs refused the subscription key: a 401 whose body is the
    /// gateway's `{"statusCode": 401, "message": …}`, not Nmbrs' error shape (REST-NOTES §7,
    /// CONTRACT §5.1). Eitje's configuration, not the customer's token.
    GatewayRefused,
    /// No complete answer within the timeout.
    Timeout { after: Duration },
    /// The connection could not be made: the request was certainly not sent.
    Connect { message: String },
    /// The connection broke after the request may have been sent (or a reply was lost).
    Transport { message: String },
    /// The response exceeded the size cap.
    TooLarge { limit: usize },
    /// A 3xx reply, never followed (`nmbrs::http`): `location` is the target's scheme and host.
    Redirected { status: u16, location: String },
    /// A paged read passed one of its bounds (`ClientConfig::max_pages`, `max_read_records`,
    /// `max_read_bytes`): `what` names it (`"pages"`, `"records"`, `"bytes"`).
    ReadTooLong { what: &'static str, limit: usize },
    /// A 2xx answer that is not the JSON the OpenAPI file describes.
    Malformed { message: String },
    /// No access token could be had (the request was not sent).
    Token(AuthError),
    /// Not sent: a `42909` paused REST for every process, and another call holds the one probe
    /// (`nmbrs::budget`).
    Paused,
    /// The REST edge answered itself, without (further) calls: a request REST cannot express
    /// (a SOAP integer id, an employee whose company it has not read, variable days it cannot
    /// set). Its kind is chosen where it is made (`nmbrs::rest::api`).
    Edge { message: String },
}

impl fmt::Display for RestFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RestFailure::Status { status, code, error_type, title, retry_after } => {
                write!(f, "HTTP {status}")?;
                if let Some(code) = code {
                    write!(f, " code {code}")?;
                }
                if let Some(t) = error_type {
                    write!(f, " ({t})")?;
                }
                if let Some(t) = title {
                    write!(f, " {t}")?;
                }
                if let Some(r) = retry_after {
                    write!(f, ", Retry-After {}s", r.as_secs())?;
                }
                Ok(())
            }
            RestFailure::GatewayRefused => {
                f.write_str("HTTP 401 from the API gateway: the app's subscription key was refused")
            }
            RestFailure::Timeout { after } => write!(f, "no complete response within {after:?}"),
            RestFailure::Connect { message } => write!(f, "could not connect: {message}"),
            RestFailure::Transport { message } => write!(f, "connection failed: {message}"),
            RestFailure::TooLarge { limit } => write!(f, "response larger than {limit} bytes"),
            RestFailure::Redirected { status, location } => {
                write!(f, "HTTP {status} redirect to {location} refused: Nmbrs clients never follow redirects")
            }
            RestFailure::ReadTooLong { what, limit } => {
                write!(f, "the read passed its limit of {limit} {what}; a company this large is not read")
            }
            RestFailure::Malformed { message } => write!(f, "unreadable response: {message}"),
            RestFailure::Token(e) => write!(f, "no access token: {e}"),
            RestFailure::Paused => f.write_str(
                "not sent: Eitje's Nmbrs REST call quota is used up (42909) and REST pauses until a probing call succeeds",
            ),
            RestFailure::Edge { message } => f.write_str(message),
        }
    }
}

impl RestFailure {
    /// The HTTP status of an error reply.
    pub fn status(&self) -> Option<u16> {
        match self {
            RestFailure::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The five-digit Nmbrs code of an error reply.
    pub fn code(&self) -> Option<u32> {
        match self {
            RestFailure::Status { code, .. } => *code,
            _ => None,
        }
    }

    /// `Retry-After` of an error reply.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            RestFailure::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The token failure, when no access token could be had.
    pub fn auth_error(&self) -> Option<&AuthError> {
        match self {
            RestFailure::Token(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the failure proves the request changed nothing, so even an insert may be
    /// repeated and a failed one counts as "not landed" (issue 19 item 5): no connection, no
    /// token, the edge answered itself, or a 4xx refusal: 401 and 429 (the gateway refuses
    /// them before the API runs) or a 4xx whose problem body carries a Nmbrs `code` or `type`.
    /// A 5xx never proves it, whatever its body looks like; nor does a redirect, a timeout, a
    /// broken connection or an unreadable 2xx.
    pub fn proves_not_applied(&self) -> bool {
        match self {
            RestFailure::Connect { .. }
            | RestFailure::Token(_)
            | RestFailure::Edge { .. }
            | RestFailure::GatewayRefused
            | RestFailure::Paused => true,
            RestFailure::Status { status: 401 | 429, .. } => true,
            RestFailure::Status { status: 400..=499, code, error_type, .. } => code.is_some() || error_type.is_some(),
            _ => false,
        }
    }
}

/// The kind of a failed call of `op` (module table). `granted`: the grant's scopes as the
/// token endpoint named them (`None` when it never did: a 40303 then counts as no access).
pub fn classify(op: RestOperation, failure: &RestFailure, granted: Option<&[String]>) -> ErrorKind {
    match failure {
        RestFailure::Status { status, code, error_type, .. } => by_code(op, *code, granted)
            .or_else(|| by_type(error_type.as_deref(), *status))
            .unwrap_or_else(|| by_status(*status)),
        RestFailure::GatewayRefused => ErrorKind::SubscriptionRefused,
        RestFailure::Timeout { .. } | RestFailure::Connect { .. } | RestFailure::Transport { .. } => {
            ErrorKind::Transient
        }
        RestFailure::TooLarge { .. }
        | RestFailure::Malformed { .. }
        | RestFailure::Edge { .. }
        | RestFailure::Redirected { .. }
        | RestFailure::ReadTooLong { .. } => ErrorKind::Unknown,
        RestFailure::Token(e) => token_kind(e),
        RestFailure::Paused => ErrorKind::QuotaExceeded,
    }
}

/// The kind of a token failure (the exact job error: `jobs::run::error::JobError::token`).
pub fn token_kind(e: &AuthError) -> ErrorKind {
    match e {
        AuthError::ConsentRequired { .. } => ErrorKind::ConsentRequired,
        AuthError::Unavailable { .. } | AuthError::StoredGrantChanged | AuthError::Store(_) => ErrorKind::Transient,
        AuthError::NotConfigured(_)
        | AuthError::ClientRejected { .. }
        | AuthError::Refused { .. }
        | AuthError::StoredTokenUnreadable(_) => ErrorKind::Unknown,
    }
}

fn by_code(op: RestOperation, code: Option<u32>, granted: Option<&[String]>) -> Option<ErrorKind> {
    Some(match code? {
        40101 | 40102 => ErrorKind::Credentials,
        40303 => match granted {
            Some(scopes) if !op.allowed_by(scopes) => {
                ErrorKind::MissingScope { operation: op.name(), scope: op.scopes().first().copied().unwrap_or("") }
            }
            _ => ErrorKind::NoAccess,
        },
        40304 | 40305 | 40404 => ErrorKind::NoAccess,
        // A line's PUT or DELETE names the line: it is the line Nmbrs does not know.
        40401 if matches!(op.method(), "PUT" | "DELETE") => ErrorKind::NotFound,
        40401 if op.template().starts_with("/api/employees/{employeeId}") => ErrorKind::UnknownEmployee,
        40401 => ErrorKind::InvalidData,
        42908 => ErrorKind::Transient,
        42909 => ErrorKind::QuotaExceeded,
        50001 | 50201 | 50301 => ErrorKind::Transient,
        _ => return None,
    })
}

fn by_type(error_type: Option<&str>, status: u16) -> Option<ErrorKind> {
    Some(match error_type? {
        "throttlingError" | "rateLimitError" => ErrorKind::Transient,
        "authenticationError" if status == 401 => ErrorKind::Credentials,
        "authenticationError" => ErrorKind::NoAccess,
        "validationError" | "invalidRequestError" => ErrorKind::InvalidData,
        "apiError" => ErrorKind::Transient,
        _ => return None,
    })
}

fn by_status(status: u16) -> ErrorKind {
    match status {
        401 => ErrorKind::Credentials,
        403 => ErrorKind::NoAccess,
        429 | 500..=599 => ErrorKind::Transient,
        400..=499 => ErrorKind::InvalidData,
        _ => ErrorKind::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, code: Option<u32>, error_type: Option<&str>) -> RestFailure {
        RestFailure::Status { status, code, error_type: error_type.map(str::to_owned), title: None, retry_after: None }
    }

    #[test]
    fn code_decides_before_type_and_status() {
        let op = RestOperation::HoursGet;
        // A 429 body whose type is unknown: the code still says quota.
        assert_eq!(classify(op, &status(429, Some(42909), Some("rateLimitError")), None), ErrorKind::QuotaExceeded);
        assert_eq!(classify(op, &status(429, Some(42908), None), None), ErrorKind::Transient);
        // Unknown code: the type decides; unknown type: the status.
        assert_eq!(classify(op, &status(400, Some(40099), Some("validationError")), None), ErrorKind::InvalidData);
        assert_eq!(classify(op, &status(503, None, None), None), ErrorKind::Transient);
        assert_eq!(classify(op, &status(418, Some(1), Some("whatever")), None), ErrorKind::InvalidData);
        assert_eq!(classify(op, &status(302, None, None), None), ErrorKind::Unknown);
    }

    #[test]
    fn forbidden_40303_is_a_missing_scope_only_when_no_listed_scope_is_granted() {
        let granted: Vec<String> = ["employee.info.read", "company.info.read"].map(str::to_owned).to_vec();
        let e = status(403, Some(40303), Some("authenticationError"));
        assert_eq!(
            classify(RestOperation::HoursPost, &e, Some(&granted)),
            ErrorKind::MissingScope {
                operation: "POST /api/employees/{employeeId}/variablehours",
                scope: "employee.payment"
            }
        );
        assert_eq!(classify(RestOperation::Employees, &e, Some(&granted)), ErrorKind::NoAccess);
        assert_eq!(classify(RestOperation::HoursPost, &e, None), ErrorKind::NoAccess, "scopes unknown");
        assert_eq!(classify(RestOperation::CurrentPeriod, &status(404, Some(40404), None), None), ErrorKind::NoAccess);
    }

    #[test]
    fn not_found_names_the_employee_on_employee_calls() {
        let e = status(404, Some(40401), Some("invalidRequestError"));
        assert_eq!(classify(RestOperation::HoursGet, &e, None), ErrorKind::UnknownEmployee);
        assert_eq!(classify(RestOperation::HoursPut, &e, None), ErrorKind::NotFound);
        assert_eq!(classify(RestOperation::WageDelete, &e, None), ErrorKind::NotFound);
        assert_eq!(classify(RestOperation::Contracts, &e, None), ErrorKind::InvalidData);
    }

    #[test]
    fn only_a_4xx_refusal_proves_an_insert_did_not_happen() {
        assert!(status(404, Some(40401), Some("invalidRequestError")).proves_not_applied());
        assert!(status(400, None, Some("validationError")).proves_not_applied());
        assert!(status(401, None, None).proves_not_applied());
        assert!(status(429, Some(42908), None).proves_not_applied());
        // A bare 4xx from something in front of Nmbrs, a 5xx however it reads, a redirect: no proof.
        assert!(!status(404, None, None).proves_not_applied());
        assert!(!status(500, Some(40001), Some("validationError")).proves_not_applied());
        assert!(!status(500, Some(50001), None).proves_not_applied());
        assert!(!RestFailure::Redirected { status: 307, location: "http://x".into() }.proves_not_applied());
        assert!(!RestFailure::Timeout { after: Duration::from_secs(1) }.proves_not_applied());
        assert!(RestFailure::Connect { message: "refused".into() }.proves_not_applied());
        assert!(RestFailure::GatewayRefused.proves_not_applied());
    }

    #[test]
    fn a_gateway_refusal_is_the_subscription_not_the_token() {
        assert_eq!(
            classify(RestOperation::HoursGet, &RestFailure::GatewayRefused, None),
            ErrorKind::SubscriptionRefused
        );
        assert_eq!(classify(RestOperation::HoursGet, &status(401, Some(40101), None), None), ErrorKind::Credentials);
    }
}
