//! The symbol index of a policy set: every definition and every use of a name, located.
//!
//! Built from the ASTs of the files that parse, with the checker's scoping rules (DESIGN.md,
//! `crates/check/src/path.rs` and `build.rs`): types, enums and fact kinds are global; every
//! other name lives in its file's namespace (the announcement id); a path in an expression
//! is a bound element, a fact field, an enum variant where one is expected, a name of the
//! own announcement, or `other_announcement.name`. The index never reports errors (the
//! checker does); a name it cannot resolve is simply not an occurrence. Navigation, hover,
//! references and completion all read this one index.

use std::collections::HashMap;

use syntax::ast::{self, CheckClause, Component, ExprKind, Item, TypeKind};
use syntax::{FileId, Span};

/// What a name denotes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sym {
    /// An announcement (a namespace), by id.
    Announcement(String),
    /// A value, `ns.name`.
    Value(String),
    /// A labelled rule (exception or dated version), `ns.label`.
    Rule(String),
    /// A check, `ns.name`.
    Check(String),
    /// A check component: the check `ns.name` and which component.
    Component(String, Component),
    /// An enum, record type or fact kind.
    Type(String),
    /// An enum variant: enum, variant.
    Variant(String, String),
    /// A field of a record type or fact kind: owner, field.
    Field(String, String),
    /// An aggregate's bound element: file and the byte where it is bound.
    Local(FileId, u32),
}

/// One written occurrence of a name.
#[derive(Debug, Clone)]
pub struct Occurrence {
    /// The name as written.
    pub span: Span,
    /// What it denotes.
    pub sym: Sym,
    /// Whether this occurrence defines the symbol.
    pub def: bool,
}

/// Where an item is: the index into [`check::Checked::files`] and the item's position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemRef {
    /// Index of the file in `Checked::files`.
    pub file: usize,
    /// Index of the item in that file.
    pub item: usize,
}

/// A definition site.
#[derive(Debug, Clone)]
pub struct Def {
    /// The name's span.
    pub span: Span,
    /// The item that defines it.
    pub item: ItemRef,
}

#[derive(Debug, Clone, Copy)]
enum Entry {
    Value,
    Check,
    Rule,
}

/// The index of one policy set.
#[derive(Debug, Default)]
pub struct Index {
    /// Every occurrence, definitions included, sorted by file and position.
    pub occurrences: Vec<Occurrence>,
    /// Every definition site of each symbol (values with dated versions have several),
    /// the first written first.
    pub defs: HashMap<Sym, Vec<Def>>,
    /// Exceptions: (the exception's rule symbol, what it overrides).
    pub overrides: Vec<(Sym, Sym)>,
    /// The namespace of each file.
    pub file_ns: HashMap<FileId, String>,
    namespaces: HashMap<String, HashMap<String, Entry>>,
    /// Enum name -> variants.
    pub enums: HashMap<String, Vec<String>>,
    /// Record or fact name -> fields with their written types.
    pub fields: HashMap<String, Vec<(String, ast::TypeExpr)>>,
    /// Fact kind names.
    pub facts: Vec<String>,
    /// Checks by namespace: (ns, check name, components written).
    pub checks: Vec<(String, String, Vec<Component>)>,
}

/// A local in scope: its name, where it is bound, and the record type of its elements.
struct Local {
    name: String,
    at: Span,
    record: Option<String>,
}

impl Index {
    /// Indexes parsed files (`Checked::files`).
    pub fn new(files: &[(String, ast::File)]) -> Index {
        let mut ix = Index::default();
        for (fi, (_, file)) in files.iter().enumerate() {
            ix.declare(fi, file);
        }
        for (_, file) in files {
            ix.resolve_file(file);
        }
        ix.occurrences
            .sort_by_key(|o| (o.span.file, o.span.start, o.span.end));
        ix
    }

    fn add_def(&mut self, sym: Sym, span: Span, item: ItemRef) {
        self.defs
            .entry(sym.clone())
            .or_default()
            .push(Def { span, item });
        self.occurrences.push(Occurrence {
            span,
            sym,
            def: true,
        });
    }

