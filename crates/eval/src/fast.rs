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
//! leading zeros or more than 18 digits; nesting deeper than 64; a key the schema
//! declares written twice in one object (other keys the general path ignores, repeated or
//! not); a nested record type of more than 16 fields; trailing bytes; a top level that
//! is not an object; and every value
//! that would be a decoding error (missing required field, wrong type, unknown variant,
//! bad instant, bad or negative money, unknown region, numeric id, money or region
//! written as a number, schema types records never use). The syntax it accepts is a
//! subset of JSON's, checked in full, also inside fields the schema does not declare.
//! Tests compare it with the general path on hand-written and random records.

use std::sync::Arc;

use ir::{Program, Ty};
use rust_decimal::Decimal;

use crate::decode::{parse_decimal, resolve_region, Record, RecordId, DEFAULT_KIND};
use crate::time::{days_from_civil, days_in_month, parse_instant, BEIJING, DAY, SECOND};
use crate::val::Val;

/// Deepest nesting accepted (the general path's limit is higher).
const MAX_DEPTH: u32 = 64;

/// Fields of a nested record at most: records with more go the general way.
const RECORD_FIELDS: usize = 16;

/// A reusable fast decoder for one program.
///
/// Every key a record may need (`kind`, `id`, the field names of every fact kind) has a
/// number; one pass over the top-level object looks each member's key up in [`Keys`] and
/// keeps the value's range under that number. Keys no kind declares are only checked for
/// syntax: the general path ignores them, duplicates included.
#[derive(Debug)]
pub(crate) struct FastDecoder<'p> {
    p: &'p Program,
    keys: Keys,
    /// Per key number: the value's byte range in the current record, valid when the key's
    /// stamp is the current one (so nothing is cleared between records).
    spans: Vec<(usize, usize)>,
    stamps: Vec<u32>,
    stamp: u32,
    /// Per fact kind, the key number of each field.
    kind_keys: Vec<Vec<usize>>,
    memo: Memo,
}

/// The key numbers of `kind` and `id`.
const KIND: usize = 0;
const ID: usize = 1;

impl<'p> FastDecoder<'p> {
    pub(crate) fn new(p: &'p Program) -> FastDecoder<'p> {
        let mut names = vec!["kind".to_string(), "id".to_string()];
        let mut number = |name: &str| match names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                names.push(name.to_string());
                names.len() - 1
            }
        };
        let kind_keys = p
            .kinds
            .iter()
            .map(|k| k.fields.iter().map(|f| number(&f.name)).collect())
            .collect();
        FastDecoder {
            p,
            spans: vec![(0, 0); names.len()],
            stamps: vec![0; names.len()],
            stamp: 0,
            keys: Keys::new(names),
            kind_keys,
            memo: Memo::default(),
        }
    }

    /// The value text of key number `k` in the current record.
    fn get<'t>(&self, text: &'t str, k: usize) -> Option<&'t str> {
        if *self.stamps.get(k)? != self.stamp {
            return None;
        }
        let &(a, b) = self.spans.get(k)?;
        text.get(a..b)
    }

    /// Reads the top-level object, keeping the ranges of the values of known keys;
    /// `None` on a syntax error or a duplicate known key.
    fn scan(&mut self, cur: &mut Cursor<'_>) -> Option<()> {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.stamps.iter_mut().for_each(|s| *s = 0);
            self.stamp = 1;
        }
        let text = cur.s.as_bytes();
        let (keys, stamps, spans, stamp) =
            (&self.keys, &mut self.stamps, &mut self.spans, self.stamp);
        cur.object(0, |(a, b), value| {
            if let Some(k) = keys.find(text, a, b) {
                let seen = stamps.get_mut(k)?;
                if *seen == stamp {
                    return None;
                }
                *seen = stamp;
                *spans.get_mut(k)? = value;
            }
            Some(())
        })
    }

    /// Decodes `bytes` into `rec` and returns `true`, exactly as the general path would;
    /// or returns `false` (leaving `rec` in any state) when the record must go the
    /// general way.
    pub(crate) fn decode(&mut self, bytes: &[u8], rec: &mut Record) -> bool {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return false;
        };
        let mut cur = Cursor { s: text, i: 0 };
        cur.ws();
        if self.scan(&mut cur).is_none() {
            return false;
        }
        cur.ws();
        if cur.i != text.len() {
            return false;
        }
        let id = match self.get(text, ID) {
            None => None,
            Some(v) if v.starts_with('"') => Some(unquote(v)),
            Some(v) if is_number(v) => return false,
            Some(_) => None,
        };
        let kind_name = match self.get(text, KIND) {
            None | Some("null") => DEFAULT_KIND,
            Some(v) if v.starts_with('"') => unquote(v),
            Some(_) => return false,
        };
        let Some(kind) = self.p.kind_by_name(kind_name) else {
            return false;
        };
        let (Some(def), Some(keys)) = (
            self.p.kinds.get(kind as usize),
            self.kind_keys.get(kind as usize),
        ) else {
            return false;
        };
        rec.slots.clear();
        for (f, &k) in def.fields.iter().zip(keys) {
            let raw = self.get(text, k);
            match field(self.p, &mut self.memo, raw, &f.ty, 0) {
                Some(v) => rec.slots.push(v),
                None => return false,
            }
        }
        rec.kind = kind;
        // The previous record's id string is reused: no allocation per record.
        match (id, &mut rec.id) {
            (Some(new), Some(RecordId::Str(s))) => {
                s.clear();
                s.push_str(new);
            }
            (new, slot) => *slot = new.map(|s| RecordId::Str(s.to_string())),
        }
        true
    }
}

