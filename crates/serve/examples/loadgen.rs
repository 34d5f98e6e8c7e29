//! Load generator for `edict serve` (hyper's HTTP/1 client over keep-alive connections).
//! Starts the `edict` binary on a loopback port for each scenario; every scenario is
//! bounded in requests and in time.
//!
//! ```sh
//! cargo build --release -p edict-cli
//! cargo run --release -p edict-serve --example loadgen -- [--edict target/release/edict] [--connections 32] [SCENARIO...]
//! ```
//!
//! Scenarios (all by default): `single` (one record per request, as fast as it goes),
//! `rate` (one record per request at 10,000 requests/s: latency from the scheduled send
//! time), `batch` (1,000 records per request), `reload` (100 reloads alternating a good and
//! a broken set under load), `sigterm` (SIGTERM under load).

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use tokio::net::TcpStream;

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

const AS_OF: &str = "as_of=2024-03-01T00:00:00%2B08:00";
const EXTRA: &str =
    "announcement extra_note \"An extra notice\" {\n  published 2024-05-01 00:00:00\n}\n";
const BROKEN: &str = "value broken_value = nope\n";

struct Server {
    child: Child,
    addr: String,
    stdout: Option<std::thread::JoinHandle<String>>,
}

impl Server {
    fn start(edict: &Path, policies: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(edict)
            .arg("serve")
            .arg(policies)
            .args(["--addr", "127.0.0.1:0", "--no-watch"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("edict starts");
        let mut out = child.stdout.take().expect("stdout");
        let stdout = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut out, &mut text);
            text
        });
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let addr = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(rest) = line.split("listening on http://").nth(1) {
                        break rest.trim().to_string();
                    }
                }
                _ => panic!("edict serve did not start"),
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            addr,
            stdout: Some(stdout),
        }
    }

    fn signal(&self, name: &str) {
        let _ = Command::new("kill")
            .args(["-s", name, &self.child.id().to_string()])
            .status();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn connect(addr: &str) -> std::io::Result<Sender> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let io = hyper_util::rt::TokioIo::new(stream);
    let (sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(std::io::Error::other)?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

struct Reply {
    status: u16,
    hash: String,
    body: Bytes,
}

async fn post(
    sender: &mut Sender,
    addr: &str,
    path: &str,
    body: Bytes,
    id: Option<&str>,
) -> Result<Reply, String> {
    sender.ready().await.map_err(|e| e.to_string())?;
    let mut req = hyper::Request::post(path)
        .header("host", addr)
        .header("content-type", "application/x-ndjson");
    if let Some(id) = id {
        req = req.header("x-request-id", id);
    }
    let req = req.body(Full::new(body)).map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let hash = resp
        .headers()
        .get("x-edict-set-hash")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok(Reply { status, hash, body })
}

#[derive(Default)]
struct Tally {
    ok: u64,
    failed: u64,
    records: u64,
    latencies: Vec<u32>,
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i.min(sorted.len() - 1)]) / 1000.0
}

/// Runs `connections` keep-alive connections for at most `duration` and `max_requests`;
/// with `rate`, requests are scheduled at that total rate and latency counts from the
/// scheduled time.
async fn load(
    addr: &str,
    bodies: Arc<Vec<Bytes>>,
    connections: usize,
    duration: Duration,
    max_requests: u64,
    rate: Option<f64>,
) -> (Tally, Duration) {
    let sent = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (addr, bodies, sent) = (addr.to_string(), Arc::clone(&bodies), Arc::clone(&sent));
        tasks.push(tokio::spawn(async move {
            let mut t = Tally::default();
            let Ok(mut s) = connect(&addr).await else {
                t.failed += 1;
                return t;
            };
            let path = format!("/v1/judge?{AS_OF}");
            let mut k = 0u64;
            loop {
                let n = sent.fetch_add(1, Ordering::Relaxed);
                if n >= max_requests || start.elapsed() >= duration {
                    break;
                }
                let scheduled = match rate {
                    Some(r) => {
                        let at = start
                            + Duration::from_secs_f64(
                                (k * connections as u64 + c as u64) as f64 / r,
                            );
                        k += 1;
                        tokio::time::sleep_until(at.into()).await;
                        at
                    }
                    None => Instant::now(),
                };
                let body = bodies[(n as usize) % bodies.len()].clone();
                let lines = body.iter().filter(|b| **b == b'\n').count().max(1) as u64;
                match post(&mut s, &addr, &path, body, None).await {
                    Ok(r) if r.status == 200 => {
                        t.ok += 1;
                        t.records += lines;
                        t.latencies.push(
                            u32::try_from(scheduled.elapsed().as_micros()).unwrap_or(u32::MAX),
                        );
                    }
                    _ => {
                        t.failed += 1;
                        match connect(&addr).await {
                            Ok(fresh) => s = fresh,
                            Err(_) => break,
                        }
                    }
                }
            }
            t
        }));
    }
    let mut total = Tally::default();
    for t in tasks {
        if let Ok(t) = t.await {
            total.ok += t.ok;
            total.failed += t.failed;
            total.records += t.records;
            total.latencies.extend(t.latencies);
        }
    }
    total.latencies.sort_unstable();
    (total, start.elapsed())
}

