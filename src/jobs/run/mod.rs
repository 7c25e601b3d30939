//! The generic path every job takes, whatever its kind: the pipeline that carries a delivery
//! (`pipeline`) and what becomes of it at the end (`delivery`), what happens when the worker's
//! own database or broker fails (`outage`), the pure lifecycle that decides what an attempt's end leads to (`lifecycle`),
//! the error an attempt ends with (`error`, with `JobError::token` for a REST token failure),
//! the connector that opens the job's Nmbrs client (`connector`), what a handler gets and
//! returns and the trait it implements (`context`), and the warning before a
//! REST consent's refresh chain ends (`consent`).

pub mod connector;
pub mod consent;
pub mod context;
pub mod delivery;
pub mod error;
pub mod lifecycle;
pub mod outage;
pub mod pipeline;
