//! Step 4 of CONTRACT §2.3: the `team_member.upserted` record of an imported employee (Nmbrs is
//! leading: the full current record) and its content hash.
//!
//! Decisions on edge cases:
//! - **Text** from Nmbrs is trimmed; empty text is null.
//! - **Initials** are null: the snapshot has none, and deriving them from `FirstName` (often the
//!   call name, not the official given names) would publish invented data as Nmbrs' own.
//! - **Country** is null: the snapshot has no country, and employees may live abroad.
//! - **Gender** is `male|female|undefined` (any case); empty or anything else is null.
//! - **BSN** in the event is a [`Bsn`] (9 digits, normalized like matching does); one that is not
//!   8 or 9 digits is null rather than an invalid value.
//! - **Hourly wage** is null when Nmbrs reports zero (it does for employees without one);
//!   **cost per hour** is published as the handler passes it (null for a company without a
//!   current period).
//! - **Contracts** are each contract id once, in its latest version (field case 02);
//!   **contracts, salaries and schedules without a start date** are left out of the event (the
//!   schema needs a date; Nmbrs always sends one). Negative hours are null (contract) or zero
//!   (schedule days).
//! - **Salary type** is Nmbrs' `SalaryType` name for its number (`3` = `Bruto_Uurloon`), the number
//!   as text when unknown.
//! - **Schedule**: its `days` are 14 values only when week 2 differs from week 1 and is not all
//!   zeros (Nmbrs leaves week 2 empty when the schedule does not alternate); `hours_per_week` is
//!   week 1's sum, or the average of both weeks. A day whose hours could not be read is null
//!   (never 0), and then `hours_per_week` is null too.
//! - **Content hash**: SHA-256 of the payload serialized canonically (object keys sorted, no
//!   whitespace), so it does not depend on serde_json's map order. The payload holds the match and
//!   the venues, so a change of either republishes.

use crate::domain::nmbrs::EmployeeId;
use std::fmt::Write as _;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{Bsn, ImportedEmployee, text};
use crate::{
    domain::matching::{Matched, MatchedBy},
    domain::nmbrs::Schedule,
};

/// The full `team_member.upserted` payload (Nmbrs is leading) and a content hash of the published
/// record (Nmbrs data, match, venues) — equal records hash equal, any field change changes the hash.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRecord {
    pub nmbrs_employee_id: EmployeeId,
    pub payload: Value,
    pub content_hash: [u8; 32],
}

/// A decimal string as the schemas want it (`"7.50"`, never `"-0"`).
pub(super) fn decimal(d: Decimal) -> String {
    if d.is_zero() { Decimal::new(0, d.scale()).to_string() } else { d.to_string() }
}

/// Hours: a non-negative decimal string; a negative value is no value.
pub(super) fn hours(d: Option<Decimal>) -> Value {
    match d {
        Some(d) if !d.is_sign_negative() || d.is_zero() => json!(decimal(d)),
        _ => Value::Null,
    }
}

/// `YYYY-MM-DD`, or null.
pub(super) fn day(d: Option<NaiveDate>) -> Value {
    d.map_or(Value::Null, |d| json!(d.format("%Y-%m-%d").to_string()))
}

/// The date part of a Nmbrs `dateTime`, as `YYYY-MM-DD`, or null.
fn date(d: Option<NaiveDateTime>) -> Value {
    day(d.map(|d| d.date()))
}

const SALARY_TYPES: [&str; 9] = [
    "None",
    "Bruto_Salaris_Fulltime",
    "Bruto_Salaris_Partime",
    "Bruto_Uurloon",
    "Netto_Salaris_Partime_incl_looncomp",
    "Netto_Salaris_Partime_excl_looncomp",
    "Netto_Uurloon_excl_looncomp",
    "Werkgerverslasten",
    "Netto_Uurloon_incl_looncomp",
];

/// The SOAP name of Nmbrs salary type `n` (`3` → `Bruto_Uurloon`), its digits when unknown.
pub fn salary_type(n: i32) -> String {
    usize::try_from(n).ok().and_then(|i| SALARY_TYPES.get(i)).map_or_else(|| n.to_string(), |s| (*s).to_owned())
}

pub(super) fn gender(g: &str) -> Value {
    let g = g.trim().to_ascii_lowercase();
    match g.as_str() {
        "male" | "female" | "undefined" => json!(g),
        _ => Value::Null,
    }
}

pub(super) fn schedule(s: &Schedule) -> Value {
    let clamp = |d: &Option<Decimal>| d.map(|d| if d.is_sign_negative() { Decimal::ZERO } else { d });
    let week1: Vec<Option<Decimal>> = s.hours_week1.iter().map(clamp).collect();
    let week2: Vec<Option<Decimal>> = s.hours_week2.iter().map(clamp).collect();
    let alternating = week2 != week1 && week2.iter().flatten().any(|d| !d.is_zero());
    // A week with a day that could not be read has no known total.
    let sum = |week: &[Option<Decimal>]| week.iter().copied().sum::<Option<Decimal>>();
    let (days, per_week) = if alternating {
        let both = sum(&week1).zip(sum(&week2)).map(|(a, b)| (a + b) / Decimal::TWO);
        ([week1, week2].concat(), both)
    } else {
        let total = sum(&week1);
        (week1, total)
    };
    json!({
        "start_date": date(s.start_date),
        "hours_per_week": hours(per_week),
        "days": days.into_iter().map(|d| d.map(decimal)).collect::<Vec<_>>(),
    })
}

