//! Decoding facts: one JSON object into a slot vector, against the schema in the IR.
//!
//! The schema comes from the program ([`ir::Program::kinds`], [`ir::Program::records`]),
//! never from Rust structs: adding a field is a policy change. A record's `kind` field names
//! its fact kind (default `"order"`; an unknown kind is an error); each declared field
//! becomes one slot, in declaration order, and nested records and lists of records decode
//! the same way. Extra fields are ignored. The record's `id` (any JSON string or number) is
//! read for the verdict whether or not the schema declares it.
//!
//! Per type:
//!
//! | type | accepted JSON |
//! |---|---|
//! | `instant` | string, see [`crate::parse_instant`] (RFC 3339; no offset = Beijing time) |
//! | `money` | decimal string (`"150.00"`, `"7.5"`; any number of decimals, exact) or a JSON number (read through its decimal text, so prefer strings beyond 15 significant digits); **negative amounts are rejected**: every money fact is an amount paid |
//! | `percent` | decimal string or number, as written (`5` is 5%) |
//! | `int` | JSON integer (`3.0` is not one) |
//! | `bool`, `string` | JSON boolean, JSON string |
//! | enum | string equal to a variant name (the error lists them) |
//! | `region` | 6-digit code string (`"150102"`) or number, or a name path (`"内蒙古/呼和浩特市"`), resolved by the gazetteer, whose message is the error |
//! | `duration` | string with a unit: `"48h"`, `"30min"`, `"90s"`, `"14d"` |
//! | window | `[from, to]` instants, `from <= to` |
//! | `regions` | array of regions |
//! | `set<T>`, `list<T>` | JSON array |
//! | record | JSON object |
//! | `T?` | `null` or absent is none; otherwise as `T` |
//!
//! Absent or `null` for a field that is not optional is "missing required field `x`".
//! Every error names the field (`origin_status.risk`, `reports[1].status`), the expected
//! type and what was found. Duplicate keys in one object: `serde_json` keeps the last one,
//! and so does decoding. Errors are values, never panics.

use std::fmt;
use std::sync::Arc;

use ir::{KindId, Program, Status, Ty};
use regions::RegionSet;
use rust_decimal::Decimal;
use serde_json::{Map, Value as Json};

use crate::time::{parse_instant, DAY, HOUR, MINUTE, SECOND};
use crate::val::Val;

/// The kind of a record without a `kind` field.
pub const DEFAULT_KIND: &str = "order";

/// A record's id as written: a JSON string or number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordId {
    /// `"id": "O1"`
    Str(String),
    /// `"id": 42` (kept as written).
    Num(String),
}

impl RecordId {
    /// Reads the `id` of a JSON object, if it is a string or a number.
    pub fn of(json: &Json) -> Option<RecordId> {
        match json.get("id")? {
            Json::String(s) => Some(RecordId::Str(s.clone())),
            Json::Number(n) => Some(RecordId::Num(n.to_string())),
            _ => None,
        }
    }

    /// Appends the id as a JSON value (string quoted, number verbatim).
    pub fn write_json(&self, out: &mut String) {
        match self {
            RecordId::Str(s) => crate::json::write_str(out, s),
            RecordId::Num(n) => out.push_str(n),
        }
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordId::Str(s) | RecordId::Num(s) => f.write_str(s),
        }
    }
}

/// A decoded fact record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Its fact kind.
    pub kind: KindId,
    /// Its id, when the JSON had one.
    pub id: Option<RecordId>,
    /// One value per field of the kind, in field order.
    pub slots: Vec<Val>,
}

impl Record {
    /// Asks the CPU to start loading every cache line of the record's slots at once.
    ///
    /// Evaluation reads a record's fields in the order the rules need them, which is not
    /// memory order, so a record that is not in cache (one of many held in memory, as in
    /// the pre-decoded benchmark) would otherwise cost one full memory latency per cache
    /// line, one after the other. Requested together, the loads overlap: on the benchmark
    /// machine this took evaluation of a 10,000-record pool from 863–992 ns to 687–713 ns
    /// per record (best and median of interleaved runs; BENCHMARKS.md). A record just
    /// decoded is in cache already and loses nothing measurable.
    /// A hint only: nothing is read, and verdicts do not depend on it.
    #[inline]
    pub(crate) fn prefetch(&self) {
        // One request per 64-byte line: a `Val` is 24 bytes, so every other slot starts
        // in a new line or the one after.
        for v in self.slots.iter().step_by(2) {
            prefetch_line(v);
        }
    }

