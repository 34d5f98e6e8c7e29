//! Judging a batch: records decoded from the Arrow columns, findings written as Arrow
//! columns (one row per finding; a record that cannot be read gives one row with `error`).

use std::sync::{Arc, OnceLock};

use arrow_array::builder::{
    Decimal128Builder, Int64Builder, ListBuilder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use eval::Record;

use crate::arrow_in::BatchDecoder;

/// The time zone of every instant in the output (verdicts print +08:00).
pub const TZ: &str = "+08:00";
/// Money columns: decimal128(38, 4).
pub const MONEY_PRECISION: u8 = 38;
/// See [`MONEY_PRECISION`].
pub const MONEY_SCALE: i8 = 4;

/// The findings table's schema.
pub fn schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| {
        let ts = DataType::Timestamp(TimeUnit::Microsecond, Some(TZ.into()));
        Arc::new(Schema::new(vec![
            Field::new("row", DataType::Int64, false),
            Field::new("id", DataType::Utf8, true),
            Field::new("kind", DataType::Utf8, true),
            Field::new("check", DataType::Utf8, true),
            Field::new("status", DataType::Utf8, true),
            Field::new("deadline", ts.clone(), true),
            Field::new("actual", ts, true),
            Field::new(
                "compensation",
                DataType::Decimal128(MONEY_PRECISION, MONEY_SCALE),
                true,
            ),
            Field::new("compensation_rule", DataType::Utf8, true),
            Field::new("rule", DataType::Utf8, true),
            Field::new(
                "rules",
                DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
                true,
            ),
            Field::new("reason", DataType::Utf8, true),
            Field::new("error", DataType::Utf8, true),
        ]))
    })
    .clone()
}

struct Out {
    row: Int64Builder,
    id: StringBuilder,
    kind: StringBuilder,
    check: StringBuilder,
    status: StringBuilder,
    deadline: TimestampMicrosecondBuilder,
    actual: TimestampMicrosecondBuilder,
    compensation: Decimal128Builder,
    compensation_rule: StringBuilder,
    rule: StringBuilder,
    rules: ListBuilder<StringBuilder>,
    reason: StringBuilder,
    error: StringBuilder,
}

impl Out {
    fn new(cap: usize) -> Out {
        Out {
            row: Int64Builder::with_capacity(cap),
            id: StringBuilder::with_capacity(cap, cap * 12),
            kind: StringBuilder::with_capacity(cap, cap * 5),
            check: StringBuilder::with_capacity(cap, cap * 16),
            status: StringBuilder::with_capacity(cap, cap * 6),
            deadline: TimestampMicrosecondBuilder::with_capacity(cap).with_timezone(TZ),
            actual: TimestampMicrosecondBuilder::with_capacity(cap).with_timezone(TZ),
            compensation: Decimal128Builder::with_capacity(cap)
                .with_precision_and_scale(MONEY_PRECISION, MONEY_SCALE)
                .expect("38, 4 is a valid decimal128 type"),
            compensation_rule: StringBuilder::with_capacity(cap / 4, cap * 4),
            rule: StringBuilder::with_capacity(cap, cap * 24),
            rules: ListBuilder::with_capacity(StringBuilder::with_capacity(cap * 2, cap * 40), cap),
            reason: StringBuilder::new(),
            error: StringBuilder::new(),
        }
    }

    fn finish(mut self) -> Result<RecordBatch, String> {
        let cols: Vec<ArrayRef> = vec![
            Arc::new(self.row.finish()),
            Arc::new(self.id.finish()),
            Arc::new(self.kind.finish()),
            Arc::new(self.check.finish()),
            Arc::new(self.status.finish()),
            Arc::new(self.deadline.finish()),
            Arc::new(self.actual.finish()),
            Arc::new(self.compensation.finish()),
            Arc::new(self.compensation_rule.finish()),
            Arc::new(self.rule.finish()),
            Arc::new(self.rules.finish()),
            Arc::new(self.reason.finish()),
            Arc::new(self.error.finish()),
        ];
        RecordBatch::try_new(schema(), cols).map_err(|e| e.to_string())
    }
}

