//! The last gaps of issue 11 (real Nmbrs data) and issue 9's one failure table, end to end: the
//! production worker runs the real jobs over RabbitMQ and PostgreSQL against the simulator over
//! HTTP, the simulator answering canned bytes (`FaultConfig::canned`) where the test says so.
//!
//! - an employee missing from a company's employee list that holds records whose `EmployeeId`
//!   could not be read is skipped `unreadable_record`, not `unknown_employee`;
//! - a line of `HourComponentVar_Get` whose id, code or value cannot be read never fails the
//!   read: only the buckets of its code are held back (never a blind insert next to it, never
//!   an adoption in a read-back), and a later export converges;
//! - a schedule day whose hours cannot be read is published as null, not 0;
//! - both jobs name a company that could not be read with the same codes, and fail the whole
//!   job the same way (the one table, `domain::nmbrs_failure`).

use crate::support::export::*;
use crate::support::*;
use nmbrs_worker::{
    envelope::schema,
    nmbrs::Operation,
    sim::{CannedRule, FaultConfig, Injected, demo},
};
use serde_json::{Value, json};

const HORECA: i32 = demo::HORECA;
const CATERING: i32 = demo::CATERING;

/// A SOAP 1.1 response of `op` (of `service`) whose result element holds `result`.
fn response(service: &str, op: &str, result: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body><{op}Response xmlns="https://api.nmbrs.nl/soap/v3/{service}"><{op}Result>{result}</{op}Result></{op}Response></soap:Body></soap:Envelope>"#
    )
}

fn canned(h: &TestApp, operation: Operation, company: Option<i32>, body: String) {
    let rule = CannedRule { operation: operation.name().to_owned(), company_id: company, body, status: 200 };
    h.sim.state().faults.canned.push(rule);
}

/// Back to a simulator without faults or canned answers (the demo user kept).
fn clear_faults(h: &TestApp) {
    h.sim.set_faults(FaultConfig::default());
}

/// One open-ended contract item of `Contract_GetAll_AllEmployeesByCompany`; `employee_id` is
/// the whole `EmployeeId` element (or nothing).
fn contract_item(employee_id: &str, contract_id: i32) -> String {
    format!(
        "<EmployeeContractItem>{employee_id}<EmployeeContracts><EmployeeContract><ContractID>{contract_id}</ContractID>\
         <CreationDate>2025-01-01T00:00:00</CreationDate><StartDate>2025-01-01T00:00:00</StartDate>\
         <TrialPeriod xsi:nil=\"true\" /><EndDate xsi:nil=\"true\" /><EmployementType>2</EmployementType>\
         <EmploymentSequenceTaxId>1</EmploymentSequenceTaxId><Indefinite>true</Indefinite>\
         <PhaseClassification>1</PhaseClassification><WrittenContract>true</WrittenContract>\
         <HoursPerWeek>20.00</HoursPerWeek></EmployeeContract></EmployeeContracts></EmployeeContractItem>"
    )
}

fn contracts_response(items: &[String]) -> String {
    response("EmployeeService", "Contract_GetAll_AllEmployeesByCompany", &items.concat())
}

/// `job.completed` errors as (code, scope).
fn errors(completed: &Value) -> Vec<(String, Value)> {
    let items = completed["errors"].as_array().expect("errors");
    items.iter().map(|e| (e["code"].as_str().unwrap().to_string(), e["scope"].clone())).collect()
}

fn hour_inserts(h: &TestApp) -> usize {
    h.calls_of("HourComponentVar_Insert")
}

