//! Response helpers of the REST face: the `{pagination, data}` envelope every Nmbrs REST read
//! answers with (REST-NOTES §1 "Pagination"), paging checks (`pageNumber` from 1, `pageSize`
//! 1..=100, default 20), 5xx HTML pages and the error bodies of injected faults.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::RestError;
use super::faults::RestInjected;

/// Nmbrs' default and largest page size.
pub const DEFAULT_PAGE_SIZE: usize = 20;
pub const MAX_PAGE_SIZE: usize = 100;

/// A page request, checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub number: usize,
    pub size: usize,
}

impl Page {
    /// From the raw `pageNumber` / `pageSize` query values (400 `40033` when out of range), with
    /// Nmbrs' default page size.
    pub fn parse(number: Option<&str>, size: Option<&str>) -> Result<Page, RestError> {
        Self::parse_or(number, size, DEFAULT_PAGE_SIZE)
    }

    /// [`Page::parse`] with `default_size` when no `pageSize` is sent (`default_page_size`).
    pub fn parse_or(number: Option<&str>, size: Option<&str>, default_size: usize) -> Result<Page, RestError> {
        let read = |v: Option<&str>, name: &str, default: usize| -> Result<usize, RestError> {
            match v {
                None => Ok(default),
                Some(t) => {
                    t.parse::<usize>().map_err(|_| RestError::invalid(name, format!("{name} must be an integer")))
                }
            }
        };
        let number = read(number, "pageNumber", 1)?;
        let size = read(size, "pageSize", default_size.clamp(1, MAX_PAGE_SIZE))?;
        if number == 0 {
            return Err(RestError::invalid("pageNumber", "pageNumber starts at 1"));
        }
        if size == 0 || size > MAX_PAGE_SIZE {
            return Err(RestError::invalid("pageSize", format!("pageSize must be between 1 and {MAX_PAGE_SIZE}")));
        }
        Ok(Page { number, size })
    }
}

impl Page {
    /// Which of `total` items this page holds (empty past the end).
    pub fn window(self, total: usize) -> std::ops::Range<usize> {
        let start = (self.number - 1).saturating_mul(self.size).min(total);
        start..start.saturating_add(self.size).min(total)
    }
}

/// `{pagination, data}` for page `page` of `items`; the page links are `links` (the request
/// URL without `pageNumber`, ending in `?` or a parameter) plus `pageNumber=N`.
pub fn paged(items: Vec<Value>, page: Page, links: &str) -> Value {
    let (total, window) = (items.len(), page.window(items.len()));
    let data = items.into_iter().skip(window.start).take(window.len()).collect();
    envelope(data, total, page, links)
}

/// [`paged`] for a list of `total` items of which only this page's, `data`, was built (a
/// company-wide read of a big company builds 100 records, not all of them: issue 22).
pub fn envelope(data: Vec<Value>, total: usize, page: Page, links: &str) -> Value {
    let total_pages = total.div_ceil(page.size).max(1);
    let link = |n: usize| {
        let sep = if links.ends_with('?') { "" } else { "&" };
        format!("{links}{sep}pageNumber={n}")
    };
    json!({
        "pagination": {
            "pageNumber": page.number,
            "pageSize": page.size,
            "totalPages": total_pages,
            "totalRecords": total,
            "firstPage": link(1),
            "lastPage": link(total_pages),
            "nextPage": (page.number < total_pages).then(|| link(page.number + 1)),
            "previousPage": (page.number > 1).then(|| link((page.number - 1).min(total_pages))),
        },
        "data": data,
    })
}

