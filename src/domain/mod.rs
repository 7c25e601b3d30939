//! Pure rules, no I/O: decisions the worker makes, as plain functions of plain data.
//! Team sync: `employment` (who works on a date), `matching` (who is who), `team_sync` (what to publish).

pub mod employment;
pub mod matching;
pub mod retry;
pub mod team_sync;
