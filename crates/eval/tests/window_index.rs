//! The window index changes no verdict and no explanation: random programs with many
//! windowed siblings (exceptions to a value and to a rule, priorities, overlapping windows
//! that conflict, guards that read values or stop before their window, optional and boolean
//! fields) are evaluated on random records with the index and without it, and must agree
//! exactly — also on records whose slots hold values of unexpected shapes, where the index
//! must step aside.

mod common;

use common::*;
use eval::{Evaluator, PrepareOptions, Val};
use ir::{CmpOp, Const, Expr, Ty};
use proptest::prelude::*;

const DAY: i64 = 24 * H;

/// What a generated rule's guard starts with, before its window.
#[derive(Debug, Clone, Copy)]
enum Prefix {
    None,
    Shop,
    HasDelay,
    OptOut,
    Untagged,
    /// Reads another value (not total: the window after it is not a key).
    ReadsValue,
    /// A second bound on the same field.
    Before,
}

#[derive(Debug, Clone)]
struct RuleSpec {
    prefix: Prefix,
    /// Window on `paid_at` (true) or on the optional `shipped_at`.
    on_paid: bool,
    start_day: i64,
    len_days: i64,
    body: u8,
    /// Window first, prefix after.
    window_first: bool,
    children: Vec<(i64, i64)>,
    beats_next: bool,
}

fn prefix() -> impl Strategy<Value = Prefix> {
    prop_oneof![
        3 => Just(Prefix::None),
        2 => Just(Prefix::Shop),
        1 => Just(Prefix::HasDelay),
        1 => Just(Prefix::OptOut),
        1 => Just(Prefix::Untagged),
        1 => Just(Prefix::ReadsValue),
        1 => Just(Prefix::Before),
    ]
}

fn rule_spec() -> impl Strategy<Value = RuleSpec> {
    (
        prefix(),
        prop::bool::weighted(0.8),
        0i64..60,
        prop_oneof![4 => 0i64..3, 1 => 3i64..40],
        0u8..3,
        any::<bool>(),
        prop::collection::vec((0i64..60, 0i64..5), 0..12),
        prop::bool::weighted(0.15),
    )
        .prop_map(
            |(prefix, on_paid, start_day, len_days, body, window_first, children, beats_next)| {
                RuleSpec {
                    prefix,
                    on_paid,
                    start_day,
                    len_days,
                    body,
                    window_first,
                    children,
                    beats_next,
                }
            },
        )
}

fn day(d: i64) -> i64 {
    t("2024-01-01 00:00:00") + d * DAY
}

fn window(slot: u32, from: i64, len: i64) -> Expr {
    Expr::InWindow(
        Box::new(fld(slot)),
        Box::new(Expr::Const(Const::Window(
            day(from),
            day(from + len) + DAY - 1_000_000,
        ))),
    )
}

fn program(specs: &[RuleSpec]) -> ir::Program {
    let mut b = B::new();
    // A value with two overlapping exceptions: reading it may conflict.
    let shaky = b.value("x.shaky", Ty::Instant);
    b.base(
        shaky,
        "x.shaky_base",
        vec![],
        add(fld(f::PAID_AT), hours(1)),
    );
    b.exception(
        shaky,
        "x.shaky_a",
        vec![window(f::PAID_AT, 10, 20)],
        add(fld(f::PAID_AT), hours(2)),
    );
    b.exception(
        shaky,
        "x.shaky_b",
        vec![window(f::PAID_AT, 25, 20)],
        add(fld(f::PAID_AT), hours(3)),
    );

    let ship_by = b.value("x.ship_by", Ty::Instant);
    b.base(ship_by, "x.base", vec![], add(fld(f::PAID_AT), hours(48)));
    let mut previous = None;
    for (i, s) in specs.iter().enumerate() {
        let slot = if s.on_paid { f::PAID_AT } else { f::SHIPPED_AT };
        let w = window(slot, s.start_day, s.len_days);
        let p = match s.prefix {
            Prefix::None => None,
            Prefix::Shop => Some(enum_is(f::MERCHANT_KIND, 0)),
            Prefix::HasDelay => Some(is_some(fld(f::DELAY_SHIP_BY))),
            Prefix::OptOut => Some(fld(f::FESTIVAL_OPT_OUT)),
            Prefix::Untagged => Some(Expr::Not(Box::new(Expr::InSet(
                Box::new(Expr::Const(Const::Str("tag".into()))),
                Box::new(fld(f::TAGS)),
            )))),
            Prefix::ReadsValue => Some(cmp(CmpOp::Le, val(shaky), inst("2024-02-10 00:00:00"))),
            Prefix::Before => Some(cmp(
                CmpOp::Lt,
                fld(slot),
                Expr::Const(Const::Instant(day(s.start_day + 1))),
            )),
        };
        let guard = match (p, s.window_first) {
            (None, _) => vec![w],
            (Some(p), true) => vec![w, p],
            (Some(p), false) => vec![p, w],
        };
        let body = match s.body {
            0 => Expr::Const(Const::Instant(day(s.start_day + s.len_days + 2))),
            1 => max(
                Expr::Overridden,
                Expr::Const(Const::Instant(day(s.start_day + 3))),
            ),
            _ => add(fld(f::PAID_AT), hours(24 * (i as i64 % 5 + 1))),
        };
        let r = b.exception(ship_by, &format!("a{i}.rule"), guard, body);
        for (k, &(from, len)) in s.children.iter().enumerate() {
            b.child(
                r,
                &format!("a{i}.child{k}"),
                vec![window(f::PAID_AT, from, len)],
                max(Expr::Overridden, Expr::Const(Const::Instant(day(from + 9)))),
            );
        }
        if let (true, Some(prev)) = (s.beats_next, previous) {
            b.beats(r, prev);
        }
        previous = Some(r);
    }
    b.deadline_check("ship", f::PAID_AT, f::SHIPPED_AT, ship_by);
    b.p
}

