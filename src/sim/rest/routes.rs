//! The REST operations the simulator serves (REST-NOTES §2), as the OpenAPI file names them:
//! method, path template, the scopes any one of which allows the call (the file's `security`,
//! checked against it by a test), and whether the call writes. Paths are matched segment by
//! segment; `{name}` captures.

use std::collections::BTreeMap;

use axum::http::Method;

/// One served REST operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    Companies,
    Debtors,
    DebtorCompanies,
    Period,
    HourCodes,
    WageModels,
    Employees,
    PersonalInfo,
    PrivateInfos,
    Contracts,
    Employments,
    Salaries,
    Schedules,
    Addresses,
    CostPerHour,
    HoursGet,
    HoursPost,
    HoursPut,
    HoursDelete,
    WagesGet,
    WagePost,
    WagePut,
    WageDelete,
    DaysGet,
    DaysPost,
}

/// A route: `method template`, scopes and whether it writes.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    pub op: Op,
    pub method: &'static str,
    /// As in the OpenAPI file (the delete-hours template's `{hourcomponentId}` included).
    pub template: &'static str,
    pub scopes: &'static [&'static str],
    pub write: bool,
}

impl Route {
    /// `"METHOD /path/template"`: the name in the call log and in fault scripts.
    pub fn name(&self) -> String {
        format!("{} {}", self.method, self.template)
    }
}

const COMPANY_READ: &[&str] = &["company.info", "company.info.read"];
const PAYROLL_SETTINGS: &[&str] = &["company.payrollsettings.read"];
const EMPLOYEE_INFO: &[&str] = &["employee.info", "employee.info.read"];
const EMPLOYMENT: &[&str] = &["employee.employment", "employee.employment.read"];
const PAYMENT_READ: &[&str] = &["employee.payment", "employee.payment.read"];
const PAYMENT: &[&str] = &["employee.payment"];

const fn r(op: Op, method: &'static str, template: &'static str, scopes: &'static [&'static str]) -> Route {
    let write = !matches!(method.as_bytes()[0], b'G');
    Route { op, method, template, scopes, write }
}

/// Every served route.
pub const ROUTES: &[Route] = &[
    r(Op::Companies, "GET", "/api/companies", COMPANY_READ),
    r(Op::Debtors, "GET", "/api/debtors", COMPANY_READ),
    r(Op::DebtorCompanies, "GET", "/api/debtors/{debtorId}/companies", COMPANY_READ),
    r(Op::Period, "GET", "/api/companies/{companyId}/period", COMPANY_READ),
    r(Op::HourCodes, "GET", "/api/companies/{companyId}/hourcodes", PAYROLL_SETTINGS),
    r(Op::WageModels, "GET", "/api/companies/{companyId}/wagemodels", PAYROLL_SETTINGS),
    r(Op::Employees, "GET", "/api/companies/{companyId}/employees", EMPLOYEE_INFO),
    r(Op::PersonalInfo, "GET", "/api/companies/{companyId}/employees/personalinfo", EMPLOYEE_INFO),
    r(Op::PrivateInfos, "GET", "/api/companies/{companyId}/employees/privateInfos", EMPLOYEE_INFO),
    r(Op::Contracts, "GET", "/api/companies/{companyId}/employees/contracts", EMPLOYMENT),
    r(Op::Employments, "GET", "/api/companies/{companyId}/employees/employments", EMPLOYMENT),
    r(Op::Salaries, "GET", "/api/companies/{companyId}/employees/salaries", EMPLOYMENT),
    r(Op::Schedules, "GET", "/api/companies/{companyId}/employees/schedules", EMPLOYMENT),
    r(Op::Addresses, "GET", "/api/companies/{companyId}/employees/addresses", EMPLOYEE_INFO),
    r(Op::CostPerHour, "GET", "/api/companies/{companyId}/employees/costperhour", EMPLOYMENT),
    r(Op::HoursGet, "GET", "/api/employees/{employeeId}/variablehours", PAYMENT_READ),
    r(Op::HoursPost, "POST", "/api/employees/{employeeId}/variablehours", PAYMENT),
    r(Op::HoursPut, "PUT", "/api/employees/{employeeId}/variablehours", PAYMENT),
    r(Op::HoursDelete, "DELETE", "/api/employees/{employeeId}/hours/{hourcomponentId}", PAYMENT),
    r(Op::WagesGet, "GET", "/api/companies/{companyId}/employees/variablewagecomponents", PAYMENT_READ),
    r(Op::WagePost, "POST", "/api/employees/{employeeId}/variablewagecomponent", PAYMENT),
    r(Op::WagePut, "PUT", "/api/employees/{employeeId}/variablewagecomponent", PAYMENT),
    r(Op::WageDelete, "DELETE", "/api/employees/{employeeId}/wagecomponents/{wagecomponentId}", PAYMENT),
    r(Op::DaysGet, "GET", "/api/employees/{employeeId}/variabledays", PAYMENT_READ),
    r(Op::DaysPost, "POST", "/api/employees/{employeeId}/variabledays", PAYMENT),
];

/// Path parameters by name, matched case-insensitively (the file itself mixes
/// `{hourcomponentId}` and `hourComponentId`, SOURCES.md).
#[derive(Clone, Debug, Default)]
pub struct PathParams(BTreeMap<String, String>);

impl PathParams {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter()
    }
}

/// Matches `path` against `template`, capturing `{name}` segments.
pub fn match_template(template: &str, path: &str) -> Option<PathParams> {
    let t: Vec<&str> = template.trim_end_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut params = BTreeMap::new();
    for (ts, ps) in t.iter().zip(&p) {
        match ts.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) if !ps.is_empty() => {
                let value = form_urlencoded::parse(format!("v={ps}").as_bytes()).next().map(|(_, v)| v.into_owned())?;
                params.insert(name.to_ascii_lowercase(), value);
            }
            Some(_) => return None,
            None if ts == ps => {}
            None => return None,
        }
    }
    Some(PathParams(params))
}

/// The route serving `method path`, with its path parameters.
pub fn find(method: &Method, path: &str) -> Option<(&'static Route, PathParams)> {
    ROUTES.iter().filter(|r| r.method == method.as_str()).find_map(|r| match_template(r.template, path).map(|p| (r, p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_capture_and_do_not_overlap() {
        let (r, p) = find(&Method::GET, "/api/companies/abc/employees/contracts").unwrap();
        assert_eq!(r.op, Op::Contracts);
        assert_eq!(p.get("companyId"), Some("abc"));
        let (r, _) = find(&Method::GET, "/api/companies/abc/employees").unwrap();
        assert_eq!(r.op, Op::Employees);
        let (r, p) = find(&Method::DELETE, "/api/employees/e/hours/h").unwrap();
        assert_eq!((r.op, p.get("hourComponentId")), (Op::HoursDelete, Some("h")));
        assert!(find(&Method::PATCH, "/api/companies").is_none());
        assert!(find(&Method::GET, "/api/companies//period").is_none());
        assert!(r.write && !find(&Method::GET, "/api/companies").unwrap().0.write);
    }
}
