//! Hand-built programs for the evaluator's tests and bench.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the builder"
)]

use ir::*;
use rust_decimal::Decimal;

/// Slots of the test `order` kind.
pub mod f {
    pub const PAID_AT: u32 = 0;
    pub const SHIPPED_AT: u32 = 1;
    pub const COLLECTED_AT: u32 = 2;
    pub const MERCHANT_KIND: u32 = 3;
    pub const ORDER_PAID: u32 = 4;
    pub const DELAY_SHIP_BY: u32 = 5;
    pub const FESTIVAL_OPT_OUT: u32 = 6;
    pub const TAGS: u32 = 7;
    pub const REPORTS: u32 = 8;
    pub const SENDER_REGION: u32 = 9;
    pub const PROMISED_SHIP_DAYS: u32 = 10;
    pub const ORIGIN_STATUS: u32 = 11;
    pub const ID: u32 = 12;
}

pub const H: i64 = 3_600_000_000;
pub const MERCHANT: u32 = 0;
pub const REPORT_STATUS: u32 = 1;
pub const RISK: u32 = 2;
pub const ORDER: KindId = 0;
pub const AFTERSALE: KindId = 1;

pub fn t(s: &str) -> i64 {
    eval::parse_instant(s).unwrap_or_else(|e| panic!("bad instant in test: {e}"))
}

pub fn dec(s: &str) -> Decimal {
    s.parse()
        .unwrap_or_else(|e| panic!("bad decimal in test: {e}"))
}

fn field(name: &str, ty: Ty) -> Field {
    Field {
        name: name.into(),
        ty,
    }
}

fn opt(ty: Ty) -> Ty {
    Ty::Optional(Box::new(ty))
}

/// A program builder with the test schema.
pub struct B {
    pub p: Program,
}

impl Default for B {
    fn default() -> Self {
        Self::new()
    }
}

impl B {
    pub fn new() -> B {
        let p = Program {
            announcements: vec![],
            enums: vec![
                EnumDef {
                    name: "MerchantKind".into(),
                    variants: vec!["shop".into(), "global".into()],
                },
                EnumDef {
                    name: "ReportStatus".into(),
                    variants: vec!["approved".into(), "pending".into(), "rejected".into()],
                },
                EnumDef {
                    name: "Risk".into(),
                    variants: vec!["none".into(), "medium".into(), "high".into()],
                },
            ],
            records: vec![
                RecordDef {
                    name: "Report".into(),
                    fields: vec![
                        field("status", Ty::Enum(REPORT_STATUS)),
                        field("latest_ship_at", Ty::Instant),
                    ],
                },
                RecordDef {
                    name: "OriginStatus".into(),
                    fields: vec![
                        field("risk", Ty::Enum(RISK)),
                        field("suspended_couriers", Ty::Int),
                    ],
                },
            ],
            kinds: vec![
                FactKind {
                    name: "order".into(),
                    fields: vec![
                        field("paid_at", Ty::Instant),
                        field("shipped_at", opt(Ty::Instant)),
                        field("collected_at", opt(Ty::Instant)),
                        field("merchant_kind", Ty::Enum(MERCHANT)),
                        field("order_paid", Ty::Money),
                        field("delay_ship_by", opt(Ty::Instant)),
                        field("festival_opt_out", opt(Ty::Bool)),
                        field("tags", Ty::List(Box::new(Ty::Str))),
                        field("reports", Ty::List(Box::new(Ty::Record(0)))),
                        field("sender_region", Ty::Region),
                        field("promised_ship_days", opt(Ty::Int)),
                        field("origin_status", opt(Ty::Record(1))),
                        field("id", opt(Ty::Str)),
                    ],
                },
                FactKind {
                    name: "aftersale".into(),
                    fields: vec![
                        field("created_at", Ty::Instant),
                        field("resolved_at", opt(Ty::Instant)),
                    ],
                },
            ],
            values: vec![],
            rules: vec![],
            checks: vec![],
        };
        B { p }
    }

