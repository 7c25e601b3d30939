//! Environment → typed settings, validated once at start (12-factor, CONTRACT §1).
//!
//! Every variable has the name and default of the contract; the extra knobs are documented in
//! the README. A bad value becomes one [`ConfigError`] line naming the variable; secrets (AMQP
//! password, credential keys) are never echoed back.

pub mod source;

use std::{net::SocketAddr, time::Duration};

use source::invalid;
pub use source::{ConfigError, ProcessEnv, Source};

use crate::credentials::KeyRing;

/// All settings of the worker.
#[derive(Clone)]
pub struct Config {
    pub amqp_url: String,
    pub database_url: String,
    pub nmbrs_base_url: String,
    /// `None` when `NMBRS_CREDENTIALS_KEYS` is unset; `run` refuses to start without it.
    pub credential_keys: Option<KeyRing>,
    pub nmbrs_max_concurrency_per_integration: usize,
    pub queue_prefix: String,
    pub http_addr: SocketAddr,
    pub otlp_endpoint: Option<String>,
    /// Jobs processed at once per job queue (with `bulk_jobs_per_queue`, the `basic.qos`
    /// prefetch of its channel).
    pub concurrency_per_queue: u16,
    /// `NMBRS_WORKER_BULK_JOBS` (default 2): per job queue, jobs whose calls moved to the budget's
    /// bulk lane may give their slot back and run on in one of these, so a few huge integrations
    /// cannot hold every slot of a process while small jobs wait (issue 22, tenant fairness at
    /// the job level; `crate::job_slot`). 0 keeps every job in its slot.
    pub bulk_jobs_per_queue: u16,
    /// Delays between attempts of a job that failed transiently (CONTRACT §4).
    pub retry_schedule: Vec<Duration>,
    /// Job bodies above this size are rejected unread.
    pub max_message_bytes: usize,
    /// `NMBRS_WORKER_MAX_EVENT_BYTES`: the largest event body the worker publishes (issue 19
    /// items 1 and 2). Jobs bound their lists so their events stay below it; the relay sets
    /// aside a stored event above it rather than have the broker refuse it again and again.
    pub max_event_bytes: usize,
    /// `NMBRS_WORKER_OUTBOX_RETENTION`: how long a published event's body is kept before it is
    /// pruned (issue 19 item 7).
    pub outbox_retention: Duration,
    /// How long a graceful shutdown waits for in-flight jobs before releasing them.
    pub shutdown_timeout: Duration,
    /// How long a publisher confirm is awaited before the publish counts as failed.
    pub confirm_timeout: Duration,
    /// How often the outbox relay looks for unpublished events written by other processes.
    pub outbox_poll_interval: Duration,
    pub db_pool_size: u32,
    /// `NMBRS_WORKER_DB_ACQUIRE_TIMEOUT`, `…_STATEMENT_TIMEOUT`, `…_LOCK_TIMEOUT`: see
    /// [`crate::store::PoolSettings`].
    pub db_acquire_timeout: Duration,
    pub db_statement_timeout: Duration,
    pub db_lock_timeout: Duration,
    /// `NMBRS_WORKER_DB_RETRY_MAX`: while the database cannot be reached, the longest pause
    /// between two checks whether it answers again (the pauses grow from 100 ms to this).
    /// Deliveries are held meanwhile, not handed back (issue 19 item 3).
    pub db_retry_max: Duration,
    /// `NMBRS_WORKER_JOB_DEADLINE`: how long one attempt of a job may run before it is cut off
    /// and retried on the schedule; below RabbitMQ's `consumer_timeout` (30 min by default),
    /// so the broker never takes a delivery away from a running job.
    pub job_deadline: Duration,
    /// `NMBRS_WORKER_MAX_DEPARTURE_SHARE`: above this share of a roster's linked members a sync
    /// holds its departures (CONTRACT §2.3 step 6b). From 0 to 1.
    pub max_departure_share: rust_decimal::Decimal,
    /// `NMBRS_REST_CALLS_PER_SECOND` (default 100): REST calls per second of every worker process
    /// together, the one budget of Eitje's subscription (CONTRACT §5.3; `nmbrs::budget`).
    pub rest_calls_per_second: f64,
    /// `NMBRS_SOAP_CALLS_PER_SECOND` (default 100): SOAP calls per second per Nmbrs domain, of every
    /// worker process together (Nmbrs' fair use serves up to 150).
    pub soap_calls_per_second: f64,
    /// `NMBRS_WORKER_BULK_AFTER_CALLS` (default 50): a job's Nmbrs calls after this many wait in
    /// the budget's bulk lane (a twentieth of the rate while other integrations' calls wait).
    pub bulk_after_calls: u64,
    /// `NMBRS_WORKER_SOAP_BULK_AFTER_CALLS` (default 200): the same for SOAP calls. A SOAP team
    /// sync makes one call per employee where REST reads a page of 100, so a small customer's
    /// SOAP sync (60 employees: 66 calls) must stay out of the bulk lane (`nmbrs::budget`).
    pub soap_bulk_after_calls: u64,
    /// `NMBRS_WORKER_QUOTA_PROBE_SECS` (default 1): while Eitje's REST quota is used up (42909),
    /// one probing call goes at most this often, across every process.
    pub quota_probe_secs: f64,
    /// The Nmbrs REST API and Eitje's OAuth app (CONTRACT §1, §5.1); the app may be missing.
    pub rest: crate::nmbrs::rest::RestConfig,
    /// What "now" is when a job decides what day it is (CONTRACT §2.3 "today"): the system
    /// clock, or the fixed instant of `NMBRS_WORKER_CLOCK` (RFC 3339; tests and the demo only,
    /// so they read the same on any day; the worker logs a warning when it is set).
    pub clock: crate::clock::Clock,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("amqp_url", &redact_url(&self.amqp_url))
            .field("database_url", &redact_url(&self.database_url))
            .field("nmbrs_base_url", &self.nmbrs_base_url)
            .field("credential_keys", &self.credential_keys.as_ref().map(KeyRing::key_ids))
            .field("queue_prefix", &self.queue_prefix)
            .field("http_addr", &self.http_addr)
            .field("concurrency_per_queue", &self.concurrency_per_queue)
            .field("bulk_jobs_per_queue", &self.bulk_jobs_per_queue)
            .field("retry_schedule", &self.retry_schedule)
            .field("rest", &self.rest)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

/// A URL as logs may show it (issue 19 item 10): the userinfo password, and the value of every
/// query parameter but a few known-harmless settings (a `DATABASE_URL` may carry
/// `?password=`, `?sslpassword=`, …), become `***`; a URL that does not parse is not shown.
pub fn redact_url(url: &str) -> String {
    /// Query parameters whose values are shown: connection settings, never secrets.
    const SHOWN: &[&str] = &[
        "sslmode",
        "application_name",
        "connect_timeout",
        "statement-cache-capacity",
        "heartbeat",
        "channel_max",
        "frame_max",
        "connection_timeout",
        "auth_mechanism",
    ];
    let Ok(mut parsed) = reqwest::Url::parse(url) else {
        return "<a URL that does not parse; not shown>".to_string();
    };
    if parsed.password().is_some() || !parsed.username().is_empty() {
        let _ = parsed.set_password(Some("***"));
    }
    if parsed.query().is_some() {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| {
                let shown = if SHOWN.contains(&k.as_ref()) { v.into_owned() } else { "***".to_string() };
                (k.into_owned(), shown)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    if parsed.fragment().is_some() {
        parsed.set_fragment(Some("***"));
    }
    parsed.to_string()
}

pub const DEFAULT_RETRY_SCHEDULE: &str = "10s,1m,5m,15m,30m";

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&ProcessEnv)
    }

