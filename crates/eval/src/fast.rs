//! The fast path of decoding: a record's JSON text straight into slots, for the common case.
//!
//! [`crate::run`] spends most of its time building a `serde_json::Value` for every record
//! and taking it apart again. For the records a stream is made of — plain JSON, strings
//! without escapes, whole numbers, every value of the type the schema declares — this
//! module reads the text once and fills the slot vector directly, with no tree and no
//! string copies besides the values kept.
//!
//! It is a pure optimization and must never change a result. So it decides nothing on its
//! own: whenever the text is anything but the plain case, or holds anything the general
//! path would reject or read differently, it gives up (`false`) and the record goes the
//! general way ([`crate::input`] parsing, [`crate::decode`]), which then produces the
//! same record or the same error record as before. It gives up on: invalid UTF-8; any
//! backslash (escapes) or control byte in a string; numbers with a fraction, an exponent,
//! leading zeros or more than 18 digits; nesting deeper than 64; duplicate keys in an
//! object it decodes; trailing bytes; a top level that is not an object; and every value
//! that would be a decoding error (missing required field, wrong type, unknown variant,
//! bad instant, bad or negative money, unknown region, numeric id, money or region
//! written as a number, schema types records never use). The syntax it accepts is a
//! subset of JSON's, checked in full, also inside fields the schema does not declare.
//! Tests compare it with the general path on hand-written and random records.

use std::sync::Arc;

use ir::{Program, Ty};

use crate::decode::{parse_decimal, resolve_region, Record, RecordId, DEFAULT_KIND};
use crate::time::{days_from_civil, days_in_month, parse_instant, BEIJING, DAY, SECOND};
use crate::val::Val;

/// Deepest nesting accepted (the general path's limit is higher).
const MAX_DEPTH: u32 = 64;

/// A reusable fast decoder for one program.
#[derive(Debug)]
pub(crate) struct FastDecoder<'p> {
    p: &'p Program,
    /// The top-level object's members: key and value spans.
    members: Vec<Member>,
    /// The members by key hash (open addressing; member index + 1, 0 for empty).
    table: [u8; TABLE],
    /// Per fact kind, the hashes of its field names.
    field_hashes: Vec<Vec<u32>>,
}

/// Slots of the member table: records with more members than [`TABLE`] / 2 go the
/// general way.
const TABLE: usize = 128;

/// Byte ranges of one object member, and its key's hash.
#[derive(Debug, Clone, Copy)]
struct Member {
    key: (usize, usize),
    value: (usize, usize),
    hash: u32,
}

/// FNV-1a of a key.
fn hash(key: &[u8]) -> u32 {
    key.iter().fold(0x811c_9dc5, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

impl<'p> FastDecoder<'p> {
    pub(crate) fn new(p: &'p Program) -> FastDecoder<'p> {
        FastDecoder {
            p,
            members: Vec::with_capacity(32),
            table: [0; TABLE],
            field_hashes: p
                .kinds
                .iter()
                .map(|k| k.fields.iter().map(|f| hash(f.name.as_bytes())).collect())
                .collect(),
        }
    }

    /// Fills the member table; `false` on a duplicate key or too many members.
    fn index_members(&mut self, text: &str) -> bool {
        if self.members.len() > TABLE / 2 {
            return false;
        }
        self.table = [0; TABLE];
        for (i, m) in self.members.iter().enumerate() {
            let mut slot = m.hash as usize % TABLE;
            loop {
                match self.table[slot] {
                    0 => {
                        self.table[slot] = (i + 1) as u8;
                        break;
                    }
                    j => {
                        let other = self.members[usize::from(j) - 1];
                        if other.hash == m.hash
                            && text[other.key.0..other.key.1] == text[m.key.0..m.key.1]
                        {
                            return false;
                        }
                        slot = (slot + 1) % TABLE;
                    }
                }
            }
        }
        true
    }

    /// The value text of the member named `name` (whose hash is `h`).
    fn get<'t>(&self, text: &'t str, name: &str, h: u32) -> Option<&'t str> {
        let mut slot = h as usize % TABLE;
        loop {
            match self.table[slot] {
                0 => return None,
                j => {
                    let m = self.members[usize::from(j) - 1];
                    if m.hash == h && &text[m.key.0..m.key.1] == name {
                        return Some(&text[m.value.0..m.value.1]);
                    }
                    slot = (slot + 1) % TABLE;
                }
            }
        }
    }

    /// Decodes `bytes` into `rec` and returns `true`, exactly as the general path would;
    /// or returns `false` (leaving `rec` in any state) when the record must go the
    /// general way.
    pub(crate) fn decode(&mut self, bytes: &[u8], rec: &mut Record) -> bool {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return false;
        };
        self.members.clear();
        let mut cur = Cursor { s: text, i: 0 };
        cur.ws();
        if !matches!(cur.object_members(&mut self.members, 0), Some(())) {
            return false;
        }
        cur.ws();
        if cur.i != text.len() {
            return false;
        }
        if !self.index_members(text) {
            return false;
        }
        let id = match self.get(text, "id", hash(b"id")) {
            None => None,
            Some(v) if v.starts_with('"') => Some(RecordId::Str(unquote(v).to_string())),
            Some(v) if is_number(v) => return false,
            Some(_) => None,
        };
        let kind_name = match self.get(text, "kind", hash(b"kind")) {
            None | Some("null") => DEFAULT_KIND,
            Some(v) if v.starts_with('"') => unquote(v),
            Some(_) => return false,
        };
        let Some(kind) = self.p.kind_by_name(kind_name) else {
            return false;
        };
        let (Some(def), Some(hashes)) = (
            self.p.kinds.get(kind as usize),
            self.field_hashes.get(kind as usize),
        ) else {
            return false;
        };
        rec.slots.clear();
        for (f, &h) in def.fields.iter().zip(hashes) {
            match field(self.p, self.get(text, &f.name, h), &f.ty, 0) {
                Some(v) => rec.slots.push(v),
                None => return false,
            }
        }
        rec.kind = kind;
        rec.id = id;
        true
    }
}

