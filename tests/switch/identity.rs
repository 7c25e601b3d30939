//! Issue 10, the capture part: a team sync and an export record, per integration, the company
//! numbers, employee numbers and BSNs as keyed hashes (HMAC-SHA256 under an HKDF subkey of the
//! credentials key ring), never a plain BSN, neither in the tables nor in the worker's logs. The
//! real binary runs as a child process (its log captured at debug level) against the simulator
//! over HTTP, real RabbitMQ and PostgreSQL.

use std::collections::BTreeMap;

use crate::export::crash::harness::{Crew, USER, completed, export_job, message_id};
use crate::export::crash::model::{Export, worked};
use crate::support::*;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use nmbrs_worker::sim::{Simulator, demo};
use serde_json::json;
use sqlx::{PgPool, Row};

const JAN: i32 = 503293;
/// Jan's BSN as Nmbrs gives it in this test: 8 digits with separators (normalised 012345678).
const JAN_BSN_RAW: &str = "1234.5678";

/// HMAC-SHA256 of `digits` under the BSN subkey of the ring entry `k1:base64`, computed here
/// from the key itself (HKDF-SHA256, no salt, info `nmbrs-worker/bsn-hmac/v1`).
fn expected_hmac(keys_entry: &str, digits: &str) -> Vec<u8> {
    let (_, b64) = keys_entry.split_once(':').unwrap();
    let ring_key = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
    let mut subkey = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(None, &ring_key).expand(b"nmbrs-worker/bsn-hmac/v1", &mut subkey).unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&subkey).unwrap();
    mac.update(digits.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

type Employees = BTreeMap<i32, (i32, Option<i32>, Option<Vec<u8>>, Option<String>)>;

/// `employee id → (company, number, bsn_hmac, bsn_key_id)` of an integration.
async fn employees(pool: &PgPool, integration: &str) -> Employees {
    let rows = sqlx::query(
        "SELECT employee_id, company_id, employee_number, bsn_hmac, bsn_key_id FROM nmbrs_employee_identities
         WHERE integration_id = $1",
    )
    .bind(integration)
    .fetch_all(pool)
    .await
    .unwrap();
    rows.iter()
        .map(|r| {
            let value = (r.get("company_id"), r.get("employee_number"), r.get("bsn_hmac"), r.get("bsn_key_id"));
            (r.get::<i32, _>("employee_id"), value)
        })
        .collect()
}

async fn companies(pool: &PgPool, integration: &str) -> BTreeMap<i32, i32> {
    let rows = sqlx::query("SELECT company_id, company_number FROM nmbrs_company_identities WHERE integration_id = $1")
        .bind(integration)
        .fetch_all(pool)
        .await
        .unwrap();
    rows.iter().map(|r| (r.get("company_id"), r.get("company_number"))).collect()
}

/// Every row of both identity tables as text.
async fn table_text(pool: &PgPool) -> String {
    let sql =
        "SELECT t::text FROM nmbrs_employee_identities t UNION ALL SELECT c::text FROM nmbrs_company_identities c";
    let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(pool).await.unwrap();
    rows.join("\n")
}

#[tokio::test]
async fn a_team_sync_and_an_export_record_numbers_and_bsn_hashes_never_the_bsn() {
    let env = TestEnv::new();
    let sim = Simulator::start_demo().await.unwrap();
    sim.state().domain_mut(demo::DOMAIN).employees.get_mut(&JAN).unwrap().snapshot.bsn = Some(JAN_BSN_RAW.into());
    let people = sim.state().domain_mut(demo::DOMAIN).employees.clone();
    let mut events = env.events().await;
    let mut crew = Crew::new(&env, &sim);
    let worker = crew.start(&[("RUST_LOG", "debug")]);

    // A team sync of one integration.
    let sync = env.demo_job("SyncTeam", "env-sync", USER, json!({"trigger": "manual", "members": []}));
    env.publish(&sync).await;
    let id = message_id(&sync);
    let ends =
        |e: &Received| matches!(e.kind(), "job.completed" | "job.failed") && e.body["job"]["message_id"] == id.as_str();
    let end = events.wait_for(60, "the sync's end", ends).await;
    assert_eq!(end.kind(), "job.completed", "{:#}", end.body);
    assert_eq!(sim.calls().iter().filter(|c| c.operation == "List_GetAll").count(), 1, "one added call per sync");

    let pool = env.pool().await;
    assert_eq!(companies(&pool, "env-sync").await, BTreeMap::from([(demo::HORECA, 444445), (demo::CATERING, 444446)]));
    let synced = employees(&pool, "env-sync").await;
    assert_eq!(synced.len(), people.len(), "every employee of both linked companies");
    for (id, person) in &people {
        let bsn = person.snapshot.bsn.as_deref().unwrap();
        let digits: String = bsn.chars().filter(char::is_ascii_digit).collect();
        let want = expected_hmac(&env.env["NMBRS_CREDENTIALS_KEYS"], &format!("{digits:0>9}"));
        let got = &synced[id];
        assert_eq!(got.0, person.company_id, "{id}");
        assert_eq!(got.1, Some(person.snapshot.employee_number), "{id}");
        assert_eq!(got.2.as_deref(), Some(&want[..]), "{id}: HMAC of the normalised BSN under the ring's subkey");
        assert_eq!(got.3.as_deref(), Some("k1"), "{id}: the key id is recorded");
    }
    assert_eq!(
        synced[&JAN].2.as_deref(),
        Some(&expected_hmac(&env.env["NMBRS_CREDENTIALS_KEYS"], "012345678")[..]),
        "leading zero kept"
    );

    // An export of another integration that never synced: it reads only what it misses.
    let export = Export::new("exp-id", vec![worked("e1", JAN, 3, "7.50", 1, None)], &[]);
    let job = export_job(&env, USER, &export);
    env.publish(&job).await;
    completed(&mut events, &message_id(&job), 60).await;
    let calls_of = |op: &str| sim.calls().iter().filter(|c| c.operation == op).count();
    assert_eq!(calls_of("List_GetAll"), 2, "the export read the company numbers it missed");
    let personal = "PersonalInfoContractSalaryAddress_GetAll_AllEmployeesByCompany";
    assert_eq!(calls_of(personal), 3, "the sync's two companies, and the export's one");
    assert_eq!(companies(&pool, "env-export").await, companies(&pool, "env-sync").await);
    let exported = employees(&pool, "env-export").await;
    let horeca: Vec<i32> = people.iter().filter(|(_, p)| p.company_id == demo::HORECA).map(|(id, _)| *id).collect();
    assert_eq!(exported.keys().copied().collect::<Vec<_>>(), horeca, "the employees of the company it writes to");
    assert_eq!(exported[&JAN], synced[&JAN], "the same hash under the same key");

    // Known now: an identical re-export makes no added call.
    let again = Export::new("exp-id-2", vec![worked("e1", JAN, 3, "7.50", 1, None)], &[]);
    let job = export_job(&env, USER, &again);
    env.publish(&job).await;
    completed(&mut events, &message_id(&job), 60).await;
    assert_eq!((calls_of("List_GetAll"), calls_of(personal)), (2, 3), "nothing missing, nothing read");

    // The plain BSN is nowhere: not in the tables, not in the worker's log (debug level).
    let stored = table_text(&pool).await;
    crew.stop_all().await;
    let log = crew.proc(worker).log();
    assert!(log.contains("export planned"), "the log was captured");
    for person in people.values() {
        let raw = person.snapshot.bsn.as_deref().unwrap();
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        for form in [raw.to_owned(), digits.clone(), format!("{digits:0>9}")] {
            assert!(!stored.contains(&form), "a BSN in the identity tables");
            assert!(!log.contains(&form), "a BSN in the worker's log");
        }
    }
    pool.close().await;
}
