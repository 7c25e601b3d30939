//! Crash safety and concurrency of `ExportHours` (CONTRACT §2.5 "Re-export safety") with the
//! real binary: a worker is stopped at every recovery point by a failpoint (exit 86) or
//! SIGKILLed at random moments, another one resumes, and Nmbrs (a simulator in this test
//! process, so it survives the workers) must end exact: each bucket its total, one worker
//! component per hour/wage bucket, the right days, the job completed once. The crash tests
//! run on both APIs (issue 9), REST including the crash after an in-place update. Two worker
//! processes exporting overlapping entries at once must end in a state one order explains.

pub(crate) mod harness;
mod kills;
pub(crate) mod model;
mod proof;
mod race;

use std::time::{Duration, Instant};

use crate::support::*;
use harness::*;
use model::*;
use nmbrs_worker::{
    nmbrs::rest::RestOperation as Rest,
    sim::{CallRecord, Simulator, demo},
};
use race::{base_export, race, racing};

const JAN: i32 = 503293;
const FATIMA: i32 = 503295;
const PIETER: i32 = 503296;

/// Twelve buckets on three employees: hours, leave, sick, days, meals, travel.
fn first_export() -> Export {
    Export::new(
        "exp-a",
        vec![
            worked("a1", JAN, 3, "7.50", 1, Some("12.40")),
            worked("a2", JAN, 4, "6.00", 1, None),
            worked("a3", FATIMA, 3, "8.00", 0, Some("5.00")),
            absence("a4", FATIMA, 5, Kind::Leave, "8.00"),
            worked("a5", PIETER, 10, "4.25", 2, None),
            absence("a6", PIETER, 11, Kind::Sick, "6.00"),
            worked("a7", PIETER, 10, "3.00", 0, None),
        ],
        &[],
    )
}

/// Changes every bucket of [`first_export`]: new hours, meals and amounts, a withdrawal that
/// empties Fatima's leave, and a new day for Jan.
fn changed_export() -> Export {
    Export::new(
        "exp-b",
        vec![
            worked("a1", JAN, 3, "8.00", 2, Some("15.00")),
            worked("b1", JAN, 6, "2.00", 0, None),
            worked("a3", FATIMA, 3, "9.00", 0, Some("6.00")),
            worked("a5", PIETER, 10, "5.00", 1, None),
            absence("a6", PIETER, 11, Kind::Sick, "7.00"),
            worked("b2", PIETER, 12, "1.00", 0, None),
        ],
        &["a4"],
    )
}

/// One crash-and-resume run: the world it leaves for the assertions.
/// The crew is dropped (its processes killed) before the environment is removed.
struct Run {
    sim: Simulator,
    events: Events,
    crew: Crew,
    via: Via,
    id: String,
    /// The simulator's call log when the crashing worker had exited.
    at_crash: Vec<CallRecord>,
    /// Held for its drop, which removes the test's database and queues.
    _env: TestEnv,
}

fn landed_in(calls: &[CallRecord], ops: &[&str]) -> usize {
    calls.iter().filter(|c| ops.contains(&c.operation.as_str()) && c.outcome == "ok").count()
}

/// Runs `previous` (if any) to completion, then `export` on a worker with `failpoints` that
/// must exit with 86, then a worker without failpoints that must complete the job; all of
/// them on `api`.
async fn crash_and_resume(
    api: Api,
    failpoints: &str,
    user: (&str, &str),
    previous: Option<&Export>,
    export: &Export,
) -> Run {
    let mut env = TestEnv::new();
    let sim = Simulator::start_demo().await.unwrap();
    let via = Via::new(api, &mut env, &sim);
    let mut events = env.events().await;
    let mut crew = Crew::new(&env, &sim);
    if let Some(prev) = previous {
        let w = crew.start(&[]);
        let job = via.job(&env, user, prev);
        env.publish(&job).await;
        completed(&mut events, &message_id(&job), 60).await;
        crew.proc(w).sigterm();
        assert_eq!(crew.proc(w).exit_within(20).await, Some(0), "the first worker stops cleanly");
    }
    let crashing = crew.start(&[("FAILPOINTS", failpoints)]);
    let job = via.job(&env, user, export);
    let id = message_id(&job);
    env.publish(&job).await;
    let code = crew.proc(crashing).exit_within(60).await;
    assert_eq!(code, Some(FAILPOINT_EXIT), "the failpoint {failpoints} fired");
    let at_crash = sim.calls();
    if !failpoints.starts_with("after_commit") {
        events.collect_for(300).await;
        assert!(events.of("job.completed", &id).is_empty(), "no job.completed before the job's result is committed");
    }
    crew.start(&[]);
    completed(&mut events, &id, 60).await;
    events.collect_for(500).await; // late duplicates, if any
    Run { sim, events, crew, via, id, at_crash, _env: env }
}

