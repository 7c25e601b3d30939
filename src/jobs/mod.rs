//! Jobs: the handler each job kind implements, and the pipeline that carries a delivery
//! through consume → validate → plan/apply (the handler) → record → publish.
//!
//! The folders mirror `domain/`:
//! - `run/`: the way every job takes: `pipeline`, `lifecycle` (an attempt's end → job state,
//!   pure), `error` (with `JobError::token`), `connector` (the job's Nmbrs client) and
//!   `context` (what a handler gets and returns, and the `JobHandler` trait);
//! - `team/`: `SyncTeam` (`sync`) and `Deactivate` (`deactivate`), with `reads`, their shared
//!   reading of Nmbrs;
//! - `export/`: `ExportHours` (`handler`), with `facts` (its Nmbrs reads), `apply` (the
//!   crash-safe write of one bucket), `snapshot` (the period read before an insert) and `report`
//!   (its events);
//! - `switch/`: the SOAP→REST switch (issue 10): `capture` keeps, from the SOAP reads, what the
//!   switch needs; `relink` is every job's step after connecting (a REST job's first relinks).
//!
//! A job's steps read in its handler: connect (`NmbrsConnector::connect`), relink
//! (`switch::relink::relink_step`), read, plan (`domain`), write, report. A kind without a
//! handler fails permanently with `job_type_not_supported` and is parked, so it can be
//! replayed later. `registry` maps each kind to its handler (`Handlers`).
//!
//! This file only declares the folders and re-exports, for callers outside `jobs/`, the names
//! they use; nothing under `jobs/` imports from it, so it closes no import circle.

pub mod check;
pub mod export;
pub mod registry;
pub mod run;
pub mod switch;
pub mod team;

pub use crate::domain::job_result::{CompletionStatus, ErrorItem};
pub use registry::Handlers;
pub use run::{
    connector::{Connector, NmbrsConnection, NmbrsConnector, RestSide},
    context::{AnyHandler, JobContext, JobHandler, JobOutput, ResultWrite},
    error::JobError,
    pipeline::Pipeline,
};
