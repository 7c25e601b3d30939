//! Planning an hours export (issue 5, CONTRACT §2.5): pure rules, no I/O.
//!
//! The way through, one file per step:
//! - [`payload`]: the typed `ExportHours` payload;
//! - [`bounds`]: what one export may carry (each entry id once; hours, meals, amounts in bounds);
//! - [`contributions`]: an entry's parts, the rules that skip them, the bucket each books on;
//! - [`validation`]: the company-side checks (period open and valid, code in the models);
//! - [`ledger`]: per entry its live contributions, and bucket values derived from them;
//! - [`actions`]: the write that brings one bucket in Nmbrs to its wanted value;
//! - [`stage`]: where a bucket's write stands, its next step, and the sweep of unsettled buckets;
//! - [`proof`]: what Nmbrs really holds of each bucket: verified, drift, or unreadable (issue 18);
//! - [`readback`]: what a period read back says about an insert whose reply was lost;
//! - [`marker`]: the marker in the comment of every insert, unique to its intent (issue 10);
//! - [`work`]: the buckets one attempt writes (the plan's and the swept ones), decided once;
//! - [`result`]: what the bucket writes come to: the plan held back, the status, counts and
//!   errors of `job.completed`;
//! - [`plan`]: all of the above for one export, given what the handler read from Nmbrs and
//!   its ledger tables, plus the notifications and the `hours.exported` payload.
//!
//! The handler (I/O) reads the facts, calls [`plan::plan`], carries out the bucket actions
//! in the crash-safe order (record intent, delete own, insert, record id; or, where the edge
//! updates in place, update own, record) and stores the new ledger; none of that is here. Its steps, with the helpers meant for each:
//! 1. load the ledger rows of the entries the payload names, then every row of
//!    [`plan::employee_periods`] (a bucket's total needs all its entries, not only this export's);
//! 2. read the facts of [`plan::companies_to_read`] into [`plan::CompanyFacts`] (a company it
//!    cannot read is left out and notified by the handler as `nmbrs.no_access`);
//! 3. [`plan::plan`] with the bucket state it keeps ([`actions::Applied`]: value last written
//!    and own component ids);
//! 4. carry out [`plan::Plan::writes`] (none in a dry run), with `UnprotectedMode=true` where
//!    [`plan::BucketPlan::unprotected`]; store the new ledger ([`plan::Plan::updates`] per entry)
//!    unless dry run; publish [`plan::Plan::hours_exported`], the notifications, and
//!    `job.completed` with [`plan::Plan::status`] (made `partial` by what fails while writing;
//!    a bucket whose insert may or may not have landed goes through [`plan::Plan::mark_in_doubt`]).
//!
//! # Decisions on edges the contract leaves open
//! - **Precedence of skip reasons**: withdrawn, then not approved (both whole entry), then per
//!   part `kind_not_requested`, `fixed_contract`; only when something is left to write or to
//!   remove: unknown venue, unreadable company, `invalid_period`, `period_closed`,
//!   `unknown_employee` (whole entry), then per part `no_code_mapping`, `unknown_code`. So a
//!   job is `partial` only when something that would have been written was held back.
//! - **Unknown venue** (not in `integration.venues`) skips the entry as `unknown_employee` (the
//!   employee cannot be found in Nmbrs) and raises `export.unknown_venue {eitje_venue_id}`.
//! - **A company the handler could not read** (no access, no current period, a response that
//!   cannot be read: `domain::nmbrs_failure`, company scope) skips its entries as `nmbrs_refused` (CONTRACT §2.3); the
//!   handler names the company in `errors` (`nmbrs.no_access`, `nmbrs.no_current_period`,
//!   `nmbrs.unreadable_response`) and the job is `partial`.
//! - **Added notification codes** (the contract lists codes "at least"): `export.invalid_period
//!   {nmbrs_company_id, period, period_type}`, `export.unknown_employee {nmbrs_company_id,
//!   nmbrs_employee_id}`, `export.unknown_venue {eitje_venue_id}`; `export.not_approved
//!   {count}` is raised (level info) whenever an entry was not approved.
//! - **Nmbrs-side skips freeze**: a whole-entry Nmbrs-side skip leaves all the entry's earlier
//!   contributions as they are, a part skip (`no_code_mapping`, `unknown_code`) that part's;
//!   Eitje-side reasons are the new truth and remove them. An entry whose earlier contributions
//!   lie in a now closed period is frozen as `period_closed` (re-sent, withdrawn or not
//!   approved alike) unless `allow_closed_period`.
//! - **Kinds**: an approved entry re-sent by an export that does not request a kind keeps its
//!   earlier contributions of that kind; a withdrawal or `approved: false` removes all kinds.
//! - **Same entry twice** in `entries`: the export is refused before planning ([`bounds`]:
//!   which occurrence is meant cannot be known); an entry both sent and in
//!   `withdrawn_entry_ids` is withdrawn.
//! - **Parts worth zero** (0 hours, 0 meals, allowances summing to 0) contribute nothing; a
//!   worked entry always counts its date as a worked day, whatever its hours. Meals and
//!   allowances on leave or sick entries are ignored (the schema gives them only hours).
//! - **Dates** do not choose the period: every entry books into `payload.period` of its company;
//!   an entry dated outside that period (a calendar month, an ISO week; four-weekly periods are
//!   not checked) is skipped `date_outside_period` and frozen, as a Nmbrs-side skip is.
//! - **Weekly period 53** is valid only in years with 53 ISO weeks.
//! - **Closed periods allowed**: only buckets in a period before the company's current one are
//!   flagged unprotected; writes into the current period stay protected.
//! - **Several own components** in one bucket (left by an interrupted run) are replaced by one,
//!   even when their total is already right (in place: the first is updated, the rest dropped).
//! - **What the edge can do** is a capability the plan is given ([`actions::WriteMode`]), never the
//!   name of an API: updating a line in place (REST `PUT`, [`actions`] for its rules) and
//!   reading comments back (the read-back by marker, [`readback`]).

pub mod actions;
pub mod bounds;
pub mod contributions;
pub mod days;
pub mod ledger;
pub mod marker;
pub mod notify;
pub mod payload;
pub mod plan;
pub mod proof;
pub mod readback;
pub mod result;
pub mod stage;
pub mod validation;
pub mod work;

#[cfg(test)]
mod proptests;

#[cfg(test)]
mod compare_count;
#[cfg(test)]
mod scale_tests;
#[cfg(test)]
pub(crate) mod testkit;
