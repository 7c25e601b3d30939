//! From what the check saw to its [`Check`]s (CONTRACT §2.6): one pure function per kind of
//! check, each taking the plain facts the job read (a company's current period, the codes of
//! its models, what an earlier job learned about a write right) and saying ok, problem or
//! unverified, with the words a person reads.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

use super::needs::{NeedRow, User, hour_codes_mapped, wage_codes_mapped};
use super::report::{Check, CheckKind, CheckStatus};
use crate::domain::export::contributions::BucketKey;
use crate::domain::export::validation::{PeriodCheck, check_period, code_known};
use crate::domain::integration::Settings;
use crate::domain::nmbrs::model::{CompanyId, CurrentPeriod, ModelCode, PayPeriod};

fn made(check: CheckKind, subject: String, status: CheckStatus, code: &str, message: String, params: Value) -> Check {
    Check { check, subject, status, code: code.to_string(), message, params }
}

/// What opening the credentials and asking Nmbrs found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialsSeen {
    /// Nmbrs answered a call made with them.
    Accepted,
    /// Nmbrs refused them (SOAP user or token, REST client): `nmbrs.auth_failed`.
    Refused,
    /// The REST grant no longer refreshes: a person must consent again.
    ConsentRequired,
}

/// A REST consent's dates (CONTRACT §5.1), when the credentials are a grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentDates {
    pub grant_id: String,
    pub consented_at: Option<DateTime<Utc>>,
    /// The day the refresh chain ends; `None` when not known.
    pub renew_by: Option<NaiveDate>,
    /// Whether `renew_by` is within the warning time (`NMBRS_OAUTH_CONSENT_WARNING`).
    pub expiring: bool,
}

/// The credentials check; a REST consent about to end is a problem of its own.
pub fn credentials(domain: &str, seen: &CredentialsSeen, consent: Option<&ConsentDates>) -> Vec<Check> {
    let mut params = json!({"domain": domain});
    if let Some(c) = consent {
        params["grant_id"] = json!(c.grant_id);
        params["consented_at"] = json!(c.consented_at.map(|t| t.to_rfc3339()));
        params["renew_by"] = json!(c.renew_by.map(|d| d.to_string()));
    }
    let subject = domain.to_string();
    let (status, code, message) = match seen {
        CredentialsSeen::Accepted => {
            (CheckStatus::Ok, "credentials.accepted", format!("Nmbrs accepts the credentials of domain {domain}"))
        }
        CredentialsSeen::Refused => (
            CheckStatus::Problem,
            "nmbrs.auth_failed",
            format!("Nmbrs refuses the credentials of domain {domain}; enter a working API user and token in Eitje"),
        ),
        CredentialsSeen::ConsentRequired => (
            CheckStatus::Problem,
            "nmbrs.consent_required",
            format!("the Nmbrs consent of domain {domain} no longer works; connect Nmbrs again in Eitje"),
        ),
    };
    let grant_subject = consent.map_or_else(|| subject.clone(), |c| c.grant_id.clone());
    let subject = if matches!(seen, CredentialsSeen::ConsentRequired) { grant_subject.clone() } else { subject };
    let mut checks = vec![made(CheckKind::Credentials, subject, status, code, message, params.clone())];
    if let Some(c) = consent.filter(|c| c.expiring && *seen == CredentialsSeen::Accepted) {
        let renew_by = c.renew_by.map_or_else(|| "soon".into(), |d| format!("on {d}"));
        let message =
            format!("the Nmbrs consent of domain {domain} ends {renew_by}; connect Nmbrs again in Eitje before then");
        checks.push(made(
            CheckKind::Credentials,
            grant_subject,
            CheckStatus::Problem,
            "nmbrs.consent_expiring",
            message,
            params,
        ));
    }
    checks
}

