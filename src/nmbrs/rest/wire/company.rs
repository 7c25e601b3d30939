//! The company-level REST records: companies and debtors, the current period, hour codes and
//! wage models (each wire struct, every field a [`Field`], and its converter). Split from the
//! employee and line records so each file holds one concern. The simulator serves the records
//! that derive `Serialize` here (companies, debtors, hour codes), so their JSON is declared once.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{Field, Obj, Unread, flat, record, unreadable};
use crate::domain::relink::parse_company_number;
use crate::nmbrs::rest::ids::*;
use crate::nmbrs::rest::records::*;
use crate::nmbrs::{Company, CurrentPeriod, ModelCode, PayPeriod, PeriodType};

/// `Company` (`GET /api/companies`, `GET /api/debtors/{debtorId}/companies`).
#[derive(Deserialize, Serialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct WCompany {
    pub company_id: Field<Uuid>,
    pub number: Field<String>,
    pub name: Field<String>,
    pub debtor_id: Field<Uuid>,
}

/// A company as SOAP's [`Company`]: `companyId` *decides*; the user-facing company number (a
/// string in REST, which relinks SOAP-era state, CONTRACT §5.4) is the SOAP integer it was, 0
/// when it is not one ([`parse_company_number`]); its debtor is not read (no job uses it).
pub fn company(v: &Value) -> Result<Company, Unread> {
    let w: WCompany = record(v)?;
    Ok(Company {
        id: CompanyUuid(w.company_id.need("companyId")?).into(),
        number: parse_company_number(w.number.ok().as_deref()).unwrap_or(0),
        name: w.name.ok(),
        ..Default::default()
    })
}

/// `Debtor` (`GET /api/debtors`).
#[derive(Deserialize, Serialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct WDebtor {
    pub debtor_id: Field<Uuid>,
    pub number: Field<String>,
    pub name: Field<String>,
}

pub fn debtor(v: &Value) -> Result<RestDebtor, Unread> {
    let w: WDebtor = record(v)?;
    Ok(RestDebtor { id: DebtorUuid(w.debtor_id.need("debtorId")?), number: w.number.ok(), name: w.name.ok() })
}

/// `{year, period}`: a record's period (both *decide* where a period is needed).
#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub struct WPeriod {
    pub year: Field<i32>,
    pub period: Field<i32>,
}

impl From<PayPeriod> for WPeriod {
    fn from(p: PayPeriod) -> Self {
        WPeriod { year: Field::Value(p.year), period: Field::Value(p.period.into()) }
    }
}

impl WPeriod {
    pub(super) fn pay_period(self) -> Result<PayPeriod, Unread> {
        let year = self.year.need("year")?;
        let period = self.period.need("period")?;
        let period = u8::try_from(period).map_err(|_| ("period", format!("{period} is not a period")))?;
        Ok(PayPeriod::new(year, period))
    }
}

/// `GET /api/companies/{companyId}/period` item: both fields *decide*; a reply without them is
/// an unreadable response.
#[derive(Deserialize, Serialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct WCurrentPeriod {
    pub period: Field<Obj<WPeriod>>,
    /// `month`, `4-weeks`, `1-week` ([`period_type_word`]).
    pub period_type: Field<String>,
    #[serde(skip_serializing_if = "Field::is_missing")]
    pub display_period: Field<String>,
}

/// REST `periodType` of a period type.
pub fn period_type_word(t: PeriodType) -> &'static str {
    match t {
        PeriodType::Monthly => "month",
        PeriodType::FourWeekly => "4-weeks",
        PeriodType::Weekly => "1-week",
    }
}

/// The current period as SOAP's [`CurrentPeriod`] (both fields *decide*).
pub fn current_period(v: &Value) -> Result<CurrentPeriod, Unread> {
    let w: WCurrentPeriod = record(v)?;
    let word = w.period_type.need("periodType")?;
    let kinds = [PeriodType::Monthly, PeriodType::FourWeekly, PeriodType::Weekly];
    let Some(kind) = kinds.into_iter().find(|k| period_type_word(*k) == word) else {
        return Err(("periodType", format!("{word:?} is not a period type")));
    };
    let period = w.period.need("period")?.0.pay_period()?;
    let period = period.validate(kind).map_err(|e| ("period", e.to_string()))?;
    Ok(CurrentPeriod { period, kind })
}

/// `HourCode` (`GET /api/companies/{companyId}/hourcodes`).
#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub struct WHourCode {
    pub code: Field<i32>,
    pub description: Field<String>,
}

/// An hour code as SOAP's model code (`code` *decides*).
pub fn hour_code(v: &Value) -> Result<ModelCode, Unread> {
    let w: WHourCode = record(v)?;
    Ok(ModelCode { code: w.code.need("code")?, description: w.description.ok() })
}

/// `GET /api/companies/{companyId}/wagemodels` item: one wage model with its codes (each
/// read on its own, [`WWageCode`]).
#[derive(Deserialize, Serialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct WWageModel {
    pub id: Field<Uuid>,
    pub number: Field<i32>,
    pub name: Field<String>,
    pub wage_codes: Option<Vec<Value>>,
}

/// A wage code of a wage model (`code` *decides*).
#[derive(Deserialize, Serialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct WWageCode {
    pub wage_code_id: Field<Uuid>,
    pub code: Field<i32>,
    pub description: Field<String>,
    /// `fixed`, `variable` or `both`.
    pub continuity_type: Field<String>,
}

/// A wage code as SOAP's model code (its id and continuity type are not read: no job uses them).
fn wage_code(v: &Value) -> Result<ModelCode, Unread> {
    let w: WWageCode = record(v)?;
    Ok(ModelCode { code: w.code.need("code")?, description: w.description.ok() })
}

/// Wage models; a code whose `code` cannot be read is set aside, the model kept.
pub fn wage_models(items: &[Value]) -> Listed<RestWageModel> {
    let mut out = Listed::default();
    for item in items {
        let w: WWageModel = match record(item) {
            Ok(w) => w,
            Err(e) => {
                out.unreadable.push(unreadable(None, e));
                continue;
            }
        };
        let codes = flat(w.wage_codes.as_deref().unwrap_or(&[]), wage_code);
        out.unreadable.extend(codes.unreadable);
        out.items.push(RestWageModel {
            id: w.id.ok().map(WageModelUuid),
            number: w.number.ok(),
            name: w.name.ok(),
            codes: codes.items,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn company_number_is_read_from_its_string() {
        let c = |n: Option<&str>| company(&json!({"companyId": Uuid::nil(), "number": n})).unwrap();
        assert_eq!(c(Some(" 444445 ")).number, 444445);
        assert_eq!(c(Some("A-12")).number, 0);
        assert_eq!(c(None).number, 0);
    }
}