/// The key numbers by key text: open addressing on a hash of the key's first and last
/// eight bytes and its length, which for keys of up to 16 bytes are the whole key, so a
/// lookup is a few word compares (longer keys also compare their text).
#[derive(Debug)]
struct Keys {
    slots: Vec<Slot>,
    names: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    first: u64,
    last: u64,
    len: usize,
    /// Key number + 1; 0 for an empty slot.
    key: usize,
}

impl Keys {
    fn new(names: Vec<String>) -> Keys {
        // At most a quarter full: lookups of unknown keys end at once.
        let size = (names.len() * 4).next_power_of_two().max(64);
        let mut keys = Keys {
            slots: vec![Slot::default(); size],
            names,
        };
        for (k, name) in keys.names.iter().enumerate() {
            let b = name.as_bytes();
            let (first, last) = words(b, 0, b.len());
            let mut at = slot_of(first, last, b.len(), size);
            while keys.slots[at].key != 0 {
                at = (at + 1) % size;
            }
            keys.slots[at] = Slot {
                first,
                last,
                len: b.len(),
                key: k + 1,
            };
        }
        keys
    }

    /// The number of the key `text[a..b]`, if it is one.
    fn find(&self, text: &[u8], a: usize, b: usize) -> Option<usize> {
        let (first, last) = words(text, a, b);
        let len = b - a;
        let mask = self.slots.len() - 1;
        let mut at = slot_of(first, last, len, self.slots.len());
        loop {
            let s = self.slots.get(at)?;
            if s.key == 0 {
                return None;
            }
            if s.first == first
                && s.last == last
                && s.len == len
                && (len <= 16 || self.names.get(s.key - 1)?.as_bytes() == text.get(a..b)?)
            {
                return Some(s.key - 1);
            }
            at = (at + 1) & mask;
        }
    }
}

/// The first eight bytes of `text[a..b]` (zero-padded) and its last eight (0 when it is
/// not longer than eight).
fn words(text: &[u8], a: usize, b: usize) -> (u64, u64) {
    let len = b.saturating_sub(a);
    let first = match text.get(a..a + 8) {
        Some(w) if len >= 8 => load(w),
        Some(w) => load(w) & ((1 << (8 * len)) - 1),
        None => {
            let mut w = [0u8; 8];
            if let Some(tail) = text.get(a..b) {
                w[..len].copy_from_slice(tail);
            }
            u64::from_le_bytes(w)
        }
    };
    let last = match b.checked_sub(8) {
        Some(l) if len > 8 => text.get(l..b).map_or(0, load),
        _ => 0,
    };
    (first, last)
}

/// Eight bytes as a little-endian word (0 if `w` is not eight bytes long).
fn load(w: &[u8]) -> u64 {
    <[u8; 8]>::try_from(w).map_or(0, u64::from_le_bytes)
}