/// Whether two members of a (small, nested) object share a key.
fn has_duplicates(text: &str, members: &[Member]) -> bool {
    members.iter().enumerate().any(|(i, a)| {
        members[..i]
            .iter()
            .any(|b| a.hash == b.hash && text[a.key.0..a.key.1] == text[b.key.0..b.key.1])
    })
}

/// The text between the quotes of a string token (which holds no escapes).
fn unquote(v: &str) -> &str {
    v.get(1..v.len().saturating_sub(1)).unwrap_or("")
}

fn is_number(v: &str) -> bool {
    v.starts_with(|c: char| c == '-' || c.is_ascii_digit())
}

/// A field's value: absent and `null` as the general path reads them, else `value`.
fn field(p: &Program, raw: Option<&str>, ty: &Ty, depth: u32) -> Option<Val> {
    match raw {
        None | Some("null") if ty.is_optional() => Some(Val::Null),
        None | Some("null") => None,
        Some(v) => value(p, v, ty, depth),
    }
}

/// One value token (validated) as `ty`; `None` wherever the general path would fail or
/// might read it differently.
fn value(p: &Program, v: &str, ty: &Ty, depth: u32) -> Option<Val> {
    let string = || v.starts_with('"').then(|| unquote(v));
    Some(match ty {
        Ty::Optional(inner) => match v {
            "null" => Val::Null,
            _ => return value(p, v, inner, depth),
        },
        Ty::Instant => {
            let s = string()?;
            Val::Instant(match instant(s.as_bytes()) {
                Some(t) => t,
                None => parse_instant(s).ok()?,
            })
        }
        Ty::Money => {
            let d = parse_decimal(string()?).ok()?;
            if d.is_sign_negative() && !d.is_zero() {
                return None;
            }
            Val::Money(d)
        }
        Ty::Percent => Val::Percent(parse_decimal(string()?).ok()?),
        Ty::Int => {
            // serde_json reads `-0` as the float -0.0, which is not an int.
            if !is_number(v) || v.starts_with("-0") {
                return None;
            }
            Val::Int(v.parse().ok()?)
        }
        Ty::Bool => match v {
            "true" => Val::Bool(true),
            "false" => Val::Bool(false),
            _ => return None,
        },
        Ty::Str => Val::Str(Arc::from(string()?)),
        Ty::Enum(e) => {
            let s = string()?;
            let def = p.enums.get(*e as usize)?;
            Val::Enum(def.variants.iter().position(|x| x == s)? as u32)
        }
        Ty::Region => Val::Region(resolve_region(string()?).ok()?),
        Ty::Record(r) => {
            if !v.starts_with('{') || depth >= MAX_DEPTH {
                return None;
            }
            let def = p.records.get(*r as usize)?;
            let mut members = Vec::with_capacity(def.fields.len());
            let mut cur = Cursor { s: v, i: 0 };
            cur.object_members(&mut members, depth + 1)?;
            if has_duplicates(v, &members) {
                return None;
            }
            let mut slots = Vec::with_capacity(def.fields.len());
            for f in &def.fields {
                let raw = members
                    .iter()
                    .find(|m| v[m.key.0..m.key.1] == f.name)
                    .map(|m| &v[m.value.0..m.value.1]);
                slots.push(field(p, raw, &f.ty, depth + 1)?);
            }
            Val::Record(slots.into())
        }
        Ty::Set(inner) | Ty::List(inner) => {
            if !v.starts_with('[') || depth >= MAX_DEPTH {
                return None;
            }
            let mut items = Vec::new();
            let mut cur = Cursor { s: v, i: 1 };
            cur.ws();
            // The token was checked: `[]`, or elements up to the closing bracket.
            if cur.peek() != Some(b']') {
                loop {
                    cur.ws();
                    let start = cur.i;
                    cur.skip_value(depth + 1)?;
                    items.push(value(p, &v[start..cur.i], inner, depth + 1)?);
                    cur.ws();
                    match cur.next()? {
                        b',' => continue,
                        b']' => break,
                        _ => return None,
                    }
                }
            }
            if matches!(ty, Ty::Set(_)) {
                Val::Set(items.into())
            } else {
                Val::List(items.into())
            }
        }
        // Never in record schemas so far: the general path reads them.
        Ty::Regions | Ty::Duration | Ty::Window | Ty::Status => return None,
    })
}

