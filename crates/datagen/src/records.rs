//! Order and after-sale records (DOMAIN.md §1.1, §1.2) across the policy periods.
//!
//! A record first picks its period, then draws facts whose distribution makes the
//! period's rules matter:
//!
//! | period | what it exercises |
//! |---|---|
//! | ordinary days (2023, early 2024) | 48h / promised days / presale / tiered deadlines, late and missing scans, reports, auto-close |
//! | epidemic 2022 | `origin_status` risk levels and suspended couriers, listed regions (遵义, 内蒙古, 新疆 …), the March waiver, the July relief regions (临江市 …), the 72h collection rule |
//! | Double 11 2023 | shipments inside 2023-10-31 ~ 11-14, shop and global merchants, after-sales signed inside 10-31 ~ 11-30 |
//! | Spring Festival 2024 | 春节买不停 tags, `delay_ship_by`, `festival_opt_out`, global merchants with the delay tool, remote-area service |
//!
//! Records are a snapshot taken at `now` ([`DEFAULT_AS_OF`] unless told): an event that
//! would fall after it has not happened yet and is `null`, so evaluating at `now` yields
//! pending findings as well as settled ones. Instants come in the three accepted styles
//! (mostly `+08:00`), regions as codes, full names or paths, optional fields sometimes
//! absent and sometimes `null`, and a few records carry unknown extra fields.

use crate::json::{beijing, Obj, TimeStyle, DAY, HOUR, MINUTE, SECOND};
use crate::places::{self, Place};
use crate::rng::Rng;

/// The default snapshot instant, and the `--as-of` to evaluate generated records at.
pub const DEFAULT_AS_OF: &str = "2024-03-01T00:00:00+08:00";

/// [`DEFAULT_AS_OF`] in µs since the epoch.
pub fn default_now() -> i64 {
    beijing(2024, 3, 1, 0, 0, 0)
}

/// Which records to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// Orders only.
    Order,
    /// After-sale records only.
    Aftersale,
    /// About four orders to one after-sale record.
    #[default]
    Mixed,
}

impl std::str::FromStr for Kind {
    type Err = String;

