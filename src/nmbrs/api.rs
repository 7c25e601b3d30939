//! What a job needs from Nmbrs, whichever API answers (CONTRACT §5): [`CompanyService`] and
//! [`EmployeeService`] (together [`NmbrsApi`]), in the neutral records of
//! `domain::nmbrs::model`. The SOAP edge (`nmbrs::soap`) and the REST edge (`nmbrs::rest`)
//! implement them side by side; the jobs and the domain know neither.
//!
//! What differs between the edges is a capability the trait reports, never an API switch
//! (DESIGN-NOTES "Two Nmbrs edges, one domain"): [`EmployeeService::component_updates`] (an
//! edge that can change a line in place, REST `PUT`; SOAP has none) and
//! [`EmployeeService::reads_comments`] (an edge whose line reads return each line's comment,
//! so the worker's insert marker can be read back; SOAP's `*Var_Get` return none). The method
//! names are SOAP's operation names (the first edge); each one's doc says what it reads or
//! writes, and `nmbrs/rest/api/mod.rs` lists the REST calls behind it.

use async_trait::async_trait;
use rust_decimal::Decimal;

use super::error::NmbrsError;
use crate::domain::nmbrs::model::*;
use crate::domain::team::TeamList;

/// Company-service operations.
#[async_trait]
pub trait CompanyService: Send + Sync {
    /// `List_GetAll`: the companies visible to the API user (one whose `ID` cannot be read
    /// is left out and logged).
    async fn companies(&self) -> Result<Vec<Company>, NmbrsError>;
    /// `Company_GetCurrentPeriod`, parsed and range-checked. A response without a result (nil,
    /// absent or empty: the company has no current period) is [`NmbrsError::NoResult`].
    async fn current_period(&self, company: CompanyId) -> Result<CurrentPeriod, NmbrsError>;
    /// `HourModel_GetHourCodes`. Here and in the other model reads, a code that cannot be
    /// read is left out (and logged): an entry mapped to it is then `unknown_code`.
    async fn hour_codes(&self, company: CompanyId) -> Result<Vec<ModelCode>, NmbrsError>;
    /// `HourModel2_GetHourCodes` (the second hour model).
    async fn hour_codes2(&self, company: CompanyId) -> Result<Vec<ModelCode>, NmbrsError>;
    /// `WageModel_GetWageCodes`.
    async fn wage_codes(&self, company: CompanyId) -> Result<Vec<ModelCode>, NmbrsError>;
    /// `WageModel2_GetWageCodes` (the second wage model).
    async fn wage_codes2(&self, company: CompanyId) -> Result<Vec<ModelCode>, NmbrsError>;
}

/// Changing a variable hour or wage line in place (REST `PUT`, CONTRACT §5.3): one call that
/// is safe to repeat, so a lost reply is simply sent again and never leaves a line in doubt.
/// The whole line is sent (code, value, the comment given, the period named), so the line is
/// right whether Nmbrs changes only what a PUT sends or replaces the line (issue 18); a `None`
/// comment is left out. Every write here and in [`EmployeeService`] names its period and mode
/// in one [`WritePeriod`].
#[async_trait]
pub trait ComponentUpdates: Send + Sync {
    /// Sets hour line `id` of `employee` to `component.hours` in `to.period` (with
    /// `unprotectedMode` when `to.unprotected`: a closed period the export may write). An id
    /// Nmbrs does not know fails (REST 404 `40401`).
    async fn update_hour_component(
        &self,
        employee: EmployeeId,
        id: HourComponentId,
        component: &NewHourComponent,
        to: WritePeriod,
    ) -> Result<(), NmbrsError>;
    /// Sets wage line `id` of `employee` to `component.value` in `to.period`, as for hours.
    async fn update_wage_component(
        &self,
        employee: EmployeeId,
        id: WageComponentId,
        component: &NewWageComponent,
        to: WritePeriod,
    ) -> Result<(), NmbrsError>;
}

