//! The Nmbrs rules the simulator enforces, one arm per operation: 1001 bad auth, 1002
//! disabled operation, 1003 no access to the company, 2001/2002 unknown code, 2003
//! unknown employee, 2004 unknown company, 2006 bad period, 2011 write before the current
//! period without `UnprotectedMode`, and `false` for a delete of an unknown id. Answers
//! are written with the same record tables the client reads.

use crate::sim::SimId;
use rust_decimal::Decimal;

use super::request::{ClientFault, SoapRequest};
use super::state::{LineInfo, SimCompany, SimDomain, SimEmployee, SimState, SimUser};
use crate::nmbrs::soap::envelope::SoapWriter;
use crate::nmbrs::soap::records::{HistoryEntry, HistoryRecord, Record};
use crate::nmbrs::*;

/// Why a call fails: an Nmbrs business fault (`soap:Server`) or a malformed request.
#[derive(Debug)]
pub enum SimError {
    Nmbrs(u32, String),
    Client(ClientFault),
}

impl From<ClientFault> for SimError {
    fn from(c: ClientFault) -> Self {
        SimError::Client(c)
    }
}

fn nmbrs(code: u32, message: &str) -> SimError {
    SimError::Nmbrs(code, message.to_owned())
}

/// Writes `<{op}Response xmlns=…>` around `content`.
fn respond(op: Operation, content: impl FnOnce(&mut SoapWriter)) -> Vec<u8> {
    SoapWriter::new().envelope(None, |w| {
        w.start(&format!("{}Response", op.name()), &[("xmlns", op.service().namespace())]);
        content(w);
        w.end(&format!("{}Response", op.name()));
    })
}

fn scalar(op: Operation, text: &str) -> Vec<u8> {
    respond(op, |w| w.leaf(&format!("{}Result", op.name()), text))
}

fn list<'a, T: Record + 'a>(op: Operation, item: &str, items: impl IntoIterator<Item = &'a T>) -> Vec<u8> {
    respond(op, |w| {
        let result = format!("{}Result", op.name());
        w.start(&result, &[]);
        for i in items {
            w.start(item, &[]);
            i.write(w);
            w.end(item);
        }
        w.end(&result);
    })
}

fn history<T: HistoryRecord + Clone>(
    op: Operation,
    employees: &[&SimEmployee],
    pick: impl Fn(&SimEmployee) -> &Vec<T>,
) -> Vec<u8> {
    let entries: Vec<HistoryEntry<T>> =
        employees.iter().map(|e| PerEmployee { employee_id: e.id().into(), items: pick(e).clone() }.into()).collect();
    list(op, T::ENTRY, &entries)
}

/// Checks auth (1001) and the operation right (1002); returns the domain and user.
fn authorize<'s>(state: &'s mut SimState, req: &SoapRequest) -> Result<(&'s mut SimDomain, SimUser), SimError> {
    let bad_auth = || nmbrs(1001, "Invalid Authentication");
    let domain = state.domains.get_mut(&req.domain).ok_or_else(bad_auth)?;
    let user = domain
        .users
        .get(&req.username)
        .filter(|u| !u.token.is_empty() && u.token == req.token)
        .cloned()
        .ok_or_else(bad_auth)?;
    if user.denied.contains(req.operation.name()) {
        return Err(nmbrs(1002, "Unauthorized Access"));
    }
    Ok((domain, user))
}

fn company<'d>(d: &'d SimDomain, user: &SimUser, id: i32) -> Result<&'d SimCompany, SimError> {
    let c = d.companies.get(&id).ok_or_else(|| nmbrs(2004, "Unauthorized Access"))?;
    if user.companies.as_ref().is_some_and(|set| !set.contains(&id)) {
        return Err(nmbrs(1003, "Unauthorized Access Data"));
    }
    Ok(c)
}

/// The employee and its company, checking visibility.
fn employee<'d>(d: &'d SimDomain, user: &SimUser, id: i32) -> Result<(&'d SimEmployee, &'d SimCompany), SimError> {
    let e = d.employees.get(&id).ok_or_else(|| nmbrs(2003, "Unauthorized Access"))?;
    let c = company(d, user, e.company_id).map_err(|err| match err {
        SimError::Nmbrs(2004, _) => nmbrs(2003, "Unauthorized Access"),
        other => other,
    })?;
    Ok((e, c))
}