fn report(name: &str, t: &Tally, took: Duration) {
    let secs = took.as_secs_f64();
    println!(
        "{name}: {} ok, {} failed in {secs:.2} s: {:.0} requests/s, {:.0} records/s; latency ms p50 {:.3} p90 {:.3} p99 {:.3} max {:.3}",
        t.ok,
        t.failed,
        t.ok as f64 / secs,
        t.records as f64 / secs,
        percentile(&t.latencies, 0.50),
        percentile(&t.latencies, 0.90),
        percentile(&t.latencies, 0.99),
        percentile(&t.latencies, 1.0),
    );
}

fn scratch_policies(root: &Path, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("edict-loadgen-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    for e in std::fs::read_dir(root.join("policies")).expect("policies/") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "edict") {
            std::fs::copy(&p, dir.join(p.file_name().expect("name"))).expect("copy");
        }
    }
    dir
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut edict = root.join("target/release/edict");
    let mut scenarios = Vec::new();
    let mut connections = 32;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--edict" => edict = PathBuf::from(args.next().expect("--edict PATH")),
            "--connections" => {
                connections = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--connections N")
            }
            s => scenarios.push(s.to_string()),
        }
    }
    if scenarios.is_empty() {
        scenarios = ["single", "rate", "batch", "reload", "sigterm"]
            .map(String::from)
            .to_vec();
    }
    let records = datagen::Generator::new(42).ndjson(1000, datagen::Kind::Mixed);
    let singles: Arc<Vec<Bytes>> = Arc::new(
        records
            .lines()
            .map(|l| Bytes::from(format!("{l}\n")))
            .collect(),
    );
    let batch = Arc::new(vec![Bytes::from(records.clone())]);
    let policies = root.join("policies");
    for s in &scenarios {
        match s.as_str() {
            "single" => {
                let server = Server::start(&edict, &policies, &[]);
                let _ = load(
                    &server.addr,
                    Arc::clone(&singles),
                    8,
                    Duration::from_secs(1),
                    20_000,
                    None,
                )
                .await;
                let (t, took) = load(
                    &server.addr,
                    Arc::clone(&singles),
                    connections,
                    Duration::from_secs(10),
                    400_000,
                    None,
                )
                .await;
                report(
                    &format!("single ({connections} connections, max speed)"),
                    &t,
                    took,
                );
            }
            "rate" => {
                let server = Server::start(&edict, &policies, &[]);
                let _ = load(
                    &server.addr,
                    Arc::clone(&singles),
                    8,
                    Duration::from_secs(1),
                    20_000,
                    None,
                )
                .await;
                let (t, took) = load(
                    &server.addr,
                    Arc::clone(&singles),
                    connections,
                    Duration::from_secs(10),
                    100_000,
                    Some(10_000.0),
                )
                .await;
                report(
                    &format!("single at 10,000 requests/s ({connections} connections)"),
                    &t,
                    took,
                );
            }
            "batch" => {
                let server = Server::start(&edict, &policies, &[]);
                let _ = load(
                    &server.addr,
                    Arc::clone(&batch),
                    2,
                    Duration::from_secs(1),
                    20,
                    None,
                )
                .await;
                for c in [1, 2, 4] {
                    let (t, took) = load(
                        &server.addr,
                        Arc::clone(&batch),
                        c,
                        Duration::from_secs(10),
                        2_000,
                        None,
                    )
                    .await;
                    report(&format!("batch of 1,000 ({c} connections)"), &t, took);
                }
            }
            "reload" => reload_under_load(&edict, &root, &singles).await,
            "sigterm" => sigterm_under_load(&edict, &policies, &singles, &batch).await,
            other => eprintln!("unknown scenario {other}"),
        }
    }
}

