//! What the team sync tells people (CONTRACT §3), as the project's [`Notification`]
//! (`{level, code, message, params}`; `draft()` makes the event), and the
//! `team_member.deactivated` payload. Messages are English and carry ids, never a BSN.

use serde_json::{Value, json};

use super::{Departure, HeldDepartures, record::day};
pub use crate::domain::events::{Level, Notification};
use crate::domain::matching::Ambiguity;

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
#[path = "notify_tests.rs"]
mod tests;
