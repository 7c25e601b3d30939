//! The ratchet: today's findings against the allow-list. Anything new fails, and so does an
//! entry that no longer occurs, so the list only shrinks and always says what is left. Also
//! the human report and the allow-list written out in its own syntax for regeneration.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::analysis::{DomainViolation, Findings, MAX_LINES};

/// The known violations a tree may still have (see `allowlist.rs`).
pub struct Allowlist<'a> {
    pub cycles: &'a [&'a [&'a str]],
    pub domain: &'a [(&'a str, &'a str)],
    pub oversized: &'a [&'a str],
}

const LIST: &str = "tests/layout/allowlist.rs";
const REGENERATE: &str = "LAYOUT_PRINT_ALLOWLIST=1 ./scripts/layout > tests/layout/allowlist.rs";

/// `Ok` when the findings are exactly the allow-list; otherwise what is new, what is gone and
/// what to do about each.
pub fn check(found: &Findings, allow: &Allowlist) -> Result<(), String> {
    let cycles_now: BTreeSet<Vec<String>> = found.cycles.iter().map(|c| c.files.clone()).collect();
    let cycles_allowed: BTreeSet<Vec<String>> =
        allow.cycles.iter().map(|c| c.iter().map(|s| s.to_string()).collect()).collect();
    let domain_now: BTreeSet<(String, String)> =
        found.domain.iter().map(|d| (d.file.clone(), d.route.clone())).collect();
    let domain_allowed: BTreeSet<(String, String)> =
        allow.domain.iter().map(|(f, r)| (f.to_string(), r.to_string())).collect();
    let big_now: BTreeSet<String> = found.oversized.iter().map(|(f, _)| f.clone()).collect();
    let big_allowed: BTreeSet<String> = allow.oversized.iter().map(|s| s.to_string()).collect();

    // A listed circle that lost files (SHRANK) is progress, one that took in files (GREW) is a
    // new import; either way its entry no longer matches, and neither is reported as GONE.
    let stale: Vec<&Vec<String>> = cycles_allowed.difference(&cycles_now).collect();
    let within = |small: &[String], big: &[String]| small.iter().all(|f| big.contains(f));
    let mut msg = String::new();
    let mut shrank = Vec::new();
    for cycle in found.cycles.iter().filter(|c| !cycles_allowed.contains(&c.files)) {
        if let Some(listed) = stale.iter().find(|l| within(&cycle.files, l)) {
            shrank.push((*listed, &cycle.files));
            continue;
        }
        let grown: Vec<_> = stale.iter().filter(|l| within(l, &cycle.files)).collect();
        if grown.is_empty() {
            let _ = writeln!(msg, "NEW import circle between files (issue 17 wants none):");
        } else {
            let joined: Vec<&str> =
                cycle.files.iter().filter(|f| !grown.iter().any(|l| l.contains(f))).map(String::as_str).collect();
            let _ = writeln!(
                msg,
                "GREW: a listed circle took in {}: the import that joined them is new.",
                joined.join(", ")
            );
        }
        let _ = writeln!(msg, "  {}", cycle.chain.join(" → "));
        cycle.edges.iter().for_each(|e| {
            let _ = writeln!(msg, "    {e}");
        });
        msg.push_str(
            "  To do: break it. The lines above are every import inside the circle; remove one direction:\n  \
             move what both files need into a file that imports neither of them, or pass it in (a value,\n  \
             a trait) instead of importing it. A `pub use` is not the problem: it is followed to the\n  \
             file that defines the name. Never list a new or bigger circle.\n\n",
        );
    }
    for (listed, now) in &shrank {
        let _ = writeln!(
            msg,
            "SHRANK (well done): a listed circle is down to {} files. In {LIST}, replace\n    {}\n  with\n    {}\n",
            now.len(),
            cycle_entry(listed),
            cycle_entry(now)
        );
    }
    for d in found.domain.iter().filter(|d| !domain_allowed.contains(&(d.file.clone(), d.route.clone()))) {
        let why = d.why.iter().copied().collect::<Vec<_>>().join(", ");
        let _ = writeln!(msg, "NEW in src/domain: {} names `{}` (line {}): {why}.", d.file, d.route, lines(d));
    }
    if found.domain.iter().any(|d| !domain_allowed.contains(&(d.file.clone(), d.route.clone()))) {
        msg.push_str(
            "  To do: the domain names no crate::nmbrs, no soap/rest module and no sqlx (issue 17, step 2).\n  \
             Import the neutral model from crate::domain::nmbrs; keep wire names in src/nmbrs and database\n  \
             code (sqlx impls, queries) in src/store.\n\n",
        );
    }
    for (file, lines) in found.oversized.iter().filter(|(f, _)| !big_allowed.contains(f)) {
        let _ = writeln!(msg, "NEW file over {MAX_LINES} lines: {file} has {lines}.");
    }
    if !big_now.is_subset(&big_allowed) {
        let _ = writeln!(
            msg,
            "  To do: split it below {MAX_LINES} lines, tests included: by concern into a folder, or its tests into a\n  \
             sibling file (`#[cfg(test)] #[path = \"x_tests.rs\"] mod tests;`).\n"
        );
    }
    let changed = |l: &Vec<String>| found.cycles.iter().any(|c| within(&c.files, l) || within(l, &c.files));
    let gone_cycles: Vec<_> = stale.iter().filter(|l| !changed(l)).collect();
    let gone_domain: Vec<_> = domain_allowed.difference(&domain_now).collect();
    let gone_big: Vec<_> = big_allowed.difference(&big_now).collect();
    if !(gone_cycles.is_empty() && gone_domain.is_empty() && gone_big.is_empty()) {
        let _ =
            writeln!(msg, "GONE: listed in {LIST} but no longer found. Delete these entries (the list only shrinks):");
        gone_cycles.iter().for_each(|c| {
            let _ = writeln!(msg, "    {}", cycle_entry(c));
        });
        gone_domain.iter().for_each(|(f, r)| {
            let _ = writeln!(msg, "    ({f:?}, {r:?}),");
        });
        gone_big.iter().for_each(|f| {
            let _ = writeln!(msg, "    {f:?},");
        });
        let _ = writeln!(
            msg,
            "  A listed circle whose files were moved or renamed shows as GONE and NEW at once: after\n  \
             checking that nothing new came in, regenerate the list with\n    {REGENERATE}\n"
        );
    }
    if !found.unresolved.is_empty() {
        let _ = writeln!(
            msg,
            "UNRESOLVED: the checker could not follow these crate-local paths, so an import may be missing from\n  \
             the graph. Teach tests/layout/model.rs (Tree::resolve) the construct:\n    {}\n",
            found.unresolved.join("\n    ")
        );
    }
    if msg.is_empty() { Ok(()) } else { Err(format!("issue 17 layout check ({LIST}):\n\n{msg}")) }
}

