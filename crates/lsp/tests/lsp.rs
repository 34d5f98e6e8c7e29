//! `edict lsp` driven over stdio by a test client, as an editor would: the replies are
//! snapshots (`cargo insta review` after an intended change). The fixture set is
//! `fixtures/set/` (a schema, a base announcement, a festival announcement with Chinese
//! titles and region literals, an L001 overlap and an L005 short region name); nothing is
//! written to disk, edits live in the server's open buffers.
//!
//! This file is a test target of edict-cli (see crates/cli/Cargo.toml) so that it runs
//! the real `edict` binary.

mod client;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use client::{pos, url, Client};
use serde_json::{json, Value};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../lsp/tests/fixtures/set")
        .canonicalize()
        .expect("fixture folder")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixture().join(name)).expect("fixture file")
}

fn uri(name: &str) -> String {
    url(&fixture().join(name))
}

/// The reply with the fixture's URL prefix replaced, pretty-printed.
fn norm(v: &Value) -> String {
    let root = url(&fixture());
    serde_json::to_string_pretty(v)
        .expect("json")
        .replace(&root, "file:///SET")
}

fn codes(d: &Value) -> Vec<String> {
    d["diagnostics"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| d["code"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn has(code: &'static str) -> impl Fn(&Value) -> bool {
    move |d| codes(d).iter().any(|c| c == code)
}

fn at(name: &str, text: &str, needle: &str, nth: usize, delta: u32) -> Value {
    json!({"textDocument": {"uri": uri(name)}, "position": pos(text, needle, nth, delta)})
}

#[test]
fn diagnostics_follow_edits_in_every_file_of_the_set() {
    let mut c = Client::start(&fixture());
    let f = uri("festival.edict");
    let good = read("festival.edict");
    // Broken as typed: a field that does not exist.
    let broken = good.replace(
        "order.sender_region in listed",
        "order.sender_regon in listed",
    );
    c.open(&f, &broken);
    let d = c.diagnostics(&f, has("E0104"));
    insta::assert_snapshot!("broken_field", norm(&d));
    // A syntax error: the checker's E0001 with its expected tokens.
    c.change(
        &f,
        2,
        &good.replace("then overridden + 72h", "then overridden +"),
    );
    let d = c.diagnostics(&f, has("E0001"));
    insta::assert_snapshot!("syntax_error", norm(&d));
    // Fixed: the errors go, and lint runs (the set compiles): L001 and L005 here, L007 in
    // the schema, which is not even open.
    c.change(&f, 3, &good);
    let d = c.diagnostics(&f, |d| {
        let cs = codes(d);
        cs.contains(&"L001".into()) && !cs.iter().any(|c| c.starts_with('E'))
    });
    assert_eq!(d["version"], 3);
    insta::assert_snapshot!("fixed_with_lints", norm(&d));
    let s = c.diagnostics(&uri("schema.edict"), has("L007"));
    assert_eq!(codes(&s), ["L007"]);
    // An error in another file of the set shows where it is.
    let b = uri("base.edict");
    let base = read("base.edict");
    c.open(&b, &base.replace("value ship_by", "value ship_byy"));
    let d = c.diagnostics(&f, has("E0105"));
    assert!(d["diagnostics"][0]["message"]
        .as_str()
        .unwrap_or("")
        .contains("base.ship_by"));
    // Incremental edit on a line of Chinese, in UTF-16 columns: the short region name
    // becomes the canonical one and L005 goes away.
    c.change(&b, 2, &base);
    let start = pos(&good, "\"内蒙古呼和浩特市\"", 0, 1);
    let end = pos(&good, "\"内蒙古呼和浩特市\"", 0, 1 + 8);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": f, "version": 4},
               "contentChanges": [{"range": {"start": start, "end": end}, "text": "内蒙古自治区呼和浩特市"}]}),
    );
    // The checker's diagnostics come first, lint's when it is done: wait for those.
    let d = c.diagnostics(&f, |d| d["version"] == 4 && has("L001")(d));
    assert_eq!(codes(&d), ["L001"]);
    c.shutdown();
}

