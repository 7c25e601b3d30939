//! One method per need of the jobs (REST-NOTES §2), each documented with its REST method,
//! path and the scopes the OpenAPI file lists (any one suffices). Reads are company-wide
//! wherever the API allows (CONTRACT §5.3) and follow paging to the end; every read of
//! period-bound lines and every write names the year and period explicitly, never relying on
//! the API's "current period" default; writes send `unprotectedMode` as asked (only for a
//! closed period the export may write, `allow_closed_period`). History reads (personal info,
//! BSNs, contracts, employments, salaries, schedules, addresses) answer one entry per employee
//! and the latest record per start only ([`history`]); numbers are the decimals Nmbrs meant
//! (`wire`).
//!
//! Failures are [`NmbrsError::Rest`] with their [`crate::nmbrs::ErrorKind`] decided (see
//! `error.rs`). POST inserts whose reply was lost are `OutcomeUnknown`; PUT and DELETE are
//! repeated safely; a DELETE of a line Nmbrs does not know answers [`Deleted::AlreadyGone`].

use serde::Serialize;
use serde_json::Value;

use super::client::{RestClient, RestRequest};
use super::error::RestFailure;
use super::history;
use super::ids::*;
use super::operation::RestOperation as Op;
use super::records::*;
use super::wire::{self, PeriodPost};
use crate::domain::employment_periods::Employment;
use crate::nmbrs::http::bounded;
use crate::nmbrs::{
    Company, Contract, CurrentPeriod, ErrorKind, HourComponentLine, Listed, ModelCode, NmbrsError, PayPeriod,
    PersonalInfo, Salary, Schedule, WageComponentLine,
};

/// 403 code of `GET /api/companies` for a consent spanning several debtors (REST-NOTES §1).
const MULTI_DEBTOR: u32 = 40306;

fn period_query(p: PayPeriod) -> Vec<(&'static str, String)> {
    vec![("year", p.year.to_string()), ("period", p.period.to_string())]
}

fn json(body: impl Serialize) -> Option<Value> {
    Some(serde_json::to_value(body).expect("request bodies always serialise"))
}

fn unreadable_answer(op: Op, message: String) -> NmbrsError {
    let message = bounded(&message);
    NmbrsError::Rest { operation: op, failure: Box::new(RestFailure::Malformed { message }), kind: ErrorKind::Unknown }
}

impl RestClient {
    async fn write(&self, op: Op, path: String, body: Option<Value>) -> Result<Vec<u8>, NmbrsError> {
        Ok(self.call(&RestRequest { op, path, query: Vec::new(), body }).await?.body)
    }

    /// `GET /api/companies` [company.info | company.info.read]: the companies the consent
    /// covers, with their (string) company number. A consent spanning several debtors is
    /// refused there (403 `40306`, REST-NOTES §1 [M]); then the debtors are walked instead
    /// ([`Self::debtors`], [`Self::debtor_companies`]).
    pub async fn companies(&self) -> Result<Listed<Company>, NmbrsError> {
        match self.get_all(Op::Companies, "/api/companies".into(), Vec::new()).await {
            Ok(items) => Ok(wire::flat(&items, wire::company)),
            Err(e) if e.nmbrs_code() == Some(MULTI_DEBTOR) => {
                tracing::info!("the consent spans several debtors; reading companies per debtor");
                let debtors = self.debtors().await?;
                let mut all = Listed { items: Vec::new(), unreadable: debtors.unreadable };
                for debtor in debtors.items {
                    let companies = self.debtor_companies(debtor.debtor_id).await?;
                    all.items.extend(companies.items);
                    all.unreadable.extend(companies.unreadable);
                }
                Ok(all)
            }
            Err(e) => Err(e),
        }
    }

    /// `GET /api/debtors` [company.info | company.info.read]: the debtors the consent covers.
    pub async fn debtors(&self) -> Result<Listed<wire::Debtor>, NmbrsError> {
        let items = self.get_all(Op::Debtors, "/api/debtors".into(), Vec::new()).await?;
        Ok(wire::flat(&items, wire::checked))
    }

    /// `GET /api/debtors/{debtorId}/companies` [company.info.read | company.info]: one debtor's
    /// companies.
    pub async fn debtor_companies(&self, debtor: DebtorUuid) -> Result<Listed<Company>, NmbrsError> {
        let items = self.get_all(Op::DebtorCompanies, format!("/api/debtors/{debtor}/companies"), Vec::new()).await?;
        Ok(wire::flat(&items, wire::company))
    }

