//! Throughput of evaluation on pre-decoded records, without explanations.
//!
//! The program is hand-built (see `tests/common`): 15 deadline checks, each a base with a
//! festival exception and a merchant-delay child, an exemption by region, compensation on
//! every other check, and a report layer on a third of them. Point it at the real policies
//! by loading a compiled IR instead of `program()`.

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ir::{ArithOp, CmpOp, Const, Expr, Func, QuantOp, Ty};
use serde_json::json;

fn program() -> ir::Program {
    let mut b = B::new();
    let approved = cmp(CmpOp::Eq, local(&[0]), Expr::Const(Const::Enum(0)));
    for i in 0..15 {
        let event = [f::SHIPPED_AT, f::COLLECTED_AT][i % 2];
        let v = b.value(&format!("p{i}.deadline_base"), Ty::Instant);
        b.base(
            v,
            &format!("p{i}.within"),
            vec![],
            add(fld(f::PAID_AT), hours(24 + i as i64)),
        );
        let ext = b.exception(
            v,
            &format!("p{i}.festival"),
            vec![
                enum_is(f::MERCHANT_KIND, 0),
                in_window(
                    fld(f::PAID_AT),
                    "2024-02-02 00:00:00",
                    "2024-02-20 23:59:59",
                ),
            ],
            max(Expr::Overridden, inst("2024-02-22 23:59:59")),
        );
        b.child(
            ext,
            &format!("p{i}.delay"),
            vec![is_some(fld(f::DELAY_SHIP_BY))],
            fld(f::DELAY_SHIP_BY),
        );
        let deadline = if i % 3 == 0 {
            let a = b.value(&format!("p{i}.assessed"), Ty::Instant);
            b.base(a, &format!("p{i}.assessed_def"), vec![], val(v));
            let latest = Expr::Extremum {
                op: Func::Max,
                body: Box::new(local(&[1])),
                list: Box::new(fld(f::REPORTS)),
                filter: Some(Box::new(approved.clone())),
            };
            b.exception(
                a,
                &format!("p{i}.report"),
                vec![Expr::Quant {
                    op: QuantOp::Any,
                    list: Box::new(fld(f::REPORTS)),
                    filter: Some(Box::new(approved.clone())),
                }],
                max(Expr::Overridden, latest),
            );
            a
        } else {
            v
        };
        let c = b.deadline_check(&format!("check_{i:02}"), f::PAID_AT, event, deadline);
        let exempt = b.p.checks[c as usize].exempt;
        b.exception(
            exempt,
            &format!("p{i}.waiver"),
            vec![
                Expr::InRegions(
                    Box::new(fld(f::SENDER_REGION)),
                    Box::new(Expr::Const(Const::Regions(regions::RegionSet::new([
                        620200, 150700, 650000,
                    ])))),
                ),
                cmp(CmpOp::Le, val(deadline), inst("2022-03-31 23:59:59")),
            ],
            boolean(true),
        );
        if i % 2 == 0 {
            let comp = b.value(&format!("p{i}.compensation"), Ty::Money);
            b.base(
                comp,
                &format!("p{i}.compensate"),
                vec![],
                Expr::Call(
                    Func::Round,
                    vec![
                        arith(ArithOp::MoneyMulPercent, fld(f::ORDER_PAID), pct("5")),
                        money("1"),
                    ],
                ),
            );
            b.check_mut(c).compensation = Some(comp);
        }
    }
    b.p
}

fn records(ev: &eval::Evaluator<'_>) -> Vec<eval::Record> {
    (0..1024)
        .map(|i| {
            let day = 1 + i % 27;
            let rec = order(json!({
                "id": format!("O{i}"),
                "paid_at": format!("2024-02-{day:02} 10:00:00"),
                "merchant_kind": if i % 4 == 0 { "global" } else { "shop" },
                "shipped_at": if i % 5 == 0 { serde_json::Value::Null } else { json!(format!("2024-02-{:02} 09:00:00", (day + 2).min(28))) },
                "collected_at": if i % 3 == 0 { serde_json::Value::Null } else { json!(format!("2024-02-{:02} 12:00:00", (day + 3).min(28))) },
                "delay_ship_by": if i % 7 == 0 { json!("2024-02-27 00:00:00") } else { serde_json::Value::Null },
                "sender_region": if i % 9 == 0 { "620200" } else { "110105" },
                "reports": if i % 11 == 0 { json!([{"status": "approved", "latest_ship_at": "2024-02-26 00:00:00"}]) } else { json!([]) },
            }));
            ev.decode(&rec).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let p = program();
    let ev = eval::Evaluator::new(&p).unwrap_or_else(|e| panic!("{e}"));
    let recs = records(&ev);
    let as_of = t("2024-02-25 12:00:00");
    let mut scratch = ev.scratch();
    let mut out = eval::Verdict::default();
    let mut g = c.benchmark_group("eval");
    g.throughput(Throughput::Elements(recs.len() as u64));
    g.bench_function("15 checks, no explanations", |bench| {
        bench.iter(|| {
            let mut n = 0;
            for r in &recs {
                ev.evaluate_into(&mut scratch, r, as_of, &mut out);
                n += out.findings.len();
            }
            n
        })
    });
    let mut line = String::new();
    g.bench_function("15 checks, verdict JSON", |bench| {
        bench.iter(|| {
            let mut n = 0;
            for r in &recs {
                ev.evaluate_into(&mut scratch, r, as_of, &mut out);
                line.clear();
                out.write_json(&p, &mut line, None);
                n += line.len();
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
