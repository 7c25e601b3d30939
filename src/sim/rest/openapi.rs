//! Validation of REST traffic against Nmbrs' OpenAPI file (`nmbrs-openapi.yaml`, REST-NOTES S4),
//! read in place from the path in `NMBRS_SIM_OPENAPI` (the project never copies it). Requests
//! are checked for path, method, parameters (path, query, header; undeclared query parameters
//! are refused), the bearer header and the JSON body; responses for a declared status and the
//! JSON body. Schemas are OpenAPI 3.0 ones, turned into JSON Schema draft 4 for `jsonschema`
//! (`nullable: true` → `"null"` allowed) and compiled once per schema.
//!
//! The file's known defects (SOURCES.md, REST-NOTES §3 item 10) are worked around in memory:
//! path parameters are matched case-insensitively (`{hourcomponentId}` vs `hourComponentId`),
//! and `X-Subscription-Key` is required although the file does not mark it so (REST-NOTES §1).
//! Without a file, validation is off.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

use axum::http::{HeaderMap, Method, header};
use jsonschema::{Draft, Registry, Validator};
use serde_json::{Value, json};

use super::routes::{PathParams, match_template};

/// The environment variable naming the OpenAPI file.
pub const ENV: &str = "NMBRS_SIM_OPENAPI";
const BASE: &str = "urn:nmbrs-openapi";
const STRICT_BASE: &str = "urn:nmbrs-openapi-strict";

/// A loaded OpenAPI file with compiled schema validators.
pub struct OpenApi {
    doc: Value,
    /// The components converted twice: as they are (responses) and strict (requests).
    registry: &'static Registry<'static>,
    validators: Mutex<HashMap<(bool, String), Arc<Validator>>>,
}

impl std::fmt::Debug for OpenApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenApi").field("paths", &self.doc["paths"].as_object().map_or(0, |p| p.len())).finish()
    }
}

static LOADED: LazyLock<Mutex<HashMap<PathBuf, Arc<OpenApi>>>> = LazyLock::new(Default::default);

/// The OpenAPI file a simulator validates against, parsed on first use (once per process and
/// path), so a simulator that only serves SOAP never pays for reading it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenApiFile(PathBuf);

impl OpenApiFile {
    /// The file at `path`, which must exist.
    pub fn new(path: impl Into<PathBuf>) -> anyhow::Result<Self> {
        let path = path.into();
        anyhow::ensure!(path.is_file(), "OpenAPI file {} does not exist", path.display());
        Ok(OpenApiFile(path))
    }

    /// The parsed file.
    pub fn get(&self) -> anyhow::Result<Arc<OpenApi>> {
        load(&self.0)
    }
}

/// The file named by `NMBRS_SIM_OPENAPI`, if set.
pub fn from_env() -> anyhow::Result<Option<OpenApiFile>> {
    match std::env::var_os(ENV) {
        Some(p) if !p.is_empty() => OpenApiFile::new(PathBuf::from(p)).map(Some),
        _ => Ok(None),
    }
}

/// Loads (once per process) and prepares the OpenAPI file at `path`.
pub fn load(path: &Path) -> anyhow::Result<Arc<OpenApi>> {
    let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(o) = loaded.get(path) {
        return Ok(o.clone());
    }
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
    let api = Arc::new(OpenApi::from_yaml(&text)?);
    loaded.insert(path.to_owned(), api.clone());
    Ok(api)
}

