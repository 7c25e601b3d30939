//! The probe's REST calls: the worker's REST settings (`RestConfig`: base URL, subscription key),
//! its token request (`nmbrs::rest::auth::token_client`: the refresh grant exactly as the worker
//! sends it) and its catalogue of operations (`RestOperation`: method and path template), over
//! the [`Recorder`], so every exchange is on record. Raw requests, because the probe must send
//! what the worker never does (a PUT without `periodDetails`, a wrong subscription key, the
//! nested wage period) and see every status and body as it came.
//!
//! Every call goes through the [`Recorder`], so through the worker's HTTP core and on a ticket
//! of the shared call budget; and it is repeated exactly as the worker's REST client would
//! repeat it (the one retry policy, `nmbrs::http::with_retries`: a 429 `42908` waited out,
//! at least its `Retry-After`, up to [`RETRY_AFTER_CAP`]; a 429 `42909` never, and no call at
//! all while it pauses REST; an insert only after a refusal that proves it did not happen).
//! The question gets the last exchange as it came; every 429 seen is kept for the
//! `retry_after_on_429` finding.

use std::sync::Mutex;
use std::time::Duration;

use oauth2::{RefreshToken, TokenResponse};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::recorder::{NoReply, ProbeReply, ProbeRequest, Recorder};
use crate::nmbrs::NmbrsError;
use crate::nmbrs::budget::Scope;
use crate::nmbrs::http::with_retries;
use crate::nmbrs::rest::RestOperation;
use crate::nmbrs::rest::auth::TokenClient;
use crate::nmbrs::rest::{RETRY_AFTER_CAP, call_error, reply_error};

/// A 429 seen during the run: its exchange and its `Retry-After`, if any.
#[derive(Clone, Debug)]
pub struct Throttled {
    pub seq: u32,
    pub retry_after: Option<String>,
}

/// The path of `op` with its `{…}` segments filled in order.
pub fn path(op: RestOperation, ids: &[&str]) -> String {
    let mut ids = ids.iter();
    op.template()
        .split('/')
        .map(|seg| if seg.starts_with('{') { ids.next().copied().unwrap_or(seg) } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// One request of the probe.
pub struct Call<'a> {
    /// The catalogue's operation: its effect decides the retries, its method and path the request.
    pub op: RestOperation,
    pub method: Method,
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<&'a Value>,
    pub off_spec: Option<&'static str>,
    /// Sent instead of the app's subscription key (the gateway question).
    pub key: Option<&'a str>,
}

impl<'a> Call<'a> {
    pub fn new(op: RestOperation, ids: &[&str]) -> Self {
        let method = Method::from_bytes(op.method().as_bytes()).unwrap_or(Method::GET);
        Call { op, method, path: path(op, ids), query: Vec::new(), body: None, off_spec: None, key: None }
    }

    pub fn query(mut self, name: &'static str, value: impl ToString) -> Self {
        self.query.push((name, value.to_string()));
        self
    }

    pub fn body(mut self, body: &'a Value) -> Self {
        self.body = Some(body);
        self
    }
}

/// REST with one access token at a time.
pub struct Rest<'r> {
    pub rec: &'r Recorder,
    base: String,
    key: SecretString,
    bearer: Mutex<SecretString>,
    throttled: Mutex<Vec<Throttled>>,
}

impl<'r> Rest<'r> {
    pub fn new(rec: &'r Recorder, base_url: &str, key: SecretString, access: SecretString) -> Self {
        rec.secret(key.expose_secret());
        rec.secret(access.expose_secret());
        Rest {
            rec,
            base: base_url.trim_end_matches('/').to_owned(),
            key,
            bearer: Mutex::new(access),
            throttled: Mutex::new(Vec::new()),
        }
    }

    /// Uses `access` from now on (after a refresh).
    pub fn set_access(&self, access: SecretString) {
        self.rec.secret(access.expose_secret());
        *self.bearer.lock().unwrap_or_else(|e| e.into_inner()) = access;
    }

