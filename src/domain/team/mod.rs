//! The team sync's decisions (CONTRACT §2.3, §2.4) as pure functions: the handlers
//! (`jobs/team/sync.rs`, `jobs/team/deactivate.rs`) read Nmbrs and the store, this decides.
//!
//! The way through, one file each:
//! - [`selection`]: which Nmbrs employees to import (step 2), with contract history reduced to
//!   each contract's latest version;
//! - [`record`]: the `team_member.upserted` record of an employee and its content hash (step 4);
//! - [`delta`]: which records changed since the last sync (step 4);
//! - [`unreadable`]: which employees an unusable record leaves undecided (skipped, not gone);
//! - [`departures`]: who left Nmbrs (step 5) and when departures are held (step 6);
//! - [`notify`]: the notifications, as [`crate::domain::events::Notification`];
//! - [`plan`]: the whole sync and `Deactivate` as one pure plan: what Nmbrs returned per company
//!   (and which companies failed), the roster, the settings and today → events, counts, errors.
//!
//! A BSN is a [`Bsn`], which never prints itself.

use crate::domain::nmbrs::CompanyId;
pub mod bsn;
pub mod delta;
pub mod departures;
pub mod notify;
pub mod plan;
pub mod record;
pub mod selection;
pub mod unreadable;

#[cfg(test)]
mod testkit;

pub use bsn::Bsn;
pub use delta::{Delta, delta};
pub use departures::{Departure, DepartureReason, Departures, HeldDepartures, departures, judge_departures};
pub use plan::{CompanyFailure, SyncInput, SyncSettings, TeamPlan, plan_deactivate, plan_sync};
pub use record::{MemberRecord, MemberShape, content_hash, member_record};
pub use selection::{ImportedEmployee, Selection, candidate, chosen_email, select_imports};

pub use crate::domain::nmbrs::model::UnreadableRecord;
use crate::domain::nmbrs::{Contract, EmployeeSnapshot, PerEmployee, Salary, Schedule, Text};

/// What the handler read from Nmbrs for one linked company.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CompanyData {
    pub company_id: CompanyId,
    pub eitje_venue_ids: Vec<String>,
    /// `PersonalInfoContractSalaryAddress_GetAll_AllEmployeesByCompany`, in response order.
    pub snapshots: Vec<EmployeeSnapshot>,
    /// `Contract_GetAll_AllEmployeesByCompany`: contract history, in response order.
    pub contracts: Vec<PerEmployee<Contract>>,
    pub salaries: Vec<PerEmployee<Salary>>,
    pub schedules: Vec<PerEmployee<Schedule>>,
    /// Employees whose record lacks a field a decision needs (employee id known, e.g. a contract
    /// start that cannot be read): skipped as `unreadable_record`, never judged gone.
    pub unreadable: Vec<UnreadableIn>,
}

impl CompanyData {
    /// Whether Nmbrs answered with no employees at all (CONTRACT §2.3 step 6a).
    pub fn is_empty(&self) -> bool {
        self.snapshots.is_empty() && self.contracts.is_empty() && self.unreadable.is_empty()
    }

    /// The company as far as [`plan_sync`] still reads it once [`select_imports`] has run:
    /// departures (steps 5–6), held departures and unreadable records read every list's employee
    /// ids, the contract lists, the snapshots' contract dates and hours and the unreadable
    /// records; names, addresses, salaries and schedules are dropped. A big company is then not
    /// held twice (here and in the selection) while the costs per hour are read.
    pub fn for_departures(self) -> CompanyData {
        fn ids_only<T>(lists: Vec<PerEmployee<T>>) -> Vec<PerEmployee<T>> {
            lists.into_iter().map(|l| PerEmployee { employee_id: l.employee_id, items: Vec::new() }).collect()
        }
        let snapshots = (self.snapshots.into_iter())
            .map(|s| EmployeeSnapshot {
                employee_id: s.employee_id,
                contract_start_date: s.contract_start_date,
                contract_end_date: s.contract_end_date,
                contract_hours: s.contract_hours,
                ..Default::default()
            })
            .collect();
        let (salaries, schedules) = (ids_only(self.salaries), ids_only(self.schedules));
        CompanyData { snapshots, salaries, schedules, ..self }
    }
}

/// The per-company lists a team sync reads, named neutrally. Each edge names them in its own
/// words for messages (`EmployeeService::list_name`): SOAP by operation, REST by route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TeamList {
    /// The employees with their personal data (the snapshots).
    Employees,
    /// The contracts of every employee.
    Contracts,
    /// The salaries of every employee.
    Salaries,
    /// The schedules of every employee.
    Schedules,
}

/// An employee record the reader could not use for a decision (CONTRACT §2.3: "the fields a
/// decision needs"), with the list it came from. Carries names only, never a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableIn {
    /// The list whose record it was.
    pub list: TeamList,
    /// That list as the integration's edge names it, for messages: e.g. SOAP's
    /// `Contract_GetAll_AllEmployeesByCompany`, REST's `GET /api/companies/{companyId}/employees/contracts`.
    pub source: String,
    /// The record. Its `employee_id` is `None` when the employee id itself could not be read:
    /// then nobody of the company is judged gone by absence in this sync (CONTRACT §2.3).
    pub record: UnreadableRecord,
}

/// Trimmed, `None` when empty.
fn text(s: &Option<Text>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}
