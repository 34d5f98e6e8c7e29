//! The policy sets the editor has open, and their analyses.
//!
//! The folder of an open file is its policy set: every `*.edict` file directly in that
//! folder, read from disk once and re-read when the editor saves, closes or reports a
//! change on disk, with the text of open buffers taking the place of the disk's. A buffer
//! that is not a file (`untitled:`) is a set of its own. A change only marks its set
//! dirty; the set is checked again when the server is idle or a request needs it, so a
//! burst of keystrokes costs one check.
//!
//! Lint is slower than checking (seconds on a thousand files, against a tenth of a second
//! for the check), so an analysis carries its lint findings in a cell filled once: by a
//! background thread the server starts after publishing the checker's diagnostics, or by a
//! request that needs them (a code action) — whichever comes first, the other waits.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use lsp_types::Url;
use syntax::{Diagnostic, FileId};

use crate::index::Index;
use crate::text::LineIndex;

/// Which policy set a document belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SetKey {
    /// The `*.edict` files of a folder.
    Dir(PathBuf),
    /// A buffer that is no file.
    Single(Url),
}

/// An open buffer.
#[derive(Debug, Clone)]
pub struct Doc {
    /// Its text.
    pub text: String,
    /// The editor's version.
    pub version: i32,
}

/// A problem reading a file of a set (code `E0005`, as `edict check` reports it).
#[derive(Debug, Clone)]
pub struct ReadProblem {
    /// The file.
    pub url: Url,
    /// What went wrong.
    pub message: String,
}

/// One checked policy set.
pub struct Analysis {
    /// The checker's result (sources, ASTs, program, diagnostics).
    pub checked: check::Checked,
    /// The set it is the analysis of.
    pub key: SetKey,
    /// Lint findings, once computed (see [`Analysis::lints`]).
    lints: OnceLock<Vec<Diagnostic>>,
    /// Names and their uses.
    pub index: Index,
    /// The URL of each source, by file id.
    pub urls: Vec<Url>,
    /// Line tables, by file id.
    pub lines: Vec<LineIndex>,
    /// Files that could not be read.
    pub problems: Vec<ReadProblem>,
    /// The editor's version of each open buffer the analysis read.
    pub versions: HashMap<Url, i32>,
    /// How long checking and indexing took.
    pub elapsed: Duration,
}

impl Analysis {
    /// Lint findings (none while the set has errors), computed now if no one has yet.
    pub fn lints(&self) -> &[Diagnostic] {
        self.lints.get_or_init(|| {
            analysis::lint::lint(&self.checked, Some(&analysis::verify::EvalVerifier))
        })
    }

    /// Lint findings if they are computed.
    pub fn lints_ready(&self) -> Option<&[Diagnostic]> {
        self.lints.get().map(Vec::as_slice)
    }

    /// The file id of a URL in this set.
    pub fn file_of(&self, url: &Url) -> Option<FileId> {
        self.urls
            .iter()
            .position(|u| u == url)
            .map(|i| FileId(u32::try_from(i).unwrap_or(u32::MAX)))
    }

    /// A source's text and line table.
    pub fn source(&self, file: FileId) -> Option<(&str, &LineIndex)> {
        let f = self.checked.sources.get(file)?;
        Some((&f.text, self.lines.get(file.0 as usize)?))
    }

    /// The URL of a file id.
    pub fn url(&self, file: FileId) -> Option<&Url> {
        self.urls.get(file.0 as usize)
    }

    /// An LSP location of a span.
    pub fn location(&self, span: syntax::Span) -> Option<lsp_types::Location> {
        let (text, lines) = self.source(span.file)?;
        Some(lsp_types::Location::new(
            self.url(span.file)?.clone(),
            lines.range(text, span.range()),
        ))
    }

    /// The LSP range of a span (in its own file).
    pub fn range(&self, span: syntax::Span) -> Option<lsp_types::Range> {
        let (text, lines) = self.source(span.file)?;
        Some(lines.range(text, span.range()))
    }
}