/// The human report: every circle with its imports, the domain's forbidden names, big files.
pub fn report(found: &Findings) -> String {
    let mut out = String::new();
    let written = |rule: Option<&str>| {
        let hits = found.domain.iter().filter(|d| rule.is_none_or(|r| d.why.contains(r)));
        hits.flat_map(|d| d.lines.iter().map(move |l| (&d.file, *l))).collect::<BTreeSet<_>>().len()
    };
    let _ = writeln!(
        out,
        "layout: {} files, {} imports between files, {} circles ({} without #[cfg(test)] code), \
         {} forbidden names in src/domain (on {} lines: crate::nmbrs {}, soap/rest modules {}, sqlx {}), \
         {} files over {MAX_LINES} lines",
        found.files,
        found.edges,
        found.cycles.len(),
        found.cycles_without_tests.len(),
        found.domain.len(),
        written(None),
        written(Some("names crate::nmbrs")),
        written(Some("names a soap/rest module")),
        written(Some("names sqlx")),
        found.oversized.len(),
    );
    for (i, cycle) in found.cycles.iter().enumerate() {
        let _ = writeln!(out, "\ncircle {} ({} files): {}", i + 1, cycle.files.len(), cycle.chain.join(" → "));
        cycle.edges.iter().for_each(|e| {
            let _ = writeln!(out, "    {e}");
        });
    }
    if !found.cycles_without_tests.is_empty() {
        let _ = writeln!(out, "\ncircles left without #[cfg(test)] code:");
    }
    for files in &found.cycles_without_tests {
        let _ = writeln!(out, "    {}", files.join(", "));
    }
    if !found.domain.is_empty() {
        let _ = writeln!(out, "\nsrc/domain names (file: route, lines; why):");
    }
    for d in &found.domain {
        let why = d.why.iter().copied().collect::<Vec<_>>().join(", ");
        let _ = writeln!(out, "    {}: {} (line {}; {why})", d.file, d.route, lines(d));
    }
    if !found.oversized.is_empty() {
        let _ = writeln!(out, "\nfiles over {MAX_LINES} lines:");
    }
    for (file, lines) in &found.oversized {
        let _ = writeln!(out, "    {file}: {lines}");
    }
    if !found.orphans.is_empty() {
        let _ = writeln!(out, "\nfiles no crate root declares (not compiled): {}", found.orphans.join(", "));
    }
    out
}