    /// A value `file.name` of type `ty` reading `order`.
    pub fn value(&mut self, id: &str, ty: Ty) -> ValueId {
        self.p.values.push(Value {
            id: id.into(),
            ty,
            kind: Some(ORDER),
            bases: vec![],
            exceptions: vec![],
            check: None,
        });
        (self.p.values.len() - 1) as ValueId
    }

    fn rule(
        &mut self,
        value: ValueId,
        id: &str,
        parent: Parent,
        guard: Vec<Expr>,
        body: Expr,
    ) -> RuleId {
        let r = self.p.rules.len() as RuleId;
        let guard = (!guard.is_empty()).then(|| Guard {
            conjuncts: guard
                .into_iter()
                .enumerate()
                .map(|(i, expr)| Conjunct {
                    text: format!("{id} condition {}", i + 1),
                    expr,
                })
                .collect(),
        });
        let file = id.split('.').next().unwrap_or("x").to_string();
        self.p.rules.push(Rule {
            id: id.into(),
            value,
            parent,
            guard,
            body,
            children: vec![],
            beats: vec![],
            allows: vec![],
            origin: Origin {
                file: format!("{file}.edict"),
                line: r + 1,
                clause: Some(format!("{}.1", r + 1)),
                source: format!("{id} source"),
            },
        });
        r
    }

    /// Sets a conjunct's source text (for explanation snapshots).
    pub fn text(&mut self, r: RuleId, i: usize, text: &str) {
        if let Some(g) = self.p.rules[r as usize].guard.as_mut() {
            g.conjuncts[i].text = text.into();
        }
    }

    pub fn base(&mut self, v: ValueId, id: &str, guard: Vec<Expr>, body: Expr) -> RuleId {
        let r = self.rule(v, id, Parent::Base, guard, body);
        self.p.values[v as usize].bases.push(r);
        r
    }

    pub fn exception(&mut self, v: ValueId, id: &str, guard: Vec<Expr>, body: Expr) -> RuleId {
        let r = self.rule(v, id, Parent::Value, guard, body);
        self.p.values[v as usize].exceptions.push(r);
        r
    }

    pub fn child(&mut self, parent: RuleId, id: &str, guard: Vec<Expr>, body: Expr) -> RuleId {
        let v = self.p.rules[parent as usize].value;
        let r = self.rule(v, id, Parent::Rule(parent), guard, body);
        self.p.rules[parent as usize].children.push(r);
        r
    }

    /// `winner` beats `loser`.
    pub fn beats(&mut self, winner: RuleId, loser: RuleId) {
        self.p.rules[winner as usize].beats.push(loser);
    }

    /// A constant value with one unguarded base.
    pub fn constant(&mut self, id: &str, ty: Ty, c: Const) -> ValueId {
        let v = self.value(id, ty);
        self.base(v, &format!("{id}_def"), vec![], Expr::Const(c));
        v
    }

    /// A deadline check on `order`: `after` field, `event` field, deadline value; exempt
    /// defaults to a constant false value.
    pub fn deadline_check(
        &mut self,
        name: &str,
        after: u32,
        event: u32,
        deadline: ValueId,
    ) -> CheckId {
        let exempt = self.constant(&format!("{name}.exempt"), Ty::Bool, Const::Bool(false));
        self.p.checks.push(Check {
            name: name.into(),
            file_id: "test".into(),
            kind: ORDER,
            after: Some(fld(after)),
            applies: None,
            event: Some(fld(event)),
            deadline: Some(deadline),
            violated: None,
            exempt,
            excluded: None,
            compensation: None,
            allows: vec![],
            origin: Origin {
                file: "test.edict".into(),
                line: 1,
                clause: None,
                source: format!("check {name}"),
            },
        });
        (self.p.checks.len() - 1) as CheckId
    }

    pub fn check_mut(&mut self, c: CheckId) -> &mut Check {
        &mut self.p.checks[c as usize]
    }
}

pub fn fld(slot: u32) -> Expr {
    Expr::Field(vec![slot])
}

pub fn path(slots: &[u32]) -> Expr {
    Expr::Field(slots.to_vec())
}

