//! Window indexes: sibling rules found by the record's instant instead of by a scan.
//!
//! Announcements mostly add exceptions guarded by a time window on one instant field
//! (`order.paid_at in [2000-01-03 00:00:00, 2000-01-20 23:59:59]`). Scanning every sibling's
//! guard makes the cost per record grow with the number of announcements; this module lets
//! a rule list be searched by that field's value instead, in O(log n + hits).
//!
//! **Keys.** A rule is *keyed* on slot `s` with the closed interval `[lo, hi]` when its
//! guard, read left to right, starts with a prefix of *total* conjuncts that contains one or
//! more *key* conjuncts on `s` (`s in [a, b]`, `s < c`, `s >= c`, `s == c`… against
//! constant instants), `[lo, hi]` being the intersection of what they allow. A total
//! conjunct is one whose evaluation cannot stop (no value, `overridden` or status is read;
//! only record fields and constants, through operators that are defined on every value of
//! the shape the conjunct needs): `==`/`!=`, `is some`, membership in a constant set, in a
//! set field, in a region set, boolean fields and their `not`/`and`/`or`.
//!
//! **Exactness.** For a record whose slot `s` holds the instant `t` outside `[lo, hi]`, some
//! key conjunct is false, and every conjunct before it is total: evaluating the guard would
//! give `false` without a stop and without reading any value, so the rule does not apply
//! and skipping it changes nothing — not the outcome, not the order in which the other
//! guards are evaluated (candidates are merged back into rule-id order), not which stop
//! comes first. "Cannot stop" relies on the slots holding values of the expected shape
//! (an instant in `s`, a set where membership is tested, a boolean where one is read),
//! which decoding against the schema guarantees; the index still checks these shapes once
//! per record (a handful of slots, not one per rule) and scans the whole list when any of
//! them does not hold, or when the record is of another kind than the rules read.
//!
//! **Structure.** A list is indexed when at least [`MIN_KEYED`] of its rules are keyed on
//! the same slot; the rest stay in a short list that is always scanned. The keyed rules'
//! windows cut the line into segments (at every window start and after every window end),
//! each listing the rules whose window covers it. A query finds the segment holding `t` by
//! a direct lookup: the line is also cut into equal buckets (about two per segment), each
//! knowing the last segment that starts at or before it, so a query reads two adjacent
//! bucket entries and searches the few segments between them — two cache lines on the
//! common path, however many announcements there are.
//!
//! **Small lists.** A list with too few keyed rules for an index keeps their keys in a
//! [`KeyFilter`]: the same slot shapes are checked once per list and record, then each
//! keyed rule whose slot holds an instant outside its interval is skipped during the scan
//! instead of evaluating its guard. Exactness is argued as above.

use std::sync::Arc;

use ir::{CmpOp, Const, Expr, Field, KindId, Program, RuleId, Ty};

use crate::val::Val;

/// Lists with fewer rules keyed on one slot are scanned: an index would not pay for itself.
pub(crate) const MIN_KEYED: usize = 8;

/// A sorted list of sibling rules, with its window index when it has one (else, when some
/// of its rules are keyed, their keys: a [`KeyFilter`]). Reads as the slice of ids.
#[derive(Debug, Default)]
pub(crate) struct RuleList {
    ids: Box<[RuleId]>,
    index: Option<Box<WindowIndex>>,
    filter: Option<Box<KeyFilter>>,
    /// When at most one rule can apply, and no guard can stop, on a record with at least
    /// this many slots: see [`exclusive`].
    exclusive: Option<usize>,
}

impl RuleList {
    /// `ids` (sorted), indexed when the options allow and enough of them are keyed on one
    /// slot; else with a key filter, when allowed and some are keyed.
    pub(crate) fn new(
        p: &Program,
        kind: Option<KindId>,
        ids: Box<[RuleId]>,
        opts: crate::PrepareOptions,
    ) -> RuleList {
        let index = if opts.window_index {
            WindowIndex::build(p, kind, &ids).map(Box::new)
        } else {
            None
        };
        let filter = if opts.key_filter && index.is_none() {
            KeyFilter::build(p, kind, &ids).map(Box::new)
        } else {
            None
        };
        let exclusive = if opts.exclusive {
            exclusive(p, &ids)
        } else {
            None
        };
        RuleList {
            ids,
            index,
            filter,
            exclusive,
        }
    }

    /// The slots a record needs for the list to be [`exclusive`], when it is.
    #[inline]
    pub(crate) fn exclusive(&self) -> Option<usize> {
        self.exclusive
    }

    /// The key filter, if the list has one (never together with an index).
    #[inline]
    pub(crate) fn filter(&self) -> Option<&KeyFilter> {
        self.filter.as_deref()
    }

