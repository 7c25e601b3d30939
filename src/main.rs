//! `nmbrs-worker`: the command line (CONTRACT §1). Each subcommand reads the environment
//! configuration; a bad value ends the process with one clear line and exit code 2.

use std::{io::Read as _, path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use nmbrs_worker::{
    cli::{in_doubt, publish, replay, seal},
    config::Config,
    credentials::KeyRing,
    jobs::Handlers,
    store, telemetry,
    worker::Worker,
};

/// Connects Eitje with Nmbrs: consumes SyncTeam, ExportHours, Deactivate and CheckIntegration jobs
/// from RabbitMQ, runs them against Nmbrs (the SOAP or the REST API, per integration) and publishes
/// the results.
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
        /// Add this many small companies of 20–60 generated employees (the storm benchmark).
        #[arg(long, default_value_t = 0)]
        small_companies: usize,
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
        /// When the person gave that consent (RFC 3339), for a `rest` integration: only a newer
        /// consent replaces a stored grant, and the refresh chain's end counts from it (CONTRACT §5.1).
        #[arg(long, value_name = "RFC3339", requires = "grant_id")]
        consented_at: Option<chrono::DateTime<chrono::Utc>>,
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
    /// Print an integration's last CheckIntegration report (CONTRACT §2.6), as published.
    Check {
        #[arg(long)]
        integration: String,
    },
    /// Answer every undocumented Nmbrs REST behaviour in a demo environment (issue 21); reads
    /// the consent's refresh token from stdin.
    #[command(long_about = PROBE_ABOUT)]
    Probe(ProbeArgs),
}

const PROBE_ABOUT: &str = "Answer every undocumented Nmbrs REST behaviour the worker rests on, in a Nmbrs demo \
environment, in minutes: days POSTs, PUT semantics, wage period shapes, closed periods, SOAP comments over REST, \
paging, tokens, the gateway's 401 and 429, comment length. Each answer is observed; what cannot be observed is \
`unknown` with the reason.

SAFETY RULES
  * It writes only in --company, which must be one company of the consent whose name or number matches the demo \
