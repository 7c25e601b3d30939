//! Every place a file names a path: the ends of its `use` trees and the paths in its code
//! (expressions, types, patterns, trait bounds, attributes, and the tokens of macro calls),
//! each with the module it is written in, so that [`crate::model::Tree::resolve`] can follow it.

use std::collections::HashSet;

use proc_macro2::{Spacing, TokenStream, TokenTree};
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};

use crate::model::{FileId, ModId, Tree};
use crate::syntax::{Leaf, for_each_leaf, is_reexport, is_test_cfg, name};

/// How a path is written, which decides whether it is an import edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A private `use` of a name: an edge.
    Use,
    /// `pub use` (any `pub(…)`): a re-export, followed by whoever uses the name, no edge.
    ReExport,
    /// `use x::*` (private or not): the names it brings are edges where they are used.
    Glob,
    /// A path in code or in a macro call's tokens: an edge.
    Code,
    /// An attribute's own path (`#[sqlx(…)]`, `#[tokio::test]`): an edge when it has `::`.
    Attribute,
}

pub struct Reference {
    pub file: FileId,
    pub module: ModId,
    pub path: Vec<String>,
    pub line: usize,
    pub kind: Kind,
    /// Written in `#[cfg(test)]` code.
    pub test: bool,
}

/// The references of every file that belongs to a module tree.
pub fn collect(tree: &Tree) -> Vec<Reference> {
    let mut out = Vec::new();
    for (file, source) in tree.files.iter().enumerate() {
        let Some(module) = source.module else { continue };
        let test = tree.modules[module].test;
        let mut walker = Walker { tree, file, module, test, locals: Vec::new(), out: &mut out };
        walker.visit_file(&source.ast);
    }
    out
}

struct Walker<'t> {
    tree: &'t Tree,
    file: FileId,
    module: ModId,
    test: bool,
    /// Names bound inside the enclosing functions (variables, parameters, generics): a lone
    /// `employee` there is the variable, not a function `employee` brought in by a glob.
    locals: Vec<HashSet<String>>,
    out: &'t mut Vec<Reference>,
}

impl Walker<'_> {
    fn push(&mut self, path: Vec<String>, line: usize, kind: Kind) {
        if !path.is_empty() {
            self.out.push(Reference { file: self.file, module: self.module, path, line, kind, test: self.test });
        }
    }

    /// Visits a function (or impl block) with the names it binds in scope.
    fn with_locals<F: FnOnce(&mut Self)>(&mut self, bound: HashSet<String>, f: F) {
        self.locals.push(bound);
        f(self);
        self.locals.pop();
    }

    fn is_local(&self, path: &syn::Path) -> bool {
        path.segments.len() == 1 && self.locals.iter().any(|l| l.contains(&name(&path.segments[0].ident)))
    }

    fn with_test<F: FnOnce(&mut Self)>(&mut self, test: bool, f: F) {
        let before = self.test;
        self.test |= test;
        f(self);
        self.test = before;
    }

    /// Paths of two or more segments in a token stream (`crate::a::B`, `super::x::f`); a path
    /// cut by a macro variable (`crate::nmbrs::$id`) is left out, being incomplete.
    fn scan(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < tokens.len() {
            if let TokenTree::Group(g) = &tokens[i] {
                self.scan(g.stream());
            }
            let TokenTree::Ident(first) = &tokens[i] else {
                i += 1;
                continue;
            };
            let line = first.span().start().line;
            let mut path = vec![name(first)];
            let mut j = i + 1;
            let mut cut = false;
            while j + 1 < tokens.len() && is_colon2(&tokens[j], &tokens[j + 1]) {
                match tokens.get(j + 2) {
                    Some(TokenTree::Ident(next)) => path.push(name(next)),
                    _ => {
                        cut = true;
                        break;
                    }
                }
                j += 3;
            }
            if path.len() > 1 && !cut {
                self.push(path, line, Kind::Code);
            }
            i = j.max(i + 1);
        }
    }
}

/// The names a function binds: lower-case pattern names anywhere in it (parameters, `let`,
/// closures, match arms; upper-case ones are constants and variants) and its generic
/// parameters. Block scopes are not told apart.
fn bound_names(visit_fn: impl FnOnce(&mut Binder)) -> HashSet<String> {
    let mut binder = Binder(HashSet::new());
    visit_fn(&mut binder);
    binder.0
}

struct Binder(HashSet<String>);

impl<'ast> Visit<'ast> for Binder {
    fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
        let bound = name(&p.ident);
        if bound.starts_with(|c: char| c.is_lowercase() || c == '_') {
            self.0.insert(bound);
        }
        visit::visit_pat_ident(self, p);
    }

    fn visit_generic_param(&mut self, p: &'ast syn::GenericParam) {
        match p {
            syn::GenericParam::Type(t) => self.0.insert(name(&t.ident)),
            syn::GenericParam::Const(c) => self.0.insert(name(&c.ident)),
            syn::GenericParam::Lifetime(_) => false,
        };
    }

    /// A nested item has its own scope.
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// The functions and modules a `#[serde(…)]` attribute names in strings: `with = "keyed"`,
/// `deserialize_with = "Bsn::deserialize_lenient"`, `serialize_with`, `default = "…"`.
fn serde_paths(tokens: TokenStream) -> Vec<(syn::Path, usize)> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let keys = ["with", "serialize_with", "deserialize_with", "default"];
    let strings = tokens.windows(3).filter_map(|w| match w {
        [TokenTree::Ident(key), TokenTree::Punct(eq), TokenTree::Literal(text)]
            if keys.contains(&key.to_string().as_str()) && eq.as_char() == '=' =>
        {
            let lit = syn::parse_str::<syn::LitStr>(&text.to_string()).ok()?;
            Some((lit.parse::<syn::Path>().ok()?, text.span().start().line))
        }
        _ => None,
    });
    strings.collect()
}

