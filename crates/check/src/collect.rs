//! Collection: declarations of every file gathered into one symbol table.
//!
//! Types and fact kinds are global; every other name lives in its file's namespace (the
//! announcement id). Values, rules and checks get their final, sorted ids here, so that
//! nothing later depends on file names or the order files were read in.

use std::collections::{BTreeMap, HashMap};

use syntax::ast::{self, Component};
use syntax::{Diagnostic, FileId, Span};

use crate::codes;

/// One parsed file with its namespace.
pub(crate) struct FileInfo {
    pub id: FileId,
    pub path: String,
    pub ns: Option<String>,
    pub zone: i32,
    pub ast: ast::File,
    pub source: std::sync::Arc<str>,
    /// Byte offsets where lines start (the first is 0).
    pub line_starts: Vec<u32>,
}

impl FileInfo {
    /// The 1-based line of a byte offset.
    pub fn line_of(&self, offset: u32) -> usize {
        self.line_starts.partition_point(|&s| s <= offset).max(1)
    }

    /// The file's text.
    pub fn text(&self) -> &str {
        &self.source
    }
}

/// What a name in a namespace denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    Value(u32),
    Check(u32),
    Rule(u32),
}

/// Where a rule hangs before targets are resolved.
#[derive(Debug, Clone)]
pub(crate) enum RawParent {
    Base,
    Target(ast::Path),
}

/// A definition (base or exception), with its final id.
pub(crate) struct RuleSlot {
    pub id: String,
    pub file: usize,
    pub value: u32,
    pub raw_parent: RawParent,
    pub parent: ir::Parent,
    pub guard: Option<ast::Expr>,
    pub body: ast::Expr,
    pub cites: Option<String>,
    pub allows: Vec<(String, String)>,
    pub span: Span,
    pub label_span: Span,
    pub children: Vec<u32>,
    /// Source text to show for a rule the checker wrote itself (the default exemption).
    pub implicit: Option<String>,
}

/// A value, with its final id.
pub(crate) struct ValueSlot {
    pub id: String,
    pub span: Span,
    pub declared: Option<ast::TypeExpr>,
    pub fixed: Option<ir::Ty>,
    pub bases: Vec<u32>,
    pub exceptions: Vec<u32>,
    pub check: Option<u32>,
}

/// A check, with its final id.
pub(crate) struct CheckSlot {
    pub name: String,
    pub file: usize,
    pub def: ast::CheckDef,
    pub components: BTreeMap<Component, u32>,
}

/// Everything collected.
pub(crate) struct Symbols {
    pub namespaces: HashMap<String, HashMap<String, Entry>>,
    pub values: Vec<ValueSlot>,
    pub rules: Vec<RuleSlot>,
    pub checks: Vec<CheckSlot>,
    pub enums: Vec<ast::EnumDecl>,
    pub records: Vec<ast::RecordDecl>,
    pub facts: Vec<ast::FactDecl>,
    pub priorities: Vec<(usize, ast::PriorityDecl)>,
}

struct RawRule {
    id: String,
    file: usize,
    value_id: String,
    parent: RawParent,
    def_guard: Option<ast::Expr>,
    body: ast::Expr,
    cites: Option<String>,
    allows: Vec<(String, String)>,
    span: Span,
    label_span: Span,
    implicit: Option<String>,
}

struct RawValue {
    id: String,
    span: Span,
    declared: Option<ast::TypeExpr>,
    fixed: Option<ir::Ty>,
    check: Option<String>,
}

fn allows_of(a: &[ast::Allow]) -> Vec<(String, String)> {
    a.iter()
        .map(|a| (a.lint.name.clone(), a.reason.value.clone()))
        .collect()
}

