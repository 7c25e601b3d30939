//! Typed REST ids. Every REST id is a UUID (REST-NOTES §4, CONTRACT §5.2), and a company id
//! must never be passed where an employee id is meant: one newtype per kind, serialised as the
//! bare UUID string.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                $name(id)
            }
        }
    )*};
}

uuid_ids! {
    /// `companyId` (the `nmbrs_company_id` of a `rest` venue, CONTRACT §5.2).
    CompanyUuid;
    /// `debtorId`: the Nmbrs customer a consent is given for.
    DebtorUuid;
    /// `employeeId`.
    EmployeeUuid;
    /// `hourComponentId` of a variable hour line.
    HourComponentUuid;
    /// `variableWageComponentId` / `variableWagecomponentId` of a variable wage line.
    WageComponentUuid;
    /// `contractId`.
    ContractUuid;
    /// `employmentId`.
    EmploymentUuid;
    /// `salaryId`.
    SalaryUuid;
    /// `scheduleId`.
    ScheduleUuid;
    /// `id` of a wage model.
    WageModelUuid;
    /// `personalInfoId` of one personal-info record.
    PersonalInfoUuid;
}

/// A REST id is the neutral id of the same thing (`domain::nmbrs`): the edge maps its wire ids
/// with `From`, so the domain never names a REST type.
macro_rules! into_neutral {
    ($($uuid:ident => $id:ident),* $(,)?) => {$(
        impl From<$uuid> for crate::nmbrs::$id {
            fn from(id: $uuid) -> Self {
                crate::nmbrs::$id(crate::domain::nmbrs_id::NmbrsId::Uuid(id.0))
            }
        }
    )*};
}

into_neutral! {
    EmployeeUuid => EmployeeId,
    CompanyUuid => CompanyId,
    HourComponentUuid => HourComponentId,
    WageComponentUuid => WageComponentId,
    ContractUuid => ContractId,
    SalaryUuid => SalaryId,
}
