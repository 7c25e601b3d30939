//! `nmbrs-worker probe` (issue 21) against the simulator over real HTTP: it reports exactly the
//! mode the simulator plays, for every alternative of every question (`modes.rs`); it refuses a
//! company outside the demo pattern or the consent and an employee of another company before
//! any write, cleans up after a kill in the middle (the real binary, a failpoint, then a second
//! run), keeps secrets out of its records, and `--tokens` (`runs.rs`). Every request it sends
//! is checked against the OpenAPI file by the simulator: the only violation allowed is the one
//! request the probe sends off the file on purpose (question 3's nested wage period). Its calls
//! take their tickets from the call budget every worker process shares (`budget.rs`).

mod budget;
mod modes;
mod runs;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use nmbrs_worker::{
    cli::probe::{self, Options, ProbeReport, Secrets},
    config::Config,
    nmbrs::PayPeriod,
    sim::{
        SimState, Simulator, demo,
        rest::{GrantSpec, ids::IdKind, ids::rest_id},
    },
};
use secrecy::SecretString;
use serde_json::Value;

pub const CLIENT_ID: &str = "eitje-probe";
pub const CLIENT_SECRET: &str = "probe-client-secret-value";
pub const SUBSCRIPTION_KEY: &str = "probe-subscription-key-value";
/// The demo company renamed as a Nmbrs demo environment is named.
pub const DEMO_NAME: &str = "extdev-Eitje Horeca";
pub const JAN: i32 = 503293;
pub const CURRENT: PayPeriod = PayPeriod { year: 2026, period: 11 };
pub const NEXT: PayPeriod = PayPeriod { year: 2026, period: 12 };
pub const PREVIOUS: PayPeriod = PayPeriod { year: 2026, period: 10 };

/// A simulator with the demo data, the monthly company named as a demo environment, the probe's
/// app registered and a consent minted.
pub struct World {
    pub sim: Simulator,
    pub refresh_token: String,
    pub out: tempfile::TempDir,
    /// The test's own database, where the probe keeps the shared call budget's rows (never the
    /// default `nmbrs_worker` database, which other tests' probes would share).
    pub env: crate::support::TestEnv,
}

pub fn id(kind: IdKind, soap: i32) -> String {
    rest_id(demo::DOMAIN, kind, soap.into()).to_string()
}

impl World {
    pub async fn new() -> Self {
        let mut state: SimState = demo::state();
        let d = state.domains.get_mut(demo::DOMAIN).unwrap();
        d.companies.get_mut(&demo::HORECA).unwrap().company.name = Some(DEMO_NAME.into());
        let sim = Simulator::start_with(state).await.unwrap();
        sim.add_oauth_client(CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION_KEY);
        let minted = sim.mint_grant(GrantSpec {
            client_id: CLIENT_ID.into(),
            domain: demo::DOMAIN.into(),
            ..Default::default()
        });
        World {
            sim,
            refresh_token: minted.refresh_token,
            out: tempfile::tempdir().unwrap(),
            env: crate::support::TestEnv::new(),
        }
    }

