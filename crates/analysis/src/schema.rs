//! Field paths against the declared schema: the fields they walk and which prefixes are
//! optional (their types: [`ir::Program::field_ty`]).

use ir::{Expr, Field, KindId, Program, Ty};

/// A field path: the slot in the fact kind, then slots of nested records.
pub type Path = Vec<u32>;

/// The fields a path walks through, outermost first.
pub fn walk<'a>(p: &'a Program, kind: KindId, path: &[u32]) -> Option<Vec<&'a Field>> {
    let mut fields = &p.kinds.get(kind as usize)?.fields;
    let mut out = Vec::with_capacity(path.len());
    for (i, slot) in path.iter().enumerate() {
        let f = fields.get(*slot as usize)?;
        out.push(f);
        if i + 1 < path.len() {
            match f.ty.base() {
                Ty::Record(r) => fields = &p.records.get(*r as usize)?.fields,
                _ => return None,
            }
        }
    }
    Some(out)
}

/// The prefixes of `path` (itself included) whose field is optional.
pub fn optional_prefixes(p: &Program, kind: KindId, path: &[u32]) -> Vec<Path> {
    let Some(fields) = walk(p, kind, path) else {
        return Vec::new();
    };
    fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.ty.is_optional())
        .map(|(i, _)| path[..=i].to_vec())
        .collect()
}

/// `old` re-expressed over `new`'s schema, when `new`'s schema only adds to `old`'s: new
/// fact kinds, record types and enums anywhere; new fields that are optional (anywhere in a
/// fact kind, at the end of a record type); new variants at the end of an enum. The result
/// decides every record exactly as `old` does (it never reads the added fields, so they are
/// absent for it), and both programs then share one record space: the union. `Err` names
/// the first change that is not such an addition.
pub fn unify(old: &Program, new: &Program) -> Result<Program, String> {
    if old.kinds == new.kinds && old.records == new.records && old.enums == new.enums {
        return Ok(old.clone());
    }
    let by_name = |names: Vec<&str>, wanted: &str| names.iter().position(|n| *n == wanted);
    let mut enum_map = Vec::new();
    for e in &old.enums {
        let i = by_name(new.enums.iter().map(|x| x.name.as_str()).collect(), &e.name)
            .ok_or_else(|| format!("enum {} removed", e.name))?;
        let n = &new.enums[i];
        if !n.variants.starts_with(&e.variants) {
            return Err(format!(
                "enum {}: variants changed other than by adding new ones at the end",
                e.name
            ));
        }
        enum_map.push(i as u32);
    }
    let mut record_map = Vec::new();
    for r in &old.records {
        let i = by_name(
            new.records.iter().map(|x| x.name.as_str()).collect(),
            &r.name,
        )
        .ok_or_else(|| format!("record {} removed", r.name))?;
        record_map.push(i as u32);
    }
    let mut kind_map = Vec::new();
    for k in &old.kinds {
        let i = by_name(new.kinds.iter().map(|x| x.name.as_str()).collect(), &k.name)
            .ok_or_else(|| format!("fact {} removed", k.name))?;
        kind_map.push(i as u32);
    }
    let remap_ty = |t: &Ty| map_ty(t, &enum_map, &record_map);
    let same = |what: &str, a: &Field, b: &Field| -> Result<(), String> {
        if new.type_name(&remap_ty(&a.ty)) == new.type_name(&b.ty) {
            Ok(())
        } else {
            Err(format!(
                "{what}.{}: type changed from {} to {}",
                a.name,
                old.type_name(&a.ty),
                new.type_name(&b.ty)
            ))
        }
    };
    for (r, &i) in old.records.iter().zip(&record_map) {
        let n = &new.records[i as usize];
        if n.fields.len() < r.fields.len() {
            return Err(format!("record {}: fields removed", r.name));
        }
        for (a, b) in r.fields.iter().zip(&n.fields) {
            if a.name != b.name {
                return Err(format!("record {}: fields reordered or renamed", r.name));
            }
            same(&r.name, a, b)?;
        }
        if let Some(f) = n.fields[r.fields.len()..]
            .iter()
            .find(|f| !f.ty.is_optional())
        {
            return Err(format!("record {}: new required field {}", r.name, f.name));
        }
    }
    let mut slot_maps: Vec<Vec<u32>> = Vec::new();
    for (k, &i) in old.kinds.iter().zip(&kind_map) {
        let n = &new.kinds[i as usize];
        let mut slots = Vec::new();
        for f in &k.fields {
            let j = n
                .fields
                .iter()
                .position(|g| g.name == f.name)
                .ok_or_else(|| format!("fact {}: field {} removed", k.name, f.name))?;
            same(&k.name, f, &n.fields[j])?;
            slots.push(j as u32);
        }
        if let Some(f) = n
            .fields
            .iter()
            .find(|g| !g.ty.is_optional() && !k.fields.iter().any(|f| f.name == g.name))
        {
            return Err(format!("fact {}: new required field {}", k.name, f.name));
        }
        slot_maps.push(slots);
    }
    let mut out = old.clone();
    out.kinds = new.kinds.clone();
    out.records = new.records.clone();
    out.enums = new.enums.clone();
    // Field paths: the kind's slot moves, nested record slots stay (records only grow at
    // the end).
    let kind_of_value: Vec<Option<u32>> = old.values.iter().map(|v| v.kind).collect();
    let remap_expr = |e: &Expr, kind: Option<u32>| -> Expr {
        map_expr(e, &mut |x| match (x, kind) {
            (Expr::Field(path), Some(k)) => {
                let mut path = path.clone();
                if let Some(first) = path.first_mut() {
                    if let Some(s) = slot_maps
                        .get(k as usize)
                        .and_then(|m| m.get(*first as usize))
                    {
                        *first = *s;
                    }
                }
                Some(Expr::Field(path))
            }
            _ => None,
        })
    };
    for v in &mut out.values {
        v.ty = remap_ty(&v.ty);
        v.kind = v.kind.and_then(|k| kind_map.get(k as usize).copied());
    }
    for r in &mut out.rules {
        let kind = kind_of_value.get(r.value as usize).copied().flatten();
        r.body = remap_expr(&r.body, kind);
        for c in r.guard.iter_mut().flat_map(|g| &mut g.conjuncts) {
            c.expr = remap_expr(&c.expr, kind);
        }
    }
    for c in &mut out.checks {
        let kind = Some(c.kind);
        c.after = c.after.as_ref().map(|e| remap_expr(e, kind));
        c.event = c.event.as_ref().map(|e| remap_expr(e, kind));
        for x in c.applies.iter_mut().flat_map(|g| &mut g.conjuncts) {
            x.expr = remap_expr(&x.expr, kind);
        }
        c.kind = kind_map.get(c.kind as usize).copied().unwrap_or(c.kind);
    }
    Ok(out)
}

