//! The Nmbrs writes of one bucket, as [`BucketWrite`] makes them: the update in place, the
//! delete and the insert of a line, and the line they send ([`NewLine`]). Apart from `apply`,
//! which decides when each runs and records it, so the call to the edge reads on its own.

use rust_decimal::Decimal;

use super::BucketWrite;
use crate::{
    domain::export::{actions::ComponentLineId, contributions::Component, marker::InsertMarker},
    nmbrs::{
        Amount, ComponentUpdates, ErrorKind, HourComponentId, Hours, NewHourComponent, NewWageComponent, NmbrsError,
        WageComponentId, WritePeriod,
    },
};

impl BucketWrite<'_> {
    /// PUTs line `id` of the bucket to `value` (code unchanged; the comment with the owned
    /// marker when `id` is the owned line the bucket `kept`, else unchanged).
    pub(super) async fn update(
        &self,
        updates: &dyn ComponentUpdates,
        id: ComponentLineId,
        value: Decimal,
        unprotected: bool,
        kept: bool,
    ) -> Result<(), NmbrsError> {
        let (employee, to) = (self.work.key.employee, WritePeriod { period: self.work.key.period, unprotected });
        // The line the worker keeps gets its marker back with every change (a person may have
        // stripped it, issue 18; a PUT that clears what it leaves out would lose it), also when
        // the bucket owns more than one line (a duplicate is dropped beside it).
        let comment = match kept && self.work.state.applied.ids.contains(&id) {
            true => self.work.state.owned_marker.as_ref().map(InsertMarker::comment),
            false => None,
        };
        match new_line(self.work.key.component, value, comment) {
            Some(NewLine::Hours(line)) => {
                updates.update_hour_component(employee, HourComponentId(id.0), &line, to).await
            }
            Some(NewLine::Wage(line)) => {
                updates.update_wage_component(employee, WageComponentId(id.0), &line, to).await
            }
            None => Ok(()),
        }
    }

    /// Deletes one of the worker's components; an id Nmbrs does not know (`false`, or
    /// [`ErrorKind::NotFound`]) counts as deleted.
    pub(super) async fn delete(&self, id: ComponentLineId) -> Result<bool, NmbrsError> {
        let deleted = match self.work.key.component {
            Component::Hours(_) => self.api.hour_component_delete(self.work.key.employee, HourComponentId(id.0)).await,
            Component::Wage(_) => self.api.wage_component_delete(self.work.key.employee, WageComponentId(id.0)).await,
            Component::Days => Ok(true),
        };
        match deleted {
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            other => other,
        }
    }

    pub(super) async fn insert(
        &self,
        value: Decimal,
        unprotected: bool,
        marker: &InsertMarker,
    ) -> Result<ComponentLineId, NmbrsError> {
        let (employee, to) = (self.work.key.employee, WritePeriod { period: self.work.key.period, unprotected });
        match new_line(self.work.key.component, value, Some(marker.comment())) {
            Some(NewLine::Hours(line)) => {
                let id = self.api.hour_component_var_insert(employee, &line, to).await?;
                Ok(ComponentLineId(id.0))
            }
            Some(NewLine::Wage(line)) => {
                let id = self.api.wage_component_var_insert(employee, &line, to).await?;
                Ok(ComponentLineId(id.0))
            }
            None => unreachable!("days are set, never inserted"),
        }
    }
}

/// The line an insert or update sends for a bucket of `component`.
enum NewLine {
    Hours(NewHourComponent),
    Wage(NewWageComponent),
}

/// `value` under `component`'s code with `comment` (an update sends none: the line keeps its
/// own); `None` for days, which have no line.
fn new_line(component: Component, value: Decimal, comment: Option<String>) -> Option<NewLine> {
    let (cost_center_id, cost_unit_id) = (None, None);
    match component {
        Component::Hours(hour_code) => Some(NewLine::Hours(NewHourComponent {
            hour_code,
            hours: Hours(value),
            cost_center_id,
            cost_unit_id,
            comment,
        })),
        Component::Wage(code) => {
            Some(NewLine::Wage(NewWageComponent { code, value: Amount(value), cost_center_id, cost_unit_id, comment }))
        }
        Component::Days => None,
    }
}
