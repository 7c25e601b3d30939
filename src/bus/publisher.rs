//! Publishing with publisher confirms, each confirm awaited with a timeout.
//!
//! A message counts as sent only once the broker confirmed it (and did not return it as
//! unroutable). The publisher has its own channel, never the consumers'.

use std::time::Duration;

use lapin::{
    BasicProperties, Channel, Confirmation, Connection,
    options::{BasicPublishOptions, ConfirmSelectOptions},
    types::FieldTable,
};

use super::fields::{FieldTooLong, short_string};
use crate::store::outbox::OutboxEvent;

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("broker error: {0}")]
    Broker(#[from] lapin::Error),
    #[error("the broker refused the message (nack)")]
    Nacked,
    #[error("the message could not be routed (returned)")]
    Returned,
    #[error("no publisher confirm within {0:?}")]
    Timeout(Duration),
    /// A value does not fit its protocol field; nothing was sent.
    #[error("not sent: {0}")]
    Field(#[from] FieldTooLong),
}

impl PublishError {
    /// Whether the failure belongs to this one message (it will fail again however often it
    /// is tried), rather than to the channel or the broker.
    pub fn is_the_message(&self) -> bool {
        matches!(self, PublishError::Field(_))
    }
}

/// One message to publish.
pub struct Outgoing<'a> {
    pub exchange: &'a str,
    pub routing_key: &'a str,
    pub body: &'a [u8],
    pub properties: BasicProperties,
    /// Whether a message no queue takes is a failure. True for jobs, retry copies and parked
    /// messages (they must land somewhere); false for events, which nobody may have bound
    /// yet: an event type without subscribers must not stop the relay.
    pub mandatory: bool,
}

/// A confirm-mode channel. Cheap to clone; clones share the channel.
#[derive(Clone)]
pub struct Publisher {
    channel: Channel,
    confirm_timeout: Duration,
}

impl Publisher {
    pub async fn open(conn: &Connection, confirm_timeout: Duration) -> lapin::Result<Self> {
        let channel = conn.create_channel().await?;
        channel.confirm_select(ConfirmSelectOptions::default()).await?;
        Ok(Self { channel, confirm_timeout })
    }

    pub fn is_open(&self) -> bool {
        self.channel.status().connected()
    }

    /// Publishes one message and waits for its confirm.
    pub async fn send(&self, msg: Outgoing<'_>) -> Result<(), PublishError> {
        self.send_all(std::iter::once(msg)).await.pop().expect("one result per message")
    }

    /// Publishes all messages back to back, then awaits their confirms together: one round
    /// trip for a batch instead of one per message. Results are in input order.
    pub async fn send_all<'a>(&self, msgs: impl IntoIterator<Item = Outgoing<'a>>) -> Vec<Result<(), PublishError>> {
        let mut pending = Vec::new();
        for msg in msgs {
            let names = short_string("exchange", msg.exchange)
                .and_then(|exchange| Ok((exchange, short_string("routing key", msg.routing_key)?)));
            let published = match names {
                Err(e) => Err(PublishError::Field(e)),
                Ok((exchange, routing_key)) => self
                    .channel
                    .basic_publish(
                        exchange,
                        routing_key,
                        BasicPublishOptions { mandatory: msg.mandatory, ..Default::default() },
                        msg.body,
                        msg.properties,
                    )
                    .await
                    .map_err(PublishError::Broker),
            };
            pending.push(published);
        }
        let timeout = self.confirm_timeout;
        let waits = pending.into_iter().map(|published| async move {
            let confirm = published?;
            match tokio::time::timeout(timeout, confirm).await {
                Err(_) => Err(PublishError::Timeout(timeout)),
                Ok(Err(e)) => Err(PublishError::Broker(e)),
                Ok(Ok(Confirmation::Ack(None))) => Ok(()),
                Ok(Ok(Confirmation::Ack(Some(_)))) => Err(PublishError::Returned),
                Ok(Ok(Confirmation::Nack(_))) => Err(PublishError::Nacked),
                Ok(Ok(Confirmation::NotRequested)) => unreachable!("the channel is in confirm mode"),
            }
        });
        futures::future::join_all(waits).await
    }
}

/// Properties of a persistent JSON message; fails when `message_id` does not fit AMQP.
pub fn json_properties(message_id: &str, headers: FieldTable) -> Result<BasicProperties, FieldTooLong> {
    Ok(BasicProperties::default()
        .with_content_type("application/json".into())
        .with_delivery_mode(2)
        .with_message_id(short_string("message_id", message_id)?)
        .with_timestamp(chrono::Utc::now().timestamp().max(0) as u64)
        .with_headers(headers))
}

/// Why an outbox event cannot be sent as it is: the relay sets it aside (issue 19 item 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unsendable {
    #[error(transparent)]
    Field(#[from] FieldTooLong),
    #[error("the event is {bytes} bytes; the limit is {max} (NMBRS_WORKER_MAX_EVENT_BYTES)")]
    TooLarge { bytes: usize, max: usize },
}

/// The AMQP form of an outbox event on `nmbrs.events` (CONTRACT §3), or why it has none: a
/// field that does not fit, or a body over `max_bytes`.
pub fn event_message<'a>(
    exchange: &'a str,
    event: &'a OutboxEvent,
    max_bytes: usize,
) -> Result<Outgoing<'a>, Unsendable> {
    if event.body.len() > max_bytes {
        return Err(Unsendable::TooLarge { bytes: event.body.len(), max: max_bytes });
    }
    let mut headers = FieldTable::default();
    crate::telemetry::TraceHeaders { traceparent: event.traceparent.clone(), tracestate: event.tracestate.clone() }
        .write_to(&mut headers);
    let mut properties =
        json_properties(&event.event_id.to_string(), headers)?.with_type(short_string("type", &event.routing_key)?);
    if let Some(correlation) = &event.correlation_id {
        properties = properties.with_correlation_id(short_string("correlation_id", correlation)?);
    }
    Ok(Outgoing {
        exchange,
        routing_key: &event.routing_key,
        body: event.body.as_bytes(),
        properties,
        mandatory: false,
    })
}