    /// The window index, if the list has one.
    #[inline]
    pub(crate) fn index(&self) -> Option<&WindowIndex> {
        self.index.as_deref()
    }
}

impl std::ops::Deref for RuleList {
    type Target = [RuleId];

    #[inline]
    fn deref(&self) -> &[RuleId] {
        &self.ids
    }
}

/// What skipping a rule relies on about a slot's value at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Need {
    /// The slot exists (it is read; any value will do).
    Any,
    /// An instant (compared with constant instants).
    Instant,
    /// A boolean (read as a conjunct or under `not`/`and`/`or`).
    Bool,
    /// A set or a list (membership is tested in it).
    Collection,
    /// A region (tested against a region set).
    Region,
}

impl Need {
    /// The shapes ([`Val::shape`]) that satisfy the need, one bit each: tested with a
    /// shift, where a `match` on the need compiled to an indirect jump whose target changes
    /// from need to need of a list (a misprediction each time on simple predictors).
    fn shapes(self) -> u32 {
        let bit = |v: Val| 1u32 << v.shape();
        match self {
            Need::Any => u32::MAX,
            Need::Instant => bit(Val::Instant(0)),
            Need::Bool => bit(Val::Bool(false)),
            Need::Collection => bit(Val::Set(Arc::from([]))) | bit(Val::List(Arc::from([]))),
            Need::Region => bit(Val::Region(0)),
        }
    }
}

/// Whether `v` has one of `shapes` ([`Need::shapes`]).
#[inline(always)]
fn fits(shapes: u32, v: &Val) -> bool {
    shapes >> v.shape() & 1 == 1
}

/// One keyed rule: it can apply only when the slot's instant is in `[lo, hi]`.
#[derive(Debug, Clone, Copy)]
struct Entry {
    lo: i64,
    hi: i64,
    rule: RuleId,
}

/// One segment of the line: from `start` to the next segment's start.
#[derive(Debug, Clone, Copy, Default)]
struct Seg {
    start: i64,
    /// The one rule when `count` is 1, else the offset of the rules in `WindowIndex::rules`.
    first: u32,
    count: u32,
}

/// A rule list's index (see the module doc).
#[derive(Debug)]
pub(crate) struct WindowIndex {
    kind: KindId,
    slot: usize,
    /// Slots and shapes checked once per record before the index is trusted.
    /// As [`Need::shapes`].
    needs: Box<[(usize, u32)]>,
    /// Segment `i` is `[segs[i].start, segs[i + 1].start)`, the last one open-ended; before
    /// the first, no keyed rule can apply. Starts are sorted and distinct. A segment's
    /// rules are sorted by id; the common single rule is stored in place.
    segs: Box<[Seg]>,
    /// Which segments to search for an instant.
    lookup: Buckets,
    /// The rules of segments with several.
    rules: Box<[RuleId]>,
    /// The list's other rules, sorted by id: always candidates.
    rest: Box<[RuleId]>,
}

/// What a rule's guard says about one slot.
#[derive(Debug, Clone)]
struct Key {
    slot: usize,
    lo: i64,
    hi: i64,
}

/// Keys and needs of one guard.
#[derive(Debug, Default)]
struct Analysis {
    keys: Vec<Key>,
    needs: Vec<(usize, Need)>,
}

impl Analysis {
    fn need(&mut self, slot: u32, need: Need) {
        self.needs.push((slot as usize, need));
    }

    fn key(&mut self, slot: u32, lo: i64, hi: i64) {
        let slot = slot as usize;
        match self.keys.iter_mut().find(|k| k.slot == slot) {
            Some(k) => {
                k.lo = k.lo.max(lo);
                k.hi = k.hi.min(hi);
            }
            None => self.keys.push(Key { slot, lo, hi }),
        }
    }
}

/// The slot of a top-level field of the record being judged.
fn slot(e: &Expr) -> Option<u32> {
    match e {
        Expr::Field(path) if path.len() == 1 => Some(path[0]),
        _ => None,
    }
}

/// `(slot, lo, hi)` when `e` compares an instant field with constant instants.
fn key_of(e: &Expr) -> Option<(u32, i64, i64)> {
    match e {
        Expr::InWindow(x, w) => match (slot(x), &**w) {
            (Some(s), Expr::Const(Const::Window(a, b))) => Some((s, *a, *b)),
            _ => None,
        },
        Expr::Cmp(op, a, b) => {
            let (s, c, op) = match (slot(a), &**b, slot(b), &**a) {
                (Some(s), Expr::Const(Const::Instant(c)), _, _) => (s, *c, *op),
                (_, _, Some(s), Expr::Const(Const::Instant(c))) => (s, *c, mirror(*op)),
                _ => return None,
            };
            let (lo, hi) = match op {
                CmpOp::Eq => (c, c),
                CmpOp::Lt => (i64::MIN, c.checked_sub(1)?),
                CmpOp::Le => (i64::MIN, c),
                CmpOp::Gt => (c.checked_add(1)?, i64::MAX),
                CmpOp::Ge => (c, i64::MAX),
                CmpOp::Ne => return None,
            };
            Some((s, lo, hi))
        }
        _ => None,
    }
}

