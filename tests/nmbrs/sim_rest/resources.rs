//! The simulator's REST resources over the state it shares with SOAP: paged company-wide
//! reads, lines written on one face and seen on the other, variable days, closed periods,
//! scopes, the OpenAPI validation of requests and responses, and injected faults.

use super::*;
use crate::support::nmbrs::{JAN, NOV, demo_client, hours};
use nmbrs_worker::nmbrs::{EmployeeService, PayPeriod};
use nmbrs_worker::sim::rest::ids::IdKind;
use nmbrs_worker::sim::rest::{DaysPost, RestSettings};

/// A demo simulator with a live access token for every worker scope.
async fn rest_sim() -> (Simulator, String) {
    let (sim, _, rt) = sim_with_grant(GrantSpec::default()).await;
    let (status, t) = refresh(&sim, &rt, true).await;
    assert_eq!(status, 200, "{t}");
    (sim, t["access_token"].as_str().unwrap().to_owned())
}

async fn send(sim: &Simulator, method: reqwest::Method, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{}{path}", sim.base_url()))
        .header("Authorization", format!("Bearer {token}"))
        .header("X-Subscription-Key", SUBSCRIPTION_KEY);
    if let Some(b) = body {
        req = req.header("Content-Type", "application/json").body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null))
}

fn company_id(sim: &Simulator, id: i32) -> String {
    sim.rest_id(demo::DOMAIN, IdKind::Company, id).to_string()
}

fn employee_id(sim: &Simulator, id: i32) -> String {
    sim.rest_id(demo::DOMAIN, IdKind::Employee, id).to_string()
}