#[tokio::test]
async fn an_employee_missing_from_a_list_with_an_unreadable_employee_id_is_not_certainly_unknown() {
    let mut h = spawn().await;
    let jan = contract_item(&format!("<EmployeeId>{JAN}</EmployeeId>"), 9101);
    // Each way an `EmployeeId` cannot be read: nil, not a number, missing.
    let unreadable_ids = [
        ("nil", "<EmployeeId xsi:nil=\"true\" />"),
        ("not a number", "<EmployeeId>50329x</EmployeeId>"),
        ("missing", ""),
        ("empty", "<EmployeeId></EmployeeId>"),
    ];
    for (n, (what, id_xml)) in unreadable_ids.into_iter().enumerate() {
        clear_faults(&h);
        let list = contracts_response(&[jan.clone(), contract_item(id_xml, 9102)]);
        canned(&h, Operation::ContractGetAll, Some(HORECA), list);
        let hours = format!("{}", n + 1);
        let entries =
            json!([worked("g1-jan", JAN, "2026-11-03", &hours), worked("g1-anton", ANTON, "2026-11-03", "3")]);
        let out = h.export(FULL, export_payload(&format!("exp-g1-{n}"), NOVEMBER, entries)).await;
        assert_eq!(out.status(), "partial", "{what}: {:#}", out.completed);
        assert_eq!(out.exported_ids(), ["g1-jan"], "{what}");
        assert_eq!(out.skipped(), [("g1-anton".into(), None, "unreadable_record".into())], "{what}");
        assert!(!out.notification_codes().contains(&"export.unknown_employee".to_string()), "{what}: not certain");
        let scope = json!({"nmbrs_company_id": HORECA, "nmbrs_employee_id": ANTON, "field": "EmployeeId"});
        assert_eq!(errors(&out.completed), [("unreadable_record".to_string(), scope)], "{what}");
        assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d(&hours))], "{what}: the readable employee exports");
        assert!(h.nmbrs(ANTON, NOVEMBER).hour_values().is_empty(), "{what}");
        out.assert_matches_nmbrs(&h.sim);
    }

    // The same list without the unreadable record: now Anton is certainly unknown.
    clear_faults(&h);
    canned(&h, Operation::ContractGetAll, Some(HORECA), contracts_response(&[jan]));
    let entries = json!([worked("g1-jan", JAN, "2026-11-03", "9"), worked("g1-anton", ANTON, "2026-11-03", "3")]);
    let out = h.export(FULL, export_payload("exp-g1-known", NOVEMBER, entries)).await;
    assert_eq!(out.skipped(), [("g1-anton".into(), None, "unknown_employee".into())]);
    assert_eq!(out.notification("export.unknown_employee")["params"]["nmbrs_employee_id"], ANTON);
    assert!(errors(&out.completed).is_empty(), "{:#}", out.completed);
    h.stop().await;
}

/// `HourComponentVar_Get` answering `lines` (`HourComponent` elements) for every employee.
fn hour_lines(lines: &str) -> String {
    response("EmployeeService", "HourComponentVar_Get", lines)
}

fn hour_line(id: &str, code: &str, hours: &str) -> String {
    format!("<HourComponent>{id}{code}{hours}</HourComponent>")
}

