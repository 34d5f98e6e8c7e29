//! All three engines give the hand-computed outcome on every record.

use peer_bench::*;

#[test]
fn engines_agree_with_the_rule() {
    let cases = cases(1, 2000);
    let expected: Vec<Outcome> = cases.iter().map(Case::expected).collect();
    assert!(expected.iter().any(|o| o.rule == "festival"));
    for s in ["ok", "violated", "pending"] {
        assert!(expected.iter().any(|o| o.status == s), "no {s} case");
    }

    let program = edict_program().expect("compiles");
    let ev = eval::Evaluator::new(&program).expect("prepares");
    let records = edict_records(&ev, &cases).expect("decodes");
    let mut scratch = ev.scratch();
    let as_of = AS_OF * 1_000_000;
    for (r, want) in records.iter().zip(&expected) {
        let v = ev.evaluate(&mut scratch, r, as_of);
        assert_eq!(edict_outcome(&program, &v).as_ref(), Some(want));
        let (v, _) = ev.evaluate_explained(&mut scratch, r, as_of);
        assert_eq!(edict_outcome(&program, &v).as_ref(), Some(want));
    }

    let decision = zen_decision().expect("zen table");
    for (c, want) in cases.iter().zip(&expected) {
        let input: zen_engine::Variable = c.json_seconds().into();
        for trace in [false, true] {
            let out = zen_eval(&decision, &input, trace).expect("zen evaluates");
            assert_eq!(
                json_outcome(&out).as_ref(),
                Some(want),
                "zen {c:?} -> {out}"
            );
        }
    }

    let (engine, logic) = datalogic().expect("datalogic compiles");
    let parsed = datalogic_records(&cases).expect("parsed");
    let mut session = engine.session();
    for (p, want) in parsed.iter().zip(&expected) {
        let text = session
            .eval_borrowed(&logic, p)
            .expect("datalogic evaluates")
            .to_string();
        session.reset();
        assert_eq!(datalogic_outcome(&text).as_ref(), Some(want), "{text}");
    }
}
