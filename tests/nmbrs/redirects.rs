//! Issue 19 item 4: no Nmbrs client follows a redirect. A front server answers every request
//! with a 302 or 307 to a second server that records whatever reaches it; the SOAP client (API
//! user and token in its body), the REST client (bearer token, subscription key) and the token
//! client (client secret) all fail with a clear error, nothing reaches the other host, and an
//! insert answered by a redirect is in doubt: the first host may have applied it.

use std::sync::{Arc, Mutex};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri, header},
    response::IntoResponse,
};
use nmbrs_worker::{
    nmbrs::{CompanyService, EmployeeService, ErrorKind, NmbrsError, PayPeriod, SoapClient, soap::SoapCredentials},
    sim::{demo, rest::GrantSpec},
};

use super::rest_client::{Urls, World, client_config, line};
use crate::support::nmbrs::{JAN, NOV, fast_config, hours};

/// The front host (it redirects everything) and the other host (it records everything).
struct Hosts {
    front: String,
    elsewhere: String,
    received: Arc<Mutex<Vec<String>>>,
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

impl Hosts {
    async fn start(status: u16) -> Hosts {
        let received = Arc::new(Mutex::new(Vec::new()));
        let record = |State(log): State<Arc<Mutex<Vec<String>>>>,
                      method: Method,
                      uri: Uri,
                      headers: HeaderMap,
                      body: Bytes| async move {
            log.lock().unwrap().push(format!("{method} {uri} {headers:?} {}", String::from_utf8_lossy(&body)));
            StatusCode::OK
        };
        let elsewhere = serve(Router::new().fallback(record).with_state(received.clone())).await;
        let target = elsewhere.clone();
        let redirect = move |uri: Uri| {
            let location = format!("{target}{uri}");
            async move { (StatusCode::from_u16(status).unwrap(), [(header::LOCATION, location)]).into_response() }
        };
        let front = serve(Router::new().fallback(redirect)).await;
        Hosts { front, elsewhere, received }
    }

    fn received(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn the_soap_client_never_follows_a_redirect_and_an_insert_redirected_is_in_doubt() {
    for status in [302, 307] {
        let hosts = Hosts::start(status).await;
        let credentials = SoapCredentials::new(demo::USERNAME, demo::TOKEN, demo::DOMAIN);
        let c = SoapClient::new(fast_config(&hosts.front), credentials, 4).unwrap();

        let e = c.companies().await.unwrap_err();
        let shown = e.to_string();
        assert!(shown.contains(&format!("HTTP {status} redirect to {}", hosts.elsewhere)), "{shown}");
        assert!(shown.contains("never follow redirects"), "{shown}");
        assert_eq!(e.kind(), ErrorKind::Unknown, "a read fails for good: the base URL needs fixing");

        let e = c.hour_component_var_insert(JAN, &hours(1, "8"), NOV.protected()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "the first host may have applied it: {e}");
        assert!(matches!(e, NmbrsError::OutcomeUnknown { .. }), "{e:?}");
        assert_eq!(hosts.received(), Vec::<String>::new(), "HTTP {status}: nothing reached the other host");
    }
}

#[tokio::test]
async fn the_rest_and_token_clients_never_follow_a_redirect_either() {
    let hosts = Hosts::start(307).await;
    let urls = Urls { rest: Some(hosts.front.clone()), token: None };
    let w = World::with_config(demo::state(), GrantSpec::default(), client_config(), urls, |t| t).await;
    let november = PayPeriod::new(2026, 11);
    let e = w.client.insert_variable_hours(w.employee(503293), &line(1, "7.5", "m-1"), november, false).await;
    let e = e.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{e}");
    let e = w.client.employees(w.company(demo::HORECA), None).await.unwrap_err();
    assert!(e.to_string().contains("HTTP 307 redirect to"), "{e}");
    assert_eq!(e.kind(), ErrorKind::Unknown);

    // The token endpoint redirected: the refresh is refused twice (a lost reply is tried once
    // more), never followed.
    let urls = Urls { rest: None, token: Some(format!("{}/connect/token", hosts.front)) };
    let t = World::with_config(demo::state(), GrantSpec::default(), client_config(), urls, |t| t).await;
    let e = t.client.employees(t.company(demo::HORECA), None).await.unwrap_err();
    assert!(e.auth_error().is_some() && e.to_string().contains("redirect"), "{e}");
    assert_eq!(hosts.received(), Vec::<String>::new(), "nothing reached the other host");
}