impl Run {
    /// The resumed job ended exact, with every write it needed made once.
    async fn assert_exact_once(mut self, previous: Option<&Export>, export: &Export) {
        let (done, exported) = once(&self.events, &self.id);
        assert_eq!(done.body["payload"]["status"], "succeeded", "{:#}", done.body);
        assert_eq!(count(&done, "exported") as usize, export.entry_ids().len(), "{:#}", done.body);
        assert_eq!(count(&done, "in_doubt"), 0, "{:#}", done.body);
        let in_doubt = self.events.of("notification", &self.id);
        assert!(in_doubt.iter().all(|n| n.body["payload"]["code"] != "export.in_doubt"), "{in_doubt:#?}");

        let before = Ledger::after(&previous.into_iter().collect::<Vec<_>>());
        let after = Ledger::after(&previous.into_iter().chain([export]).collect::<Vec<_>>());
        assert_exact(&self.sim, &after, "after the resumed export");
        let wrong_ids = reported_id_problems(&self.sim, &exported.body);
        assert!(wrong_ids.is_empty(), "hours.exported names the components in Nmbrs:\n{}", wrong_ids.join("\n"));
        let in_place = self.via.in_place();
        let needed = inserts_needed(&Ledger::default(), &before, in_place) + inserts_needed(&before, &after, in_place);
        assert_eq!(
            landed_in(&self.sim.calls(), &self.via.inserts()),
            needed,
            "each needed insert landed once: a landed insert is adopted, never sent again"
        );
        self.crew.stop_all().await;
    }
}

crate::on_both_apis!(multi_thread:
    a_crash_after_planning_resumes_from_the_recorded_plan,
    a_crash_after_deleting_own_components_resumes_without_a_double_or_a_loss,
    a_crash_after_recording_an_insert_intent_resumes_exact,
    a_crash_after_an_insert_landed_adopts_it_instead_of_inserting_again,
    a_crash_after_setting_days_resumes_exact,
    a_crash_after_committing_the_result_republishes_it_and_writes_nothing_more,
    two_processes_exporting_identical_overlaps_at_once_end_in_the_one_state,
    two_processes_exporting_conflicting_overlaps_at_once_end_in_the_order_they_committed,
);

async fn a_crash_after_planning_resumes_from_the_recorded_plan(api: Api) {
    let export = first_export();
    let run = crash_and_resume(api, "export.after_plan=return", USER, None, &export).await;
    assert_eq!(run.at_crash.iter().filter(|c| c.write).count(), 0, "planned and recorded before any write");
    run.assert_exact_once(None, &export).await;
}

async fn a_crash_after_deleting_own_components_resumes_without_a_double_or_a_loss(api: Api) {
    let (first, changed) = (first_export(), changed_export());
    // SOAP deletes every changed bucket's component (then inserts): stop after the second.
    // REST changes them in place; only Fatima's emptied leave is deleted: stop after that one.
    let (failpoints, deleted) = match api {
        Api::Soap => ("export.after_delete=1*off->return", 2),
        Api::Rest => ("export.after_delete=return", 1),
    };
    let run = crash_and_resume(api, failpoints, USER, Some(&first), &changed).await;
    let deletes = run.via.deletes();
    assert!(landed_in(&run.at_crash, &deletes) >= deleted, "delete {deleted} had landed: {:?}", run.at_crash);
    run.assert_exact_once(Some(&first), &changed).await;
}

async fn a_crash_after_recording_an_insert_intent_resumes_exact(api: Api) {
    let export = first_export();
    let run = crash_and_resume(api, "export.after_intent=2*off->return", USER, None, &export).await;
    run.assert_exact_once(None, &export).await;
}

async fn a_crash_after_an_insert_landed_adopts_it_instead_of_inserting_again(api: Api) {
    let export = first_export();
    let run = crash_and_resume(api, "export.after_insert=2*off->return", USER, None, &export).await;
    let inserts = run.via.inserts();
    assert!(landed_in(&run.at_crash, &inserts) >= 3, "the third insert had landed: {:?}", run.at_crash);
    run.assert_exact_once(None, &export).await;
}

