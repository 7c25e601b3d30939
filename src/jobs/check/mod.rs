//! `CheckIntegration` (CONTRACT §2.6): is this integration ready for its next wage run? The
//! job reads, never writes: credentials, every right the integration's jobs and settings need
//! (`rights`, from the one table of `domain::check::needs` through `operations`), each company
//! and its codes (`venues`), and the export buckets still in doubt (the store). It reports
//! every problem at once in `integration.checked`, plus one `integration.needs_attention`
//! notification that says what a person must do. Credentials that do not work are a finding,
//! not a failed job; only Nmbrs being unavailable (or REST not configured) fails an attempt.

pub mod metrics;
pub mod operations;
mod rights;
mod venues;

use std::{collections::BTreeMap, sync::Arc};

use async_trait::async_trait;
use serde_json::json;

use crate::{
    credentials::ApiKind,
    domain::check::{
        CheckPayload, IntegrationStatus, Report,
        findings::{self, CredentialsSeen, RightSeen},
        needs::needs_of,
    },
    domain::events::{EventDraft, EventType, Level, Notification},
    jobs::run::{
        connector::{NmbrsConnection, NmbrsConnector},
        context::{JobContext, JobHandler, JobOutput},
        error::JobError,
    },
    nmbrs::{ErrorKind, rest::AuthError},
    store::{export_buckets, write_rights},
};

/// At most this many buckets in doubt are listed one by one; the rest are counted in one check.
pub const MAX_LISTED_IN_DOUBT: usize = 100;

/// The handler of `CheckIntegration` jobs.
pub struct CheckIntegration {
    pub nmbrs: Arc<dyn NmbrsConnector>,
    /// The refresh chain's settings, for the consent's `renew_by` (CONTRACT §5.1).
    pub consent: crate::jobs::run::consent::ConsentWatch,
}

#[async_trait]
impl JobHandler for CheckIntegration {
    type Payload = CheckPayload;

    async fn run(&self, ctx: JobContext<'_>, payload: &CheckPayload) -> Result<JobOutput, JobError> {
        let report = check(&ctx, self.nmbrs.as_ref(), &self.consent, payload).await?;
        record_metrics(ctx.metrics, &ctx.job.integration.id, &report);
        Ok(output(&ctx, payload, &report))
    }
}

