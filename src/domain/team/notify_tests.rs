//! The tests of `notify.rs`, in a file of their own: they use `testkit` and sibling modules that
//! import `notify`, so written inside `notify.rs` they made an import circle (issue 17).

use serde_json::json;

use super::*;
use crate::{
    domain::{
        matching::{Candidate, RosterMember},
        team::{Bsn, DepartureReason, candidate, testkit::*},
    },
    envelope::schema::check,
};

fn json(n: &Notification) -> Value {
    serde_json::to_value(n).unwrap()
}

#[test]
fn held_departures_follow_the_schema_and_name_the_rule() {
    let empty = HeldDepartures {
        nmbrs_company_id: Some(crate::domain::nmbrs::CompanyId::int(54613)),
        empty_company_ids: vec![
            crate::domain::nmbrs::CompanyId::int(54613),
            crate::domain::nmbrs::CompanyId::int(54900),
        ],
        count: 3,
    };
    let n = json(&departures_held(&empty));
    check("events/notification", &event("notification", "SyncTeam", &n)).unwrap();
    assert_eq!(n["code"], "sync.departures_held");
    assert_eq!(n["params"], json!({"nmbrs_company_id": 54613, "count": 3, "nmbrs_company_ids": [54613, 54900]}));
    assert!(n["message"].as_str().unwrap().contains("company 54613 answered with no employees"));
    let share = HeldDepartures { nmbrs_company_id: None, empty_company_ids: vec![], count: 1 };
    let n = json(&departures_held(&share));
    check("events/notification", &event("notification", "Deactivate", &n)).unwrap();
    assert_eq!(n["params"], json!({"nmbrs_company_id": null, "count": 1}));
    assert!(n["message"].as_str().unwrap().starts_with("This sync would have deactivated 1 member,"));
    // A notification without the required params fails the schema: the check can fail.
    let mut broken = n.clone();
    broken["params"] = json!({"count": 1});
    assert!(check("events/notification", &event("notification", "SyncTeam", &broken)).is_err());
}

#[test]
fn notifications_follow_the_schema() {
    let ds = [
        Departure {
            eitje_user_id: "u-1".into(),
            nmbrs_employee_id: crate::domain::nmbrs::EmployeeId::int(1),
            reason: DepartureReason::EmploymentEnded,
            ended_on: Some(d(2026, 10, 31)),
        },
        Departure {
            eitje_user_id: "u-9".into(),
            nmbrs_employee_id: crate::domain::nmbrs::EmployeeId::int(99),
            reason: DepartureReason::NotInNmbrs,
            ended_on: None,
        },
    ];
    let n = json(&members_left(&ds));
    check("events/notification", &event("notification", "SyncTeam", &n)).unwrap();
    assert_eq!(n["params"]["eitje_user_ids"], json!(["u-1", "u-9"]));
    assert_eq!(n["params"]["nmbrs_employee_ids"], json!([1, 99]));
    assert!(n["message"].as_str().unwrap().starts_with("2 members"));
    let one = json(&members_left(&ds[..1]));
    check("events/notification", &event("notification", "Deactivate", &one)).unwrap();
    assert_eq!(
        one["message"],
        json!(
            "1 member who left Nmbrs (employment ended or employee gone) is still active in Eitje. \
                 Automatic deactivation is off: check and deactivate them in Eitje."
        )
    );

    let a = Ambiguity {
        nmbrs_employee_ids: vec![crate::domain::nmbrs::EmployeeId::int(1), crate::domain::nmbrs::EmployeeId::int(2)],
        eitje_user_ids: vec!["u-1".into()],
    };
    let n = json(&duplicate_member(&a));
    check("events/notification", &event("notification", "SyncTeam", &n)).unwrap();
    assert_eq!(n["code"], json!("sync.duplicate_member"));
    assert_eq!(n["params"], json!({"nmbrs_employee_ids": [1, 2], "eitje_user_ids": ["u-1"]}));
    assert_eq!(
        n["message"],
        json!(
            "Nmbrs employees (1, 2) and Eitje member (u-1) match ambiguously, so they were not synced. Link the right member to its Nmbrs employee in Eitje."
        )
    );
}

#[test]
fn no_bsn_in_messages() {
    let e = rich();
    let cand = candidate(&e);
    let m = crate::domain::matching::match_members(
        &[cand.clone(), Candidate { nmbrs_employee_id: crate::domain::nmbrs::EmployeeId::int(2), ..cand }],
        &[RosterMember { bsn: Bsn::parse("123456782"), ..member("u-1", None, true) }],
    );
    let n = json(&duplicate_member(&m.ambiguities[0]));
    assert!(!n.to_string().contains("123456782"));
}
