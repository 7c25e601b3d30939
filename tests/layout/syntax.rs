//! What the checker reads from `syn`'s trees and token streams: the files to parse, the name an
//! item defines, the ends of a `use` tree, `#[path]` and `#[cfg(test)]`, and the items a
//! `macro_rules!` body or a macro call may define.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use proc_macro2::{TokenStream, TokenTree};
use syn::{Item, UseTree, Visibility};

use crate::model::{Module, SourceFile};

/// Every `.rs` file below `root/dir`, sorted, relative to `root`.
pub fn rust_files(root: &Path, dir: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut stack = vec![root.join(dir)];
    while let Some(dir) = stack.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("{}: {e}", dir.display())),
        };
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(slash(path.strip_prefix(root).map_err(|e| e.to_string())?));
            }
        }
    }
    out.sort();
    Ok(out)
}

pub fn slash(path: &Path) -> String {
    path.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

pub fn name(ident: &proc_macro2::Ident) -> String {
    let text = ident.to_string();
    text.strip_prefix("r#").map(str::to_string).unwrap_or(text)
}

/// The name an item defines in its module's namespace (modules and uses aside).
pub fn defined_name(item: &Item) -> Option<String> {
    let ident = match item {
        Item::Const(i) => &i.ident,
        Item::Enum(i) => &i.ident,
        Item::Fn(i) => &i.sig.ident,
        Item::Static(i) => &i.ident,
        Item::Struct(i) => &i.ident,
        Item::Trait(i) => &i.ident,
        Item::TraitAlias(i) => &i.ident,
        Item::Type(i) => &i.ident,
        Item::Union(i) => &i.ident,
        _ => return None,
    };
    Some(name(ident))
}

pub fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find(|a| a.path().is_ident("path")).and_then(|a| match &a.meta {
        syn::Meta::NameValue(nv) => match &nv.value {
            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

/// Records a `use` tree's bindings in `module`: names (`self` in a group binds the prefix's
/// last name), renames, globs. `use x as _;` binds nothing.
pub fn collect_use(tree: &UseTree, prefix: Vec<String>, module: &mut Module) {
    for_each_leaf(tree, prefix, &mut |leaf| match leaf {
        Leaf::Name(path, binding) if binding != "_" => module.imports.push((binding, path)),
        Leaf::Glob(path) => module.globs.push(path),
        Leaf::Name(..) => {}
    });
}

/// One end of a `use` tree: the full path and the name it binds, or a glob's module path.
pub enum Leaf {
    Name(Vec<String>, String),
    Glob(Vec<String>),
}

pub fn for_each_leaf(tree: &UseTree, prefix: Vec<String>, f: &mut dyn FnMut(Leaf)) {
    let with = |mut p: Vec<String>, s: String| {
        p.push(s);
        p
    };
    match tree {
        UseTree::Path(p) => for_each_leaf(&p.tree, with(prefix, name(&p.ident)), f),
        UseTree::Name(n) if n.ident == "self" => {
            if let Some(last) = prefix.last().cloned() {
                f(Leaf::Name(prefix, last));
            }
        }
        UseTree::Name(n) => f(Leaf::Name(with(prefix, name(&n.ident)), name(&n.ident))),
        UseTree::Rename(r) if r.ident == "self" => f(Leaf::Name(prefix, name(&r.rename))),
        UseTree::Rename(r) => f(Leaf::Name(with(prefix, name(&r.ident)), name(&r.rename))),
        UseTree::Glob(_) => f(Leaf::Glob(prefix)),
        UseTree::Group(g) => g.items.iter().for_each(|t| for_each_leaf(t, prefix.clone(), f)),
    }
}

/// `use` statements inside function bodies and impl blocks count as imports of the module
/// (a simplification: block scopes are not modelled).
pub fn block_uses(item: &Item, module: &mut Module) {
    struct Uses<'a>(&'a mut Module);
    impl<'ast> syn::visit::Visit<'ast> for Uses<'_> {
        fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
            collect_use(&u.tree, Vec::new(), self.0);
        }
        fn visit_item_mod(&mut self, _: &'ast syn::ItemMod) {}
    }
    match item {
        Item::Fn(_) | Item::Impl(_) | Item::Trait(_) | Item::Const(_) | Item::Static(_) => {
            syn::visit::visit_item(&mut Uses(module), item)
        }
        _ => {}
    }
}

/// Every identifier in a token stream (what a macro invocation may name as a new item).
pub fn idents(tokens: &TokenStream) -> Vec<String> {
    let mut out = Vec::new();
    for token in tokens.clone() {
        match token {
            TokenTree::Ident(i) => out.push(name(&i)),
            TokenTree::Group(g) => out.extend(idents(&g.stream())),
            _ => {}
        }
    }
    out
}

/// `macro_rules!` name → the names its body defines literally (`pub enum Operation`), so an
/// invocation is known to define them in the invoking module.
pub fn macro_definitions(files: &[SourceFile]) -> BTreeMap<String, BTreeSet<String>> {
    struct Defs(BTreeMap<String, BTreeSet<String>>);
    impl<'ast> syn::visit::Visit<'ast> for Defs {
        fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
            if let Some(ident) = &m.ident {
                let words = idents(&m.mac.tokens);
                let keywords = ["struct", "enum", "union", "fn", "trait", "type", "const", "static", "mod"];
                let defined = words.windows(2).filter(|w| keywords.contains(&w[0].as_str())).map(|w| w[1].clone());
                self.0.entry(name(ident)).or_default().extend(defined);
            }
        }
    }
    let mut defs = Defs(BTreeMap::new());
    for file in files {
        syn::visit::Visit::visit_file(&mut defs, &file.ast);
    }
    defs.0
}

/// Whether attributes hold `#[cfg(test)]` (also inside `all(…)`, not under `not(…)`).
pub fn is_test_cfg(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| match &a.meta {
        syn::Meta::List(list) if list.path.is_ident("cfg") => {
            let text: String = list.tokens.to_string().split_whitespace().collect();
            !text.contains("not(") && (text == "test" || text.split(['(', ',', ')']).any(|w| w == "test"))
        }
        _ => false,
    })
}

/// `pub`, `pub(crate)`, `pub(super)`, …: a `use` with any of these re-exports its names.
pub fn is_reexport(vis: &Visibility) -> bool {
    !matches!(vis, Visibility::Inherited)
}
