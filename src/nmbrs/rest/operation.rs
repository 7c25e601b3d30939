//! The catalogue of Nmbrs REST operations the worker calls (REST-NOTES §2): method and path
//! template exactly as `nmbrs-openapi.yaml` writes them (the delete-hours template's
//! `{hourcomponentId}` included), the scopes the file lists for each (in the file's order:
//! the first is the one `nmbrs.missing_rights` names, CONTRACT §5.3), whether repeating the
//! call is safe, whether it is paged, and the SOAP operation of the same need. A test checks
//! this table against the OpenAPI file.

use crate::nmbrs::Operation;
use crate::nmbrs::catalogue::operation_catalogue;

macro_rules! rest_operations {
    ($($variant:ident = $name:literal, $effect:ident, $paged:literal, $soap:ident, [$($scope:literal),*];)*) => {
        /// One REST operation of the catalogue; its name is `"METHOD /path/template"`, e.g.
        /// `"GET /api/companies/{companyId}/period"`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RestOperation { $($variant),* }

        operation_catalogue!(RestOperation { $($variant = $name, $effect;)* });

        impl RestOperation {
            /// The scopes any one of which allows the call (a write scope includes its `.read`).
            pub fn scopes(self) -> &'static [&'static str] {
                match self { $(RestOperation::$variant => &[$($scope),*]),* }
            }

            /// Whether the file declares `pageNumber`/`pageSize` for it.
            pub fn paged(self) -> bool {
                match self { $(RestOperation::$variant => $paged),* }
            }

            /// The SOAP operation that served the same need (REST-NOTES §2).
            pub fn soap(self) -> Operation {
                match self { $(RestOperation::$variant => Operation::$soap),* }
            }
        }
    };
}

rest_operations! {
    Companies = "GET /api/companies", Read, true, ListGetAll, ["company.info", "company.info.read"];
    Debtors = "GET /api/debtors", Read, true, ListGetAll, ["company.info", "company.info.read"];
    DebtorCompanies = "GET /api/debtors/{debtorId}/companies", Read, true, ListGetAll, ["company.info.read", "company.info"];
    CurrentPeriod = "GET /api/companies/{companyId}/period", Read, false, CompanyGetCurrentPeriod, ["company.info.read", "company.info"];
    HourCodes = "GET /api/companies/{companyId}/hourcodes", Read, true, HourModelGetHourCodes, ["company.payrollsettings.read"];
    WageModels = "GET /api/companies/{companyId}/wagemodels", Read, true, WageModelGetWageCodes, ["company.payrollsettings.read"];
    Employees = "GET /api/companies/{companyId}/employees", Read, true, ListGetByCompany, ["employee.info", "employee.info.read"];
    PersonalInfo = "GET /api/companies/{companyId}/employees/personalinfo", Read, true, PersonalInfoGetAll, ["employee.info", "employee.info.read"];
    PrivateInfos = "GET /api/companies/{companyId}/employees/privateInfos", Read, true, PersonalInfoContractSalaryAddressGetAll, ["employee.info", "employee.info.read"];
    Contracts = "GET /api/companies/{companyId}/employees/contracts", Read, true, ContractGetAll, ["employee.employment", "employee.employment.read"];
    Employments = "GET /api/companies/{companyId}/employees/employments", Read, true, ContractGetAll, ["employee.employment.read", "employee.employment"];
    Salaries = "GET /api/companies/{companyId}/employees/salaries", Read, true, SalaryGetAll, ["employee.employment", "employee.employment.read"];
    Schedules = "GET /api/companies/{companyId}/employees/schedules", Read, true, ScheduleGetAll, ["employee.employment", "employee.employment.read"];
    Addresses = "GET /api/companies/{companyId}/employees/addresses", Read, true, PersonalInfoContractSalaryAddressGetAll, ["employee.info", "employee.info.read"];
    CostPerHour = "GET /api/companies/{companyId}/employees/costperhour", Read, true, SalaryGetEstimatedCostPerHour, ["employee.employment", "employee.employment.read"];
    HoursGet = "GET /api/employees/{employeeId}/variablehours", Read, true, HourComponentVarGet, ["employee.payment", "employee.payment.read"];
    HoursPost = "POST /api/employees/{employeeId}/variablehours", Insert, false, HourComponentVarInsert, ["employee.payment"];
    HoursPut = "PUT /api/employees/{employeeId}/variablehours", Idempotent, false, HourComponentVarInsert, ["employee.payment"];
    HoursDelete = "DELETE /api/employees/{employeeId}/hours/{hourcomponentId}", Idempotent, false, HourComponentDelete, ["employee.payment"];
    WagesGet = "GET /api/companies/{companyId}/employees/variablewagecomponents", Read, true, WageComponentVarGet, ["employee.payment.read", "employee.payment"];
    WagePost = "POST /api/employees/{employeeId}/variablewagecomponent", Insert, false, WageComponentVarInsert, ["employee.payment"];
    WagePut = "PUT /api/employees/{employeeId}/variablewagecomponent", Idempotent, false, WageComponentVarInsert, ["employee.payment"];
    WageDelete = "DELETE /api/employees/{employeeId}/wagecomponents/{wagecomponentId}", Idempotent, false, WageComponentDelete, ["employee.payment"];
    DaysGet = "GET /api/employees/{employeeId}/variabledays", Read, true, DaysVarGet, ["employee.payment", "employee.payment.read"];
    // Not repeat-safe: whether a second POST adds or replaces is not documented (REST-NOTES §2 [L]).
    DaysPost = "POST /api/employees/{employeeId}/variabledays", Insert, false, DaysVarSet, ["employee.payment"];
}

impl RestOperation {
    /// The HTTP method (`GET`, `POST`, `PUT`, `DELETE`).
    pub fn method(self) -> &'static str {
        self.name().split_once(' ').map_or("GET", |(m, _)| m)
    }

    /// The path template as the OpenAPI file writes it.
    pub fn template(self) -> &'static str {
        self.name().split_once(' ').map_or("", |(_, t)| t)
    }

    /// Whether a grant with `granted` scopes may call it (CONTRACT §5.3: any listed scope, a
    /// write scope including its `.read`).
    pub fn allowed_by(self, granted: &[String]) -> bool {
        self.scopes().iter().any(|needed| {
            granted.iter().any(|g| g == needed || needed.strip_suffix(".read").is_some_and(|write| g == write))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_scope_includes_its_read_and_any_listed_scope_allows() {
        let granted = |s: &[&str]| s.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert!(RestOperation::HoursGet.allowed_by(&granted(&["employee.payment"])));
        assert!(RestOperation::WagesGet.allowed_by(&granted(&["employee.payment"])));
        assert!(!RestOperation::HoursPost.allowed_by(&granted(&["employee.payment.read"])));
        assert!(RestOperation::CurrentPeriod.allowed_by(&granted(&["company.info"])));
        assert!(!RestOperation::HourCodes.allowed_by(&granted(&["company.info.read", "employee.payment"])));
        assert_eq!(RestOperation::HoursDelete.method(), "DELETE");
        assert_eq!(RestOperation::HoursDelete.template(), "/api/employees/{employeeId}/hours/{hourcomponentId}");
    }
}
