//! The operator commands beside `run`: `demo`, `publish`, `seal`, `replay`, `in-doubt`.

pub mod demo;
pub mod in_doubt;
pub mod publish;
pub mod replay;
pub mod seal;
