//! Field paths against the declared schema: their types and which prefixes are optional.

use ir::{Field, KindId, Program, Ty};

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

/// The declared type of the field at `path` (with its optional wrapper).
pub fn field_ty<'a>(p: &'a Program, kind: KindId, path: &[u32]) -> Option<&'a Ty> {
    walk(p, kind, path)?.last().map(|f| &f.ty)
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
