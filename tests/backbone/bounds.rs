//! Issue 19 item 2, CONTRACT §2.2 "Bounds": every id is 1–200 *bytes* of printable characters
//! and every list has a documented maximum. At each bound a job runs; one past it, the job is
//! rejected (`job.rejected` `schema_violation`, naming where and which bound) and parked, and
//! the worker goes on with the next job. Real RabbitMQ and PostgreSQL, the production pipeline
//! with the scripted test handler.

use serde_json::{Value, json};

use crate::support::*;

/// 200 bytes in 100 characters: within any character bound, exactly at the byte bound.
fn at_bound() -> String {
    "é".repeat(100)
}

/// 201 bytes in 101 characters: passes the schema's `maxLength` 200, breaks the byte bound.
fn past_bound() -> String {
    "é".repeat(100) + "x"
}

fn export_payload(entry: Value) -> Value {
    json!({"export_id": "exp-1", "period": {"year": 2026, "number": 11}, "entries": [entry]})
}

fn entry() -> Value {
    json!({"entry_id": "shift-1", "eitje_user_id": "u-1", "nmbrs_employee_id": 503293, "eitje_venue_id": "v-1",
           "date": "2026-11-03", "kind": "worked", "hours": "7.50", "approved": true, "contract_type": "zero_hours",
           "allowances": [{"type": "travel", "amount": "1"}]})
}

/// A job with one id set to `id`, at the place `case` names.
fn job_with(env: &TestEnv, case: &str, id: &str) -> Value {
    // One integration per case: the id at the bound of `message_id` is the idempotency key of
    // the `idempotency_key` case too, and one key within one integration is one job.
    let own = format!("env-{}", case.replace(' ', "-"));
    let integration = if case == "integration.id" { id } else { own.as_str() };
    let mut job = match case {
        "export_id" | "entry_id" | "eitje_venue_id" | "entry eitje_user_id" | "allowance type" => {
            let mut e = entry();
            match case {
                "entry_id" => e["entry_id"] = json!(id),
                "eitje_venue_id" => e["eitje_venue_id"] = json!(id),
                "entry eitje_user_id" => e["eitje_user_id"] = json!(id),
                "allowance type" => e["allowances"][0]["type"] = json!(id),
                _ => {}
            }
            let mut payload = export_payload(e);
            if case == "export_id" {
                payload["export_id"] = json!(id);
            }
            env.job("ExportHours", integration, payload)
        }
        _ => env.job("SyncTeam", integration, sync_payload(json!("ok"))),
    };
    match case {
        "message_id" => job["message_id"] = json!(id),
        "idempotency_key" => job["idempotency_key"] = json!(id),
        "member eitje_user_id" => {
            job["payload"]["members"].as_array_mut().unwrap().push(json!({"eitje_user_id": id, "active": true}))
        }
        "requested_by.id" => job["requested_by"]["id"] = json!(id),
        "nmbrs.domain" => job["integration"]["nmbrs"]["domain"] = json!(id),
        "eitje_venue_id" => job["integration"]["venues"][0]["eitje_venue_id"] = json!(id),
        _ => {}
    }
    job
}

const CASES: [&str; 11] = [
    "message_id",
    "idempotency_key",
    "integration.id",
    "requested_by.id",
    "nmbrs.domain",
    "member eitje_user_id",
    "export_id",
    "entry_id",
    "eitje_venue_id",
    "entry eitje_user_id",
    "allowance type",
];

#[tokio::test]
async fn an_id_at_200_bytes_runs_and_one_byte_past_or_a_control_character_is_rejected_and_parked() {
    let env = TestEnv::new();
    let mut events = env.events().await;
    let worker = env.start_worker(Scripted::default().handlers()).await;
    let mut jobs = Vec::new();
    for case in CASES {
        for (bound, id) in
            [("at", at_bound()), ("past", past_bound()), ("nul", "a\0b".into()), ("esc", "a\u{1b}[31m".into())]
        {
            let job = job_with(&env, case, &id);
            let body = serde_json::to_vec(&job).unwrap();
            env.publish_raw(&body, if job["type"] == "SyncTeam" { "sync_team" } else { "export_hours" }).await;
            jobs.push((case, bound, job));
        }
    }
    let mut parked_without_event = 0;
    for (case, bound, job) in &jobs {
        let id = job["message_id"].as_str().unwrap();
        if *bound != "at" && *case == "message_id" {
            // No readable id to name the job by: parked only (schemas/README "What the worker
            // does with a job that violates its schema").
            parked_without_event += 1;
            continue;
        }
        let result = events
            .wait_for(30, &format!("{case} {bound}"), |e| {
                matches!(e.kind(), "job.completed" | "job.rejected") && e.body["job"]["message_id"] == id
            })
            .await;
        if *bound == "at" {
            assert_eq!(result.kind(), "job.completed", "{case} at 200 bytes runs: {:#}", result.body);
            continue;
        }
        assert_eq!(result.kind(), "job.rejected", "{case} {bound}: {:#}", result.body);
        let error = &result.body["payload"]["error"];
        assert_eq!(error["code"], "schema_violation", "{case} {bound}: {error:#}");
        let message = error["message"].as_str().unwrap();
        let named = match *bound {
            "past" => message.contains("201 bytes; an id is 1–200 bytes"),
            // The schema's pattern (or the `anyOf` of a nullable id around it).
            _ => message.contains("does not match") || message.contains("'anyOf'"),
        };
        assert!(named, "{case} {bound} names the bound: {message}");
        assert!(!message.contains("éé"), "{case} {bound}: never the value: {message}");
    }
    let parked = env.drain_dead().await;
    assert_eq!(parked.len(), CASES.len() * 3, "every refused job is parked");
    assert!(parked.iter().all(|p| p.code.as_deref() == Some("schema_violation")));
    let past_id = parked.iter().find(|p| p.message_id.as_deref() == Some(past_bound().as_str())).expect("parked");
    assert!(past_id.error.as_deref().unwrap().contains("message_id does not fit its type: out of bounds: 201 bytes"));
    assert_eq!(parked_without_event, 3);

    // The worker goes on.
    let next = env.job("SyncTeam", "env-after", sync_payload(json!("ok")));
    let id = next["message_id"].as_str().unwrap().to_string();
    env.publish(&next).await;
    events.wait_for(20, "the next job", |e| e.kind() == "job.completed" && e.body["job"]["message_id"] == id).await;
    worker.stop().await;
}

