//! Raw delivery bytes → a valid [`Job`] and its opened credentials, or a [`Rejection`].
//!
//! The order is fixed (CONTRACT §2.2 and issue 2): size, JSON, schema of the body's `type`,
//! `type` against the queue it arrived on, the typed envelope and payload, then the
//! credentials. The payload is parsed here, once: a value the schema lets through but its
//! type refuses (30 February, an id beyond `s:int`) is a `schema_violation` rejection, so a
//! handler only ever sees a payload that fits (CONTRACT §3, issue 12).

use sha2::{Digest, Sha256};

use super::{
    Job, JobPayload, JobType, RejectCode, Rejection,
    job::{RawEnvelope, bound_refusal},
    schema,
};
use crate::credentials::{ApiKind, KeyRing, OpenedCredentials};
use crate::domain::export::bounds::{self, ExportRefusal};
use crate::domain::integration::Venue;

/// Size bounds of what comes in and goes out (CONTRACT §2.2 Bounds).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// `NMBRS_WORKER_MAX_MESSAGE_BYTES`: a job body above it is rejected unread (`too_large`).
    pub max_message_bytes: usize,
    /// `NMBRS_WORKER_MAX_EVENT_BYTES`: the largest event body a job may produce; jobs cut
    /// their reported lists to fit it (`domain::bounded::fit_lists`).
    pub max_event_bytes: usize,
}

/// Checks one delivery that arrived on the queue of `queue_type`.
pub fn validate(
    body: &[u8],
    queue_type: JobType,
    amqp_message_id: Option<&str>,
    limits: Limits,
    keys: &KeyRing,
) -> Result<(Job, OpenedCredentials), Box<Rejection>> {
    check(body, queue_type, amqp_message_id, limits, keys).map_err(Box::new)
}

#[allow(clippy::result_large_err, reason = "private; boxed once at the public boundary")]
fn check(
    body: &[u8],
    queue_type: JobType,
    amqp_message_id: Option<&str>,
    limits: Limits,
    keys: &KeyRing,
) -> Result<(Job, OpenedCredentials), Rejection> {
    if body.len() > limits.max_message_bytes {
        return Err(Rejection::new(
            RejectCode::TooLarge,
            format!("message is {} bytes; the limit is {}", body.len(), limits.max_message_bytes),
        )
        .identified_by(None, amqp_message_id));
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        Rejection::new(RejectCode::InvalidJson, format!("body is not JSON: {}", e.classify_message()))
            .identified_by(None, amqp_message_id)
    })?;
    // Who the message is, read once: the tree is consumed by the typed parse below, never cloned.
    let who = Rejection::new(RejectCode::SchemaViolation, "").identified_by(Some(&value), amqp_message_id);
    let reject = |code, message: String| Rejection { code, message, ..who.clone() };
    if !value.is_object() {
        return Err(reject(RejectCode::InvalidJson, "body is JSON but not an object".into()));
    }
    let type_name = value.get("type").and_then(|t| t.as_str());
    let Some(body_type) = type_name.and_then(JobType::from_type_name) else {
        let shown = type_name.map(|t| t.chars().take(40).collect::<String>());
        return Err(reject(
            RejectCode::UnknownType,
            format!("type {shown:?} is not one of SyncTeam, ExportHours, Deactivate, CheckIntegration"),
        ));
    };
    schema::check(&format!("jobs/{body_type}"), &value).map_err(|problems| {
        reject(RejectCode::SchemaViolation, format!("{body_type} breaks its schema: {problems}"))
    })?;
    if body_type != queue_type {
        return Err(reject(
            RejectCode::RoutingKeyMismatch,
            format!("a {body_type} job arrived with routing key {}", queue_type.routing_key()),
        ));
    }
    let body_id = value.get("message_id").and_then(serde_json::Value::as_str);
    if amqp_message_id != body_id {
        let what = match amqp_message_id {
            None => "the message has no AMQP message_id",
            Some(_) => "the body's message_id is not the AMQP message_id",
        };
        return Err(reject(RejectCode::MessageIdMismatch, format!("{what} (CONTRACT §2.1: they must be equal)")));
    }
    let raw: RawEnvelope = serde_path_to_error::deserialize(value).map_err(|e| {
        let why = bound_refusal(e.inner()).unwrap_or_else(|| e.inner().classify_message());
        reject(RejectCode::SchemaViolation, format!("{} does not fit its type: {why}", e.path()))
    })?;
    let payload_sha256 = payload_digest(body_type, &raw.payload);
    let payload = JobPayload::parse(body_type, raw.payload).map_err(|e| {
        reject(RejectCode::SchemaViolation, format!("{body_type} payload does not fit the worker's type: {e}"))
    })?;
    if let JobPayload::ExportHours(export) = &payload {
        bounds::check(export).map_err(|refusal| {
            let code = match refusal {
                ExportRefusal::DuplicateEntryIds(_) => RejectCode::DuplicateEntryId,
                ExportRefusal::OutOfRange(_) => RejectCode::ValueOutOfRange,
            };
            reject(code, refusal.message())
        })?;
    }
    let nmbrs = &raw.integration.nmbrs;
    let credentials = keys
        .open_for(nmbrs.api, &raw.integration.id, &nmbrs.credentials)
        .map_err(|e| reject(RejectCode::CredentialsInvalid, e.to_string()))?;
    venue_ids_fit(nmbrs.api, &raw.integration.venues).map_err(|m| reject(RejectCode::SchemaViolation, m))?;
    let job = Job {
        idempotency_key: raw.idempotency_key.unwrap_or_else(|| raw.message_id.clone()),
        message_id: raw.message_id,
        kind: raw.kind,
        created_at: raw.created_at,
        requested_by: raw.requested_by,
        integration: raw.integration,
        payload,
        payload_sha256,
    };
    Ok((job, credentials))
}

