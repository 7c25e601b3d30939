//! The simulator's HTTP face (axum): `POST /EmployeeService.asmx` and
//! `/CompanyService.asmx` answer like ASMX (faults as HTTP 500 `text/xml` with
//! `---> NNNN: message` in `faultstring`), with the configured faults injected; `/_sim/*`
//! seeds, inspects and configures the simulator as JSON.

use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::request;
use super::service::{self, SimError};
use super::shared::{InFlight, Shared, dropped, lock};
use super::state::{CallRecord, FaultConfig, Injected, Seed, SimState, TransientFault};
use crate::nmbrs::Service;
use crate::nmbrs::soap::envelope;

/// The router of a simulator over `state`.
pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/EmployeeService.asmx", post(|s, h, b| soap(s, Service::Employee, h, b)))
        .route("/CompanyService.asmx", post(|s, h, b| soap(s, Service::Company, h, b)))
        .route("/_sim/seed", post(seed))
        .route("/_sim/state", get(dump))
        .route("/_sim/faults", post(set_faults).get(get_faults))
        .route("/_sim/calls", get(calls))
        .route("/_sim/reset", post(reset))
        .route("/_sim/clerk", post(clerk))
        .route("/_sim/soap/limits", post(set_fair_use).get(get_fair_use))
        .merge(super::rest::router())
        .with_state(state)
}

fn xml(status: StatusCode, body: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

fn soap_fault(faultcode: &str, message: &str) -> Response {
    xml(StatusCode::INTERNAL_SERVER_ERROR, envelope::fault(faultcode, message))
}

fn nmbrs_fault(code: u32, message: &str) -> Response {
    soap_fault(
        "soap:Server",
        &format!(
            "System.Web.Services.Protocols.SoapException: Server was unable to process request. ---> {code}: {message}"
        ),
    )
}

fn record(state: &Shared, operation: &str, domain: &str, write: bool, outcome: String) {
    lock(state).calls.push(CallRecord { operation: operation.to_owned(), domain: domain.to_owned(), write, outcome });
}

async fn soap(State(state): State<Shared>, service: Service, headers: HeaderMap, body: Bytes) -> Response {
    let arrived = std::time::Instant::now();
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.starts_with("text/xml") {
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type").into_response();
    }
    let action = headers.get("SOAPAction").and_then(|v| v.to_str().ok());
    let parsed = std::str::from_utf8(&body)
        .map_err(|_| request::ClientFault("request is not UTF-8".into()))
        .and_then(|text| request::parse(service, action, text));
    let req = match parsed {
        Ok(r) => r,
        Err(fault) => {
            let name = action.unwrap_or("").trim_matches('"');
            let name = name.rsplit('/').next().unwrap_or("");
            record(&state, name, "", false, "client_fault".into());
            return soap_fault("soap:Client", &fault.0);
        }
    };
    let op = req.operation;
    // Nmbrs' fair use: above the domain's calls per second, served half a second later.
    let fair_use = lock(&state).fair_use.arrive(&req.domain, arrived);
    if let Some(delay) = fair_use {
        tokio::time::sleep(delay).await;
    }
    let _in_flight = InFlight::enter(&state);
    let (injected, latency) = {
        let mut s = lock(&state);
        if s.capture {
            let text = String::from_utf8_lossy(&body).into_owned();
            s.requests.push((op, text));
        }
        (s.faults.pick(op, req.company_id()), s.faults.latency_ms)
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let log = |outcome: String| record(&state, op.name(), &req.domain, op.is_write(), outcome);
    // Faults answered after the call was carried out (the write lands, the answer does not).
    let after = match injected {
        None => None,
        Some(applied @ (Injected::LostReply | Injected::ServerFault { applied: true, .. })) => Some(applied),
        Some(other) => {
            log(format!("injected:{}", injected_name(&other)));
            return injected_response(other);
        }
    };
    let result = service::execute(&mut lock(&state), &req);
    if let (Ok(_), Some(applied)) = (&result, after) {
        log(format!("injected:{}", injected_name(&applied)));
        return injected_response(applied);
    }
    match result {
        Ok(body) => {
            log("ok".into());
            xml(StatusCode::OK, body)
        }
        Err(SimError::Nmbrs(code, message)) => {
            log(format!("fault:{code}"));
            nmbrs_fault(code, &message)
        }
        Err(SimError::Client(fault)) => {
            log("client_fault".into());
            soap_fault("soap:Client", &fault.0)
        }
    }
}

fn injected_name(i: &Injected) -> String {
    match i {
        Injected::Transient { fault } => format!("{fault:?}").to_lowercase(),
        Injected::Drop => "drop".into(),
        Injected::LostReply => "lost_reply".into(),
        Injected::Fault { code, .. } => format!("fault{code}"),
        Injected::Canned { .. } => "canned".into(),
        Injected::ServerFault { applied: false, .. } => "server_fault".into(),
        Injected::ServerFault { applied: true, .. } => "server_fault_after_write".into(),
    }
}

fn injected_response(i: Injected) -> Response {
    match i {
        Injected::Transient { fault: TransientFault::Fault9999 } => nmbrs_fault(9999, "Unknown error"),
        Injected::Transient { fault: TransientFault::Fault1006 } => nmbrs_fault(1006, "Generic Login Security Failure"),
        Injected::Transient { fault: TransientFault::Http503 } => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><head><title>503 Service Unavailable</title></head><body>Service Unavailable</body></html>",
        )
            .into_response(),
        Injected::Fault { code, message } => nmbrs_fault(code, &message),
        Injected::Drop | Injected::LostReply => dropped(),
        Injected::Canned { body, status } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            xml(status, body.into_bytes())
        }
        Injected::ServerFault { faultstring, .. } => soap_fault("soap:Server", &faultstring),
    }
}

