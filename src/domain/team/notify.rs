//! What the team sync tells people (CONTRACT §3), as the project's [`Notification`]
//! (`{level, code, message, params}`; `draft()` makes the event), and the
//! `team_member.deactivated` payload. Messages are English and carry ids, never a BSN.

use serde_json::{Value, json};

use super::{Departure, HeldDepartures, record::day};
use crate::domain::matching::Ambiguity;
pub use crate::domain::events::{Level, Notification};

/// The `team_member.deactivated` payload of a departure.
pub fn deactivated_payload(d: &Departure) -> Value {
    json!({
        "eitje_user_id": d.eitje_user_id,
        "nmbrs_employee_id": d.nmbrs_employee_id,
        "reason": d.reason,
        "ended_on": day(d.ended_on),
    })
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

/// `sync.members_left_nmbrs` (auto_deactivate off). `eitje_user_ids` and `nmbrs_employee_ids`
/// are parallel lists in the order of `ds`; `members` gives each departure's reason and end date.
/// Call it only with at least one departure (the schema wants non-empty lists).
pub fn members_left(ds: &[Departure]) -> Notification {
    let members: Vec<Value> = ds.iter().map(deactivated_payload).collect();
    Notification::new(
        Level::Warning,
        "sync.members_left_nmbrs",
        format!(
            "{} who left Nmbrs (employment ended or employee gone) {} still active in Eitje. \
             Automatic deactivation is off: check and deactivate them in Eitje.",
            plural(ds.len(), "member", "members"),
            if ds.len() == 1 { "is" } else { "are" },
        ),
        json!({
            "eitje_user_ids": ds.iter().map(|d| d.eitje_user_id.as_str()).collect::<Vec<_>>(),
            "nmbrs_employee_ids": ds.iter().map(|d| d.nmbrs_employee_id).collect::<Vec<_>>(),
            "members": members,
        }),
    )
}

/// `sync.duplicate_member`: one ambiguity, naming both sides.
pub fn duplicate_member(a: &Ambiguity) -> Notification {
    let ids: Vec<String> = a.nmbrs_employee_ids.iter().map(ToString::to_string).collect();
    Notification::new(
        Level::Warning,
        "sync.duplicate_member",
        format!(
            "Nmbrs {} ({}) and Eitje {} ({}) match ambiguously, so they were not synced. Link the right member to its Nmbrs employee in Eitje.",
            if ids.len() == 1 { "employee" } else { "employees" },
            ids.join(", "),
            if a.eitje_user_ids.len() == 1 { "member" } else { "members" },
            a.eitje_user_ids.join(", "),
        ),
        json!({"nmbrs_employee_ids": a.nmbrs_employee_ids, "eitje_user_ids": a.eitje_user_ids}),
    )
}

/// `sync.departures_held` (CONTRACT §2.3 step 6): departures held back because they look like a
/// fault. Params `{nmbrs_company_id (null for the share rule), count}`, plus
/// `nmbrs_company_ids` (every company that answered empty) for step 6a.
pub fn departures_held(h: &HeldDepartures) -> Notification {
    let members = plural(h.count, "member", "members");
    match h.nmbrs_company_id {
        Some(company) => Notification::new(
            Level::Warning,
            "sync.departures_held",
            format!(
                "Nmbrs company {company} answered with no employees at all, so {members} missing from Nmbrs {} not \
                 deactivated. Check the company in Nmbrs and its link in Eitje; the next sync judges them again.",
                if h.count == 1 { "was" } else { "were" },
            ),
            json!({"nmbrs_company_id": company, "count": h.count, "nmbrs_company_ids": h.empty_company_ids}),
        ),
        None => Notification::new(
            Level::Warning,
            "sync.departures_held",
            format!(
                "This sync would have deactivated {members}, an unusually large share of the team, so none {} \
                 deactivated. Check Nmbrs; the next sync judges them again.",
                if h.count == 1 { "was" } else { "were" },
            ),
            json!({"nmbrs_company_id": null, "count": h.count}),
        ),
    }
}

#[cfg(test)]
mod tests {
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
            nmbrs_employee_ids: vec![
                crate::domain::nmbrs::EmployeeId::int(1),
                crate::domain::nmbrs::EmployeeId::int(2),
            ],
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
}