/// The venues' company ids have the form of the integration's API (CONTRACT §5.2): integers
/// on `soap`, REST `companyId` UUIDs on `rest`. A mismatch is the sender's mistake; the message
/// names the venue, never a value.
fn venue_ids_fit(api: ApiKind, venues: &[Venue]) -> Result<(), String> {
    let misfit = venues.iter().find(|v| match api {
        ApiKind::Soap => v.nmbrs_company_id.soap().is_none(),
        ApiKind::Rest => v.nmbrs_company_id.0.rest().is_none(),
    });
    match misfit {
        None => Ok(()),
        Some(v) => Err(format!(
            "venue {:?}: nmbrs_company_id is not a {} company id (CONTRACT §5.2)",
            v.eitje_venue_id,
            match api {
                ApiKind::Soap => "SOAP (integer)",
                ApiKind::Rest => "REST (UUID)",
            }
        )),
    }
}

/// Digest of what makes two deliveries "the same job": its type and payload. serde_json's map
/// is ordered, so key order in the sender's JSON does not matter.
fn payload_digest(kind: JobType, payload: &serde_json::Value) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(kind.as_str().as_bytes());
    hasher.update([0]);
    // Streamed into the hash: no second copy of a large payload.
    serde_json::to_writer(Hashing(&mut hasher), payload).expect("a Value serializes");
    hasher.finalize().into()
}

/// Writes into a running SHA-256.
struct Hashing<'a>(&'a mut Sha256);

impl std::io::Write for Hashing<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

trait ClassifyMessage {
    fn classify_message(&self) -> String;
}

impl ClassifyMessage for serde_json::Error {
    /// Line and column only: serde's message can quote the offending input.
    fn classify_message(&self) -> String {
        let what = match self.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "unexpected data",
            serde_json::error::Category::Eof => "unexpected end of input",
        };
        format!("{what} at line {} column {}", self.line(), self.column())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::Credentials;
    use serde_json::json;

    fn keys() -> KeyRing {
        KeyRing::parse(&KeyRing::generate_entry("k1")).unwrap()
    }

    fn body(keys: &KeyRing, integration: &str, sealed_for: &str) -> serde_json::Value {
        let sealed = keys.seal(sealed_for, &Credentials::new("api@example.com", "tok"));
        json!({
            "message_id": "6f1c1f9e-7d1b-4c36-9a55-0c1d2e3f4a5b",
            "type": "SyncTeam",
            "schema_version": 1,
            "created_at": "2026-11-24T21:00:00Z",
            "integration": {
                "id": integration,
                "nmbrs": {"domain": "mycompany", "credentials": {"key_id": sealed.key_id, "sealed": sealed.sealed}},
                "venues": [{"eitje_venue_id": "v-1", "nmbrs_company_id": 54613}]
            },
            "payload": {"trigger": "manual", "full": false, "members": []}
        })
    }

    const LIMITS: Limits = Limits { max_message_bytes: 64 * 1024, max_event_bytes: 4 << 20 };

    fn run(
        keys: &KeyRing,
        value: &serde_json::Value,
        queue: JobType,
    ) -> Result<(Job, OpenedCredentials), Box<Rejection>> {
        let amqp_id = value["message_id"].as_str();
        validate(&serde_json::to_vec(value).unwrap(), queue, amqp_id, LIMITS, keys)
    }

    #[test]
    fn a_valid_job_is_typed_and_its_key_defaults_to_the_message_id() {
        let k = keys();
        let (job, creds) = run(&k, &body(&k, "env-42", "env-42"), JobType::SyncTeam).unwrap();
        assert_eq!(job.kind, JobType::SyncTeam);
        assert_eq!(job.idempotency_key, job.message_id);
        assert_eq!(job.integration.venues[0].nmbrs_company_id, crate::nmbrs::CompanyId::int(54613));
        assert!(!job.integration.settings.auto_deactivate);
        assert!(matches!(creds, OpenedCredentials::Soap(c) if c.username == "api@example.com"));
    }

