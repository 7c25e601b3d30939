//! The SOAP client over real HTTP against the simulator: every operation, every fault
//! class, retries, outcome-unknown inserts, limits and bounds.

use std::time::{Duration, Instant};

use crate::support::nmbrs::*;
use nmbrs_worker::domain::nmbrs_failure::{BucketOutcome, FailureScope, Treatment, job_failure, treat};
use nmbrs_worker::nmbrs::*;
use nmbrs_worker::sim::{FaultConfig, Injected, TransientFault, demo};

fn dec(s: &str) -> rust_decimal::Decimal {
    s.parse().unwrap()
}

#[tokio::test]
async fn every_operation_round_trips_the_seeded_data() {
    let sim = demo_sim().await;
    let c = demo_client(&sim);
    let seed = demo::seed();
    let horeca = CompanyId(nmbrs_worker::domain::nmbrs_id::NmbrsId::Int(demo::HORECA));
    let seeded: Vec<_> = seed.employees.iter().filter(|e| e.company_id == demo::HORECA).collect();

    let companies = c.companies().await.unwrap();
    assert_eq!(companies, seed.companies.iter().map(|c| c.company.clone()).collect::<Vec<_>>());
    let cp = c.current_period(horeca).await.unwrap();
    assert_eq!((cp.period, cp.kind), (NOV, PeriodType::Monthly));
    let cp2 = c.current_period(CompanyId(nmbrs_worker::domain::nmbrs_id::NmbrsId::Int(demo::CATERING))).await.unwrap();
    assert_eq!(cp2.kind, PeriodType::FourWeekly);
    assert_eq!(c.hour_codes(horeca).await.unwrap(), seed.companies[0].hour_codes);
    assert_eq!(c.hour_codes2(horeca).await.unwrap(), seed.companies[0].hour_codes2);
    assert_eq!(c.wage_codes(horeca).await.unwrap(), seed.companies[0].wage_codes);
    assert_eq!(c.wage_codes2(horeca).await.unwrap(), seed.companies[0].wage_codes2);

    let snapshots = all_read(c.employee_snapshots(horeca).await.unwrap());
    assert_eq!(snapshots, seeded.iter().map(|e| e.snapshot.clone()).collect::<Vec<_>>());
    let zoe = snapshots.iter().find(|s| s.employee_id == EmployeeId::int(503299)).unwrap();
    assert_eq!(zoe.last_name.as_deref(), Some("Smit & Zonen <test>"));
    assert_eq!(zoe.first_name.as_deref(), Some("Zoë"));

    let infos = all_read(c.personal_infos(horeca).await.unwrap());
    assert_eq!(infos.len(), seeded.len());
    assert_eq!(infos[0].items, seeded[0].personal_infos);
    let contracts = all_read(c.contracts(horeca).await.unwrap());
    assert_eq!(contracts[4].items, seeded[4].contracts);
    let salaries = all_read(c.salaries(horeca).await.unwrap());
    assert_eq!(salaries[1].items, seeded[1].salaries);
    let schedules = all_read(c.schedules(horeca).await.unwrap());
    assert_eq!(schedules[1].items, seeded[1].schedules);
    assert_eq!(schedules[1].employee_id, EmployeeId::int(503294));

    let list = c.employees_by_company(horeca, 1).await.unwrap();
    assert_eq!(list.len(), seeded.len());
    assert_eq!(list[0].display_name.as_deref(), Some("Jan de Vries"));
    assert!(c.employees_by_company(horeca, 99).await.unwrap().is_empty());

    assert_eq!(c.estimated_cost_per_hour(JAN, NOV).await.unwrap(), Some(dec("19.14")));
}

