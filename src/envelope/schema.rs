//! The JSON Schemas in `schemas/`, compiled into the binary and checked at run time.
//!
//! `schemas/` is the source of truth other teams read; embedding the same files means the
//! worker can never drift from what it documents. Every file is registered under its `$id`,
//! so the relative `$ref`s between them resolve without any network access.

use std::{collections::BTreeMap, sync::LazyLock};

use jsonschema::{Draft, Registry, Resource, Validator};
use serde_json::Value;

macro_rules! schema_files {
    ($($path:literal),* $(,)?) => {
        /// Every schema file as (path under `schemas/`, contents).
        pub const FILES: &[(&str, &str)] = &[
            $(($path, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/", $path)))),*
        ];
    };
}

schema_files!(
    "common.json",
    "jobs/envelope.json",
    "jobs/SyncTeam.json",
    "jobs/ExportHours.json",
    "jobs/Deactivate.json",
    "jobs/CheckIntegration.json",
    "events/envelope.json",
    "events/job.completed.json",
    "events/job.failed.json",
    "events/job.rejected.json",
    "events/team_member.upserted.json",
    "events/team_member.deactivated.json",
    "events/hours.exported.json",
    "events/integration.checked.json",
    "events/notification.json",
    "probe/findings.json",
);

fn parsed() -> impl Iterator<Item = (&'static str, Value)> {
    FILES.iter().map(|(path, text)| {
        let value: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("schemas/{path} is not JSON: {e}"));
        (*path, value)
    })
}

fn schema_id(path: &str, schema: &Value) -> String {
    schema["$id"].as_str().unwrap_or_else(|| panic!("schemas/{path} has no $id")).to_string()
}

static REGISTRY: LazyLock<Registry<'static>> = LazyLock::new(|| {
    let resources = parsed().map(|(path, schema)| (schema_id(path, &schema), Resource::from_contents(schema)));
    Registry::new().extend(resources).and_then(|b| b.prepare()).expect("schemas/ form a valid registry")
});

/// Validators by schema path stem (`jobs/SyncTeam`, `events/job.completed`, …).
static VALIDATORS: LazyLock<BTreeMap<String, Validator>> = LazyLock::new(|| {
    parsed()
        .filter(|(path, _)| *path != "common.json")
        .map(|(path, schema)| {
            let validator = jsonschema::options()
                .with_draft(Draft::Draft202012)
                .with_registry(&REGISTRY)
                .build(&schema)
                .unwrap_or_else(|e| panic!("schemas/{path} does not compile: {e}"));
            (path.trim_end_matches(".json").to_string(), validator)
        })
        .collect()
});

/// The validator of one schema, by its path stem (`jobs/ExportHours`, `events/notification`).
pub fn validator(stem: &str) -> Option<&'static Validator> {
    VALIDATORS.get(stem)
}

/// Validates `instance` and describes up to five violations by location and rule, without the
/// offending values (they may be a BSN or a credential).
pub fn check(stem: &str, instance: &Value) -> Result<(), String> {
    let validator = validator(stem).unwrap_or_else(|| panic!("no schema {stem}"));
    let problems: Vec<String> = validator
        .iter_errors(instance)
        .take(5)
        .map(|e| {
            let path = e.instance_path().to_string();
            let at = if path.is_empty() { "/".to_string() } else { path };
            format!("{at}: {}", e.masked())
        })
        .collect();
    if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
}

/// Compiles every schema once; called at start so a broken schema fails fast.
pub fn warm_up() {
    LazyLock::force(&VALIDATORS);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_compiles() {
        warm_up();
        assert_eq!(VALIDATORS.len(), FILES.len() - 1);
    }

    #[test]
    fn violations_do_not_echo_values() {
        let body = serde_json::json!({"message_id": 5, "type": "SyncTeam", "bsn": "123456782"});
        let problems = check("jobs/SyncTeam", &body).unwrap_err();
        assert!(!problems.contains("123456782"), "{problems}");
        assert!(problems.contains("/message_id"), "{problems}");
    }
}