    #[test]
    fn each_kind_of_bad_input_has_its_code() {
        let k = keys();
        let ok = body(&k, "env-42", "env-42");
        let too_big = validate(&vec![b' '; LIMITS.max_message_bytes + 1], JobType::SyncTeam, Some("m"), LIMITS, &k);
        assert_eq!(too_big.unwrap_err().code, RejectCode::TooLarge);
        let not_json = validate(b"{nope", JobType::SyncTeam, Some("m"), LIMITS, &k).unwrap_err();
        assert_eq!((not_json.code, not_json.message_id.as_deref()), (RejectCode::InvalidJson, Some("m")));
        let mut unknown = ok.clone();
        unknown["type"] = json!("PayEveryone");
        assert_eq!(run(&k, &unknown, JobType::SyncTeam).unwrap_err().code, RejectCode::UnknownType);
        let mut no_venues = ok.clone();
        no_venues["integration"]["venues"] = json!([]);
        let schema = run(&k, &no_venues, JobType::SyncTeam).unwrap_err();
        assert_eq!(schema.code, RejectCode::SchemaViolation);
        assert_eq!(schema.message_id.as_deref(), Some("6f1c1f9e-7d1b-4c36-9a55-0c1d2e3f4a5b"));
        assert_eq!(schema.integration_id.as_deref(), Some("env-42"));
        assert_eq!(run(&k, &ok, JobType::ExportHours).unwrap_err().code, RejectCode::RoutingKeyMismatch);
        let foreign = body(&k, "env-42", "env-7");
        assert_eq!(run(&k, &foreign, JobType::SyncTeam).unwrap_err().code, RejectCode::CredentialsInvalid);
    }

    #[test]
    fn the_body_message_id_must_be_the_amqp_one() {
        let k = keys();
        let ok = serde_json::to_vec(&body(&k, "env-42", "env-42")).unwrap();
        for amqp in [Some("another-id"), None] {
            let refused = validate(&ok, JobType::SyncTeam, amqp, LIMITS, &k).unwrap_err();
            assert_eq!(refused.code, RejectCode::MessageIdMismatch, "{amqp:?}");
            assert_eq!(refused.message_id.as_deref(), Some("6f1c1f9e-7d1b-4c36-9a55-0c1d2e3f4a5b"), "the body's id");
        }
    }

    #[test]
    fn the_payload_is_typed_once_and_a_value_its_type_refuses_is_a_rejection() {
        let k = keys();
        let (job, _) = run(&k, &body(&k, "env-42", "env-42"), JobType::SyncTeam).unwrap();
        let JobPayload::SyncTeam(payload) = &job.payload else { panic!("a SyncTeam payload: {:?}", job.payload) };
        assert!(!payload.full && payload.members.is_empty());
        // Each passes the schema and fails its Rust type.
        let cases = [
            ("Deactivate", "payload.as_of", json!({"members": [], "as_of": "2026-02-30"})),
            (
                "ExportHours",
                "payload.entries[0].date",
                json!({"export_id": "exp-1", "period": {"year": 2026, "number": 11}, "entries": [{
                "entry_id": "shift-1", "nmbrs_employee_id": 503293, "eitje_venue_id": "v-1", "date": "2026-11-31",
                "kind": "worked", "hours": "7.50", "approved": true, "contract_type": "zero_hours"}]}),
            ),
        ];
        for (kind, path, payload) in cases {
            let mut job = body(&k, "env-42", "env-42");
            job["type"] = json!(kind);
            job["payload"] = payload;
            schema::check(&format!("jobs/{kind}"), &job).expect("the schema accepts it");
            let refused = run(&k, &job, JobType::from_type_name(kind).unwrap()).unwrap_err();
            assert_eq!(refused.code, RejectCode::SchemaViolation, "{kind}");
            assert!(refused.message.starts_with(&format!("{kind} payload does not fit")), "{}", refused.message);
            assert!(refused.message.contains(path), "names where: {}", refused.message);
            assert!(!refused.message.contains("2026-"), "no value is echoed: {}", refused.message);
            assert_eq!(refused.message_id.as_deref(), Some("6f1c1f9e-7d1b-4c36-9a55-0c1d2e3f4a5b"));
        }
    }

    #[test]
    fn payload_digest_ignores_key_order_but_not_content() {
        let a = payload_digest(JobType::SyncTeam, &json!({"a": 1, "b": 2}));
        let b = payload_digest(JobType::SyncTeam, &serde_json::from_str(r#"{"b":2,"a":1}"#).unwrap());
        let c = payload_digest(JobType::SyncTeam, &json!({"a": 1, "b": 3}));
        let d = payload_digest(JobType::Deactivate, &json!({"a": 1, "b": 2}));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }
}
