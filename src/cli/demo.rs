//! `nmbrs-worker demo`: the whole flow on this machine. It starts the built-in Nmbrs simulator
//! (demo data), runs the worker on the local RabbitMQ and PostgreSQL, publishes a team sync,
//! the same sync again (nothing changed, so no employee is upserted; a member who left and is
//! still active in the roster sent is ended again) and a Deactivate, then three
//! hours exports (a first one, a changed re-export, and the same re-export again, which must
//! make no write call), and prints every event the worker published, readable by a person,
//! with the Nmbrs write calls the simulator saw per export.
//!
//! `--switch` then moves the SOAP integration to REST, as the monolith does once a customer
//! consented (CONTRACT §5.4): the same re-export once more, now through REST, relinks the
//! SOAP-era state and must make no write call.
//!
//! Then a payroll clerk deletes one of the worker's lines in Nmbrs and changes another
//! (`sim::clerk`, issue 18): the same re-export restores both (`export.drift_repaired`), and the
//! one after it makes no write call.
//!
//! It ends with a CheckIntegration of its tenant (issue 20), once healthy and once with a
//! right switched off (`cli::check::switch_a_right_off`); neither makes a write call.
//!
//! `--api rest` runs the same flow through the simulator's REST face: the worker's REST app
//! settings point at the simulator's identity server, the demo consent is minted there, the
//! venues and members carry REST ids, and every call goes over OAuth 2.0 (CONTRACT §5).

use std::time::Duration;

use anyhow::Context;
use futures::StreamExt;
use serde_json::{Value, json};

use super::demo_text::describe;
use crate::{
    bus::{self, topology},
    cli::publish::publish_bytes,
    config::Config,
    credentials::{ApiKind, Credentials, KeyRing, RestGrant},
    domain::nmbrs::model::PayPeriod,
    jobs::Handlers,
    sim::{Simulator, demo},
    worker::Worker,
};

/// Runs the demo and returns the events it printed (for tests). Fails when a job does not
/// complete or when the identical re-export makes a write call.
pub async fn run(
    mut config: Config,
    api: ApiKind,
    switch: bool,
    mut out: impl std::io::Write,
) -> anyhow::Result<Vec<Value>> {
    if switch && api == ApiKind::Rest {
        anyhow::bail!("--switch moves a SOAP integration to REST: start it with --api soap");
    }
    // The demo data is placed relative to the worker's today, so the flow reads the same on
    // any day (sim::demo::seed_at); the export goes to the monthly company's current period.
    let today = config.clock.nmbrs_today();
    let state = demo::state_at(today);
    let period = state.domains[demo::DOMAIN].companies[&demo::HORECA].current_period;
    let sim = Simulator::start_with(state).await.context("starting the Nmbrs simulator")?;
    config.nmbrs_base_url = sim.base_url().trim_end_matches('/').to_string();
    config.rest = rest_at(&sim)?;
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
    writeln!(out, "Nmbrs simulator with demo data as of {today} on {} ({} API)", sim.base_url(), api_name(api))?;

    let names = topology::Names::new(&config.queue_prefix);
    let conn = bus::connect(&config.amqp_url, "nmbrs-worker demo").await.context("connecting to RabbitMQ")?;
    let channel = conn.create_channel().await?;
    topology::declare(&channel, &names, &config.retry_schedule).await?;
    let events = bus::tap_events(&channel, &names, "#").await?;

    let worker = Worker::start(config.clone(), Handlers::production(&config)?).await?;
    let integration_id = format!("demo-{}", uuid::Uuid::new_v4().simple().to_string().get(..8).unwrap_or("x"));
    let integration = integration_id.clone();
    let ids = Ids(api);
    let sealed = match api {
        ApiKind::Soap => keys.seal(&integration, &Credentials::new(demo::USERNAME, demo::TOKEN)),
        ApiKind::Rest => keys.seal_rest_grant(&integration, &demo_consent(&sim)?),
    };
    let integration = json!({
        "id": integration,
        "nmbrs": {"domain": demo::DOMAIN, "api": api_name(api), "credentials": sealed},
        "venues": [
            {"eitje_venue_id": "v-horeca", "nmbrs_company_id": ids.company(demo::HORECA)},
            {"eitje_venue_id": "v-catering", "nmbrs_company_id": ids.company(demo::CATERING)}
        ],
        "settings": {
            "auto_deactivate": true,
            "hour_codes": {"worked": 1, "leave": 20, "sick": 30},
            "wage_codes": {"meals": 400, "allowances": {"travel": 410, "bonus": 420}}
        }
    });
    let mut demo =
        Demo { config: &config, integration, ids, period, first_export_writes: 0, events, printed: Vec::new() };
    let mut result = demo.steps(&sim, &mut out).await;
    if switch && result.is_ok() {
        let grant = demo_consent(&sim)?;
        let sealed = keys.seal_rest_grant(&integration_id, &grant);
        result = demo.switch_to_rest(&sim, sealed, &mut out).await;
    }
    if result.is_ok() {
        let on_rest = switch || api == ApiKind::Rest;
        result = demo.check_twice(&sim, on_rest, &mut out).await;
    }
    worker.stop().await;
    let _ = conn.close(200, "demo done".into()).await;
    result.map(|()| demo.printed)
}