/// What is known about one operation's right.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RightSeen {
    /// A harmless read answered, or an earlier job's write succeeded (`at`: when).
    Allowed { at: Option<DateTime<Utc>> },
    /// Nmbrs refused it (`at`: when an earlier job learned it; `scope`: the REST scope to grant).
    Refused { at: Option<DateTime<Utc>>, scope: Option<String> },
    /// A write no job of this integration has made yet: testing it would write.
    Untested,
    /// The harmless read failed for another reason (Nmbrs unavailable, no company to ask about).
    Unknown { reason: String },
}

/// The right check of `operation` (the API's own name), needed as `row` says by `users`.
pub fn right(operation: &str, row: &NeedRow, users: &[User], seen: &RightSeen) -> Check {
    let by: Vec<&str> = users.iter().map(|u| u.label()).collect();
    let mut params = json!({"operation": operation, "needed_by": by, "required": row.required});
    let subject = operation.to_string();
    let (status, code, message) = match seen {
        RightSeen::Allowed { at } => {
            params["at"] = json!(at.map(|t| t.to_rfc3339()));
            let when = at.map_or_else(String::new, |t| format!(" (last used {})", t.format("%Y-%m-%d %H:%M UTC")));
            (CheckStatus::Ok, "right.ok", format!("{operation} is allowed{when}"))
        }
        RightSeen::Refused { at, scope } => {
            params["at"] = json!(at.map(|t| t.to_rfc3339()));
            let fix = match scope {
                Some(scope) => {
                    params["scope"] = json!(scope);
                    format!("the consent lacks the scope {scope}")
                }
                None => "switch it on in the Nmbrs API user template".to_string(),
            };
            (
                CheckStatus::Problem,
                "nmbrs.missing_rights",
                format!("Nmbrs refuses {operation}, needed by {}: {fix}", by.join(", ")),
            )
        }
        RightSeen::Untested => (
            CheckStatus::Unverified,
            "right.unverified",
            format!(
                "{operation} writes to Nmbrs, and no job of this integration has used it yet; the check never writes"
            ),
        ),
        RightSeen::Unknown { reason } => {
            (CheckStatus::Unverified, "right.unverified", format!("{operation} could not be tested: {reason}"))
        }
    };
    made(CheckKind::Rights, subject, status, code, message, params)
}

/// What reading a company's current period found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VenueSeen {
    Current(CurrentPeriod),
    /// The credentials may not see the company.
    NoAccess,
    NoCurrentPeriod,
    /// Another failure (Nmbrs unavailable, an unreadable answer).
    Unknown {
        reason: String,
    },
}

/// The venue check of `company` (linked to `venues`), with `asked` the job's period if any.
pub fn venue(company: CompanyId, venues: &[String], seen: &VenueSeen, asked: Option<PayPeriod>) -> Check {
    let subject = format!("company {}", company.0);
    let mut params = json!({"nmbrs_company_id": company.0, "eitje_venue_ids": venues});
    let (status, code, message) = match seen {
        VenueSeen::Current(current) => {
            let period = asked.unwrap_or(current.period);
            params["current_period"] = json!({"year": current.period.year, "number": current.period.period});
            params["period"] = json!({"year": period.year, "number": period.period});
            match check_period(period, current) {
                PeriodCheck::Open => (
                    CheckStatus::Ok,
                    "venue.open",
                    format!("{subject}: period {period} is open (current {})", current.period),
                ),
                PeriodCheck::Closed => (
                    CheckStatus::Problem,
                    "export.period_closed",
                    format!("{subject}: period {period} is closed, the current period is {}", current.period),
                ),
                PeriodCheck::Invalid => (
                    CheckStatus::Problem,
                    "export.invalid_period",
                    format!("{subject}: period {period} does not exist for its period type ({:?})", current.kind),
                ),
            }
        }
        VenueSeen::NoAccess => (
            CheckStatus::Problem,
            "nmbrs.no_access",
            format!("{subject} cannot be reached with these credentials; give them access to it in Nmbrs"),
        ),
        VenueSeen::NoCurrentPeriod => (
            CheckStatus::Problem,
            "venue.no_current_period",
            format!("{subject} has no current period in Nmbrs; nothing can be exported to it"),
        ),
        VenueSeen::Unknown { reason } => {
            (CheckStatus::Unverified, "venue.unverified", format!("{subject} could not be read: {reason}"))
        }
    };
    made(CheckKind::Venues, subject, status, code, message, params)
}