#[tokio::test]
async fn an_unreadable_hour_line_holds_back_only_the_buckets_of_its_code_and_a_later_export_converges() {
    let mut h = spawn().await;
    let payload = |id: &str, leave_hours: &str| {
        let work = with(worked("u-work", JAN, "2026-11-03", "5"), json!({"meals": 2}));
        export_payload(id, NOVEMBER, json!([work, leave("u-leave", JAN, "2026-11-04", leave_hours)]))
    };

    // A person's line of code 1 whose hours cannot be read, and a readable one of code 20.
    let value_unreadable = hour_line("<Id>99001</Id>", "<HourCode>1</HourCode>", "<Hours>7,5h</Hours>");
    let readable = hour_line("<Id>99002</Id>", "<HourCode>20</HourCode>", "<Hours>2.00</Hours>");
    canned(&h, Operation::HourComponentVarGet, None, hour_lines(&(value_unreadable + &readable)));
    let out = h.export(FULL, payload("exp-u1", "3")).await;
    assert_eq!(out.status(), "partial", "the read did not fail the job: {:#}", out.completed);
    assert_eq!(out.skipped(), [("u-work".into(), Some("worked_hours".into()), "unreadable_record".into())]);
    assert_eq!(out.bucket(JAN, "hours", Some(1))["action"], "unreadable");
    assert_eq!(out.bucket(JAN, "hours", Some(1))["nmbrs_component_id"], Value::Null);
    assert_eq!(out.bucket(JAN, "hours", Some(20))["action"], "insert");
    assert_eq!(out.bucket(JAN, "wage", Some(400))["action"], "insert", "the wage read is another read");
    let held = h.nmbrs(JAN, NOVEMBER);
    assert_eq!(held.hour_values(), [(20, d("3"))], "nothing inserted next to the unreadable line of code 1");
    assert_eq!((held.wage_values(), held.days), (vec![(400, d("2"))], Some(1)));
    let (code, scope) = errors(&out.completed).remove(0);
    assert_eq!((code.as_str(), &scope["code"], &scope["component"]), ("unreadable_record", &json!(1), &json!("hours")));
    assert_eq!(out.exported_ids(), ["u-work", "u-leave"], "the entry's other parts exported");
    let mine = out.assert_matches_nmbrs(&h.sim);
    assert!(!mine.iter().any(|id| [99001, 99002].contains(id)), "a person's line is never adopted: {mine:?}");

    // Another kind of unreadable line: its code cannot be read, so it may be of any hour code.
    // The leave changes: the worker deletes only its own code-20 line, then does not insert
    // next to the unknown line; the dirty buckets wait. Wages and days are another read.
    clear_faults(&h);
    let code_unreadable = hour_line("<Id>99003</Id>", "<HourCode xsi:nil=\"true\" />", "<Hours>1.00</Hours>");
    canned(&h, Operation::HourComponentVarGet, None, hour_lines(&code_unreadable));
    let deletes = h.calls_of("HourComponent_Delete");
    let out = h.export(FULL, payload("exp-u2", "4")).await;
    assert_eq!(out.status(), "partial", "{:#}", out.completed);
    assert_eq!(out.bucket(JAN, "hours", Some(1))["action"], "unreadable");
    assert_eq!(out.bucket(JAN, "hours", Some(20))["action"], "unreadable");
    let skipped = out.skipped();
    assert!(skipped.contains(&("u-leave".into(), Some("leave".into()), "unreadable_record".into())), "{skipped:?}");
    assert_eq!(h.calls_of("HourComponent_Delete") - deletes, 1, "only the worker's own line was deleted");
    assert_eq!(h.nmbrs(JAN, NOVEMBER).wage_values(), [(400, d("2"))]);
    let codes: Vec<String> = errors(&out.completed).into_iter().map(|(c, _)| c).collect();
    assert_eq!(codes, ["unreadable_record", "unreadable_record"]);

    // A line whose id cannot be read, of code 20 only: code 1 is written, code 20 still waits.
    clear_faults(&h);
    let id_unreadable = hour_line("<Id xsi:nil=\"true\" />", "<HourCode>20</HourCode>", "<Hours>4.00</Hours>");
    canned(&h, Operation::HourComponentVarGet, None, hour_lines(&id_unreadable));
    let out = h.export(FULL, payload("exp-u3", "4")).await;
    assert_eq!(out.bucket(JAN, "hours", Some(1))["action"], "insert");
    assert_eq!(out.bucket(JAN, "hours", Some(20))["action"], "unreadable");
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("5"))]);

    // Nmbrs reads cleanly again: the next export writes what waited, and Nmbrs equals the ledger.
    clear_faults(&h);
    let out = h.export(FULL, payload("exp-u4", "4")).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    let held = h.nmbrs(JAN, NOVEMBER);
    assert_eq!(held.hour_values(), [(1, d("5")), (20, d("4"))]);
    assert_eq!((held.wage_values(), held.days), (vec![(400, d("2"))], Some(1)));
    out.assert_matches_nmbrs(&h.sim);
    let again = h.export(FULL, payload("exp-u5", "4")).await;
    assert_eq!(again.write_calls, 0, "converged: an identical export writes nothing");
    h.stop().await;
}

