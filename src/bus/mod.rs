//! RabbitMQ edge: the topology, a confirmed publisher, and the supervised consumer that keeps
//! consuming across broker restarts and killed connections.

pub mod headers;
pub mod publisher;
pub mod supervisor;
pub mod topology;

use lapin::{Connection, ConnectionProperties};

/// Opens a connection named after its role and prefix (visible in `rabbitmqctl list_connections`).
pub async fn connect(url: &str, name: &str) -> lapin::Result<Connection> {
    Connection::connect(url, ConnectionProperties::default().with_connection_name(name.into())).await
}