async fn a_crash_after_setting_days_resumes_exact(api: Api) {
    let export = first_export();
    let run = crash_and_resume(api, "export.after_days=1*off->return", USER, None, &export).await;
    let days = run.via.days();
    assert!(landed_in(&run.at_crash, &[days]) >= 2, "the second {days} had landed");
    run.assert_exact_once(None, &export).await;
}

async fn a_crash_after_committing_the_result_republishes_it_and_writes_nothing_more(api: Api) {
    let export = first_export();
    let run = crash_and_resume(api, "after_commit=return", USER, None, &export).await;
    let writes_at_crash = run.at_crash.iter().filter(|c| c.write).count();
    assert_eq!(run.sim.write_calls(), writes_at_crash, "the redelivery of a completed job makes no write call");
    run.assert_exact_once(None, &export).await;
}

/// REST only: SOAP has no in-place update (it deletes and inserts, covered above).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_an_in_place_update_on_rest_resumes_exact() {
    let (first, changed) = (first_export(), changed_export());
    let run = crash_and_resume(Api::Rest, "export.after_update=2*off->return", USER, Some(&first), &changed).await;
    let puts = [Rest::HoursPut.name(), Rest::WagePut.name()];
    assert!(landed_in(&run.at_crash, &puts) >= 3, "the third PUT had landed: {:?}", run.at_crash);
    assert_eq!(
        landed_in(&run.at_crash, &run.via.inserts()),
        inserts_needed(&Ledger::default(), &Ledger::after(&[&first]), true)
    );
    run.assert_exact_once(Some(&first), &changed).await;
}