#[test]
fn hover_definition_and_references() {
    let mut c = Client::start(&fixture());
    let f = "festival.edict";
    let text = read(f);
    c.open(&uri(f), &text);
    // The value an exception overrides: type, definition, clause, announcement, tree.
    let h = c.request("textDocument/hover", at(f, &text, "ship_by", 0, 2));
    insta::assert_snapshot!("hover_value", h["contents"]["value"].as_str().unwrap_or(""));
    // An exception: what it overrides and what overrides it.
    let h = c.request("textDocument/hover", at(f, &text, "as extend", 0, 4));
    insta::assert_snapshot!(
        "hover_exception",
        h["contents"]["value"].as_str().unwrap_or("")
    );
    // A schema field, and a record field behind an optional.
    let h = c.request("textDocument/hover", at(f, &text, "sender_region", 0, 1));
    insta::assert_snapshot!("hover_field", h["contents"]["value"].as_str().unwrap_or(""));
    let h = c.request("textDocument/hover", at(f, &text, ".risk", 0, 2));
    assert!(h["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .contains("`OriginStatus.risk`: `Risk`"));
    // A region literal, hovered in the middle of its Chinese text; the range is in UTF-16.
    let h = c.request("textDocument/hover", at(f, &text, "遵义市", 1, 1));
    insta::assert_snapshot!("hover_region", norm(&h));
    let h = c.request("textDocument/hover", at(f, &text, "内蒙古呼和浩特市", 0, 2));
    assert!(h["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .contains("内蒙古自治区呼和浩特市"));
    // The announcement.
    let h = c.request("textDocument/hover", at(f, &text, "base.ship_by", 0, 1));
    insta::assert_snapshot!(
        "hover_announcement",
        h["contents"]["value"].as_str().unwrap_or("")
    );

    // Definitions: a value in this file, a value in another file, an exception target
    // that is a rule, an enum variant, a fact field.
    let def = |c: &mut Client, needle: &str, nth: usize| {
        norm(&c.request("textDocument/definition", at(f, &text, needle, nth, 1)))
    };
    let all = [
        def(&mut c, "listed", 1),
        def(&mut c, "ship_by", 0),
        def(&mut c, "extend as", 0),
        def(&mut c, "presale\n", 0),
        def(&mut c, "paid_at", 0),
        def(&mut c, "base.", 0),
    ];
    insta::assert_snapshot!("definitions", all.join("\n"));

    // References of base.ship_by from its definition: the check's deadline, the targets,
    // and every exception below it (high_risk refines extend).
    let base = read("base.edict");
    c.open(&uri("base.edict"), &base);
    let r = c.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri("base.edict")}, "position": pos(&base, "ship_by", 0, 1),
               "context": {"includeDeclaration": true}}),
    );
    insta::assert_snapshot!("references", norm(&r));
    c.shutdown();
}

