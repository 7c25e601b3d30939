//! Unit tests of `findings` and of the report they make together.

use chrono::{TimeZone, Utc};
use serde_json::json;

use super::findings::*;
use super::needs::{Need, User};
use super::report::{CheckStatus, IntegrationStatus, Report};
use crate::domain::export::contributions::{BucketKey, Component};
use crate::domain::integration::Settings;
use crate::domain::nmbrs::model::{CompanyId, CurrentPeriod, EmployeeId, HourCode, ModelCode, PayPeriod, PeriodType};

fn company(id: i32) -> CompanyId {
    CompanyId(crate::domain::nmbrs_id::NmbrsId::Int(id))
}

fn current(year: i32, period: u8, kind: PeriodType) -> VenueSeen {
    VenueSeen::Current(CurrentPeriod { period: PayPeriod::new(year, period), kind })
}

fn codes_of(list: &[i32]) -> Vec<ModelCode> {
    list.iter().map(|&code| ModelCode { code, description: None }).collect()
}

#[test]
fn a_venue_is_open_closed_or_of_the_wrong_period_type() {
    let v = vec!["v-1".to_string()];
    let monthly = current(2026, 11, PeriodType::Monthly);
    assert_eq!(venue(company(1), &v, &monthly, None).code, "venue.open");
    assert_eq!(venue(company(1), &v, &monthly, Some(PayPeriod::new(2026, 12))).status, CheckStatus::Ok);
    let closed = venue(company(1), &v, &monthly, Some(PayPeriod::new(2026, 10)));
    assert_eq!((closed.status, closed.code.as_str()), (CheckStatus::Problem, "export.period_closed"));
    assert_eq!(closed.params["current_period"], json!({"year": 2026, "number": 11}));
    let thirteen = venue(company(1), &v, &monthly, Some(PayPeriod::new(2026, 13)));
    assert_eq!(thirteen.code, "export.invalid_period");
    let four_weekly = current(2026, 11, PeriodType::FourWeekly);
    assert_eq!(venue(company(1), &v, &four_weekly, Some(PayPeriod::new(2026, 13))).code, "venue.open");
    assert_eq!(venue(company(2), &v, &VenueSeen::NoAccess, None).code, "nmbrs.no_access");
    assert_eq!(venue(company(2), &v, &VenueSeen::NoCurrentPeriod, None).code, "venue.no_current_period");
    let unknown = venue(company(2), &v, &VenueSeen::Unknown { reason: "timeout".into() }, None);
    assert_eq!(unknown.status, CheckStatus::Unverified);
}

#[test]
fn a_code_counts_in_either_model_of_its_kind_only() {
    let settings: Settings = serde_json::from_value(json!({
        "hour_codes": {"worked": 1, "sick": 30}, "wage_codes": {"meals": 400, "allowances": {"travel": 2}}
    }))
    .unwrap();
    let mapped = mapped_codes(&settings);
    assert_eq!(
        mapped.iter().map(|m| m.kind.as_str()).collect::<Vec<_>>(),
        ["worked", "sick", "meals", "allowances.travel"]
    );
    let models = Models { hours: [codes_of(&[1]), codes_of(&[30])], wages: [codes_of(&[400]), vec![]] };
    let checks = codes(company(1), &mapped, Ok(&models));
    let statuses: Vec<(&str, &str)> = checks.iter().map(|c| (c.subject.as_str(), c.code.as_str())).collect();
    assert_eq!(
        statuses,
        [
            ("hour code 1 in company 1", "code.known"),
            ("hour code 30 in company 1", "code.known"),
            ("wage code 400 in company 1", "code.known"),
            // Code 2 is an hour code nowhere either, and a wage code is looked for among wages only.
            ("wage code 2 in company 1", "export.unknown_code"),
        ]
    );
    let unread = codes(company(1), &mapped, Err("the company could not be read"));
    assert!(unread.iter().all(|c| c.status == CheckStatus::Unverified));
}

