//! `edict diff OLD NEW`: which records two versions of a policy set judge differently —
//! semantically over the record space, or on real records with `--facts`.

use std::path::PathBuf;

use crate::render::Format;
use crate::{load_program, Exit};

/// Arguments of `edict diff`.
#[derive(clap::Args)]
pub struct Args {
    /// The old version: a policy folder or file, an IR file from `edict compile`, or
    /// `git:REV[:PATH]` (the folder or file at a git revision; PATH defaults to NEW's).
    pub old: PathBuf,
    /// The new version, likewise (a folder or file on disk with `--git`).
    pub new: Option<PathBuf>,
    /// Compare NEW (the only positional argument then) with its state at git revision
    /// REV, or with PATH at REV (`REV:PATH`, relative to the repository's root).
    #[arg(long, value_name = "REV[:PATH]")]
    pub git: Option<String>,
    /// Compare the verdicts of these records (NDJSON) instead of the record space.
    #[arg(long, value_name = "FILE")]
    pub facts: Option<PathBuf>,
    /// Output format (`markdown`: a review comment, a summary table per check, then the
    /// regions with witnesses; with `--facts`, the table counts the records).
    #[arg(long, value_enum, default_value = "human")]
    pub format: DiffFormat,
    /// Exit with status 1 when anything differs.
    #[arg(long)]
    pub exit_code: bool,
}

/// Output formats of `edict diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// For people.
    Human,
    /// JSON, for tools.
    Json,
    /// Markdown, for a code review comment.
    Markdown,
}

/// Runs the command.
pub fn run(args: &Args) -> Exit {
    let diag_format = match args.format {
        DiffFormat::Json => Format::Json,
        DiffFormat::Human | DiffFormat::Markdown => Format::Human,
    };
    // `--git REV[:PATH] NEW`, or `git:REV[:PATH] NEW`, or `OLD NEW`.
    let (git, new_path) = match (&args.git, &args.new) {
        (Some(spec), None) => (Some(spec.clone()), args.old.clone()),
        (Some(_), Some(_)) => {
            eprintln!("error: with --git, give only the folder to compare (NEW)");
            return Exit::Error;
        }
        (None, Some(new)) => {
            let old = args.old.to_string_lossy();
            (old.strip_prefix("git:").map(str::to_string), new.clone())
        }
        (None, None) => {
            eprintln!("error: give OLD and NEW, or --git REV[:PATH] NEW");
            return Exit::Error;
        }
    };
    let old = match &git {
        Some(spec) => match git_program(spec, &new_path) {
            Ok(p) => Some(p),
            Err(e) => {
                eprintln!("error: {e}");
                return Exit::Error;
            }
        },
        None => load_program(&args.old, diag_format),
    };
    let (Some(old), Some(new)) = (old, load_program(&new_path, diag_format)) else {
        return Exit::Error;
    };
    let differs = match &args.facts {
        Some(facts) => {
            let file = match std::fs::File::open(facts) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("error: {}: cannot read: {e}", facts.display());
                    return Exit::Error;
                }
            };
            // Streamed: each changed record is written as it is found, nothing is kept.
            let json = args.format == DiffFormat::Json;
            let markdown = args.format == DiffFormat::Markdown;
            let mut first = true;
            if json {
                out!("{{\"changed\":[");
            }
            let result = analysis::diff::facts::stream(
                &old,
                &new,
                std::io::BufReader::with_capacity(1 << 16, file),
                |c| {
                    if markdown {
                        return;
                    }
                    if json {
                        out!(
                            "{}{}",
                            if first { "" } else { "," },
                            serde_json::to_string(&c).unwrap_or_default()
                        );
                        first = false;
                        return;
                    }
                    let id =
                        c.id.as_ref()
                            .map_or_else(|| "-".to_string(), |v| v.to_string());
                    outln!("line {} (id {id}):", c.line);
                    for b in &c.before {
                        outln!("  - {}", serde_json::to_string(b).unwrap_or_default());
                    }
                    for a in &c.after {
                        outln!("  + {}", serde_json::to_string(a).unwrap_or_default());
                    }
                },
            );
            let d = match result {
                Ok(d) => d,
                Err(e) => {
                    if json {
                        outln!("]}}");
                    }
                    eprintln!("error: {}: {e}", facts.display());
                    return Exit::Error;
                }
            };
            if markdown {
                let r = analysis::diff::diff(&old, &new);
                out!("{}", analysis::diff::markdown(&r, Some(&d)));
                for (line, e) in &d.errors {
                    eprintln!("error: line {line}: {e}");
                }
            } else if json {
                let rest = serde_json::json!({
                    "records": d.records,
                    "errors": d.errors,
                    "per_check": d.per_check,
                });
                let rest = serde_json::to_string(&rest).unwrap_or_default();
                outln!("],{}", rest.strip_prefix('{').unwrap_or(&rest));
            } else {
                for (check, n) in &d.per_check {
                    outln!("{check}: {n} records change");
                }
                if d.changed == 0 && d.errors.is_empty() {
                    outln!(
                        "no differences: the two versions judge all {} records alike",
                        d.records
                    );
                }
                for (line, e) in &d.errors {
                    eprintln!("error: line {line}: {e}");
                }
                eprintln!("{} records, {} change", d.records, d.changed);
            }
            if !d.errors.is_empty() {
                return Exit::Error;
            }
            d.changed > 0
        }
        None => {
            let r = analysis::diff::diff(&old, &new);
            match args.format {
                DiffFormat::Json => outln!("{}", serde_json::to_string(&r).unwrap_or_default()),
                DiffFormat::Human => out!("{}", analysis::diff::human(&r)),
                DiffFormat::Markdown => out!("{}", analysis::diff::markdown(&r, None)),
            }
            !r.is_empty()
        }
    };
    if differs && args.exit_code {
        Exit::Findings
    } else {
        Exit::Clean
    }
}

