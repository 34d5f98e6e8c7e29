//! JSON Schema (draft 2020-12) of the records a policy set reads and of the verdicts it
//! writes, generated from the program's declarations: one schema per fact kind (its fields,
//! their types, which are required), the enumerations and record types they use, and the
//! verdict and error-record formats of DOMAIN.md §1.3.
//!
//! The document validates one input record at its root (`oneOf` the kinds); the verdict
//! format is `#/$defs/verdict` and the error record `#/$defs/error_record`.

use ir::{Program, Ty};
use serde_json::{json, Map, Value};

/// The kind a record without `kind` is read as.
const DEFAULT_KIND: &str = "order";

/// The schema document of `program` (identified by the set's `hash`).
pub fn document(program: &Program, hash: &str) -> Value {
    let mut defs = Map::new();
    let mut kinds = Vec::new();
    for k in &program.kinds {
        let name = format!("kind.{}", k.name);
        let mut props = Map::new();
        let mut required = Vec::new();
        let kind_schema = if k.name == DEFAULT_KIND {
            json!({"description": "The record kind (absent or null: `order`).", "enum": [k.name, null]})
        } else {
            required.push(json!("kind"));
            json!({"description": "The record kind.", "const": k.name})
        };
        props.insert("kind".into(), kind_schema);
        props.insert(
            "id".into(),
            json!({"description": "The record's id, echoed in its verdict.", "type": ["string", "number", "null"]}),
        );
        for f in &k.fields {
            if !f.ty.is_optional() {
                required.push(json!(f.name));
            }
            props.insert(f.name.clone(), ty_schema(program, &f.ty));
        }
        kinds.push(json!({"$ref": format!("#/$defs/{name}")}));
        defs.insert(
            name,
            json!({
                "title": format!("A `{}` record", k.name),
                "type": "object",
                "properties": props,
                "required": required,
            }),
        );
    }
    for e in &program.enums {
        defs.insert(
            format!("enum.{}", e.name),
            json!({"title": format!("enum {}", e.name), "enum": e.variants}),
        );
    }
    for r in &program.records {
        let mut props = Map::new();
        let mut required = Vec::new();
        for f in &r.fields {
            if !f.ty.is_optional() {
                required.push(json!(f.name));
            }
            props.insert(f.name.clone(), ty_schema(program, &f.ty));
        }
        defs.insert(
            format!("record.{}", r.name),
            json!({"title": format!("record {}", r.name), "type": "object", "properties": props, "required": required}),
        );
    }
    for (name, schema) in scalars() {
        defs.insert(name.into(), schema);
    }
    let checks: Vec<&str> = program.checks.iter().map(|c| c.name.as_str()).collect();
    let kind_names: Vec<&str> = program.kinds.iter().map(|k| k.name.as_str()).collect();
    defs.insert("record".into(), json!({"oneOf": kinds}));
    defs.insert(
        "finding".into(),
        json!({
            "type": "object",
            "properties": {
                "check": {"enum": checks},
                "status": {"enum": ["ok", "violated", "pending", "exempt", "conflict", "unknown"]},
                "deadline": {"$ref": "#/$defs/instant"},
                "actual": {"$ref": "#/$defs/instant"},
                "compensation": {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$"},
                "compensation_rule": {"type": "string"},
                "rules": {"type": "array", "items": {"type": "string"}},
                "reason": {"type": "string"},
                "explain": true,
            },
            "required": ["check", "status", "rules"],
            "additionalProperties": false,
        }),
    );
    defs.insert(
        "verdict".into(),
        json!({
            "title": "A verdict (DOMAIN.md §1.3)",
            "type": "object",
            "properties": {
                "id": {"type": ["string", "number", "null"]},
                "kind": {"enum": kind_names},
                "as_of": {"$ref": "#/$defs/instant"},
                "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
            },
            "required": ["id", "kind", "as_of", "findings"],
            "additionalProperties": false,
        }),
    );
    defs.insert(
        "error_record".into(),
        json!({
            "title": "A record that could not be read",
            "type": "object",
            "properties": {
                "id": {"type": ["string", "number", "null"]},
                "line": {"type": "integer", "minimum": 1},
                "index": {"type": "integer", "minimum": 0},
                "error": {"type": "string"},
            },
            "required": ["line", "error"],
        }),
    );
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("urn:edict:policy-set:{hash}"),
        "title": "Records judged by this policy set (a verdict is #/$defs/verdict)",
        "$ref": "#/$defs/record",
        "$defs": defs,
    })
}

/// The schemas of the scalar types, by `$defs` name.
fn scalars() -> Vec<(&'static str, Value)> {
    // An instant: RFC 3339, the offset optional (without one, +08:00).
    let instant = json!({
        "description": "RFC 3339 instant; without an offset it is Beijing time (+08:00)",
        "type": "string",
        "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?$",
    });
    vec![
        ("instant", instant.clone()),
        (
            "money",
            json!({
                "description": "an amount in yuan: a decimal string (or a number), not negative",
                "anyOf": [
                    {"type": "string", "pattern": "^\\+?[0-9]*\\.?[0-9]+$"},
                    {"type": "number", "minimum": 0},
                ],
            }),
        ),
        (
            "percent",
            json!({"description": "a percentage as written (5 is 5%)", "type": ["string", "number"]}),
        ),
        (
            "duration",
            json!({"description": "a duration as written in policies (`48h`, `2d`)", "type": "string"}),
        ),
        (
            "region",
            json!({"description": "a GB/T 2260 code (6 digits) or a name path", "type": ["string", "integer"]}),
        ),
        (
            "window",
            json!({
                "description": "an inclusive window: two instants, start first",
                "type": "array",
                "prefixItems": [{"$ref": "#/$defs/instant"}, {"$ref": "#/$defs/instant"}],
                "minItems": 2,
                "maxItems": 2,
            }),
        ),
    ]
}

/// The schema of one field type.
fn ty_schema(p: &Program, ty: &Ty) -> Value {
    match ty {
        Ty::Optional(inner) => json!({"anyOf": [ty_schema(p, inner), {"type": "null"}]}),
        Ty::Instant => json!({"$ref": "#/$defs/instant"}),
        Ty::Duration => json!({"$ref": "#/$defs/duration"}),
        Ty::Money => json!({"$ref": "#/$defs/money"}),
        Ty::Percent => json!({"$ref": "#/$defs/percent"}),
        Ty::Int => json!({"type": "integer"}),
        Ty::Bool => json!({"type": "boolean"}),
        Ty::Str => json!({"type": "string"}),
        Ty::Region => json!({"$ref": "#/$defs/region"}),
        Ty::Regions => json!({"type": "array", "items": {"$ref": "#/$defs/region"}}),
        Ty::Window => json!({"$ref": "#/$defs/window"}),
        Ty::Status => {
            json!({"enum": ["ok", "violated", "pending", "exempt", "conflict", "unknown"]})
        }
        Ty::Enum(e) => match p.enums.get(*e as usize) {
            Some(d) => json!({"$ref": format!("#/$defs/enum.{}", d.name)}),
            None => json!({"type": "string"}),
        },
        Ty::Record(r) => match p.records.get(*r as usize) {
            Some(d) => json!({"$ref": format!("#/$defs/record.{}", d.name)}),
            None => json!({"type": "object"}),
        },
        Ty::Set(inner) | Ty::List(inner) => {
            json!({"type": "array", "items": ty_schema(p, inner)})
        }
    }
}