    pub fn from_source(src: &impl Source) -> Result<Self, ConfigError> {
        let text = |var: &'static str, default: &str| src.get(var).unwrap_or_else(|| default.to_string());
        let amqp_url = text("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f");
        if !(amqp_url.starts_with("amqp://") || amqp_url.starts_with("amqps://")) {
            return Err(invalid("AMQP_URL", "must start with amqp:// or amqps://"));
        }
        let database_url = text("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/nmbrs_worker");
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(invalid("DATABASE_URL", "must start with postgres://"));
        }
        let nmbrs_base_url = text("NMBRS_BASE_URL", "https://api.nmbrs.nl/soap/v3");
        if !(nmbrs_base_url.starts_with("https://") || nmbrs_base_url.starts_with("http://")) {
            return Err(invalid("NMBRS_BASE_URL", "must be an http(s) URL"));
        }
        let credential_keys = src
            .get("NMBRS_CREDENTIALS_KEYS")
            .map(|v| KeyRing::parse(&v).map_err(|e| invalid("NMBRS_CREDENTIALS_KEYS", e.to_string())))
            .transpose()?;
        let queue_prefix = src.get("NMBRS_WORKER_QUEUE_PREFIX").unwrap_or_default();
        if queue_prefix.len() > 100 || queue_prefix.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("NMBRS_WORKER_QUEUE_PREFIX", "at most 100 characters, no whitespace"));
        }
        let http_addr = parse(src, "NMBRS_WORKER_HTTP_ADDR", "127.0.0.1:9464", "a socket address like 127.0.0.1:9464")?;
        let retry_schedule = parse_schedule(&text("NMBRS_WORKER_RETRY_SCHEDULE", DEFAULT_RETRY_SCHEDULE))?;
        let concurrency_per_queue: u16 = parse(src, "NMBRS_WORKER_CONCURRENCY", "4", "an integer from 1 to 1000")?;
        if !(1..=1000).contains(&concurrency_per_queue) {
            return Err(invalid("NMBRS_WORKER_CONCURRENCY", "must be from 1 to 1000"));
        }
        let bulk_jobs_per_queue: u16 = parse(src, "NMBRS_WORKER_BULK_JOBS", "2", "an integer from 0 to 1000")?;
        if bulk_jobs_per_queue > 1000 {
            return Err(invalid("NMBRS_WORKER_BULK_JOBS", "must be from 0 to 1000"));
        }
        let nmbrs_max_concurrency_per_integration: usize =
            parse(src, "NMBRS_MAX_CONCURRENCY_PER_INTEGRATION", "4", "an integer from 1 to 64")?;
        if !(1..=64).contains(&nmbrs_max_concurrency_per_integration) {
            return Err(invalid("NMBRS_MAX_CONCURRENCY_PER_INTEGRATION", "must be from 1 to 64"));
        }
        let max_message_bytes: usize = parse(src, "NMBRS_WORKER_MAX_MESSAGE_BYTES", "16777216", "a number of bytes")?;
        if max_message_bytes < 1024 {
            return Err(invalid("NMBRS_WORKER_MAX_MESSAGE_BYTES", "must be at least 1024"));
        }
        let max_event_bytes: usize = parse(src, "NMBRS_WORKER_MAX_EVENT_BYTES", "4194304", "a number of bytes")?;
        if max_event_bytes < 65536 {
            return Err(invalid("NMBRS_WORKER_MAX_EVENT_BYTES", "must be at least 65536"));
        }
        // Each job in flight holds at most three pooled connections at once (its job lock, the
        // integration's export or team lock, and one for its statements), and there are
        // `concurrency_per_queue` jobs in flight per job queue, plus its bulk slots; plus the
        // relay and `/readyz`.
        let in_flight =
            u32::from(concurrency_per_queue + bulk_jobs_per_queue) * crate::envelope::JobType::ALL.len() as u32;
        let default_pool = (in_flight * 3 + 4).to_string();
        let db_pool_size: u32 = parse(src, "NMBRS_WORKER_DB_POOL_SIZE", &default_pool, "an integer")?;
        if db_pool_size < 4 {
            return Err(invalid("NMBRS_WORKER_DB_POOL_SIZE", "must be at least 4"));
        }
        let max_departure_share: rust_decimal::Decimal =
            parse(src, "NMBRS_WORKER_MAX_DEPARTURE_SHARE", "0.3", "a decimal from 0 to 1, like 0.3")?;
        if max_departure_share.is_sign_negative() || max_departure_share > rust_decimal::Decimal::ONE {
            return Err(invalid("NMBRS_WORKER_MAX_DEPARTURE_SHARE", "must be from 0 to 1"));
        }
        let rate = |var: &'static str| -> Result<f64, ConfigError> {
            let r: f64 = parse(src, var, "100", "calls per second, like 100 or 12.5")?;
            if !(0.1..=10_000.0).contains(&r) {
                return Err(invalid(var, "must be from 0.1 to 10000"));
            }
            Ok(r)
        };
        Ok(Config {
            rest_calls_per_second: rate("NMBRS_REST_CALLS_PER_SECOND")?,
            soap_calls_per_second: rate("NMBRS_SOAP_CALLS_PER_SECOND")?,
            bulk_after_calls: parse(src, "NMBRS_WORKER_BULK_AFTER_CALLS", "50", "a number of calls")?,
            soap_bulk_after_calls: parse(src, "NMBRS_WORKER_SOAP_BULK_AFTER_CALLS", "200", "a number of calls")?,
            quota_probe_secs: parse(src, "NMBRS_WORKER_QUOTA_PROBE_SECS", "1", "seconds, like 1 or 0.5")?,
            amqp_url,
            database_url,
            nmbrs_base_url: nmbrs_base_url.trim_end_matches('/').to_string(),
            credential_keys,
            nmbrs_max_concurrency_per_integration,
            queue_prefix,
            http_addr,
            otlp_endpoint: src.get("OTEL_EXPORTER_OTLP_ENDPOINT"),
            concurrency_per_queue,
            bulk_jobs_per_queue,
            retry_schedule,
            max_message_bytes,
            max_event_bytes,
            outbox_retention: duration(src, "NMBRS_WORKER_OUTBOX_RETENTION", "7d")?,
            shutdown_timeout: duration(src, "NMBRS_WORKER_SHUTDOWN_TIMEOUT", "30s")?,
            confirm_timeout: duration(src, "NMBRS_WORKER_CONFIRM_TIMEOUT", "10s")?,
            outbox_poll_interval: duration(src, "NMBRS_WORKER_OUTBOX_POLL_INTERVAL", "1s")?,
            db_pool_size,
            db_acquire_timeout: duration(src, "NMBRS_WORKER_DB_ACQUIRE_TIMEOUT", "10s")?,
            db_statement_timeout: duration(src, "NMBRS_WORKER_DB_STATEMENT_TIMEOUT", "2m")?,
            db_lock_timeout: duration(src, "NMBRS_WORKER_DB_LOCK_TIMEOUT", "1m")?,
            db_retry_max: duration(src, "NMBRS_WORKER_DB_RETRY_MAX", "30s")?,
            job_deadline: duration(src, "NMBRS_WORKER_JOB_DEADLINE", "25m")?,
            max_departure_share,
            rest: crate::nmbrs::rest::RestConfig::from_source(src)?,
            clock: clock(src)?,
        })
    }

    /// The worker's database pool, as configured.
    pub fn pool_settings(&self) -> crate::store::PoolSettings {
        crate::store::PoolSettings {
            size: self.db_pool_size,
            acquire_timeout: self.db_acquire_timeout,
            statement_timeout: self.db_statement_timeout,
            lock_timeout: self.db_lock_timeout,
        }
    }

    /// The key ring, or the error `run` reports when it is missing.
    pub fn require_keys(&self) -> Result<&KeyRing, ConfigError> {
        self.credential_keys
            .as_ref()
            .ok_or_else(|| invalid("NMBRS_CREDENTIALS_KEYS", "required: key_id:base64key[,key_id:base64key…]"))
    }
}

