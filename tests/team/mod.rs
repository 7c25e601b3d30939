//! `SyncTeam` and `Deactivate` end to end.

mod emails;
mod sync;