    /// [`Record::prefetch`], plus the id's text (copied into the verdict): for a record
    /// judged soon, whose own lines (`self`) were requested earlier by
    /// [`Record::prefetch_header`], so that reading its pointers here does not wait.
    #[inline]
    pub(crate) fn prefetch_next(&self) {
        self.prefetch();
        if let Some(RecordId::Str(s) | RecordId::Num(s)) = &self.id {
            prefetch_addr(s.as_ptr());
        }
    }

    /// Requests the cache lines of the record itself (its kind, id and slot vector
    /// header; not what they point to, which needs them loaded first).
    #[inline]
    pub(crate) fn prefetch_header(&self) {
        let start: *const u8 = (self as *const Record).cast();
        prefetch_addr(start);
        prefetch_addr(start.wrapping_add(std::mem::size_of::<Record>() - 1));
    }
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn prefetch_line(v: &Val) {
    prefetch_addr((v as *const Val).cast());
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn prefetch_line(v: &Val) {
    touch_line(v);
}

/// Requests the cache line holding `p`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn prefetch_addr(p: *const u8) {
    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
    // SAFETY: a prefetch is a hint to the cache: it never faults, whatever the address,
    // and reads nothing the program sees. SSE is part of the x86_64 baseline.
    unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast()) }
}

/// Without a stable prefetch outside x86_64, nothing: the stand-in load of
/// [`touch_line`] needs a readable value, which an address alone does not promise.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn prefetch_addr(_: *const u8) {}

/// The portable stand-in for a prefetch (no stable prefetch outside x86_64): a load the
/// optimizer may not drop; independent loads overlap the misses nearly as well (measured
/// on x86_64: 0.76–1.08 µs against 0.70 µs per record). Compiled everywhere, so that the
/// x86_64 build type-checks it too.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline(always)]
fn touch_line(v: &Val) {
    std::hint::black_box(matches!(v, Val::Null));
}

/// Why a record could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The record's id, when it could be read.
    pub id: Option<RecordId>,
    /// What is wrong, naming the field.
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DecodeError {}

/// A field-level failure; the path is built on the way out (only errors pay for it).
struct FieldError {
    path: Vec<String>,
    message: String,
}

impl FieldError {
    fn new(message: String) -> FieldError {
        FieldError {
            path: Vec::new(),
            message,
        }
    }

    fn at(mut self, seg: String) -> FieldError {
        self.path.push(seg);
        self
    }

    fn render(self) -> String {
        let mut p = String::new();
        for seg in self.path.iter().rev() {
            if !seg.starts_with('[') && !p.is_empty() {
                p.push('.');
            }
            p.push_str(seg);
        }
        if p.is_empty() {
            self.message
        } else {
            format!("`{p}`: {}", self.message)
        }
    }
}

/// Decodes one record (see the module doc).
pub fn decode(program: &Program, json: &Json) -> Result<Record, DecodeError> {
    let mut rec = Record {
        kind: 0,
        id: None,
        slots: Vec::new(),
    };
    decode_into(program, json, &mut rec)?;
    Ok(rec)
}

/// Decodes one record into `rec`, reusing its slot vector.
pub fn decode_into(program: &Program, json: &Json, rec: &mut Record) -> Result<(), DecodeError> {
    let id = RecordId::of(json);
    let fail = |message: String| DecodeError {
        id: id.clone(),
        message,
    };
    let Json::Object(obj) = json else {
        return Err(fail(format!(
            "a record must be a JSON object, found {}",
            describe(json)
        )));
    };
    let kind_name = match obj.get("kind") {
        None | Some(Json::Null) => DEFAULT_KIND,
        Some(Json::String(s)) => s.as_str(),
        Some(other) => {
            return Err(fail(format!(
                "`kind`: expected a string naming the record kind, found {}",
                describe(other)
            )))
        }
    };
    let Some(kind) = program.kind_by_name(kind_name) else {
        let known: Vec<&str> = program.kinds.iter().map(|k| k.name.as_str()).collect();
        return Err(fail(format!(
            "unknown record kind `{kind_name}` (known: {})",
            known.join(", ")
        )));
    };
    let fields = &program.kinds[kind as usize].fields;
    rec.slots.clear();
    let dec = Decoder { p: program };
    for f in fields {
        match dec.field(obj, &f.name, &f.ty) {
            Ok(v) => rec.slots.push(v),
            Err(e) => return Err(fail(e.render())),
        }
    }
    rec.kind = kind;
    rec.id = id;
    Ok(())
}

