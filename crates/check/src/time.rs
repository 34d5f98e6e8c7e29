//! Placing time literals in a zone.
//!
//! A literal denotes the whole span of its precision: `2024-02-20` is that whole day,
//! `23:59:59` that whole second, `23:59` that whole minute. Comparisons and window ends
//! use the side of the span that makes the literal inclusive; used as a value, a literal
//! is the start of its span.

use chrono::{FixedOffset, NaiveDateTime, TimeZone};
use syntax::ast::TimeLit;

/// Microseconds per second.
pub const SECOND: i64 = 1_000_000;
/// Microseconds per day.
pub const DAY: i64 = 86_400 * SECOND;

/// The span `[start, end]` (µs since the epoch, inclusive) a literal denotes, or `None` when
/// it cannot be placed (out of range).
pub fn span_of(lit: &TimeLit, zone_seconds: i32) -> Option<(i64, i64)> {
    let offset = FixedOffset::east_opt(lit.offset_seconds.unwrap_or(zone_seconds))?;
    let naive: NaiveDateTime = match lit.time {
        Some(t) => lit.date.and_time(t),
        None => lit.date.and_hms_opt(0, 0, 0)?,
    };
    let start = offset
        .from_local_datetime(&naive)
        .single()?
        .timestamp_micros();
    let width = match lit.time {
        None => DAY,
        Some(_) if !lit.has_seconds => 60 * SECOND,
        Some(_) => match lit.fraction_digits {
            0 => SECOND,
            d if d < 6 => 10_i64.pow(6 - u32::from(d)),
            _ => 1,
        },
    };
    let end = start + width - 1;
    // Only what records hold and verdicts print (eval::time::MIN_INSTANT..=MAX_INSTANT:
    // years 0001..9999 in +08:00); `tests/robustness.rs` checks both ends.
    (start >= MIN_INSTANT && end <= MAX_INSTANT).then_some((start, end))
}

/// The first instant of year 0001 in +08:00.
const MIN_INSTANT: i64 = -62_135_596_800 * SECOND - 8 * 3600 * SECOND;
/// The last microsecond of year 9999 in +08:00.
const MAX_INSTANT: i64 = 253_402_300_800 * SECOND - 8 * 3600 * SECOND - 1;
