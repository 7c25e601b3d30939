//! The rules of the one Nmbrs call budget (CONTRACT §5.3 "One budget for all of Eitje"), pure:
//! the shared token bucket with its pause and probe ([`bucket`]), and the order in which one
//! process hands its tokens to the calls waiting for them ([`fair`]). The process side
//! (`nmbrs::budget`) and the database side (`store::call_budget`) apply them.

pub mod bucket;
pub mod fair;

pub use bucket::{Bucket, Take, TakeAnswer, ready_in};
pub use fair::{BULK_SHARE, FairQueue};