/// What the steps share: where to publish, the integration, the event tap and what was printed.
struct Demo<'a> {
    config: &'a Config,
    integration: Value,
    ids: Ids,
    /// The period the exports book into: the monthly demo company's current one.
    period: PayPeriod,
    /// Write calls of the first export (for the switch's summary line).
    first_export_writes: usize,
    events: lapin::Consumer,
    printed: Vec<Value>,
}

impl Demo<'_> {
    async fn steps(&mut self, sim: &Simulator, out: &mut impl std::io::Write) -> anyhow::Result<()> {
        let ids = self.ids;
        let roster = json!([
            {"eitje_user_id": "u-jan", "nmbrs_employee_id": ids.employee(503293), "active": true},
            {"eitje_user_id": "u-anton", "bsn": "123456782", "active": true},
            {"eitje_user_id": "u-emma", "email": "emma@catering.example", "active": true},
            {"eitje_user_id": "u-sanne", "nmbrs_employee_id": ids.employee(503297), "active": true}
        ]);
        let team = [
            (
                "First team sync: every imported employee is published",
                "SyncTeam",
                json!({"trigger": "setup", "full": false, "members": roster}),
            ),
            (
                "The same sync again: nothing changed in Nmbrs, so no employee is upserted (Sanne, still active in the roster sent, is ended again)",
                "SyncTeam",
                json!({"trigger": "manual", "full": false, "members": roster}),
            ),
            ("Deactivate: members whose employment ended in Nmbrs", "Deactivate", json!({"members": roster})),
        ];
        for (title, kind, payload) in team {
            writeln!(out, "\n== {title}")?;
            self.job(kind, payload, out).await?;
        }

        let (first, changed) = export_payloads(ids, self.period);
        let title = format!("First hours export of period {} (Horeca): every bucket is inserted", self.period);
        let exports = [
            (title.as_str(), first),
            ("Changed re-export: shift-2 7.00 h instead of 6.00, sick-1 withdrawn, shift-6 new", changed.clone()),
            ("The same re-export again: nothing changed, so no write call", changed),
        ];
        let mut writes = Vec::new();
        for (title, payload) in exports {
            writeln!(out, "\n== {title}")?;
            writes.push(self.export(sim, payload, out).await?);
        }
        self.first_export_writes = writes.first().copied().unwrap_or_default();
        let list = writes.iter().map(usize::to_string).collect::<Vec<_>>().join(" / ");
        writeln!(out, "\nExport write calls (first / changed / identical): {list}")?;
        if writes.last().is_some_and(|&w| w > 0) {
            anyhow::bail!("the identical re-export made {} Nmbrs write calls; it must make none", writes[2]);
        }
        self.repair_drift(sim, export_payloads(ids, self.period).1, out).await
    }

    /// One export: its events printed, and the write calls the simulator saw (returned).
    async fn export(
        &mut self,
        sim: &Simulator,
        payload: Value,
        out: &mut impl std::io::Write,
    ) -> anyhow::Result<usize> {
        let before = sim.write_calls();
        let completed = self.job("ExportHours", payload, out).await?;
        let seen = sim.write_calls() - before;
        writeln!(out, "  write calls seen by the Nmbrs simulator: {seen}")?;
        if completed["type"] != "job.completed" {
            anyhow::bail!("the export did not complete: {}", describe(&completed));
        }
        let counted = &completed["payload"]["counts"]["write_calls"];
        if counted.as_u64() != Some(seen as u64) {
            writeln!(out, "  warning: the job counted {counted} write calls")?;
        }
        Ok(seen)
    }

    /// Proof in Nmbrs (issue 18): a payroll clerk deletes a worker line and changes another in
    /// Nmbrs; the same re-export restores both (one `export.drift_repaired`), and the one after
    /// it writes nothing.
    async fn repair_drift(
        &mut self,
        sim: &Simulator,
        payload: Value,
        out: &mut impl std::io::Write,
    ) -> anyhow::Result<()> {
        writeln!(out, "\n== {}; the same re-export again restores both", clerk_edits(sim, self.period)?)?;
        let from = self.printed.len();
        let repair = self.export(sim, payload.clone(), out).await?;
        let code = |e: &&Value| e["payload"]["code"] == "export.drift_repaired";
        let notified = self.printed[from..].iter().filter(code).count();
        writeln!(out, "\n== The same re-export once more: nothing drifted, so no write call")?;
        let quiet = self.export(sim, payload, out).await?;
        writeln!(out, "\nExport write calls after the clerk's edits (repair / identical): {repair} / {quiet}")?;
        if notified != 1 || repair == 0 || quiet > 0 {
            anyhow::bail!("the repair made {repair} writes with {notified} export.drift_repaired, the next {quiet}");
        }
        Ok(())
    }

    /// Moves the integration to REST (a consent, REST venue ids) and sends the last re-export
    /// again, its entries still naming the SOAP-era ids: the relink runs first, then nothing is
    /// written.
    async fn switch_to_rest(
        &mut self,
        sim: &Simulator,
        sealed: crate::credentials::SealedCredentials,
        out: &mut impl std::io::Write,
    ) -> anyhow::Result<()> {
        let rest = Ids(ApiKind::Rest);
        self.integration["nmbrs"]["api"] = json!("rest");
        self.integration["nmbrs"]["credentials"] = json!(sealed);
        self.integration["venues"] = json!([
            {"eitje_venue_id": "v-horeca", "nmbrs_company_id": rest.company(demo::HORECA)},
            {"eitje_venue_id": "v-catering", "nmbrs_company_id": rest.company(demo::CATERING)}
        ]);
        writeln!(out, "\n== The customer moves to REST: the same re-export again, now through REST (relinked first)")?;
        let (_, changed) = export_payloads(self.ids, self.period);
        let before = sim.write_calls();
        let completed = self.job("ExportHours", changed, out).await?;
        let seen = sim.write_calls() - before;
        writeln!(out, "  write calls seen by the Nmbrs simulator: {seen}")?;
        if completed["type"] != "job.completed" {
            anyhow::bail!("the export after the switch did not complete: {}", describe(&completed));
        }
        let first = self.first_export_writes;
        writeln!(out, "\nExport write calls across the switch (first on SOAP / identical on REST): {first} / {seen}")?;
        if seen > 0 {
            anyhow::bail!("the identical re-export after the switch made {seen} Nmbrs write calls; it must make none");
        }
        Ok(())
    }

    /// Ends the demo: CheckIntegration, once healthy, once with a right switched off.
    async fn check_twice(
        &mut self,
        sim: &Simulator,
        on_rest: bool,
        out: &mut impl std::io::Write,
    ) -> anyhow::Result<()> {
        writeln!(out, "\n== CheckIntegration: is the integration ready for its next wage run?")?;
        let before = sim.write_calls();
        let healthy = self.job("CheckIntegration", json!({}), out).await?;
        writeln!(out, "\n== {}; CheckIntegration again", super::check::switch_a_right_off(sim, on_rest))?;
        let refused = self.job("CheckIntegration", json!({}), out).await?;
        let writes = sim.write_calls() - before;
        writeln!(out, "  write calls of both checks seen by the Nmbrs simulator: {writes}")?;
        let problems = |e: &Value| e["payload"]["counts"]["problems"].as_u64().unwrap_or(u64::MAX);
        let found = (problems(&healthy), problems(&refused));
        if found.0 != 0 || found.1 == 0 || writes > 0 {
            anyhow::bail!("the checks found {found:?} problems with {writes} writes; expected (0, some), 0");
        }
        Ok(())
    }

    /// Publishes one job and prints its events until its `job.completed` / `job.failed`,
    /// which it returns.
    async fn job(&mut self, kind: &str, payload: Value, out: &mut impl std::io::Write) -> anyhow::Result<Value> {
        let job = json!({
            "message_id": uuid::Uuid::new_v4().to_string(),
            "type": kind,
            "schema_version": 1,
            "created_at": chrono::Utc::now().to_rfc3339(),
            "requested_by": {"kind": "user", "id": "demo"},
            "integration": self.integration,
            "payload": payload
        });
        publish_bytes(self.config, &serde_json::to_vec(&job)?, Some(&job), None, true).await?;
        let message_id = job["message_id"].as_str().unwrap_or_default().to_string();
        loop {
            let next = tokio::time::timeout(Duration::from_secs(60), self.events.next())
                .await
                .context("no event within 60 s; is the worker running?")?;
            let Some(Ok(delivery)) = next else { anyhow::bail!("the event stream ended") };
            let event: Value = serde_json::from_slice(&delivery.data)?;
            writeln!(out, "  {}", describe(&event))?;
            let done = event["job"]["message_id"] == message_id.as_str()
                && matches!(event["type"].as_str(), Some("job.completed" | "job.failed"));
            self.printed.push(event.clone());
            if done {
                return Ok(event);
            }
        }
    }
}

