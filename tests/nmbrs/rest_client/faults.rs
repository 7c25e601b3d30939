//! The REST client's failures against the simulator: the size cap, 429s and `Retry-After`, the
//! quota, 5xx pages, lost replies of inserts and PUTs, missing scopes, expiring tokens.

use super::*;

#[tokio::test]
async fn a_response_above_the_size_cap_is_refused_unread() {
    let mut state = SimState::default();
    state.apply_seed(demo::scaled(100));
    let config = ClientConfig { max_response_bytes: 8 * 1024, ..client_config() };
    let w = World::with_config(state, GrantSpec::default(), config, Urls::default(), |t| t).await;
    let horeca = w.company(demo::HORECA);
    let e = w.client.personal_infos(horeca).await.unwrap_err();
    assert!(e.to_string().contains("larger than 8192 bytes"), "{e}");
    assert_eq!(e.kind(), ErrorKind::Unknown);
    assert_eq!(w.outcomes(RestOperation::PersonalInfo).len(), 1, "not retried");
    // Small answers still pass.
    assert_eq!(w.client.current_period(horeca).await.unwrap().period, NOVEMBER);
    w.assert_valid_traffic();
}

#[tokio::test]
async fn too_many_calls_backs_off_honouring_retry_after_when_sent() {
    let w = World::new(GrantSpec::default()).await;
    let (op, horeca) = (RestOperation::HourCodes, w.company(demo::HORECA));
    w.client.hour_codes(horeca).await.unwrap(); // token fetched outside the timing

    w.inject(op, RestInjected::TooManyCalls { retry_after_secs: Some(1) });
    let started = Instant::now();
    assert_eq!(w.client.hour_codes(horeca).await.unwrap().items.len(), 4);
    assert!(started.elapsed() >= Duration::from_secs(1), "waited Retry-After: {:?}", started.elapsed());

    w.inject(op, RestInjected::TooManyCalls { retry_after_secs: None });
    w.inject(op, RestInjected::TooManyCalls { retry_after_secs: None });
    let started = Instant::now();
    assert_eq!(w.client.hour_codes(horeca).await.unwrap().items.len(), 4);
    assert!(started.elapsed() < Duration::from_millis(900), "backoff, not a second: {:?}", started.elapsed());
    assert_eq!(
        w.outcomes(op),
        ["ok", "injected:42908_retry_after", "ok", "injected:42908", "injected:42908", "ok"].map(String::from)
    );

    // Throttled without end: transient for the job once the in-call retries run out.
    for _ in 0..4 {
        w.inject(op, RestInjected::TooManyCalls { retry_after_secs: None });
    }
    let e = w.client.hour_codes(horeca).await.unwrap_err();
    assert_eq!((e.kind(), e.nmbrs_code(), e.http_status()), (ErrorKind::Transient, Some(42908), Some(429)));
    assert_eq!(w.outcomes(op).len(), 10, "1 + 3 retries");
    w.assert_valid_traffic();
}

#[tokio::test]
async fn a_retry_after_longer_than_the_cap_is_left_to_the_job_schedule() {
    let w = World::with_state(demo::state(), GrantSpec::default(), |t| t.with_retry_after_cap(Duration::from_secs(1)))
        .await;
    let (op, horeca) = (RestOperation::HourCodes, w.company(demo::HORECA));
    w.inject(op, RestInjected::TooManyCalls { retry_after_secs: Some(30) });
    let started = Instant::now();
    let e = w.client.hour_codes(horeca).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "did not sleep 30 s in the call");
    assert_eq!((e.kind(), job_failure(e.kind()).class), (ErrorKind::Transient, ErrorClass::Transient));
    assert_eq!(w.outcomes(op), vec!["injected:42908_retry_after".to_string()]);
}

#[tokio::test]
async fn quota_exceeded_is_its_own_kind_and_never_retried_in_the_call() {
    let w = World::new(GrantSpec::default()).await;
    let op = RestOperation::Employees;
    w.inject(op, RestInjected::QuotaExceeded);
    let e = w.client.employees(w.company(demo::HORECA), None).await.unwrap_err();
    assert_eq!((e.kind(), e.nmbrs_code()), (ErrorKind::QuotaExceeded, Some(42909)));
    assert_eq!(job_failure(e.kind()).class, ErrorClass::Transient, "retried on the job schedule");
    assert_eq!(job_failure(e.kind()).notice.map(|n| n.code), Some("nmbrs.quota_exceeded"));
    assert_eq!(w.outcomes(op), vec!["injected:42909".to_string()], "one call, no tight loop");
    // A write too: not retried, and not in doubt (nothing was applied).
    w.inject(RestOperation::HoursPost, RestInjected::QuotaExceeded);
    let e = w.client.insert_variable_hours(w.employee(JAN), &line(1, "1", "m-q"), NOVEMBER, false).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::QuotaExceeded);
    assert!(w.hours_lines(JAN, NOVEMBER).is_empty());
    w.assert_valid_traffic();
}

