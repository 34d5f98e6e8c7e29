//! Writing records as JSON text, field by field, in a fixed order.
//!
//! Hand-written rather than through `serde_json` so that key order is the order of the
//! interchange tables (`kind`, `id` first, like the examples) and the bytes depend on
//! nothing but this crate. Its calendar is its own on purpose: the records it writes are
//! what the engine's decoder is tested against, so they do not come from the engine's code.

use std::fmt::Write as _;

/// µs in one second.
pub const SECOND: i64 = 1_000_000;
/// µs in one minute.
pub const MINUTE: i64 = 60 * SECOND;
/// µs in one hour.
pub const HOUR: i64 = 60 * MINUTE;
/// µs in one day.
pub const DAY: i64 = 24 * HOUR;
const BEIJING: i64 = 8 * HOUR;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of day `z` since 1970-01-01 (the inverse of
/// [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The instant (µs since the epoch) of a Beijing-time wall clock reading.
pub fn beijing(y: i64, mo: u32, d: u32, h: i64, mi: i64, s: i64) -> i64 {
    (days_from_civil(y, mo, d) * DAY + h * HOUR + mi * MINUTE + s * SECOND) - BEIJING
}

/// How an instant is written: the interchange format accepts all of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeStyle {
    /// `2024-02-05T10:12:33+08:00`
    Offset,
    /// `2024-02-05 10:12:33` (no offset: Beijing time)
    Local,
    /// `2024-02-05T02:12:33Z`
    Utc,
}

/// Appends `t` in `style`; fractional seconds only when not zero.
pub fn write_instant(out: &mut String, t: i64, style: TimeStyle) {
    let shift = if style == TimeStyle::Utc { 0 } else { BEIJING };
    let local = t + shift;
    let days = local.div_euclid(DAY);
    let rem = local.rem_euclid(DAY);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s, us) = (
        rem / HOUR,
        rem % HOUR / MINUTE,
        rem % MINUTE / SECOND,
        rem % SECOND,
    );
    let sep = if style == TimeStyle::Local { ' ' } else { 'T' };
    let _ = write!(out, "{y:04}-{m:02}-{d:02}{sep}{h:02}:{mi:02}:{s:02}");
    if us != 0 {
        let frac = format!("{us:06}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    match style {
        TimeStyle::Offset => out.push_str("+08:00"),
        TimeStyle::Utc => out.push('Z'),
        TimeStyle::Local => {}
    }
}

/// One JSON object being written.
#[derive(Debug)]
pub struct Obj<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Obj<'a> {
    /// Opens an object at the end of `out`.
    pub fn new(out: &'a mut String) -> Obj<'a> {
        out.push('{');
        Obj { out, first: true }
    }

    fn key(&mut self, k: &str) {
        if !self.first {
            self.out.push_str(", ");
        }
        self.first = false;
        write_str(self.out, k);
        self.out.push_str(": ");
    }

    /// `"k": "v"`
    pub fn str(&mut self, k: &str, v: &str) -> &mut Self {
        self.key(k);
        write_str(self.out, v);
        self
    }

    /// `"k": v` with `v` already JSON.
    pub fn raw(&mut self, k: &str, v: &str) -> &mut Self {
        self.key(k);
        self.out.push_str(v);
        self
    }

    /// `"k": "instant"` or `"k": null`.
    pub fn instant(&mut self, k: &str, v: Option<i64>, style: TimeStyle) -> &mut Self {
        self.key(k);
        match v {
            Some(t) => {
                self.out.push('"');
                write_instant(self.out, t, style);
                self.out.push('"');
            }
            None => self.out.push_str("null"),
        }
        self
    }

    /// `"k": ["a", "b"]`
    pub fn strs(&mut self, k: &str, items: &[&str]) -> &mut Self {
        self.key(k);
        self.out.push('[');
        for (i, s) in items.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            write_str(self.out, s);
        }
        self.out.push(']');
        self
    }

    /// Closes the object.
    pub fn close(&mut self) {
        self.out.push('}');
    }
}

/// Appends `s` as a JSON string.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(t: i64, style: TimeStyle) -> String {
        let mut s = String::new();
        write_instant(&mut s, t, style);
        s
    }

    #[test]
    fn instants_print_in_every_style() {
        let t = beijing(2024, 2, 22, 23, 59, 59);
        assert_eq!(show(t, TimeStyle::Offset), "2024-02-22T23:59:59+08:00");
        assert_eq!(show(t, TimeStyle::Local), "2024-02-22 23:59:59");
        assert_eq!(show(t, TimeStyle::Utc), "2024-02-22T15:59:59Z");
        assert_eq!(
            show(t + SECOND / 2, TimeStyle::Offset),
            "2024-02-22T23:59:59.5+08:00"
        );
        assert_eq!(
            show(beijing(2022, 1, 1, 0, 0, 0), TimeStyle::Utc),
            "2021-12-31T16:00:00Z"
        );
    }

    #[test]
    fn strings_are_escaped() {
        let mut s = String::new();
        write_str(&mut s, "a\"b\\c\n");
        assert_eq!(s, r#""a\"b\\c\u000a""#);
    }
}