/// A payroll clerk's edits in Nmbrs behind the worker's back (issue 18, `sim::clerk`): Jan's
/// worked-hours line deleted, his travel allowance changed to 20.00. Returns what was done.
fn clerk_edits(sim: &Simulator, period: PayPeriod) -> anyhow::Result<&'static str> {
    use crate::sim::clerk::ClerkAction;
    const JAN: i32 = 503293;
    let hours = sim.hour_components(demo::DOMAIN, JAN, period).into_iter().find(|l| l.hour_code == 1);
    let travel = sim.wage_components(demo::DOMAIN, JAN, period).into_iter().find(|l| l.code == 410);
    let hours = hours.and_then(|l| l.id.soap()).context("Jan's hours line in Nmbrs")?;
    let travel = travel.and_then(|l| l.id.soap()).context("Jan's travel line in Nmbrs")?;
    let act = |action| sim.clerk(demo::DOMAIN, action).map_err(anyhow::Error::msg);
    act(ClerkAction::DeleteLine { line_id: hours })?;
    act(ClerkAction::ChangeValue { line_id: travel, value: rust_decimal::Decimal::new(2000, 2) })?;
    Ok("A payroll clerk deletes Jan's hours line in Nmbrs and changes his travel allowance to 20.00")
}

/// The first export of `period` (a month) and its changed re-export (sent twice), for the
/// monthly demo company: worked hours of zero-hours employees, a fixed contract's worked
/// hours (skipped), leave, sick, meals, allowances and an entry that is not approved.
fn export_payloads(ids: Ids, period: PayPeriod) -> (Value, Value) {
    let entry = |id: &str, employee: i32, kind: &str, date: &str, hours: &str, contract: &str| {
        json!({"entry_id": id, "nmbrs_employee_id": ids.employee(employee), "eitje_venue_id": "v-horeca",
               "date": format!("{}-{:02}-{date}", period.year, period.period), "kind": kind, "hours": hours,
               "approved": true, "contract_type": contract})
    };
    let with = |mut e: Value, extra: Value| {
        if let (Some(e), Some(extra)) = (e.as_object_mut(), extra.as_object()) {
            e.extend(extra.clone());
        }
        e
    };
    let (jan, anton, fatima, zoe) = (503293, 503294, 503295, 503299);
    let mut entries = vec![
        with(
            entry("shift-1", jan, "worked", "03", "7.50", "zero_hours"),
            json!({"meals": 1, "allowances": [{"type": "travel", "amount": "12.40"}]}),
        ),
        entry("shift-2", jan, "worked", "04", "6.00", "zero_hours"),
        with(entry("shift-3", anton, "worked", "03", "8.00", "fixed"), json!({"meals": 1})),
        entry("leave-1", anton, "leave", "10", "8.00", "fixed"),
        entry("sick-1", fatima, "sick", "05", "4.00", "zero_hours"),
        with(entry("shift-4", fatima, "worked", "06", "5.00", "zero_hours"), json!({"approved": false})),
        with(
            entry("shift-5", zoe, "worked", "07", "4.00", "fixed"),
            json!({"allowances": [{"type": "bonus", "amount": "25.00"}]}),
        ),
    ];
    let period = json!({"year": period.year, "number": period.period});
    let first = json!({"export_id": "exp-demo-1", "period": period, "entries": entries});
    entries[1]["hours"] = json!("7.00");
    entries.retain(|e| e["entry_id"] != "sick-1");
    entries.push(entry("shift-6", fatima, "worked", "12", "5.00", "zero_hours"));
    let changed =
        json!({"export_id": "exp-demo-2", "period": period, "withdrawn_entry_ids": ["sick-1"], "entries": entries});
    (first, changed)
}

