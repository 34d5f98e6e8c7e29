//! Witness records: a solver [`Model`] written as an input record in the interchange format.
//!
//! Every field of the fact kind gets a value: the model's where it has one; otherwise the
//! plainest value the schema allows (absent for optionals, the earliest instant of the
//! model for required instants, `false`, `0`, the first variant, an empty list). The record
//! can be fed to the evaluator as is, which is how every witness is verified.

use ir::{Field, KindId, Program, Ty};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value as Json};

use crate::atoms::MONEY_SCALE;
use crate::render;
use crate::solve::{Model, Val};

/// The witness record of `model` for `kind` (`id` names it).
pub fn record(p: &Program, kind: KindId, model: &Model, id: &str, anchor: i128) -> Json {
    let Some(k) = p.kinds.get(kind as usize) else {
        return Json::Null;
    };
    let earliest = model
        .values
        .iter()
        .filter(|(path, _)| {
            p.field_ty(kind, path)
                .is_some_and(|t| *t.base() == Ty::Instant)
        })
        .filter_map(|(_, v)| match v {
            Val::Num(n) => Some(*n),
            _ => None,
        })
        .min()
        .unwrap_or(anchor);
    let b = Builder {
        p,
        model,
        earliest,
        id,
    };
    let mut obj = b.fields(&k.fields, &[]);
    obj.insert("kind".into(), json!(k.name));
    Json::Object(obj)
}

struct Builder<'a> {
    p: &'a Program,
    model: &'a Model,
    earliest: i128,
    id: &'a str,
}

impl Builder<'_> {
    fn fields(&self, fields: &[Field], prefix: &[u32]) -> Map<String, Json> {
        let mut obj = Map::new();
        for (i, f) in fields.iter().enumerate() {
            let mut path = prefix.to_vec();
            path.push(i as u32);
            obj.insert(f.name.clone(), self.field(f, &path));
        }
        obj
    }

    fn wanted(&self, path: &[u32]) -> bool {
        self.model.present.iter().any(|p| p.starts_with(path))
            || self.model.values.keys().any(|p| p.starts_with(path))
    }

    fn field(&self, f: &Field, path: &[u32]) -> Json {
        if f.ty.is_optional() && (!self.wanted(path) || self.model.absent.contains(path)) {
            return Json::Null;
        }
        let v = self.model.values.get(path);
        match f.ty.base() {
            Ty::Instant => {
                let t = match v {
                    Some(Val::Num(n)) => *n,
                    _ => self.earliest,
                };
                json!(render::rfc3339(clamp(t)))
            }
            Ty::Duration => json!(render::duration(clamp(num(v)))),
            Ty::Int => json!(clamp(num(v))),
            Ty::Money | Ty::Percent => {
                let d = Decimal::from_i128_with_scale(num(v), 0) / Decimal::from(MONEY_SCALE);
                json!(d.normalize().to_string())
            }
            Ty::Bool => json!(matches!(v, Some(Val::Bool(true)))),
            Ty::Str => match v {
                Some(Val::Str(s)) => json!(s),
                _ if f.name == "id" => json!(self.id),
                _ => json!("w"),
            },
            Ty::Enum(e) => {
                let i = match v {
                    Some(Val::Enum(i)) => *i,
                    _ => 0,
                };
                let name = self
                    .p
                    .enums
                    .get(*e as usize)
                    .and_then(|e| e.variants.get(i as usize));
                json!(name.cloned().unwrap_or_default())
            }
            Ty::Region => {
                let code = match v {
                    Some(Val::Region(c)) => Some(*c),
                    _ => regions::RegionSet::all().sample(),
                };
                json!(format!("{:06}", code.unwrap_or(110_101)))
            }
            Ty::Set(_) | Ty::List(_) => match v {
                Some(Val::Strings(s)) => json!(s.iter().collect::<Vec<_>>()),
                _ => json!([]),
            },
            Ty::Record(r) => match self.p.records.get(*r as usize) {
                Some(rec) => Json::Object(self.fields(&rec.fields, path)),
                None => Json::Null,
            },
            _ => Json::Null,
        }
    }
}

fn num(v: Option<&Val>) -> i128 {
    match v {
        Some(Val::Num(n)) => *n,
        _ => 0,
    }
}

fn clamp(n: i128) -> i64 {
    i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX })
}
