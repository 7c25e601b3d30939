//! What becomes of a delivery once its step is recorded (CONTRACT §2.1, §4): a copy to the
//! retry queue of its delay, a move to `nmbrs.jobs.dead` with the reason in its headers, or
//! the ack. Always in that order: the ack comes after the copy is confirmed.

use lapin::{message::Delivery, options::BasicAckOptions};

use crate::{
    bus::{
        headers,
        publisher::{Outgoing, PublishError, Publisher},
        topology::{Names, delay_label},
    },
    envelope::JobType,
};

/// Sends a copy of the delivery to the retry queue of `delay`; it dead-letters back to
/// `nmbrs.jobs` with its original routing key when the delay is over.
pub async fn send_retry(
    names: &Names,
    delivery: &Delivery,
    publisher: &Publisher,
    kind: JobType,
    attempt: u32,
    delay: std::time::Duration,
) -> Result<(), PublishError> {
    let mut hdrs = headers::without(delivery.properties.headers().as_ref(), &[headers::ATTEMPT, headers::RETRY_DELAY]);
    headers::set_number(&mut hdrs, headers::ATTEMPT, attempt + 1);
    headers::set_text(&mut hdrs, headers::RETRY_DELAY, &delay_label(delay));
    let exchange = names.retry_exchange();
    publisher
        .send(Outgoing {
            exchange: &exchange,
            routing_key: kind.routing_key(),
            body: &delivery.data,
            properties: delivery.properties.clone().with_headers(hdrs),
            mandatory: true,
        })
        .await
}

/// Moves the delivery to `nmbrs.jobs.dead` with the reason in its headers (CONTRACT §2.1).
pub async fn park(
    names: &Names,
    delivery: &Delivery,
    publisher: &Publisher,
    code: &str,
    message: &str,
) -> Result<(), PublishError> {
    let mut hdrs = headers::without(delivery.properties.headers().as_ref(), &[headers::ERROR_CODE, headers::ERROR]);
    headers::set_text(&mut hdrs, headers::ERROR_CODE, code);
    headers::set_text(&mut hdrs, headers::ERROR, message);
    let original = headers::text(&hdrs, headers::ROUTING_KEY).unwrap_or_else(|| delivery.routing_key.to_string());
    headers::set_text(&mut hdrs, headers::ROUTING_KEY, &original);
    let dead = names.dead_queue();
    publisher
        .send(Outgoing {
            exchange: "",
            routing_key: &dead,
            body: &delivery.data,
            properties: delivery.properties.clone().with_headers(hdrs),
            mandatory: true,
        })
        .await
}

pub async fn ack(delivery: &Delivery) {
    if let Err(e) = delivery.acker.ack(BasicAckOptions::default()).await {
        tracing::warn!(error = %e, "ack failed; the broker will redeliver and the inbox deduplicates");
    }
}