/// A 5xx with an HTML body, as a gateway in front of Nmbrs sends it.
pub fn html_error(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let reason = status.canonical_reason().unwrap_or("Error");
    let body = format!(
        "<!DOCTYPE html><html><head><title>{} {reason}</title></head><body><h1>{reason}</h1><p>See status.nmbrs.com</p></body></html>",
        status.as_u16()
    );
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// An injected reply as it is: `status` and `body` (`application/json` when it parses as JSON).
pub fn as_is(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let json = serde_json::from_str::<Value>(&body).is_ok();
    let content_type = if json { "application/json" } else { "text/plain; charset=utf-8" };
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// The error an injected fault answers with (not for drops, lost replies or 5xx pages; an
/// injected `Reply` is answered [`as_is`] by the API, as an `apiError` of its status by the
/// token endpoint).
pub fn injected_error(i: &RestInjected) -> RestError {
    match i {
        RestInjected::TooManyCalls { retry_after_secs } => RestError::too_many_calls(*retry_after_secs),
        RestInjected::QuotaExceeded => RestError::quota_exceeded(),
        RestInjected::TokenExpired => RestError::token_invalid(),
        RestInjected::Error { status, code, title } => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let kind = match status.as_u16() {
                401 | 403 => "authenticationError",
                429 => "throttlingError",
                400 | 422 => "validationError",
                404 => "invalidRequestError",
                _ => "apiError",
            };
            let title = if title.is_empty() { status.canonical_reason().unwrap_or("Error") } else { title };
            RestError::new(status, kind, *code, title, "injected by the simulator")
        }
        RestInjected::ServerError { status } => RestError::new(
            StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "apiError",
            50001,
            "Unknown",
            "",
        ),
        RestInjected::Reply { status, .. } => RestError::new(
            StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "apiError",
            50001,
            "Unknown",
            "",
        ),
        RestInjected::Drop | RestInjected::LostReply => {
            RestError::new(StatusCode::INTERNAL_SERVER_ERROR, "apiError", 50001, "Unknown", "")
        }
    }
}

/// `body` with every non-integer JSON number as Nmbrs' float32 storage gives it back: the
/// float32 nearest to it, `steps` float32 steps further from zero (negative: towards zero),
/// printed with 8 significant digits (`19.2` → `19.200001`, one step up `19.200003`). Whole
/// numbers written as integers (ids, codes, days) stay; zero stays.
pub fn as_float32(body: &mut Value, steps: i32) {
    match body {
        Value::Number(n) if n.is_f64() => {
            let Some(x) = n.as_f64() else { return };
            #[allow(clippy::cast_possible_truncation)] // float32 is the point
            let stored = x as f32;
            if stored == 0.0 || !stored.is_finite() {
                return;
            }
            let stepped = f32::from_bits(stored.to_bits().wrapping_add_signed(steps));
            if let Some(printed) = format!("{stepped:.7e}").parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                *n = printed;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| as_float32(v, steps)),
        Value::Object(map) => map.values_mut().for_each(|v| as_float32(v, steps)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_go_out_through_float32_as_nmbrs_prints_them() {
        let mut body = json!({"data": [{"hoursPerWeek": 19.2, "value": 12.97, "code": 400, "zero": 0.0, "neg": -7.5}]});
        as_float32(&mut body, 1);
        assert_eq!(
            body.to_string(),
            r#"{"data":[{"code":400,"hoursPerWeek":19.200003,"neg":-7.5000005,"value":12.970001,"zero":0.0}]}"#
        );
        let mut down = json!([32.0, 33.33]);
        as_float32(&mut down, -1);
        assert_eq!(down.to_string(), "[31.999998,33.329998]");
    }

    #[test]
    fn pages_walk_to_the_end_and_page_size_is_bounded() {
        let items: Vec<Value> = (0..45).map(|i| json!(i)).collect();
        let last = paged(items.clone(), Page { number: 3, size: 20 }, "http://h/x?");
        assert_eq!(last["data"].as_array().unwrap().len(), 5);
        assert_eq!(last["pagination"]["nextPage"], Value::Null);
        assert_eq!(last["pagination"]["previousPage"], json!("http://h/x?pageNumber=2"));
        let first = paged(items, Page { number: 1, size: 20 }, "http://h/x?year=2026");
        assert_eq!(first["pagination"]["nextPage"], json!("http://h/x?year=2026&pageNumber=2"));
        assert_eq!(Page::parse(None, Some("101")).unwrap_err().code, 40033);
        assert_eq!(Page::parse(Some("0"), None).unwrap_err().code, 40033);
        assert_eq!(Page::parse(None, None).unwrap(), Page { number: 1, size: 20 });
    }

    #[test]
    fn an_empty_list_is_one_empty_page() {
        let v = paged(Vec::new(), Page { number: 1, size: 100 }, "http://h/x?");
        assert_eq!(v["pagination"]["totalPages"], json!(1));
        assert_eq!(v["data"], json!([]));
    }
}