#[tokio::test]
async fn company_wide_reads_page_to_the_end_with_page_links() {
    let (sim, token) = rest_sim().await;
    let (status, companies) = get(&sim, "/api/companies", &token).await;
    assert_eq!(status, 200, "{companies}");
    let horeca = companies["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == "444445")
        .expect("company number is a string in both faces");
    assert_eq!(horeca["companyId"], company_id(&sim, demo::HORECA));

    let expected =
        sim.state().domains[demo::DOMAIN].employees.values().filter(|e| e.company_id == demo::HORECA).count();
    assert!(expected > 3, "the demo has enough employees to page");
    let mut url = format!("/api/companies/{}/employees/contracts?pageSize=3", company_id(&sim, demo::HORECA));
    let mut seen = Vec::new();
    for _ in 0..20 {
        let (status, page) = get(&sim, &url, &token).await;
        assert_eq!(status, 200, "{page}");
        assert!(page["data"].as_array().unwrap().len() <= 3);
        seen.extend(page["data"].as_array().unwrap().iter().map(|e| e["employeeId"].as_str().unwrap().to_owned()));
        match page["pagination"]["nextPage"].as_str() {
            Some(next) => url = next.strip_prefix(sim.base_url()).unwrap().to_owned(),
            None => break,
        }
    }
    assert_eq!(seen.len(), expected, "every employee once");
    seen.dedup();
    assert_eq!(seen.len(), expected);
    assert!(seen.contains(&employee_id(&sim, JAN.soap().unwrap())));
    assert_valid_traffic(&sim);
}

#[tokio::test]
async fn a_component_posted_via_rest_is_seen_via_soap_and_the_other_way_round() {
    let (sim, token) = rest_sim().await;
    let soap = demo_client(&sim);
    let jan = employee_id(&sim, JAN.soap().unwrap());
    let period = serde_json::json!({"period": {"year": NOV.year, "period": NOV.period}});

    // REST → SOAP
    let body = serde_json::json!({"hourCode": 1, "hours": 7.25, "comment": "eitje:m1", "periodDetails": period});
    let (status, created) =
        send(&sim, reqwest::Method::POST, &format!("/api/employees/{jan}/variablehours"), &token, Some(body)).await;
    assert_eq!(status, 201, "{created}");
    let lines = soap.hour_component_var_get(JAN, NOV).await.unwrap().items;
    assert_eq!(lines.len(), 1);
    assert_eq!((lines[0].hour_code, lines[0].hours.to_string()), (1, "7.25".to_owned()));
    assert_eq!(
        created["hourComponentId"],
        sim.rest_id(demo::DOMAIN, IdKind::HourComponent, lines[0].id.soap().unwrap()).to_string()
    );

    // SOAP → REST, comment included
    let mut line = hours(20, "3.5");
    line.comment = Some("eitje:m2".into());
    let soap_id = soap.hour_component_var_insert(JAN, &line, NOV.protected()).await.unwrap();
    let (_, read) = get(&sim, &format!("/api/employees/{jan}/variablehours?year=2026&period=11"), &token).await;
    let data = read["data"].as_array().unwrap();
    assert_eq!(data.len(), 2, "{read}");
    let via_soap = data
        .iter()
        .find(|l| {
            l["hourComponentId"]
                == sim.rest_id(demo::DOMAIN, IdKind::HourComponent, soap_id.soap().unwrap()).to_string()
        })
        .unwrap();
    assert_eq!(
        (via_soap["hourCode"].as_i64(), via_soap["hours"].as_f64(), via_soap["comment"].as_str()),
        (Some(20), Some(3.5), Some("eitje:m2"))
    );

    // PUT changes in place; SOAP sees the new value under the same id.
    let put = serde_json::json!({"hourComponentId": created["hourComponentId"], "hours": 8, "periodDetails": period});
    let (status, _) =
        send(&sim, reqwest::Method::PUT, &format!("/api/employees/{jan}/variablehours"), &token, Some(put)).await;
    assert_eq!(status, 200);
    let lines = soap.hour_component_var_get(JAN, NOV).await.unwrap().items;
    assert!(lines.iter().any(|l| l.hour_code == 1 && l.hours.to_string() == "8"), "{lines:?}");
    assert_eq!(lines.len(), 2);

    // DELETE through REST; a second DELETE is 404 40401.
    let delete = format!("/api/employees/{jan}/hours/{}", via_soap["hourComponentId"].as_str().unwrap());
    assert_eq!(send(&sim, reqwest::Method::DELETE, &delete, &token, None).await.0, 204);
    let (status, gone) = send(&sim, reqwest::Method::DELETE, &delete, &token, None).await;
    assert_eq!((status, gone["code"].as_u64()), (404, Some(40401)));
    assert_eq!(soap.hour_component_var_get(JAN, NOV).await.unwrap().items.len(), 1);

    // Wage components: flat period on POST, company-wide read.
    let wage = serde_json::json!({"code": 400, "value": 2, "comment": "eitje:w1", "periodDetails": {"year": 2026, "period": 11}, "unprotectedMode": false});
    let (status, _) =
        send(&sim, reqwest::Method::POST, &format!("/api/employees/{jan}/variablewagecomponent"), &token, Some(wage))
            .await;
    assert_eq!(status, 201);
    assert_eq!(soap.wage_component_var_get(JAN, NOV).await.unwrap().items.len(), 1);
    let horeca = company_id(&sim, demo::HORECA);
    let (_, wages) =
        get(&sim, &format!("/api/companies/{horeca}/employees/variablewagecomponents?year=2026&period=11"), &token)
            .await;
    assert_eq!(wages["data"][0]["employeeId"], jan);
    assert_eq!(wages["data"][0]["variablewagecomponents"][0]["comment"], "eitje:w1");
    assert_valid_traffic(&sim);
}

#[tokio::test]
async fn days_post_replaces_or_adds_as_set() {
    for (mode, expected) in [(DaysPost::Replace, 3), (DaysPost::Add, 8)] {
        let (sim, token) = rest_sim().await;
        sim.set_rest_settings(RestSettings { days_post: mode, ..Default::default() });
        let jan = employee_id(&sim, JAN.soap().unwrap());
        for days in [5, 3] {
            let body = serde_json::json!({"days": days, "periodDetails": {"period": {"year": 2026, "period": 11}}});
            let (status, _) =
                send(&sim, reqwest::Method::POST, &format!("/api/employees/{jan}/variabledays"), &token, Some(body))
                    .await;
            assert_eq!(status, 201);
        }
        let (_, read) = get(&sim, &format!("/api/employees/{jan}/variabledays?year=2026&period=11"), &token).await;
        assert_eq!(read["data"][0]["days"], expected, "{mode:?}");
        assert_eq!(demo_client(&sim).days_var_get(JAN, NOV).await.unwrap(), expected, "SOAP sees the same days");
        let negative = serde_json::json!({"days": -1, "periodDetails": {"period": {"year": 2026, "period": 11}}});
        let (status, _) =
            send(&sim, reqwest::Method::POST, &format!("/api/employees/{jan}/variabledays"), &token, Some(negative))
                .await;
        assert_eq!(status, 400, "a negative correction is refused");
        assert_valid_traffic(&sim);
    }
}

#[tokio::test]
async fn closed_periods_need_unprotected_mode_and_deletes_there_are_refused() {
    let (sim, token) = rest_sim().await;
    let jan = employee_id(&sim, JAN.soap().unwrap());
    let october = |unprotected: bool| serde_json::json!({"hourCode": 1, "hours": 1, "periodDetails": {"period": {"year": 2026, "period": 10}, "unprotectedMode": unprotected}});
    let path = format!("/api/employees/{jan}/variablehours");
    let (status, refused) = send(&sim, reqwest::Method::POST, &path, &token, Some(october(false))).await;
    assert_eq!((status, refused["code"].as_u64()), (400, Some(40033)), "{refused}");
    let (status, created) = send(&sim, reqwest::Method::POST, &path, &token, Some(october(true))).await;
    assert_eq!(status, 201);
    let delete = format!("/api/employees/{jan}/hours/{}", created["hourComponentId"].as_str().unwrap());
    assert_eq!(
        send(&sim, reqwest::Method::DELETE, &delete, &token, None).await.0,
        400,
        "DELETE has no unprotectedMode"
    );
    let zero = serde_json::json!({"hourComponentId": created["hourComponentId"], "hours": 0, "periodDetails": {"period": {"year": 2026, "period": 10}, "unprotectedMode": true}});
    assert_eq!(send(&sim, reqwest::Method::PUT, &path, &token, Some(zero)).await.0, 200, "set to 0 instead");
    assert_eq!(
        sim.hour_components(demo::DOMAIN, JAN.soap().unwrap(), PayPeriod::new(2026, 10))[0].hours.to_string(),
        "0"
    );
    assert_valid_traffic(&sim);
}

#[tokio::test]
async fn missing_scope_and_company_outside_the_consent_are_403_40303() {
    let (sim, _, rt) = sim_with_grant(GrantSpec {
        scope: "offline_access company.info.read employee.info.read".into(),
        companies: Some(vec![demo::CATERING]),
        ..Default::default()
    })
    .await;
    let (_, t) = refresh(&sim, &rt, true).await;
    let token = t["access_token"].as_str().unwrap();
    let jan = employee_id(&sim, JAN.soap().unwrap());
    let (status, body) = get(&sim, &format!("/api/employees/{jan}/variablehours?year=2026&period=11"), token).await;
    assert_eq!((status, body["code"].as_u64()), (403, Some(40303)), "scope employee.payment.read missing");
    let horeca = company_id(&sim, demo::HORECA);
    let (status, body) = get(&sim, &format!("/api/companies/{horeca}/employees"), token).await;
    assert_eq!((status, body["code"].as_u64()), (403, Some(40303)), "HORECA is outside the consent");
    let (_, companies) = get(&sim, "/api/companies", token).await;
    assert_eq!(companies["data"].as_array().unwrap().len(), 1, "only the consented company is listed");
    assert_valid_traffic(&sim);
}

#[tokio::test]
async fn invalid_requests_are_flagged_by_the_openapi_validation() {
    let (sim, token) = rest_sim().await;
    let jan = employee_id(&sim, JAN.soap().unwrap());
    let horeca = company_id(&sim, demo::HORECA);

    let (status, _) = get(&sim, &format!("/api/companies/{horeca}/employees?pageSize=101"), &token).await;
    assert_eq!(status, 400);
    let bad_body = serde_json::json!({"hourCode": "one", "hours": 1, "periodDetail": {}});
    assert_eq!(
        send(&sim, reqwest::Method::POST, &format!("/api/employees/{jan}/variablehours"), &token, Some(bad_body))
            .await
            .0,
        400
    );
    let no_key = reqwest::Client::new()
        .get(format!("{}/api/companies", sim.base_url()))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status().as_u16(), 400);
    let (status, _) = get(&sim, &format!("/api/companies/{horeca}/employees?pagesize=10"), &token).await;
    assert_eq!(status, 400, "an undeclared query parameter");

    let violations = sim.rest_violations();
    let has = |needle: &str| violations.iter().any(|v| v.contains(needle));
    assert!(has("query parameter pageSize"), "{violations:?}");
    assert!(has("body/hourCode") || has("body"), "{violations:?}");
    assert!(has("periodDetail"), "unknown body field: {violations:?}");
    assert!(has("header parameter X-Subscription-Key is required"), "{violations:?}");
    assert!(has("query parameter pagesize is not declared"), "{violations:?}");
    assert_eq!(violations.len(), 5, "{violations:?}");
    let calls = sim.calls();
    assert_eq!(calls.iter().filter(|c| c.outcome == "invalid_request").count(), 4, "each is in the call log");
}

