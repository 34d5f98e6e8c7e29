//! A generator of valid Edict programs for property tests.
//!
//! Programs are generated as lists of atoms (tokens whose inside the grammar does not let
//! whitespace into: literals, names, operators) following `grammar/edict.pest`, then laid
//! out with random separators between every two atoms: spaces, tabs, newlines, blank lines,
//! CRLF, ideographic spaces, block comments and line comments. Every separator is one the
//! grammar allows between any two tokens, so every generated text parses.

use proptest::prelude::*;
use proptest::sample::select;

/// Names, including the contextual keywords that are not reserved (`deadline`, `event`,
/// `after`, `some`, ...): the formatter must still find clause boundaries around them.
const NAMES: &[&str] = &[
    "a",
    "b",
    "order",
    "paid_at",
    "x1",
    "_y",
    "deadline",
    "event",
    "after",
    "applies",
    "exempt",
    "some",
    "none",
    "source",
    "zone",
    "set",
    "list",
    "status",
    "reports",
    "max",
    // Long names make lines long enough for the formatter to break them.
    "order_origin_status_suspended_couriers",
    "promised_latest_ship_at_after_the_holiday",
];
const TYPES: &[&str] = &[
    "int", "string", "instant", "money", "duration", "bool", "Mode",
];
const BINOPS: &[&str] = &[
    "or", "and", "in", "not in", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*",
];
/// Between any two atoms.
const SEPS: &[&str] = &[
    " ",
    " ",
    " ",
    " ",
    "  ",
    "\n",
    "\n  ",
    "\n\n",
    "\t",
    "\r\n",
    "\u{3000}",
    " /* c */ ",
    "/*x*/",
    " // line\n",
    "\n  // own line\n  ",
    "\n\n// para\n\n",
    "\n\n\n",
    " /* a\n b */ ",
];

type Atoms = Vec<String>;

fn atoms(parts: &[&str]) -> Atoms {
    parts.iter().map(|s| s.to_string()).collect()
}

fn name() -> impl Strategy<Value = String> {
    select(NAMES).prop_map(String::from)
}

fn string_lit() -> impl Strategy<Value = String> {
    select(vec![
        "\"\"",
        "\"1.1\"",
        "\"三.2\"",
        "\"贵州省遵义市\"",
        "\"say \\\"hi\\\"\"",
        "\"a\\\\b\\n\\t\"",
        "\"// not a comment\"",
        "\"/* nor this */\"",
    ])
    .prop_map(String::from)
}

fn time_lit() -> impl Strategy<Value = String> {
    (
        2000u32..2100,
        1u32..=12,
        1u32..=28,
        0u32..24,
        0u32..60,
        prop::option::of(0u32..60),
        select(vec![" ", "T"]),
        select(vec!["", ".5", ".123"]),
        select(vec!["", "Z", "+08:00", "-05:30"]),
        any::<bool>(),
    )
        .prop_map(|(y, mo, d, h, mi, s, sep, frac, off, date_only)| {
            if date_only {
                return format!("{y:04}-{mo:02}-{d:02}");
            }
            // A fraction needs seconds.
            let secs = s.map(|s| format!(":{s:02}{frac}")).unwrap_or_default();
            format!("{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}{secs}{off}")
        })
}

fn leaf() -> impl Strategy<Value = Atoms> {
    prop_oneof![
        prop::collection::vec(name(), 1..4).prop_map(dotted),
        (0u32..100_000).prop_map(|n| vec![n.to_string()]),
        (1u32..1000, select(vec!["h", "d", "min", "s"])).prop_map(|(n, u)| vec![format!("{n}{u}")]),
        (
            0u32..10_000,
            select(vec!["", ".5", ".05"]),
            select(vec!["", " ", "   "])
        )
            .prop_map(|(n, f, s)| vec![format!("{n}{f}{s}CNY")]),
        (0u32..100, select(vec!["", ".5"])).prop_map(|(n, f)| vec![format!("{n}{f}%")]),
        select(vec!["true", "false", "overridden"]).prop_map(|s| vec![s.to_string()]),
        string_lit().prop_map(|s| vec![s]),
        time_lit().prop_map(|s| vec![s]),
        string_lit().prop_map(|s| vec!["region".to_string(), s]),
        (prop::collection::vec(string_lit(), 0..3), any::<bool>()).prop_map(|(ss, trailing)| {
            let mut out = atoms(&["regions", "{"]);
            for (i, s) in ss.iter().enumerate() {
                if i > 0 {
                    out.push(",".into());
                }
                out.push(s.clone());
            }
            if trailing && !ss.is_empty() {
                out.push(",".into());
            }
            out.push("}".into());
            out
        }),
    ]
}

