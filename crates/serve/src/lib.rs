//! `edict serve`: the decision service.
//!
//! An HTTP server (axum on hyper and tokio) that judges records with a policy set and
//! reloads the set without ever serving a broken one:
//!
//! - `POST /v1/judge`: one record (a JSON object), an array of records, or NDJSON; the
//!   verdicts `edict eval` writes, byte for byte per record. Query options `as_of`
//!   (default: now) and `explain`. Every judge response carries the set's hash in
//!   `x-edict-set-hash`.
//! - `POST /v1/explain`: one record's verdict with explanations and its derivation tree.
//! - `GET /v1/policies`, `GET /v1/schema`, `POST /v1/reload`, `GET /healthz`,
//!   `GET /readyz`, `GET /metrics`.
//!
//! Reloads (file changes, debounced; SIGHUP; `POST /v1/reload`) check and compile the new
//! set on a blocking thread and swap it in atomically only when it loaded completely; on
//! any error the last good set stays in service and the diagnostics are exposed.
//!
//! [`spawn`] runs a server on a background thread (tests, embedding); [`run`] runs one in
//! the foreground until SIGTERM or SIGINT, reloading on SIGHUP (the CLI).

#![deny(missing_docs)]

mod describe;
pub mod dlog;
pub mod metrics;
mod routes;
pub mod schema;
pub mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

pub use dlog::LogTarget;
pub use routes::{REQUEST_ID_HEADER, SET_HASH_HEADER};

/// Which routes the bearer token guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthScope {
    /// Every route.
    All,
    /// `POST /v1/reload` only.
    Reload,
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct Config {
    /// A policy folder, one `.edict` file, or an IR file.
    pub policies: PathBuf,
    /// Where to listen.
    pub addr: SocketAddr,
    /// Reload when the policy files change.
    pub watch: bool,
    /// How long changes must be quiet before a reload.
    pub debounce: Duration,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Most records in one judge request.
    pub max_records: usize,
    /// Longest a request may take.
    pub timeout: Duration,
    /// Most requests served at once (the rest get 503 at once).
    pub max_concurrency: usize,
    /// The bearer token, when one is required.
    pub token: Option<String>,
    /// What the token guards.
    pub auth: AuthScope,
    /// The decision log, if any.
    pub decision_log: Option<LogTarget>,
    /// Requests the decision log may have queued before it drops.
    pub log_queue: usize,
    /// Worker threads (0: one per core).
    pub threads: usize,
}

impl Config {
    /// Defaults: loopback port 8181, watching, 200 ms debounce, 16 MiB bodies, 100,000
    /// records per request, 30 s timeout, 1,024 concurrent requests, no token, no log.
    pub fn new(policies: impl Into<PathBuf>) -> Config {
        Config {
            policies: policies.into(),
            addr: SocketAddr::from(([127, 0, 0, 1], 8181)),
            watch: true,
            debounce: Duration::from_millis(200),
            max_body_bytes: 16 << 20,
            max_records: 100_000,
            timeout: Duration::from_secs(30),
            max_concurrency: 1024,
            token: None,
            auth: AuthScope::All,
            decision_log: None,
            log_queue: 4096,
            threads: 0,
        }
    }
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {message}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        message: String,
    },
    /// The first load of the policies failed.
    #[error("{0}")]
    Load(edict::LoadError),
    /// Anything else (runtime, watcher, log file, serving).
    #[error("{0}")]
    Other(String),
}

/// A server running on a background thread.
pub struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), Error>>>,
}

impl Server {
    /// The address it listens on (with the port chosen when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops gracefully (in-flight requests finish) and waits.
    pub fn shutdown(mut self) -> Result<(), Error> {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> Result<(), Error> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err(Error::Other("the server thread panicked".into()))),
            None => Ok(()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop_and_join();
    }
}

fn runtime(threads: usize) -> Result<tokio::runtime::Runtime, Error> {
    let mut b = tokio::runtime::Builder::new_multi_thread();
    if threads > 0 {
        b.worker_threads(threads);
    }
    b.enable_all()
        .thread_name("edict-serve")
        .max_blocking_threads(64)
        .build()
        .map_err(|e| Error::Other(format!("cannot start the runtime: {e}")))
}

/// Starts a server on a background thread; returns once it listens with its set loaded.
/// No signal handlers are installed: stop it with [`Server::shutdown`].
pub fn spawn(config: Config) -> Result<Server, Error> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("edict-serve".into())
        .spawn(move || {
            let rt = runtime(config.threads)?;
            rt.block_on(serve(config, false, Some(ready_tx), async {
                let _ = stop_rx.await;
            }))
        })
        .map_err(|e| Error::Other(format!("cannot start the server thread: {e}")))?;
    match ready_rx.recv() {
        Ok(addr) => Ok(Server {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        }),
        Err(_) => Err(thread
            .join()
            .unwrap_or_else(|_| Err(Error::Other("the server thread panicked".into())))
            .err()
            .unwrap_or_else(|| Error::Other("the server stopped before it started".into()))),
    }
}

