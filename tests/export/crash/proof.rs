//! Crash safety of Proof in Nmbrs (issue 18, CONTRACT §2.5 "Proof in Nmbrs"): after a first
//! export, a clerk deletes a worker line, changes another and sets other days; the identical
//! export that repairs them is stopped at each recovery point the repair adds (the drift
//! recorded with the plan, each repairing write, the check after writing), and a worker
//! without failpoints resumes it. Nmbrs must end exact, the job complete once with every
//! repaired bucket reported, and each needed insert land once.

use super::*;
use nmbrs_worker::sim::{clerk::ClerkAction, rest::RestInjected};

/// The first export again, under another export id: nothing changed in Eitje.
fn again() -> Export {
    Export { export_id: "exp-a-again".into(), ..first_export() }
}

/// What the clerk does between the two exports: Jan's hours line deleted (`missing`), Fatima's
/// travel changed to 1.00 (`changed`), Pieter's days set to 9 (`changed`).
fn clerk(sim: &Simulator) {
    let act = |action| sim.clerk(demo::DOMAIN, action).expect("the clerk's edit");
    let jan = sim.hour_components(demo::DOMAIN, JAN, PERIOD);
    let hours = jan.iter().find(|l| l.hour_code == WORKED).expect("Jan's hours line").id.soap().unwrap();
    act(ClerkAction::DeleteLine { line_id: hours });
    let fatima = sim.wage_components(demo::DOMAIN, FATIMA, PERIOD);
    let travel = fatima.iter().find(|l| l.code == TRAVEL).expect("Fatima's travel line").id.soap().unwrap();
    act(ClerkAction::ChangeValue { line_id: travel, value: dec("1.00") });
    act(ClerkAction::SetDays { employee_id: PIETER, year: PERIOD.year, period: PERIOD.period, days: 9 });
}

/// The first export to completion, the clerk's edits, then [`again`] on a worker with
/// `failpoints` that must exit with 86, then one without that must complete it.
/// Returns the run and the write calls Nmbrs had answered when the crashing worker started.
async fn repair_crash_and_resume(api: Api, failpoints: &str) -> (Run, usize) {
    crash_between(api, failpoints, clerk, &again()).await
}

/// The first export to completion, `between` on the simulator, then `export` on a worker with
/// `failpoints` that must exit with 86, then one without that must complete it.
async fn crash_between(api: Api, failpoints: &str, between: impl FnOnce(&Simulator), export: &Export) -> (Run, usize) {
    let mut env = TestEnv::new();
    let sim = Simulator::start_demo().await.unwrap();
    let via = Via::new(api, &mut env, &sim);
    let mut events = env.events().await;
    let mut crew = Crew::new(&env, &sim);
    let w = crew.start(&[]);
    let job = via.job(&env, USER, &first_export());
    env.publish(&job).await;
    completed(&mut events, &message_id(&job), 60).await;
    crew.proc(w).sigterm();
    assert_eq!(crew.proc(w).exit_within(20).await, Some(0), "the first worker stops cleanly");
    between(&sim);
    let writes_before = sim.write_calls();

    let crashing = crew.start(&[("FAILPOINTS", failpoints)]);
    let job = via.job(&env, USER, export);
    let id = message_id(&job);
    env.publish(&job).await;
    assert_eq!(crew.proc(crashing).exit_within(60).await, Some(FAILPOINT_EXIT), "the failpoint {failpoints} fired");
    let at_crash = sim.calls();
    events.collect_for(300).await;
    assert!(events.of("job.completed", &id).is_empty(), "no job.completed before the job's result is committed");
    crew.start(&[]);
    completed(&mut events, &id, 60).await;
    events.collect_for(500).await;
    (Run { sim, events, crew, via, id, at_crash, _env: env }, writes_before)
}