#[tokio::test]
async fn hours_wages_and_days_are_written_read_back_and_deleted() {
    let sim = demo_sim().await;
    let c = demo_client(&sim);
    assert!(c.hour_component_var_get(JAN, NOV).await.unwrap().items.is_empty());

    let a = c.hour_component_var_insert(JAN, &hours(1, "7.50"), NOV.protected()).await.unwrap();
    let b = c.hour_component_var_insert(JAN, &hours(40, "0.25"), NOV.protected()).await.unwrap();
    assert_ne!(a, b);
    let lines = c.hour_component_var_get(JAN, NOV).await.unwrap().items;
    assert_eq!(
        lines,
        vec![
            HourComponentLine { id: a, hour_code: 1, hours: Hours(dec("7.50")), comment: None },
            HourComponentLine { id: b, hour_code: 40, hours: Hours(dec("0.25")), comment: None },
        ]
    );
    assert_eq!(sim.hour_components(demo::DOMAIN, JAN.soap().unwrap(), NOV), lines);

    assert!(c.hour_component_delete(JAN, a).await.unwrap());
    assert!(!c.hour_component_delete(JAN, a).await.unwrap(), "second delete finds nothing");
    assert_eq!(c.hour_component_var_get(JAN, NOV).await.unwrap().items.len(), 1);

    let w = c.wage_component_var_insert(JAN, &wage(430, "12.40"), NOV.protected()).await.unwrap();
    assert_eq!(
        c.wage_component_var_get(JAN, NOV).await.unwrap().items,
        vec![WageComponentLine { id: w, code: 430, value: Amount(dec("12.40")), comment: None }]
    );
    assert!(c.wage_component_delete(JAN, w).await.unwrap());
    assert!(!c.wage_component_delete(JAN, WageComponentId::int(424242)).await.unwrap());

    c.days_var_set(JAN, 12, NOV.protected()).await.unwrap();
    c.days_var_set(JAN, 12, NOV.protected()).await.unwrap();
    assert_eq!(c.days_var_get(JAN, NOV).await.unwrap(), 12);
    assert_eq!(sim.days(demo::DOMAIN, JAN.soap().unwrap(), NOV), Some(12));
    assert_eq!(c.days_var_get(JAN, PayPeriod::new(2026, 12)).await.unwrap(), 0);
}

async fn kind_of<T: std::fmt::Debug>(r: Result<T, NmbrsError>) -> ErrorKind {
    r.expect_err("the call must fail").kind()
}

#[tokio::test]
async fn nmbrs_faults_are_classified() {
    let sim = demo_sim().await;
    let c = demo_client(&sim);
    let horeca = CompanyId(nmbrs_worker::domain::nmbrs_id::NmbrsId::Int(demo::HORECA));

    let wrong_token = client_as(&sim, demo::USERNAME, "not-the-token");
    let e = wrong_token.companies().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Credentials);
    assert_eq!(e.nmbrs_code(), Some(1001));
    assert_eq!(job_failure(e.kind()).class, ErrorClass::NeedsPerson);
    let wrong_domain =
        SoapClient::new(fast_config(sim.base_url()), SoapCredentials::new(demo::USERNAME, demo::TOKEN, "nope"), 4)
            .unwrap();
    assert_eq!(kind_of(wrong_domain.companies().await).await, ErrorKind::Credentials);

    // 2001 / 2002: codes outside both models.
    let e = c.hour_component_var_insert(JAN, &hours(99, "1"), NOV.protected()).await.unwrap_err();
    assert_eq!((e.kind(), e.nmbrs_code()), (ErrorKind::InvalidData, Some(2001)));
    let e = c.wage_component_var_insert(JAN, &wage(99, "1"), NOV.protected()).await.unwrap_err();
    assert_eq!((e.kind(), e.nmbrs_code()), (ErrorKind::InvalidData, Some(2002)));
    // 2003: unknown employee.
    let e = c.days_var_set(EmployeeId::int(1), 1, NOV.protected()).await.unwrap_err();
    assert_eq!((e.kind(), e.nmbrs_code()), (ErrorKind::UnknownEmployee, Some(2003)));
    // 2006: period 13 for a monthly company; 14 for a 4-weekly one.
    let e = c.hour_component_var_get(JAN, PayPeriod::new(2026, 13)).await.unwrap_err();
    assert_eq!((e.kind(), e.nmbrs_code()), (ErrorKind::InvalidData, Some(2006)));
    let e = c.days_var_get(EmployeeId::int(503300), PayPeriod::new(2026, 14)).await.unwrap_err();
    assert_eq!(e.nmbrs_code(), Some(2006));
    c.days_var_get(EmployeeId::int(503300), PayPeriod::new(2026, 13)).await.unwrap();
    // 2011: before the current period without UnprotectedMode; allowed with it.
    let oct = PayPeriod::new(2026, 10);
    let e = c.hour_component_var_insert(JAN, &hours(1, "8"), oct.protected()).await.unwrap_err();
    assert_eq!((e.kind(), e.nmbrs_code()), (ErrorKind::PeriodClosed, Some(2011)));
    assert_eq!(kind_of(c.days_var_set(JAN, 2, oct.protected()).await).await, ErrorKind::PeriodClosed);
    c.hour_component_var_insert(JAN, &hours(1, "8"), oct.unprotected()).await.unwrap();
    c.days_var_set(JAN, 2, oct.unprotected()).await.unwrap();
    assert_eq!(sim.hour_components(demo::DOMAIN, JAN.soap().unwrap(), oct).len(), 1);

    // 1003: the user may not see the catering company.
    sim.restrict_companies(demo::DOMAIN, demo::USERNAME, &[demo::HORECA]);
    let e = c
        .employee_snapshots(CompanyId(nmbrs_worker::domain::nmbrs_id::NmbrsId::Int(demo::CATERING)))
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.nmbrs_code()), (ErrorKind::NoAccess, Some(1003)));
    assert_eq!(c.companies().await.unwrap().len(), 1);
    c.employee_snapshots(horeca).await.unwrap();
}