pattern (--demo-pattern, default extdev-*, Nmbrs' recipe for a demo environment), and only for --employee, \
which must be one of that company's employees. Otherwise it refuses before any write.
  * It writes only its own lines, each with a comment starting [nmbrs-probe <run>], in the period after the \
current one and (question 4) the one before it; it reads them back and deletes them, and puts the variable days \
back as it found them. It then reads the periods again and reports anything not as found.
  * An interrupted run is cleaned up by the next one (same --out): the journal in --out names what it made, and \
every line carrying the marker is removed. A line Nmbrs will not delete (a closed period) is set to 0 and \
reported for a person to remove (exit code 3).
  * Throttling is shared with production (one subscription key): it never provokes a 429 unless \
--provoke-429 N is given.
  * Question 7 spends refresh tokens and reuses one on purpose; a Nmbrs that revokes the chain on reuse then \
needs a new consent. Use a consent made for the probe, not a customer's.

CREDENTIALS come only from the environment and stdin, never from arguments: NMBRS_REST_BASE_URL, \
NMBRS_OAUTH_TOKEN_URL, NMBRS_OAUTH_CLIENT_ID, NMBRS_OAUTH_CLIENT_SECRET, NMBRS_SUBSCRIPTION_KEY (the worker's \
own settings); the consent's refresh token on stdin; for question 5 NMBRS_SOAP_USERNAME, NMBRS_SOAP_TOKEN and \
NMBRS_BASE_URL with --soap-domain.

BUDGET: every call takes a ticket from the call budget all worker processes share (CONTRACT §5.3), kept in \
DATABASE_URL's database: give it the production worker database, or the probe keeps a budget of its own in a \
local nmbrs_worker database that the workers do not see.

OUTPUT: a table (question, answer, evidence) on stdout; every request and response, secrets redacted, in \
--out/<run>/requests.jsonl; --json FILE writes {\"findings\": [{\"id\", \"answer\", \"evidence\"}]}. \
Exit code 0: done, everything put back; 3: done, something left behind (listed); 1: refused or failed.";

/// `nmbrs-worker probe` (see `PROBE_ABOUT`).
#[derive(clap::Args)]
struct ProbeArgs {
    /// REST company id (UUID) of a demo company of the consent.
    #[arg(long, required_unless_present = "tokens")]
    company: Option<String>,
    /// REST employee id (UUID) of an employee of that company.
    #[arg(long, required_unless_present = "tokens")]
    employee: Option<String>,
    /// Glob (* and ?, any case) the company's name or number must match.
    #[arg(long, default_value = nmbrs_worker::cli::probe::safety::DEFAULT_DEMO_PATTERN)]
    demo_pattern: String,
    /// Folder for the records, the journal of an interrupted run and tokens.json.
    #[arg(long, default_value = "nmbrs-probe")]
    out: PathBuf,
    /// Also write the findings here as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
    /// The Nmbrs SOAP domain: enables question 5 (user and token from NMBRS_SOAP_USERNAME / NMBRS_SOAP_TOKEN).
    #[arg(long)]
    soap_domain: Option<String>,
    /// Only question 7 (tokens), e.g. 31 days after the consent: no company, no writes.
    #[arg(long)]
    tokens: bool,
    /// The day the person consented (when the access token carries no auth_time).
    #[arg(long, value_name = "YYYY-MM-DD")]
    consented_at: Option<chrono::NaiveDate>,
    /// Send up to N reads as fast as the shared budget lets them, to get a 429 (only when Nmbrs' limit
    /// is below the budget's rate; shared with production: off by default).
    #[arg(long, value_name = "N", default_value_t = 0)]
    provoke_429: u32,
    /// Write the newest refresh token here (mode 0600); without it the rotated token is not kept.
    #[arg(long, value_name = "FILE")]
    refresh_token_out: Option<PathBuf>,
    /// Hour code of the probe's hour lines (default: the company's first).
    #[arg(long)]
    hour_code: Option<i64>,
    /// Wage code of the probe's wage lines (default: the company's first variable one).
    #[arg(long)]
    wage_code: Option<i64>,
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
    if matches!(cli.command, Command::Probe(_)) {
        // The probe's own log goes to stderr (stdout is the table), warnings and up by default.
        let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
        let _ =
            tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(ansi).with_env_filter(filter).try_init();
    }
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
        Command::Sim { port, employees, small_companies } => {
            let _telemetry = telemetry::init(None)?;
            let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
            println!(
                "Nmbrs simulator (demo data, {employees} extra employees) on http://{addr}; NMBRS_BASE_URL=http://{addr}"
            );
            let today = config.clock.nmbrs_today();
            nmbrs_worker::sim::serve_seeded(
                addr,
                nmbrs_worker::sim::demo::with_small_companies(
                    nmbrs_worker::sim::demo::scaled_at(today, employees),
                    today,
                    small_companies,
                ),
                wait_for_signal(),
            )
            .await
        }
        Command::Publish { file, routing_key, no_validate } => {
            let (id, rk) = publish::publish(&config, &file, routing_key.as_deref(), !no_validate).await?;
            println!("published message {id} with routing key {rk}");
            Ok(())
        }
        Command::Seal { integration, username, grant_id, consented_at, generate_key } => {
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
                    seal::seal_rest_grant(keys, &integration, grant_id, consented_at, std::io::stdin().lock())?
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
        Command::Check { integration } => {
            nmbrs_worker::cli::check::print_last(&config, &integration, std::io::stdout()).await.map(drop)
        }
        Command::Probe(args) => probe(config, args).await,
    }
}

/// `probe`: the refresh token from stdin, the SOAP user and token from the environment.
async fn probe(config: Config, args: ProbeArgs) -> anyhow::Result<()> {
    use nmbrs_worker::cli::probe;
    use secrecy::SecretString;
    let _failpoints = fail::FailScenario::setup();
    // The settings first: a missing app setting is named before anything waits on stdin.
    config.rest.app()?;
    let soap = match &args.soap_domain {
        None => None,
        Some(_) => {
            let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
            match (var("NMBRS_SOAP_USERNAME"), var("NMBRS_SOAP_TOKEN")) {
                (Some(user), Some(token)) => Some((user, SecretString::from(token))),
                _ => anyhow::bail!("--soap-domain needs NMBRS_SOAP_USERNAME and NMBRS_SOAP_TOKEN in the environment"),
            }
        }
    };
    let mut input = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin().lock().take(64 * 1024), &mut input)?;
    let refresh_token = input.lines().map(str::trim).find(|l| !l.is_empty()).map(SecretString::from);
    let refresh_token = refresh_token
        .ok_or_else(|| anyhow::anyhow!("probe reads the consent's refresh token from stdin; none was given"))?;
    let opts = probe::Options {
        company: args.company,
        employee: args.employee,
        demo_pattern: args.demo_pattern,
        out: args.out,
        json: args.json,
        soap_domain: args.soap_domain,
        tokens_only: args.tokens,
        consented_at: args.consented_at,
        provoke_429: args.provoke_429,
        refresh_token_out: args.refresh_token_out,
        hour_code: args.hour_code,
        wage_code: args.wage_code,
    };
    let report = probe::run(&config, &opts, probe::Secrets { refresh_token, soap }, &mut std::io::stdout()).await?;
    if !report.left_behind.is_empty() {
        std::process::exit(3);
    }
    Ok(())
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
