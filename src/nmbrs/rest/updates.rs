//! The REST edge's in-place updates of component lines ([`ComponentUpdates`], CONTRACT §5.3):
//! `PUT …/variablehours` and `PUT …/variablewagecomponent` through
//! [`RestClient::update_variable_hours`] / [`RestClient::update_variable_wage`]. The whole line
//! is sent (code, value, the comment the export gives: the worker's marker on its own line, and
//! the period named), so the line is right whether Nmbrs changes only what a PUT sends or
//! replaces the line (issue 18). The job's memory of the company's wage lines is forgotten
//! around a wage PUT, as around every wage write, so a read after it sees Nmbrs. PUT is
//! repeat-safe: the client retries it through lost replies, and a job that stopped after one
//! sends it again.
//!
//! The ids must be REST ids (UUIDs): a SOAP integer id is refused before any call, as by every
//! method of the REST edge (`api::employee_uuid`, `api::line_uuid`).

use async_trait::async_trait;

use super::api::edge::{employee_uuid, line_uuid};
use super::client::RestClient;
use super::ids::{HourComponentUuid, WageComponentUuid};
use super::operation::RestOperation;
use super::records::{NewHourLine, NewWageLine};
use crate::nmbrs::{
    ComponentUpdates, EmployeeId, HourComponentId, NewHourComponent, NewWageComponent, NmbrsError, WageComponentId,
    WritePeriod,
};

#[async_trait]
impl ComponentUpdates for RestClient {
    async fn update_hour_component(
        &self,
        employee: EmployeeId,
        id: HourComponentId,
        component: &NewHourComponent,
        to: WritePeriod,
    ) -> Result<(), NmbrsError> {
        let op = RestOperation::HoursPut;
        let (employee, id) = (employee_uuid(op, employee)?, HourComponentUuid(line_uuid(op, id.0)?));
        let line =
            NewHourLine { hour_code: component.hour_code, hours: component.hours, comment: component.comment.clone() };
        self.update_variable_hours(employee, id, &line, to.period, to.unprotected).await.map(drop)
    }

    async fn update_wage_component(
        &self,
        employee: EmployeeId,
        id: WageComponentId,
        component: &NewWageComponent,
        to: WritePeriod,
    ) -> Result<(), NmbrsError> {
        let op = RestOperation::WagePut;
        let (employee, id) = (employee_uuid(op, employee)?, WageComponentUuid(line_uuid(op, id.0)?));
        let line = NewWageLine { code: component.code, value: component.value, comment: component.comment.clone() };
        self.wages_change(employee);
        let result = self.update_variable_wage(employee, id, &line, to.period, to.unprotected).await;
        self.wages_change(employee);
        result.map(drop)
    }
}
