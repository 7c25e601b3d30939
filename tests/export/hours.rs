//! ExportHours end to end (CONTRACT §2.5): the production worker, real RabbitMQ and PostgreSQL,
//! the Nmbrs simulator over HTTP. Each test asserts the exact components and days Nmbrs holds
//! afterwards and what `hours.exported`, the notifications and `job.completed` say about them.
//! The failure paths (lost replies, transient errors) are in `export_failures.rs`.

use crate::support::export::*;
use crate::support::*;
use serde_json::{Value, json};

crate::on_both_apis!(
    a_first_export_writes_every_bucket_once_and_reports_it,
    an_identical_re_export_makes_no_write_call,
    changed_withdrawn_and_new_entries_replace_only_the_workers_own_components,
    a_closed_period_is_skipped_unless_allowed_and_then_written_unprotected,
    a_period_number_the_company_type_lacks_is_skipped_as_invalid_period,
    unknown_codes_missing_mappings_and_unknown_employees_are_skipped_and_notified,
    a_dry_run_writes_nothing_and_changes_no_ledger_state,
);

/// Jan (zero hours): two shifts on 3 Nov (one worked day), one on 5 Nov with two allowance types,
/// leave, and a shift not approved. Anton (fixed contract): his worked hours stay out, his days,
/// meals and sick hours export. Fatima: one shift with a bonus.
fn first_entries() -> Value {
    json!([
        with(
            worked("j-1", JAN, "2026-11-03", "7.50"),
            json!({"meals": 1, "allowances": [{"type": "travel", "amount": "12.40"}]})
        ),
        with(worked("j-2", JAN, "2026-11-03", "3.25"), json!({"meals": 1})),
        with(
            worked("j-3", JAN, "2026-11-05", "8.00"),
            json!({"allowances": [{"type": "travel", "amount": "6.20"}, {"type": "bonus", "amount": "25.00"}]})
        ),
        leave("j-4", JAN, "2026-11-10", "8.00"),
        with(worked("j-5", JAN, "2026-11-12", "5.00"), json!({"approved": false})),
        with(worked("a-1", ANTON, "2026-11-04", "8.00"), json!({"contract_type": "fixed", "meals": 1})),
        with(sick("a-2", ANTON, "2026-11-06", "6.00"), json!({"contract_type": "fixed"})),
        with(worked("a-3", ANTON, "2026-11-07", "4.00"), json!({"contract_type": "fixed"})),
        with(
            worked("f-1", FATIMA, "2026-11-02", "6.50"),
            json!({"allowances": [{"type": "bonus", "amount": "10.00"}]})
        ),
    ])
}

fn first_rows(action: &str) -> Vec<Row> {
    vec![
        row(JAN, "days", None, "2", action),
        row(JAN, "hours", Some(1), "18.75", action),
        row(JAN, "hours", Some(20), "8.00", action),
        row(JAN, "wage", Some(400), "2", action),
        row(JAN, "wage", Some(410), "18.60", action),
        row(JAN, "wage", Some(430), "25.00", action),
        row(ANTON, "days", None, "2", action),
        row(ANTON, "hours", Some(40), "6.00", action),
        row(ANTON, "wage", Some(400), "1", action),
        row(FATIMA, "days", None, "1", action),
        row(FATIMA, "hours", Some(1), "6.50", action),
        row(FATIMA, "wage", Some(430), "10.00", action),
    ]
}