fn dotted(parts: Vec<String>) -> Atoms {
    let mut out = Vec::new();
    for (i, p) in parts.into_iter().enumerate() {
        if i > 0 {
            out.push(".".to_string());
        }
        out.push(p);
    }
    out
}

fn comma_list(items: Vec<Atoms>) -> Atoms {
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(",".to_string());
        }
        out.extend(item);
    }
    out
}

fn filter(w: Option<Atoms>) -> Atoms {
    w.map(|w| [atoms(&["where"]), w].concat())
        .unwrap_or_default()
}

/// A random expression (as atoms).
pub fn expr() -> impl Strategy<Value = Atoms> {
    leaf().prop_recursive(4, 24, 3, |e| {
        prop_oneof![
            3 => (e.clone(), select(BINOPS), e.clone()).prop_map(|(l, op, r)| {
                let op: Vec<String> = op.split(' ').map(String::from).collect();
                [l, op, r].concat()
            }),
            1 => e.clone().prop_map(|x| [atoms(&["("]), x, atoms(&[")"])].concat()),
            1 => (select(vec!["not", "-"]), e.clone())
                .prop_map(|(op, x)| [atoms(&[op]), x].concat()),
            1 => (e.clone(), select(vec!["some", "none"]))
                .prop_map(|(x, s)| [x, atoms(&["is", s])].concat()),
            1 => (name(), prop::collection::vec(e.clone(), 0..3)).prop_map(|(f, args)| {
                [vec![f, "(".into()], comma_list(args), atoms(&[")"])].concat()
            }),
            1 => (select(vec!["any", "all", "count"]), name(), e.clone(), prop::option::of(e.clone()))
                .prop_map(|(q, v, l, w)| {
                    [atoms(&[q, "("]), vec![v, "in".into()], l, filter(w), atoms(&[")"])].concat()
                }),
            1 => (select(vec!["max", "min"]), e.clone(), name(), e.clone(), prop::option::of(e.clone()))
                .prop_map(|(m, b, v, l, w)| {
                    [atoms(&[m, "("]), b, atoms(&["for"]), vec![v, "in".into()], l, filter(w), atoms(&[")"])]
                        .concat()
                }),
            1 => (e.clone(), e.clone())
                .prop_map(|(a, b)| [atoms(&["["]), a, atoms(&[","]), b, atoms(&["]"])].concat()),
            1 => (prop::collection::vec(e.clone(), 0..3), any::<bool>()).prop_map(|(xs, t)| {
                let trailing = t && !xs.is_empty();
                let mut out = [atoms(&["{"]), comma_list(xs)].concat();
                if trailing {
                    out.push(",".into());
                }
                out.push("}".into());
                out
            }),
        ]
    })
}

fn type_expr() -> impl Strategy<Value = Atoms> {
    let named = (select(TYPES), any::<bool>()).prop_map(|(t, opt)| {
        let mut out = atoms(&[t]);
        if opt {
            out.push("?".into());
        }
        out
    });
    named.prop_recursive(2, 4, 1, |inner| {
        (select(vec!["set", "list"]), inner, any::<bool>()).prop_map(|(c, t, opt)| {
            let mut out = [atoms(&[c, "<"]), t, atoms(&[">"])].concat();
            if opt {
                out.push("?".into());
            }
            out
        })
    })
}

fn allows() -> impl Strategy<Value = Atoms> {
    prop::collection::vec(string_lit(), 0..3).prop_map(|reasons| {
        reasons
            .into_iter()
            .enumerate()
            .flat_map(|(i, r)| {
                vec![
                    "@allow".into(),
                    "(".into(),
                    format!("L00{i}"),
                    ",".into(),
                    r,
                    ")".into(),
                ]
            })
            .collect()
    })
}

/// `[as L] [cites "c"] [when G] = E`
fn definition() -> impl Strategy<Value = Atoms> {
    (
        prop::option::of(name()),
        prop::option::of(string_lit()),
        prop::option::of(expr()),
        expr(),
    )
        .prop_map(|(label, cites, guard, body)| {
            let mut out = Vec::new();
            if let Some(l) = label {
                out.extend(["as".to_string(), l]);
            }
            if let Some(c) = cites {
                out.extend(["cites".to_string(), c]);
            }
            if let Some(g) = guard {
                out.push("when".into());
                out.extend(g);
            }
            out.push("=".into());
            out.extend(body);
            out
        })
}

fn fields(kw: &'static str) -> impl Strategy<Value = Atoms> {
    (
        name(),
        prop::collection::vec((name(), type_expr(), any::<bool>()), 0..4),
    )
        .prop_map(move |(n, fs)| {
            let mut out = vec![kw.to_string(), n, "{".into()];
            for (f, t, comma) in fs {
                out.extend([f, ":".into()]);
                out.extend(t);
                if comma {
                    out.push(",".into());
                }
            }
            out.push("}".into());
            out
        })
}

