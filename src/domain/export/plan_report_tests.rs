//! The plan as the handler uses it, through [`plan`]: the `hours.exported` payload and the
//! companies it must read, buckets held back (in doubt, refused) after planning, an edge that
//! updates in place, and the entries a SOAP→REST switch holds. Split from `plan_tests.rs`
//! (the rules of CONTRACT §2.5) to keep each file short; the helpers are its parent's.

use super::*;

#[test]
fn the_hours_exported_payload_and_the_notifications_match_the_schemas() {
    let mut fixed = entry("s2");
    fixed.contract_type = ContractType::Fixed;
    fixed.allowances = vec![Allowance { kind: "tips".into(), amount: d("1") }];
    let mut unapproved = entry("s3");
    unapproved.approved = false;
    let mut second = payload(vec![fixed, unapproved]);
    second.withdrawn_entry_ids = vec!["s1".into()];
    second.dry_run = true;
    let (_, ledger, applied) = run_all(&[payload(vec![entry("s1"), entry("s4")])]);
    let plan = run(&second, &ledger, &applied);
    let ids = BTreeMap::new();
    let body = plan.hours_exported(&second, &ids, unproven, usize::MAX);
    crate::envelope::schema::check("events/hours.exported", &event("hours.exported", body.clone())).unwrap();
    assert_eq!(body["dry_run"], true);
    assert_eq!(body["buckets"][0]["action"], "replace");
    assert_eq!(body["buckets"][0]["nmbrs_component_id"], json!(null), "a dry run inserts nothing");
    for n in &plan.notifications {
        crate::envelope::schema::check("events/notification", &event("notification", n.draft().payload_value()))
            .unwrap();
    }
    assert_eq!(codes(&plan), ["export.no_code_mapping", "export.not_approved"]);
    assert_eq!(
        skipped(&plan),
        ["s1 - withdrawn", "s2 worked_hours fixed_contract", "s2 allowances.tips no_code_mapping", "s3 - not_approved"]
    );
}

#[test]
fn the_handler_reads_the_companies_of_new_and_earlier_contributions() {
    let (_, ledger, _) = run_all(&[payload(vec![entry("s1")])]);
    let mut moved = entry("s1");
    moved.eitje_venue_id = "v-3".into();
    let mut unknown = entry("s9");
    unknown.eitje_venue_id = "v-9".into();
    let p = payload(vec![moved, unknown]);
    let other = crate::domain::nmbrs::CompanyId::int(54671);
    assert_eq!(companies_to_read(&p, &crate::domain::export::testkit::venues(), &ledger), [COMPANY, other].into());
    let triples = employee_periods(&p, &crate::domain::export::testkit::venues(), &ledger);
    let period = crate::domain::nmbrs::PayPeriod::new(2026, 11);
    let employee = crate::domain::export::testkit::EMPLOYEE;
    assert_eq!(triples, [(COMPANY, employee, period), (other, employee, period)].into());
}

#[test]
fn a_bucket_in_doubt_is_reported_skipped_and_notified() {
    let mut e = entry("s1");
    e.meals = 1;
    let p = payload(vec![e, entry("s2")]);
    let mut plan = run(&p, &Ledger::new(), &BTreeMap::new());
    let hours = plan.buckets[0].key;
    plan.mark_in_doubt(&hours);
    plan.mark_in_doubt(&hours);
    assert_eq!(skipped(&plan), ["s1 worked_hours in_doubt", "s2 worked_hours in_doubt"]);
    assert_eq!(ids(&plan), ["s1", "s2"], "their days and meals did export");
    assert_eq!(codes(&plan), ["export.in_doubt"]);
    assert_eq!(plan.status, CompletionStatus::Partial);
    let body = plan.hours_exported(&p, &BTreeMap::new(), unproven, usize::MAX);
    assert_eq!(body["buckets"][0]["action"], "in_doubt");
    crate::envelope::schema::check("events/hours.exported", &event("hours.exported", body.clone())).unwrap();
    crate::envelope::schema::check(
        "events/notification",
        &event("notification", plan.notifications[0].draft().payload_value()),
    )
    .unwrap();
    assert_eq!(body["buckets"][0]["nmbrs_component_id"], json!(null));
    let mut leave = entry("l1");
    leave.kind = EntryKind::Leave;
    let mut plan = first(vec![leave]);
    let key = plan.buckets[0].key;
    plan.mark_in_doubt(&key);
    assert!(plan.exported.is_empty(), "nothing of l1 surely exported");
}

#[test]
fn a_stored_plan_reads_back_the_same_and_can_still_be_marked_in_doubt() {
    let mut e = entry("s1");
    e.meals = 1;
    let p = payload(vec![e, entry("s2")]);
    let plan = run(&p, &Ledger::new(), &BTreeMap::new());
    let stored = serde_json::to_string(&plan).unwrap();
    let mut back: Plan = serde_json::from_str(&stored).unwrap();
    assert_eq!(back.buckets, plan.buckets);
    assert_eq!((&back.exported, &back.skipped, &back.status), (&plan.exported, &plan.skipped, &plan.status));
    assert!(back.updates.is_empty() && back.ledger == Ledger::new(), "the ledger lives in its own tables");
    let hours = back.buckets[0].key;
    back.mark_in_doubt(&hours);
    assert_eq!(skipped(&back), ["s1 worked_hours in_doubt", "s2 worked_hours in_doubt"]);
}

