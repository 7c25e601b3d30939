//! The `nmbrs-worker` binary: help, configuration errors, migrate, seal, publish, replay and in-doubt.

use std::{io::Write, process::Command};

use crate::support::*;
use nmbrs_worker::{
    credentials::{KeyRing, SealedCredentials},
    jobs::Handlers,
};
use serde_json::json;

fn bin(env: &TestEnv) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nmbrs-worker"));
    cmd.env_clear().env("PATH", std::env::var("PATH").unwrap());
    for (k, v) in &env.env {
        cmd.env(k, v);
    }
    cmd
}

#[test]
fn every_subcommand_has_help() {
    let env = TestEnv::new();
    for sub in ["run", "migrate", "demo", "sim", "publish", "seal", "replay", "in-doubt", "probe", "check"] {
        let out = bin(&env).args([sub, "--help"]).output().unwrap();
        assert!(out.status.success(), "{sub} --help");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Usage: nmbrs-worker ") && text.contains(sub), "{text}");
    }
}

#[test]
fn probe_help_explains_the_safety_rules() {
    let env = TestEnv::new();
    let out = bin(&env).args(["probe", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for needed in
        ["SAFETY RULES", "extdev-*", "--demo-pattern", "employees", "[nmbrs-probe", "stdin", "never from arguments"]
    {
        assert!(text.contains(needed), "{needed}: {text}");
    }
    // Without the app's settings it names them first, before it waits on stdin.
    let probe = |with_app: bool| {
        let mut cmd = bin(&env);
        if with_app {
            cmd.env("NMBRS_OAUTH_CLIENT_ID", "app")
                .env("NMBRS_OAUTH_CLIENT_SECRET", "s")
                .env("NMBRS_SUBSCRIPTION_KEY", "k");
        }
        let out = cmd.args(["probe", "--company", "c", "--employee", "e"]).stdin(std::process::Stdio::null()).output();
        let out = out.unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (ok, err) = probe(false);
    assert!(!ok && err.contains("NMBRS_OAUTH_CLIENT_ID") && !err.contains("stdin"), "{err}");
    // Without a refresh token on stdin it does nothing.
    let (ok, err) = probe(true);
    assert!(!ok && err.contains("stdin"), "{err}");
}

#[test]
fn a_bad_setting_is_one_clear_line_not_a_panic() {
    let env = TestEnv::new();
    let out = bin(&env).env("NMBRS_WORKER_HTTP_ADDR", "nowhere").arg("run").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("NMBRS_WORKER_HTTP_ADDR") && !err.contains("panicked"), "{err}");

    let out = bin(&env).env_remove("NMBRS_CREDENTIALS_KEYS").arg("run").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("NMBRS_CREDENTIALS_KEYS") && err.lines().count() == 1, "{err}");
}

#[tokio::test]
async fn migrate_creates_the_database_and_its_tables() {
    let env = TestEnv::new();
    let out = bin(&env).arg("migrate").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pool = sqlx::PgPool::connect(&env.database_url).await.unwrap();
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            .fetch_all(&pool)
            .await
            .unwrap();
    let expected = [
        "_sqlx_migrations",
        "export_buckets",
        "export_contributions",
        "export_markers",
        "export_runs",
        "job_attempts",
        "jobs",
        "nmbrs_call_budget",
        "nmbrs_call_budget_demand",
        "nmbrs_company_identities",
        "nmbrs_employee_identities",
        "nmbrs_id_links",
        "nmbrs_relink_steps",
        "nmbrs_relinks",
        "oauth_grants",
        "oauth_retired_grants",
        "outbox",
        "sync_hashes",
        "write_rights",
    ];
    assert_eq!(tables, expected);
    pool.close().await;
    // Running it again is a no-op.
    assert!(bin(&env).arg("migrate").status().unwrap().success());
}

#[test]
fn seal_output_opens_for_its_integration_and_keys_can_be_generated() {
    let env = TestEnv::new();
    let out = bin(&env).args(["seal", "--generate-key", "k2"]).output().unwrap();
    let entry = String::from_utf8(out.stdout).unwrap();
    assert!(KeyRing::parse(entry.trim()).is_ok(), "{entry}");

    let mut child = bin(&env)
        .args(["seal", "--integration", "env-42", "--username", "api@example.com"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"tok-from-stdin\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let sealed: SealedCredentials = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("tok-from-stdin"));
    let creds = env.keys.open("env-42", &sealed).unwrap();
    assert_eq!(creds.username, "api@example.com");
    assert!(env.keys.open("env-43", &sealed).is_err());
}

#[tokio::test]
async fn publish_then_replay_a_parked_job_after_an_upgrade() {
    let env = TestEnv::new();
    let mut events = env.events().await;
    // A release without an ExportHours handler (none at all, here): the job fails permanently and parks.
    let old = env.start_worker(Handlers::default()).await;
    let export = json!({"export_id": "exp-1", "period": {"year": 2026, "number": 11}, "entries": []});
    let job = env.job("ExportHours", "env-1", export);
    let id = job["message_id"].as_str().unwrap().to_string();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), serde_json::to_vec(&job).unwrap()).unwrap();
    let out = bin(&env).arg("publish").arg(file.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&id));
    let failed = events.wait_for(20, "job.failed", |e| e.kind() == "job.failed").await;
    assert_eq!(failed.body["payload"]["error"]["code"], "job_type_not_supported");
    old.stop().await;

    // A broken file is refused by publish before it reaches the broker.
    std::fs::write(file.path(), br#"{"type": "SyncTeam"}"#).unwrap();
    let out = bin(&env).arg("publish").arg(file.path()).output().unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("schema"));

    let upgraded = env.start_worker(Scripted::default().handlers()).await;
    let out = bin(&env).args(["replay", "--error-code", "job_type_not_supported"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "replayed 1, kept parked 0, not routable 0");
    let done = events.wait_for(20, "job.completed after replay", |e| e.kind() == "job.completed").await;
    assert_eq!(done.body["job"]["message_id"], id.as_str());
    upgraded.stop().await;
    assert!(env.drain_dead().await.is_empty());
}

#[tokio::test]
async fn replay_keeps_messages_that_do_not_match_the_filter() {
    let env = TestEnv::new();
    let mut events = env.events().await;
    let worker = env.start_worker(Scripted::default().handlers()).await;
    env.publish_raw(b"not json at all", "deactivate").await;
    env.publish(&env.job("SyncTeam", "env-1", sync_payload(json!("permanent")))).await;
    events.wait_for(20, "job.failed", |e| e.kind() == "job.failed").await;
    events.wait_for(20, "job.rejected", |e| e.kind() == "job.rejected").await;
    worker.stop().await;
    let out = bin(&env).args(["replay", "--error-code", "no_such_code"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "replayed 0, kept parked 2, not routable 0");
    let out = bin(&env).args(["replay", "--limit", "5"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "replayed 2, kept parked 0, not routable 0");
    assert!(env.drain_dead().await.is_empty());
    // Each went back to the queue of its original routing key.
    for kind in [nmbrs_worker::envelope::JobType::SyncTeam, nmbrs_worker::envelope::JobType::Deactivate] {
        assert_eq!(env.queue_depth(&env.names.job_queue(kind)).await, 1, "{kind}");
    }
}

crate::on_both_apis!(demo_runs_the_whole_flow_against_the_built_in_simulator);

async fn demo_runs_the_whole_flow_against_the_built_in_simulator(api: Api) {
    let env = TestEnv::new();
    let out = bin(&env).args(["demo", "--api", api.name()]).output().unwrap();
    assert_demo_flow(&out, api);
}

crate::on_both_apis!(the_demo_reads_the_same_a_year_ahead_a_year_back_and_today);

/// The demo's data is placed relative to the worker's today (`sim::demo::seed_at`): with the
/// clock a year after the data's day, a year before it, and the real clock, the same people
/// are imported and the same writes made.
async fn the_demo_reads_the_same_a_year_ahead_a_year_back_and_today(api: Api) {
    let env = TestEnv::new();
    for clock in ["2027-11-24T11:00:00Z", "2025-11-24T11:00:00Z", "2027-03-01T00:30:00+01:00", ""] {
        let mut cmd = bin(&env);
        if clock.is_empty() {
            cmd.env_remove("NMBRS_WORKER_CLOCK");
        } else {
            cmd.env("NMBRS_WORKER_CLOCK", clock);
        }
        let out = cmd.args(["demo", "--api", api.name()]).output().unwrap();
        assert_demo_flow(&out, api);
        let text = String::from_utf8_lossy(&out.stdout);
        if let Some(day) = clock.get(..10) {
            assert!(text.contains(&format!("demo data as of {day}")), "{clock}:\n{text}");
        }
    }
}

/// What every run of `demo` prints, whatever the day.
fn assert_demo_flow(out: &std::process::Output, api: Api) {
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    let count = |needle: &str| text.lines().filter(|l| l.trim_start().starts_with(needle)).count();
    assert_eq!(count("team_member.upserted"), 7, "first sync publishes every imported employee:\n{text}");
    assert_eq!(count("job.completed"), 10, "three team jobs, five exports and two checks:\n{text}");
    // The demo ends with CheckIntegration, once healthy and once with a right switched off.
    assert_eq!(count("integration.checked      ready:"), 1, "{text}");
    assert_eq!(count("integration.checked      needs_attention:"), 1, "{text}");
    assert!(text.contains("write calls of both checks seen by the Nmbrs simulator: 0"), "{text}");
    assert!(text.contains("\"upserted\":0"), "the second sync publishes nothing:\n{text}");
    assert!(text.contains("team_member.deactivated  member u-sanne"), "{text}");
    assert_eq!(count("hours.exported"), 5, "{text}");
    let line = |words: &str| text.lines().any(|l| l.split_whitespace().collect::<Vec<_>>().join(" ") == words);
    assert!(line("skipped shift-3 worked_hours fixed_contract"), "{text}");
    assert!(line("skipped shift-4 whole entry not_approved"), "{text}");
    // 10 buckets inserted; then Jan's hours replaced (SOAP: delete + insert; REST: one PUT in
    // place), Fatima's sick deleted (1), her new shift's hours and days (2); then nothing.
    let writes = match api {
        Api::Soap => "10 / 5 / 0",
        Api::Rest => "10 / 4 / 0",
    };
    assert!(text.contains(&format!("Export write calls (first / changed / identical): {writes}")), "{text}");
    // Proof in Nmbrs (issue 18): a clerk deletes Jan's hours line and changes his travel line;
    // the next export restores both (SOAP: insert, delete + insert; REST: insert and one PUT),
    // notifies once, and an identical export after it writes nothing.
    assert!(text.contains("A payroll clerk deletes Jan's hours line in Nmbrs"), "{text}");
    assert_eq!(count("notification [warning] export.drift_repaired"), 1, "{text}");
    assert!(text.contains("drift: missing (Nmbrs held 0)"), "{text}");
    assert!(text.contains("drift: changed (Nmbrs held 20)"), "{text}");
    let repair = match api {
        Api::Soap => "3 / 0",
        Api::Rest => "2 / 0",
    };
    assert!(text.contains(&format!("after the clerk's edits (repair / identical): {repair}")), "{text}");
    assert!(!text.contains("unverified ("), "every bucket of every export is verified:\n{text}");
}

#[tokio::test]
async fn demo_switch_moves_the_customer_to_rest_and_the_identical_re_export_writes_nothing() {
    let env = TestEnv::new();
    let out = bin(&env).args(["demo", "--switch"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("The customer moves to REST"), "{text}");
    assert!(
        text.contains("Export write calls across the switch (first on SOAP / identical on REST): 10 / 0"),
        "{text}"
    );
    assert_eq!(text.lines().filter(|l| l.trim_start().starts_with("job.completed")).count(), 11, "{text}");
    assert!(text.contains("The customer's consent loses the scope employee.payment"), "{text}");
}

#[tokio::test]
async fn a_bucket_in_doubt_is_listed_and_resolved_by_a_persons_word() {
    let env = TestEnv::new();
    assert!(bin(&env).arg("migrate").status().unwrap().success());
    let pool = sqlx::PgPool::connect(&env.database_url).await.unwrap();
    sqlx::query(
        "INSERT INTO export_buckets (integration_id, company_id, employee_id, year, period, component,
                                     applied_value, owned_ids, pending_value, stage)
         VALUES ('env-d', 54613, 503293, 2026, 11, 'hours:1', 0, '{}', 7.50, 'in_doubt'),
                ('env-d', 54613, 503293, 2026, 11, 'wage:400', 0, '{}', 2, 'in_doubt')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let out = bin(&env).args(["in-doubt", "list", "--integration", "env-d"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("employee 503293 period 2026-11 hours:1: insert of 7.50 in doubt"), "{text}");
    assert!(text.contains("2 bucket(s) in doubt"), "{text}");

    let target = ["--integration", "env-d", "--company", "54613", "--employee", "503293", "--year", "2026"];
    let resolve = |component: &str, how: &[&str]| {
        let mut cmd = bin(&env);
        cmd.args(["in-doubt", "resolve"]).args(target).args(["--period", "11", "--component", component]).args(how);
        cmd.output().unwrap()
    };
    assert!(resolve("hours:1", &["--landed-as", "100077"]).status.success());
    assert!(resolve("wage:400", &["--not-landed"]).status.success());
    let again = resolve("hours:1", &["--not-landed"]);
    assert!(!again.status.success(), "only a bucket in doubt can be resolved");
    assert!(String::from_utf8_lossy(&again.stderr).contains("no bucket in doubt matches"));
    assert!(!resolve("hours:1", &[]).status.success(), "--landed-as or --not-landed is required");

    type Row = (String, Vec<String>, rust_decimal::Decimal, Option<rust_decimal::Decimal>, String);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT component, owned_ids, applied_value, pending_value, stage FROM export_buckets ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let d = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
    assert_eq!(
        rows[0],
        ("hours:1".into(), vec!["100077".to_string()], d("7.50"), None, "to_write".into()),
        "adopted, to be checked"
    );
    assert_eq!(
        rows[1],
        ("wage:400".into(), vec![], d("0"), None, "to_write".into()),
        "to be inserted by the next export"
    );
    pool.close().await;
}