/// The instant of the commonest shape, `YYYY-MM-DDTHH:MM:SS` then `+08:00` or `Z`, read
/// without [`parse_instant`]'s generality (a third of its cost); `None` for any other text,
/// valid or not, which then goes the general way. Never disagrees with [`parse_instant`].
fn instant(b: &[u8]) -> Option<i64> {
    let (head, offset) = match b.len() {
        25 if &b[19..] == b"+08:00" => (&b[..19], BEIJING),
        20 if b[19] == b'Z' => (&b[..19], 0),
        _ => return None,
    };
    let num = |at: usize, n: usize| {
        head.get(at..at + n)?.iter().try_fold(0u32, |v, &c| {
            c.is_ascii_digit().then(|| v * 10 + u32::from(c - b'0'))
        })
    };
    if head[4] != b'-'
        || head[7] != b'-'
        || head[10] != b'T'
        || head[13] != b':'
        || head[16] != b':'
    {
        return None;
    }
    let (y, m, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hh, mm, ss) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let y = i64::from(y);
    if y == 0 || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    if hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    let secs = i64::from(hh) * 3600 + i64::from(mm) * 60 + i64::from(ss);
    Some(days_from_civil(y, m, d) * DAY + secs * SECOND - offset)
}

/// Whether one of eight bytes is a quote, a backslash or a control byte (exact).
fn special(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH != 0;
    x.wrapping_sub(ONES * 0x20) & !x & HIGH != 0
        || zero(x ^ (ONES * u64::from(b'"')))
        || zero(x ^ (ONES * u64::from(b'\\')))
}

