//! `nmbrs-worker`: the command line (CONTRACT §1). Each subcommand reads the environment
//! configuration; a bad value ends the process with one clear line and exit code 2.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use nmbrs_worker::{
    cli::{in_doubt, publish, replay, seal},
    config::Config,
    credentials::KeyRing,
    jobs::Handlers,
    store, telemetry,
    worker::Worker,
};

/// Connects Eitje with Nmbrs: consumes SyncTeam, ExportHours and Deactivate jobs from
/// RabbitMQ, runs them against the Nmbrs SOAP API and publishes the results.
///
/// Configuration comes from the environment (see the README for every variable).
#[derive(Parser)]
#[command(name = "nmbrs-worker", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the worker: consume jobs until SIGTERM/SIGINT, then shut down gracefully.
    Run,
    /// Create the database if missing and apply the migrations, then exit.
    Migrate,
    /// Run the whole flow on this machine against the built-in Nmbrs simulator.
    Demo {
        /// Which Nmbrs API the demo integration uses: `soap` or `rest` (OAuth 2.0).
        #[arg(long, default_value = "soap", value_parser = parse_api)]
        api: nmbrs_worker::credentials::ApiKind,
        /// After the SOAP flow, move the integration to REST and re-export once more (SOAP→REST
        /// switch, CONTRACT §5.4).
        #[arg(long)]
        switch: bool,
    },
    /// Serve the Nmbrs simulator over HTTP.
    Sim {
        /// TCP port on 127.0.0.1.
        #[arg(long, default_value_t = 8099)]
        port: u16,
        /// Add this many generated employees to the demo's monthly company (for load tests).
        #[arg(long, default_value_t = 0)]
        employees: usize,
    },
    /// Send one job message (JSON file, or - for stdin) to nmbrs.jobs.
    Publish {
        file: PathBuf,
        /// Routing key to use instead of the one that belongs to the body's type.
        #[arg(long)]
        routing_key: Option<String>,
        /// Send the message even if it breaks its JSON Schema (to test rejections).
        #[arg(long)]
        no_validate: bool,
    },
    /// Seal Nmbrs credentials for an integration; the token (SOAP API token, or REST refresh
    /// token with --grant-id) is read from stdin.
    Seal {
        /// The integration id the credentials are sealed for (the AES-GCM associated data).
        #[arg(long)]
        integration: Option<String>,
        /// The Nmbrs API user (e-mail address), for a `soap` integration.
        #[arg(long)]
        username: Option<String>,
        /// The grant id of a consent, for a `rest` integration (CONTRACT §5.1).
        #[arg(long, value_name = "UUID", conflicts_with = "username")]
        grant_id: Option<uuid::Uuid>,
        /// Instead of sealing, print a new random key entry `ID:base64key` for NMBRS_CREDENTIALS_KEYS.
        #[arg(long, value_name = "ID", conflicts_with_all = ["integration", "username", "grant_id"])]
        generate_key: Option<String>,
    },
    /// Move parked jobs from nmbrs.jobs.dead back to work.
    Replay {
        /// Only messages parked with this x-nmbrs-error-code.
        #[arg(long)]
        error_code: Option<String>,
        /// Only the message with this message id.
        #[arg(long)]
        message_id: Option<String>,
        /// At most this many messages.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// List or resolve export buckets stopped in doubt (a lost insert reply that could not be read back).
    InDoubt {
        #[command(subcommand)]
        action: InDoubtAction,
    },
}

