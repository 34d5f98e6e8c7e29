//! The driver: runs the passes in order and assembles the [`ir::Program`].

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use ir::{Parent, Ty};
use syntax::ast::{self, Meta};
use syntax::{Diagnostic, FileId};

use crate::checker::{Checker, RegionLiteral, TyState};
use crate::codes;
use crate::collect::{collect, FileInfo};
use crate::expr::Ctx;
use crate::graph::Graph;
use crate::time::span_of;
use crate::types::TypeNames;
use crate::RegionResolver;

/// Beijing time, the default zone of literals.
const DEFAULT_ZONE: i32 = 8 * 3600;

/// Reads each file's announcement (namespace and zone); reports duplicates.
pub(crate) fn file_infos(
    files: Vec<(FileId, String, Arc<str>, ast::File)>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<FileInfo> {
    let mut ids: HashMap<String, syntax::Span> = HashMap::new();
    let mut out = Vec::new();
    for (id, path, source, ast) in files {
        let mut ns = None;
        let mut zone = DEFAULT_ZONE;
        let mut first_ann: Option<syntax::Span> = None;
        for item in &ast.items {
            let ast::Item::Announcement(a) = item else {
                continue;
            };
            if let Some(first) = first_ann {
                diags.push(
                    Diagnostic::error(
                        codes::ANNOUNCEMENT,
                        "a file holds one announcement",
                        a.id.span,
                        "second announcement",
                    )
                    .with_label(first, "first one")
                    .with_help("put each announcement in its own file"),
                );
                continue;
            }
            first_ann = Some(a.id.span);
            if let Some(prev) = ids.get(&a.id.name) {
                diags.push(
                    Diagnostic::error(
                        codes::ANNOUNCEMENT,
                        format!("announcement id `{}` is used twice", a.id.name),
                        a.id.span,
                        "second use",
                    )
                    .with_label(*prev, "first use")
                    .with_help("the id is the namespace of the file's rules; choose another"),
                );
                continue;
            }
            ids.insert(a.id.name.clone(), a.id.span);
            ns = Some(a.id.name.clone());
            let mut seen: HashMap<&str, syntax::Span> = HashMap::new();
            for m in &a.meta {
                let (key, span) = match m {
                    Meta::Published { span, .. } => ("published", *span),
                    Meta::Source(s) => ("source", s.span),
                    Meta::Zone {
                        offset_seconds,
                        span,
                    } => {
                        zone = *offset_seconds;
                        ("zone", *span)
                    }
                    Meta::Effective(e) => ("effective", e.span),
                    Meta::Retroactive(s) => ("retroactive", *s),
                };
                if let Some(prev) = seen.insert(key, span) {
                    diags.push(
                        Diagnostic::error(
                            codes::ANNOUNCEMENT,
                            format!("`{key}` is written twice"),
                            span,
                            "again",
                        )
                        .with_label(prev, "first"),
                    );
                }
            }
            metadata_times(&a.meta, zone, diags);
        }
        let line_starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i as u32 + 1))
            .collect();
        out.push(FileInfo {
            id,
            path,
            ns,
            zone,
            ast,
            source,
            line_starts,
        });
    }
    out
}