/// Makes the whole report of one integration (the job's and the CLI's).
pub async fn check(
    ctx: &JobContext<'_>,
    nmbrs: &dyn NmbrsConnector,
    watch: &crate::jobs::run::consent::ConsentWatch,
    payload: &CheckPayload,
) -> Result<Report, JobError> {
    let integration = &ctx.job.integration;
    let domain = integration.nmbrs.domain.as_str();
    let NmbrsConnection { api, rest, .. } = nmbrs.connect(ctx)?;
    let needs = needs_of(&integration.settings);
    let mut report = Report::default();
    let working = match &rest {
        None => {
            // SOAP: `List_GetAll` tells whether Nmbrs accepts the API user and token.
            let companies = match api.companies().await {
                Ok(_) => RightSeen::Allowed { at: None },
                Err(e) => match e.kind() {
                    ErrorKind::Credentials => RightSeen::Unknown { reason: "credentials".into() },
                    ErrorKind::MissingRight { .. } => RightSeen::Refused { at: None, scope: None },
                    _ => return Err(JobError::nmbrs(&e, domain)),
                },
            };
            let accepted = !matches!(&companies, RightSeen::Unknown { .. });
            let seen = if accepted { CredentialsSeen::Accepted } else { CredentialsSeen::Refused };
            report.checks.extend(findings::credentials(domain, &seen, None));
            if accepted {
                let reads = venues::read(api.as_ref(), &integration.venues).await;
                let learned = write_rights::load(ctx.pool, &integration.id).await?;
                report.checks.extend(rights::soap(api.as_ref(), &needs, &companies, &reads, &learned).await);
                Some(reads)
            } else {
                None
            }
        }
        Some(client) => {
            let consent = |grant_id: String| findings::ConsentDates {
                grant_id,
                consented_at: None,
                renew_by: None,
                expiring: false,
            };
            match fresh_token(client.tokens()).await {
                Ok(token) => {
                    let mut consent = consent(token.grant_id().to_string());
                    let mut conn = ctx.pool.acquire().await.map_err(JobError::from)?;
                    let stored = crate::store::oauth_grants::chain(&mut conn, &integration.id).await?;
                    drop(conn);
                    if let Some(chain) = stored.filter(|c| c.grant_id.to_string() == consent.grant_id) {
                        let renew_by = crate::domain::consent_chain::renew_by(&chain.facts, &watch.policy);
                        consent.consented_at = chain.facts.consented_at;
                        consent.renew_by = Some(renew_by.date_naive());
                        consent.expiring =
                            crate::domain::consent_chain::expiring(chrono::Utc::now(), renew_by, &watch.policy);
                    }
                    report.checks.extend(findings::credentials(domain, &CredentialsSeen::Accepted, Some(&consent)));
                    report.checks.extend(rights::rest(&needs, token.scopes()));
                    Some(venues::read(api.as_ref(), &integration.venues).await)
                }
                Err(e) => {
                    let seen = match &e {
                        AuthError::ConsentRequired { .. } => CredentialsSeen::ConsentRequired,
                        AuthError::ClientRejected { .. } | AuthError::Refused { .. } => CredentialsSeen::Refused,
                        _ => return Err(super::run::error::JobError::token(&e, domain)),
                    };
                    let consent = consent(client.tokens().message_grant_id().to_string());
                    report.checks.extend(findings::credentials(domain, &seen, Some(&consent)));
                    None
                }
            }
        }
    };
    // Nmbrs unavailable, the quota used up, Eitje's subscription key refused: not a finding
    // about this integration; the attempt fails and is retried on the schedule.
    let not_the_integrations = |e: &&crate::nmbrs::NmbrsError| {
        matches!(e.kind(), ErrorKind::Transient | ErrorKind::QuotaExceeded | ErrorKind::SubscriptionRefused)
    };
    if let Some(e) = working.iter().flatten().flat_map(|read| read.failed.iter()).find(not_the_integrations) {
        return Err(JobError::nmbrs(e, domain));
    }
    let asked = payload.period();
    let mapped = findings::mapped_codes(&integration.settings);
    for read in working.iter().flatten() {
        report.checks.push(findings::venue(read.company, &read.venues, &read.seen, asked));
    }
    for read in working.iter().flatten() {
        report.checks.extend(findings::codes(read.company, &mapped, read.models.as_ref().map_err(String::as_str)));
    }
    let doubtful = export_buckets::in_doubt(ctx.pool, Some(&integration.id)).await?;
    for b in doubtful.iter().take(MAX_LISTED_IN_DOUBT) {
        let pending = b.pending.map(|v| v.to_string());
        report.checks.push(findings::in_doubt(&b.key, pending.as_deref(), b.marker.as_deref()));
    }
    if doubtful.len() > MAX_LISTED_IN_DOUBT {
        let more = doubtful.len() - MAX_LISTED_IN_DOUBT;
        report.checks.push(crate::domain::check::Check {
            check: crate::domain::check::CheckKind::InDoubt,
            subject: format!("{more} more buckets"),
            status: crate::domain::check::CheckStatus::Problem,
            code: "export.in_doubt".into(),
            message: format!("{more} more buckets are in doubt (not listed); see `nmbrs-worker in-doubt`"),
            params: json!({"count": more}),
        });
    }
    Ok(report)
}

/// An access token from a refresh made now: the check asks whether the grant still refreshes
/// (and which scopes it holds today), so a cached token is set aside first.
async fn fresh_token(tokens: &crate::nmbrs::rest::TokenSource) -> Result<crate::nmbrs::rest::AccessToken, AuthError> {
    let cached = tokens.access_token().await?;
    tokens.invalidate(&cached).await;
    tokens.access_token().await
}

/// `integration.checked`, the notification when anything is a problem, and the counts.
fn output(ctx: &JobContext<'_>, payload: &CheckPayload, report: &Report) -> JobOutput {
    let status = report.status();
    let api = match ctx.job.integration.nmbrs.api {
        ApiKind::Soap => "soap",
        ApiKind::Rest => "rest",
    };
    let period = payload.period().map(|p| json!({"year": p.year, "number": p.period}));
    let checked = json!({"period": period, "api": api, "status": status.as_str(), "checks": report.checks});
    let mut out = JobOutput::succeeded();
    out.counts = report.counts();
    out.events.push(EventDraft::new(EventType::IntegrationChecked, &checked));
    if status == IntegrationStatus::NeedsAttention {
        let problems: Vec<_> = report.problems().collect();
        let notice = Notification::new(
            Level::Warning,
            "integration.needs_attention",
            report.advice(),
            json!({"problems": problems}),
        );
        out.events.push(notice.draft());
    }
    out
}

/// The check's metrics: each check's outcome by kind, and the integrations per status.
fn record_metrics(metrics: &crate::metrics::Metrics, integration: &str, report: &Report) {
    let mut by: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for c in &report.checks {
        *by.entry((c.check.as_str(), c.status.as_str())).or_default() += 1;
    }
    for ((check, status), n) in by {
        metrics.check.outcome(check, status, n);
    }
    for problem in report.problems() {
        metrics.check.problem(&problem.code);
    }
    metrics.check.integration_status(integration, report.status());
}