pub fn local(path: &[u32]) -> Expr {
    Expr::Local {
        depth: 0,
        path: path.to_vec(),
    }
}

pub fn inst(s: &str) -> Expr {
    Expr::Const(Const::Instant(t(s)))
}

pub fn hours(h: i64) -> Expr {
    Expr::Const(Const::Duration(h * H))
}

pub fn money(s: &str) -> Expr {
    Expr::Const(Const::Money(dec(s)))
}

pub fn pct(s: &str) -> Expr {
    Expr::Const(Const::Percent(dec(s)))
}

pub fn boolean(b: bool) -> Expr {
    Expr::Const(Const::Bool(b))
}

pub fn val(v: ValueId) -> Expr {
    Expr::Value(v)
}

pub fn add(a: Expr, b: Expr) -> Expr {
    Expr::Arith(ArithOp::InstantAddDuration, Box::new(a), Box::new(b))
}

pub fn arith(op: ArithOp, a: Expr, b: Expr) -> Expr {
    Expr::Arith(op, Box::new(a), Box::new(b))
}

pub fn cmp(op: CmpOp, a: Expr, b: Expr) -> Expr {
    Expr::Cmp(op, Box::new(a), Box::new(b))
}

pub fn is_some(e: Expr) -> Expr {
    Expr::IsSome(Box::new(e), true)
}

pub fn is_none(e: Expr) -> Expr {
    Expr::IsSome(Box::new(e), false)
}

pub fn in_window(x: Expr, a: &str, b: &str) -> Expr {
    Expr::InWindow(
        Box::new(x),
        Box::new(Expr::Const(Const::Window(t(a), t(b)))),
    )
}

pub fn max(a: Expr, b: Expr) -> Expr {
    Expr::Call(Func::Max, vec![a, b])
}

pub fn enum_is(slot: u32, variant: u32) -> Expr {
    cmp(CmpOp::Eq, fld(slot), Expr::Const(Const::Enum(variant)))
}

/// A valid order with the given fields merged over the defaults.
pub fn order(extra: serde_json::Value) -> serde_json::Value {
    let mut base = serde_json::json!({
        "id": "T1",
        "paid_at": "2024-02-05T10:00:00+08:00",
        "merchant_kind": "shop",
        "order_paid": "150.00",
        "tags": [],
        "reports": [],
        "sender_region": "150102"
    });
    if let (Some(b), serde_json::Value::Object(e)) = (base.as_object_mut(), extra) {
        b.extend(e);
    }
    base
}

/// [`order`] of `fields`, with `extra`'s fields merged over them.
pub fn order_with(fields: serde_json::Value, extra: serde_json::Value) -> serde_json::Value {
    let mut o = order(fields);
    if let (Some(o), serde_json::Value::Object(e)) = (o.as_object_mut(), extra) {
        o.extend(e);
    }
    o
}

/// Whether the finding stopped on a type error.
pub fn type_stop(f: &eval::Finding) -> bool {
    matches!(
        f.stop,
        Some(eval::Stop::Undefined {
            reason: eval::Reason::Type,
            ..
        })
    )
}

/// Decodes and evaluates one record.
pub fn run(p: &Program, rec: serde_json::Value, as_of: &str) -> eval::Verdict {
    let ev = eval::Evaluator::new(p).unwrap_or_else(|e| panic!("{e}"));
    let rec = ev.decode(&rec).unwrap_or_else(|e| panic!("{e}"));
    let mut s = ev.scratch();
    ev.evaluate(&mut s, &rec, t(as_of))
}

/// Judges one record twice with the same scratch, plainly and with an explanation (which
/// takes none of the evaluator's shortcuts), asserts that both give the same verdict, and
/// returns the plain one.
pub fn plain_as_explained(
    ev: &eval::Evaluator<'_>,
    s: &mut eval::Scratch,
    rec: &serde_json::Value,
    as_of: &str,
) -> eval::Verdict {
    let rec = ev.decode(rec).unwrap_or_else(|e| panic!("{e}"));
    let plain = ev.evaluate(s, &rec, t(as_of));
    let (explained, _) = ev.evaluate_explained(s, &rec, t(as_of));
    assert_eq!(json(ev.program(), &plain), json(ev.program(), &explained));
    plain
}