#[tokio::test]
async fn a_missing_read_back_right_is_a_normal_matchable_outcome() {
    let sim = demo_sim().await;
    let limited = client_as(&sim, demo::LIMITED_USERNAME, demo::LIMITED_TOKEN);
    let e = limited.hour_component_var_get(JAN, NOV).await.unwrap_err();
    assert!(e.is_missing_right());
    assert_eq!(e.kind(), ErrorKind::MissingRight { operation: Operation::HourComponentVarGet.name() });
    assert_eq!(job_failure(e.kind()).notice.map(|n| n.code), Some("nmbrs.missing_rights"));
    let e = limited.days_var_get(JAN, NOV).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MissingRight { operation: Operation::DaysVarGet.name() });
    // Not retried: one call each.
    assert_eq!(sim.calls().len(), 2);
    // The other operations still work, and granting the right fixes the read-back.
    limited.days_var_set(JAN, 4, NOV.protected()).await.unwrap();
    sim.grant(demo::DOMAIN, demo::LIMITED_USERNAME, Operation::DaysVarGet);
    assert_eq!(limited.days_var_get(JAN, NOV).await.unwrap(), 4);
    sim.revoke(demo::DOMAIN, demo::LIMITED_USERNAME, Operation::ListGetAll);
    assert!(limited.companies().await.unwrap_err().is_missing_right());
}

#[tokio::test]
async fn transient_failures_of_reads_and_idempotent_writes_are_retried() {
    let sim = demo_sim().await;
    let c = demo_client(&sim);
    let op = Some(Operation::ListGetAll);
    sim.inject(op, Injected::Transient { fault: TransientFault::Fault9999 });
    sim.inject(op, Injected::Transient { fault: TransientFault::Http503 });
    sim.inject(op, Injected::Drop);
    assert_eq!(c.companies().await.unwrap().len(), 2);
    assert_eq!(sim.calls().len(), 4, "three failures, then success");

    sim.clear_calls();
    sim.inject(Some(Operation::DaysVarSet), Injected::Drop);
    sim.inject(Some(Operation::HourComponentDelete), Injected::Transient { fault: TransientFault::Fault1006 });
    c.days_var_set(JAN, 5, NOV.protected()).await.unwrap();
    assert!(!c.hour_component_delete(JAN, HourComponentId::int(5)).await.unwrap());
    assert_eq!(sim.calls().len(), 4);
    assert_eq!(sim.days(demo::DOMAIN, JAN.soap().unwrap(), NOV), Some(5));
}

#[tokio::test]
async fn retries_stop_and_9999_is_retried_only_once() {
    let sim = demo_sim().await;
    let c = demo_client(&sim);
    sim.set_faults(FaultConfig { error_rate: 1.0, ..Default::default() });
    let e = c.companies().await.unwrap_err();
    assert_eq!((e.kind(), e.nmbrs_code()), (ErrorKind::Transient, Some(9999)));
    assert_eq!(sim.calls().len(), 2, "9999: one retry only");

    sim.clear_calls();
    sim.set_faults(FaultConfig { error_rate: 1.0, transient: TransientFault::Http503, ..Default::default() });
    let e = c.companies().await.unwrap_err();
    assert!(matches!(e, NmbrsError::Http { status: 503, .. }), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Transient);
    assert_eq!(sim.calls().len(), 4, "1 try + max_retries 3");
}