#[tokio::test]
async fn every_served_response_validates_against_the_openapi_file() {
    let (sim, token) = rest_sim().await;
    let horeca = company_id(&sim, demo::HORECA);
    let jan = employee_id(&sim, JAN.soap().unwrap());
    demo_client(&sim).hour_component_var_insert(JAN, &hours(1, "2"), NOV.protected()).await.unwrap();
    let paths = [
        "/api/companies".to_owned(),
        format!("/api/companies/{horeca}/period"),
        format!("/api/companies/{horeca}/hourcodes"),
        format!("/api/companies/{horeca}/wagemodels?year=2026&period=11"),
        format!("/api/companies/{horeca}/employees"),
        format!("/api/companies/{horeca}/employees/personalinfo?pageSize=100"),
        format!("/api/companies/{horeca}/employees/privateInfos"),
        format!("/api/companies/{horeca}/employees/contracts"),
        format!("/api/companies/{horeca}/employees/employments"),
        format!("/api/companies/{horeca}/employees/salaries"),
        format!("/api/companies/{horeca}/employees/schedules"),
        format!("/api/companies/{horeca}/employees/addresses"),
        format!("/api/companies/{horeca}/employees/costperhour?year=2026&period=11&employeeId={jan}"),
        format!("/api/companies/{horeca}/employees/variablewagecomponents?year=2026&period=11"),
        format!("/api/employees/{jan}/variablehours?year=2026&period=11"),
        format!("/api/employees/{jan}/variabledays?year=2026&period=11"),
    ];
    for p in &paths {
        let (status, body) = get(&sim, p, &token).await;
        assert_eq!(status, 200, "{p}: {body}");
        assert!(body["data"].is_array(), "{p}: {body}");
    }
    let (_, cost) = get(&sim, &paths[12], &token).await;
    assert_eq!(cost["data"].as_array().unwrap().len(), 1, "the employeeId filter applies");
    assert!(cost["data"][0]["costPerHour"].is_string());
    assert_valid_traffic(&sim);
    // privateInfos declares no employeeId filter (REST-NOTES §3 item 6): sending one is a violation.
    let (status, _) =
        get(&sim, &format!("/api/companies/{horeca}/employees/privateInfos?employeeId={jan}"), &token).await;
    assert_eq!(status, 400);
    assert_eq!(sim.rest_violations().len(), 1);
}

