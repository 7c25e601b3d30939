//! Pure rules, no I/O: decisions the worker makes, as plain functions of plain data.
//! Team sync: `calendar` (which date it is for Nmbrs), `employment` (who works on a date),
//! `matching` (who is who), `team` (what to publish, who left). Hours export: `export` (which
//! entries become which buckets, and what to write).
//! SOAP→REST switch: `identity` (what is kept to recognise companies and employees through REST).
//! Both: `history` (of a record's versions, the latest counts), `integration` (venues and
//! settings), `payloads` (each job kind's typed payload), `retry` (when a failed attempt runs
//! again), `job_result` (the status and errors of `job.completed`), `nmbrs_failure` (the one
//! table from a Nmbrs failure to what the job, a company or a bucket does about it). REST:
//! `oauth_grant` (which refresh token a job uses, when an access token is renewed), `decimal`
//! (the number Nmbrs meant by a float32 artefact). Calls: `call_budget` (the one Nmbrs call
//! budget of every process: the shared token bucket, its pause after a used-up quota, and the
//! fair order of the calls waiting for it). Every job: `bounded` (the bytes of an id, the
//! items of a list, CONTRACT §2.2 Bounds), `events` (what a job says happened: event drafts and
//! notifications, before the edge wraps them into the outbox's envelope).

pub mod bounded;
pub mod calendar;
pub mod call_budget;
pub mod check;
pub mod consent_chain;
pub mod decimal;
pub mod employment;
pub mod employment_periods;
pub mod events;
pub mod export;
pub mod history;
pub mod identity;
pub mod integration;
pub mod job_result;
pub mod matching;
pub mod nmbrs;
pub mod nmbrs_failure;
/// The neutral Nmbrs id (kept under its first name).
pub use nmbrs::id as nmbrs_id;
pub mod oauth_grant;
pub mod payloads;
pub mod relink;
pub mod retry;
pub mod team;
