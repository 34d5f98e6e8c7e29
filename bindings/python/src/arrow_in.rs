//! Arrow columns → `eval::Record` slots, with no JSON in between.
//!
//! Each column is compiled once per batch into a converter (a closure over the typed
//! array) for the declared field type; records are then built row by row. The rules follow
//! `eval::decode` (DOMAIN.md §1.1): a null or absent optional field is `Null`, a null or
//! absent required field is an error for that record, text is read as the JSON path reads
//! it (instants RFC 3339 with +08:00 by default, decimals exactly, regions by code or
//! name, enums by variant name).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    DurationMicrosecondType, DurationMillisecondType, DurationNanosecondType, DurationSecondType,
    Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch, StructArray};
use arrow_schema::{DataType, TimeUnit};
use eval::{Record, RecordId, Val};
use ir::{Program, Ty};
use rust_decimal::Decimal;

/// A compiled column: the value of row `i`, or why it cannot be read.
type Conv<'a> = Box<dyn Fn(usize) -> Result<Val, String> + 'a>;

/// The element range of list `i`.
type Offsets<'a> = Box<dyn Fn(usize) -> (usize, usize) + 'a>;

/// Beijing time, the offset of instants written without one.
const BEIJING_MICROS: i64 = 8 * 3600 * 1_000_000;

/// The columns of one batch, compiled per record kind on first use.
pub struct BatchDecoder<'a> {
    p: &'a Program,
    batch: &'a RecordBatch,
    kind_col: Option<StrCol<'a>>,
    /// The kind of the previous record, by name (records of one kind come in runs).
    last_kind: Option<(Box<str>, ir::KindId)>,
    id_col: Option<IdCol<'a>>,
    kinds: Vec<Option<Vec<Conv<'a>>>>,
}

/// A text column read as `&str`.
enum StrCol<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
}

impl<'a> StrCol<'a> {
    fn new(a: &'a dyn Array) -> Result<StrCol<'a>, String> {
        Ok(match a.data_type() {
            DataType::Utf8 => StrCol::Utf8(a.as_string::<i32>()),
            DataType::LargeUtf8 => StrCol::Large(a.as_string::<i64>()),
            DataType::Utf8View => StrCol::View(a.as_string_view()),
            dt => return Err(format!("an Arrow column of type {dt} is not text")),
        })
    }

    fn is_null(&self, i: usize) -> bool {
        match self {
            StrCol::Utf8(a) => a.is_null(i),
            StrCol::Large(a) => a.is_null(i),
            StrCol::View(a) => a.is_null(i),
        }
    }

    fn value(&self, i: usize) -> &'a str {
        match self {
            StrCol::Utf8(a) => a.value(i),
            StrCol::Large(a) => a.value(i),
            StrCol::View(a) => a.value(i),
        }
    }
}