/// Where a domain file writes the forbidden route, else where it uses a name that leads there.
fn lines(d: &DomainViolation) -> String {
    let lines = if d.lines.is_empty() { &d.uses } else { &d.lines };
    lines.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(", ")
}

fn cycle_entry(files: &[String]) -> String {
    let inline = format!("&[{}],", files.iter().map(|f| format!("{f:?}")).collect::<Vec<_>>().join(", "));
    if inline.len() + 4 <= 120 {
        return inline;
    }
    let mut entry = String::from("&[\n");
    files.iter().for_each(|f| {
        let _ = writeln!(entry, "        {f:?},");
    });
    entry.push_str("    ],");
    entry
}

/// Today's findings as `allowlist.rs`, formatted as `cargo fmt` leaves it.
pub fn allowlist_source(found: &Findings) -> String {
    let mut out = String::from(
        "//! Today's known violations of issue 17's checks, to be emptied by issue 17.\n\
         //!\n\
         //! The layout test (`tests/layout/main.rs`) fails on any violation not listed here and on\n\
         //! any entry that no longer occurs, so this list only shrinks; the target is three empty\n\
         //! lists. After moving files (never to admit a new violation), regenerate it with\n\
         //! `LAYOUT_PRINT_ALLOWLIST=1 ./scripts/layout > tests/layout/allowlist.rs`.\n\n\
         use crate::ratchet::Allowlist;\n\n\
         pub const ALLOWLIST: Allowlist = Allowlist { cycles: CYCLES, domain: DOMAIN, oversized: OVERSIZED };\n\n",
    );
    let list = |out: &mut String, head: &str, entries: Vec<String>| {
        if entries.is_empty() {
            let _ = writeln!(out, "{head} = &[];");
        } else {
            let _ = writeln!(out, "{head} = &[");
            entries.iter().for_each(|e| {
                let _ = writeln!(out, "    {e}");
            });
            let _ = writeln!(out, "];");
        }
    };
    out.push_str("/// Import circles between files: the files of each strongly connected component, sorted.\n");
    list(&mut out, "const CYCLES: &[&[&str]]", found.cycles.iter().map(|c| cycle_entry(&c.files)).collect());
    out.push_str("\n/// (file in src/domain, the route it names) for crate::nmbrs, soap/rest modules and sqlx.\n");
    let domain = found.domain.iter().map(|d| format!("({:?}, {:?}),", d.file, d.route)).collect();
    list(&mut out, "const DOMAIN: &[(&str, &str)]", domain);
    out.push_str(&format!("\n/// Files under src/ or tests/ over {MAX_LINES} lines.\n"));
    list(&mut out, "const OVERSIZED: &[&str]", found.oversized.iter().map(|(f, _)| format!("{f:?},")).collect());
    out
}
