//! Edict for Rust programs: load a folder of policy files, judge records, read the
//! verdicts and their explanations.
//!
//! ```
//! use edict::{Instant, Policies, Status};
//!
//! // A policy set: here from a text; `Policies::load("policies/")` reads a folder, and an
//! // IR file written by `edict compile` loads the same way.
//! let policies = Policies::from_sources([(
//!     "shop.edict",
//!     r#"
//!     fact order {
//!       id: string
//!       paid_at: instant
//!       shipped_at: instant?
//!     }
//!     announcement shop "Shop rules" { published 2024-01-01 00:00:00 }
//!     value dispatch_by: instant = order.paid_at + 48h
//!     check dispatch_on_time {
//!       event order.shipped_at
//!       deadline = dispatch_by
//!     }
//!     "#,
//! )])?;
//!
//! // An engine is Send + Sync and cheap to clone: share one between threads.
//! let engine = policies.engine()?;
//! let as_of: Instant = "2024-03-01T00:00:00+08:00".parse()?;
//!
//! let record = serde_json::json!({
//!     "kind": "order", "id": "O1",
//!     "paid_at": "2024-02-01T10:00:00+08:00",
//!     "shipped_at": "2024-02-02T09:00:00+08:00",
//! });
//! let verdict = engine.judge(&record, as_of)?;
//! let finding = verdict.finding("dispatch_on_time").expect("the check applies");
//! assert_eq!(finding.status, Status::Ok);
//! assert_eq!(finding.deadline, Some("2024-02-03T10:00:00+08:00".parse()?));
//!
//! // Verdicts serialise to the interchange format (DOMAIN.md §1.3), as `edict eval` writes.
//! assert!(serde_json::to_string(&verdict)?.starts_with(r#"{"id":"O1","kind":"order""#));
//!
//! // Why: the derivation tree, as `edict explain` prints it.
//! let explained = engine.explain(&record, as_of)?;
//! assert!(explained.tree.contains("shop.dispatch_by"));
//!
//! // Bad records are errors naming the field, never panics.
//! let bad = serde_json::json!({"kind": "order", "id": "O2", "paid_at": "yesterday"});
//! assert!(engine.judge(&bad, as_of).unwrap_err().message.contains("paid_at"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Policies that do not check come back as [`LoadError::Invalid`] with every
//! [`Diagnostic`] located (code, file, line, column, help):
//!
//! ```
//! let err = edict::Policies::from_sources([("bad.edict", "value x = nope")]).unwrap_err();
//! let first = &err.diagnostics()[0];
//! assert_eq!((first.file.as_str(), first.line), ("bad.edict", Some(1)));
//! assert!(first.code.starts_with('E'));
//! ```
//!
//! Layout: [`Policies`] (loading, [`load`] finds the files), [`Engine`] (judging),
//! [`Verdict`] and [`Finding`] (owned, named, serde), [`Instant`] (the clock type), and
//! the error enums in [`error`].

#![deny(missing_docs)]

mod engine;
pub mod error;
mod instant;
pub mod load;
mod policies;
mod verdict;

pub use engine::{Engine, Explained, FastPath, Format, JudgeOptions, PrepareOptions, RunSummary};
pub use error::{Diagnostic, InstantError, LoadError, RecordError};
pub use instant::Instant;
pub use policies::{diagnostics, is_ir_file, Policies, MAX_IR_BYTES};
pub use verdict::{
    CheckName, Derivation, Finding, KindName, Money, RecordId, RuleName, Status, Verdict,
};