enum IdCol<'a> {
    Str(Conv<'a>),
    Num(Conv<'a>),
}

impl<'a> BatchDecoder<'a> {
    /// Prepares `batch` for decoding; errors name a column whose Arrow type cannot hold
    /// the `kind` or `id`.
    pub fn new(p: &'a Program, batch: &'a RecordBatch) -> Result<BatchDecoder<'a>, String> {
        let kind_col = match batch.column_by_name("kind") {
            Some(a) => Some(StrCol::new(a.as_ref()).map_err(|e| format!("column `kind`: {e}"))?),
            None => None,
        };
        let id_col = match batch.column_by_name("id") {
            None => None,
            Some(a) => Some(match a.data_type() {
                DataType::Int8
                | DataType::Int16
                | DataType::Int32
                | DataType::Int64
                | DataType::UInt8
                | DataType::UInt16
                | DataType::UInt32
                | DataType::UInt64 => IdCol::Num(int_col(a.as_ref())?),
                _ => IdCol::Str(text_col(a.as_ref()).map_err(|e| format!("column `id`: {e}"))?),
            }),
        };
        Ok(BatchDecoder {
            p,
            batch,
            kind_col,
            last_kind: None,
            id_col,
            kinds: (0..p.kinds.len()).map(|_| None).collect(),
        })
    }

    fn id(&self, row: usize) -> Option<RecordId> {
        match &self.id_col {
            None => None,
            Some(IdCol::Str(c)) => match c(row) {
                Ok(Val::Str(s)) => Some(RecordId::Str(s.to_string())),
                _ => None,
            },
            Some(IdCol::Num(c)) => match c(row) {
                Ok(Val::Int(n)) => Some(RecordId::Num(n.to_string())),
                _ => None,
            },
        }
    }

    /// Decodes row `row` into `rec` (reusing its slots). On error the record's id, when
    /// readable, comes with the message.
    pub fn decode_into(
        &mut self,
        row: usize,
        rec: &mut Record,
    ) -> Result<(), (Option<RecordId>, String)> {
        let id = self.id(row);
        let kind_name: &str = match &self.kind_col {
            None => eval::decode::DEFAULT_KIND,
            Some(c) if c.is_null(row) => eval::decode::DEFAULT_KIND,
            Some(c) => c.value(row),
        };
        let known = match &self.last_kind {
            Some((name, k)) if **name == *kind_name => Some(*k),
            _ => self.p.kind_by_name(kind_name),
        };
        if let Some(k) = known {
            if self.last_kind.as_ref().is_none_or(|(_, last)| *last != k) {
                self.last_kind = Some((kind_name.into(), k));
            }
        }
        let Some(kind) = known else {
            let known: Vec<&str> = self.p.kinds.iter().map(|k| k.name.as_str()).collect();
            return Err((
                id,
                format!(
                    "unknown record kind `{kind_name}` (known: {})",
                    known.join(", ")
                ),
            ));
        };
        if self.kinds[kind as usize].is_none() {
            let fields = &self.p.kinds[kind as usize].fields;
            let mut convs = Vec::with_capacity(fields.len());
            for f in fields {
                let col = self.batch.column_by_name(&f.name);
                convs.push(
                    field_conv(self.p, col, &f.name, &f.ty)
                        .map_err(|e| (id.clone(), format!("column `{}`: {e}", f.name)))?,
                );
            }
            self.kinds[kind as usize] = Some(convs);
        }
        let convs = self.kinds[kind as usize].as_ref().expect("compiled above");
        rec.slots.clear();
        for (c, f) in convs.iter().zip(&self.p.kinds[kind as usize].fields) {
            match c(row) {
                Ok(v) => rec.slots.push(v),
                Err(e) => return Err((id, with_field(&f.name, e))),
            }
        }
        rec.kind = kind;
        rec.id = id;
        Ok(())
    }
}

fn with_field(name: &str, e: String) -> String {
    if e.starts_with("missing required field") {
        e
    } else if let Some(rest) = e.strip_prefix('`') {
        // A nested path: `name.inner`: … (or `name[2]`: …).
        if rest.starts_with('[') {
            format!("`{name}{rest}")
        } else {
            format!("`{name}.{rest}")
        }
    } else {
        format!("`{name}`: {e}")
    }
}

/// The converter of a field that may be absent from the batch.
fn field_conv<'a>(
    p: &'a Program,
    col: Option<&'a ArrayRef>,
    name: &str,
    ty: &Ty,
) -> Result<Conv<'a>, String> {
    match col {
        Some(a) => {
            let optional = ty.is_optional();
            let base = base_conv(p, a.as_ref(), strip_optional(ty))?;
            if a.null_count() == 0 {
                return Ok(base);
            }
            let msg = format!("missing required field `{name}`");
            let a: &'a dyn Array = a.as_ref();
            Ok(Box::new(move |i| {
                if a.is_null(i) {
                    if optional {
                        Ok(Val::Null)
                    } else {
                        Err(msg.clone())
                    }
                } else {
                    base(i)
                }
            }))
        }
        None if ty.is_optional() => Ok(Box::new(|_| Ok(Val::Null))),
        None => {
            let msg = format!("missing required field `{name}`");
            Ok(Box::new(move |_| Err(msg.clone())))
        }
    }
}

fn strip_optional(ty: &Ty) -> &Ty {
    match ty {
        Ty::Optional(inner) => strip_optional(inner),
        t => t,
    }
}

/// The converter of an element (of a list): a null element is an error unless the type is
/// optional.
fn elem_conv<'a>(p: &'a Program, a: &'a dyn Array, ty: &Ty) -> Result<Conv<'a>, String> {
    let optional = ty.is_optional();
    let base = base_conv(p, a, strip_optional(ty))?;
    if a.null_count() == 0 {
        return Ok(base);
    }
    let expected = eval::decode::ty_name(p, strip_optional(ty));
    Ok(Box::new(move |i| {
        if a.is_null(i) {
            if optional {
                Ok(Val::Null)
            } else {
                Err(format!("expected {expected}, found null"))
            }
        } else {
            base(i)
        }
    }))
}

