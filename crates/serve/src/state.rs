//! The loaded policy set, swapped whole on reload, and the reload worker.
//!
//! A reload checks and compiles the new set on a blocking thread, off the request path.
//! Only a set that loaded completely (checked, compiled, engine prepared) is ever swapped
//! in, with one atomic pointer store: a request reads the pointer once and judges every
//! record of the request with that set, so no request sees a half-loaded or mixed set.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use tokio::sync::{mpsc, oneshot};

use crate::metrics::Metrics;

/// A policy set in service.
pub struct Loaded {
    /// The policies.
    pub policies: edict::Policies,
    /// Their engine.
    pub engine: edict::Engine,
    /// When this set was swapped in.
    pub loaded_at: edict::Instant,
    /// `policies.hash()`, for headers.
    pub hash: Arc<str>,
}

/// A reload that failed: the last good set stays in service.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Failure {
    /// When it failed.
    pub at: edict::Instant,
    /// What triggered it (`start`, `file change`, `SIGHUP`, `POST /v1/reload`).
    pub trigger: String,
    /// The error, in one line.
    pub error: String,
    /// Located diagnostics, when the policies were read but rejected.
    pub diagnostics: Vec<edict::Diagnostic>,
}

/// What a reload did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReloadOutcome {
    /// Whether the new set is in service (or was already: same hash).
    pub ok: bool,
    /// Whether the set changed.
    pub changed: bool,
    /// The hash in service after the reload (`None` before any set loaded).
    pub hash: Option<String>,
    /// The failure, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

/// Shared state: the set in service and the last failure.
pub struct State {
    /// The policy path given on the command line.
    pub path: PathBuf,
    current: ArcSwapOption<Loaded>,
    last_failure: Mutex<Option<Failure>>,
    /// Metrics, shared with the routes.
    pub metrics: Arc<Metrics>,
}

impl State {
    /// State with nothing loaded yet.
    pub fn new(path: PathBuf, metrics: Arc<Metrics>) -> State {
        State {
            path,
            current: ArcSwapOption::empty(),
            last_failure: Mutex::new(None),
            metrics,
        }
    }

    /// The set in service, if one is loaded.
    pub fn current(&self) -> Option<Arc<Loaded>> {
        self.current.load_full()
    }

    /// The last failed reload, if any.
    pub fn last_failure(&self) -> Option<Failure> {
        self.last_failure.lock().ok().and_then(|f| f.clone())
    }

    /// Loads the set from `path` on a blocking thread and swaps it in on success.
    pub async fn reload(self: &Arc<State>, trigger: &str) -> ReloadOutcome {
        let path = self.path.clone();
        let loaded = tokio::task::spawn_blocking(move || {
            let policies = edict::Policies::load(&path)?;
            let engine = policies.engine()?;
            Ok::<_, edict::LoadError>((policies, engine))
        })
        .await;
        let result = match loaded {
            Ok(r) => r,
            Err(join) => Err(edict::LoadError::Io {
                path: self.path.display().to_string(),
                message: format!("the loading thread failed: {join}"),
            }),
        };
        match result {
            Ok((policies, engine)) => {
                let old = self.current();
                let hash: Arc<str> = Arc::from(policies.hash());
                let changed = old.as_ref().is_none_or(|o| o.hash != hash);
                if changed {
                    self.current.store(Some(Arc::new(Loaded {
                        policies,
                        engine,
                        loaded_at: edict::Instant::now(),
                        hash: Arc::clone(&hash),
                    })));
                    self.metrics.set_hash(&hash);
                    tracing::info!(%trigger, hash = %hash, "policy set loaded");
                } else {
                    tracing::info!(%trigger, hash = %hash, "policy set unchanged");
                }
                self.metrics.reload(true);
                ReloadOutcome {
                    ok: true,
                    changed,
                    hash: Some(hash.to_string()),
                    failure: None,
                }
            }
            Err(e) => {
                let failure = Failure {
                    at: edict::Instant::now(),
                    trigger: trigger.to_string(),
                    error: e.to_string(),
                    diagnostics: e.diagnostics().to_vec(),
                };
                tracing::warn!(%trigger, error = %failure.error, "reload failed; the last good set stays in service");
                for d in &failure.diagnostics {
                    tracing::warn!("  {d}");
                }
                if let Ok(mut f) = self.last_failure.lock() {
                    *f = Some(failure.clone());
                }
                self.metrics.reload(false);
                ReloadOutcome {
                    ok: false,
                    changed: false,
                    hash: self.current().map(|c| c.hash.to_string()),
                    failure: Some(failure),
                }
            }
        }
    }
}

/// A request for a reload; the outcome goes back on `reply` when someone waits for it.
pub struct ReloadRequest {
    /// What asked for it.
    pub trigger: &'static str,
    /// Where to send the outcome.
    pub reply: Option<oneshot::Sender<ReloadOutcome>>,
}

/// Runs reloads one at a time, in order; requests that queue up while one runs are served
/// by a single reload after it (they all get its outcome).
pub async fn reload_worker(state: Arc<State>, mut rx: mpsc::UnboundedReceiver<ReloadRequest>) {
    while let Some(first) = rx.recv().await {
        let mut waiting = vec![first];
        while let Ok(more) = rx.try_recv() {
            waiting.push(more);
        }
        let trigger = waiting[0].trigger;
        let outcome = state.reload(trigger).await;
        for w in waiting {
            if let Some(reply) = w.reply {
                let _ = reply.send(outcome.clone());
            }
        }
    }
}

/// Watches the policy path and asks for a reload once changes have been quiet for
/// `debounce` (an editor's save, or a file written in several steps, is one reload).
pub fn watch(
    path: PathBuf,
    debounce: Duration,
    reload: mpsc::UnboundedSender<ReloadRequest>,
) -> Result<notify::RecommendedWatcher, notify::Error> {
    use notify::{RecursiveMode, Watcher};
    let (tx, mut rx) = mpsc::unbounded_channel::<()>();
    // A single file is watched through its folder (editors replace files by renaming).
    let (target, mode, only) = if path.is_dir() {
        (path.clone(), RecursiveMode::Recursive, None)
    } else {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        (
            parent,
            RecursiveMode::NonRecursive,
            path.file_name().map(|n| n.to_os_string()),
        )
    };
    let mut watcher =
        notify::recommended_watcher(move |event: notify::Result<notify::Event>| match event {
            Ok(ev) => {
                if ev.kind.is_access() {
                    return;
                }
                let relevant = ev.paths.iter().any(|p| match &only {
                    Some(name) => p.file_name() == Some(name.as_os_str()),
                    None => p.extension().is_some_and(|e| e == "edict") || p.is_dir(),
                });
                if relevant {
                    let _ = tx.send(());
                }
            }
            Err(e) => tracing::warn!(error = %e, "file watcher"),
        })?;
    watcher.watch(&target, mode)?;
    tokio::spawn(async move {
        while rx.recv().await.is_some() {
            // Quiet period: every further change restarts it.
            loop {
                match tokio::time::timeout(debounce, rx.recv()).await {
                    Ok(Some(())) => continue,
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            if reload
                .send(ReloadRequest {
                    trigger: "file change",
                    reply: None,
                })
                .is_err()
            {
                return;
            }
        }
    });
    Ok(watcher)
}
