//! The random-kill case of the export crash tests: a big export (about 190 buckets) on a
//! worker SIGKILLed at random moments, five times, then one that runs on; Nmbrs must end exact
//! and an identical re-export must write nothing. `EXPORT_CRASH_SEED` repeats the kill points.
//! Split from `mod.rs` to keep each file short.

use std::time::{Duration, Instant};

use super::harness::*;
use super::model::*;
use crate::support::{Api, TestEnv};

crate::on_both_apis!(multi_thread: random_kills_during_a_big_export_end_exact_and_a_repeat_writes_nothing);

/// 40 employees of the scaled demo, each with three or four worked entries (two on one day),
/// meals and travel, half with leave, a fifth with sickness: about 190 buckets.
fn big_export(employees: i32, export_id: &str) -> Export {
    let mut entries = Vec::new();
    for i in 0..employees {
        let emp = 600_000 + i;
        let h = |base: i32| format!("{}.{:02}", base + i % 3, (i % 4) * 25);
        entries.push(worked(&format!("w1-{i}"), emp, 2 + (i % 5) as u32, &h(4), 1, Some("3.50")));
        entries.push(worked(&format!("w2-{i}"), emp, 12, &h(6), (i % 2) as u32, None));
        if i % 3 == 0 {
            entries.push(worked(&format!("w3-{i}"), emp, 12, "2.00", 1, Some("1.25")));
        }
        if i % 2 == 0 {
            entries.push(absence(&format!("l-{i}"), emp, 20, Kind::Leave, "8.00"));
        }
        if i % 5 == 0 {
            entries.push(absence(&format!("s-{i}"), emp, 21, Kind::Sick, &h(3)));
        }
    }
    Export::new(export_id, entries, &[])
}

fn kill_seed() -> u64 {
    std::env::var("EXPORT_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
    })
}

async fn random_kills_during_a_big_export_end_exact_and_a_repeat_writes_nothing(api: Api) {
    const KILLS: usize = 5;
    let seed = kill_seed();
    eprintln!("random kills: seed {seed} (EXPORT_CRASH_SEED={seed} repeats the kill points)");
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut env = TestEnv::new();
    let sim = slow_scaled_sim(40).await;
    let via = Via::new(api, &mut env, &sim);
    let mut events = env.events().await;
    let mut crew = Crew::new(&env, &sim);
    let export = big_export(40, "exp-big");
    let ledger = Ledger::after(&[&export]);
    let job = via.job(&env, USER, &export);
    let id = message_id(&job);
    env.publish(&job).await;

    let mut kills = Vec::new();
    let mut finished_early = false;
    'rounds: for round in 0..KILLS {
        let w = crew.start(&[]);
        let started = Instant::now();
        let base = sim.write_calls();
        // Mostly "after the k-th write of this process"; sometimes a moment before any write.
        let after_writes = rng.usize(0..=30);
        let after_ms = rng.u64(150..1500);
        loop {
            let writes = sim.write_calls() - base;
            let due = if after_writes == 0 {
                started.elapsed() >= Duration::from_millis(after_ms)
            } else {
                writes >= after_writes
            };
            if due {
                crew.proc(w).kill();
                kills.push(format!("round {round}: killed after {writes} writes, {:?}", started.elapsed()));
                break;
            }
            assert!(crew.proc(w).try_exit().is_none(), "worker {w} exited on its own");
            assert!(started.elapsed() < Duration::from_secs(60), "no kill point reached in round {round}");
            events.collect_for(3).await;
            if !events.of("job.completed", &id).is_empty() {
                finished_early = true;
                break 'rounds;
            }
        }
    }
    eprintln!("random kills (seed {seed}):\n{}", kills.join("\n"));
    assert!(!finished_early && kills.len() == KILLS, "every kill landed before the job completed: {kills:#?}");
    assert!(!problems(&sim, &ledger).is_empty(), "the kills left the export unfinished");

    crew.start(&[]);
    completed(&mut events, &id, 60).await;
    events.collect_for(500).await;
    let (done, exported) = once(&events, &id);
    assert_eq!(done.body["payload"]["status"], "succeeded", "{:#}", done.body);
    assert_eq!(count(&done, "exported") as usize, export.entry_ids().len());
    assert_exact(&sim, &ledger, &format!("after {KILLS} kills (seed {seed})"));
    let wrong_ids = reported_id_problems(&sim, &exported.body);
    assert!(wrong_ids.is_empty(), "hours.exported names the components in Nmbrs:\n{}", wrong_ids.join("\n"));

    sim.clear_calls();
    let again = via.job(&env, USER, &export);
    let again_id = message_id(&again);
    env.publish(&again).await;
    let repeat = completed(&mut events, &again_id, 60).await;
    assert_eq!(sim.write_calls(), 0, "an identical re-export makes no write call");
    assert_eq!((count(&repeat, "write_calls"), count(&repeat, "buckets_written")), (0, 0), "{:#}", repeat.body);
    assert_exact(&sim, &ledger, "after the identical re-export");
    crew.stop_all().await;
}
