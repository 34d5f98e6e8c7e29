//! Small JSON-writing helpers.
//!
//! Verdicts are written by hand rather than through `serde_json::Value`: the key order is
//! part of the interchange contract (DOMAIN.md §1.3), and writing straight into a reused
//! buffer keeps the bulk path free of intermediate trees.

use std::fmt::Write as _;

/// Appends `s` as a JSON string literal (quoted and escaped).
pub fn write_str(out: &mut String, s: &str) {
    if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        // The common case (ids, names, instants): nothing to escape.
        out.reserve(s.len() + 2);
        out.push('"');
        out.push_str(s);
        out.push('"');
        return;
    }
    out.push('"');
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
    out.push('"');
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
}