/// Runs a server in the foreground until SIGTERM or SIGINT (graceful: in-flight requests
/// finish), reloading on SIGHUP. `on_ready` is called with the address once it serves.
/// Logs (tracing) go to standard error at level INFO unless a subscriber is installed.
pub fn run(
    config: Config,
    on_ready: impl FnOnce(SocketAddr) + Send + 'static,
) -> Result<(), Error> {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .try_init();
    let rt = runtime(config.threads)?;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        if let Ok(addr) = ready_rx.recv() {
            on_ready(addr);
        }
    });
    rt.block_on(async {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())
            .map_err(|e| Error::Other(format!("cannot handle SIGTERM: {e}")))?;
        let mut int = signal(SignalKind::interrupt())
            .map_err(|e| Error::Other(format!("cannot handle SIGINT: {e}")))?;
        serve(config, true, Some(ready_tx), async move {
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM: finishing in-flight requests"),
                _ = int.recv() => tracing::info!("SIGINT: finishing in-flight requests"),
            }
        })
        .await
    })
}

/// Binds, loads the set, serves until `stop` resolves, then drains and flushes the log.
async fn serve(
    config: Config,
    signals: bool,
    ready: Option<std::sync::mpsc::Sender<SocketAddr>>,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| Error::Bind {
            addr: config.addr,
            message: e.to_string(),
        })?;
    let addr = listener.local_addr().map_err(|e| Error::Bind {
        addr: config.addr,
        message: e.to_string(),
    })?;
    let metrics = Arc::new(metrics::Metrics::default());
    let shared = Arc::new(state::State::new(
        config.policies.clone(),
        Arc::clone(&metrics),
    ));
    let first = shared.reload("start").await;
    if !first.ok {
        // Load again for the typed error (the outcome keeps its text and diagnostics).
        let path = config.policies.clone();
        let err = tokio::task::spawn_blocking(move || {
            edict::Policies::load(&path).and_then(|p| p.engine().map(|_| ()))
        })
        .await
        .ok()
        .and_then(Result::err);
        return Err(match err {
            Some(e) => Error::Load(e),
            None => Error::Other(
                first
                    .failure
                    .map_or_else(|| "the policies did not load".into(), |f| f.error),
            ),
        });
    }
    let (reload_tx, reload_rx) = mpsc::unbounded_channel();
    tokio::spawn(state::reload_worker(Arc::clone(&shared), reload_rx));
    let _watcher = if config.watch {
        Some(
            state::watch(config.policies.clone(), config.debounce, reload_tx.clone()).map_err(
                |e| Error::Other(format!("cannot watch {}: {e}", config.policies.display())),
            )?,
        )
    } else {
        None
    };
    if signals {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hup = signal(SignalKind::hangup())
            .map_err(|e| Error::Other(format!("cannot handle SIGHUP: {e}")))?;
        let tx = reload_tx.clone();
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                if tx
                    .send(state::ReloadRequest {
                        trigger: "SIGHUP",
                        reply: None,
                    })
                    .is_err()
                {
                    return;
                }
            }
        });
    }
    let (dlog, writer) = match config.decision_log.clone() {
        Some(target) => {
            let (l, w) = dlog::start(target, config.log_queue, Arc::clone(&metrics))
                .map_err(|e| Error::Other(format!("cannot open the decision log: {e}")))?;
            (Some(l), Some(w))
        }
        None => (None, None),
    };
    let app = Arc::new(routes::App {
        state: Arc::clone(&shared),
        reload: reload_tx,
        dlog,
        semaphore: Arc::new(tokio::sync::Semaphore::new(config.max_concurrency.max(1))),
        token: config.token.clone().map(Arc::from),
        auth: config.auth,
        timeout: config.timeout,
        max_body_bytes: config.max_body_bytes,
        max_records: config.max_records,
        requests: std::sync::atomic::AtomicU64::new(0),
        id_prefix: format!(
            "{:x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis())
        ),
    });
    let router = routes::router(app);
    tracing::info!(%addr, hash = ?shared.current().map(|c| c.hash.to_string()), "serving");
    if let Some(r) = ready {
        let _ = r.send(addr);
    }
    use axum::serve::ListenerExt as _;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let result = axum::serve(listener, router)
        .with_graceful_shutdown(stop)
        .await
        .map_err(|e| Error::Other(format!("serving failed: {e}")));
    // The router (and with it the log's senders) is gone: let the writer drain.
    if let Some(w) = writer {
        tokio::task::spawn_blocking(move || w.join()).await.ok();
    }
    tracing::info!("stopped");
    result
}