#[tokio::test]
async fn a_read_back_next_to_an_unreadable_line_of_the_code_adopts_nothing_and_inserts_nothing() {
    let mut env = TestEnv::new();
    env.set("NMBRS_MAX_CONCURRENCY_PER_INTEGRATION", "1");
    env.set("NMBRS_WORKER_RETRY_SCHEDULE", "2s,2s,2s");
    let mut h = Spawn::new().env(env).start().await;
    let payload = |id: &str| {
        let mut p = export_payload(id, NOVEMBER, json!([worked("r-work", JAN, "2026-11-03", "5")]));
        p["kinds"] = json!(["worked_hours"]);
        p
    };
    // The insert is dropped before Nmbrs applies it: the first attempt reads back nothing and
    // leaves the lost insert to a later attempt. By then the period holds a line of code 1 whose
    // id cannot be read: it may be the insert, so it is neither adopted nor inserted again.
    h.sim.inject(Some(Operation::HourComponentVarInsert), Injected::Drop);
    let job = h.job(FULL, payload("exp-r1"));
    h.env.publish(&job).await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while h.calls_of("HourComponentVar_Get") < 2 {
        assert!(tokio::time::Instant::now() < deadline, "no read-back after the lost insert");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let unreadable = hour_line("<Id>4a</Id>", "<HourCode>1</HourCode>", "<Hours>5.00</Hours>");
    canned(&h, Operation::HourComponentVarGet, None, hour_lines(&unreadable));
    let id = job["message_id"].as_str().unwrap().to_string();
    let done = h
        .events
        .wait_for(30, "job.completed", |e| e.kind() == "job.completed" && e.body["job"]["message_id"] == id)
        .await;
    h.events.collect_for(300).await;
    let completed = &done.body["payload"];
    assert_eq!(completed["status"], "partial", "{completed:#}");
    let exported = h.events.of("hours.exported", &id)[0].body["payload"].clone();
    let bucket = &exported["buckets"][0];
    assert_eq!((&bucket["action"], &bucket["nmbrs_component_id"]), (&json!("in_doubt"), &Value::Null), "{exported:#}");
    assert_eq!(h.events.of("notification", &id)[0].body["payload"]["code"], "export.in_doubt");
    assert_eq!(hour_inserts(&h), 1, "no blind insert next to the unreadable line");
    assert!(h.nmbrs(JAN, NOVEMBER).hour_values().is_empty());

    // Once the period reads cleanly, the next export resolves the insert as not landed and writes it.
    clear_faults(&h);
    let out = h.export(FULL, payload("exp-r2")).await;
    assert_eq!(out.status(), "succeeded", "{:#}", out.completed);
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("5"))]);
    assert_eq!(hour_inserts(&h), 2);
    out.assert_matches_nmbrs(&h.sim);
    h.stop().await;
}

/// Publishes `job` and returns its `job.completed` or `job.failed` and its other events.
async fn run_any(h: &mut TestApp, job: &Value) -> (Received, Vec<Received>) {
    h.env.publish(job).await;
    let id = job["message_id"].as_str().unwrap().to_string();
    let ended = |e: &Received| matches!(e.kind(), "job.completed" | "job.failed") && e.body["job"]["message_id"] == id;
    let done = h.events.wait_for(60, "job result", ended).await;
    h.events.collect_for(300).await;
    let others = h.events.seen.iter().filter(|e| e.body["job"]["message_id"] == id && !ended(e));
    (done, others.cloned().collect())
}

fn sync_job(h: &TestApp, user: (&str, &str)) -> Value {
    h.env.demo_job("SyncTeam", INTEGRATION, user, json!({"trigger": "manual", "full": true, "members": []}))
}

