//! `edict lsp`: Edict's language server.
//!
//! The folder of an open file is its policy set ([`world`]); each change re-checks the set
//! with the same checker and linter as `edict check` and `edict lint`, and the diagnostics
//! of every file of the set are published ([`diagnostics`]). On top of one symbol index
//! ([`index`]) the server answers hover ([`hover`]), go to definition, references and the
//! outline ([`nav`]), and completion ([`complete`]); formatting and lint quick fixes are
//! edits ([`actions`]). Positions are UTF-16 columns, converted in one place ([`text`]).
//!
//! The transport is `lsp-server` (rust-analyzer's synchronous stdio/channel transport) with
//! `lsp-types`: a single loop, no async runtime, and tests that talk to the real binary.

#![deny(missing_docs)]

pub mod actions;
pub mod complete;
pub mod diagnostics;
pub mod hover;
pub mod index;
pub mod nav;
pub mod server;
pub mod text;
pub mod world;

/// Serves LSP on standard input and output until the client exits.
pub fn run_stdio() -> Result<(), String> {
    let (conn, io) = lsp_server::Connection::stdio();
    server::serve(&conn)?;
    drop(conn);
    io.join().map_err(|e| e.to_string())
}
