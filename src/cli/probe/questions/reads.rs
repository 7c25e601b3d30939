//! The questions that only read. 6, paging (REST-NOTES §1 "Pagination", §7): the page size of
//! an employee's variable hours read without `pageSize` (`default_page_size`), and whether
//! `pageSize` counts employees in a company-wide read (in the evidence). 8, the gateway
//! (REST-NOTES §7 [M], CONTRACT §5.1): the body of a 401 for a wrong subscription key
//! (`gateway_401_shape`), and whether a 429 carries `Retry-After` (`retry_after_on_429`): any
//! 429 of the run counts; `--provoke-429 N` sends up to N cheap reads to get one (throttling
//! counts per subscription key, shared with production, so this is never done unasked).

use serde_json::Value;

use super::ProbeCtx;
use crate::cli::probe::findings::Findings;
use crate::cli::probe::session::{Call, Rest, Throttled};
use crate::nmbrs::rest::RestOperation as Op;

/// The page size a read without `pageSize` used: the reply's `pagination.pageSize`, else the
/// number of items on a page that is not the last.
pub fn page_size(reply: &Value) -> Option<u64> {
    if let Some(n) = reply["pagination"]["pageSize"].as_u64() {
        return Some(n);
    }
    let items = reply["data"].as_array()?.len() as u64;
    let total = reply["pagination"]["totalRecords"].as_u64()?;
    (total > items).then_some(items)
}

/// Who wrote a 401 body: Nmbrs' error shape (`code` with `title` or `type`) or a gateway's own
/// (`statusCode` / `message`, no Nmbrs code).
pub fn shape_401(body: Option<&Value>) -> Option<&'static str> {
    let body = body?;
    let nmbrs = body.get("code").is_some() && (body.get("title").is_some() || body.get("type").is_some());
    let gateway = body.get("code").is_none() && (body.get("statusCode").is_some() || body.get("message").is_some());
    match (nmbrs, gateway) {
        (true, false) => Some("nmbrs"),
        (false, true) => Some("gateway"),
        _ => None,
    }
}

pub async fn paging(ctx: &ProbeCtx<'_>, f: &mut Findings) {
    ctx.rest.rec.question("paging");
    let call = Call::new(Op::HoursGet, &[&ctx.employee]).query("year", ctx.next.year).query("period", ctx.next.period);
    let mut evidence = Vec::new();
    let answer = match ctx.rest.send(call).await {
        Ok(reply) => {
            evidence.push(format!("variable hours without pageSize: {}", ctx.rest.rec.cite(&reply)));
            reply.json().as_ref().and_then(page_size)
        }
        Err(e) => {
            evidence.push(e.to_string());
            None
        }
    };
    evidence.push(company_wide(ctx).await);
    match answer {
        Some(n) => f.set("default_page_size", n, evidence.join("; ")),
        None => f.unknown("default_page_size", format!("the reply states no page size: {}", evidence.join("; "))),
    }
}

/// Whether `pageSize` counts employees in a company-wide read (evidence only).
async fn company_wide(ctx: &ProbeCtx<'_>) -> String {
    let call = Call::new(Op::Contracts, &[&ctx.company]).query("pageNumber", 1).query("pageSize", 1);
    match ctx.rest.send(call).await {
        Ok(reply) => {
            let json = reply.json().unwrap_or_default();
            let items = json["data"].as_array().cloned().unwrap_or_default();
            let nested: usize = items.iter().filter_map(|i| i["contracts"].as_array()).map(Vec::len).sum();
            format!(
                "company-wide contracts with pageSize=1 (#{}): {} item(s) holding {nested} contract(s), totalRecords {}: pageSize counts {}",
                reply.seq,
                items.len(),
                json["pagination"]["totalRecords"],
                if items.len() == 1 && items[0].get("employeeId").is_some() { "employees" } else { "(not decided)" }
            )
        }
        Err(e) => format!("company-wide read: {e}"),
    }
}

