//! The REST reads of REST-NOTES §2, answered from the shared state in the shapes of the
//! OpenAPI file: company list and period, hour codes, wage models, and the company-wide
//! employee reads (one `data` item per employee with a nested list); the period-bound lines
//! are in `line_reads.rs`. Every list is paged (`pageNumber`, `pageSize` ≤ 100; company-wide
//! reads count employees). Mappings from the SOAP-era seed: one employment per contract, the
//! home address from the snapshot, salary types by their SOAP number.

use crate::sim::SimId;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::ctx::{CallContext, OperationReply};
use super::ids::IdKind;
use super::lookup::{date, number};
use super::respond::{Page, envelope, paged};
use crate::nmbrs::rest::{Field, WCompany, WDebtor, WHourCode};
use crate::nmbrs::{PayPeriod, PeriodType};
use crate::sim::state::SimEmployee;

/// `createdAt` of seeded records that carry no creation date.
const EPOCH: chrono::NaiveDateTime = chrono::DateTime::UNIX_EPOCH.naive_utc();

pub(super) fn page(ctx: &CallContext, items: Vec<Value>) -> OperationReply {
    let (number, size) = (ctx.query.get("pageNumber"), ctx.query.get("pageSize"));
    let p = Page::parse_or(number.map(String::as_str), size.map(String::as_str), ctx.settings.default_page_size)?;
    Ok((StatusCode::OK, Some(paged(items, p, ctx.links))))
}

/// Records served as the client's wire structs (`crate::nmbrs::rest::W…`), so their JSON is
/// declared once.
fn served<T: serde::Serialize>(records: impl IntoIterator<Item = T>) -> Vec<Value> {
    records.into_iter().map(|r| serde_json::to_value(r).expect("a wire record is JSON")).collect()
}

fn period_json(p: PayPeriod) -> Value {
    json!({"year": p.year, "period": p.period})
}

fn period_type(t: PeriodType) -> &'static str {
    match t {
        PeriodType::Monthly => "month",
        PeriodType::FourWeekly => "4-weeks",
        PeriodType::Weekly => "1-week",
    }
}

/// REST `employeeType` of the seeded v3 `EmployeeType` number.
pub fn employee_type(n: i32) -> &'static str {
    match n {
        2 => "formerPayroll",
        3 => "external",
        4 => "formerExternal",
        5 => "applicant",
        6 => "newHire",
        7 => "rejectedApplicant",
        _ => "payroll",
    }
}

/// REST salary `type` of a SOAP salary type number (the Nmbrs enumeration).
fn salary_type(n: i32) -> Option<&'static str> {
    Some(match n {
        1 => "grossFulltimeSalary",
        2 => "grossParttimeSalary",
        3 => "grossHourlyWage",
        4 => "netParttimeSalaryInclWageComp",
        5 => "netParttimeSalaryExclWageComp",
        6 => "netHourlyWageExclWageComp",
        7 => "employerCosts",
        8 => "netHourlyWageInclWageComp",
        _ => return None,
    })
}

fn gender(g: &str) -> Value {
    match g.trim().to_ascii_lowercase().as_str() {
        "male" | "m" => json!("male"),
        "female" | "f" | "v" => json!("female"),
        "" | "undefined" | "unspecified" => json!("unspecified"),
        _ => json!("unknown"),
    }
}

/// `GET /api/companies`: the companies the consent covers.
pub fn companies(ctx: &mut CallContext) -> OperationReply {
    let items = covered_companies(ctx);
    page(ctx, items)
}

/// The companies of the domain's one debtor that the consent covers, as `Company` objects.
fn covered_companies(ctx: &CallContext) -> Vec<Value> {
    let debtor = ctx.uuid(IdKind::Debtor, DEBTOR);
    served(ctx.d.companies.values().filter(|c| ctx.grant.covers(c.company.id.int())).map(|c| WCompany {
        company_id: Field::Value(ctx.uuid(IdKind::Company, c.company.id.int())),
        number: Field::Value(c.company.number.to_string()),
        name: Field::Value(c.company.name.clone().unwrap_or_default()),
        debtor_id: Field::Value(debtor),
    }))
}

/// The simulator keeps one debtor per domain (the Nmbrs customer a consent is given for).
const DEBTOR: i64 = 1;

/// `GET /api/debtors`: the debtor of the consent (the walk a multi-debtor consent needs,
/// REST-NOTES §1: `GET /api/companies` answers 403 `40306` for one, scripted with
/// `/_sim/rest/faults`).
pub fn debtors(ctx: &mut CallContext) -> OperationReply {
    let debtor = WDebtor {
        debtor_id: Field::Value(ctx.uuid(IdKind::Debtor, DEBTOR)),
        number: Field::Value("1".to_owned()),
        name: Field::Value(ctx.domain.to_owned()),
    };
    page(ctx, served([debtor]))
}