#[test]
fn completion_in_context() {
    let mut c = Client::start(&fixture());
    let f = "festival.edict";
    let good = read(f);
    let labels = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|i| i["label"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let complete = |c: &mut Client, text: &str, needle: &str, delta: u32| {
        c.change(&uri(f), 9, text);
        c.request("textDocument/completion", at(f, text, needle, 0, delta))
    };
    c.open(&uri(f), &good);
    // Fact fields after `order.` (the text does not parse while it is typed).
    let t = good.replace("order.mode == presale", "order.");
    let r = complete(&mut c, &t, "order.\n", 6);
    insta::assert_snapshot!("complete_fields", norm(&r));
    // Record fields through an optional record field.
    let t = good.replace("order.origin_status.risk == high", "order.origin_status.");
    let r = complete(&mut c, &t, "order.origin_status.\n", 20);
    assert_eq!(labels(&r), ["risk", "suspended_couriers"]);
    // Enum variants where the type wants one.
    let t = good.replace("order.mode == presale", "order.mode == ");
    let r = complete(&mut c, &t, "order.mode == ", 14);
    assert_eq!(labels(&r), ["spot", "presale"]);
    let t = good.replace(
        "order.origin_status.risk == high",
        "order.origin_status.risk in {medium, h",
    );
    let r = complete(&mut c, &t, "{medium, h", 10);
    assert_eq!(labels(&r), ["high"]);
    // Names of another announcement, and a check's parts.
    let t = good.replace(
        "exception base.ship_by as presale",
        "exception base. as presale",
    );
    let r = complete(&mut c, &t, "base. as", 5);
    assert_eq!(labels(&r), ["ship_by", "ship_late"]);
    // Region names from the gazetteer, inside `regions { "` (what was typed is replaced).
    let t = good.replace("\"内蒙古呼和浩特市\"", "\"呼和浩特");
    let r = complete(&mut c, &t, "\"呼和浩特", 5);
    let first = &r["items"][0];
    assert_eq!(first["label"], "内蒙古自治区呼和浩特市", "{r:#}");
    insta::assert_snapshot!("complete_region", norm(first));
    // Elsewhere: this file's values, announcements, fact kinds, keywords.
    let t = good.replace(
        "order.sender_region in listed",
        "order.sender_region in lis",
    );
    let r = complete(&mut c, &t, "in lis", 6);
    assert_eq!(labels(&r), ["listed"]);
    // While the file does not parse, its names are those it had.
    let t = t.replace("then overridden + 72h", "then overridden +");
    let r = complete(&mut c, &t, "in lis", 6);
    assert_eq!(labels(&r), ["listed"]);
    c.shutdown();
}

#[test]
fn formatting_symbols_and_code_actions() {
    let mut c = Client::start(&fixture());
    let f = "festival.edict";
    let good = read(f);
    c.open(&uri(f), &good);
    // Outline.
    let s = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri(f)}}),
    );
    insta::assert_snapshot!("symbols", norm(&s));
    // Formatting: one edit of the whole text, the formatter's output.
    let messy = good.replace("value listed: set<region>", "value   listed :set<region>");
    c.change(&uri(f), 2, &messy);
    let e = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri(f)}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(e[0]["newText"].as_str(), Some(good.as_str()));
    insta::assert_snapshot!("format_range", norm(&e[0]["range"]));
    c.change(&uri(f), 3, &good);
    let e = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri(f)}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(e, json!([]));
    // Quick fixes: the canonical region name (L005), a priority either way (L001).
    let d = c.diagnostics(&uri(f), has("L005"));
    let range_of = |code: &str| {
        d["diagnostics"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["code"] == code))
            .map(|x| x["range"].clone())
            .unwrap_or(Value::Null)
    };
    let actions = |c: &mut Client, range: Value| {
        let r = c.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri(f)}, "range": range, "context": {"diagnostics": []}}),
        );
        // The diagnostic each action fixes is the one published; show the edit only.
        let mut r = r;
        if let Some(a) = r.as_array_mut() {
            for x in a {
                x.as_object_mut().map(|o| o.remove("diagnostics"));
            }
        }
        r
    };
    let l005 = actions(&mut c, range_of("L005"));
    insta::assert_snapshot!("action_l005", norm(&l005));
    let l001 = actions(&mut c, range_of("L001"));
    insta::assert_snapshot!("action_l001", norm(&l001));
    // Applying the first L001 fix removes the finding.
    let edit = &l001[0]["edit"]["changes"][uri(f)][0];
    assert_eq!(edit["range"]["start"], edit["range"]["end"]);
    let fixed = format!("{good}{}", edit["newText"].as_str().unwrap_or(""));
    c.change(&uri(f), 4, &fixed);
    let d = c.diagnostics(&uri(f), |d| d["version"] == 4 && has("L005")(d));
    assert_eq!(codes(&d), ["L005"]);
    c.shutdown();
}