    /// The 429s seen so far.
    pub fn throttled(&self) -> Vec<Throttled> {
        self.throttled.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Sends `call` under the worker's retry policy (module doc); the last exchange.
    pub async fn send(&self, call: Call<'_>) -> Result<ProbeReply, NoReply> {
        let last = Mutex::new(None);
        let (op, config) = (call.op, self.rec.core().config());
        // The policy repeats on the error the worker's client would see; the question gets the
        // last exchange as it came, refused or not.
        let _ = with_retries(config, op.name(), op.effect(), RETRY_AFTER_CAP, || async {
            let sent = self.send_once(&call).await;
            let error = as_error(op, &sent);
            *last.lock().unwrap_or_else(|e| e.into_inner()) = Some(sent);
            error.map_or(Ok(()), Err)
        })
        .await;
        let last = last.into_inner().unwrap_or_else(|e| e.into_inner());
        last.expect("the retry policy makes at least one attempt")
    }

    /// One exchange, no waiting on 429 (the burst of the `Retry-After` question).
    pub async fn send_once(&self, call: &Call<'_>) -> Result<ProbeReply, NoReply> {
        let mut url = format!("{}{}", self.base, call.path);
        if !call.query.is_empty() {
            url.push('?');
            url.push_str(&form_urlencoded::Serializer::new(String::new()).extend_pairs(&call.query).finish());
        }
        let bearer = self.bearer.lock().unwrap_or_else(|e| e.into_inner()).expose_secret().to_owned();
        let key = call.key.unwrap_or(self.key.expose_secret()).to_owned();
        let mut headers = vec![
            ("Authorization".to_owned(), format!("Bearer {bearer}")),
            ("X-Subscription-Key".to_owned(), key),
            ("Accept".to_owned(), "application/json".to_owned()),
        ];
        let body = call.body.map(|b| serde_json::to_vec(b).expect("JSON values serialise"));
        if body.is_some() {
            headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
        }
        let (method, off_spec) = (call.method.clone(), call.off_spec);
        let budget = Some(Scope::Rest);
        let reply = self.rec.send(ProbeRequest { method, url, headers, body, off_spec, budget }).await?;
        if reply.status == 429 && call.key.is_none() {
            let retry_after = reply.header("retry-after").map(str::to_owned);
            let mut seen = self.throttled.lock().unwrap_or_else(|e| e.into_inner());
            if !seen.iter().any(|t| t.seq == reply.seq) {
                seen.push(Throttled { seq: reply.seq, retry_after });
            }
        }
        Ok(reply)
    }

    /// Every `data` item of a paged read (`pageSize` 100, following `nextPage`, at most 50
    /// pages); a refusal is an error quoting the exchange.
    pub async fn get_all(
        &self,
        op: RestOperation,
        ids: &[&str],
        query: &[(&'static str, String)],
    ) -> anyhow::Result<Vec<Value>> {
        let mut items = Vec::new();
        for page in 1..=50u32 {
            let mut call = Call::new(op, ids);
            call.query = query.to_vec();
            if op.paged() {
                call = call.query("pageNumber", page).query("pageSize", 100);
            }
            let reply = self.send(call).await?;
            anyhow::ensure!(reply.ok(), "{} refused: {}", op.name(), self.rec.cite(&reply));
            let json =
                reply.json().ok_or_else(|| anyhow::anyhow!("{} is not JSON: {}", op.name(), self.rec.cite(&reply)))?;
            items.extend(json["data"].as_array().cloned().unwrap_or_default());
            let more = op.paged()
                && !json["pagination"]["nextPage"].is_null()
                && !json["data"].as_array().is_none_or(Vec::is_empty);
            if !more {
                return Ok(items);
            }
        }
        anyhow::bail!("{}: more than 50 pages", op.name())
    }
}

/// The error the worker's REST client would see for `sent` (none for a 2xx reply): its kind
/// decides whether the retry policy sends the call again.
fn as_error(op: RestOperation, sent: &Result<ProbeReply, NoReply>) -> Option<NmbrsError> {
    match sent {
        Ok(reply) if reply.ok() => None,
        Ok(reply) => Some(reply_error(op, reply.status, reply.retry_after, &reply.body)),
        Err(NoReply { cause: Some(cause), .. }) => Some(call_error(op, cause.clone())),
        Err(NoReply { cause: None, .. }) => None,
    }
}

/// One refresh-grant request and what came back.
pub struct Refreshed {
    pub reply: ProbeReply,
    pub outcome: RefreshOutcome,
}

/// The answer of the token endpoint.
pub enum RefreshOutcome {
    Granted {
        access: SecretString,
        /// `None` when the endpoint did not rotate.
        refresh: Option<SecretString>,
        /// `expires_in`, seconds.
        expires_in: Option<u64>,
        /// The reply's other fields (a refresh token's own lifetime, if the endpoint states it).
        extra: serde_json::Map<String, Value>,
    },
    /// An OAuth error reply (`invalid_grant`, `invalid_client`, …) or an unreadable one.
    Refused { error: String },
}

/// The `oauth2` HTTP client that sends through the record.
struct Through<'a> {
    rec: &'a Recorder,
    seen: Mutex<Option<ProbeReply>>,
}

impl<'c> oauth2::AsyncHttpClient<'c> for Through<'_> {
    type Error = NoReply;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<oauth2::HttpResponse, NoReply>> + Send + 'c>>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (reply, response) = self.rec.send_oauth(request).await?;
            *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(reply);
            Ok(response)
        })
    }
}