fn assert_first_export_in_nmbrs(h: &TestApp) {
    let jan = h.nmbrs(JAN, NOVEMBER);
    assert_eq!(jan.hour_values(), [(1, d("18.75")), (20, d("8"))]);
    assert_eq!(jan.wage_values(), [(400, d("2")), (410, d("18.60")), (430, d("25"))]);
    assert_eq!(jan.days, Some(2), "two shifts on 3 Nov count as one day");
    let anton = h.nmbrs(ANTON, NOVEMBER);
    assert_eq!(anton.hour_values(), [(40, d("6"))], "no worked hours for a fixed contract");
    assert_eq!(anton.wage_values(), [(400, d("1"))]);
    assert_eq!(anton.days, Some(2));
    let fatima = h.nmbrs(FATIMA, NOVEMBER);
    assert_eq!(fatima.hour_values(), [(1, d("6.5"))]);
    assert_eq!(fatima.wage_values(), [(430, d("10"))]);
    assert_eq!(fatima.days, Some(1));
}

async fn a_first_export_writes_every_bucket_once_and_reports_it(api: Api) {
    let mut h = Spawn::new().api(api).start().await;
    let out = h.export(FULL, export_payload("exp-1", NOVEMBER, first_entries())).await;

    assert_first_export_in_nmbrs(&h);
    assert_eq!(out.status(), "succeeded", "only Eitje-side skips: {:#}", out.completed);
    assert_eq!(out.rows(), first_rows("insert"));
    let ids = out.assert_matches_nmbrs(&h.sim);
    assert_eq!(ids.len(), 9, "every hour and wage bucket names its component");
    let mut held: Vec<i32> = [JAN, ANTON, FATIMA].iter().flat_map(|e| h.nmbrs(*e, NOVEMBER).ids()).collect();
    let mut reported = ids.clone();
    held.sort();
    reported.sort();
    assert_eq!(held, reported, "the worker owns exactly the components in Nmbrs");
    assert_eq!(out.exported_ids(), ["j-1", "j-2", "j-3", "j-4", "a-1", "a-2", "a-3", "f-1"]);
    assert_eq!(
        out.skipped(),
        [
            ("a-1".into(), Some("worked_hours".into()), "fixed_contract".into()),
            ("a-3".into(), Some("worked_hours".into()), "fixed_contract".into()),
            ("j-5".into(), None, "not_approved".into()),
        ]
    );
    assert_eq!(out.exported["dry_run"], false);
    assert_eq!(out.exported["export_id"], "exp-1");
    assert_eq!(out.exported["period"], json!({"year": 2026, "number": 11}));
    assert_eq!(out.notification_codes(), ["export.not_approved"]);
    assert_eq!(out.notification("export.not_approved")["params"], json!({"count": 1}));
    assert_eq!(out.write_calls, 12, "9 inserts and 3 DaysVar_Set");
    for (name, n) in [("exported", 8), ("skipped", 3), ("buckets", 12), ("buckets_written", 12), ("write_calls", 12)] {
        assert_eq!(out.count(name), n, "count {name}");
    }
    assert_eq!((out.count("unchanged"), out.count("in_doubt")), (0, 0));
    h.stop().await;
}

async fn an_identical_re_export_makes_no_write_call(api: Api) {
    let mut h = Spawn::new().api(api).start().await;
    let first = h.export(FULL, export_payload("exp-1", NOVEMBER, first_entries())).await;
    let held: Vec<NmbrsPeriod> = [JAN, ANTON, FATIMA].iter().map(|e| h.nmbrs(*e, NOVEMBER)).collect();

    // A new job (own message id and idempotency key) with the same entries.
    let again = h.export(FULL, export_payload("exp-2", NOVEMBER, first_entries())).await;
    assert_eq!(again.write_calls, 0, "no write call at all");
    assert_eq!(again.count("write_calls"), 0);
    assert_eq!(again.count("buckets_written"), 0);
    assert_eq!(again.count("unchanged"), 12);
    assert_eq!(again.status(), "succeeded");
    assert_eq!(again.rows(), first_rows("unchanged"));
    for b in first.buckets().iter().filter(|b| b["component"] != "days") {
        let (employee, code) = (first.soap_id(&b["nmbrs_employee_id"]).unwrap(), b["code"].as_i64().unwrap() as i32);
        let component = b["component"].as_str().unwrap();
        assert_eq!(
            again.component_id(employee, component, code),
            first.soap_id(&b["nmbrs_component_id"]),
            "an unchanged bucket reports the component it owns"
        );
    }
    let after: Vec<NmbrsPeriod> = [JAN, ANTON, FATIMA].iter().map(|e| h.nmbrs(*e, NOVEMBER)).collect();
    assert_eq!(after, held, "Nmbrs is exactly as after the first export");
    h.stop().await;
}

