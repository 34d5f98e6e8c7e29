//! The message loop: requests answered in order, notifications applied, diagnostics
//! published when the queue is empty — the checker's at once, lint findings when the
//! background lint of that same analysis is done (one lint thread at a time; an analysis
//! superseded while it waited is never linted).
//!
//! Every handler is total: unknown URIs, positions past the end, parameters of the wrong
//! shape and files that do not parse give an empty answer or an LSP error response, never
//! a panic (a handler that panicked anyway is answered with an internal error and the
//! server carries on).

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crossbeam_channel::{select, unbounded, Receiver, Sender};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionProviderCapability, CompletionOptions, HoverProviderCapability,
    OneOf, PublishDiagnosticsParams, ServerCapabilities, TextDocumentSyncCapability,
    TextDocumentSyncKind, Url,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::world::{Analysis, World};
use crate::{actions, complete, diagnostics, hover, nav};

/// What the server offers.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(
            TextDocumentSyncKind::INCREMENTAL,
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), "\"".into()]),
            ..Default::default()
        }),
        code_action_provider: Some(CodeActionProviderCapability::Options(
            lsp_types::CodeActionOptions {
                code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                ..Default::default()
            },
        )),
        ..Default::default()
    }
}

/// Runs the server on a connection until the client shuts it down.
pub fn serve(conn: &Connection) -> Result<(), String> {
    let caps = serde_json::to_value(capabilities()).map_err(|e| e.to_string())?;
    let init = serde_json::json!({
        "capabilities": caps,
        "serverInfo": {"name": "edict lsp", "version": env!("CARGO_PKG_VERSION")},
    });
    let (id, _params) = conn.initialize_start().map_err(|e| e.to_string())?;
    conn.initialize_finish(id, init)
        .map_err(|e| e.to_string())?;
    let (lint_tx, lint_rx) = unbounded();
    let mut s = Server {
        conn,
        world: World::default(),
        published: HashMap::new(),
        linting: false,
        lint_queue: Vec::new(),
        lint_tx,
        lint_rx,
    };
    s.run()
}

struct Server<'c> {
    conn: &'c Connection,
    world: World,
    published: HashMap<Url, Vec<lsp_types::Diagnostic>>,
    /// A lint thread is running.
    linting: bool,
    /// Analyses whose lint findings are due, oldest first.
    lint_queue: Vec<Arc<Analysis>>,
    lint_tx: Sender<Arc<Analysis>>,
    lint_rx: Receiver<Arc<Analysis>>,
}

/// What woke the loop.
enum Event {
    Msg(Message),
    Linted(Arc<Analysis>),
    Closed,
}

