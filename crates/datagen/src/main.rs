//! `edict-datagen --seed 42 --count 1000 [--kind order|aftersale|mixed]`: records as NDJSON
//! on standard output. Same seed, same bytes.
//!
//! `edict-datagen --policy-set N --out DIR`: writes a synthetic policy set of N windowed
//! announcements (see `datagen::synth`) into DIR, for `edict check DIR` at scale; with
//! `--count`, also `DIR.ndjson`, records for it.

use std::io::{self, BufWriter, ErrorKind, Write};
use std::process::ExitCode;

use datagen::{Generator, Kind};

const USAGE: &str = "\
usage: edict-datagen [--seed N] [--count N] [--kind order|aftersale|mixed]
       edict-datagen --policy-set N --out DIR

Writes generated order and after-sale records (NDJSON) to standard output.
Same seed, same bytes. Evaluate them at --as-of 2024-03-01T00:00:00+08:00.

  --seed N        the seed (default 42)
  --count N       how many records (default 1000)
  --kind K        order, aftersale or mixed (default mixed: about 4 orders to 1 after-sale)
  --policy-set N  write a synthetic policy set of N windowed announcements to --out DIR
                  instead (records for it, --count of them, go to DIR.ndjson)";

struct Args {
    seed: u64,
    count: u64,
    kind: Kind,
    policy_set: Option<u64>,
    out: Option<String>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut out = Args {
        seed: 42,
        count: 1000,
        kind: Kind::Mixed,
        policy_set: None,
        out: None,
    };
    while let Some(a) = args.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (a, None),
        };
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let value = match inline.or_else(|| args.next()) {
            Some(v) => v,
            None => return Err(format!("`{flag}` needs a value")),
        };
        let number = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| format!("`{flag}` needs a whole number, found `{v}`"))
        };
        match flag.as_str() {
            "--seed" => out.seed = number(&value)?,
            "--count" => out.count = number(&value)?,
            "--kind" => out.kind = value.parse()?,
            "--policy-set" => out.policy_set = Some(number(&value)?),
            "--out" => out.out = Some(value),
            _ => return Err(format!("unknown argument `{flag}`")),
        }
    }
    Ok(Some(out))
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Some(n) = args.policy_set {
        let Some(dir) = args.out.as_deref() else {
            eprintln!("error: `--policy-set` needs `--out DIR`\n\n{USAGE}");
            return ExitCode::from(2);
        };
        return match write_policy_set(n, dir, args.seed, args.count) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {dir}: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    match Generator::new(args.seed).write_ndjson(args.count, args.kind, out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr(), "error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Writes the synthetic set of `n` announcements into `dir`, and `count` records for it
/// into `dir.ndjson`.
fn write_policy_set(n: u64, dir: &str, seed: u64, count: u64) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, text) in datagen::synth::policy_set(n as usize) {
        std::fs::write(std::path::Path::new(dir).join(name), text)?;
    }
    let records = datagen::synth::records(seed, n as usize, count as usize);
    std::fs::write(format!("{}.ndjson", dir.trim_end_matches('/')), records)
}