    /// `GET /api/companies/{companyId}/period` [company.info.read | company.info]: the current
    /// period and the company's period type. A reply without a period (no item, or its `period`
    /// null or absent) is [`ErrorKind::NoCurrentPeriod`], as SOAP's answer without a result; one
    /// whose period cannot be read is an unreadable response ([`ErrorKind::Unknown`]).
    pub async fn current_period(&self, company: CompanyUuid) -> Result<CurrentPeriod, NmbrsError> {
        let items = self.get_all(Op::CurrentPeriod, format!("/api/companies/{company}/period"), Vec::new()).await?;
        period_answer(&items)
    }

    /// `GET /api/companies/{companyId}/hourcodes` [company.payrollsettings.read]: the
    /// company's hour codes (REST has no hour-model selector, REST-NOTES §2 [L]).
    pub async fn hour_codes(&self, company: CompanyUuid) -> Result<Listed<ModelCode>, NmbrsError> {
        let items = self.get_all(Op::HourCodes, format!("/api/companies/{company}/hourcodes"), Vec::new()).await?;
        Ok(wire::flat(&items, wire::hour_code))
    }

    /// `GET /api/companies/{companyId}/wagemodels?year&period` [company.payrollsettings.read]:
    /// the wage models of `period` with their wage codes.
    pub async fn wage_models(
        &self,
        company: CompanyUuid,
        period: PayPeriod,
    ) -> Result<Listed<wire::WageModel>, NmbrsError> {
        let path = format!("/api/companies/{company}/wagemodels");
        let items = self.get_all(Op::WageModels, path, period_query(period)).await?;
        Ok(wire::wage_models(&items))
    }

    /// `GET /api/companies/{companyId}/employees[?employeeType]` [employee.info |
    /// employee.info.read]: the company's employees with employee number and names.
    pub async fn employees(
        &self,
        company: CompanyUuid,
        employee_type: Option<&str>,
    ) -> Result<Listed<wire::Employee>, NmbrsError> {
        let query = employee_type.map(|t| vec![("employeeType", t.to_owned())]).unwrap_or_default();
        let mut out = Listed::default();
        let path = format!("/api/companies/{company}/employees");
        self.get_pages(Op::Employees, path, query, |page| out.append(wire::flat(&page, wire::checked))).await?;
        Ok(out)
    }

