//! The Nmbrs edges: what a job needs from Nmbrs as the [`NmbrsApi`] traits (`api`), in the
//! neutral records of `domain::nmbrs::model` (re-exported here), and its two implementations
//! side by side: [`soap`] (SOAP v3, `NmbrsTransport` → `SoapClient`) and [`rest`] (REST with
//! OAuth 2.0, `RestTransport` → `RestClient`). Which one a job gets is decided by its
//! integration's `nmbrs.api` (`jobs::run::connector`). No business rules here.
//!
//! How a job reads a failure: `err.kind()` maps it into the neutral [`ErrorKind`]; what the job
//! does about it in the scope of the failed call (the whole job, one company, one bucket) is the
//! one table `domain::nmbrs_failure::treat`. SOAP faults are classified per OPERATIONS.md §5
//! (`soap::fault`); REST failures are [`NmbrsError::Rest`], their kind decided in
//! [`rest::classify`] (code, then type, then status; 40303 by the grant's scopes). REST maps onto
//! the same kinds where the meaning is the same (401 → `Credentials`, 40303/40404 → `NoAccess`,
//! 5xx/42908 → `Transient`, a lost POST reply → `OutcomeUnknown`, a line's 404 `40401` and SOAP's
//! 2046 → `NotFound`) and adds `QuotaExceeded` (42909), `MissingScope` (403 `40303`, scope not
//! granted) and `ConsentRequired` (`invalid_grant`).
//!
//! Both clients and the token client stand on one HTTP core, [`http`]: no redirects, one
//! calls-per-second limit and per-integration permits, one retry policy, capped bodies, bounded
//! error text, and one rule for a failed insert (in doubt unless the reply proves a refusal).

mod api;
pub mod budget;
mod catalogue;
mod error;
pub mod http;
pub mod rest;
pub mod soap;

pub use crate::domain::nmbrs::model::*;
pub use api::{CompanyService, ComponentUpdates, EmployeeService, NmbrsApi};
pub use catalogue::Effect;
pub use error::{ErrorClass, ErrorKind, NmbrsError};
pub use soap::{
    ClientConfig, DEFAULT_BASE_URL, DEFAULT_MAX_CONCURRENCY, NmbrsTransport, Operation, Service, SoapClient,
    SoapCredentials, SoapFault, classify_code, nmbrs_code,
};
