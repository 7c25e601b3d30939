//! The company-level REST records: companies and debtors, the current period, hour codes and
//! wage models. Split from the employee and line records so each file holds one concern. A
//! record the jobs have a neutral model for (company, current period, hour code) is a wire
//! struct (every field a [`Field`]) with its converter to that model; debtors and wage models
//! are their own records ([`super::lenient`]). The simulator serves all of them, so their JSON
//! is declared once.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::lenient::{decides, opt};
use super::{Field, FromWire, Obj, ToWire, Unread, checked, flat, kind_of, record, unreadable};
use crate::domain::relink::parse_company_number;
use crate::nmbrs::rest::ids::*;
use crate::nmbrs::{Company, CurrentPeriod, Listed, ModelCode, PayPeriod, PeriodType};

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

/// `Debtor` (`GET /api/debtors`): a Nmbrs customer the consent covers.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Debtor {
    /// *decides*.
    #[serde(with = "decides")]
    pub debtor_id: DebtorUuid,
    #[serde(default, with = "opt")]
    pub number: Option<String>,
    #[serde(default, with = "opt")]
    pub name: Option<String>,
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
        let period = u8::try_from(period).map_err(|_| ("period".into(), format!("{period} is not a period")))?;
        Ok(PayPeriod::new(year, period))
    }
}

/// A record's `{year, period}`: passed on as a [`PayPeriod`] when both read and make a period.
impl FromWire for PayPeriod {
    fn from_wire(v: &Value) -> Result<Self, String> {
        Obj::<WPeriod>::from_wire(v)?.0.pay_period().map_err(|(field, problem)| format!("{field}: {problem}"))
    }
}

impl ToWire for PayPeriod {
    fn to_wire(&self) -> Value {
        Obj(WPeriod::from(*self)).to_wire()
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
        return Err(("periodType".into(), format!("{word:?} is not a period type")));
    };
    let period = w.period.need("period")?.0.pay_period()?;
    let period = period.validate(kind).map_err(|e| ("period".into(), e.to_string()))?;
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

/// `GET /api/companies/{companyId}/wagemodels` item: one wage model with its codes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WageModel {
    #[serde(default, with = "opt")]
    pub id: Option<WageModelUuid>,
    #[serde(default, with = "opt")]
    pub number: Option<i32>,
    #[serde(default, with = "opt")]
    pub name: Option<String>,
    /// Its codes, each read on its own ([`wage_models`]): one without a readable `code` is left
    /// out (and reported unreadable), the model kept.
    #[serde(skip_deserializing)]
    pub wage_codes: Vec<WageModelCode>,
}

/// A wage code of a wage model.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WageModelCode {
    #[serde(default, with = "opt")]
    pub wage_code_id: Option<Uuid>,
    /// *decides*.
    #[serde(with = "decides")]
    pub code: i32,
    #[serde(default, with = "opt")]
    pub description: Option<String>,
    /// `fixed`, `variable` or `both`.
    #[serde(default, with = "opt")]
    pub continuity_type: Option<String>,
}

impl WageModelCode {
    /// The code as SOAP's model code.
    pub fn model_code(&self) -> ModelCode {
        ModelCode { code: self.code, description: self.description.clone() }
    }
}

/// Wage models; a code whose `code` cannot be read is set aside, the model kept; a model whose
/// `wageCodes` is no list is set aside whole.
pub fn wage_models(items: &[Value]) -> Listed<WageModel> {
    let mut out = Listed::default();
    for item in items {
        let codes: &[Value] = match item.get("wageCodes") {
            None | Some(Value::Null) => &[],
            Some(Value::Array(list)) => list,
            Some(other) => {
                out.unreadable
                    .push(unreadable(None, ("wageCodes".into(), format!("{} is not a list", kind_of(other)))));
                continue;
            }
        };
        let mut model: WageModel = match checked(item) {
            Ok(m) => m,
            Err(e) => {
                out.unreadable.push(unreadable(None, e));
                continue;
            }
        };
        let codes = flat(codes, checked::<WageModelCode>);
        out.unreadable.extend(codes.unreadable);
        model.wage_codes = codes.items;
        out.items.push(model);
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
