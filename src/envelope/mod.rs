//! The job envelope of CONTRACT §2.2: the typed form of a valid job message, and the checks
//! that turn raw delivery bytes into it (size → JSON → schema → type vs queue → credentials).
//!
//! Anything that fails here is a [`Rejection`]: the message is answered with `job.rejected` and
//! parked, and the worker moves on. Nothing in this module does I/O.

mod job;
mod rejection;
pub mod schema;
mod validate;

pub use job::{Integration, Job, JobPayload, JobType, NmbrsAccount, PayloadMismatch, PayloadOf, RequestedBy};
// Deprecated paths, kept so code written against them still compiles: `Settings` and `Venue`
// live in `crate::domain::integration` (issue 12). Import them from there; these go later.
pub use crate::domain::integration::{Settings, Venue};
pub use rejection::{RejectCode, Rejection};
pub use validate::{Limits, validate};
