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
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::{
        domain::nmbrs::{Contract, Salary},
        domain::{
            matching::Matched,
            team::{select_imports, testkit::*},
        },
        envelope::schema::check,
    };

    #[test]
    fn the_full_record_follows_the_schema() {
        let r = member_record(&rich(), &by_id(503293), Some(Decimal::new(1914, 2)), MemberShape::Plain);
        check("events/team_member.upserted", &event("team_member.upserted", "SyncTeam", &r.payload)).unwrap();
        let expected = json!({
            "eitje_user_id": "u-1",
            "nmbrs_employee_id": 503293,
            "nmbrs_company_id": 54613,
            "eitje_venue_ids": ["v-1", "v-2"],
            "matched_by": "nmbrs_id",
            "person": {"first_name": "Sanne", "initials": null, "prefix": "de", "last_name": "Vries",
                       "birthday": "1994-03-15", "gender": "female", "bsn": "123456782"},
            "contact": {"email": "Sanne@Brouwerij.nl", "email_work": "Sanne@Brouwerij.nl", "email_private": "sanne@home.nl",
                        "phone": "020 1234567", "mobile": "0622222222"},
            "address": {"street": "Keizersgracht", "house_number": "101", "house_number_addition": null,
                        "postal_code": "1015 CJ", "city": "Amsterdam", "country": null},
            "contracts": [
                {"start_date": "2023-01-01", "end_date": "2024-12-31", "hours_per_week": "32.00", "contract_type": "1"},
                {"start_date": "2025-01-01", "end_date": null, "hours_per_week": "32.00", "contract_type": "1"},
            ],
            "salaries": [
                {"start_date": "2023-01-01", "type": "Bruto_Uurloon", "value": "13.00"},
                {"start_date": "2025-01-01", "type": "Bruto_Uurloon", "value": "14.50"},
            ],
            "hourly_wage": "14.50",
            "cost_per_hour": "19.14",
            "schedule": {"start_date": "2025-01-01", "hours_per_week": "32.00",
                         "days": ["8.00", "8.00", "8.00", "8.00", "0.00", "0.00", "0.00"]},
        });
        assert_eq!(r.payload, expected);
        assert_eq!(r.nmbrs_employee_id, EmployeeId::int(503293));
    }

    #[test]
    fn a_rest_member_carries_its_rest_ids_and_employee_number() {
        let employee: uuid::Uuid = "3fa85f64-5717-4562-b3fc-2c963f66afa6".parse().unwrap();
        let company: uuid::Uuid = "9b2c1e00-0000-4000-8000-000000000001".parse().unwrap();
        let mut e = rich();
        e.nmbrs_employee_id = EmployeeId(employee.into());
        e.company_id = crate::domain::nmbrs::CompanyId(company.into());
        e.snapshot.employee_number = 17;
        let mut m = by_id(503293);
        m.nmbrs_employee_id = e.nmbrs_employee_id;
        let r = member_record(&e, &m, None, MemberShape::WithEmployeeNumber);
        check("events/team_member.upserted", &event("team_member.upserted", "SyncTeam", &r.payload)).unwrap();
        assert_eq!(r.payload["nmbrs_employee_id"], json!(employee.to_string()));
        assert_eq!(r.payload["nmbrs_company_id"], json!(company.to_string()));
        assert_eq!(r.payload["nmbrs_employee_number"], 17);
        e.snapshot.employee_number = 0;
        assert_eq!(
            member_record(&e, &m, None, MemberShape::WithEmployeeNumber).payload["nmbrs_employee_number"],
            Value::Null,
            "0 is no number"
        );
        assert!(
            member_record(&rich(), &by_id(503293), None, MemberShape::Plain)
                .payload
                .get("nmbrs_employee_number")
                .is_none(),
            "SOAP: absent"
        );
    }

    #[test]
    fn a_switched_member_names_its_previous_soap_id_and_hashes_differently() {
        let r = member_record(&rich(), &by_id(503293), None, MemberShape::Plain);
        let switched = with_previous_id(r.clone(), 503293);
        check("events/team_member.upserted", &event("team_member.upserted", "SyncTeam", &switched.payload)).unwrap();
        assert_eq!(switched.payload["previous_nmbrs_employee_id"], 503293);
        assert_ne!(switched.content_hash, r.content_hash, "published again once, with the previous id");
    }

    #[test]
    fn a_sparse_new_record_follows_the_schema() {
        let t = today();
        let mut s = snap(7, None, Some("x@y.nl"));
        s.gender = "".into();
        s.bsn = Some("12-34".into());
        let sel = select_imports(&[company(10, vec![s], vec![(7, vec![contract(1, d(2025, 1, 1), None)])])], t);
        let new = Matched { nmbrs_employee_id: EmployeeId::int(7), eitje_user_id: None, matched_by: MatchedBy::New };
        let r = member_record(&sel.imported[0], &new, None, MemberShape::Plain);
        check("events/team_member.upserted", &event("team_member.upserted", "SyncTeam", &r.payload)).unwrap();
        let p = &r.payload;
        assert_eq!((&p["eitje_user_id"], &p["matched_by"]), (&Value::Null, &json!("new")));
        assert_eq!((&p["person"]["gender"], &p["person"]["bsn"]), (&Value::Null, &Value::Null));
        assert_eq!(
            (&p["hourly_wage"], &p["cost_per_hour"], &p["schedule"]),
            (&Value::Null, &Value::Null, &Value::Null)
        );
        assert_eq!(p["salaries"], json!([]));
        assert_eq!(p["contact"]["email"], json!("x@y.nl"));
    }

    #[test]
    fn schedule_is_current_and_alternating_weeks_give_fourteen_days() {
        let e = rich();
        assert_eq!(e.schedule.as_ref().unwrap().id, Decimal::from(2));
        let mut future_only = rich_company();
        future_only.schedules[0].items.retain(|s| s.id == Decimal::from(3));
        let e = select_imports(&[future_only], today()).imported.remove(0);
        assert_eq!(e.schedule.as_ref().unwrap().id, Decimal::from(3));

        let mut s = Schedule { start_date: Some(at(d(2025, 1, 1))), ..Default::default() };
        s.hours_week1 = [8, 8, 8, 8, 8, 0, 0].map(|h| Some(Decimal::from(h)));
        s.hours_week2 = [8, 8, 8, 0, 0, 0, 0].map(|h| Some(Decimal::from(h)));
        let v = schedule(&s);
        assert_eq!(v["days"].as_array().unwrap().len(), 14);
        assert_eq!(v["hours_per_week"], json!("32"));
        s.hours_week2 = s.hours_week1;
        assert_eq!(schedule(&s)["days"].as_array().unwrap().len(), 7);
        s.hours_week1[0] = Some(Decimal::from(-1));
        assert_eq!(schedule(&s)["days"][0], json!("0"));
        // An unreadable day is null, not 0, and the week's total is unknown.
        s.hours_week1[2] = None;
        let v = schedule(&s);
        assert_eq!((&v["days"][2], &v["hours_per_week"]), (&Value::Null, &Value::Null));
        assert_eq!(v["days"][1], json!("8"));
    }

    #[test]
    fn records_without_start_dates_are_left_out_of_the_event() {
        let mut e = rich();
        e.contracts.insert(0, Contract { end_date: Some(at(d(2022, 1, 1))), ..Default::default() });
        e.salaries.push(Salary { value: Some(Decimal::ONE), ..Default::default() });
        let r = member_record(&e, &by_id(503293), None, MemberShape::Plain);
        check("events/team_member.upserted", &event("team_member.upserted", "SyncTeam", &r.payload)).unwrap();
        assert_eq!(r.payload["contracts"].as_array().unwrap().len(), 2);
        assert_eq!(r.payload["salaries"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn gender_is_lower_case_or_null() {
        for (nmbrs, event) in [("Male", json!("male")), ("female", json!("female")), ("UNDEFINED", json!("undefined"))]
        {
            assert_eq!(gender(nmbrs), event);
        }
        assert_eq!(gender(""), Value::Null);
        assert_eq!(gender("x"), Value::Null);
    }

    #[test]
    fn decimals_are_schema_strings() {
        assert_eq!(decimal(Decimal::new(750, 2)), "7.50");
        assert_eq!(decimal(-Decimal::new(0, 2)), "0.00");
        assert_eq!(decimal(Decimal::new(-3, 0)), "-3");
        assert_eq!(hours(Some(Decimal::new(-1, 0))), Value::Null);
        assert_eq!(salary_type(3), "Bruto_Uurloon");
        assert_eq!(salary_type(42), "42");
        assert_eq!(salary_type(-1), "-1");
    }

    #[test]
    fn the_hash_covers_the_match_and_the_venues() {
        let e = rich();
        let base = member_record(&e, &by_id(503293), None, MemberShape::Plain);
        assert_eq!(member_record(&e.clone(), &by_id(503293), None, MemberShape::Plain).content_hash, base.content_hash);
        let by_email = Matched { matched_by: MatchedBy::Email, ..by_id(503293) };
        assert_ne!(member_record(&e, &by_email, None, MemberShape::Plain).content_hash, base.content_hash);
        let other_user = Matched { eitje_user_id: Some("u-2".into()), ..by_id(503293) };
        assert_ne!(member_record(&e, &other_user, None, MemberShape::Plain).content_hash, base.content_hash);
        let mut moved = e.clone();
        moved.eitje_venue_ids.push("v-3".into());
        assert_ne!(member_record(&moved, &by_id(503293), None, MemberShape::Plain).content_hash, base.content_hash);
        assert_ne!(
            member_record(&e, &by_id(503293), Some(Decimal::ONE), MemberShape::Plain).content_hash,
            base.content_hash
        );
    }

    #[test]
    fn the_hash_does_not_depend_on_key_order() {
        let a: Value = serde_json::from_str(r#"{"b": 1, "a": {"y": [1, {"q": 2, "p": 3}], "x": null}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a": {"x": null, "y": [1, {"p": 3, "q": 2}]}, "b": 1}"#).unwrap();
        assert_eq!(content_hash(&a), content_hash(&b));
        let mut out = String::new();
        canonical(&a, &mut out);
        assert_eq!(out, r#"{"a":{"x":null,"y":[1,{"p":3,"q":2}]},"b":1}"#);
        assert_ne!(content_hash(&json!({"a": "1"})), content_hash(&json!({"a": 1})));
    }

    fn text_field() -> impl Strategy<Value = Option<String>> {
        proptest::option::of("[a-z]{1,6}")
    }

    proptest! {
        /// Any change of a published field changes the hash; equal records hash equal; and every
        /// record validates against the schema.
        #[test]
        fn any_field_change_changes_the_hash(
            first in text_field(), last in text_field(), city in text_field(), phone in text_field(),
            wage in 0i64..5000, hours in 0i64..5000, field in 0usize..8, new_value in "[A-Z]{1,6}",
        ) {
            let mut e = rich();
            let s = &mut e.snapshot;
            (s.first_name, s.last_name, s.city, s.telephone_private) = (first, last, city, phone);
            s.hourly_wage = Some(Decimal::new(wage, 2));
            e.contracts[0].hours_per_week = Some(Decimal::new(hours, 2));
            let base = member_record(&e, &by_id(503293), None, MemberShape::Plain);
            check("events/team_member.upserted", &event("team_member.upserted", "SyncTeam", &base.payload)).unwrap();
            prop_assert_eq!(member_record(&e.clone(), &by_id(503293), None, MemberShape::Plain).content_hash, base.content_hash);
            let mut changed = e.clone();
            let s = &mut changed.snapshot;
            match field {
                0 => s.first_name = Some(new_value),
                1 => s.last_name = Some(new_value),
                2 => s.city = Some(new_value),
                3 => s.telephone_private = Some(new_value),
                4 => s.hourly_wage = s.hourly_wage.map(|w| w + Decimal::ONE),
                5 => changed.contracts[0].hours_per_week = Some(Decimal::new(hours + 1, 2)),
                6 => changed.salaries[0].value = changed.salaries[0].value.map(|v| v + Decimal::ONE),
                _ => changed.schedule.as_mut().unwrap().hours_week1[6] = Some(Decimal::ONE),
            }
            prop_assert_ne!(member_record(&changed, &by_id(503293), None, MemberShape::Plain).content_hash, base.content_hash);
        }
    }
}
