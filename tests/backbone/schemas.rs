//! `schemas/examples/<group>/<schema>/{valid,invalid}/*.json`: every valid example passes its
//! schema and every invalid one fails it, so the published schemas say what they mean.

use std::path::Path;

use nmbrs_worker::envelope::schema;

fn examples(dir: &Path) -> Vec<(String, serde_json::Value)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<(String, serde_json::Value)> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p.display().to_string(), serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn every_example_validates_as_its_folder_says() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/examples");
    let mut checked = 0;
    for group in ["jobs", "events"] {
        for entry in std::fs::read_dir(root.join(group)).unwrap() {
            let dir = entry.unwrap().path();
            let stem = format!("{group}/{}", dir.file_name().unwrap().to_string_lossy());
            assert!(schema::validator(&stem).is_some(), "examples for unknown schema {stem}");
            let valid = examples(&dir.join("valid"));
            let invalid = examples(&dir.join("invalid"));
            assert!(valid.len() >= 2 && invalid.len() >= 3, "{stem} needs at least 2 valid and 3 invalid examples");
            for (path, value) in &valid {
                if let Err(problems) = schema::check(&stem, value) {
                    panic!("{path} should be valid: {problems}");
                }
            }
            for (path, value) in &invalid {
                assert!(schema::check(&stem, value).is_err(), "{path} should be invalid");
            }
            checked += valid.len() + invalid.len();
        }
    }
    assert!(checked >= 100, "only {checked} examples");
}

#[test]
fn every_schema_has_examples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/examples");
    for (path, _) in schema::FILES.iter().filter(|(p, _)| *p != "common.json") {
        let dir = root.join(path.trim_end_matches(".json"));
        assert!(dir.join("valid").is_dir(), "no examples for {path}");
    }
}
