//! The whole team sync (CONTRACT §2.3) and `Deactivate` (§2.4) as pure plans: from what Nmbrs
//! returned per company (and which companies could not be read), the roster, the settings and
//! the date, to the events to publish, the counts, the errors and the status. The handlers only
//! read Nmbrs and the store and hand the plan to the pipeline.
//!
//! Isolation (§2.3 "Real Nmbrs data is untidy"): a company whose reads failed outright is named in
//! `errors` and makes the job `partial`; while any company could not be read nobody is judged gone
//! by absence. A company without a current period still has its employees published, with a null
//! cost per hour, and is named in `errors`. An unreadable employee record is skipped as
//! `unreadable_record`. Held departures (step 6) make the job `partial` too.

use crate::domain::nmbrs::{CompanyId, EmployeeId};
use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::json;

use super::{
    CompanyData, Departures, MemberRecord, Selection, TeamList,
    departures::{DepartureRules, judge_departures},
    notify, record,
    unreadable::{UnreadableOf, unreadable_of},
};
use crate::{
    domain::events::{EventDraft, EventType},
    domain::{
        job_result::{CompletionStatus, ErrorItem},
        matching::{self, RosterMember},
        nmbrs_failure::CompanyError,
    },
};

/// The integration's settings that the sync follows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SyncSettings {
    /// Publish every record, changed or not (`payload.full`).
    pub full: bool,
    /// `integration.settings.auto_deactivate`: deactivate, or list as left.
    pub auto_deactivate: bool,
    /// `NMBRS_WORKER_MAX_DEPARTURE_SHARE` (step 6b).
    pub max_departure_share: Decimal,
    /// The fields each `team_member.upserted` carries (CONTRACT §5.2).
    pub shape: record::MemberShape,
}

/// A linked company whose reads failed outright (no access, a response that cannot be read).
/// The handler names the error; its notification (e.g. `nmbrs.no_access`) is the handler's too.
#[derive(Debug, Clone, PartialEq)]
pub struct CompanyFailure {
    pub company_id: CompanyId,
    /// Why (`domain::nmbrs_failure`, company scope): its `job.completed` error code, the same as
    /// the export's (`nmbrs.no_access`, `nmbrs.unreadable_response`, …).
    pub error: CompanyError,
    /// English, naming the company and operation, never a value from the response.
    pub message: String,
}

/// Everything [`plan_sync`] decides from.
#[derive(Debug)]
pub struct SyncInput<'a> {
    /// [`super::select_imports`] of `companies` on `today`.
    pub selection: Selection,
    /// The companies read (owned: dropped as soon as departures are judged; big teams are heavy),
    /// whole or as [`CompanyData::for_departures`] keeps them: the plan is the same.
    pub companies: Vec<CompanyData>,
    /// The companies that could not be read.
    pub failed: &'a [CompanyFailure],
    /// Companies whose current period could not be read, and why (no cost per hour for their
    /// employees; usually `nmbrs.no_current_period`).
    pub without_period: &'a [(CompanyId, CompanyError)],
    /// Imported employees whose own cost-per-hour call Nmbrs refused (null cost, named in errors).
    pub without_cost: &'a [EmployeeId],
    /// `Salary_GetEstimatedCostPerHour` per imported employee; absent = null.
    pub costs: &'a HashMap<EmployeeId, Decimal>,
    /// The roster (`payload.members`).
    pub members: &'a [RosterMember],
    /// The last published content hash per employee (empty = first sync).
    pub previous: &'a HashMap<EmployeeId, [u8; 32]>,
    /// The SOAP-era integer id of each member that still carried one, by the REST id it was
    /// matched through (CONTRACT §5.4): its upsert names it as `previous_nmbrs_employee_id`.
    pub previous_ids: &'a HashMap<EmployeeId, i32>,
    pub settings: SyncSettings,
    /// Today in Europe/Amsterdam.
    pub today: NaiveDate,
}

/// What a team job publishes and reports.
#[derive(Debug, Default)]
pub struct TeamPlan {
    /// `job.completed` status: `partial` when something was skipped or held.
    pub status: CompletionStatus,
    /// `job.completed` counts.
    pub counts: BTreeMap<String, u64>,
    pub errors: Vec<ErrorItem>,
    /// In order: upserts (by employee id), `sync.duplicate_member`, departures
    /// (`team_member.deactivated` or one `sync.members_left_nmbrs`), `sync.departures_held`.
    pub events: Vec<EventDraft>,
    /// The content hash of each published record, to store with the events.
    pub hashes: Vec<(EmployeeId, [u8; 32])>,
}

