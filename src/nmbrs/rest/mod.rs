//! The Nmbrs REST edge (CONTRACT §5), beside the SOAP one: the app settings ([`RestConfig`]),
//! OAuth 2.0 token handling ([`auth`]: refresh grant, stored rotating refresh tokens, cached
//! access tokens), and the REST client ([`RestTransport`] per process, [`RestClient`] per
//! integration) with one method per need of the jobs, returning the neutral model where one
//! exists and UUID-typed records ([`records`]) otherwise, and failures classified into
//! [`crate::nmbrs::ErrorKind`] ([`classify`]).
//!
//! Wiring into the job path (not done here; `envelope` and `jobs::run::pipeline` are being
//! reshaped): `integration.nmbrs.api` parses as [`crate::credentials::ApiKind`] and the envelope
//! opens its credentials with [`crate::credentials::KeyRing::open_for`]; the process builds one
//! `Arc<TokenService>` and one [`RestTransport`] at start when [`RestConfig::app`] is `Ok`; a
//! `rest` job without it fails with `jobs::run::error::JobError::token(&AuthError::NotConfigured(..), domain)`
//! (`rest_not_configured`); each `rest` job takes `transport.client(service.source(integration_id, grant), n)`.
//!
//! | method | REST call |
//! | --- | --- |
//! | `companies` | `GET /api/companies` (on 403 `40306`: the debtor walk below) |
//! | `debtors`, `debtor_companies` | `GET /api/debtors`, `GET /api/debtors/{debtorId}/companies` |
//! | `current_period` | `GET /api/companies/{companyId}/period` |
//! | `hour_codes` | `GET /api/companies/{companyId}/hourcodes` |
//! | `wage_models` | `GET /api/companies/{companyId}/wagemodels?year&period` |
//! | `employees` | `GET /api/companies/{companyId}/employees` |
//! | `personal_infos` | `GET /api/companies/{companyId}/employees/personalinfo` |
//! | `bsns` | `GET /api/companies/{companyId}/employees/privateInfos` |
//! | `contracts`, `employments`, `salaries`, `schedules`, `addresses` | `GET /api/companies/{companyId}/employees/{contracts,employments,salaries,schedules,addresses}` |
//! | `costs_per_hour` | `GET /api/companies/{companyId}/employees/costperhour?year&period` |
//! | `variable_hours`, `insert_variable_hours`, `update_variable_hours` | `GET`, `POST`, `PUT /api/employees/{employeeId}/variablehours` |
//! | `delete_variable_hours` | `DELETE /api/employees/{employeeId}/hours/{hourComponentId}` |
//! | `variable_wages` | `GET /api/companies/{companyId}/employees/variablewagecomponents?year&period` |
//! | `insert_variable_wage`, `update_variable_wage` | `POST`, `PUT /api/employees/{employeeId}/variablewagecomponent` |
//! | `delete_variable_wage` | `DELETE /api/employees/{employeeId}/wagecomponents/{wagecomponentId}` |
//! | `variable_days`, `post_variable_days` | `GET`, `POST /api/employees/{employeeId}/variabledays` |
//!
//! [`crate::nmbrs::ComponentUpdates`] (the in-place update capability of an export, `updates.rs`)
//! is implemented here on `RestClient` with `update_variable_hours` / `update_variable_wage`.

mod access_token;
mod api;
pub mod auth;
mod auth_http;
mod calls;
mod client;
mod config;
mod error;
pub mod history;
pub mod ids;
mod keys;
mod operation;
mod pages;
pub mod records;
mod updates;
mod wire;

pub use auth::{AccessToken, AuthError, TokenService, TokenSource};
pub use auth_http::TokenHttpLimits;
pub use client::{PAGE_SIZE, RETRY_AFTER_CAP, RestClient, RestTransport, RestTransportError};
pub(crate) use client::{call_error, reply_error};
pub use config::{
    APP_VARS, DEFAULT_OAUTH_TOKEN_URL, DEFAULT_REST_BASE_URL, DaysPostSetting, RestApp, RestConfig, RestNotConfigured,
};
pub use error::{RestFailure, classify, token_kind};
pub use ids::*;
pub use operation::RestOperation;
pub use records::*;
/// The wire records the simulator serves (declared once, read by the client), and the REST
/// words it spells them with.
pub use wire::words::{EMPLOYEE_TYPES, SALARY_TYPES, employee_type_word, salary_type_word};
pub use wire::{
    Address, BasicInfo, CostPerHour, DaysRecord, Debtor, Employee, Field, Obj, PrivateInfo, ToWire, WBirthInfo,
    WCompany, WContactInfo, WContract, WCurrentPeriod, WEmployment, WEndReason, WHourCode, WPeriod, WPersonalInfo,
    WSalary, WSchedule, WWeek, WageModel, WageModelCode, period_type_word,
};