/// `(slot, lo, hi)` when every conjunct compares the same instant field with constants
/// (a guard that holds exactly when the field's instant is in `[lo, hi]`, and cannot
/// stop on a record whose field holds an instant); `None` for an empty guard.
pub(crate) fn exact_key(conjuncts: &[ir::Conjunct]) -> Option<(usize, i64, i64)> {
    let mut key: Option<(u32, i64, i64)> = None;
    for c in conjuncts {
        let (s, lo, hi) = key_of(&c.expr)?;
        key = Some(match key {
            None => (s, lo, hi),
            Some((k, a, b)) if k == s => (s, a.max(lo), b.min(hi)),
            Some(_) => return None,
        });
    }
    key.map(|(s, lo, hi)| (s as usize, lo, hi))
}

/// What a conjunct that holds says about one slot, for telling guards apart.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fact {
    /// The slot holds one of these variants (bit `v` for variant `v`).
    Variants(usize, u64),
    /// The slot holds a value (`true`) or none (`false`).
    Present(usize, bool),
    /// Nothing usable (`field != variant`), but the conjunct cannot stop.
    Nothing(usize),
}

/// The [`Fact`] of a conjunct that cannot stop on a record having its slot, whatever the
/// slot holds: `field == variant`, `field != variant`, `field in {variants}`, `field is
/// some`, `field is none`. `None` for any other conjunct.
fn fact(e: &Expr) -> Option<Fact> {
    match e {
        Expr::Cmp(op @ (CmpOp::Eq | CmpOp::Ne), x, v) => match (slot(x), &**v) {
            (Some(s), Expr::Const(Const::Enum(v))) if *v < 64 => Some(match op {
                CmpOp::Eq => Fact::Variants(s as usize, 1 << v),
                _ => Fact::Nothing(s as usize),
            }),
            _ => None,
        },
        Expr::InSet(x, set) => match (slot(x), &**set) {
            (Some(s), Expr::Const(Const::Set(items))) => {
                Some(Fact::Variants(s as usize, enum_bits(items)?))
            }
            _ => None,
        },
        Expr::IsSome(x, want) => slot(x).map(|s| Fact::Present(s as usize, *want)),
        _ => None,
    }
}

/// The variants of a set of enum constants as bits (`None`: another member, or a variant
/// beyond 63): what `x in {variants}` tests, in [`fact`] and in the compiled condition.
pub(crate) fn enum_bits(items: &[Const]) -> Option<u64> {
    items.iter().try_fold(0u64, |bits, c| match c {
        Const::Enum(v) if *v < 64 => Some(bits | 1 << v),
        _ => None,
    })
}

/// Whether two facts cannot both hold.
fn contradict(a: Fact, b: Fact) -> bool {
    match (a, b) {
        (Fact::Variants(s, x), Fact::Variants(t, y)) => s == t && x & y == 0,
        (Fact::Present(s, x), Fact::Present(t, y)) => s == t && x != y,
        // A variant is a value: not none.
        (Fact::Variants(s, _), Fact::Present(t, false))
        | (Fact::Present(t, false), Fact::Variants(s, _)) => s == t,
        _ => false,
    }
}

/// The slots a record needs (one past the highest read) when the rules of `list` are
/// *exclusive*: every guard is made of conjuncts that cannot stop on a record that has
/// their slots ([`fact`]), and any two guards hold contradicting conjuncts (`mode ==
/// spot and promised_ship_days is none` against `mode in {spot, tiered} and
/// promised_ship_days is some` and `mode == presale`). On such a record at most one rule
/// applies and no guard stops, so a scan may end at the first rule that applies: the
/// rest are false without a stop, which is what evaluating them would find.
fn exclusive(p: &Program, list: &[RuleId]) -> Option<usize> {
    let guards: Vec<&[ir::Conjunct]> = list
        .iter()
        .map(|&r| Some(&p.rules.get(r as usize)?.guard.as_ref()?.conjuncts[..]))
        .collect::<Option<_>>()?;
    exclusive_guards(&guards)
}

