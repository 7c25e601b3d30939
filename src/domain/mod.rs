//! Pure rules, no I/O: decisions the worker makes, as plain functions of plain data.
//! Later issues add matching, employment, export planning and periods here.

pub mod export;
pub mod retry;
