//! One REST record → the neutral record SOAP's reads give (so team sync gets the same on both
//! APIs): companies, personal info, contracts, employments, salaries, schedules, and the type
//! numbers and words REST spells differently. Pure; the reads that call these are `team.rs`
//! and `snapshot.rs`.

use rust_decimal::Decimal;

use crate::domain::employment_periods::Employment;
use crate::nmbrs::rest::*;
use crate::nmbrs::{
    Company, CompanyId, Contract, ContractId, EmployeeId, NmbrsId, PersonalInfo, Salary, SalaryId, Schedule,
};

/// REST salary `type`s in the order of the Nmbrs salary type numbers (1 = `grossFulltimeSalary`).
const SALARY_TYPES: [&str; 8] = [
    "grossFulltimeSalary",
    "grossParttimeSalary",
    "grossHourlyWage",
    "netParttimeSalaryInclWageComp",
    "netParttimeSalaryExclWageComp",
    "netHourlyWageExclWageComp",
    "employerCosts",
    "netHourlyWageInclWageComp",
];

/// Salary type numbers that are an hourly wage (the snapshot's `hourly_wage`).
pub(super) const HOURLY: [i32; 3] = [3, 6, 8];

/// REST `employeeType` of a v3 `EmployeeType` number (`List_GetByCompany`).
pub(super) const EMPLOYEE_TYPES: [&str; 7] =
    ["payroll", "formerPayroll", "external", "formerExternal", "applicant", "newHire", "rejectedApplicant"];

pub(super) fn salary_type(t: Option<&str>) -> Option<i32> {
    let i = SALARY_TYPES.iter().position(|s| t.is_some_and(|t| t.eq_ignore_ascii_case(s)))?;
    i32::try_from(i + 1).ok()
}

/// REST gender as SOAP spells it (`male`, `female`, `undefined`; anything else empty).
pub(super) fn gender(g: Option<&str>) -> String {
    match g.map(str::to_ascii_lowercase).as_deref() {
        Some("male") => "male".into(),
        Some("female") => "female".into(),
        Some("unspecified") => "undefined".into(),
        _ => String::new(),
    }
}

pub(super) fn display_name(parts: [&Option<String>; 3]) -> Option<String> {
    let name: Vec<&str> = parts.into_iter().flatten().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
    (!name.is_empty()).then(|| name.join(" "))
}

fn uuid_id(id: Option<uuid::Uuid>) -> NmbrsId {
    NmbrsId::Uuid(id.unwrap_or_default())
}

/// The item of `items` greatest by `key`, the first listed on ties (REST lists histories newest
/// first, REST-NOTES §7; as [`crate::domain::history::Listing::NewestFirst`]).
pub(super) fn latest<T, K: Ord>(items: &[T], key: impl Fn(&T) -> K) -> Option<&T> {
    items.iter().enumerate().max_by_key(|(i, t)| (key(t), std::cmp::Reverse(*i))).map(|(_, t)| t)
}

pub(super) fn company(c: RestCompany) -> Company {
    Company {
        id: CompanyId::from(c.id),
        number: c.number.as_deref().and_then(|n| n.trim().parse().ok()).unwrap_or(0),
        name: c.name,
        ..Default::default()
    }
}

pub(super) fn personal_info(p: RestPersonalInfo) -> PersonalInfo {
    PersonalInfo {
        id: EmployeeId(uuid_id(p.id.map(|i| i.0))),
        display_name: display_name([&p.first_name, &p.prefix, &p.last_name]),
        employee_number: p.employee_number.unwrap_or(0),
        first_name: p.first_name,
        initials: p.initials,
        prefix: p.prefix,
        last_name: p.last_name,
        gender: gender(p.gender.as_deref()),
        telephone_private: p.private_phone,
        telephone_work: p.business_phone,
        telephone_mobile_private: p.private_mobile_phone,
        telephone_mobile_work: p.business_mobile_phone,
        telephone_other: p.other_phone,
        email_private: p.private_email,
        email_work: p.business_email,
        birthday: p.birth_date,
        creation_date: p.created_at,
        start_period: p.period.map_or(0, |p| p.period.into()),
        start_year: p.period.map_or(0, |p| p.year),
        ..Default::default()
    }
}

pub(super) fn contract(c: RestContract) -> Contract {
    Contract {
        contract_id: ContractId(uuid_id(c.id.map(|i| i.0))),
        creation_date: c.created_at,
        start_date: Some(c.start_date),
        trial_period: c.trial_period,
        end_date: c.end_date,
        indefinite: c.indefinite,
        written_contract: c.written_contract,
        hours_per_week: c.hours_per_week,
        ..Default::default()
    }
}

pub(super) fn employment(e: &RestEmployment) -> Employment {
    Employment {
        id: ContractId(uuid_id(e.id.map(|i| i.0))),
        start: e.start_date,
        end: e.end_date,
        created: e.creation_date,
    }
}

pub(super) fn salary(s: RestSalary) -> Salary {
    Salary {
        id: SalaryId(uuid_id(s.id.map(|i| i.0))),
        value: s.value,
        salary_type: salary_type(s.salary_type.as_deref()),
        salary_table: None,
        start_date: s.start_date,
        creation_date: s.created_at,
    }
}

pub(super) fn schedule(s: RestSchedule) -> Schedule {
    Schedule {
        // SOAP's id is a decimal; a REST UUID does not fit and no rule reads it.
        id: Decimal::ZERO,
        hours_week1: s.week1.map(Some),
        hours_week2: s.week2.map(Some),
        parttime_percentage: s.parttime_percentage,
        start_date: s.start_date,
        creation_date: s.created_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salary_types_and_genders_read_as_on_soap() {
        assert_eq!(salary_type(Some("grossHourlyWage")), Some(3));
        assert_eq!(salary_type(Some("grossFulltimeSalary")), Some(1));
        assert_eq!(salary_type(Some("somethingNew")), None);
        assert_eq!(crate::domain::team::record::salary_type(3), "Bruto_Uurloon");
        assert_eq!(
            (gender(Some("Male")), gender(Some("unspecified")), gender(Some("unknown"))),
            ("male".into(), "undefined".into(), String::new())
        );
    }

    #[test]
    fn latest_is_greatest_by_key_then_first_in_the_response() {
        let items = [(1, 'a'), (2, 'b'), (2, 'c'), (0, 'd')];
        assert_eq!(latest(&items, |i| i.0), Some(&(2, 'b')));
        assert_eq!(latest(&[] as &[(i32, char)], |i| i.0), None);
    }

    #[test]
    fn company_number_is_read_from_its_string() {
        let c = |n: Option<&str>| RestCompany {
            id: CompanyUuid(uuid::Uuid::nil()),
            number: n.map(Into::into),
            name: None,
            debtor_id: None,
        };
        assert_eq!(company(c(Some(" 444445 "))).number, 444445);
        assert_eq!(company(c(Some("A-12"))).number, 0);
        assert_eq!(company(c(None)).number, 0);
    }
}
