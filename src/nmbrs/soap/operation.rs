//! The catalogue of Nmbrs operations this worker speaks: exact (case-sensitive) names,
//! which service hosts each, the element names of its parameters in WSDL order, and
//! whether repeating it is safe. The client and the simulator both read this one table.

pub use crate::nmbrs::catalogue::Effect;
use crate::nmbrs::catalogue::operation_catalogue;

/// The two SOAP services used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Service {
    Employee,
    Company,
}

impl Service {
    /// Path below `NMBRS_BASE_URL`.
    pub fn path(self) -> &'static str {
        match self {
            Service::Employee => "EmployeeService.asmx",
            Service::Company => "CompanyService.asmx",
        }
    }

    /// Target namespace of the service (v3); also the namespace of body and header.
    pub fn namespace(self) -> &'static str {
        match self {
            Service::Employee => "https://api.nmbrs.nl/soap/v3/EmployeeService",
            Service::Company => "https://api.nmbrs.nl/soap/v3/CompanyService",
        }
    }
}

macro_rules! operations {
    ($($variant:ident = $name:literal, $svc:ident, $effect:ident, [$($param:literal),*];)*) => {
        /// Every Nmbrs operation the worker calls (21: the 19 of the integration plus the
        /// two read-backs `HourComponentVar_Get` and `DaysVar_Get`); its name is the exact
        /// operation name (body element and SOAPAction suffix).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Operation { $($variant),* }

        operation_catalogue!(Operation { $($variant = $name, $effect;)* });

        impl Operation {
            /// The service that hosts it.
            pub fn service(self) -> Service {
                match self { $(Operation::$variant => Service::$svc),* }
            }

            /// Child elements of the request element, in WSDL order.
            pub fn params(self) -> &'static [&'static str] {
                match self { $(Operation::$variant => &[$($param),*]),* }
            }
        }
    };
}

operations! {
    HourComponentDelete = "HourComponent_Delete", Employee, Idempotent, ["EmployeeId", "HourComponentID"];
    DaysVarSet = "DaysVar_Set", Employee, Idempotent, ["EmployeeId", "Days", "Period", "Year", "UnprotectedMode"];
    DaysVarGet = "DaysVar_Get", Employee, Read, ["EmployeeId", "Period", "Year"];
    HourComponentVarInsert = "HourComponentVar_Insert", Employee, Insert, ["EmployeeId", "Hourcomponent", "Period", "Year", "UnprotectedMode"];
    HourComponentVarGet = "HourComponentVar_Get", Employee, Read, ["EmployeeId", "Period", "Year"];
    WageComponentDelete = "WageComponent_Delete", Employee, Idempotent, ["EmployeeId", "WageComponentID"];
    WageComponentVarGet = "WageComponentVar_Get", Employee, Read, ["EmployeeId", "Period", "Year"];
    WageComponentVarInsert = "WageComponentVar_Insert", Employee, Insert, ["EmployeeId", "WageComponent", "Period", "Year", "UnprotectedMode"];
    PersonalInfoContractSalaryAddressGetAll = "PersonalInfoContractSalaryAddress_GetAll_AllEmployeesByCompany", Employee, Read, ["CompanyID"];
    PersonalInfoGetAll = "PersonalInfo_GetAll_AllEmployeesByCompany", Employee, Read, ["CompanyID"];
    SalaryGetEstimatedCostPerHour = "Salary_GetEstimatedCostPerHour", Employee, Read, ["employeeId", "period", "year"];
    ScheduleGetAll = "Schedule_GetAll_AllEmployeesByCompany", Employee, Read, ["CompanyID"];
    ContractGetAll = "Contract_GetAll_AllEmployeesByCompany", Employee, Read, ["CompanyID"];
    SalaryGetAll = "Salary_GetAll_AllEmployeesByCompany", Employee, Read, ["CompanyID"];
    ListGetByCompany = "List_GetByCompany", Employee, Read, ["CompanyId", "EmployeeType"];
    ListGetAll = "List_GetAll", Company, Read, [];
    CompanyGetCurrentPeriod = "Company_GetCurrentPeriod", Company, Read, ["CompanyId"];
    HourModelGetHourCodes = "HourModel_GetHourCodes", Company, Read, ["CompanyId"];
    HourModel2GetHourCodes = "HourModel2_GetHourCodes", Company, Read, ["CompanyId"];
    WageModelGetWageCodes = "WageModel_GetWageCodes", Company, Read, ["CompanyId"];
    WageModel2GetWageCodes = "WageModel2_GetWageCodes", Company, Read, ["CompanyId"];
}

impl Operation {
    /// `"<namespace>/<name>"`, the SOAPAction value without its quotes.
    pub fn soap_action(self) -> String {
        format!("{}/{}", self.service().namespace(), self.name())
    }

    /// Looks an operation up by service and exact name.
    pub fn find(service: Service, name: &str) -> Option<Operation> {
        Self::ALL.iter().copied().find(|op| op.service() == service && op.name() == name)
    }

    /// Whether the call changes Nmbrs data.
    pub fn is_write(self) -> bool {
        self.effect() != Effect::Read
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_has_21_unique_operations() {
        assert_eq!(Operation::ALL.len(), 21);
        for op in Operation::ALL {
            assert_eq!(Operation::find(op.service(), op.name()), Some(*op));
        }
        assert_eq!(
            Operation::HourComponentVarInsert.soap_action(),
            "https://api.nmbrs.nl/soap/v3/EmployeeService/HourComponentVar_Insert"
        );
        assert!(!Operation::ListGetAll.is_write());
        assert_eq!(Operation::DaysVarSet.effect(), Effect::Idempotent);
    }
}