#[test]
fn a_write_right_is_ok_with_when_refused_or_unverified() {
    let row = Need::DaysSet.row();
    let at = Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).unwrap();
    let ok = right("DaysVar_Set", row, &[User::ExportHours], &RightSeen::Allowed { at: Some(at) });
    assert_eq!((ok.status, ok.params["at"].as_str()), (CheckStatus::Ok, Some("2026-11-20T09:30:00+00:00")));
    assert!(ok.message.contains("last used 2026-11-20 09:30 UTC"), "{}", ok.message);
    let refused = right("DaysVar_Set", row, &[User::ExportHours], &RightSeen::Refused { at: Some(at), scope: None });
    assert_eq!((refused.status, refused.code.as_str()), (CheckStatus::Problem, "nmbrs.missing_rights"));
    assert_eq!(right("DaysVar_Set", row, &[User::ExportHours], &RightSeen::Untested).status, CheckStatus::Unverified);
    let scope = RightSeen::Refused { at: None, scope: Some("employee.payment".into()) };
    let rest = right("POST /api/employees/{employeeId}/variabledays", row, &[User::ExportHours], &scope);
    assert_eq!(rest.params["scope"], "employee.payment");
}

#[test]
fn credentials_that_do_not_work_are_a_finding_and_a_consent_about_to_end_is_one_too() {
    let refused = credentials("demo", &CredentialsSeen::Refused, None);
    assert_eq!((refused.len(), refused[0].code.as_str()), (1, "nmbrs.auth_failed"));
    let consent = ConsentDates {
        grant_id: "g-1".into(),
        consented_at: Some(Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap()),
        renew_by: chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
        expiring: true,
    };
    let checks = credentials("demo", &CredentialsSeen::Accepted, Some(&consent));
    assert_eq!(
        checks.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(),
        ["credentials.accepted", "nmbrs.consent_expiring"]
    );
    assert_eq!(checks[0].params["renew_by"], "2026-12-01");
    let calm = ConsentDates { expiring: false, ..consent };
    assert_eq!(credentials("demo", &CredentialsSeen::Accepted, Some(&calm)).len(), 1);
    let gone = credentials("demo", &CredentialsSeen::ConsentRequired, Some(&calm));
    assert_eq!((gone[0].subject.as_str(), gone[0].code.as_str()), ("g-1", "nmbrs.consent_required"));
}

#[test]
fn every_problem_is_reported_in_one_go_with_one_message() {
    let key = BucketKey {
        company: company(54613),
        employee: EmployeeId::int(503293),
        period: PayPeriod::new(2026, 11),
        component: Component::Hours(HourCode(1)),
    };
    let mut report = Report::default();
    report.checks.extend(credentials("demo", &CredentialsSeen::Accepted, None));
    for op in ["HourComponentVar_Insert", "DaysVar_Set"] {
        let refused = RightSeen::Refused { at: None, scope: None };
        report.checks.push(right(op, Need::HoursInsert.row(), &[User::HourCodes], &refused));
    }
    let scope = RightSeen::Refused { at: None, scope: Some("employee.payment".into()) };
    report.checks.push(right("POST /api/x", Need::HoursInsert.row(), &[User::HourCodes], &scope));
    report.checks.push(venue(company(54614), &[], &VenueSeen::NoAccess, None));
    report.checks.push(in_doubt(&key, Some("7.50"), Some("eitje:abc")));
    assert_eq!(report.status(), IntegrationStatus::NeedsAttention);
    assert_eq!(report.counts()["problems"], 5);
    let advice = report.advice();
    assert!(
        advice.starts_with(
            "Ask your accountant to switch on these API rights in Nmbrs: DaysVar_Set, HourComponentVar_Insert. \
             Connect Nmbrs again in Eitje and allow these permissions: employee.payment. "
        ),
        "{advice}"
    );
    assert!(
        advice.contains("company 54614")
            && advice.contains("hours 1 of employee 503293 in company 54613, period 2026-11")
    );
}