/// Which model a mapped code must be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    Hours,
    Wages,
}

/// One code of `settings`: the kind it exports (`worked`, `meals`, `allowances.travel`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappedCode {
    pub kind: String,
    pub model: Model,
    pub code: i32,
}

/// Every code the settings map, hours first.
pub fn mapped_codes(settings: &Settings) -> Vec<MappedCode> {
    let h = &settings.hour_codes;
    let hours = [("worked", h.worked), ("leave", h.leave), ("sick", h.sick)];
    let mut codes: Vec<MappedCode> = hours
        .into_iter()
        .filter_map(|(kind, code)| Some(MappedCode { kind: kind.into(), model: Model::Hours, code: code? }))
        .collect();
    codes.extend(settings.wage_codes.meals.map(|code| MappedCode { kind: "meals".into(), model: Model::Wages, code }));
    codes.extend(settings.wage_codes.allowances.iter().map(|(t, &code)| MappedCode {
        kind: format!("allowances.{t}"),
        model: Model::Wages,
        code,
    }));
    debug_assert_eq!(codes.iter().any(|c| c.model == Model::Hours), hour_codes_mapped(settings));
    debug_assert_eq!(codes.iter().any(|c| c.model == Model::Wages), wage_codes_mapped(settings));
    codes
}

/// The two models of each kind, as read from one company.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Models {
    pub hours: [Vec<ModelCode>; 2],
    pub wages: [Vec<ModelCode>; 2],
}

/// The code checks of one company: each mapped code in either model of its kind; all
/// `unverified` when the models could not be read (`models` is `Err` with the reason).
pub fn codes(company: CompanyId, mapped: &[MappedCode], models: Result<&Models, &str>) -> Vec<Check> {
    mapped
        .iter()
        .map(|m| {
            let word = if m.model == Model::Hours { "hour" } else { "wage" };
            let subject = format!("{word} code {} in company {}", m.code, company.0);
            let params = json!({"nmbrs_company_id": company.0, "kind": m.kind, "code": m.code});
            let (status, code, message) = match models {
                Err(reason) => (
                    CheckStatus::Unverified,
                    "code.unverified",
                    format!("{subject} ({}): not checked, {reason}", m.kind),
                ),
                Ok(models) => {
                    let [one, two] = if m.model == Model::Hours { &models.hours } else { &models.wages };
                    if code_known(m.code, one, two) {
                        (CheckStatus::Ok, "code.known", format!("{subject} ({}) exists", m.kind))
                    } else {
                        let message = format!(
                            "{subject} ({}) is in neither {word} model of the company; those entries would not export",
                            m.kind
                        );
                        (CheckStatus::Problem, "export.unknown_code", message)
                    }
                }
            };
            made(CheckKind::Codes, subject, status, code, message, params)
        })
        .collect()
}

/// A bucket still in doubt: the insert of `pending` may or may not have landed.
pub fn in_doubt(key: &BucketKey, pending: Option<&str>, marker: Option<&str>) -> Check {
    let component = key.component.label();
    let code = key.component.code();
    let subject = format!(
        "{component}{} of employee {} in company {}, period {}",
        code.map_or_else(String::new, |c| format!(" {c}")),
        key.employee.0,
        key.company.0,
        key.period
    );
    let look = marker.map_or_else(String::new, |m| format!(" (its comment starts with [{m}])"));
    let value = pending.unwrap_or("?");
    let message = format!(
        "{subject}: an insert of {value} may or may not have landed; look for the line{look} in Nmbrs and resolve the bucket"
    );
    let params = json!({
        "nmbrs_company_id": key.company.0, "nmbrs_employee_id": key.employee.0, "component": component,
        "code": code, "period": {"year": key.period.year, "number": key.period.period},
    });
    made(CheckKind::InDoubt, subject, CheckStatus::Problem, "export.in_doubt", message, params)
}
