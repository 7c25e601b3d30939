//! `ExportHours` end to end (CONTRACT §2.5): the export itself, Nmbrs misbehaving, the
//! bucket-stage migration, and crash safety with the real binary.

pub(crate) mod crash;
mod deadline;
mod doubt;
mod event_size;
mod failures;
mod hours;
mod in_place_ledger;
mod odd_values;
mod proof;
mod proof_modes;
mod rest;
mod review;
mod stage_migration;
