//! Pure rules, no I/O: decisions the worker makes, as plain functions of plain data.
//! Team sync: `employment` (who works on a date), `matching` (who is who), `team_sync` (what
//! to publish). Hours export: `export` (which entries become which buckets, and what to write).
//! Both: `integration` (venues and settings), `payloads` (each job kind's typed payload),
//! `retry` (when a failed attempt runs again).

pub mod employment;
pub mod export;
pub mod integration;
pub mod matching;
pub mod payloads;
pub mod retry;
pub mod team_sync;