#[tokio::test]
async fn rest_faults_are_injected_per_operation() {
    let (sim, token) = rest_sim().await;
    let op = "GET /api/companies";
    sim.inject_rest(Some(op), RestInjected::TooManyCalls { retry_after_secs: Some(2) });
    sim.inject_rest(Some(op), RestInjected::TooManyCalls { retry_after_secs: None });
    sim.inject_rest(Some(op), RestInjected::QuotaExceeded);
    sim.inject_rest(Some(op), RestInjected::ServerError { status: 502 });
    let client = reqwest::Client::new();
    let call = || {
        client
            .get(format!("{}/api/companies", sim.base_url()))
            .header("Authorization", format!("Bearer {token}"))
            .header("X-Subscription-Key", SUBSCRIPTION_KEY)
            .send()
    };
    let r = call().await.unwrap();
    assert_eq!(
        (r.status().as_u16(), r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned())),
        (429, Some("2".into()))
    );
    assert_eq!(serde_json::from_str::<Value>(&r.text().await.unwrap()).unwrap()["code"], 42908);
    let r = call().await.unwrap();
    assert!(r.headers().get("retry-after").is_none());
    assert_eq!(serde_json::from_str::<Value>(&r.text().await.unwrap()).unwrap()["code"], 42908);
    let r = call().await.unwrap();
    assert_eq!(serde_json::from_str::<Value>(&r.text().await.unwrap()).unwrap()["code"], 42909);
    let r = call().await.unwrap();
    assert_eq!(r.status().as_u16(), 502);
    assert!(r.text().await.unwrap().starts_with("<!DOCTYPE html>"));
    assert_eq!(call().await.unwrap().status().as_u16(), 200);

    // A lost reply after a write landed: the line exists, the caller saw a broken connection.
    let jan = employee_id(&sim, JAN.soap().unwrap());
    sim.inject_rest(Some("POST /api/employees/{employeeId}/variablehours"), RestInjected::LostReply);
    let body =
        serde_json::json!({"hourCode": 1, "hours": 1, "periodDetails": {"period": {"year": 2026, "period": 11}}});
    let lost = client
        .post(format!("{}/api/employees/{jan}/variablehours", sim.base_url()))
        .header("Authorization", format!("Bearer {token}"))
        .header("X-Subscription-Key", SUBSCRIPTION_KEY)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await;
    assert!(
        match lost {
            Err(_) => true,
            Ok(r) => r.text().await.is_err(),
        },
        "reply lost"
    );
    assert_eq!(sim.hour_components(demo::DOMAIN, JAN.soap().unwrap(), NOV).len(), 1, "the write landed");

    // A token expiring mid-job: 401 40102 from then on.
    sim.inject_rest(None, RestInjected::TokenExpired);
    assert_eq!(get(&sim, "/api/companies", &token).await.1["code"], 40102);
    assert_eq!(get(&sim, "/api/companies", &token).await.0, 401);
    let outcomes: Vec<String> = sim.calls().into_iter().filter(|c| c.operation == op).map(|c| c.outcome).collect();
    assert_eq!(
        &outcomes[..5],
        ["injected:42908_retry_after", "injected:42908", "injected:42909", "injected:http502", "ok"]
    );
    assert_valid_traffic(&sim);
}

#[tokio::test]
async fn the_served_routes_name_the_scopes_of_the_openapi_file() {
    let file = nmbrs_worker::sim::rest::openapi::from_env().unwrap().expect("NMBRS_SIM_OPENAPI is set");
    let spec = file.get().unwrap();
    for r in nmbrs_worker::sim::rest::routes::ROUTES {
        let method: reqwest::Method = r.method.parse().unwrap();
        let method = axum::http::Method::from_bytes(method.as_str().as_bytes()).unwrap();
        assert!(spec.operation(&method, r.template).is_some(), "{} is in the file", r.name());
        let mut from_file = spec.scopes(&method, r.template);
        let mut ours: Vec<String> = r.scopes.iter().map(|s| (*s).to_owned()).collect();
        from_file.sort();
        ours.sort();
        assert_eq!(ours, from_file, "{}", r.name());
    }
}