fn parse<T: std::str::FromStr>(
    src: &impl Source,
    var: &'static str,
    default: &str,
    expected: &str,
) -> Result<T, ConfigError> {
    let raw = src.get(var).unwrap_or_else(|| default.to_string());
    raw.trim().parse().map_err(|_| invalid(var, format!("expected {expected}, got {raw:?}")))
}

/// `NMBRS_WORKER_CLOCK`: unset = the system clock, else a fixed RFC 3339 instant.
fn clock(src: &impl Source) -> Result<crate::clock::Clock, ConfigError> {
    const VAR: &str = "NMBRS_WORKER_CLOCK";
    let Some(raw) = src.get(VAR) else { return Ok(crate::clock::Clock::System) };
    let at = chrono::DateTime::parse_from_rfc3339(raw.trim())
        .map_err(|e| invalid(VAR, format!("expected an RFC 3339 instant like 2026-11-24T12:00:00Z ({e})")))?;
    Ok(crate::clock::Clock::fixed(at.with_timezone(&chrono::Utc)))
}

fn duration(src: &impl Source, var: &'static str, default: &str) -> Result<Duration, ConfigError> {
    let raw = src.get(var).unwrap_or_else(|| default.to_string());
    let d = humantime::parse_duration(raw.trim())
        .map_err(|e| invalid(var, format!("expected a duration like 30s or 5m, got {raw:?} ({e})")))?;
    if d.is_zero() {
        return Err(invalid(var, "must be greater than zero"));
    }
    Ok(d)
}