async fn seed(State(state): State<Shared>, Json(seed): Json<Seed>) -> StatusCode {
    lock(&state).apply_seed(seed);
    StatusCode::NO_CONTENT
}

async fn dump(State(state): State<Shared>) -> Json<SimState> {
    Json(lock(&state).clone())
}

async fn set_faults(State(state): State<Shared>, Json(f): Json<FaultConfig>) -> StatusCode {
    lock(&state).faults = f;
    StatusCode::NO_CONTENT
}

async fn get_faults(State(state): State<Shared>) -> Json<FaultConfig> {
    Json(lock(&state).faults.clone())
}

#[derive(serde::Serialize)]
struct CallsView {
    total: usize,
    writes: usize,
    per_operation: std::collections::BTreeMap<String, usize>,
    calls: Vec<CallRecord>,
}

async fn calls(State(state): State<Shared>) -> Json<CallsView> {
    let s = lock(&state);
    Json(CallsView {
        total: s.calls.len(),
        writes: s.write_calls(),
        per_operation: s.counters(),
        calls: s.calls.clone(),
    })
}

async fn reset(State(state): State<Shared>) -> StatusCode {
    *lock(&state) = SimState::default();
    StatusCode::NO_CONTENT
}

/// `POST /_sim/soap/limits`: the SOAP fair-use limit per domain; counting starts afresh.
async fn set_fair_use(State(state): State<Shared>, Json(limits): Json<super::fair_use::FairUseLimits>) -> StatusCode {
    lock(&state).fair_use.set(limits);
    StatusCode::NO_CONTENT
}

/// `GET /_sim/soap/limits`: `{limits, domains: [DomainCount…]}`.
async fn get_fair_use(State(state): State<Shared>) -> Json<serde_json::Value> {
    let s = lock(&state);
    Json(serde_json::json!({"limits": s.fair_use.limits, "domains": s.fair_use.counts()}))
}

/// `POST /_sim/clerk` ([`super::clerk`]): 200 `{"line_id": …}` (null unless a line was added),
/// 404 when the line is not there.
async fn clerk(State(state): State<Shared>, Json(req): Json<super::clerk::ClerkRequest>) -> Response {
    let mut s = lock(&state);
    match super::clerk::act(s.domain_mut(&req.domain), &req.action) {
        Ok(id) => Json(serde_json::json!({"line_id": id})).into_response(),
        Err(message) => (StatusCode::NOT_FOUND, message).into_response(),
    }
}
