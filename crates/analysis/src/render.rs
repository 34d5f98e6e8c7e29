//! Showing IR expressions and constants in the policy author's terms.
//!
//! Analysis results are read by the people who wrote the policies, so fields are shown
//! with their kind (`kind.field.sub`), values by qualified id, instants in +08:00 as
//! `YYYY-MM-DD hh:mm:ss`, durations as `48h` / `14d`. The rendering is also the identity of
//! an expression *across* programs (value ids differ between two versions of a policy set,
//! names do not), which is what the diff compares.

use ir::{ArithOp, CmpOp, Const, Expr, Func, KindId, Program, QuantOp, Ty};

/// Offset of the instants shown to people (Beijing time).
pub const SHOW_OFFSET_US: i64 = 8 * 3_600 * 1_000_000;

/// `YYYY-MM-DD hh:mm:ss[.ffffff]` in +08:00.
pub fn instant(us: i64) -> String {
    let t = us.saturating_add(SHOW_OFFSET_US);
    let secs = t.div_euclid(1_000_000);
    let frac = t.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let base = format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    );
    if frac == 0 {
        base
    } else {
        format!("{base}.{frac:06}")
    }
}

/// The end of a window as written: an end written to the second covers that whole second
/// (stored as its last microsecond), and is shown without the fraction.
pub fn instant_end(us: i64) -> String {
    if us.rem_euclid(1_000_000) == 999_999 {
        instant(us - 999_999)
    } else {
        instant(us)
    }
}

/// RFC 3339 in +08:00, for witness records.
pub fn rfc3339(us: i64) -> String {
    let s = instant(us);
    format!("{}+08:00", s.replacen(' ', "T", 1))
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `48h`, `14d`, `30min`, `90s`, or µs when nothing shorter is exact.
pub fn duration(us: i64) -> String {
    let sign = if us < 0 { "-" } else { "" };
    let a = us.unsigned_abs();
    let units: [(u64, &str); 5] = [
        (86_400_000_000, "d"),
        (3_600_000_000, "h"),
        (60_000_000, "min"),
        (1_000_000, "s"),
        (1, "us"),
    ];
    if a == 0 {
        return "0h".into();
    }
    for (u, name) in units {
        // Days read better from a week on (`14d`); below, hours (`48h`, `72h`).
        if u == 86_400_000_000 && a < 7 * u {
            continue;
        }
        if (a / u) * u == a {
            return format!("{sign}{}{name}", a / u);
        }
    }
    format!("{sign}{a}us")
}

/// The name of a field path of a fact kind: `kind.a.b`.
pub fn field_path(p: &Program, kind: Option<KindId>, path: &[u32]) -> String {
    let Some(k) = kind.and_then(|k| p.kinds.get(k as usize)) else {
        return format!("field{path:?}");
    };
    let mut out = k.name.clone();
    let mut fields = &k.fields;
    for slot in path {
        match fields.get(*slot as usize) {
            Some(f) => {
                out.push('.');
                out.push_str(&f.name);
                fields = match f.ty.base() {
                    Ty::Record(r) => p.records.get(*r as usize).map_or(fields, |r| &r.fields),
                    _ => fields,
                };
            }
            None => out.push_str(&format!(".#{slot}")),
        }
    }
    out
}

/// A constant as a policy would write it.
pub fn constant(p: &Program, ty: Option<&Ty>, c: &Const) -> String {
    match c {
        Const::Bool(b) => b.to_string(),
        Const::Int(i) => i.to_string(),
        Const::Instant(t) => instant(*t),
        Const::Duration(d) => duration(*d),
        Const::Money(m) => format!("{} CNY", m.normalize()),
        Const::Percent(x) => format!("{}%", x.normalize()),
        Const::Str(s) => format!("{s:?}"),
        Const::Enum(i) => enum_variant(p, ty, *i),
        Const::Region(code) => region_name(*code),
        Const::Regions(set) => {
            let names: Vec<String> = set
                .ranges()
                .iter()
                .map(|(lo, _)| region_name(*lo))
                .collect();
            format!("regions {{{}}}", names.join(", "))
        }
        Const::Window(a, b) => format!("[{}, {}]", instant(*a), instant_end(*b)),
        Const::Set(items) => {
            let inner = ty.and_then(|t| match t.base() {
                Ty::Set(t) => Some(&**t),
                _ => None,
            });
            let parts: Vec<String> = items.iter().map(|c| constant(p, inner, c)).collect();
            format!("{{{}}}", parts.join(", "))
        }
        Const::Status(s) => s.name().to_string(),
    }
}

/// A region code as its canonical name (or the code when unknown).
pub fn region_name(code: u32) -> String {
    regions::gazetteer()
        .full_name(code)
        .unwrap_or_else(|| format!("{code:06}"))
}

fn enum_variant(p: &Program, ty: Option<&Ty>, i: u32) -> String {
    let name = ty.and_then(|t| match t.base() {
        Ty::Enum(e) => p
            .enums
            .get(*e as usize)
            .and_then(|e| e.variants.get(i as usize)),
        Ty::Set(t) => match t.base() {
            Ty::Enum(e) => p
                .enums
                .get(*e as usize)
                .and_then(|e| e.variants.get(i as usize)),
            _ => None,
        },
        _ => None,
    });
    name.cloned().unwrap_or_else(|| format!("#{i}"))
}

/// Renders expressions of one value's context (its fact kind).
pub struct Renderer<'a> {
    /// The program.
    pub program: &'a Program,
    /// The fact kind fields are read from.
    pub kind: Option<KindId>,
}