/// `GET /api/debtors/{debtorId}/companies`: the debtor's companies the consent covers (404
/// `40401` for another debtor).
pub fn debtor_companies(ctx: &mut CallContext) -> OperationReply {
    if ctx.path.get("debtorId") != Some(ctx.id(IdKind::Debtor, DEBTOR).as_str()) {
        return Err(super::error::RestError::not_found("Debtor not found"));
    }
    let items = covered_companies(ctx);
    page(ctx, items)
}

/// `GET /api/companies/{companyId}/period`: the current period (no paging parameters).
pub fn period(ctx: &mut CallContext) -> OperationReply {
    let id = ctx.company()?;
    let c = ctx.company_record(id)?;
    let p = c.current_period;
    let item = json!({
        "period": period_json(p),
        "periodType": period_type(c.period_type),
        "displayPeriod": format!("{} {}", p.year, p.period),
    });
    page(ctx, vec![item])
}

/// `GET /api/companies/{companyId}/hourcodes`: both hour models' codes (REST has no model
/// selector, REST-NOTES §2 [L]; a code in both models is listed once).
pub fn hour_codes(ctx: &mut CallContext) -> OperationReply {
    let id = ctx.company()?;
    let c = ctx.company_record(id)?;
    let mut seen = std::collections::BTreeSet::new();
    let codes = c.hour_codes.iter().chain(&c.hour_codes2).filter(|h| seen.insert(h.code));
    let items =
        served(codes.map(|h| WHourCode { code: Field::Value(h.code), description: h.description.clone().into() }));
    page(ctx, items)
}

/// `GET /api/companies/{companyId}/wagemodels?year&period`: wage model 1 and 2 with their codes.
pub fn wage_models(ctx: &mut CallContext) -> OperationReply {
    let id = ctx.company()?;
    ctx.query_period(id)?;
    let c = ctx.company_record(id)?;
    let models = [(1, &c.wage_codes), (2, &c.wage_codes2)];
    let items = models
        .into_iter()
        .filter(|(_, codes)| !codes.is_empty())
        .map(|(n, codes)| {
            let codes: Vec<Value> = codes
                .iter()
                .map(|w| {
                    json!({
                        "wageCodeId": ctx.id(IdKind::WageCode, i64::from(id) * 1_000_000 + n * 100_000 + i64::from(w.code)),
                        "code": w.code,
                        "description": w.description.clone().unwrap_or_default(),
                        "continuityType": "variable",
                    })
                })
                .collect();
            json!({"id": ctx.id(IdKind::WageModel, i64::from(id) * 10 + n), "number": n, "name": format!("Wage model {n}"), "wageCodes": codes})
        })
        .collect();
    page(ctx, items)
}

/// The company's employees, narrowed by the `employeeId` query filter when `filtered`.
pub(super) fn company_employees<'d>(
    ctx: &'d mut CallContext,
    filtered: bool,
) -> Result<Vec<&'d SimEmployee>, super::error::RestError> {
    let company = ctx.company()?;
    let only = if filtered { ctx.employee_filter()? } else { None };
    Ok(ctx.d.employees.values().filter(|e| e.company_id == company && only.is_none_or(|o| o == Some(e.id()))).collect())
}

fn basic_info(e: &SimEmployee) -> Value {
    let s = &e.snapshot;
    json!({
        "employeeNumber": s.employee_number,
        "firstName": s.first_name,
        "prefix": s.prefix,
        "initials": e.personal_infos.last().and_then(|p| p.initials.clone()),
        "lastName": s.last_name.clone().unwrap_or_default(),
        "employeeType": employee_type(e.employee_type),
    })
}

/// The page the query asks for of the company's employees that `keep` keeps (narrowed by the
/// `employeeId` filter when `filtered`), with how many there are in all: only the page's
/// employees are cloned and served, so a page of a 5 000-employee company costs 100 records,
/// not 5 000 (issue 22: the storm's big syncs read 51 pages a list).
fn employee_page(
    ctx: &mut CallContext,
    filtered: bool,
    keep: impl Fn(&SimEmployee) -> bool,
) -> Result<(Vec<SimEmployee>, usize, Page), super::error::RestError> {
    let (query, default_size) = (ctx.query, ctx.settings.default_page_size);
    let all: Vec<&SimEmployee> = company_employees(ctx, filtered)?.into_iter().filter(|e| keep(e)).collect();
    let (number, size) = (query.get("pageNumber"), query.get("pageSize"));
    let p = Page::parse_or(number.map(String::as_str), size.map(String::as_str), default_size)?;
    let shown = all[p.window(all.len())].iter().map(|e| (*e).clone()).collect();
    Ok((shown, all.len(), p))
}

