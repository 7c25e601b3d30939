//! The storm benchmark's view of Nmbrs' limit on either API, kept apart from the storm itself so
//! that one run reads the same figures on REST (the gateway's rate and quota per subscription
//! key, `/_sim/rest/limits`) and on SOAP (the fair-use limit per domain, `/_sim/soap/limits`,
//! where a call above it is served half a second late instead of refused).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{Api, SimProcess};

/// What the limit counted in one run.
#[derive(Default)]
pub struct Counted {
    /// Calls let through (REST) or served (SOAP, all of them).
    pub passed: u64,
    /// Calls over the limit: answered 429 `42908` (REST) or delayed half a second (SOAP).
    pub over: u64,
    /// Calls answered 429 `42909` (REST only).
    pub quota: u64,
    /// The most calls let through in any sliding second.
    pub peak_per_second: u64,
}

fn route(api: Api) -> &'static str {
    match api {
        Api::Rest => "/_sim/rest/limits",
        Api::Soap => "/_sim/soap/limits",
    }
}

/// The budget scope's key in `nmbrs_call_budget` (`nmbrs::budget::Scope::key`).
pub fn scope_key(api: Api) -> String {
    match api {
        Api::Rest => "rest".into(),
        Api::Soap => format!("soap:{}", nmbrs_worker::sim::demo::DOMAIN),
    }
}

/// Sets the limit (and a REST quota of `quota` calls), starting the count afresh.
pub async fn set(sim: &SimProcess, api: Api, limit: u64, quota: Option<u64>) {
    let mut limits = json!({"calls_per_second": limit});
    if let Some(q) = quota {
        limits["quota"] = json!(q);
    }
    sim.control(route(api), limits).await;
}

async fn first_count(base: &str, http: &reqwest::Client, api: Api) -> Value {
    let url = format!("{base}{}", route(api));
    let text = http.get(url).send().await.unwrap().text().await.unwrap();
    let limits: Value = serde_json::from_str(&text).unwrap();
    let list = if api == Api::Rest { "keys" } else { "domains" };
    limits[list][0].clone()
}

/// What the limit counted since it was set.
pub async fn counted(sim: &SimProcess, api: Api) -> Counted {
    let c = first_count(&sim.base, &sim.http, api).await;
    let n = |f: &str| c[f].as_u64().unwrap_or(0);
    match api {
        Api::Rest => Counted {
            passed: n("passed"),
            over: n("throttled"),
            quota: n("quota_exceeded"),
            peak_per_second: n("peak_per_second"),
        },
        Api::Soap => {
            Counted { passed: n("calls"), over: n("delayed"), quota: 0, peak_per_second: n("peak_per_second") }
        }
    }
}

/// Waits for the REST quota's first 42909, lets the pause run, gives the quota back: the
/// 42909s answered meanwhile and the first one's moment after the start.
pub async fn run_out(base: String, http: reqwest::Client, limit: u64, pause: Duration) -> (u64, Duration) {
    let started = Instant::now();
    let refused = |c: Value| c["quota_exceeded"].as_u64().unwrap_or(0);
    while refused(first_count(&base, &http, Api::Rest).await) == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let first = started.elapsed();
    tokio::time::sleep(pause).await;
    let during = refused(first_count(&base, &http, Api::Rest).await);
    // Setting the limits again gives the quota back (and counts afresh).
    let body = json!({"calls_per_second": limit}).to_string();
    let url = format!("{base}{}", route(Api::Rest));
    http.post(url).header("content-type", "application/json").body(body).send().await.unwrap();
    (during, first)
}
