//! Issue 17's checks on the code's shape, as a test of its own (`./scripts/layout`): no import
//! circle between files, a `src/domain` that names no `crate::nmbrs`, no `soap`/`rest` module
//! and no `sqlx`, and no file over 450 lines under `src/` or `tests/`.
//!
//! Every file under `src/` is parsed with `syn` and every path it writes is resolved the way
//! rustc would, to the file that defines the item (`model.rs`, `refs.rs`): a re-export
//! (`pub use`, globs included) is followed to the defining file and is not an import of its
//! own, and `#[cfg(test)]` code counts, because a file's tests are part of the file (issue 17
//! counts them in file sizes too); the report says which imports only tests make.
//!
//! Today's violations are listed in `allowlist.rs` (a ratchet: anything new fails, anything
//! listed that is gone fails too). A binary of its own, not a module of `tests/main.rs`: it
//! reads the sources rather than linking them, so it needs no services and runs in well under
//! a second. `synthetic.rs` proves the checker on small trees written to temporary folders.

mod allowlist;
mod analysis;
mod model;
mod ratchet;
mod refs;
mod syntax;
mod synthetic;

use std::path::Path;

/// Marks around the allow-list printed with `LAYOUT_PRINT_ALLOWLIST=1` (`scripts/layout` cuts it out).
const BEGIN: &str = "----- BEGIN tests/layout/allowlist.rs -----";
const END: &str = "----- END tests/layout/allowlist.rs -----";

#[test]
fn the_source_tree_has_no_new_import_circle_domain_edge_name_or_oversized_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = analysis::analyse(root, &env!("CARGO_PKG_NAME").replace('-', "_")).unwrap_or_else(|e| panic!("{e}"));
    assert!(found.files > 100 && found.edges > 100, "the checker read too little: {} files", found.files);
    println!("\n{}", ratchet::report(&found));
    if std::env::var_os("LAYOUT_PRINT_ALLOWLIST").is_some() {
        println!("{BEGIN}\n{}{END}", ratchet::allowlist_source(&found));
    }
    if let Err(failure) = ratchet::check(&found, &allowlist::ALLOWLIST) {
        panic!("{failure}");
    }
}
