//! Where the probe may write (issue 21 "it writes only where it is told"): in one company of
//! the consent whose name or number matches the demo pattern, for one of its employees. These
//! checks run on what Nmbrs lists, before any write; a refusal names what did not match and
//! never writes. Pure functions of the reads, so every rule has a unit test.

/// A case-insensitive glob over a company's whole name or number: `*` any run of characters,
/// `?` one. The default `extdev-*` is Nmbrs' recipe for a demo environment (REST-NOTES §1
/// "Sandbox": company/domain `extdev-<AppName>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoPattern(String);

/// Default of `--demo-pattern`.
pub const DEFAULT_DEMO_PATTERN: &str = "extdev-*";

impl DemoPattern {
    /// A pattern with at least three literal characters (one that matches nearly everything,
    /// such as `*`, would switch the safety off).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let literal = text.chars().filter(|c| *c != '*' && *c != '?').count();
        if literal < 3 {
            return Err(format!("--demo-pattern {text:?} needs at least 3 characters besides * and ?"));
        }
        Ok(DemoPattern(text.to_lowercase()))
    }

    /// Whether `value` (trimmed, any case) matches the whole pattern.
    pub fn matches(&self, value: &str) -> bool {
        let (p, v): (Vec<char>, Vec<char>) = (self.0.chars().collect(), value.trim().to_lowercase().chars().collect());
        // Classic glob matching with backtracking on the last `*`.
        let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
        while j < v.len() {
            if i < p.len() && (p[i] == '?' || p[i] == v[j]) {
                i += 1;
                j += 1;
            } else if i < p.len() && p[i] == '*' {
                star = Some(i);
                mark = j;
                i += 1;
            } else if let Some(s) = star {
                i = s + 1;
                mark += 1;
                j = mark;
            } else {
                return false;
            }
        }
        p[i..].iter().all(|c| *c == '*')
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A company as `GET /api/companies` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedCompany {
    pub id: String,
    pub number: String,
    pub name: String,
}

/// Why the probe will not write.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "company {0} is not one of the consent's companies ({1} listed); the probe writes only in a company of the consent"
    )]
    CompanyNotInConsent(String, usize),
    #[error(
        "company {id} ({name:?}, number {number:?}) does not match the demo pattern {pattern:?}: the probe writes only in a demo environment (change the pattern with --demo-pattern)"
    )]
    NotDemo { id: String, name: String, number: String, pattern: String },
    #[error(
        "employee {employee} is not an employee of company {company}; the probe writes only for an employee of the named company"
    )]
    EmployeeNotInCompany { employee: String, company: String },
}

/// The company the probe may write in: `company` must be listed and its name or number match.
pub fn check_company(listed: &[ListedCompany], company: &str, pattern: &DemoPattern) -> Result<ListedCompany, Refusal> {
    let found = listed
        .iter()
        .find(|c| c.id.eq_ignore_ascii_case(company.trim()))
        .ok_or_else(|| Refusal::CompanyNotInConsent(company.to_owned(), listed.len()))?;
    if pattern.matches(&found.name) || pattern.matches(&found.number) {
        Ok(found.clone())
    } else {
        Err(Refusal::NotDemo {
            id: found.id.clone(),
            name: found.name.clone(),
            number: found.number.clone(),
            pattern: pattern.as_str().to_owned(),
        })
    }
}

/// `employee` must be one of the ids the company's employee list holds.
pub fn check_employee(employees: &[String], employee: &str, company: &str) -> Result<(), Refusal> {
    if employees.iter().any(|e| e.eq_ignore_ascii_case(employee.trim())) {
        Ok(())
    } else {
        Err(Refusal::EmployeeNotInCompany { employee: employee.to_owned(), company: company.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn company(id: &str, number: &str, name: &str) -> ListedCompany {
        ListedCompany { id: id.into(), number: number.into(), name: name.into() }
    }

    #[test]
    fn the_default_pattern_is_the_extdev_prefix_in_any_case() {
        let p = DemoPattern::parse(DEFAULT_DEMO_PATTERN).unwrap();
        assert!(p.matches("extdev-Eitje") && p.matches("EXTDEV-eitje BV") && p.matches(" extdev-x "));
        assert!(!p.matches("Eitje extdev-x") && !p.matches("extdev") && !p.matches("Horeca B.V."));
        let q = DemoPattern::parse("*demo?").unwrap();
        assert!(q.matches("Eitje Demo1") && !q.matches("Eitje Demo") && !q.matches("demo12"));
        assert!(
            DemoPattern::parse("*").is_err()
                && DemoPattern::parse("a*b").is_err()
                && DemoPattern::parse("??*").is_err()
        );
    }

    #[test]
    fn a_company_outside_the_consent_or_the_pattern_is_refused() {
        let p = DemoPattern::parse(DEFAULT_DEMO_PATTERN).unwrap();
        let listed = [
            company("c-1", "1", "Real Customer B.V."),
            company("c-2", "extdev-eitje", "Eitje Demo"),
            company("c-3", "3", "extdev-Eitje"),
        ];
        assert_eq!(check_company(&listed, "c-9", &p), Err(Refusal::CompanyNotInConsent("c-9".into(), 3)));
        assert!(matches!(check_company(&listed, "c-1", &p), Err(Refusal::NotDemo { .. })));
        assert_eq!(check_company(&listed, "C-2", &p).unwrap().id, "c-2", "by number");
        assert_eq!(check_company(&listed, "c-3", &p).unwrap().id, "c-3", "by name");
        let refusal = check_company(&listed, "c-1", &p).unwrap_err().to_string();
        assert!(refusal.contains("Real Customer B.V.") && refusal.contains("--demo-pattern"), "{refusal}");
    }

    #[test]
    fn an_employee_of_another_company_is_refused() {
        let employees = ["e-1".to_owned(), "e-2".to_owned()];
        assert!(check_employee(&employees, "E-2", "c").is_ok());
        assert_eq!(
            check_employee(&employees, "e-3", "c"),
            Err(Refusal::EmployeeNotInCompany { employee: "e-3".into(), company: "c".into() })
        );
    }
}
