//! One module per command.

pub mod check;
pub mod compile;
pub mod eval;
pub mod explain;
pub mod test;
pub mod diff;
pub mod fmt;
pub mod lint;
