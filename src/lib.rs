//! nmbrs-worker: consumes Eitje job messages from RabbitMQ, runs them against Nmbrs over SOAP
//! or REST (each integration's `nmbrs.api`) and publishes confirmed result events.
//!
//! A job travels one way, and the modules follow it:
//! `bus` (consume) → `envelope` (validate) → `jobs` (plan and apply, with `domain` rules)
//! → `store` (record, outbox) → `relay` (publish). `nmbrs` holds the SOAP and REST edges the jobs call,
//! `sim` the Nmbrs simulator used by tests, `demo` and `sim`.

pub mod bsn_hash;
pub mod bus;
pub mod cli;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod domain;
pub mod envelope;
pub mod events;
pub mod failpoint;
pub mod health;
pub mod job_slot;
pub mod jobs;
pub mod metrics;
pub mod nmbrs;
pub mod outbox_retention;
pub mod relay;
pub mod sim;
pub mod store;
pub mod telemetry;
pub mod worker;