/// Maps each employee of the company to `{employeeId, <key>: [...]}`.
fn per_employee(
    ctx: &mut CallContext,
    key: &str,
    filtered: bool,
    items: impl Fn(&CallContext, &SimEmployee) -> Vec<Value>,
) -> OperationReply {
    let (emps, total, p) = employee_page(ctx, filtered, |_| true)?;
    let rows =
        emps.iter().map(|e| json!({"employeeId": ctx.id(IdKind::Employee, e.id()), key: items(ctx, e)})).collect();
    Ok((StatusCode::OK, Some(envelope(rows, total, p, ctx.links))))
}

/// `GET /api/companies/{companyId}/employees?employeeType`.
pub fn employees(ctx: &mut CallContext) -> OperationReply {
    let wanted = ctx.query.get("employeeType").cloned();
    let keep = |e: &SimEmployee| wanted.as_deref().is_none_or(|w| w == employee_type(e.employee_type));
    let (emps, total, p) = employee_page(ctx, true, keep)?;
    let rows = emps
        .iter()
        .map(|e| json!({"employeeId": ctx.id(IdKind::Employee, e.id()), "employeeBasicInfo": basic_info(e)}))
        .collect();
    Ok((StatusCode::OK, Some(envelope(rows, total, p, ctx.links))))
}

/// `GET /api/companies/{companyId}/employees/personalinfo`: personal info history (no BSN).
pub fn personal_info(ctx: &mut CallContext) -> OperationReply {
    per_employee(ctx, "info", true, |ctx, e| {
        let s = &e.snapshot;
        let current = ctx.d.companies.get(&e.company_id).map(|c| c.current_period);
        let from_history = e.personal_infos.iter().map(|p| {
            json!({
                "personalInfoId": ctx.id(IdKind::PersonalInfo, p.id.int()),
                "basicInfo": {
                    "employeeNumber": p.employee_number,
                    "firstName": p.first_name,
                    "prefix": p.prefix,
                    "initials": p.initials,
                    "lastName": p.last_name.clone().unwrap_or_default(),
                    "employeeType": employee_type(e.employee_type),
                },
                "birthInfo": {"birthDate": date(p.birthday), "gender": gender(&p.gender)},
                "contactInfo": {
                    "privateEmail": p.email_private, "businessEmail": p.email_work,
                    "businessPhone": p.telephone_work, "businessMobilePhone": p.telephone_mobile_work,
                    "privatePhone": p.telephone_private, "privateMobilePhone": p.telephone_mobile_private,
                    "otherPhone": p.telephone_other,
                },
                "period": {"year": p.start_year, "period": p.start_period},
                "createdAt": date(p.creation_date.or(Some(EPOCH))),
            })
        });
        let mut out: Vec<Value> = from_history.collect();
        if out.is_empty() {
            out.push(json!({
                "personalInfoId": ctx.id(IdKind::PersonalInfo, i64::from(e.id()) * 1000),
                "basicInfo": basic_info(e),
                "birthInfo": {"birthDate": date(s.birthday), "gender": gender(&s.gender)},
                "contactInfo": {
                    "privateEmail": s.email_private, "businessEmail": s.email_work,
                    "businessPhone": s.telephone_work, "businessMobilePhone": s.telephone_mobile_work,
                    "privatePhone": s.telephone_private, "privateMobilePhone": s.telephone_mobile_private,
                },
                "period": current.map_or(json!({"year": 2000, "period": 1}), period_json),
                "createdAt": date(Some(EPOCH)),
            }));
        }
        out
    })
}

/// `GET /api/companies/{companyId}/employees/privateInfos`: the BSN history of every employee
/// (the file declares no `employeeId` filter here; Nmbrs ignores one, REST-NOTES §3 item 6).
pub fn private_infos(ctx: &mut CallContext) -> OperationReply {
    per_employee(ctx, "privateInfos", false, |_, e| {
        let history: Vec<Value> = e
            .personal_infos
            .iter()
            .filter_map(|p| {
                p.bsn.as_ref().map(|b| json!({"BSN": b, "createdAt": date(p.creation_date.or(Some(EPOCH)))}))
            })
            .collect();
        if history.is_empty() {
            e.snapshot.bsn.iter().map(|b| json!({"BSN": b, "createdAt": date(Some(EPOCH))})).collect()
        } else {
            history
        }
    })
}

fn created(d: Option<chrono::NaiveDateTime>) -> Value {
    date(d.or(Some(EPOCH)))
}

/// `GET /api/companies/{companyId}/employees/contracts`.
pub fn contracts(ctx: &mut CallContext) -> OperationReply {
    per_employee(ctx, "contracts", true, |ctx, e| {
        e.contracts
            .iter()
            .map(|c| {
                json!({
                    "contractId": ctx.id(IdKind::Contract, c.contract_id.int()),
                    "startDate": date(c.start_date),
                    "trialPeriod": date(c.trial_period),
                    "endDate": date(c.end_date),
                    "indefinite": c.indefinite,
                    "writtenContract": c.written_contract,
                    "hoursPerWeek": c.hours_per_week.map_or(Value::Null, number),
                    "createdAt": created(c.creation_date),
                })
            })
            .collect()
    })
}

