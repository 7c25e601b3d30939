//! Real-world Nmbrs inputs (`../shared/nmbrs/field/`) through the real jobs, the simulator
//! answering the folders' bytes.

mod data;
mod export;
mod gaps;
mod reading;
mod review_reader;
mod review_team;