    fn from_str(s: &str) -> Result<Kind, String> {
        match s {
            "order" => Ok(Kind::Order),
            "aftersale" => Ok(Kind::Aftersale),
            "mixed" => Ok(Kind::Mixed),
            _ => Err(format!(
                "unknown kind `{s}`: expected order, aftersale or mixed"
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    Ordinary,
    Epidemic,
    Double11,
    Festival,
}

const FESTIVAL_TAG: &str = "春节买不停";
const SCOPES: &[&str] = &["store", "order"];
const REASONS: &[&str] = &[
    "force_majeure",
    "address_anomaly",
    "consumer_request",
    "stockout",
];

/// A uniformly drawn instant of `[from, to]`, to the second (a few with a fraction).
fn between(rng: &mut Rng, from: i64, to: i64) -> i64 {
    let secs = rng.range(0, (to - from) / SECOND);
    let frac = if rng.chance(6) {
        rng.range(1, 999) * 1000
    } else {
        0
    };
    (from + secs * SECOND + frac).min(to)
}

fn day(y: i64, m: u32, d: u32) -> i64 {
    beijing(y, m, d, 0, 0, 0)
}

fn day_end(y: i64, m: u32, d: u32) -> i64 {
    beijing(y, m, d, 23, 59, 59)
}

/// A duration of `lo..=hi` hours, to the second.
fn hours(rng: &mut Rng, lo: i64, hi: i64) -> i64 {
    rng.range(lo * 3600, hi * 3600) * SECOND
}

/// A duration of `lo..=hi` µs, to the second.
fn span(rng: &mut Rng, lo: i64, hi: i64) -> i64 {
    rng.range(lo / SECOND, hi / SECOND) * SECOND
}

/// `t` if it has happened by `now`.
fn by(now: i64, t: Option<i64>) -> Option<i64> {
    t.filter(|t| *t <= now)
}

fn time_style(rng: &mut Rng) -> TimeStyle {
    match rng.weighted(&[85, 10, 5]) {
        0 => TimeStyle::Offset,
        1 => TimeStyle::Local,
        _ => TimeStyle::Utc,
    }
}

fn region_text(rng: &mut Rng, place: Place) -> &'static str {
    match rng.weighted(&[50, 30, 20]) {
        0 => place.code,
        1 => place.full,
        _ => place.path,
    }
}

fn date_tag(out: &mut String, t: i64) {
    let mut s = String::new();
    crate::json::write_instant(&mut s, t, TimeStyle::Local);
    // "2024-02-05 ..." -> "240205"
    out.push_str(&s[2..4]);
    out.push_str(&s[5..7]);
    out.push_str(&s[8..10]);
}

fn money(rng: &mut Rng, cents: i64) -> String {
    if cents % 100 == 0 && rng.chance(50) {
        format!("{}", cents / 100)
    } else {
        format!("{}.{:02}", cents / 100, cents % 100)
    }
}

/// Appends order record `index` (no newline).
pub fn order(rng: &mut Rng, index: u64, now: i64, out: &mut String) {
    let period = match rng.weighted(&[40, 20, 15, 25]) {
        0 => Period::Ordinary,
        1 => Period::Epidemic,
        2 => Period::Double11,
        _ => Period::Festival,
    };
    let style = time_style(rng);
    let global = rng.chance(if period == Period::Festival { 25 } else { 12 });
    let mode = rng.pick(&[
        "spot", "spot", "spot", "spot", "spot", "spot", "presale", "tiered",
    ]);

    // Payment time.
    let mut relief = false;
    let paid_at = match period {
        Period::Ordinary => match rng.weighted(&[55, 25, 20]) {
            0 => between(rng, day(2023, 1, 1), day_end(2023, 10, 20)),
            1 => between(rng, day(2023, 11, 20), day_end(2024, 1, 24)),
            _ => between(rng, day(2024, 2, 23), day_end(2024, 2, 29)),
        },
        Period::Epidemic => match rng.weighted(&[30, 20, 50]) {
            0 => between(rng, day(2022, 1, 1), day_end(2022, 3, 31)),
            1 => {
                relief = true;
                between(rng, day(2022, 6, 29), day_end(2022, 7, 12))
            }
            _ => between(rng, day(2021, 12, 28), day_end(2022, 12, 31)),
        },
        Period::Double11 => between(rng, day(2023, 10, 27), day_end(2023, 11, 15)),
        Period::Festival => {
            if rng.chance(4) {
                // Window edges, one of them with a fraction inside the last second.
                rng.pick(&[
                    day(2024, 2, 2),
                    day_end(2024, 2, 20),
                    day_end(2024, 2, 20) + SECOND / 2,
                    day(2024, 2, 21),
                    day_end(2024, 2, 18),
                    day(2024, 2, 1) + 23 * HOUR + 59 * MINUTE + 59 * SECOND,
                ])
            } else {
                between(rng, day(2024, 1, 25), day_end(2024, 2, 22))
            }
        }
    };

    // Deadline shape: promised days, presale promise, tiered days.
    let mut promised_ship_days = None;
    let mut presale_ship_by = None;
    let nominal = match mode {
        "presale" => {
            let days = rng.range(3, 10);
            if rng.chance(92) {
                presale_ship_by = Some(paid_at + days * DAY);
            }
            days * DAY
        }
        "tiered" => {
            let days = rng.range(3, 5);
            if rng.chance(92) {
                promised_ship_days = Some(days);
            }
            days * DAY
        }
        _ => {
            if rng.chance(15) {
                let days = rng.range(2, 15);
                promised_ship_days = Some(days);
                days * DAY
            } else {
                48 * HOUR
            }
        }
    };

    // Shipping.
    let shipped_at = match rng.weighted(&[55, 12, 3, 12, 8, 10]) {
        0 => Some(paid_at + span(rng, nominal / 10, nominal * 8 / 10)),
        1 => Some(paid_at + span(rng, nominal * 8 / 10, nominal)),
        2 => Some(paid_at + nominal),
        3 => Some(paid_at + nominal + hours(rng, 0, 30) + SECOND),
        4 => Some(paid_at + nominal + rng.range(1, 20) * DAY + hours(rng, 0, 23)),
        _ => None,
    };
    let shipped_at = if period == Period::Festival && shipped_at.is_some() && rng.chance(15) {
        Some(between(rng, day(2024, 2, 21), day_end(2024, 2, 23)))
    } else {
        shipped_at
    };
    let shipped_at = by(now, shipped_at.map(|t| t.max(paid_at)));

    // Scans.
    let collected_at = shipped_at.and_then(|s| match rng.weighted(&[52, 10, 12, 8, 8, 3, 7]) {
        0 => Some(s + hours(rng, 1, 20)),
        1 => Some(s + hours(rng, 20, 26)),
        2 => Some(s + hours(rng, 26, 50)),
        3 => Some(s + hours(rng, 50, 130)),
        4 => None,
        5 => Some(paid_at - hours(rng, 1, 6)),
        _ => Some(s + rng.range(0, 2 * 3600) * SECOND),
    });
    let collected_at = by(now, collected_at);
    let first_transit_at = collected_at.and_then(|c| match rng.weighted(&[62, 15, 10, 13]) {
        0 => Some(c + hours(rng, 2, 22)),
        1 => Some(c + hours(rng, 22, 50)),
        2 => Some(c + hours(rng, 50, 130)),
        _ => None,
    });
    let first_transit_at = by(now, first_transit_at);
    let signed_at = by(
        now,
        first_transit_at
            .filter(|_| rng.chance(85))
            .map(|t| t + hours(rng, 20, 140)),
    );

    // Regions.
    let listed_share = match period {
        Period::Epidemic => 40,
        _ => 8,
    };
    let place = |rng: &mut Rng| -> Place {
        match rng.weighted(&[100 - listed_share, listed_share, 6]) {
            0 => rng.pick(places::ORDINARY),
            1 => rng.pick(places::LISTED),
            _ => rng.pick(places::NEAR_LISTED),
        }
    };
    let mut sender = place(rng);
    let mut receiver = place(rng);
    if relief && rng.chance(70) {
        if rng.chance(60) {
            sender = rng.pick(places::RELIEF);
        } else {
            receiver = rng.pick(places::RELIEF);
        }
    }

    // Epidemic situation of the sender city.
    let origin_status = if (period == Period::Epidemic && rng.chance(75)) || rng.chance(3) {
        let risk = match rng.weighted(&[60, 25, 15]) {
            0 => "none",
            1 => "medium",
            _ => "high",
        };
        let suspended = match rng.weighted(&[40, 35, 25]) {
            0 => 0,
            1 => rng.range(1, 5),
            _ => rng.range(6, 9),
        };
        Some(format!(
            "{{\"risk\": \"{risk}\", \"suspended_couriers\": {suspended}}}"
        ))
    } else {
        None
    };

    // Festival facts.
    let festival = period == Period::Festival;
    let mut tags: Vec<&str> = Vec::new();
    if rng.chance(if festival { 30 } else { 4 }) {
        tags.push(FESTIVAL_TAG);
    }
    if rng.chance(12) {
        tags.push(rng.pick(&["家居", "生鲜", "服饰", "数码"]));
    }
    let delay_ship_by = if rng.chance(if festival { 22 } else { 2 }) {
        let base = if festival {
            day(2024, 2, 16)
        } else {
            paid_at + DAY
        };
        Some(base + rng.range(0, 12) * DAY + 23 * HOUR + 59 * MINUTE + 59 * SECOND)
    } else {
        None
    };
    let festival_opt_out = match rng.weighted(if festival { &[15, 8, 77] } else { &[1, 3, 96] }) {
        0 => Some(true),
        1 => Some(false),
        _ => None,
    };
    let remote_area_service = rng.chance(12);

    // Reports.
    let mut reports = String::from("[");
    if rng.chance(12) {
        for i in 0..rng.range(1, 2) {
            if i > 0 {
                reports.push_str(", ");
            }
            let status = match rng.weighted(&[50, 25, 25]) {
                0 => "approved",
                1 => "pending",
                _ => "rejected",
            };
            let mut o = Obj::new(&mut reports);
            o.str("scope", rng.pick(SCOPES))
                .str("reason", rng.pick(REASONS))
                .str("status", status)
                .instant(
                    "latest_ship_at",
                    Some(paid_at + rng.range(2, 15) * DAY),
                    style,
                );
            o.close();
        }
    }
    reports.push(']');

    let order_cents = rng.range(500, 99_999);
    let shipping = rng.pick(&[0, 0, 500, 800, 1000, 1200]);
    let goods_cents = (order_cents - shipping).max(0);

    let mut id = String::from("DY");
    date_tag(&mut id, paid_at);
    id.push_str(&format!("{index:07}"));

    let mut o = Obj::new(out);
    o.str("kind", "order")
        .str("id", &id)
        .str("merchant_kind", if global { "global" } else { "shop" })
        .str("mode", mode);
    if let Some(d) = promised_ship_days {
        o.raw("promised_ship_days", &d.to_string());
    }
    if presale_ship_by.is_some() {
        o.instant("presale_ship_by", presale_ship_by, style);
    }
    o.strs("tags", &tags)
        .instant("paid_at", Some(paid_at), style)
        .instant("shipped_at", shipped_at, style)
        .instant("collected_at", collected_at, style)
        .instant("first_transit_at", first_transit_at, style);
    if signed_at.is_some() || rng.chance(50) {
        o.instant("signed_at", signed_at, style);
    }
    o.str("sender_region", region_text(rng, sender))
        .str("receiver_region", region_text(rng, receiver));
    match origin_status {
        Some(s) => {
            o.raw("origin_status", &s);
        }
        None if rng.chance(10) => {
            o.raw("origin_status", "null");
        }
        None => {}
    }
    o.str("order_paid", &money(rng, order_cents))
        .str("goods_paid", &money(rng, goods_cents))
        .raw(
            "remote_area_service",
            if remote_area_service { "true" } else { "false" },
        );
    if delay_ship_by.is_some() {
        o.instant("delay_ship_by", delay_ship_by, style);
    }
    if let Some(b) = festival_opt_out {
        o.raw("festival_opt_out", if b { "true" } else { "false" });
    }
    o.raw("reports", &reports);
    if rng.chance(8) {
        o.str("shop_id", &format!("S{:05}", rng.below(100_000)));
    }
    o.close();
}

/// Appends after-sale record `index` (no newline).
pub fn aftersale(rng: &mut Rng, index: u64, now: i64, out: &mut String) {
    let period = match rng.weighted(&[40, 30, 30]) {
        0 => Period::Ordinary,
        1 => Period::Double11,
        _ => Period::Festival,
    };
    let style = time_style(rng);
    let created_at = match period {
        Period::Double11 => between(rng, day(2023, 10, 25), day_end(2023, 12, 3)),
        Period::Festival => between(rng, day(2024, 1, 25), day_end(2024, 2, 20)),
        _ => match rng.weighted(&[55, 25, 20]) {
            0 => between(rng, day(2023, 1, 1), day_end(2023, 10, 20)),
            1 => between(rng, day(2023, 12, 5), day_end(2024, 1, 20)),
            _ => between(rng, day(2024, 2, 18), day_end(2024, 2, 29)),
        },
    };
    let kind = if rng.chance(70) {
        "return_refund"
    } else {
        "exchange"
    };
    let mut tags: Vec<&str> = Vec::new();
    if rng.chance(if period == Period::Festival { 55 } else { 5 }) {
        tags.push(FESTIVAL_TAG);
    }
    let approved_at = by(
        now,
        Some(created_at + rng.range(10 * 60, 48 * 3600) * SECOND).filter(|_| rng.chance(92)),
    );
    let uploaded_at = by(
        now,
        approved_at.and_then(|a| match rng.weighted(&[75, 10, 5, 10]) {
            0 => Some(a + hours(rng, 1, 6 * 24)),
            1 => Some(a + hours(rng, 6 * 24, 27 * 24)),
            2 => Some(a + hours(rng, 28 * 24, 35 * 24)),
            _ => None,
        }),
    );
    let signed_at = by(
        now,
        uploaded_at
            .filter(|_| rng.chance(72))
            .map(|u| u + hours(rng, 24, 6 * 24)),
    );
    let resolved_at = by(
        now,
        match (signed_at, uploaded_at) {
            (Some(s), _) => match rng.weighted(&[60, 20, 20]) {
                0 => Some(s + hours(rng, 1, 40)),
                1 => Some(s + hours(rng, 40, 100)),
                _ => None,
            },
            (None, Some(u)) if rng.chance(65) => Some(u + hours(rng, 2 * 24, 12 * 24)),
            _ => None,
        },
    );

    let mut order_id = String::from("DY");
    date_tag(&mut order_id, created_at - rng.range(1, 20) * DAY);
    order_id.push_str(&format!("{:07}", rng.below(10_000_000)));
    let mut id = String::from("AS");
    date_tag(&mut id, created_at);
    id.push_str(&format!("{index:07}"));

    let mut o = Obj::new(out);
    o.str("kind", "aftersale")
        .str("id", &id)
        .str("order_id", &order_id)
        .str("type", kind)
        .strs("tags", &tags)
        .instant("created_at", Some(created_at), style)
        .instant("approved_at", approved_at, style)
        .instant("return_uploaded_at", uploaded_at, style)
        .instant("return_signed_at", signed_at, style);
    if resolved_at.is_some() || rng.chance(70) {
        o.instant("resolved_at", resolved_at, style);
    }
    o.close();
}
