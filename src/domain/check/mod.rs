//! `CheckIntegration` (CONTRACT §2.6): is this integration ready for its next wage run? Pure
//! rules only; the job that reads Nmbrs and the store is `jobs::check`.
//!
//! - `needs`: the one table of what each job kind and setting asks of Nmbrs;
//! - `findings`: from what the check saw (a period, a model, a refusal) to its checks;
//! - `report`: the checks together: the status, the counts, the one message for a person;
//! - `payload`: the job's payload `{period?}`.

pub mod findings;
pub mod needs;
pub mod payload;
pub mod report;

#[cfg(test)]
mod findings_tests;

pub use payload::CheckPayload;
pub use report::{Check, CheckKind, CheckStatus, IntegrationStatus, Report};
