//! `nmbrs.consent_expiring` (CONTRACT §5.1 "The refresh chain's end"): a REST integration's
//! refresh chain ends (30 days after the consent, by default), and only a person can renew it by
//! consenting again in Eitje. After each attempt of a REST job, the stored grant's end is
//! computed (`domain::consent_chain`); inside the warning time the notification goes out once per
//! grant, written to the outbox in the same transaction that marks the grant warned, so neither
//! a crash nor two jobs at once can send it twice or lose it. A new consent clears the mark.

use serde_json::json;
use sqlx::{Connection, PgPool};

use crate::{
    credentials::ApiKind,
    domain::consent_chain::{self, ChainPolicy},
    domain::events::{Level, Notification},
    envelope::Job,
    events::{self, JobRef},
    store::{oauth_grants, outbox},
    telemetry::TraceHeaders,
};

/// The chain settings. The refresh chain lives in real time (the identity server's), so the
/// warning reads the system clock, never `NMBRS_WORKER_CLOCK` (which moves only what day the
/// payroll rules take for today).
#[derive(Debug, Clone, Copy, Default)]
pub struct ConsentWatch {
    pub policy: ChainPolicy,
}

impl ConsentWatch {
    /// For a REST job, the database's clock before the attempt runs ([`oauth_grants::clock`],
    /// the clock `refreshed_at` is written with), so [`Self::after_attempt`] tells this
    /// attempt's refreshes from earlier ones exactly; `None` for SOAP (no refresh chain).
    pub async fn attempt_started(
        conn: &mut sqlx::PgConnection,
        job: &Job,
    ) -> sqlx::Result<Option<chrono::DateTime<chrono::Utc>>> {
        match job.integration.nmbrs.api {
            ApiKind::Rest => Ok(Some(oauth_grants::clock(conn).await?)),
            ApiKind::Soap => Ok(None),
        }
    }

    /// After a recorded attempt: [`Self::check`] unless the job is SOAP (`since` is `None`) or
    /// Nmbrs refused the consent in it (`refused`: that needs a new consent now,
    /// `nmbrs.consent_required`, not a warning). Returns whether the warning went out. A failed
    /// check is logged and left to the next job: not worth failing a recorded job for.
    pub async fn after_attempt(
        &self,
        pool: &PgPool,
        job: &Job,
        trace: &TraceHeaders,
        since: Option<chrono::DateTime<chrono::Utc>>,
        refused: bool,
    ) -> bool {
        let Some(since) = since.filter(|_| !refused) else { return false };
        match self.check(pool, job, trace, since).await {
            Ok(sent) => sent,
            Err(e) => {
                tracing::warn!(error = %e, "checking the consent's refresh chain failed");
                false
            }
        }
    }

    /// Sends `nmbrs.consent_expiring` {domain, grant_id, renew_by} for `job`'s integration if its
    /// stored grant's chain ends within the warning time and it was not sent for that grant
    /// yet. Returns whether it was sent. Integrations without a stored grant (SOAP, or a REST
    /// job that never got a token) have nothing to warn about, and neither has an attempt in
    /// which the grant did not refresh (`refreshed_at` before `attempt_started`, which must be
    /// read from the database's clock with [`oauth_grants::clock`] before the attempt): a consent
    /// Nmbrs refused needs a new one now (`nmbrs.consent_required`), not a warning, and an
    /// attempt that used a cached token leaves the warning to the next one that refreshes.
    pub async fn check(
        &self,
        pool: &PgPool,
        job: &Job,
        trace: &TraceHeaders,
        attempt_started: chrono::DateTime<chrono::Utc>,
    ) -> sqlx::Result<bool> {
        let integration_id = job.integration.id.as_str();
        let mut conn = pool.acquire().await?;
        let mut tx = conn.begin().await?;
        let Some(chain) = oauth_grants::chain_for_update(&mut tx, integration_id).await? else { return Ok(false) };
        // One clock on both sides (the database's), so no slack: a refresh in the previous
        // attempt (a refused consent's last good one) never counts as this attempt's.
        let refreshed_now = chain.facts.refreshed_at >= attempt_started;
        if chain.warned_at.is_some() || !refreshed_now {
            return Ok(false);
        }
        let renew_by = consent_chain::renew_by(&chain.facts, &self.policy);
        if !consent_chain::expiring(chrono::Utc::now(), renew_by, &self.policy) {
            return Ok(false);
        }
        if !oauth_grants::mark_warned(&mut tx, integration_id, chain.grant_id).await? {
            return Ok(false);
        }
        let domain = &job.integration.nmbrs.domain;
        let day = renew_by.date_naive();
        let notification = Notification::new(
            Level::Warning,
            "nmbrs.consent_expiring",
            format!(
                "The Nmbrs connection of {domain} stops working on {day}: connect Nmbrs again in Eitje before then"
            ),
            json!({"domain": domain, "grant_id": chain.grant_id, "renew_by": day.to_string()}),
        );
        let id = events::stable_event_id(&format!("{integration_id}\u{1f}{}", chain.grant_id), "consent_expiring");
        let event = events::envelope(id, &notification.draft(), Some(integration_id), &JobRef::from(job), trace);
        outbox::enqueue(&mut tx, std::slice::from_ref(&event)).await?;
        tx.commit().await?;
        tracing::warn!(integration_id, grant_id = %chain.grant_id, %renew_by, "the Nmbrs consent's refresh chain ends soon; nmbrs.consent_expiring sent");
        Ok(true)
    }
}
