//! The one error type of the Nmbrs SOAP edge and its neutral kind: [`NmbrsError::kind`] maps
//! what happened into `domain::nmbrs_failure::ErrorKind`; what the job does about it (retry,
//! give up, ask a person, skip a company or a bucket) is the one table
//! `domain::nmbrs_failure::treat`. No variant carries credentials or response bodies.

use std::time::Duration;

use super::rest::{RestFailure, RestOperation};
use super::soap::fault::SoapFault;
use super::soap::operation::Operation;

/// A failed Nmbrs call.
#[derive(Debug, thiserror::Error)]
pub enum NmbrsError {
    /// Nmbrs (or ASMX) answered with a SOAP fault.
    #[error("{operation}: SOAP fault {fault}")]
    Fault { operation: Operation, fault: SoapFault },
    /// An HTTP error status without a SOAP fault (gateway error, HTML error page, 429).
    #[error("{operation}: HTTP {status} without a SOAP fault ({content_type})")]
    Http { operation: Operation, status: u16, content_type: String },
    /// No complete answer within the configured timeout.
    #[error("{operation}: no complete response within {after:?}")]
    Timeout { operation: Operation, after: Duration },
    /// The connection could not be made: the request was certainly not sent.
    #[error("{operation}: could not connect: {message}")]
    Connect { operation: Operation, message: String },
    /// The connection broke after the request may have been sent.
    #[error("{operation}: connection failed: {message}")]
    Transport { operation: Operation, message: String },
    /// Nmbrs (or something in front of it) answered with a redirect (3xx), which no Nmbrs client
    /// follows (`nmbrs::http`): `location` is the target's scheme and host. Check the base URL.
    #[error("{operation}: HTTP {status} redirect to {location} refused: Nmbrs clients never follow redirects")]
    Redirected { operation: Operation, status: u16, location: String },
    /// The response exceeded the configured size cap.
    #[error("{operation}: response larger than {limit} bytes")]
    TooLarge { operation: Operation, limit: usize },
    /// The response was not the expected XML.
    #[error("{operation}: unreadable response: {message}")]
    Malformed { operation: Operation, message: String },
    /// Nmbrs answered without a result where one is needed: for `Company_GetCurrentPeriod`
    /// the company has no current period ([`ErrorKind::NoCurrentPeriod`]), otherwise the
    /// response is unreadable.
    #[error("{operation}: answered without a result")]
    NoResult { operation: Operation },
    /// An insert failed transiently after the request may have reached Nmbrs: it may or
    /// may not have been applied. Never retried by the client; the caller decides (read
    /// back, or flag the bucket `export.in_doubt`).
    #[error("{operation}: outcome unknown, the insert may have been applied ({cause})")]
    OutcomeUnknown { operation: Operation, cause: Box<NmbrsError> },
    /// A Nmbrs REST call failed (CONTRACT §5.3). `kind` was decided by the REST client when
    /// the call failed ([`crate::nmbrs::rest::classify`]: by `code`, then `type`, then HTTP
    /// status, with the grant's scopes for 403 `40303`); a POST insert whose reply was lost
    /// carries [`ErrorKind::OutcomeUnknown`] here with the cause in `failure`.
    /// A REST id (UUID) where SOAP needs its integer id: nothing was sent. The company or
    /// employee does not exist for SOAP (a venue or entry of a `soap` integration naming a
    /// REST id, CONTRACT §5.2).
    #[error("{operation}: {id} is not a SOAP id")]
    ForeignId { operation: Operation, id: crate::domain::nmbrs_id::NmbrsId, company: bool },

    #[error("{operation}: {failure}")]
    Rest { operation: RestOperation, failure: Box<RestFailure>, kind: ErrorKind },
}

/// The neutral kind of a failure, shared with the REST edge; what a job does about it is the
/// one table `domain::nmbrs_failure::treat`.
pub use crate::domain::nmbrs_failure::ErrorKind;

/// How a job treats an error: the backbone's three classes, shared with the retry policy.
pub use crate::domain::retry::ErrorClass;

impl NmbrsError {
    /// The SOAP operation of the failed call; for a REST call the SOAP operation of the same
    /// need (REST-NOTES §2 pairing, [`RestOperation::soap`]), so callers written for SOAP keep
    /// working; [`NmbrsError::rest_operation`] names the REST call itself.
    pub fn operation(&self) -> Operation {
        match self {
            NmbrsError::Rest { operation, .. } => operation.soap(),
            NmbrsError::Fault { operation, .. }
            | NmbrsError::Http { operation, .. }
            | NmbrsError::Timeout { operation, .. }
            | NmbrsError::Connect { operation, .. }
            | NmbrsError::Transport { operation, .. }
            | NmbrsError::Redirected { operation, .. }
            | NmbrsError::TooLarge { operation, .. }
            | NmbrsError::Malformed { operation, .. }
            | NmbrsError::ForeignId { operation, .. }
            | NmbrsError::NoResult { operation }
            | NmbrsError::OutcomeUnknown { operation, .. } => *operation,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            NmbrsError::Fault { operation, fault } => fault.kind(*operation),
            NmbrsError::Http { status, .. } => match status {
                429 | 500..=599 => ErrorKind::Transient,
                _ => ErrorKind::Unknown,
            },
            NmbrsError::Timeout { .. } | NmbrsError::Connect { .. } | NmbrsError::Transport { .. } => {
                ErrorKind::Transient
            }
            NmbrsError::NoResult { operation: Operation::CompanyGetCurrentPeriod } => ErrorKind::NoCurrentPeriod,
            NmbrsError::TooLarge { .. } | NmbrsError::Malformed { .. } | NmbrsError::NoResult { .. } => {
                ErrorKind::Unreadable
            }
            NmbrsError::Redirected { .. } => ErrorKind::Unknown,
            NmbrsError::OutcomeUnknown { .. } => ErrorKind::OutcomeUnknown,
            NmbrsError::Rest { kind, .. } => *kind,
            NmbrsError::ForeignId { company: true, .. } => ErrorKind::NoAccess,
            NmbrsError::ForeignId { company: false, .. } => ErrorKind::UnknownEmployee,
        }
    }