async fn changed_withdrawn_and_new_entries_replace_only_the_workers_own_components(api: Api) {
    let mut h = Spawn::new().api(api).start().await;
    let hand_hours = h.hand_made_hours(JAN, NOVEMBER, 1, "2.00").await;
    let hand_wage = h.hand_made_wage(JAN, NOVEMBER, 410, "5.00").await;
    let entries = json!([
        with(
            worked("j-1", JAN, "2026-11-03", "7.50"),
            json!({"meals": 1, "allowances": [{"type": "travel", "amount": "12.40"}]})
        ),
        with(worked("j-2", JAN, "2026-11-03", "3.25"), json!({"meals": 1})),
        with(worked("j-3", JAN, "2026-11-05", "8.00"), json!({"allowances": [{"type": "bonus", "amount": "25.00"}]})),
        worked("f-1", FATIMA, "2026-11-02", "6.50"),
    ]);
    let first = h.export(FULL, export_payload("exp-1", NOVEMBER, entries)).await;
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("2")), (1, d("18.75"))]);
    let fatima = h.nmbrs(FATIMA, NOVEMBER);

    // j-1 changed, j-2 withdrawn, j-3 sent again not approved, j-6 new (a second shift on 3 Nov).
    let mut payload = export_payload(
        "exp-2",
        NOVEMBER,
        json!([
            with(
                worked("j-1", JAN, "2026-11-03", "6.00"),
                json!({"meals": 1, "allowances": [{"type": "travel", "amount": "10.00"}]})
            ),
            with(worked("j-3", JAN, "2026-11-05", "8.00"), json!({"approved": false})),
            with(worked("j-6", JAN, "2026-11-03", "4.00"), json!({"meals": 1})),
        ]),
    );
    payload["withdrawn_entry_ids"] = json!(["j-2"]);
    let out = h.export(FULL, payload).await;

    let jan = h.nmbrs(JAN, NOVEMBER);
    assert_eq!(jan.hour_values(), [(1, d("2")), (1, d("10"))]);
    assert_eq!(jan.wage_values(), [(400, d("2")), (410, d("5")), (410, d("10"))], "the bonus bucket emptied");
    assert_eq!(jan.days, Some(1), "only 3 Nov is left");
    let hand = |lines: &[NmbrsLine], id| lines.iter().find(|l| l.id == id).map(|l| (l.code, l.value));
    assert_eq!(hand(&jan.hours, hand_hours), Some((1, d("2.00"))), "the hand-made hours are untouched");
    assert_eq!(hand(&jan.wages, hand_wage), Some((410, d("5.00"))), "the hand-made wage is untouched");
    assert_eq!(h.nmbrs(FATIMA, NOVEMBER), fatima, "an entry not sent again keeps its contribution");

    assert_eq!(
        out.rows(),
        [
            row(JAN, "days", None, "1", "replace"),
            row(JAN, "hours", Some(1), "10.00", "replace"),
            row(JAN, "wage", Some(400), "2", "unchanged"),
            row(JAN, "wage", Some(410), "10.00", "replace"),
            row(JAN, "wage", Some(430), "0", "delete"),
        ]
    );
    let mut owned = out.assert_matches_nmbrs(&h.sim);
    owned.sort();
    let mut jan_ids: Vec<i32> = jan.ids().into_iter().filter(|id| ![hand_hours, hand_wage].contains(id)).collect();
    jan_ids.sort();
    assert_eq!(owned, jan_ids, "exactly one worker component per bucket, and nothing else of the worker's");
    assert_eq!(out.bucket(JAN, "wage", Some(430))["nmbrs_component_id"], Value::Null);
    match api {
        Api::Soap => assert_ne!(out.component_id(JAN, "hours", 1), first.component_id(JAN, "hours", 1), "replaced"),
        Api::Rest => {
            assert_eq!(out.component_id(JAN, "hours", 1), first.component_id(JAN, "hours", 1), "changed in place")
        }
    }
    assert_eq!(out.exported_ids(), ["j-1", "j-6"]);
    assert_eq!(out.skipped(), [("j-2".into(), None, "withdrawn".into()), ("j-3".into(), None, "not_approved".into())]);
    assert_eq!(out.status(), "succeeded");
    // SOAP: hours and travel each delete + insert, days one DaysVar_Set. REST: hours and
    // travel one PUT each in place; days up by one take two POSTs the first time (the
    // difference, then, the simulator's POST replacing, the number: domain::export::days).
    // Bonus: delete.
    let writes = match api {
        Api::Soap => 6,
        Api::Rest => 5,
    };
    assert_eq!(out.write_calls, writes, "hours and travel changed, days set, bonus deleted");
    assert_eq!(out.count("write_calls"), writes as u64);
    assert_eq!((out.count("buckets"), out.count("buckets_written"), out.count("unchanged")), (5, 4, 1));
    h.stop().await;
}

