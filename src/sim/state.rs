//! The simulator's state: per domain, users (token, denied operations, visible
//! companies), companies (period type, current period, both hour and wage models) and
//! employees (personal data, contracts, salaries, schedules), plus the variable hour
//! components, wage components and days per employee and period. Also the injected
//! faults and the call log. Serde-able, so `/_sim/seed` and `/_sim/state` speak JSON.

use crate::sim::SimId;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::nmbrs::*;

pub use super::domain::{LineInfo, PeriodKey, SimCompany, SimDomain, SimEmployee, SimUser};

/// A transient fault to inject.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransientFault {
    /// Fault 9999 (HTTP 500).
    #[default]
    Fault9999,
    /// Fault 1006 "Generic Login Security Failure" (HTTP 500).
    Fault1006,
    /// HTTP 503 with an HTML page.
    Http503,
}

/// What happens to one call, chosen by the fault configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Injected {
    Transient {
        fault: TransientFault,
    },
    /// The connection drops before anything is applied.
    Drop,
    /// A write is applied, then the connection drops (the reply is lost).
    LostReply,
    /// A specific Nmbrs fault, e.g. `{ "code": 2011, "message": "…" }`.
    Fault {
        code: u32,
        message: String,
    },
    /// These bytes, as they are, instead of the simulated answer (nothing is applied), e.g.
    /// `{ "kind": "canned", "body": "<?xml …" }`; `status` defaults to 200. Feeds real-world
    /// responses (`../shared/nmbrs/field/`) to the worker.
    Canned {
        body: String,
        #[serde(default = "http_ok")]
        status: u16,
    },
    /// A `soap:Server` fault (HTTP 500) with this `faultstring` as it is, e.g. an exception
    /// without a Nmbrs code (`{ "kind": "server_fault", "faultstring": "…", "applied": true }`).
    /// With `applied` the call is carried out first: the write lands, the answer is the fault.
    ServerFault {
        faultstring: String,
        #[serde(default)]
        applied: bool,
    },
}

fn http_ok() -> u16 {
    200
}

/// A sticky canned answer (`FaultConfig::canned`): every call of `operation` (for
/// `company_id` only, when given) is answered with `body` and `status`, until the fault
/// configuration is replaced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedRule {
    pub operation: String,
    /// Matches the request's `CompanyId`/`CompanyID`; `None` matches every company.
    #[serde(default)]
    pub company_id: Option<i32>,
    pub body: String,
    #[serde(default = "http_ok")]
    pub status: u16,
}

/// A one-shot fault for the next matching call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scripted {
    /// Operation name; `None` matches any call.
    #[serde(default)]
    pub operation: Option<String>,
    /// Matches only a call for this `CompanyId`/`CompanyID`; `None` matches any.
    #[serde(default)]
    pub company_id: Option<i32>,
    #[serde(flatten)]
    pub injected: Injected,
}

/// Runtime fault injection (`POST /_sim/faults`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultConfig {
    /// Probability (0..1) of a transient fault per call.
    pub error_rate: f64,
    pub transient: TransientFault,
    /// Added latency per call, in milliseconds.
    pub latency_ms: u64,
    /// Probability of a dropped connection (nothing applied).
    pub drop_rate: f64,
    /// Probability that a write is applied but its reply is lost.
    pub lost_reply_rate: f64,
    /// Faults for the next matching calls, in order.
    pub script: Vec<Scripted>,
    /// Sticky canned answers, first match wins; checked after `script`, before the rates.
    pub canned: Vec<CannedRule>,
}

impl FaultConfig {
    /// Picks the fault (if any) for a call of `op` about `company` (the request's company
    /// id, if it has one), consuming a scripted one.
    pub fn pick(&mut self, op: Operation, company: Option<i32>) -> Option<Injected> {
        let company_matches = |want: Option<i32>| want.is_none() || want == company;
        if let Some(i) = self
            .script
            .iter()
            .position(|s| s.operation.as_deref().is_none_or(|o| o == op.name()) && company_matches(s.company_id))
        {
            return Some(self.script.remove(i).injected);
        }
        if let Some(c) = self.canned.iter().find(|c| c.operation == op.name() && company_matches(c.company_id)) {
            return Some(Injected::Canned { body: c.body.clone(), status: c.status });
        }
        if self.drop_rate > 0.0 && fastrand::f64() < self.drop_rate {
            return Some(Injected::Drop);
        }
        if self.error_rate > 0.0 && fastrand::f64() < self.error_rate {
            return Some(Injected::Transient { fault: self.transient });
        }
        if op.is_write() && self.lost_reply_rate > 0.0 && fastrand::f64() < self.lost_reply_rate {
            return Some(Injected::LostReply);
        }
        None
    }
}

/// One logged call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRecord {
    pub operation: String,
    pub domain: String,
    pub write: bool,
    /// `ok`, `fault:NNNN`, `client_fault`, `injected:…`.
    pub outcome: String,
}

/// Everything the simulator knows.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimState {
    pub domains: BTreeMap<String, SimDomain>,
    pub faults: FaultConfig,
    pub calls: Vec<CallRecord>,
    /// API calls (SOAP and REST) being answered right now, and the most seen at once.
    pub in_flight: usize,
    pub max_in_flight: usize,
    /// When set, raw request bodies are kept in `requests` (tests; they hold credentials,
    /// so they are never serialised).
    #[serde(skip)]
    pub capture: bool,
    #[serde(skip)]
    pub requests: Vec<(Operation, String)>,
    /// The REST face: identity server, REST faults (src/sim/rest/).
    pub rest: super::rest::RestState,
    /// The SOAP fair-use limit per domain and what each met (`fair_use.rs`).
    #[serde(skip)]
    pub fair_use: super::fair_use::FairUse,
}

/// JSON seed (`POST /_sim/seed`): merged into the domain, creating it if needed.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Seed {
    pub domain: String,
    pub users: Vec<SimUser>,
    pub companies: Vec<SimCompany>,
    pub employees: Vec<SimEmployee>,
}

impl SimState {
    pub fn domain_mut(&mut self, domain: &str) -> &mut SimDomain {
        self.domains.entry(domain.to_owned()).or_insert_with(|| SimDomain { next_id: 100_000, ..Default::default() })
    }

    pub fn apply_seed(&mut self, seed: Seed) {
        let d = self.domain_mut(&seed.domain);
        for u in seed.users {
            d.users.insert(u.username.clone(), u);
        }
        for c in seed.companies {
            d.companies.insert(c.company.id.int(), c);
        }
        for e in seed.employees {
            d.employees.insert(e.id(), e);
        }
    }

    /// Calls per operation name: `(total, writes)`.
    pub fn counters(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for c in &self.calls {
            *m.entry(c.operation.clone()).or_default() += 1;
        }
        m
    }

    pub fn write_calls(&self) -> usize {
        self.calls.iter().filter(|c| c.write).count()
    }
}