fn check_clause() -> impl Strategy<Value = Atoms> {
    prop_oneof![
        (select(vec!["after", "event"]), expr()).prop_map(|(k, e)| [atoms(&[k]), e].concat()),
        expr().prop_map(|e| [atoms(&["applies", "when"]), e].concat()),
        (
            select(vec!["deadline", "compensation", "exempt", "violated"]),
            definition()
        )
            .prop_map(|(k, d)| [atoms(&[k]), d].concat()),
    ]
}

fn meta() -> impl Strategy<Value = Atoms> {
    prop_oneof![
        (any::<bool>(), time_lit()).prop_map(|(approx, t)| {
            let mut out = atoms(&["published"]);
            if approx {
                out.push("approximately".into());
            }
            out.push(t);
            out
        }),
        string_lit().prop_map(|s| vec!["source".into(), s]),
        select(vec!["+08:00", "-05:30", "Z"]).prop_map(|z| atoms(&["zone", z])),
        (expr(), expr()).prop_map(|(a, b)| [
            atoms(&["effective", "["]),
            a,
            atoms(&[","]),
            b,
            atoms(&["]"])
        ]
        .concat()),
        Just(atoms(&["retroactive"])),
    ]
}

/// One random item.
pub fn item() -> impl Strategy<Value = Atoms> {
    prop_oneof![
        (
            allows(),
            name(),
            prop::option::of(type_expr()),
            definition()
        )
            .prop_map(|(al, n, t, d)| {
                let mut out = [al, atoms(&["value"]), vec![n]].concat();
                if let Some(t) = t {
                    out.push(":".into());
                    out.extend(t);
                }
                out.extend(d);
                out
            }),
        (
            allows(),
            name(),
            prop::option::of(string_lit()),
            prop::collection::vec(check_clause(), 0..5)
        )
            .prop_map(|(al, n, c, clauses)| {
                let mut out = [al, atoms(&["check"]), vec![n]].concat();
                if let Some(c) = c {
                    out.extend(["cites".to_string(), c]);
                }
                out.push("{".into());
                out.extend(clauses.into_iter().flatten());
                out.push("}".into());
                out
            }),
        (
            allows(),
            prop::collection::vec(name(), 1..3),
            name(),
            prop::option::of(string_lit()),
            expr(),
            expr()
        )
            .prop_map(|(al, target, label, c, when, then)| {
                let mut out = [al, atoms(&["exception"])].concat();
                out.extend(dotted(target));
                out.extend(["as".to_string(), label]);
                if let Some(c) = c {
                    out.extend(["cites".to_string(), c]);
                }
                out.push("{".into());
                out.push("when".into());
                out.extend(when);
                out.push("then".into());
                out.extend(then);
                out.push("}".into());
                out
            }),
        (name(), prop::collection::vec(name(), 1..12), any::<bool>()).prop_map(|(n, vs, t)| {
            let mut out = [
                atoms(&["enum"]),
                vec![n, "{".into()],
                comma_list(vs.into_iter().map(|v| vec![v]).collect()),
            ]
            .concat();
            if t {
                out.push(",".into());
            }
            out.push("}".into());
            out
        }),
        fields("record"),
        fields("fact"),
        (name(), string_lit(), prop::collection::vec(meta(), 0..5)).prop_map(
            |(id, title, metas)| {
                [
                    atoms(&["announcement"]),
                    vec![id, title, "{".into()],
                    metas.concat(),
                    atoms(&["}"]),
                ]
                .concat()
            }
        ),
        prop::collection::vec(prop::collection::vec(name(), 1..3), 2..4).prop_map(|paths| {
            let mut out = atoms(&["priority"]);
            for (i, p) in paths.into_iter().enumerate() {
                if i > 0 {
                    out.push(">".into());
                }
                out.extend(dotted(p));
            }
            out
        }),
    ]
}

/// Joins atoms with separators chosen by `choices` (cycled).
pub fn layout(atoms: &[String], choices: &[usize]) -> String {
    let mut out = String::new();
    for (i, a) in atoms.iter().enumerate() {
        if i > 0 {
            let c = if choices.is_empty() {
                0
            } else {
                choices[i % choices.len()]
            };
            out.push_str(SEPS[c % SEPS.len()]);
        }
        out.push_str(a);
    }
    out
}

/// A random valid program, laid out at random.
pub fn program() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(item(), 0..6),
        prop::collection::vec(0usize..SEPS.len() * 3, 1..64),
    )
        .prop_map(|(items, choices)| {
            // Mostly plain spaces: weight separator 0 (a space) by mapping the upper range to it.
            let choices: Vec<usize> = choices
                .into_iter()
                .map(|c| if c >= SEPS.len() { 0 } else { c })
                .collect();
            layout(&items.concat(), &choices)
        })
}