struct Decoder<'p> {
    p: &'p Program,
}

impl Decoder<'_> {
    fn field(&self, obj: &Map<String, Json>, name: &str, ty: &Ty) -> Result<Val, FieldError> {
        match obj.get(name) {
            None | Some(Json::Null) if ty.is_optional() => Ok(Val::Null),
            None | Some(Json::Null) => {
                Err(FieldError::new(format!("missing required field `{name}`")))
            }
            Some(v) => self.value(v, ty).map_err(|e| e.at(name.to_string())),
        }
    }

    fn value(&self, j: &Json, ty: &Ty) -> Result<Val, FieldError> {
        let wrong = || {
            FieldError::new(format!(
                "expected {}, found {}",
                ty_name(self.p, ty),
                describe(j)
            ))
        };
        match ty {
            Ty::Optional(inner) => match j {
                Json::Null => Ok(Val::Null),
                _ => self.value(j, inner),
            },
            Ty::Instant => match j {
                Json::String(s) => parse_instant(s).map(Val::Instant).map_err(FieldError::new),
                _ => Err(wrong()),
            },
            Ty::Money => {
                let d = decimal(j).ok_or_else(wrong)??;
                if d.is_sign_negative() && !d.is_zero() {
                    return Err(FieldError::new(format!(
                        "money cannot be negative, found {}",
                        describe(j)
                    )));
                }
                Ok(Val::Money(d))
            }
            Ty::Percent => Ok(Val::Percent(decimal(j).ok_or_else(wrong)??)),
            Ty::Int => match j {
                Json::Number(n) => match n.as_i64() {
                    Some(i) => Ok(Val::Int(i)),
                    None if n.is_u64() => {
                        Err(FieldError::new(format!("integer {n} is out of range")))
                    }
                    None => Err(wrong()),
                },
                _ => Err(wrong()),
            },
            Ty::Bool => j.as_bool().map(Val::Bool).ok_or_else(wrong),
            Ty::Str => match j {
                Json::String(s) => Ok(Val::Str(Arc::from(s.as_str()))),
                _ => Err(wrong()),
            },
            Ty::Enum(e) => {
                let Json::String(s) = j else {
                    return Err(wrong());
                };
                let def = self.p.enums.get(*e as usize).ok_or_else(|| {
                    FieldError::new(format!("the schema refers to a missing enum #{e}"))
                })?;
                match def.variants.iter().position(|v| v == s) {
                    Some(i) => Ok(Val::Enum(i as u32)),
                    None => Err(FieldError::new(format!(
                        "expected one of {} (enum {}), found \"{s}\"",
                        def.variants.join(", "),
                        def.name
                    ))),
                }
            }
            Ty::Region => region(j).ok_or_else(wrong)?.map(Val::Region),
            Ty::Regions => {
                let Json::Array(items) = j else {
                    return Err(wrong());
                };
                let mut codes = Vec::with_capacity(items.len());
                for (i, x) in items.iter().enumerate() {
                    let code = region(x)
                        .ok_or_else(|| {
                            FieldError::new(format!("expected region, found {}", describe(x)))
                        })
                        .and_then(|r| r)
                        .map_err(|e| e.at(format!("[{i}]")))?;
                    codes.push(code);
                }
                Ok(Val::Regions(Arc::new(RegionSet::new(codes))))
            }
            Ty::Duration => match j {
                Json::String(s) => parse_duration(s)
                    .map(Val::Duration)
                    .map_err(FieldError::new),
                _ => Err(wrong()),
            },
            Ty::Window => {
                let Json::Array(items) = j else {
                    return Err(wrong());
                };
                let [a, b] = items.as_slice() else {
                    return Err(wrong());
                };
                let end = |x: &Json, at: &str| match x {
                    Json::String(s) => {
                        parse_instant(s).map_err(|e| FieldError::new(e).at(at.into()))
                    }
                    _ => Err(wrong()),
                };
                let (a, b) = (end(a, "[0]")?, end(b, "[1]")?);
                if a > b {
                    return Err(FieldError::new("the window ends before it starts".into()));
                }
                Ok(Val::Window(a, b))
            }
            Ty::Status => match j {
                Json::String(s) => Status::from_name(s).map(Val::Status).ok_or_else(wrong),
                _ => Err(wrong()),
            },
            Ty::Record(r) => {
                let Json::Object(obj) = j else {
                    return Err(wrong());
                };
                let def = self.p.records.get(*r as usize).ok_or_else(|| {
                    FieldError::new(format!("the schema refers to a missing record type #{r}"))
                })?;
                let mut slots = Vec::with_capacity(def.fields.len());
                for f in &def.fields {
                    slots.push(self.field(obj, &f.name, &f.ty)?);
                }
                Ok(Val::Record(slots.into()))
            }
            Ty::Set(inner) | Ty::List(inner) => {
                let Json::Array(items) = j else {
                    return Err(wrong());
                };
                let mut out = Vec::with_capacity(items.len());
                for (i, x) in items.iter().enumerate() {
                    out.push(self.value(x, inner).map_err(|e| e.at(format!("[{i}]")))?);
                }
                Ok(if matches!(ty, Ty::Set(_)) {
                    Val::Set(dedup_set(out).into())
                } else {
                    Val::List(out.into())
                })
            }
        }
    }
}

