//! Types: built-in names, resolution of written types, display in messages.

use std::collections::HashMap;

use ir::Ty;
use syntax::ast::{self, Component};
use syntax::Diagnostic;

use crate::codes;
use crate::names::{did_you_mean, suggest};

/// The built-in type a name denotes.
pub fn builtin(name: &str) -> Option<Ty> {
    Some(match name {
        "instant" => Ty::Instant,
        "duration" => Ty::Duration,
        "money" => Ty::Money,
        "percent" => Ty::Percent,
        "int" => Ty::Int,
        "bool" => Ty::Bool,
        "string" => Ty::Str,
        "region" => Ty::Region,
        "window" => Ty::Window,
        "status" => Ty::Status,
        _ => return None,
    })
}

/// The type of a check component.
pub fn component_type(c: Component) -> Ty {
    match c {
        Component::Deadline => Ty::Instant,
        Component::Compensation => Ty::Money,
        Component::Exempt | Component::Excluded | Component::Violated => Ty::Bool,
    }
}

/// Declared type names: enums and records, by name.
pub(crate) struct TypeNames {
    pub enums: HashMap<String, u32>,
    pub records: HashMap<String, u32>,
    pub enum_names: Vec<String>,
    pub record_names: Vec<String>,
    pub variants: Vec<Vec<String>>,
}

impl TypeNames {
    /// Resolves a written type.
    pub fn resolve(&self, t: &ast::TypeExpr, diags: &mut Vec<Diagnostic>) -> Option<Ty> {
        let inner = match &t.kind {
            ast::TypeKind::Named(n) => {
                if n.name == "date" {
                    diags.push(
                        Diagnostic::error(codes::BAD_TYPE, "`date` cannot be a field or value type", n.span, "use `instant`")
                            .with_help("dates are for literals (`[2024-02-02, 2024-02-20]`); data carries instants"),
                    );
                    return None;
                }
                if let Some(b) = builtin(&n.name) {
                    b
                } else if let Some(i) = self.enums.get(&n.name) {
                    Ty::Enum(*i)
                } else if let Some(i) = self.records.get(&n.name) {
                    Ty::Record(*i)
                } else {
                    let all = [
                        "instant", "duration", "money", "percent", "int", "bool", "string",
                        "region", "window",
                    ]
                    .into_iter()
                    .chain(self.enum_names.iter().map(String::as_str))
                    .chain(self.record_names.iter().map(String::as_str));
                    let mut d = Diagnostic::error(
                        codes::UNKNOWN_TYPE,
                        format!("unknown type `{}`", n.name),
                        n.span,
                        "no built-in, enum or record has this name",
                    );
                    if let Some(h) = did_you_mean(&suggest(&n.name, all)) {
                        d = d.with_help(h);
                    }
                    diags.push(d);
                    return None;
                }
            }
            ast::TypeKind::Set(e) => {
                let el = self.resolve(e, diags)?;
                match el {
                    Ty::Region => Ty::Regions,
                    Ty::Str | Ty::Int | Ty::Enum(_) => Ty::Set(Box::new(el)),
                    other => {
                        diags.push(Diagnostic::error(
                            codes::BAD_TYPE,
                            format!("sets of {} are not supported", self.show(&other)),
                            t.span,
                            "sets hold strings, ints, enum values or regions",
                        ));
                        return None;
                    }
                }
            }
            ast::TypeKind::List(e) => {
                let el = self.resolve(e, diags)?;
                if el.is_optional() {
                    diags.push(Diagnostic::error(
                        codes::BAD_TYPE,
                        "list elements cannot be optional",
                        e.span,
                        "remove the `?`",
                    ));
                    return None;
                }
                Ty::List(Box::new(el))
            }
        };
        Some(if t.optional {
            Ty::Optional(Box::new(inner))
        } else {
            inner
        })
    }

    /// A type as a policy author writes it.
    pub fn show(&self, t: &Ty) -> String {
        t.written(&|t| match t {
            Ty::Enum(i) => self.enum_names.get(*i as usize).map(String::as_str),
            Ty::Record(i) => self.record_names.get(*i as usize).map(String::as_str),
            _ => None,
        })
    }
}
