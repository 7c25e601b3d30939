//! The operator commands beside `run`: `demo`, `publish`, `seal`, `replay`.

pub mod demo;
pub mod publish;
pub mod replay;
pub mod seal;
