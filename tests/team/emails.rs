//! Issue 19 item 10: e-mail matching folds ASCII case only, so an address written with a
//! Unicode look-alike (U+212A KELVIN SIGN for `k`) cannot claim another person's record.

use crate::support::*;
use nmbrs_worker::{clock::Clock, sim::demo};
use serde_json::json;

#[tokio::test]
async fn a_kelvin_sign_address_does_not_match_the_employee_with_k() {
    let mut app = Spawn::new()
        .handlers(|env, sim| team_handlers(env, sim, Clock::fixed("2026-11-24T21:00:00Z".parse().unwrap())))
        .start()
        .await;
    let TestApp { env, sim, events, .. } = &mut app;
    sim.state().domains.get_mut(demo::DOMAIN).unwrap().employees.get_mut(&503300).unwrap().snapshot.email_work =
        Some("kim@catering.example".into());
    let members = json!([
        {"eitje_user_id": "u-impostor", "email": "\u{212A}IM@catering.example", "active": true},
        {"eitje_user_id": "u-kim", "email": "Kim@Catering.Example", "active": true}
    ]);
    let job = env.demo_job(
        "SyncTeam",
        "env-kelvin",
        (demo::USERNAME, demo::TOKEN),
        json!({"trigger": "manual", "full": false, "members": members}),
    );
    let (done, published) = run_job(env, events, &job).await;
    assert_eq!(done.body["payload"]["status"], "succeeded", "{}", done.body);
    assert_eq!(done.body["payload"]["counts"]["ambiguous"], 0, "{}", done.body);
    let kim = published
        .iter()
        .find(|e| e.kind() == "team_member.upserted" && e.body["payload"]["nmbrs_employee_id"] == 503300)
        .expect("503300 is published");
    assert_eq!(kim.body["payload"]["eitje_user_id"], "u-kim");
    assert_eq!(kim.body["payload"]["matched_by"], "email");
    assert!(
        published.iter().all(|e| e.kind() != "notification" || e.body["payload"]["code"] != "sync.duplicate_member")
    );
    assert!(
        !published.iter().any(|e| e.body["payload"]["eitje_user_id"] == "u-impostor"),
        "the impostor claims nothing"
    );
    app.stop().await;
}
