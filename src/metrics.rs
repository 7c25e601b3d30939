//! Prometheus metrics served on `/metrics`: what a person watching a long export or a nightly
//! sync wants to see move.

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub job_type: String,
    /// completed | duplicate | retry | failed | rejected | released
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TypeLabel {
    pub job_type: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CodeLabel {
    pub code: String,
}

/// All metrics of the process.
pub struct Metrics {
    registry: Registry,
    pub jobs: Family<JobLabels, Counter>,
    pub job_seconds: Family<TypeLabel, Histogram>,
    pub rejected: Family<CodeLabel, Counter>,
    pub jobs_in_flight: Gauge,
    pub events_published: Counter,
    pub outbox_pending: Gauge,
    /// Events set aside (issue 19 item 1), counted when set aside; and how many are set aside
    /// and unpublished now: alert when the gauge is above 0.
    pub outbox_set_aside_total: Counter,
    pub outbox_set_aside: Gauge,
    /// Published event bodies pruned after the retention (issue 19 item 7).
    pub outbox_pruned: Counter,
    pub broker_connects: Counter,
    pub broker_connection_lost: Counter,
    /// Export buckets whose write ended, by outcome (`written`, `unchanged`, `in_doubt`, `refused`):
    /// the progress of a long export.
    pub export_buckets: Family<OutcomeLabel, Counter>,
    /// Deliveries held because the worker's database could not be reached (issue 19 item 3).
    pub database_unavailable: Counter,
    /// CheckIntegration's outcomes and integrations per status.
    pub check: crate::jobs::check::metrics::CheckMetrics,
    /// Failed job attempts by their error code (`job.failed` `error.code`, also when the job is
    /// retried): e.g. `rest_subscription_refused`, Eitje's own configuration (CONTRACT §5.1).
    pub attempt_errors: Family<CodeLabel, Counter>,
    /// `nmbrs.consent_expiring` notifications sent (CONTRACT §5.1), one per grant.
    pub consent_expiring: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("nmbrs_worker");
        let jobs = Family::<JobLabels, Counter>::default();
        registry.register("jobs", "Job deliveries handled, by type and outcome", jobs.clone());
        let job_seconds = Family::<TypeLabel, Histogram>::new_with_constructor(|| {
            Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(0.005, 2.5, 14))
        });
        registry.register("job_duration_seconds", "Time to run one job attempt", job_seconds.clone());
        let rejected = Family::<CodeLabel, Counter>::default();
        registry.register("rejected_messages", "Invalid messages rejected and parked, by code", rejected.clone());
        let jobs_in_flight = Gauge::default();
        registry.register("jobs_in_flight", "Jobs running right now", jobs_in_flight.clone());
        let events_published = Counter::default();
        registry.register("events_published", "Events confirmed by the broker", events_published.clone());
        let outbox_pending = Gauge::default();
        registry.register("outbox_pending", "Events waiting in the outbox", outbox_pending.clone());
        let outbox_set_aside_total = Counter::default();
        registry.register(
            "outbox_set_aside",
            "Events the relay set aside because they cannot be published",
            outbox_set_aside_total.clone(),
        );
        let outbox_set_aside = Gauge::default();
        registry.register(
            "outbox_set_aside_unpublished",
            "Events set aside and not published now (alert above 0)",
            outbox_set_aside.clone(),
        );
        let outbox_pruned = Counter::default();
        registry.register("outbox_pruned", "Published event bodies pruned after the retention", outbox_pruned.clone());
        let broker_connects = Counter::default();
        registry.register("broker_connects", "Successful connections to RabbitMQ", broker_connects.clone());
        let broker_connection_lost = Counter::default();
        registry.register(
            "broker_connection_lost",
            "Connections to RabbitMQ lost or failed",
            broker_connection_lost.clone(),
        );
        let export_buckets = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "export_buckets",
            "Export buckets whose write ended in this job, by outcome",
            export_buckets.clone(),
        );
        let database_unavailable = Counter::default();
        registry.register(
            "database_unavailable",
            "Deliveries held until the worker's database answered again",
            database_unavailable.clone(),
        );
        let budget = crate::nmbrs::budget::stats::get();
        registry.register(
            "rest_paused",
            "1 while Eitje's Nmbrs REST quota is used up (42909) and REST calls pause, in every process",
            budget.rest_paused.clone(),
        );
        registry.register(
            "rest_quota_exceeded",
            "Nmbrs REST answers 42909 (call quota used up)",
            budget.quota_exceeded.clone(),
        );
        registry.register(
            "nmbrs_throttled",
            "Nmbrs answers 429 42908 (too many calls): the shared call budget slows down",
            budget.throttled.clone(),
        );
        registry.register(
            "call_budget_tokens",
            "Tokens this process took from the shared Nmbrs call budget (one per call)",
            budget.tokens.clone(),
        );
        registry.register(
            "budget_late_tokens",
            "Call budget tokens dropped because their call woke too late to keep the gateway's rate (a loaded process); the call took a fresh one",
            budget.late_tokens.clone(),
        );
        registry.register(
            "bulk_slot_moves",
            "Jobs that gave their job slot back for a bulk slot (NMBRS_WORKER_BULK_JOBS) when their calls reached the call budget's bulk lane",
            budget.bulk_slot_moves.clone(),
        );
        let check = crate::jobs::check::metrics::CheckMetrics::register(&mut registry);
        let attempt_errors = Family::<CodeLabel, Counter>::default();
        registry.register(
            "job_attempt_errors",
            "Job attempts that failed, by error code (retried or not)",
            attempt_errors.clone(),
        );
        let consent_expiring = Counter::default();
        registry.register(
            "consent_expiring_notified",
            "nmbrs.consent_expiring notifications sent (one per grant)",
            consent_expiring.clone(),
        );
        Self {
            check,
            attempt_errors,
            consent_expiring,
            registry,
            jobs,
            job_seconds,
            rejected,
            jobs_in_flight,
            events_published,
            outbox_pending,
            outbox_set_aside_total,
            outbox_set_aside,
            outbox_pruned,
            broker_connects,
            broker_connection_lost,
            export_buckets,
            database_unavailable,
        }
    }
}

impl Metrics {
    pub fn job(&self, job_type: &str, outcome: &str) {
        self.jobs.get_or_create(&JobLabels { job_type: job_type.to_string(), outcome: outcome.to_string() }).inc();
    }

    pub fn export_bucket(&self, outcome: &str) {
        self.export_buckets.get_or_create(&OutcomeLabel { outcome: outcome.to_string() }).inc();
    }

    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_with_labels() {
        let m = Metrics::default();
        m.job("SyncTeam", "completed");
        m.job("SyncTeam", "completed");
        let text = m.render();
        assert!(text.contains(r#"nmbrs_worker_jobs_total{job_type="SyncTeam",outcome="completed"} 2"#), "{text}");
        assert!(text.contains("nmbrs_worker_outbox_pending 0"), "{text}");
    }
}