/// Validates `(Year, Period)` against the company's frequency (2006).
fn period(req: &SoapRequest, c: &SimCompany, year: &str, per: &str) -> Result<PayPeriod, SimError> {
    let (y, p) = (req.int(year)?, req.int(per)?);
    u8::try_from(p)
        .ok()
        .map(|p| PayPeriod::new(y, p))
        .and_then(|pp| pp.validate(c.period_type).ok())
        .ok_or_else(|| nmbrs(2006, "Invalid Period"))
}

/// Refuses a write before the current period without `UnprotectedMode` (2011).
fn writable(req: &SoapRequest, c: &SimCompany, p: PayPeriod) -> Result<(), SimError> {
    if p < c.current_period && !req.bool("UnprotectedMode")? {
        return Err(nmbrs(2011, "Protected Mode: Cannot Change in the Past"));
    }
    Ok(())
}

fn has_code(codes: [&Vec<ModelCode>; 2], code: i32) -> bool {
    codes.iter().any(|list| list.iter().any(|c| c.code == code))
}

/// Runs one checked request against the state and returns the response body.
pub fn execute(state: &mut SimState, req: &SoapRequest) -> Result<Vec<u8>, SimError> {
    use Operation as Op;
    let op = req.operation;
    let (d, user) = authorize(state, req)?;
    let body = match op {
        Op::ListGetAll => {
            let visible = d
                .companies
                .values()
                .filter(|c| user.companies.as_ref().is_none_or(|set| set.contains(&c.company.id.int())));
            list(op, "Company", visible.map(|c| &c.company))
        }
        Op::CompanyGetCurrentPeriod => {
            let c = company(d, &user, req.int("CompanyId")?)?;
            let current = CurrentPeriod { period: c.current_period, kind: c.period_type };
            scalar(op, &current.to_string())
        }
        Op::HourModelGetHourCodes
        | Op::HourModel2GetHourCodes
        | Op::WageModelGetWageCodes
        | Op::WageModel2GetWageCodes => {
            let c = company(d, &user, req.int("CompanyId")?)?;
            let (codes, item) = match op {
                Op::HourModelGetHourCodes => (&c.hour_codes, "HourCode"),
                Op::HourModel2GetHourCodes => (&c.hour_codes2, "HourCode"),
                Op::WageModelGetWageCodes => (&c.wage_codes, "WageCode"),
                _ => (&c.wage_codes2, "WageCode"),
            };
            list(op, item, codes)
        }
        Op::ListGetByCompany => {
            let cid = company(d, &user, req.int("CompanyId")?)?.company.id.int();
            let wanted = req.int("EmployeeType")?;
            let items: Vec<EmployeeListItem> = d
                .employees
                .values()
                .filter(|e| e.company_id == cid && e.employee_type == wanted)
                .map(|e| EmployeeListItem {
                    id: e.id().into(),
                    number: e.snapshot.employee_number,
                    display_name: Some(display_name(&e.snapshot)),
                })
                .collect();
            list(op, "Employee", &items)
        }
        Op::PersonalInfoContractSalaryAddressGetAll
        | Op::PersonalInfoGetAll
        | Op::ScheduleGetAll
        | Op::ContractGetAll
        | Op::SalaryGetAll => {
            let cid = company(d, &user, req.int("CompanyID")?)?.company.id.int();
            let emps: Vec<&SimEmployee> = d.employees.values().filter(|e| e.company_id == cid).collect();
            match op {
                Op::PersonalInfoContractSalaryAddressGetAll => {
                    list(op, "PersonalInfoContractSalaryAddress", emps.iter().map(|e| &e.snapshot))
                }
                Op::PersonalInfoGetAll => history(op, &emps, |e| &e.personal_infos),
                Op::ScheduleGetAll => history(op, &emps, |e| &e.schedules),
                Op::ContractGetAll => history(op, &emps, |e| &e.contracts),
                _ => history(op, &emps, |e| &e.salaries),
            }
        }
        Op::SalaryGetEstimatedCostPerHour => {
            let (e, c) = employee(d, &user, req.int("employeeId")?)?;
            period(req, c, "year", "period")?;
            let cost: Decimal = e.cost_per_hour.or(e.snapshot.hourly_wage).unwrap_or_default();
            scalar(op, &cost.to_string())
        }
        Op::HourComponentVarGet | Op::WageComponentVarGet | Op::DaysVarGet => {
            let (e, c) = employee(d, &user, req.int("EmployeeId")?)?;
            let p = period(req, c, "Year", "Period")?;
            let key = (e.id(), p.year, p.period);
            match op {
                Op::HourComponentVarGet => list(op, "HourComponent", d.hour_components.get(&key).into_iter().flatten()),
                Op::WageComponentVarGet => list(op, "WageComponent", d.wage_components.get(&key).into_iter().flatten()),
                _ => scalar(op, &d.days.get(&key).copied().unwrap_or(0).to_string()),
            }
        }
        Op::DaysVarSet => {
            let (e, c) = employee(d, &user, req.int("EmployeeId")?)?;
            let p = period(req, c, "Year", "Period")?;
            writable(req, c, p)?;
            let days = req.int("Days")?;
            let key = (e.id(), p.year, p.period);
            d.days.insert(key, days);
            respond(op, |_| {})
        }
        Op::HourComponentVarInsert | Op::WageComponentVarInsert => {
            let hours = op == Op::HourComponentVarInsert;
            let (e, c) = employee(d, &user, req.int("EmployeeId")?)?;
            let p = period(req, c, "Year", "Period")?;
            writable(req, c, p)?;
            let group = if hours { "Hourcomponent" } else { "WageComponent" };
            let (code, value) = req.component(group)?;
            let key = (e.id(), p.year, p.period);
            if hours && !has_code([&c.hour_codes, &c.hour_codes2], code) {
                return Err(nmbrs(2001, "Invalid Hour component"));
            }
            if !hours && !has_code([&c.wage_codes, &c.wage_codes2], code) {
                return Err(nmbrs(2002, "Invalid Wage Component"));
            }
            d.next_id += 1;
            let id = d.next_id;
            // What the REST face shows of the line beyond id, code and value.
            d.line_info.insert(
                id,
                LineInfo {
                    comment: req.group_text(group, "Comment"),
                    cost_center_id: req.group_text(group, "CostCenterId"),
                    cost_unit_id: req.group_text(group, "CostUnitId"),
                    created_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
                    via_soap: true,
                },
            );
            if hours {
                d.hour_components.entry(key).or_default().push(HourComponentLine {
                    id: id.into(),
                    hour_code: code,
                    hours: Hours(value),
                    comment: None,
                });
            } else {
                d.wage_components.entry(key).or_default().push(WageComponentLine {
                    id: id.into(),
                    code,
                    value: Amount(value),
                    comment: None,
                });
            }
            scalar(op, &id.to_string())
        }
        Op::HourComponentDelete | Op::WageComponentDelete => {
            let (e, _) = employee(d, &user, req.int("EmployeeId")?)?;
            let eid = e.id();
            let deleted = if op == Op::HourComponentDelete {
                let id = req.int("HourComponentID")?;
                remove_line(&mut d.hour_components, eid, |l| l.id.int() == id)
            } else {
                let id = req.int("WageComponentID")?;
                remove_line(&mut d.wage_components, eid, |l| l.id.int() == id)
            };
            scalar(op, if deleted { "true" } else { "false" })
        }
    };
    Ok(body)
}

fn remove_line<T>(
    map: &mut std::collections::BTreeMap<super::state::PeriodKey, Vec<T>>,
    employee: i32,
    matches: impl Fn(&T) -> bool,
) -> bool {
    for ((e, _, _), lines) in map.iter_mut() {
        if *e == employee
            && let Some(i) = lines.iter().position(&matches)
        {
            lines.remove(i);
            return true;
        }
    }
    false
}

/// `First Prefix Last`, as Nmbrs shows employees.
pub fn display_name(s: &EmployeeSnapshot) -> String {
    [&s.first_name, &s.prefix, &s.last_name]
        .into_iter()
        .flatten()
        .map(Text::as_str)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