fn slot_of(first: u64, last: u64, len: usize, size: usize) -> usize {
    let h = (first ^ last.rotate_left(29) ^ len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (h >> 40) as usize & (size - 1)
}

/// The text between the quotes of a string token (which holds no escapes).
fn unquote(v: &str) -> &str {
    v.get(1..v.len().saturating_sub(1)).unwrap_or("")
}

fn is_number(v: &str) -> bool {
    v.starts_with(|c: char| c == '-' || c.is_ascii_digit())
}

/// A field's value: absent and `null` as the general path reads them, else `value`.
fn field(p: &Program, memo: &mut Memo, raw: Option<&str>, ty: &Ty, depth: u32) -> Option<Val> {
    match raw {
        None | Some("null") if ty.is_optional() => Some(Val::Null),
        None | Some("null") => None,
        Some(v) => value(p, memo, v, ty, depth),
    }
}

/// One value token (validated) as `ty`; `None` wherever the general path would fail or
/// might read it differently.
fn value(p: &Program, memo: &mut Memo, v: &str, ty: &Ty, depth: u32) -> Option<Val> {
    let string = || v.starts_with('"').then(|| unquote(v));
    Some(match ty {
        Ty::Optional(inner) => match v {
            "null" => Val::Null,
            _ => return value(p, memo, v, inner, depth),
        },
        Ty::Instant => {
            let s = string()?;
            Val::Instant(match instant(s.as_bytes()) {
                Some(t) => t,
                None => parse_instant(s).ok()?,
            })
        }
        Ty::Money => {
            let s = string()?;
            let d = match decimal(s.as_bytes()) {
                Some(d) => d,
                None => parse_decimal(s).ok()?,
            };
            if d.is_sign_negative() && !d.is_zero() {
                return None;
            }
            Val::Money(d)
        }
        Ty::Percent => {
            let s = string()?;
            Val::Percent(match decimal(s.as_bytes()) {
                Some(d) => d,
                None => parse_decimal(s).ok()?,
            })
        }
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
        Ty::Region => Val::Region(memo.regions.resolve(string()?)?),
        Ty::Record(r) => {
            if !v.starts_with('{') || depth >= MAX_DEPTH {
                return None;
            }
            let def = p.records.get(*r as usize)?;
            if def.fields.len() > RECORD_FIELDS {
                return None;
            }
            // The value range of each field, found by comparing keys with the names.
            let mut found = [None; RECORD_FIELDS];
            let mut cur = Cursor { s: v, i: 0 };
            cur.object(depth + 1, |(a, b), value| {
                let key = v.as_bytes().get(a..b)?;
                let Some(i) = def.fields.iter().position(|f| f.name.as_bytes() == key) else {
                    return Some(());
                };
                let at = found.get_mut(i)?;
                if at.is_some() {
                    return None;
                }
                *at = Some(value);
                Some(())
            })?;
            let mut slots = Vec::with_capacity(def.fields.len());
            for (f, at) in def.fields.iter().zip(found) {
                let raw = at.and_then(|(a, b)| v.get(a..b));
                slots.push(field(p, memo, raw, &f.ty, depth + 1)?);
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
                    items.push(value(p, memo, &v[start..cur.i], inner, depth + 1)?);
                    cur.ws();
                    match cur.next()? {
                        b',' => continue,
                        b']' => break,
                        _ => return None,
                    }
                }
            }
            if matches!(ty, Ty::Set(_)) {
                items = crate::decode::dedup_set(items);
            }
            // Most lists are empty: they share one allocation.
            let items = if items.is_empty() {
                Arc::clone(&memo.empty)
            } else {
                items.into()
            };
            if matches!(ty, Ty::Set(_)) {
                Val::Set(items)
            } else {
                Val::List(items)
            }
        }
        // Never in record schemas so far: the general path reads them.
        Ty::Regions | Ty::Duration | Ty::Window | Ty::Status => return None,
    })
}

/// The instant of the commonest shapes, `YYYY-MM-DDTHH:MM:SS` (or a space for the `T`)
/// then `+08:00`, `Z` or nothing, read without [`parse_instant`]'s generality (a third of
/// its cost); `None` for any other text, valid or not, which then goes the general way.
/// Never disagrees with [`parse_instant`].
fn instant(b: &[u8]) -> Option<i64> {
    let (head, offset) = match b.len() {
        25 if &b[19..] == b"+08:00" => (&b[..19], BEIJING),
        20 if b[19] == b'Z' => (&b[..19], 0),
        19 => (b, BEIJING),
        _ => return None,
    };
    let num = |at: usize, n: usize| {
        head.get(at..at + n)?.iter().try_fold(0u32, |v, &c| {
            c.is_ascii_digit().then(|| v * 10 + u32::from(c - b'0'))
        })
    };
    if head[4] != b'-'
        || head[7] != b'-'
        || !matches!(head[10], b'T' | b' ')
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
    // Outside what verdicts print (9999-12-31T23:59:59Z): the general way says why.
    crate::ops::in_range(days_from_civil(y, m, d) * DAY + secs * SECOND - offset)
}

