//! What the probe reads before it may write: the consent's companies (the debtor walk when
//! `GET /api/companies` refuses a multi-debtor consent, 403 `40306`), the safety checks on the
//! company and the employee (`safety.rs`), the company's current period and period type, and
//! the hour and wage codes its lines use. Reads only; a refusal here ends the run unwritten.

use serde_json::Value;

use super::options::Options;
use super::safety::{self, DemoPattern, ListedCompany};
use super::session::{Call, Rest};
use crate::nmbrs::rest::RestOperation as Op;
use crate::nmbrs::{PayPeriod, PeriodType};

/// The company, employee, period and codes of the run.
pub struct Setup {
    pub company: ListedCompany,
    pub employee: String,
    /// The employee's number (question 5 finds the SOAP employee by it).
    pub employee_number: Option<i64>,
    pub current: PayPeriod,
    pub period_type: PeriodType,
    pub hour_code: i64,
    pub wage_code: Option<i64>,
}

fn listed(item: &Value) -> Option<ListedCompany> {
    Some(ListedCompany {
        id: item["companyId"].as_str()?.to_owned(),
        number: match &item["number"] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        },
        name: item["name"].as_str().unwrap_or_default().to_owned(),
    })
}

/// The consent's companies.
async fn companies(rest: &Rest<'_>) -> anyhow::Result<Vec<ListedCompany>> {
    let call = Call::new(Op::Companies, &[]).query("pageNumber", 1).query("pageSize", 100);
    let first = rest.send(call).await?;
    if first.status == 403 && first.code() == Some(40306) {
        let mut all = Vec::new();
        for debtor in rest.get_all(Op::Debtors, &[], &[]).await? {
            let Some(id) = debtor["debtorId"].as_str() else { continue };
            all.extend(rest.get_all(Op::DebtorCompanies, &[id], &[]).await?.iter().filter_map(listed));
        }
        return Ok(all);
    }
    anyhow::ensure!(first.ok(), "the companies could not be read: {}", rest.rec.cite(&first));
    Ok(rest.get_all(Op::Companies, &[], &[]).await?.iter().filter_map(listed).collect())
}

fn period_type(text: &str) -> Option<PeriodType> {
    match text.trim().to_ascii_lowercase().as_str() {
        "month" | "monthly" => Some(PeriodType::Monthly),
        "4-weeks" | "4weeks" | "fourweekly" => Some(PeriodType::FourWeekly),
        "1-week" | "week" | "weekly" => Some(PeriodType::Weekly),
        _ => None,
    }
}

/// Reads and checks everything the questions need; any refusal is an error before any write.
pub async fn prepare(rest: &Rest<'_>, opts: &Options, pattern: &DemoPattern) -> anyhow::Result<Setup> {
    rest.rec.question("safety");
    let (company, employee) = match (&opts.company, &opts.employee) {
        (Some(c), Some(e)) => (c.trim().to_owned(), e.trim().to_owned()),
        _ => anyhow::bail!("--company and --employee are required (or --tokens)"),
    };
    let company = safety::check_company(&companies(rest).await?, &company, pattern)?;
    let staff = rest.get_all(Op::Employees, &[&company.id], &[]).await?;
    let ids: Vec<String> = staff.iter().filter_map(|e| e["employeeId"].as_str().map(str::to_owned)).collect();
    safety::check_employee(&ids, &employee, &company.id)?;
    let employee_number = staff
        .iter()
        .find(|e| e["employeeId"].as_str().is_some_and(|id| id.eq_ignore_ascii_case(&employee)))
        .and_then(|e| e["employeeBasicInfo"]["employeeNumber"].as_i64());

    let period = rest.get_all(Op::CurrentPeriod, &[&company.id], &[]).await?;
    let first = period.first().ok_or_else(|| anyhow::anyhow!("the company has no current period"))?;
    let current = match (first["period"]["year"].as_i64(), first["period"]["period"].as_i64()) {
        (Some(y), Some(p)) => PayPeriod::new(i32::try_from(y)?, u8::try_from(p)?),
        _ => anyhow::bail!("the current period cannot be read: {first}"),
    };
    let kind = period_type(first["periodType"].as_str().unwrap_or_default())
        .ok_or_else(|| anyhow::anyhow!("unknown period type {}", first["periodType"]))?;
    let next = super::questions::following(current, kind);

    let hour_code = match opts.hour_code {
        Some(code) => code,
        None => rest
            .get_all(Op::HourCodes, &[&company.id], &[])
            .await?
            .iter()
            .find_map(|c| c["code"].as_i64())
            .ok_or_else(|| anyhow::anyhow!("the company has no hour code"))?,
    };
    let wage_code = match opts.wage_code {
        Some(code) => Some(code),
        None => {
            let query = [("year", next.year.to_string()), ("period", next.period.to_string())];
            let models = rest.get_all(Op::WageModels, &[&company.id], &query).await?;
            models
                .iter()
                .flat_map(|m| m["wageCodes"].as_array().cloned().unwrap_or_default())
                .find(|c| matches!(c["continuityType"].as_str(), Some("variable" | "both") | None))
                .and_then(|c| c["code"].as_i64())
        }
    };
    Ok(Setup { company, employee, employee_number, current, period_type: kind, hour_code, wage_code })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn company_numbers_read_as_text_and_period_types_by_name() {
        let c = listed(&json!({"companyId": "c", "number": 12, "name": "extdev-x"})).unwrap();
        assert_eq!((c.number.as_str(), c.name.as_str()), ("12", "extdev-x"));
        assert_eq!(listed(&json!({"number": "1"})), None);
        assert_eq!(period_type("4-weeks"), Some(PeriodType::FourWeekly));
        assert_eq!(period_type("month"), Some(PeriodType::Monthly));
        assert_eq!(period_type("decade"), None);
    }
}
