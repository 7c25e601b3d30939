//! [`RestClient`] as a full [`crate::nmbrs::NmbrsApi`] (issue 9): the two service traits the jobs
//! call, answered through the REST calls of `calls.rs` and mapped into the neutral records of
//! `domain::nmbrs::model` (ids as REST UUIDs inside [`NmbrsId`], fields REST does not have `None`), so a
//! job works the same on either API (CONTRACT §5).
//!
//! - A SOAP integer id given here is refused without a call (as `NmbrsError::ForeignId` on SOAP):
//!   a company → `NoAccess`, an employee → `UnknownEmployee`, a line id → `InvalidData`.
//! - REST has one hour model (`/hourcodes`, both SOAP models merged: REST-NOTES §2 [L]):
//!   `hour_codes` answers it, `hour_codes2` is empty without a call. Wage models come in one
//!   read for a period (the company's current one): model number 2 is `wage_codes2`, every other
//!   model `wage_codes`, so no code is lost whatever the numbering.
//! - Per-employee questions REST answers per company (cost per hour, wage lines) use the company
//!   a company-wide read listed the employee in ([`Memo`]); one read per (company, period).
//! - Team reads are company-wide, a constant number of calls per company (`team.rs`, each record
//!   mapped in `mapping.rs`); lines in `lines.rs`; days, set by POSTs read back until right, in
//!   `days.rs`; what they all share (REST ids, edge errors, left-out records) in `edge.rs`.

mod days;
pub(super) mod edge;
mod lines;
mod mapping;
mod memo;
mod snapshot;
mod team;

use async_trait::async_trait;
use rust_decimal::Decimal;

use edge::{company_uuid, edge_error, employee_uuid, log_left_out};
pub use memo::Memo;

use super::operation::RestOperation as Op;
use super::{CompanyUuid, EmployeeUuid, RestClient};
use crate::domain::team::TeamList;
use crate::nmbrs::{
    Company, CompanyId, CompanyService, Contract, CurrentPeriod, EmployeeId, EmployeeListItem, EmployeeService,
    EmployeeSnapshot, ErrorKind, HourComponentId, HourComponentLine, Listed, ModelCode, NewHourComponent,
    NewWageComponent, NmbrsError, PayPeriod, PerEmployee, PersonalInfo, Salary, Schedule, WageComponentId,
    WageComponentLine, WritePeriod,
};

impl RestClient {
    /// The company's current period, read once per job.
    async fn period_of(&self, company: CompanyUuid) -> Result<CurrentPeriod, NmbrsError> {
        self.memo.periods.get(company, || self.current_period(company)).await
    }

    /// The REST id of `employee` and the company a company-wide read listed them in (REST
    /// answers `op` per company).
    pub(super) fn employee_in_company(
        &self,
        op: Op,
        employee: EmployeeId,
    ) -> Result<(EmployeeUuid, CompanyUuid), NmbrsError> {
        let employee = employee_uuid(op, employee)?;
        let company = self.memo.employer(employee).ok_or_else(|| {
            let message = format!(
                "employee {employee}: its company is not known here (REST answers this per company; read a \
                 company-wide list such as its contracts first)"
            );
            edge_error(op, ErrorKind::Unknown, message)
        })?;
        Ok((employee, company))
    }

    /// Wage model codes of the current period: `second` = model number 2, else every other model.
    async fn wage_model_codes(&self, company: CompanyId, second: bool) -> Result<Vec<ModelCode>, NmbrsError> {
        let c = company_uuid(Op::WageModels, company)?;
        let period = self.period_of(c).await?.period;
        let models = self
            .memo
            .wage_models
            .get((c, period), || async { Ok(std::sync::Arc::new(self.wage_models(c, period).await?)) })
            .await?;
        log_left_out(Op::WageModels, &models.unreadable);
        let mut seen = std::collections::BTreeSet::new();
        Ok(models
            .items
            .iter()
            .filter(|m| (m.number == Some(2)) == second)
            .flat_map(|m| &m.wage_codes)
            .filter(|w| seen.insert(w.code))
            .map(|w| w.model_code())
            .collect())
    }
}

#[async_trait]
impl CompanyService for RestClient {
    async fn companies(&self) -> Result<Vec<Company>, NmbrsError> {
        let listed = RestClient::companies(self).await?;
        log_left_out(Op::Companies, &listed.unreadable);
        Ok(listed.items)
    }

    async fn current_period(&self, company: CompanyId) -> Result<CurrentPeriod, NmbrsError> {
        self.period_of(company_uuid(Op::CurrentPeriod, company)?).await
    }

    async fn hour_codes(&self, company: CompanyId) -> Result<Vec<ModelCode>, NmbrsError> {
        let listed = RestClient::hour_codes(self, company_uuid(Op::HourCodes, company)?).await?;
        log_left_out(Op::HourCodes, &listed.unreadable);
        Ok(listed.items)
    }