impl Renderer<'_> {
    /// The expression as text.
    pub fn expr(&self, e: &Expr) -> String {
        self.go(e, None, &[])
    }

    /// `env`: the record types of the list elements bound by enclosing aggregates,
    /// outermost first (`None`: not a record).
    fn go(&self, e: &Expr, hint: Option<&Ty>, env: &[Option<u32>]) -> String {
        let p = self.program;
        match e {
            Expr::Const(c) => constant(p, hint, c),
            Expr::Field(path) => field_path(p, self.kind, path),
            Expr::Local { depth, path } => self.local(*depth, path, env),
            Expr::Value(v) => p
                .values
                .get(*v as usize)
                .map_or_else(|| format!("value#{v}"), |v| v.id.clone()),
            Expr::Overridden => "overridden".into(),
            Expr::Status(c) => p
                .checks
                .get(*c as usize)
                .map_or_else(|| format!("check#{c}"), |c| format!("{}.status", c.name)),
            Expr::Not(x) => format!("not ({})", self.go(x, None, env)),
            Expr::Neg(x) => format!("-({})", self.go(x, None, env)),
            Expr::And(xs) => self.join(xs, " and ", env),
            Expr::Or(xs) => format!("({})", self.join(xs, " or ", env)),
            Expr::Cmp(op, a, b) => {
                let t = self.ty_in(a, env).or_else(|| self.ty_in(b, env));
                format!(
                    "{} {} {}",
                    self.go(a, t.as_ref(), env),
                    cmp_symbol(*op),
                    self.go(b, t.as_ref(), env)
                )
            }
            Expr::Arith(op, a, b) => format!(
                "{} {} {}",
                self.go(a, None, env),
                arith_symbol(*op),
                self.go(b, None, env)
            ),
            Expr::IsSome(x, some) => {
                format!(
                    "{} is {}",
                    self.go(x, None, env),
                    if *some { "some" } else { "none" }
                )
            }
            Expr::InWindow(a, b) | Expr::InRegions(a, b) => {
                format!("{} in {}", self.go(a, None, env), self.go(b, None, env))
            }
            Expr::InSet(a, b) => {
                let t = self.ty_in(a, env).map(|t| Ty::Set(Box::new(t)));
                format!(
                    "{} in {}",
                    self.go(a, None, env),
                    self.go(b, t.as_ref(), env)
                )
            }
            Expr::Call(f, args) => {
                let name = match f {
                    Func::Max => "max",
                    Func::Min => "min",
                    Func::Round => "round",
                };
                format!("{name}({})", self.join(args, ", ", env))
            }
            Expr::Quant { op, list, filter } => {
                let name = match op {
                    QuantOp::Any => "any",
                    QuantOp::All => "all",
                    QuantOp::Count => "count",
                };
                let inner = self.bind(list, env);
                let f = filter
                    .as_ref()
                    .map(|f| format!(" where {}", self.go(f, None, &inner)))
                    .unwrap_or_default();
                format!(
                    "{name}({} in {}{f})",
                    var(inner.len() - 1),
                    self.go(list, None, env)
                )
            }
            Expr::Extremum {
                op,
                body,
                list,
                filter,
            } => {
                let name = if *op == Func::Min { "min" } else { "max" };
                let inner = self.bind(list, env);
                let f = filter
                    .as_ref()
                    .map(|f| format!(" where {}", self.go(f, None, &inner)))
                    .unwrap_or_default();
                format!(
                    "{name}({} for {} in {}{f})",
                    self.go(body, None, &inner),
                    var(inner.len() - 1),
                    self.go(list, None, env)
                )
            }
        }
    }

    fn join(&self, xs: &[Expr], sep: &str, env: &[Option<u32>]) -> String {
        xs.iter()
            .map(|x| self.go(x, None, env))
            .collect::<Vec<_>>()
            .join(sep)
    }

    /// `env` with the element of `list` bound.
    fn bind(&self, list: &Expr, env: &[Option<u32>]) -> Vec<Option<u32>> {
        let rec = self.ty_in(list, env).and_then(|t| match t.base() {
            Ty::List(x) | Ty::Set(x) => match x.base() {
                Ty::Record(r) => Some(*r),
                _ => None,
            },
            _ => None,
        });
        let mut out = env.to_vec();
        out.push(rec);
        out
    }

    /// A list element's field: `r.status`.
    fn local(&self, depth: u32, path: &[u32], env: &[Option<u32>]) -> String {
        let Some(level) = env.len().checked_sub(1 + depth as usize) else {
            return "element".into();
        };
        let mut out = var(level).to_string();
        let mut rec = env[level];
        for slot in path {
            let field = rec
                .and_then(|r| self.program.records.get(r as usize))
                .and_then(|r| r.fields.get(*slot as usize));
            match field {
                Some(f) => {
                    out.push('.');
                    out.push_str(&f.name);
                    rec = match f.ty.base() {
                        Ty::Record(r) => Some(*r),
                        _ => None,
                    };
                }
                None => {
                    out.push_str(&format!(".field{slot}"));
                    rec = None;
                }
            }
        }
        out
    }

    /// The type of a field or element expression, with `env` bound.
    fn ty_in(&self, e: &Expr, env: &[Option<u32>]) -> Option<Ty> {
        match e {
            Expr::Local { depth, path } => {
                let level = env.len().checked_sub(1 + *depth as usize)?;
                let mut rec = env[level]?;
                let mut ty = None;
                for slot in path {
                    let f = self
                        .program
                        .records
                        .get(rec as usize)?
                        .fields
                        .get(*slot as usize)?;
                    ty = Some(f.ty.clone());
                    if let Ty::Record(r) = f.ty.base() {
                        rec = *r;
                    }
                }
                ty
            }
            _ => self.ty_of(e),
        }
    }

    /// The type of a field expression (for naming enum constants).
    fn ty_of(&self, e: &Expr) -> Option<Ty> {
        match e {
            Expr::Field(path) => self.program.field_ty(self.kind?, path).cloned(),
            Expr::Value(v) => self.program.values.get(*v as usize).map(|v| v.ty.clone()),
            _ => None,
        }
    }
}

