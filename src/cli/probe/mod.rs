//! `nmbrs-worker probe` (issue 21): answers, in a Nmbrs demo environment and in minutes, the
//! behaviours the REST edge rests on that nobody could check (REST-NOTES [L]/[M]). Each answer
//! is observed, never assumed; one the probe cannot observe is `unknown` with the reason.
//!
//! Safety (also in `--help`): it writes only in the `--company` of the consent whose name or
//! number matches the demo pattern (`safety.rs`), only for an `--employee` of that company, only
//! lines with its own marker (`lines.rs`), which it reads back and deletes; it puts the days back
//! as found and compares the periods before and after (`cleanup.rs`); what an interrupted run
//! left is in the journal and carries the marker, and the next run removes it (`journal.rs`).
//! Credentials come from the environment (the worker's REST and SOAP settings) and stdin (the
//! consent's refresh token), never from arguments.
//!
//! Every Nmbrs call goes through the worker's HTTP core on a ticket of the call budget all worker
//! processes share (`DATABASE_URL`, CONTRACT §5.3), under the worker's retry policy
//! (`recorder.rs`, `session.rs`).
//!
//! Records: every request and response, secrets redacted, in `<out>/<run>/requests.jsonl`
//! (`recorder.rs`); the findings in `<out>/<run>/findings.json` and `--json FILE`
//! (`findings.rs`), the table on stdout and in `<out>/<run>/report.txt`; the consent date and the
//! refreshes in `<out>/tokens.json` (`questions/tokens.rs`).

pub mod cleanup;
mod files;
pub mod findings;
pub mod journal;
pub mod lines;
pub mod questions;
pub mod recorder;
pub mod safety;
pub mod session;

mod options;
mod setup;

pub use options::Options;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use secrecy::{ExposeSecret, SecretString};

use crate::config::Config;
use crate::nmbrs::budget::CallBudget;
use crate::nmbrs::http::HttpCore;
use files::{write_private, write_secret_file};
use findings::Findings;
use questions::{ProbeCtx, soap::Soap};
use recorder::Recorder;
use session::{RefreshOutcome, Rest};

/// The credentials that do not come from `Config`: the consent's refresh token (stdin) and the
/// optional SOAP user and token (environment).
pub struct Secrets {
    pub refresh_token: SecretString,
    pub soap: Option<(String, SecretString)>,
}

/// How a run ended.
#[derive(Debug)]
pub struct ProbeReport {
    pub findings: Findings,
    /// What the run could not put back (a person must).
    pub left_behind: Vec<String>,
    pub run_dir: PathBuf,
}

/// Runs the probe; the table and notes go to `out`.
pub async fn run(
    config: &Config,
    opts: &Options,
    secrets: Secrets,
    out: &mut dyn Write,
) -> anyhow::Result<ProbeReport> {
    let pattern = safety::DemoPattern::parse(&opts.demo_pattern).map_err(anyhow::Error::msg)?;
    let app = config.rest.app()?;
    let client = crate::nmbrs::rest::auth::token_client(&config.rest)?;
    let core = http_core(config).await?;
    std::fs::create_dir_all(&opts.out)?;
    let now = config.clock.now();
    let run_id = format!("{}-{:08x}", chrono::Utc::now().format("%Y%m%dT%H%M%SZ"), fastrand::u32(..));
    let run_dir = opts.out.join(&run_id);
    std::fs::create_dir_all(&run_dir)?;
    let rec = Recorder::create(&run_dir.join("requests.jsonl"), core)?;
    rec.secret(app.client_secret.expose_secret());
    rec.secret(app.subscription_key.expose_secret());
    rec.secret(secrets.refresh_token.expose_secret());
    let soap = match (&opts.soap_domain, &secrets.soap) {
        (Some(domain), Some((user, token))) => {
            let credentials = crate::nmbrs::soap::SoapCredentials::new(
                user.clone(),
                token.expose_secret().to_owned(),
                domain.clone(),
            );
            Some(Soap { base_url: config.nmbrs_base_url.clone(), credentials })
        }
        _ => None,
    };

    rec.question("tokens");
    let first = session::refresh(&rec, &client, &secrets.refresh_token).await?;
    let tokens_path = opts.out.join("tokens.json");
    let mut record = questions::tokens::TokensRecord::load(&tokens_path);
    let (access, rotated, expires_in, extra) = match first.outcome {
        RefreshOutcome::Granted { access, refresh, expires_in, extra } => (access, refresh, expires_in, extra),
        RefreshOutcome::Refused { error } => {
            record.consent(None, opts.consented_at);
            let note = record.observe(now, &error);
            write_private(&tokens_path, &serde_json::to_vec_pretty(&record)?)?;
            anyhow::bail!(
                "the token endpoint refused the consent's refresh token ({error}, #{}); {note}",
                first.reply.seq
            );
        }
    };
    let mut newest = rotated.unwrap_or_else(|| secrets.refresh_token.clone());
    if let Some(path) = &opts.refresh_token_out {
        write_secret_file(path, &newest)?;
    }
    let mut findings = Findings::default();
    questions::tokens::lifetime(&mut findings, &first.reply, expires_in, &access, &extra);
    record.consent(Some(&access), opts.consented_at);
    let chain = record.observe(now, "ok");
    write_private(&tokens_path, &serde_json::to_vec_pretty(&record)?)?;

    let mut left_behind = Vec::new();
    let mut notes = Vec::new();
    if opts.tokens_only {
        findings.unanswered("--tokens asks question 7 only");
    } else {
        let rest = Rest::new(&rec, &config.rest.base_url, app.subscription_key.clone(), access);
        let setup = setup::prepare(&rest, opts, &pattern).await?;
        let ctx = ProbeCtx {
            rest,
            company: setup.company.id.clone(),
            employee: setup.employee.clone(),
            current: setup.current,
            next: questions::following(setup.current, setup.period_type),
            previous: questions::preceding(setup.current, setup.period_type),
            hour_code: setup.hour_code,
            wage_code: setup.wage_code,
            marker: lines::Marker::new(run_id.rsplit('-').next().unwrap_or("run")),
            journal: Mutex::new(journal::JournalFile::open(&opts.out, &setup.company.id, &setup.employee)?),
            days_behaviour: Mutex::new(None),
            remnants: Mutex::new(Vec::new()),
        };
        ask_all(&ctx, soap.as_ref(), &setup, &mut findings, &mut notes).await?;
        if opts.provoke_429 > 0 {
            questions::reads::provoke_429(&ctx.rest, &ctx.company, opts.provoke_429).await;
        }
        questions::reads::retry_after(&mut findings, &ctx.rest.throttled(), opts.provoke_429);
        left_behind = ctx.remnants.lock().unwrap_or_else(|e| e.into_inner()).clone();
        newest = questions::tokens::reuse(&rec, &client, newest, &mut findings).await;
    }
    if opts.tokens_only {
        newest = questions::tokens::reuse(&rec, &client, newest, &mut findings).await;
    }
    if let Some(path) = &opts.refresh_token_out {
        write_secret_file(path, &newest)?;
    }
    let report = ProbeReport { findings, left_behind, run_dir };
    write_outputs(&report, opts, &rec, &chain, &notes, out)?;
    Ok(report)
}

