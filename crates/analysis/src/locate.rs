//! Pointing findings at source: from IR origins (file + line + rule id) to spans.
//!
//! The IR keeps `file:line` for every rule, not byte spans. [`Locator`] indexes the parsed
//! files once: every definition (value, exception, check component, check) with the line
//! it starts on, its name or label and that name's span. A rule is found by file and line,
//! preferring the definition whose label is the rule id's last segment; when nothing
//! matches (an IR loaded without its sources), the whole line is used.

use std::collections::HashMap;

use syntax::ast::{CheckClause, Item};
use syntax::{SourceMap, Span};

/// One definition site.
#[derive(Debug, Clone)]
struct Site {
    line: usize,
    name: String,
    span: Span,
}

/// Spans of definitions, schema fields and announcements.
#[derive(Debug, Default)]
pub struct Locator {
    sites: HashMap<String, Vec<Site>>,
    fields: HashMap<(String, String), Span>,
    announcements: HashMap<String, Span>,
    /// Items that can carry `@allow` (values, exceptions, checks): span and lint ids.
    scopes: Vec<(Span, Vec<String>)>,
    lines: HashMap<String, (syntax::FileId, Vec<(usize, usize)>)>,
}

impl Locator {
    /// Indexes the parsed files of a check run.
    pub fn new(files: &[(String, syntax::ast::File)], sources: &SourceMap) -> Locator {
        let mut loc = Locator::default();
        for (id, f) in sources.iter() {
            let mut starts = Vec::new();
            let mut pos = 0;
            for l in f.text.split_inclusive('\n') {
                starts.push((pos, pos + l.trim_end_matches(['\n', '\r']).len()));
                pos += l.len();
            }
            loc.lines.insert(f.path.clone(), (id, starts));
        }
        for (path, file) in files {
            let line_of = |s: Span| {
                sources
                    .get(s.file)
                    .map_or(0, |f| f.line_col(s.start as usize).0)
            };
            let mut add = |full: Span, name: &str, span: Span| {
                loc.sites.entry(path.clone()).or_default().push(Site {
                    line: line_of(full),
                    name: name.to_string(),
                    span,
                });
            };
            let ids = |a: &[syntax::ast::Allow]| a.iter().map(|x| x.lint.name.clone()).collect();
            for item in &file.items {
                match item {
                    Item::Value(v) => loc.scopes.push((v.span, ids(&v.allows))),
                    Item::Exception(e) => loc.scopes.push((e.span, ids(&e.allows))),
                    Item::Check(c) => loc.scopes.push((c.span, ids(&c.allows))),
                    _ => {}
                }
                match item {
                    Item::Value(v) => {
                        let label = v.def.label.as_ref().unwrap_or(&v.name);
                        add(v.span, &label.name, label.span);
                        add(v.def.span, &label.name, label.span);
                    }
                    Item::Exception(e) => add(e.span, &e.label.name, e.label.span),
                    Item::Check(c) => {
                        add(c.span, &c.name.name, c.name.span);
                        for cl in &c.clauses {
                            if let CheckClause::Component {
                                component,
                                name_span,
                                def,
                            } = cl
                            {
                                let (n, s) = match &def.label {
                                    Some(l) => (l.name.clone(), l.span),
                                    None => (component.name().to_string(), *name_span),
                                };
                                add(def.span, &n, s);
                                add(*name_span, &n, s);
                            }
                        }
                    }
                    Item::Announcement(a) => {
                        loc.announcements.insert(path.clone(), a.id.span);
                    }
                    Item::Fact(k) => {
                        for f in &k.fields {
                            loc.fields
                                .insert((k.name.name.clone(), f.name.name.clone()), f.name.span);
                        }
                    }
                    Item::Record(r) => {
                        for f in &r.fields {
                            loc.fields
                                .insert((r.name.name.clone(), f.name.name.clone()), f.name.span);
                        }
                    }
                    _ => {}
                }
            }
        }
        loc
    }

    /// The span of a rule or check defined at `file:line` whose id ends in `name`.
    pub fn definition(&self, file: &str, line: u32, id: &str) -> Span {
        let last = id.rsplit('.').next().unwrap_or(id);
        let line = line as usize;
        if let Some(sites) = self.sites.get(file) {
            let on_line: Vec<&Site> = sites.iter().filter(|s| s.line == line).collect();
            if let Some(s) = on_line.iter().find(|s| s.name == last).or(on_line.first()) {
                return s.span;
            }
        }
        self.line(file, line)
    }

    /// The whole (1-based) line of a file; an empty span when unknown.
    pub fn line(&self, file: &str, line: usize) -> Span {
        match self.lines.get(file) {
            Some((id, starts)) => match starts.get(line.wrapping_sub(1)) {
                Some((s, e)) => Span::new(*id, *s, *e),
                None => Span::new(*id, 0, 0),
            },
            None => Span::new(syntax::FileId(u32::MAX), 0, 0),
        }
    }

    /// The announcement header of a file.
    pub fn announcement(&self, file: &str) -> Span {
        self.announcements
            .get(file)
            .copied()
            .unwrap_or_else(|| self.line(file, 1))
    }

    /// The lints silenced (`@allow`) by the value, exception or check whose text contains
    /// `span`; empty when none does.
    pub fn allows_at(&self, span: Span) -> &[String] {
        self.scopes
            .iter()
            .find(|(s, _)| s.file == span.file && s.start <= span.start && span.end <= s.end)
            .map_or(&[], |(_, ids)| ids.as_slice())
    }

    /// A field declaration `owner.field` (owner: a fact kind or record type).
    pub fn field(&self, owner: &str, field: &str) -> Option<Span> {
        self.fields
            .get(&(owner.to_string(), field.to_string()))
            .copied()
    }
}