impl Run {
    /// The resumed repair ended exact: the three drifted buckets restored and reported once,
    /// every other bucket untouched, the one deleted line inserted once (SOAP: also the changed
    /// travel line, deleted and inserted; REST changes it in place).
    async fn assert_repaired(mut self) {
        let (done, exported) = once(&self.events, &self.id);
        assert_eq!(done.body["payload"]["status"], "succeeded", "{:#}", done.body);
        assert_eq!((count(&done, "drift_repaired"), count(&done, "in_doubt")), (3, 0), "{:#}", done.body);
        assert_eq!((count(&done, "verified"), count(&done, "unverified")), (12, 0), "{:#}", done.body);
        let mut drift: Vec<String> = (exported.body["payload"]["buckets"].as_array().unwrap().iter())
            .filter(|b| !b["drift"].is_null())
            .map(|b| format!("{} {} {} {}", b["component"], b["code"], b["drift"]["found"], b["drift"]["nmbrs_value"]))
            .collect();
        drift.sort();
        assert_eq!(
            drift,
            [r#""days" null "changed" "9""#, r#""hours" 1 "missing" "0""#, r#""wage" 410 "changed" "1""#]
        );
        let notes = distinct(&self.events, "notification", &self.id);
        let repaired: Vec<_> = notes.iter().filter(|n| n.body["payload"]["code"] == "export.drift_repaired").collect();
        assert_eq!(repaired.len(), 1, "{notes:#?}");
        assert_eq!(repaired[0].body["payload"]["params"]["buckets"].as_array().map(Vec::len), Some(3));

        let first = first_export();
        assert_exact(&self.sim, &Ledger::after(&[&first]), "after the resumed repair");
        let wrong_ids = reported_id_problems(&self.sim, &exported.body);
        assert!(wrong_ids.is_empty(), "hours.exported names the components in Nmbrs:\n{}", wrong_ids.join("\n"));
        let repairs = if self.via.in_place() { 1 } else { 2 };
        let needed = inserts_needed(&Ledger::default(), &Ledger::after(&[&first]), self.via.in_place()) + repairs;
        assert_eq!(landed_in(&self.sim.calls(), &self.via.inserts()), needed, "each repairing insert landed once");
        self.crew.stop_all().await;
    }
}

crate::on_both_apis!(multi_thread:
    a_crash_after_planning_a_repair_resumes_it_exact,
    a_crash_after_a_repairing_insert_landed_adopts_it,
    a_crash_after_repairing_the_days_resumes_exact,
    a_crash_after_the_check_after_writing_reports_the_repair_once,
);

async fn a_crash_after_planning_a_repair_resumes_it_exact(api: Api) {
    let (run, writes_before) = repair_crash_and_resume(api, "export.after_plan=return").await;
    let writes_at_crash = run.at_crash.iter().filter(|c| c.write).count();
    assert_eq!(writes_at_crash, writes_before, "the drift is recorded with the plan, before any repair");
    run.assert_repaired().await;
}

async fn a_crash_after_a_repairing_insert_landed_adopts_it(api: Api) {
    repair_crash_and_resume(api, "export.after_insert=return").await.0.assert_repaired().await;
}

async fn a_crash_after_repairing_the_days_resumes_exact(api: Api) {
    repair_crash_and_resume(api, "export.after_days=return").await.0.assert_repaired().await;
}

async fn a_crash_after_the_check_after_writing_reports_the_repair_once(api: Api) {
    let (run, _) = repair_crash_and_resume(api, "export.after_confirm=return").await;
    let writes_at_crash = run.at_crash.iter().filter(|c| c.write).count();
    assert_eq!(run.sim.write_calls(), writes_at_crash, "every repair was made before the crash; the resume only reads");
    run.assert_repaired().await;
}

/// The changed line's repair: REST changes it in place (`PUT`), SOAP deletes it (then inserts).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_repairing_a_changed_line_in_place_resumes_exact_rest() {
    repair_crash_and_resume(Api::Rest, "export.after_update=return").await.0.assert_repaired().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_deleting_a_changed_line_to_repair_it_resumes_exact_soap() {
    repair_crash_and_resume(Api::Soap, "export.after_delete=return").await.0.assert_repaired().await;
}

/// REST: Nmbrs answers a `PUT` 200 without applying it. The check after writing finds the old
/// value on the worker's own line, records the drift (`export.after_drift`) and repairs it once
/// in place; a worker killed right there leaves the bucket to write, and the resumed job
/// writes it and ends exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_the_check_found_a_put_not_applied_resumes_exact_rest() {
    let (first, changed) = (first_export(), changed_export());
    let not_applied = |sim: &Simulator| {
        let body = format!(r#"{{"hourComponentId": "{}"}}"#, uuid::Uuid::new_v4());
        sim.inject_rest(Some(Rest::HoursPut.name()), RestInjected::Reply { status: 200, body, applied: false });
    };
    let (run, _) = crash_between(Api::Rest, "export.after_drift=return", not_applied, &changed).await;
    let puts = run.at_crash.iter().filter(|c| c.operation == Rest::HoursPut.name()).count();
    assert!(puts >= 1, "the PUT not applied was sent before the crash: {:?}", run.at_crash);
    let (done, _) = once(&run.events, &run.id);
    assert_eq!((count(&done, "verified"), count(&done, "unverified")), (12, 0), "{:#}", done.body);
    run.assert_exact_once(Some(&first), &changed).await;
}
