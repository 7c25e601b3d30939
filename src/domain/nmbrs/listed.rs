//! How a list read comes back from either API: the records read, and those set aside as
//! unreadable ([`Listed`], [`UnreadableRecord`]), and the per-employee history lists
//! ([`PerEmployee`]). Apart from `model` because it is the shape of a read, not of a record.

use serde::{Deserialize, Serialize};

use super::{id::NmbrsId, model::EmployeeId};

/// The records of a list result (`*_GetAll_AllEmployeesByCompany`, `List_GetAll`…): the
/// records read, in response order, and those set aside because a field a decision needs
/// could not be read (CONTRACT §2.3 "Real Nmbrs data is untidy").
///
/// How a job uses it: `items` are complete (every passed-on field that could not be read
/// is null / `None`, or the type's empty value where noted). An entry of `unreadable` with
/// an `employee_id` means "skip that employee, reason `unreadable_record`, name it in
/// `errors` and do not judge them gone"; one without an `employee_id` (its `EmployeeId`
/// itself was unreadable) means "someone of this company could not be read": judge nobody
/// of the company gone by absence.
#[derive(Clone, Debug, PartialEq)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub unreadable: Vec<UnreadableRecord>,
}

impl<T> Default for Listed<T> {
    fn default() -> Self {
        Listed { items: Vec::new(), unreadable: Vec::new() }
    }
}

impl<T> Listed<T> {
    /// Adds the records of `more` (the next page of the same read) after these.
    pub fn append(&mut self, more: Listed<T>) {
        self.items.extend(more.items);
        self.unreadable.extend(more.unreadable);
    }

    /// Employee ids of the unreadable records that name one, ascending, without repeats.
    pub fn unreadable_employees(&self) -> Vec<EmployeeId> {
        let mut ids: Vec<EmployeeId> = self.unreadable.iter().filter_map(|u| u.employee_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// A record of a list result that could not be read: the field a decision needs that was
/// nil, absent or unparsable. Holds no field value other than an id or a date (never a BSN).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnreadableRecord {
    /// The Nmbrs employee the record belongs to, when that id itself could be read.
    pub employee_id: Option<EmployeeId>,
    /// Element name of the field, e.g. `StartDate`.
    pub field: String,
    /// What was wrong, e.g. `missing` or `"2025-13-01" is not a dateTime`.
    pub problem: String,
    /// A variable hour or wage line's `Id`, when it could be read (`None` for other records).
    pub line_id: Option<NmbrsId>,
    /// A variable hour or wage line's `HourCode` / `Code`, when it could be read (`None` for
    /// other records): which buckets the line may concern.
    pub code: Option<i32>,
}

impl UnreadableRecord {
    /// A record (not a variable line) whose `field` could not be read for `problem`, of
    /// `employee_id` when that could be read.
    pub fn of(employee_id: Option<EmployeeId>, field: &str, problem: &str) -> Self {
        UnreadableRecord { employee_id, field: field.into(), problem: problem.into(), line_id: None, code: None }
    }
}

/// A per-employee history list of one of the `*_GetAll_AllEmployeesByCompany` calls.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PerEmployee<T> {
    pub employee_id: EmployeeId,
    pub items: Vec<T>,
}
