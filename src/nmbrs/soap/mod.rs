//! The SOAP v3 edge: a client for the 21 operations the worker needs, implementing
//! `nmbrs::CompanyService` and `nmbrs::EmployeeService`. Requests are written with quick-xml's
//! writer, responses parsed as a stream, faults classified into `nmbrs::ErrorKind`s.
//!
//! Start with [`NmbrsTransport::new`] (one per process; the worker builds it on the HTTP core it
//! shares with REST, [`NmbrsTransport::with_core`]), then [`NmbrsTransport::client_for`] per
//! integration (credentials, concurrency).
//!
//! Retries inside a call follow `nmbrs::http::with_retries`: reads, deletes and `DaysVar_Set`
//! retry transient failures with exponential backoff and jitter (9999 only once); inserts retry
//! only when the failure proves the request changed nothing (connection refused, 1006), and
//! return `OutcomeUnknown` unless the fault proves a refusal ([`SoapFault::proves_refusal`]).
//! Redirects are never followed. A REST id (UUID) in a request is refused before anything is
//! sent (`NmbrsError::ForeignId`).

mod client;
mod company_service;
mod credentials;
mod employee_service;
pub mod envelope;
pub(crate) mod fault;
pub(crate) mod operation;
pub mod reader;
pub mod records;
mod text;
mod write_log;

pub use client::{ClientConfig, DEFAULT_BASE_URL, DEFAULT_MAX_CONCURRENCY, NmbrsTransport, SoapClient};
pub use credentials::SoapCredentials;
pub use fault::{SoapFault, classify_code, nmbrs_code};
pub use operation::{Effect, Operation, Service};
pub use write_log::WriteLog;