/// A decimal of the commonest shape, digits with at most one point inside them and at
/// most 18 bytes in all, read straight into its mantissa and scale (the general way costs
/// several times more); `None` for any other text, valid or not. Never disagrees with
/// [`parse_decimal`], scale included.
fn decimal(b: &[u8]) -> Option<Decimal> {
    if b.len() > 18 {
        return None;
    }
    let (mut mantissa, mut point) = (0i64, None);
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'0'..=b'9' => mantissa = mantissa * 10 + i64::from(c - b'0'),
            b'.' if point.is_none() && i > 0 && i + 1 < b.len() => point = Some(i),
            _ => return None,
        }
    }
    if b.is_empty() {
        return None;
    }
    let scale = point.map_or(0, |i| b.len() - i - 1) as u32;
    Some(Decimal::new(mantissa, scale))
}

/// What the decoding of values keeps from one record to the next.
#[derive(Debug)]
struct Memo {
    regions: RegionCache,
    /// The empty list or set (an `Arc` allocates even for no items).
    empty: Arc<[Val]>,
}

impl Default for Memo {
    fn default() -> Memo {
        Memo {
            regions: RegionCache::default(),
            empty: Arc::from(Vec::new()),
        }
    }
}

/// Regions already resolved, by their text: a region's resolution costs hundreds of
/// instructions (a thread-local map even for names met before), and records repeat their
/// regions. Direct-mapped, so bounded; only successes are kept, and resolution is a pure
/// function of the text, so the cache cannot change a result.
#[derive(Debug)]
struct RegionCache {
    entries: Vec<(String, u32)>,
}

/// Entries of [`RegionCache`] (a power of two).
const REGION_ENTRIES: usize = 512;

impl Default for RegionCache {
    fn default() -> RegionCache {
        RegionCache {
            entries: vec![(String::new(), 0); REGION_ENTRIES],
        }
    }
}

impl RegionCache {
    /// [`resolve_region`], remembered; `None` where it fails.
    fn resolve(&mut self, text: &str) -> Option<u32> {
        let b = text.as_bytes();
        let (first, last) = words(b, 0, b.len());
        let at = slot_of(first, last ^ hash_middle(b), b.len(), REGION_ENTRIES);
        let entry = self.entries.get_mut(at)?;
        // An empty text is no region: the empty key of an unused entry never matches.
        if !text.is_empty() && entry.0 == text {
            return Some(entry.1);
        }
        let code = resolve_region(text).ok()?;
        entry.0.clear();
        entry.0.push_str(text);
        entry.1 = code;
        Some(code)
    }
}

/// A cheap mix of the bytes of `b` between its first and last eight (names of regions
/// share long prefixes and suffixes).
fn hash_middle(b: &[u8]) -> u64 {
    b.get(8..b.len().saturating_sub(8))
        .unwrap_or(&[])
        .chunks(8)
        .fold(0, |h, c| {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            (h ^ u64::from_le_bytes(w)).rotate_left(23)
        })
}