/// One `Schedule_V2` day element: `Hours{day}{week}` with `value` (`None`: nil; `Some("")`: absent).
fn day(name: &str, value: Option<&str>) -> String {
    match value {
        None => format!("<Hours{name} xsi:nil=\"true\" />"),
        Some("") => String::new(),
        Some(v) => format!("<Hours{name}>{v}</Hours{name}>"),
    }
}

fn schedule_item(employee: i32, week1: [Option<&str>; 7]) -> String {
    let days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    let w1: String = days.iter().zip(week1).map(|(d, v)| day(d, v)).collect();
    let w2: String = days.iter().map(|d| day(&format!("{d}2"), Some("0.00"))).collect();
    format!(
        "<EmployeeScheduleItem><EmployeeId>{employee}</EmployeeId><EmployeeSchedules><Schedule_V2><Id>7</Id>{w1}{w2}\
         <ParttimePercentage>60.00</ParttimePercentage><StartDate>2025-01-01T00:00:00</StartDate>\
         <CreationDate>2025-01-01T00:00:00</CreationDate></Schedule_V2></EmployeeSchedules></EmployeeScheduleItem>"
    )
}

#[tokio::test]
async fn a_schedule_day_whose_hours_cannot_be_read_is_published_as_null_not_zero() {
    let mut h = spawn().await;
    let jan = schedule_item(JAN, [Some("8.00"), Some("8,5x"), None, Some("8.00"), Some(""), Some("0.00"), Some("0")]);
    let anton = schedule_item(
        ANTON,
        [Some("6.00"), Some("6.00"), Some("6.00"), Some("6.00"), Some("0.00"), Some("0.00"), Some("0.00")],
    );
    let body = response("EmployeeService", "Schedule_GetAll_AllEmployeesByCompany", &(jan + &anton));
    canned(&h, Operation::ScheduleGetAll, Some(HORECA), body);
    let job = sync_job(&h, FULL);
    let (done, events) = run_any(&mut h, &job).await;
    assert_eq!(done.kind(), "job.completed", "{:#}", done.body);
    assert_eq!(done.body["payload"]["status"], "succeeded", "a passed-on field is no error: {:#}", done.body);
    let upserted = |employee: i32| {
        let e = events
            .iter()
            .find(|e| e.kind() == "team_member.upserted" && e.body["payload"]["nmbrs_employee_id"] == employee);
        e.unwrap_or_else(|| panic!("no upsert of {employee}")).body.clone()
    };
    let jan = upserted(JAN);
    schema::check("events/team_member.upserted", &jan).unwrap();
    let schedule = &jan["payload"]["schedule"];
    assert_eq!(schedule["days"], json!(["8.00", null, null, "8.00", null, "0.00", "0"]), "{schedule:#}");
    assert_eq!(schedule["hours_per_week"], Value::Null, "a week with an unknown day has no known total");
    let anton = upserted(ANTON);
    schema::check("events/team_member.upserted", &anton).unwrap();
    assert_eq!(anton["payload"]["schedule"]["hours_per_week"], "24.00");
    h.stop().await;
}

/// The `errors[].code` naming `company` in a `job.completed` payload.
fn company_code(completed: &Value, company: i32) -> String {
    let found: Vec<(String, Value)> = errors(completed)
        .into_iter()
        .filter(|(_, s)| s["nmbrs_company_id"] == company && s.get("nmbrs_employee_id").is_none())
        .collect();
    assert_eq!(found.len(), 1, "one error naming company {company}: {completed:#}");
    found[0].0.clone()
}

