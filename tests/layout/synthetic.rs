//! The checker proved on small source trees written to temporary folders: circles found and
//! not found, re-exports (named and glob) followed to the defining file, the domain's
//! forbidden names flagged, long files counted, and the ratchet's two directions.

use std::fs;

use crate::analysis::{Findings, analyse};
use crate::ratchet::{Allowlist, allowlist_source, check};

/// Writes `files` (path → text) under a temporary root and analyses it as crate `demo`.
fn tree(files: &[(&str, &str)]) -> Findings {
    let root = tempfile::tempdir().expect("temporary folder");
    for (path, text) in files {
        let path = root.path().join(path);
        fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
        fs::write(path, text).expect("a file");
    }
    let found = analyse(root.path(), "demo").unwrap_or_else(|e| panic!("{e}"));
    assert!(found.unresolved.is_empty(), "unresolved: {:?}", found.unresolved);
    found
}

fn cycles(found: &Findings) -> Vec<Vec<String>> {
    found.cycles.iter().map(|c| c.files.clone()).collect()
}

fn files(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

const NONE: Allowlist = Allowlist { cycles: &[], domain: &[], oversized: &[] };

#[test]
fn two_files_that_import_each_other_are_a_circle_and_one_way_is_not() {
    let lib = ("src/lib.rs", "mod a;\nmod b;\n");
    let a = ("src/a.rs", "use crate::b::B;\npub struct A(pub B);\n");
    let found = tree(&[lib, a, ("src/b.rs", "pub struct B;\npub fn make() -> crate::a::A { todo!() }\n")]);
    assert_eq!(cycles(&found), vec![files(&["src/a.rs", "src/b.rs"])]);
    assert_eq!(found.cycles[0].chain.join(" → "), "src/a.rs → src/b.rs → src/a.rs");
    assert!(found.cycles[0].edges.iter().any(|e| e.starts_with("src/b.rs → src/a.rs: crate::a::A (line 2")));
    let failure = check(&found, &NONE).expect_err("a new circle fails");
    assert!(failure.contains("NEW import circle") && failure.contains("src/a.rs → src/b.rs → src/a.rs"), "{failure}");

    let one_way = tree(&[lib, a, ("src/b.rs", "pub struct B;\n")]);
    assert!(one_way.cycles.is_empty());
    check(&one_way, &NONE).expect("no circle, nothing listed: passes");
}

#[test]
fn a_mod_rs_re_export_leads_to_the_defining_file_and_is_no_edge_of_its_own() {
    let lib = ("src/lib.rs", "pub mod jobs;\n");
    let jobs = ("src/jobs/mod.rs", "mod run;\nmod sync;\npub use run::Run;\npub use sync::{Sync as Synced, helper};\n");
    // `run` uses `sync`'s helper through the re-export; nothing uses `run`: no circle, although
    // mod.rs names both and both name mod.rs (the way a 42-module ring was counted before).
    let run = ("src/jobs/run.rs", "use super::helper;\npub struct Run;\npub fn go() { helper() }\n");
    let sync = ("src/jobs/sync.rs", "pub struct Sync;\npub fn helper() {}\n");
    let found = tree(&[lib, jobs, run, sync]);
    assert!(found.cycles.is_empty(), "{:?}", cycles(&found));
    assert_eq!(found.edges, 1, "only run.rs → sync.rs");

    // `sync` now takes `Run` through the re-export too: the circle is run.rs ⇄ sync.rs, not mod.rs.
    let sync = ("src/jobs/sync.rs", "pub struct Sync(pub super::Run);\npub fn helper() {}\n");
    let found = tree(&[lib, jobs, run, sync]);
    assert_eq!(cycles(&found), vec![files(&["src/jobs/run.rs", "src/jobs/sync.rs"])]);
    assert!(found.cycles[0].edges.iter().any(|e| e.contains("src/jobs/sync.rs → src/jobs/run.rs: super::Run")));

    // A mod.rs that defines what a child needs and uses the child in its own code is a file of
    // the circle: its code, not its `pub use`, makes the edge.
    let jobs_code = (
        "src/jobs/mod.rs",
        "mod run;\nmod sync;\npub use run::Run;\npub use sync::{Sync as Synced, helper};\n\
         pub struct Config;\npub fn start() -> Run { run::go(); Run }\n",
    );
    let run = ("src/jobs/run.rs", "use super::Config;\npub struct Run;\npub fn go() { let _ = Config; }\n");
    let found = tree(&[lib, jobs_code, run, ("src/jobs/sync.rs", "pub struct Sync;\npub fn helper() {}\n")]);
    assert_eq!(cycles(&found), vec![files(&["src/jobs/mod.rs", "src/jobs/run.rs"])]);
}

#[test]
fn a_glob_re_export_and_a_glob_import_are_followed_to_the_defining_file() {
    let lib = ("src/lib.rs", "pub mod rest;\npub mod jobs;\n");
    let rest = ("src/rest/mod.rs", "mod ids;\nmod calls;\npub use ids::*;\npub use calls::*;\n");
    let calls = ("src/rest/calls.rs", "pub fn call() {}\n");
    // ids.rs uses a job; the job names `EmployeeUuid` through `rest`'s glob re-export.
    let ids = ("src/rest/ids.rs", "pub struct EmployeeUuid;\npub fn first() { crate::jobs::run() }\n");
    let jobs = ("src/jobs.rs", "use crate::rest::EmployeeUuid;\npub fn run() { let _ = EmployeeUuid; }\n");
    let found = tree(&[lib, rest, calls, ids, jobs]);
    assert_eq!(cycles(&found), vec![files(&["src/jobs.rs", "src/rest/ids.rs"])]);

    // The same through a glob import and a bare name in code: still ids.rs, never calls.rs or mod.rs.
    let jobs = ("src/jobs.rs", "use crate::rest::*;\npub fn run() { let _ = EmployeeUuid; }\n");
    let found = tree(&[lib, rest, calls, ids, jobs]);
    assert_eq!(cycles(&found), vec![files(&["src/jobs.rs", "src/rest/ids.rs"])]);
    assert_eq!(found.edges, 2);

    // A local variable of the glob's name is the variable, not the glob's item.
    let calls = ("src/rest/calls.rs", "pub fn call() {}\npub fn helper() { crate::jobs::run() }\n");
    let jobs = ("src/jobs.rs", "use crate::rest::*;\npub fn run() { let call = 1; let _ = call; }\n");
    let found = tree(&[lib, rest, calls, ("src/rest/ids.rs", "pub struct EmployeeUuid;\n"), jobs]);
    assert!(found.cycles.is_empty(), "{:?}", cycles(&found));
}

#[test]
fn items_a_macro_generates_and_paths_in_macro_calls_and_serde_attributes_are_resolved() {
    let lib = ("src/lib.rs", "pub mod ops;\npub mod client;\n");
    let ops = (
        "src/ops.rs",
        "macro_rules! operations { ($($v:ident),*) => { pub enum Operation { $($v),* } } }\n\
         operations!(Read, Write);\npub fn log() { crate::client::call() }\n",
    );
    let client = ("src/client.rs", "pub fn call() { assert!(matches!(crate::ops::Operation::Read, _)); }\n");
    let found = tree(&[lib, ops, client]);
    assert_eq!(cycles(&found), vec![files(&["src/client.rs", "src/ops.rs"])]);

    // A function named in a `#[serde(…)]` string is used by the derive's code.
    let client = (
        "src/client.rs",
        "#[derive(serde::Deserialize)]\npub struct Row {\n    #[serde(deserialize_with = \"crate::ops::parse\")]\n    x: u8,\n}\n",
    );
    let ops = ("src/ops.rs", "pub fn parse() {}\npub fn log(_: crate::client::Row) {}\n");
    let found = tree(&[lib, ops, client]);
    assert_eq!(cycles(&found), vec![files(&["src/client.rs", "src/ops.rs"])]);
    assert!(
        found.cycles[0].edges.iter().any(|e| e.contains("src/client.rs → src/ops.rs: crate::ops::parse (line 3")),
        "{:?}",
        found.cycles[0].edges
    );
}

#[test]
fn a_domain_file_that_names_the_nmbrs_edge_a_soap_module_or_sqlx_is_flagged() {
    let lib = ("src/lib.rs", "pub mod domain;\npub mod nmbrs;\n");
    let domain = ("src/domain/mod.rs", "pub mod model;\npub mod plan;\npub mod clean;\n");
    let model = ("src/domain/model.rs", "pub struct EmployeeId;\n");
    let nmbrs = ("src/nmbrs/mod.rs", "pub mod soap;\npub use crate::domain::model::*;\npub use soap::Operation;\n");
    let soap = ("src/nmbrs/soap.rs", "pub enum Operation { Get }\n");
    let plan = (
        "src/domain/plan.rs",
        "use crate::nmbrs::EmployeeId;\n\
         #[derive(sqlx::Type)]\npub struct Row(pub EmployeeId);\n\
         pub fn op() -> &'static str { let _ = crate::nmbrs::soap::Operation::Get; \"\" }\n",
    );
    let clean =
        ("src/domain/clean.rs", "use crate::domain::model::EmployeeId;\npub fn id() -> EmployeeId { EmployeeId }\n");
    let found = tree(&[lib, domain, model, nmbrs, soap, plan, clean]);
    let flagged: Vec<(&str, &str, Vec<&str>)> =
        found.domain.iter().map(|d| (d.file.as_str(), d.route.as_str(), d.why.iter().copied().collect())).collect();
    assert_eq!(
        flagged,
        vec![
            ("src/domain/plan.rs", "crate::nmbrs::EmployeeId", vec!["names crate::nmbrs"]),
            (
                "src/domain/plan.rs",
                "crate::nmbrs::soap::Operation",
                vec!["names a soap/rest module", "names crate::nmbrs", "uses a definition in src/nmbrs/"]
            ),
            ("src/domain/plan.rs", "sqlx::Type", vec!["names sqlx"]),
        ]
    );
    assert_eq!(found.domain[0].lines.iter().copied().collect::<Vec<_>>(), vec![1]);
    let failure = check(&found, &NONE).expect_err("a new domain name fails");
    assert!(failure.contains("NEW in src/domain: src/domain/plan.rs names `crate::nmbrs::EmployeeId` (line 1)"));
    assert!(failure.contains("crate::domain::nmbrs"), "says where to import from: {failure}");
}

#[test]
fn a_file_over_450_lines_under_src_or_tests_is_flagged_and_450_is_not() {
    let long = "// a line\n".repeat(451);
    let limit = "// a line\n".repeat(450);
    let found = tree(&[("src/lib.rs", &limit), ("tests/big.rs", &long), ("src/notes.rs", &long)]);
    let big: Vec<_> = found.oversized.iter().map(|(f, n)| (f.as_str(), *n)).collect();
    assert_eq!(big, vec![("src/notes.rs", 451), ("tests/big.rs", 451)]);
    assert_eq!(found.orphans, vec!["src/notes.rs"], "a file no root declares is reported");
}

#[test]
fn the_ratchet_passes_an_exact_list_and_fails_on_gone_shrunk_and_grown_entries() {
    let lib = ("src/lib.rs", "mod a;\nmod b;\n");
    let found =
        tree(&[lib, ("src/a.rs", "pub fn a() { crate::b::b() }\n"), ("src/b.rs", "pub fn b() { crate::a::a() }\n")]);
    let exact = Allowlist { cycles: &[&["src/a.rs", "src/b.rs"]], domain: &[], oversized: &[] };
    check(&found, &exact).expect("the listed circle is allowed");

    let stale = Allowlist {
        cycles: &[&["src/a.rs", "src/b.rs"], &["src/c.rs", "src/d.rs"]],
        domain: &[("src/domain/x.rs", "crate::nmbrs::X")],
        oversized: &["src/big.rs"],
    };
    let failure = check(&found, &stale).expect_err("stale entries fail");
    assert!(failure.contains("GONE"), "{failure}");
    for entry in [r#"&["src/c.rs", "src/d.rs"],"#, r#"("src/domain/x.rs", "crate::nmbrs::X"),"#, r#""src/big.rs","#] {
        assert!(failure.contains(entry), "names the entry to delete, {entry}: {failure}");
    }
    assert!(!failure.lines().any(|l| l.starts_with("NEW")), "nothing new: {failure}");
    let bigger = Allowlist { cycles: &[&["src/a.rs", "src/b.rs", "src/c.rs"]], domain: &[], oversized: &[] };
    let failure = check(&found, &bigger).expect_err("a circle that shrank needs its entry updated");
    assert!(
        failure.contains("SHRANK")
            && failure.contains(
                r#"with
    &["src/a.rs", "src/b.rs"],"#
            ),
        "{failure}"
    );
    assert!(!failure.contains("GONE") && !failure.lines().any(|l| l.starts_with("NEW")), "{failure}");

    let ring = tree(&[
        ("src/lib.rs", "mod a;\nmod b;\nmod c;\n"),
        ("src/a.rs", "pub fn a() { crate::b::b() }\n"),
        ("src/b.rs", "pub fn b() { crate::a::a(); crate::c::c() }\n"),
        ("src/c.rs", "pub fn c() { crate::a::a() }\n"),
    ]);
    let failure = check(&ring, &exact).expect_err("a listed circle that took in a file fails");
    assert!(failure.contains("GREW: a listed circle took in src/c.rs"), "{failure}");
    assert!(failure.contains("src/b.rs → src/c.rs: crate::c::c (line 1)") && !failure.contains("GONE"), "{failure}");

    let source = allowlist_source(&found);
    assert!(source.contains("const CYCLES: &[&[&str]] = &[\n    &[\"src/a.rs\", \"src/b.rs\"],\n];"), "{source}");
    assert!(source.contains("const DOMAIN: &[(&str, &str)] = &[];") && source.contains("issue 17"), "{source}");
}
