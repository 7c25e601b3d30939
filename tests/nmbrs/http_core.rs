//! The one HTTP core of the Nmbrs clients (`nmbrs::http`) over real HTTP against the simulator:
//! an integration's permits shared by all its clients, wire text cut before it reaches an error,
//! the bounds of a REST `nextPage` chain, and the access-token lifetime floor (issue 17 step 3,
//! issue 19 items 8 and 10).

use std::time::Duration;

use nmbrs_worker::{
    nmbrs::{ClientConfig, CompanyService, ErrorKind, NmbrsTransport, rest::RestOperation, soap::SoapCredentials},
    sim::{FaultConfig, Injected, SimState, demo, rest::GrantSpec},
};

use super::rest_client::{Urls, World, client_config};
use crate::support::nmbrs::{demo_client, demo_sim, fast_config};

#[tokio::test]
async fn the_clients_of_one_integration_share_its_permits() {
    let sim = demo_sim().await;
    sim.set_faults(FaultConfig { latency_ms: 100, ..Default::default() });
    let transport = NmbrsTransport::new(fast_config(sim.base_url())).unwrap();
    // Two jobs of one integration at once (an export and a team sync), each with its client.
    let credentials = || SoapCredentials::new(demo::USERNAME, demo::TOKEN, demo::DOMAIN);
    let (export, sync) = (transport.client(credentials(), 2), transport.client(credentials(), 2));
    let calls = (0..8).map(|i| {
        let c = if i % 2 == 0 { export.clone() } else { sync.clone() };
        async move { c.companies().await }
    });
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    assert_eq!(sim.state().max_in_flight, 2, "NMBRS_MAX_CONCURRENCY_PER_INTEGRATION counts per integration");
}

#[tokio::test]
async fn a_fault_text_of_any_length_is_cut_and_marked_and_no_secret_survives_the_cut() {
    let sim = demo_sim().await;
    let c = demo_client(&sim);
    // The token sits across character 500, where the text is cut: redacted first, so not even
    // its first characters are left.
    let faultstring = format!("{}{}{}", "a".repeat(495), demo::TOKEN, "b".repeat(200_000));
    sim.inject(None, Injected::ServerFault { faultstring, applied: false });
    let e = c.companies().await.unwrap_err();
    let shown = format!("{e} {e:?}");
    assert!(e.to_string().chars().count() < 700, "{} characters", e.to_string().chars().count());
    assert!(e.to_string().contains("[cut: 500 of 200505 characters]"), "{e}");
    assert!(!shown.contains(&demo::TOKEN[..5]), "{shown}");
    assert_eq!(e.kind(), ErrorKind::Unknown);
}

#[tokio::test]
async fn an_endless_next_page_chain_fails_the_read_at_its_page_bound() {
    // Fast calls: the bound is reached in a second, not in ten (the default 100 calls/s).
    let config = ClientConfig { calls_per_second: 10_000, ..client_config() };
    let w = World::with_config(demo::state(), GrantSpec::default(), config, Urls::default(), |t| t).await;
    w.sim.state().rest.faults.endless_pages = Some(RestOperation::Employees.name().into());
    let e = w.client.employees(w.company(demo::HORECA), None).await.unwrap_err();
    assert!(e.to_string().contains("passed its limit of 1000 pages"), "{e}");
    assert_eq!(e.kind(), ErrorKind::Unknown, "the company is not read; the others are");
    assert_eq!(w.outcomes(RestOperation::Employees).len(), 1_000, "not one page more");
}

#[tokio::test]
async fn a_long_chain_fails_the_read_at_its_record_or_byte_bound() {
    let mut state = SimState::default();
    state.apply_seed(demo::scaled(250));
    let records = ClientConfig { max_read_records: 150, ..client_config() };
    let w = World::with_config(state.clone(), GrantSpec::default(), records, Urls::default(), |t| t).await;
    let e = w.client.contracts(w.company(demo::HORECA)).await.unwrap_err();
    assert!(e.to_string().contains("passed its limit of 150 records"), "{e}");
    assert_eq!(w.outcomes(RestOperation::Contracts).len(), 2, "pages of 100: the second passes 150");

    let bytes = ClientConfig { max_read_bytes: 1_000, ..client_config() };
    let w = World::with_config(state, GrantSpec::default(), bytes, Urls::default(), |t| t).await;
    let e = w.client.employees(w.company(demo::HORECA), None).await.unwrap_err();
    assert!(e.to_string().contains("passed its limit of 1000 bytes"), "{e}");
    assert_eq!(w.outcomes(RestOperation::Employees).len(), 1);
    // Within the default bounds the same company is read whole: `rest_client::paging_follows_…`.
}

/// `n` reads of the current period, one every 100 ms: `n / 10` seconds of a job's calls.
async fn calls_over_time(w: &World, n: usize) {
    let horeca = w.company(demo::HORECA);
    for i in 0..n {
        w.client.current_period(horeca).await.unwrap_or_else(|e| panic!("call {i}: {e}"));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_token_said_to_live_1_s_serves_the_calls_of_its_floor() {
    // Nmbrs' reply says 1 s; the token works for an hour.
    let w = World::new(GrantSpec { expires_in_secs: Some(1), ..Default::default() }).await;
    calls_over_time(&w, 25).await;
    assert_eq!(w.refreshes(), 1, "one refresh for 2.5 s of calls, not one per second");
}

#[tokio::test]
async fn tokens_that_really_live_1_s_are_renewed_in_time_not_refused_per_call() {
    let w = World::new(GrantSpec { access_token_ttl_secs: Some(1), ..Default::default() }).await;
    calls_over_time(&w, 25).await;
    let refused = w.outcomes(RestOperation::CurrentPeriod).iter().filter(|o| o.starts_with("error:401")).count();
    assert!(refused <= 1, "one 401 shows the lifetime is real, then tokens are renewed in time: {refused}");
    assert!(w.refreshes() <= 6, "about one refresh a second, never one per call: {}", w.refreshes());
}
