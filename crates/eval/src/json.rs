//! Small JSON-writing helpers.
//!
//! Verdicts are written by hand rather than through `serde_json::Value`: the key order is
//! part of the interchange contract (DOMAIN.md §1.3), and writing straight into a reused
//! buffer keeps the bulk path free of intermediate trees.

use std::fmt::Write as _;

/// Appends `s` as a JSON string literal (quoted and escaped).
pub fn write_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    write_escaped(out, s);
    out.push('"');
}

/// Appends `s` escaped for the inside of a JSON string literal (no quotes).
pub fn write_escaped(out: &mut String, s: &str) {
    if !needs_escape(s.as_bytes()) {
        // The common case (ids, names, instants): nothing to escape.
        out.push_str(s);
        return;
    }
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0..=0x1f => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match esc {
            Some(e) => out.push_str(e),
            None => {
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// Whether `s` holds a byte JSON strings must escape (`"`, `\\`, or below 0x20), eight
/// bytes at a time: verdicts are mostly names and instants, and this check is most of the
/// cost of writing them.
fn needs_escape(s: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Exact tests on eight bytes at once: some byte is zero / below `n` (n <= 0x80).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH != 0;
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH != 0;
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        let x = u64::from_le_bytes(word);
        if below(x, 0x20)
            || zero(x ^ (ONES * u64::from(b'"')))
            || zero(x ^ (ONES * u64::from(b'\\')))
        {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

/// Appends `"key":` to `out`, preceded by a comma unless `first`. Keys that may need
/// escaping (e.g. fact paths in explanations) are escaped; plain ones are copied.
pub fn key(out: &mut String, first: bool, k: &str) {
    if !first {
        out.push(',');
    }
    write_str(out, k);
    out.push(':');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        let mut s = String::new();
        write_str(&mut s, "a\"b\\c\nd\u{1}é春");
        assert_eq!(s, r#""a\"b\\c\nd\u0001é春""#);
        let back: String = serde_json::from_str(&s).unwrap_or_default();
        assert_eq!(back, "a\"b\\c\nd\u{1}é春");
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
