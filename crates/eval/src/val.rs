//! Runtime values, and how they print in verdicts and explanations.
//!
//! A [`Val`] is small (24 bytes) and cheap to clone: scalars are inline, text and
//! collections are shared (`Arc`). Values carry no type: enum variants are indices and
//! records are slot vectors, so printing takes the IR type ([`ir::Ty`]) alongside.

use std::fmt::Write as _;
use std::sync::Arc;

use ir::{Const, Program, Status, Ty};
use regions::RegionSet;
use rust_decimal::Decimal;

use crate::json::write_str;
use crate::time::{format_duration, format_instant, write_instant};

/// A runtime value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// Absent (an optional field that is null or missing; an empty `max`/`min`).
    Null,
    /// True or false.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// µs since the Unix epoch.
    Instant(i64),
    /// µs.
    Duration(i64),
    /// Exact CNY.
    Money(Decimal),
    /// As written (`5%` is 5).
    Percent(Decimal),
    /// Text.
    Str(Arc<str>),
    /// An enum variant index.
    Enum(u32),
    /// A region code.
    Region(u32),
    /// A set of regions.
    Regions(Arc<RegionSet>),
    /// An inclusive window of instants, µs.
    Window(i64, i64),
    /// A set.
    Set(Arc<[Val]>),
    /// A list.
    List(Arc<[Val]>),
    /// A record: one value per field, in field order.
    Record(Arc<[Val]>),
    /// A check status.
    Status(Status),
}

impl Val {
    /// The variant's number, in declaration order: a bit position in the shape masks of the
    /// key filters ([`crate::index`]).
    #[inline(always)]
    pub(crate) fn shape(&self) -> u32 {
        match self {
            Val::Null => 0,
            Val::Bool(_) => 1,
            Val::Int(_) => 2,
            Val::Instant(_) => 3,
            Val::Duration(_) => 4,
            Val::Money(_) => 5,
            Val::Percent(_) => 6,
            Val::Str(_) => 7,
            Val::Enum(_) => 8,
            Val::Region(_) => 9,
            Val::Regions(_) => 10,
            Val::Window(..) => 11,
            Val::Set(_) => 12,
            Val::List(_) => 13,
            Val::Record(_) => 14,
            Val::Status(_) => 15,
        }
    }

    /// The runtime value of an IR constant.
    pub fn from_const(c: &Const) -> Val {
        match c {
            Const::Bool(b) => Val::Bool(*b),
            Const::Int(i) => Val::Int(*i),
            Const::Instant(t) => Val::Instant(*t),
            Const::Duration(d) => Val::Duration(*d),
            Const::Money(m) => Val::Money(*m),
            Const::Percent(p) => Val::Percent(*p),
            Const::Str(s) => Val::Str(Arc::from(s.as_str())),
            Const::Enum(e) => Val::Enum(*e),
            Const::Region(r) => Val::Region(*r),
            Const::Regions(set) => Val::Regions(Arc::new(set.clone())),
            Const::Window(a, b) => Val::Window(*a, *b),
            Const::Set(items) => Val::Set(items.iter().map(Val::from_const).collect()),
            Const::Status(s) => Val::Status(*s),
        }
    }

    /// Whether the value is [`Val::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Val::Null)
    }
}

/// Prints a decimal without trailing zeros (`8`, `7.5`, `0`).
pub fn format_decimal(d: Decimal) -> String {
    let mut s = String::new();
    write_decimal(&mut s, d);
    s
}

/// Appends [`format_decimal`]'s text to `out`, without an intermediate `String`.
pub(crate) fn write_decimal(out: &mut String, d: Decimal) {
    let n = d.normalize();
    if n.is_zero() {
        out.push('0');
    } else {
        let _ = write!(out, "{n}");
    }
}

/// Appends a region code as six digits (`{c:06}`), without the formatting machinery for
/// the codes that fit.
fn push_code(out: &mut String, c: u32) {
    if c >= 1_000_000 {
        let _ = write!(out, "{c:06}");
        return;
    }
    let mut digits = [b'0'; 6];
    let mut n = c;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out.extend(digits.map(char::from));
}

/// The element type of a collection type, if it is one.
fn elem_ty(ty: &Ty) -> Option<&Ty> {
    match ty.base() {
        Ty::Set(t) | Ty::List(t) => Some(t),
        _ => None,
    }
}

/// Prints a value for people (explanations, the human table).
///
/// Instants are in Beijing time (`2024-02-22T23:59:59+08:00`), money and percentages as
/// normalized decimals (`7.5 CNY`, `5%`), durations compactly (`48h`), enum variants and
/// regions by name, absent values as `none`.
pub fn render(program: &Program, ty: Option<&Ty>, v: &Val) -> String {
    let mut s = String::new();
    render_into(&mut s, program, ty, v);
    s
}