/// A set's elements with repeats removed (the first of equals kept, order otherwise as
/// written): `["a", "a"]` is one element, so `count` and equality see a set. Sorting an
/// index keeps it `O(n log n)` for the ordered element types records hold; other elements
/// are compared pairwise.
pub(crate) fn dedup_set(items: Vec<Val>) -> Vec<Val> {
    if items.len() < 2 {
        return items;
    }
    let mut idx: Vec<usize> = (0..items.len()).collect();
    let ordered = items
        .windows(2)
        .all(|w| crate::ops::order(&w[0], &w[1]).is_some());
    let mut keep = vec![true; items.len()];
    if ordered {
        idx.sort_by(|&a, &b| {
            crate::ops::order(&items[a], &items[b])
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.cmp(&b))
        });
        for w in idx.windows(2) {
            if items[w[0]] == items[w[1]] {
                keep[w[1]] = false;
            }
        }
    } else {
        for i in 1..items.len() {
            keep[i] = !items[..i].contains(&items[i]);
        }
    }
    items
        .into_iter()
        .zip(keep)
        .filter_map(|(v, k)| k.then_some(v))
        .collect()
}

/// A decimal from a string or number; `None` when the JSON type is wrong.
fn decimal(j: &Json) -> Option<Result<Decimal, FieldError>> {
    let parsed = match j {
        Json::String(s) => parse_decimal(s),
        Json::Number(n) => parse_decimal(&n.to_string()),
        _ => return None,
    };
    Some(parsed.map_err(FieldError::new))
}

/// Parses `-?digits(.digits)?` exactly.
pub(crate) fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let body = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let ok = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && !(body.contains('.') && frac.is_empty());
    if !ok {
        return Err(format!(
            "expected a decimal number like \"150.00\", found \"{text}\""
        ));
    }
    // Exactly or not at all: zeros after the last significant decimal change nothing, any
    // other digit beyond what a decimal holds (28 after the point, 96 bits in all) would be
    // rounded away.
    let trimmed = if frac.is_empty() {
        text
    } else {
        text.trim_end_matches('0').trim_end_matches('.')
    };
    Decimal::from_str_exact(text)
        .or_else(|_| Decimal::from_str_exact(trimmed))
        .map_err(|_| {
            format!(
                "the number \"{text}\" has more digits than money holds exactly (at most 28 \
             after the point and 28 significant)"
            )
        })
}

/// A region code from a code string, name path or number; `None` when the JSON type is wrong.
fn region(j: &Json) -> Option<Result<u32, FieldError>> {
    let resolved = match j {
        Json::String(s) => resolve_region(s),
        Json::Number(n) => resolve_region(&n.to_string()),
        _ => return None,
    };
    Some(resolved.map_err(FieldError::new))
}

/// Region texts resolved on this thread, so that a name path met again (a shop's sender
/// region, a city's receivers) is not parsed again. Resolution is a pure function of the
/// text, so the cache cannot change a result; failures are not kept. Bounded: emptied when
/// full.
const REGION_CACHE_SIZE: usize = 4096;

