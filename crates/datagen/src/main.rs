//! `edict-datagen --seed 42 --count 1000 [--kind order|aftersale|mixed]`: records as NDJSON
//! on standard output. Same seed, same bytes.

use std::io::{self, BufWriter, ErrorKind, Write};
use std::process::ExitCode;

use datagen::{Generator, Kind};

const USAGE: &str = "\
usage: edict-datagen [--seed N] [--count N] [--kind order|aftersale|mixed]

Writes generated order and after-sale records (NDJSON) to standard output.
Same seed, same bytes. Evaluate them at --as-of 2024-03-01T00:00:00+08:00.

  --seed N    the seed (default 42)
  --count N   how many records (default 1000)
  --kind K    order, aftersale or mixed (default mixed: about 4 orders to 1 after-sale)";

struct Args {
    seed: u64,
    count: u64,
    kind: Kind,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut out = Args {
        seed: 42,
        count: 1000,
        kind: Kind::Mixed,
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
