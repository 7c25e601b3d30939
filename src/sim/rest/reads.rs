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
use super::respond::{Page, envelope, paged};
use crate::nmbrs::PayPeriod;
use crate::nmbrs::rest::{
    Address, BasicInfo, CostPerHour, Debtor, Employee, Field, Obj, PrivateInfo, WBirthInfo, WCompany, WContactInfo,
    WContract, WCurrentPeriod, WEmployment, WEndReason, WHourCode, WPeriod, WPersonalInfo, WSalary, WSchedule, WWeek,
    WageModel, WageModelCode, employee_type_word, period_type_word, salary_type_word,
};
use crate::sim::state::SimEmployee;

/// `createdAt` of seeded records that carry no creation date.
const EPOCH: chrono::NaiveDateTime = chrono::DateTime::UNIX_EPOCH.naive_utc();

pub(super) fn page(ctx: &CallContext, items: Vec<Value>) -> OperationReply {
    let p = asked_page(ctx.query, ctx.settings.default_page_size)?;
    Ok((StatusCode::OK, Some(paged(items, p, ctx.links))))
}

/// The page `pageNumber` and `pageSize` of the query ask for (`default_size` when unsent).
fn asked_page(query: &super::ctx::Query, default_size: usize) -> Result<Page, super::error::RestError> {
    let (number, size) = (query.get("pageNumber"), query.get("pageSize"));
    Page::parse_or(number.map(String::as_str), size.map(String::as_str), default_size)
}

/// Records served as the client's wire structs (`crate::nmbrs::rest::W…`), so their JSON is
/// declared once.
pub(super) fn served<T: serde::Serialize>(records: impl IntoIterator<Item = T>) -> Vec<Value> {
    records.into_iter().map(|r| serde_json::to_value(r).expect("a wire record is JSON")).collect()
}

/// A present value (`Field::Value`).
fn v<T>(t: T) -> Field<T> {
    Field::Value(t)
}

/// A nested object of a wire record.
fn obj<T>(t: T) -> Field<Obj<T>> {
    Field::Value(Obj(t))
}

/// The period of a record, the first period of 2000 when the company has none.
fn period_or_2000(p: Option<PayPeriod>) -> PayPeriod {
    p.unwrap_or(PayPeriod::new(2000, 1))
}

/// REST `employeeType` of the seeded v3 `EmployeeType` number (`payroll` for an unknown one).
pub fn employee_type(n: i32) -> &'static str {
    employee_type_word(n).unwrap_or("payroll")
}

