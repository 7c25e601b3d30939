//! `nmbrs-worker check --integration ID`: the last CheckIntegration report of an integration,
//! for a support engineer, as the job published it (`integration.checked` and its message,
//! read from the outbox, where every event is stored with its job's result).

use std::io::Write;

use serde_json::Value;

use crate::{config::Config, store};

/// Prints the integration's last report; returns whether there was one.
pub async fn print_last(config: &Config, integration: &str, mut out: impl Write) -> anyhow::Result<bool> {
    let pool = store::connect(&config.database_url, 1).await?;
    let bodies: Vec<(String, String)> = sqlx::query_as(
        "SELECT routing_key, body FROM outbox
         WHERE correlation_id = (SELECT correlation_id FROM outbox
                                 WHERE routing_key = 'integration.checked' AND body::jsonb ->> 'integration_id' = $1
                                 ORDER BY id DESC LIMIT 1)
           AND body IS NOT NULL
         ORDER BY id",
    )
    .bind(integration)
    .fetch_all(&pool)
    .await?;
    pool.close().await;
    let events: Vec<Value> = bodies.iter().filter_map(|(_, b)| serde_json::from_str(b).ok()).collect();
    let Some(checked) = events.iter().find(|e| e["type"] == "integration.checked") else {
        writeln!(out, "no CheckIntegration of {integration} is recorded; publish one (routing key check_integration)")?;
        return Ok(false);
    };
    let advice = events
        .iter()
        .find(|e| e["type"] == "notification" && e["payload"]["code"] == "integration.needs_attention")
        .and_then(|e| e["payload"]["message"].as_str());
    write_report(checked, advice, &mut out)?;
    Ok(true)
}

/// The report as text: the status, one line per check, and what to do.
pub fn write_report(checked: &Value, advice: Option<&str>, mut out: impl Write) -> std::io::Result<()> {
    let p = &checked["payload"];
    let text = |v: &Value| v.as_str().unwrap_or("?").to_string();
    writeln!(
        out,
        "{} ({}, checked {}): {}",
        text(&checked["integration_id"]),
        text(&p["api"]),
        text(&checked["occurred_at"]),
        text(&p["status"])
    )?;
    for c in p["checks"].as_array().into_iter().flatten() {
        writeln!(
            out,
            "  {:<10} {:<11} {}: {}",
            text(&c["status"]),
            text(&c["check"]),
            text(&c["subject"]),
            text(&c["message"])
        )?;
    }
    if let Some(advice) = advice {
        writeln!(out, "To do: {advice}")?;
    }
    Ok(())
}

/// `integration.checked` in one line, and a line per problem (`demo`).
pub fn describe_checked(p: &Value) -> String {
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    let checks = p["checks"].as_array().cloned().unwrap_or_default();
    let count = |s: &str| checks.iter().filter(|c| c["status"] == s).count();
    let mut lines = vec![format!(
        "integration.checked      {}: {} ok, {} problem(s), {} unverified",
        text(&p["status"]),
        count("ok"),
        count("problem"),
        count("unverified")
    )];
    for c in checks.iter().filter(|c| c["status"] == "problem") {
        lines.push(format!("  problem  {}: {}", text(&c["check"]), text(&c["message"])));
    }
    lines.join("\n  ")
}

/// Switches a right of the demo tenant off in the simulator (`demo`'s last check): on SOAP
/// `HourComponentVar_Get` in the API user template, on REST the consent's scope
/// `employee.payment`. Returns what it did, for people.
pub fn switch_a_right_off(sim: &crate::sim::Simulator, on_rest: bool) -> &'static str {
    use crate::sim::demo;
    if on_rest {
        for grant in sim.state().rest.oauth.grants.values_mut() {
            grant.scopes.remove("employee.payment");
        }
        "The customer's consent loses the scope employee.payment"
    } else {
        sim.revoke(demo::DOMAIN, demo::USERNAME, crate::nmbrs::Operation::HourComponentVarGet);
        "The accountant switches HourComponentVar_Get off in Nmbrs"
    }
}