async fn a_closed_period_is_skipped_unless_allowed_and_then_written_unprotected(api: Api) {
    let mut h = Spawn::new().api(api).start().await;
    // CATERING's current period is 2026-12: period 11 has been through a wage run.
    let emma = || json!([with(worked("e-1", EMMA, "2026-11-10", "5.00"), json!({"eitje_venue_id": "v-catering"}))]);
    let refused = h.protected_insert(EMMA, NOVEMBER).await;
    assert_eq!(refused.expect_err("protected write refused").nmbrs_code(), Some(2011));
    h.sim.clear_calls();

    let out = h.export(FULL, export_payload("exp-closed", NOVEMBER, emma())).await;
    assert_eq!(out.status(), "partial");
    assert_eq!(out.write_calls, 0, "no write call at all");
    assert_eq!(out.count("write_calls"), 0);
    assert_eq!(out.skipped(), [("e-1".into(), None, "period_closed".into())]);
    assert!(out.exported_ids().is_empty());
    assert!(out.rows().is_empty());
    assert_eq!(out.notification_codes(), ["export.period_closed"]);
    assert_eq!(
        out.notification("export.period_closed")["params"],
        json!({"nmbrs_company_id": api.company(54614), "period": {"year": 2026, "number": 11},
               "current_period": {"year": 2026, "number": 12}})
    );
    assert_eq!(h.nmbrs(EMMA, NOVEMBER), NmbrsPeriod { hours: vec![], wages: vec![], days: None });

    // Allowed: the simulator refuses any protected write into period 11 (fault 2011), so the
    // writes landing prove they carried UnprotectedMode=true.
    let mut allowed = export_payload("exp-closed-2", NOVEMBER, emma());
    allowed["allow_closed_period"] = json!(true);
    let out = h.export(FULL, allowed).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    assert_eq!(out.rows(), [row(EMMA, "days", None, "1", "insert"), row(EMMA, "hours", Some(1), "5.00", "insert")]);
    let held = h.nmbrs(EMMA, NOVEMBER);
    assert_eq!((held.hour_values(), held.days), (vec![(1, d("5"))], Some(1)));
    out.assert_matches_nmbrs(&h.sim);
    let writes: Vec<_> = h.sim.calls().into_iter().filter(|c| c.write).collect();
    assert_eq!(writes.len(), 2);
    assert!(writes.iter().all(|c| c.outcome == "ok"), "{writes:?}");
    assert!(out.skipped().is_empty());
    h.stop().await;
}