/// Each list at its maximum runs; one more item rejects the job, naming the list.
#[tokio::test]
async fn a_list_at_its_maximum_runs_and_one_item_more_is_rejected_and_parked() {
    let mut env = TestEnv::new();
    env.set("NMBRS_WORKER_MAX_MESSAGE_BYTES", "16777216");
    let mut events = env.events().await;
    let worker = env.start_worker(Scripted::default().handlers()).await;
    type Grow = fn(&mut Value, usize);
    let lists: [(&str, usize, &str, Grow); 6] = [
        ("members", 20_000, "/payload/members", |j, n| {
            let script = j["payload"]["members"][0].clone();
            let more = (1..n).map(|i| json!({"eitje_user_id": format!("u-{i}"), "active": true}));
            j["payload"]["members"] = Value::Array(std::iter::once(script).chain(more).collect());
        }),
        ("venues", 500, "/integration/venues", |j, n| {
            let v = (0..n).map(|i| json!({"eitje_venue_id": format!("v-{i}"), "nmbrs_company_id": 54613})).collect();
            j["integration"]["venues"] = Value::Array(v);
        }),
        ("wage code allowances", 200, "/integration/settings/wage_codes/allowances", |j, n| {
            let map: serde_json::Map<String, Value> = (0..n).map(|i| (format!("t-{i}"), json!(410))).collect();
            j["integration"]["settings"]["wage_codes"] = json!({"allowances": map});
        }),
        ("allowances", 20, "/payload/entries/0/allowances", |j, n| {
            let a = (0..n).map(|i| json!({"type": format!("t-{i}"), "amount": "1"})).collect();
            j["payload"]["entries"][0]["allowances"] = Value::Array(a);
        }),
        ("withdrawn_entry_ids", 50_000, "/payload/withdrawn_entry_ids", |j, n| {
            j["payload"]["withdrawn_entry_ids"] = (0..n).map(|i| json!(format!("w-{i}"))).collect();
        }),
        ("entries", 50_000, "/payload/entries", |j, n| {
            let e = j["payload"]["entries"][0].clone();
            j["payload"]["entries"] = (0..n).map(|i| with_id(&e, i)).collect();
        }),
    ];
    let mut jobs = Vec::new();
    for (name, max, path, grow) in lists {
        for n in [max, max + 1] {
            let mut job = match name {
                "members" | "venues" => env.job("SyncTeam", "env-lists", sync_payload(json!("ok"))),
                _ => env.job("ExportHours", "env-lists", export_payload(entry())),
            };
            grow(&mut job, n);
            let key = if job["type"] == "SyncTeam" { "sync_team" } else { "export_hours" };
            env.publish_raw(&serde_json::to_vec(&job).unwrap(), key).await;
            jobs.push((name, n > max, path, job["message_id"].as_str().unwrap().to_string()));
        }
    }
    for (name, past, path, id) in &jobs {
        let result = events
            .wait_for(120, name, |e| {
                matches!(e.kind(), "job.completed" | "job.rejected") && e.body["job"]["message_id"] == id.as_str()
            })
            .await;
        let kind = if *past { "job.rejected" } else { "job.completed" };
        assert_eq!(result.kind(), kind, "{name} past: {past}: {:#}", result.body["payload"]);
        if *past {
            let message = result.body["payload"]["error"]["message"].as_str().unwrap();
            assert!(message.contains(path), "{name}: names the list: {message}");
        }
    }
    let parked = env.drain_dead().await;
    assert_eq!(parked.len(), 6);
    worker.stop().await;
}

fn with_id(entry: &Value, i: usize) -> Value {
    let mut e = entry.clone();
    e["entry_id"] = json!(format!("s-{i}"));
    e
}
