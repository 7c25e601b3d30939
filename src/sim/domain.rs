//! One Nmbrs environment of the simulator ([`SimDomain`]): its users, companies, employees
//! and the variable lines and days per employee and period. A leaf of the state, so the REST
//! face's id index reads a domain without importing the whole [`super::state::SimState`].

use crate::sim::SimId;
use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::nmbrs::*;

/// A company as seeded.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SimCompany {
    pub company: Company,
    pub period_type: PeriodType,
    pub current_period: PayPeriod,
    #[serde(default)]
    pub hour_codes: Vec<ModelCode>,
    #[serde(default)]
    pub hour_codes2: Vec<ModelCode>,
    #[serde(default)]
    pub wage_codes: Vec<ModelCode>,
    #[serde(default)]
    pub wage_codes2: Vec<ModelCode>,
}

/// An employee as seeded; `snapshot.employee_id` is the Nmbrs employee id.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimEmployee {
    pub company_id: i32,
    /// v3 `EmployeeType` id used by `List_GetByCompany`.
    pub employee_type: i32,
    pub snapshot: EmployeeSnapshot,
    pub personal_infos: Vec<PersonalInfo>,
    pub contracts: Vec<Contract>,
    pub salaries: Vec<Salary>,
    pub schedules: Vec<Schedule>,
    /// Answer of `Salary_GetEstimatedCostPerHour`; the hourly wage when absent.
    pub cost_per_hour: Option<Decimal>,
}

impl SimEmployee {
    pub fn id(&self) -> i32 {
        self.snapshot.employee_id.int()
    }
}

/// An API user of a domain.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimUser {
    pub username: String,
    #[serde(skip_serializing)]
    pub token: String,
    /// Operation names switched off in the API user template (→ 1002).
    pub denied: BTreeSet<String>,
    /// Companies the user may see; `None` = all (→ 1003 otherwise).
    pub companies: Option<BTreeSet<i32>>,
}

/// Per employee and period: `(employee, year, period)`.
pub type PeriodKey = (i32, i32, u8);

/// One Nmbrs environment (`Domain` of the auth header).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimDomain {
    pub users: BTreeMap<String, SimUser>,
    pub companies: BTreeMap<i32, SimCompany>,
    pub employees: BTreeMap<i32, SimEmployee>,
    #[serde(with = "keyed")]
    pub hour_components: BTreeMap<PeriodKey, Vec<HourComponentLine>>,
    #[serde(with = "keyed")]
    pub wage_components: BTreeMap<PeriodKey, Vec<WageComponentLine>>,
    #[serde(with = "keyed")]
    pub days: BTreeMap<PeriodKey, i32>,
    /// `daysForWageComponentsPerDay` of the period's variable days (REST only; absent = null).
    #[serde(with = "keyed")]
    pub days_factor: BTreeMap<PeriodKey, i32>,
    /// What REST shows of a variable hour or wage line beyond id, code and value, by line id.
    pub line_info: BTreeMap<i32, LineInfo>,
    pub next_id: i32,
}

/// The parts of a variable hour or wage line that only the REST face reads back (SOAP's
/// `*Var_Get` returns id, code and value only), written by both faces.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LineInfo {
    pub comment: Option<String>,
    /// REST ids as given (SOAP's integer ids are kept as text).
    pub cost_center_id: Option<String>,
    pub cost_unit_id: Option<String>,
    /// ISO-8601, UTC.
    pub created_at: String,
    /// Inserted through the SOAP face (`soap_comments` decides whether REST shows its comment).
    pub via_soap: bool,
}

/// JSON objects need string keys: `"employee/year/period"`.
mod keyed {
    use super::*;
    use serde::{Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer, V: Serialize>(map: &BTreeMap<PeriodKey, V>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(map.iter().map(|((e, y, p), v)| (format!("{e}/{y}/{p}"), v)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>, V: Deserialize<'de>>(
        d: D,
    ) -> Result<BTreeMap<PeriodKey, V>, D::Error> {
        let raw = BTreeMap::<String, V>::deserialize(d)?;
        raw.into_iter()
            .map(|(k, v)| {
                let mut it = k.split('/');
                let key = (|| Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?, it.next()?.parse().ok()?)))()
                    .ok_or_else(|| D::Error::custom(format!("bad key {k:?}")))?;
                Ok((key, v))
            })
            .collect()
    }
}