async fn reload_under_load(edict: &Path, root: &Path, singles: &Arc<Vec<Bytes>>) {
    let dir = scratch_policies(root, "reload");
    let server = Server::start(edict, &dir, &[]);
    let addr = server.addr.clone();
    let mut control = connect(&addr).await.expect("connect");
    let hash_of = |r: &Reply| {
        serde_json::from_slice::<serde_json::Value>(&r.body)
            .ok()
            .and_then(|v| v["hash"].as_str().map(String::from))
    };
    // The two good sets: without and with the extra announcement.
    let r = post(&mut control, &addr, "/v1/reload", Bytes::new(), None)
        .await
        .expect("reload");
    let good_a = hash_of(&r).expect("hash");
    std::fs::write(dir.join("extra.edict"), EXTRA).expect("write");
    let r = post(&mut control, &addr, "/v1/reload", Bytes::new(), None)
        .await
        .expect("reload");
    let good_b = hash_of(&r).expect("hash");
    let good: Arc<HashSet<String>> = Arc::new([good_a, good_b].into_iter().collect());
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (addr, singles, good, stop) = (
            addr.clone(),
            Arc::clone(singles),
            Arc::clone(&good),
            Arc::clone(&stop),
        );
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut failed, mut foreign) = (0u64, 0u64, 0u64);
            let Ok(mut s) = connect(&addr).await else {
                return (0, 1, 0);
            };
            let path = format!("/v1/judge?{AS_OF}");
            let start = Instant::now();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(120) {
                match post(
                    &mut s,
                    &addr,
                    &path,
                    singles[n % singles.len()].clone(),
                    None,
                )
                .await
                {
                    Ok(r) if r.status == 200 => {
                        ok += 1;
                        if !good.contains(&r.hash) {
                            foreign += 1;
                        }
                    }
                    _ => failed += 1,
                }
                n += 1;
            }
            (ok, failed, foreign)
        }));
    }
    let start = Instant::now();
    let (mut reload_ok, mut reload_failed) = (0, 0);
    for i in 0..100 {
        if i % 2 == 0 {
            let _ = std::fs::remove_file(dir.join("broken.edict"));
            if i % 4 == 0 {
                let _ = std::fs::remove_file(dir.join("extra.edict"));
            } else {
                std::fs::write(dir.join("extra.edict"), EXTRA).expect("write");
            }
        } else {
            std::fs::write(dir.join("broken.edict"), BROKEN).expect("write");
        }
        match post(&mut control, &addr, "/v1/reload", Bytes::new(), None).await {
            Ok(r) if r.status == 200 => reload_ok += 1,
            Ok(_) => reload_failed += 1,
            Err(e) => panic!("reload request failed: {e}"),
        }
    }
    let took = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (mut ok, mut failed, mut foreign) = (0, 0, 0);
    for t in tasks {
        if let Ok((o, f, x)) = t.await {
            ok += o;
            failed += f;
            foreign += x;
        }
    }
    println!(
        "reload under load: 100 reloads ({reload_ok} good, {reload_failed} broken refused) in {:.2} s; {ok} requests judged meanwhile ({:.0}/s), {failed} failed, {foreign} with a hash that is not one of the two good sets",
        took.as_secs_f64(),
        ok as f64 / took.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

async fn sigterm_under_load(
    edict: &Path,
    policies: &Path,
    singles: &Arc<Vec<Bytes>>,
    batch: &Arc<Vec<Bytes>>,
) {
    let mut server = Server::start(
        edict,
        policies,
        &[
            "--decision-log",
            "stdout",
            "--decision-log-queue",
            "1000000",
        ],
    );
    let addr = server.addr.clone();
    let answered = Arc::new(Mutex::new(HashSet::new()));
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for c in 0..8 {
        let (addr, answered, errors) = (addr.clone(), Arc::clone(&answered), Arc::clone(&errors));
        let bodies = if c % 4 == 3 {
            Arc::clone(batch)
        } else {
            Arc::clone(singles)
        };
        tasks.push(tokio::spawn(async move {
            let Ok(mut s) = connect(&addr).await else {
                return;
            };
            let start = Instant::now();
            for n in 0.. {
                if start.elapsed() > Duration::from_secs(30) {
                    return;
                }
                let id = format!("c{c}-{n}");
                match post(
                    &mut s,
                    &addr,
                    &format!("/v1/judge?{AS_OF}"),
                    bodies[n % bodies.len()].clone(),
                    Some(&id),
                )
                .await
                {
                    Ok(r) if r.status == 200 => {
                        if let Ok(mut a) = answered.lock() {
                            a.insert(id);
                        }
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        match connect(&addr).await {
                            Ok(fresh) => s = fresh,
                            Err(_) => return,
                        }
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = answered.lock().map(|a| a.len()).unwrap_or(0);
    let t0 = Instant::now();
    server.signal("TERM");
    let mut code = None;
    while t0.elapsed() < Duration::from_secs(30) {
        if let Ok(Some(s)) = server.child.try_wait() {
            code = s.code();
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let exit_took = t0.elapsed();
    for t in tasks {
        let _ = t.await;
    }
    let log = server
        .stdout
        .take()
        .and_then(|h| h.join().ok())
        .unwrap_or_default();
    let judged: HashSet<String> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["request_id"].as_str().map(String::from))
        .collect();
    let answered = answered.lock().map(|a| a.clone()).unwrap_or_default();
    let cut = judged.iter().filter(|id| !answered.contains(*id)).count();
    println!(
        "SIGTERM under load: exit code {code:?} {:.0} ms after the signal; {} requests answered ({before} before the signal), {} judged by the server, {cut} judged but not answered (cut), {} client errors (connections closed or refused after the stop)",
        exit_took.as_secs_f64() * 1000.0,
        answered.len(),
        judged.len(),
        errors.load(Ordering::Relaxed),
    );
}
