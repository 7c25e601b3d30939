//! The words REST spells differently from SOAP, both ways: salary and employee types (a word
//! on REST, the Nmbrs enumeration number on SOAP), genders, and the display name SOAP composes. The reader
//! maps REST's words to SOAP's here; the simulator maps back with the same tables.

/// REST salary `type`s in the order of the Nmbrs salary type numbers (1 = `grossFulltimeSalary`).
pub const SALARY_TYPES: [&str; 8] = [
    "grossFulltimeSalary",
    "grossParttimeSalary",
    "grossHourlyWage",
    "netParttimeSalaryInclWageComp",
    "netParttimeSalaryExclWageComp",
    "netHourlyWageExclWageComp",
    "employerCosts",
    "netHourlyWageInclWageComp",
];

/// The Nmbrs salary type number of a REST salary `type` (case-insensitive); `None` for a word
/// not in [`SALARY_TYPES`].
pub fn salary_type(t: Option<&str>) -> Option<i32> {
    let i = SALARY_TYPES.iter().position(|s| t.is_some_and(|t| t.eq_ignore_ascii_case(s)))?;
    i32::try_from(i + 1).ok()
}

/// The REST salary `type` of an Nmbrs salary type number (`None` outside 1..=8).
pub fn salary_type_word(n: i32) -> Option<&'static str> {
    usize::try_from(n).ok().and_then(|n| n.checked_sub(1)).and_then(|i| SALARY_TYPES.get(i)).copied()
}

/// REST `employeeType`s in the order of the v3 `EmployeeType` numbers (`List_GetByCompany`;
/// 1 = `payroll`).
pub const EMPLOYEE_TYPES: [&str; 7] =
    ["payroll", "formerPayroll", "external", "formerExternal", "applicant", "newHire", "rejectedApplicant"];

/// The REST `employeeType` of a v3 `EmployeeType` number (`None` outside 1..=7).
pub fn employee_type_word(n: i32) -> Option<&'static str> {
    usize::try_from(n).ok().and_then(|n| n.checked_sub(1)).and_then(|i| EMPLOYEE_TYPES.get(i)).copied()
}

/// REST gender as SOAP spells it (`male`, `female`, `undefined`; anything else empty).
pub fn gender(g: Option<&str>) -> String {
    match g.map(str::to_ascii_lowercase).as_deref() {
        Some("male") => "male".into(),
        Some("female") => "female".into(),
        Some("unspecified") => "undefined".into(),
        _ => String::new(),
    }
}

/// SOAP's display name: first name, prefix and last name, blank parts left out (`None` when
/// all are blank).
pub fn display_name(parts: [&Option<String>; 3]) -> Option<String> {
    let name: Vec<&str> = parts.into_iter().flatten().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
    (!name.is_empty()).then(|| name.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salary_types_and_genders_read_as_on_soap() {
        assert_eq!(salary_type(Some("grossHourlyWage")), Some(3));
        assert_eq!(salary_type(Some("grossFulltimeSalary")), Some(1));
        assert_eq!(crate::domain::team::record::salary_type(3), "Bruto_Uurloon");
        assert_eq!(
            (gender(Some("Male")), gender(Some("unspecified")), gender(Some("unknown"))),
            ("male".into(), "undefined".into(), String::new())
        );
        assert_eq!(salary_type(Some("GROSSFULLTIMESALARY")), Some(1));
        assert_eq!(salary_type(Some("somethingNew")), None);
        assert_eq!(
            (salary_type_word(3), salary_type_word(8)),
            (Some("grossHourlyWage"), Some("netHourlyWageInclWageComp"))
        );
        assert_eq!((salary_type_word(0), salary_type_word(9)), (None, None));
        assert_eq!((employee_type_word(1), employee_type_word(7)), (Some("payroll"), Some("rejectedApplicant")));
        assert_eq!((employee_type_word(0), employee_type_word(8)), (None, None));
    }
}
