//! The simulator's REST face over real HTTP (issue 9): the OAuth token endpoint (rotation,
//! reuse and revocation → `invalid_grant`, expiry, scopes), and the REST resources over the
//! same state as SOAP (those in `resources.rs`).

use base64::Engine as _;
use nmbrs_worker::sim::rest::{GrantSpec, RestInjected};
use nmbrs_worker::sim::{Simulator, demo};
use serde_json::Value;

mod resources;

const CLIENT_ID: &str = "eitje app";
const CLIENT_SECRET: &str = "s3cr:et";
const SUBSCRIPTION_KEY: &str = "sub-key";

async fn sim_with_grant(spec: GrantSpec) -> (Simulator, String, String) {
    let sim = Simulator::start_demo().await.unwrap();
    sim.add_oauth_client(CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION_KEY);
    let minted = sim.mint_grant(GrantSpec { client_id: CLIENT_ID.into(), domain: demo::DOMAIN.into(), ..spec });
    (sim, minted.grant_id, minted.refresh_token)
}

fn form_encode(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// Refreshes with client auth by HTTP Basic (`basic`) or in the form; returns status and JSON.
async fn refresh(sim: &Simulator, refresh_token: &str, basic: bool) -> (u16, Value) {
    let mut pairs = vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token)];
    let mut req = reqwest::Client::new().post(sim.token_url());
    if basic {
        let enc = |s: &str| form_encode(&[("x", s)])[2..].to_owned();
        let raw = format!("{}:{}", enc(CLIENT_ID), enc(CLIENT_SECRET));
        req = req.header("Authorization", format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw)));
    } else {
        pairs.push(("client_id", CLIENT_ID));
        pairs.push(("client_secret", CLIENT_SECRET));
    }
    let resp =
        req.header("Content-Type", "application/x-www-form-urlencoded").body(form_encode(&pairs)).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null))
}

/// Every REST request sent and every response generated so far kept to the OpenAPI file.
fn assert_valid_traffic(sim: &Simulator) {
    assert!(sim.state().rest.openapi.is_some(), "NMBRS_SIM_OPENAPI names the OpenAPI file (.cargo/config.toml)");
    assert_eq!(sim.rest_violations(), Vec::<String>::new(), "requests broke the OpenAPI file");
    assert_eq!(sim.rest_response_violations(), Vec::<String>::new(), "responses broke the OpenAPI file");
}

async fn get(sim: &Simulator, path: &str, token: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .get(format!("{}{path}", sim.base_url()))
        .header("Authorization", format!("Bearer {token}"))
        .header("X-Subscription-Key", SUBSCRIPTION_KEY)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null))
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_refresh_token_is_invalid_grant() {
    let (sim, grant_id, first) = sim_with_grant(GrantSpec::default()).await;
    let (status, a) = refresh(&sim, &first, true).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["token_type"], "Bearer");
    assert_eq!(a["expires_in"], 3600);
    let second = a["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second, first, "rotated");
    let scopes: Vec<&str> = a["scope"].as_str().unwrap().split(' ').collect();
    assert!(scopes.contains(&"employee.payment") && scopes.contains(&"offline_access"), "{scopes:?}");

    let (status, reused) = refresh(&sim, &first, false).await;
    assert_eq!((status, reused["error"].as_str()), (400, Some("invalid_grant")), "{reused}");

    // The rotated token works once, with client auth in the form body.
    let (status, b) = refresh(&sim, &second, false).await;
    assert_eq!(status, 200, "{b}");
    let grants = sim.state().rest.oauth.grants.clone();
    assert_eq!((grants[&grant_id].refreshes, grants[&grant_id].refused), (2, 1));
}

