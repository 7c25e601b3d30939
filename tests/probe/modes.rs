//! The probe against the simulator in every mode (issue 21): each test sets one alternative of
//! one question (the simulator's REST settings, its identity server's settings, or a scripted
//! 429) and asserts that the probe reports exactly that alternative and the simulator's default
//! for every other finding, that its requests kept to the OpenAPI file (but its one deliberate
//! nested wage period), and that it left Jan's periods as it found them (but, where Nmbrs
//! refuses to delete in a closed period, the one line it set to 0 there and reported).

use serde_json::{Value, json};

use super::*;
use nmbrs_worker::sim::rest::{
    ClosedPeriodDelete, CommentOverLimit, DaysPost, Gateway401, NegativeDays, Omitted, PutMissingPeriod, RestInjected,
    RestSettings, SoapComments, WagePeriodShape,
};

/// The answers against the simulator's defaults (SOAP settings not given).
fn baseline() -> BTreeMap<String, Value> {
    [
        ("days_second_post", json!("replace")),
        ("days_post_resets_factor", json!("no")),
        ("days_negative", json!("refused")),
        ("put_omitted_comment", json!("kept")),
        ("put_missing_period", json!("kept")),
        ("wage_period_shape", json!("flat")),
        ("delete_in_closed_period", json!("refused:40033")),
        ("soap_comment_over_rest", json!("not_probed")),
        ("default_page_size", json!(20)),
        ("refresh_token_reuse", json!("invalid_grant")),
        ("access_token_lifetime_s", json!(3600)),
        ("gateway_401_shape", json!("nmbrs")),
        ("retry_after_on_429", json!("not_probed")),
        // No limit up to 32768 characters: the probe does not guess one.
        ("comment_max_chars", json!("unknown")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn settings(w: &World, f: impl FnOnce(&mut RestSettings)) {
    let mut s = RestSettings::default();
    f(&mut s);
    w.sim.set_rest_settings(s);
}

/// Runs the probe after `setup`, with SOAP settings when `soap`; asserts `expect` over the
/// baseline, the traffic, and the periods after.
async fn check(setup: impl FnOnce(&World, &mut Options), soap: bool, expect: &[(&str, Value)]) -> World {
    let w = World::new().await;
    let mut opts = w.options();
    if soap {
        opts.soap_domain = Some(demo::DOMAIN.into());
    }
    setup(&w, &mut opts);
    let before = w.jan_state();
    let (report, printed) = w.run(&opts, soap).await.unwrap_or_else(|e| panic!("the probe failed: {e:#}"));
    let mut wanted = baseline();
    for (id, answer) in expect {
        assert!(wanted.insert((*id).to_owned(), answer.clone()).is_some(), "{id} is a finding id");
    }
    assert_eq!(w.answers(), wanted, "{printed}");
    w.assert_only_the_deliberate_violation();
    let after = w.jan_state();
    let refused = w.answers()["delete_in_closed_period"] != "done";
    if refused {
        assert_eq!(w.probe_lines(), vec!["hours 2026-10 0".to_owned()], "only the closed period's line, set to 0");
        assert_eq!(report.left_behind.len(), 1, "{:?}", report.left_behind);
        assert!(
            report.left_behind[0].contains("2026-10") && report.left_behind[0].contains("by hand"),
            "{:?}",
            report.left_behind
        );
        assert!(printed.contains("LEFT BEHIND"), "{printed}");
    } else {
        assert_eq!(w.probe_lines(), Vec::<String>::new());
        assert_eq!(report.left_behind, Vec::<String>::new());
        assert_eq!(after[&PREVIOUS.to_string()], before[&PREVIOUS.to_string()]);
    }
    for p in [CURRENT, NEXT] {
        assert_eq!(after[&p.to_string()], before[&p.to_string()], "{p} as found\n{printed}");
    }
    w
}

macro_rules! modes {
    ($($(#[$doc:meta])* $name:ident, soap: $soap:expr, $setup:expr => [$($id:literal = $answer:expr),* $(,)?];)*) => {$(
        $(#[$doc])*
        #[tokio::test]
        async fn $name() {
            check($setup, $soap, &[$(($id, json!($answer))),*]).await;
        }
    )*};
}

const PERIOD_READ: &str = "GET /api/companies/{companyId}/period";

modes! {
    /// The simulator's defaults, SOAP not configured.
    defaults, soap: false, |_, _| {} => [];
    /// A second days POST adds (days already there, so the probe can put them back).
    days_add, soap: false, |w, _| {
        settings(w, |s| s.days_post = DaysPost::Add);
        w.sim.state().domains.get_mut(demo::DOMAIN).unwrap().days.insert((JAN, NEXT.year, NEXT.period), 3);
    } => ["days_second_post" = "add"];
    days_factor_reset, soap: false, |w, _| settings(w, |s| s.days_factor_omitted = Omitted::Clear)
        => ["days_post_resets_factor" = "yes"];
    negative_days_accepted, soap: false, |w, _| settings(w, |s| s.negative_days = NegativeDays::Accept)
        => ["days_negative" = "accepted"];
    /// PUT replaces: what it leaves out is cleared.
    put_clears_the_comment, soap: false, |w, _| settings(w, |s| s.put_omitted = Omitted::Clear)
        => ["put_omitted_comment" = "cleared"];
    put_without_period_moves_to_current, soap: false, |w, _| settings(w, |s| s.put_missing_period = PutMissingPeriod::Current)
        => ["put_missing_period" = "moved_to_current"];
    wage_nested_shape, soap: false, |w, _| settings(w, |s| s.wage_period_shape = WagePeriodShape::Nested)
        => ["wage_period_shape" = "nested"];
    wage_both_shapes, soap: false, |w, _| settings(w, |s| s.wage_period_shape = WagePeriodShape::Both)
        => ["wage_period_shape" = "both"];
    closed_period_delete_allowed, soap: false, |w, _| settings(w, |s| s.closed_period_delete = ClosedPeriodDelete::Allow)
        => ["delete_in_closed_period" = "done"];
    /// The refusal's code is read from Nmbrs' answer, not assumed.
    closed_period_refused_with_another_code, soap: false, |w, _| settings(w, |s| s.closed_period_code = 40301)
        => ["delete_in_closed_period" = "refused:40301"];
    soap_comment_visible, soap: true, |_, _| {} => ["soap_comment_over_rest" = "visible"];
    soap_comment_absent, soap: true, |w, _| settings(w, |s| s.soap_comments = SoapComments::Absent)
        => ["soap_comment_over_rest" = "absent"];
    page_size_25, soap: false, |w, _| settings(w, |s| s.default_page_size = 25) => ["default_page_size" = 25];
    gateway_answers_401, soap: false, |w, _| settings(w, |s| s.gateway_401 = Gateway401::Gateway)
        => ["gateway_401_shape" = "gateway"];
    /// A limit below every comment the probe used to write: the later questions' comments fit it.
    comment_cut_at_40, soap: true, |w, _| settings(w, |s| s.comment_max_chars = Some(40))
        => ["comment_max_chars" = 40, "soap_comment_over_rest" = "visible"];
    comment_refused_above_40, soap: false, |w, _| settings(w, |s| {
        s.comment_max_chars = Some(40);
        s.comment_over_limit = CommentOverLimit::Refuse;
    }) => ["comment_max_chars" = 40];
    comment_cut_at_255, soap: false, |w, _| settings(w, |s| s.comment_max_chars = Some(255))
        => ["comment_max_chars" = 255];
    comment_refused_above_500, soap: false, |w, _| settings(w, |s| {
        s.comment_max_chars = Some(500);
        s.comment_over_limit = CommentOverLimit::Refuse;
    }) => ["comment_max_chars" = 500];
    /// The identity server lets a replaced refresh token through once more.
    refresh_token_reuse_accepted, soap: false, |w, _| w.sim.state().rest.oauth.settings.reuse_grace_secs = 60
        => ["refresh_token_reuse" = "accepted"];
    access_tokens_live_900_s, soap: false, |w, _| w.sim.state().rest.oauth.settings.access_token_ttl_secs = 900
        => ["access_token_lifetime_s" = 900];
    retry_after_sent, soap: false, |w, _| w.sim.inject_rest(Some(PERIOD_READ), RestInjected::TooManyCalls { retry_after_secs: Some(1) })
        => ["retry_after_on_429" = "present"];
    retry_after_not_sent, soap: false, |w, _| w.sim.inject_rest(Some(PERIOD_READ), RestInjected::TooManyCalls { retry_after_secs: None })
        => ["retry_after_on_429" = "absent"];
    /// `--provoke-429` asks, and without a 429 the answer is unknown, never a guess.
    provoking_without_a_429, soap: false, |_, o| o.provoke_429 = 3 => ["retry_after_on_429" = "unknown"];
}

#[tokio::test]
async fn days_that_cannot_be_put_back_are_reported_with_the_number_to_set() {
    // Nmbrs adds and refuses negative days, and the period held none: the probe's 1 day stays.
    let w = World::new().await;
    settings(&w, |s| s.days_post = DaysPost::Add);
    let (report, printed) = w.run(&w.options(), false).await.unwrap();
    assert_eq!(w.answers()["days_second_post"], "add", "{printed}");
    let days =
        report.left_behind.iter().find(|l| l.contains("days")).unwrap_or_else(|| panic!("{:?}", report.left_behind));
    assert!(
        days.contains("2026-12")
            && days.contains("1 days")
            && days.contains("0 (factor None) were found")
            && days.contains("by hand"),
        "{days}"
    );
    assert_eq!(w.sim.days(demo::DOMAIN, JAN, NEXT), Some(1));
    assert_eq!(
        w.sim.state().domains[demo::DOMAIN].days_factor.get(&(JAN, NEXT.year, NEXT.period)),
        None,
        "the factor is back"
    );
}