#[test]
fn editors_may_send_anything() {
    let mut c = Client::start(&fixture());
    let f = uri("festival.edict");
    let text = read("festival.edict");
    c.open(&f, &text);
    let far = json!({"textDocument": {"uri": f}, "position": {"line": 9999, "character": 9999}});
    let mid =
        json!({"textDocument": {"uri": f}, "position": {"line": 5, "character": 4_000_000_000u32}});
    for method in [
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/completion",
    ] {
        for p in [&far, &mid] {
            let r = c.call(method, p.clone());
            assert!(r.get("error").is_none(), "{method}: {r}");
        }
    }
    // Unknown documents, in a folder that does not exist and with another scheme.
    for u in [
        "file:///nowhere/at/all.edict",
        "untitled:Untitled-1",
        "https://example.com/x",
    ] {
        let p = json!({"textDocument": {"uri": u}, "position": {"line": 0, "character": 0}});
        for m in [
            "textDocument/hover",
            "textDocument/definition",
            "textDocument/documentSymbol",
        ] {
            let r = c.call(m, p.clone());
            assert!(r.get("error").is_none(), "{m} {u}: {r}");
            assert_eq!(r["result"], Value::Null, "{m} {u}");
        }
    }
    // Parameters of the wrong shape, and a method nobody implements: error responses.
    let r = c.call("textDocument/hover", json!({"nonsense": true}));
    assert_eq!(r["error"]["code"], -32602);
    let r = c.call("textDocument/unknownThing", json!({}));
    assert_eq!(r["error"]["code"], -32601);
    // Edits of a document never opened, ranges past the end, an empty text, a buffer of
    // another scheme that is its own set.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri("nothere.edict"), "version": 1},
               "contentChanges": [{"range": {"start": {"line": 50, "character": 3}, "end": {"line": 2, "character": 0}}, "text": "x"}]}),
    );
    c.open("untitled:Untitled-1", "value x = ");
    let d = c.diagnostics("untitled:Untitled-1", has("E0001"));
    assert!(d["diagnostics"][0]["message"]
        .as_str()
        .unwrap_or("")
        .contains("expected"));
    c.change(&f, 2, "");
    let r = c.call(
        "textDocument/formatting",
        json!({"textDocument": {"uri": f}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert!(r.get("error").is_none(), "{r}");
    // Still alive and right.
    c.change(&f, 3, &text);
    let h = c.request(
        "textDocument/hover",
        at("festival.edict", &text, "listed", 1, 1),
    );
    assert!(h["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .contains("festival.listed"));
    c.shutdown();
}

/// Neovim's built-in LSP client (Debian's `neovim` package) opens a policy with an error
/// and must receive the diagnostic. Skipped, with a message, where `nvim` is absent.
#[test]
fn neovim_receives_diagnostics() {
    let Ok(out) = std::process::Command::new("nvim").arg("--version").output() else {
        eprintln!("skipped: `nvim` is not installed (apt-get install neovim)");
        return;
    };
    assert!(out.status.success());
    let dir = std::env::temp_dir().join(format!("edict-lsp-nvim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for f in ["schema.edict", "base.edict"] {
        std::fs::copy(fixture().join(f), dir.join(f)).expect("copy");
    }
    let policy = dir.join("broken.edict");
    std::fs::write(
        &policy,
        "announcement broken \"t\" {}\n\nvalue v: instant cites \"1\" = order.paid_att\n",
    )
    .expect("write");
    let result = dir.join("result.txt");
    // Neovim 0.7 (Debian 12) has no vim.lsp.start: start the client and attach it.
    let script = dir.join("init.lua");
    std::fs::write(
        &script,
        format!(
            r#"
local id = vim.lsp.start_client({{
  name = "edict",
  cmd = {{ "{bin}", "lsp" }},
  root_dir = "{dir}",
}})
vim.cmd("edit {policy}")
local buf = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(buf, id)
local ok = vim.wait(60000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
local lines = {{}}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(lines, string.format("%s %d:%d %s", d.code or "?", d.lnum, d.col, d.message))
end
if not ok then table.insert(lines, "timeout") end
vim.fn.writefile(lines, "{result}")
vim.cmd("qa!")
"#,
            bin = env!("CARGO_BIN_EXE_edict"),
            dir = dir.display(),
            policy = policy.display(),
            result = result.display(),
        ),
    )
    .expect("write script");
    let status = std::process::Command::new("nvim")
        .args(["--headless", "-n", "-u", "NONE", "-i", "NONE", "-c"])
        .arg(format!("luafile {}", script.display()))
        .stdin(std::process::Stdio::null())
        .status()
        .expect("nvim runs");
    assert!(status.success());
    let got = std::fs::read_to_string(&result).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        got.lines()
            .any(|l| l.starts_with("E0104 2:") && l.contains("`order` has no field `paid_att`")),
        "neovim got: {got:?}"
    );
}

/// Latency of diagnostics after a change, as an editor sees it (send the change, receive
/// the diagnostics). Reported, not asserted:
///
/// ```text
/// cargo test --release -p edict-cli --test lsp -- --ignored --nocapture latency
/// cargo run --release -p edict-datagen -- --policy-set 1000 --out /tmp/synth1000 --count 1
/// EDICT_LSP_SET=/tmp/synth1000 EDICT_LSP_FILE=s00500.edict \
///   cargo test --release -p edict-cli --test lsp -- --ignored --nocapture latency
/// ```
#[test]
#[ignore = "a measurement: run it with --ignored --nocapture"]
fn latency() {
    let dir = std::env::var("EDICT_LSP_SET").map_or_else(
        |_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies"),
        PathBuf::from,
    );
    let dir = dir.canonicalize().expect("policy folder");
    let name = std::env::var("EDICT_LSP_FILE").unwrap_or_else(|_| "cny2024.edict".into());
    let path = dir.join(&name);
    let text = std::fs::read_to_string(&path).expect("policy file");
    let files = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "edict"))
                .count()
        })
        .unwrap_or(0);
    let u = url(&path);
    let mut c = Client::start(&dir);
    let t0 = Instant::now();
    c.open(&u, &text);
    // The first publication may be empty for a clean file: wait for any answer by asking.
    let _ = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": u}}),
    );
    let first = t0.elapsed();
    // Broken: an unknown name (E0101). Clean: an unused value, which lint reports (L006)
    // once the set checks.
    let broken = format!("{text}\nvalue lsp_latency_probe: int cites \"x\" = no_such_name\n");
    let clean = format!("{text}\nvalue lsp_latency_probe: int cites \"x\" = 1\n");
    let mut to_error = Vec::new();
    let mut to_clean = Vec::new();
    let mut to_lint = Vec::new();
    let mut version = 1;
    for _ in 0..15 {
        version += 1;
        let start = Instant::now();
        c.change(&u, version, &broken);
        let v = version;
        c.diagnostics(&u, move |d| d["version"] == v && has("E0101")(d));
        to_error.push(start.elapsed());

        version += 1;
        let start = Instant::now();
        c.change(&u, version, &clean);
        let v = version;
        let d = c.diagnostics(&u, move |d| {
            d["version"] == v && !codes(d).iter().any(|c| c.starts_with('E'))
        });
        to_clean.push(start.elapsed());
        if !has("L006")(&d) {
            c.diagnostics(&u, move |d| d["version"] == v && has("L006")(d));
        }
        to_lint.push(start.elapsed());
    }
    let show = |v: &mut Vec<Duration>| {
        v.sort();
        format!(
            "median {:.1} ms, p90 {:.1} ms, max {:.1} ms",
            v[v.len() / 2].as_secs_f64() * 1e3,
            v[v.len() * 9 / 10].as_secs_f64() * 1e3,
            v[v.len() - 1].as_secs_f64() * 1e3
        )
    };
    println!("set {} ({files} files), editing {name}", dir.display());
    println!(
        "first check after open: {:.1} ms",
        first.as_secs_f64() * 1e3
    );
    println!("change -> error published: {}", show(&mut to_error));
    println!(
        "change -> checked, no errors, published: {}",
        show(&mut to_clean)
    );
    println!("change -> lint findings published: {}", show(&mut to_lint));
    c.shutdown();
}