#[derive(Debug, Clone)]
struct RecordSpec {
    paid_day: i64,
    paid_secs: i64,
    shipped: Option<i64>,
    global: bool,
    delay: bool,
    opt_out: Option<bool>,
    tagged: bool,
    /// 0: as decoded; 1: `paid_at` none; 2: `tags` an int; 3: `festival_opt_out` a string.
    damage: u8,
}

fn record_spec() -> impl Strategy<Value = RecordSpec> {
    (
        -3i64..70,
        0i64..86_400,
        prop::option::weighted(0.8, 0i64..100 * 3600),
        any::<bool>(),
        prop::bool::weighted(0.3),
        prop::option::of(any::<bool>()),
        prop::bool::weighted(0.3),
        prop_oneof![12 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8), 1 => Just(3u8)],
    )
        .prop_map(
            |(paid_day, paid_secs, shipped, global, delay, opt_out, tagged, damage)| RecordSpec {
                paid_day,
                paid_secs,
                shipped,
                global,
                delay,
                opt_out,
                tagged,
                damage,
            },
        )
}

fn instant(us: i64) -> String {
    eval::format_instant(us)
}

fn record(ev: &Evaluator<'_>, s: &RecordSpec) -> eval::Record {
    let paid = day(s.paid_day) + s.paid_secs * 1_000_000;
    let json = order(serde_json::json!({
        "paid_at": instant(paid),
        "shipped_at": s.shipped.map(|h| instant(paid + h * 1_000_000)),
        "merchant_kind": if s.global { "global" } else { "shop" },
        "delay_ship_by": s.delay.then(|| instant(paid + 5 * DAY)),
        "festival_opt_out": s.opt_out,
        "tags": if s.tagged { vec!["tag"] } else { vec![] },
    }));
    let mut rec = ev.decode(&json).unwrap_or_else(|e| panic!("{e}"));
    let (slot, damaged) = match s.damage {
        1 => (f::PAID_AT, Val::Null),
        2 => (f::TAGS, Val::Int(3)),
        3 => (f::FESTIVAL_OPT_OUT, Val::Str("yes".into())),
        _ => return rec,
    };
    rec.slots[slot as usize] = damaged;
    rec
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn verdicts_and_explanations_are_identical_with_and_without_the_index(
        specs in prop::collection::vec(rule_spec(), 8..48),
        records in prop::collection::vec(record_spec(), 1..40),
    ) {
        let p = program(&specs);
        let indexed = Evaluator::new(&p).unwrap_or_else(|e| panic!("{e}"));
        let scanned = Evaluator::with_options(&p, PrepareOptions {
            window_index: false,
            key_filter: false,
            exclusive: false,
            ..Default::default()
        })
            .unwrap_or_else(|e| panic!("{e}"));
        let (mut si, mut ss) = (indexed.scratch(), scanned.scratch());
        let as_of = t("2024-02-15 12:00:00");
        for r in &records {
            let rec = record(&indexed, r);
            let a = indexed.evaluate(&mut si, &rec, as_of);
            let b = scanned.evaluate(&mut ss, &rec, as_of);
            prop_assert_eq!(json(&p, &a), json(&p, &b));
            prop_assert_eq!(&a, &b);
            let (va, ea) = indexed.evaluate_explained(&mut si, &rec, as_of);
            let (vb, eb) = scanned.evaluate_explained(&mut ss, &rec, as_of);
            prop_assert_eq!(va, vb);
            prop_assert_eq!(ea, eb);
        }
    }
}

/// The property above is not vacuous: on such programs the index takes part, and it does
/// decide differently from a scan only in which guards it evaluates, never in the result.
#[test]
fn many_disjoint_windows_agree_on_every_day() {
    let specs: Vec<RuleSpec> = (0..40)
        .map(|i| RuleSpec {
            prefix: if i % 2 == 0 {
                Prefix::Shop
            } else {
                Prefix::None
            },
            on_paid: true,
            start_day: i,
            len_days: 0,
            body: 0,
            window_first: i % 3 == 0,
            children: vec![],
            beats_next: false,
        })
        .collect();
    let p = program(&specs);
    let indexed = Evaluator::new(&p).unwrap_or_else(|e| panic!("{e}"));
    let scanned = Evaluator::with_options(
        &p,
        PrepareOptions {
            window_index: false,
            key_filter: false,
            exclusive: false,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (mut si, mut ss) = (indexed.scratch(), scanned.scratch());
    let mut decided_by_exception = 0;
    for d in -2..45 {
        for global in [false, true] {
            let spec = RecordSpec {
                paid_day: d,
                paid_secs: 3600,
                shipped: Some(50),
                global,
                delay: false,
                opt_out: None,
                tagged: false,
                damage: 0,
            };
            let rec = record(&indexed, &spec);
            let as_of = t("2024-03-01 00:00:00");
            let a = indexed.evaluate(&mut si, &rec, as_of);
            assert_eq!(a, scanned.evaluate(&mut ss, &rec, as_of));
            if finding(&p, &a, "ship").is_some_and(|(_, rules)| rules.len() > 1) {
                decided_by_exception += 1;
            }
        }
    }
    assert!(decided_by_exception > 40, "{decided_by_exception}");
}