#[test]
fn a_refused_bucket_is_reported_skipped_and_makes_the_job_partial_without_a_notification() {
    let mut leave = entry("l1");
    leave.kind = EntryKind::Leave;
    let p = payload(vec![entry("s1"), leave]);
    let mut plan = run(&p, &Ledger::new(), &BTreeMap::new());
    let leave_bucket = plan.buckets.iter().find(|b| b.key.component.code() == Some(20)).unwrap().key;
    plan.mark_refused(&leave_bucket);
    assert_eq!(skipped(&plan), ["l1 leave nmbrs_refused"]);
    assert_eq!(ids(&plan), ["s1"], "l1 had nothing else, so it did not export");
    assert!(plan.notifications.is_empty(), "job.completed's errors carry it");
    assert_eq!(plan.status, CompletionStatus::Partial);
    let body = plan.hours_exported(&p, &BTreeMap::new(), unproven, usize::MAX);
    let refused: Vec<&Value> =
        body["buckets"].as_array().unwrap().iter().filter(|b| b["action"] == "refused").collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["nmbrs_component_id"], json!(null));
    crate::envelope::schema::check("events/hours.exported", &event("hours.exported", body.clone())).unwrap();
}

#[test]
fn in_place_a_changed_bucket_updates_its_line_and_the_report_names_it() {
    let mut changed = entry("s1");
    changed.hours = d("6");
    let (plan, ..) = run_all_on(WriteMode::InPlace, &[payload(vec![entry("s1")]), payload(vec![changed.clone()])]);
    let plan = plan.unwrap();
    assert_eq!(buckets(&plan), ["hours:1=6 replace", "days=1 unchanged"]);
    let line = ComponentLineId::int(1001);
    assert_eq!(plan.buckets[0].action, Action::Update { id: line, value: d("6.00"), drop: vec![] });
    let body = plan.hours_exported(
        &payload(vec![changed]),
        &BTreeMap::from([(plan.buckets[0].key, line)]),
        unproven,
        usize::MAX,
    );
    assert_eq!(body["buckets"][0]["nmbrs_component_id"], json!(1001), "the same line, changed");
}

#[test]
fn in_place_an_emptied_bucket_is_deleted_but_in_an_allowed_closed_period_set_to_zero() {
    let mut october = payload(vec![in_october("s1")]);
    october.period.number = 10;
    october.allow_closed_period = true;
    let mut withdrawn = october.clone();
    withdrawn.entries.clear();
    withdrawn.withdrawn_entry_ids = vec!["s1".into()];
    let (plan, ledger, applied) = run_all_on(WriteMode::InPlace, &[october.clone(), withdrawn.clone()]);
    let plan = plan.unwrap();
    assert_eq!(buckets(&plan), ["hours:1=0 delete", "days=0 delete"]);
    let zero = Action::Update { id: ComponentLineId::int(1001), value: Decimal::ZERO, drop: vec![] };
    assert_eq!(plan.buckets[0].action, zero);
    assert!(plan.buckets[0].unprotected);
    // The line stays the worker's at 0: the same withdrawal again writes nothing.
    let again = run_on(WriteMode::InPlace, &withdrawn, &settings(), &companies(), &ledger, &applied);
    assert!(again.writes().next().is_none(), "{:?}", buckets(&again));
    // In the current period (open) the emptied bucket is deleted as on SOAP.
    let mut current = withdrawn;
    current.period.number = 11;
    let open = payload(vec![entry("s1")]);
    let (plan, ..) = run_all_on(WriteMode::InPlace, &[open, current]);
    assert!(matches!(&plan.unwrap().buckets[0].action, Action::Delete { ids } if ids.len() == 1));
}

#[test]
fn after_a_switch_a_rest_employee_without_a_soap_twin_waits_where_an_unrecognised_ones_buckets_are_in_doubt() {
    let november = crate::domain::nmbrs::PayPeriod::new(2026, 11);
    let twin = crate::domain::nmbrs::EmployeeId(uuid::Uuid::from_u128(1).into());
    let stranger = crate::domain::nmbrs::EmployeeId(uuid::Uuid::from_u128(2).into());
    let held = Unrelinked { periods: [november].into(), linked: [twin].into(), ..Default::default() };
    assert!(held.holds(november, stranger), "may be the unrecognised employee: waits");
    assert!(!held.holds(november, twin), "recognised: exported");
    assert!(!held.holds(crate::domain::nmbrs::PayPeriod::new(2026, 12), stranger), "another period: exported");
    assert!(!held.holds(november, crate::domain::nmbrs::EmployeeId::int(7)), "a SOAP id is not a REST employee");
    assert!(!Unrelinked::default().holds(november, stranger), "nothing left behind: nothing held");
    let closed = Unrelinked { twins: [(twin, november)].into(), ..Default::default() };
    assert!(closed.holds(november, twin), "its SOAP twin's components are still there (a closed period)");
    assert!(!closed.holds(crate::domain::nmbrs::PayPeriod::new(2026, 12), twin));
}

#[test]
fn after_a_switch_an_entry_whose_contributions_were_left_under_soap_ids_is_skipped_in_doubt() {
    let unrelinked = Unrelinked { entries: ["s1".into()].into(), ..Default::default() };
    let input_payload = payload(vec![entry("s1"), entry("s2")]);
    let plan = crate::domain::export::testkit::run_unrelinked(&input_payload, &unrelinked);
    assert_eq!(skipped(&plan), ["s1 - in_doubt"]);
    assert_eq!(ids(&plan), ["s2"]);
}