thread_local! {
    static REGION_CACHE: std::cell::RefCell<std::collections::HashMap<Box<str>, u32>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// [`regions::Gazetteer::resolve_record`], with the message of its error.
pub(crate) fn resolve_region(text: &str) -> Result<u32, String> {
    let g = regions::gazetteer();
    // Codes resolve at once; only names are worth remembering.
    if text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) {
        return g.resolve_record(text).map_err(|e| e.to_string());
    }
    if let Some(code) = REGION_CACHE.with(|c| c.borrow().get(text).copied()) {
        return Ok(code);
    }
    let code = g.resolve_record(text).map_err(|e| e.to_string())?;
    REGION_CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= REGION_CACHE_SIZE {
            c.clear();
        }
        c.insert(text.into(), code);
    });
    Ok(code)
}

/// Parses `48h`, `30min`, `90s`, `14d` into µs.
pub(crate) fn parse_duration(text: &str) -> Result<i64, String> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (num, unit) = text.split_at(digits);
    let scale = match unit {
        "d" => DAY,
        "h" => HOUR,
        "min" => MINUTE,
        "s" => SECOND,
        _ => 0,
    };
    let n: i64 = num.parse().unwrap_or(-1);
    match (n, scale) {
        (n, s) if n >= 0 && s > 0 => n
            .checked_mul(s)
            .ok_or_else(|| format!("duration \"{text}\" is too long")),
        _ => Err(format!(
            "expected a duration like \"48h\", \"30min\", \"90s\" or \"14d\", found \"{text}\""
        )),
    }
}

/// What a JSON value is, for error messages: `string "abc"`, `number 3.5`, `null`, ...
pub(crate) fn describe(j: &Json) -> String {
    match j {
        Json::Null => "null".into(),
        Json::Bool(b) => format!("{b}"),
        Json::Number(n) => format!("number {n}"),
        Json::String(s) => {
            let short: String = s.chars().take(40).collect();
            if short.len() < s.len() {
                format!("string \"{short}…\"")
            } else {
                format!("string \"{s}\"")
            }
        }
        Json::Array(_) => "an array".into(),
        Json::Object(_) => "an object".into(),
    }
}

/// A type as a reader names it: `instant`, `money`, `enum Mode`, `list<record Report>`.
pub fn ty_name(p: &Program, ty: &Ty) -> String {
    match ty {
        Ty::Instant => "instant".into(),
        Ty::Duration => "duration".into(),
        Ty::Money => "money (a decimal string)".into(),
        Ty::Percent => "percent".into(),
        Ty::Int => "int".into(),
        Ty::Bool => "bool".into(),
        Ty::Str => "string".into(),
        Ty::Region => "region (a 6-digit code or a name)".into(),
        Ty::Regions => "regions (an array of regions)".into(),
        Ty::Window => "window (an array of two instants)".into(),
        Ty::Status => "status".into(),
        Ty::Enum(e) => match p.enums.get(*e as usize) {
            Some(d) => format!("enum {}", d.name),
            None => "enum".into(),
        },
        Ty::Record(r) => match p.records.get(*r as usize) {
            Some(d) => format!("record {} (an object)", d.name),
            None => "record".into(),
        },
        Ty::Set(t) => format!("set<{}> (an array)", short_ty(p, t)),
        Ty::List(t) => format!("list<{}> (an array)", short_ty(p, t)),
        Ty::Optional(t) => format!("{} or null", ty_name(p, t)),
    }
}

fn short_ty(p: &Program, ty: &Ty) -> String {
    match ty {
        Ty::Enum(e) => p
            .enums
            .get(*e as usize)
            .map_or("enum".into(), |d| d.name.clone()),
        Ty::Record(r) => p
            .records
            .get(*r as usize)
            .map_or("record".into(), |d| d.name.clone()),
        Ty::Set(t) => format!("set<{}>", short_ty(p, t)),
        Ty::List(t) => format!("list<{}>", short_ty(p, t)),
        Ty::Optional(t) => format!("{}?", short_ty(p, t)),
        Ty::Money => "money".into(),
        Ty::Region => "region".into(),
        Ty::Regions => "regions".into(),
        Ty::Window => "window".into(),
        other => ty_name(p, other),
    }
}
