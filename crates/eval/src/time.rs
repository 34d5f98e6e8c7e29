//! Instants and durations as text: parsing facts' timestamps, printing verdicts' ones.
//!
//! Instants are µs since the Unix epoch (UTC), as in the IR. Facts may write them as
//! RFC 3339 with an offset (`Z`, `+08:00`), also with a colon-less offset (`+0800`), or
//! without one, which means Beijing time (+08:00). The date and time may be separated by
//! `T` or a space. Fractional seconds keep microsecond precision; digits beyond the sixth
//! are truncated (towards the past). A leap second (`23:59:60`) and years outside
//! `0001..=9999` are rejected with a message saying so, as is any impossible date.
//!
//! Verdicts print instants in +08:00 with seconds, plus fractional digits only when they are
//! not zero (trailing zeros dropped): `2000-01-22T23:59:59+08:00`, `…23:59:59.5+08:00`.
//! The calendar arithmetic is the proleptic Gregorian one (Howard Hinnant's algorithms),
//! exact for every `i64` day count the IR can hold.

use std::fmt::Write as _;

/// µs in one second.
pub const SECOND: i64 = 1_000_000;
/// µs in one minute.
pub const MINUTE: i64 = 60 * SECOND;
/// µs in one hour.
pub const HOUR: i64 = 60 * MINUTE;
/// µs in one day (a day is exactly 24 hours).
pub const DAY: i64 = 24 * HOUR;
/// The offset of Beijing time, the zone of instants written without an offset.
pub const BEIJING: i64 = 8 * HOUR;

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `(year, month, day)` of a day count since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

pub(crate) fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// A tiny cursor over ASCII digits and separators.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Option<u32> {
        let s = self.b.get(self.i..self.i + n)?;
        let mut v = 0u32;
        for &c in s {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
        }
        self.i += n;
        Some(v)
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
}

const SHAPE: &str =
    "expected an RFC 3339 instant like `2024-02-05T10:00:00+08:00` (offset optional: Beijing time)";

/// Parses an instant (see the module doc for the accepted forms) into µs since the epoch.
///
/// ```
/// let t = eval::parse_instant("2000-01-22 23:59:59").unwrap();
/// assert_eq!(eval::format_instant(t), "2000-01-22T23:59:59+08:00");
/// assert!(eval::parse_instant("2000-01-22T23:59:60Z").is_err());
/// ```
pub fn parse_instant(text: &str) -> Result<i64, String> {
    let mut c = Cursor {
        b: text.as_bytes(),
        i: 0,
    };
    let year = c.digits(4).ok_or_else(|| {
        if text.starts_with(['+', '-']) || text.bytes().take_while(u8::is_ascii_digit).count() > 4 {
            format!("year out of range in `{text}`: years 0001..9999 only")
        } else {
            format!("`{text}`: {SHAPE}")
        }
    })?;
    if c.peek().is_some_and(|b| b.is_ascii_digit()) {
        return Err(format!(
            "year out of range in `{text}`: years 0001..9999 only"
        ));
    }
    let shape = || format!("`{text}`: {SHAPE}");
    if !c.eat(b'-') {
        return Err(shape());
    }
    let month = c.digits(2).ok_or_else(shape)?;
    if !c.eat(b'-') {
        return Err(shape());
    }
    let day = c.digits(2).ok_or_else(shape)?;
    if c.peek().is_none() {
        return Err(format!(
            "`{text}` is a date, not an instant: add a time of day, e.g. `{text}T00:00:00`"
        ));
    }
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return Err(shape());
    }
    let hour = c.digits(2).ok_or_else(shape)?;
    if !c.eat(b':') {
        return Err(shape());
    }
    let minute = c.digits(2).ok_or_else(shape)?;
    if !c.eat(b':') {
        return Err(format!("`{text}`: the time needs seconds (`HH:MM:SS`)"));
    }
    let second = c.digits(2).ok_or_else(shape)?;
    let mut micros = 0i64;
    if c.eat(b'.') {
        let start = c.i;
        let mut scale = 100_000i64;
        while let Some(d) = c.peek().filter(u8::is_ascii_digit) {
            // Beyond microseconds only zeros: a finer instant is not cut towards the past.
            if scale == 0 && d != b'0' {
                return Err(format!(
                    "`{text}`: finer than a microsecond; instants have at most 6 fractional \
                     digits"
                ));
            }
            micros += i64::from(d - b'0') * scale;
            scale /= 10;
            c.i += 1;
        }
        if c.i == start {
            return Err(format!("`{text}`: expected digits after the decimal point"));
        }
    }
    let offset = match c.peek() {
        None => BEIJING,
        Some(b'Z' | b'z') => {
            c.i += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            c.i += 1;
            let oh = c.digits(2).ok_or_else(shape)?;
            c.eat(b':');
            let om = c.digits(2).ok_or_else(shape)?;
            if oh > 23 || om > 59 {
                return Err(format!("`{text}`: offset out of range"));
            }
            let off = i64::from(oh) * HOUR + i64::from(om) * MINUTE;
            if sign == b'-' {
                -off
            } else {
                off
            }
        }
        Some(_) => return Err(shape()),
    };
    if c.i != c.b.len() {
        return Err(format!("`{text}`: unexpected text after the instant"));
    }
    if year == 0 {
        return Err(format!(
            "year out of range in `{text}`: years 0001..9999 only"
        ));
    }
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(i64::from(year), month) {
        return Err(format!("`{text}` is not a calendar date"));
    }
    if second == 60 {
        return Err(format!("`{text}`: leap seconds (`:60`) are not supported"));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(format!("`{text}` is not a valid time of day"));
    }
    let days = days_from_civil(i64::from(year), month, day);
    let secs = i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
    let t = days * DAY + secs * SECOND + micros - offset;
    // Verdicts print instants in +08:00: an instant must be printable there as it is read
    // (9999-12-31T23:59:59Z is 10000-01-01 in Beijing).
    if !(MIN_INSTANT..=MAX_INSTANT).contains(&t) {
        return Err(format!(
            "`{text}` is outside years 0001..9999 in Beijing time (+08:00), where verdicts \
             print it"
        ));
    }
    Ok(t)
}

