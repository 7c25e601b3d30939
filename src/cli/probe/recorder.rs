//! Every HTTP exchange of a probe run, recorded with its secrets redacted (issue 21: "it records
//! everything"): one JSON line per request and its response in `<run>/requests.jsonl`, numbered
//! (`#12`) so a finding's evidence can name the exchange it rests on.
//!
//! Sent through the worker's HTTP core (`nmbrs::http`: its client, which never follows a
//! redirect, its timeout, its capped body read and its error text), and every Nmbrs API call on
//! a ticket of the shared call budget (`nmbrs::budget`, CONTRACT §5.3): the probe spends Eitje's
//! one REST budget (and a domain's SOAP budget) like any worker process, is slowed by a `42908`
//! and refused unsent while a `42909` pauses REST, and tells the budget what came back. A call
//! the budget refused is recorded too, as an exchange without a response. The token endpoint is
//! not an API call and takes no ticket (as in the worker).
//!
//! Redacted before anything is written or quoted: the `Authorization`, `X-Subscription-Key`,
//! cookie headers; `access_token`, `refresh_token`, `id_token`, `client_secret`, `token` in JSON
//! and form bodies; SOAP's `<Username>` and `<Token>`; and, as a second net, every secret the
//! run knows (app secret, subscription key, each token seen), wherever it appears.

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::nmbrs::budget::Scope;
use crate::nmbrs::http::{CallError, ClientConfig, HttpCore, error_code};

/// Headers whose values are never recorded.
const SECRET_HEADERS: &[&str] = &["authorization", "x-subscription-key", "cookie", "set-cookie"];
/// JSON fields whose values are never recorded.
const SECRET_FIELDS: &[&str] = &["access_token", "refresh_token", "id_token", "client_secret", "token"];
/// Form fields whose values are never recorded (an authorization `code` too).
const SECRET_FORM_FIELDS: &[&str] = &["access_token", "refresh_token", "client_secret", "token", "code"];
const REDACTED: &str = "<redacted>";
/// Longest excerpt of a body quoted in evidence.
const EXCERPT: usize = 240;
/// Longest response body read.
const MAX_BODY: usize = 4 * 1024 * 1024;
/// What the probe's calls wait under in the call budget: they count as one job's calls (past
/// `NMBRS_WORKER_BULK_AFTER_CALLS` they wait in the bulk lane, as a big job's do).
pub const BUDGET_NAME: &str = "nmbrs-worker-probe";

/// The HTTP core's settings for the probe: 30 s per exchange, replies up to 4 MiB.
pub fn client_config() -> ClientConfig {
    ClientConfig { timeout: Duration::from_secs(30), max_response_bytes: MAX_BODY, ..ClientConfig::default() }
}

/// One request to send.
pub struct ProbeRequest {
    pub method: reqwest::Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// Why the probe sends this request although it breaks the OpenAPI file, when it does.
    pub off_spec: Option<&'static str>,
    /// The call budget's scope the request takes its ticket from; `None` for a request that is
    /// not a Nmbrs API call (the token endpoint).
    pub budget: Option<Scope>,
}

/// A response, as read.
#[derive(Clone, Debug)]
pub struct ProbeReply {
    /// The exchange's number in `requests.jsonl`.
    pub seq: u32,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// `Retry-After` in seconds, when sent as such (the core's reading of it).
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

impl ProbeReply {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Nmbrs' five-digit error `code`, when the body carries one.
    pub fn code(&self) -> Option<u64> {
        error_code(&self.json()?)
    }

    /// `refused:<code>` words use the Nmbrs code, else the HTTP status.
    pub fn code_or_status(&self) -> u64 {
        self.code().unwrap_or(u64::from(self.status))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Why an exchange got no response.
#[derive(Debug, thiserror::Error)]
#[error("#{seq}: no response ({message})")]
pub struct NoReply {
    pub seq: u32,
    pub message: String,
    /// Why, as the HTTP core said (`None`: the reply came but could not be handed on).
    pub cause: Option<CallError>,
}

/// The run's HTTP core and record.
pub struct Recorder {
    core: HttpCore,
    /// Budget tickets taken so far (the probe's "job" calls).
    calls: AtomicU64,
    file: Mutex<std::fs::File>,
    seq: AtomicU32,
    secrets: Mutex<Vec<String>>,
    question: Mutex<&'static str>,
}

impl Recorder {
    /// Records into `path` (created or appended to), sending through `core`.
    pub fn create(path: &std::path::Path, core: HttpCore) -> anyhow::Result<Self> {
        // 0600: the exchanges name the demo company and its employee (secrets are redacted).
        let file = {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path)?
        };
        Ok(Recorder {
            core,
            calls: AtomicU64::new(0),
            file: Mutex::new(file),
            seq: AtomicU32::new(0),
            secrets: Mutex::new(Vec::new()),
            question: Mutex::new("setup"),
        })
    }

    /// The question the next exchanges belong to (a field of each record).
    pub fn question(&self, name: &'static str) {
        *self.question.lock().unwrap_or_else(|e| e.into_inner()) = name;
    }

    /// A secret to scrub from everything recorded or quoted from now on (short values are
    /// ignored: they would scrub ordinary text).
    pub fn secret(&self, value: &str) {
        let value = value.trim();
        if value.len() >= 6 {
            let mut s = self.secrets.lock().unwrap_or_else(|e| e.into_inner());
            if !s.iter().any(|k| k == value) {
                s.push(value.to_owned());
            }
        }
    }

    /// Replaces every known secret in `text`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in self.secrets.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            out = out.replace(s.as_str(), REDACTED);
        }
        out
    }

