//! Helpers shared by the service tests: scratch folders, servers on ephemeral loopback
//! ports, and a blocking HTTP client.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub const AS_OF: &str = "2024-03-01T00:00:00+08:00";
pub const AS_OF_QUERY: &str = "as_of=2024-03-01T00:00:00%2B08:00";

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn shipped_policies() -> PathBuf {
    root().join("policies")
}

/// A fresh scratch folder (removed when dropped).
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "edict-serve-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// A copy of the shipped policies (the `*.edict` files, not their tests).
    pub fn with_policies(name: &str) -> Scratch {
        let s = Scratch::new(name);
        for e in std::fs::read_dir(shipped_policies()).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "edict") {
                std::fs::copy(&p, s.0.join(p.file_name().unwrap())).unwrap();
            }
        }
        s
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The example records and 1,000 generated ones (seed 42), NDJSON.
pub fn records() -> String {
    let mut text = std::fs::read_to_string(root().join("examples/orders.ndjson")).unwrap();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&datagen::Generator::new(42).ndjson(1000, datagen::Kind::Mixed));
    text
}

/// What `edict eval` writes for `input` (the CLI's stream loop is `Engine::judge_stream`).
pub fn eval_lines(policies: &Path, input: &str, explain: bool) -> Vec<String> {
    let engine = edict::Policies::load(policies).unwrap().engine().unwrap();
    let mut out = Vec::new();
    engine
        .judge_stream(
            input.as_bytes(),
            &mut out,
            edict::JudgeOptions {
                as_of: AS_OF.parse().unwrap(),
                explain,
            },
            edict::Format::Ndjson,
        )
        .unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

pub fn config(policies: &Path) -> edict_serve::Config {
    let mut c = edict_serve::Config::new(policies);
    c.addr = "127.0.0.1:0".parse().unwrap();
    c.debounce = Duration::from_millis(100);
    c.threads = 2;
    c
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

pub fn url(server: &edict_serve::Server, path: &str) -> String {
    format!("http://{}{}", server.addr(), path)
}

pub fn get_json(c: &reqwest::blocking::Client, u: &str) -> (u16, serde_json::Value) {
    let r = c.get(u).send().unwrap();
    let status = r.status().as_u16();
    (status, r.json().unwrap())
}

/// The hash in service, from `/readyz`.
pub fn hash(c: &reqwest::blocking::Client, server: &edict_serve::Server) -> String {
    let (_, v) = get_json(c, &url(server, "/readyz"));
    v["hash"].as_str().unwrap().to_string()
}

/// Polls `f` until it holds or `limit` passes.
pub fn eventually(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    f()
}

/// One Prometheus sample: name, labels, value.
pub type Sample = (String, Vec<(String, String)>, f64);

/// Parses Prometheus text: `(name, labels, value)` per sample; panics on a malformed line.
pub fn parse_metrics(text: &str) -> Vec<Sample> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let kind = rest.split_whitespace().nth(1).unwrap();
                assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            }
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect(line);
        let value: f64 = value.parse().expect(line);
        let (name, labels) = match series.split_once('{') {
            Some((n, rest)) => {
                let body = rest.strip_suffix('}').expect(line);
                let mut labels = Vec::new();
                let mut chars = body.chars().peekable();
                while chars.peek().is_some() {
                    let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
                    assert_eq!(chars.next(), Some('"'), "{line}");
                    let mut val = String::new();
                    loop {
                        match chars.next().expect(line) {
                            '\\' => val.push(chars.next().expect(line)),
                            '"' => break,
                            c => val.push(c),
                        }
                    }
                    labels.push((key, val));
                    if chars.peek() == Some(&',') {
                        chars.next();
                    }
                }
                (n.to_string(), labels)
            }
            None => (series.to_string(), Vec::new()),
        };
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{line}"
        );
        out.push((name, labels, value));
    }
    out
}

/// The value of the sample `name` with exactly these labels, if present.
pub fn sample(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|(n, l, _)| {
            n == name
                && l.len() == labels.len()
                && labels
                    .iter()
                    .all(|(k, v)| l.iter().any(|(k2, v2)| k2 == k && v2 == v))
        })
        .map(|s| s.2)
}
