//! Field folder 13 (issue 23): REST numbers that went through float32 (`19.200003` for 19.2),
//! served as they are, and inputs of our own of the same kind: the same people one float32
//! step the other way, and the simulator's whole REST face sending every number through
//! float32 (contract and schedule hours, day hours, salaries, cost per hour, variable hours and
//! wage values). Every number is published as Nmbrs meant it, never as a float artefact, and a
//! read one step the other way publishes nothing.

use chrono::DateTime;
use nmbrs_worker::{
    clock::Clock,
    nmbrs::rest::RestOperation as Rest,
    sim::rest::{Numbers, RestSettings},
};
use rust_decimal::Decimal;
use serde_json::{Number, Value, json};

use super::rest_world::*;
use crate::support::*;

const F: &str = "13-rest-float32-noise";

/// 2026-11-24 in Amsterdam, the nightly sync's hour.
fn clock() -> Clock {
    Clock::fixed("2026-11-24T21:00:00Z".parse::<DateTime<chrono::Utc>>().unwrap())
}

/// Every text of `v` that is a number with a decimal point has at most 2 places: no float
/// artefact (`"19.200003"`) anywhere.
fn assert_no_float_artefact(v: &Value) {
    match v {
        Value::String(s) if s.contains('.') => {
            if let Ok(d) = s.parse::<Decimal>() {
                assert!(d.normalize().scale() <= 2, "a float artefact is published: {s:?}");
            }
        }
        Value::Array(items) => items.iter().for_each(assert_no_float_artefact),
        Value::Object(map) => map.values().for_each(assert_no_float_artefact),
        _ => {}
    }
}

/// `page` with every number that means a two-place decimal (within 1e-4 of one) moved to the
/// other side of that decimal's float32, one step (`19.200003`, one step above 19.2's float32,
/// becomes `19.199999`; a float32 that is exact moves one step up). Same meanings, other bits.
fn mirrored(page: &str) -> String {
    fn mirror(v: &mut Value) {
        match v {
            Value::Number(n) if n.is_f64() => {
                let x = n.as_f64().unwrap();
                let meant = (x * 100.0).round() / 100.0;
                if (x - meant).abs() > 1e-4 || meant == 0.0 {
                    return;
                }
                let (m, read) = ((meant as f32).to_bits(), (x as f32).to_bits());
                let step: i32 = if read == m {
                    1
                } else if read > m {
                    -1
                } else {
                    1
                };
                let other = f32::from_bits(m.wrapping_add_signed(step));
                *n = Number::from_f64(format!("{other:.7e}").parse().unwrap()).unwrap();
            }
            Value::Array(items) => items.iter_mut().for_each(mirror),
            Value::Object(map) => map.values_mut().for_each(mirror),
            _ => {}
        }
    }
    let mut v: Value = serde_json::from_str(page).unwrap();
    mirror(&mut v);
    v.to_string()
}

fn serve_folder(app: &TestApp, transform: fn(&str) -> String) {
    for (op, path) in [
        (Rest::Contracts, "companies_employees_contracts"),
        (Rest::Salaries, "companies_employees_salaries"),
        (Rest::Schedules, "companies_employees_schedules"),
    ] {
        serve(app, op, vec![transform(&page(F, path))]);
    }
}

