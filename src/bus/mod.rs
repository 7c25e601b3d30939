//! RabbitMQ edge: the topology, a confirmed publisher, and the supervised consumer that keeps
//! consuming across broker restarts and killed connections.

pub mod fields;
pub mod headers;
pub mod publisher;
pub mod supervisor;
pub mod topology;

use lapin::{
    Channel, Connection, ConnectionProperties,
    options::{BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions},
    types::FieldTable,
};

/// Opens a connection named after its role and prefix (visible in `rabbitmqctl list_connections`).
pub async fn connect(url: &str, name: &str) -> lapin::Result<Connection> {
    Connection::connect(url, ConnectionProperties::default().with_connection_name(name.into())).await
}

/// A private, self-deleting queue bound to `nmbrs.events` with `pattern`, consumed without
/// acks: how `demo`, the benchmarks and the tests watch what the worker publishes.
pub async fn tap_events(channel: &Channel, names: &topology::Names, pattern: &str) -> lapin::Result<lapin::Consumer> {
    let private = QueueDeclareOptions { exclusive: true, auto_delete: true, ..Default::default() };
    let queue = channel.queue_declare("".into(), private, FieldTable::default()).await?;
    let bind = QueueBindOptions::default();
    channel
        .queue_bind(queue.name().clone(), names.events_exchange().into(), pattern.into(), bind, FieldTable::default())
        .await?;
    let no_ack = BasicConsumeOptions { no_ack: true, ..Default::default() };
    channel.basic_consume(queue.name().clone(), "".into(), no_ack, FieldTable::default()).await
}
