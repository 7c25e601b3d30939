//! `EmployeeService.asmx`: the typed operations jobs call (hours, wages, days, employee
//! data), as a trait so a test double or the future REST client can stand in for SOAP,
//! and its SOAP implementation with the exact v3 element names.
//!
//! What differs between the edges is a capability the trait reports, never an API switch
//! (DESIGN-NOTES "Two Nmbrs edges, one domain"): [`EmployeeService::component_updates`] (an
//! edge that can change a line in place, REST `PUT`; SOAP has none) and
//! [`EmployeeService::reads_comments`] (an edge whose line reads return each line's comment,
//! so the worker's insert marker can be read back; SOAP's `*Var_Get` return none).

use async_trait::async_trait;
use rust_decimal::Decimal;

use super::client::{SoapClient, required_scalar};
use super::envelope::Value;
use super::error::NmbrsError;
use super::operation::Operation as Op;
use super::reader::{self, ReadError};
use super::records::{Codec, HistoryEntry, HistoryRecord, parse_decimal};
use super::types::*;

/// Changing a variable hour or wage line in place (REST `PUT`, CONTRACT §5.3): one call that
/// is safe to repeat, so a lost reply is simply sent again and never leaves a line in doubt.
/// Only the line's value is changed; its code and comment (the worker's marker) stay.
#[async_trait]
pub trait ComponentUpdates: Send + Sync {
    /// Sets hour line `id` of `employee` to `component.hours` in `period` (with
    /// `unprotectedMode` when `unprotected`: a closed period the export may write). An id
    /// Nmbrs does not know fails (REST 404 `40401`).
    async fn update_hour_component(
        &self,
        employee: EmployeeId,
        id: HourComponentId,
        component: &NewHourComponent,
        period: PayPeriod,
        unprotected: bool,
    ) -> Result<(), NmbrsError>;
    /// Sets wage line `id` of `employee` to `component.value` in `period`, as for hours.
    async fn update_wage_component(
        &self,
        employee: EmployeeId,
        id: WageComponentId,
        component: &NewWageComponent,
        period: PayPeriod,
        unprotected: bool,
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
    /// the period need not be read before an insert (`jobs::export_apply`).
    fn reads_comments(&self) -> bool {
        false
    }
    /// Notes that the job's own records place `employee` in `company` (an export bucket's
    /// key), for an edge that answers some per-employee questions company-wide (REST reads
    /// wage lines per company and learns each employee's company from a company-wide read,
    /// which an export resuming its recorded plan has not made in this process). SOAP asks
    /// per employee: nothing to note (the default).
    fn employs(&self, _company: CompanyId, _employee: EmployeeId) {}
    /// `HourComponent_Delete`; `false` when Nmbrs deleted nothing (unknown id).
    async fn hour_component_delete(&self, employee: EmployeeId, id: HourComponentId) -> Result<bool, NmbrsError>;
    /// `DaysVar_Set`: overwrites the variable days of the period (idempotent).
    async fn days_var_set(
        &self,
        employee: EmployeeId,
        days: i32,
        period: PayPeriod,
        unprotected: bool,
    ) -> Result<(), NmbrsError>;
    /// [`Self::days_var_set`], answering the write calls it made (SOAP one; REST may POST
    /// more than once, `nmbrs::rest::api::days`): what `job.completed` counts as
    /// `write_calls` (CONTRACT §3).
    async fn days_var_set_counted(
        &self,
        employee: EmployeeId,
        days: i32,
        period: PayPeriod,
        unprotected: bool,
    ) -> Result<u64, NmbrsError> {
        self.days_var_set(employee, days, period, unprotected).await.map(|()| 1)
    }
    /// `DaysVar_Get`.
    async fn days_var_get(&self, employee: EmployeeId, period: PayPeriod) -> Result<i32, NmbrsError>;
    /// `HourComponentVar_Insert`: not idempotent; may fail with `OutcomeUnknown`.
    async fn hour_component_var_insert(
        &self,
        employee: EmployeeId,
        component: &NewHourComponent,
        period: PayPeriod,
        unprotected: bool,
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
        period: PayPeriod,
        unprotected: bool,
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

fn period_params(employee: EmployeeId, period: PayPeriod) -> [(&'static str, Value<'static>); 3] {
    [
        ("EmployeeId", Value::Id(employee.0)),
        ("Period", Value::Int(period.period.into())),
        ("Year", Value::Int(period.year)),
    ]
}

fn scalar<T: Codec>(xml: &str, op: Op) -> Result<T, ReadError> {
    let text = required_scalar(xml, op)?;
    T::decode(Some(&text)).map_err(|e| ReadError::Malformed(format!("{op}Result: {e}")))
}

fn history<T: HistoryRecord>(xml: &str, op: Op) -> Result<Listed<PerEmployee<T>>, ReadError> {
    let read: Listed<HistoryEntry<T>> = reader::read_list(xml, op.name(), T::ENTRY)?;
    Ok(Listed { items: read.items.into_iter().map(|e| e.entry).collect(), unreadable: read.unreadable })
}

fn company_param(company: CompanyId) -> [(&'static str, Value<'static>); 1] {
    [("CompanyID", Value::Id(company.0))]
}

/// `EmployeeId`, one operation-specific element, then `Period`, `Year`,
/// `UnprotectedMode`: the shape of every period write.
fn write_params<'a>(
    employee: EmployeeId,
    middle: (&'static str, Value<'a>),
    period: PayPeriod,
    unprotected: bool,
) -> [(&'static str, Value<'a>); 5] {
    [
        ("EmployeeId", Value::Id(employee.0)),
        middle,
        ("Period", Value::Int(period.period.into())),
        ("Year", Value::Int(period.year)),
        ("UnprotectedMode", Value::Bool(unprotected)),
    ]
}

/// The fields of a new hour or wage line, under their element names.
struct NewLine<'a> {
    code: (&'static str, i32),
    value: (&'static str, Decimal),
    cost_center_id: Option<i32>,
    cost_unit_id: Option<i32>,
    comment: Option<&'a str>,
}

impl SoapClient {
    /// `HourComponentVar_Insert` / `WageComponentVar_Insert`: `wrapper` holds the line.
    async fn insert_line(
        &self,
        op: Op,
        employee: EmployeeId,
        wrapper: &'static str,
        line: NewLine<'_>,
        period: PayPeriod,
        unprotected: bool,
    ) -> Result<i32, NmbrsError> {
        let group = Value::Group(vec![
            ("Id", Value::Int(0)),
            (line.code.0, Value::Int(line.code.1)),
            (line.value.0, Value::Decimal(line.value.1)),
            ("CostCenterId", Value::NillableInt(line.cost_center_id)),
            ("CostUnitId", Value::NillableInt(line.cost_unit_id)),
            ("Comment", Value::Text(line.comment)),
        ]);
        let params = write_params(employee, (wrapper, group), period, unprotected);
        self.call(op, &params, |xml| scalar(xml, op)).await
    }
}

#[async_trait]
impl EmployeeService for SoapClient {
    async fn hour_component_delete(&self, employee: EmployeeId, id: HourComponentId) -> Result<bool, NmbrsError> {
        let op = Op::HourComponentDelete;
        let params = [("EmployeeId", Value::Id(employee.0)), ("HourComponentID", Value::Id(id.0))];
        self.call(op, &params, |xml| scalar(xml, op)).await
    }

    async fn days_var_set(
        &self,
        employee: EmployeeId,
        days: i32,
        period: PayPeriod,
        unprotected: bool,
    ) -> Result<(), NmbrsError> {
        let op = Op::DaysVarSet;
        let params = write_params(employee, ("Days", Value::Int(days)), period, unprotected);
        self.call(op, &params, |xml| reader::read_empty(xml, op.name())).await
    }

    async fn days_var_get(&self, employee: EmployeeId, period: PayPeriod) -> Result<i32, NmbrsError> {
        let op = Op::DaysVarGet;
        self.call(op, &period_params(employee, period), |xml| scalar(xml, op)).await
    }

    async fn hour_component_var_insert(
        &self,
        employee: EmployeeId,
        c: &NewHourComponent,
        period: PayPeriod,
        unprotected: bool,
    ) -> Result<HourComponentId, NmbrsError> {
        let line = NewLine {
            code: ("HourCode", c.hour_code.0),
            value: ("Hours", c.hours.0),
            cost_center_id: c.cost_center_id,
            cost_unit_id: c.cost_unit_id,
            comment: c.comment.as_deref(),
        };
        let op = Op::HourComponentVarInsert;
        self.insert_line(op, employee, "Hourcomponent", line, period, unprotected).await.map(HourComponentId::from)
    }

    async fn hour_component_var_get(
        &self,
        employee: EmployeeId,
        period: PayPeriod,
    ) -> Result<Listed<HourComponentLine>, NmbrsError> {
        let op = Op::HourComponentVarGet;
        self.call(op, &period_params(employee, period), |xml| reader::read_list(xml, op.name(), "HourComponent")).await
    }

    async fn wage_component_delete(&self, employee: EmployeeId, id: WageComponentId) -> Result<bool, NmbrsError> {
        let op = Op::WageComponentDelete;
        let params = [("EmployeeId", Value::Id(employee.0)), ("WageComponentID", Value::Id(id.0))];
        self.call(op, &params, |xml| scalar(xml, op)).await
    }

    async fn wage_component_var_get(
        &self,
        employee: EmployeeId,
        period: PayPeriod,
    ) -> Result<Listed<WageComponentLine>, NmbrsError> {
        let op = Op::WageComponentVarGet;
        self.call(op, &period_params(employee, period), |xml| reader::read_list(xml, op.name(), "WageComponent")).await
    }

    async fn wage_component_var_insert(
        &self,
        employee: EmployeeId,
        c: &NewWageComponent,
        period: PayPeriod,
        unprotected: bool,
    ) -> Result<WageComponentId, NmbrsError> {
        let line = NewLine {
            code: ("Code", c.code.0),
            value: ("Value", c.value.0),
            cost_center_id: c.cost_center_id,
            cost_unit_id: c.cost_unit_id,
            comment: c.comment.as_deref(),
        };
        let op = Op::WageComponentVarInsert;
        self.insert_line(op, employee, "WageComponent", line, period, unprotected).await.map(WageComponentId::from)
    }

    async fn employee_snapshots(&self, company: CompanyId) -> Result<Listed<EmployeeSnapshot>, NmbrsError> {
        let op = Op::PersonalInfoContractSalaryAddressGetAll;
        self.call(op, &company_param(company), |xml| {
            reader::read_list(xml, op.name(), "PersonalInfoContractSalaryAddress")
        })
        .await
    }

    async fn personal_infos(&self, company: CompanyId) -> Result<Listed<PerEmployee<PersonalInfo>>, NmbrsError> {
        let op = Op::PersonalInfoGetAll;
        self.call(op, &company_param(company), |xml| history(xml, op)).await
    }

    async fn estimated_cost_per_hour(
        &self,
        employee: EmployeeId,
        period: PayPeriod,
    ) -> Result<Option<Decimal>, NmbrsError> {
        let op = Op::SalaryGetEstimatedCostPerHour;
        // The only operation with lower-case element names.
        let params = [
            ("employeeId", Value::Id(employee.0)),
            ("period", Value::Int(period.period.into())),
            ("year", Value::Int(period.year)),
        ];
        self.call(op, &params, |xml| Ok(reader::read_scalar(xml, op.name())?.and_then(|t| parse_decimal(&t).ok())))
            .await
    }

    async fn schedules(&self, company: CompanyId) -> Result<Listed<PerEmployee<Schedule>>, NmbrsError> {
        let op = Op::ScheduleGetAll;
        self.call(op, &company_param(company), |xml| history(xml, op)).await
    }

    async fn contracts(&self, company: CompanyId) -> Result<Listed<PerEmployee<Contract>>, NmbrsError> {
        let op = Op::ContractGetAll;
        self.call(op, &company_param(company), |xml| history(xml, op)).await
    }

    async fn salaries(&self, company: CompanyId) -> Result<Listed<PerEmployee<Salary>>, NmbrsError> {
        let op = Op::SalaryGetAll;
        self.call(op, &company_param(company), |xml| history(xml, op)).await
    }

    async fn employees_by_company(
        &self,
        company: CompanyId,
        employee_type: i32,
    ) -> Result<Vec<EmployeeListItem>, NmbrsError> {
        let op = Op::ListGetByCompany;
        let params = [("CompanyId", Value::Id(company.0)), ("EmployeeType", Value::Int(employee_type))];
        self.call(op, &params, |xml| Ok(reader::readable(reader::read_list(xml, op.name(), "Employee")?, op.name())))
            .await
    }
}
