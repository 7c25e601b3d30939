//! What a period held before the worker inserted into it. A read-back after a lost insert
//! reply adopts a line with the bucket's code and value that the worker does not own; a
//! person's own line with the same code and value, already there, must never be taken for it.
//! So before an insert the worker reads the period once per employee, period and kind (hours
//! or wage) per attempt, and records the lines of the bucket's code with the intent.
//!
//! Each read right counts on its own (issue 11, field 07): a refused `HourComponentVar_Get`
//! switches off the hour reads of the attempt, never the wage reads, and the reverse. A period
//! that could not be read is recorded as unknown (not as empty), so a read-back after a lost
//! reply never adopts a line that may be a person's (`domain::export::readback`).
//!
//! An edge that reads comments back (REST) needs none of this: a lost insert is found by the
//! marker in its comment alone (`domain::export::readback`), so `apply` skips this read
//! before inserting there (one call less per employee and kind) and records no foreign lines.
//!
//! A line of the period that could not be read never fails the read; it stops only the buckets
//! of its code (any code when its code is unreadable) that would be inserted next to it
//! (`readback::before_insert`).

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use tokio::sync::OnceCell;

use crate::{
    domain::export::{
        actions::ComponentLineId,
        contributions::{BucketKey, Component},
        marker::find_in,
        readback::{PeriodLines, ReadLine, UnreadLine, before_insert},
    },
    nmbrs::{EmployeeId, ErrorKind, Listed, NmbrsApi, NmbrsError, PayPeriod, UnreadableRecord},
};

/// What the period held before an insert, as far as the bucket is concerned.
#[derive(Debug, PartialEq)]
pub enum Foreign {
    /// The lines of the bucket's code the worker does not own.
    Lines(Vec<ComponentLineId>),
    /// The period could not be read (the API user lacks that read right).
    Unknown,
    /// A line that may be of the bucket's code could not be read: no insert next to it.
    Unreadable(UnreadLine),
}

type Cell = Arc<OnceCell<Option<PeriodLines>>>;

/// Which read a line comes from: `HourComponentVar_Get` (true) or `WageComponentVar_Get`.
type ReadKind = bool;

/// The periods read so far in one attempt of an export.
#[derive(Default)]
pub struct Snapshots {
    cells: Mutex<HashMap<(EmployeeId, PayPeriod, ReadKind), Cell>>,
    /// The reads Nmbrs refused (fault 1002) in this attempt, each on its own.
    refused: Mutex<HashSet<ReadKind>>,
}

impl Snapshots {
    /// The lines of `key`'s code already in its period that the worker does not own (`owned`),
    /// see [`Foreign`].
    pub async fn foreign(
        &self,
        api: &dyn NmbrsApi,
        key: &BucketKey,
        owned: &[ComponentLineId],
    ) -> Result<Foreign, NmbrsError> {
        let Some(code) = key.component.code() else { return Ok(Foreign::Lines(Vec::new())) };
        let kind: ReadKind = matches!(key.component, Component::Hours(_));
        if self.refused.lock().expect("the refused set is never poisoned").contains(&kind) {
            return Ok(Foreign::Unknown);
        }
        let cell = {
            let mut cells = self.cells.lock().expect("the snapshot map is never poisoned");
            cells.entry((key.employee, key.period, kind)).or_default().clone()
        };
        let lines = cell
            .get_or_try_init(|| async {
                match read_period(api, key).await {
                    Ok(lines) => Ok(Some(lines)),
                    Err(e) if matches!(e.kind(), ErrorKind::MissingRight { .. }) => {
                        self.refused.lock().expect("the refused set is never poisoned").insert(kind);
                        Ok(None)
                    }
                    Err(e) => Err(e),
                }
            })
            .await?;
        Ok(match lines {
            None => Foreign::Unknown,
            Some(period) => match before_insert(period, code, owned) {
                Ok(ids) => Foreign::Lines(ids),
                Err(line) => Foreign::Unreadable(line.clone()),
            },
        })
    }
}

/// The hour or wage lines of `key`'s employee and period (`HourComponentVar_Get` /
/// `WageComponentVar_Get`), read and unreadable, with the worker's marker of each line when the
/// edge reads comments ([`crate::nmbrs::EmployeeService::reads_comments`]); none for days.
pub async fn read_period(api: &dyn NmbrsApi, key: &BucketKey) -> Result<PeriodLines, NmbrsError> {
    let (employee, period) = (key.employee, key.period);
    let comments = api.reads_comments();
    let marker = |comment: Option<String>| comment.as_deref().filter(|_| comments).and_then(find_in);
    let mut lines = match key.component {
        Component::Hours(_) => period_lines(api.hour_component_var_get(employee, period).await?, |l| ReadLine {
            id: l.id.0,
            code: l.hour_code,
            value: l.hours.0,
            marker: marker(l.comment),
        }),
        Component::Wage(_) => period_lines(api.wage_component_var_get(employee, period).await?, |l| ReadLine {
            id: l.id.0,
            code: l.code,
            value: l.value.0,
            marker: marker(l.comment),
        }),
        Component::Days => PeriodLines::default(),
    };
    lines.comments = comments;
    Ok(lines)
}

fn period_lines<T>(listed: Listed<T>, line: impl Fn(T) -> ReadLine) -> PeriodLines {
    let unread = |u: UnreadableRecord| UnreadLine { id: u.line_id, code: u.code, field: u.field };
    PeriodLines {
        lines: listed.items.into_iter().map(line).collect(),
        unreadable: listed.unreadable.into_iter().map(unread).collect(),
        comments: false,
    }
}