/// REST gender of a seeded SOAP gender (`m`, `v`, `undefined`, …).
fn gender(g: &str) -> Field<String> {
    let word = match g.trim().to_ascii_lowercase().as_str() {
        "male" | "m" => "male",
        "female" | "f" | "v" => "female",
        "" | "undefined" | "unspecified" => "unspecified",
        _ => "unknown",
    };
    v(word.to_owned())
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
    let debtor = Debtor {
        debtor_id: ctx.uuid(IdKind::Debtor, DEBTOR).into(),
        number: Some("1".to_owned()),
        name: Some(ctx.domain.to_owned()),
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
    let item = WCurrentPeriod {
        period: obj(p.into()),
        period_type: v(period_type_word(c.period_type).to_owned()),
        display_period: v(format!("{} {}", p.year, p.period)),
    };
    page(ctx, served([item]))
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
    let items = models.into_iter().filter(|(_, codes)| !codes.is_empty()).map(|(n, codes)| {
        let codes = codes.iter().map(|w| WageModelCode {
            wage_code_id: Some(ctx.uuid(IdKind::WageCode, i64::from(id) * 1_000_000 + n * 100_000 + i64::from(w.code))),
            code: w.code,
            description: Some(w.description.clone().unwrap_or_default()),
            continuity_type: Some("variable".to_owned()),
        });
        WageModel {
            id: Some(ctx.uuid(IdKind::WageModel, i64::from(id) * 10 + n).into()),
            number: Some(i32::try_from(n).unwrap_or_default()),
            name: Some(format!("Wage model {n}")),
            wage_codes: codes.collect(),
        }
    });
    page(ctx, served(items.collect::<Vec<_>>()))
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

fn basic_info(e: &SimEmployee) -> BasicInfo {
    let s = &e.snapshot;
    BasicInfo {
        employee_number: Some(s.employee_number),
        first_name: s.first_name.as_deref().map(str::to_owned),
        prefix: s.prefix.as_deref().map(str::to_owned),
        initials: e.personal_infos.last().and_then(|p| p.initials.clone()),
        last_name: Some(s.last_name.as_deref().unwrap_or_default().to_owned()),
        employee_type: Some(employee_type(e.employee_type).to_owned()),
    }
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
    let p = asked_page(query, default_size)?;
    let shown = all[p.window(all.len())].iter().map(|e| (*e).clone()).collect();
    Ok((shown, all.len(), p))
}

/// Maps each employee of the company to `{employeeId, <key>: [...]}` (the envelope of every
/// company-wide per-employee read; its records are the client's wire structs).
fn per_employee<T: serde::Serialize>(
    ctx: &mut CallContext,
    key: &str,
    filtered: bool,
    items: impl Fn(&CallContext, &SimEmployee) -> Vec<T>,
) -> OperationReply {
    let (emps, total, p) = employee_page(ctx, filtered, |_| true)?;
    let rows = emps
        .iter()
        .map(|e| json!({"employeeId": ctx.id(IdKind::Employee, e.id()), key: served(items(ctx, e))}))
        .collect();
    Ok((StatusCode::OK, Some(envelope(rows, total, p, ctx.links))))
}

/// `GET /api/companies/{companyId}/employees?employeeType`.
pub fn employees(ctx: &mut CallContext) -> OperationReply {
    let wanted = ctx.query.get("employeeType").cloned();
    let keep = |e: &SimEmployee| wanted.as_deref().is_none_or(|w| w == employee_type(e.employee_type));
    let (emps, total, p) = employee_page(ctx, true, keep)?;
    let rows = emps.iter().map(|e| Employee {
        employee_id: ctx.uuid(IdKind::Employee, e.id()).into(),
        employee_basic_info: basic_info(e),
    });
    Ok((StatusCode::OK, Some(envelope(served(rows.collect::<Vec<_>>()), total, p, ctx.links))))
}

/// `contactInfo` of a seeded record: e-mail private and business; phone business, business
/// mobile, private, private mobile; the other phone (left out when missing).
fn contact_info(
    email: [Option<&str>; 2],
    phone: [Option<&str>; 4],
    other_phone: Field<String>,
) -> Field<Obj<WContactInfo>> {
    let [private_email, business_email] = email.map(|e| Field::from(e.map(str::to_owned)));
    let [business_phone, business_mobile_phone, private_phone, private_mobile_phone] =
        phone.map(|p| Field::from(p.map(str::to_owned)));
    obj(WContactInfo {
        private_email,
        business_email,
        business_phone,
        business_mobile_phone,
        private_phone,
        private_mobile_phone,
        other_phone,
    })
}

/// `GET /api/companies/{companyId}/employees/personalinfo`: personal info history (no BSN).
pub fn personal_info(ctx: &mut CallContext) -> OperationReply {
    per_employee(ctx, "info", true, |ctx, e| {
        let s = &e.snapshot;
        let current = ctx.d.companies.get(&e.company_id).map(|c| c.current_period);
        let from_history = e.personal_infos.iter().map(|p| WPersonalInfo {
            personal_info_id: v(ctx.uuid(IdKind::PersonalInfo, p.id.int())),
            basic_info: obj(BasicInfo {
                employee_number: Some(p.employee_number),
                first_name: p.first_name.clone(),
                prefix: p.prefix.clone(),
                initials: p.initials.clone(),
                last_name: Some(p.last_name.clone().unwrap_or_default()),
                employee_type: Some(employee_type(e.employee_type).to_owned()),
            }),
            birth_info: obj(WBirthInfo { birth_date: p.birthday.into(), gender: gender(&p.gender) }),
            contact_info: contact_info(
                [p.email_private.as_deref(), p.email_work.as_deref()],
                [
                    p.telephone_work.as_deref(),
                    p.telephone_mobile_work.as_deref(),
                    p.telephone_private.as_deref(),
                    p.telephone_mobile_private.as_deref(),
                ],
                p.telephone_other.clone().into(),
            ),
            period: obj(WPeriod { year: v(p.start_year), period: v(p.start_period) }),
            created_at: created(p.creation_date),
        });
        let mut out: Vec<WPersonalInfo> = from_history.collect();
        if out.is_empty() {
            out.push(WPersonalInfo {
                personal_info_id: v(ctx.uuid(IdKind::PersonalInfo, i64::from(e.id()) * 1000)),
                basic_info: obj(basic_info(e)),
                birth_info: obj(WBirthInfo { birth_date: s.birthday.into(), gender: gender(&s.gender) }),
                contact_info: contact_info(
                    [s.email_private.as_deref(), s.email_work.as_deref()],
                    [
                        s.telephone_work.as_deref(),
                        s.telephone_mobile_work.as_deref(),
                        s.telephone_private.as_deref(),
                        s.telephone_mobile_private.as_deref(),
                    ],
                    Field::Missing,
                ),
                period: obj(period_or_2000(current).into()),
                created_at: created(None),
            });
        }
        out
    })
}

/// `GET /api/companies/{companyId}/employees/privateInfos`: the BSN history of every employee
/// (the file declares no `employeeId` filter here; Nmbrs ignores one, REST-NOTES §3 item 6).
pub fn private_infos(ctx: &mut CallContext) -> OperationReply {
    per_employee(ctx, "privateInfos", false, |_, e| {
        let record =
            |bsn: String, at: Option<chrono::NaiveDateTime>| PrivateInfo { bsn, created_at: Some(at.unwrap_or(EPOCH)) };
        let history: Vec<PrivateInfo> = e
            .personal_infos
            .iter()
            .filter_map(|p| p.bsn.as_ref().map(|b| record(b.clone(), p.creation_date)))
            .collect();
        if history.is_empty() { e.snapshot.bsn.iter().map(|b| record(b.to_string(), None)).collect() } else { history }
    })
}

/// `createdAt` of a seeded record: its creation date, else [`EPOCH`].
fn created(d: Option<chrono::NaiveDateTime>) -> Field<chrono::NaiveDateTime> {
    v(d.unwrap_or(EPOCH))
}

/// `GET /api/companies/{companyId}/employees/contracts`.
pub fn contracts(ctx: &mut CallContext) -> OperationReply {
    per_employee(ctx, "contracts", true, |ctx, e| {
        let contract = |c: &crate::nmbrs::Contract| WContract {
            contract_id: v(ctx.uuid(IdKind::Contract, c.contract_id.int())),
            start_date: c.start_date.into(),
            trial_period: c.trial_period.into(),
            end_date: c.end_date.into(),
            indefinite: c.indefinite.into(),
            written_contract: c.written_contract.into(),
            hours_per_week: c.hours_per_week.into(),
            created_at: created(c.creation_date),
        };
        e.contracts.iter().map(contract).collect()
    })
}

/// `GET /api/companies/{companyId}/employees/employments`: one employment per contract.
pub fn employments(ctx: &mut CallContext) -> OperationReply {
    per_employee(ctx, "employments", true, |ctx, e| {
        let employment = |c: &crate::nmbrs::Contract| WEmployment {
            employment_id: v(ctx.uuid(IdKind::Employment, c.contract_id.int())),
            creation_date: c.creation_date.into(),
            start_date: c.start_date.into(),
            end_date: c.end_date.into(),
            seniority_date: c.start_date.into(),
            end_contract_reason: obj(WEndReason::default()),
            changed_date: created(c.creation_date),
        };
        e.contracts.iter().map(employment).collect()
    })
}

/// `GET /api/companies/{companyId}/employees/salaries` (`type` left out when the seeded
/// number has no REST word).
pub fn salaries(ctx: &mut CallContext) -> OperationReply {
    per_employee(ctx, "salaries", true, |ctx, e| {
        let salary = |s: &crate::nmbrs::Salary| WSalary {
            salary_id: v(ctx.uuid(IdKind::Salary, s.id.int())),
            start_date: created(s.start_date),
            value: s.value.into(),
            salary_type: s.salary_type.and_then(salary_type_word).map(str::to_owned).into(),
            created_at: created(s.creation_date),
        };
        e.salaries.iter().map(salary).collect()
    })
}

/// `GET /api/companies/{companyId}/employees/schedules`.
pub fn schedules(ctx: &mut CallContext) -> OperationReply {
    use rust_decimal::prelude::ToPrimitive;
    per_employee(ctx, "schedules", true, |ctx, e| {
        let week = |h: &[Option<rust_decimal::Decimal>; 7]| obj(WWeek::of(h.map(Field::from)));
        let schedule = |s: &crate::nmbrs::Schedule| {
            let total: rust_decimal::Decimal = s.hours_week1.iter().flatten().sum();
            let days = s.hours_week1.iter().flatten().filter(|d| !d.is_zero()).count();
            WSchedule {
                schedule_id: v(ctx.uuid(IdKind::Schedule, s.id.trunc().to_i64().unwrap_or_default())),
                start_date: created(s.start_date),
                parttime_percentage: s.parttime_percentage.into(),
                hours_per_week: v(total),
                days_per_week: v(days.into()),
                week1: week(&s.hours_week1),
                week2: week(&s.hours_week2),
                created_at: created(s.creation_date),
            }
        };
        e.schedules.iter().map(schedule).collect()
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
        vec![Address {
            address_id: Some(ctx.uuid(IdKind::Address, e.id())),
            is_default: Some(true),
            address_type: Some("homeAddress".to_owned()),
            street: Some(s.street.as_deref().unwrap_or_default().to_owned()),
            house_number: s.house_number.as_deref().map(str::to_owned),
            house_number_addition: s.house_number_addition.as_deref().map(str::to_owned),
            postal_code: s.post_code.as_deref().map(str::to_owned),
            city: Some(s.city.as_deref().unwrap_or_default().to_owned()),
            country_iso_code: Some("NL".to_owned()),
            period: Some(period_or_2000(current)),
            created_at: Some(EPOCH),
        }]
    })
}

/// `GET /api/companies/{companyId}/employees/costperhour?year&period[&employeeId]`: the
/// estimated cost per hour as a string (the hourly wage when none is seeded).
pub fn cost_per_hour(ctx: &mut CallContext) -> OperationReply {
    let company = ctx.company()?;
    ctx.query_period(company)?;
    let (emps, total, p) = employee_page(ctx, true, |_| true)?;
    let rows = emps.iter().map(|e| CostPerHour {
        employee_id: ctx.uuid(IdKind::Employee, e.id()).into(),
        cost_per_hour: e.cost_per_hour.or(e.snapshot.hourly_wage),
    });
    Ok((StatusCode::OK, Some(envelope(served(rows.collect::<Vec<_>>()), total, p, ctx.links))))
}
