//! Edict's static analysis on the decision IR: `edict lint` and `edict diff`.
//!
//! Both work on the same foundation. Guards are read as formulas over analyzable atoms
//! ([`atoms`]: bounds on numeric fields and on differences of two instants, enum and region
//! sets, booleans, presence, string membership), expanded into disjunctions of cubes, and
//! each cube is decided exactly ([`solve`]: set intersection per field plus a
//! difference-bound matrix for the numeric part). Anything else in a guard becomes an
//! *opaque* proposition, and every claim that depends on one is reported as undecided or
//! "may differ", with the condition named — never silently dropped.
//!
//! - [`lint`]: located diagnostics `L001`…`L009` with witnesses, `@allow` handling, and
//!   the documentation behind `edict lint --explain`.
//! - [`diff`]: the semantic difference of two programs, value by value and check by check,
//!   as regions of the record space described in the author's terms, with witnesses.
//! - [`sarif`]: SARIF 2.1.0 output of diagnostics.

#![deny(missing_docs)]

pub mod atoms;
pub mod deps;
pub mod diff;
pub mod lint;
pub mod locate;
pub mod render;
pub mod sarif;
pub mod schema;
pub mod solve;
pub mod space;
pub mod verify;
pub mod witness;