/// [`exclusive`] of the rules' guards.
fn exclusive_guards(guards: &[&[ir::Conjunct]]) -> Option<usize> {
    if guards.len() < 2 {
        return None;
    }
    let facts: Vec<Vec<Fact>> = guards
        .iter()
        .map(|conjuncts| {
            let facts: Vec<Fact> = conjuncts
                .iter()
                .map(|c| fact(&c.expr))
                .collect::<Option<_>>()?;
            (!facts.is_empty()).then_some(facts)
        })
        .collect::<Option<_>>()?;
    for (i, a) in facts.iter().enumerate() {
        for b in &facts[i + 1..] {
            if !a.iter().any(|&x| b.iter().any(|&y| contradict(x, y))) {
                return None;
            }
        }
    }
    let slot = |f: &Fact| match *f {
        Fact::Variants(s, _) | Fact::Present(s, _) | Fact::Nothing(s) => s,
    };
    facts.iter().flatten().map(slot).max().map(|s| s + 1)
}

/// `c op x` as `x op' c`.
fn mirror(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

/// Whether evaluating `e` yields a value without a stop, noting what that relies on.
fn total_value(e: &Expr, a: &mut Analysis) -> bool {
    match e {
        Expr::Const(_) => true,
        _ => match slot(e) {
            Some(s) => {
                a.need(s, Need::Any);
                true
            }
            None => false,
        },
    }
}

/// Whether evaluating `e` yields a boolean without a stop, noting what that relies on.
fn total_bool(e: &Expr, a: &mut Analysis) -> bool {
    if let Some((s, _, _)) = key_of(e) {
        a.need(s, Need::Instant);
        return true;
    }
    match e {
        Expr::Const(Const::Bool(_)) => true,
        Expr::Field(_) => match slot(e) {
            Some(s) => {
                a.need(s, Need::Bool);
                true
            }
            None => false,
        },
        Expr::Not(x) => total_bool(x, a),
        Expr::And(xs) | Expr::Or(xs) => xs.iter().all(|x| total_bool(x, a)),
        Expr::Cmp(CmpOp::Eq | CmpOp::Ne, x, y) => total_value(x, a) && total_value(y, a),
        Expr::IsSome(x, _) => total_value(x, a),
        Expr::InSet(x, s) => {
            total_value(x, a)
                && match (&**s, slot(s)) {
                    (Expr::Const(Const::Set(_)), _) => true,
                    (_, Some(j)) => {
                        a.need(j, Need::Collection);
                        true
                    }
                    _ => false,
                }
        }
        Expr::InRegions(x, s) => match (slot(x), &**s) {
            (Some(i), Expr::Const(Const::Regions(_) | Const::Region(_))) => {
                a.need(i, Need::Region);
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// The keys of a guard: what its total prefix says about instant fields.
fn analyse(conjuncts: &[ir::Conjunct]) -> Analysis {
    let mut a = Analysis::default();
    for c in conjuncts {
        if let Some((s, lo, hi)) = key_of(&c.expr) {
            a.need(s, Need::Instant);
            a.key(s, lo, hi);
            continue;
        }
        let before = a.needs.len();
        if !total_bool(&c.expr, &mut a) {
            a.needs.truncate(before);
            break;
        }
    }
    a
}

/// Whether field `s` holds instants (possibly absent ones).
fn is_instant(fields: &[Field], s: usize) -> bool {
    fields.get(s).is_some_and(|f| *f.ty.base() == Ty::Instant)
}

impl WindowIndex {
    /// An index over `list` (sorted rule ids of one value), or `None` when fewer than
    /// [`MIN_KEYED`] of its rules are keyed on one instant field.
    pub(crate) fn build(p: &Program, kind: Option<KindId>, list: &[RuleId]) -> Option<WindowIndex> {
        let kind = kind?;
        let fields = &p.kinds.get(kind as usize)?.fields;
        let analyses: Vec<(RuleId, Analysis)> = list
            .iter()
            .filter_map(|&r| {
                let guard = p.rules.get(r as usize)?.guard.as_ref()?;
                Some((r, analyse(&guard.conjuncts)))
            })
            .collect();
        // The slot most rules are keyed on.
        let mut counts: Vec<(usize, usize)> = Vec::new();
        for (_, a) in &analyses {
            for k in &a.keys {
                match counts.iter_mut().find(|(s, _)| *s == k.slot) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((k.slot, 1)),
                }
            }
        }
        let (slot, n) = counts
            .iter()
            .copied()
            .max_by_key(|&(s, n)| (n, std::cmp::Reverse(s)))?;
        if n < MIN_KEYED || !is_instant(fields, slot) {
            return None;
        }
        let mut entries = Vec::with_capacity(n);
        let mut needs = Vec::new();
        for (r, a) in &analyses {
            if let Some(k) = a.keys.iter().find(|k| k.slot == slot) {
                entries.push(Entry {
                    lo: k.lo,
                    hi: k.hi,
                    rule: *r,
                });
                needs.extend_from_slice(&a.needs);
            }
        }
        let keyed: Vec<RuleId> = entries.iter().map(|e| e.rule).collect();
        let rest: Box<[RuleId]> = list
            .iter()
            .copied()
            .filter(|r| !keyed.contains(r))
            .collect();
        // `Any` is implied by any other need on the same slot.
        let needs = simplify(needs);
        let (segs, rules) = segments(&entries)?;
        Some(WindowIndex {
            kind,
            slot,
            needs: needs.into_iter().map(|(s, n)| (s, n.shapes())).collect(),
            lookup: Buckets::new(&segs),
            segs: segs.into(),
            rules: rules.into(),
            rest,
        })
    }

    /// The rules that are always candidates, sorted by id.
    pub(crate) fn rest(&self) -> &[RuleId] {
        &self.rest
    }

    /// Appends to `out`, sorted by id, the keyed rules whose interval holds the record's
    /// instant; `false` (nothing appended) when the index cannot be trusted for this record
    /// and the whole list must be scanned.
    #[inline]
    pub(crate) fn candidates(&self, kind: KindId, rec: &[Val], out: &mut Vec<RuleId>) -> bool {
        if kind != self.kind {
            return false;
        }
        for &(s, need) in self.needs.iter() {
            match rec.get(s) {
                Some(v) if fits(need, v) => {}
                _ => return false,
            }
        }
        let Some(Val::Instant(t)) = rec.get(self.slot) else {
            return false;
        };
        match self.segment(*t) {
            Some(Seg {
                count: 1, first, ..
            }) => out.push(first),
            Some(Seg { count, first, .. }) if count > 1 => {
                let from = first as usize;
                if let Some(rules) = self.rules.get(from..from + count as usize) {
                    out.extend_from_slice(rules);
                }
            }
            _ => {}
        }
        true
    }

    /// The segment holding `t`, if any.
    #[inline]
    fn segment(&self, t: i64) -> Option<Seg> {
        let b = &self.lookup;
        if t < b.base {
            // Before the first bucket only a leading segment open to the left can hold `t`.
            return self.segs.first().filter(|s| s.start <= t).copied();
        }
        let i = b.bucket(t).min(b.first.len().checked_sub(1)?);
        let lo = *b.first.get(i)? as usize;
        let hi = b
            .first
            .get(i + 1)
            .map_or(self.segs.len(), |&x| x as usize + 1);
        let segs = self.segs.get(lo..hi)?;
        let within = segs.partition_point(|s| s.start <= t);
        segs.get(within.checked_sub(1)?).copied()
    }
}

/// The direct lookup of a [`WindowIndex`]: from `base`, buckets of `2^shift` µs; `first[b]`
/// is the last segment starting at or before bucket `b`'s start. The segment holding an
/// instant of bucket `b` is then between `first[b]` and `first[b + 1]` (the last bucket:
/// up to the last segment).
#[derive(Debug, Default)]
struct Buckets {
    base: i64,
    shift: u32,
    first: Box<[u32]>,
}

impl Buckets {
    fn new(segs: &[Seg]) -> Buckets {
        // A leading segment open to the left (from a `field < c` key) starts at i64::MIN:
        // counting buckets from there would make each span years. It stays before `base`.
        let skip = usize::from(segs.len() > 1 && segs.first().is_some_and(|s| s.start == i64::MIN));
        let (Some(from), Some(last)) = (segs.get(skip), segs.last()) else {
            return Buckets::default();
        };
        let base = from.start;
        let span = (i128::from(last.start) - i128::from(base)).unsigned_abs();
        let most = 2 * (segs.len() - skip) as u128;
        let mut shift = 0;
        while (span >> shift) + 1 > most {
            shift += 1;
        }
        let count = (span >> shift) as usize + 1;
        let first = (0..count)
            .map(|b| {
                let start = i128::from(base) + ((b as i128) << shift);
                let after = segs.partition_point(|s| i128::from(s.start) <= start);
                // Segment `skip` starts at `base`, at or before every bucket: `after` >= 1.
                u32::try_from(after.saturating_sub(1)).unwrap_or(u32::MAX)
            })
            .collect();
        Buckets { base, shift, first }
    }

    /// The bucket of `t` (`t >= base`), unbounded.
    #[inline]
    fn bucket(&self, t: i64) -> usize {
        let offset = (i128::from(t) - i128::from(self.base)).unsigned_abs();
        usize::try_from(offset >> self.shift).unwrap_or(usize::MAX)
    }
}

/// The keys of a list too small for an index: the same exactness argument (module doc),
/// applied rule by rule during the scan. When the record passes [`KeyFilter::trusted`]
/// (its kind, and the slot shapes every keyed rule's total prefix relies on, checked once
/// per list), a rule whose key slot holds an instant outside its interval is skipped: its
/// guard would be false without a stop and without reading a value.
#[derive(Debug)]
pub(crate) struct KeyFilter {
    kind: KindId,
    /// The slots read with no shape needed exist: the record has at least this many.
    min_len: usize,
    /// The shapes needed, as [`Need::shapes`] (no [`Need::Any`]: those are `min_len`).
    needs: Box<[(usize, u32)]>,
    /// Per rule of the list, in list order: `(slot, lo, hi)`, or an empty interval
    /// (`lo > hi` never skips: see [`KeyFilter::skips`]) for unkeyed rules.
    keys: Box<[(usize, i64, i64)]>,
}

impl KeyFilter {
    /// The keys of `list`, or `None` when none of its rules is keyed on an instant field.
    fn build(p: &Program, kind: Option<KindId>, list: &[RuleId]) -> Option<KeyFilter> {
        let kind = kind?;
        let fields = &p.kinds.get(kind as usize)?.fields;
        let mut needs = Vec::new();
        let mut keys = Vec::with_capacity(list.len());
        let mut keyed = 0;
        for &r in list {
            let a = p
                .rules
                .get(r as usize)
                .and_then(|rule| rule.guard.as_ref())
                .map(|g| analyse(&g.conjuncts))
                .unwrap_or_default();
            match a.keys.iter().find(|k| is_instant(fields, k.slot)) {
                Some(k) => {
                    keys.push((k.slot, k.lo, k.hi));
                    needs.extend_from_slice(&a.needs);
                    keyed += 1;
                }
                None => keys.push((0, 0, -1)),
            }
        }
        if keyed == 0 {
            return None;
        }
        let needs = simplify(needs);
        let min_len = needs
            .iter()
            .filter(|(_, n)| *n == Need::Any)
            .map(|(s, _)| s + 1)
            .max()
            .unwrap_or(0);
        Some(KeyFilter {
            kind,
            min_len,
            needs: needs
                .into_iter()
                .filter(|(_, n)| *n != Need::Any)
                .map(|(s, n)| (s, n.shapes()))
                .collect(),
            keys: keys.into(),
        })
    }

    /// Whether the keys can be trusted for this record.
    #[inline]
    pub(crate) fn trusted(&self, kind: KindId, rec: &[Val]) -> bool {
        kind == self.kind
            && rec.len() >= self.min_len
            && self
                .needs
                .iter()
                .all(|&(s, need)| rec.get(s).is_some_and(|v| fits(need, v)))
    }

    /// Whether the `i`th rule of the list has a key.
    pub(crate) fn keys(&self, i: usize) -> bool {
        self.keys.get(i).is_some_and(|&(_, lo, hi)| lo <= hi)
    }

    /// Whether every rule of the list has a key (so a trusted record can be outside all).
    pub(crate) fn keys_every_rule(&self) -> bool {
        self.keys.iter().all(|&(_, lo, hi)| lo <= hi)
    }

    /// Whether the `i`th rule of the list can be skipped (on a trusted record).
    #[inline]
    pub(crate) fn skips(&self, i: usize, rec: &[Val]) -> bool {
        match self.keys.get(i) {
            Some(&(s, lo, hi)) if lo <= hi => {
                matches!(rec.get(s), Some(Val::Instant(t)) if *t < lo || *t > hi)
            }
            _ => false,
        }
    }
}

/// Needs sorted and deduplicated; `Any` dropped where another need covers its slot.
fn simplify(mut needs: Vec<(usize, Need)>) -> Vec<(usize, Need)> {
    needs.sort_unstable();
    needs.dedup();
    needs
        .iter()
        .copied()
        .filter(|&(s, n)| n != Need::Any || !needs.iter().any(|&(t, m)| t == s && m != n))
        .collect()
}

/// The segments and the rules of those with several (see [`WindowIndex`]).
type Segments = (Vec<Seg>, Vec<RuleId>);

/// Entries of the index beyond which a list is left to the scan (heavily overlapping
/// windows: every segment would list most rules, and a scan costs little more).
fn max_size(keyed: usize) -> usize {
    32 * keyed + 4096
}

/// Cuts the line at every window end: the distinct bounds, and per segment the rules whose
/// window covers it (sorted by id). `None` when that would exceed [`max_size`].
fn segments(entries: &[Entry]) -> Option<Segments> {
    // (instant, opens?, rule): a window [lo, hi] opens at lo and closes at hi + 1.
    let mut events: Vec<(i64, bool, RuleId)> = Vec::with_capacity(2 * entries.len());
    for e in entries {
        events.push((e.lo, true, e.rule));
        if let Some(end) = e.hi.checked_add(1) {
            events.push((end, false, e.rule));
        }
    }
    events.sort_unstable();
    let limit = max_size(entries.len());
    let mut active: std::collections::BTreeSet<RuleId> = std::collections::BTreeSet::new();
    let (mut segs, mut rules) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < events.len() {
        let at = events[i].0;
        while i < events.len() && events[i].0 == at {
            let (_, opens, r) = events[i];
            if opens {
                active.insert(r);
            } else {
                active.remove(&r);
            }
            i += 1;
        }
        let count = u32::try_from(active.len()).ok()?;
        let first = match active.first() {
            Some(&r) if count == 1 => r,
            _ => {
                let offset = u32::try_from(rules.len()).ok()?;
                rules.extend(active.iter().copied());
                offset
            }
        };
        segs.push(Seg {
            start: at,
            first,
            count,
        });
        if segs.len() + rules.len() > limit {
            return None;
        }
    }
    Some((segs, rules))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exclusive_guards_need_contradicting_total_conjuncts() {
        let field = |s: u32| Box::new(Expr::Field(vec![s]));
        let conj = |expr: Expr| ir::Conjunct {
            expr,
            text: String::new(),
        };
        let is = |s, v| {
            conj(Expr::Cmp(
                CmpOp::Eq,
                field(s),
                Box::new(Expr::Const(Const::Enum(v))),
            ))
        };
        let not = |s, v| {
            conj(Expr::Cmp(
                CmpOp::Ne,
                field(s),
                Box::new(Expr::Const(Const::Enum(v))),
            ))
        };
        let among = |s, vs: &[u32]| {
            let set = vs.iter().map(|&v| Const::Enum(v)).collect();
            conj(Expr::InSet(
                field(s),
                Box::new(Expr::Const(Const::Set(set))),
            ))
        };
        let some = |s, want| conj(Expr::IsSome(field(s), want));
        // Three bases: mode 0 and no promise; mode 0 or 2 and a promise; mode 1.
        let spot = [is(1, 0), some(4, false)];
        let promised = [among(1, &[0, 2]), some(4, true)];
        let presale = [is(1, 1), some(6, true)];
        assert_eq!(exclusive_guards(&[&spot, &promised, &presale]), Some(7));
        // Without the promise, spot and {spot, tiered} overlap.
        assert_eq!(exclusive_guards(&[&spot[..1], &promised[..1]]), None);
        // `!=` says nothing to tell guards apart, but cannot stop.
        assert_eq!(exclusive_guards(&[&[is(1, 0)], &[not(1, 0)]]), None);
        assert_eq!(
            exclusive_guards(&[&[is(1, 0), not(2, 3)], &[is(1, 1)]]),
            Some(3)
        );
        // A variant is a value: `is none` of the same field contradicts it.
        assert_eq!(exclusive_guards(&[&[is(5, 0)], &[some(5, false)]]), Some(6));
        // A conjunct that could stop, an unguarded rule, a single rule: not exclusive.
        let window = conj(Expr::InWindow(
            field(0),
            Box::new(Expr::Const(Const::Window(0, 9))),
        ));
        assert_eq!(exclusive_guards(&[&[is(1, 0), window], &[is(1, 1)]]), None);
        assert_eq!(exclusive_guards(&[&[], &[is(1, 1)]]), None);
        assert_eq!(exclusive_guards(&[&[is(1, 1)]]), None);
    }

    #[test]
    fn needs_accept_exactly_their_shapes() {
        let vals = [
            Val::Null,
            Val::Bool(true),
            Val::Int(1),
            Val::Instant(1),
            Val::Duration(1),
            Val::Str(Arc::from("a")),
            Val::Enum(0),
            Val::Region(110000),
            Val::Window(0, 1),
            Val::Set(Arc::from([])),
            Val::List(Arc::from([])),
            Val::Record(Arc::from([])),
        ];
        for v in &vals {
            let spec = [
                (Need::Any, true),
                (Need::Instant, matches!(v, Val::Instant(_))),
                (Need::Bool, matches!(v, Val::Bool(_))),
                (Need::Collection, matches!(v, Val::Set(_) | Val::List(_))),
                (Need::Region, matches!(v, Val::Region(_))),
            ];
            for (need, want) in spec {
                assert_eq!(fits(need.shapes(), v), want, "{need:?} {v:?}");
            }
        }
    }

    fn index_of(windows: &[(i64, i64)]) -> WindowIndex {
        let entries: Vec<Entry> = windows
            .iter()
            .enumerate()
            .map(|(i, &(a, b))| Entry {
                lo: a.min(b),
                hi: a.max(b),
                rule: i as RuleId,
            })
            .collect();
        let (segs, rules) = segments(&entries).unwrap_or_default();
        WindowIndex {
            kind: 0,
            slot: 0,
            needs: Box::new([]),
            lookup: Buckets::new(&segs),
            segs: segs.into(),
            rules: rules.into(),
            rest: Box::new([]),
        }
    }

    /// What the index finds for `t` (`None`: it refused the record) and the windows that
    /// hold `t`, by a plain scan.
    fn query_and_truth(windows: &[(i64, i64)], t: i64) -> (Option<Vec<RuleId>>, Vec<RuleId>) {
        let mut got = Vec::new();
        let trusted = index_of(windows).candidates(0, &[Val::Instant(t)], &mut got);
        let want = windows
            .iter()
            .enumerate()
            .filter(|(_, &(a, b))| a.min(b) <= t && t <= a.max(b))
            .map(|(i, _)| i as RuleId)
            .collect();
        (trusted.then_some(got), want)
    }

    proptest! {
        #[test]
        fn query_finds_exactly_the_windows_holding_t(
            windows in prop::collection::vec((-1000i64..1000, 0i64..200), 1..200)
                .prop_map(|w| w.into_iter().map(|(a, len)| (a, a + len)).collect::<Vec<_>>()),
            t in -1100i64..1300,
        ) {
            let (got, want) = query_and_truth(&windows, t);
            prop_assert_eq!(got, Some(want));
        }
    }

    proptest! {
        // Windows bunched together and a few far away: buckets are wide, and hold many
        // segments each, which the lookup then searches.
        #[test]
        fn query_is_exact_when_windows_bunch(
            near in prop::collection::vec((-50i64..50, 0i64..20), 8..120),
            far in prop::collection::vec(1_000_000_000_000i64..1_000_000_000_100, 1..4),
            t in prop_oneof![-80i64..80, 999_999_999_990i64..1_000_000_000_200],
        ) {
            let windows: Vec<(i64, i64)> = near
                .into_iter()
                .map(|(a, len)| (a, a + len))
                .chain(far.into_iter().map(|a| (a, a + 5)))
                .collect();
            let (got, want) = query_and_truth(&windows, t);
            prop_assert_eq!(got, Some(want));
        }
    }

    #[test]
    fn extreme_bounds() {
        let ix = index_of(&[(i64::MIN, 0), (0, i64::MAX), (i64::MIN, i64::MAX)]);
        for (t, want) in [
            (i64::MIN, vec![0, 2]),
            (0, vec![0, 1, 2]),
            (i64::MAX, vec![1, 2]),
        ] {
            let mut got = Vec::new();
            assert!(ix.candidates(0, &[Val::Instant(t)], &mut got));
            assert_eq!(got, want);
        }
    }

    #[test]
    fn heavy_overlap_is_left_to_the_scan() {
        let nested: Vec<Entry> = (0..400)
            .map(|i| Entry {
                lo: -i,
                hi: i,
                rule: i as RuleId,
            })
            .collect();
        assert!(segments(&nested).is_none());
        assert!(segments(&nested[..40]).is_some());
    }

    #[test]
    fn other_kinds_and_shapes_fall_back() {
        let ix = index_of(&[(0, 10)]);
        let mut got = Vec::new();
        assert!(!ix.candidates(1, &[Val::Instant(5)], &mut got));
        assert!(!ix.candidates(0, &[Val::Null], &mut got));
        assert!(!ix.candidates(0, &[], &mut got));
        assert!(got.is_empty());
    }

    fn conj(expr: Expr) -> ir::Conjunct {
        ir::Conjunct {
            expr,
            text: String::new(),
        }
    }

    fn field(s: u32) -> Box<Expr> {
        Box::new(Expr::Field(vec![s]))
    }

    #[test]
    fn keys_come_from_the_total_prefix_only() {
        let window = Expr::InWindow(field(0), Box::new(Expr::Const(Const::Window(10, 20))));
        let shop = Expr::Cmp(CmpOp::Eq, field(1), Box::new(Expr::Const(Const::Enum(0))));
        let late = Expr::Cmp(
            CmpOp::Lt,
            field(0),
            Box::new(Expr::Const(Const::Instant(15))),
        );
        let value = Expr::Value(0);

        let a = analyse(&[conj(shop.clone()), conj(window.clone()), conj(late)]);
        assert_eq!(a.keys.len(), 1);
        assert_eq!((a.keys[0].lo, a.keys[0].hi), (10, 14));

        // A conjunct that may stop ends the prefix: the window after it is not a key.
        let a = analyse(&[conj(value.clone()), conj(window.clone())]);
        assert!(a.keys.is_empty());
        // ... but one before it still is.
        let a = analyse(&[conj(window), conj(value)]);
        assert_eq!(a.keys.len(), 1);
        // A bool field needs a bool; a set field a collection.
        let tag = Expr::Not(Box::new(Expr::InSet(
            Box::new(Expr::Const(Const::Str("t".into()))),
            field(3),
        )));
        let a = analyse(&[conj(Expr::Field(vec![2])), conj(tag)]);
        assert!(a.needs.contains(&(2, Need::Bool)));
        assert!(a.needs.contains(&(3, Need::Collection)));
    }
}
