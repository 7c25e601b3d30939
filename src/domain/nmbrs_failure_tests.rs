//! The tests of `nmbrs_failure.rs`, in a file of their own so that neither file is over issue 17's 450
//! lines.

use super::*;

const ALL: [ErrorKind; 16] = [
    ErrorKind::Transient,
    ErrorKind::Credentials,
    ErrorKind::MissingRight { operation: "Contract_GetAll_AllEmployeesByCompany" },
    ErrorKind::NoAccess,
    ErrorKind::UnknownEmployee,
    ErrorKind::InvalidData,
    ErrorKind::PeriodClosed,
    ErrorKind::OutcomeUnknown,
    ErrorKind::NoCurrentPeriod,
    ErrorKind::Unreadable,
    ErrorKind::Unknown,
    ErrorKind::QuotaExceeded,
    ErrorKind::MissingScope { operation: "POST /api/employees/{employeeId}/variablehours", scope: "employee.payment" },
    ErrorKind::ConsentRequired,
    ErrorKind::NotFound,
    ErrorKind::SubscriptionRefused,
];

fn as_job(kind: ErrorKind) -> (ErrorClass, &'static str, Option<&'static str>) {
    let f = job_failure(kind);
    assert_eq!(treat(kind, FailureScope::Job), Treatment::Job(f));
    (f.class, f.code, f.notice.map(|n| n.code))
}

#[test]
fn job_scope_row_per_kind() {
    use ErrorClass::*;
    let rows = [
        (Transient, "nmbrs_unavailable", None),
        (NeedsPerson, "nmbrs_auth_failed", Some("nmbrs.auth_failed")),
        (NeedsPerson, "nmbrs_missing_rights", Some("nmbrs.missing_rights")),
        (NeedsPerson, "nmbrs_no_access", Some("nmbrs.no_access")),
        (Permanent, "nmbrs_error", None),
        (Permanent, "nmbrs_error", None),
        (Permanent, "nmbrs_error", None),
        (Permanent, "nmbrs_error", None),
        (Permanent, "nmbrs_error", None),
        (Permanent, "nmbrs_error", None),
        (Permanent, "nmbrs_error", None),
        (Transient, "nmbrs_quota_exceeded", Some("nmbrs.quota_exceeded")),
        (NeedsPerson, "nmbrs_missing_rights", Some("nmbrs.missing_rights")),
        (NeedsPerson, "nmbrs_consent_required", Some("nmbrs.consent_required")),
        (Permanent, "nmbrs_error", None),
        (Transient, "rest_subscription_refused", None),
    ];
    for (kind, row) in ALL.into_iter().zip(rows) {
        assert_eq!(as_job(kind), row, "{kind:?}");
    }
}

#[test]
fn company_scope_row_per_kind() {
    let rows: [Option<CompanyError>; 16] = [
        None,
        None,
        None,
        Some(CompanyError::NoAccess),
        Some(CompanyError::UnreadableResponse),
        Some(CompanyError::UnreadableResponse),
        Some(CompanyError::UnreadableResponse),
        Some(CompanyError::UnreadableResponse),
        Some(CompanyError::NoCurrentPeriod),
        Some(CompanyError::UnreadableResponse),
        Some(CompanyError::UnreadableResponse),
        None,
        None,
        None,
        Some(CompanyError::UnreadableResponse),
        None,
    ];
    for (kind, row) in ALL.into_iter().zip(rows) {
        match (treat(kind, FailureScope::Company), row) {
            (Treatment::Company(got), Some(want)) => assert_eq!(got, want, "{kind:?}"),
            // Only credentials, a missing right or Nmbrs unavailable fail the whole job
            // (CONTRACT §2.3), and then exactly as in the job scope.
            (Treatment::Job(f), None) => assert_eq!(Treatment::Job(f), treat(kind, FailureScope::Job), "{kind:?}"),
            (got, want) => panic!("{kind:?}: {got:?}, wanted {want:?}"),
        }
        assert_eq!(stops_job(kind, FailureScope::Company), row.is_none(), "{kind:?}");
    }
}

