//! Whole probe runs: refusals before any write, a kill in the middle (the real binary stopped by
//! a failpoint) cleaned up by the next run, no secret in the records, `--json`'s shape, and
//! `--tokens`.

use std::io::Write as _;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::*;
use nmbrs_worker::sim::rest::{ClosedPeriodDelete, DaysPost, Omitted, RestInjected, RestSettings};

/// The probe refused: the error, and not one write call reached the simulator.
async fn refused(w: &World, opts: &Options) -> String {
    let e = w.run(opts, false).await.expect_err("the probe refuses");
    assert_eq!(w.sim.write_calls(), 0, "no write before the checks: {:?}", w.sim.calls());
    assert!(w.sim.calls().iter().all(|c| c.operation.starts_with("GET ")), "{:?}", w.sim.calls());
    format!("{e:#}")
}

#[tokio::test]
async fn a_company_outside_the_demo_pattern_or_the_consent_is_refused_before_any_write() {
    let w = World::new().await;
    let mut opts = w.options();
    opts.company = Some(id(IdKind::Company, demo::CATERING));
    opts.employee = Some(id(IdKind::Employee, 503300));
    let e = refused(&w, &opts).await;
    assert!(
        e.contains("Eitje Demo Catering B.V.") && e.contains("does not match the demo pattern \"extdev-*\""),
        "{e}"
    );

    let mut opts = w.options();
    opts.company = Some(uuid::Uuid::new_v4().to_string());
    let e = refused(&w, &opts).await;
    assert!(e.contains("is not one of the consent's companies"), "{e}");

    let mut opts = w.options();
    opts.demo_pattern = "*".into();
    let e = w.run(&opts, false).await.err().unwrap().to_string();
    assert!(e.contains("--demo-pattern"), "{e}");
    assert_eq!(w.sim.write_calls(), 0);
}

#[tokio::test]
async fn an_employee_of_another_company_is_refused_before_any_write() {
    let w = World::new().await;
    let mut opts = w.options();
    opts.employee = Some(id(IdKind::Employee, 503300)); // Lucas, of the catering company
    let e = refused(&w, &opts).await;
    assert!(e.contains("is not an employee of company"), "{e}");
}

