//! Reading and writing programs, with a version header.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::Program;

/// The IR format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
const MAGIC: &str = "edict-ir";
/// Deepest JSON nesting an IR file may have. Compiled programs stay far below it (source
/// expressions are at most 512 levels deep, two JSON levels each); a deeper file is
/// rejected before it is deserialized, so a hostile one cannot exhaust the stack.
pub const MAX_JSON_DEPTH: usize = 2048;
/// Deepest chain of exceptions to exceptions an IR file may have (policies nest a few).
pub const MAX_OVERRIDE_DEPTH: usize = 1024;
/// Deepest nesting of value evaluations the evaluator performs for one record (a deeper
/// one is reported as a cycle).
pub const MAX_VALUE_DEPTH: usize = 1000;
/// Longest chain of values and checks reading one another that the checker accepts: one
/// link takes at most two nested evaluations (the value, and the bases an `overridden`
/// reads), so every accepted chain stays within [`MAX_VALUE_DEPTH`].
pub const MAX_VALUE_CHAIN: usize = MAX_VALUE_DEPTH / 2;

#[derive(Serialize)]
struct OutFile<'a> {
    format: &'static str,
    version: u32,
    program: &'a Program,
}

#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    version: Option<u32>,
}

#[derive(Deserialize)]
struct InFile {
    program: Program,
}

/// Why an IR file could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// Not an Edict IR file at all.
    NotIr(String),
    /// Written by another format version.
    Version {
        /// The file's version.
        found: u32,
        /// The version this build reads.
        expected: u32,
    },
    /// The header is right but the body is damaged.
    Corrupt(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::NotIr(m) => write!(f, "not an Edict IR file: {m}"),
            LoadError::Version { found, expected } => write!(
                f,
                "this IR file has format version {found}, but this edict reads version {expected}; recompile the policies with `edict compile`"
            ),
            LoadError::Corrupt(m) => write!(f, "the IR file is damaged: {m}"),
        }
    }
}

impl std::error::Error for LoadError {}

impl Program {
    /// Serializes with the version header. Deterministic: same program, same bytes.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&OutFile {
            format: MAGIC,
            version: FORMAT_VERSION,
            program: self,
        })
        .unwrap_or_default()
    }

    /// Loads a program written by [`Program::to_json`], checking the header first.
    pub fn from_json(text: &str) -> Result<Program, LoadError> {
        let depth = json_depth(text);
        if depth > MAX_JSON_DEPTH {
            return Err(LoadError::Corrupt(format!(
                "it nests {depth} levels deep; at most {MAX_JSON_DEPTH} are allowed"
            )));
        }
        let header: Header = from_str_deep(text).map_err(|e| LoadError::NotIr(e.to_string()))?;
        if header.format.as_deref() != Some(MAGIC) {
            return Err(LoadError::NotIr("missing the `edict-ir` header".into()));
        }
        let found = header
            .version
            .ok_or_else(|| LoadError::NotIr("missing version".into()))?;
        if found != FORMAT_VERSION {
            return Err(LoadError::Version {
                found,
                expected: FORMAT_VERSION,
            });
        }
        let file: InFile = from_str_deep(text).map_err(|e| LoadError::Corrupt(e.to_string()))?;
        file.program.validate().map_err(LoadError::Corrupt)?;
        Ok(file.program)
    }

    /// Checks the internal references (ids in range, parents consistent), so a damaged or
    /// hand-edited IR file is rejected at load instead of failing during evaluation.
    pub fn validate(&self) -> Result<(), String> {
        let (nv, nr, nc, nk) = (
            self.values.len() as u32,
            self.rules.len() as u32,
            self.checks.len() as u32,
            self.kinds.len() as u32,
        );
        let mut bad = None;
        let mut check_expr = |e: &crate::Expr, place: &str| {
            e.walk(&mut |x| match x {
                crate::Expr::Value(v) if *v >= nv => {
                    bad = Some(format!("{place}: value #{v} out of range"))
                }
                crate::Expr::Status(c) if *c >= nc => {
                    bad = Some(format!("{place}: check #{c} out of range"))
                }
                _ => {}
            })
        };
        for r in &self.rules {
            check_expr(&r.body, &r.id);
            for c in r.guard.iter().flat_map(|g| &g.conjuncts) {
                check_expr(&c.expr, &r.id);
            }
            if r.value >= nv || r.children.iter().chain(&r.beats).any(|c| *c >= nr) {
                return Err(format!("rule {} refers to a missing rule or value", r.id));
            }
            if let crate::Parent::Rule(p) = r.parent {
                if p >= nr {
                    return Err(format!("rule {} has a missing parent", r.id));
                }
            }
        }
        for v in &self.values {
            if v.bases.iter().chain(&v.exceptions).any(|r| *r >= nr)
                || v.kind.is_some_and(|k| k >= nk)
            {
                return Err(format!("value {} refers to a missing rule or kind", v.id));
            }
        }
        self.validate_override_trees()?;
        for c in &self.checks {
            let ids = [
                c.deadline,
                c.violated,
                Some(c.exempt),
                c.excluded,
                c.compensation,
            ];
            if c.kind >= nk || ids.iter().flatten().any(|v| *v >= nv) {
                return Err(format!(
                    "check {} refers to a missing value or kind",
                    c.name
                ));
            }
            for e in c.after.iter().chain(c.event.iter()) {
                check_expr(e, &c.name);
            }
        }
        match bad {
            Some(b) => Err(b),
            None => Ok(()),
        }
    }
}

