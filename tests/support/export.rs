//! Shared setup of the ExportHours end-to-end tests (`export/`, `field/`): on a [`TestApp`]
//! (the production handlers in-process against a fresh Nmbrs simulator over HTTP, real
//! RabbitMQ and PostgreSQL), entry builders, export runs, and readers for what one export
//! published.
//!
//! Demo data used: HORECA 54613 (monthly, current period 2026-11) with Jan 503293, Anton
//! 503294 and Fatima 503295; CATERING 54614 (4-weekly, current period 2026-12) with Emma
//! 503301. Hour codes 1, 20, 30 (model 2: 40), wage codes 400, 410, 420 (model 2: 430).

use nmbrs_worker::{
    nmbrs::{
        Amount, ClientConfig, EmployeeId, EmployeeService, HourCode, Hours, NewHourComponent, NewWageComponent,
        NmbrsError, NmbrsTransport, PayPeriod, SoapClient, SoapCredentials, WageCode,
    },
    sim::{Simulator, demo},
};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::support::*;

pub const FULL: (&str, &str) = (demo::USERNAME, demo::TOKEN);
/// Lacks the read-back rights `HourComponentVar_Get` and `DaysVar_Get` (not `WageComponentVar_Get`).
pub const LIMITED: (&str, &str) = (demo::LIMITED_USERNAME, demo::LIMITED_TOKEN);
pub const INTEGRATION: &str = "env-export";

pub const JAN: i32 = 503293;
pub const ANTON: i32 = 503294;
pub const FATIMA: i32 = 503295;
pub const EMMA: i32 = 503301;
pub const NOVEMBER: (i32, u8) = (2026, 11);

pub fn d(s: &str) -> Decimal {
    s.parse().expect("a decimal literal")
}

/// The code mapping of these tests. Sick hours book on 40 (second hour model) and the bonus on
/// 430 (second wage model), so both models count as known.
pub fn settings() -> Value {
    json!({"hour_codes": {"worked": 1, "leave": 20, "sick": 40},
           "wage_codes": {"meals": 400, "allowances": {"travel": 410, "bonus": 430}}})
}

fn entry(id: &str, employee: i32, date: &str, kind: &str, hours: &str) -> Value {
    json!({"entry_id": id, "eitje_user_id": format!("u-{employee}"), "nmbrs_employee_id": employee,
           "eitje_venue_id": "v-horeca", "date": date, "kind": kind, "hours": hours, "approved": true,
           "contract_type": "zero_hours"})
}

/// An approved shift at the HORECA venue on a zero-hours contract.
pub fn worked(id: &str, employee: i32, date: &str, hours: &str) -> Value {
    entry(id, employee, date, "worked", hours)
}

pub fn leave(id: &str, employee: i32, date: &str, hours: &str) -> Value {
    entry(id, employee, date, "leave", hours)
}

pub fn sick(id: &str, employee: i32, date: &str, hours: &str) -> Value {
    entry(id, employee, date, "sick", hours)
}

/// `value` with the fields of `fields` set (a shallow merge).
pub fn with(mut value: Value, fields: Value) -> Value {
    for (k, v) in fields.as_object().expect("an object of fields") {
        value[k] = v.clone();
    }
    value
}

/// The export side of a [`TestApp`]: jobs, runs and what Nmbrs holds.
impl TestApp {
    /// An ExportHours job of [`INTEGRATION`] with [`settings`], sealed for `user`.
    /// On REST (see [`Spawn::api`]) the job carries the test's consent instead of `user`.
    pub fn job(&self, user: (&str, &str), payload: Value) -> Value {
        let mut job = match self.api {
            Api::Soap => self.env.demo_job("ExportHours", INTEGRATION, user, payload),
            Api::Rest => api_job(&self.env, Api::Rest, self.grant.as_ref(), "ExportHours", INTEGRATION, payload),
        };
        job["integration"]["settings"] = settings();
        job
    }

    /// Publishes an export and waits for its result.
    pub async fn export(&mut self, user: (&str, &str), payload: Value) -> ExportOutcome {
        let job = self.job(user, payload);
        self.run(&job, 60).await
    }