#[tokio::test]
async fn revoked_grant_refuses_refresh_and_its_access_tokens() {
    let (sim, grant_id, rt) = sim_with_grant(GrantSpec::default()).await;
    let (_, t) = refresh(&sim, &rt, true).await;
    let access = t["access_token"].as_str().unwrap().to_owned();
    let next = t["refresh_token"].as_str().unwrap().to_owned();
    let resp = reqwest::Client::new()
        .post(format!("{}/_sim/oauth/grants/{grant_id}/revoke", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let (status, body) = refresh(&sim, &next, true).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
    let (status, body) = get(&sim, "/api/companies", &access).await;
    assert_eq!((status, body["code"].as_u64()), (401, Some(40102)), "{body}");
    assert_valid_traffic(&sim);
}

#[tokio::test]
async fn wrong_client_secret_is_invalid_client() {
    let (sim, _, rt) = sim_with_grant(GrantSpec::default()).await;
    let body = form_encode(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", &rt),
        ("client_id", CLIENT_ID),
        ("client_secret", "wrong"),
    ]);
    let resp = reqwest::Client::new()
        .post(sim.token_url())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let v: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(v["error"], "invalid_client");
    // The refresh token was not spent by the refused call.
    assert_eq!(refresh(&sim, &rt, true).await.0, 200);
}

#[tokio::test]
async fn access_tokens_expire_after_the_set_lifetime_and_on_demand() {
    let (sim, grant_id, rt) = sim_with_grant(GrantSpec { access_token_ttl_secs: Some(2), ..Default::default() }).await;
    // Parse the OpenAPI file first, so the token's short life is not spent on it.
    sim.state().rest.openapi.clone().unwrap().get().unwrap();
    let (_, t) = refresh(&sim, &rt, true).await;
    assert_eq!(t["expires_in"], 2);
    let access = t["access_token"].as_str().unwrap().to_owned();
    assert_eq!(get(&sim, "/api/companies", &access).await.0, 200);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(get(&sim, "/api/companies", &access).await.0, 401, "expired by its lifetime");

    let resp = reqwest::Client::new()
        .put(format!("{}/_sim/oauth/grants/{grant_id}", sim.base_url()))
        .header("Content-Type", "application/json")
        .body(r#"{"access_token_ttl_secs": 3600}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let (_, t) = refresh(&sim, t["refresh_token"].as_str().unwrap(), true).await;
    let access = t["access_token"].as_str().unwrap().to_owned();
    assert_eq!(get(&sim, "/api/companies", &access).await.0, 200);
    reqwest::Client::new()
        .post(format!("{}/_sim/oauth/grants/{grant_id}/expire", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(get(&sim, "/api/companies", &access).await.0, 401, "expired mid-job");
    assert_valid_traffic(&sim);
}

#[tokio::test]
async fn a_lost_token_reply_has_rotated_and_the_grace_setting_lets_one_retry_through() {
    for grace in [0, 30] {
        let (sim, _, rt) = sim_with_grant(GrantSpec::default()).await;
        sim.state().rest.oauth.settings.reuse_grace_secs = grace;
        sim.inject_rest(Some("POST /connect/token"), RestInjected::LostReply);
        let body = form_encode(&[("grant_type", "refresh_token"), ("refresh_token", &rt)]);
        let lost = reqwest::Client::new()
            .post(sim.token_url())
            .basic_auth("eitje+app", Some("s3cr%3Aet"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await;
        let failed = match lost {
            Err(_) => true,
            Ok(resp) => resp.text().await.is_err(),
        };
        assert!(failed, "the reply is lost");
        assert_eq!(sim.state().rest.oauth.grants.values().next().unwrap().refreshes, 1, "the rotation landed");
        let (status, retry) = refresh(&sim, &rt, true).await;
        if grace == 0 {
            assert_eq!((status, retry["error"].as_str()), (400, Some("invalid_grant")), "strict single use");
        } else {
            assert_eq!(status, 200, "retried within the grace: {retry}");
            let newest = retry["refresh_token"].as_str().unwrap();
            assert_eq!(refresh(&sim, newest, true).await.0, 200);
        }
    }
}
