//! What a period held before the worker inserted into it. A read-back after a lost insert
//! reply adopts a line with the bucket's code and value that the worker does not own; a
//! person's own line with the same code and value, already there, must never be taken for it.
//! So before an insert the worker reads the period once per employee, period and kind (hours
//! or wage) per attempt, and records the lines of the bucket's code with the intent.
//!
//! Without the read right there is nothing to read, and nothing is needed: a lost reply then
//! puts the bucket in doubt anyway. The first refusal switches the reads off for the attempt.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use tokio::sync::OnceCell;

use crate::{
    domain::export::{
        actions::ComponentLineId,
        contributions::{BucketKey, Component},
        readback::ReadLine,
    },
    nmbrs::{EmployeeId, ErrorKind, NmbrsApi, NmbrsError, PayPeriod},
};

type Cell = Arc<OnceCell<Option<Vec<ReadLine>>>>;

/// The periods read so far in one attempt of an export.
#[derive(Default)]
pub struct Snapshots {
    cells: Mutex<HashMap<(EmployeeId, PayPeriod, bool), Cell>>,
    unreadable: AtomicBool,
}

impl Snapshots {
    /// The lines of `key`'s code already in its period that the worker does not own (`owned`);
    /// empty when the period cannot be read.
    pub async fn foreign(
        &self,
        api: &dyn NmbrsApi,
        key: &BucketKey,
        owned: &[ComponentLineId],
    ) -> Result<Vec<ComponentLineId>, NmbrsError> {
        let Some(code) = key.component.code() else { return Ok(Vec::new()) };
        if self.unreadable.load(Ordering::Relaxed) {
            return Ok(Vec::new());
        }
        let hours = matches!(key.component, Component::Hours(_));
        let cell = {
            let mut cells = self.cells.lock().expect("the snapshot map is never poisoned");
            cells.entry((key.employee, key.period, hours)).or_default().clone()
        };
        let lines = cell
            .get_or_try_init(|| async {
                match read_period(api, key).await {
                    Ok(lines) => Ok(Some(lines)),
                    Err(e) if matches!(e.kind(), ErrorKind::MissingRight { .. }) => {
                        self.unreadable.store(true, Ordering::Relaxed);
                        Ok(None)
                    }
                    Err(e) => Err(e),
                }
            })
            .await?;
        let lines = lines.iter().flatten();
        let foreign = lines.filter(|l| l.code == code).map(|l| ComponentLineId(l.id));
        Ok(foreign.filter(|id| !owned.contains(id)).collect())
    }
}

/// The hour or wage lines of `key`'s employee and period (`HourComponentVar_Get` /
/// `WageComponentVar_Get`); none for days.
pub async fn read_period(api: &dyn NmbrsApi, key: &BucketKey) -> Result<Vec<ReadLine>, NmbrsError> {
    let (employee, period) = (key.employee, key.period);
    Ok(match key.component {
        Component::Hours(_) => (api.hour_component_var_get(employee, period).await?.into_iter())
            .map(|l| ReadLine { id: l.id, code: l.hour_code, value: l.hours.0 })
            .collect(),
        Component::Wage(_) => (api.wage_component_var_get(employee, period).await?.into_iter())
            .map(|l| ReadLine { id: l.id, code: l.code, value: l.value.0 })
            .collect(),
        Component::Days => Vec::new(),
    })
}