fn status_name(s: ir::Status) -> Option<&'static str> {
    Some(match s {
        ir::Status::Ok => "ok",
        ir::Status::Violated => "violated",
        ir::Status::Pending => "pending",
        ir::Status::Exempt => "exempt",
        ir::Status::Conflict => "conflict",
        ir::Status::Unknown => "unknown",
        ir::Status::NotApplicable => return None,
    })
}

/// The amount as decimal128(38, 4), exactly (an amount with more decimals is an error).
fn money(d: rust_decimal::Decimal) -> Result<i128, String> {
    let scale = d.scale() as i8;
    if scale > MONEY_SCALE {
        let mut r = d;
        r.rescale(MONEY_SCALE as u32);
        if r != d {
            return Err(format!(
                "compensation {d} has more than {MONEY_SCALE} decimals"
            ));
        }
        return Ok(r.mantissa());
    }
    let up = 10i128.pow((MONEY_SCALE - scale) as u32);
    d.mantissa()
        .checked_mul(up)
        .ok_or_else(|| format!("compensation {d} is too large"))
}

/// Judges every row of `batch` at `as_of` (µs); `first_row` offsets the `row` column.
pub fn judge_batch(
    engine: &edict::Engine,
    batch: &RecordBatch,
    as_of: i64,
    first_row: i64,
) -> Result<RecordBatch, String> {
    let ev = engine.evaluator();
    let p = ev.program();
    let mut dec = BatchDecoder::new(p, batch)?;
    let mut scratch = ev.scratch();
    let mut rec = Record {
        kind: 0,
        id: None,
        slots: Vec::new(),
    };
    let mut verdict = eval::Verdict::default();
    let n = batch.num_rows();
    // About five findings per record on the shipped policies: room for six.
    let mut out = Out::new(n * 6);
    for i in 0..n {
        let row = first_row + i as i64;
        if let Err((id, message)) = dec.decode_into(i, &mut rec) {
            out.row.append_value(row);
            out.id.append_option(id.map(|id| id.to_string()));
            out.kind.append_null();
            out.check.append_null();
            out.status.append_null();
            out.deadline.append_null();
            out.actual.append_null();
            out.compensation.append_null();
            out.compensation_rule.append_null();
            out.rule.append_null();
            out.rules.append_null();
            out.reason.append_null();
            out.error.append_value(message);
            continue;
        }
        ev.evaluate_into(&mut scratch, &rec, as_of, &mut verdict);
        let kind = p.kinds.get(verdict.kind as usize).map(|k| k.name.as_str());
        let id = verdict.id.as_ref().map(|id| match id {
            eval::RecordId::Str(s) | eval::RecordId::Num(s) => s.as_str(),
        });
        for f in &verdict.findings {
            let Some(status) = status_name(f.status) else {
                continue;
            };
            out.row.append_value(row);
            out.id.append_option(id);
            out.kind.append_option(kind);
            out.check
                .append_option(p.checks.get(f.check as usize).map(|c| c.name.as_str()));
            out.status.append_value(status);
            out.deadline.append_option(f.deadline);
            out.actual.append_option(f.actual);
            match f.compensation {
                Some(d) => out.compensation.append_value(money(d)?),
                None => out.compensation.append_null(),
            }
            let rule_name = |r: u32| p.rules.get(r as usize).map(|r| r.id.as_str());
            out.compensation_rule
                .append_option(f.compensation.and(f.compensation_rule).and_then(rule_name));
            let chain = verdict.rules(f);
            out.rule
                .append_option(chain.last().and_then(|r| rule_name(*r)));
            for r in chain {
                out.rules.values().append_option(rule_name(*r));
            }
            out.rules.append(true);
            out.reason
                .append_option(f.stop.map(|s| eval::verdict::reason_text(p, s)));
            out.error.append_null();
        }
    }
    out.finish()
}
