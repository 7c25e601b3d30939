//! Planning an hours export (issue 5, CONTRACT §2.5): pure rules, no I/O.
//!
//! The way through, one file per step:
//! - [`payload`]: the typed `ExportHours` payload;
//! - [`contributions`]: an entry's parts, the rules that skip them, the bucket each books on;
//! - [`validation`]: the company-side checks (period open and valid, code in the models);
//! - [`ledger`]: per entry its live contributions, and bucket values derived from them;
//! - [`actions`]: the write that brings one bucket in Nmbrs to its wanted value;
//! - [`plan`]: all of the above for one export, given what the handler read from Nmbrs and
//!   its ledger tables, plus the notifications and the `hours.exported` payload.
//!
//! The handler (I/O) reads the facts, calls [`plan::plan`], carries out the bucket actions
//! in the crash-safe order (record intent, delete own, insert, record id) and stores the new
//! ledger; none of that is here.

pub mod actions;
pub mod contributions;
pub mod ledger;
pub mod notify;
pub mod payload;
pub mod plan;
pub mod validation;

#[cfg(test)]
mod proptests;

#[cfg(test)]
pub(crate) mod testkit;
