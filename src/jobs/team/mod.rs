//! The team jobs (mirrors `domain::team`): `SyncTeam` (`sync`, CONTRACT §2.3) and `Deactivate`
//! (`deactivate`, CONTRACT §2.4), with their shared reading of Nmbrs (`reads`). The decisions
//! are `domain::team`; these files do the I/O.

pub mod deactivate;
pub mod reads;
pub mod sync;

pub use deactivate::Deactivate;
pub use sync::SyncTeam;
