//! Issue 17's checks measured on a source tree: the file-level import graph and its circles,
//! what `src/domain` names of the edges and the store, and the files over 450 lines.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::path::Path;

use crate::model::{FileId, Target, Tree};
use crate::refs::{Kind, Reference, collect};
use crate::syntax::rust_files;

/// The most lines a file under `src/` or `tests/` may have, tests included (issue 17).
pub const MAX_LINES: usize = 450;

/// One import between two files: where it is first written and whether only test code has it.
pub struct Edge {
    pub written: String,
    pub line: usize,
    pub places: usize,
    pub test_only: bool,
}

/// A strongly connected component of more than one file.
pub struct Cycle {
    /// Its files, sorted: the allow-list key.
    pub files: Vec<String>,
    /// A closed walk through all of them: `a.rs → b.rs → a.rs`.
    pub chain: Vec<String>,
    /// Every import between two of its files: `a.rs → b.rs: crate::b::B (line 3)`.
    pub edges: Vec<String>,
}

/// A name `src/domain` must not use, keyed by file and route (`crate::nmbrs::EmployeeId`).
pub struct DomainViolation {
    pub file: String,
    pub route: String,
    /// Lines that write the route (a `use`, an inline path); a single name brought in by
    /// such an import is a use of it, in `uses`.
    pub lines: BTreeSet<usize>,
    pub uses: BTreeSet<usize>,
    pub why: BTreeSet<&'static str>,
}

pub struct Findings {
    pub files: usize,
    pub edges: usize,
    pub cycles: Vec<Cycle>,
    /// Circles left when imports written only in `#[cfg(test)]` code are ignored.
    pub cycles_without_tests: Vec<Vec<String>>,
    pub domain: Vec<DomainViolation>,
    pub oversized: Vec<(String, usize)>,
    /// Crate-local paths the checker could not follow (`file:line path`): a blind spot.
    pub unresolved: Vec<String>,
    /// Files under `src/` no crate root declares (not compiled).
    pub orphans: Vec<String>,
}

/// Runs every check on the repository (or synthetic tree) at `root`.
pub fn analyse(root: &Path, lib_crate: &str) -> Result<Findings, String> {
    let tree = Tree::load(root, lib_crate)?;
    let refs = collect(&tree);
    let mut graph: BTreeMap<(FileId, FileId), Edge> = BTreeMap::new();
    let mut domain: BTreeMap<(String, String), DomainViolation> = BTreeMap::new();
    let mut unresolved = Vec::new();
    for r in &refs {
        let resolved = tree.resolve(r.module, &r.path);
        let rel = &tree.files[r.file].rel;
        if resolved.target == Target::Unknown {
            unresolved.push(format!("{rel}:{} {}", r.line, r.path.join("::")));
            continue;
        }
        let target_file = tree.file_of(&resolved.target);
        if rel.starts_with("src/domain/") {
            let target_rel = target_file.map(|f| tree.files[f].rel.as_str());
            let why = domain_rule(&resolved.route, &resolved.target, target_rel);
            if !why.is_empty() {
                let key = (rel.clone(), resolved.route.join("::"));
                let entry = domain.entry(key).or_insert_with(|| DomainViolation {
                    file: rel.clone(),
                    route: resolved.route.join("::"),
                    lines: BTreeSet::new(),
                    uses: BTreeSet::new(),
                    why: BTreeSet::new(),
                });
                // Written out here, or a name brought in by an import (whose line is the `use`).
                let first = r.path[0].as_str();
                let written = r.kind != Kind::Code
                    || matches!(first, "crate" | "self" | "super")
                    || (resolved.target == Target::External && r.path.len() > 1);
                if written { &mut entry.lines } else { &mut entry.uses }.insert(r.line);
                entry.why.extend(why);
            }
        }
        match (target_file, is_edge(r)) {
            (Some(to), true) if to != r.file => {
                let edge = graph.entry((r.file, to)).or_insert_with(|| Edge {
                    written: r.path.join("::"),
                    line: r.line,
                    places: 0,
                    test_only: true,
                });
                edge.places += 1;
                edge.test_only &= r.test;
            }
            _ => {}
        }
    }
    let all: BTreeSet<(FileId, FileId)> = graph.keys().copied().collect();
    let production: BTreeSet<(FileId, FileId)> = graph.iter().filter(|(_, e)| !e.test_only).map(|(k, _)| *k).collect();
    let names = |ids: &BTreeSet<FileId>| ids.iter().map(|f| tree.files[*f].rel.clone()).collect::<Vec<_>>();
    let cycles = components(tree.files.len(), &all)
        .into_iter()
        .map(|scc| Cycle {
            files: names(&scc),
            chain: closed_walk(&scc, &all).iter().map(|f| tree.files[*f].rel.clone()).collect(),
            edges: all
                .iter()
                .filter(|(a, b)| scc.contains(a) && scc.contains(b))
                .map(|k| describe(&tree, k, &graph[k]))
                .collect(),
        })
        .collect();
    let cycles_without_tests = components(tree.files.len(), &production).iter().map(names).collect();
    let orphans = tree.files.iter().filter(|f| f.module.is_none()).map(|f| f.rel.clone()).collect();
    Ok(Findings {
        files: tree.files.len(),
        edges: all.len(),
        cycles,
        cycles_without_tests,
        domain: domain.into_values().collect(),
        oversized: oversized(root)?,
        unresolved,
        orphans,
    })
}