/// The announcement's `published` and `effective` instants, in the file's zone: each must
/// be placeable (years 0001..9999, as records), and the window must not be reversed.
fn metadata_times(meta: &[Meta], zone: i32, diags: &mut Vec<Diagnostic>) {
    let place = |e: &ast::Expr, diags: &mut Vec<Diagnostic>| match &e.kind {
        ast::ExprKind::Time(t) => {
            let s = span_of(t, zone);
            if s.is_none() {
                diags.push(Diagnostic::error(
                    codes::BAD_TIME,
                    "this time cannot be placed on the time line",
                    e.span,
                    "outside years 0001..9999 in +08:00",
                ));
            }
            s
        }
        _ => None,
    };
    for m in meta {
        match m {
            Meta::Published { at, span, .. } if span_of(at, zone).is_none() => {
                diags.push(Diagnostic::error(
                    codes::BAD_TIME,
                    "this time cannot be placed on the time line",
                    *span,
                    "outside years 0001..9999 in +08:00",
                ));
            }
            Meta::Effective(e) => {
                let ast::ExprKind::Window(a, b) = &e.kind else {
                    continue;
                };
                if let (Some(x), Some(y)) = (place(a, diags), place(b, diags)) {
                    if x.0 > y.1 {
                        diags.push(
                            Diagnostic::error(
                                codes::REVERSED_WINDOW,
                                "this window ends before it starts",
                                b.span,
                                "this end is before the start",
                            )
                            .with_label(a.span, "the start")
                            .with_help(
                                "windows are written [start, end], both inclusive; swap the ends",
                            ),
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

/// All passes after parsing.
pub(crate) fn compile(
    files: &[FileInfo],
    resolver: &dyn RegionResolver,
    diags: &mut Vec<Diagnostic>,
) -> (Option<ir::Program>, Vec<RegionLiteral>) {
    let syms = collect(files, diags);
    let types = TypeNames {
        enums: syms
            .enums
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.name.clone(), i as u32))
            .collect(),
        records: syms
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| (r.name.name.clone(), i as u32))
            .collect(),
        enum_names: syms.enums.iter().map(|e| e.name.name.clone()).collect(),
        record_names: syms.records.iter().map(|r| r.name.name.clone()).collect(),
        variants: syms
            .enums
            .iter()
            .map(|e| e.variants.iter().map(|v| v.name.clone()).collect())
            .collect(),
    };
    for e in &syms.enums {
        let mut seen = BTreeSet::new();
        for v in &e.variants {
            if !seen.insert(&v.name) {
                diags.push(Diagnostic::error(
                    codes::DUPLICATE,
                    format!("variant `{}` appears twice in `{}`", v.name, e.name.name),
                    v.span,
                    "again",
                ));
            }
        }
    }
    let nv = syms.values.len();
    let mut c = Checker {
        files,
        syms,
        types,
        kinds: Vec::new(),
        records: Vec::new(),
        kind_index: HashMap::new(),
        value_types: vec![TyState::Todo; nv],
        diags: std::mem::take(diags),
        resolver,
        region_literals: Vec::new(),
        value_kinds: vec![BTreeSet::new(); nv],
    };
    c.schema();
    c.trees();
    let program = c.rules_and_checks();
    let literals = c
        .region_literals
        .iter()
        .map(|(span, text, canonical, form)| RegionLiteral {
            span: *span,
            text: text.clone(),
            canonical: canonical.clone(),
            form: *form,
        })
        .collect();
    *diags = std::mem::take(&mut c.diags);
    (program, literals)
}

impl Checker<'_> {
    fn rules_and_checks(&mut self) -> Option<ir::Program> {
        let nr = self.syms.rules.len();
        let nc = self.syms.checks.len();
        // Check contexts first: components are checked inside them.
        let mut contexts = Vec::new();
        let mut check_parts = Vec::new();
        for ci in 0..nc {
            let (cx, after, applies, event) = self.check_context(ci as u32);
            contexts.push(cx);
            check_parts.push((after, applies, event));
        }
        // Parents before children, so a child inherits what its parent's guard proved.
        let depth = |mut r: usize, rules: &[crate::collect::RuleSlot]| {
            let mut d = 0;
            while let Parent::Rule(p) = rules[r].parent {
                r = p as usize;
                d += 1;
                if d > rules.len() {
                    break;
                }
            }
            d
        };
        let mut order: Vec<usize> = (0..nr).collect();
        order.sort_by_key(|&r| depth(r, &self.syms.rules));
        let mut proven: Vec<Vec<String>> = vec![Vec::new(); nr];
        let mut guards: Vec<Option<ir::Guard>> = vec![None; nr];
        let mut bodies: Vec<Option<ir::Expr>> = vec![None; nr];
        for r in order {
            let (value, file, parent) = {
                let slot = &self.syms.rules[r];
                (slot.value, slot.file, slot.parent)
            };
            if value as usize >= self.syms.values.len() {
                continue;
            }
            let Some(ty) = self.value_type(value) else {
                continue;
            };
            let check = self.syms.values[value as usize].check;
            let mut cx = match check {
                Some(ci) => contexts[ci as usize].clone(),
                None => Ctx {
                    file,
                    ..Ctx::default()
                },
            };
            cx.file = file;
            cx.kinds.clear();
            if let Parent::Rule(p) = parent {
                cx.narrowed.extend(proven[p as usize].iter().cloned());
            }
            if parent != Parent::Base {
                cx.overridden = Some(ty.clone());
            }
            let (guard_ast, body_ast) = (
                self.syms.rules[r].guard.clone(),
                self.syms.rules[r].body.clone(),
            );
            if let Some(g) = &guard_ast {
                guards[r] = self.guard(&mut cx, g);
            }
            proven[r] = cx.narrowed.clone();
            bodies[r] = self.expect(&mut cx, &body_ast, &ty);
            self.value_kinds[value as usize].extend(cx.kinds.iter().copied());
        }
        // Checks read their own clauses too.
        let mut check_kinds: Vec<BTreeSet<u32>> =
            contexts.iter().map(|cx| cx.kinds.clone()).collect();
        let beats = self.priorities();
        if self
            .diags
            .iter()
            .any(|d| d.severity == syntax::Severity::Error)
        {
            return None;
        }
        // Dependency graph: values, then checks.
        let nv = self.syms.values.len();
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); nv + nc];
        let add_deps = |e: &ir::Expr, out: &mut Vec<usize>| {
            let (vs, cs) = e.dependencies();
            out.extend(vs.into_iter().map(|v| v as usize));
            out.extend(cs.into_iter().map(|c| nv + c as usize));
        };
        for r in 0..nr {
            let v = self.syms.rules[r].value as usize;
            if let Some(b) = &bodies[r] {
                add_deps(b, &mut edges[v]);
            }
            for cj in guards[r].iter().flat_map(|g| &g.conjuncts) {
                add_deps(&cj.expr, &mut edges[v]);
            }
        }
        for ci in 0..nc {
            let mut out = Vec::new();
            out.extend(
                self.syms.checks[ci]
                    .components
                    .values()
                    .map(|v| *v as usize),
            );
            let (after, applies, event) = &check_parts[ci];
            for e in after.iter().chain(event.iter()) {
                add_deps(e, &mut out);
            }
            for cj in applies.iter().flat_map(|g| &g.conjuncts) {
                add_deps(&cj.expr, &mut out);
            }
            edges[nv + ci] = out;
        }
        for e in &mut edges {
            e.sort_unstable();
            e.dedup();
        }
        let graph = Graph {
            edges,
            names: self
                .syms
                .values
                .iter()
                .map(|v| v.id.clone())
                .chain(self.syms.checks.iter().map(|c| c.name.clone()))
                .collect(),
            spans: self
                .syms
                .values
                .iter()
                .map(|v| v.span)
                .chain(self.syms.checks.iter().map(|c| c.def.name.span))
                .collect(),
        };
        if graph.cycles(&mut self.diags) {
            return None;
        }
        if crate::limits::too_deep(&graph, &self.syms.rules, &mut self.diags) {
            return None;
        }
        let direct: Vec<BTreeSet<u32>> = self
            .value_kinds
            .iter()
            .cloned()
            .chain(check_kinds.drain(..))
            .collect();
        let kinds = graph.kinds(&direct);
        let mut ok = true;
        for (i, k) in kinds.iter().enumerate() {
            let (name, span) = (&graph.names[i], graph.spans[i]);
            let is_check = i >= nv;
            if k.len() > 1 {
                let names: Vec<String> = k
                    .iter()
                    .map(|x| self.kinds[*x as usize].name.clone())
                    .collect();
                self.diags.push(
                    Diagnostic::error(
                        codes::KINDS,
                        format!(
                            "`{name}` reads facts of several kinds: {}",
                            names.join(", ")
                        ),
                        span,
                        "mixes fact kinds",
                    )
                    .with_help("a value or check judges one kind of record; split it"),
                );
                ok = false;
            } else if is_check && k.is_empty() {
                self.diags.push(
                    Diagnostic::error(
                        codes::KINDS,
                        format!("check `{name}` reads no facts"),
                        span,
                        "judges nothing",
                    )
                    .with_help(
                        "a check reads fields of a fact kind, e.g. `event order.shipped_at`",
                    ),
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        Some(self.assemble(guards, bodies, beats, check_parts, &kinds))
    }

    fn assemble(
        &mut self,
        mut guards: Vec<Option<ir::Guard>>,
        mut bodies: Vec<Option<ir::Expr>>,
        beats: Vec<Vec<u32>>,
        check_parts: Vec<(Option<ir::Expr>, Option<ir::Guard>, Option<ir::Expr>)>,
        kinds: &[BTreeSet<u32>],
    ) -> ir::Program {
        let nv = self.syms.values.len();
        let rules = (0..self.syms.rules.len())
            .map(|r| {
                let s = &self.syms.rules[r];
                let mut children = s.children.clone();
                children.sort_unstable();
                ir::Rule {
                    id: s.id.clone(),
                    value: s.value,
                    parent: s.parent,
                    guard: guards[r].take(),
                    body: bodies[r]
                        .take()
                        .unwrap_or(ir::Expr::Const(ir::Const::Bool(false))),
                    children,
                    beats: beats[r].clone(),
                    allows: s.allows.clone(),
                    origin: {
                        let mut o = self.origin(s.file, s.span, s.cites.clone());
                        if let Some(text) = &s.implicit {
                            o.source = text.clone();
                        }
                        o
                    },
                }
            })
            .collect();
        let values = (0..nv)
            .map(|v| {
                let s = &self.syms.values[v];
                let mut exceptions = s.exceptions.clone();
                exceptions.sort_unstable();
                let mut bases = s.bases.clone();
                bases.sort_unstable();
                ir::Value {
                    id: s.id.clone(),
                    ty: match &self.value_types[v] {
                        TyState::Done(Some(t)) => t.clone(),
                        _ => Ty::Bool,
                    },
                    kind: kinds[v].iter().next().copied(),
                    bases,
                    exceptions,
                    check: s.check,
                }
            })
            .collect();
        let checks = check_parts
            .into_iter()
            .enumerate()
            .map(|(ci, (after, applies, event))| {
                let s = &self.syms.checks[ci];
                let comp = |k| s.components.get(&k).copied();
                ir::Check {
                    name: s.name.clone(),
                    file_id: self.files[s.file].ns.clone().unwrap_or_default(),
                    kind: kinds[nv + ci].iter().next().copied().unwrap_or(0),
                    after,
                    applies,
                    event,
                    deadline: comp(ast::Component::Deadline),
                    violated: comp(ast::Component::Violated),
                    exempt: comp(ast::Component::Exempt).unwrap_or(0),
                    excluded: comp(ast::Component::Excluded),
                    compensation: comp(ast::Component::Compensation),
                    allows: s
                        .def
                        .allows
                        .iter()
                        .map(|a| (a.lint.name.clone(), a.reason.value.clone()))
                        .collect(),
                    origin: self.origin(
                        s.file,
                        s.def.span,
                        s.def.cites.as_ref().map(|c| c.value.clone()),
                    ),
                }
            })
            .collect();
        let mut announcements: Vec<ir::Announcement> = self
            .files
            .iter()
            .filter_map(|f| {
                let a = f.ast.items.iter().find_map(|i| match i {
                    ast::Item::Announcement(a) => Some(a),
                    _ => None,
                })?;
                let mut out = ir::Announcement {
                    id: a.id.name.clone(),
                    title: a.title.value.clone(),
                    published: None,
                    published_approximate: false,
                    source: None,
                    effective: None,
                    retroactive: false,
                    file: f.path.clone(),
                };
                for m in &a.meta {
                    match m {
                        Meta::Published {
                            at, approximate, ..
                        } => {
                            out.published = span_of(at, f.zone).map(|s| s.0);
                            out.published_approximate = *approximate;
                        }
                        Meta::Source(s) => out.source = Some(s.value.clone()),
                        Meta::Effective(e) => {
                            if let ast::ExprKind::Window(a, b) = &e.kind {
                                if let (ast::ExprKind::Time(x), ast::ExprKind::Time(y)) =
                                    (&a.kind, &b.kind)
                                {
                                    if let (Some(x), Some(y)) =
                                        (span_of(x, f.zone), span_of(y, f.zone))
                                    {
                                        out.effective = Some((x.0, y.1));
                                    }
                                }
                            }
                        }
                        Meta::Retroactive(_) => out.retroactive = true,
                        Meta::Zone { .. } => {}
                    }
                }
                Some(out)
            })
            .collect();
        announcements.sort_by(|a, b| a.id.cmp(&b.id));
        ir::Program {
            announcements,
            enums: self
                .syms
                .enums
                .iter()
                .map(|e| ir::EnumDef {
                    name: e.name.name.clone(),
                    variants: e.variants.iter().map(|v| v.name.clone()).collect(),
                })
                .collect(),
            records: self.records.clone(),
            kinds: self.kinds.clone(),
            values,
            rules,
            checks,
        }
    }
}
