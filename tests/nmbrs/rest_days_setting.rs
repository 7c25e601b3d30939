//! `NMBRS_REST_DAYS_POST` (issue 21): with the probe's answer as configuration the REST edge
//! skips the days read-back (`replace`: one POST, no read; `add`: one read, one POST) and still
//! ends exact, against the simulator playing that behaviour over real HTTP; a lost reply is
//! POSTed again (`replace`) or read back first (`add`); a downward correction under `add` is
//! refused when Nmbrs refuses negative days and exact when it accepts them.

use std::collections::BTreeMap;

use super::rest_client::World;
use nmbrs_worker::nmbrs::*;
use nmbrs_worker::sim::{
    demo,
    rest::{DaysPost, NegativeDays, RestInjected, RestSettings, ids::IdKind, ids::rest_id},
};

const DOMAIN: &str = demo::DOMAIN;
const JAN: i32 = 503293;
const POST: &str = "POST /api/employees/{employeeId}/variabledays";
const GET: &str = "GET /api/employees/{employeeId}/variabledays";

fn jan() -> EmployeeId {
    EmployeeId(NmbrsId::Uuid(rest_id(DOMAIN, IdKind::Employee, JAN.into())))
}

fn days_calls(w: &World) -> BTreeMap<&'static str, usize> {
    let calls = w.sim.calls();
    [POST, GET].into_iter().map(|op| (op, calls.iter().filter(|c| c.operation == op).count())).collect()
}

async fn world(setting: &str, sim: RestSettings) -> World {
    let w = World::with_rest_vars(demo::state(), &[("NMBRS_REST_DAYS_POST", setting)]).await;
    w.sim.set_rest_settings(sim);
    w
}

fn seed_days(w: &World, period: PayPeriod, days: i32) {
    if days != 0 {
        w.sim.state().domains.get_mut(DOMAIN).unwrap().days.insert((JAN, period.year, period.period), days);
    }
}

#[tokio::test]
async fn replace_posts_the_number_once_and_reads_nothing() {
    let w = world("replace", RestSettings { days_post: DaysPost::Replace, ..Default::default() }).await;
    let api: &dyn NmbrsApi = &w.client;
    for (i, (start, wanted)) in [(0, 5), (3, 8), (8, 3), (6, 0)].into_iter().enumerate() {
        let period = PayPeriod::new(2026, 11 - i as u8);
        seed_days(&w, period, start);
        let before = days_calls(&w);
        let sent = api.days_var_set(jan(), wanted, period.unprotected()).await.unwrap();
        let after = days_calls(&w);
        assert_eq!(sent, 1, "{start} → {wanted}");
        assert_eq!((after[POST] - before[POST], after[GET] - before[GET]), (1, 0), "{start} → {wanted}: no read");
        assert_eq!(w.sim.days(DOMAIN, JAN, period), Some(wanted), "{start} → {wanted}");
    }
    w.assert_valid_traffic();
}

#[tokio::test]
async fn add_reads_once_and_posts_the_difference() {
    let sim = RestSettings { days_post: DaysPost::Add, negative_days: NegativeDays::Accept, ..Default::default() };
    let w = world("add", sim).await;
    let api: &dyn NmbrsApi = &w.client;
    for (i, (start, wanted, posts)) in [(0, 5, 1), (3, 8, 1), (8, 3, 1), (5, 5, 0)].into_iter().enumerate() {
        let period = PayPeriod::new(2026, 11 - i as u8);
        seed_days(&w, period, start);
        let before = days_calls(&w);
        let sent = api.days_var_set(jan(), wanted, period.unprotected()).await.unwrap();
        let after = days_calls(&w);
        assert_eq!(sent, posts, "{start} → {wanted}");
        assert_eq!((after[POST] - before[POST], after[GET] - before[GET]), (posts as usize, 1), "{start} → {wanted}");
        assert_eq!(w.sim.days(DOMAIN, JAN, period), Some(wanted), "{start} → {wanted}");
    }
    w.assert_valid_traffic();
}

#[tokio::test]
async fn add_with_negative_days_refused_refuses_the_bucket_and_leaves_the_days() {
    let w = world("add", RestSettings { days_post: DaysPost::Add, ..Default::default() }).await;
    let period = PayPeriod::new(2026, 11);
    seed_days(&w, period, 8);
    let api: &dyn NmbrsApi = &w.client;
    let e = api.days_var_set(jan(), 3, period.protected()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidData, "{e}");
    assert!(e.to_string().contains("negative correction -5"), "{e}");
    assert_eq!(w.sim.days(DOMAIN, JAN, period), Some(8), "never made worse");
}

#[tokio::test]
async fn a_lost_reply_ends_exact_under_both_settings() {
    for (setting, behaviour) in [("replace", DaysPost::Replace), ("add", DaysPost::Add)] {
        let w = world(setting, RestSettings { days_post: behaviour, ..Default::default() }).await;
        let period = PayPeriod::new(2026, 11);
        seed_days(&w, period, 3);
        w.sim.inject_rest(Some(POST), RestInjected::LostReply);
        let api: &dyn NmbrsApi = &w.client;
        let sent = api.days_var_set(jan(), 8, period.protected()).await.unwrap_or_else(|e| panic!("{setting}: {e}"));
        assert_eq!(w.sim.days(DOMAIN, JAN, period), Some(8), "{setting}: the lost POST landed, nothing doubled");
        let posts: Vec<String> = w.sim.calls().into_iter().filter(|c| c.operation == POST).map(|c| c.outcome).collect();
        match behaviour {
            // The same number again is the same days.
            DaysPost::Replace => assert_eq!((sent, posts.len()), (2, 2), "{setting}: {posts:?}"),
            // The read after the lost reply shows 8: nothing is missing, no second POST.
            DaysPost::Add => assert_eq!((sent, posts.len()), (1, 1), "{setting}: {posts:?}"),
        }
        w.assert_valid_traffic();
    }
}

#[tokio::test]
async fn detect_stays_the_default_and_reads_back() {
    let w = World::with_rest_vars(demo::state(), &[]).await;
    w.sim.set_rest_settings(RestSettings { days_post: DaysPost::Add, ..Default::default() });
    let period = PayPeriod::new(2026, 11);
    let api: &dyn NmbrsApi = &w.client;
    api.days_var_set(jan(), 4, period.protected()).await.unwrap();
    assert_eq!(w.sim.days(DOMAIN, JAN, period), Some(4));
    assert_eq!(days_calls(&w), BTreeMap::from([(POST, 1), (GET, 2)]), "read, POST, read back");
}
