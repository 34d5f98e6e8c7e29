//! Reusing buffers changes no explanation: one scratch, verdict and explanation carried
//! across 2,000 generated records (`evaluate_explained_into`, as `edict eval --explain`
//! does) give exactly what a fresh evaluation of each record alone gives, and the rendered
//! JSON of the two is the same.

#[test]
fn reused_buffers_explain_like_fresh_ones() {
    let program = bench::shipped_program().unwrap_or_else(|e| panic!("{e}"));
    let ev = eval::Evaluator::new(&program).unwrap_or_else(|e| panic!("{e}"));
    let records = bench::decode_all(&ev, &bench::generated(2000)).unwrap_or_else(|e| panic!("{e}"));
    let as_of = bench::as_of();
    let mut scratch = ev.scratch();
    let (mut verdict, mut explanation) = (eval::Verdict::default(), eval::Explanation::default());
    let mut shared_values = 0;
    for r in &records {
        ev.evaluate_explained_into(&mut scratch, r, as_of, &mut verdict, &mut explanation);
        let (v, e) = ev.evaluate_explained(&mut ev.scratch(), r, as_of);
        assert_eq!(verdict, v);
        assert_eq!(explanation, e);
        let (mut a, mut b) = (String::new(), String::new());
        verdict.write_json(&program, &mut a, Some(&explanation));
        v.write_json(&program, &mut b, Some(&e));
        assert_eq!(a, b);
        // Findings share the steps of the values they have in common.
        let listed: usize = e.findings().iter().map(|f| e.values(f).count()).sum();
        let distinct: std::collections::BTreeSet<_> = e
            .findings()
            .iter()
            .flat_map(|f| e.values(f).map(|s| s as *const _))
            .collect();
        shared_values += listed - distinct.len();
    }
    assert!(shared_values > 0, "no value step was shared");
}
