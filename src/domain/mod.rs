//! Pure rules, no I/O: decisions the worker makes, as plain functions of plain data.
//! Team sync: `employment` (who works on a date), `matching` (who is who), `team_sync` (what
//! to publish). Hours export: `export` (which entries become which buckets, and what to write).
//! Both: `retry` (when a failed attempt runs again). REST: `oauth_grant` (which refresh token
//! a job uses, when an access token is renewed).

pub mod employment;
pub mod export;
pub mod matching;
pub mod oauth_grant;
pub mod retry;
pub mod team_sync;
