//! What one export is planned from: the facts the handler read from Nmbrs per company, the
//! ledger and what the worker applied ([`PlanInput`]), and what a SOAP→REST relink left
//! unrecognised ([`Unrelinked`]). Split from `plan.rs` so the planning rules read apart from
//! their inputs.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::export::actions::{Applied, WriteMode};
use crate::domain::export::contributions::{BucketKey, Component};
use crate::domain::export::ledger::Ledger;
use crate::domain::export::payload::{EntryId, ExportPayload};
use crate::domain::export::validation::code_known;
use crate::domain::integration::{Settings, Venue};
use crate::domain::nmbrs::{CompanyId, CurrentPeriod, EmployeeId, HourCode, ModelCode, PayPeriod, WageCode};

/// What the handler read from Nmbrs about one company.
#[derive(Clone, Debug, PartialEq)]
pub struct CompanyFacts {
    /// `Company_GetCurrentPeriod`.
    pub current_period: CurrentPeriod,
    /// The company's two hour models (`HourModel_GetHourCodes`, `HourModel2_GetHourCodes`).
    pub hour_models: [Vec<ModelCode>; 2],
    /// The company's two wage models.
    pub wage_models: [Vec<ModelCode>; 2],
    /// The employees Nmbrs knows in the company.
    pub employees: BTreeSet<EmployeeId>,
    /// Records of the company's employee list whose `EmployeeId` could not be read: any of
    /// them may be an employee missing from `employees`, so such an employee is not certainly
    /// unknown (CONTRACT §2.3: skipped `unreadable_record`, not `unknown_employee`).
    pub unidentified: u32,
}

impl CompanyFacts {
    /// Whether the company's models contain the component's code (days need none).
    pub fn knows(&self, component: Component) -> bool {
        match component {
            Component::Hours(HourCode(c)) => code_known(c, &self.hour_models[0], &self.hour_models[1]),
            Component::Wage(WageCode(c)) => code_known(c, &self.wage_models[0], &self.wage_models[1]),
            Component::Days => true,
        }
    }
}

/// Everything one export is planned from.
#[derive(Clone, Copy, Debug)]
pub struct PlanInput<'a> {
    pub payload: &'a ExportPayload,
    /// `integration.venues`: venue → Nmbrs company.
    pub venues: &'a [Venue],
    /// `integration.settings`: the code mappings.
    pub settings: &'a Settings,
    /// Facts per company, for every company of [`companies_to_read`]. A company missing here
    /// could not be read (no access, no current period, unreadable): its entries are skipped
    /// as `nmbrs_refused` and frozen; the handler names the company in `errors` itself.
    pub companies: &'a BTreeMap<CompanyId, CompanyFacts>,
    /// The ledger before this export. It must hold every live contribution of the entries this
    /// export names and of every bucket they touch (all contributions of the employees named,
    /// for the periods concerned, are enough).
    pub ledger: &'a Ledger,
    /// What the worker has in Nmbrs per bucket (value last written, own component ids);
    /// absent = nothing.
    pub applied: &'a BTreeMap<BucketKey, Applied>,
    /// What the Nmbrs edge can do to an owned line (update in place or only delete and insert).
    pub edge: WriteMode,
    /// After a switch to REST: the periods where SOAP-era buckets of an employee the relink
    /// could not recognise are in doubt, and the employees it did recognise.
    pub unrelinked: &'a Unrelinked,
}

/// What the SOAP→REST relink left unrecognised (CONTRACT §5.4 "what it cannot relink is
/// reported `export.in_doubt` and never written blindly"). A SOAP-made component of an employee
/// the relink could not recognise still counts in Nmbrs; any REST employee without a SOAP twin
/// may be that employee, so in those periods their entries are held (`in_doubt`) until a person
/// has resolved the SOAP-era buckets (`in-doubt list` / `in-doubt resolve`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unrelinked {
    /// Periods with SOAP-keyed buckets of an employee the relink could not recognise.
    pub periods: BTreeSet<PayPeriod>,
    /// REST employees the relink linked to a SOAP-era employee.
    pub linked: BTreeSet<EmployeeId>,
    /// (REST employee, period) where the employee's SOAP twin still has SOAP-keyed buckets (a
    /// closed period the relink left as history, or a company it could not link): its
    /// SOAP-made components are there, so a REST write beside them could double an hour.
    pub twins: BTreeSet<(EmployeeId, PayPeriod)>,
    /// Entries whose earlier contributions are still keyed by SOAP ids (their buckets were
    /// left as they were).
    pub entries: BTreeSet<EntryId>,
}

impl Unrelinked {
    /// Whether an entry of `employee` in `period` must wait: a REST employee without a SOAP twin,
    /// in a period where an unrecognised employee's SOAP-made components are in doubt.
    pub fn holds(&self, period: PayPeriod, employee: EmployeeId) -> bool {
        let maybe_unrecognised =
            self.periods.contains(&period) && employee.0.rest().is_some() && !self.linked.contains(&employee);
        maybe_unrecognised || self.twins.contains(&(employee, period))
    }
}