/// Which fields a `team_member.upserted` carries beyond the common ones, decided by the job from
/// its integration (CONTRACT §5.2), never by asking which API made an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MemberShape {
    /// The common fields only (a SOAP integration: its employee id is the one Eitje knows).
    #[default]
    Plain,
    /// Also `nmbrs_employee_number`, the user-facing number (a REST integration, whose ids are
    /// opaque UUIDs; `null` when Nmbrs has no number).
    WithEmployeeNumber,
}

/// The `team_member.upserted` payload and its content hash. `m` is the employee's own match (not
/// an ambiguous one); `cost_per_hour` is `Salary_GetEstimatedCostPerHour`, `None` when unavailable;
/// `shape` says which optional fields it carries.
/// The schema wants at least one venue: a company without linked venues is not synced.
pub fn member_record(
    e: &ImportedEmployee,
    m: &Matched,
    cost_per_hour: Option<Decimal>,
    shape: MemberShape,
) -> MemberRecord {
    debug_assert_eq!(e.nmbrs_employee_id, m.nmbrs_employee_id, "record and match of different employees");
    debug_assert_eq!(m.eitje_user_id.is_none(), m.matched_by == MatchedBy::New, "a match names a member unless new");
    let s = &e.snapshot;
    let eitje_user_id = if m.matched_by == MatchedBy::New { None } else { m.eitje_user_id.as_deref() };
    let contracts: Vec<Value> = e
        .contracts
        .iter()
        .filter(|c| c.start_date.is_some())
        .map(|c| {
            json!({
                "start_date": date(c.start_date),
                "end_date": date(c.end_date),
                "hours_per_week": hours(c.hours_per_week),
                "contract_type": c.employement_type.map(|t| t.to_string()),
            })
        })
        .collect();
    let salaries: Vec<Value> = e
        .salaries
        .iter()
        .filter(|x| x.start_date.is_some())
        .map(|x| json!({"start_date": date(x.start_date), "type": x.salary_type.map(salary_type), "value": x.value.map(decimal)}))
        .collect();
    let mut payload = json!({
        "eitje_user_id": eitje_user_id,
        "nmbrs_employee_id": e.nmbrs_employee_id,
        "nmbrs_company_id": e.company_id,
        "eitje_venue_ids": e.eitje_venue_ids,
        "matched_by": m.matched_by.as_str(),
        "person": {
            "first_name": text(&s.first_name),
            "initials": Value::Null,
            "prefix": text(&s.prefix),
            "last_name": text(&s.last_name),
            "birthday": date(s.birthday),
            "gender": gender(&s.gender),
            "bsn": s.bsn.as_deref().and_then(Bsn::parse).as_ref().map(Bsn::expose),
        },
        "contact": {
            "email": e.email,
            "email_work": text(&s.email_work),
            "email_private": text(&s.email_private),
            "phone": text(&s.telephone_private).or_else(|| text(&s.telephone_work)),
            "mobile": text(&s.telephone_mobile_private).or_else(|| text(&s.telephone_mobile_work)),
        },
        "address": {
            "street": text(&s.street),
            "house_number": text(&s.house_number),
            "house_number_addition": text(&s.house_number_addition),
            "postal_code": text(&s.post_code),
            "city": text(&s.city),
            "country": Value::Null,
        },
        "contracts": contracts,
        "salaries": salaries,
        "hourly_wage": s.hourly_wage.filter(|w| !w.is_zero()).map(decimal),
        "cost_per_hour": cost_per_hour.map(decimal),
        "schedule": e.schedule.as_ref().map_or(Value::Null, schedule),
    });
    if shape == MemberShape::WithEmployeeNumber {
        // A REST integration's members also carry the user-facing number (CONTRACT §5.2).
        let number = (s.employee_number != 0).then_some(s.employee_number);
        payload["nmbrs_employee_number"] = json!(number);
    }
    let content_hash = content_hash(&payload);
    MemberRecord { nmbrs_employee_id: e.nmbrs_employee_id, payload, content_hash }
}

/// `r` naming the SOAP-era integer id its member still carried (`previous_nmbrs_employee_id`,
/// CONTRACT §5.4), hashed again with it.
pub fn with_previous_id(mut r: MemberRecord, soap: i32) -> MemberRecord {
    r.payload["previous_nmbrs_employee_id"] = json!(soap);
    r.content_hash = content_hash(&r.payload);
    r
}

/// SHA-256 of `v` in canonical JSON (object keys sorted, no whitespace).
pub fn content_hash(v: &Value) -> [u8; 32] {
    let mut out = String::new();
    canonical(v, &mut out);
    Sha256::digest(out.as_bytes()).into()
}

pub(super) fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}:", Value::from(k.as_str()));
                canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        scalar => {
            let _ = write!(out, "{scalar}");
        }
    }
}

#[cfg(test)]
#[path = "record_tests.rs"]
mod tests;