async fn a_period_number_the_company_type_lacks_is_skipped_as_invalid_period(api: Api) {
    let mut h = Spawn::new().api(api).start().await;
    // Period 13 exists for the 4-weekly CATERING (and is open), not for the monthly HORECA.
    let entries = json!([
        worked("j-1", JAN, "2026-11-30", "7.00"),
        with(worked("e-1", EMMA, "2026-12-28", "5.00"), json!({"eitje_venue_id": "v-catering"})),
    ]);
    let out = h.export(FULL, export_payload("exp-13", (2026, 13), entries)).await;
    assert_eq!(out.status(), "partial");
    assert_eq!(out.skipped(), [("j-1".into(), None, "invalid_period".into())]);
    assert_eq!(out.exported_ids(), ["e-1"]);
    assert_eq!(out.notification_codes(), ["export.invalid_period"]);
    assert_eq!(
        out.notification("export.invalid_period")["params"],
        json!({"nmbrs_company_id": api.company(54613), "period": {"year": 2026, "number": 13}, "period_type": "M"})
    );
    assert_eq!(out.rows(), [row(EMMA, "days", None, "1", "insert"), row(EMMA, "hours", Some(1), "5.00", "insert")]);
    assert_eq!(out.write_calls, 2);
    let emma = h.nmbrs(EMMA, (2026, 13));
    assert_eq!((emma.hour_values(), emma.days), (vec![(1, d("5"))], Some(1)));
    assert!(h.sim.state().domains[nmbrs_worker::sim::demo::DOMAIN].hour_components.keys().all(|k| k.0 != JAN));
    h.stop().await;
}

async fn unknown_codes_missing_mappings_and_unknown_employees_are_skipped_and_notified(api: Api) {
    let mut h = Spawn::new().api(api).start().await;
    let payload = export_payload(
        "exp-codes",
        NOVEMBER,
        json!([
            with(
                worked("j-1", JAN, "2026-11-03", "7.00"),
                json!({"meals": 1, "allowances": [{"type": "tips", "amount": "3.00"}]})
            ),
            leave("j-2", JAN, "2026-11-04", "8.00"),
            sick("j-3", JAN, "2026-11-05", "4.00"),
            worked("x-1", 999_999, "2026-11-03", "5.00"),
        ]),
    );
    let mut job = h.job(FULL, payload);
    // Leave maps to 99, in neither hour model; sick and the "tips" allowance have no mapping.
    job["integration"]["settings"] = json!({"hour_codes": {"worked": 1, "leave": 99}, "wage_codes": {"meals": 400}});
    let out = h.run(&job, 60).await;

    assert_eq!(out.status(), "partial");
    assert_eq!(
        out.skipped(),
        [
            ("j-1".into(), Some("allowances.tips".into()), "no_code_mapping".into()),
            ("j-2".into(), Some("leave".into()), "unknown_code".into()),
            ("j-3".into(), Some("sick".into()), "no_code_mapping".into()),
            ("x-1".into(), None, "unknown_employee".into()),
        ]
    );
    assert_eq!(out.exported_ids(), ["j-1"]);
    assert_eq!(
        out.notification_codes(),
        ["export.no_code_mapping", "export.no_code_mapping", "export.unknown_code", "export.unknown_employee"]
    );
    assert_eq!(
        out.notification("export.unknown_code")["params"],
        json!({"nmbrs_company_id": api.company(54613), "kind": "leave", "code": 99})
    );
    let mut unmapped: Vec<&Value> = out
        .notifications
        .iter()
        .filter(|n| n["code"] == "export.no_code_mapping")
        .map(|n| &n["params"]["kind"])
        .collect();
    unmapped.sort_by_key(|k| k.to_string());
    assert_eq!(unmapped, [&json!("allowances.tips"), &json!("sick")]);
    assert_eq!(out.notification("export.unknown_employee")["params"]["nmbrs_employee_id"], api.employee(999_999));
    assert_eq!(
        out.rows(),
        [
            row(JAN, "days", None, "1", "insert"),
            row(JAN, "hours", Some(1), "7.00", "insert"),
            row(JAN, "wage", Some(400), "1", "insert")
        ]
    );
    let jan = h.nmbrs(JAN, NOVEMBER);
    assert_eq!((jan.hour_values(), jan.wage_values(), jan.days), (vec![(1, d("7"))], vec![(400, d("1"))], Some(1)));
    assert_eq!(out.write_calls, 3);
    h.stop().await;
}