/// The worker's HTTP core on the call budget every worker process shares through `DATABASE_URL`
/// (created and migrated if needed, as `run` does), on the worker's budget settings: the probe
/// spends Eitje's one REST budget in the open, never beside it.
async fn http_core(config: &Config) -> anyhow::Result<HttpCore> {
    use anyhow::Context as _;
    // One connection for the takes, one listening for pauses, one spare.
    let pool = crate::store::connect(&config.database_url, 3)
        .await
        .context("the probe takes every Nmbrs call from the worker's shared call budget (DATABASE_URL)")?;
    let budget = CallBudget::shared(pool, crate::jobs::run::connector::budget_settings(config));
    Ok(HttpCore::with_budget(recorder::client_config(), budget)?)
}

/// The questions, between the removal of an earlier run's leftovers and this run's cleanup.
async fn ask_all(
    ctx: &ProbeCtx<'_>,
    soap: Option<&Soap>,
    setup: &setup::Setup,
    f: &mut Findings,
    notes: &mut Vec<String>,
) -> anyhow::Result<()> {
    ctx.rest.rec.question("leftovers");
    let earlier = cleanup::sweep(ctx, soap).await?;
    if !earlier.is_empty() {
        notes.push(format!("Removed what an earlier run left: {}", earlier.join("; ")));
    }
    let before = cleanup::snapshot(ctx).await?;
    questions::reads::paging(ctx, f).await;
    questions::reads::gateway(ctx, f).await;
    questions::comments::ask(ctx, f).await;
    questions::days::ask(ctx, f).await;
    questions::put::ask(ctx, f).await;
    questions::wage_shape::ask(ctx, f).await;
    questions::closed::ask(ctx, f).await;
    questions::soap::ask(ctx, soap, &setup.company.number, setup.employee_number, f).await;
    ctx.rest.rec.question("cleanup");
    match cleanup::sweep(ctx, soap).await {
        Ok(done) if !done.is_empty() => notes.push(format!("Cleanup: {}", done.join("; "))),
        Ok(_) => {}
        Err(e) => ctx.remnant(format!("the cleanup stopped: {e:#}; run the probe again to finish it")),
    }
    match cleanup::snapshot(ctx).await {
        Ok(after) => {
            let diffs = cleanup::differences(&before, &after);
            if diffs.is_empty() {
                let left = !ctx.remnants.lock().unwrap_or_else(|e| e.into_inner()).is_empty();
                let but = if left { "Apart from the probe lines LEFT BEHIND below, the" } else { "The" };
                notes.push(format!(
                    "{but} periods {}, {} and {} are as they were found.",
                    ctx.previous, ctx.current, ctx.next
                ));
            }
            for d in diffs {
                ctx.remnant(format!("not as found: {d}"));
            }
        }
        Err(e) => ctx.remnant(format!("the periods could not be read again to compare: {e:#}")),
    }
    Ok(())
}

fn write_outputs(
    report: &ProbeReport,
    opts: &Options,
    rec: &Recorder,
    chain: &str,
    notes: &[String],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let json = serde_json::to_vec_pretty(&report.findings.to_json())?;
    write_private(&report.run_dir.join("findings.json"), &json)?;
    if let Some(path) = &opts.json {
        write_private(path, &json)?;
    }
    let mut text = report.findings.table();
    for n in notes {
        text.push_str(&format!("\n{n}"));
    }
    text.push_str(&format!("\nRefresh chain: {chain}"));
    for l in &report.left_behind {
        text.push_str(&format!("\nLEFT BEHIND: {l}"));
    }
    if opts.refresh_token_out.is_none() {
        text.push_str("\nThe consent's refresh token has rotated and the newest one was not kept (use --refresh-token-out FILE): consent again before the next run.");
    }
    text.push_str(&format!(
        "\nEvery request and response (secrets redacted): {}\n",
        report.run_dir.join("requests.jsonl").display()
    ));
    let text = rec.scrub(&text);
    write_private(&report.run_dir.join("report.txt"), text.as_bytes())?;
    out.write_all(text.as_bytes())?;
    Ok(())
}
