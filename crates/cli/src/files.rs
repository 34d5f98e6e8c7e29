//! Every file the CLI writes (`fmt`, `compile -o`) goes through [`write_file`]: one set of
//! rules for what may be written and how.
//!
//! - A regular file is replaced atomically: the bytes go to a temporary file created
//!   exclusively (`O_EXCL`, an unpredictable name, never following a link) in the same
//!   folder, which is synced, renamed over the target, and the folder synced. A crash
//!   leaves the old file intact and at most a temporary file beside it, named
//!   `.NAME.XXXXXX.edict-tmp`: not `*.edict`, so `check` and the loaders never read it.
//! - A symbolic link is followed: the file it names is replaced (the link stays). A link
//!   to a FIFO or a character device (`/proc/self/fd/1`, `/dev/null`) writes through it.
//! - A FIFO or a character device is written through, never replaced by a regular file.
//! - Refused with a message: a block device, a folder, a socket, a dangling link, a
//!   regular file with several hard links (replacing it would split the names), and —
//!   when the caller forbids it ([`Target::not_policy`]) — any `*.edict` file or any of
//!   the command's input files.
//! - A replaced file keeps its permissions; a new one gets `0666` less the umask.

use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// What a write must not overwrite.
#[derive(Debug, Default)]
pub struct Target<'a> {
    /// Refuse a path ending in `.edict` (the output is not a policy source).
    pub refuse_policy: bool,
    /// The command's inputs (files, or folders whose `*.edict` files are compared by
    /// identity): the output may be none of them.
    pub inputs: &'a [PathBuf],
}

impl<'a> Target<'a> {
    /// An output that is not a policy: refuse `*.edict` paths and the inputs.
    pub fn not_policy(inputs: &'a [PathBuf]) -> Target<'a> {
        Target {
            refuse_policy: true,
            inputs,
        }
    }
}

/// Why a write was refused or failed.
#[derive(Debug)]
pub enum WriteError {
    /// The target is something the rules above never overwrite.
    Refused(String),
    /// The system said no.
    Io(std::io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Refused(why) => write!(f, "refusing to write: {why}"),
            WriteError::Io(e) => write!(f, "cannot write: {e}"),
        }
    }
}

impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> WriteError {
        WriteError::Io(e)
    }
}

/// The `(device, inode)` of an existing file, following links.
fn identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Whether `out` names the same file as one of `inputs` (a file, or a `*.edict` file
/// directly or deeper inside an input folder), links followed: `-o` a link to a policy.
fn is_an_input(out: (u64, u64), inputs: &[PathBuf]) -> bool {
    fn walk(dir: &Path, out: (u64, u64), depth: usize) -> bool {
        if depth > 64 {
            return false;
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            return false;
        };
        entries.filter_map(Result::ok).any(|e| {
            let p = e.path();
            match std::fs::symlink_metadata(&p) {
                Ok(m) if m.is_dir() => walk(&p, out, depth + 1),
                // A folder's inputs are its policy files (an IR beside them is not read).
                Ok(_) if p.extension().is_some_and(|e| e == "edict") => identity(&p) == Some(out),
                Ok(_) => false,
                Err(_) => false,
            }
        })
    }
    inputs.iter().any(|i| match std::fs::metadata(i) {
        Ok(m) if m.is_dir() => walk(i, out, 0),
        Ok(m) => (m.dev(), m.ino()) == out,
        Err(_) => false,
    })
}

/// Writes `bytes` to `path` by the rules of the module doc.
pub fn write_file(path: &Path, bytes: &[u8], target: &Target<'_>) -> Result<(), WriteError> {
    let refuse = |why: String| Err(WriteError::Refused(why));
    if target.refuse_policy && path.extension().is_some_and(|e| e == "edict") {
        return refuse(
            "the output would be a `.edict` file; policy sources are never overwritten with \
             other output"
                .into(),
        );
    }
    let link = std::fs::symlink_metadata(path)
        .ok()
        .filter(|m| m.file_type().is_symlink());
    let meta = match std::fs::metadata(path) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if link.is_some() {
                return refuse("it is a symbolic link to nothing (a dangling link)".into());
            }
            None
        }
        Err(e) => return Err(e.into()),
    };
    let Some(meta) = meta else {
        return replace(path, bytes, None);
    };
    if target.refuse_policy && is_an_input(identity(path).unwrap_or_default(), target.inputs) {
        return refuse("it is one of the command's input files".into());
    }
    let ft = meta.file_type();
    if ft.is_fifo() || ft.is_char_device() {
        // Write through: open without creating or truncating (a terminal, a pipe,
        // /dev/null, /proc/self/fd/1).
        let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
        f.write_all(bytes)?;
        f.flush()?;
        return Ok(());
    }
    if ft.is_dir() {
        return refuse("it is a folder".into());
    }
    if !ft.is_file() {
        return refuse("it is neither a regular file, a FIFO nor a character device".into());
    }
    if meta.nlink() > 1 {
        return refuse(format!(
            "it has {} hard links, and replacing it would leave the other names with the \
             old contents; break the links (copy the file) first",
            meta.nlink()
        ));
    }
    let real = match link {
        Some(_) => std::fs::canonicalize(path)?,
        None => path.to_path_buf(),
    };
    replace(&real, bytes, Some(meta.permissions()))
}

/// Replaces (or creates) the regular file `path` atomically.
fn replace(
    path: &Path,
    bytes: &[u8],
    permissions: Option<std::fs::Permissions>,
) -> Result<(), WriteError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let existing = permissions.is_some();
    let mode = permissions.unwrap_or_else(|| std::fs::Permissions::from_mode(0o666));
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".edict-tmp")
        .permissions(mode.clone())
        .tempfile_in(&dir)?;
    tmp.write_all(bytes)?;
    tmp.flush()?;
    // The umask narrowed the creation mode; an existing file's mode is restored exactly.
    if existing {
        tmp.as_file().set_permissions(mode)?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| WriteError::Io(e.error))?;
    std::fs::File::open(&dir)?.sync_all()?;
    Ok(())
}
