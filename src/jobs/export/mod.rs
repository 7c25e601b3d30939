//! The export job (mirrors `domain::export`): `ExportHours` (`handler`, CONTRACT §2.5), the
//! Nmbrs reads it plans from (`facts`), the crash-safe write of one bucket (`apply`), the
//! period read before an insert (`snapshot`), what Nmbrs holds of each bucket (`proof`, issue 18)
//! and what it tells (`report`). The decisions are
//! `domain::export`; these files do the I/O.

pub mod apply;
mod facts;
pub mod handler;
mod proof;
mod report;
mod snapshot;

pub use handler::ExportHours;