/// SOAP only: the LIMITED user lacks `HourComponentVar_Get`; on REST the write scope
/// `employee.payment` includes its read (CONTRACT §5), so a consent that can insert can always
/// read the period back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_read_back_right_an_insert_that_may_have_landed_ends_in_doubt() {
    let mut export = Export::new(
        "exp-limited",
        vec![worked("l1", JAN, 3, "7.50", 0, None), worked("l2", JAN, 4, "4.25", 0, None)],
        &[],
    );
    export.kinds = Some(vec!["worked_hours"]);
    let mut run = crash_and_resume(Api::Soap, "export.after_insert=return", LIMITED, None, &export).await;
    let (done, exported) = once(&run.events, &run.id);
    assert_eq!(done.body["payload"]["status"], "partial", "{:#}", done.body);
    assert_eq!(count(&done, "in_doubt"), 1, "{:#}", done.body);
    let buckets = exported.body["payload"]["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 1, "{buckets:#?}");
    assert_eq!(buckets[0]["action"], "in_doubt");
    assert_eq!((buckets[0]["nmbrs_employee_id"].as_i64(), buckets[0]["code"].as_i64()), (Some(JAN as i64), Some(1)));
    let skipped = exported.body["payload"]["skipped"].as_array().unwrap();
    assert!(skipped.iter().any(|s| s["reason"] == "in_doubt"), "in-doubt contributions are reported: {skipped:#?}");
    let notes = run.events.of("notification", &run.id);
    let note = notes.iter().find(|n| n.body["payload"]["code"] == "export.in_doubt").expect("export.in_doubt");
    let params = &note.body["payload"]["params"];
    assert_eq!(params["nmbrs_employee_id"], JAN, "{params}");
    assert_eq!(params["code"], 1, "{params}");

    let lines = run.sim.hour_components(demo::DOMAIN, JAN, PERIOD);
    assert_eq!(lines.len(), 1, "the landed insert is in Nmbrs exactly once: {lines:?}");
    assert_eq!((lines[0].hour_code, lines[0].hours.0), (1, dec("11.75")));
    assert_eq!(landed_in(&run.sim.calls(), &run.via.inserts()), 1, "never inserted blindly again");
    run.crew.stop_all().await;
}

async fn two_processes_exporting_identical_overlaps_at_once_end_in_the_one_state(api: Api) {
    // x changes p1, adds x1; both send s1 alike; y adds y1 and withdraws p3, which x leaves alone.
    let x = racing("exp-x", |i, emp| {
        let entries = vec![
            worked(&format!("p1-{i}"), emp, 3, "9.00", 2, Some("10.00")),
            worked(&format!("x1-{i}"), emp, 6, "5.50", 1, None),
            worked(&format!("s1-{i}"), emp, 7, "3.00", 1, Some("2.50")),
        ];
        (entries, vec![])
    });
    let y = racing("exp-y", |i, emp| {
        let entries = vec![
            worked(&format!("s1-{i}"), emp, 7, "3.00", 1, Some("2.50")),
            absence(&format!("y1-{i}"), emp, 8, Kind::Sick, "4.00"),
        ];
        (entries, vec![format!("p3-{i}")])
    });
    let (xy, yx) = (Ledger::after(&[&base_export(), &x, &y]), Ledger::after(&[&base_export(), &y, &x]));
    assert_eq!(xy.totals(), yx.totals(), "this case does not depend on the order");
    race(api, &x, &y).await;
}

async fn two_processes_exporting_conflicting_overlaps_at_once_end_in_the_order_they_committed(api: Api) {
    // Both send p1 with other data; x sends p2 again, y withdraws it.
    let x = racing("exp-x", |i, emp| {
        let entries = vec![
            worked(&format!("p1-{i}"), emp, 3, "9.00", 2, Some("10.00")),
            worked(&format!("p2-{i}"), emp, 4, "5.00", 0, None),
            worked(&format!("x1-{i}"), emp, 6, "5.50", 1, None),
        ];
        (entries, vec![])
    });
    let y = racing("exp-y", |i, emp| {
        let entries = vec![
            worked(&format!("p1-{i}"), emp, 3, "4.00", 1, Some("3.00")),
            absence(&format!("y1-{i}"), emp, 8, Kind::Sick, "4.00"),
        ];
        (entries, vec![format!("p2-{i}")])
    });
    let (xy, yx) = (Ledger::after(&[&base_export(), &x, &y]), Ledger::after(&[&base_export(), &y, &x]));
    assert_ne!(xy.totals(), yx.totals(), "this case depends on the order");
    race(api, &x, &y).await;
}

/// Issue 10: the relink's recovery points are after each company step. A worker killed after
/// every step in turn (the real binary, `FAILPOINTS=relink.after_step=return`), then one that
/// runs on: the relink resumes after its last step and never relinks twice, and the first REST
/// export after the switch ends exact, with only the inserts the change needed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_after_every_relink_step_then_a_restart_ends_exact() {
    let (first, changed) = (first_export(), changed_export());
    let mut env = TestEnv::new();
    let sim = Simulator::start_demo().await.unwrap();
    let soap = Via::new(Api::Soap, &mut env, &sim);
    let rest = Via::new(Api::Rest, &mut env, &sim);
    let mut events = env.events().await;
    let mut crew = Crew::new(&env, &sim);
    let w = crew.start(&[]);
    let job = soap.job(&env, USER, &first);
    env.publish(&job).await;
    completed(&mut events, &message_id(&job), 60).await;
    crew.proc(w).sigterm();
    assert_eq!(crew.proc(w).exit_within(20).await, Some(0), "the SOAP-era worker stops cleanly");

    // The customer moves to REST: the next export relinks first.
    let job = rest.job(&env, USER, &changed);
    let id = message_id(&job);
    env.publish(&job).await;
    let mut kills = 0;
    loop {
        let p = crew.start(&[("FAILPOINTS", "relink.after_step=return")]);
        let started = Instant::now();
        let exited = loop {
            if let Some(code) = crew.proc(p).try_exit() {
                break Some(code);
            }
            if !events.of("job.completed", &id).is_empty() {
                break None;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "neither a kill nor the job's end");
            events.collect_for(50).await;
        };
        match exited {
            Some(code) => {
                assert_eq!(code, Some(FAILPOINT_EXIT), "killed after relink step {}", kills + 1);
                kills += 1;
                assert!(kills <= 4, "a step is never applied twice, so the kills end");
            }
            None => break,
        }
    }
    assert!(kills >= 2, "killed after each of the two companies' steps: {kills}");
    completed(&mut events, &id, 60).await;
    events.collect_for(500).await;
    let (done, _) = once(&events, &id);
    assert_eq!(done.body["payload"]["status"], "succeeded", "{:#}", done.body);
    assert_eq!(count(&done, "in_doubt"), 0, "{:#}", done.body);
    let (before, after) = (Ledger::after(&[&first]), Ledger::after(&[&first, &changed]));
    assert_exact(&sim, &after, "after the switch, the kills and the resumed relink");
    assert_eq!(
        landed_in(&sim.calls(), &rest.inserts()),
        inserts_needed(&before, &after, true),
        "through REST only the inserts the change needed: every SOAP-made component was relinked"
    );
    crew.stop_all().await;
}