#[test]
fn bucket_scope_row_per_kind() {
    use BucketOutcome::*;
    let rows: [Option<BucketOutcome>; 16] = [
        None,
        None,
        None,
        Some(Refused),
        Some(Refused),
        Some(Refused),
        Some(Refused),
        Some(InDoubt),
        Some(Refused),
        Some(Refused),
        Some(Refused),
        None,
        None,
        None,
        Some(Refused),
        None,
    ];
    for (kind, row) in ALL.into_iter().zip(rows) {
        match (treat(kind, FailureScope::Bucket), row) {
            (Treatment::Bucket(got), Some(want)) => assert_eq!(got, want, "{kind:?}"),
            (Treatment::Job(f), None) => assert_eq!(Treatment::Job(f), treat(kind, FailureScope::Job), "{kind:?}"),
            (got, want) => panic!("{kind:?}: {got:?}, wanted {want:?}"),
        }
    }
    // A closed period is the bucket's matter, never the job's class "needs a person" there.
    assert_eq!(treat(ErrorKind::PeriodClosed, FailureScope::Bucket), Treatment::Bucket(Refused));
}

#[test]
fn company_and_bucket_codes() {
    let codes = [CompanyError::NoAccess, CompanyError::NoCurrentPeriod, CompanyError::UnreadableResponse]
        .map(CompanyError::code);
    assert_eq!(codes, ["nmbrs.no_access", "nmbrs.no_current_period", "nmbrs.unreadable_response"]);
    assert_eq!(CompanyError::NoAccess.notice(), Some(NO_ACCESS));
    assert_eq!(CompanyError::NoCurrentPeriod.notice(), None);
    assert_eq!((BucketOutcome::Refused.code(), BucketOutcome::InDoubt.code()), ("nmbrs_refused", "export.in_doubt"));
}

#[test]
fn notifications_carry_the_params_of_contract_section_3() {
    let facts = NoticeFacts {
        domain: "mycompany",
        operation: "HourComponentVar_Insert",
        company_id: Some(54613.into()),
        ..Default::default()
    };
    let auth = AUTH_FAILED.notification(facts);
    assert_eq!((auth.code.as_str(), &auth.params), ("nmbrs.auth_failed", &json!({"domain": "mycompany"})));
    let right = MISSING_RIGHTS.notification(facts);
    assert_eq!(right.params, json!({"operation": "HourComponentVar_Insert"}));
    assert!(right.message.contains("HourComponentVar_Insert"));
    let access = NO_ACCESS.notification(facts);
    assert_eq!(access.params, json!({"nmbrs_company_id": 54613, "operation": "HourComponentVar_Insert"}));
    let anonymous = NO_ACCESS.notification(NoticeFacts { company_id: None, ..facts });
    assert_eq!(anonymous.params["nmbrs_company_id"], serde_json::Value::Null);
    for n in [auth, right, access] {
        assert_eq!(n.level, Level::Error);
        assert!(!n.message.is_empty());
    }
}

#[test]
fn rest_kinds_notify_with_the_params_of_contract_section_5() {
    let facts = NoticeFacts { domain: "mycompany", operation: "ignored", grant_id: Some("g-1"), ..Default::default() };
    let scope = ErrorKind::MissingScope {
        operation: "GET /api/companies/{companyId}/hourcodes",
        scope: "company.payrollsettings.read",
    };
    let n = notification(scope, facts).unwrap();
    assert_eq!(n.code, "nmbrs.missing_rights");
    assert_eq!(
        n.params,
        json!({"operation": "GET /api/companies/{companyId}/hourcodes", "scope": "company.payrollsettings.read"})
    );
    let n = notification(ErrorKind::QuotaExceeded, facts).unwrap();
    assert_eq!(
        (n.code.as_str(), &n.params, n.level),
        ("nmbrs.quota_exceeded", &json!({"domain": "mycompany", "scope": "subscription"}), Level::Warning)
    );
    let n = notification(ErrorKind::ConsentRequired, facts).unwrap();
    assert_eq!(
        (n.code.as_str(), &n.params),
        ("nmbrs.consent_required", &json!({"domain": "mycompany", "grant_id": "g-1"}))
    );
}