/// Gathers declarations; reports duplicates and misplaced rules.
pub(crate) fn collect(files: &[FileInfo], diags: &mut Vec<Diagnostic>) -> Symbols {
    let mut enums = Vec::new();
    let mut records = Vec::new();
    let mut facts = Vec::new();
    let mut priorities = Vec::new();
    let mut raw_values: Vec<RawValue> = Vec::new();
    // Ids of the plain values pushed so far (a check component's id has one more part).
    let mut value_ids: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut raw_rules: Vec<RawRule> = Vec::new();
    let mut raw_checks: Vec<(String, usize, ast::CheckDef)> = Vec::new();
    // name -> span of first definition, per namespace, for duplicate reports.
    let mut seen: HashMap<(String, String), Span> = HashMap::new();
    let mut global_types: HashMap<String, Span> = HashMap::new();
    let mut check_names: HashMap<String, Span> = HashMap::new();

    let mut claim = |ns: &str,
                     name: &str,
                     span: Span,
                     what: &str,
                     diags: &mut Vec<Diagnostic>|
     -> bool {
        match seen.get(&(ns.to_string(), name.to_string())) {
            Some(first) => {
                diags.push(
                    Diagnostic::error(
                        codes::DUPLICATE,
                        format!("`{ns}.{name}` is defined twice"),
                        span,
                        format!("this {what} reuses the name"),
                    )
                    .with_label(*first, "first defined here")
                    .with_help("give one of them another name (rule ids must be unique in an announcement)"),
                );
                false
            }
            None => {
                seen.insert((ns.to_string(), name.to_string()), span);
                true
            }
        }
    };

    for (fi, file) in files.iter().enumerate() {
        for item in &file.ast.items {
            let needs_ns = |span: Span, diags: &mut Vec<Diagnostic>| -> Option<String> {
                if file.ns.is_none() {
                    diags.push(
                        Diagnostic::error(
                            codes::NO_ANNOUNCEMENT,
                            "rules need an announcement",
                            span,
                            "this file has no `announcement`",
                        )
                        .with_help("start the file with `announcement my_id \"title\" { ... }`; its id names the rules"),
                    );
                }
                file.ns.clone()
            };
            match item {
                ast::Item::Announcement(_) => {}
                ast::Item::Enum(e) => {
                    if claim_type(&mut global_types, &e.name, diags) {
                        enums.push(e.clone());
                    }
                }
                ast::Item::Record(r) => {
                    if claim_type(&mut global_types, &r.name, diags) {
                        records.push(r.clone());
                    }
                }
                ast::Item::Fact(f) => {
                    if claim_type(&mut global_types, &f.name, diags) {
                        facts.push(f.clone());
                    }
                }
                ast::Item::Priority(p) => {
                    if needs_ns(p.span, diags).is_some() {
                        priorities.push((fi, p.clone()));
                    }
                }
                ast::Item::Value(v) => {
                    let Some(ns) = needs_ns(v.span, diags) else {
                        continue;
                    };
                    let value_id = format!("{ns}.{}", v.name.name);
                    let first = !value_ids.contains(&value_id);
                    if first {
                        if !claim(&ns, &v.name.name, v.name.span, "value", diags) {
                            continue;
                        }
                        value_ids.insert(value_id.clone());
                        raw_values.push(RawValue {
                            id: value_id.clone(),
                            span: v.name.span,
                            declared: v.ty.clone(),
                            fixed: None,
                            check: None,
                        });
                    }
                    let label = v.def.label.as_ref().unwrap_or(&v.name);
                    if v.def.label.is_some()
                        && !claim(&ns, &label.name, label.span, "version", diags)
                    {
                        continue;
                    }
                    raw_rules.push(RawRule {
                        id: format!("{ns}.{}", label.name),
                        file: fi,
                        value_id,
                        parent: RawParent::Base,
                        def_guard: v.def.guard.clone(),
                        body: v.def.body.clone(),
                        cites: v.def.cites.as_ref().map(|c| c.value.clone()),
                        allows: allows_of(&v.allows),
                        span: v.span,
                        label_span: label.span,
                        implicit: None,
                    });
                }
                ast::Item::Check(c) => {
                    let Some(ns) = needs_ns(c.span, diags) else {
                        continue;
                    };
                    if let Some(first) = check_names.get(&c.name.name) {
                        diags.push(
                            Diagnostic::error(
                                codes::DUPLICATE,
                                format!("check `{}` is defined twice", c.name.name),
                                c.name.span,
                                "a second check with this name",
                            )
                            .with_label(*first, "first defined here")
                            .with_help("check names are the `check` of findings, so they are unique across all files; override a component with `exception` instead"),
                        );
                        continue;
                    }
                    if !claim(&ns, &c.name.name, c.name.span, "check", diags) {
                        continue;
                    }
                    check_names.insert(c.name.name.clone(), c.name.span);
                    collect_check(
                        fi,
                        &ns,
                        c,
                        &mut raw_values,
                        &mut raw_rules,
                        &mut claim,
                        diags,
                    );
                    raw_checks.push((c.name.name.clone(), fi, c.clone()));
                }
                ast::Item::Exception(x) => {
                    let Some(ns) = needs_ns(x.span, diags) else {
                        continue;
                    };
                    if !claim(&ns, &x.label.name, x.label.span, "exception", diags) {
                        continue;
                    }
                    raw_rules.push(RawRule {
                        id: format!("{ns}.{}", x.label.name),
                        file: fi,
                        value_id: String::new(),
                        parent: RawParent::Target(x.target.clone()),
                        def_guard: Some(x.guard.clone()),
                        body: x.body.clone(),
                        cites: x.cites.as_ref().map(|c| c.value.clone()),
                        allows: allows_of(&x.allows),
                        span: x.span,
                        label_span: x.label.span,
                        implicit: None,
                    });
                }
            }
        }
    }

    // Final ids: sorted, so nothing depends on file names or order.
    raw_values.sort_by(|a, b| a.id.cmp(&b.id));
    raw_rules.sort_by(|a, b| a.id.cmp(&b.id));
    raw_checks.sort_by(|a, b| a.0.cmp(&b.0));
    enums.sort_by(|a, b| a.name.name.cmp(&b.name.name));
    records.sort_by(|a, b| a.name.name.cmp(&b.name.name));
    facts.sort_by(|a, b| a.name.name.cmp(&b.name.name));
    name_clashes(files, &facts, diags);

    let value_index: HashMap<String, u32> = raw_values
        .iter()
        .enumerate()
        .map(|(i, v)| (v.id.clone(), i as u32))
        .collect();
    let check_index: HashMap<String, u32> = raw_checks
        .iter()
        .enumerate()
        .map(|(i, c)| (c.0.clone(), i as u32))
        .collect();

    let mut namespaces: HashMap<String, HashMap<String, Entry>> = HashMap::new();
    for f in files {
        if let Some(ns) = &f.ns {
            namespaces.entry(ns.clone()).or_default();
        }
    }
    let mut values: Vec<ValueSlot> = raw_values
        .into_iter()
        .map(|v| ValueSlot {
            id: v.id,
            span: v.span,
            declared: v.declared,
            fixed: v.fixed,
            bases: Vec::new(),
            exceptions: Vec::new(),
            check: v.check.and_then(|c| check_index.get(&c).copied()),
        })
        .collect();
    for (i, v) in values.iter().enumerate() {
        if v.check.is_none() {
            if let Some((ns, name)) = v.id.split_once('.') {
                namespaces
                    .entry(ns.to_string())
                    .or_default()
                    .insert(name.to_string(), Entry::Value(i as u32));
            }
        }
    }
    let mut checks = Vec::new();
    for (i, (name, file, def)) in raw_checks.into_iter().enumerate() {
        let ns = files[file].ns.clone().unwrap_or_default();
        namespaces
            .entry(ns.clone())
            .or_default()
            .insert(name.clone(), Entry::Check(i as u32));
        let mut components = BTreeMap::new();
        for comp in [
            Component::Deadline,
            Component::Compensation,
            Component::Exempt,
            Component::Excluded,
            Component::Violated,
        ] {
            if let Some(v) = value_index.get(&format!("{ns}.{name}.{}", comp.name())) {
                components.insert(comp, *v);
            }
        }
        checks.push(CheckSlot {
            name,
            file,
            def,
            components,
        });
    }
    let mut rules = Vec::new();
    for (i, r) in raw_rules.into_iter().enumerate() {
        let value = value_index.get(&r.value_id).copied().unwrap_or(u32::MAX);
        if value != u32::MAX && matches!(r.parent, RawParent::Base) {
            values[value as usize].bases.push(i as u32);
        }
        if let Some((ns, label)) = r.id.split_once('.') {
            let table = namespaces.entry(ns.to_string()).or_default();
            let single_base = matches!(r.parent, RawParent::Base)
                && value != u32::MAX
                && values[value as usize].id == r.id;
            if !single_base {
                table
                    .entry(label.to_string())
                    .or_insert(Entry::Rule(i as u32));
            }
        }
        rules.push(RuleSlot {
            id: r.id,
            file: r.file,
            value,
            raw_parent: r.parent,
            parent: ir::Parent::Base,
            guard: r.def_guard,
            body: r.body,
            cites: r.cites,
            allows: r.allows,
            span: r.span,
            label_span: r.label_span,
            children: Vec::new(),
            implicit: r.implicit,
        });
    }
    Symbols {
        namespaces,
        values,
        rules,
        checks,
        enums,
        records,
        facts,
        priorities,
    }
}

