//! Company isolation in the export (CONTRACT §2.3 "a company whose reads fail outright", issue
//! 11 field 05): one company Nmbrs cannot tell the export about never fails the others. Its
//! entries are skipped (`nmbrs_refused`), it is named in `errors`, the job is `partial`.
//! Only credentials, a right the export cannot do without, or Nmbrs being unavailable fail the
//! whole job.

use serde::{Deserialize, Serialize};

use crate::nmbrs::{ErrorKind, Operation};

/// Why a company's facts could not be read, when that skips only the company.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unread {
    /// The API user has no access to the company (`nmbrs.no_access`).
    NoAccess,
    /// `Company_GetCurrentPeriod` answered without a period: nothing can be booked.
    NoCurrentPeriod,
    /// A read's response could not be read at all, or a fault that is not about the job.
    Unreadable,
}

impl Unread {
    /// The `errors[].code` of `job.completed` naming the company.
    pub fn error_code(self) -> &'static str {
        match self {
            Unread::NoAccess => "nmbrs.no_access",
            Unread::NoCurrentPeriod => "nmbrs.no_current_period",
            Unread::Unreadable => "nmbrs.unreadable_response",
        }
    }
}

/// What a failed read of a company's facts does to the export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadFailure {
    /// The whole job fails (credentials, a missing right: every company read is needed) or is
    /// retried later (Nmbrs unavailable).
    Job,
    /// Only this company is skipped.
    Company(Unread),
}

/// Classifies a failed company read of `operation` whose error is of `kind`; `no_result`:
/// Nmbrs answered without a result.
pub fn read_failure(kind: ErrorKind, operation: Operation, no_result: bool) -> ReadFailure {
    match kind {
        ErrorKind::Transient | ErrorKind::Credentials | ErrorKind::MissingRight { .. } => ReadFailure::Job,
        ErrorKind::NoAccess => ReadFailure::Company(Unread::NoAccess),
        _ if no_result && operation == Operation::CompanyGetCurrentPeriod => {
            ReadFailure::Company(Unread::NoCurrentPeriod)
        }
        _ => ReadFailure::Company(Unread::Unreadable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERIOD: Operation = Operation::CompanyGetCurrentPeriod;

    #[test]
    fn only_credentials_a_missing_right_or_nmbrs_unavailable_fail_the_job() {
        assert_eq!(read_failure(ErrorKind::Transient, PERIOD, false), ReadFailure::Job);
        assert_eq!(read_failure(ErrorKind::Credentials, PERIOD, false), ReadFailure::Job);
        let right = ErrorKind::MissingRight { operation: Operation::ContractGetAll };
        assert_eq!(read_failure(right, Operation::ContractGetAll, false), ReadFailure::Job);
    }

    #[test]
    fn a_company_that_cannot_be_read_is_skipped_alone() {
        let company = |kind, op, no_result| match read_failure(kind, op, no_result) {
            ReadFailure::Company(unread) => unread,
            ReadFailure::Job => panic!("{kind:?} of {op} fails the job"),
        };
        assert_eq!(company(ErrorKind::NoAccess, PERIOD, false), Unread::NoAccess);
        assert_eq!(company(ErrorKind::Unknown, PERIOD, true), Unread::NoCurrentPeriod);
        assert_eq!(company(ErrorKind::Unknown, PERIOD, false), Unread::Unreadable);
        assert_eq!(company(ErrorKind::Unknown, Operation::HourModelGetHourCodes, true), Unread::Unreadable);
        for kind in [ErrorKind::InvalidData, ErrorKind::UnknownEmployee, ErrorKind::PeriodClosed] {
            assert_eq!(company(kind, Operation::WageModelGetWageCodes, false), Unread::Unreadable);
        }
    }

    #[test]
    fn each_reason_has_its_error_code() {
        let codes = [Unread::NoAccess, Unread::NoCurrentPeriod, Unread::Unreadable].map(Unread::error_code);
        assert_eq!(codes, ["nmbrs.no_access", "nmbrs.no_current_period", "nmbrs.unreadable_response"]);
    }
}