/// Whether a reference is an import edge of its file (see [`Kind`]): re-exports and globs are
/// followed by their users instead; an attribute only with a path of its own (`a::b`).
fn is_edge(r: &Reference) -> bool {
    match r.kind {
        Kind::Use | Kind::Code => true,
        Kind::Attribute => r.path.len() > 1,
        Kind::ReExport | Kind::Glob => false,
    }
}

/// Why a route is forbidden in `src/domain` (empty: allowed): `crate::nmbrs…`, a module named
/// `soap` or `rest` anywhere in a crate path, `sqlx…`, or an item defined under `src/nmbrs/`.
fn domain_rule(route: &[String], target: &Target, target_file: Option<&str>) -> Vec<&'static str> {
    let mut why = Vec::new();
    let external = *target == Target::External;
    let local = !external && route.first().is_some_and(|s| s == "crate");
    if local && route.get(1).is_some_and(|s| s == "nmbrs") {
        why.push("names crate::nmbrs");
    }
    let modules = if matches!(target, Target::Item(_)) { route.len().saturating_sub(1) } else { route.len() };
    if local && route[..modules].iter().skip(1).any(|s| s == "soap" || s == "rest") {
        why.push("names a soap/rest module");
    }
    if external && route.first().is_some_and(|s| s == "sqlx") {
        why.push("names sqlx");
    }
    if target_file.is_some_and(|t| t.starts_with("src/nmbrs/")) {
        why.push("uses a definition in src/nmbrs/");
    }
    why
}

fn describe(tree: &Tree, (from, to): &(FileId, FileId), edge: &Edge) -> String {
    let more = if edge.places > 1 { format!(" and {} more", edge.places - 1) } else { String::new() };
    let test = if edge.test_only { ", test code only" } else { "" };
    format!("{} → {}: {} (line {}{more}{test})", tree.files[*from].rel, tree.files[*to].rel, edge.written, edge.line)
}

/// Strongly connected components of more than one node (Tarjan), each sorted by id.
pub fn components(nodes: usize, edges: &BTreeSet<(usize, usize)>) -> Vec<BTreeSet<usize>> {
    struct State<'e> {
        edges: &'e BTreeSet<(usize, usize)>,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<BTreeSet<usize>>,
    }
    fn connect(s: &mut State, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        let targets: Vec<usize> = s.edges.range((v, 0)..=(v, usize::MAX)).map(|(_, w)| *w).collect();
        for w in targets {
            match s.index[w] {
                None => {
                    connect(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(i) if s.on_stack[w] => s.low[v] = s.low[v].min(i),
                Some(_) => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut scc = BTreeSet::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                scc.insert(w);
                if w == v {
                    break;
                }
            }
            if scc.len() > 1 {
                s.out.push(scc);
            }
        }
    }
    let mut s = State {
        edges,
        index: vec![None; nodes],
        low: vec![0; nodes],
        on_stack: vec![false; nodes],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..nodes {
        if s.index[v].is_none() {
            connect(&mut s, v);
        }
    }
    s.out.sort();
    s.out
}

/// A closed walk from the component's first file through all its files and back, each step a
/// shortest path inside the component: a circle to read, `a → b → c → a`.
pub fn closed_walk(scc: &BTreeSet<usize>, edges: &BTreeSet<(usize, usize)>) -> Vec<usize> {
    let Some(&start) = scc.first() else { return Vec::new() };
    // Breadth-first from `from` to the nearest file `goal` accepts (`from` itself too, reached
    // again); the path without `from`.
    let step = |from: usize, goal: &dyn Fn(usize) -> bool| -> Vec<usize> {
        let mut before: BTreeMap<usize, usize> = BTreeMap::new();
        let mut visited = BTreeSet::from([from]);
        let mut queue = VecDeque::from([from]);
        while let Some(v) = queue.pop_front() {
            for &(_, w) in edges.range((v, 0)..=(v, usize::MAX)).filter(|(_, w)| scc.contains(w)) {
                if goal(w) {
                    let mut path = vec![w];
                    let mut at = v;
                    while at != from {
                        path.push(at);
                        at = before[&at];
                    }
                    path.reverse();
                    return path;
                }
                if visited.insert(w) {
                    before.insert(w, v);
                    queue.push_back(w);
                }
            }
        }
        Vec::new()
    };
    let mut walk = vec![start];
    let mut seen = BTreeSet::from([start]);
    while seen.len() < scc.len() {
        let here = *walk.last().unwrap_or(&start);
        let path = step(here, &|w| !seen.contains(&w));
        if path.is_empty() {
            break;
        }
        seen.extend(path.iter().copied());
        walk.extend(path);
    }
    let here = *walk.last().unwrap_or(&start);
    walk.extend(step(here, &|w| w == start));
    walk
}

/// Files under `src/` and `tests/` longer than [`MAX_LINES`], with their line counts.
fn oversized(root: &Path) -> Result<Vec<(String, usize)>, String> {
    let mut out = Vec::new();
    for rel in rust_files(root, "src")?.into_iter().chain(rust_files(root, "tests")?) {
        let text = fs::read_to_string(root.join(&rel)).map_err(|e| format!("{rel}: {e}"))?;
        let lines = text.lines().count();
        if lines > MAX_LINES {
            out.push((rel, lines));
        }
    }
    Ok(out)
}
