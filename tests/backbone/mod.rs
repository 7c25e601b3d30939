//! The job backbone: RabbitMQ topology, the job lifecycle with a scripted handler, crash and
//! shutdown safety of the worker process, the published JSON Schemas, and the test harness's
//! own promise (a panicking test leaks nothing); one poisoned message or outbox row stops nothing.

mod bounds;
mod cleanup;
mod jobs;
mod outage;
mod poison;
mod resilience;
mod retention;
mod schemas;
mod state_words;
