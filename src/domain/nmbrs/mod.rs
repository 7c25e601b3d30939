//! The domain's model of Nmbrs, knowing neither API (issue 9): ids that are a SOAP integer or a
//! REST UUID ([`id`]), and the records the jobs decide on ([`model`]: companies, employees,
//! contracts, salaries, schedules, cost per hour, hour and wage codes, variable hour and wage
//! lines, days), with payroll periods ([`period`]) and what a list read returns ([`listed`]). Each edge (`nmbrs::soap`, `nmbrs::rest`) maps its wire records into
//! these; `crate::nmbrs` re-exports the model for the edges and the jobs.

pub mod id;
pub mod listed;
pub mod model;
pub mod period;

pub use model::*;