/// The program of the policy files at `REV[:PATH]` of the repository holding `new` (PATH:
/// relative to the repository's root, default `new`'s own place), read with gitoxide.
fn git_program(spec: &str, new: &std::path::Path) -> Result<ir::Program, String> {
    let here = new
        .canonicalize()
        .map_err(|e| format!("{}: {e}", new.display()))?;
    let dir = if here.is_file() {
        here.parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default()
    } else {
        here.clone()
    };
    let repo = gix::discover(&dir)
        .map_err(|e| format!("{}: not in a git repository: {e}", new.display()))?;
    let workdir = repo.workdir().ok_or("the repository has no work tree")?;
    let root = dir
        .ancestors()
        .find(|a| a.canonicalize().ok() == workdir.canonicalize().ok() || a.join(".git").exists())
        .map(std::path::Path::to_path_buf)
        .ok_or_else(|| format!("{}: cannot place it in the repository", new.display()))?;
    let (rev, path) = match spec.split_once(':') {
        Some((rev, path)) => (rev, PathBuf::from(path)),
        None => {
            let rel = here
                .strip_prefix(&root)
                .map_err(|_| format!("{} is outside the repository", new.display()))?;
            (spec, rel.to_path_buf())
        }
    };
    let id = repo
        .rev_parse_single(rev)
        .map_err(|e| format!("git revision {rev}: {e}"))?;
    let commit = id
        .object()
        .map_err(|e| format!("git revision {rev}: {e}"))?
        .peel_to_commit()
        .map_err(|e| format!("git revision {rev}: {e}"))?;
    let tree = commit
        .tree()
        .map_err(|e| format!("git revision {rev}: {e}"))?;
    let shown = format!("{rev}:{}", path.display());
    let text = |data: &[u8], name: &str| {
        String::from_utf8(data.to_vec()).map_err(|_| format!("{name}: not UTF-8"))
    };
    let mut inputs: Vec<(String, String)> = Vec::new();
    let read_tree = |tree: gix::Tree<'_>, inputs: &mut Vec<(String, String)>| {
        for entry in tree.iter() {
            let entry = entry.map_err(|e| format!("{shown}: {e}"))?;
            let file = entry.filename().to_string();
            if !entry.mode().is_blob() || !file.ends_with(".edict") {
                continue;
            }
            let blob = entry.object().map_err(|e| format!("{shown}/{file}: {e}"))?;
            let name = format!("{}/{file}", shown.trim_end_matches('/'));
            inputs.push((name.clone(), text(&blob.data, &name)?));
        }
        Ok::<(), String>(())
    };
    if path.as_os_str().is_empty() {
        read_tree(tree, &mut inputs)?;
    } else {
        let object = tree
            .lookup_entry_by_path(&path)
            .map_err(|e| format!("{shown}: {e}"))?
            .ok_or_else(|| format!("{shown}: no such file or folder at that revision"))?
            .object()
            .map_err(|e| format!("{shown}: {e}"))?;
        match object.kind {
            gix::object::Kind::Blob => inputs.push((shown.clone(), text(&object.data, &shown)?)),
            gix::object::Kind::Tree => read_tree(object.into_tree(), &mut inputs)?,
            _ => return Err(format!("{shown}: neither a file nor a folder")),
        }
    }
    if inputs.is_empty() {
        return Err(format!("{shown}: no policy files (*.edict)"));
    }
    inputs.sort();
    let checked = check::check(&inputs);
    match checked.program {
        Some(p) => Ok(p),
        None => {
            eprint!(
                "{}",
                crate::render::diagnostics(
                    &checked.diagnostics,
                    &checked.sources,
                    Format::Human,
                    false
                )
            );
            Err(format!(
                "{shown}: the policies at that revision do not check"
            ))
        }
    }
}