fn map_ty(t: &Ty, enums: &[u32], records: &[u32]) -> Ty {
    match t {
        Ty::Enum(i) => Ty::Enum(enums.get(*i as usize).copied().unwrap_or(*i)),
        Ty::Record(i) => Ty::Record(records.get(*i as usize).copied().unwrap_or(*i)),
        Ty::Set(x) => Ty::Set(Box::new(map_ty(x, enums, records))),
        Ty::List(x) => Ty::List(Box::new(map_ty(x, enums, records))),
        Ty::Optional(x) => Ty::Optional(Box::new(map_ty(x, enums, records))),
        t => t.clone(),
    }
}

/// A copy of `e` where `f` replaces the sub-expressions it returns `Some` for (outermost
/// first; a replaced expression is not entered).
pub fn map_expr(e: &Expr, f: &mut dyn FnMut(&Expr) -> Option<Expr>) -> Expr {
    fn b(x: &Expr, f: &mut dyn FnMut(&Expr) -> Option<Expr>) -> Box<Expr> {
        Box::new(map_expr(x, f))
    }
    if let Some(x) = f(e) {
        return x;
    }
    match e {
        Expr::Const(_)
        | Expr::Field(_)
        | Expr::Local { .. }
        | Expr::Value(_)
        | Expr::Overridden
        | Expr::Status(_) => e.clone(),
        Expr::Not(x) => Expr::Not(b(x, f)),
        Expr::Neg(x) => Expr::Neg(b(x, f)),
        Expr::IsSome(x, s) => Expr::IsSome(b(x, f), *s),
        Expr::And(xs) => Expr::And(xs.iter().map(|x| map_expr(x, f)).collect()),
        Expr::Or(xs) => Expr::Or(xs.iter().map(|x| map_expr(x, f)).collect()),
        Expr::Call(g, xs) => Expr::Call(*g, xs.iter().map(|x| map_expr(x, f)).collect()),
        Expr::Cmp(op, x, y) => Expr::Cmp(*op, b(x, f), b(y, f)),
        Expr::Arith(op, x, y) => Expr::Arith(*op, b(x, f), b(y, f)),
        Expr::InWindow(x, y) => Expr::InWindow(b(x, f), b(y, f)),
        Expr::InSet(x, y) => Expr::InSet(b(x, f), b(y, f)),
        Expr::InRegions(x, y) => Expr::InRegions(b(x, f), b(y, f)),
        Expr::Quant { op, list, filter } => Expr::Quant {
            op: *op,
            list: b(list, f),
            filter: filter.as_ref().map(|x| b(x, f)),
        },
        Expr::Extremum {
            op,
            body,
            list,
            filter,
        } => Expr::Extremum {
            op: *op,
            body: b(body, f),
            list: b(list, f),
            filter: filter.as_ref().map(|x| b(x, f)),
        },
    }
}