/// A position in a JSON text.
struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }

    /// Skips JSON whitespace (exactly serde_json's: space, tab, newline, return).
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// A string without escapes or control bytes; its range, quotes included.
    fn string(&mut self) -> Option<(usize, usize)> {
        let start = self.i;
        if self.next()? != b'"' {
            return None;
        }
        let bytes = self.s.as_bytes();
        // Eight bytes at a time up to the first quote, backslash or control byte.
        while let Some(chunk) = bytes.get(self.i..self.i + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            if special(u64::from_le_bytes(word)) {
                break;
            }
            self.i += 8;
        }
        loop {
            match *bytes.get(self.i)? {
                b'"' => {
                    self.i += 1;
                    return Some((start, self.i));
                }
                b'\\' | 0..=0x1f => return None,
                _ => self.i += 1,
            }
        }
    }

    /// A whole number: `-?(0|[1-9][0-9]*)`, at most 18 digits.
    fn number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        let digits = self.i - start;
        let leading_zero = digits > 1 && self.s.as_bytes().get(start) == Some(&b'0');
        if digits == 0 || digits > 18 || leading_zero {
            return None;
        }
        // A fraction or an exponent: the general path's business.
        match self.peek() {
            Some(b'.' | b'e' | b'E') => None,
            _ => Some(()),
        }
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        if self.s.get(self.i..self.i + word.len())? == word {
            self.i += word.len();
            Some(())
        } else {
            None
        }
    }

    /// Skips one value, checking its syntax.
    fn skip_value(&mut self, depth: u32) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' => {
                let mut members = Vec::new();
                self.object_members(&mut members, depth + 1)
            }
            b'[' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.i += 1;
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.ws();
                    self.skip_value(depth + 1)?;
                    self.ws();
                    match self.next()? {
                        b',' => continue,
                        b']' => return Some(()),
                        _ => return None,
                    }
                }
            }
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => self.number(),
        }
    }

    /// An object; its members' key and value ranges (relative to this text) into `out`.
    fn object_members(&mut self, out: &mut Vec<Member>, depth: u32) -> Option<()> {
        if depth >= MAX_DEPTH || self.next()? != b'{' {
            return None;
        }
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Some(());
        }
        loop {
            self.ws();
            let (k0, k1) = self.string()?;
            self.ws();
            if self.next()? != b':' {
                return None;
            }
            self.ws();
            let v0 = self.i;
            self.skip_value(depth)?;
            let key = (k0 + 1, k1 - 1);
            out.push(Member {
                key,
                value: (v0, self.i),
                hash: hash(&self.s.as_bytes()[key.0..key.1]),
            });
            self.ws();
            match self.next()? {
                b',' => continue,
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The fast instant agrees with [`parse_instant`] whenever it answers.
    fn agrees(s: &str) -> bool {
        match instant(s.as_bytes()) {
            Some(t) => {
                assert_eq!(parse_instant(s), Ok(t), "{s}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn instants_of_the_common_shape_are_read_as_the_general_way_does() {
        for s in [
            "2024-02-03T10:00:00+08:00",
            "2024-02-29T23:59:59+08:00",
            "0001-01-01T00:00:00+08:00",
            "9999-12-31T23:59:59Z",
            "1970-01-01T00:00:00Z",
            "2000-02-29T12:00:00Z",
        ] {
            assert!(agrees(s), "{s}");
        }
        for s in [
            "",
            "2024-02-03 10:00:00+08:00",
            "2024-02-03t10:00:00+08:00",
            "2024-02-03T10:00:00+0800",
            "2024-02-03T10:00:00+09:00",
            "2024-02-03T10:00:00z",
            "2024-02-03T10:00:00.5Z",
            "2024-02-03T10:00:00",
            "0000-01-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-00-01T00:00:00Z",
            "2024-01-00T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:60:00Z",
            "2024-01-01T00:00:60Z",
            "2024-01-01T00:00:60+08:00",
            "+024-01-01T00:00:00Z",
            "2024-01-01T00:00:00Z ",
        ] {
            assert!(!agrees(s), "{s}");
        }
    }

    #[test]
    fn every_single_byte_change_of_an_instant_agrees_or_gives_up() {
        for base in ["2024-02-29T23:59:59+08:00", "1999-12-31T00:09:50Z"] {
            for at in 0..base.len() {
                for c in 0..=0x7fu8 {
                    let mut b = base.as_bytes().to_vec();
                    b[at] = c;
                    if let Ok(s) = std::str::from_utf8(&b) {
                        agrees(s);
                    }
                }
            }
        }
    }

    proptest! {
        #[test]
        fn random_instants_agree(
            y in 0u32..=10_000,
            m in 0u32..=13,
            d in 0u32..=32,
            hh in 0u32..=25,
            mm in 0u32..=61,
            ss in 0u32..=61,
            zone in prop_oneof![Just("+08:00"), Just("Z"), Just("+00:00"), Just("")],
        ) {
            let s = format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}{zone}");
            let fast = agrees(&s);
            let plain = (1..=9999).contains(&y)
                && (1..=12).contains(&m)
                && d >= 1
                && d <= days_in_month(i64::from(y), m)
                && hh < 24
                && mm < 60
                && ss < 60
                && (zone == "+08:00" || zone == "Z");
            prop_assert_eq!(fast, plain, "{}", s);
        }
    }
}
