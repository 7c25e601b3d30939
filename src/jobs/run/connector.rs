//! Which Nmbrs edge a job talks to. The job's sealed credentials were opened for its
//! integration's `nmbrs.api` (CONTRACT §2.2, §5): SOAP credentials give a SOAP client, a REST
//! grant a REST client with the process's token service. The jobs see only [`NmbrsApi`].
//!
//! The process builds one [`Connector`] at start: the SOAP transport always, the REST side
//! (token service + transport) when the app settings are there. A `rest` job in a process
//! without them fails with `rest_not_configured` (CONTRACT §5.1), never at start, so a worker
//! that serves only SOAP customers needs no REST settings.
//!
//! Connecting only connects: the relink of a switched integration's SOAP-era state is the job's
//! next step, named in each handler (`jobs::switch::relink::relink_step`, CONTRACT §5.4).

use std::sync::Arc;

use super::context::JobContext;
use super::error::JobError;
use crate::{
    credentials::OpenedCredentials,
    nmbrs::{
        ClientConfig, NmbrsApi, NmbrsTransport,
        budget::{BudgetSettings, CallBudget},
        http::HttpCore,
        rest::{AuthError, RestClient, RestNotConfigured, RestTransport, TokenService},
        soap::WriteLog,
    },
};

/// Opens the Nmbrs edge of one job.
pub trait NmbrsConnector: Send + Sync {
    /// The client for `ctx`'s integration, or the job's error when its API cannot be served
    /// (`rest_not_configured`).
    #[allow(clippy::result_large_err, reason = "once per job, as every handler's own result")]
    fn connect(&self, ctx: &JobContext<'_>) -> Result<NmbrsConnection, JobError>;
}

/// A job's connection to Nmbrs: its client, and the same client as REST's own type when the
/// job is on REST (the relink needs REST's reads of company numbers, BSNs and comments).
pub struct NmbrsConnection {
    pub api: Arc<dyn NmbrsApi>,
    pub rest: Option<Arc<RestClient>>,
    /// SOAP: what the job's writes learn about the API user's write rights, for the job to
    /// store when it ends (`store::write_rights`, read by CheckIntegration).
    pub write_log: Option<WriteLog>,
}

/// The REST side of a [`Connector`]: tokens (stored grants, cached access tokens) and the HTTP
/// transport, one of each per process.
#[derive(Clone)]
pub struct RestSide {
    pub tokens: Arc<TokenService>,
    pub transport: RestTransport,
}

/// Stores what a job's writes learned about its write rights (`NmbrsConnection::write_log`);
/// a failure to store is logged, never the job's: the check then reports the right unverified.
pub async fn store_write_log(ctx: &JobContext<'_>, log: Option<&WriteLog>) {
    for (operation, ok, at) in log.map(WriteLog::take).unwrap_or_default() {
        let integration = ctx.job.integration.id.as_str();
        if let Err(e) = crate::store::write_rights::record(ctx.pool, integration, operation, ok, at).await {
            tracing::warn!(error = %e, operation, "could not store what a write learned about its right");
        }
    }
}

/// The call budget's settings from the configuration (`NMBRS_REST_CALLS_PER_SECOND`,
/// `NMBRS_SOAP_CALLS_PER_SECOND`, the bulk lanes, `NMBRS_WORKER_QUOTA_PROBE_SECS`): the worker's
/// and `nmbrs-worker probe`'s, so every process takes from one budget on the same terms.
pub fn budget_settings(config: &crate::config::Config) -> BudgetSettings {
    BudgetSettings {
        rest_rate: config.rest_calls_per_second,
        soap_rate: config.soap_calls_per_second,
        bulk_after_calls: config.bulk_after_calls,
        soap_bulk_after_calls: config.soap_bulk_after_calls,
        probe_every: std::time::Duration::from_secs_f64(config.quota_probe_secs.clamp(0.0, 3600.0)),
        ..Default::default()
    }
}

/// Both edges of the process.
pub struct Connector {
    pub soap: NmbrsTransport,
    /// `Err` when the REST app settings are missing: `rest` jobs fail with it.
    pub rest: Result<RestSide, RestNotConfigured>,
    /// Calls in flight per integration, on either API.
    pub max_concurrency: usize,
}

impl Connector {
    /// Both edges as the configuration says (`NMBRS_BASE_URL`, the REST variables of
    /// CONTRACT §1). Missing REST app settings are not an error here (see [`Connector::rest`]).
    pub fn from_config(config: &crate::config::Config) -> anyhow::Result<Self> {
        // One HTTP core for both edges: one set of permits per integration for the whole
        // process (`nmbrs::http`), and the call budget every process shares through PostgreSQL
        // (`nmbrs::budget`: REST per subscription, SOAP per domain).
        // Its own small pool: a take is one short statement, and calls must not queue behind
        // the jobs' long-held lock connections. A take that cannot get a connection soon fails,
        // and after a few such the waiting calls are refused (`budget::Refused::Unavailable`).
        // One more connection listens for pauses (`NOTIFY`, `nmbrs::budget`).
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(3)
            .acquire_timeout(std::time::Duration::from_secs(2))
            .connect_lazy(&config.database_url)?;
        let client = ClientConfig { base_url: config.nmbrs_base_url.clone(), ..Default::default() };
        let core = HttpCore::with_budget(client, CallBudget::shared(pool, budget_settings(config)))?;
        Ok(Connector {
            soap: NmbrsTransport::with_core(core.clone()),
            rest: Self::rest_side(config, core)?,
            max_concurrency: config.nmbrs_max_concurrency_per_integration,
        })
    }