    /// Publishes `job`, waits up to `secs` for its `job.completed`, then collects its other events.
    pub async fn run(&mut self, job: &Value, secs: u64) -> ExportOutcome {
        let before = self.sim.write_calls();
        self.env.publish(job).await;
        let id = job["message_id"].as_str().expect("a message id").to_string();
        let of = |kind: &'static str| {
            let id = id.clone();
            move |e: &Received| e.kind() == kind && e.body["job"]["message_id"] == id.as_str()
        };
        let (done, failed) = (of("job.completed"), of("job.failed"));
        let completed = self.events.wait_for(secs, "job result", |e| done(e) || failed(e)).await;
        assert_eq!(completed.kind(), "job.completed", "{:#}", completed.body);
        let exported = self.events.wait_for(10, "hours.exported", of("hours.exported")).await;
        self.events.collect_for(300).await;
        assert_eq!(self.events.of("job.completed", &id).len(), 1, "one job.completed per export");
        assert_eq!(self.events.of("hours.exported", &id).len(), 1, "one hours.exported per export");
        let notifications = self.events.of("notification", &id).iter().map(|e| e.body["payload"].clone()).collect();
        ExportOutcome {
            completed: completed.body["payload"].clone(),
            exported: exported.body["payload"].clone(),
            notifications,
            write_calls: self.sim.write_calls() - before,
            soap_ids: match self.api {
                Api::Soap => Default::default(),
                Api::Rest => soap_ids_of(&self.sim),
            },
        }
    }

    /// What Nmbrs holds for `employee` in `period`.
    pub fn nmbrs(&self, employee: i32, period: (i32, u8)) -> NmbrsPeriod {
        nmbrs_period(&self.sim, employee, period)
    }

    /// Calls of `operation` the simulator answered so far (whatever the outcome).
    pub fn calls_of(&self, operation: &str) -> usize {
        self.sim.calls().iter().filter(|c| c.operation == operation).count()
    }

    /// A Nmbrs client of the demo domain, as a person or another tool would use it.
    pub fn nmbrs_client(&self, user: (&str, &str)) -> SoapClient {
        let transport =
            NmbrsTransport::new(ClientConfig { base_url: self.sim.base_url().to_string(), ..Default::default() })
                .expect("transport");
        transport.client(SoapCredentials::new(user.0, user.1, demo::DOMAIN), 1)
    }

    /// Adds an hour component "by hand" (not through the worker); returns its id.
    pub async fn hand_made_hours(&self, employee: i32, period: (i32, u8), code: i32, hours: &str) -> i32 {
        let line = NewHourComponent {
            hour_code: HourCode(code),
            hours: Hours(d(hours)),
            cost_center_id: None,
            cost_unit_id: None,
            comment: Some("correction by the accountant".into()),
        };
        let p = PayPeriod::new(period.0, period.1);
        self.nmbrs_client(FULL)
            .hour_component_var_insert(EmployeeId::int(employee), &line, p.protected())
            .await
            .unwrap()
            .soap()
            .unwrap()
    }

    /// Adds a wage component "by hand"; returns its id.
    pub async fn hand_made_wage(&self, employee: i32, period: (i32, u8), code: i32, value: &str) -> i32 {
        let line = NewWageComponent {
            code: WageCode(code),
            value: Amount(d(value)),
            cost_center_id: None,
            cost_unit_id: None,
            comment: None,
        };
        let p = PayPeriod::new(period.0, period.1);
        self.nmbrs_client(FULL)
            .wage_component_var_insert(EmployeeId::int(employee), &line, p.protected())
            .await
            .unwrap()
            .soap()
            .unwrap()
    }

    /// A protected hour insert straight to Nmbrs (no `UnprotectedMode`).
    pub async fn protected_insert(&self, employee: i32, period: (i32, u8)) -> Result<i32, NmbrsError> {
        let line = NewHourComponent {
            hour_code: HourCode(1),
            hours: Hours(d("1")),
            cost_center_id: None,
            cost_unit_id: None,
            comment: None,
        };
        let p = PayPeriod::new(period.0, period.1);
        self.nmbrs_client(FULL)
            .hour_component_var_insert(EmployeeId::int(employee), &line, p.protected())
            .await
            .map(|id| id.soap().unwrap())
    }
}

/// One bucket of `hours.exported`, in a comparable form.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Row {
    pub employee: i32,
    pub component: String,
    pub code: Option<i32>,
    pub value: Decimal,
    pub action: String,
}

/// An expected bucket row.
pub fn row(employee: i32, component: &str, code: Option<i32>, value: &str, action: &str) -> Row {
    Row { employee, component: component.into(), code, value: d(value), action: action.into() }
}

/// What one export published.
#[derive(Debug)]
pub struct ExportOutcome {
    /// `job.completed` payload.
    pub completed: Value,
    /// `hours.exported` payload.
    pub exported: Value,
    /// `notification` payloads of the job.
    pub notifications: Vec<Value>,
    /// Write calls the simulator received while the job ran.
    pub write_calls: usize,
    /// REST id text → SOAP id of the simulator's entities: readers report SOAP ids whatever
    /// the API, so one test body asserts both.
    pub soap_ids: std::collections::HashMap<String, i32>,
}

impl ExportOutcome {
    pub fn status(&self) -> &str {
        self.completed["status"].as_str().expect("a status")
    }