/// Employee-service operations. `hour_component_var_get` and `days_var_get` need an extra
/// right: without it they fail with [`super::ErrorKind::MissingRight`], a normal outcome.
#[async_trait]
pub trait EmployeeService: Send + Sync {
    /// The edge's in-place updates of component lines, when it has them (REST: `Some`; SOAP
    /// has no update call: `None`, the default). An export then changes a bucket whose
    /// worker-owned line exists with one repeat-safe call instead of delete and insert.
    fn component_updates(&self) -> Option<&dyn ComponentUpdates> {
        None
    }
    /// Whether [`Self::hour_component_var_get`] and [`Self::wage_component_var_get`] return
    /// each line's comment (REST: `true`; SOAP: `false`, the default, its lines always have
    /// `comment: None`). With comments a lost insert is recognised by its marker alone, and
    /// the period need not be read before an insert (`jobs::export::apply`).
    fn reads_comments(&self) -> bool {
        false
    }
    /// Notes that the job's own records place `employee` in `company` (an export bucket's
    /// key), for an edge that answers some per-employee questions company-wide (REST reads
    /// wage lines per company and learns each employee's company from a company-wide read,
    /// which an export resuming its recorded plan has not made in this process). SOAP asks
    /// per employee: nothing to note (the default).
    fn employs(&self, _company: CompanyId, _employee: EmployeeId) {}
    /// The edge's own name for a list a team sync reads, for messages about its records:
    /// SOAP's operation (`Contract_GetAll_AllEmployeesByCompany`), REST's route
    /// (`GET /api/companies/{companyId}/employees/contracts`). Issue 17: the domain names the
    /// list ([`TeamList`]), the edge words it.
    fn list_name(&self, list: TeamList) -> &'static str;
    /// `HourComponent_Delete`; `false` when Nmbrs deleted nothing (unknown id).
    async fn hour_component_delete(&self, employee: EmployeeId, id: HourComponentId) -> Result<bool, NmbrsError>;
    /// `DaysVar_Set`: overwrites the variable days of the period (idempotent). Returns the
    /// write calls it took: 1 on SOAP; on REST the `POST …/variabledays` it needed to end with
    /// `days` (CONTRACT §5.3 "Days").
    async fn days_var_set(&self, employee: EmployeeId, days: i32, to: WritePeriod) -> Result<u32, NmbrsError>;
    /// `DaysVar_Get`.
    async fn days_var_get(&self, employee: EmployeeId, period: PayPeriod) -> Result<i32, NmbrsError>;
    /// `HourComponentVar_Insert`: not idempotent; may fail with `OutcomeUnknown`.
    async fn hour_component_var_insert(
        &self,
        employee: EmployeeId,
        component: &NewHourComponent,
        to: WritePeriod,
    ) -> Result<HourComponentId, NmbrsError>;
    /// `HourComponentVar_Get`. A line whose `Id`, `HourCode` or `Hours` cannot be read is in
    /// [`Listed::unreadable`] with its id and code where those could be read
    /// ([`UnreadableRecord::line_id`], [`UnreadableRecord::code`]); it never fails the read.
    async fn hour_component_var_get(
        &self,
        employee: EmployeeId,
        period: PayPeriod,
    ) -> Result<Listed<HourComponentLine>, NmbrsError>;
    /// `WageComponent_Delete`; `false` when Nmbrs deleted nothing.
    async fn wage_component_delete(&self, employee: EmployeeId, id: WageComponentId) -> Result<bool, NmbrsError>;
    /// `WageComponentVar_Get`. A line whose `Id`, `Code` or `Value` cannot be read is in
    /// [`Listed::unreadable`], as for hours.
    async fn wage_component_var_get(
        &self,
        employee: EmployeeId,
        period: PayPeriod,
    ) -> Result<Listed<WageComponentLine>, NmbrsError>;
    /// `WageComponentVar_Insert`: not idempotent; may fail with `OutcomeUnknown`.
    async fn wage_component_var_insert(
        &self,
        employee: EmployeeId,
        component: &NewWageComponent,
        to: WritePeriod,
    ) -> Result<WageComponentId, NmbrsError>;
    /// `PersonalInfoContractSalaryAddress_GetAll_AllEmployeesByCompany` (contains BSNs).
    /// Here and in the other company-wide reads, a record whose decision field cannot be
    /// read is in [`Listed::unreadable`] (see there what a job does with it); the others
    /// are read as usual.
    async fn employee_snapshots(&self, company: CompanyId) -> Result<Listed<EmployeeSnapshot>, NmbrsError>;
    /// `PersonalInfo_GetAll_AllEmployeesByCompany` (history per employee).
    async fn personal_infos(&self, company: CompanyId) -> Result<Listed<PerEmployee<PersonalInfo>>, NmbrsError>;
    /// `Salary_GetEstimatedCostPerHour`: euros per hour. A passed-on value: a result that is
    /// nil, absent or not a decimal is `Ok(None)` (published as null, CONTRACT §2.3); only a
    /// fault, a transport error or a response that cannot be read at all is an error.
    async fn estimated_cost_per_hour(
        &self,
        employee: EmployeeId,
        period: PayPeriod,
    ) -> Result<Option<Decimal>, NmbrsError>;
    /// `Schedule_GetAll_AllEmployeesByCompany`.
    async fn schedules(&self, company: CompanyId) -> Result<Listed<PerEmployee<Schedule>>, NmbrsError>;
    /// `Contract_GetAll_AllEmployeesByCompany`. An employee whose contract list is nil or
    /// empty has no contracts; one whose `ContractID` or `StartDate` is missing or
    /// unreadable, or whose `EndDate` is unparsable, is unreadable.
    async fn contracts(&self, company: CompanyId) -> Result<Listed<PerEmployee<Contract>>, NmbrsError>;
    /// `Salary_GetAll_AllEmployeesByCompany`.
    async fn salaries(&self, company: CompanyId) -> Result<Listed<PerEmployee<Salary>>, NmbrsError>;
    /// `List_GetByCompany` for one v3 `EmployeeType` id (an employee whose `Id` cannot be
    /// read is left out and logged).
    async fn employees_by_company(
        &self,
        company: CompanyId,
        employee_type: i32,
    ) -> Result<Vec<EmployeeListItem>, NmbrsError>;
}

/// Everything a job needs from Nmbrs. Implemented by the SOAP client ([`super::SoapClient`]) and
/// the REST client ([`super::rest::RestClient`]); a test double implements the two service
/// traits too.
pub trait NmbrsApi: EmployeeService + CompanyService {}

impl<T: EmployeeService + CompanyService + ?Sized> NmbrsApi for T {}