    /// A redacted excerpt of a reply's body, for evidence: `#12 → 400 {"code":40033,…}`.
    pub fn cite(&self, r: &ProbeReply) -> String {
        let body = match redact_body(&r.body, content_type(&r.headers)) {
            Value::Null => String::new(),
            Value::String(text) => self.scrub(&text),
            json => self.scrub(&json.to_string()),
        };
        let mut excerpt: String = body.chars().take(EXCERPT).collect();
        if body.chars().count() > EXCERPT {
            excerpt.push('…');
        }
        if excerpt.is_empty() {
            format!("#{} → {}", r.seq, r.status)
        } else {
            format!("#{} → {} {excerpt}", r.seq, r.status)
        }
    }

    /// `#12 → 200`: a reply named without its body.
    pub fn brief(&self, r: &ProbeReply) -> String {
        format!("#{} → {}", r.seq, r.status)
    }

    /// The HTTP core the run sends through (its settings: the retry policy's delays).
    pub fn core(&self) -> &HttpCore {
        &self.core
    }

    /// Sends `req` (on a ticket of its budget scope, if any) and records the exchange (also
    /// when no response came, or the budget refused the call).
    pub async fn send(&self, req: ProbeRequest) -> Result<ProbeReply, NoReply> {
        let seq = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let started = Instant::now();
        let mut builder = self.core.request(req.method.clone(), req.url.clone());
        for (name, value) in &req.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        let (outcome, waited) = match &req.budget {
            Some(scope) => {
                let calls = self.calls.fetch_add(1, Ordering::Relaxed);
                match self.core.call(scope, BUDGET_NAME, calls, builder).await {
                    Ok((reply, waited)) => (Ok(reply), waited),
                    Err(e) => (Err(e), Duration::ZERO),
                }
            }
            None => (self.core.exchange(builder).await.map_err(CallError::Send), Duration::ZERO),
        };
        let outcome = outcome.map(|r| {
            let headers = r
                .headers
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect();
            ProbeReply { seq, status: r.status, headers, retry_after: r.retry_after, body: r.body }
        });
        let recorded = outcome.as_ref().map_err(ToString::to_string);
        self.write(seq, &req, recorded, started.elapsed().saturating_sub(waited));
        outcome.map_err(|e| NoReply { seq, message: e.to_string(), cause: Some(e) })
    }

    fn write(&self, seq: u32, req: &ProbeRequest, outcome: Result<&ProbeReply, String>, took: Duration) {
        let question = *self.question.lock().unwrap_or_else(|e| e.into_inner());
        let request_type = content_type(&req.headers);
        let mut line = json!({
            "seq": seq,
            "at": chrono::Utc::now().to_rfc3339(),
            "question": question,
            "method": req.method.as_str(),
            "url": req.url,
            "request": {
                "headers": redact_headers(&req.headers),
                "body": req.body.as_ref().map(|b| redact_body(b, request_type)),
            },
            "elapsed_ms": took.as_millis() as u64,
        });
        if let Some(why) = req.off_spec {
            line["off_spec"] = json!(why);
        }
        match outcome {
            Ok(r) => {
                line["response"] = json!({
                    "status": r.status,
                    "headers": redact_headers(&r.headers),
                    "body": redact_body(&r.body, content_type(&r.headers)),
                });
            }
            Err(message) => line["error"] = json!(message),
        }
        let text = self.scrub(&line.to_string());
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = writeln!(file, "{text}").and_then(|()| file.flush()) {
            tracing::error!(error = %e, "the probe could not record an exchange");
        }
    }