    /// A `job.completed` count; panics when it is missing.
    pub fn count(&self, name: &str) -> u64 {
        let counts = &self.completed["counts"];
        counts[name].as_u64().unwrap_or_else(|| panic!("no count {name:?} in {counts}"))
    }

    /// `hours.exported` buckets, sorted by employee, component and code.
    pub fn rows(&self) -> Vec<Row> {
        let mut rows: Vec<Row> = self.buckets().iter().map(|b| self.row_of(b)).collect();
        rows.sort();
        rows
    }

    /// The SOAP id of an id in an event: the number itself, or the REST id's SOAP twin.
    pub fn soap_id(&self, id: &Value) -> Option<i32> {
        match id {
            Value::String(text) => self.soap_ids.get(text).copied(),
            other => other.as_i64().map(|i| i as i32),
        }
    }

    fn row_of(&self, b: &Value) -> Row {
        Row {
            employee: self.soap_id(&b["nmbrs_employee_id"]).expect("a known employee"),
            component: b["component"].as_str().unwrap().into(),
            code: b["code"].as_i64().map(|c| c as i32),
            value: d(b["value"].as_str().unwrap()),
            action: b["action"].as_str().unwrap().into(),
        }
    }

    pub fn buckets(&self) -> &Vec<Value> {
        self.exported["buckets"].as_array().expect("buckets")
    }

    /// The bucket of `employee` / `component` / `code`.
    pub fn bucket(&self, employee: i32, component: &str, code: Option<i32>) -> &Value {
        let found: Vec<&Value> = self
            .buckets()
            .iter()
            .filter(|b| {
                self.soap_id(&b["nmbrs_employee_id"]) == Some(employee)
                    && b["component"] == component
                    && b["code"] == json!(code)
            })
            .collect();
        assert_eq!(found.len(), 1, "one bucket {employee}/{component}/{code:?} in {:#}", self.exported);
        found[0]
    }

    /// The component id the worker reports owning for a bucket.
    pub fn component_id(&self, employee: i32, component: &str, code: i32) -> Option<i32> {
        self.soap_id(&self.bucket(employee, component, Some(code))["nmbrs_component_id"])
    }

    /// `(entry_id, component, reason)` of every skipped item, sorted.
    pub fn skipped(&self) -> Vec<(String, Option<String>, String)> {
        let items = self.exported["skipped"].as_array().expect("skipped");
        let mut out: Vec<_> = items
            .iter()
            .map(|s| {
                (
                    s["entry_id"].as_str().unwrap().to_string(),
                    s["component"].as_str().map(str::to_string),
                    s["reason"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        out.sort();
        out
    }

    /// `exported`, in the order published.
    pub fn exported_ids(&self) -> Vec<String> {
        serde_json::from_value(self.exported["exported"].clone()).expect("exported ids")
    }

    /// Notification codes, sorted.
    pub fn notification_codes(&self) -> Vec<String> {
        let mut codes: Vec<String> =
            self.notifications.iter().map(|n| n["code"].as_str().unwrap().to_string()).collect();
        codes.sort();
        codes
    }

    /// The one notification with `code` (panics unless there is exactly one).
    pub fn notification(&self, code: &str) -> &Value {
        let found: Vec<&Value> = self.notifications.iter().filter(|n| n["code"] == code).collect();
        assert_eq!(found.len(), 1, "one {code} notification in {:#?}", self.notifications);
        found[0]
    }

    /// Every hour/wage bucket with a component id names a component of that code and value in
    /// Nmbrs, and every days bucket equals the days in Nmbrs. Returns the ids reported.
    pub fn assert_matches_nmbrs(&self, sim: &Simulator) -> Vec<i32> {
        let period = (
            self.exported["period"]["year"].as_i64().unwrap() as i32,
            self.exported["period"]["number"].as_u64().unwrap() as u8,
        );
        let mut ids = Vec::new();
        for b in self.buckets() {
            let r = self.row_of(b);
            let held = nmbrs_period(sim, r.employee, period);
            match (r.component.as_str(), self.soap_id(&b["nmbrs_component_id"])) {
                ("days", _) => assert_eq!(held.days.map(Decimal::from), Some(r.value), "days of {b}"),
                (kind, Some(id)) => {
                    let lines = if kind == "hours" { &held.hours } else { &held.wages };
                    let line = lines.iter().find(|l| l.id == id);
                    let line = line.unwrap_or_else(|| panic!("component {id} of {b} is not in Nmbrs: {held:?}"));
                    assert_eq!((Some(line.code), line.value), (r.code, r.value), "component {id} of {b}");
                    ids.push(id);
                }
                (_, None) => {}
            }
        }
        ids
    }
}
