//! nmbrs-worker: consumes Eitje job messages from RabbitMQ, runs them against Nmbrs and
//! publishes confirmed result events.

pub mod nmbrs;
pub mod sim;
