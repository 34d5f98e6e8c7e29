//! Field paths against the declared schema: the fields they walk and which prefixes are
//! optional (their types: [`ir::Program::field_ty`]).

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