/// The plan of `SyncTeam`, see the module doc.
pub fn plan_sync(input: SyncInput<'_>) -> TeamPlan {
    let SyncInput {
        selection,
        companies,
        failed,
        without_period,
        without_cost,
        costs,
        members,
        previous,
        previous_ids,
        settings,
        today,
    } = input;
    let candidates: Vec<_> = selection.imported.iter().map(super::candidate).collect();
    let matching = matching::match_members(&candidates, members);
    drop(candidates);
    // Matched means not gone (step 5): the members of this sync's matches and ambiguities.
    let kept: BTreeSet<String> = matching
        .matched
        .iter()
        .filter_map(|m| m.eitje_user_id.clone())
        .chain(matching.ambiguities.iter().flat_map(|a| a.eitje_user_ids.iter().cloned()))
        .collect();
    let rules = DepartureRules {
        on: today,
        kept: &kept,
        some_company_unread: !failed.is_empty() || anonymous_unreadable(&companies),
        max_share: settings.max_departure_share,
    };
    let departures = judge_departures(members, &companies, rules);
    drop(companies);

    let mut plan = TeamPlan::default();
    let publish_all = settings.full || previous.is_empty();
    let mut unchanged = 0;
    let imported = selection.imported.len() as u64;
    {
        // Record by record through the pure `delta` rule: only the records to publish are kept,
        // already serialized, so a big team is never held as JSON trees all at once; and each
        // employee is dropped once its record is made, so its memory serves the next records.
        let ids: Vec<EmployeeId> = selection.imported.iter().map(|e| e.nmbrs_employee_id).collect();
        let mut employees: Vec<Option<super::ImportedEmployee>> = selection.imported.into_iter().map(Some).collect();
        for m in &matching.matched {
            let cost = costs.get(&m.nmbrs_employee_id).copied();
            // `imported` is sorted by id, and each employee is matched once.
            let at = ids.binary_search(&m.nmbrs_employee_id).expect("a match is of an imported employee");
            let e = employees[at].take().expect("each employee is matched once");
            let mut r: MemberRecord = record::member_record(&e, m, cost, settings.shape);
            drop(e);
            if let Some(&soap) = previous_ids.get(&m.nmbrs_employee_id) {
                r = record::with_previous_id(r, soap);
            }
            let d = super::delta(vec![r], previous, publish_all);
            unchanged += d.unchanged;
            for r in d.publish {
                plan.hashes.push((r.nmbrs_employee_id, r.content_hash));
                plan.events.push(EventDraft::new(EventType::TeamMemberUpserted, &r.payload));
            }
        }
    }
    plan.events.extend(matching.ambiguities.iter().map(|a| notify::duplicate_member(a).draft()));

    failure_errors(failed, &mut plan);
    let no_period: BTreeMap<CompanyId, CompanyError> = without_period.iter().copied().collect();
    for (company, error) in no_period {
        plan.status = CompletionStatus::Partial;
        let why = match error {
            CompanyError::NoCurrentPeriod => format!("Nmbrs gave no current period for company {company}"),
            _ => format!("The current period of company {company} could not be read"),
        };
        plan.errors.push(ErrorItem {
            code: error.code().into(),
            message: format!("{why}: its employees were synced without a cost per hour."),
            scope: json!({"nmbrs_company_id": company}),
        });
    }
    for &employee in without_cost {
        plan.status = CompletionStatus::Partial;
        plan.errors.push(ErrorItem {
            code: "no_cost_per_hour".into(),
            message: format!("Nmbrs refused the cost per hour of employee {employee}: it was synced without one."),
            scope: json!({"nmbrs_employee_id": employee}),
        });
    }
    unreadable_errors(&selection.unreadable, &mut plan);

    let ambiguous = imported - matching.matched.len() as u64;
    let upserted = plan.hashes.len() as u64;
    for (name, value) in [
        ("imported", imported),
        ("upserted", upserted),
        ("unchanged", unchanged),
        ("no_email", selection.no_email),
        ("no_active_employment", selection.no_active_employment),
        ("ambiguous", ambiguous),
        ("unreadable_record", selection.unreadable.len() as u64),
    ] {
        plan.counts.insert(name.into(), value);
    }
    add_departures(&mut plan, &departures, settings.auto_deactivate);
    plan
}

