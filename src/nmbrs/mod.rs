//! The Nmbrs edge: a SOAP v3 client for the 21 operations the worker needs, behind the
//! [`NmbrsApi`] trait that jobs depend on. Requests are written with quick-xml's writer,
//! responses parsed as a stream, faults classified into [`ErrorKind`]s. No business rules.
//!
//! Start with [`NmbrsTransport::new`] (one per process: connection pool, global rate
//! limit), then [`NmbrsTransport::client`] per integration (credentials, concurrency).
//!
//! How a job reads a failure: `err.kind()` ([`ErrorKind`]), then `kind.class()`
//! ([`ErrorClass`]) and `kind.notification_code()`:
//!
//! | kind | class | notification | typical cause |
//! | --- | --- | --- | --- |
//! | `Transient` | transient (retry the job later) | `nmbrs.unavailable` once retries run out | timeout, connection, 429/5xx, 1006, 9999 |
//! | `Credentials` | needs a person | `nmbrs.auth_failed` | 1001/1000/1004/2043 |
//! | `MissingRight { operation }` | needs a person (normal for read-backs) | `nmbrs.missing_rights` | 1002 |
//! | `NoAccess` | needs a person | `nmbrs.no_access` | 1003/2004/2009 |
//! | `PeriodClosed` | needs a person | `export.period_closed` | 2011/2012 |
//! | `OutcomeUnknown` | needs a person | `export.in_doubt` | insert sent, answer lost |
//! | `UnknownEmployee` | permanent (skip `unknown_employee`) | — | 2003 |
//! | `InvalidData` | permanent | — | 2001/2002/2006, `soap:Client` |
//! | `Unknown` | permanent | — | anything else |
//! | `QuotaExceeded` | transient (job schedule, never in the call) | `nmbrs.quota_exceeded` | REST 429 `42909` |
//! | `MissingScope { operation, scope }` | needs a person (new consent) | `nmbrs.missing_rights` | REST 403 `40303`, scope not granted |
//! | `ConsentRequired` | needs a person (no retry) | `nmbrs.consent_required` | REST refresh refused (`invalid_grant`) |
//!
//! REST failures are [`NmbrsError::Rest`]; their kind is decided in [`rest::classify`] (code,
//! then type, then status; 40303 by the grant's scopes); REST maps onto the SOAP kinds above
//! where the meaning is the same (401 → `Credentials`, 40303/40404 → `NoAccess`, 5xx/42908 →
//! `Transient`, a lost POST reply → `OutcomeUnknown`).
//!
//! Retries inside a call: reads, deletes and `DaysVar_Set` retry transient failures with
//! exponential backoff and jitter (9999 only once); inserts retry only when the request
//! certainly did not reach Nmbrs (connection refused, 1006), otherwise they return
//! `OutcomeUnknown`.

mod client;
mod company_service;
mod credentials;
mod employee_service;
pub mod envelope;
mod error;
mod fault;
mod operation;
pub mod reader;
pub mod records;
pub mod rest;
mod types;

pub use client::{ClientConfig, DEFAULT_BASE_URL, DEFAULT_MAX_CONCURRENCY, NmbrsTransport, SoapClient};
pub use company_service::CompanyService;
pub use credentials::Credentials;
pub use employee_service::EmployeeService;
pub use error::{ErrorClass, ErrorKind, NmbrsError};
pub use fault::{SoapFault, classify_code, nmbrs_code};
pub use operation::{Effect, Operation, Service};
pub use types::*;

/// Everything a job needs from Nmbrs. Implemented by [`SoapClient`]; a REST client (Nmbrs
/// ends SOAP on 2027-03-01) or a test double implements the two service traits too.
pub trait NmbrsApi: EmployeeService + CompanyService {}

impl<T: EmployeeService + CompanyService + ?Sized> NmbrsApi for T {}
