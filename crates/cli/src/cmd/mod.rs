//! One module per command.

pub mod check;
pub mod compile;
pub mod diff;
pub mod eval;
pub mod explain;
pub mod fmt;
pub mod lint;
pub mod lsp;
pub mod schema;
pub mod serve;
pub mod test;
