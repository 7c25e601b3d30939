//! The tests of `record.rs`, in a file of their own: they use `testkit` and sibling modules that
//! import `record`, so written inside `record.rs` they made an import circle (issue 17).

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
        member_record(&rich(), &by_id(503293), None, MemberShape::Plain).payload.get("nmbrs_employee_number").is_none(),
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
    assert_eq!((&p["hourly_wage"], &p["cost_per_hour"], &p["schedule"]), (&Value::Null, &Value::Null, &Value::Null));
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
    for (nmbrs, event) in [("Male", json!("male")), ("female", json!("female")), ("UNDEFINED", json!("undefined"))] {
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
        (s.first_name, s.last_name, s.city, s.telephone_private) =
            (first.map(Into::into), last.map(Into::into), city.map(Into::into), phone.map(Into::into));
        s.hourly_wage = Some(Decimal::new(wage, 2));
        e.contracts[0].hours_per_week = Some(Decimal::new(hours, 2));
        let base = member_record(&e, &by_id(503293), None, MemberShape::Plain);
        check("events/team_member.upserted", &event("team_member.upserted", "SyncTeam", &base.payload)).unwrap();
        prop_assert_eq!(member_record(&e.clone(), &by_id(503293), None, MemberShape::Plain).content_hash, base.content_hash);
        let mut changed = e.clone();
        let s = &mut changed.snapshot;
        match field {
            0 => s.first_name = Some(new_value.into()),
            1 => s.last_name = Some(new_value.into()),
            2 => s.city = Some(new_value.into()),
            3 => s.telephone_private = Some(new_value.into()),
            4 => s.hourly_wage = s.hourly_wage.map(|w| w + Decimal::ONE),
            5 => changed.contracts[0].hours_per_week = Some(Decimal::new(hours + 1, 2)),
            6 => changed.salaries[0].value = changed.salaries[0].value.map(|v| v + Decimal::ONE),
            _ => changed.schedule.as_mut().unwrap().hours_week1[6] = Some(Decimal::ONE),
        }
        prop_assert_ne!(member_record(&changed, &by_id(503293), None, MemberShape::Plain).content_hash, base.content_hash);
    }
}