#[derive(Default)]
struct Set {
    /// Files read from disk (absent for a single buffer).
    disk: BTreeMap<PathBuf, Result<String, String>>,
    loaded: bool,
    analysis: Option<Arc<Analysis>>,
    dirty: bool,
    /// Checked since its diagnostics were last published.
    fresh: bool,
}

/// Everything the server knows about the editor's files.
#[derive(Default)]
pub struct World {
    docs: HashMap<Url, Doc>,
    sets: BTreeMap<SetKey, Set>,
}

/// The set a URL belongs to.
pub fn set_key(url: &Url) -> SetKey {
    match url.to_file_path() {
        Ok(p) => match p.parent() {
            Some(dir) => SetKey::Dir(dir.to_path_buf()),
            None => SetKey::Single(url.clone()),
        },
        Err(()) => SetKey::Single(url.clone()),
    }
}

impl World {
    /// An open buffer.
    pub fn doc(&self, url: &Url) -> Option<&Doc> {
        self.docs.get(url)
    }

    /// A buffer was opened (or its text replaced).
    pub fn open(&mut self, url: Url, text: String, version: i32) {
        let key = set_key(&url);
        self.docs.insert(url, Doc { text, version });
        self.touch(&key, false);
    }

    /// A buffer changed: the new whole text.
    pub fn change(&mut self, url: &Url, text: String, version: i32) {
        if let Some(d) = self.docs.get_mut(url) {
            d.text = text;
            d.version = version;
        } else {
            self.docs.insert(url.clone(), Doc { text, version });
        }
        self.touch(&set_key(url), false);
    }

    /// Applies incremental edits to a buffer.
    pub fn edit(
        &mut self,
        url: &Url,
        version: i32,
        changes: Vec<lsp_types::TextDocumentContentChangeEvent>,
    ) {
        let mut text = self
            .docs
            .get(url)
            .map(|d| d.text.clone())
            .unwrap_or_default();
        for c in changes {
            match c.range {
                None => text = c.text,
                Some(r) => {
                    let idx = LineIndex::new(&text);
                    let a = idx.offset(&text, r.start);
                    let b = idx.offset(&text, r.end).max(a);
                    text.replace_range(a..b, &c.text);
                }
            }
        }
        self.change(url, text, version);
    }

    /// A buffer was closed: the disk's text counts again.
    pub fn close(&mut self, url: &Url) {
        self.docs.remove(url);
        let key = set_key(url);
        self.touch(&key, true);
    }

    /// Files changed on disk (saved, created, deleted): re-read their sets.
    pub fn disk_changed(&mut self, url: &Url) {
        let key = set_key(url);
        self.touch(&key, true);
    }

    fn touch(&mut self, key: &SetKey, reload: bool) {
        let set = self.sets.entry(key.clone()).or_default();
        set.dirty = true;
        if reload {
            set.loaded = false;
        }
    }

