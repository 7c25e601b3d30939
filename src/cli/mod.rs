//! The operator commands beside `run`: `demo`, `publish`, `seal`, `replay`, `in-doubt`, `probe`.

pub mod check;
pub mod demo;
pub mod demo_text;
pub mod in_doubt;
pub mod probe;
pub mod publish;
pub mod replay;
pub mod seal;
