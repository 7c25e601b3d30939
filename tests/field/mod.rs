//! Real-world Nmbrs inputs (`../shared/nmbrs/field/`) through the real jobs, the simulator
//! answering the folders' bytes (SOAP responses, REST pages).

mod data;
mod export;
mod gaps;
mod reading;
mod rest_float32;
mod rest_history;
mod rest_world;
mod review_reader;
mod review_team;