/// The name of the element bound at nesting level `level` (outermost 0).
fn var(level: usize) -> &'static str {
    ["r", "s", "t", "u", "v", "w"]
        .get(level)
        .copied()
        .unwrap_or("x")
}

fn cmp_symbol(op: CmpOp) -> &'static str {
    op.symbol()
}

fn arith_symbol(op: ArithOp) -> &'static str {
    match op {
        ArithOp::InstantAddDuration
        | ArithOp::DurationAdd
        | ArithOp::IntAdd
        | ArithOp::MoneyAdd => "+",
        ArithOp::InstantSubDuration
        | ArithOp::InstantSubInstant
        | ArithOp::DurationSub
        | ArithOp::IntSub
        | ArithOp::MoneySub => "-",
        ArithOp::IntMulDuration
        | ArithOp::IntMul
        | ArithOp::MoneyMulPercent
        | ArithOp::MoneyMulInt => "*",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_and_durations() {
        // 2023-10-31 00:00:00 +08:00
        let t = 1_698_681_600_000_000;
        assert_eq!(instant(t), "2023-10-31 00:00:00");
        assert_eq!(rfc3339(t), "2023-10-31T00:00:00+08:00");
        assert_eq!(duration(48 * 3_600_000_000), "48h");
        assert_eq!(duration(14 * 86_400_000_000), "14d");
        assert_eq!(duration(36 * 3_600_000_000), "36h");
        assert_eq!(duration(0), "0h");
    }

    #[test]
    fn list_elements_are_named_by_their_fields() {
        let src = r#"
enum St { pending, approved }
record Rep {
  status: St
  at: instant
}
fact item {
  id: string
  reps: list<Rep>
}
announcement p "t" { source "t" }
value latest: instant? cites "1" = max(r.at for r in item.reps where r.status == approved)
value any_ok: bool cites "1" = any(r in item.reps where r.status == approved)
"#;
        let c = check::check(&[("p.edict".to_string(), src.to_string())]);
        let p = c
            .program
            .unwrap_or_else(|| unreachable!("{:#?}", c.diagnostics));
        let body = |id: &str| {
            let v = p.value_by_id(id).unwrap_or(0);
            let r = p.values[v as usize].bases[0];
            Renderer {
                program: &p,
                kind: p.values[v as usize].kind,
            }
            .expr(&p.rules[r as usize].body)
        };
        assert_eq!(
            body("p.latest"),
            "max(r.at for r in item.reps where r.status == approved)"
        );
        assert_eq!(
            body("p.any_ok"),
            "any(r in item.reps where r.status == approved)"
        );
    }
}
