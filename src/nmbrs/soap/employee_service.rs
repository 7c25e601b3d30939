//! `EmployeeService.asmx`: the SOAP implementation of [`EmployeeService`] (hours, wages, days,
//! employee data) with the exact v3 element names. SOAP has no in-place update and its line
//! reads carry no comment: the trait's capability defaults stand.

use async_trait::async_trait;
use rust_decimal::Decimal;

use super::client::{SoapClient, required_scalar};
use super::envelope::Value;
use super::operation::Operation as Op;
use super::reader::{self, ReadError};
use super::records::{Codec, HistoryEntry, HistoryRecord, parse_decimal};
use crate::domain::nmbrs::model::*;
use crate::domain::team::TeamList;
use crate::nmbrs::{EmployeeService, NmbrsError};

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
    to: WritePeriod,
) -> [(&'static str, Value<'a>); 5] {
    [
        ("EmployeeId", Value::Id(employee.0)),
        middle,
        ("Period", Value::Int(to.period.period.into())),
        ("Year", Value::Int(to.period.year)),
        ("UnprotectedMode", Value::Bool(to.unprotected)),
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
        to: WritePeriod,
    ) -> Result<i32, NmbrsError> {
        let group = Value::Group(vec![
            ("Id", Value::Int(0)),
            (line.code.0, Value::Int(line.code.1)),
            (line.value.0, Value::Decimal(line.value.1)),
            ("CostCenterId", Value::NillableInt(line.cost_center_id)),
            ("CostUnitId", Value::NillableInt(line.cost_unit_id)),
            ("Comment", Value::Text(line.comment)),
        ]);
        let params = write_params(employee, (wrapper, group), to);
        self.call(op, &params, |xml| scalar(xml, op)).await
    }
}

#[async_trait]
impl EmployeeService for SoapClient {
    fn list_name(&self, list: TeamList) -> &'static str {
        match list {
            TeamList::Employees => Op::PersonalInfoContractSalaryAddressGetAll,
            TeamList::Contracts => Op::ContractGetAll,
            TeamList::Salaries => Op::SalaryGetAll,
            TeamList::Schedules => Op::ScheduleGetAll,
        }
        .name()
    }

    async fn hour_component_delete(&self, employee: EmployeeId, id: HourComponentId) -> Result<bool, NmbrsError> {
        let op = Op::HourComponentDelete;
        let params = [("EmployeeId", Value::Id(employee.0)), ("HourComponentID", Value::Id(id.0))];
        self.call(op, &params, |xml| scalar(xml, op)).await
    }

    async fn days_var_set(&self, employee: EmployeeId, days: i32, to: WritePeriod) -> Result<u32, NmbrsError> {
        let op = Op::DaysVarSet;
        let params = write_params(employee, ("Days", Value::Int(days)), to);
        self.call(op, &params, |xml| reader::read_empty(xml, op.name())).await.map(|()| 1)
    }

    async fn days_var_get(&self, employee: EmployeeId, period: PayPeriod) -> Result<i32, NmbrsError> {
        let op = Op::DaysVarGet;
        self.call(op, &period_params(employee, period), |xml| scalar(xml, op)).await
    }

    async fn hour_component_var_insert(
        &self,
        employee: EmployeeId,
        c: &NewHourComponent,
        to: WritePeriod,
    ) -> Result<HourComponentId, NmbrsError> {
        let line = NewLine {
            code: ("HourCode", c.hour_code.0),
            value: ("Hours", c.hours.0),
            cost_center_id: c.cost_center_id,
            cost_unit_id: c.cost_unit_id,
            comment: c.comment.as_deref(),
        };
        let op = Op::HourComponentVarInsert;
        self.insert_line(op, employee, "Hourcomponent", line, to).await.map(HourComponentId::from)
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
        to: WritePeriod,
    ) -> Result<WageComponentId, NmbrsError> {
        let line = NewLine {
            code: ("Code", c.code.0),
            value: ("Value", c.value.0),
            cost_center_id: c.cost_center_id,
            cost_unit_id: c.cost_unit_id,
            comment: c.comment.as_deref(),
        };
        let op = Op::WageComponentVarInsert;
        self.insert_line(op, employee, "WageComponent", line, to).await.map(WageComponentId::from)
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