pub async fn gateway(ctx: &ProbeCtx<'_>, f: &mut Findings) {
    ctx.rest.rec.question("gateway_401");
    let mut call = Call::new(Op::CurrentPeriod, &[&ctx.company]);
    call.key = Some("nmbrs-worker-probe-not-a-subscription-key");
    match ctx.rest.send(call).await {
        Ok(reply) if reply.status == 401 => {
            let evidence = format!("valid token, wrong X-Subscription-Key: {}", ctx.rest.rec.cite(&reply));
            match shape_401(reply.json().as_ref()) {
                Some(shape) => f.set("gateway_401_shape", shape, evidence),
                None => f.unknown("gateway_401_shape", format!("a body of neither shape: {evidence}")),
            }
        }
        Ok(reply) => f.unknown("gateway_401_shape", format!("no 401 for a wrong key: {}", ctx.rest.rec.cite(&reply))),
        Err(e) => f.unknown("gateway_401_shape", e.to_string()),
    }
}

/// Sends up to `burst` reads of the current period without waiting, until one is a 429.
pub async fn provoke_429(rest: &Rest<'_>, company: &str, burst: u32) {
    rest.rec.question("retry_after");
    for _ in 0..burst {
        match rest.send_once(&Call::new(Op::CurrentPeriod, &[company])).await {
            Ok(reply) if reply.status == 429 => return,
            Ok(_) => {}
            Err(_) => return,
        }
    }
}

/// `retry_after_on_429` from the 429s of the run.
pub fn retry_after(f: &mut Findings, seen: &[Throttled], burst: u32) {
    let evidence = seen
        .iter()
        .map(|t| format!("#{} Retry-After: {}", t.seq, t.retry_after.as_deref().unwrap_or("(none)")))
        .collect::<Vec<_>>()
        .join("; ");
    match seen.first() {
        Some(t) if t.retry_after.is_some() => f.set("retry_after_on_429", "present", evidence),
        Some(_) => f.set("retry_after_on_429", "absent", evidence),
        None if burst > 0 => f.unknown("retry_after_on_429", format!("no 429 within {burst} reads (--provoke-429)")),
        None => f.set(
            "retry_after_on_429",
            "not_probed",
            "no 429 came during the run; --provoke-429 N sends up to N reads to get one (the limit is shared with production)",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_page_size_is_stated_or_counted_never_assumed() {
        assert_eq!(page_size(&json!({"pagination": {"pageSize": 20}, "data": []})), Some(20));
        assert_eq!(page_size(&json!({"pagination": {"totalRecords": 45}, "data": [1, 2, 3]})), Some(3));
        assert_eq!(page_size(&json!({"pagination": {"totalRecords": 3}, "data": [1, 2, 3]})), None);
    }

    #[test]
    fn a_401_body_is_nmbrs_or_the_gateway() {
        let nmbrs = json!({"type": "authenticationError", "httpStatus": 401, "code": 40101, "title": "Unauthorized"});
        let gateway = json!({"statusCode": 401, "message": "Access denied due to invalid subscription key."});
        assert_eq!(shape_401(Some(&nmbrs)), Some("nmbrs"));
        assert_eq!(shape_401(Some(&gateway)), Some("gateway"));
        assert_eq!(shape_401(Some(&json!({"x": 1}))), None);
        assert_eq!(shape_401(None), None);
    }

    #[test]
    fn retry_after_comes_from_the_first_429_seen() {
        let mut f = Findings::default();
        retry_after(&mut f, &[Throttled { seq: 4, retry_after: Some("2".into()) }], 0);
        assert_eq!(f.get("retry_after_on_429").unwrap().answer, "present");
        retry_after(&mut f, &[Throttled { seq: 4, retry_after: None }], 0);
        assert_eq!(f.get("retry_after_on_429").unwrap().answer, "absent");
        retry_after(&mut f, &[], 0);
        assert_eq!(f.get("retry_after_on_429").unwrap().answer, "not_probed");
        retry_after(&mut f, &[], 50);
        assert_eq!(f.get("retry_after_on_429").unwrap().answer, "unknown");
    }
}