    /// The worker's environment for the probe (REST app pointing at the simulator).
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("NMBRS_REST_BASE_URL", self.sim.base_url().to_owned()),
            ("NMBRS_OAUTH_TOKEN_URL", self.sim.token_url()),
            ("NMBRS_OAUTH_CLIENT_ID", CLIENT_ID.into()),
            ("NMBRS_OAUTH_CLIENT_SECRET", CLIENT_SECRET.into()),
            ("NMBRS_SUBSCRIPTION_KEY", SUBSCRIPTION_KEY.into()),
            ("NMBRS_BASE_URL", self.sim.base_url().to_owned()),
            ("DATABASE_URL", self.env.database_url.clone()),
        ]
    }

    pub fn config(&self) -> Config {
        let vars = self.vars();
        let map: HashMap<&str, &str> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Config::from_source(&map).unwrap()
    }

    /// Options for Jan in the demo company, records in this world's folder.
    pub fn options(&self) -> Options {
        Options {
            company: Some(id(IdKind::Company, demo::HORECA)),
            employee: Some(id(IdKind::Employee, JAN)),
            demo_pattern: probe::safety::DEFAULT_DEMO_PATTERN.into(),
            out: self.out.path().to_owned(),
            json: Some(self.out.path().join("findings.json")),
            soap_domain: None,
            tokens_only: false,
            consented_at: None,
            provoke_429: 0,
            refresh_token_out: Some(self.out.path().join("refresh-token")),
            hour_code: None,
            wage_code: None,
        }
    }

    /// The refresh token to give the next run: the newest one the last run kept.
    pub fn token(&self) -> String {
        std::fs::read_to_string(self.out.path().join("refresh-token"))
            .map_or(self.refresh_token.clone(), |t| t.trim().to_owned())
    }

    /// Runs the probe in this process; its report and printed text.
    pub async fn run(&self, opts: &Options, soap: bool) -> anyhow::Result<(ProbeReport, String)> {
        let secrets = Secrets {
            refresh_token: SecretString::from(self.token()),
            soap: soap.then(|| (demo::USERNAME.to_owned(), SecretString::from(demo::TOKEN))),
        };
        let mut printed = Vec::new();
        let report = probe::run(&self.config(), opts, secrets, &mut printed).await?;
        Ok((report, String::from_utf8(printed).unwrap()))
    }

    /// `--json`'s findings as id → answer.
    pub fn answers(&self) -> BTreeMap<String, Value> {
        let json: Value =
            serde_json::from_slice(&std::fs::read(self.out.path().join("findings.json")).unwrap()).unwrap();
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["id"].as_str().unwrap().to_owned(), f["answer"].clone()))
            .collect()
    }

    /// Every hour and wage line of Jan whose comment carries a probe marker, in any period.
    pub fn probe_lines(&self) -> Vec<String> {
        let s = self.sim.state();
        let d = &s.domains[demo::DOMAIN];
        let mut out = Vec::new();
        let marked =
            |id: i32| d.line_info.get(&id).and_then(|i| i.comment.clone()).is_some_and(|c| c.contains("[nmbrs-probe "));
        for ((e, y, p), lines) in &d.hour_components {
            out.extend(
                lines
                    .iter()
                    .filter(|l| *e == JAN && marked(l.id.soap().unwrap()))
                    .map(|l| format!("hours {y}-{p} {}", l.hours.0)),
            );
        }
        for ((e, y, p), lines) in &d.wage_components {
            out.extend(
                lines
                    .iter()
                    .filter(|l| *e == JAN && marked(l.id.soap().unwrap()))
                    .map(|l| format!("wage {y}-{p} {}", l.value.0)),
            );
        }
        out
    }

    /// Jan's hour and wage line count, days and days factor per period (the state to compare).
    pub fn jan_state(&self) -> BTreeMap<String, String> {
        let s = self.sim.state();
        let d = &s.domains[demo::DOMAIN];
        let mut out = BTreeMap::new();
        for p in [PREVIOUS, CURRENT, NEXT] {
            let key = (JAN, p.year, p.period);
            let hours: Vec<String> = d
                .hour_components
                .get(&key)
                .into_iter()
                .flatten()
                .map(|l| format!("{}:{}", l.hour_code, l.hours.0))
                .collect();
            let wages: Vec<String> = d
                .wage_components
                .get(&key)
                .into_iter()
                .flatten()
                .map(|l| format!("{}:{}", l.code, l.value.0))
                .collect();
            let days = format!("{:?}/{:?}", d.days.get(&key).filter(|v| **v != 0), d.days_factor.get(&key));
            out.insert(p.to_string(), format!("hours {hours:?} wages {wages:?} days {days}"));
        }
        out
    }

    /// The requests that broke the OpenAPI file must be exactly the probe's deliberate one
    /// (question 3's nested wage period), and the simulator's responses none.
    pub fn assert_only_the_deliberate_violation(&self) {
        assert!(self.sim.state().rest.openapi.is_some(), "NMBRS_SIM_OPENAPI names the OpenAPI file");
        let violations = self.sim.rest_violations();
        let off_file: Vec<&String> = violations
            .iter()
            .filter(|v| !v.starts_with("POST /api/employees/{employeeId}/variablewagecomponent: body/periodDetails"))
            .collect();
        assert!(off_file.is_empty(), "requests broke the OpenAPI file: {off_file:#?}");
        assert!(!violations.is_empty(), "question 3 sends the nested wage period, which the file does not describe");
        assert_eq!(self.sim.rest_response_violations(), Vec::<String>::new());
        let recorded = records(self.out.path()).iter().filter(|r| r.get("off_spec").is_some()).count();
        assert_eq!(recorded, 1, "the probe records the one request it sends off the file");
    }
}

/// Every exchange the runs in `out` recorded.
pub fn records(out: &Path) -> Vec<Value> {
    files(out)
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "requests.jsonl"))
        .flat_map(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect::<Vec<Value>>()
        })
        .collect()
}

/// Every file under `dir`.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() { out.extend(files(&path)) } else { out.push(path) }
    }
    out
}