fn render_into(out: &mut String, p: &Program, ty: Option<&Ty>, v: &Val) {
    let ty = ty.map(Ty::base);
    match v {
        Val::Null => out.push_str("none"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Val::Instant(t) => write_instant(out, *t),
        Val::Duration(d) => out.push_str(&format_duration(*d)),
        Val::Money(m) => {
            let _ = write!(out, "{} CNY", format_decimal(*m));
        }
        Val::Percent(x) => {
            let _ = write!(out, "{}%", format_decimal(*x));
        }
        Val::Str(s) => {
            let _ = write!(out, "{s:?}");
        }
        Val::Enum(i) => out.push_str(&enum_name(p, ty, *i)),
        Val::Region(c) => out.push_str(&region_name(*c)),
        Val::Regions(set) => {
            // Region sets are read by many guards and can hold hundreds of ranges: written
            // straight into the output, without a string per range.
            out.push_str("regions {");
            for (i, &(a, b)) in set.ranges().iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_code(out, a);
                if a != b {
                    out.push_str("..");
                    push_code(out, b);
                }
            }
            out.push('}');
        }
        Val::Window(a, b) => {
            let _ = write!(out, "[{}, {}]", format_instant(*a), format_instant(*b));
        }
        Val::Set(items) | Val::List(items) => {
            let inner = ty.and_then(elem_ty);
            out.push(if matches!(v, Val::Set(_)) { '{' } else { '[' });
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_into(out, p, inner, x);
            }
            out.push(if matches!(v, Val::Set(_)) { '}' } else { ']' });
        }
        Val::Record(slots) => {
            let fields = match ty {
                Some(Ty::Record(r)) => p.records.get(*r as usize).map(|r| &r.fields),
                _ => None,
            };
            out.push('{');
            for (i, x) in slots.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let f = fields.and_then(|f| f.get(i));
                match f {
                    Some(f) => out.push_str(&f.name),
                    None => {
                        let _ = write!(out, "#{i}");
                    }
                }
                out.push_str(": ");
                render_into(out, p, f.map(|f| &f.ty), x);
            }
            out.push('}');
        }
        Val::Status(s) => out.push_str(s.name()),
    }
}

fn enum_name(p: &Program, ty: Option<&Ty>, i: u32) -> String {
    match ty {
        Some(Ty::Enum(e)) => p
            .enums
            .get(*e as usize)
            .and_then(|e| e.variants.get(i as usize))
            .cloned()
            .unwrap_or_else(|| format!("#{i}")),
        _ => format!("#{i}"),
    }
}

fn region_name(code: u32) -> String {
    match regions::gazetteer().full_name_str(code) {
        Some(name) => format!("{name} ({code:06})"),
        None => format!("{code:06}"),
    }
}

/// Writes a value as JSON for machine-readable explanations: instants as RFC 3339 strings,
/// money/percent as decimal strings, durations as compact strings, enums and statuses as
/// their names, regions as `"150102"` codes, absent as `null`.
pub fn write_json(out: &mut String, p: &Program, ty: Option<&Ty>, v: &Val) {
    let ty = ty.map(Ty::base);
    match v {
        Val::Null => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Val::Instant(t) => {
            out.push('"');
            write_instant(out, *t);
            out.push('"');
        }
        Val::Money(d) | Val::Percent(d) => {
            let _ = write!(out, "\"{}\"", format_decimal(*d));
        }
        Val::Str(s) => write_str(out, s),
        Val::Enum(i) => write_str(out, &enum_name(p, ty, *i)),
        Val::Region(c) => {
            out.push('"');
            push_code(out, *c);
            out.push('"');
        }
        Val::Status(s) => write_str(out, s.name()),
        Val::Regions(_) => {
            // Digits, spaces, dots, commas and braces: nothing to escape.
            out.push('"');
            render_into(out, p, ty, v);
            out.push('"');
        }
        Val::Duration(_) | Val::Window(..) => {
            write_str(out, &render(p, ty, v));
        }
        Val::Set(items) | Val::List(items) => {
            let inner = ty.and_then(elem_ty);
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, p, inner, x);
            }
            out.push(']');
        }
        Val::Record(slots) => {
            let fields = match ty {
                Some(Ty::Record(r)) => p.records.get(*r as usize).map(|r| &r.fields),
                _ => None,
            };
            out.push('{');
            for (i, x) in slots.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let f = fields.and_then(|f| f.get(i));
                match f {
                    Some(f) => write_str(out, &f.name),
                    None => write_str(out, &format!("#{i}")),
                }
                out.push(':');
                write_json(out, p, f.map(|f| &f.ty), x);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_print_without_trailing_zeros() {
        for (text, printed) in [
            ("0", "0"),
            ("0.00", "0"),
            ("-0", "0"),
            ("-0.000", "0"),
            ("8", "8"),
            ("8.50", "8.5"),
            ("-7.5", "-7.5"),
            ("0.001", "0.001"),
            ("100", "100"),
            ("1e3", "1000"),
            (
                "79228162514264337593543950335",
                "79228162514264337593543950335",
            ),
            (
                "-0.0000000000000000000000000001",
                "-0.0000000000000000000000000001",
            ),
            ("12.345000", "12.345"),
        ] {
            let d = text
                .parse::<Decimal>()
                .or_else(|_| Decimal::from_scientific(text))
                .unwrap_or_else(|e| panic!("{text}: {e}"));
            let mut out = String::from("x");
            write_decimal(&mut out, d);
            assert_eq!(out, format!("x{printed}"), "{text}");
            assert_eq!(format_decimal(d), printed, "{text}");
        }
    }

    #[test]
    fn val_is_small() {
        assert!(std::mem::size_of::<Val>() <= 24);
    }

    #[test]
    fn decimals_normalize() {
        let d = |s: &str| s.parse::<Decimal>().unwrap_or_default();
        assert_eq!(format_decimal(d("8.00")), "8");
        assert_eq!(format_decimal(d("7.50")), "7.5");
        assert_eq!(format_decimal(d("-0.00")), "0");
        assert_eq!(format_decimal(d("0")), "0");
        assert_eq!(format_decimal(d("120")), "120");
    }

    #[test]
    fn region_codes_print_as_six_digits() {
        for c in [0, 7, 110_000, 650_000, 999_999, 1_000_000, u32::MAX] {
            let mut s = String::new();
            push_code(&mut s, c);
            assert_eq!(s, format!("{c:06}"));
        }
    }
}