    /// The REST operation of a failed REST call (`None` for SOAP).
    pub fn rest_operation(&self) -> Option<RestOperation> {
        match self {
            NmbrsError::Rest { operation, .. } => Some(*operation),
            _ => None,
        }
    }

    /// The HTTP status of a REST error reply, if the call got one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            NmbrsError::Http { status, .. } => Some(*status),
            NmbrsError::Rest { failure, .. } => failure.status(),
            _ => None,
        }
    }

    /// The token failure behind a REST error, if that was the cause (map it with
    /// `jobs::run::error::JobError::token`).
    pub fn auth_error(&self) -> Option<&super::rest::AuthError> {
        match self {
            NmbrsError::Rest { failure, .. } => failure.auth_error(),
            _ => None,
        }
    }

    /// The Nmbrs error code of a fault (`2003`, `2006`, …) or of a REST error body (`40401`,
    /// `42909`, …), if any.
    pub fn nmbrs_code(&self) -> Option<u32> {
        match self {
            NmbrsError::Fault { fault, .. } => fault.nmbrs_code,
            NmbrsError::Rest { failure, .. } => failure.code(),
            NmbrsError::OutcomeUnknown { cause, .. } => cause.nmbrs_code(),
            _ => None,
        }
    }

    /// True for fault 1002 on any operation: the API user lacks that right.
    pub fn is_missing_right(&self) -> bool {
        matches!(self.kind(), ErrorKind::MissingRight { .. })
    }

    /// Whether the failure proves that the request changed nothing in Nmbrs, so even an insert
    /// may be repeated and a failed insert counts as "not landed" (issue 19 item 5): no
    /// connection, nothing sent (a foreign id, no REST token), a SOAP fault that refuses by a
    /// published code or ASMX's `soap:Client` ([`SoapFault::proves_refusal`]), a REST 4xx
    /// refusal ([`RestFailure::proves_not_applied`]). Anything else (a lost reply, a timeout, a
    /// redirect, a 5xx whatever its body, an uncoded server fault, an unreadable answer)
    /// proves nothing: an insert that failed so is in doubt.
    pub fn proves_not_applied(&self) -> bool {
        match self {
            NmbrsError::Connect { .. } | NmbrsError::ForeignId { .. } => true,
            NmbrsError::Fault { operation, fault } => fault.proves_refusal(*operation),
            NmbrsError::Rest { failure, .. } => failure.proves_not_applied(),
            _ => false,
        }
    }

    /// This failure of an insert as in doubt ([`ErrorKind::OutcomeUnknown`], the cause kept).
    pub fn in_doubt(self) -> NmbrsError {
        match self {
            NmbrsError::Rest { operation, failure, .. } => {
                NmbrsError::Rest { operation, failure, kind: ErrorKind::OutcomeUnknown }
            }
            doubt @ NmbrsError::OutcomeUnknown { .. } => doubt,
            cause => NmbrsError::OutcomeUnknown { operation: cause.operation(), cause: Box::new(cause) },
        }
    }

    /// `Retry-After` of a REST error reply, when sent.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            NmbrsError::Rest { failure, .. } => failure.retry_after(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_failures_are_transient_and_inserts_in_doubt_need_a_person() {
        let op = Operation::HourComponentVarInsert;
        let timeout = NmbrsError::Timeout { operation: op, after: Duration::from_secs(1) };
        assert_eq!(timeout.kind(), ErrorKind::Transient);
        let http = |status| NmbrsError::Http { operation: op, status, content_type: "text/html".into() };
        assert_eq!(http(503).kind(), ErrorKind::Transient);
        assert_eq!(http(429).kind(), ErrorKind::Transient);
        assert_eq!(http(404).kind(), ErrorKind::Unknown);
        let doubt = NmbrsError::OutcomeUnknown { operation: op, cause: Box::new(timeout) };
        assert_eq!(doubt.kind(), ErrorKind::OutcomeUnknown);
    }

    #[test]
    fn a_response_without_a_usable_result_is_unreadable_except_a_missing_current_period() {
        let period = NmbrsError::NoResult { operation: Operation::CompanyGetCurrentPeriod };
        assert_eq!(period.kind(), ErrorKind::NoCurrentPeriod);
        let other = NmbrsError::NoResult { operation: Operation::ContractGetAll };
        assert_eq!(other.kind(), ErrorKind::Unreadable);
        let malformed = NmbrsError::Malformed { operation: Operation::ContractGetAll, message: "x".into() };
        assert_eq!(malformed.kind(), ErrorKind::Unreadable);
        assert_eq!(
            NmbrsError::TooLarge { operation: Operation::ContractGetAll, limit: 1 }.kind(),
            ErrorKind::Unreadable
        );
    }

    #[test]
    fn missing_right_names_the_operation() {
        let e = NmbrsError::Fault {
            operation: Operation::DaysVarGet,
            fault: SoapFault::new("soap:Server".into(), "---> 1002: Unauthorized Access".into()),
        };
        assert!(e.is_missing_right());
        assert_eq!(e.kind(), ErrorKind::MissingRight { operation: "DaysVar_Get" });
        assert_eq!(e.nmbrs_code(), Some(1002));
    }
}
