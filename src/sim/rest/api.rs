//! The REST face's request pipeline, one handler for every `/api/...` call: find the route,
//! validate the request against the OpenAPI file (a violation is logged and answered 400),
//! inject faults, check the bearer token and `X-Subscription-Key` (401), the scopes (403
//! `40303`), answer given pages ([`super::RestPages`]) or run the operation on the shared state
//! (its numbers through float32 when [`Numbers`] says so) and log the call as
//! `"METHOD /path/template"` with its outcome.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::ctx::{CallContext, OperationReply, Query};
use super::error::RestError;
use super::faults::{RestInjected, injected_name};
use super::oauth::{Grant, now_ms};
use super::respond::{as_float32, as_is, html_error, injected_error};
use super::routes::{self, Op, PathParams, Route};
use super::subscription::GatewayVerdict;
use super::{Gateway401, Numbers, reads, writes};
use crate::nmbrs::{HourComponentLine, WageComponentLine};
use crate::sim::shared::{Shared, dropped, lock};
use crate::sim::state::{CallRecord, SimState};

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")).map(str::trim).filter(|t| !t.is_empty())
}

/// The grant behind the call's token, or why there is none (401). A wrong or missing
/// subscription key is answered in Nmbrs' shape or, under `gateway_401: gateway`, by the API
/// gateway in front of Nmbrs with its own body (REST-NOTES §7 [M]; CONTRACT §5.1).
/// The error is the call log's outcome and the response.
fn authenticate(s: &SimState, headers: &HeaderMap) -> Result<Grant, Box<(String, Response)>> {
    let refuse = |e: RestError| Box::new((format!("error:{}", e.code), e.into_response()));
    let token = bearer(headers).ok_or_else(|| refuse(RestError::token_missing()))?;
    let oauth = &s.rest.oauth;
    let grant = oauth.grant_for_access(token, now_ms()).ok_or_else(|| refuse(RestError::token_invalid()))?;
    let key = headers.get("X-Subscription-Key").and_then(|v| v.to_str().ok()).unwrap_or("");
    let client = oauth.client_of(grant).ok_or_else(|| refuse(RestError::token_invalid()))?;
    if key.is_empty() || key != client.subscription_key {
        return Err(match s.rest.settings.gateway_401 {
            Gateway401::Nmbrs => refuse(RestError::subscription_key()),
            Gateway401::Gateway => Box::new(("error:gateway_401".into(), gateway_key_refusal())),
        });
    }
    Ok(grant.clone())
}

/// Azure API Management's answer to a missing or wrong subscription key.
fn gateway_key_refusal() -> Response {
    let body = serde_json::json!({
        "statusCode": 401,
        "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."
    });
    (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
}

/// A variable-wage POST in the hours' nested period shape (`periodDetails: {period: {…},
/// unprotectedMode}`), which the OpenAPI file does not describe, as the file's flat shape: a
/// server that honours the nested shape (`wage_period_shape`) reads it, so it is checked in
/// that form once it has been recorded as a violation of the file.
fn flattened_wage_body(body: &[u8]) -> Option<Vec<u8>> {
    let mut v: Value = serde_json::from_slice(body).ok()?;
    let details = v.get("periodDetails")?.clone();
    let period = details.get("period").filter(|p| p.is_object())?.clone();
    let object = v.as_object_mut()?;
    object.insert("periodDetails".into(), period);
    if let Some(u) = details.get("unprotectedMode") {
        object.insert("unprotectedMode".into(), u.clone());
    }
    serde_json::to_vec(&v).ok()
}

fn log(state: &Shared, route: &str, domain: &str, write: bool, outcome: String) {
    lock(state).calls.push(CallRecord { operation: route.to_owned(), domain: domain.to_owned(), write, outcome });
}

fn outcome_of(result: &OperationReply) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(e) => format!("error:{}", e.code),
    }
}

