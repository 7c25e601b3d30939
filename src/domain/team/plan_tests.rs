//! The tests of `plan.rs`, in a file of their own so that neither file is over issue 17's 450
//! lines.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::*;
use crate::{
    domain::nmbrs::{Contract, EmployeeSnapshot},
    domain::{
        calendar::nmbrs_date,
        team::{Bsn, select_imports, testkit::*},
    },
    envelope::schema::check,
};

fn settings() -> SyncSettings {
    SyncSettings {
        full: false,
        auto_deactivate: true,
        max_departure_share: Decimal::new(3, 1),
        shape: record::MemberShape::Plain,
    }
}

/// Runs the plan as the handler does, every event checked against its schema.
fn run(
    companies: Vec<CompanyData>,
    members: &[RosterMember],
    failed: &[CompanyFailure],
    without_period: &[(CompanyId, CompanyError)],
    today: NaiveDate,
) -> TeamPlan {
    let selection = select_imports(&companies, today);
    let costs: HashMap<EmployeeId, Decimal> = selection
        .imported
        .iter()
        .map(|e| (e.nmbrs_employee_id, Decimal::new(2150, 2)))
        .filter(|_| without_period.is_empty())
        .collect();
    let previous = HashMap::new();
    let plan_of = |selection, companies| {
        plan_sync(SyncInput {
            selection,
            companies,
            failed,
            without_period,
            without_cost: &[],
            costs: &costs,
            members,
            previous: &previous,
            previous_ids: &HashMap::new(),
            settings: settings(),
            today,
        })
    };
    // The handler hands the plan the companies as departures read them: the same plan.
    let stripped: Vec<CompanyData> = companies.iter().cloned().map(CompanyData::for_departures).collect();
    let plan = plan_of(selection.clone(), companies);
    let same = plan_of(selection, stripped);
    assert_eq!(
        (&same.events, &same.errors, &same.counts, same.status),
        (&plan.events, &plan.errors, &plan.counts, plan.status)
    );
    assert_eq!(same.hashes, plan.hashes);
    checked(same)
}

fn checked(plan: TeamPlan) -> TeamPlan {
    for e in &plan.events {
        let kind = e.kind.routing_key();
        check(&format!("events/{kind}"), &event(kind, "SyncTeam", &e.payload_value())).unwrap();
    }
    let errors: Vec<Value> =
        plan.errors.iter().map(|e| json!({"code": e.code, "message": e.message, "scope": e.scope})).collect();
    let status = plan.status.as_str();
    let completed = json!({"status": status, "counts": plan.counts, "errors": errors});
    check("events/job.completed", &event("job.completed", "SyncTeam", &completed)).unwrap();
    plan
}

fn of(plan: &TeamPlan, kind: EventType) -> Vec<Value> {
    plan.events.iter().filter(|e| e.kind == kind).map(EventDraft::payload_value).collect()
}

fn notices(plan: &TeamPlan, code: &str) -> Vec<Value> {
    of(plan, EventType::Notification).into_iter().filter(|n| n["code"] == code).collect()
}

fn version(id: i32, created: Option<NaiveDate>, start: NaiveDate, end: Option<NaiveDate>) -> Contract {
    Contract { creation_date: created.map(at), ..contract(id, start, end) }
}

fn person(id: i32, email: &str, bsn: Option<&str>) -> EmployeeSnapshot {
    EmployeeSnapshot { bsn: bsn.map(Into::into), ..snap(id, Some(email), None) }
}

fn linked(user: &str, id: i32) -> RosterMember {
    member(user, Some(id), true)
}