impl Server<'_> {
    fn next(&self, block: bool) -> Option<Event> {
        let (rx, lint) = (&self.conn.receiver, &self.lint_rx);
        if block {
            Some(select! {
                recv(rx) -> m => m.map_or(Event::Closed, Event::Msg),
                recv(lint) -> a => a.map_or(Event::Closed, Event::Linted),
            })
        } else {
            select! {
                recv(rx) -> m => Some(m.map_or(Event::Closed, Event::Msg)),
                recv(lint) -> a => Some(a.map_or(Event::Closed, Event::Linted)),
                default => None,
            }
        }
    }

    fn run(&mut self) -> Result<(), String> {
        loop {
            let event = match self.next(false) {
                Some(e) => e,
                None => {
                    self.publish();
                    self.start_lint();
                    match self.next(true) {
                        Some(e) => e,
                        None => return Ok(()),
                    }
                }
            };
            let msg = match event {
                Event::Msg(m) => m,
                Event::Closed => return Ok(()),
                Event::Linted(a) => {
                    self.linting = false;
                    if self.world.is_current(&a) {
                        self.publish_analysis(&a);
                    }
                    continue;
                }
            };
            match msg {
                Message::Request(r) => {
                    if self.conn.handle_shutdown(&r).map_err(|e| e.to_string())? {
                        return Ok(());
                    }
                    let resp = self.request(r);
                    self.send(Message::Response(resp));
                }
                Message::Notification(n) => {
                    if n.method == notif::Exit::METHOD {
                        return Ok(());
                    }
                    let method = n.method.clone();
                    if catch_unwind(AssertUnwindSafe(|| self.notification(n))).is_err() {
                        eprintln!("edict lsp: handling `{method}` failed");
                    }
                }
                Message::Response(_) => {}
            }
        }
    }

    fn send(&self, m: Message) {
        // The client went away: the loop ends when the channel closes.
        let _ = self.conn.sender.send(m);
    }

    /// Checks the sets that changed and publishes what differs from what the editor has;
    /// queues their lint.
    fn publish(&mut self) {
        for key in self.world.dirty() {
            if catch_unwind(AssertUnwindSafe(|| self.world.analyze(&key))).is_err() {
                eprintln!("edict lsp: checking {key:?} failed");
            }
        }
        for a in self.world.take_fresh() {
            self.publish_analysis(&a);
            if a.lints_ready().is_none() {
                self.lint_queue.retain(|q| q.key != a.key);
                self.lint_queue.push(a);
            }
        }
    }

    /// Starts linting the oldest queued analysis that is still current.
    fn start_lint(&mut self) {
        if self.linting {
            return;
        }
        while !self.lint_queue.is_empty() {
            let a = self.lint_queue.remove(0);
            if !self.world.is_current(&a) {
                continue;
            }
            if a.lints_ready().is_some() {
                // A request linted it meanwhile.
                self.publish_analysis(&a);
                continue;
            }
            let tx = self.lint_tx.clone();
            let job = a.clone();
            // The same stack as the checker's thread (`edict` runs commands on 256 MiB):
            // the analyses recurse over expressions.
            let spawned = std::thread::Builder::new()
                .stack_size(256 * 1024 * 1024)
                .spawn(move || {
                    if catch_unwind(AssertUnwindSafe(|| job.lints().len())).is_err() {
                        eprintln!("edict lsp: lint failed on {:?}", job.key);
                    }
                    let _ = tx.send(job);
                });
            if spawned.is_err() {
                // No thread: lint here.
                let _ = catch_unwind(AssertUnwindSafe(|| a.lints().len()));
                self.publish_analysis(&a);
                continue;
            }
            self.linting = true;
            return;
        }
    }

    /// Publishes the diagnostics of one analysis that differ from the editor's.
    ///
    /// While a set that checks waits for its lint, a file that shows lint findings and no
    /// errors keeps them until the new findings come (instead of flickering empty); errors
    /// appearing or going away are published at once.
    fn publish_analysis(&mut self, a: &Analysis) {
        let lint_pending = a.checked.program.is_some() && a.lints_ready().is_none();
        let errors = |d: &[lsp_types::Diagnostic]| {
            d.iter()
                .any(|x| x.severity == Some(lsp_types::DiagnosticSeverity::ERROR))
        };
        for (url, diags) in diagnostics::by_file(a) {
            let known = self.published.get(&url);
            if known.is_none() && diags.is_empty() || known == Some(&diags) {
                continue;
            }
            if lint_pending && !errors(&diags) && known.is_some_and(|k| !k.is_empty() && !errors(k))
            {
                continue;
            }
            let version = a.versions.get(&url).copied();
            let params = PublishDiagnosticsParams::new(url.clone(), diags.clone(), version);
            self.send(Message::Notification(Notification::new(
                notif::PublishDiagnostics::METHOD.into(),
                params,
            )));
            self.published.insert(url, diags);
        }
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                if let Some(p) = params::<lsp_types::DidOpenTextDocumentParams>(n.params) {
                    let d = p.text_document;
                    self.world.open(d.uri, d.text, d.version);
                }
            }
            notif::DidChangeTextDocument::METHOD => {
                if let Some(p) = params::<lsp_types::DidChangeTextDocumentParams>(n.params) {
                    let d = p.text_document;
                    self.world.edit(&d.uri, d.version, p.content_changes);
                }
            }
            notif::DidCloseTextDocument::METHOD => {
                if let Some(p) = params::<lsp_types::DidCloseTextDocumentParams>(n.params) {
                    self.world.close(&p.text_document.uri);
                }
            }
            notif::DidSaveTextDocument::METHOD => {
                if let Some(p) = params::<lsp_types::DidSaveTextDocumentParams>(n.params) {
                    self.world.disk_changed(&p.text_document.uri);
                }
            }
            notif::DidChangeWatchedFiles::METHOD => {
                if let Some(p) = params::<lsp_types::DidChangeWatchedFilesParams>(n.params) {
                    for c in p.changes {
                        self.world.disk_changed(&c.uri);
                    }
                }
            }
            _ => {}
        }
    }

    fn request(&mut self, r: Request) -> Response {
        let id = r.id.clone();
        let method = r.method.clone();
        match catch_unwind(AssertUnwindSafe(|| self.dispatch(r))) {
            Ok(Ok(v)) => Response::new_ok(id, v),
            Ok(Err((code, msg))) => Response::new_err(id, code as i32, msg),
            Err(_) => Response::new_err(
                id,
                ErrorCode::InternalError as i32,
                format!("edict lsp: `{method}` failed on this input"),
            ),
        }
    }

    fn dispatch(&mut self, r: Request) -> Result<Value, (ErrorCode, String)> {
        let w = &mut self.world;
        match r.method.as_str() {
            req::HoverRequest::METHOD => {
                let p: lsp_types::HoverParams = need(r.params)?;
                let d = p.text_document_position_params;
                json(hover::hover(w, &d.text_document.uri, d.position))
            }
            req::GotoDefinition::METHOD => {
                let p: lsp_types::GotoDefinitionParams = need(r.params)?;
                let d = p.text_document_position_params;
                json(nav::definition(w, &d.text_document.uri, d.position))
            }
            req::References::METHOD => {
                let p: lsp_types::ReferenceParams = need(r.params)?;
                let d = p.text_document_position;
                json(nav::references(
                    w,
                    &d.text_document.uri,
                    d.position,
                    p.context.include_declaration,
                ))
            }
            req::DocumentSymbolRequest::METHOD => {
                let p: lsp_types::DocumentSymbolParams = need(r.params)?;
                json(nav::symbols(w, &p.text_document.uri))
            }
            req::Completion::METHOD => {
                let p: lsp_types::CompletionParams = need(r.params)?;
                let d = p.text_document_position;
                json(complete::complete(w, &d.text_document.uri, d.position))
            }
            req::Formatting::METHOD => {
                let p: lsp_types::DocumentFormattingParams = need(r.params)?;
                actions::format(w, &p.text_document.uri).and_then(|e| json(Some(e)))
            }
            req::CodeActionRequest::METHOD => {
                let p: lsp_types::CodeActionParams = need(r.params)?;
                json(actions::code_actions(w, &p.text_document.uri, p.range))
            }
            _ => Err((
                ErrorCode::MethodNotFound,
                format!("edict lsp does not answer `{}`", r.method),
            )),
        }
    }
}

fn params<T: DeserializeOwned>(v: Value) -> Option<T> {
    serde_json::from_value(v).ok()
}

fn need<T: DeserializeOwned>(v: Value) -> Result<T, (ErrorCode, String)> {
    serde_json::from_value(v).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
}

fn json<T: serde::Serialize>(v: T) -> Result<Value, (ErrorCode, String)> {
    serde_json::to_value(v).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}