impl Program {
    /// Override trees must be trees (rule ids already checked to be in range): a value's
    /// bases and exceptions are its own rules with the matching parent, every exception a
    /// rule lists names that rule as its parent, and no chain of parents loops or goes
    /// deeper than [`MAX_OVERRIDE_DEPTH`]. The evaluator recurses along them (and along
    /// `overridden`, from an exception up to the bases).
    fn validate_override_trees(&self) -> Result<(), String> {
        let rule = |i: usize| &self.rules[i];
        for (vi, v) in self.values.iter().enumerate() {
            for (list, parent, what) in [
                (&v.bases, crate::Parent::Base, "base"),
                (&v.exceptions, crate::Parent::Value, "exception"),
            ] {
                if let Some(r) = list
                    .iter()
                    .map(|r| rule(*r as usize))
                    .find(|r| r.value as usize != vi || r.parent != parent)
                {
                    return Err(format!(
                        "value {} lists rule {} as its {what}, but the rule says otherwise",
                        v.id, r.id
                    ));
                }
            }
        }
        for (i, r) in self.rules.iter().enumerate() {
            for &c in &r.children {
                if rule(c as usize).parent != crate::Parent::Rule(i as u32) {
                    return Err(format!(
                        "rule {} lists {} as its exception, but that rule's parent is another",
                        r.id,
                        rule(c as usize).id
                    ));
                }
            }
        }
        // 0: not seen; u32::MAX: on the chain being walked; otherwise depth + 1.
        let mut depth = vec![0u32; self.rules.len()];
        for start in 0..self.rules.len() {
            let mut chain = Vec::new();
            let mut cur = start;
            let base = loop {
                match depth[cur] {
                    u32::MAX => return Err(format!("rule {} is its own ancestor", rule(cur).id)),
                    0 => {}
                    known => break known,
                }
                depth[cur] = u32::MAX;
                chain.push(cur);
                match rule(cur).parent {
                    crate::Parent::Rule(p) => cur = p as usize,
                    _ => break 0,
                }
            };
            for (n, &r) in chain.iter().rev().enumerate() {
                let d = base + n as u32 + 1;
                if d as usize > MAX_OVERRIDE_DEPTH {
                    return Err(format!(
                        "rule {} is {d} exceptions deep; at most {MAX_OVERRIDE_DEPTH} are allowed",
                        rule(r).id
                    ));
                }
                depth[r] = d;
            }
        }
        Ok(())
    }
}

/// Deserializes without `serde_json`'s fixed recursion limit of 128 (a compiled program
/// with a long operator chain goes deeper); the caller has bounded the depth already.
fn from_str_deep<T: DeserializeOwned>(text: &str) -> serde_json::Result<T> {
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    let value = T::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// The deepest nesting of `[`/`{` in a JSON text (strings skipped), without parsing it.
fn json_depth(text: &str) -> usize {
    let (mut depth, mut deepest, mut in_str, mut esc) = (0usize, 0usize, false, false);
    for b in text.bytes() {
        if in_str {
            match (esc, b) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}
