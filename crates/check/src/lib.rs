//! Edict's checker and compiler: from parsed policy files to the decision IR.
//!
//! [`check`] takes every file of a policy folder and returns either an [`ir::Program`] or
//! the diagnostics that stop it — all of them, not just the first: every file is parsed,
//! every name resolved, every expression typed. A bad file rejects the whole set (a policy
//! set is judged as one), and nothing depends on file names or the order files are given in.
//!
//! Passes: [`collect`] (declarations and final sorted ids) → schema → override trees
//! (exception targets, versions) → rules and checks (types, optionals, windows, regions)
//! → priorities → dependency graph (cycles, fact kinds) → assembly.
//!
//! Departure from DESIGN.md: the typed model *is* the IR. The checker lowers each
//! expression into its typed IR form as it checks it, so there is no third tree that would
//! mirror the IR one-to-one.

#![deny(missing_docs)]

mod build;
mod checker;
pub mod codes;
mod collect;
mod compile;
mod expr;
mod graph;
mod limits;
mod names;
mod ops;
mod path;
mod time;
mod types;

pub use checker::RegionLiteral;

use std::sync::Arc;

use syntax::{Diagnostic, SourceMap};

/// Resolves region literals of policies (the gazetteer implements it).
pub trait RegionResolver {
    /// One region for a literal text.
    fn resolve(&self, text: &str) -> Result<regions::Resolved, regions::ResolveError>;
}

impl RegionResolver for regions::Gazetteer {
    fn resolve(&self, text: &str) -> Result<regions::Resolved, regions::ResolveError> {
        regions::Gazetteer::resolve(self, text)
    }
}

/// The result of checking a policy set.
pub struct Checked {
    /// The compiled program, when there were no errors.
    pub program: Option<ir::Program>,
    /// Errors (and notes) found, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// The sources, for rendering diagnostics.
    pub sources: SourceMap,
    /// Parsed files (path, AST) for tools that work on syntax (lint, fmt).
    pub files: Vec<(String, syntax::ast::File)>,
    /// Every region literal, with its canonical name.
    pub region_literals: Vec<RegionLiteral>,
}

/// Checks and compiles a policy set given as `(path, text)` pairs, with the real gazetteer.
pub fn check(inputs: &[(String, String)]) -> Checked {
    check_with(inputs, regions::gazetteer())
}

/// Like [`check`], with another region resolver (for tests).
pub fn check_with(inputs: &[(String, String)], resolver: &dyn RegionResolver) -> Checked {
    let mut sources = SourceMap::new();
    let mut diagnostics = Vec::new();
    let mut files = Vec::new();
    for (path, text) in inputs {
        let id = sources.add(path.clone(), text.clone());
        match syntax::parse(id, text) {
            Ok(ast) => files.push((id, path.clone(), Arc::<str>::from(text.as_str()), ast)),
            Err(e) => diagnostics.push(e.to_diagnostic()),
        }
    }
    let parsed: Vec<(String, syntax::ast::File)> = files
        .iter()
        .map(|(_, p, _, a)| (p.clone(), a.clone()))
        .collect();
    let infos = compile::file_infos(files, &mut diagnostics);
    let (program, region_literals) = compile::compile(&infos, resolver, &mut diagnostics);
    let program = if diagnostics
        .iter()
        .any(|d| d.severity == syntax::Severity::Error)
    {
        None
    } else {
        program
    };
    Checked {
        program,
        diagnostics,
        sources,
        files: parsed,
        region_literals,
    }
}