fn is_colon2(a: &TokenTree, b: &TokenTree) -> bool {
    matches!((a, b), (TokenTree::Punct(p), TokenTree::Punct(q))
        if p.as_char() == ':' && p.spacing() == Spacing::Joint && q.as_char() == ':')
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    use syn::Item as I;
    match item {
        I::Const(i) => &i.attrs,
        I::Enum(i) => &i.attrs,
        I::ExternCrate(i) => &i.attrs,
        I::Fn(i) => &i.attrs,
        I::ForeignMod(i) => &i.attrs,
        I::Impl(i) => &i.attrs,
        I::Macro(i) => &i.attrs,
        I::Mod(i) => &i.attrs,
        I::Static(i) => &i.attrs,
        I::Struct(i) => &i.attrs,
        I::Trait(i) => &i.attrs,
        I::TraitAlias(i) => &i.attrs,
        I::Type(i) => &i.attrs,
        I::Union(i) => &i.attrs,
        I::Use(i) => &i.attrs,
        _ => &[],
    }
}

impl<'ast> Visit<'ast> for Walker<'_> {
    fn visit_file(&mut self, file: &'ast syn::File) {
        self.with_test(is_test_cfg(&file.attrs), |w| visit::visit_file(w, file));
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        self.with_test(is_test_cfg(item_attrs(item)), |w| visit::visit_item(w, item));
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        let test = match item {
            syn::ImplItem::Fn(f) => is_test_cfg(&f.attrs),
            syn::ImplItem::Const(c) => is_test_cfg(&c.attrs),
            _ => false,
        };
        self.with_test(test, |w| visit::visit_impl_item(w, item));
    }

    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        let Some(child) = self.tree.modules[self.module].children.get(&name(&module.ident)).copied() else { return };
        if module.content.is_some() {
            let outer = std::mem::replace(&mut self.module, child);
            visit::visit_item_mod(self, module);
            self.module = outer;
        } else {
            module.attrs.iter().for_each(|a| self.visit_attribute(a));
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        u.attrs.iter().for_each(|a| self.visit_attribute(a));
        let line = u.use_token.span.start().line;
        let reexport = is_reexport(&u.vis);
        let mut leaves = Vec::new();
        for_each_leaf(&u.tree, Vec::new(), &mut |leaf| leaves.push(leaf));
        for leaf in leaves {
            match leaf {
                Leaf::Glob(path) => self.push(path, line, Kind::Glob),
                Leaf::Name(path, _) => self.push(path, line, if reexport { Kind::ReExport } else { Kind::Use }),
            }
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.with_locals(bound_names(|b| b.visit_item_fn(f)), |w| visit::visit_item_fn(w, f));
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.with_locals(bound_names(|b| b.visit_impl_item_fn(f)), |w| visit::visit_impl_item_fn(w, f));
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        self.with_locals(bound_names(|b| b.visit_trait_item_fn(f)), |w| visit::visit_trait_item_fn(w, f));
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let generics = i.generics.params.iter().filter_map(|p| match p {
            syn::GenericParam::Type(t) => Some(name(&t.ident)),
            syn::GenericParam::Const(c) => Some(name(&c.ident)),
            syn::GenericParam::Lifetime(_) => None,
        });
        self.with_locals(generics.collect(), |w| visit::visit_item_impl(w, i));
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.leading_colon.is_none() && !self.is_local(path) {
            let line = path.segments.first().map_or(0, |s| s.ident.span().start().line);
            self.push(path.segments.iter().map(|s| name(&s.ident)).collect(), line, Kind::Code);
        }
        visit::visit_path(self, path);
    }

    /// `pub(crate)`, `pub(super)`, `pub(in a::b)` name modules only to limit visibility.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_attribute(&mut self, attr: &'ast syn::Attribute) {
        let path = attr.path();
        let line = path.segments.first().map_or(0, |s| s.ident.span().start().line);
        self.push(path.segments.iter().map(|s| name(&s.ident)).collect(), line, Kind::Attribute);
        if let syn::Meta::List(list) = &attr.meta {
            self.scan(list.tokens.clone());
            if list.path.is_ident("serde") {
                for (path, line) in serde_paths(list.tokens.clone()) {
                    self.push(path.segments.iter().map(|s| name(&s.ident)).collect(), line, Kind::Code);
                }
            }
        }
    }

    /// A macro call's tokens: read as comma-separated expressions where they are
    /// (`assert_eq!`, `vec!`, `format!`, `matches!` on simple patterns), else scanned for paths.
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.visit_path(&mac.path);
        let parser = Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        match mac.parse_body_with(parser) {
            Ok(exprs) => exprs.iter().for_each(|e| self.visit_expr(e)),
            Err(_) => self.scan(mac.tokens.clone()),
        }
    }
}