#[tokio::test]
async fn inserts_are_never_retried_blindly() {
    let sim = demo_sim().await;
    let c = demo_client(&sim);
    let op = Some(Operation::HourComponentVarInsert);

    // A transient fault after sending: outcome unknown, exactly one call.
    sim.inject(op, Injected::Transient { fault: TransientFault::Fault9999 });
    let e = c.hour_component_var_insert(JAN, &hours(1, "8"), NOV.protected()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(treat(e.kind(), FailureScope::Bucket), Treatment::Bucket(BucketOutcome::InDoubt));
    assert_eq!(sim.calls().len(), 1);

    // Applied but the reply was lost: unknown to the client, present in Nmbrs.
    sim.inject(op, Injected::LostReply);
    let e = c.hour_component_var_insert(JAN, &hours(1, "8"), NOV.protected()).await.unwrap_err();
    assert!(matches!(e, NmbrsError::OutcomeUnknown { .. }), "{e:?}");
    assert_eq!(sim.hour_components(demo::DOMAIN, JAN.soap().unwrap(), NOV).len(), 1);

    // Dropped / 503 from the gateway: unknown as well.
    sim.inject(Some(Operation::WageComponentVarInsert), Injected::Drop);
    let e = c.wage_component_var_insert(JAN, &wage(400, "2"), NOV.protected()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown);
    sim.inject(Some(Operation::WageComponentVarInsert), Injected::Transient { fault: TransientFault::Http503 });
    let e = c.wage_component_var_insert(JAN, &wage(400, "2"), NOV.protected()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown);
    assert!(sim.wage_components(demo::DOMAIN, JAN.soap().unwrap(), NOV).is_empty());

    // 1006 is raised at login, before anything happens: safe to retry, one line lands.
    sim.clear_calls();
    sim.inject(op, Injected::Transient { fault: TransientFault::Fault1006 });
    c.hour_component_var_insert(JAN, &hours(20, "4"), NOV.protected()).await.unwrap();
    assert_eq!(sim.calls().len(), 2);
    assert_eq!(sim.hour_components(demo::DOMAIN, JAN.soap().unwrap(), NOV).len(), 2);

    // A definite refusal stays what it is.
    sim.inject(op, Injected::Fault { code: 2011, message: "Protected Mode".into() });
    let e = c.hour_component_var_insert(JAN, &hours(1, "8"), NOV.protected()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PeriodClosed);
}

#[tokio::test]
async fn a_refused_connection_is_transient_and_even_an_insert_is_not_in_doubt() {
    // A port nobody listens on: bound, then released.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", free.local_addr().unwrap());
    drop(free);
    let c = SoapClient::new(fast_config(&base), SoapCredentials::new("u", "t", "d"), 4).unwrap();
    let e = c.companies().await.unwrap_err();
    assert!(matches!(e, NmbrsError::Connect { .. }), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Transient);
    let e = c.hour_component_var_insert(JAN, &hours(1, "1"), NOV.protected()).await.unwrap_err();
    assert!(matches!(e, NmbrsError::Connect { .. }), "{e:?}");
}

#[tokio::test]
async fn slow_and_oversized_responses_are_errors_not_hangs() {
    let sim = demo_sim().await;
    sim.set_faults(FaultConfig { latency_ms: 2_000, ..Default::default() });
    let config = ClientConfig { timeout: Duration::from_millis(150), max_retries: 0, ..fast_config(sim.base_url()) };
    let c =
        SoapClient::new(config.clone(), SoapCredentials::new(demo::USERNAME, demo::TOKEN, demo::DOMAIN), 4).unwrap();
    let started = Instant::now();
    let e = c.companies().await.unwrap_err();
    assert!(matches!(e, NmbrsError::Timeout { .. }), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Transient);
    assert!(started.elapsed() < Duration::from_millis(1_500));

    sim.set_faults(FaultConfig::default());
    let small = ClientConfig { max_response_bytes: 2_000, ..fast_config(sim.base_url()) };
    let c = SoapClient::new(small, SoapCredentials::new(demo::USERNAME, demo::TOKEN, demo::DOMAIN), 4).unwrap();
    let e =
        c.employee_snapshots(CompanyId(nmbrs_worker::domain::nmbrs_id::NmbrsId::Int(demo::HORECA))).await.unwrap_err();
    assert!(matches!(e, NmbrsError::TooLarge { limit: 2_000, .. }), "{e:?}");
    // Small answers still pass under the same cap.
    assert_eq!(
        c.current_period(CompanyId(nmbrs_worker::domain::nmbrs_id::NmbrsId::Int(demo::HORECA))).await.unwrap().period,
        NOV
    );
}

#[tokio::test]
async fn concurrency_per_integration_is_limited() {
    let sim = demo_sim().await;
    sim.set_faults(FaultConfig { latency_ms: 100, ..Default::default() });
    let c = SoapClient::new(
        fast_config(sim.base_url()),
        SoapCredentials::new(demo::USERNAME, demo::TOKEN, demo::DOMAIN),
        2,
    )
    .unwrap();
    let calls = (0..6).map(|_| c.companies());
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    assert_eq!(sim.state().max_in_flight, 2);
}

#[tokio::test]
async fn the_global_rate_limit_spaces_calls() {
    let sim = demo_sim().await;
    let config = ClientConfig { calls_per_second: 10, ..fast_config(sim.base_url()) };
    let transport = NmbrsTransport::new(config).unwrap();
    // Two integrations share the one limit.
    let a = transport.client(SoapCredentials::new(demo::USERNAME, demo::TOKEN, demo::DOMAIN), 8);
    let b = transport.client(SoapCredentials::new(demo::USERNAME, demo::TOKEN, demo::DOMAIN), 8);
    let started = Instant::now();
    let calls = (0..10).map(|i| {
        let c = if i % 2 == 0 { a.clone() } else { b.clone() };
        async move { c.companies().await }
    });
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    // A burst of 10 allowed, then 10/s: 20 calls need at least ~1 s.
    let more = (0..10).map(|_| a.companies());
    for r in futures::future::join_all(more).await {
        r.unwrap();
    }
    assert!(started.elapsed() >= Duration::from_millis(800), "{:?}", started.elapsed());
}

#[tokio::test]
async fn credentials_never_show_in_errors_or_debug() {
    let sim = demo_sim().await;
    let c = client_as(&sim, "secret-user@example.com", "super-secret-token");
    let e = c.companies().await.unwrap_err();
    for shown in [format!("{e}"), format!("{e:?}"), format!("{c:?}")] {
        assert!(!shown.contains("super-secret-token"), "{shown}");
        assert!(!shown.contains("secret-user@example.com"), "{shown}");
    }
    // The token is redacted even if a fault echoes it.
    sim.inject(None, Injected::Fault { code: 9000, message: "bad token super-secret-token".into() });
    let e = c.companies().await.unwrap_err();
    assert!(!format!("{e} {e:?}").contains("super-secret-token"));
    assert_eq!(e.kind(), ErrorKind::Unknown);
}

#[tokio::test]
async fn the_trait_object_serves_jobs() {
    let sim = demo_sim().await;
    let api: std::sync::Arc<dyn NmbrsApi> = std::sync::Arc::new(demo_client(&sim));
    call_every_operation(api.as_ref()).await;
    let ops: std::collections::BTreeSet<String> = sim.calls().into_iter().map(|c| c.operation).collect();
    assert_eq!(ops.len(), 21);
    assert!(sim.calls().iter().all(|c| c.outcome == "ok"));
}

#[tokio::test]
async fn configured_fault_rates_hit_the_calls_they_name() {
    let sim = demo_sim().await;
    let c = demo_client(&sim);
    // A lost reply only concerns writes: reads pass, every insert is in doubt but landed.
    sim.set_faults(FaultConfig { lost_reply_rate: 1.0, ..Default::default() });
    assert_eq!(c.companies().await.unwrap().len(), 2);
    let e = c.wage_component_var_insert(JAN, &wage(410, "9.99"), NOV.protected()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown);
    let landed = sim.wage_components(demo::DOMAIN, JAN.soap().unwrap(), NOV);
    assert_eq!(landed.len(), 1);
    assert_eq!(landed[0].value, Amount(dec("9.99")));
    // Every connection dropped: reads give up after the retries, as a transient error.
    sim.clear_calls();
    sim.set_faults(FaultConfig { drop_rate: 1.0, ..Default::default() });
    let e = c.contracts(CompanyId(nmbrs_worker::domain::nmbrs_id::NmbrsId::Int(demo::HORECA))).await.unwrap_err();
    assert!(matches!(e, NmbrsError::Transport { .. }), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Transient);
    assert_eq!(sim.calls().len(), 4);
    assert!(sim.calls().iter().all(|c| c.outcome == "injected:drop"));
}

/// The records of a list read, checking that none was unreadable.
fn all_read<T>(listed: Listed<T>) -> Vec<T> {
    assert!(listed.unreadable.is_empty(), "{:?}", listed.unreadable);
    listed.items
}