#[derive(Subcommand)]
enum InDoubtAction {
    /// Print the buckets in doubt.
    List {
        /// Only this integration's buckets.
        #[arg(long)]
        integration: Option<String>,
    },
    /// Resolve one bucket after checking the period in Nmbrs; the next export brings it to its value.
    Resolve {
        #[arg(long)]
        integration: String,
        /// Nmbrs company id (SOAP integer or REST UUID).
        #[arg(long)]
        company: nmbrs_worker::nmbrs::CompanyId,
        /// Nmbrs employee id (SOAP integer or REST UUID).
        #[arg(long)]
        employee: nmbrs_worker::nmbrs::EmployeeId,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        period: u8,
        /// The bucket's component as listed: hours:<code> or wage:<code>.
        #[arg(long)]
        component: String,
        /// The insert landed: this is its component id in Nmbrs (the worker adopts it).
        #[arg(long, conflicts_with = "not_landed", required_unless_present = "not_landed")]
        landed_as: Option<nmbrs_worker::domain::nmbrs_id::NmbrsId>,
        /// The insert did not land, or you deleted it: the next export inserts.
        #[arg(long)]
        not_landed: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("nmbrs-worker: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime starts");
    match runtime.block_on(execute(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nmbrs-worker: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Run => run(config).await,
        Command::Migrate => {
            store::connect(&config.database_url, 2).await?.close().await;
            println!("database ready and migrated");
            Ok(())
        }
        Command::Demo { api, switch } => {
            nmbrs_worker::cli::demo::run(config, api, switch, std::io::stdout()).await?;
            Ok(())
        }
        Command::Sim { port, employees } => {
            let _telemetry = telemetry::init(None)?;
            let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
            println!(
                "Nmbrs simulator (demo data, {employees} extra employees) on http://{addr}; NMBRS_BASE_URL=http://{addr}"
            );
            let today = config.clock.nmbrs_today();
            nmbrs_worker::sim::serve_seeded(
                addr,
                nmbrs_worker::sim::demo::scaled_at(today, employees),
                wait_for_signal(),
            )
            .await
        }
        Command::Publish { file, routing_key, no_validate } => {
            let (id, rk) = publish::publish(&config, &file, routing_key.as_deref(), !no_validate).await?;
            println!("published message {id} with routing key {rk}");
            Ok(())
        }
        Command::Seal { integration, username, grant_id, generate_key } => {
            if let Some(id) = generate_key {
                println!("{}", KeyRing::generate_entry(&id));
                return Ok(());
            }
            let keys = config.require_keys()?;
            let sealed = match (integration, username, grant_id) {
                (Some(integration), Some(username), None) => {
                    seal::seal(keys, &integration, &username, std::io::stdin().lock())?
                }
                (Some(integration), None, Some(grant_id)) => {
                    seal::seal_rest_grant(keys, &integration, grant_id, std::io::stdin().lock())?
                }
                _ => anyhow::bail!(
                    "seal needs --integration and either --username (soap) or --grant-id (rest), or --generate-key ID"
                ),
            };
            println!("{sealed}");
            Ok(())
        }
        Command::Replay { error_code, message_id, limit } => {
            let summary = replay::replay(&config, &replay::Filter { error_code, message_id, limit }).await?;
            println!(
                "replayed {}, kept parked {}, not routable {}",
                summary.replayed, summary.kept, summary.unroutable
            );
            Ok(())
        }
        Command::InDoubt { action: InDoubtAction::List { integration } } => {
            in_doubt::list(&config, integration.as_deref(), std::io::stdout()).await.map(drop)
        }
        Command::InDoubt {
            action: InDoubtAction::Resolve { integration, company, employee, year, period, component, landed_as, .. },
        } => {
            let target = in_doubt::Target { integration, company, employee, year, period, component };
            in_doubt::resolve(&config, &target, landed_as).await?;
            println!("resolved; the next export of {} brings the bucket to its value", target.integration);
            Ok(())
        }
    }
}

/// `run`: the worker until a signal, then a graceful stop. A second signal exits at once.
async fn run(config: Config) -> anyhow::Result<()> {
    config.require_keys()?;
    let _telemetry = telemetry::init(config.otlp_endpoint.as_deref())?;
    let _failpoints = fail::FailScenario::setup();
    tracing::info!(config = ?config, "starting");
    if let nmbrs_worker::clock::Clock::Fixed(at) = config.clock {
        tracing::warn!(%at, "NMBRS_WORKER_CLOCK is set: jobs take this instant for now (tests and demos only)");
    }
    let handlers = Handlers::production(&config)?;
    let worker = Worker::start(config, handlers).await?;
    tracing::info!(http = %worker.http_addr, "health endpoint listening");
    let shutdown = worker.shutdown_token();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutdown requested; finishing in-flight jobs");
        shutdown.cancel();
        wait_for_signal().await;
        tracing::warn!("second signal; exiting immediately");
        std::process::exit(130);
    });
    worker.wait().await;
    Ok(())
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler installs");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

/// `--api soap|rest`.
fn parse_api(text: &str) -> Result<nmbrs_worker::credentials::ApiKind, String> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|_| format!("{text:?}: use soap or rest"))
}