#[tokio::test]
async fn both_jobs_name_an_unreadable_company_with_the_same_code_and_fail_a_job_the_same_way() {
    let mut h = spawn().await;
    let no_period = response("CompanyService", "Company_GetCurrentPeriod", "").replace(
        "<Company_GetCurrentPeriodResult></Company_GetCurrentPeriodResult>",
        "<Company_GetCurrentPeriodResult xsi:nil=\"true\" />",
    );
    let html = "<html><body>Server Error</body></html>".to_string();
    /// (what goes wrong, the canned answer of one operation, the notification expected)
    type Case<'a> = (&'a str, Option<(Operation, String)>, &'a str);
    let cases: [Case; 4] = [
        ("no access", None, "nmbrs.no_access"),
        ("contracts not XML", Some((Operation::ContractGetAll, html)), "nmbrs.unreadable_response"),
        ("no current period", Some((Operation::CompanyGetCurrentPeriod, no_period)), "nmbrs.no_current_period"),
        (
            "contract list cut off",
            Some((Operation::ContractGetAll, contracts_response(&[])[..200].to_string())),
            "nmbrs.unreadable_response",
        ),
    ];
    for (n, (what, canned_answer, code)) in cases.into_iter().enumerate() {
        clear_faults(&h);
        h.sim.add_user(demo::DOMAIN, demo::USERNAME, demo::TOKEN);
        match canned_answer {
            None => h.sim.restrict_companies(demo::DOMAIN, demo::USERNAME, &[HORECA]),
            Some((operation, body)) => canned(&h, operation, Some(CATERING), body),
        }
        let job = sync_job(&h, FULL);
        let (sync, sync_events) = run_any(&mut h, &job).await;
        assert_eq!(sync.kind(), "job.completed", "{what}: {:#}", sync.body);
        assert_eq!(sync.body["payload"]["status"], "partial", "{what}");
        assert_eq!(company_code(&sync.body["payload"], CATERING), code, "{what}: SyncTeam");

        let entries = json!([
            worked(&format!("c-jan-{n}"), JAN, "2026-11-03", "2"),
            with(worked(&format!("c-emma-{n}"), EMMA, "2026-11-03", "2"), json!({"eitje_venue_id": "v-catering"})),
        ]);
        let out = h.export(FULL, export_payload(&format!("exp-c-{n}"), NOVEMBER, entries)).await;
        assert_eq!(out.status(), "partial", "{what}: {:#}", out.completed);
        assert_eq!(company_code(&out.completed, CATERING), code, "{what}: ExportHours");
        assert!(out.exported_ids().contains(&format!("c-jan-{n}")), "{what}: the other company exports");

        // A notification exactly where the table gives one, the same in both jobs.
        let notified = |events: &[Value]| events.iter().filter(|n| n["code"] == "nmbrs.no_access").count();
        let sync_notices: Vec<Value> =
            sync_events.iter().filter(|e| e.kind() == "notification").map(|e| e.body["payload"].clone()).collect();
        let expected = usize::from(code == "nmbrs.no_access");
        assert_eq!((notified(&sync_notices), notified(&out.notifications)), (expected, expected), "{what}");
    }

    // Credentials fail the whole job, in both jobs alike.
    clear_faults(&h);
    h.sim.add_user(demo::DOMAIN, demo::USERNAME, demo::TOKEN);
    let wrong = (demo::USERNAME, "not-the-token");
    let export_job = h.job(wrong, export_payload("exp-auth", NOVEMBER, json!([worked("a-1", JAN, "2026-11-03", "1")])));
    for job in [sync_job(&h, wrong), export_job] {
        let (failed, events) = run_any(&mut h, &job).await;
        assert_eq!(failed.kind(), "job.failed", "{:#}", failed.body);
        assert_eq!(failed.body["payload"]["error"]["code"], "nmbrs_auth_failed");
        let notice: Vec<&Received> = events.iter().filter(|e| e.kind() == "notification").collect();
        assert_eq!(notice.len(), 1, "{job:#}");
        assert_eq!(notice[0].body["payload"]["code"], "nmbrs.auth_failed");
        assert_eq!(notice[0].body["payload"]["params"], json!({"domain": demo::DOMAIN}));
    }
    h.stop().await;
}