#[test]
fn field_02_only_the_latest_contract_version_counts() {
    let history = vec![
        version(88123, Some(d(2024, 1, 15)), d(2024, 2, 1), None),
        version(88123, Some(d(2026, 10, 2)), d(2024, 2, 1), Some(d(2026, 10, 31))),
    ];
    let c = company(
        54613,
        vec![person(503310, "noor.verbeek@example.nl", Some("111222333"))],
        vec![(503310, history.clone())],
    );
    let plan = run(vec![c], &[linked("u-fc02", 503310)], &[], &[], today());
    assert_eq!(plan.counts["no_active_employment"], 1);
    assert_eq!(plan.counts["imported"], 0);
    assert_eq!(
        of(&plan, EventType::TeamMemberDeactivated),
        [
            json!({"eitje_user_id": "u-fc02", "nmbrs_employee_id": 503310, "reason": "employment_ended", "ended_on": "2026-10-31"})
        ]
    );
    assert_eq!(plan.status, CompletionStatus::Succeeded);

    // Own input: a third version (created later, listed first) re-opens the contract: employed,
    // and the upserted record carries contract 88123 once, in that version.
    let reopened = version(88123, Some(d(2026, 11, 20)), d(2024, 2, 1), None);
    let three = [vec![reopened], history].concat();
    let c = company(54613, vec![person(503310, "noor.verbeek@example.nl", None)], vec![(503310, three)]);
    let plan = run(vec![c], &[linked("u-fc02", 503310)], &[], &[], today());
    let upserts = of(&plan, EventType::TeamMemberUpserted);
    assert_eq!(upserts.len(), 1);
    assert_eq!(
        upserts[0]["contracts"],
        json!([{"start_date": "2024-02-01", "end_date": null, "hours_per_week": "32.00", "contract_type": "1"}])
    );
    assert!(of(&plan, EventType::TeamMemberDeactivated).is_empty());
}

fn moved(with_old_company: bool) -> Vec<CompanyData> {
    let fleur = |id| person(id, "fleur.hendriks@example.nl", Some("111222333"));
    let new = company(
        54900,
        vec![fleur(720455)],
        vec![(720455, vec![version(95001, Some(d(2026, 9, 25)), d(2026, 10, 1), None)])],
    );
    let mut companies = vec![new];
    if with_old_company {
        let mut old = fleur(610001);
        (old.contract_start_date, old.contract_end_date) = (Some(at(d(2023, 4, 1))), Some(at(d(2026, 9, 30))));
        companies.push(company(54613, vec![old], vec![]));
    }
    companies
}

#[test]
fn field_06_a_member_matched_under_a_new_employee_id_is_not_gone() {
    let fleur = RosterMember {
        bsn: Bsn::parse("111222333"),
        email: Some("fleur.hendriks@example.nl".into()),
        ..linked("u-fc06", 610001)
    };
    for with_old_company in [false, true] {
        let plan = run(moved(with_old_company), std::slice::from_ref(&fleur), &[], &[], today());
        assert!(of(&plan, EventType::TeamMemberDeactivated).is_empty(), "old company linked: {with_old_company}");
        assert_eq!(plan.counts["deactivated"], 0);
        let dup = notices(&plan, "sync.duplicate_member");
        assert_eq!(dup.len(), 1, "the ambiguity is still named");
        assert_eq!(dup[0]["params"], json!({"nmbrs_employee_ids": [610001, 720455], "eitje_user_ids": ["u-fc06"]}));
    }
    // Own input: matched by e-mail only (no BSN on either side): still not gone, still named.
    let by_mail = RosterMember { email: Some("Fleur.Hendriks@example.nl ".into()), ..linked("u-fc06", 610001) };
    let mut companies = moved(true);
    for c in &mut companies {
        c.snapshots[0].bsn = None;
    }
    let plan = run(companies, &[by_mail], &[], &[], today());
    assert!(of(&plan, EventType::TeamMemberDeactivated).is_empty());
    assert_eq!(notices(&plan, "sync.duplicate_member").len(), 1);
    // Without the match, the same member would be gone: the rule is what keeps them.
    let unmatched = linked("u-fc06", 610001);
    let plan = run(moved(true), &[unmatched], &[], &[], today());
    assert_eq!(of(&plan, EventType::TeamMemberDeactivated).len(), 1);
}

