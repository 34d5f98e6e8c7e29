//! Inputs the fuzzers crashed on, kept as tests (see fuzz/README.md).

mod common;

use common::*;
use ir::{Expr, Parent, Program};

fn exception_rule(p: &Program) -> u32 {
    p.rules
        .iter()
        .position(|r| r.parent == Parent::Value)
        .expect("simple() has an exception") as u32
}

/// `ir_load` (shipped IR with numbers overwritten) found: a rule listed among its own
/// exceptions made evaluation recurse until the stack overflowed (SIGSEGV in the fuzzer,
/// "has overflowed its stack" and an abort from `edict eval`).
#[test]
fn a_rule_that_is_its_own_exception_is_rejected() {
    let b = simple();
    assert!(eval::Evaluator::new(&b.p).is_ok());
    let r = exception_rule(&b.p);
    let mut p = b.p.clone();
    p.rules[r as usize].children.push(r);
    let e = eval::Evaluator::new(&p).unwrap_err().to_string();
    assert!(e.contains("as its exception"), "{e}");
    let e = Program::from_json(&p.to_json()).unwrap_err().to_string();
    assert!(e.starts_with("the IR file is damaged"), "{e}");
}

#[test]
fn rules_that_are_each_other_s_exception_are_rejected() {
    let mut b = simple();
    let r = exception_rule(&b.p);
    let c1 = b.child(r, "x.c1", vec![], add(fld(f::PAID_AT), hours(1)));
    let c2 = b.child(c1, "x.c2", vec![], add(fld(f::PAID_AT), hours(2)));
    assert!(eval::Evaluator::new(&b.p).is_ok());
    b.p.rules[r as usize].children.clear();
    b.p.rules[c1 as usize].parent = Parent::Rule(c2);
    b.p.rules[c2 as usize].children.push(c1);
    let e = eval::Evaluator::new(&b.p).unwrap_err().to_string();
    assert!(e.contains("is its own ancestor"), "{e}");
    assert!(Program::from_json(&b.p.to_json()).is_err());
}

/// `ir_load` found (input `94 07 00 1e 00 00 00 27`: the shipped IR with a value's base
/// list pointing at a nested exception): evaluating `overridden` went from that exception
/// up to the value's bases, which were the exception again, until the stack overflowed.
#[test]
fn an_exception_listed_as_a_base_is_rejected() {
    let mut b = simple();
    let r = exception_rule(&b.p);
    let v = b.p.rules[r as usize].value;
    let c = b.child(r, "x.c", vec![], Expr::Overridden);
    assert!(eval::Evaluator::new(&b.p).is_ok());
    b.p.values[v as usize].bases = vec![c];
    let e = eval::Evaluator::new(&b.p).unwrap_err().to_string();
    assert!(e.contains("lists rule x.c as its base"), "{e}");
    let mut p = b.p.clone();
    p.values[v as usize].bases = vec![0];
    p.values[v as usize].exceptions.push(c);
    let e = eval::Evaluator::new(&p).unwrap_err().to_string();
    assert!(e.contains("as its exception"), "{e}");
}

#[test]
fn override_chains_deeper_than_the_limit_are_rejected() {
    let mut b = simple();
    let mut r = exception_rule(&b.p);
    for i in 0..ir::MAX_OVERRIDE_DEPTH {
        r = b.child(
            r,
            &format!("x.c{i}"),
            vec![],
            add(fld(f::PAID_AT), hours(1)),
        );
    }
    let e = eval::Evaluator::new(&b.p).unwrap_err().to_string();
    assert!(e.contains("exceptions deep; at most 1024"), "{e}");
}