#[tokio::test]
async fn field_13_rest_numbers_are_published_as_nmbrs_meant_them() {
    let people = vec![
        (1, vec![employment("2025-09-01", None)]),
        (2, vec![employment("2024-02-01", None)]),
        (3, vec![employment("2026-01-01", Some("2026-12-31"))]),
    ];
    let mut app = world(people, clock()).await;
    serve_folder(&app, str::to_owned);
    let first = sync(&mut app, "env-f13", false, json!([])).await;
    assert_eq!(first.completed["status"], "succeeded", "{:#}", first.completed);
    assert_eq!(first.completed["counts"]["imported"], 3, "{:#}", first.completed);

    let one = first.of(1);
    assert_eq!(
        one["contracts"],
        json!([{"start_date": "2025-09-01", "end_date": null, "hours_per_week": "19.2", "contract_type": null}])
    );
    assert_eq!(one["salaries"], json!([{"start_date": "2025-09-01", "type": "Bruto_Uurloon", "value": "12.97"}]));
    assert_eq!(one["hourly_wage"], "12.97");
    assert_eq!(
        one["schedule"],
        json!({"start_date": "2025-09-01", "hours_per_week": "19.2", "days": ["6.4", "6.4", "0", "6.4", "0", "0", "0"]})
    );
    let two = first.of(2);
    assert_eq!(two["contracts"][0]["hours_per_week"], "32");
    assert_eq!(
        two["salaries"],
        json!([{"start_date": "2024-02-01", "type": "Bruto_Salaris_Partime", "value": "2210.4"}])
    );
    assert_eq!(two["schedule"]["hours_per_week"], "32");
    let three = first.of(3);
    assert_eq!(
        three["contracts"],
        json!([{"start_date": "2026-01-01", "end_date": "2026-12-31", "hours_per_week": "27.7", "contract_type": null}])
    );
    assert_eq!((&three["salaries"][0]["value"], &three["hourly_wage"]), (&json!("15.31"), &json!("15.31")));
    assert_eq!(
        three["schedule"],
        json!({"start_date": "2026-01-01", "hours_per_week": "27.75", "days": ["5.55", "5.55", "5.55", "5.55", "5.55", "0", "0"]})
    );
    first.events.iter().for_each(assert_no_float_artefact);

    // Own input: the same people read again, every number one float32 step the other way.
    let contracts = page(F, "companies_employees_contracts");
    assert!(mirrored(&contracts).contains("19.199999") && contracts.contains("19.200003"), "the bits differ");
    app.sim.state().rest.faults = Default::default();
    serve_folder(&app, mirrored);
    let again = sync(&mut app, "env-f13", false, json!([])).await;
    assert_eq!(again.completed["counts"]["unchanged"], 3, "{:#}", again.completed);
    assert!(again.upserted.is_empty(), "nothing changed in Nmbrs: {:#?}", again.upserted);
    assert!(app.sim.calls().iter().any(|c| c.operation == Rest::Schedules.name() && c.outcome == "injected:canned"));
    app.stop().await;
}

/// A demo sync of both companies (REST ids), nobody on the roster yet.
async fn demo_sync(app: &mut TestApp, full: bool) -> Vec<Value> {
    let payload = json!({"trigger": "manual", "full": full, "members": []});
    let job = api_job(&app.env, Api::Rest, app.grant.as_ref(), "SyncTeam", "env-f32", payload);
    let (done, others) = run_job(&app.env, &mut app.events, &job).await;
    assert_eq!(done.body["payload"]["status"], "succeeded", "{:#}", done.body);
    assert_no_float_artefact(&done.body);
    let upserted: Vec<Value> =
        others.iter().filter(|e| e.kind() == "team_member.upserted").map(|e| e.body["payload"].clone()).collect();
    upserted.iter().for_each(assert_no_float_artefact);
    upserted
}

fn numbers(app: &TestApp, numbers: Numbers) {
    app.sim.set_rest_settings(RestSettings { numbers, ..Default::default() });
}

/// Own input, every field at once: the simulator's REST face sends every number of the demo
/// data through float32, one step up, then one step down.
#[tokio::test]
async fn a_rest_sync_through_float32_publishes_what_an_exact_one_does_and_a_step_either_way_nothing() {
    let mut app = Spawn::new().api(Api::Rest).handlers(|env, sim| team_handlers(env, sim, clock())).start().await;
    let exact = demo_sync(&mut app, false).await;
    assert_eq!(exact.len(), 7);
    let fractions = exact.iter().filter(|p| p["hourly_wage"].as_str().is_some_and(|w| w.contains('.'))).count();
    assert!(fractions > 0, "wages with cents to see noise on");

    for steps in [1, -1] {
        numbers(&app, Numbers::Float32 { steps });
        assert!(demo_sync(&mut app, false).await.is_empty(), "{steps} step(s) off: nothing changed in Nmbrs");
    }
    // Everything again, read one step down: the very records the exact read published.
    let noisy = demo_sync(&mut app, true).await;
    let key = |p: &Value| p["nmbrs_employee_id"].to_string();
    let mut exact = exact;
    let mut noisy = noisy;
    exact.sort_by_key(key);
    noisy.sort_by_key(key);
    assert_eq!(noisy, exact);
    app.stop().await;
}