/// `GET /api/companies/{companyId}/employees/employments`: one employment per contract.
pub fn employments(ctx: &mut CallContext) -> OperationReply {
    per_employee(ctx, "employments", true, |ctx, e| {
        e.contracts
            .iter()
            .map(|c| {
                json!({
                    "employmentId": ctx.id(IdKind::Employment, c.contract_id.int()),
                    "creationDate": date(c.creation_date),
                    "startDate": date(c.start_date),
                    "endDate": date(c.end_date),
                    "seniorityDate": date(c.start_date),
                    "endContractReason": {"code": null, "reason": null},
                    "changedDate": created(c.creation_date),
                })
            })
            .collect()
    })
}

/// `GET /api/companies/{companyId}/employees/salaries`.
pub fn salaries(ctx: &mut CallContext) -> OperationReply {
    per_employee(ctx, "salaries", true, |ctx, e| {
        e.salaries
            .iter()
            .map(|s| {
                let mut v = json!({
                    "salaryId": ctx.id(IdKind::Salary, s.id.int()),
                    "startDate": created(s.start_date),
                    "value": s.value.map(number),
                    "createdAt": created(s.creation_date),
                });
                if let Some(t) = s.salary_type.and_then(salary_type) {
                    v["type"] = json!(t);
                }
                v
            })
            .collect()
    })
}

/// `GET /api/companies/{companyId}/employees/schedules`.
pub fn schedules(ctx: &mut CallContext) -> OperationReply {
    use rust_decimal::prelude::ToPrimitive;
    per_employee(ctx, "schedules", true, |ctx, e| {
        let week = |h: &[Option<rust_decimal::Decimal>; 7]| {
            let names = [
                "hoursMonday",
                "hoursTuesday",
                "hoursWednesday",
                "hoursThursday",
                "hoursFriday",
                "hoursSaturday",
                "hoursSunday",
            ];
            Value::Object(names.iter().zip(h).map(|(n, d)| ((*n).to_owned(), d.map_or(Value::Null, number))).collect())
        };
        e.schedules
            .iter()
            .map(|s| {
                let total: rust_decimal::Decimal = s.hours_week1.iter().flatten().sum();
                let days = s.hours_week1.iter().flatten().filter(|d| !d.is_zero()).count();
                json!({
                    "scheduleId": ctx.id(IdKind::Schedule, s.id.trunc().to_i64().unwrap_or_default()),
                    "startDate": created(s.start_date),
                    "parttimePercentage": s.parttime_percentage.map_or(Value::Null, number),
                    "hoursPerWeek": number(total),
                    "daysPerWeek": days,
                    "week1": week(&s.hours_week1),
                    "week2": week(&s.hours_week2),
                    "createdAt": created(s.creation_date),
                })
            })
            .collect()
    })
}

/// `GET /api/companies/{companyId}/employees/addresses`: the snapshot's home address.
pub fn addresses(ctx: &mut CallContext) -> OperationReply {
    per_employee(ctx, "addresses", true, |ctx, e| {
        let s = &e.snapshot;
        if s.street.is_none() && s.city.is_none() {
            return Vec::new();
        }
        let current = ctx.d.companies.get(&e.company_id).map(|c| c.current_period);
        vec![json!({
            "addressId": ctx.id(IdKind::Address, e.id()),
            "isDefault": true,
            "type": "homeAddress",
            "street": s.street.clone().unwrap_or_default(),
            "houseNumber": s.house_number,
            "houseNumberAddition": s.house_number_addition,
            "postalCode": s.post_code,
            "city": s.city.clone().unwrap_or_default(),
            "countryISOCode": "NL",
            "period": current.map_or(json!({"year": 2000, "period": 1}), period_json),
            "createdAt": created(None),
        })]
    })
}

/// `GET /api/companies/{companyId}/employees/costperhour?year&period[&employeeId]`: the
/// estimated cost per hour as a string (the hourly wage when none is seeded).
pub fn cost_per_hour(ctx: &mut CallContext) -> OperationReply {
    let company = ctx.company()?;
    ctx.query_period(company)?;
    let (emps, total, p) = employee_page(ctx, true, |_| true)?;
    let rows = emps
        .iter()
        .map(|e| {
            let cost = e.cost_per_hour.or(e.snapshot.hourly_wage);
            json!({"employeeId": ctx.id(IdKind::Employee, e.id()), "costPerHour": cost.map(|c| c.to_string())})
        })
        .collect();
    Ok((StatusCode::OK, Some(envelope(rows, total, p, ctx.links))))
}
