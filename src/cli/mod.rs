//! The operator commands beside `run`: `publish`, `seal`, `replay`.

pub mod publish;
pub mod replay;
pub mod seal;
