//! `edict serve` as a process: its verdicts are `edict eval`'s byte for byte (the example
//! and generated records), SIGHUP reloads, SIGTERM under load lets every request finish
//! and exits 0, a set that does not check is refused at start with its diagnostics, and
//! `edict schema` prints the schema the server serves.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const AS_OF: &str = "2024-03-01T00:00:00+08:00";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn edict() -> Command {
    Command::new(env!("CARGO_BIN_EXE_edict"))
}

/// A running `edict serve` on an ephemeral loopback port; killed when dropped.
struct Served {
    child: Child,
    base: String,
    stdout: Option<std::thread::JoinHandle<String>>,
}

impl Served {
    fn start(policies: &Path, extra: &[&str]) -> Served {
        let mut child = edict()
            .arg("serve")
            .arg(policies)
            .args(["--addr", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = child.stdout.take().unwrap();
        let stdout = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut out, &mut text);
            text
        });
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("the server printed where it listens")
                .unwrap();
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest.trim().to_string();
            }
        };
        // Keep draining its log so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Served {
            child,
            base,
            stdout: Some(stdout),
        }
    }

    /// Everything it wrote on standard output (once it has exited).
    fn stdout(&mut self) -> String {
        self.stdout
            .take()
            .map(|h| h.join().unwrap())
            .unwrap_or_default()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args(["-s", name, &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    fn wait(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(s) = self.child.try_wait().unwrap() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

fn records() -> String {
    let mut text = std::fs::read_to_string(root().join("examples/orders.ndjson")).unwrap();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&datagen::Generator::new(42).ndjson(1000, datagen::Kind::Mixed));
    text
}

fn eval(policies: &Path, facts: &Path, explain: bool) -> String {
    let mut cmd = edict();
    cmd.arg("eval")
        .arg(policies)
        .arg(facts)
        .args(["--as-of", AS_OF]);
    if explain {
        cmd.arg("--explain");
    }
    let out = cmd.output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("edict-cli-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn served_verdicts_are_evals_bytes() {
    let policies = root().join("policies");
    let dir = scratch("parity");
    let facts = dir.join("records.ndjson");
    let input = records();
    std::fs::write(&facts, &input).unwrap();
    let server = Served::start(&policies, &["--no-watch"]);
    let c = client();
    for explain in [false, true] {
        let want = eval(&policies, &facts, explain);
        assert_eq!(want.lines().count(), input.lines().count());
        let got = c
            .post(server.url(&format!(
                "/v1/judge?as_of=2024-03-01T00:00:00%2B08:00&explain={explain}"
            )))
            .header("content-type", "application/x-ndjson")
            .body(input.clone())
            .send()
            .unwrap()
            .text()
            .unwrap();
        assert_eq!(got, want, "explain={explain}");
    }
    // Record by record over one keep-alive connection.
    let want = eval(&policies, &facts, false);
    for (line, want) in input.lines().zip(want.lines()).step_by(7) {
        let got = c
            .post(server.url("/v1/judge?as_of=2024-03-01T00:00:00%2B08:00"))
            .body(line.to_string())
            .send()
            .unwrap()
            .text()
            .unwrap();
        assert_eq!(got.trim_end(), want);
    }
    // An IR file serves the same.
    let ir = dir.join("set.ir");
    let ok = edict()
        .arg("compile")
        .arg(&policies)
        .arg("-o")
        .arg(&ir)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let server_ir = Served::start(&ir, &["--no-watch"]);
    let got = c
        .post(server_ir.url("/v1/judge?as_of=2024-03-01T00:00:00%2B08:00"))
        .header("content-type", "application/x-ndjson")
        .body(input)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(got, want);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn schema_prints_what_the_server_serves() {
    let policies = root().join("policies");
    let server = Served::start(&policies, &["--no-watch"]);
    let served: serde_json::Value = client()
        .get(server.url("/v1/schema"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let out = edict().arg("schema").arg(&policies).output().unwrap();
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, served);
    assert!(printed["$defs"]["kind.order"]["properties"]["paid_at"].is_object());
}

#[test]
fn sighup_reloads_and_sigterm_under_load_cuts_no_request() {
    let dir = scratch("signals");
    for e in std::fs::read_dir(root().join("policies")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "edict") {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    let mut server = Served::start(&dir, &["--no-watch", "--decision-log", "stdout"]);
    let c = client();
    let hash = |c: &reqwest::blocking::Client| {
        let v: serde_json::Value = c.get(server.url("/readyz")).send().unwrap().json().unwrap();
        v["hash"].as_str().unwrap().to_string()
    };
    let h0 = hash(&c);
    std::fs::write(
        dir.join("extra.edict"),
        "announcement extra_note \"An extra notice\" {\n  published 2024-05-01 00:00:00\n}\n",
    )
    .unwrap();
    server.signal("HUP");
    let start = Instant::now();
    while hash(&c) == h0 {
        assert!(start.elapsed() < Duration::from_secs(20), "SIGHUP reloaded");
        std::thread::sleep(Duration::from_millis(25));
    }

    // Load from four keep-alive clients; SIGTERM in the middle of it. Every request the
    // server judged (the decision log names them) must have been answered whole; the
    // others were never taken (refused, or sent on a connection the server was closing).
    let line = records().lines().next().unwrap().to_string();
    let batch: String = records()
        .lines()
        .take(500)
        .map(|l| format!("{l}\n"))
        .collect();
    let stop = AtomicBool::new(false);
    let answered = std::sync::Mutex::new(std::collections::HashSet::new());
    let url = server.url("/v1/judge?as_of=2024-03-01T00:00:00%2B08:00");
    let status = std::thread::scope(|s| {
        for i in 0..4 {
            let (stop, answered, url) = (&stop, &answered, &url);
            let body = if i % 2 == 0 {
                line.clone()
            } else {
                batch.clone()
            };
            s.spawn(move || {
                let c = client();
                for n in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let id = format!("t{i}-{n}");
                    let sent = c
                        .post(url.as_str())
                        .header("content-type", "application/x-ndjson")
                        .header("x-request-id", &id)
                        .body(body.clone())
                        .send();
                    let Ok(r) = sent else { return };
                    assert_eq!(r.status(), 200);
                    let Ok(text) = r.text() else { return };
                    assert_eq!(text.lines().count(), body.lines().count());
                    answered.lock().unwrap().insert(id);
                }
            });
        }
        while answered.lock().unwrap().len() < 40 {
            std::thread::sleep(Duration::from_millis(10));
        }
        server.signal("TERM");
        let status = server.wait(Duration::from_secs(30));
        stop.store(true, Ordering::Relaxed);
        status
    });
    let status = status.expect("the server exits after SIGTERM");
    assert_eq!(status.code(), Some(0));
    let answered = answered.into_inner().unwrap();
    let log = server.stdout();
    let mut judged = std::collections::HashSet::new();
    for l in log.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        judged.insert(v["request_id"].as_str().unwrap().to_string());
    }
    assert!(judged.len() >= 40, "{} requests judged", judged.len());
    for id in &judged {
        assert!(
            answered.contains(id),
            "request {id} was judged but its answer was cut"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_broken_set_is_refused_at_start() {
    let dir = scratch("broken");
    std::fs::write(dir.join("bad.edict"), "value x = nope\n").unwrap();
    let out = edict()
        .arg("serve")
        .arg(&dir)
        .args(["--addr", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.edict:1:"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
