//! The operations behind each need of `domain::check::needs`, per API: the one table the
//! check tests, the help page shows (`docs/check.md`, kept equal by a test) and the code calls.
//!
//! SOAP: one operation per need. REST: every call of the catalogue that serves the same need
//! (`RestOperation::soap`, REST-NOTES §2); the second hour and wage models have no REST call
//! of their own (REST reads one list per kind).

use crate::domain::check::needs::{NEEDS, Need, User};
use crate::nmbrs::{Operation, rest::RestOperation};

/// The SOAP operation that serves `need`.
pub fn soap_operation(need: Need) -> Operation {
    match need {
        Need::CompanyList => Operation::ListGetAll,
        Need::CurrentPeriod => Operation::CompanyGetCurrentPeriod,
        Need::HourModel => Operation::HourModelGetHourCodes,
        Need::HourModel2 => Operation::HourModel2GetHourCodes,
        Need::WageModel => Operation::WageModelGetWageCodes,
        Need::WageModel2 => Operation::WageModel2GetWageCodes,
        Need::EmployeeRecords => Operation::PersonalInfoContractSalaryAddressGetAll,
        Need::Contracts => Operation::ContractGetAll,
        Need::Salaries => Operation::SalaryGetAll,
        Need::Schedules => Operation::ScheduleGetAll,
        Need::CostPerHour => Operation::SalaryGetEstimatedCostPerHour,
        Need::HoursInsert => Operation::HourComponentVarInsert,
        Need::HoursDelete => Operation::HourComponentDelete,
        Need::HoursRead => Operation::HourComponentVarGet,
        Need::WagesInsert => Operation::WageComponentVarInsert,
        Need::WagesDelete => Operation::WageComponentDelete,
        Need::WagesRead => Operation::WageComponentVarGet,
        Need::DaysSet => Operation::DaysVarSet,
        Need::DaysRead => Operation::DaysVarGet,
    }
}

/// The REST calls that serve `need` (empty: REST has no call of its own for it).
pub fn rest_operations(need: Need) -> Vec<RestOperation> {
    let soap = soap_operation(need);
    RestOperation::ALL.iter().copied().filter(|r| r.soap() == soap).collect()
}

/// The help page's table (Markdown): each need's operations on both APIs, who needs it and
/// whether the check can test it without writing.
pub fn help_table() -> String {
    let mut out = String::from(
        "| SOAP operation | REST calls (scope) | needed by | required | the check |\n| --- | --- | --- | --- | --- |\n",
    );
    for row in NEEDS {
        let rest: Vec<String> = rest_operations(row.need)
            .iter()
            .map(|r| format!("`{}` ({})", r.name(), r.scopes().first().copied().unwrap_or("-")))
            .collect();
        let rest = if rest.is_empty() { "—".to_string() } else { rest.join("<br>") };
        let users: Vec<&str> = row.users.iter().copied().map(User::label).collect();
        let how = if row.writes {
            "what earlier writes learned (SOAP); the scopes (REST)"
        } else {
            "a harmless read (SOAP); the scopes (REST)"
        };
        out.push_str(&format!(
            "| `{}` | {rest} | {} | {} | {how} |\n",
            soap_operation(row.need).name(),
            users.join(", "),
            if row.required { "yes" } else { "no (a safety net)" },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_a_job_calls_serves_exactly_one_need() {
        for op in Operation::ALL {
            let needs = NEEDS.iter().filter(|r| soap_operation(r.need) == *op).count();
            // List_GetByCompany and PersonalInfo_GetAll are in the catalogue, but no job calls them.
            let unused = matches!(op, Operation::ListGetByCompany | Operation::PersonalInfoGetAll);
            assert_eq!(needs, usize::from(!unused), "{op}");
        }
        for row in NEEDS {
            assert_eq!(soap_operation(row.need).is_write(), row.writes, "{:?}", row.need);
        }
        assert!(rest_operations(Need::HourModel2).is_empty());
        assert!(rest_operations(Need::DaysSet).contains(&RestOperation::DaysPost));
    }

    #[test]
    fn the_help_page_shows_the_table_of_the_code() {
        let page =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/check.md")).expect("docs/check.md");
        let table = help_table();
        assert!(
            page.contains(&table),
            "docs/check.md must contain the operations table as the code makes it; paste this:\n{table}"
        );
    }
}