/// The longest `Retry-After` of the token endpoint waited out.
const TOKEN_WAIT_CAP: Duration = Duration::from_secs(30);

/// Posts the refresh grant for `refresh_token` with the worker's token client. A 429 (the
/// identity server refused the request before handling it, so the token is not spent) is
/// waited out (`Retry-After` up to 30 s, else 2 s, 4 s) and sent again, up to three times: the
/// token endpoint is no API call (no budget ticket, no `42908`), and the probe must not lose
/// the consent's one refresh token to a busy identity server.
pub async fn refresh(rec: &Recorder, client: &TokenClient, refresh_token: &SecretString) -> Result<Refreshed, NoReply> {
    let mut attempt = 0;
    loop {
        let refreshed = refresh_once(rec, client, refresh_token).await?;
        if refreshed.reply.status != 429 || attempt == 3 {
            return Ok(refreshed);
        }
        attempt += 1;
        let wait = refreshed.reply.retry_after.map_or(Duration::from_secs(2 * attempt), |d| d.min(TOKEN_WAIT_CAP));
        tracing::warn!(seq = refreshed.reply.seq, ?wait, "the token endpoint answered 429; waiting");
        tokio::time::sleep(wait).await;
    }
}

async fn refresh_once(
    rec: &Recorder,
    client: &TokenClient,
    refresh_token: &SecretString,
) -> Result<Refreshed, NoReply> {
    rec.secret(refresh_token.expose_secret());
    let through = Through { rec, seen: Mutex::new(None) };
    let token = RefreshToken::new(refresh_token.expose_secret().to_owned());
    let result = client.exchange_refresh_token(&token).request_async(&through).await;
    let seen = through.seen.lock().unwrap_or_else(|e| e.into_inner()).take();
    let outcome = match result {
        Ok(reply) => {
            let access = SecretString::from(reply.access_token().secret().as_str());
            let refresh = reply.refresh_token().map(|t| SecretString::from(t.secret().as_str()));
            rec.secret(access.expose_secret());
            if let Some(r) = &refresh {
                rec.secret(r.expose_secret());
            }
            let known = ["access_token", "refresh_token", "token_type", "expires_in", "scope", "id_token"];
            let mut extra =
                seen.as_ref().and_then(ProbeReply::json).and_then(|j| j.as_object().cloned()).unwrap_or_default();
            extra.retain(|k, _| !known.contains(&k.as_str()));
            RefreshOutcome::Granted { access, refresh, expires_in: reply.expires_in().map(|d| d.as_secs()), extra }
        }
        Err(oauth2::RequestTokenError::ServerResponse(e)) => {
            RefreshOutcome::Refused { error: e.error().as_ref().to_owned() }
        }
        Err(oauth2::RequestTokenError::Request(e)) => return Err(e),
        Err(oauth2::RequestTokenError::Parse(e, _)) => {
            RefreshOutcome::Refused { error: format!("unreadable reply at {}", e.path()) }
        }
        Err(oauth2::RequestTokenError::Other(what)) => {
            RefreshOutcome::Refused { error: what.chars().take(100).collect() }
        }
    };
    let reply = seen.ok_or(NoReply { seq: 0, message: "the token request was not sent".into(), cause: None })?;
    Ok(Refreshed { reply, outcome })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fill_the_catalogue_templates_in_order() {
        assert_eq!(path(RestOperation::HoursDelete, &["e1", "h2"]), "/api/employees/e1/hours/h2");
        assert_eq!(path(RestOperation::CurrentPeriod, &["c"]), "/api/companies/c/period");
        assert_eq!(path(RestOperation::Companies, &[]), "/api/companies");
    }
}