/// The first instant of year 0001 in +08:00 (µs since the epoch): the earliest instant read
/// or printed.
pub const MIN_INSTANT: i64 = -62_135_596_800 * SECOND - BEIJING;
/// The last microsecond of year 9999 in +08:00: the latest instant read or printed.
pub const MAX_INSTANT: i64 = 253_402_300_800 * SECOND - BEIJING - 1;

/// Prints an instant in Beijing time: `2000-01-22T23:59:59+08:00`, with fractional digits
/// only when the instant has any (trailing zeros dropped).
pub fn format_instant(t: i64) -> String {
    let mut s = String::with_capacity(32);
    write_instant(&mut s, t);
    s
}

/// Appends [`format_instant`]'s text to `out` (hand-formatted: this is on the bulk path).
pub fn write_instant(out: &mut String, t: i64) {
    let (days, rem) = local_day(t);
    let (y, m, d) = civil_from_days(days);
    if !(0..=9999).contains(&y) {
        write_instant_slow(out, y, m, d, rem);
        return;
    }
    write_date(out, y, m, d);
    write_time(out, rem);
}

/// The Beijing-time day of `t` (days since 1970-01-01) and the µs into that day.
fn local_day(t: i64) -> (i64, i64) {
    let local = t.saturating_add(BEIJING);
    (local.div_euclid(DAY), local.rem_euclid(DAY))
}