fn unsupported(p: &Program, dt: &DataType, ty: &Ty) -> String {
    format!(
        "an Arrow column of type {dt} cannot hold {}",
        eval::decode::ty_name(p, ty)
    )
}

/// Text cells as `Val::Str` (Utf8, LargeUtf8, Utf8View).
fn text_col(a: &dyn Array) -> Result<Conv<'_>, String> {
    Ok(match a.data_type() {
        DataType::Utf8 => {
            let s = a.as_string::<i32>();
            Box::new(move |i| Ok(Val::Str(Arc::from(s.value(i)))))
        }
        DataType::LargeUtf8 => {
            let s = a.as_string::<i64>();
            Box::new(move |i| Ok(Val::Str(Arc::from(s.value(i)))))
        }
        DataType::Utf8View => {
            let s = a.as_string_view();
            Box::new(move |i| Ok(Val::Str(Arc::from(s.value(i)))))
        }
        dt => return Err(format!("an Arrow column of type {dt} is not text")),
    })
}

/// A converter over the text of each cell.
fn with_text<'a, F>(a: &'a dyn Array, f: F) -> Option<Conv<'a>>
where
    F: Fn(&str) -> Result<Val, String> + 'a,
{
    Some(match a.data_type() {
        DataType::Utf8 => {
            let s = a.as_string::<i32>();
            Box::new(move |i| f(s.value(i)))
        }
        DataType::LargeUtf8 => {
            let s = a.as_string::<i64>();
            Box::new(move |i| f(s.value(i)))
        }
        DataType::Utf8View => {
            let s = a.as_string_view();
            Box::new(move |i| f(s.value(i)))
        }
        _ => return None,
    })
}

/// Integer cells as `Val::Int`.
fn int_col(a: &dyn Array) -> Result<Conv<'_>, String> {
    macro_rules! signed {
        ($t:ty) => {{
            let x = a.as_primitive::<$t>();
            Box::new(move |i| Ok(Val::Int(i64::from(x.value(i)))))
        }};
    }
    Ok(match a.data_type() {
        DataType::Int8 => signed!(Int8Type),
        DataType::Int16 => signed!(Int16Type),
        DataType::Int32 => signed!(Int32Type),
        DataType::Int64 => signed!(Int64Type),
        DataType::UInt8 => signed!(UInt8Type),
        DataType::UInt16 => signed!(UInt16Type),
        DataType::UInt32 => signed!(UInt32Type),
        DataType::UInt64 => {
            let x = a.as_primitive::<UInt64Type>();
            Box::new(move |i| {
                let v = x.value(i);
                i64::try_from(v)
                    .map(Val::Int)
                    .map_err(|_| format!("integer {v} is out of range"))
            })
        }
        dt => return Err(format!("an Arrow column of type {dt} is not whole numbers")),
    })
}

/// Parses `-?digits(.digits)?` exactly, as the JSON path does.
fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let body = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits_ok = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && !(body.contains('.') && frac.is_empty());
    if !digits_ok {
        return Err(format!("`{text}` is not a decimal number"));
    }
    Decimal::from_str_exact(text).map_err(|e| format!("`{text}`: {e}"))
}

fn decimal_conv<'a>(
    p: &'a Program,
    a: &'a dyn Array,
    ty: &Ty,
    make: fn(Decimal) -> Result<Val, String>,
) -> Result<Conv<'a>, String> {
    if let Some(c) = with_text(a, move |s| make(parse_decimal(s)?)) {
        return Ok(c);
    }
    Ok(match a.data_type() {
        DataType::Decimal128(_, scale) => {
            let scale = *scale;
            if !(0..=28).contains(&scale) {
                return Err(format!("decimal scale {scale} is outside 0..=28"));
            }
            let x = a.as_primitive::<arrow_array::types::Decimal128Type>();
            Box::new(move |i| {
                let d = Decimal::try_from_i128_with_scale(x.value(i), scale as u32)
                    .map_err(|e| format!("decimal out of range: {e}"))?;
                make(d)
            })
        }
        DataType::Float32 | DataType::Float64 => {
            let x = arrow_cast_f64(a);
            Box::new(move |i| {
                let f = x(i);
                if !f.is_finite() {
                    return Err(format!("expected a decimal number, found {f}"));
                }
                make(parse_decimal(&format!("{f}"))?)
            })
        }
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => {
            let x = int_col(a)?;
            Box::new(move |i| match x(i)? {
                Val::Int(n) => make(Decimal::from(n)),
                _ => Err("not an integer".into()),
            })
        }
        dt => return Err(unsupported(p, dt, ty)),
    })
}

