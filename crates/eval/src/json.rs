//! Small JSON-writing helpers.
//!
//! Verdicts are written by hand rather than through `serde_json::Value`: the key order is
//! part of the interchange contract (DOMAIN.md §1.3), and writing straight into a reused
//! buffer keeps the bulk path free of intermediate trees.

use std::fmt::Write as _;

/// Appends `s` as a JSON string literal (quoted and escaped).
#[inline]
pub fn write_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    write_escaped(out, s);
    out.push('"');
}

/// Appends `s` escaped for the inside of a JSON string literal (no quotes).
pub fn write_escaped(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    // Plain spans are found eight bytes at a time and copied whole: rule sources in
    // explanations are long and have a newline every line.
    while let Some(i) = next_escape(bytes, start) {
        out.push_str(&s[start..i]);
        match bytes[i] {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b => {
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// The position of the first byte at or after `from` that JSON strings must escape.
fn next_escape(s: &[u8], from: usize) -> Option<usize> {
    let rest = s.get(from..)?;
    let mut chunks = rest.chunks_exact(8);
    let mut at = from;
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        if word_needs_escape(u64::from_le_bytes(word)) {
            return c.iter().position(|&b| escapes(b)).map(|i| at + i);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| escapes(b))
        .map(|i| at + i)
}

fn escapes(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Whether one of the eight bytes of `x` must be escaped (exact).
fn word_needs_escape(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Some byte is zero / below `n` (n <= 0x80).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH != 0;
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH != 0;
    below(x, 0x20) || zero(x ^ (ONES * u64::from(b'"'))) || zero(x ^ (ONES * u64::from(b'\\')))
}

/// Appends `"key":` to `out`, preceded by a comma unless `first`. The key is escaped, so
/// names from policies (fact paths in explanations) are safe here.
#[inline]
pub fn key(out: &mut String, first: bool, k: &str) {
    if !first {
        out.push(',');
    }
    write_str(out, k);
    out.push(':');
}

/// [`key`] for the format's own keys, which are plain ASCII: copied without the escape
/// check (explanations write dozens per rule step).
#[inline]
pub fn plain_key(out: &mut String, first: bool, k: &'static str) {
    debug_assert!(!k.bytes().any(escapes), "{k:?} needs escaping");
    if !first {
        out.push(',');
    }
    out.push('"');
    out.push_str(k);
    out.push_str("\":");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `s` holds a byte JSON strings must escape (the eight-bytes-at-a-time search).
    fn needs_escape(s: &[u8]) -> bool {
        next_escape(s, 0).is_some()
    }

    #[test]
    fn escapes() {
        let mut s = String::new();
        write_str(&mut s, "a\"b\\c\nd\u{1}é春");
        assert_eq!(s, r#""a\"b\\c\nd\u0001é春""#);
        let back: String = serde_json::from_str(&s).unwrap_or_default();
        assert_eq!(back, "a\"b\\c\nd\u{1}é春");
    }

    #[test]
    fn escaping_matches_the_byte_by_byte_definition() {
        let naive = |s: &str| {
            let mut out = String::new();
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
            out
        };
        let parts = [
            "a", "春", "\"", "\\", "\n", "\u{1}", "\t", "xxxxxxx", "\r", "é",
        ];
        // Every string of up to 4 parts: specials at every offset of a word and across words.
        let mut strings = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for s in &strings {
                for p in parts {
                    next.push(format!("{s}{p}"));
                }
            }
            strings.extend(next);
            strings.dedup();
        }
        for s in &strings {
            let mut out = String::new();
            write_escaped(&mut out, s);
            assert_eq!(out, naive(s), "{s:?}");
        }
    }

    #[test]
    fn escape_check_is_exact_at_every_position() {
        for len in 0..20 {
            for at in 0..len {
                for special in [b'"', b'\\', 0u8, 0x1f, b'\n'] {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = special;
                    assert!(needs_escape(&bytes), "{len} {at} {special}");
                }
                for plain in [b' ', b'!', b'#', b'[', b']', 0x7f, b'z'] {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = plain;
                    assert!(!needs_escape(&bytes), "{len} {at} {plain}");
                }
            }
            let s = "春节买不停ü".repeat(len);
            assert!(!needs_escape(s.as_bytes()));
        }
        for b in 0..=255u8 {
            let want = b < 0x20 || b == b'"' || b == b'\\';
            assert_eq!(
                needs_escape(&[b'x', b, b'x', b'x', b'x', b'x', b'x', b'x']),
                want
            );
        }
    }
}
