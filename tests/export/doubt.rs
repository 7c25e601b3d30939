//! Issue 19 items 5 and 10 end to end (the production worker, real RabbitMQ and PostgreSQL, the
//! simulator over HTTP, on both APIs): only a reply that proves an insert was refused leaves it
//! "not landed"; an answer that proves nothing (an uncoded SOAP server fault, a REST 5xx however
//! its body reads) after the line landed is read back like a lost reply, so the next export
//! never inserts a second line. And Nmbrs error text of any length reaches the events cut.

use crate::support::export::*;
use crate::support::*;
use nmbrs_worker::{
    nmbrs::rest::RestOperation as Rest,
    sim::{Injected, rest::RestInjected},
};
use serde_json::{Value, json};

use super::failures::inject;

/// `nmbrs::http::MAX_ERROR_TEXT`, as docs/bounds.md documents it.
const MAX_ERROR_TEXT: usize = 500;

crate::on_both_apis!(
    an_insert_answered_by_an_error_that_proves_nothing_is_read_back_and_never_sent_twice,
    nmbrs_error_text_of_any_length_reaches_the_events_cut_and_marked,
);

fn shift() -> Value {
    json!([with(worked("j-1", JAN, "2026-11-03", "7.50"), json!({"meals": 1}))])
}

/// An exception inside Nmbrs after it saved the line: ASMX's `soap:Server` fault without a Nmbrs
/// code; on REST a 500 whose body reads like a validation error.
fn error_after_the_write() -> (Injected, RestInjected) {
    let faultstring = "System.Web.Services.Protocols.SoapException: Server was unable to process request. ---> \
                       System.NullReferenceException: Object reference not set to an instance of an object.";
    let body = json!({"type": "validationError", "httpStatus": 500, "code": 40001, "title": "Hours are not valid"});
    (
        Injected::ServerFault { faultstring: faultstring.into(), applied: true },
        RestInjected::Reply { status: 500, body: body.to_string(), applied: true },
    )
}

async fn an_insert_answered_by_an_error_that_proves_nothing_is_read_back_and_never_sent_twice(api: Api) {
    let mut h = Spawn::new().api(api).start().await;
    let (soap, rest) = error_after_the_write();
    inject(&h, Rest::HoursPost, soap, rest);
    h.sim.clear_calls();

    let first = h.export(FULL, export_payload("exp-uncoded", NOVEMBER, shift())).await;
    let inserts = |h: &TestApp| h.calls_of(api.call(Rest::HoursPost));
    assert_eq!(inserts(&h), 1);
    assert!(h.calls_of(api.call(Rest::HoursGet)) >= 1, "the insert in doubt is read back");
    assert_ne!(first.bucket(JAN, "hours", Some(1))["action"], "refused", "{:#}", first.completed);
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("7.5"))], "the line landed once");

    // The next export of the same shift: the landed line is the worker's, nothing is inserted.
    let next = h.export(FULL, export_payload("exp-uncoded-2", NOVEMBER, shift())).await;
    assert_eq!(next.status(), "succeeded", "{:#}", next.completed);
    assert_eq!(inserts(&h), 1, "never a second insert");
    assert_eq!(next.write_calls, 0);
    assert_eq!(h.nmbrs(JAN, NOVEMBER).hour_values(), [(1, d("7.5"))]);
    next.assert_matches_nmbrs(&h.sim);
    h.stop().await;
}

async fn nmbrs_error_text_of_any_length_reaches_the_events_cut_and_marked(api: Api) {
    let mut h = Spawn::new().api(api).start().await;
    // The hour codes read fails with 100 000 characters of text: an uncoded SOAP fault; on REST
    // an answer whose `data` is a string (the JSON reader's error quotes the value it refused).
    let text = "Nmbrs says: ".to_string() + &"é".repeat(100_000);
    let soap = Injected::ServerFault { faultstring: text.clone(), applied: false };
    let rest = RestInjected::Reply { status: 200, body: json!({"data": text}).to_string(), applied: false };
    inject(&h, Rest::HourCodes, soap, rest);

    let out = h.export(FULL, export_payload("exp-long-text", NOVEMBER, shift())).await;
    assert_eq!(out.status(), "partial", "{:#}", out.completed);
    let errors = out.completed["errors"].as_array().unwrap();
    let unread = errors.iter().find(|e| e["code"] == "nmbrs.unreadable_response").expect("the company's error");
    let message = unread["message"].as_str().unwrap();
    assert!(message.contains("Nmbrs says: é"), "the text is there: {message}");
    assert!(message.contains(&format!("[cut: {MAX_ERROR_TEXT} of ")), "marked as cut: {message}");
    assert!(message.chars().count() < MAX_ERROR_TEXT + 400, "{} characters", message.chars().count());
    h.stop().await;
}