/// The general way, for years outside what facts can hold (only arithmetic gets there).
fn write_instant_slow(out: &mut String, y: i64, m: u32, d: u32, rem: i64) {
    let secs = rem / SECOND;
    let _ = write!(
        out,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    write_fraction(out, rem % SECOND);
    out.push_str("+08:00");
}

/// The bytes `00` to `99`, two per number.
const PAIR_BYTES: [u8; 200] = {
    let mut b = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        b[2 * i] = b'0' + (i / 10) as u8;
        b[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    b
};

/// [`PAIR_BYTES`] as text, checked once at compile time: digits are then copied two at a
/// time as `&str` pieces, with no UTF-8 check at run time and no `unsafe`.
const PAIRS: &str = match std::str::from_utf8(&PAIR_BYTES) {
    Ok(s) => s,
    Err(_) => panic!("PAIR_BYTES is ASCII"),
};

/// `n` (below 100) as two digits.
fn pair(n: u32) -> &'static str {
    let i = n as usize * 2;
    PAIRS.get(i..i + 2).unwrap_or("??")
}

/// `HH:MM:` for every minute of a day, six bytes each.
const MINUTE_BYTES: [u8; 1440 * 6] = {
    let mut b = [0u8; 1440 * 6];
    let mut i = 0;
    while i < 1440 {
        let (h, m) = (i / 60, i % 60);
        let at = 6 * i;
        b[at] = b'0' + (h / 10) as u8;
        b[at + 1] = b'0' + (h % 10) as u8;
        b[at + 2] = b':';
        b[at + 3] = b'0' + (m / 10) as u8;
        b[at + 4] = b'0' + (m % 10) as u8;
        b[at + 5] = b':';
        i += 1;
    }
    b
};

/// [`MINUTE_BYTES`] as text, checked at compile time like [`PAIRS`]: the hour and minute
/// of an instant are then one copy.
const MINUTES: &str = match std::str::from_utf8(&MINUTE_BYTES) {
    Ok(s) => s,
    Err(_) => panic!("MINUTE_BYTES is ASCII"),
};

/// Appends `YYYY-MM-DDT` (year in `0..=9999`).
fn write_date(out: &mut String, y: i64, m: u32, d: u32) {
    let y = y as u32;
    out.push_str(pair(y / 100));
    out.push_str(pair(y % 100));
    out.push('-');
    out.push_str(pair(m));
    out.push('-');
    out.push_str(pair(d));
    out.push('T');
}

/// Appends `HH:MM:SS`, the fraction if any, and `+08:00` for `rem` µs into a day.
fn write_time(out: &mut String, rem: i64) {
    let secs = (rem / SECOND) as u32;
    let at = (secs / 60) as usize * 6;
    out.push_str(MINUTES.get(at..at + 6).unwrap_or("??:??:"));
    out.push_str(pair(secs % 60));
    write_fraction(out, rem % SECOND);
    out.push_str("+08:00");
}

/// [`write_instant`] for a run that prints many instants: the text of recently printed
/// dates is kept, since the calendar arithmetic is most of the cost and instants cluster on
/// a few hundred days.
#[derive(Debug)]
pub(crate) struct InstantWriter {
    /// Per slot (day count modulo [`DATE_SLOTS`]): the day whose text the slot holds.
    days: Vec<i64>,
    /// Per slot, `YYYY-MM-DDT` ([`DATE_LEN`] bytes) of the slot's day.
    dates: String,
    /// Scratch for formatting a new date.
    scratch: String,
}

/// Dates [`InstantWriter`] keeps: direct-mapped by day count, so any span of this many
/// days (about 2.8 years) stays cached once printed.
const DATE_SLOTS: usize = 1024;
/// The length of `YYYY-MM-DDT`.
const DATE_LEN: usize = 11;

impl Default for InstantWriter {
    fn default() -> InstantWriter {
        InstantWriter {
            // No day count is `i64::MIN` (`div_euclid(DAY)` of any `i64` is far from it).
            days: vec![i64::MIN; DATE_SLOTS],
            dates: "0000-00-00T".repeat(DATE_SLOTS),
            scratch: String::with_capacity(DATE_LEN),
        }
    }
}

impl InstantWriter {
    /// Appends [`format_instant`]'s text to `out`.
    pub(crate) fn write(&mut self, out: &mut String, t: i64) {
        let (days, rem) = local_day(t);
        let slot = days as usize % DATE_SLOTS;
        let at = slot * DATE_LEN;
        if self.days.get(slot) != Some(&days) {
            let (y, m, d) = civil_from_days(days);
            if !(0..=9999).contains(&y) {
                write_instant_slow(out, y, m, d, rem);
                return;
            }
            self.scratch.clear();
            write_date(&mut self.scratch, y, m, d);
            if let (Some(key), Some(_)) =
                (self.days.get_mut(slot), self.dates.get(at..at + DATE_LEN))
            {
                self.dates.replace_range(at..at + DATE_LEN, &self.scratch);
                *key = days;
            }
            out.push_str(&self.scratch);
        } else {
            out.push_str(self.dates.get(at..at + DATE_LEN).unwrap_or_default());
        }
        write_time(out, rem);
    }
}

/// Appends `.fff` (trailing zeros dropped) when `frac` µs is not zero.
fn write_fraction(out: &mut String, frac: i64) {
    if frac == 0 {
        return;
    }
    // `frac` is in 1..SECOND: six digits as three pairs, trailing zeros dropped.
    let f = frac.unsigned_abs() as u32;
    let pairs = [f / 10_000 % 100, f / 100 % 100, f % 100];
    let last = pairs.iter().rposition(|&p| p != 0).unwrap_or(0);
    out.push('.');
    for &p in &pairs[..last] {
        out.push_str(pair(p));
    }
    let p = pairs[last];
    if p % 10 == 0 {
        out.push(char::from(b'0' + (p / 10) as u8));
    } else {
        out.push_str(pair(p));
    }
}

/// Prints an instant for people: `2000-01-22 23:59:59` (Beijing time, fraction if any).
pub fn format_instant_short(t: i64) -> String {
    let mut s = format_instant(t);
    s.truncate(s.len() - "+08:00".len());
    s.replacen('T', " ", 1)
}

/// Prints a duration compactly: `48h`, `30min`, `1min 30s`, `14d`, `-24h`, `1500µs`.
///
/// Whole days print as days from a week on (`14d`, `150d`); shorter spans print in hours,
/// the way deadlines are usually written (`48h`, `72h`, `120h`).
pub fn format_duration(us: i64) -> String {
    if us == 0 {
        return "0s".into();
    }
    let sign = if us < 0 { "-" } else { "" };
    let abs = us.unsigned_abs();
    let second = SECOND.unsigned_abs();
    if abs % second != 0 {
        return format!("{sign}{abs}µs");
    }
    let secs = abs / second;
    if secs % 86_400 == 0 && secs >= 7 * 86_400 {
        return format!("{sign}{}d", secs / 86_400);
    }
    let mut parts = Vec::new();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        parts.push(format!("{h}h"));
    }
    if m > 0 {
        parts.push(format!("{m}min"));
    }
    if s > 0 {
        parts.push(format!("{s}s"));
    }
    format!("{sign}{}", parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for z in [-719_468 - 400, -1, 0, 1, 19_000, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    }

    #[test]
    fn fractions_print_only_when_present() {
        let t = parse_instant("2000-01-22T23:59:59+08:00").unwrap_or_default();
        assert_eq!(format_instant(t), "2000-01-22T23:59:59+08:00");
        assert_eq!(format_instant(t + 500_000), "2000-01-22T23:59:59.5+08:00");
        assert_eq!(format_instant(t + 1), "2000-01-22T23:59:59.000001+08:00");
        assert_eq!(format_instant(t - 16 * HOUR), "2000-01-22T07:59:59+08:00");
        assert_eq!(format_instant_short(t + 250_000), "2000-01-22 23:59:59.25");
        assert_eq!(format_instant(-1), "1970-01-01T07:59:59.999999+08:00");
    }

    /// The formatting as the format machinery does it: the definition the hand-written
    /// paths must match.
    fn reference(t: i64) -> String {
        let local = t.saturating_add(BEIJING);
        let (y, m, d) = civil_from_days(local.div_euclid(DAY));
        let rem = local.rem_euclid(DAY);
        let secs = rem / SECOND;
        let mut s = format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
        let frac = rem % SECOND;
        if frac != 0 {
            s.push_str(format!(".{frac:06}").trim_end_matches('0'));
        }
        s + "+08:00"
    }

    #[test]
    fn hand_formatting_matches_the_reference() {
        let mut cached = InstantWriter::default();
        let mut check = |t: i64| {
            let want = reference(t);
            assert_eq!(format_instant(t), want, "{t}");
            let mut out = String::from("x");
            cached.write(&mut out, t);
            assert_eq!(out, format!("x{want}"), "{t}");
        };
        let mut fixed = vec![
            0,
            -1,
            1,
            i64::MIN,
            i64::MAX,
            i64::MIN + 1,
            i64::MAX - BEIJING,
            -BEIJING,
            -BEIJING - 1,
        ];
        // Around the ends of years 0 and 9999, where the fast path starts and stops.
        for (y, m, d) in [(0, 1, 1), (-1, 12, 31), (9999, 12, 31), (10_000, 1, 1)] {
            let t = days_from_civil(y, m, d) * DAY - BEIJING;
            fixed.extend([t - 1, t, t + 1, t + DAY - 1, t + 10 * SECOND + 120_000]);
        }
        for frac in [
            1, 10, 100, 1000, 10_000, 100_000, 120_000, 999_999, 500_000, 100_001,
        ] {
            fixed.extend([frac, 37 * DAY + 5 * HOUR + frac, -frac]);
        }
        // Days that share a cache slot, one after the other.
        let x = 19_000 * DAY + 5 * HOUR;
        let slots = DATE_SLOTS as i64 * DAY;
        fixed.extend([x, x + slots, x, x - slots, x - slots + 1, x + 3 * slots]);
        for t in fixed {
            check(t);
        }
        // A pseudo-random walk over years 0..10000 (and beyond, into the slow path), with
        // steps small enough that the cached date is often reused.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut t = 0i64;
        for i in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            t = match i % 4 {
                0 => (x % 700_000_000_000_000_000) as i64 - 62_200_000_000_000_000,
                1 => t + (x % (3 * DAY as u64)) as i64,
                2 => t - (x % HOUR as u64) as i64,
                _ => (x as i64) / ((x % 7 + 1) as i64),
            };
            if i % 3 == 0 {
                t -= t.rem_euclid(SECOND);
            }
            check(t);
        }
    }

    #[test]
    fn pairs_are_two_digits() {
        for n in 0..100 {
            assert_eq!(pair(n), format!("{n:02}"));
        }
        for i in 0..1440 {
            assert_eq!(
                &MINUTES[6 * i..6 * i + 6],
                format!("{:02}:{:02}:", i / 60, i % 60)
            );
        }
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(48 * HOUR), "48h");
        assert_eq!(format_duration(30 * MINUTE), "30min");
        assert_eq!(format_duration(14 * DAY), "14d");
        assert_eq!(format_duration(150 * DAY), "150d");
        assert_eq!(format_duration(-24 * HOUR), "-24h");
        assert_eq!(format_duration(90 * SECOND), "1min 30s");
        assert_eq!(format_duration(1500), "1500µs");
    }
}
