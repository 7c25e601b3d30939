//! Fault injection for the REST face and the token endpoint, shaped like the SOAP
//! [`FaultConfig`](crate::sim::FaultConfig): random rates plus one-shot scripted faults, keyed
//! by the REST operation (`"POST /api/employees/{employeeId}/variablehours"`, or
//! `"POST /connect/token"`). Covers what CONTRACT §5.3 tells apart: 429 42908 with and without
//! `Retry-After`, 429 42909, 5xx with an HTML body, a dropped connection, a lost reply after a
//! write landed, an access token expiring mid-job, and any Nmbrs error body; and given response
//! pages ([`RestPages`]) for the worker to read as they are.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What happens to one REST call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RestInjected {
    /// 429 `42908` Too_Many_Calls, with `Retry-After: N` when set.
    TooManyCalls {
        #[serde(default)]
        retry_after_secs: Option<u64>,
    },
    /// 429 `42909` Quota_Exceeded.
    QuotaExceeded,
    /// A 5xx (500, 502, 503, 504) with an HTML body, nothing applied.
    ServerError { status: u16 },
    /// The connection drops before anything is applied.
    Drop,
    /// The call is applied, then the connection drops (the reply is lost).
    LostReply,
    /// The caller's access token expires just before this call (→ 401 `40102`).
    TokenExpired,
    /// Any Nmbrs error body, e.g. `{"status": 403, "code": 40303, "title": "Forbidden"}`.
    Error {
        status: u16,
        code: u32,
        #[serde(default)]
        title: String,
    },
    /// This status and body as they are (`application/json` when the body is JSON), e.g. a 500
    /// whose body looks like a validation error. With `applied` the call is carried out first:
    /// the write lands, the answer is this one.
    Reply {
        status: u16,
        body: String,
        #[serde(default)]
        applied: bool,
    },
}

/// A one-shot fault for the next matching call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestScripted {
    /// `"METHOD /path/template"` as in the OpenAPI file (or `"POST /connect/token"`);
    /// `None` matches any call.
    #[serde(default)]
    pub operation: Option<String>,
    #[serde(flatten)]
    pub injected: RestInjected,
}

/// Given response pages for a paged read (real-world bytes for the worker to read, as the SOAP
/// face's canned answers): every call of `operation` (about `company_id`, when given) is
/// answered page `pageNumber` of `pages` as is (`200`, `application/json`), and an empty page
/// past the last; nothing of the state is read. Sticky until the faults are replaced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestPages {
    /// `"METHOD /path/template"`, e.g. `"GET /api/companies/{companyId}/employees/contracts"`.
    pub operation: String,
    /// The `companyId` of the path (a UUID's text); `None` matches any company.
    #[serde(default)]
    pub company_id: Option<String>,
    /// The pages' bodies, page 1 first.
    pub pages: Vec<String>,
}

impl RestPages {
    /// The body for page `number` (from 1) of a call of `operation` about `company`, if these
    /// pages answer it.
    pub fn answer(&self, operation: &str, company: Option<&str>, number: usize) -> Option<String> {
        let company_matches =
            self.company_id.as_deref().is_none_or(|c| company.is_some_and(|p| p.eq_ignore_ascii_case(c)));
        if self.operation != operation || !company_matches {
            return None;
        }
        Some(self.pages.get(number.max(1) - 1).cloned().unwrap_or_else(|| {
            let past = serde_json::json!({"pagination": {"pageNumber": number, "nextPage": null}, "data": []});
            past.to_string()
        }))
    }
}

/// Runtime fault injection for REST (`POST /_sim/rest/faults`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RestFaults {
    /// Probability (0..1) of a 503 with an HTML body per call.
    pub error_rate: f64,
    /// Probability of a 429 `42908` (no `Retry-After`) per call.
    pub throttle_rate: f64,
    /// Added latency per call, in milliseconds.
    pub latency_ms: u64,
    /// Probability of a dropped connection (nothing applied).
    pub drop_rate: f64,
    /// Probability that a write is applied but its reply is lost.
    pub lost_reply_rate: f64,
    /// Faults for the next matching calls, in order.
    pub script: Vec<RestScripted>,
    /// A paged read (`"METHOD /path/template"`) whose `nextPage` chain never ends: every page
    /// answers with the first page's data and a link to the next (a broken or hostile server).
    pub endless_pages: Option<String>,
    /// Given pages of reads (first match wins; after `script`, before the rates).
    pub pages: Vec<RestPages>,
}