    /// Sends an `oauth2` token request through the record (the worker's own token request,
    /// `nmbrs::rest::auth::token_client`), keeping the raw reply for fields the `oauth2` crate
    /// drops (e.g. a refresh token's own lifetime).
    pub async fn send_oauth(
        &self,
        request: oauth2::HttpRequest,
    ) -> Result<(ProbeReply, oauth2::HttpResponse), NoReply> {
        let (parts, body) = request.into_parts();
        let headers = parts
            .headers
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes()).unwrap_or(reqwest::Method::POST);
        let reply = self
            .send(ProbeRequest {
                method,
                url: parts.uri.to_string(),
                headers,
                body: Some(body),
                off_spec: None,
                budget: None,
            })
            .await?;
        let mut builder = oauth2::http::Response::builder().status(reply.status);
        for (name, value) in &reply.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let response = builder.body(reply.body.clone()).map_err(|e| NoReply {
            seq: reply.seq,
            message: format!("unreadable reply head: {e}"),
            cause: None,
        })?;
        Ok((reply, response))
    }
}

fn content_type(headers: &[(String, String)]) -> &str {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("content-type")).map_or("", |(_, v)| v.as_str())
}

fn redact_headers(headers: &[(String, String)]) -> Value {
    Value::Object(
        headers
            .iter()
            .map(|(n, v)| {
                let v = if SECRET_HEADERS.contains(&n.to_ascii_lowercase().as_str()) {
                    match v.split_once(' ') {
                        Some((scheme, _)) if scheme.len() < 12 => format!("{scheme} {REDACTED}"),
                        _ => REDACTED.to_owned(),
                    }
                } else {
                    v.clone()
                };
                (n.clone(), Value::String(v))
            })
            .collect(),
    )
}

/// A body as recorded: JSON with secret fields redacted (as JSON), a form with secret fields
/// redacted, SOAP with its credentials redacted, other text as it is.
fn redact_body(body: &[u8], content_type: &str) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    if let Ok(mut json) = serde_json::from_slice::<Value>(body) {
        redact_json(&mut json);
        return json;
    }
    let text = String::from_utf8_lossy(body);
    if content_type.contains("x-www-form-urlencoded") {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(text.as_bytes())
            .map(|(k, v)| {
                let v = if SECRET_FORM_FIELDS.contains(&k.as_ref()) { REDACTED.to_owned() } else { v.into_owned() };
                (k.into_owned(), v)
            })
            .collect();
        return Value::String(form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish());
    }
    Value::String(redact_soap(&text))
}

fn redact_json(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if SECRET_FIELDS.contains(&k.as_str()) && !child.is_null() {
                    *child = Value::String(REDACTED.to_owned());
                } else {
                    redact_json(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// `<Username>…</Username>` and `<Token>…</Token>` of a SOAP header.
fn redact_soap(text: &str) -> String {
    let mut out = text.to_owned();
    for tag in ["Username", "Token"] {
        let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
        let mut from = 0;
        while let Some(start) = out[from..].find(&open).map(|i| from + i + open.len()) {
            let Some(end) = out[start..].find(&close).map(|i| start + i) else { break };
            out.replace_range(start..end, REDACTED);
            from = start + REDACTED.len() + close.len();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_reach_the_record() {
        let headers = vec![
            ("Authorization".to_owned(), "Bearer at-123456789".to_owned()),
            ("X-Subscription-Key".to_owned(), "sub-key-123".to_owned()),
            ("Accept".to_owned(), "application/json".to_owned()),
        ];
        let shown = redact_headers(&headers).to_string();
        assert!(!shown.contains("at-123456789") && !shown.contains("sub-key-123"), "{shown}");
        assert!(shown.contains("Bearer <redacted>") && shown.contains("application/json"), "{shown}");

        let reply = br#"{"access_token":"at-1","refresh_token":"rt-2","expires_in":3600,"nested":{"token":"t"}}"#;
        let shown = redact_body(reply, "application/json").to_string();
        assert!(!shown.contains("at-1") && !shown.contains("rt-2") && !shown.contains("\"t\""), "{shown}");
        assert!(shown.contains("3600"), "{shown}");

        let form = b"grant_type=refresh_token&refresh_token=rt-secret-value";
        let shown = redact_body(form, "application/x-www-form-urlencoded").to_string();
        assert!(!shown.contains("rt-secret-value") && shown.contains("grant_type=refresh_token"), "{shown}");

        let soap = "<h><Username>api@x.nl</Username><Token>tok-1</Token><Domain>d</Domain></h>";
        let shown = redact_soap(soap);
        assert_eq!(shown, "<h><Username><redacted></Username><Token><redacted></Token><Domain>d</Domain></h>");
    }

    #[test]
    fn known_secrets_are_scrubbed_anywhere() {
        let dir = tempfile::tempdir().unwrap();
        let core = HttpCore::new(client_config()).unwrap();
        let rec = Recorder::create(&dir.path().join("r.jsonl"), core).unwrap();
        rec.secret("abc");
        rec.secret("client-secret-1");
        assert_eq!(rec.scrub("x client-secret-1 y abc"), "x <redacted> y abc", "short values are not secrets");
    }
}
