//! `SyncTeam` and `Deactivate` end to end.

mod sync;