async fn a_dry_run_writes_nothing_and_changes_no_ledger_state(api: Api) {
    let mut h = Spawn::new().api(api).start().await;
    let entries = || {
        json!([
            with(worked("j-1", JAN, "2026-11-03", "7.50"), json!({"meals": 1})),
            with(
                worked("j-2", JAN, "2026-11-05", "4.00"),
                json!({"allowances": [{"type": "bonus", "amount": "25.00"}]})
            ),
        ])
    };
    let dry = |mut p: Value| {
        p["dry_run"] = json!(true);
        p
    };
    let first_rows = |action| {
        vec![
            row(JAN, "days", None, "2", action),
            row(JAN, "hours", Some(1), "11.50", action),
            row(JAN, "wage", Some(400), "1", action),
            row(JAN, "wage", Some(430), "25.00", action),
        ]
    };

    let plan = h.export(FULL, dry(export_payload("exp-dry", NOVEMBER, entries()))).await;
    assert_eq!((plan.write_calls, plan.count("write_calls")), (0, 0));
    assert_eq!(plan.exported["dry_run"], true);
    assert_eq!(plan.rows(), first_rows("insert"));
    assert!(plan.buckets().iter().all(|b| b["nmbrs_component_id"].is_null()), "nothing inserted yet");
    assert_eq!(h.nmbrs(JAN, NOVEMBER), NmbrsPeriod { hours: vec![], wages: vec![], days: None });

    let real = h.export(FULL, export_payload("exp-real", NOVEMBER, entries())).await;
    assert_eq!(real.rows(), first_rows("insert"), "the dry run left the ledger as it was");
    assert_eq!(real.write_calls, 4);
    real.assert_matches_nmbrs(&h.sim);
    let written = h.nmbrs(JAN, NOVEMBER);

    // A dry run of a change plans replace, unchanged and delete, and still writes nothing.
    let change = || {
        let mut p = export_payload(
            "exp-change",
            NOVEMBER,
            json!([with(worked("j-1", JAN, "2026-11-03", "6.00"), json!({"meals": 1}))]),
        );
        p["withdrawn_entry_ids"] = json!(["j-2"]);
        p
    };
    let changed_rows = vec![
        row(JAN, "days", None, "1", "replace"),
        row(JAN, "hours", Some(1), "6.00", "replace"),
        row(JAN, "wage", Some(400), "1", "unchanged"),
        row(JAN, "wage", Some(430), "0", "delete"),
    ];
    let plan = h.export(FULL, dry(change())).await;
    assert_eq!((plan.write_calls, plan.count("write_calls")), (0, 0));
    assert_eq!(plan.rows(), changed_rows);
    assert_eq!(plan.component_id(JAN, "wage", 400), real.component_id(JAN, "wage", 400));
    assert_eq!(h.nmbrs(JAN, NOVEMBER), written);

    let real = h.export(FULL, change()).await;
    assert_eq!(real.rows(), changed_rows);
    assert_eq!(real.write_calls, 4, "hours: delete + insert; days: set; bonus: delete");
    let jan = h.nmbrs(JAN, NOVEMBER);
    assert_eq!((jan.hour_values(), jan.wage_values(), jan.days), (vec![(1, d("6"))], vec![(400, d("1"))], Some(1)));
    real.assert_matches_nmbrs(&h.sim);
    h.stop().await;
}