#[tokio::test]
async fn a_5xx_html_page_is_transient_and_reads_retry_through_it() {
    let w = World::new(GrantSpec::default()).await;
    let (op, horeca) = (RestOperation::Contracts, w.company(demo::HORECA));
    w.inject(op, RestInjected::ServerError { status: 503 });
    w.inject(op, RestInjected::ServerError { status: 502 });
    assert_eq!(w.client.contracts(horeca).await.unwrap().items.len(), 7);
    for _ in 0..4 {
        w.inject(op, RestInjected::ServerError { status: 500 });
    }
    let e = w.client.contracts(horeca).await.unwrap_err();
    assert_eq!((e.kind(), e.http_status(), e.nmbrs_code()), (ErrorKind::Transient, Some(500), None), "{e}");
    assert_eq!(w.outcomes(op).len(), 3 + 4);
    // A dropped connection on a read: retried too.
    w.inject(op, RestInjected::Drop);
    assert_eq!(w.client.contracts(horeca).await.unwrap().items.len(), 7);
    w.assert_valid_traffic();
}

#[tokio::test]
async fn a_lost_insert_reply_is_in_doubt_never_repeated_and_found_by_its_marker() {
    let w = World::new(GrantSpec::default()).await;
    let (c, jan, op) = (&w.client, w.employee(JAN), RestOperation::HoursPost);
    // A person's identical line is already there.
    c.insert_variable_hours(jan, &line(1, "4", "typed by a person"), NOVEMBER, false).await.unwrap();

    w.inject(op, RestInjected::LostReply);
    let e = c.insert_variable_hours(jan, &line(1, "4", "eitje:intent-7"), NOVEMBER, false).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(
        treat(e.kind(), FailureScope::Bucket),
        Treatment::Bucket(BucketOutcome::InDoubt),
        "the bucket is in doubt"
    );
    assert_eq!(w.outcomes(op), ["ok", "injected:lost_reply"].map(String::from), "the insert was not repeated");
    assert_eq!(w.hours_lines(JAN, NOVEMBER).len(), 2, "it landed once");
    let mine: Vec<_> = c
        .variable_hours(jan, NOVEMBER)
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|l| l.comment.as_deref() == Some("eitje:intent-7"))
        .collect();
    assert_eq!(mine.len(), 1, "the read-back tells the worker's line from the person's identical one");

    // A 5xx answer to an insert: in doubt as well, and not repeated.
    w.inject(op, RestInjected::ServerError { status: 500 });
    let e = c.insert_variable_hours(jan, &line(20, "2", "eitje:intent-8"), NOVEMBER, false).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown);
    // A throttled insert certainly did not land: retried, and lands once.
    w.inject(op, RestInjected::TooManyCalls { retry_after_secs: None });
    c.insert_variable_hours(jan, &line(30, "1", "eitje:intent-9"), NOVEMBER, false).await.unwrap();
    assert_eq!(w.hours_lines(JAN, NOVEMBER).iter().filter(|l| l.0 == 30).count(), 1);
    // A lost reply on a wage insert and a days POST: in doubt too.
    w.inject(RestOperation::WagePost, RestInjected::LostReply);
    let wage = NewWageLine { code: WageCode(400), value: Amount(dec("5")), comment: Some("eitje:intent-10".into()) };
    assert_eq!(
        c.insert_variable_wage(jan, &wage, NOVEMBER, false).await.unwrap_err().kind(),
        ErrorKind::OutcomeUnknown
    );
    w.inject(RestOperation::DaysPost, RestInjected::LostReply);
    assert_eq!(c.post_variable_days(jan, 3, NOVEMBER, false).await.unwrap_err().kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(w.outcomes(RestOperation::DaysPost).len(), 1);
    w.assert_valid_traffic();
}

#[tokio::test]
async fn a_put_whose_reply_was_lost_is_repeated_safely() {
    let w = World::new(GrantSpec::default()).await;
    let (c, jan) = (&w.client, w.employee(JAN));
    let id = c.insert_variable_hours(jan, &line(1, "6", "eitje:intent-1"), NOVEMBER, false).await.unwrap();
    w.inject(RestOperation::HoursPut, RestInjected::LostReply);
    w.inject(RestOperation::HoursPut, RestInjected::ServerError { status: 503 });
    assert_eq!(
        c.update_variable_hours(jan, id, &line(1, "9.75", "eitje:intent-1"), NOVEMBER, false).await.unwrap(),
        id
    );
    assert_eq!(w.hours_lines(JAN, NOVEMBER), vec![(1, dec("9.75"))], "one line, the new value");
    assert_eq!(
        w.outcomes(RestOperation::HoursPut),
        ["injected:lost_reply", "injected:http503", "ok"].map(String::from)
    );

    let wage = NewWageLine { code: WageCode(420), value: Amount(dec("50")), comment: None };
    let wid = c.insert_variable_wage(jan, &wage, NOVEMBER, false).await.unwrap();
    w.inject(RestOperation::WagePut, RestInjected::LostReply);
    c.update_variable_wage(jan, wid, &NewWageLine { value: Amount(dec("75.5")), ..wage.clone() }, NOVEMBER, false)
        .await
        .unwrap();
    let lines = w.sim.wage_components(DOMAIN, JAN, NOVEMBER);
    assert_eq!(lines.iter().map(|l| (l.code, l.value.0)).collect::<Vec<_>>(), vec![(420, dec("75.5"))]);
    w.assert_valid_traffic();
}