    /// REST has one hour model, answered by `hour_codes`: empty, without a call (the id is
    /// still checked).
    async fn hour_codes2(&self, company: CompanyId) -> Result<Vec<ModelCode>, NmbrsError> {
        company_uuid(Op::HourCodes, company).map(|_| Vec::new())
    }

    async fn wage_codes(&self, company: CompanyId) -> Result<Vec<ModelCode>, NmbrsError> {
        self.wage_model_codes(company, false).await
    }

    async fn wage_codes2(&self, company: CompanyId) -> Result<Vec<ModelCode>, NmbrsError> {
        self.wage_model_codes(company, true).await
    }
}

#[async_trait]
impl EmployeeService for RestClient {
    fn list_name(&self, list: TeamList) -> &'static str {
        match list {
            TeamList::Employees => Op::PersonalInfo,
            TeamList::Contracts => Op::Contracts,
            TeamList::Salaries => Op::Salaries,
            TeamList::Schedules => Op::Schedules,
        }
        .name()
    }

    /// REST changes a line in place with `PUT` (`nmbrs::rest::updates`).
    fn component_updates(&self) -> Option<&dyn crate::nmbrs::ComponentUpdates> {
        Some(self)
    }

    /// REST reads return each line's comment, with the worker's marker in it.
    fn reads_comments(&self) -> bool {
        true
    }

    /// Places an employee no company-wide read of this job listed (a resumed export's bucket).
    fn employs(&self, company: CompanyId, employee: EmployeeId) {
        if let (Some(c), Some(e)) = (company.0.rest(), employee.0.rest()) {
            self.memo.employs_unless_known(CompanyUuid(c), EmployeeUuid(e));
        }
    }

    async fn hour_component_delete(&self, employee: EmployeeId, id: HourComponentId) -> Result<bool, NmbrsError> {
        self.delete_hour_line(employee, id).await
    }

    async fn days_var_set(&self, employee: EmployeeId, days: i32, to: WritePeriod) -> Result<u32, NmbrsError> {
        self.set_days(employee, days, to).await
    }

    /// The days read back after this job's last POST there, taken once (`days.rs`), else read.
    async fn days_var_get(&self, employee: EmployeeId, period: PayPeriod) -> Result<i32, NmbrsError> {
        let e = employee_uuid(Op::DaysGet, employee)?;
        if let Some(days) = self.memo.take_days_read_back(e, period) {
            return Ok(days);
        }
        Ok(self.variable_days(e, period).await?.total())
    }

    async fn hour_component_var_insert(
        &self,
        employee: EmployeeId,
        component: &NewHourComponent,
        to: WritePeriod,
    ) -> Result<HourComponentId, NmbrsError> {
        self.insert_hour_line(employee, component, to).await
    }

    async fn hour_component_var_get(
        &self,
        employee: EmployeeId,
        period: PayPeriod,
    ) -> Result<Listed<HourComponentLine>, NmbrsError> {
        self.hour_lines(employee, period).await
    }

    async fn wage_component_delete(&self, employee: EmployeeId, id: WageComponentId) -> Result<bool, NmbrsError> {
        self.delete_wage_line(employee, id).await
    }

    async fn wage_component_var_get(
        &self,
        employee: EmployeeId,
        period: PayPeriod,
    ) -> Result<Listed<WageComponentLine>, NmbrsError> {
        self.wage_lines(employee, period).await
    }

    async fn wage_component_var_insert(
        &self,
        employee: EmployeeId,
        component: &NewWageComponent,
        to: WritePeriod,
    ) -> Result<WageComponentId, NmbrsError> {
        self.insert_wage_line(employee, component, to).await
    }

    async fn employee_snapshots(&self, company: CompanyId) -> Result<Listed<EmployeeSnapshot>, NmbrsError> {
        self.snapshots(company).await
    }

    async fn personal_infos(&self, company: CompanyId) -> Result<Listed<PerEmployee<PersonalInfo>>, NmbrsError> {
        self.personal_info_lists(company).await
    }

    async fn estimated_cost_per_hour(
        &self,
        employee: EmployeeId,
        period: PayPeriod,
    ) -> Result<Option<Decimal>, NmbrsError> {
        self.cost_per_hour_of(employee, period).await
    }

    async fn schedules(&self, company: CompanyId) -> Result<Listed<PerEmployee<Schedule>>, NmbrsError> {
        self.schedule_lists(company).await
    }

    async fn contracts(&self, company: CompanyId) -> Result<Listed<PerEmployee<Contract>>, NmbrsError> {
        self.contract_lists(company).await
    }

    async fn salaries(&self, company: CompanyId) -> Result<Listed<PerEmployee<Salary>>, NmbrsError> {
        self.salary_lists(company).await
    }

    async fn employees_by_company(
        &self,
        company: CompanyId,
        employee_type: i32,
    ) -> Result<Vec<EmployeeListItem>, NmbrsError> {
        self.employee_list(company, employee_type).await
    }
}