/// Each company that could not be read, as an error (job `partial`).
fn failure_errors(failed: &[CompanyFailure], plan: &mut TeamPlan) {
    for f in failed {
        plan.status = CompletionStatus::Partial;
        plan.errors.push(ErrorItem {
            code: f.error.code().into(),
            message: f.message.clone(),
            scope: json!({"nmbrs_company_id": f.company_id}),
        });
    }
}

/// Whether a record's employee id itself could not be read: then absence proves nothing.
fn anonymous_unreadable(companies: &[CompanyData]) -> bool {
    companies.iter().any(|c| c.unreadable.iter().any(|u| u.record.employee_id.is_none()))
}

/// Each skipped `unreadable_record` (company, employee, list, the list in the edge's words as
/// `operation`, field), as an error.
fn unreadable_errors(unreadable: &[UnreadableOf], plan: &mut TeamPlan) {
    for (company, employee, list, operation, field) in unreadable {
        plan.status = CompletionStatus::Partial;
        plan.errors.push(ErrorItem {
            code: "unreadable_record".into(),
            message: match employee {
                Some(employee) if field == "EmployeeId" => format!(
                    "Employee {employee} of company {company} is missing from {operation}, which has a record without a readable EmployeeId (it may be the employee's): the employee was skipped, not published with an empty history, and not judged gone."
                ),
                Some(employee) => format!(
                    "Employee {employee} of company {company}: {field} in {operation} could not be read, so the employee was skipped."
                ),
                None if *list == TeamList::Contracts => format!(
                    "A record of company {company} in {operation} has no readable {field}: it was skipped, and nobody of the company was judged gone, neither by absence nor for an ended employment (held until the record can be read)."
                ),
                None => format!(
                    "A record of company {company} in {operation} has no readable {field}: it was skipped, and nobody of the company was judged gone by absence."
                ),
            },
            // The employee only when its id could be read (the schema's ids are never null).
            scope: match employee {
                Some(employee) => json!({"nmbrs_company_id": company, "nmbrs_employee_id": employee, "field": field}),
                None => json!({"nmbrs_company_id": company, "field": field}),
            },
        });
    }
}

/// Steps 5 and 6 as events, counts and status: `team_member.deactivated` per member when
/// `auto_deactivate` is on, else one `sync.members_left_nmbrs`; one `sync.departures_held` per
/// held group (job `partial`, error `sync.departures_held`).
fn add_departures(plan: &mut TeamPlan, d: &Departures, auto_deactivate: bool) {
    if !d.published.is_empty() {
        if auto_deactivate {
            plan.events.extend(
                d.published
                    .iter()
                    .map(|x| EventDraft::new(EventType::TeamMemberDeactivated, &notify::deactivated_payload(x))),
            );
        } else {
            plan.events.push(notify::members_left(&d.published).draft());
        }
    }
    let mut held = 0;
    for h in &d.held {
        let n = notify::departures_held(h);
        plan.status = CompletionStatus::Partial;
        held += h.count as u64;
        plan.errors.push(ErrorItem {
            code: n.code.clone(),
            message: n.message.clone(),
            // The share rule concerns the whole roster: an empty scope (the whole job).
            scope: h.nmbrs_company_id.map_or_else(|| json!({}), |id| json!({"nmbrs_company_id": id})),
        });
        plan.events.push(n.draft());
    }
    let left = d.published.len() as u64;
    plan.counts.insert("deactivated".into(), if auto_deactivate { left } else { 0 });
    plan.counts.insert("left_nmbrs".into(), left);
    plan.counts.insert("departures_held".into(), held);
}

/// The plan of `Deactivate` (CONTRACT §2.4): steps 5 and 6 only, for `members`, as of `as_of`
/// (today in Europe/Amsterdam when the payload has none). No matching runs, so no member is kept
/// by a match.
pub fn plan_deactivate(
    companies: &[CompanyData],
    failed: &[CompanyFailure],
    members: &[RosterMember],
    auto_deactivate: bool,
    max_departure_share: Decimal,
    as_of: NaiveDate,
) -> TeamPlan {
    let kept = BTreeSet::new();
    let rules = DepartureRules {
        on: as_of,
        kept: &kept,
        some_company_unread: !failed.is_empty() || anonymous_unreadable(companies),
        max_share: max_departure_share,
    };
    let departures = judge_departures(members, companies, rules);
    let mut plan = TeamPlan::default();
    failure_errors(failed, &mut plan);
    let unreadable = unreadable_of(companies);
    unreadable_errors(&unreadable, &mut plan);
    plan.counts.insert("unreadable_record".into(), unreadable.len() as u64);
    add_departures(&mut plan, &departures, auto_deactivate);
    plan
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