    fn add_ref(&mut self, sym: Sym, span: Span) {
        self.occurrences.push(Occurrence {
            span,
            sym,
            def: false,
        });
    }

    /// Pass 1: declarations and namespace tables.
    fn declare(&mut self, fi: usize, file: &ast::File) {
        let ns = file.items.iter().find_map(|i| match i {
            Item::Announcement(a) => Some(a.id.name.clone()),
            _ => None,
        });
        for (ii, item) in file.items.iter().enumerate() {
            let at = ItemRef { file: fi, item: ii };
            match item {
                Item::Announcement(a) => {
                    self.file_ns.insert(a.span.file, a.id.name.clone());
                    self.namespaces.entry(a.id.name.clone()).or_default();
                    self.add_def(Sym::Announcement(a.id.name.clone()), a.id.span, at);
                }
                Item::Enum(e) => {
                    self.add_def(Sym::Type(e.name.name.clone()), e.name.span, at);
                    for v in &e.variants {
                        self.add_def(
                            Sym::Variant(e.name.name.clone(), v.name.clone()),
                            v.span,
                            at,
                        );
                    }
                    self.enums
                        .entry(e.name.name.clone())
                        .or_insert_with(|| e.variants.iter().map(|v| v.name.clone()).collect());
                }
                Item::Record(r) => self.declare_fields(&r.name, &r.fields, at),
                Item::Fact(f) => {
                    self.facts.push(f.name.name.clone());
                    self.declare_fields(&f.name, &f.fields, at);
                }
                Item::Value(v) => {
                    let Some(ns) = &ns else { continue };
                    let id = format!("{ns}.{}", v.name.name);
                    self.add_def(Sym::Value(id), v.name.span, at);
                    self.entry(ns, &v.name.name, Entry::Value, true);
                    if let Some(l) = &v.def.label {
                        self.add_def(Sym::Rule(format!("{ns}.{}", l.name)), l.span, at);
                        self.entry(ns, &l.name, Entry::Rule, false);
                    }
                }
                Item::Check(c) => {
                    let Some(ns) = &ns else { continue };
                    let id = format!("{ns}.{}", c.name.name);
                    self.add_def(Sym::Check(id.clone()), c.name.span, at);
                    self.entry(ns, &c.name.name, Entry::Check, true);
                    let mut comps = Vec::new();
                    for cl in &c.clauses {
                        if let CheckClause::Component {
                            component,
                            name_span,
                            def,
                        } = cl
                        {
                            if !comps.contains(component) {
                                comps.push(*component);
                            }
                            self.add_def(Sym::Component(id.clone(), *component), *name_span, at);
                            if let Some(l) = &def.label {
                                self.add_def(Sym::Rule(format!("{ns}.{}", l.name)), l.span, at);
                                self.entry(ns, &l.name, Entry::Rule, false);
                            }
                        }
                    }
                    self.checks.push((ns.clone(), c.name.name.clone(), comps));
                }
                Item::Exception(x) => {
                    let Some(ns) = &ns else { continue };
                    self.add_def(
                        Sym::Rule(format!("{ns}.{}", x.label.name)),
                        x.label.span,
                        at,
                    );
                    self.entry(ns, &x.label.name, Entry::Rule, false);
                }
                Item::Priority(_) => {}
            }
        }
    }

    fn declare_fields(&mut self, name: &ast::Ident, fields: &[ast::FieldDecl], at: ItemRef) {
        self.add_def(Sym::Type(name.name.clone()), name.span, at);
        for f in fields {
            self.add_def(
                Sym::Field(name.name.clone(), f.name.name.clone()),
                f.name.span,
                at,
            );
        }
        self.fields.entry(name.name.clone()).or_insert_with(|| {
            fields
                .iter()
                .map(|f| (f.name.name.clone(), f.ty.clone()))
                .collect()
        });
    }

    /// Values and checks take a name before rules do (as in the checker).
    fn entry(&mut self, ns: &str, name: &str, e: Entry, strong: bool) {
        let table = self.namespaces.entry(ns.to_string()).or_default();
        if strong {
            table.insert(name.to_string(), e);
        } else {
            table.entry(name.to_string()).or_insert(e);
        }
    }