#[test]
fn field_12_today_is_the_date_in_amsterdam() {
    let companies = || {
        let starter = company(
            54613,
            vec![snap(504301, None, Some("sem.visser@example.com"))],
            vec![(504301, vec![contract(97001, d(2026, 3, 1), None)])],
        );
        let mut c = starter;
        c.snapshots.push(snap(504302, Some("bram.koster@example.nl"), None));
        c.contracts.push(crate::domain::nmbrs::PerEmployee {
            employee_id: EmployeeId::int(504302),
            items: vec![contract(97002, d(2025, 5, 1), Some(d(2026, 2, 28)))],
        });
        c
    };
    let roster = [linked("u-fc12-leaver", 504302)];
    let winter: DateTime<Utc> = "2026-02-28T23:30:00Z".parse().unwrap();
    let plan = run(vec![companies()], &roster, &[], &[], nmbrs_date(winter));
    assert_eq!(
        of(&plan, EventType::TeamMemberUpserted).iter().map(|u| u["nmbrs_employee_id"].clone()).collect::<Vec<_>>(),
        [json!(504301)]
    );
    assert_eq!(of(&plan, EventType::TeamMemberDeactivated)[0]["ended_on"], "2026-02-28");
    // The UTC date would have got both wrong.
    let plan = run(vec![companies()], &roster, &[], &[], winter.date_naive());
    assert_eq!(
        of(&plan, EventType::TeamMemberUpserted).iter().map(|u| u["nmbrs_employee_id"].clone()).collect::<Vec<_>>(),
        [json!(504302)]
    );
}

#[test]
fn a_company_answering_with_no_employees_holds_departures_by_absence() {
    let full = company(
        54613,
        vec![snap(1, Some("a@x.nl"), None), snap(2, Some("b@x.nl"), None)],
        vec![(1, vec![contract(1, d(2025, 1, 1), None)]), (2, vec![contract(2, d(2025, 1, 1), Some(d(2026, 10, 31)))])],
    );
    let empty = company(54900, vec![], vec![]);
    let roster = [linked("u-1", 1), linked("u-2", 2), linked("u-3", 3), linked("u-4", 4)];
    let plan = run(vec![full, empty], &roster, &[], &[], today());
    // Ended employment elsewhere is still judged; absence is not.
    let deactivated = of(&plan, EventType::TeamMemberDeactivated);
    assert_eq!(deactivated.len(), 1);
    assert_eq!(deactivated[0]["eitje_user_id"], "u-2");
    let held = notices(&plan, "sync.departures_held");
    assert_eq!(held.len(), 1);
    assert_eq!((&held[0]["params"]["nmbrs_company_id"], &held[0]["params"]["count"]), (&json!(54900), &json!(2)));
    assert_eq!(plan.status, CompletionStatus::Partial);
    assert_eq!(plan.counts["departures_held"], 2);
    assert_eq!(plan.errors.iter().map(|e| e.code.as_str()).collect::<Vec<_>>(), ["sync.departures_held"]);
    // An empty company while nobody is missing holds nothing and tells nobody.
    let only_empty = run(vec![company(54900, vec![], vec![])], &[], &[], &[], today());
    assert_eq!(only_empty.status, CompletionStatus::Succeeded);
    assert!(only_empty.events.is_empty());
}