#[tokio::test]
async fn forbidden_is_a_missing_scope_or_a_company_outside_the_consent() {
    // The consent covers only the monthly company and lacks the payment scopes.
    let spec = GrantSpec {
        scope: "offline_access company.info.read company.payrollsettings.read employee.info.read".into(),
        companies: Some(vec![demo::HORECA]),
        ..Default::default()
    };
    let w = World::new(spec).await;
    let e = w.client.variable_hours(w.employee(JAN), NOVEMBER).await.unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::MissingScope {
            operation: "GET /api/employees/{employeeId}/variablehours",
            scope: "employee.payment"
        }
    );
    assert_eq!(
        (e.nmbrs_code(), job_failure(e.kind()).notice.map(|n| n.code)),
        (Some(40303), Some("nmbrs.missing_rights"))
    );
    assert_eq!(job_failure(e.kind()).class, ErrorClass::NeedsPerson);
    let e = w.client.contracts(w.company(demo::HORECA)).await.unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::MissingScope {
            operation: "GET /api/companies/{companyId}/employees/contracts",
            scope: "employee.employment"
        }
    );

    // Same code, but the scope is granted: the company is outside the consent.
    let e = w.client.current_period(w.company(demo::CATERING)).await.unwrap_err();
    assert_eq!((e.kind(), e.nmbrs_code()), (ErrorKind::NoAccess, Some(40303)));
    assert_eq!(job_failure(e.kind()).notice.map(|n| n.code), Some("nmbrs.no_access"));
    // A company Nmbrs does not know (40404): no access as well.
    let e = w.client.current_period(CompanyUuid(Uuid::new_v4())).await.unwrap_err();
    assert_eq!((e.kind(), e.nmbrs_code()), (ErrorKind::NoAccess, Some(40404)));
    assert_eq!(w.client.current_period(w.company(demo::HORECA)).await.unwrap().period, NOVEMBER);
    w.assert_valid_traffic();
}

#[tokio::test]
async fn an_access_token_expiring_mid_job_is_refreshed_once_and_the_call_repeated() {
    let w = World::new(GrantSpec::default()).await;
    let (c, jan) = (&w.client, w.employee(JAN));
    c.current_period(w.company(demo::HORECA)).await.unwrap();
    assert_eq!(w.refreshes(), 1);
    // The token expires just before an insert: 401, one refresh, the insert repeated once.
    w.inject(RestOperation::HoursPost, RestInjected::TokenExpired);
    c.insert_variable_hours(jan, &line(1, "5", "eitje:intent-1"), NOVEMBER, false).await.unwrap();
    assert_eq!(w.refreshes(), 2, "one refresh");
    assert_eq!(w.outcomes(RestOperation::HoursPost), ["injected:token_expired", "ok"].map(String::from));
    assert_eq!(w.hours_lines(JAN, NOVEMBER), vec![(1, dec("5"))], "landed once");
    // The next calls use the new token without refreshing again.
    c.variable_hours(jan, NOVEMBER).await.unwrap();
    assert_eq!(w.refreshes(), 2);

    // A 401 that a refresh does not cure is an authentication failure, after one repeat.
    w.inject(RestOperation::HoursGet, RestInjected::TokenExpired);
    w.inject(RestOperation::HoursGet, RestInjected::TokenExpired);
    let e = c.variable_hours(jan, NOVEMBER).await.unwrap_err();
    assert_eq!((e.kind(), e.nmbrs_code()), (ErrorKind::Credentials, Some(40102)));
    assert_eq!(w.refreshes(), 3, "one refresh for the call, then it gives up: no loop");
    assert_eq!(w.outcomes(RestOperation::HoursGet).len(), 3, "one read, then the 401 and its one repeat");

    // A revoked consent: the refresh is refused → a new consent is needed.
    assert!(w.sim.state().rest.oauth.revoke(&w.grant_id.to_string()));
    let e = c.variable_hours(jan, NOVEMBER).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConsentRequired);
    assert_eq!(job_failure(e.kind()).notice.map(|n| n.code), Some("nmbrs.consent_required"));
    assert!(matches!(e.auth_error(), Some(nmbrs_worker::nmbrs::rest::AuthError::ConsentRequired { .. })));
    assert!(matches!(e, NmbrsError::Rest { .. }));
    w.assert_valid_traffic();
}
