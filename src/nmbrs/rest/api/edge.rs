//! What every REST read and write of the adapter shares: a REST id out of a neutral one (a SOAP
//! id refused without a call), an error the edge answers itself, and a left-out record as the
//! neutral one. A leaf, so the reads (`team.rs`, `snapshot.rs`, `lines.rs`, `days.rs`) and the
//! trait impls in `mod.rs` import it without importing each other.

use crate::nmbrs::rest::error::RestFailure;
use crate::nmbrs::rest::operation::RestOperation as Op;
use crate::nmbrs::rest::{CompanyUuid, EmployeeUuid};
use crate::nmbrs::{CompanyId, EmployeeId, ErrorKind, NmbrsError, NmbrsId, UnreadableRecord};

/// An error the edge answers itself (nothing, or nothing more, was sent).
pub(in crate::nmbrs::rest) fn edge_error(operation: Op, kind: ErrorKind, message: String) -> NmbrsError {
    NmbrsError::Rest { operation, failure: Box::new(RestFailure::Edge { message }), kind }
}

fn rest_uuid(op: Op, id: NmbrsId, what: &str, kind: ErrorKind) -> Result<uuid::Uuid, NmbrsError> {
    id.rest()
        .ok_or_else(|| edge_error(op, kind, format!("{what} {id} is a SOAP id: REST needs its UUID (nothing sent)")))
}

/// The REST id of `company`; a SOAP id is `NoAccess`, as on SOAP for a foreign company id.
pub(in crate::nmbrs::rest) fn company_uuid(op: Op, company: CompanyId) -> Result<CompanyUuid, NmbrsError> {
    rest_uuid(op, company.0, "company", ErrorKind::NoAccess).map(CompanyUuid)
}

/// The REST id of `employee`; a SOAP id is `UnknownEmployee`.
pub(in crate::nmbrs::rest) fn employee_uuid(op: Op, employee: EmployeeId) -> Result<EmployeeUuid, NmbrsError> {
    rest_uuid(op, employee.0, "employee", ErrorKind::UnknownEmployee).map(EmployeeUuid)
}

/// The REST id of a line; a SOAP line id is `InvalidData` (that bucket is refused).
pub(in crate::nmbrs::rest) fn line_uuid(op: Op, line: NmbrsId) -> Result<uuid::Uuid, NmbrsError> {
    rest_uuid(op, line, "line", ErrorKind::InvalidData)
}

/// The REST id of the employee an unreadable record names (a SOAP id names none).
pub(in crate::nmbrs::rest) fn unreadable_employee(u: &UnreadableRecord) -> Option<EmployeeUuid> {
    u.employee_id.and_then(|e| e.0.rest()).map(EmployeeUuid)
}

/// Logs the records a read left out (field and problem only, never a value).
pub(in crate::nmbrs::rest) fn log_left_out(op: Op, unread: &[UnreadableRecord]) {
    for u in unread {
        tracing::warn!(operation = op.name(), field = %u.field, problem = %u.problem, "Nmbrs REST record left out");
    }
}
