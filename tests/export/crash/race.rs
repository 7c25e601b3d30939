//! The two-process case of the export crash tests: two `nmbrs-worker run` processes on the
//! same queues take one of two overlapping exports each, at the same moment; the export lock
//! must serialize them so that Nmbrs ends in the state of the order they committed in.

use nmbrs_worker::envelope::JobType;

use super::harness::*;
use super::model::*;
use crate::support::{Api, TestEnv, eventually};

/// Employees of the scaled demo the concurrent cases export for: enough buckets that each job
/// writes for a few hundred milliseconds, so the two jobs are certainly in flight together.
pub const RACERS: i32 = 12;

/// Builds one export from per-employee entries of the racing employees.
pub fn racing(export_id: &str, per_employee: impl Fn(i32, i32) -> (Vec<Entry>, Vec<String>)) -> Export {
    let mut export = Export::new(export_id, Vec::new(), &[]);
    for i in 0..RACERS {
        let (entries, withdrawn) = per_employee(i, 600_000 + i);
        export.entries.extend(entries);
        export.withdrawn.extend(withdrawn);
    }
    export
}

/// The export every concurrent case starts from, completed before the race.
pub fn base_export() -> Export {
    racing("exp-0", |i, emp| {
        let entries = vec![
            worked(&format!("p1-{i}"), emp, 3, "7.50", 1, Some("10.00")),
            worked(&format!("p2-{i}"), emp, 4, "6.00", 1, None),
            absence(&format!("p3-{i}"), emp, 5, Kind::Leave, "8.00"),
        ];
        (entries, vec![])
    })
}

/// (started_at, finished_at) of the job's attempts, in microseconds since the epoch.
async fn attempt_spans(env: &TestEnv, message_id: &str) -> Vec<(i64, i64)> {
    let pool = env.pool().await;
    let spans = sqlx::query_as(
        "SELECT (extract(epoch FROM started_at) * 1e6)::bigint, (extract(epoch FROM finished_at) * 1e6)::bigint
           FROM job_attempts WHERE message_id = $1",
    )
    .bind(message_id)
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    spans
}

/// Two worker processes on the same queues, their jobs on `api` (on REST both share the
/// integration's consent); `base_export` done, then `x` and `y` published together, one to
/// each process. Nmbrs must hold exactly the ledger of the order in which
/// their results were committed (the order of their `job.completed` `occurred_at`).
pub async fn race(api: Api, x: &Export, y: &Export) {
    let mut env = TestEnv::new();
    let sim = slow_scaled_sim(RACERS as usize).await;
    let via = Via::new(api, &mut env, &sim);
    let mut events = env.events().await;
    let mut crew = Crew::new(&env, &sim);
    crew.start(&[]);
    let base = base_export();
    let job = via.job(&env, USER, &base);
    env.publish(&job).await;
    completed(&mut events, &message_id(&job), 60).await;
    crew.start(&[]); // only now: the first one has created the database
    let queue = env.names.job_queue(JobType::ExportHours);
    let (env_ref, queue) = (&env, queue.as_str());
    eventually(30, "both workers consuming", || async move { env_ref.queue_consumers(queue).await == 2 }).await;

    let (jx, jy) = (via.job(&env, USER, x), via.job(&env, USER, y));
    let (ix, iy) = (message_id(&jx), message_id(&jy));
    env.publish_many(&[&jx, &jy]).await;
    let dx = completed(&mut events, &ix, 60).await;
    let dy = completed(&mut events, &iy, 60).await;
    events.collect_for(500).await;
    once(&events, &ix);
    once(&events, &iy);
    for d in [&dx, &dy] {
        assert_eq!(d.body["payload"]["status"], "succeeded", "{:#}", d.body);
    }
    let (by_x, by_y) = (crew.completers(&ix), crew.completers(&iy));
    assert!(by_x.len() == 1 && by_y.len() == 1 && by_x != by_y, "one export per process: {by_x:?} {by_y:?}");
    let (sx, sy) = (attempt_spans(&env, &ix).await, attempt_spans(&env, &iy).await);
    assert!(sx.len() == 1 && sy.len() == 1, "one attempt each: {sx:?} {sy:?}");
    assert!(
        sx[0].0.max(sy[0].0) < sx[0].1.min(sy[0].1),
        "both jobs were in flight at once (the second waited for the first): {sx:?} {sy:?}"
    );

    let (tx, ty) = (dx.body["occurred_at"].as_str().unwrap(), dy.body["occurred_at"].as_str().unwrap());
    assert_ne!(tx, ty, "the jobs of one integration commit one after the other");
    let (xy, yx) = (Ledger::after(&[&base, x, y]), Ledger::after(&[&base, y, x]));
    let (p_xy, p_yx) = (problems(&sim, &xy), problems(&sim, &yx));
    assert!(
        p_xy.is_empty() || p_yx.is_empty(),
        "Nmbrs matches neither order:\nx then y: {p_xy:#?}\ny then x: {p_yx:#?}"
    );
    let committed = if tx < ty { xy } else { yx };
    assert_exact(&sim, &committed, "the order the jobs committed in");
    crew.stop_all().await;
}
