//! Streaming fact input: NDJSON or one JSON array, from any reader.
//!
//! The format is detected from the first byte that is not blank (after an optional UTF-8
//! BOM): `[` starts a JSON array, anything else is NDJSON (one record per line). Records
//! are read one at a time, so memory does not grow with their number: one record's bytes
//! are buffered, up to [`MAX_RECORD_BYTES`]; a longer line or array element is skipped
//! without being kept and becomes an error item.
//!
//! NDJSON: blank lines are skipped, `\r\n` endings are accepted, and every item carries its
//! 1-based line number. JSON array: elements are split by a structural scanner (strings,
//! escapes and nesting are respected), so a broken element costs only itself; items carry
//! the line where the element starts and its 0-based index. In both, invalid UTF-8 or
//! invalid JSON becomes an error item and the stream goes on. Only an I/O error ends it.

use std::io::{self, BufRead};

use serde_json::Value as Json;

/// The largest record accepted, in bytes (16 MiB).
pub const MAX_RECORD_BYTES: usize = 16 << 20;

/// One record read from the input, or why it could not be read.
#[derive(Debug)]
pub struct Item {
    /// 1-based line where the record starts.
    pub line: u64,
    /// 0-based index in a JSON array input.
    pub index: Option<u64>,
    /// The parsed JSON, or a one-line error.
    pub json: Result<Json, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Detect,
    Lines,
    Array,
    AfterArray,
    Unclosed,
    Done,
}

/// An iterator over the records of a stream (see the module doc).
#[derive(Debug)]
pub struct Records<R> {
    inner: R,
    mode: Mode,
    line: u64,
    index: u64,
    buf: Vec<u8>,
    limit: usize,
    /// Lines are not parsed: their range in `buf` is kept for the caller (see
    /// [`Records::deferring`]).
    defer: bool,
    deferred: Option<(usize, usize)>,
}

/// Reads records from `reader` (wrap files and stdin in a `BufReader`, or pass a locked
/// stdin).
pub fn records<R: BufRead>(reader: R) -> Records<R> {
    Records::with_limit(reader, MAX_RECORD_BYTES)
}

impl<R: BufRead> Records<R> {
    /// As [`records`], with another size limit per record.
    pub fn with_limit(reader: R, limit: usize) -> Records<R> {
        Records {
            inner: reader,
            mode: Mode::Detect,
            line: 1,
            index: 0,
            buf: Vec::new(),
            limit,
            defer: false,
            deferred: None,
        }
    }

    /// NDJSON lines are handed over unparsed: their items carry `Ok(Json::Null)` and
    /// [`Records::deferred_bytes`] gives the line's bytes, for a caller that reads them
    /// its own way and falls back to [`parse`]. Array elements and error items are as
    /// usual.
    pub(crate) fn deferring(mut self) -> Records<R> {
        self.defer = true;
        self
    }

    /// The bytes of the last item, when its parsing was deferred.
    pub(crate) fn deferred_bytes(&self) -> Option<&[u8]> {
        let (a, b) = self.deferred?;
        self.buf.get(a..b)
    }

    /// Skips the BOM and blank bytes, counting lines; returns the next byte, unconsumed.
    fn skip_blank(&mut self) -> io::Result<Option<u8>> {
        loop {
            let avail = self.inner.fill_buf()?;
            if avail.is_empty() {
                return Ok(None);
            }
            let mut n = 0;
            if self.mode == Mode::Detect && self.line == 1 && avail.starts_with(&[0xEF, 0xBB, 0xBF])
            {
                n = 3;
            }
            while n < avail.len() {
                match avail[n] {
                    b'\n' => self.line += 1,
                    b' ' | b'\t' | b'\r' => {}
                    b => {
                        self.inner.consume(n);
                        return Ok(Some(b));
                    }
                }
                n += 1;
            }
            self.inner.consume(n);
        }
    }

    /// Reads up to the next newline into `buf`; `Ok(None)` at end of input, `Ok(Some(true))`
    /// when the line was longer than the limit (its excess is skipped).
    fn read_line(&mut self) -> io::Result<Option<bool>> {
        self.buf.clear();
        let mut any = false;
        let mut too_long = false;
        loop {
            let avail = self.inner.fill_buf()?;
            if avail.is_empty() {
                return Ok(any.then_some(too_long));
            }
            any = true;
            let (chunk, done) = match find_newline(avail) {
                Some(i) => (i, true),
                None => (avail.len(), false),
            };
            if !too_long {
                if self.buf.len() + chunk > self.limit {
                    too_long = true;
                    self.buf.clear();
                } else {
                    self.buf.extend_from_slice(&avail[..chunk]);
                }
            }
            self.inner.consume(chunk + usize::from(done));
            if done {
                return Ok(Some(too_long));
            }
        }
    }