/// Of eight bytes, the high bit of each that is a quote, a backslash or a control byte:
/// exact for the first such byte (bits above it may be set too).
fn special(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    (x.wrapping_sub(ONES * 0x20) & !x
        | zero(x ^ (ONES * u64::from(b'"')))
        | zero(x ^ (ONES * u64::from(b'\\'))))
        & HIGH
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
            let m = special(load(chunk));
            if m != 0 {
                self.i += (m.trailing_zeros() / 8) as usize;
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
            b'{' => self.object(depth + 1, |_, _| Some(())),
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

    /// An object; calls `member` with the ranges of each member's key (without quotes)
    /// and value, and fails if it does.
    fn object(
        &mut self,
        depth: u32,
        mut member: impl FnMut((usize, usize), (usize, usize)) -> Option<()>,
    ) -> Option<()> {
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
            // Most values are strings: no call through `skip_value` for them.
            if self.peek() == Some(b'"') {
                self.string()?;
            } else {
                self.skip_value(depth)?;
            }
            member((k0 + 1, k1 - 1), (v0, self.i))?;
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

    #[test]
    fn keys_are_found_by_every_byte() {
        let names: Vec<String> = (0..40)
            .map(|n| {
                (0..n)
                    .map(|i| char::from(b'a' + (i * 7 + n) as u8 % 26))
                    .collect()
            })
            .collect();
        let keys = Keys::new(names.clone());
        for (k, name) in names.iter().enumerate() {
            // At the end of the text too, where fewer than eight bytes follow.
            for pad in ["", "\":1}", "\": [1, 2, 3]}"] {
                let text = format!("{name}{pad}");
                assert_eq!(keys.find(text.as_bytes(), 0, name.len()), Some(k), "{name}");
                for at in 0..name.len() {
                    let mut b = text.clone().into_bytes();
                    b[at] = b'_';
                    assert_eq!(keys.find(&b, 0, name.len()), None, "{name} {at}");
                }
            }
            assert_eq!(
                keys.find(format!("{name}_").as_bytes(), 0, name.len() + 1),
                None
            );
        }
    }

    #[test]
    fn decimals_of_the_common_shape_are_read_as_the_general_way_does() {
        let bits = |d: Decimal| d.serialize();
        for s in [
            "150.00",
            "0",
            "0.00",
            "007.50",
            "669.06",
            "1",
            "1234567890123456.7",
            "999999999999999999",
        ] {
            let fast = decimal(s.as_bytes()).map(bits);
            assert!(fast.is_some(), "{s}");
            assert_eq!(fast, parse_decimal(s).ok().map(bits), "{s}");
        }
        for s in [
            "",
            ".",
            "1.",
            ".5",
            "1.2.3",
            "-1.00",
            "-0",
            "+1",
            "1e2",
            " 1",
            "1 ",
            "9999999999999999999",
        ] {
            assert_eq!(decimal(s.as_bytes()), None, "{s}");
        }
    }

    #[test]
    fn the_region_cache_resolves_as_the_gazetteer_does() {
        let texts = [
            "150102",
            "410105",
            "内蒙古自治区呼和浩特市新城区",
            "内蒙古/呼和浩特市/新城区",
            "新疆/乌鲁木齐市/天山区",
            "内蒙古自治区阿拉善盟阿拉善左旗",
            "湖北省武汉市武昌区",
            "火星",
            "",
            "150103",
            "999999",
            "1501020",
        ];
        let mut cache = RegionCache::default();
        let mut found = 0;
        for round in 0..3 {
            for i in 0..texts.len() {
                let text = texts[(i * (round + 1)) % texts.len()];
                let expected = resolve_region(text).ok();
                found += usize::from(expected.is_some());
                assert_eq!(cache.resolve(text), expected, "{text}");
            }
        }
        assert!(found > 10, "too few regions resolve: the test says little");
    }

    proptest! {
        #[test]
        fn random_decimals_agree(s in "[0-9.]{0,20}") {
            if let Some(d) = decimal(s.as_bytes()) {
                prop_assert_eq!(Some(d.serialize()), parse_decimal(&s).ok().map(|d| d.serialize()));
            }
        }
    }

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
            "9999-12-31T23:59:59+08:00",
            "9999-12-31T15:59:59Z",
            "1970-01-01T00:00:00Z",
            "2000-02-29T12:00:00Z",
            "2024-02-03 10:00:00+08:00",
            "2024-02-03 10:00:00",
            "2024-02-03T10:00:00",
        ] {
            assert!(agrees(s), "{s}");
        }
        for s in [
            "",
            "2024-02-03t10:00:00+08:00",
            "2024-02-03_10:00:00+08:00",
            "2024-02-03T10:00:00+0800",
            "2024-02-03T10:00:00+09:00",
            "2024-02-03T10:00:00z",
            "2024-02-03T10:00:00.5Z",
            "2024-02-03T10:00:0",
            "0000-01-01T00:00:00Z",
            // 10000-01-01 in +08:00, where verdicts print it: the general way says why.
            "9999-12-31T23:59:59Z",
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
        for base in [
            "2024-02-29T23:59:59+08:00",
            "1999-12-31T00:09:50Z",
            "2000-01-01 00:00:00",
        ] {
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
            sep in prop_oneof![Just('T'), Just(' '), Just('t')],
        ) {
            let s = format!("{y:04}-{m:02}-{d:02}{sep}{hh:02}:{mm:02}:{ss:02}{zone}");
            let fast = agrees(&s);
            let plain = (1..=9999).contains(&y)
                && (1..=12).contains(&m)
                && d >= 1
                && d <= days_in_month(i64::from(y), m)
                && hh < 24
                && mm < 60
                && ss < 60
                && zone != "+00:00"
                && sep != 't';
            prop_assert_eq!(fast, plain, "{}", s);
        }
    }
}