/// OpenAPI 3.0 schema → JSON Schema draft 4: `nullable: true` allows `null`; `$ref`s point
/// into the registry at `base`. `strict` (requests) also refuses properties an object schema
/// does not declare, so a misspelt field (`periodDetail`) is a violation, not silently ignored.
fn to_json_schema(v: &mut Value, base: &str, strict: bool) {
    match v {
        Value::Object(map) => {
            for child in map.values_mut() {
                to_json_schema(child, base, strict);
            }
            let combined = ["allOf", "anyOf", "oneOf"].iter().any(|k| map.contains_key(*k));
            if strict && map.contains_key("properties") && !map.contains_key("additionalProperties") && !combined {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            if map.remove("nullable") == Some(Value::Bool(true)) {
                if let Some(Value::String(t)) = map.get("type").cloned() {
                    map.insert("type".into(), json!([t, "null"]));
                }
                if let Some(Value::Array(e)) = map.get_mut("enum")
                    && !e.contains(&Value::Null)
                {
                    e.push(Value::Null);
                }
                if let Some(r) = map.remove("$ref") {
                    map.insert("anyOf".into(), json!([{"$ref": r}, {"type": "null"}]));
                }
            }
            if let Some(Value::String(r)) = map.get_mut("$ref")
                && r.starts_with("#/")
            {
                *r = format!("{base}{r}");
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| to_json_schema(i, base, strict)),
        _ => {}
    }
}

fn masked(errors: jsonschema::ErrorIterator<'_>, at: &str) -> Vec<String> {
    errors
        .take(5)
        .map(|e| {
            let path = e.instance_path().to_string();
            format!("{at}{}: {}", if path.is_empty() { "/" } else { &path }, e.masked())
        })
        .collect()
}

/// A query/path/header value as the JSON its schema expects (`"5"` → `5` for an integer).
fn typed(schema: &Value, raw: &str) -> Value {
    match schema["type"].as_str() {
        Some("integer") => raw.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(raw.into())),
        Some("number") => raw.parse::<f64>().map(Value::from).unwrap_or_else(|_| Value::String(raw.into())),
        Some("boolean") => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(raw.into()),
        },
        _ => Value::String(raw.into()),
    }
}

fn format_problem(schema: &Value, raw: &str) -> Option<&'static str> {
    match schema["format"].as_str() {
        Some("uuid") if uuid::Uuid::try_parse(raw).is_err() => Some("is not a UUID"),
        Some("date-time")
            if chrono::DateTime::parse_from_rfc3339(raw).is_err() && raw.parse::<chrono::NaiveDateTime>().is_err() =>
        {
            Some("is not an ISO-8601 date-time")
        }
        _ => None,
    }
}

