//! Loading IR files: whatever `to_json` writes loads back, however deep; hostile nesting is
//! an error before deserialization, never a stack overflow.

use ir::{FactKind, Field, LoadError, Program, Ty};

fn program_with_type(ty: Ty) -> Program {
    Program {
        announcements: Vec::new(),
        enums: Vec::new(),
        records: Vec::new(),
        kinds: vec![FactKind {
            name: "order".into(),
            fields: vec![Field {
                name: "n".into(),
                ty,
            }],
        }],
        values: Vec::new(),
        rules: Vec::new(),
        checks: Vec::new(),
    }
}

fn nested(depth: usize) -> Ty {
    (0..depth).fold(Ty::Int, |t, _| Ty::List(Box::new(t)))
}

/// Regression: `serde_json`'s fixed recursion limit (128) made `edict eval` reject the IR of
/// a valid policy with a long operator chain as "damaged: recursion limit exceeded".
#[test]
fn deep_programs_round_trip() {
    for depth in [100, 200, 1_000] {
        let p = program_with_type(nested(depth));
        let back = Program::from_json(&p.to_json()).unwrap_or_else(|e| panic!("{depth}: {e}"));
        assert_eq!(back, p);
    }
}

#[test]
fn hostile_nesting_is_rejected_before_parsing() {
    let n = 1_000_000;
    let text = format!(
        "{{\"format\":\"edict-ir\",\"version\":{},\"program\":{}{}}}",
        ir::FORMAT_VERSION,
        "[".repeat(n),
        "]".repeat(n)
    );
    match Program::from_json(&text) {
        Err(LoadError::Corrupt(m)) => assert!(m.contains("1000001 levels deep"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Brackets inside strings are text, not nesting.
    let p = program_with_type(Ty::Int);
    let mut with_text = p.clone();
    with_text.kinds[0].name = "[".repeat(10_000);
    assert!(Program::from_json(&with_text.to_json()).is_ok());
}

#[test]
fn other_versions_and_damage_are_named() {
    let json = program_with_type(Ty::Int).to_json();
    let v = format!("\"version\":{}", ir::FORMAT_VERSION);
    let other = json.replacen(&v, "\"version\":7", 1);
    let e = Program::from_json(&other).unwrap_err().to_string();
    assert!(
        e.contains("version 7") && e.contains(&format!("version {}", ir::FORMAT_VERSION)),
        "{e}"
    );
    for cut in 0..json.len() {
        assert!(Program::from_json(&json[..cut]).is_err(), "cut at {cut}");
    }
}
