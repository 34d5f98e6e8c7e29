//! The passes after collection: schema, override trees, rules, checks, priorities.

use std::collections::{BTreeSet, HashMap};

use ir::{Parent, Ty};
use syntax::ast::{self, Component};
use syntax::Diagnostic;

use crate::checker::Checker;
use crate::codes;
use crate::collect::{Entry, RawParent};
use crate::expr::Ctx;

/// What an exception or priority names.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Target {
    Value(u32),
    Rule(u32),
}

impl Checker<'_> {
    /// Enums, records and fact kinds into IR form.
    pub(crate) fn schema(&mut self) {
        let mut records = Vec::new();
        for r in self.syms.records.clone() {
            let fields = self.fields(&r.fields);
            records.push(ir::RecordDef {
                name: r.name.name.clone(),
                fields,
            });
        }
        self.records = records;
        // A record that contains itself cannot be decoded.
        for (i, r) in self.records.iter().enumerate() {
            if reaches(&self.records, i as u32, i as u32, &mut BTreeSet::new()) {
                let span = self.syms.records[i].name.span;
                self.diags.push(Diagnostic::error(
                    codes::BAD_TYPE,
                    format!("record `{}` contains itself", r.name),
                    span,
                    "recursive record",
                ));
            }
        }
        let mut kinds = Vec::new();
        for f in self.syms.facts.clone() {
            let fields = self.fields(&f.fields);
            kinds.push(ir::FactKind {
                name: f.name.name.clone(),
                fields,
            });
        }
        self.kind_index = kinds
            .iter()
            .enumerate()
            .map(|(i, k)| (k.name.clone(), i as u32))
            .collect();
        self.kinds = kinds;
    }

    fn fields(&mut self, fields: &[ast::FieldDecl]) -> Vec<ir::Field> {
        let mut out: Vec<ir::Field> = Vec::new();
        for f in fields {
            if let Some(first) = fields
                .iter()
                .find(|g| g.name.name == f.name.name)
                .filter(|g| !std::ptr::eq(*g, f))
            {
                if out.iter().any(|o| o.name == f.name.name) {
                    self.diags.push(
                        Diagnostic::error(
                            codes::DUPLICATE,
                            format!("field `{}` is declared twice", f.name.name),
                            f.name.span,
                            "second declaration",
                        )
                        .with_label(first.name.span, "first declared here"),
                    );
                    continue;
                }
            }
            if let Some(ty) = self.types.resolve(&f.ty, &mut self.diags) {
                out.push(ir::Field {
                    name: f.name.name.clone(),
                    ty,
                });
            }
        }
        out
    }

    /// Resolves what a path names for `exception`/`priority`.
    pub(crate) fn target(&mut self, file: usize, path: &ast::Path) -> Option<Target> {
        let own = self.files[file].ns.clone().unwrap_or_default();
        let segs: Vec<&str> = path.segments.iter().map(|s| s.name.as_str()).collect();
        let lookup = |ns: &str, name: &str| {
            self.syms
                .namespaces
                .get(ns)
                .and_then(|t| t.get(name))
                .copied()
        };
        let component = |c: u32, name: &str| -> Option<Target> {
            let comp = Component::from_name(name)?;
            self.syms.checks[c as usize]
                .components
                .get(&comp)
                .map(|v| Target::Value(*v))
        };
        let found = match segs.as_slice() {
            [a] => match lookup(&own, a) {
                Some(Entry::Value(v)) => Some(Target::Value(v)),
                Some(Entry::Rule(r)) => Some(Target::Rule(r)),
                _ => None,
            },
            [a, b] => match lookup(&own, a) {
                Some(Entry::Check(c)) => component(c, b),
                _ => match lookup(a, b) {
                    Some(Entry::Value(v)) => Some(Target::Value(v)),
                    Some(Entry::Rule(r)) => Some(Target::Rule(r)),
                    _ => None,
                },
            },
            [a, b, c] => match lookup(a, b) {
                Some(Entry::Check(ch)) => component(ch, c),
                _ => None,
            },
            _ => None,
        };
        if found.is_none() {
            let mut d = Diagnostic::error(
                codes::BAD_TARGET,
                format!(
                    "`{}` is not a value, rule or check component",
                    path.dotted()
                ),
                path.span,
                "nothing to override here",
            );
            let mut known: Vec<String> = Vec::new();
            for (ns, table) in &self.syms.namespaces {
                for (name, e) in table {
                    match e {
                        Entry::Check(c) => {
                            for comp in self.syms.checks[*c as usize].components.keys() {
                                known.push(format!("{ns}.{name}.{}", comp.name()));
                            }
                        }
                        _ => known.push(format!("{ns}.{name}")),
                    }
                }
            }
            let want = if segs.len() == 1 {
                format!("{own}.{}", segs[0])
            } else {
                path.dotted()
            };
            let sugg = crate::names::suggest(&want, known.iter().map(String::as_str));
            d = match crate::names::did_you_mean(&sugg) {
                Some(h) => d.with_help(h),
                None => d.with_help("name a value (`file.value`), a check component (`file.check.deadline`) or a rule label"),
            };
            self.diags.push(d);
        }
        found
    }

    /// Hangs every exception under its target; checks versions.
    pub(crate) fn trees(&mut self) {
        let n = self.syms.rules.len();
        let mut targets: Vec<Option<Target>> = Vec::with_capacity(n);
        for i in 0..n {
            let target = match self.syms.rules[i].raw_parent.clone() {
                RawParent::Target(path) => self.target(self.syms.rules[i].file, &path),
                RawParent::Base => None,
            };
            targets.push(target);
        }
        // The value of an exception: follow targets up to a value (no cycles).
        for i in 0..n {
            if !matches!(self.syms.rules[i].raw_parent, RawParent::Target(_)) {
                continue;
            }
            let mut cur = i;
            let mut steps = 0;
            let value = loop {
                match targets[cur] {
                    None if matches!(self.syms.rules[cur].raw_parent, RawParent::Base) => {
                        break Some(self.syms.rules[cur].value)
                    }
                    None => break None,
                    Some(Target::Value(v)) => break Some(v),
                    Some(Target::Rule(r)) => {
                        if r as usize == i || steps > n {
                            let (span, id) =
                                (self.syms.rules[i].label_span, self.syms.rules[i].id.clone());
                            self.diags.push(Diagnostic::error(
                                codes::CYCLE,
                                format!("`{id}` is an exception to itself"),
                                span,
                                "its target leads back to it",
                            ));
                            break None;
                        }
                        cur = r as usize;
                        steps += 1;
                    }
                }
            };
            let Some(value) = value else {
                targets[i] = None;
                continue;
            };
            self.syms.rules[i].value = value;
            match targets[i] {
                Some(Target::Value(v)) => {
                    self.syms.rules[i].parent = Parent::Value;
                    self.syms.values[v as usize].exceptions.push(i as u32);
                }
                Some(Target::Rule(r)) => {
                    self.syms.rules[i].parent = Parent::Rule(r);
                    self.syms.rules[r as usize].children.push(i as u32);
                }
                None => {}
            }
        }
        for v in 0..self.syms.values.len() {
            let bases = self.syms.values[v].bases.clone();
            if bases.len() > 1 {
                for b in bases {
                    let r = &self.syms.rules[b as usize];
                    if r.guard.is_none() || r.id == self.syms.values[v].id {
                        let span = r.label_span;
                        let id = self.syms.values[v].id.clone();
                        self.diags.push(
                            Diagnostic::error(codes::VERSIONS, format!("`{id}` has several definitions; each needs `as LABEL` and `when ...`"), span, "this version has no label or no guard")
                                .with_help("dated versions read `deadline as v2023 when order.paid_at >= 2023-01-01 = ...`; to change one case, write an `exception` instead"),
                        );
                    }
                }
            }
        }
    }

    /// The narrowing a check establishes for its components: `after` present, `applies` true.
    pub(crate) fn check_context(
        &mut self,
        c: u32,
    ) -> (Ctx, Option<ir::Expr>, Option<ir::Guard>, Option<ir::Expr>) {
        let def = self.syms.checks[c as usize].def.clone();
        let file = self.syms.checks[c as usize].file;
        let mut cx = Ctx {
            file,
            check: Some(c),
            ..Ctx::default()
        };
        let (mut after, mut applies, mut event) = (None, None, None);
        let mut seen: HashMap<&str, syntax::Span> = HashMap::new();
        for clause in &def.clauses {
            let (name, span) = match clause {
                ast::CheckClause::After(e) => ("after", e.span),
                ast::CheckClause::Applies(e) => ("applies", e.span),
                ast::CheckClause::Event(e) => ("event", e.span),
                ast::CheckClause::Component { .. } => continue,
            };
            if let Some(first) = seen.insert(name, span) {
                self.diags.push(
                    Diagnostic::error(
                        codes::CHECK_SHAPE,
                        format!("`{name}` is written twice"),
                        span,
                        "second",
                    )
                    .with_label(first, "first"),
                );
                continue;
            }
            match clause {
                ast::CheckClause::After(e) => {
                    if let Some(t) = self.expr(&mut cx, e, None) {
                        if t.ty.base() != &Ty::Instant {
                            let shown = self.types.show(&t.ty);
                            self.diags.push(Diagnostic::error(
                                codes::MISMATCH,
                                format!("`after` names an event (an instant), found {shown}"),
                                e.span,
                                "not an instant",
                            ));
                        } else {
                            if let Some(k) = t.key.clone() {
                                cx.narrowed.push(k);
                            }
                            after = Some(t.expr);
                        }
                    }
                }
                ast::CheckClause::Applies(e) => applies = self.guard(&mut cx, e),
                ast::CheckClause::Event(e) => {
                    if let Some(t) = self.expr(&mut cx, e, None) {
                        if t.ty.base() != &Ty::Instant {
                            let shown = self.types.show(&t.ty);
                            self.diags.push(Diagnostic::error(
                                codes::MISMATCH,
                                format!("`event` is an instant, found {shown}"),
                                e.span,
                                "not an instant",
                            ));
                        } else {
                            event = Some(t.expr);
                        }
                    }
                }
                ast::CheckClause::Component { .. } => {}
            }
        }
        let comps = &self.syms.checks[c as usize].components;
        let has = |k| comps.contains_key(&k);
        let name_span = def.name.span;
        let shape = match (
            has(Component::Deadline),
            has(Component::Violated),
            event.is_some() || seen.contains_key("event"),
        ) {
            (true, true, _) => Some("a check has a deadline or a `violated` condition, not both"),
            (true, false, false) => {
                Some("a check with a deadline needs the `event` that must happen by it")
            }
            (false, _, true) => Some("an `event` needs a `deadline` to be judged against"),
            _ => None,
        };
        if let Some(m) = shape {
            self.diags.push(
                Diagnostic::error(codes::CHECK_SHAPE, m, name_span, "in this check")
                    .with_help("deadline checks: `event order.shipped_at` + `deadline = ...`; condition checks: `violated = ...`"),
            );
        }
        (cx, after, applies, event)
    }

    /// Priorities: `beats` lists, transitively closed; siblings only; no cycles.
    pub(crate) fn priorities(&mut self) -> Vec<Vec<u32>> {
        let n = self.syms.rules.len();
        let mut beats: Vec<BTreeSet<u32>> = vec![BTreeSet::new(); n];
        for (file, p) in self.syms.priorities.clone() {
            let mut ids = Vec::new();
            for path in &p.order {
                match self.target(file, path) {
                    Some(Target::Rule(r)) => ids.push((r, path.span)),
                    Some(Target::Value(v)) => {
                        let bases = self.syms.values[v as usize].bases.clone();
                        match bases.as_slice() {
                            [only] => ids.push((*only, path.span)),
                            _ => self.diags.push(Diagnostic::error(
                                codes::PRIORITY,
                                "priority orders rules, not values",
                                path.span,
                                "name a rule label",
                            )),
                        }
                    }
                    None => {}
                }
            }
            if ids.len() != p.order.len() {
                continue;
            }
            for w in ids.windows(2) {
                let (a, b) = (w[0], w[1]);
                let (ra, rb) = (
                    &self.syms.rules[a.0 as usize],
                    &self.syms.rules[b.0 as usize],
                );
                let siblings =
                    ra.value == rb.value && ra.parent == rb.parent && ra.parent != Parent::Base;
                if !siblings {
                    self.diags.push(
                        Diagnostic::error(codes::PRIORITY, format!("`{}` and `{}` are not exceptions to the same rule", ra.id, rb.id), b.1, "not a sibling")
                            .with_label(a.1, "this one")
                            .with_help("priority settles which of two exceptions to the same target wins when both apply"),
                    );
                    continue;
                }
                beats[a.0 as usize].insert(b.0);
            }
        }
        // Transitive closure: a search from every rule over the direct edges (linear per
        // rule, so a chain of n levels costs n² steps, the size of its closure); a rule that
        // reaches itself is in a cycle.
        let direct: Vec<Vec<u32>> = beats.iter().map(|b| b.iter().copied().collect()).collect();
        let mut seen = vec![u32::MAX; n];
        let mut closed: Vec<Vec<u32>> = Vec::with_capacity(n);
        let mut stack: Vec<u32> = Vec::new();
        for (i, edges) in direct.iter().enumerate() {
            let mut reach = Vec::new();
            stack.clear();
            stack.extend(edges.iter().copied());
            while let Some(j) = stack.pop() {
                if seen[j as usize] == i as u32 {
                    continue;
                }
                seen[j as usize] = i as u32;
                reach.push(j);
                stack.extend(direct[j as usize].iter().copied());
            }
            reach.sort_unstable();
            closed.push(reach);
        }
        for (i, b) in closed.iter().enumerate() {
            if b.binary_search(&(i as u32)).is_ok() {
                let r = &self.syms.rules[i];
                self.diags.push(Diagnostic::error(
                    codes::PRIORITY,
                    format!("priorities of `{}` form a cycle", r.id),
                    r.label_span,
                    "beats itself through the chain",
                ));
            }
        }
        closed
    }
}

fn reaches(records: &[ir::RecordDef], from: u32, target: u32, seen: &mut BTreeSet<u32>) -> bool {
    if !seen.insert(from) {
        return false;
    }
    let Some(r) = records.get(from as usize) else {
        return false;
    };
    r.fields.iter().any(|f| {
        let mut t = &f.ty;
        loop {
            match t {
                Ty::Optional(x) | Ty::List(x) | Ty::Set(x) => t = x,
                Ty::Record(i) => return *i == target || reaches(records, *i, target, seen),
                _ => return false,
            }
        }
    })
}