fn arrow_cast_f64(a: &dyn Array) -> Box<dyn Fn(usize) -> f64 + '_> {
    match a.data_type() {
        DataType::Float32 => {
            let x = a.as_primitive::<arrow_array::types::Float32Type>();
            Box::new(move |i| f64::from(x.value(i)))
        }
        _ => {
            let x = a.as_primitive::<arrow_array::types::Float64Type>();
            Box::new(move |i| x.value(i))
        }
    }
}

fn money(d: Decimal) -> Result<Val, String> {
    if d.is_sign_negative() && !d.is_zero() {
        return Err(format!("money cannot be negative, found {d}"));
    }
    Ok(Val::Money(d))
}

fn percent(d: Decimal) -> Result<Val, String> {
    Ok(Val::Percent(d))
}

/// Timestamp cells as µs since the epoch; a timestamp without a time zone is wall-clock
/// time in Beijing, as an instant written without an offset is.
fn timestamp_col(a: &dyn Array) -> Option<Box<dyn Fn(usize) -> i64 + '_>> {
    let DataType::Timestamp(unit, tz) = a.data_type() else {
        return None;
    };
    let shift = if tz.is_none() { BEIJING_MICROS } else { 0 };
    Some(match unit {
        TimeUnit::Second => {
            let x = a.as_primitive::<TimestampSecondType>();
            Box::new(move |i| x.value(i) * 1_000_000 - shift)
        }
        TimeUnit::Millisecond => {
            let x = a.as_primitive::<TimestampMillisecondType>();
            Box::new(move |i| x.value(i) * 1_000 - shift)
        }
        TimeUnit::Microsecond => {
            let x = a.as_primitive::<TimestampMicrosecondType>();
            Box::new(move |i| x.value(i) - shift)
        }
        TimeUnit::Nanosecond => {
            let x = a.as_primitive::<TimestampNanosecondType>();
            Box::new(move |i| x.value(i).div_euclid(1_000) - shift)
        }
    })
}

fn duration_col(a: &dyn Array) -> Option<Box<dyn Fn(usize) -> i64 + '_>> {
    let DataType::Duration(unit) = a.data_type() else {
        return None;
    };
    Some(match unit {
        TimeUnit::Second => {
            let x = a.as_primitive::<DurationSecondType>();
            Box::new(move |i| x.value(i) * 1_000_000)
        }
        TimeUnit::Millisecond => {
            let x = a.as_primitive::<DurationMillisecondType>();
            Box::new(move |i| x.value(i) * 1_000)
        }
        TimeUnit::Microsecond => {
            let x = a.as_primitive::<DurationMicrosecondType>();
            Box::new(move |i| x.value(i))
        }
        TimeUnit::Nanosecond => {
            let x = a.as_primitive::<DurationNanosecondType>();
            Box::new(move |i| x.value(i).div_euclid(1_000))
        }
    })
}

fn region_conv<'a>(a: &'a dyn Array) -> Option<Conv<'a>> {
    let cache: RefCell<HashMap<Box<str>, u32>> = RefCell::new(HashMap::new());
    with_text(a, move |s| {
        if let Some(code) = cache.borrow().get(s) {
            return Ok(Val::Region(*code));
        }
        let code = regions::gazetteer()
            .resolve_record(s)
            .map_err(|e| e.to_string())?;
        cache.borrow_mut().insert(s.into(), code);
        Ok(Val::Region(code))
    })
}