/// An announcement id names its rules (`holiday.extend`), and a fact kind its fields
/// (`order.paid_at`): an announcement whose id is a fact kind would have `id.x` mean the
/// fact field, never its own rule. One error at the announcement, the fact kind as
/// secondary label. (A fact kind and an enum variant may share a name: a bare name is the
/// variant, a fact kind is always followed by `.field`; see `path.rs`.)
fn name_clashes(files: &[FileInfo], facts: &[ast::FactDecl], diags: &mut Vec<Diagnostic>) {
    for file in files {
        for item in &file.ast.items {
            let ast::Item::Announcement(a) = item else {
                continue;
            };
            if let Some(f) = facts.iter().find(|f| f.name.name == a.id.name) {
                diags.push(
                    Diagnostic::error(
                        codes::ANNOUNCEMENT,
                        format!("announcement id `{}` is the name of a fact kind", a.id.name),
                        a.id.span,
                        "this announcement",
                    )
                    .with_label(f.name.span, "the fact kind")
                    .with_help(format!(
                        "`{}.x` would mean the fact field, never this announcement's rule; \
                         choose another id",
                        a.id.name
                    )),
                );
            }
        }
    }
}

fn claim_type(
    global: &mut HashMap<String, Span>,
    name: &ast::Ident,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    if crate::types::builtin(&name.name).is_some() {
        diags.push(Diagnostic::error(
            codes::DUPLICATE,
            format!("`{}` is a built-in type", name.name),
            name.span,
            "cannot be redefined",
        ));
        return false;
    }
    if let Some(first) = global.get(&name.name) {
        diags.push(
            Diagnostic::error(
                codes::DUPLICATE,
                format!("type or fact kind `{}` is defined twice", name.name),
                name.span,
                "second definition",
            )
            .with_label(*first, "first defined here"),
        );
        return false;
    }
    global.insert(name.name.clone(), name.span);
    true
}

