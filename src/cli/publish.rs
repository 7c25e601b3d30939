//! `nmbrs-worker publish FILE`: send one job message to `nmbrs.jobs`, as the monolith would.

use std::path::Path;

use anyhow::{Context, bail};
use lapin::types::FieldTable;

use crate::{
    bus::{
        self,
        publisher::{Outgoing, Publisher, json_properties},
        topology::{self, Names},
    },
    config::Config,
    envelope::{JobType, schema},
};

/// Reads the job (a file, or `-` for stdin), checks it against its schema unless `validate`
/// is false (to send a deliberately broken message), and publishes it with a confirm.
/// Returns the message id and routing key used.
pub async fn publish(
    config: &Config,
    file: &Path,
    routing_key: Option<&str>,
    validate: bool,
) -> anyhow::Result<(String, String)> {
    let body = if file == Path::new("-") {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().take_limited(config.max_message_bytes), &mut buf)?;
        buf
    } else {
        std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?
    };
    let value: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
    publish_bytes(config, &body, value.as_ref(), routing_key, validate).await
}

trait TakeLimited: std::io::Read + Sized {
    fn take_limited(self, limit: usize) -> std::io::Take<Self> {
        self.take(limit as u64 + 1)
    }
}
impl<R: std::io::Read> TakeLimited for R {}

/// Publishes raw bytes as a job message.
pub async fn publish_bytes(
    config: &Config,
    body: &[u8],
    parsed: Option<&serde_json::Value>,
    routing_key: Option<&str>,
    validate: bool,
) -> anyhow::Result<(String, String)> {
    let type_name = parsed.and_then(|v| v["type"].as_str());
    let kind = type_name.and_then(JobType::from_type_name);
    if validate {
        let (Some(value), Some(kind)) = (parsed, kind) else {
            bail!("the file is not a job: expected JSON with type SyncTeam, ExportHours or Deactivate");
        };
        schema::check(&format!("jobs/{kind}"), value).map_err(|p| anyhow::anyhow!("the job breaks its schema: {p}"))?;
    }
    let routing_key = match (routing_key, kind) {
        (Some(rk), _) => rk.to_string(),
        (None, Some(kind)) => kind.routing_key().to_string(),
        (None, None) => bail!("cannot tell the routing key from the body; pass --routing-key"),
    };
    let message_id = parsed
        .and_then(|v| v["message_id"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let names = Names::new(&config.queue_prefix);
    let conn = bus::connect(&config.amqp_url, "nmbrs-worker publish").await?;
    let setup = conn.create_channel().await?;
    topology::declare(&setup, &names, &config.retry_schedule).await?;
    let publisher = Publisher::open(&conn, config.confirm_timeout).await?;
    let exchange = names.jobs_exchange();
    let mut headers = FieldTable::default();
    crate::telemetry::TraceHeaders::current().write_to(&mut headers);
    publisher
        .send(Outgoing {
            exchange: &exchange,
            routing_key: &routing_key,
            body,
            properties: json_properties(&message_id, headers)?,
            mandatory: true,
        })
        .await?;
    let _ = conn.close(200, "done".into()).await;
    Ok((message_id, routing_key))
}
