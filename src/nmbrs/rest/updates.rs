//! The REST edge's in-place updates of component lines ([`ComponentUpdates`], CONTRACT §5.3):
//! `PUT …/variablehours` and `PUT …/variablewagecomponent` through
//! [`RestClient::update_variable_hours`] / [`RestClient::update_variable_wage`]. Only the value
//! is sent; the line's code and comment (the worker's marker) stay as they are. PUT is
//! repeat-safe: the client retries it through lost replies, and a job that stopped after one
//! sends it again.
//!
//! The ids must be REST ids (UUIDs): a SOAP integer id is refused before any call, as the SOAP
//! edge refuses a UUID ([`NmbrsError::ForeignId`]; an employee or line of another API is
//! unknown here).

use async_trait::async_trait;
use uuid::Uuid;

use super::client::RestClient;
use super::ids::{EmployeeUuid, HourComponentUuid, WageComponentUuid};
use super::operation::RestOperation;
use crate::domain::nmbrs_id::NmbrsId;
use crate::nmbrs::{
    ComponentUpdates, EmployeeId, HourComponentId, NewHourComponent, NewWageComponent, NmbrsError, PayPeriod,
    WageComponentId,
};

/// The UUID of `id`, or the error a SOAP integer id gives on this edge (no call is made).
fn uuid(op: RestOperation, id: NmbrsId) -> Result<Uuid, NmbrsError> {
    id.rest().ok_or(NmbrsError::ForeignId { operation: op.soap(), id, company: false })
}

#[async_trait]
impl ComponentUpdates for RestClient {
    async fn update_hour_component(
        &self,
        employee: EmployeeId,
        id: HourComponentId,
        component: &NewHourComponent,
        period: PayPeriod,
        unprotected: bool,
    ) -> Result<(), NmbrsError> {
        let op = RestOperation::HoursPut;
        let (employee, id) = (EmployeeUuid(uuid(op, employee.0)?), HourComponentUuid(uuid(op, id.0)?));
        self.update_variable_hours(employee, id, component.hours, period, unprotected).await.map(drop)
    }

    async fn update_wage_component(
        &self,
        employee: EmployeeId,
        id: WageComponentId,
        component: &NewWageComponent,
        period: PayPeriod,
        unprotected: bool,
    ) -> Result<(), NmbrsError> {
        let op = RestOperation::WagePut;
        let (employee, id) = (EmployeeUuid(uuid(op, employee.0)?), WageComponentUuid(uuid(op, id.0)?));
        self.update_variable_wage(employee, id, component.value, period, unprotected).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nmbrs::ErrorKind;

    #[test]
    fn a_soap_integer_id_is_refused_before_any_call() {
        let err = uuid(RestOperation::HoursPut, NmbrsId::Int(5)).unwrap_err();
        assert!(matches!(err, NmbrsError::ForeignId { id: NmbrsId::Int(5), company: false, .. }));
        assert_eq!(err.kind(), ErrorKind::UnknownEmployee);
        let id = Uuid::new_v4();
        assert_eq!(uuid(RestOperation::WagePut, NmbrsId::Uuid(id)).unwrap(), id);
    }
}
