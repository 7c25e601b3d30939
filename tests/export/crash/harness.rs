//! The process side of the export crash tests: workers run as child processes of the real
//! binary (`nmbrs-worker run`) against the test's RabbitMQ prefix and database and a Nmbrs
//! simulator living in the test process, so Nmbrs keeps its state when a worker dies. Every
//! child's log goes to a temp file; all of them are printed when the test fails. A test's
//! jobs go to SOAP or REST ([`Via`]); on REST the children get the REST app settings.

use std::{
    collections::BTreeSet,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use nmbrs_worker::{
    credentials::RestGrant,
    nmbrs::rest::RestOperation as Rest,
    sim::{FaultConfig, SimState, Simulator, demo, rest::RestFaults},
};
use serde_json::Value;

use super::model::{Export, settings};
use crate::support::{Api, Events, Received, TestEnv, api_job, mint_demo_grant, point_rest_at};

pub const USER: (&str, &str) = (demo::USERNAME, demo::TOKEN);
pub const LIMITED: (&str, &str) = (demo::LIMITED_USERNAME, demo::LIMITED_TOKEN);
/// The exit code of a fired failpoint.
pub const FAILPOINT_EXIT: i32 = 86;

/// A simulator with the scaled demo of `employees` employees that answers every call (SOAP
/// and REST) after 20 ms, so a job writes long enough to be killed or raced mid-way.
pub async fn slow_scaled_sim(employees: usize) -> Simulator {
    let mut state = SimState::default();
    state.apply_seed(demo::scaled(employees));
    let sim = Simulator::start_with(state).await.unwrap();
    sim.set_faults(FaultConfig { latency_ms: 20, ..Default::default() });
    sim.state().rest.faults = RestFaults { latency_ms: 20, ..Default::default() };
    sim
}

/// One `nmbrs-worker run` process.
pub struct Proc {
    pub name: String,
    child: Child,
    log: tempfile::NamedTempFile,
    exited: Option<Option<i32>>,
}

impl Proc {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit code once the process has ended (`Some(None)`: killed by a signal).
    pub fn try_exit(&mut self) -> Option<Option<i32>> {
        if self.exited.is_none()
            && let Some(status) = self.child.try_wait().expect("try_wait")
        {
            self.exited = Some(status.code());
        }
        self.exited
    }

    /// Waits for the process to exit and returns its exit code.
    pub async fn exit_within(&mut self, secs: u64) -> Option<i32> {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(secs) {
            if let Some(code) = self.try_exit() {
                return code;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("worker {} did not exit within {secs}s", self.name);
    }

    /// SIGKILL, and reap it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let status = self.child.wait().expect("wait for the killed worker");
        self.exited = Some(status.code());
    }

    pub fn sigterm(&self) {
        let status = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status().expect("kill runs");
        assert!(status.success(), "kill -TERM {}", self.pid());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

/// Every worker process of one test. On a failing test (drop while panicking) it prints
/// the tail of every child's log; it kills whatever still runs.
pub struct Crew {
    env_vars: Vec<(String, String)>,
    pub procs: Vec<Proc>,
}

impl Crew {
    pub fn new(env: &TestEnv, sim: &Simulator) -> Self {
        let mut env_vars: Vec<(String, String)> = env.env.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        env_vars.push(("NMBRS_BASE_URL".into(), sim.base_url().to_string()));
        env_vars.push(("RUST_LOG".into(), "info".into()));
        Self { env_vars, procs: Vec::new() }
    }

    /// Starts a worker with extra variables (e.g. `FAILPOINTS`); returns its index.
    pub fn start(&mut self, extra: &[(&str, &str)]) -> usize {
        let log = tempfile::NamedTempFile::new().expect("temp log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nmbrs-worker"));
        cmd.arg("run")
            .env_remove("FAILPOINTS")
            .stdin(Stdio::null())
            .stdout(log.reopen().expect("log"))
            .stderr(log.reopen().expect("log"));
        for (k, v) in &self.env_vars {
            cmd.env(k, v);
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let name = format!("#{} {extra:?}", self.procs.len());
        self.procs.push(Proc { name, child: cmd.spawn().expect("worker starts"), log, exited: None });
        self.procs.len() - 1
    }

    pub fn proc(&mut self, i: usize) -> &mut Proc {
        &mut self.procs[i]
    }

    /// The workers whose log shows that they completed the job `message_id`.
    pub fn completers(&self, message_id: &str) -> Vec<usize> {
        let needle = format!("\"message_id\":\"{message_id}\"");
        let done = |line: &&str| line.contains("\"job completed\"") && line.contains(&needle);
        (0..self.procs.len()).filter(|i| self.procs[*i].log().lines().any(|l| done(&l))).collect()
    }

    /// SIGTERM to every running worker; each must end cleanly.
    pub async fn stop_all(&mut self) {
        for p in self.procs.iter_mut().filter(|p| p.exited.is_none()) {
            p.sigterm();
        }
        for p in self.procs.iter_mut() {
            if p.exited.is_none() {
                let code = p.exit_within(20).await;
                assert_eq!(code, Some(0), "worker {} stops cleanly on SIGTERM", p.name);
            }
        }
    }
}

impl Drop for Crew {
    fn drop(&mut self) {
        for p in &mut self.procs {
            if p.exited.is_none() {
                let _ = p.child.kill();
                let _ = p.child.wait();
            }
        }
        if std::thread::panicking() {
            for p in &mut self.procs {
                p.try_exit();
                let log = p.log();
                let lines: Vec<&str> = log.lines().collect();
                let tail = &lines[lines.len().saturating_sub(150)..];
                eprintln!("===== worker {} (exit {:?}), last {} log lines =====", p.name, p.exited, tail.len());
                eprintln!("{}", tail.join("\n"));
            }
        }
    }
}

/// The API a crash test's jobs go to (issue 9: the crash tests run on both) and, on REST,
/// the integration's consent.
pub struct Via {
    pub api: Api,
    grant: Option<RestGrant>,
}

impl Via {
    /// Readies `env` (before the [`Crew`] copies it) and `sim` for `api`: on REST the workers'
    /// app settings point at the simulator and one consent is minted for the integration.
    /// SOAP leaves both as they were.
    pub fn new(api: Api, env: &mut TestEnv, sim: &Simulator) -> Self {
        let grant = (api == Api::Rest).then(|| {
            point_rest_at(env, sim);
            mint_demo_grant(sim)
        });
        Self { api, grant }
    }

    /// An `ExportHours` job of `export` (see [`export_job`]); on REST it carries the consent
    /// instead of `user` and the employees' REST ids.
    pub fn job(&self, env: &TestEnv, user: (&str, &str), export: &Export) -> Value {
        match self.api {
            Api::Soap => export_job(env, user, export),
            Api::Rest => {
                let job = api_job(env, Api::Rest, self.grant.as_ref(), "ExportHours", "env-export", export.payload());
                with_settings(job, export)
            }
        }
    }

    /// Calls that insert an hour or wage line.
    pub fn inserts(&self) -> [&'static str; 2] {
        [self.api.call(Rest::HoursPost), self.api.call(Rest::WagePost)]
    }

    /// Calls that delete an hour or wage line.
    pub fn deletes(&self) -> [&'static str; 2] {
        [self.api.call(Rest::HoursDelete), self.api.call(Rest::WageDelete)]
    }

    /// Calls that set an employee's days.
    pub fn days(&self) -> &'static str {
        self.api.call(Rest::DaysPost)
    }

    /// Whether a changed bucket is updated in place (REST `PUT`, CONTRACT §5.3) rather than
    /// deleted and inserted again (SOAP).
    pub fn in_place(&self) -> bool {
        self.api == Api::Rest
    }
}

/// An `ExportHours` job of the demo domain (monthly company as venue `v-horeca`) with the
/// code mappings of [`settings`].
pub fn export_job(env: &TestEnv, user: (&str, &str), export: &Export) -> Value {
    with_settings(env.demo_job("ExportHours", "env-export", user, export.payload()), export)
}

/// `job` with the code mappings of [`settings`] and an idempotency key of its own.
fn with_settings(mut job: Value, export: &Export) -> Value {
    job["integration"]["settings"] = settings();
    job["idempotency_key"] = Value::String(format!("{}-{}", export.export_id, &job["message_id"]));
    job
}

pub fn message_id(job: &Value) -> String {
    job["message_id"].as_str().expect("a message id").to_string()
}

fn ends(e: &Received, id: &str) -> bool {
    matches!(e.kind(), "job.completed" | "job.failed" | "job.rejected") && e.body["job"]["message_id"] == id
}

/// Waits for the job's end and insists it is `job.completed`.
pub async fn completed(events: &mut Events, id: &str, secs: u64) -> Received {
    let end = events.wait_for(secs, "the end of the export job", |e| ends(e, id)).await;
    assert_eq!(end.kind(), "job.completed", "the job ends completed: {:#}", end.body);
    end
}

/// Distinct events (by `event_id`) of one kind for one job: delivery is at least once.
pub fn distinct<'a>(events: &'a Events, kind: &str, id: &str) -> Vec<&'a Received> {
    let mut seen = BTreeSet::new();
    events.of(kind, id).into_iter().filter(|e| seen.insert(e.body["event_id"].to_string())).collect()
}

/// Asserts the job completed exactly once (every `job.completed` copy carries one event id)
/// and published one `hours.exported`; returns (job.completed, hours.exported).
pub fn once(events: &Events, id: &str) -> (Received, Received) {
    let done = distinct(events, "job.completed", id);
    assert_eq!(done.len(), 1, "one job.completed (deduplicated by event_id): {done:#?}");
    let exported = distinct(events, "hours.exported", id);
    assert_eq!(exported.len(), 1, "one hours.exported (deduplicated by event_id): {exported:#?}");
    (done[0].clone(), exported[0].clone())
}

/// `job.completed` payload counter (0 when absent).
pub fn count(done: &Received, name: &str) -> i64 {
    done.body["payload"]["counts"][name].as_i64().unwrap_or(0)
}