/// The verdict as JSON text.
pub fn json(p: &Program, v: &eval::Verdict) -> String {
    let mut s = String::new();
    v.write_json(p, &mut s, None);
    s
}

/// `(status, rules)` of the finding for `check`, or `None` when absent.
pub fn finding(p: &Program, v: &eval::Verdict, check: &str) -> Option<(String, Vec<String>)> {
    let f = v.finding(p, check)?;
    let rules = v
        .rules(f)
        .iter()
        .map(|r| p.rules[*r as usize].id.clone())
        .collect();
    Some((f.status.name().to_string(), rules))
}

/// A small program: late_shipment (48h from payment, 5% compensation rounded to whole
/// yuan, an exception for global merchants paid in February 2024) and late_collection
/// (24h from shipping).
pub fn simple() -> B {
    let mut b = B::new();
    let ship_by = b.value("baseline.ship_by", Ty::Instant);
    b.base(
        ship_by,
        "baseline.ship_within",
        vec![],
        add(fld(f::PAID_AT), hours(48)),
    );
    let ext = b.exception(
        ship_by,
        "feb.global_extend",
        vec![
            enum_is(f::MERCHANT_KIND, 1),
            in_window(
                fld(f::PAID_AT),
                "2024-02-01 00:00:00",
                "2024-02-29 23:59:59",
            ),
        ],
        max(Expr::Overridden, inst("2024-02-20 23:59:59")),
    );
    b.text(ext, 0, "order.merchant_kind == global");
    b.text(ext, 1, "order.paid_at in [2024-02-01, 2024-02-29]");
    let delay = b.child(
        ext,
        "feb.merchant_delay",
        vec![is_some(fld(f::DELAY_SHIP_BY))],
        fld(f::DELAY_SHIP_BY),
    );
    b.text(delay, 0, "order.delay_ship_by is some");
    let c = b.deadline_check("late_shipment", f::PAID_AT, f::SHIPPED_AT, ship_by);
    let comp = b.value("baseline.late_shipment.compensation", Ty::Money);
    b.base(
        comp,
        "baseline.compensate",
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
    let collect_by = b.value("baseline.collect_by", Ty::Instant);
    b.base(
        collect_by,
        "baseline.collect_within",
        vec![],
        add(fld(f::SHIPPED_AT), hours(24)),
    );
    b.deadline_check(
        "late_collection",
        f::SHIPPED_AT,
        f::COLLECTED_AT,
        collect_by,
    );
    b
}

/// The bench program (see `benches/eval.rs`).
pub fn bench_program() -> Program {
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

/// 1024 varied orders for the bench program.
pub fn bench_records(ev: &eval::Evaluator<'_>) -> Vec<eval::Record> {
    (0..1024)
        .map(|i| {
            let day = 1 + i % 27;
            let rec = order(serde_json::json!({
                "id": format!("O{i}"),
                "paid_at": format!("2024-02-{day:02} 10:00:00"),
                "merchant_kind": if i % 4 == 0 { "global" } else { "shop" },
                "shipped_at": if i % 5 == 0 { serde_json::Value::Null } else { serde_json::json!(format!("2024-02-{:02} 09:00:00", (day + 2).min(28))) },
                "collected_at": if i % 3 == 0 { serde_json::Value::Null } else { serde_json::json!(format!("2024-02-{:02} 12:00:00", (day + 3).min(28))) },
                "delay_ship_by": if i % 7 == 0 { serde_json::json!("2024-02-27 00:00:00") } else { serde_json::Value::Null },
                "sender_region": if i % 9 == 0 { "620200" } else { "110105" },
                "reports": if i % 11 == 0 { serde_json::json!([{"status": "approved", "latest_ship_at": "2024-02-26 00:00:00"}]) } else { serde_json::json!([]) },
            }));
            ev.decode(&rec).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
}
