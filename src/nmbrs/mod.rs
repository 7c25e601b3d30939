//! The Nmbrs edge: a SOAP v3 client for the 21 operations the worker needs, behind the
//! [`NmbrsApi`] trait that jobs depend on. Requests are written with quick-xml's writer,
//! responses parsed as a stream, faults classified into [`ErrorKind`]s. No business rules.
//!
//! Start with [`NmbrsTransport::new`] (one per process: connection pool, global rate
//! limit), then [`NmbrsTransport::client`] per integration (credentials, concurrency).
//!
//! How a job reads a failure: `err.kind()` maps it into the neutral [`ErrorKind`] (SOAP fault
//! codes per OPERATIONS.md §5 in `fault`); what the job does about it in the scope of the
//! failed call (the whole job, one company, one bucket) is the one table
//! `domain::nmbrs_failure::treat`, shared with the REST edge.
//!
//! REST failures are [`NmbrsError::Rest`]; their kind is decided in [`rest::classify`] (code,
//! then type, then status; 40303 by the grant's scopes); REST maps onto the same kinds where the
//! meaning is the same (401 → `Credentials`, 40303/40404 → `NoAccess`, 5xx/42908 → `Transient`,
//! a lost POST reply → `OutcomeUnknown`) and adds `QuotaExceeded` (42909), `MissingScope` (403
//! `40303`, scope not granted) and `ConsentRequired` (`invalid_grant`).
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
pub use employee_service::{ComponentUpdates, EmployeeService};
pub use error::{ErrorClass, ErrorKind, NmbrsError};
pub use fault::{SoapFault, classify_code, nmbrs_code};
pub use operation::{Effect, Operation, Service};
pub use types::*;

/// Everything a job needs from Nmbrs. Implemented by [`SoapClient`] and by [`rest::RestClient`]
/// (Nmbrs ends SOAP on 2027-03-01; the mapping is in `rest/api/`); a test double implements the
/// two service traits too.
pub trait NmbrsApi: EmployeeService + CompanyService {}

impl<T: EmployeeService + CompanyService + ?Sized> NmbrsApi for T {}