    /// The REST side of the production connector: `Ok(Err(..))` when the app settings are
    /// missing (a `rest` job then fails with `rest_not_configured`), an error when they are
    /// there but unusable. The token service has its own small lazy pool.
    fn rest_side(
        config: &crate::config::Config,
        core: HttpCore,
    ) -> anyhow::Result<Result<RestSide, crate::nmbrs::rest::RestNotConfigured>> {
        let transport = match RestTransport::with_core(&config.rest, core) {
            Ok(transport) => transport,
            Err(missing) => return Ok(Err(missing)),
        };
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(4).connect_lazy(&config.database_url)?;
        let keys = config.require_keys()?.clone();
        match TokenService::new(pool, keys, &config.rest) {
            Ok(tokens) => Ok(Ok(RestSide { tokens: Arc::new(tokens), transport })),
            Err(AuthError::NotConfigured(missing)) => Ok(Err(missing)),
            Err(e) => Err(e.into()),
        }
    }

    /// A connector without a REST side (tests and tools that speak SOAP only).
    pub fn soap_only(soap: NmbrsTransport, max_concurrency: usize) -> Self {
        let missing = RestNotConfigured { missing: crate::nmbrs::rest::APP_VARS.to_vec() };
        Connector { soap, rest: Err(missing), max_concurrency }
    }
}

impl NmbrsConnector for Connector {
    fn connect(&self, ctx: &JobContext<'_>) -> Result<NmbrsConnection, JobError> {
        let integration = &ctx.job.integration;
        let domain = integration.nmbrs.domain.as_str();
        match ctx.credentials {
            OpenedCredentials::Soap(credentials) => {
                let credentials = credentials.for_nmbrs(domain);
                let log = WriteLog::default();
                let client = self.soap.client_for(&integration.id, credentials, self.max_concurrency);
                let api = Arc::new(client.with_write_log(log.clone()));
                Ok(NmbrsConnection { api, rest: None, write_log: Some(log) })
            }
            OpenedCredentials::Rest(grant) => {
                let rest = self
                    .rest
                    .as_ref()
                    .map_err(|missing| JobError::token(&AuthError::NotConfigured(missing.clone()), domain))?;
                let source = rest.tokens.source(&integration.id, grant.clone());
                let client = Arc::new(rest.transport.client(source, self.max_concurrency));
                Ok(NmbrsConnection { api: client.clone(), rest: Some(client), write_log: None })
            }
        }
    }
}
