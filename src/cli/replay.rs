//! `nmbrs-worker replay`: move parked jobs from `nmbrs.jobs.dead` back to work, after a person
//! fixed the cause (a right switched on, Nmbrs back up, a worker upgrade).
//!
//! Each message goes back to `nmbrs.jobs` with its original routing key, without the error
//! headers, with its attempt count reset; messages that do not match the filter go to the back
//! of the dead queue unchanged. Every move is confirmed before the parked copy is acked.

use lapin::options::{BasicAckOptions, BasicGetOptions, QueueDeclareOptions};
use lapin::types::FieldTable;

use crate::{
    bus::{
        self, headers,
        publisher::{Outgoing, Publisher},
        topology::{self, Names},
    },
    config::Config,
    envelope::JobType,
};

/// Which parked messages to replay.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub error_code: Option<String>,
    pub message_id: Option<String>,
    pub limit: Option<usize>,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub replayed: usize,
    pub kept: usize,
    /// Parked messages whose routing key cannot be told (not a job); they stay parked.
    pub unroutable: usize,
}

/// The routing key to send a parked message back with.
fn original_routing_key(msg_headers: Option<&FieldTable>, body: &[u8]) -> Option<String> {
    let from_header = msg_headers
        .and_then(|h| headers::text(h, headers::ROUTING_KEY))
        .filter(|rk| JobType::from_routing_key(rk).is_some());
    from_header.or_else(|| {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        Some(JobType::from_type_name(value["type"].as_str()?)?.routing_key().to_string())
    })
}

pub async fn replay(config: &Config, filter: &Filter) -> anyhow::Result<Summary> {
    let names = Names::new(&config.queue_prefix);
    let conn = bus::connect(&config.amqp_url, "nmbrs-worker replay").await?;
    let channel = conn.create_channel().await?;
    topology::declare(&channel, &names, &config.retry_schedule).await?;
    let publisher = Publisher::open(&conn, config.confirm_timeout).await?;
    let dead = names.dead_queue();
    let passive = QueueDeclareOptions { passive: true, durable: true, ..Default::default() };
    let parked = channel.queue_declare(dead.as_str().into(), passive, FieldTable::default()).await?.message_count();
    let jobs_exchange = names.jobs_exchange();
    let mut summary = Summary::default();
    for _ in 0..parked {
        if filter.limit.is_some_and(|limit| summary.replayed >= limit) {
            break;
        }
        let Some(msg) = channel.basic_get(dead.as_str().into(), BasicGetOptions { no_ack: false }).await? else {
            break;
        };
        let props = &msg.delivery.properties;
        let code = props.headers().as_ref().and_then(|h| headers::text(h, headers::ERROR_CODE));
        let id = props.message_id().as_ref().map(|s| s.to_string());
        let wanted = filter.error_code.as_ref().is_none_or(|c| code.as_ref() == Some(c))
            && filter.message_id.as_ref().is_none_or(|m| id.as_ref() == Some(m));
        let routing_key = original_routing_key(props.headers().as_ref(), &msg.delivery.data);
        let (exchange, routing_key, hdrs) = match routing_key {
            Some(rk) if wanted => {
                let replays = headers::number(props.headers().as_ref(), headers::REPLAYED).unwrap_or(0);
                let mut h = headers::without(
                    props.headers().as_ref(),
                    &[
                        headers::ERROR_CODE,
                        headers::ERROR,
                        headers::ROUTING_KEY,
                        headers::ATTEMPT,
                        headers::RETRY_DELAY,
                        "x-death",
                    ],
                );
                headers::set_number(&mut h, headers::REPLAYED, replays + 1);
                summary.replayed += 1;
                (jobs_exchange.as_str(), rk, h)
            }
            other => {
                if other.is_none() && wanted {
                    summary.unroutable += 1;
                } else {
                    summary.kept += 1;
                }
                ("", dead.clone(), props.headers().clone().unwrap_or_default())
            }
        };
        publisher
            .send(Outgoing {
                exchange,
                routing_key: &routing_key,
                body: &msg.delivery.data,
                properties: props.clone().with_headers(hdrs),
                mandatory: true,
            })
            .await?;
        msg.delivery.acker.ack(BasicAckOptions::default()).await?;
    }
    let _ = conn.close(200, "done".into()).await;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_key_comes_from_the_header_else_the_body_type() {
        let mut h = FieldTable::default();
        headers::set_text(&mut h, headers::ROUTING_KEY, "export_hours");
        assert_eq!(original_routing_key(Some(&h), b"{}").as_deref(), Some("export_hours"));
        assert_eq!(original_routing_key(None, br#"{"type":"Deactivate"}"#).as_deref(), Some("deactivate"));
        headers::set_text(&mut h, headers::ROUTING_KEY, "nmbrs.jobs.dead");
        assert_eq!(original_routing_key(Some(&h), br#"{"type":"SyncTeam"}"#).as_deref(), Some("sync_team"));
        assert_eq!(original_routing_key(None, b"not json"), None);
    }
}
