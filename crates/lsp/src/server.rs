//! The message loop: requests answered in order, notifications applied, diagnostics
//! published when the queue is empty.
//!
//! Every handler is total: unknown URIs, positions past the end, parameters of the wrong
//! shape and files that do not parse give an empty answer or an LSP error response, never
//! a panic (a handler that panicked anyway is answered with an internal error and the
//! server carries on).

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crossbeam_channel::TryRecvError;
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

use crate::world::World;
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
    let mut s = Server {
        conn,
        world: World::default(),
        published: HashMap::new(),
    };
    s.run()
}

struct Server<'c> {
    conn: &'c Connection,
    world: World,
    published: HashMap<Url, Vec<lsp_types::Diagnostic>>,
}

impl Server<'_> {
    fn run(&mut self) -> Result<(), String> {
        loop {
            let msg = match self.conn.receiver.try_recv() {
                Ok(m) => m,
                Err(TryRecvError::Empty) => {
                    self.publish();
                    match self.conn.receiver.recv() {
                        Ok(m) => m,
                        Err(_) => return Ok(()),
                    }
                }
                Err(TryRecvError::Disconnected) => return Ok(()),
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

    /// Checks the sets that changed and publishes what differs from what the editor has.
    fn publish(&mut self) {
        for key in self.world.dirty() {
            if catch_unwind(AssertUnwindSafe(|| self.world.analyze(&key))).is_err() {
                eprintln!("edict lsp: checking {key:?} failed");
            }
        }
        for a in self.world.take_fresh() {
            for (url, diags) in diagnostics::by_file(&a) {
                let known = self.published.get(&url);
                if known.is_none() && diags.is_empty() || known == Some(&diags) {
                    continue;
                }
                let version = self.world.doc(&url).map(|d| d.version);
                let params = PublishDiagnosticsParams::new(url.clone(), diags.clone(), version);
                self.send(Message::Notification(Notification::new(
                    notif::PublishDiagnostics::METHOD.into(),
                    params,
                )));
                self.published.insert(url, diags);
            }
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