/// The real binary with `extra` variables, the refresh token on stdin; its exit code and output.
fn binary(w: &World, extra: &[(&str, &str)]) -> (Option<i32>, String) {
    let opts = w.options();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nmbrs-worker"));
    cmd.env_clear().env("PATH", std::env::var("PATH").unwrap());
    for (k, v) in w.vars() {
        cmd.env(k, v);
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = opts.out.to_str().unwrap();
    let token_file = opts.refresh_token_out.clone().unwrap();
    cmd.args(["probe", "--company", opts.company.as_deref().unwrap(), "--employee", opts.employee.as_deref().unwrap()])
        .args(["--out", out, "--json", opts.json.as_ref().unwrap().to_str().unwrap()])
        .args(["--refresh-token-out", token_file.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(format!("{}\n", w.token()).as_bytes()).unwrap();
    let done = child.wait_with_output().unwrap();
    let text = format!("{}\n{}", String::from_utf8_lossy(&done.stdout), String::from_utf8_lossy(&done.stderr));
    (done.status.code(), text)
}

/// Killed at `failpoint`, leaving what `left` checks; a second run removes it all.
async fn killed_then_cleaned(failpoint: &str, left: impl Fn(&World)) {
    let w = World::new().await;
    w.sim.set_rest_settings(RestSettings {
        put_omitted: Omitted::Clear,
        closed_period_delete: ClosedPeriodDelete::Allow,
        days_post: DaysPost::Replace,
        ..Default::default()
    });
    w.sim.state().domains.get_mut(demo::DOMAIN).unwrap().days.insert((JAN, NEXT.year, NEXT.period), 3);
    let before = w.jan_state();
    let (code, text) = binary(&w, &[("FAILPOINTS", &format!("{failpoint}=return"))]);
    assert_eq!(code, Some(nmbrs_worker::failpoint::EXIT_CODE), "{text}");
    left(&w);
    assert_ne!(w.jan_state(), before, "the kill left something behind to clean up");
    let (code, text) = binary(&w, &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("Removed what an earlier run left"), "{text}");
    assert_eq!(w.jan_state(), before, "{text}");
    assert_eq!(w.probe_lines(), Vec::<String>::new());
    let journal: Value = serde_json::from_slice(&std::fs::read(w.out.path().join("journal.json")).unwrap()).unwrap();
    assert_eq!((journal["lines"].as_array().unwrap().len(), &journal["days"]), (0, &Value::Null), "{journal}");
    w.assert_only_the_deliberate_violation();
}

// Multi-threaded: the test waits for the child process while the simulator serves it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_after_a_put_that_cleared_the_marker_is_cleaned_up_by_the_next_run() {
    killed_then_cleaned("probe.after_put", |w| {
        // The PUT cleared the comment: only the journal knows this line is the probe's.
        let s = w.sim.state();
        let d = &s.domains[demo::DOMAIN];
        let lines = d.hour_components.get(&(JAN, NEXT.year, NEXT.period)).cloned().unwrap_or_default();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(d.line_info[&lines[0].id.soap().unwrap()].comment, None, "no marker left on it");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_after_a_days_post_puts_the_days_back_on_the_next_run() {
    killed_then_cleaned("probe.after_days_post", |w| {
        assert_eq!(w.sim.days(demo::DOMAIN, JAN, NEXT), Some(0), "the first days POST landed");
    })
    .await;
}

#[tokio::test]
async fn no_secret_reaches_the_records_and_the_json_has_every_id_once() {
    let w = World::new().await;
    let mut opts = w.options();
    opts.soap_domain = Some(demo::DOMAIN.into());
    let first_token = w.refresh_token.clone();
    let (_, printed) = w.run(&opts, true).await.unwrap();
    let mut secrets = vec![
        CLIENT_SECRET.to_owned(),
        SUBSCRIPTION_KEY.to_owned(),
        first_token,
        demo::TOKEN.to_owned(),
        demo::USERNAME.to_owned(),
    ];
    {
        let s = w.sim.state();
        secrets.extend(s.rest.oauth.access.keys().cloned());
        secrets.extend(s.rest.oauth.grants.values().map(|g| g.refresh_token.clone()));
    }
    let token_file = opts.refresh_token_out.clone().unwrap();
    for file in files(w.out.path()).into_iter().filter(|f| *f != token_file) {
        let text = std::fs::read_to_string(&file).unwrap();
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "{} holds a secret", file.display());
        }
    }
    assert!(secrets.iter().all(|s| !printed.contains(s.as_str())));
    use std::os::unix::fs::PermissionsExt;
    // Every file the probe writes names the demo company and its employee: its owner's only.
    for file in files(w.out.path()) {
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} is {mode:o}", file.display());
    }
    let newest = std::fs::read_to_string(&token_file).unwrap();
    assert!(
        w.sim.state().rest.oauth.grants.values().any(|g| g.refresh_token == newest.trim()),
        "the newest token is kept"
    );

    let json: Value = serde_json::from_slice(&std::fs::read(opts.json.unwrap()).unwrap()).unwrap();
    nmbrs_worker::envelope::schema::check("probe/findings", &json).unwrap_or_else(|e| panic!("{e}\n{json:#}"));
    let findings = json["findings"].as_array().unwrap();
    let ids: Vec<&str> = findings.iter().map(|f| f["id"].as_str().unwrap()).collect();
    let expected: Vec<&str> = probe::findings::FINDINGS.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(ids, expected);
    for f in findings {
        let keys: Vec<&String> = f.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["answer", "evidence", "id"], "{f}");
        assert!(!f["evidence"].as_str().unwrap().is_empty(), "{f}");
    }
    // The records hold every exchange, numbered, each with its question.
    let records = records(w.out.path());
    assert!(records.len() > 50 && records.iter().all(|r| r["seq"].is_u64() && r["question"].is_string()));
    assert!(records.iter().any(|r| r["url"].as_str().unwrap().ends_with("/EmployeeService.asmx")), "SOAP is on record");
}

#[tokio::test]
async fn tokens_mode_writes_nothing_and_says_what_the_chain_did() {
    let w = World::new().await;
    let mut opts = w.options();
    opts.tokens_only = true;
    (opts.company, opts.employee) = (None, None);
    opts.consented_at = Some(chrono::Utc::now().date_naive() - chrono::Days::new(40));
    let (report, printed) = w.run(&opts, false).await.unwrap();
    assert!(report.left_behind.is_empty());
    assert!(
        printed.contains("still works 40 days after the consent")
            && printed.contains("NMBRS_OAUTH_REFRESH_EXPIRY=sliding"),
        "{printed}"
    );
    let answers = w.answers();
    assert_eq!(answers["access_token_lifetime_s"], 3600);
    assert_eq!(answers["refresh_token_reuse"], "invalid_grant");
    assert_eq!(answers.values().filter(|a| **a == "unknown").count(), 12, "{answers:?}");
    assert!(w.sim.calls().is_empty(), "no Nmbrs API call at all: {:?}", w.sim.calls());
    let record: Value = serde_json::from_slice(&std::fs::read(w.out.path().join("tokens.json")).unwrap()).unwrap();
    assert_eq!(record["consent_source"], "--consented-at");
    assert_eq!(record["observations"].as_array().unwrap().len(), 1);

    // A revoked consent: the refresh is refused, and that is recorded and said.
    let grant = w.sim.state().rest.oauth.grants.keys().next().unwrap().clone();
    w.sim.state().rest.oauth.revoke(&grant);
    let e = w.run(&opts, false).await.err().unwrap().to_string();
    assert!(e.contains("invalid_grant") && e.contains("absolute"), "{e}");
    let record: Value = serde_json::from_slice(&std::fs::read(w.out.path().join("tokens.json")).unwrap()).unwrap();
    assert_eq!(record["observations"][1]["refresh"], "invalid_grant");
}

#[tokio::test]
async fn runs_against_a_nmbrs_that_refuses_the_closed_period_delete_leave_one_line_however_many() {
    let w = World::new().await;
    for run in 1..=3 {
        let (report, printed) = w.run(&w.options(), false).await.unwrap_or_else(|e| panic!("run {run}: {e:#}"));
        assert_eq!(w.answers()["delete_in_closed_period"], "refused:40033", "run {run}: {printed}");
        assert_eq!(w.probe_lines(), vec!["hours 2026-10 0".to_owned()], "run {run}: still one line");
        assert_eq!(report.left_behind.len(), 1, "run {run}: {:?}", report.left_behind);
    }
}

#[tokio::test]
async fn a_429_from_the_token_endpoint_is_waited_out_and_the_token_is_spent_once() {
    let w = World::new().await;
    w.sim.inject_rest(Some("POST /connect/token"), RestInjected::TooManyCalls { retry_after_secs: Some(1) });
    let mut opts = w.options();
    opts.tokens_only = true;
    let (_, printed) = w.run(&opts, false).await.unwrap_or_else(|e| panic!("the probe failed: {e:#}"));
    assert_eq!(w.answers()["access_token_lifetime_s"], 3600, "{printed}");
    let calls = w.sim.state().rest.oauth.token_calls.clone();
    assert!(calls.iter().any(|c| c.outcome.starts_with("injected")), "{calls:?}");
    assert_eq!(
        calls.iter().filter(|c| c.outcome == "invalid_grant").count(),
        1,
        "only the deliberate reuse: {calls:?}"
    );
}