/// Runs `route` on the state.
fn execute(s: &mut SimState, route: &Route, grant: &Grant, call: &Call) -> OperationReply {
    if !grant.allows(&route.scopes.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>()) {
        return Err(RestError::forbidden(format!("the consent lacks a scope for {}", route.name())));
    }
    let SimState { domains, rest, .. } = s;
    let d = domains.get_mut(&grant.domain).ok_or_else(RestError::company_not_found)?;
    let mut ctx = CallContext {
        domain: &grant.domain,
        d,
        ids: &mut rest.ids,
        grant,
        settings: &rest.settings,
        path: &call.path,
        query: &call.query,
        body: call.body.as_ref(),
        links: &call.links,
    };
    match route.op {
        Op::Companies => reads::companies(&mut ctx),
        Op::Debtors => reads::debtors(&mut ctx),
        Op::DebtorCompanies => reads::debtor_companies(&mut ctx),
        Op::Period => reads::period(&mut ctx),
        Op::HourCodes => reads::hour_codes(&mut ctx),
        Op::WageModels => reads::wage_models(&mut ctx),
        Op::Employees => reads::employees(&mut ctx),
        Op::PersonalInfo => reads::personal_info(&mut ctx),
        Op::PrivateInfos => reads::private_infos(&mut ctx),
        Op::Contracts => reads::contracts(&mut ctx),
        Op::Employments => reads::employments(&mut ctx),
        Op::Salaries => reads::salaries(&mut ctx),
        Op::Schedules => reads::schedules(&mut ctx),
        Op::Addresses => reads::addresses(&mut ctx),
        Op::CostPerHour => reads::cost_per_hour(&mut ctx),
        Op::HoursGet => super::line_reads::variable_hours(&mut ctx),
        Op::WagesGet => super::line_reads::variable_wages(&mut ctx),
        Op::DaysGet => super::line_reads::variable_days(&mut ctx),
        Op::HoursPost => writes::post::<HourComponentLine>(&mut ctx),
        Op::HoursPut => writes::put::<HourComponentLine>(&mut ctx),
        Op::HoursDelete => writes::delete::<HourComponentLine>(&mut ctx),
        Op::WagePost => writes::post::<WageComponentLine>(&mut ctx),
        Op::WagePut => writes::put::<WageComponentLine>(&mut ctx),
        Op::WageDelete => writes::delete::<WageComponentLine>(&mut ctx),
        Op::DaysPost => super::days::days_post(&mut ctx),
    }
}

/// A parsed call.
struct Call {
    path: PathParams,
    query: Query,
    body: Option<Value>,
    links: String,
}

fn respond(result: OperationReply) -> Response {
    match result {
        Ok((status, Some(body))) => (status, axum::Json(body)).into_response(),
        Ok((status, None)) => status.into_response(),
        Err(e) => e.into_response(),
    }
}