    /// The sets that changed since they were last checked.
    pub fn dirty(&self) -> Vec<SetKey> {
        self.sets
            .iter()
            .filter(|(_, s)| s.dirty)
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The analyses checked since this was last asked (their diagnostics are due).
    pub fn take_fresh(&mut self) -> Vec<Arc<Analysis>> {
        let mut out = Vec::new();
        for s in self.sets.values_mut() {
            if std::mem::take(&mut s.fresh) {
                out.extend(s.analysis.clone());
            }
        }
        out
    }

    /// Whether `a` is the analysis of its set as it is now (no change since).
    pub fn is_current(&self, a: &Arc<Analysis>) -> bool {
        self.sets
            .get(&a.key)
            .is_some_and(|s| !s.dirty && s.analysis.as_ref().is_some_and(|x| Arc::ptr_eq(x, a)))
    }

    /// The current analysis of a URL's set, checking it first when it changed.
    pub fn analysis(&mut self, url: &Url) -> Option<Arc<Analysis>> {
        let key = set_key(url);
        if !self.sets.contains_key(&key) {
            // A request about a file never opened: check its folder.
            self.touch(&key, true);
        }
        self.analyze(&key)
    }

    /// Checks a set if it changed; returns its analysis.
    pub fn analyze(&mut self, key: &SetKey) -> Option<Arc<Analysis>> {
        let set = self.sets.get_mut(key)?;
        if !set.dirty {
            if let Some(a) = &set.analysis {
                return Some(a.clone());
            }
        }
        if !set.loaded {
            set.disk = match key {
                SetKey::Dir(d) => read_dir(d),
                SetKey::Single(_) => BTreeMap::new(),
            };
            set.loaded = true;
        }
        let mut inputs: BTreeMap<String, (Url, String)> = BTreeMap::new();
        let mut versions = HashMap::new();
        let mut problems = Vec::new();
        for (path, r) in &set.disk {
            let Ok(url) = Url::from_file_path(path) else {
                continue;
            };
            match r {
                Ok(text) => {
                    inputs.insert(path.display().to_string(), (url, text.clone()));
                }
                Err(message) => problems.push(ReadProblem {
                    url,
                    message: message.clone(),
                }),
            }
        }
        for (url, doc) in &self.docs {
            if set_key(url) != *key {
                continue;
            }
            let name = match url.to_file_path() {
                Ok(p) => p.display().to_string(),
                Err(()) => url.to_string(),
            };
            problems.retain(|p| p.url != *url);
            versions.insert(url.clone(), doc.version);
            inputs.insert(name, (url.clone(), doc.text.clone()));
        }
        let start = Instant::now();
        let (urls, pairs): (Vec<Url>, Vec<(String, String)>) = inputs
            .into_iter()
            .map(|(name, (url, text))| (url, (name, text)))
            .unzip();
        let checked = check::check(&pairs);
        let lints = OnceLock::new();
        if checked.program.is_none() {
            let _ = lints.set(Vec::new());
        }
        let mut index = Index::new(&checked.files);
        // Files that do not parse now keep the names they had, for completion.
        if let Some(earlier) = &set.analysis {
            for (_, f) in checked.sources.iter() {
                if checked.files.iter().any(|(p, _)| *p == f.path) {
                    continue;
                }
                if let Some(ns) = crate::complete::announcement_id(&f.text) {
                    index.carry_over(&earlier.index, &ns);
                }
            }
        }
        let lines = checked
            .sources
            .iter()
            .map(|(_, f)| LineIndex::new(&f.text))
            .collect();
        let a = Arc::new(Analysis {
            key: key.clone(),
            checked,
            lints,
            index,
            urls,
            lines,
            problems,
            versions,
            elapsed: start.elapsed(),
        });
        set.analysis = Some(a.clone());
        set.dirty = false;
        set.fresh = true;
        Some(a)
    }
}

/// Reads the `*.edict` files directly in a folder (regular files, at most
/// `syntax::MAX_FILE_BYTES`, UTF-8); unreadable ones carry their problem.
fn read_dir(dir: &Path) -> BTreeMap<PathBuf, Result<String, String>> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.filter_map(Result::ok) {
        let path = e.path();
        if path.extension().is_none_or(|x| x != "edict") {
            continue;
        }
        let read = match std::fs::metadata(&path) {
            Ok(m) if !m.is_file() => continue,
            Ok(m) if m.len() > syntax::MAX_FILE_BYTES as u64 => Err(format!(
                "larger than {} bytes: policy files may have at most that many",
                syntax::MAX_FILE_BYTES
            )),
            Ok(_) => match std::fs::read(&path) {
                Ok(bytes) => String::from_utf8(bytes).map_err(|e| {
                    format!(
                        "not UTF-8 text (invalid byte at offset {})",
                        e.utf8_error().valid_up_to()
                    )
                }),
                Err(e) => Err(format!("cannot read: {e}")),
            },
            Err(e) => Err(format!("cannot read: {e}")),
        };
        out.insert(path, read);
    }
    out
}