    fn lookup(&self, ns: &str, name: &str) -> Option<Entry> {
        self.namespaces.get(ns).and_then(|t| t.get(name)).copied()
    }

    /// The names defined in an announcement: (name, is a check).
    pub fn names_in(&self, ns: &str) -> Vec<(String, bool, bool)> {
        let mut out: Vec<(String, bool, bool)> = self
            .namespaces
            .get(ns)
            .map(|t| {
                t.iter()
                    .map(|(n, e)| {
                        (
                            n.clone(),
                            matches!(e, Entry::Check),
                            matches!(e, Entry::Rule),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }

    /// Keeps the names of announcement `ns` from an earlier index (its file does not parse
    /// now): completion still offers them while the file is being typed.
    pub fn carry_over(&mut self, earlier: &Index, ns: &str) {
        if self.namespaces.contains_key(ns) {
            return;
        }
        if let Some(t) = earlier.namespaces.get(ns) {
            self.namespaces.insert(ns.to_string(), t.clone());
        }
        for c in earlier.checks.iter().filter(|(n, _, _)| n == ns) {
            self.checks.push(c.clone());
        }
    }

    /// Announcement ids.
    pub fn announcements(&self) -> Vec<String> {
        let mut v: Vec<String> = self.namespaces.keys().cloned().collect();
        v.sort();
        v
    }

    /// Pass 2: references.
    fn resolve_file(&mut self, file: &ast::File) {
        let ns = file
            .items
            .iter()
            .find_map(|i| match i {
                Item::Announcement(a) => Some(a.id.name.clone()),
                _ => None,
            })
            .unwrap_or_default();
        for item in &file.items {
            match item {
                Item::Announcement(a) => {
                    for m in &a.meta {
                        if let ast::Meta::Effective(e) = m {
                            self.expr(&ns, e, &mut Vec::new(), None);
                        }
                    }
                }
                Item::Enum(_) => {}
                Item::Record(r) => r.fields.iter().for_each(|f| self.ty(&f.ty)),
                Item::Fact(f) => f.fields.iter().for_each(|f| self.ty(&f.ty)),
                Item::Value(v) => {
                    if let Some(t) = &v.ty {
                        self.ty(t);
                    }
                    let want = v.ty.as_ref().and_then(|t| self.enum_of(t));
                    self.definition(&ns, &v.def, want);
                }
                Item::Check(c) => {
                    for cl in &c.clauses {
                        match cl {
                            CheckClause::After(e)
                            | CheckClause::Applies(e)
                            | CheckClause::Event(e) => self.expr(&ns, e, &mut Vec::new(), None),
                            CheckClause::Component { def, .. } => self.definition(&ns, def, None),
                        }
                    }
                }
                Item::Exception(x) => {
                    let me = Sym::Rule(format!("{ns}.{}", x.label.name));
                    let target = self.target(&ns, &x.target);
                    let want = target.as_ref().and_then(|t| self.enum_of_sym(t));
                    if let Some(t) = target {
                        self.overrides.push((me, t));
                    }
                    self.expr(&ns, &x.guard, &mut Vec::new(), None);
                    self.expr(&ns, &x.body, &mut Vec::new(), want);
                }
                Item::Priority(p) => {
                    for path in &p.order {
                        self.target(&ns, path);
                    }
                }
            }
        }
    }

    fn definition(&mut self, ns: &str, d: &ast::Definition, want: Option<String>) {
        if let Some(g) = &d.guard {
            self.expr(ns, g, &mut Vec::new(), None);
        }
        self.expr(ns, &d.body, &mut Vec::new(), want);
    }

    fn ty(&mut self, t: &ast::TypeExpr) {
        match &t.kind {
            TypeKind::Named(n) => {
                if self.enums.contains_key(&n.name) || self.fields.contains_key(&n.name) {
                    self.add_ref(Sym::Type(n.name.clone()), n.span);
                }
            }
            TypeKind::Set(e) | TypeKind::List(e) => self.ty(e),
        }
    }

    /// The enum a written type names (through `?`).
    fn enum_of(&self, t: &ast::TypeExpr) -> Option<String> {
        match &t.kind {
            TypeKind::Named(n) if self.enums.contains_key(&n.name) => Some(n.name.clone()),
            TypeKind::Set(e) => self.enum_of(e),
            _ => None,
        }
    }

    /// The enum type of a value or field symbol, when declared.
    fn enum_of_sym(&self, s: &Sym) -> Option<String> {
        match s {
            Sym::Field(owner, f) => self.field_type(owner, f).and_then(|t| self.enum_of(t)),
            _ => None,
        }
    }

    /// The written type of a field of a record or fact kind.
    pub fn field_type(&self, owner: &str, field: &str) -> Option<&ast::TypeExpr> {
        self.fields
            .get(owner)?
            .iter()
            .find(|(n, _)| n == field)
            .map(|(_, t)| t)
    }

    /// The record a type names (through `?` and `list<>`/`set<>`).
    pub fn record_of(&self, t: &ast::TypeExpr) -> Option<String> {
        match &t.kind {
            TypeKind::Named(n) if self.fields.contains_key(&n.name) => Some(n.name.clone()),
            TypeKind::Set(e) | TypeKind::List(e) => self.record_of(e),
            _ => None,
        }
    }

    /// What an exception or priority names; records the occurrences of its segments.
    fn target(&mut self, own: &str, path: &ast::Path) -> Option<Sym> {
        let segs = &path.segments;
        let rule_or_value = |ix: &Index, ns: &str, name: &str| match ix.lookup(ns, name) {
            Some(Entry::Value) => Some(Sym::Value(format!("{ns}.{name}"))),
            Some(Entry::Rule) => Some(Sym::Rule(format!("{ns}.{name}"))),
            _ => None,
        };
        let component = |ix: &Index, ns: &str, check: &str, comp: &ast::Ident| {
            let c = Component::from_name(&comp.name)?;
            let id = format!("{ns}.{check}");
            ix.checks
                .iter()
                .any(|(n, ch, cs)| n == ns && ch == check && cs.contains(&c))
                .then_some(Sym::Component(id, c))
        };
        match segs.as_slice() {
            [a] => {
                let s = rule_or_value(self, own, &a.name)?;
                self.add_ref(s.clone(), a.span);
                Some(s)
            }
            [a, b] => {
                if let Some(Entry::Check) = self.lookup(own, &a.name) {
                    self.add_ref(Sym::Check(format!("{own}.{}", a.name)), a.span);
                    let s = component(self, own, &a.name, b)?;
                    self.add_ref(s.clone(), b.span);
                    return Some(s);
                }
                if self.namespaces.contains_key(&a.name) {
                    self.add_ref(Sym::Announcement(a.name.clone()), a.span);
                }
                let s = rule_or_value(self, &a.name, &b.name)?;
                self.add_ref(s.clone(), b.span);
                Some(s)
            }
            [a, b, c] => {
                if self.namespaces.contains_key(&a.name) {
                    self.add_ref(Sym::Announcement(a.name.clone()), a.span);
                }
                if let Some(Entry::Check) = self.lookup(&a.name, &b.name) {
                    self.add_ref(Sym::Check(format!("{}.{}", a.name, b.name)), b.span);
                    let s = component(self, &a.name, &b.name, c)?;
                    self.add_ref(s.clone(), c.span);
                    return Some(s);
                }
                None
            }
            _ => None,
        }
    }

    /// Walks an expression; `want` is the enum a bare name should be a variant of.
    fn expr(&mut self, ns: &str, e: &ast::Expr, locals: &mut Vec<Local>, want: Option<String>) {
        match &e.kind {
            ExprKind::Path(p) => {
                self.path(ns, p, locals, want.as_deref());
            }
            ExprKind::Window(a, b) => {
                self.expr(ns, a, locals, None);
                self.expr(ns, b, locals, None);
            }
            ExprKind::Set(items) => {
                for i in items {
                    self.expr(ns, i, locals, want.clone());
                }
            }
            ExprKind::Unary(_, a) | ExprKind::IsSome(a, _) => self.expr(ns, a, locals, None),
            ExprKind::Binary(op, a, b) => {
                use ast::BinOp::*;
                match op {
                    Eq | Ne | In | NotIn => {
                        let ta = self.expr_enum(a, locals);
                        let tb = self.expr_enum(b, locals);
                        self.expr(ns, a, locals, tb);
                        self.expr(ns, b, locals, ta);
                    }
                    _ => {
                        self.expr(ns, a, locals, None);
                        self.expr(ns, b, locals, None);
                    }
                }
            }
            ExprKind::Call(_, args) => {
                for a in args {
                    self.expr(ns, a, locals, None);
                }
            }
            ExprKind::Quantifier {
                var, list, filter, ..
            } => {
                self.expr(ns, list, locals, None);
                let record = self.expr_record(list, locals);
                self.scoped(var, record, locals, |ix, locals| {
                    if let Some(f) = filter {
                        ix.expr(ns, f, locals, None);
                    }
                });
            }
            ExprKind::Extremum {
                body,
                var,
                list,
                filter,
                ..
            } => {
                self.expr(ns, list, locals, None);
                let record = self.expr_record(list, locals);
                self.scoped(var, record, locals, |ix, locals| {
                    ix.expr(ns, body, locals, None);
                    if let Some(f) = filter {
                        ix.expr(ns, f, locals, None);
                    }
                });
            }
            ExprKind::Overridden
            | ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Money(_)
            | ExprKind::Percent(_)
            | ExprKind::Duration(_)
            | ExprKind::Str(_)
            | ExprKind::Time(_)
            | ExprKind::Region(_)
            | ExprKind::Regions(_) => {}
        }
    }

    fn scoped(
        &mut self,
        var: &ast::Ident,
        record: Option<String>,
        locals: &mut Vec<Local>,
        body: impl FnOnce(&mut Index, &mut Vec<Local>),
    ) {
        self.add_def_local(var.span);
        locals.push(Local {
            name: var.name.clone(),
            at: var.span,
            record,
        });
        body(self, locals);
        locals.pop();
    }

    fn add_def_local(&mut self, span: Span) {
        self.occurrences.push(Occurrence {
            span,
            sym: Sym::Local(span.file, span.start),
            def: true,
        });
    }

    /// The written type a path expression reads, when it is a (record) field.
    fn expr_field_type(&self, e: &ast::Expr, locals: &[Local]) -> Option<ast::TypeExpr> {
        let ExprKind::Path(p) = &e.kind else {
            return None;
        };
        let (mut owner, rest) = self.path_head(p, locals)?;
        let mut ty = None;
        for seg in rest {
            let t = self.field_type(&owner, &seg.name)?.clone();
            owner = self.record_of(&t).unwrap_or_default();
            ty = Some(t);
        }
        ty
    }

    fn expr_enum(&self, e: &ast::Expr, locals: &[Local]) -> Option<String> {
        self.expr_field_type(e, locals)
            .and_then(|t| self.enum_of(&t))
    }

    fn expr_record(&self, e: &ast::Expr, locals: &[Local]) -> Option<String> {
        self.expr_field_type(e, locals)
            .and_then(|t| self.record_of(&t))
    }

    /// For a path into the schema: the record or fact its first field belongs to, and the
    /// field segments.
    fn path_head<'p>(
        &self,
        p: &'p ast::Path,
        locals: &[Local],
    ) -> Option<(String, &'p [ast::Ident])> {
        let first = p.segments.first()?;
        if let Some(l) = locals.iter().rev().find(|l| l.name == first.name) {
            return Some((l.record.clone()?, &p.segments[1..]));
        }
        if self.facts.contains(&first.name) {
            return Some((first.name.clone(), &p.segments[1..]));
        }
        None
    }

    fn path(&mut self, own: &str, p: &ast::Path, locals: &[Local], want: Option<&str>) {
        let segs = &p.segments;
        let Some(first) = segs.first() else { return };
        // Bound element, then fact kind: fields follow.
        if let Some(l) = locals.iter().rev().find(|l| l.name == first.name) {
            self.add_ref(Sym::Local(l.at.file, l.at.start), first.span);
            let owner = l.record.clone();
            self.fields_of(owner, &segs[1..]);
            return;
        }
        if self.facts.contains(&first.name) {
            self.add_ref(Sym::Type(first.name.clone()), first.span);
            self.fields_of(Some(first.name.clone()), &segs[1..]);
            return;
        }
        if segs.len() == 1 {
            if let Some(en) = want {
                if self.enums.get(en).is_some_and(|v| v.contains(&first.name)) {
                    self.add_ref(Sym::Variant(en.to_string(), first.name.clone()), first.span);
                    return;
                }
            }
        }
        let (ns, rest) = match self.lookup(own, &first.name) {
            Some(_) => (own.to_string(), &segs[..]),
            None if self.namespaces.contains_key(&first.name) && segs.len() > 1 => {
                self.add_ref(Sym::Announcement(first.name.clone()), first.span);
                (first.name.clone(), &segs[1..])
            }
            None => {
                // A variant where the context's type was not found: any enum that has it.
                if segs.len() == 1 && want.is_none() {
                    let mut hits: Vec<&String> = self
                        .enums
                        .iter()
                        .filter(|(_, v)| v.contains(&first.name))
                        .map(|(k, _)| k)
                        .collect();
                    hits.sort();
                    if let [one] = hits.as_slice() {
                        let s = Sym::Variant((*one).clone(), first.name.clone());
                        self.add_ref(s, first.span);
                    }
                }
                return;
            }
        };
        let Some(name) = rest.first() else { return };
        match self.lookup(&ns, &name.name) {
            Some(Entry::Value) => {
                self.add_ref(Sym::Value(format!("{ns}.{}", name.name)), name.span)
            }
            Some(Entry::Rule) => self.add_ref(Sym::Rule(format!("{ns}.{}", name.name)), name.span),
            Some(Entry::Check) => {
                let id = format!("{ns}.{}", name.name);
                self.add_ref(Sym::Check(id.clone()), name.span);
                if let Some(part) = rest.get(1) {
                    if let Some(c) = Component::from_name(&part.name) {
                        self.add_ref(Sym::Component(id, c), part.span);
                    }
                }
            }
            None => {}
        }
    }

    fn fields_of(&mut self, mut owner: Option<String>, segs: &[ast::Ident]) {
        for seg in segs {
            let Some(o) = owner.take() else { return };
            let Some(t) = self.field_type(&o, &seg.name).cloned() else {
                return;
            };
            self.add_ref(Sym::Field(o, seg.name.clone()), seg.span);
            owner = self.record_of(&t);
        }
    }

    /// The occurrence at a byte offset of a file (the innermost, when names touch).
    pub fn at(&self, file: FileId, offset: u32) -> Option<&Occurrence> {
        self.occurrences
            .iter()
            .filter(|o| o.span.file == file && o.span.start <= offset && offset <= o.span.end)
            .min_by_key(|o| o.span.end - o.span.start)
    }

    /// Every occurrence of a symbol.
    pub fn occurrences_of<'a>(&'a self, sym: &'a Sym) -> impl Iterator<Item = &'a Occurrence> {
        self.occurrences.iter().filter(move |o| &o.sym == sym)
    }

    /// The exceptions that override `sym` directly.
    pub fn exceptions_of(&self, sym: &Sym) -> Vec<Sym> {
        self.overrides
            .iter()
            .filter(|(_, t)| t == sym)
            .map(|(e, _)| e.clone())
            .collect()
    }

    /// The value a rule symbol belongs to, following exception targets (bounded).
    pub fn value_of(&self, sym: &Sym) -> Option<Sym> {
        let mut cur = sym.clone();
        for _ in 0..=self.overrides.len() {
            match &cur {
                Sym::Value(_) | Sym::Component(..) => return Some(cur),
                _ => {}
            }
            cur = self
                .overrides
                .iter()
                .find(|(e, _)| *e == cur)
                .map(|(_, t)| t.clone())?;
        }
        None
    }

    /// The namespace of an announcement-owned symbol.
    pub fn ns_of(sym: &Sym) -> Option<&str> {
        match sym {
            Sym::Announcement(a) => Some(a),
            Sym::Value(id) | Sym::Rule(id) | Sym::Check(id) | Sym::Component(id, _) => {
                id.split_once('.').map(|(ns, _)| ns)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name written in an expression of the shipped policies is resolved by the
    /// index (the statuses a check's `.status` is compared with are words, not symbols),
    /// and every occurrence that is not a local has a definition.
    #[test]
    fn the_index_resolves_every_name_of_the_shipped_policies() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
        let mut inputs = Vec::new();
        for e in std::fs::read_dir(&dir).expect("policies/").flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "edict") {
                let text = std::fs::read_to_string(&p).expect("readable");
                inputs.push((p.display().to_string(), text));
            }
        }
        inputs.sort();
        let checked = check::check(&inputs);
        assert!(checked.program.is_some(), "{:?}", checked.diagnostics);
        let ix = Index::new(&checked.files);
        let mut paths = Vec::new();
        for (_, f) in &checked.files {
            for item in &f.items {
                walk_item(item, &mut paths);
            }
        }
        assert!(paths.len() > 150, "{} paths", paths.len());
        let mut missing = Vec::new();
        for p in &paths {
            let last = p.segments.last().expect("a segment");
            let found = ix.occurrences.iter().any(|o| {
                o.span.same_place(&last.span)
                    || (p.segments.len() > 1
                        && o.span.same_place(&p.segments[0].span)
                        && matches!(o.sym, Sym::Check(_)))
            });
            let status = p.segments.len() == 1 && ir::Status::from_name(&last.name).is_some();
            let check_status = p.segments.last().is_some_and(|s| s.name == "status");
            if !found && !status && !check_status {
                missing.push(format!(
                    "{} at {}",
                    p.dotted(),
                    checked.sources.locate(p.span)
                ));
            }
        }
        assert!(missing.is_empty(), "unresolved: {missing:#?}");
        for o in &ix.occurrences {
            if !matches!(o.sym, Sym::Local(..)) && !ix.defs.contains_key(&o.sym) {
                let implicit = matches!(&o.sym, Sym::Component(_, c) if matches!(c, Component::Exempt | Component::Excluded));
                assert!(implicit, "no definition for {:?}", o.sym);
            }
        }
    }

    fn walk_item(item: &Item, out: &mut Vec<ast::Path>) {
        match item {
            Item::Value(v) => walk_def(&v.def, out),
            Item::Exception(x) => {
                walk(&x.guard, out);
                walk(&x.body, out);
            }
            Item::Check(c) => {
                for cl in &c.clauses {
                    match cl {
                        CheckClause::After(e) | CheckClause::Applies(e) | CheckClause::Event(e) => {
                            walk(e, out)
                        }
                        CheckClause::Component { def, .. } => walk_def(def, out),
                    }
                }
            }
            _ => {}
        }
    }

    fn walk_def(d: &ast::Definition, out: &mut Vec<ast::Path>) {
        if let Some(g) = &d.guard {
            walk(g, out);
        }
        walk(&d.body, out);
    }

    fn walk(e: &ast::Expr, out: &mut Vec<ast::Path>) {
        match &e.kind {
            ExprKind::Path(p) => out.push(p.clone()),
            ExprKind::Window(a, b) | ExprKind::Binary(_, a, b) => {
                walk(a, out);
                walk(b, out);
            }
            ExprKind::Set(xs) | ExprKind::Call(_, xs) => xs.iter().for_each(|x| walk(x, out)),
            ExprKind::Unary(_, a) | ExprKind::IsSome(a, _) => walk(a, out),
            ExprKind::Quantifier { list, filter, .. } => {
                walk(list, out);
                if let Some(f) = filter {
                    walk(f, out);
                }
            }
            ExprKind::Extremum {
                body, list, filter, ..
            } => {
                walk(body, out);
                walk(list, out);
                if let Some(f) = filter {
                    walk(f, out);
                }
            }
            _ => {}
        }
    }
}
