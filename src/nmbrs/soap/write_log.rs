//! What one job's SOAP writes learned about the API user's write rights: per operation, the
//! last success or refusal (fault 1002) and when. CheckIntegration (CONTRACT §2.6) cannot test
//! a write right without writing, so it reports what earlier jobs learned; the job stores this
//! log when it ends (`store::write_rights`).

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Utc};

use super::operation::Operation;

/// Per operation: the last outcome (`true` a success, `false` refused the right) and when.
type Noted = BTreeMap<Operation, (bool, DateTime<Utc>)>;

/// Shared by a job's SOAP client and its handler.
#[derive(Clone, Debug, Default)]
pub struct WriteLog(Arc<Mutex<Noted>>);

impl WriteLog {
    /// Notes that `op` succeeded (`ok`) or was refused the right, now.
    pub fn note(&self, op: Operation, ok: bool) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(op, (ok, Utc::now()));
    }

    /// Everything noted so far, emptied: `(operation name, ok, when)`.
    pub fn take(&self) -> Vec<(&'static str, bool, DateTime<Utc>)> {
        let taken = std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()));
        taken.into_iter().map(|(op, (ok, at))| (op.name(), ok, at)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_outcome_per_operation_is_kept_and_taken_once() {
        let log = WriteLog::default();
        log.note(Operation::DaysVarSet, false);
        log.note(Operation::DaysVarSet, true);
        log.note(Operation::HourComponentVarInsert, false);
        let taken = log.take();
        let outcomes: Vec<(&str, bool)> = taken.iter().map(|(op, ok, _)| (*op, *ok)).collect();
        assert_eq!(outcomes, [("DaysVar_Set", true), ("HourComponentVar_Insert", false)]);
        assert!(log.take().is_empty());
    }
}