/// The converter of non-null cells of `a` for the (non-optional) type `ty`.
fn base_conv<'a>(p: &'a Program, a: &'a dyn Array, ty: &Ty) -> Result<Conv<'a>, String> {
    let dt = a.data_type();
    if *dt == DataType::Null {
        // Every cell is null (the null checks around this converter answer first).
        return Ok(Box::new(|_| Err("expected a value, found null".into())));
    }
    let no = || unsupported(p, dt, ty);
    match ty {
        Ty::Optional(inner) => elem_conv(p, a, inner),
        Ty::Instant => {
            if let Some(c) = with_text(a, |s| eval::parse_instant(s).map(Val::Instant)) {
                return Ok(c);
            }
            let t = timestamp_col(a).ok_or_else(no)?;
            Ok(Box::new(move |i| Ok(Val::Instant(t(i)))))
        }
        Ty::Duration => {
            let d = duration_col(a).ok_or_else(no)?;
            Ok(Box::new(move |i| Ok(Val::Duration(d(i)))))
        }
        Ty::Money => decimal_conv(p, a, ty, money),
        Ty::Percent => decimal_conv(p, a, ty, percent),
        Ty::Int => match dt {
            // pandas stores an int column with missing values as float64: whole floats
            // are read as ints, others are errors.
            DataType::Float32 | DataType::Float64 => {
                let x = arrow_cast_f64(a);
                Ok(Box::new(move |i| {
                    let f = x(i);
                    if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 {
                        Ok(Val::Int(f as i64))
                    } else {
                        Err(format!("expected int, found {f}"))
                    }
                }))
            }
            _ => int_col(a).map_err(|_| no()),
        },
        Ty::Bool => match dt {
            DataType::Boolean => {
                let b = a.as_boolean();
                Ok(Box::new(move |i| Ok(Val::Bool(b.value(i)))))
            }
            _ => Err(no()),
        },
        Ty::Str => text_col(a).map_err(|_| no()),
        Ty::Enum(e) => {
            let def = p
                .enums
                .get(*e as usize)
                .ok_or_else(|| format!("the schema refers to a missing enum #{e}"))?;
            with_text(a, move |s| match def.variants.iter().position(|v| v == s) {
                Some(i) => Ok(Val::Enum(i as u32)),
                None => Err(format!(
                    "expected one of {} (enum {}), found \"{s}\"",
                    def.variants.join(", "),
                    def.name
                )),
            })
            .ok_or_else(no)
        }
        Ty::Region => region_conv(a).ok_or_else(no),
        Ty::Status => with_text(a, |s| {
            ir::Status::from_name(s)
                .map(Val::Status)
                .ok_or_else(|| format!("expected a status, found \"{s}\""))
        })
        .ok_or_else(no),
        Ty::Record(r) => {
            let def = p
                .records
                .get(*r as usize)
                .ok_or_else(|| format!("the schema refers to a missing record type #{r}"))?;
            let DataType::Struct(_) = dt else {
                return Err(no());
            };
            let s: &'a StructArray = a.as_struct();
            let mut convs = Vec::with_capacity(def.fields.len());
            for f in &def.fields {
                let col = s.column_by_name(&f.name);
                convs.push(
                    field_conv(p, col, &f.name, &f.ty).map_err(|e| format!("`{}`: {e}", f.name))?,
                );
            }
            let names: Vec<&'a str> = def.fields.iter().map(|f| f.name.as_str()).collect();
            Ok(Box::new(move |i| {
                let mut slots = Vec::with_capacity(convs.len());
                for (c, name) in convs.iter().zip(&names) {
                    slots.push(c(i).map_err(|e| with_field(name, e))?);
                }
                Ok(Val::Record(slots.into()))
            }))
        }
        Ty::Set(inner) | Ty::List(inner) => {
            let is_set = matches!(ty, Ty::Set(_));
            let (values, offsets): (&'a ArrayRef, Offsets<'a>) = match dt {
                DataType::List(_) => {
                    let l = a.as_list::<i32>();
                    let o = l.value_offsets();
                    (
                        l.values(),
                        Box::new(move |i| (o[i] as usize, o[i + 1] as usize)),
                    )
                }
                DataType::LargeList(_) => {
                    let l = a.as_list::<i64>();
                    let o = l.value_offsets();
                    (
                        l.values(),
                        Box::new(move |i| (o[i] as usize, o[i + 1] as usize)),
                    )
                }
                _ => return Err(no()),
            };
            let elem = elem_conv(p, values.as_ref(), inner)?;
            Ok(Box::new(move |i| {
                let (start, end) = offsets(i);
                let mut out = Vec::with_capacity(end - start);
                for (k, j) in (start..end).enumerate() {
                    out.push(elem(j).map_err(|e| format!("`[{k}]`: {e}"))?);
                }
                Ok(if is_set {
                    Val::Set(out.into())
                } else {
                    Val::List(out.into())
                })
            }))
        }
        Ty::Regions | Ty::Window => Err(no()),
    }
}