fn collect_check(
    fi: usize,
    ns: &str,
    c: &ast::CheckDef,
    raw_values: &mut Vec<RawValue>,
    raw_rules: &mut Vec<RawRule>,
    claim: &mut impl FnMut(&str, &str, Span, &str, &mut Vec<Diagnostic>) -> bool,
    diags: &mut Vec<Diagnostic>,
) {
    let check = &c.name.name;
    let mut seen_components: Vec<Component> = Vec::new();
    for clause in &c.clauses {
        let ast::CheckClause::Component {
            component,
            name_span,
            def,
        } = clause
        else {
            continue;
        };
        let value_id = format!("{ns}.{check}.{}", component.name());
        if !seen_components.contains(component) {
            seen_components.push(*component);
            raw_values.push(RawValue {
                id: value_id.clone(),
                span: *name_span,
                declared: None,
                fixed: Some(crate::types::component_type(*component)),
                check: Some(check.clone()),
            });
        }
        let (id, label_span) = match &def.label {
            Some(l) => {
                if !claim(ns, &l.name, l.span, "version", diags) {
                    continue;
                }
                (format!("{ns}.{}", l.name), l.span)
            }
            None => (value_id.clone(), *name_span),
        };
        raw_rules.push(RawRule {
            id,
            file: fi,
            value_id,
            parent: RawParent::Base,
            def_guard: def.guard.clone(),
            body: def.body.clone(),
            cites: def
                .cites
                .as_ref()
                .or(c.cites.as_ref())
                .map(|s| s.value.clone()),
            allows: allows_of(&c.allows),
            span: def.span.to(*name_span),
            label_span,
            implicit: None,
        });
    }
    // Exemption and exclusion default to `false`; exceptions in later announcements
    // override these defaults like any other definition.
    for comp in [Component::Exempt, Component::Excluded] {
        if seen_components.contains(&comp) {
            continue;
        }
        let value_id = format!("{ns}.{check}.{}", comp.name());
        raw_values.push(RawValue {
            id: value_id.clone(),
            span: c.name.span,
            declared: None,
            fixed: Some(ir::Ty::Bool),
            check: Some(check.clone()),
        });
        raw_rules.push(RawRule {
            id: value_id.clone(),
            file: fi,
            value_id,
            parent: RawParent::Base,
            def_guard: None,
            body: ast::Expr {
                kind: ast::ExprKind::Bool(false),
                span: c.name.span,
            },
            cites: c.cites.as_ref().map(|s| s.value.clone()),
            allows: Vec::new(),
            span: c.name.span,
            label_span: c.name.span,
            implicit: Some(format!(
                "{} = false (none written: the default)",
                comp.name()
            )),
        });
    }
}
