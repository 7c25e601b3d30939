//! `nmbrs-worker demo`: the whole flow on this machine. It starts the built-in Nmbrs simulator
//! (demo data), runs the worker on the local RabbitMQ and PostgreSQL, publishes a team sync,
//! the same sync again (nothing changed, so nothing is published) and a Deactivate, and prints
//! every event the worker published, readable by a person.

use std::time::Duration;

use anyhow::Context;
use futures::StreamExt;
use serde_json::{Value, json};

use crate::{
    bus::{self, topology},
    cli::publish::publish_bytes,
    config::Config,
    credentials::{Credentials, KeyRing},
    jobs::Handlers,
    sim::{Simulator, demo},
    worker::Worker,
};

/// Runs the demo and returns the events it printed (for tests).
pub async fn run(mut config: Config, mut out: impl std::io::Write) -> anyhow::Result<Vec<Value>> {
    let sim = Simulator::start_demo().await.context("starting the Nmbrs simulator")?;
    config.nmbrs_base_url = sim.base_url().trim_end_matches('/').to_string();
    if config.queue_prefix.is_empty() {
        config.queue_prefix = "demo.".into();
    }
    let keys = match &config.credential_keys {
        Some(keys) => keys.clone(),
        None => {
            let keys = KeyRing::parse(&KeyRing::generate_entry("demo"))?;
            config.credential_keys = Some(keys.clone());
            keys
        }
    };
    config.http_addr = "127.0.0.1:0".parse()?;
    writeln!(out, "Nmbrs simulator with demo data on {}", sim.base_url())?;

    let names = topology::Names::new(&config.queue_prefix);
    let conn = bus::connect(&config.amqp_url, "nmbrs-worker demo").await.context("connecting to RabbitMQ")?;
    let channel = conn.create_channel().await?;
    topology::declare(&channel, &names, &config.retry_schedule).await?;
    let mut events = bus::tap_events(&channel, &names, "#").await?;

    let worker = Worker::start(config.clone(), Handlers::production(&config)?).await?;
    let integration = format!("demo-{}", uuid::Uuid::new_v4().simple().to_string().get(..8).unwrap_or("x"));
    let sealed = keys.seal(&integration, &Credentials::new(demo::USERNAME, demo::TOKEN));
    let roster = json!([
        {"eitje_user_id": "u-jan", "nmbrs_employee_id": 503293, "active": true},
        {"eitje_user_id": "u-anton", "bsn": "123456782", "active": true},
        {"eitje_user_id": "u-emma", "email": "emma@catering.example", "active": true},
        {"eitje_user_id": "u-sanne", "nmbrs_employee_id": 503297, "active": true}
    ]);
    let steps = [
        (
            "First team sync: every imported employee is published",
            "SyncTeam",
            json!({"trigger": "setup", "full": false, "members": roster}),
        ),
        (
            "The same sync again: nothing changed in Nmbrs, so nothing is published",
            "SyncTeam",
            json!({"trigger": "manual", "full": false, "members": roster}),
        ),
        ("Deactivate: members whose employment ended in Nmbrs", "Deactivate", json!({"members": roster})),
    ];
    let mut printed = Vec::new();
    for (title, kind, payload) in steps {
        let job = json!({
            "message_id": uuid::Uuid::new_v4().to_string(),
            "type": kind,
            "schema_version": 1,
            "created_at": chrono::Utc::now().to_rfc3339(),
            "requested_by": {"kind": "user", "id": "demo"},
            "integration": {
                "id": integration,
                "nmbrs": {"domain": demo::DOMAIN, "credentials": sealed},
                "venues": [
                    {"eitje_venue_id": "v-horeca", "nmbrs_company_id": demo::HORECA},
                    {"eitje_venue_id": "v-catering", "nmbrs_company_id": demo::CATERING}
                ],
                "settings": {"auto_deactivate": true}
            },
            "payload": payload
        });
        writeln!(out, "\n== {title}")?;
        publish_bytes(&config, &serde_json::to_vec(&job)?, Some(&job), None, true).await?;
        let message_id = job["message_id"].as_str().unwrap_or_default().to_string();
        loop {
            let next = tokio::time::timeout(Duration::from_secs(60), events.next())
                .await
                .context("no event within 60 s; is the worker running?")?;
            let Some(Ok(delivery)) = next else { anyhow::bail!("the event stream ended") };
            let event: Value = serde_json::from_slice(&delivery.data)?;
            writeln!(out, "  {}", describe(&event))?;
            let done = event["job"]["message_id"] == message_id.as_str()
                && matches!(event["type"].as_str(), Some("job.completed" | "job.failed"));
            printed.push(event);
            if done {
                break;
            }
        }
    }
    worker.stop().await;
    let _ = conn.close(200, "demo done".into()).await;
    Ok(printed)
}

/// One line per event, for people.
pub fn describe(e: &Value) -> String {
    let p = &e["payload"];
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    match e["type"].as_str().unwrap_or("?") {
        "team_member.upserted" => {
            let person = &p["person"];
            let name = [&person["first_name"], &person["prefix"], &person["last_name"]]
                .iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let who = p["eitje_user_id"].as_str().map_or("new member".to_string(), |u| format!("member {u}"));
            format!(
                "team_member.upserted     {} {name:<28} {who:<16} matched by {:<8} wage {} cost/h {}",
                p["nmbrs_employee_id"],
                text(&p["matched_by"]),
                p["hourly_wage"].as_str().unwrap_or("-"),
                p["cost_per_hour"].as_str().unwrap_or("-"),
            )
        }
        "team_member.deactivated" => format!(
            "team_member.deactivated  member {} (Nmbrs {}): {} on {}",
            text(&p["eitje_user_id"]),
            p["nmbrs_employee_id"],
            text(&p["reason"]),
            p["ended_on"].as_str().unwrap_or("-"),
        ),
        "notification" => format!("notification [{}] {}: {}", text(&p["level"]), text(&p["code"]), text(&p["message"])),
        "job.completed" => format!("job.completed            {} {}", text(&p["status"]), p["counts"]),
        "job.failed" => {
            format!("job.failed               {}: {}", text(&p["error"]["code"]), text(&p["error"]["message"]))
        }
        other => format!("{other} {p}"),
    }
}