/// The handler of every `/api/...` request.
pub async fn api(State(state): State<Shared>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    // The gateway counts a call when it arrives, not after this handler's own work (the
    // OpenAPI check, waits for the state's lock): stamped first.
    let arrived = std::time::Instant::now();
    let _in_flight = crate::sim::shared::InFlight::enter(&state);
    let path = uri.path().to_owned();
    let Some((route, path_params)) = routes::find(&method, &path) else {
        let name = format!("{method} {path}");
        let file = lock(&state).rest.openapi.clone();
        let known = file.and_then(|f| f.get().ok()).is_some_and(|o| o.has_path(&method, &path));
        let message = if known { "operation not simulated" } else { "no such operation in the OpenAPI file" };
        lock(&state).rest.violations.push(format!("{name}: {message}"));
        log(&state, &name, "", method != Method::GET, "invalid_request".into());
        return RestError::new(StatusCode::NOT_FOUND, "invalidRequestError", 40401, "Not Found", message)
            .into_response();
    };
    let name = route.name();
    let mut query: Query = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).into_owned().collect();
    let file = lock(&state).rest.openapi.clone();
    let openapi = match file.map(|f| f.get()).transpose() {
        Ok(spec) => spec,
        Err(e) => {
            lock(&state).rest.violations.push(format!("the OpenAPI file cannot be read: {e}"));
            None
        }
    };
    if let Some(spec) = openapi.clone() {
        let problems = spec.check_request(&method, route.template, &path_params, &query, &headers, &body);
        let nested_honoured = route.op == Op::WagePost
            && lock(&state).rest.settings.wage_period_shape.honours_nested()
            && flattened_wage_body(&body).is_some_and(|flat| {
                spec.check_request(&method, route.template, &path_params, &query, &headers, &flat).is_empty()
            });
        if !problems.is_empty() && nested_honoured {
            let mut s = lock(&state);
            for p in &problems {
                s.rest.violations.push(format!("{name}: {p} (the nested period shape, honoured by wage_period_shape)"));
            }
        } else if !problems.is_empty() {
            let mut s = lock(&state);
            for p in &problems {
                s.rest.violations.push(format!("{name}: {p}"));
            }
            s.calls.push(CallRecord {
                operation: name.clone(),
                domain: String::new(),
                write: route.write,
                outcome: "invalid_request".into(),
            });
            let mut e = RestError::new(
                StatusCode::BAD_REQUEST,
                "validationError",
                40033,
                "Invalid request",
                problems.join("; "),
            );
            e.invalid_params =
                problems.into_iter().map(|p| super::error::InvalidParam { name: name.clone(), reason: p }).collect();
            return e.into_response();
        }
    }
    let body_json = if body.is_empty() {
        None
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(v) => Some(v),
            Err(e) => return RestError::invalid("body", format!("not JSON: {e}")).into_response(),
        }
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let other: Vec<(&String, &String)> = query.iter().filter(|(k, _)| k.as_str() != "pageNumber").collect();
    let links = form_urlencoded::Serializer::new(format!("http://{host}{path}?")).extend_pairs(other).finish();
    let endless = lock(&state).rest.faults.endless_page(&name, &mut query);
    let call = Call { path: path_params, query, body: body_json, links };

    // The gateway counts every call per subscription key before Nmbrs sees it (issue 22).
    let key = headers.get("X-Subscription-Key").and_then(|v| v.to_str().ok()).unwrap_or("");
    let verdict = lock(&state).rest.subscriptions.admit(key, arrived);
    let limited = match verdict {
        GatewayVerdict::Pass => None,
        GatewayVerdict::Throttled { retry_after_secs } => Some(RestError::too_many_calls(retry_after_secs)),
        GatewayVerdict::QuotaExceeded => Some(RestError::quota_exceeded()),
    };
    if let Some(refusal) = limited {
        log(&state, &name, "", route.write, format!("limit:{}", refusal.code));
        return refusal.into_response();
    }
    let (injected, latency) = {
        let mut s = lock(&state);
        (s.rest.faults.pick(&name, route.write), s.rest.faults.latency_ms)
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let mut s = lock(&state);
    let grant = match authenticate(&s, &headers) {
        Ok(g) => g,
        Err(refused) => {
            let (outcome, refusal) = *refused;
            s.calls.push(CallRecord { operation: name, domain: String::new(), write: route.write, outcome });
            return refusal;
        }
    };
    // Faults answered after the call was carried out (the write lands, the answer does not).
    let after = match injected {
        None => None,
        Some(applied @ (RestInjected::LostReply | RestInjected::Reply { applied: true, .. })) => Some(applied),
        Some(other) => {
            let outcome = format!("injected:{}", injected_name(&other));
            s.calls.push(CallRecord { operation: name, domain: grant.domain.clone(), write: route.write, outcome });
            if let RestInjected::TokenExpired = other
                && let Some(token) = bearer(&headers)
                && let Some(a) = s.rest.oauth.access.get_mut(token)
            {
                a.expires_at_ms = 0;
            }
            drop(s);
            return match other {
                RestInjected::Drop => dropped(),
                RestInjected::ServerError { status } => html_error(status),
                RestInjected::Reply { status, body, .. } => as_is(status, body),
                other => injected_error(&other).into_response(),
            };
        }
    };
    let given = s.rest.faults.pages.iter().find_map(|p| {
        let number = call.query.get("pageNumber").and_then(|n| n.parse().ok()).unwrap_or(1);
        p.answer(&name, call.path.get("companyId"), number)
    });
    if let Some(page) = given {
        s.calls.push(CallRecord {
            operation: name,
            domain: grant.domain.clone(),
            write: route.write,
            outcome: "injected:canned".into(),
        });
        return (StatusCode::OK, [(header::CONTENT_TYPE, "application/json; charset=utf-8")], page).into_response();
    }
    let mut result = execute(&mut s, route, &grant, &call);
    if let (Some(page), Ok((_, Some(answer)))) = (endless, &mut result) {
        super::faults::endless(answer, &call.links, page);
    }
    if let (Numbers::Float32 { steps }, Ok((_, Some(body)))) = (s.rest.settings.numbers, result.as_mut())
        && method == Method::GET
    {
        as_float32(body, steps);
    }
    if let Some(spec) = openapi {
        let (status, body) = match &result {
            Ok((status, body)) => (status.as_u16(), body.clone()),
            Err(e) => (e.status.as_u16(), Some(e.body())),
        };
        for p in spec.check_response(&method, route.template, status, body.as_ref()) {
            s.rest.response_violations.push(format!("{name} {status}: {p}"));
        }
    }
    drop(s);
    if let (Ok(_), Some(applied)) = (&result, after) {
        log(&state, &name, &grant.domain, route.write, format!("injected:{}", injected_name(&applied)));
        return match applied {
            RestInjected::Reply { status, body, .. } => as_is(status, body),
            _ => dropped(),
        };
    }
    log(&state, &name, &grant.domain, route.write, outcome_of(&result));
    respond(result)
}
