//! Variable hour and wage lines through REST. Hours are read per employee; wage lines only
//! company-wide, so they are read once per (company, period) and filtered per employee, and
//! that read is forgotten on every wage write for the company (whatever its outcome: a lost
//! reply's read-back must see Nmbrs, not the memory). Every read and write names its period;
//! `unprotectedMode` is sent as asked. The insert's comment (the worker's marker) is the line's
//! comment; REST cost centres and units are UUIDs, so SOAP's integer ones are not sent.
//! A delete Nmbrs answers 404 `40401` is done: `false`, as SOAP's "deleted nothing".

use std::sync::Arc;

use super::edge::{edge_error, employee_uuid, line_uuid, log_left_out};
use crate::nmbrs::rest::operation::RestOperation as Op;
use crate::nmbrs::rest::*;
use crate::nmbrs::{
    EmployeeId, ErrorKind, HourComponentId, HourComponentLine, Listed, NewHourComponent, NewWageComponent, NmbrsError,
    PayPeriod, WageComponentId, WageComponentLine, WritePeriod,
};

fn done(deleted: Deleted) -> bool {
    deleted == Deleted::Deleted
}

fn no_cost_centres(op: Op, cost_center: Option<i32>, cost_unit: Option<i32>) -> Result<(), NmbrsError> {
    match (cost_center, cost_unit) {
        (None, None) => Ok(()),
        _ => Err(edge_error(op, ErrorKind::InvalidData, "SOAP cost centre or unit ids cannot be sent to REST".into())),
    }
}

impl RestClient {
    pub(super) async fn hour_lines(
        &self,
        employee: EmployeeId,
        period: PayPeriod,
    ) -> Result<Listed<HourComponentLine>, NmbrsError> {
        let e = employee_uuid(Op::HoursGet, employee)?;
        self.variable_hours(e, period).await
    }

    pub(super) async fn insert_hour_line(
        &self,
        employee: EmployeeId,
        c: &NewHourComponent,
        to: WritePeriod,
    ) -> Result<HourComponentId, NmbrsError> {
        let e = employee_uuid(Op::HoursPost, employee)?;
        no_cost_centres(Op::HoursPost, c.cost_center_id, c.cost_unit_id)?;
        let line = NewHourLine { hour_code: c.hour_code, hours: c.hours, comment: c.comment.clone() };
        Ok(self.insert_variable_hours(e, &line, to.period, to.unprotected).await?.into())
    }

    pub(super) async fn delete_hour_line(&self, employee: EmployeeId, id: HourComponentId) -> Result<bool, NmbrsError> {
        let op = Op::HoursDelete;
        let (e, id) = (employee_uuid(op, employee)?, HourComponentUuid(line_uuid(op, id.0)?));
        self.delete_variable_hours(e, id).await.map(done)
    }

    /// The employee's wage lines of `period`, from the company-wide read. A record of that read
    /// whose employee could not be read may be this employee's: it is in `unreadable` too.
    pub(super) async fn wage_lines(
        &self,
        employee: EmployeeId,
        period: PayPeriod,
    ) -> Result<Listed<WageComponentLine>, NmbrsError> {
        let op = Op::WagesGet;
        let (e, c) = self.employee_in_company(op, employee)?;
        let read = self
            .memo
            .wage_lines
            .get((c, period), || async {
                let listed = self.variable_wages(c, period).await?;
                self.memo.employs(c, listed.items.iter().map(|l| l.employee_id));
                log_left_out(op, &listed.unreadable);
                Ok(Arc::new(listed))
            })
            .await?;
        let items = read.items.iter().filter(|l| l.employee_id == e).flat_map(|l| l.items.iter().cloned()).collect();
        let unread = read.unreadable.iter().filter(|u| u.employee_id.is_none_or(|u| u == employee));
        Ok(Listed { items, unreadable: unread.cloned().collect() })
    }

    /// Forgets the company's wage lines before a write changes them (all periods: cheap).
    pub(in crate::nmbrs::rest) fn wages_change(&self, employee: EmployeeUuid) {
        match self.memo.employer(employee) {
            Some(c) => self.memo.wage_lines.forget(|(company, _)| *company == c),
            None => self.memo.wage_lines.forget(|_| true),
        }
    }

    pub(super) async fn insert_wage_line(
        &self,
        employee: EmployeeId,
        c: &NewWageComponent,
        to: WritePeriod,
    ) -> Result<WageComponentId, NmbrsError> {
        let e = employee_uuid(Op::WagePost, employee)?;
        no_cost_centres(Op::WagePost, c.cost_center_id, c.cost_unit_id)?;
        let line = NewWageLine { code: c.code, value: c.value, comment: c.comment.clone() };
        self.wages_change(e);
        let result = self.insert_variable_wage(e, &line, to.period, to.unprotected).await;
        self.wages_change(e);
        Ok(result?.into())
    }

    pub(super) async fn delete_wage_line(&self, employee: EmployeeId, id: WageComponentId) -> Result<bool, NmbrsError> {
        let op = Op::WageDelete;
        let (e, id) = (employee_uuid(op, employee)?, WageComponentUuid(line_uuid(op, id.0)?));
        self.wages_change(e);
        let result = self.delete_variable_wage(e, id).await;
        self.wages_change(e);
        result.map(done)
    }
}