    async fn per_employee<T: Send>(
        &self,
        op: Op,
        company: CompanyUuid,
        key: &'static str,
        query: Vec<(&'static str, String)>,
        convert: impl Fn(&Value) -> Result<T, wire::Unread> + Sync,
    ) -> Result<Listed<ByEmployee<T>>, NmbrsError> {
        let path = op.template().replace("{companyId}", &company.to_string());
        // Page by page: each page's JSON is dropped once its records are typed.
        let mut out = Listed::default();
        self.get_pages(op, path, query, |page| out.append(wire::by_employee(&page, key, &convert))).await?;
        Ok(out)
    }

    /// A company-wide history read: all pages, then one entry per employee and the latest
    /// record per start ([`history::latest_records`], issue 23).
    pub(super) async fn history<T: history::Versioned + Send>(
        &self,
        op: Op,
        company: CompanyUuid,
        key: &'static str,
        convert: impl Fn(&Value) -> Result<T, wire::Unread> + Sync,
    ) -> Result<Listed<ByEmployee<T>>, NmbrsError> {
        Ok(history::latest_records(self.per_employee(op, company, key, Vec::new(), convert).await?))
    }

    /// `GET /api/companies/{companyId}/employees/personalinfo` [employee.info |
    /// employee.info.read]: every employee's personal-info history (no BSN).
    pub async fn personal_infos(&self, company: CompanyUuid) -> Result<Listed<ByEmployee<PersonalInfo>>, NmbrsError> {
        self.history(Op::PersonalInfo, company, "info", wire::personal_info).await
    }

    /// `GET /api/companies/{companyId}/employees/privateInfos` [employee.info |
    /// employee.info.read]: every employee's BSN history (Nmbrs ignores an `employeeId`
    /// filter here, so none is sent).
    pub async fn bsns(&self, company: CompanyUuid) -> Result<Listed<ByEmployee<wire::PrivateInfo>>, NmbrsError> {
        self.history(Op::PrivateInfos, company, "privateInfos", wire::checked).await
    }

    /// `GET /api/companies/{companyId}/employees/contracts` [employee.employment |
    /// employee.employment.read]: every employee's contracts.
    pub async fn contracts(&self, company: CompanyUuid) -> Result<Listed<ByEmployee<Contract>>, NmbrsError> {
        self.history(Op::Contracts, company, "contracts", wire::contract).await
    }

    /// `GET /api/companies/{companyId}/employees/employments` [employee.employment.read |
    /// employee.employment]: every employee's employments (start, end).
    pub async fn employments(&self, company: CompanyUuid) -> Result<Listed<ByEmployee<Employment>>, NmbrsError> {
        self.history(Op::Employments, company, "employments", wire::employment).await
    }

    /// `GET /api/companies/{companyId}/employees/salaries` [employee.employment |
    /// employee.employment.read]: every employee's salaries.
    pub async fn salaries(&self, company: CompanyUuid) -> Result<Listed<ByEmployee<Salary>>, NmbrsError> {
        self.history(Op::Salaries, company, "salaries", wire::salary).await
    }

    /// `GET /api/companies/{companyId}/employees/schedules` [employee.employment |
    /// employee.employment.read]: every employee's schedules.
    pub async fn schedules(&self, company: CompanyUuid) -> Result<Listed<ByEmployee<Schedule>>, NmbrsError> {
        self.history(Op::Schedules, company, "schedules", wire::schedule).await
    }

    /// `GET /api/companies/{companyId}/employees/addresses` [employee.info |
    /// employee.info.read]: every employee's address history.
    pub async fn addresses(&self, company: CompanyUuid) -> Result<Listed<ByEmployee<wire::Address>>, NmbrsError> {
        self.history(Op::Addresses, company, "addresses", wire::checked).await
    }

    /// `GET /api/companies/{companyId}/employees/costperhour?year&period` [employee.employment |
    /// employee.employment.read]: the estimated cost per hour of every employee in `period`,
    /// in one company-wide read (SOAP needed one call per employee).
    pub async fn costs_per_hour(
        &self,
        company: CompanyUuid,
        period: PayPeriod,
    ) -> Result<Listed<wire::CostPerHour>, NmbrsError> {
        let path = format!("/api/companies/{company}/employees/costperhour");
        let items = self.get_all(Op::CostPerHour, path, period_query(period)).await?;
        Ok(wire::flat(&items, wire::checked))
    }

    /// `GET /api/employees/{employeeId}/variablehours?year&period` [employee.payment |
    /// employee.payment.read]: the employee's variable hour lines of `period` (REST has no
    /// company-wide read of these).
    pub async fn variable_hours(
        &self,
        employee: EmployeeUuid,
        period: PayPeriod,
    ) -> Result<Listed<HourComponentLine>, NmbrsError> {
        let path = format!("/api/employees/{employee}/variablehours");
        let items = self.get_all(Op::HoursGet, path, period_query(period)).await?;
        Ok(wire::lines(employee, &items, wire::hour_line, wire::HOUR_LINE))
    }

    /// `POST /api/employees/{employeeId}/variablehours` [employee.payment]: inserts a line in
    /// `period` (with `unprotectedMode: unprotected`) and answers its id. Not repeat-safe: a
    /// reply lost after the request left is [`ErrorKind::OutcomeUnknown`]; put a marker unique
    /// to the insert intent in `comment` so a read-back can adopt exactly this line.
    pub async fn insert_variable_hours(
        &self,
        employee: EmployeeUuid,
        line: &NewHourLine,
        period: PayPeriod,
        unprotected: bool,
    ) -> Result<HourComponentUuid, NmbrsError> {
        let op = Op::HoursPost;
        let body = wire::HourPost {
            hour_code: line.hour_code.0,
            hours: wire::number(line.hours.0),
            comment: line.comment.as_deref(),
            period_details: PeriodPost::new(period, unprotected),
        };
        let reply = self.write(op, format!("/api/employees/{employee}/variablehours"), json(body)).await?;
        answered(op, &reply, "hourComponentId").map(HourComponentUuid)
    }

    /// `PUT /api/employees/{employeeId}/variablehours` [employee.payment]: sets line `id` to
    /// the whole `line` (its code, hours and comment) in `period`, named, in place: right both
    /// where a PUT changes only what it is sent and where it replaces the line (omitted fields
    /// cleared, a missing period read as the current one; REST-NOTES §7 [L], issue 18). A
    /// `None` comment is left out. Repeat-safe, so retried.
    /// Setting 0 is how a line of a closed period is emptied (DELETE has no `unprotectedMode`).
    pub async fn update_variable_hours(
        &self,
        employee: EmployeeUuid,
        id: HourComponentUuid,
        line: &NewHourLine,
        period: PayPeriod,
        unprotected: bool,
    ) -> Result<HourComponentUuid, NmbrsError> {
        let op = Op::HoursPut;
        let body = wire::HourPut {
            hour_component_id: id.0,
            hour_code: Some(line.hour_code.0),
            hours: Some(wire::number(line.hours.0)),
            comment: line.comment.as_deref(),
            period_details: PeriodPost::new(period, unprotected),
        };
        let reply = self.write(op, format!("/api/employees/{employee}/variablehours"), json(body)).await?;
        answered(op, &reply, "hourComponentId").map(HourComponentUuid)
    }

    /// `DELETE /api/employees/{employeeId}/hours/{hourComponentId}` [employee.payment]: no
    /// period, no `unprotectedMode`. Repeat-safe; 404 `40401` → [`Deleted::AlreadyGone`].
    pub async fn delete_variable_hours(
        &self,
        employee: EmployeeUuid,
        id: HourComponentUuid,
    ) -> Result<Deleted, NmbrsError> {
        gone_is_done(self.write(Op::HoursDelete, format!("/api/employees/{employee}/hours/{id}"), None).await)
    }

    /// `GET /api/companies/{companyId}/employees/variablewagecomponents?year&period`
    /// [employee.payment.read | employee.payment]: the variable wage lines of `period` of every
    /// employee of the company, in one company-wide read.
    pub async fn variable_wages(
        &self,
        company: CompanyUuid,
        period: PayPeriod,
    ) -> Result<Listed<ByEmployee<WageComponentLine>>, NmbrsError> {
        let path = format!("/api/companies/{company}/employees/variablewagecomponents");
        let items = self.get_all(Op::WagesGet, path, period_query(period)).await?;
        Ok(wire::by_employee_lines(&items, "variablewagecomponents", wire::wage_line, Some(wire::WAGE_LINE)))
    }

    /// `POST /api/employees/{employeeId}/variablewagecomponent` [employee.payment]: inserts a
    /// wage line (period flat, `unprotectedMode` beside it, SOURCES.md). Not repeat-safe, as
    /// [`Self::insert_variable_hours`].
    pub async fn insert_variable_wage(
        &self,
        employee: EmployeeUuid,
        line: &NewWageLine,
        period: PayPeriod,
        unprotected: bool,
    ) -> Result<WageComponentUuid, NmbrsError> {
        let op = Op::WagePost;
        let body = wire::WagePost {
            code: line.code.0,
            value: wire::number(line.value.0),
            comment: line.comment.as_deref(),
            period_details: period.into(),
            unprotected_mode: unprotected,
        };
        let reply = self.write(op, format!("/api/employees/{employee}/variablewagecomponent"), json(body)).await?;
        answered(op, &reply, "variableWagecomponentId").map(WageComponentUuid)
    }

    /// `PUT /api/employees/{employeeId}/variablewagecomponent` [employee.payment]: sets line
    /// `id` to the whole `line` (code, value, comment) in `period`, named (nested), in place, as
    /// [`RestClient::update_variable_hours`]. Repeat-safe.
    pub async fn update_variable_wage(
        &self,
        employee: EmployeeUuid,
        id: WageComponentUuid,
        line: &NewWageLine,
        period: PayPeriod,
        unprotected: bool,
    ) -> Result<WageComponentUuid, NmbrsError> {
        let op = Op::WagePut;
        let body = wire::WagePut {
            variable_wagecomponent_id: id.0,
            code: Some(line.code.0),
            value: Some(wire::number(line.value.0)),
            comment: line.comment.as_deref(),
            period_details: PeriodPost::new(period, unprotected),
        };
        let reply = self.write(op, format!("/api/employees/{employee}/variablewagecomponent"), json(body)).await?;
        answered(op, &reply, "variableWagecomponentId").map(WageComponentUuid)
    }

    /// `DELETE /api/employees/{employeeId}/wagecomponents/{wagecomponentId}` [employee.payment]:
    /// repeat-safe; 404 `40401` → [`Deleted::AlreadyGone`].
    pub async fn delete_variable_wage(
        &self,
        employee: EmployeeUuid,
        id: WageComponentUuid,
    ) -> Result<Deleted, NmbrsError> {
        gone_is_done(self.write(Op::WageDelete, format!("/api/employees/{employee}/wagecomponents/{id}"), None).await)
    }

    /// `GET /api/employees/{employeeId}/variabledays?year&period` [employee.payment |
    /// employee.payment.read]: the days records of `period` ([`DaysInPeriod::total`] is the number
    /// in effect). A record without readable `days` fails the read (the export decides on it).
    pub async fn variable_days(&self, employee: EmployeeUuid, period: PayPeriod) -> Result<DaysInPeriod, NmbrsError> {
        let op = Op::DaysGet;
        let items = self.get_all(op, format!("/api/employees/{employee}/variabledays"), period_query(period)).await?;
        let records = items
            .iter()
            .map(wire::days)
            .collect::<Result<Vec<i32>, _>>()
            .map_err(|(field, problem)| unreadable_answer(op, format!("{field}: {problem}")))?;
        Ok(DaysInPeriod { records })
    }

    /// `POST /api/employees/{employeeId}/variabledays` [employee.payment]: posts `days` for
    /// `period`. Whether Nmbrs then replaces or adds to the period's days is not documented
    /// (REST-NOTES §2 [L]): read [`Self::variable_days`] back to know. Not retried once the
    /// request may have left (under "adds" a repeat would double): `OutcomeUnknown`.
    pub async fn post_variable_days(
        &self,
        employee: EmployeeUuid,
        days: i32,
        period: PayPeriod,
        unprotected: bool,
    ) -> Result<(), NmbrsError> {
        let body = wire::WorkedDaysPost { days, period_details: PeriodPost::new(period, unprotected) };
        self.write(Op::DaysPost, format!("/api/employees/{employee}/variabledays"), json(body)).await.map(|_| ())
    }
}

/// The current period of a `GET …/period` answer (see [`RestClient::current_period`]).
fn period_answer(items: &[Value]) -> Result<CurrentPeriod, NmbrsError> {
    let op = Op::CurrentPeriod;
    let none = |message: &str| NmbrsError::Rest {
        operation: op,
        failure: Box::new(RestFailure::Malformed { message: message.to_owned() }),
        kind: ErrorKind::NoCurrentPeriod,
    };
    let first = items.first().ok_or_else(|| none("no period in the answer"))?;
    match wire::current_period(first) {
        Ok(period) => Ok(period),
        Err((field, problem)) if field == "period" && problem == "missing" => Err(none("period: missing")),
        Err((field, problem)) => Err(unreadable_answer(op, format!("{field}: {problem}"))),
    }
}

/// The id a write answered with; an insert whose answer has none landed with an unknown id.
fn answered(op: Op, body: &[u8], name: &'static str) -> Result<uuid::Uuid, NmbrsError> {
    wire::answered_id(body, name).map_err(|message| {
        let message = bounded(&message);
        let kind =
            if op.effect() == crate::nmbrs::Effect::Insert { ErrorKind::OutcomeUnknown } else { ErrorKind::Unknown };
        NmbrsError::Rest { operation: op, failure: Box::new(RestFailure::Malformed { message }), kind }
    })
}

fn gone_is_done(result: Result<Vec<u8>, NmbrsError>) -> Result<Deleted, NmbrsError> {
    match result {
        Ok(_) => Ok(Deleted::Deleted),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(Deleted::AlreadyGone),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_answer_without_a_period_is_no_current_period_and_a_bad_one_unreadable() {
        let kind = |items: &[Value]| period_answer(items).map_err(|e| e.kind());
        assert_eq!(kind(&[]), Err(ErrorKind::NoCurrentPeriod));
        assert_eq!(kind(&[json!({"period": null, "periodType": "month"})]), Err(ErrorKind::NoCurrentPeriod));
        assert_eq!(kind(&[json!({"periodType": "month"})]), Err(ErrorKind::NoCurrentPeriod));
        let bad = json!({"period": {"year": 2026, "period": 13}, "periodType": "month"});
        assert_eq!(kind(&[bad]), Err(ErrorKind::Unknown));
        let good = json!({"period": {"year": 2026, "period": 11}, "periodType": "month"});
        assert_eq!(period_answer(&[good]).unwrap().period, PayPeriod::new(2026, 11));
    }
}