#[test]
fn a_large_share_of_departures_is_held_from_five_on() {
    // `n` of `total` linked members have ended employment.
    let scenario = |n: i32, total: i32| {
        let mut c = company(54613, vec![], vec![]);
        for id in 1..=total {
            c.snapshots.push(snap(id, Some("x@y.nl"), None));
            let end = (id <= n).then(|| d(2026, 10, 31));
            c.contracts.push(crate::domain::nmbrs::PerEmployee {
                employee_id: EmployeeId::int(id),
                items: vec![contract(id, d(2025, 1, 1), end)],
            });
        }
        let roster: Vec<RosterMember> = (1..=total).map(|id| linked(&format!("u-{id}"), id)).collect();
        run(vec![c], &roster, &[], &[], today())
    };
    let held = scenario(6, 10);
    assert!(of(&held, EventType::TeamMemberDeactivated).is_empty());
    let n = notices(&held, "sync.departures_held");
    assert_eq!(n[0]["params"], json!({"nmbrs_company_id": null, "count": 6}));
    assert_eq!(held.status, CompletionStatus::Partial);
    assert_eq!((held.counts["deactivated"], held.counts["departures_held"]), (0, 6));
    // Four of ten is above the share but below five: published.
    assert_eq!(of(&scenario(4, 10), EventType::TeamMemberDeactivated).len(), 4);
    // Exactly the share (3 of 10, and 6 of 20) is not above it; 7 of 20 is.
    assert_eq!(of(&scenario(6, 20), EventType::TeamMemberDeactivated).len(), 6);
    assert_eq!(of(&scenario(7, 20), EventType::TeamMemberDeactivated).len(), 0);
    assert_eq!(scenario(6, 20).status, CompletionStatus::Succeeded);
}

#[test]
fn an_unread_company_is_named_and_nobody_is_judged_gone_by_absence() {
    let read = company(
        54613,
        vec![snap(1, Some("a@x.nl"), None), snap(2, Some("b@x.nl"), None)],
        vec![(1, vec![contract(1, d(2025, 1, 1), None)]), (2, vec![contract(2, d(2025, 1, 1), Some(d(2026, 10, 31)))])],
    );
    let failed = [CompanyFailure {
        company_id: CompanyId::int(54900),
        error: CompanyError::UnreadableResponse,
        message: "Company 54900 could not be read.".into(),
    }];
    let roster = [linked("u-1", 1), linked("u-2", 2), linked("u-gone", 99)];
    let plan = run(vec![read], &roster, &failed, &[], today());
    assert_eq!(plan.status, CompletionStatus::Partial);
    assert_eq!(plan.errors[0].scope, json!({"nmbrs_company_id": 54900}));
    assert_eq!(plan.errors[0].code, "nmbrs.unreadable_response");
    let gone: Vec<Value> =
        of(&plan, EventType::TeamMemberDeactivated).iter().map(|d| d["eitje_user_id"].clone()).collect();
    assert_eq!(gone, [json!("u-2")], "ended employment still counts; absence does not");
    assert_eq!(plan.counts["imported"], 1);
}

#[test]
fn a_company_without_a_current_period_still_publishes_without_a_cost_per_hour() {
    let c = company(54613, vec![snap(1, Some("a@x.nl"), None)], vec![(1, vec![contract(1, d(2025, 1, 1), None)])]);
    let plan = run(vec![c], &[], &[], &[(CompanyId::int(54613), CompanyError::NoCurrentPeriod)], today());
    let upserts = of(&plan, EventType::TeamMemberUpserted);
    assert_eq!(upserts.len(), 1);
    assert_eq!(upserts[0]["cost_per_hour"], Value::Null);
    assert_eq!(plan.status, CompletionStatus::Partial);
    assert_eq!(plan.errors[0].code, "nmbrs.no_current_period");
    assert_eq!(plan.errors[0].scope, json!({"nmbrs_company_id": 54613}));
}

#[test]
fn a_refused_cost_per_hour_is_null_and_named() {
    let c = company(54613, vec![snap(1, Some("a@x.nl"), None)], vec![(1, vec![contract(1, d(2025, 1, 1), None)])]);
    let companies = vec![c];
    let selection = select_imports(&companies, today());
    let (costs, previous) = (HashMap::new(), HashMap::new());
    let plan = checked(plan_sync(SyncInput {
        selection,
        companies,
        failed: &[],
        without_period: &[],
        without_cost: &[EmployeeId::int(1)],
        costs: &costs,
        members: &[],
        previous: &previous,
        previous_ids: &HashMap::new(),
        settings: settings(),
        today: today(),
    }));
    assert_eq!(of(&plan, EventType::TeamMemberUpserted)[0]["cost_per_hour"], Value::Null);
    assert_eq!(plan.status, CompletionStatus::Partial);
    assert_eq!(plan.errors[0].code, "no_cost_per_hour");
    assert_eq!(plan.errors[0].scope, json!({"nmbrs_employee_id": 1}));
}