impl OpenApi {
    /// Parses the YAML text of an OpenAPI 3.0 file.
    pub fn from_yaml(text: &str) -> anyhow::Result<Self> {
        let doc: Value = serde_saphyr::from_str(text).map_err(|e| anyhow::anyhow!("OpenAPI file is not YAML: {e}"))?;
        anyhow::ensure!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "not an OpenAPI 3 file");
        let resources = [(BASE, false), (STRICT_BASE, true)].map(|(base, strict)| {
            let mut schema_doc = json!({"components": doc["components"].clone()});
            to_json_schema(&mut schema_doc, base, strict);
            (base, Draft::Draft4.create_resource(schema_doc))
        });
        let registry = Registry::new()
            .extend(resources)
            .and_then(|b| b.prepare())
            .map_err(|e| anyhow::anyhow!("OpenAPI components do not form a registry: {e}"))?;
        Ok(OpenApi { doc, registry: Box::leak(Box::new(registry)), validators: Mutex::new(HashMap::new()) })
    }

    /// Follows a local `$ref` (`#/components/...`) in the raw document.
    fn deref<'a>(&'a self, v: &'a Value) -> &'a Value {
        let mut v = v;
        for _ in 0..8 {
            let Some(r) = v["$ref"].as_str().and_then(|r| r.strip_prefix('#')) else { break };
            match self.doc.pointer(r) {
                Some(next) => v = next,
                None => break,
            }
        }
        v
    }

    /// Whether the file has a path template matching `path` (any method).
    pub fn has_path(&self, _method: &Method, path: &str) -> bool {
        self.doc["paths"].as_object().is_some_and(|p| p.keys().any(|t| match_template(t, path).is_some()))
    }

    /// The operation object of `method template`.
    pub fn operation(&self, method: &Method, template: &str) -> Option<&Value> {
        self.doc["paths"].get(template)?.get(method.as_str().to_ascii_lowercase())
    }

    /// The scopes the file lists for an operation (its `security`).
    pub fn scopes(&self, method: &Method, template: &str) -> Vec<String> {
        let op = self.operation(method, template);
        op.and_then(|o| o["security"].as_array())
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_object())
            .flat_map(|o| o.values().filter_map(Value::as_array).flatten())
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect()
    }

    /// Validator of a raw (OpenAPI) schema, strict or not, cached by its text.
    fn validator(&self, schema: &Value, strict: bool) -> Result<Arc<Validator>, String> {
        let key = (strict, schema.to_string());
        let mut cache = self.validators.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = cache.get(&key) {
            return Ok(v.clone());
        }
        let mut converted = schema.clone();
        to_json_schema(&mut converted, if strict { STRICT_BASE } else { BASE }, strict);
        let compiled = jsonschema::options()
            .with_draft(Draft::Draft4)
            .with_registry(self.registry)
            .should_validate_formats(false)
            .build(&converted)
            .map_err(|e| format!("schema does not compile: {e}"))?;
        let compiled = Arc::new(compiled);
        cache.insert(key, compiled.clone());
        Ok(compiled)
    }

    fn check_value(&self, schema: &Value, value: &Value, at: &str, strict: bool) -> Vec<String> {
        match self.validator(schema, strict) {
            Ok(v) => masked(v.iter_errors(value), at),
            Err(e) => vec![format!("{at}: {e}")],
        }
    }

    /// Problems of a request to `method template` (empty = valid).
    pub fn check_request(
        &self,
        method: &Method,
        template: &str,
        path: &PathParams,
        query: &BTreeMap<String, String>,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Vec<String> {
        let Some(item) = self.doc["paths"].get(template) else {
            return vec![format!("path {template} is not in the OpenAPI file")];
        };
        let Some(op) = self.operation(method, template) else {
            return vec![format!("method {method} is not allowed on {template}")];
        };
        let mut problems = Vec::new();
        let params = item["parameters"].as_array().into_iter().chain(op["parameters"].as_array()).flatten();
        let mut declared_query = Vec::new();
        for p in params.map(|p| self.deref(p)) {
            let (Some(name), Some(place)) = (p["name"].as_str(), p["in"].as_str()) else { continue };
            let schema = self.deref(&p["schema"]);
            let required = p["required"].as_bool().unwrap_or(false) || name.eq_ignore_ascii_case("X-Subscription-Key");
            let raw: Option<String> = match place {
                "path" => path.get(name).map(str::to_owned),
                "query" => {
                    declared_query.push(name.to_owned());
                    query.get(name).cloned()
                }
                "header" => headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned),
                _ => continue,
            };
            match raw {
                None if required => problems.push(format!("{place} parameter {name} is required")),
                None => {}
                Some(raw) => {
                    if let Some(why) = format_problem(schema, &raw) {
                        problems.push(format!("{place} parameter {name} {why}"));
                    }
                    let at = format!("{place} parameter {name}");
                    problems.extend(self.check_value(&p["schema"], &typed(schema, &raw), &at, false));
                }
            }
        }
        for name in query.keys().filter(|k| !declared_query.contains(k)) {
            problems.push(format!("query parameter {name} is not declared"));
        }
        if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
            let bearer = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("Bearer "));
            if !bearer {
                problems.push("header Authorization: Bearer is required".into());
            }
        }
        let request_body = self.deref(&op["requestBody"]);
        match (request_body.is_object(), body.is_empty()) {
            (false, false) => problems.push("the operation takes no body".into()),
            (true, true) if request_body["required"].as_bool().unwrap_or(false) => {
                problems.push("body is required".into())
            }
            (true, false) => {
                let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
                let media = ct.split(';').next().unwrap_or("").trim();
                match request_body["content"].get(media) {
                    None => problems.push(format!("content type {media:?} is not declared")),
                    Some(content) => match serde_json::from_slice::<Value>(body) {
                        Err(e) => problems.push(format!("body is not JSON: {e}")),
                        Ok(v) => problems.extend(self.check_value(&content["schema"], &v, "body", true)),
                    },
                }
            }
            _ => {}
        }
        problems
    }

    /// Problems of a response (`status`, JSON body or none) to `method template`.
    pub fn check_response(&self, method: &Method, template: &str, status: u16, body: Option<&Value>) -> Vec<String> {
        let Some(op) = self.operation(method, template) else {
            return vec![format!("{method} {template} is not in the OpenAPI file")];
        };
        let responses = &op["responses"];
        let declared = responses.get(status.to_string()).or_else(|| responses.get("default"));
        let Some(response) = declared.map(|r| self.deref(r)) else {
            return vec![format!("status {status} is not declared")];
        };
        match (response["content"].get("application/json"), body) {
            (Some(content), Some(b)) => self.check_value(&content["schema"], b, "response", false),
            (Some(_), None) => vec![format!("status {status} must have a JSON body")],
            (None, Some(_)) => vec![format!("status {status} has no body in the file")],
            (None, None) => Vec::new(),
        }
    }
}
