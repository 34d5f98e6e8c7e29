//! The batch API judges like the single-record one: `evaluate_all` over 3,000 generated
//! records hands each record, in order, the verdict a fresh `evaluate` of that record alone
//! gives (ids included), and calls back once per record; an empty batch calls nothing.

#[test]
fn evaluate_all_gives_each_record_its_own_verdict() {
    let program = bench::shipped_program().unwrap_or_else(|e| panic!("{e}"));
    let ev = eval::Evaluator::new(&program).unwrap_or_else(|e| panic!("{e}"));
    let records = bench::decode_all(&ev, &bench::generated(3000)).unwrap_or_else(|e| panic!("{e}"));
    let as_of = bench::as_of();
    let (mut scratch, mut out) = (ev.scratch(), eval::Verdict::default());
    let mut seen = 0;
    ev.evaluate_all(&mut scratch, &records, as_of, &mut out, |r, v| {
        assert!(std::ptr::eq(r, &records[seen]), "records in order");
        assert_eq!(*v, ev.evaluate(&mut ev.scratch(), r, as_of));
        seen += 1;
    });
    assert_eq!(seen, records.len());
    ev.evaluate_all(&mut scratch, &[], as_of, &mut out, |_, _| {
        panic!("called on an empty batch")
    });
    // A batch of one, and the same scratch afterwards for a single record.
    let mut one = None;
    ev.evaluate_all(&mut scratch, &records[..1], as_of, &mut out, |_, v| {
        one = Some(v.clone())
    });
    assert_eq!(one, Some(ev.evaluate(&mut scratch, &records[0], as_of)));
}