#[test]
fn an_unreadable_record_skips_only_that_employee_and_never_makes_it_gone() {
    let mut c = company(
        54613,
        vec![snap(1, Some("a@x.nl"), None), snap(2, Some("b@x.nl"), None)],
        vec![(1, vec![contract(1, d(2025, 1, 1), None)])],
    );
    c.unreadable.push(unreadable_in(
        super::super::TeamList::Contracts,
        super::super::UnreadableRecord::of(Some(EmployeeId::int(2)), "StartDate", "missing"),
    ));
    let plan = run(vec![c], &[linked("u-1", 1), linked("u-2", 2)], &[], &[], today());
    assert_eq!((plan.counts["imported"], plan.counts["unreadable_record"]), (1, 1));
    assert_eq!(plan.counts["no_active_employment"], 0);
    assert!(of(&plan, EventType::TeamMemberDeactivated).is_empty());
    assert_eq!(plan.status, CompletionStatus::Partial);
    assert_eq!(plan.errors[0].code, "unreadable_record");
    assert_eq!(plan.errors[0].scope, json!({"nmbrs_company_id": 54613, "nmbrs_employee_id": 2, "field": "StartDate"}));
    assert!(plan.errors[0].message.contains("StartDate"));
}

#[test]
fn a_record_without_a_readable_employee_id_makes_nobody_gone_by_absence() {
    let mut c = company(54613, vec![snap(1, Some("a@x.nl"), None)], vec![(1, vec![contract(1, d(2025, 1, 1), None)])]);
    c.unreadable.push(unreadable_in(
        super::super::TeamList::Employees,
        super::super::UnreadableRecord::of(None, "EmployeeId", "missing"),
    ));
    // u-2's employee 2 is returned by no company: absence proves nothing while a record's
    // employee id could not be read (it may be employee 2's).
    let plan = run(vec![c], &[linked("u-1", 1), linked("u-2", 2)], &[], &[], today());
    assert!(of(&plan, EventType::TeamMemberDeactivated).is_empty());
    assert_eq!(plan.counts["unreadable_record"], 1);
    assert_eq!(plan.status, CompletionStatus::Partial);
    assert_eq!(plan.errors[0].scope, json!({"nmbrs_company_id": 54613, "field": "EmployeeId"}));
}

#[test]
fn deactivate_follows_steps_five_and_six() {
    let mut c = company(54613, vec![], vec![]);
    for id in 1..=6 {
        c.contracts.push(crate::domain::nmbrs::PerEmployee {
            employee_id: EmployeeId::int(id),
            items: vec![contract(id, d(2025, 1, 1), Some(d(2026, 10, 31)))],
        });
    }
    let roster: Vec<RosterMember> = (1..=6).map(|id| linked(&format!("u-{id}"), id)).collect();
    let share = Decimal::new(3, 1);
    // As of a date before the ends: nobody left.
    let plan = checked(plan_deactivate(std::slice::from_ref(&c), &[], &roster, true, share, d(2026, 10, 1)));
    assert!(plan.events.is_empty());
    // After: six of six is a mass departure, held.
    let plan = checked(plan_deactivate(std::slice::from_ref(&c), &[], &roster, true, share, today()));
    assert_eq!(notices(&plan, "sync.departures_held")[0]["params"]["count"], 6);
    assert_eq!(plan.status, CompletionStatus::Partial);
    // Two members only: published, as `sync.members_left_nmbrs` with auto_deactivate off.
    let plan = checked(plan_deactivate(std::slice::from_ref(&c), &[], &roster[..2], false, share, today()));
    assert_eq!(notices(&plan, "sync.members_left_nmbrs")[0]["params"]["eitje_user_ids"], json!(["u-1", "u-2"]));
    assert_eq!((plan.counts["deactivated"], plan.counts["left_nmbrs"]), (0, 2));
    assert_eq!(plan.status, CompletionStatus::Succeeded);
}