impl RestFaults {
    /// Picks the fault (if any) for a call of `operation`, consuming a scripted one.
    pub fn pick(&mut self, operation: &str, write: bool) -> Option<RestInjected> {
        if let Some(i) = self.script.iter().position(|s| s.operation.as_deref().is_none_or(|o| o == operation)) {
            return Some(self.script.remove(i).injected);
        }
        if self.drop_rate > 0.0 && fastrand::f64() < self.drop_rate {
            return Some(RestInjected::Drop);
        }
        if self.error_rate > 0.0 && fastrand::f64() < self.error_rate {
            return Some(RestInjected::ServerError { status: 503 });
        }
        if self.throttle_rate > 0.0 && fastrand::f64() < self.throttle_rate {
            return Some(RestInjected::TooManyCalls { retry_after_secs: None });
        }
        if write && self.lost_reply_rate > 0.0 && fastrand::f64() < self.lost_reply_rate {
            return Some(RestInjected::LostReply);
        }
        None
    }
}

impl RestFaults {
    /// For a read of `operation` under [`RestFaults::endless_pages`]: the page asked for, with
    /// the query's `pageNumber` turned to 1 so the read answers the first page's data.
    pub fn endless_page(&self, operation: &str, query: &mut BTreeMap<String, String>) -> Option<usize> {
        if self.endless_pages.as_deref() != Some(operation) {
            return None;
        }
        let page = query.get("pageNumber").and_then(|p| p.parse().ok()).unwrap_or(1);
        query.insert("pageNumber".into(), "1".into());
        Some(page)
    }
}

/// Makes the `{pagination, data}` answer of page 1 the answer of page `page` of a chain that
/// never ends (`links`: the request URL without `pageNumber`, as for every page link).
pub fn endless(answer: &mut Value, links: &str, page: usize) {
    let sep = if links.ends_with('?') { "" } else { "&" };
    if let Some(p) = answer.get_mut("pagination").and_then(Value::as_object_mut) {
        p.insert("pageNumber".into(), page.into());
        p.insert("totalPages".into(), (page + 1).into());
        p.insert("nextPage".into(), format!("{links}{sep}pageNumber={}", page + 1).into());
    }
}

/// Short name for the call log (`injected:<name>`).
pub fn injected_name(i: &RestInjected) -> String {
    match i {
        RestInjected::TooManyCalls { retry_after_secs: Some(_) } => "42908_retry_after".into(),
        RestInjected::TooManyCalls { retry_after_secs: None } => "42908".into(),
        RestInjected::QuotaExceeded => "42909".into(),
        RestInjected::ServerError { status } => format!("http{status}"),
        RestInjected::Drop => "drop".into(),
        RestInjected::LostReply => "lost_reply".into(),
        RestInjected::TokenExpired => "token_expired".into(),
        RestInjected::Error { code, .. } => format!("error{code}"),
        RestInjected::Reply { status, applied: false, .. } => format!("reply{status}"),
        RestInjected::Reply { status, applied: true, .. } => format!("reply{status}_after_write"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripted_faults_fire_once_for_their_operation() {
        let mut f = RestFaults::default();
        f.script
            .push(RestScripted { operation: Some("POST /connect/token".into()), injected: RestInjected::LostReply });
        assert_eq!(f.pick("GET /api/companies", false), None);
        assert_eq!(f.pick("POST /connect/token", true), Some(RestInjected::LostReply));
        assert_eq!(f.pick("POST /connect/token", true), None);
    }

    #[test]
    fn given_pages_answer_their_operation_and_company_page_by_page() {
        let op = "GET /api/companies/{companyId}/employees/contracts";
        let p = RestPages {
            operation: op.into(),
            company_id: Some("AB-1".into()),
            pages: vec!["one".into(), "two".into()],
        };
        assert_eq!(p.answer(op, Some("ab-1"), 2).as_deref(), Some("two"));
        assert_eq!(p.answer(op, Some("other"), 1), None);
        assert_eq!(p.answer("GET /api/companies", Some("ab-1"), 1), None);
        let past: serde_json::Value = serde_json::from_str(&p.answer(op, Some("ab-1"), 3).unwrap()).unwrap();
        assert_eq!(past["data"], serde_json::json!([]));
    }

    #[test]
    fn faults_parse_from_json() {
        let f: RestFaults = serde_json::from_str(
            r#"{"script":[{"operation":null,"kind":"too_many_calls","retry_after_secs":2},{"kind":"error","status":403,"code":40303}]}"#,
        )
        .unwrap();
        assert_eq!(f.script[0].injected, RestInjected::TooManyCalls { retry_after_secs: Some(2) });
        assert_eq!(injected_name(&f.script[1].injected), "error40303");
    }
}