/// `"10s,1m,5m"` → durations; each at least one second (the retry queues' TTL is in ms, but
/// sub-second retries would hammer Nmbrs) and at most one day.
pub fn parse_schedule(raw: &str) -> Result<Vec<Duration>, ConfigError> {
    const VAR: &str = "NMBRS_WORKER_RETRY_SCHEDULE";
    let mut out = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let d =
            humantime::parse_duration(part).map_err(|e| invalid(VAR, format!("{part:?} is not a duration ({e})")))?;
        if d < Duration::from_millis(100) || d > Duration::from_secs(86_400) {
            return Err(invalid(VAR, format!("{part:?} must be between 100ms and 24h")));
        }
        out.push(d);
    }
    if out.len() > 20 {
        return Err(invalid(VAR, "at most 20 retries"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn defaults_follow_the_contract() {
        let cfg = Config::from_source(&HashMap::new()).unwrap();
        assert_eq!(cfg.amqp_url, "amqp://guest:guest@127.0.0.1:5672/%2f");
        assert_eq!(cfg.database_url, "postgres://postgres@127.0.0.1:5432/nmbrs_worker");
        assert_eq!(cfg.nmbrs_base_url, "https://api.nmbrs.nl/soap/v3");
        assert_eq!(cfg.nmbrs_max_concurrency_per_integration, 4);
        assert_eq!(cfg.max_departure_share, rust_decimal::Decimal::new(3, 1));
        assert_eq!(cfg.queue_prefix, "");
        assert_eq!(cfg.http_addr.to_string(), "127.0.0.1:9464");
        assert!(cfg.otlp_endpoint.is_none());
        assert!(cfg.credential_keys.is_none());
        assert_eq!(cfg.clock, crate::clock::Clock::System);
        assert_eq!((cfg.rest_calls_per_second, cfg.soap_calls_per_second), (100.0, 100.0));
        assert_eq!((cfg.bulk_after_calls, cfg.soap_bulk_after_calls), (50, 200));
        assert_eq!((cfg.concurrency_per_queue, cfg.bulk_jobs_per_queue), (4, 2));
        let secs: Vec<u64> = cfg.retry_schedule.iter().map(Duration::as_secs).collect();
        assert_eq!(secs, vec![10, 60, 300, 900, 1800]);
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (var, value) in [
            ("NMBRS_WORKER_HTTP_ADDR", "nowhere"),
            ("NMBRS_MAX_CONCURRENCY_PER_INTEGRATION", "0"),
            ("NMBRS_WORKER_RETRY_SCHEDULE", "10s,soon"),
            ("NMBRS_WORKER_CONCURRENCY", "-1"),
            ("NMBRS_WORKER_BULK_JOBS", "1001"),
            ("AMQP_URL", "http://x"),
            ("NMBRS_CREDENTIALS_KEYS", "k1:not-base64!"),
            ("NMBRS_WORKER_SHUTDOWN_TIMEOUT", "0s"),
            ("NMBRS_WORKER_MAX_DEPARTURE_SHARE", "1.5"),
            ("NMBRS_WORKER_MAX_DEPARTURE_SHARE", "-0.1"),
            ("NMBRS_WORKER_MAX_DEPARTURE_SHARE", "30%"),
            ("NMBRS_WORKER_CLOCK", "2026-11-24"),
            ("NMBRS_REST_CALLS_PER_SECOND", "0"),
            ("NMBRS_SOAP_CALLS_PER_SECOND", "fast"),
        ] {
            let err = Config::from_source(&HashMap::from([(var, value)])).unwrap_err();
            assert_eq!(err.var, var, "{value}");
            assert!(err.to_string().starts_with("invalid configuration: "), "{err}");
        }
    }

    #[test]
    fn a_fixed_clock_is_an_instant_whose_day_is_dutch() {
        let cfg = Config::from_source(&HashMap::from([("NMBRS_WORKER_CLOCK", "2026-12-31T23:30:00Z")])).unwrap();
        assert_eq!(cfg.clock.nmbrs_today(), chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
    }

    #[test]
    fn key_errors_do_not_echo_the_key() {
        let secret = "k1:c2VjcmV0LXNlY3JldC1zZWNyZXQ=";
        let err = Config::from_source(&HashMap::from([("NMBRS_CREDENTIALS_KEYS", secret)])).unwrap_err();
        assert!(!err.to_string().contains("c2VjcmV0"), "{err}");
    }

    #[test]
    fn urls_are_redacted_for_logs() {
        assert_eq!(redact_url("amqp://guest:pw@host:5672/%2f"), "amqp://guest:***@host:5672/%2f");
        assert_eq!(redact_url("postgres://postgres@h/db"), "postgres://postgres:***@h/db");
        assert_eq!(redact_url("http://h/x"), "http://h/x");
    }

    #[test]
    fn no_password_of_either_url_reaches_the_start_log() {
        let cfg = Config::from_source(&HashMap::from([
            ("DATABASE_URL", "postgres://worker@db:5432/nmbrs?password=pg-s3cret&sslmode=require&sslpassword=k3y"),
            ("AMQP_URL", "amqps://eitje:amqp-s3cret@mq/%2f?auth_mechanism=plain&password=x-s3cret"),
        ]))
        .unwrap();
        // What `run` logs at start (`config = ?config`).
        let logged = format!("{cfg:?}");
        for secret in ["pg-s3cret", "k3y", "amqp-s3cret", "x-s3cret"] {
            assert!(!logged.contains(secret), "{secret} in {logged}");
        }
        assert!(
            logged.contains("postgres://worker:***@db:5432/nmbrs?password=***&sslmode=require&sslpassword=***"),
            "{logged}"
        );
        assert!(logged.contains("amqps://eitje:***@mq/%2f?auth_mechanism=plain&password=***"), "{logged}");
        assert_eq!(redact_url("postgres://u:p@h/db#frag"), "postgres://u:***@h/db#***");
        assert_eq!(redact_url("not a url with password=p"), "<a URL that does not parse; not shown>");
    }
}
