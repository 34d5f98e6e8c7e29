//! Synthetic policy sets for scale measurements, and records for them.
//!
//! [`policy_set`]`(n)` is a schema, a baseline (`ship_by = paid_at + 48h`, a deadline check
//! on `shipped_at`) and `n` announcement files, each adding one windowed exception to the
//! baseline's `ship_by`, in the shape of the festival announcements:
//!
//! ```text
//! exception base.ship_by as window cites "1" {
//!   when order.paid_at in [2000-01-03 00:00:00, 2000-01-03 23:59:59]
//!   then max(overridden, 2000-01-05 23:59:59)
//! }
//! ```
//!
//! Announcement `i` owns day `2i` after 2000-01-01 (windows are distinct and disjoint;
//! the odd days between them belong to no window). Every other announcement also tests
//! `order.merchant_kind == shop` before its window, as 2.1.1 of the Spring Festival
//! announcement does. [`records`] draws orders whose payment falls on a random day of the
//! covered span, so about half of them are inside some window, whatever `n` is.

use std::fmt::Write as _;

use crate::json::{beijing, Obj, TimeStyle, DAY, HOUR, SECOND};
use crate::rng::Rng;

/// The schema of the synthetic sets.
pub const SCHEMA: &str = "\
// Synthetic schema for scale measurements.
enum MerchantKind { shop, global }

fact order {
  id: string
  merchant_kind: MerchantKind
  paid_at: instant
  shipped_at: instant?
}
";

/// The baseline of the synthetic sets.
pub const BASE: &str = "\
announcement base \"synthetic baseline\" {
  source \"edict-datagen\"
}

value ship_by: instant cites \"1\" = order.paid_at + 48h

check ship_check cites \"1\" {
  event order.shipped_at
  deadline = ship_by
}
";

/// The first instant of window `i` (day `2i` after 2000-01-01, Beijing time).
pub fn window_start(i: usize) -> i64 {
    beijing(2000, 1, 1, 0, 0, 0) + 2 * i as i64 * DAY
}

fn date(out: &mut String, t: i64) {
    let mut s = String::new();
    crate::json::write_instant(&mut s, t, TimeStyle::Local);
    out.push_str(&s);
}

/// The text of announcement file `i`.
pub fn announcement(i: usize) -> String {
    let start = window_start(i);
    let mut s = String::with_capacity(400);
    let _ = writeln!(
        s,
        "// Synthetic announcement {i}: one windowed exception.\n\
         announcement s{i:05} \"synthetic announcement {i}\" {{\n  source \"edict-datagen\"\n}}\n"
    );
    s.push_str("exception base.ship_by as window cites \"1\" {\n  when ");
    if i % 2 == 1 {
        s.push_str("order.merchant_kind == shop and ");
    }
    s.push_str("order.paid_at in [");
    date(&mut s, start);
    s.push_str(", ");
    date(&mut s, start + DAY - SECOND);
    s.push_str("]\n  then max(overridden, ");
    date(&mut s, start + 3 * DAY - SECOND);
    s.push_str(")\n}\n");
    s
}

/// A synthetic policy set with `n` announcements, as `(path, text)` pairs.
pub fn policy_set(n: usize) -> Vec<(String, String)> {
    let mut files = Vec::with_capacity(n + 2);
    files.push(("schema.edict".to_string(), SCHEMA.to_string()));
    files.push(("base.edict".to_string(), BASE.to_string()));
    for i in 0..n {
        files.push((format!("s{i:05}.edict"), announcement(i)));
    }
    files
}

/// `count` orders for a set of `n` announcements (NDJSON, one per line), reproducible
/// from `seed`.
pub fn records(seed: u64, n: usize, count: usize) -> String {
    let mut out = String::with_capacity(count * 160);
    for k in 0..count {
        let mut rng = Rng::for_record(seed, k as u64);
        let day = rng.below(2 * n.max(1) as u64) as i64;
        let paid = window_start(0) + day * DAY + rng.range(0, DAY / SECOND - 1) * SECOND;
        let shipped = match rng.weighted(&[60, 30, 10]) {
            0 => Some(paid + rng.range(1, 47) * HOUR),
            1 => Some(paid + rng.range(49, 100) * HOUR),
            _ => None,
        };
        let mut o = Obj::new(&mut out);
        o.str("kind", "order")
            .str("id", &format!("S{k}"))
            .str(
                "merchant_kind",
                if rng.chance(80) { "shop" } else { "global" },
            )
            .instant("paid_at", Some(paid), TimeStyle::Offset)
            .instant("shipped_at", shipped, TimeStyle::Offset);
        o.close();
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcement_text() {
        let a = announcement(1);
        assert!(a.contains("announcement s00001"), "{a}");
        assert!(a.contains(
            "when order.merchant_kind == shop and order.paid_at in [2000-01-03 00:00:00, 2000-01-03 23:59:59]"
        ), "{a}");
        assert!(
            a.contains("then max(overridden, 2000-01-05 23:59:59)"),
            "{a}"
        );
        assert!(!announcement(2).contains("merchant_kind"));
    }
}
