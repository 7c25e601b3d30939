//! The check's metrics (issue 20): each check's outcome by kind, and how many integrations
//! this process last saw in each status (`ready`, `needs_attention`), for the alert on
//! `integration.needs_attention` rising, and the problems found by code (e.g. consents expiring).

use std::{collections::HashMap, sync::Mutex};

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge},
    registry::Registry,
};

use crate::domain::check::IntegrationStatus;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CheckLabels {
    /// credentials | rights | venues | codes | in_doubt
    pub check: String,
    /// ok | problem | unverified
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ProblemLabel {
    /// The problem's code (`nmbrs.missing_rights`, `nmbrs.consent_expiring`, …).
    pub code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabel {
    pub status: String,
}

/// Registered in the process's registry by `metrics::Metrics`.
#[derive(Debug, Default)]
pub struct CheckMetrics {
    pub outcomes: Family<CheckLabels, Counter>,
    pub integrations: Family<StatusLabel, Gauge>,
    pub problems: Family<ProblemLabel, Counter>,
    last: Mutex<HashMap<String, &'static str>>,
}

impl CheckMetrics {
    pub fn register(registry: &mut Registry) -> Self {
        let m = CheckMetrics::default();
        registry.register("check_outcomes", "CheckIntegration checks made, by kind and status", m.outcomes.clone());
        registry.register(
            "check_integrations",
            "Integrations by the status of their last CheckIntegration in this process",
            m.integrations.clone(),
        );
        registry.register("check_problems", "Problems CheckIntegration found, by code", m.problems.clone());
        for status in IntegrationStatus::ALL {
            m.integrations.get_or_create(&StatusLabel { status: status.as_str().into() }).set(0);
        }
        m
    }

    pub fn outcome(&self, check: &str, status: &str, n: u64) {
        self.outcomes.get_or_create(&CheckLabels { check: check.into(), status: status.into() }).inc_by(n);
    }

    pub fn problem(&self, code: &str) {
        self.problems.get_or_create(&ProblemLabel { code: code.into() }).inc();
    }

    /// Notes `integration`'s latest status; the gauges count each integration once.
    pub fn integration_status(&self, integration: &str, status: IntegrationStatus) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(before) = last.insert(integration.to_string(), status.as_str()) {
            self.integrations.get_or_create(&StatusLabel { status: before.into() }).dec();
        }
        self.integrations.get_or_create(&StatusLabel { status: status.as_str().into() }).inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_integration_counts_once_in_its_latest_status() {
        let mut registry = Registry::default();
        let m = CheckMetrics::register(&mut registry);
        m.integration_status("env-1", IntegrationStatus::NeedsAttention);
        m.integration_status("env-2", IntegrationStatus::Ready);
        m.integration_status("env-1", IntegrationStatus::Ready);
        let get = |s: IntegrationStatus| m.integrations.get_or_create(&StatusLabel { status: s.as_str().into() }).get();
        assert_eq!((get(IntegrationStatus::Ready), get(IntegrationStatus::NeedsAttention)), (2, 0));
    }
}