    fn next_line(&mut self) -> io::Result<Option<Item>> {
        loop {
            let line = self.line;
            let Some(too_long) = self.read_line()? else {
                return Ok(None);
            };
            self.line += 1;
            if too_long {
                return Ok(Some(self.too_long(line, None)));
            }
            let mut bytes = self.buf.as_slice();
            if line == 1 {
                bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
            }
            if bytes.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')) {
                continue;
            }
            let json = if self.defer {
                self.deferred = Some((self.buf.len() - bytes.len(), self.buf.len()));
                Ok(Json::Null)
            } else {
                parse(bytes)
            };
            return Ok(Some(Item {
                line,
                index: None,
                json,
            }));
        }
    }

    fn too_long(&self, line: u64, index: Option<u64>) -> Item {
        Item {
            line,
            index,
            json: Err(self.too_long_message()),
        }
    }

    fn too_long_message(&self) -> String {
        format!("record longer than {} bytes: skipped", self.limit)
    }

    /// Scans one array element into `buf`; returns the byte that ended it (`,`, `]`) or
    /// `None` at end of input, and whether it was too long.
    fn scan_element(&mut self) -> io::Result<(Option<u8>, bool)> {
        self.buf.clear();
        let (mut depth, mut in_str, mut esc, mut too_long) = (0u64, false, false, false);
        loop {
            let avail = self.inner.fill_buf()?;
            if avail.is_empty() {
                return Ok((None, too_long));
            }
            let mut end = None;
            for (i, &b) in avail.iter().enumerate() {
                if b == b'\n' {
                    self.line += 1;
                }
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
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth > 0 => depth -= 1,
                    b',' | b']' if depth == 0 => {
                        end = Some((i, b));
                        break;
                    }
                    _ => {}
                }
            }
            let take = end.map_or(avail.len(), |(i, _)| i);
            if !too_long {
                if self.buf.len() + take > self.limit {
                    too_long = true;
                    self.buf.clear();
                } else {
                    self.buf.extend_from_slice(&avail[..take]);
                }
            }
            match end {
                Some((i, b)) => {
                    self.inner.consume(i + 1);
                    return Ok((Some(b), too_long));
                }
                None => {
                    let n = avail.len();
                    self.inner.consume(n);
                }
            }
        }
    }

    fn next_element(&mut self) -> io::Result<Option<Item>> {
        let Some(first) = self.skip_blank()? else {
            return Ok(Some(self.unclosed()));
        };
        let index = self.index;
        if first == b']' && index == 0 {
            self.inner.consume(1);
            return self.after_array();
        }
        let line = self.line;
        let (end, too_long) = self.scan_element()?;
        self.index += 1;
        let json = if too_long {
            Err(self.too_long_message())
        } else {
            let bytes = trim(&self.buf);
            if bytes.is_empty() {
                Err("empty array element".to_string())
            } else {
                parse(bytes)
            }
        };
        self.mode = match end {
            Some(b',') => Mode::Array,
            Some(_) => Mode::AfterArray,
            None if json.is_ok() => Mode::Unclosed,
            None => Mode::Done,
        };
        Ok(Some(Item {
            line,
            index: Some(index),
            json,
        }))
    }

    fn unclosed(&mut self) -> Item {
        self.mode = Mode::Done;
        Item {
            line: self.line,
            index: None,
            json: Err("unexpected end of input: the JSON array is not closed".into()),
        }
    }

    /// After the closing `]`: only blank input may follow.
    fn after_array(&mut self) -> io::Result<Option<Item>> {
        self.mode = Mode::Done;
        match self.skip_blank()? {
            None => Ok(None),
            Some(_) => Ok(Some(Item {
                line: self.line,
                index: None,
                json: Err("unexpected data after the closing `]` of the JSON array".into()),
            })),
        }
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end]
}

/// The position of the first newline: `memchr` compares 16 or 32 bytes an instruction
/// where a word-at-a-time loop compares 8 in a dozen, and NDJSON lines are hundreds of bytes.
fn find_newline(b: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', b)
}

/// Parses one record's bytes; errors say what is wrong (and where, by column).
pub(crate) fn parse(bytes: &[u8]) -> Result<Json, String> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            return Err(format!(
                "invalid UTF-8 at byte {} of the record",
                e.valid_up_to() + 1
            ))
        }
    };
    // Validated once: `from_str` does not check the strings' UTF-8 again.
    serde_json::from_str(text).map_err(|e| {
        let mut msg = e.to_string();
        if let Some(at) = msg.rfind(" at line ") {
            msg.truncate(at);
        }
        let place = if e.line() > 1 {
            format!("line {} of the record, column {}", e.line(), e.column())
        } else {
            format!("column {}", e.column())
        };
        format!("invalid JSON: {msg} ({place})")
    })
}

impl<R: BufRead> Iterator for Records<R> {
    type Item = io::Result<Item>;

    fn next(&mut self) -> Option<io::Result<Item>> {
        self.deferred = None;
        let out = match self.mode {
            Mode::Done => return None,
            Mode::Detect => match self.skip_blank() {
                Err(e) => Err(e),
                Ok(None) => {
                    self.mode = Mode::Done;
                    return None;
                }
                Ok(Some(b'[')) => {
                    self.inner.consume(1);
                    self.mode = Mode::Array;
                    self.next_element()
                }
                Ok(Some(_)) => {
                    self.mode = Mode::Lines;
                    self.next_line()
                }
            },
            Mode::Lines => self.next_line(),
            Mode::Array => self.next_element(),
            Mode::AfterArray => self.after_array(),
            Mode::Unclosed => Ok(Some(self.unclosed())),
        };
        match out {
            Ok(Some(item)) => Some(Ok(item)),
            Ok(None) => {
                self.mode = Mode::Done;
                None
            }
            Err(e) => {
                self.mode = Mode::Done;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod newline_tests {
    use super::find_newline;

    #[test]
    fn finds_the_first_newline_anywhere() {
        for len in 0..40 {
            let mut b = vec![b'x'; len];
            assert_eq!(find_newline(&b), None);
            for at in (0..len).rev() {
                b[at] = b'\n';
                assert_eq!(find_newline(&b), Some(at), "{len} {at}");
            }
        }
        assert_eq!(find_newline("春\n".as_bytes()), Some(3));
        assert_eq!(find_newline(&[0x8a, 0x0b, 0x09, b'\n']), Some(3));
    }
}
