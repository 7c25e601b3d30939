//! Every integration test, in one test binary (as zero2prod's `tests/api/main.rs`): one link
//! instead of one per file, and one shared `support` tree declared once. Each area is a module
//! folder; a test starts its own world with `support::spawn` (see `tests/support/app.rs`) and
//! leaves nothing behind when it ends, also when it panics.
//!
//! To add a test file: put it in the area's folder and add `mod its_name;` to the folder's
//! `mod.rs`; it reaches the helpers with `use crate::support::*;`.

mod backbone;
mod budget;
mod check;
mod cli;
pub(crate) mod export;
mod field;
mod nmbrs;
mod oauth;
mod probe;
mod support;
mod switch;
mod team;