fn api_name(api: ApiKind) -> &'static str {
    match api {
        ApiKind::Soap => "soap",
        ApiKind::Rest => "rest",
    }
}

/// The demo's ids in the form of its API: the simulator's SOAP integers, or their REST UUIDs.
#[derive(Clone, Copy)]
struct Ids(ApiKind);

impl Ids {
    fn id(self, kind: crate::sim::rest::ids::IdKind, id: i32) -> Value {
        match self.0 {
            ApiKind::Soap => json!(id),
            ApiKind::Rest => json!(crate::sim::rest::ids::rest_id(demo::DOMAIN, kind, id.into()).to_string()),
        }
    }

    fn company(self, id: i32) -> Value {
        self.id(crate::sim::rest::ids::IdKind::Company, id)
    }

    fn employee(self, id: i32) -> Value {
        self.id(crate::sim::rest::ids::IdKind::Employee, id)
    }
}

/// The demo's OAuth app, registered at the simulator's identity server.
const DEMO_CLIENT: (&str, &str, &str) = ("eitje-demo", "demo-client-secret", "demo-subscription-key");

/// REST settings pointing at the simulator (its REST face and identity server).
fn rest_at(sim: &Simulator) -> anyhow::Result<crate::nmbrs::rest::RestConfig> {
    let (client_id, secret, key) = DEMO_CLIENT;
    sim.add_oauth_client(client_id, secret, key);
    let token_url = sim.token_url();
    let vars = std::collections::HashMap::from([
        ("NMBRS_REST_BASE_URL", sim.base_url()),
        ("NMBRS_OAUTH_TOKEN_URL", token_url.as_str()),
        ("NMBRS_OAUTH_CLIENT_ID", client_id),
        ("NMBRS_OAUTH_CLIENT_SECRET", secret),
        ("NMBRS_SUBSCRIPTION_KEY", key),
    ]);
    Ok(crate::nmbrs::rest::RestConfig::from_source(&vars)?)
}

/// A consent for the demo domain with every scope the worker asks for, as the monolith holds
/// it after the browser flow.
fn demo_consent(sim: &Simulator) -> anyhow::Result<RestGrant> {
    let minted = sim.mint_grant(crate::sim::rest::GrantSpec {
        grant_id: uuid::Uuid::new_v4().to_string(),
        client_id: DEMO_CLIENT.0.into(),
        domain: demo::DOMAIN.into(),
        ..Default::default()
    });
    Ok(RestGrant::new(minted.grant_id.parse()?, minted.refresh_token))
}
