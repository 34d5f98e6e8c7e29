//! Command output on standard output, with the truth about whether it arrived.
//!
//! Every command prints through [`print`] (the `out!`/`outln!` macros); the first failed
//! write is kept, and [`finish`] flushes and reports it, so a full disk, `/dev/full` or a
//! file-size limit turns into exit status 2 and a message on stderr instead of a silent
//! truncation. A reader that went away (`edict lint | head`, `EPIPE`) is not an error: the
//! output ends quietly, as a pipeline expects.

use std::io::{ErrorKind, Write};
use std::sync::Mutex;

/// The first write error other than a closed pipe.
static FAILED: Mutex<Option<std::io::Error>> = Mutex::new(None);

/// Keeps the first error of a write to standard output (a closed pipe excepted).
pub fn record(result: std::io::Result<()>) {
    if let Err(e) = result {
        if e.kind() != ErrorKind::BrokenPipe {
            if let Ok(mut slot) = FAILED.lock() {
                slot.get_or_insert(e);
            }
        }
    }
}

/// Writes formatted text to standard output, recording a failure.
pub fn print(args: std::fmt::Arguments<'_>) {
    record(std::io::stdout().lock().write_fmt(args));
}

/// Flushes standard output; the first error of the whole run, if any.
pub fn finish() -> Result<(), std::io::Error> {
    record(std::io::stdout().lock().flush());
    match FAILED.lock() {
        Ok(mut slot) => slot.take().map_or(Ok(()), Err),
        Err(_) => Ok(()),
    }
}
