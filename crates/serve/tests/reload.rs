//! Hot reload: a good change is served after its debounce, a broken one never is (the last
//! good set stays, its diagnostics are exposed), a file written in two steps is served only
//! once complete, and judging goes on throughout with only good sets' hashes.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::*;

/// A valid extra announcement: a different set, so a different hash.
const EXTRA: &str =
    "announcement extra_note \"An extra notice\" {\n  published 2024-05-01 00:00:00\n}\n";
const BROKEN: &str = "value broken_value = nope\n";

fn policies_json(c: &reqwest::blocking::Client, server: &edict_serve::Server) -> serde_json::Value {
    get_json(c, &url(server, "/v1/policies")).1
}

#[test]
fn good_changes_are_served_and_broken_ones_never() {
    let dir = Scratch::with_policies("reload");
    let server = edict_serve::spawn(config(dir.path())).unwrap();
    let c = client();
    let h0 = hash(&c, &server);

    // A good change: served once the files are quiet.
    std::fs::write(dir.path().join("extra.edict"), EXTRA).unwrap();
    assert!(eventually(Duration::from_secs(20), || hash(&c, &server) != h0));
    let h1 = hash(&c, &server);
    let p = policies_json(&c, &server);
    assert!(p["announcements"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["id"] == "extra_note"));

    // A broken change: the last good set stays, and the failure is exposed, located.
    std::fs::write(dir.path().join("broken.edict"), BROKEN).unwrap();
    assert!(eventually(Duration::from_secs(20), || {
        !policies_json(&c, &server)["last_failed_reload"].is_null()
    }));
    assert_eq!(hash(&c, &server), h1);
    let p = policies_json(&c, &server);
    let failure = &p["last_failed_reload"];
    assert_eq!(failure["trigger"], "file change");
    let d = &failure["diagnostics"][0];
    assert!(d["file"].as_str().unwrap().ends_with("broken.edict"), "{d}");
    assert_eq!(d["line"], 1);
    assert!(d["code"].as_str().unwrap().starts_with('E'));
    let r = c
        .post(url(&server, &format!("/v1/judge?{AS_OF_QUERY}")))
        .body(records().lines().next().unwrap().to_string())
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()[edict_serve::SET_HASH_HEADER], h1.as_str());

    // POST /v1/reload says why it failed.
    let r = c.post(url(&server, "/v1/reload")).send().unwrap();
    assert_eq!(r.status(), 422);
    let v: serde_json::Value = r.json().unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["hash"], h1.as_str());
    assert!(!v["failure"]["diagnostics"].as_array().unwrap().is_empty());

    // Fixed: the set is the first one again, with the same hash.
    std::fs::remove_file(dir.path().join("broken.edict")).unwrap();
    std::fs::remove_file(dir.path().join("extra.edict")).unwrap();
    assert!(eventually(Duration::from_secs(20), || hash(&c, &server) == h0));
    let r = c.post(url(&server, "/v1/reload")).send().unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().unwrap();
    assert_eq!(
        (v["ok"].as_bool(), v["changed"].as_bool()),
        (Some(true), Some(false))
    );

    let m = parse_metrics(
        &c.get(url(&server, "/metrics"))
            .send()
            .unwrap()
            .text()
            .unwrap(),
    );
    assert!(sample(&m, "edict_reloads_total", &[("result", "failed")]).unwrap() >= 2.0);
    assert!(sample(&m, "edict_reloads_total", &[("result", "ok")]).unwrap() >= 3.0);
    server.shutdown().unwrap();
}

#[test]
fn a_file_written_in_two_steps_is_served_only_when_complete() {
    let dir = Scratch::with_policies("partial");
    let mut cfg = config(dir.path());
    cfg.debounce = Duration::from_millis(100);
    let server = edict_serve::spawn(cfg).unwrap();
    let c = client();
    let h0 = hash(&c, &server);
    let (first, second) = EXTRA.split_at(EXTRA.len() / 2);
    let file = dir.path().join("extra.edict");
    std::fs::write(&file, first).unwrap();
    // Half a file does not check: it is never served.
    assert!(eventually(Duration::from_secs(20), || {
        !policies_json(&c, &server)["last_failed_reload"].is_null()
    }));
    assert_eq!(hash(&c, &server), h0);
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap();
        f.write_all(second.as_bytes()).unwrap();
    }
    assert!(eventually(Duration::from_secs(20), || hash(&c, &server) != h0));
    let p = policies_json(&c, &server);
    assert!(p["announcements"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["id"] == "extra_note"));
    server.shutdown().unwrap();
}

#[test]
fn judging_under_reloads_only_ever_sees_good_sets() {
    let dir = Scratch::with_policies("churn");
    let mut cfg = config(dir.path());
    cfg.watch = false;
    let server = edict_serve::spawn(cfg).unwrap();
    let c = client();
    let h0 = hash(&c, &server);
    let extra = dir.path().join("extra.edict");
    let broken = dir.path().join("broken.edict");
    // The second good set's hash.
    std::fs::write(&extra, EXTRA).unwrap();
    let r: serde_json::Value = c
        .post(url(&server, "/v1/reload"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let h1 = r["hash"].as_str().unwrap().to_string();
    assert_ne!(h0, h1);

    let input: String = records()
        .lines()
        .take(20)
        .map(|l| format!("{l}\n"))
        .collect();
    let want = eval_lines(dir.path(), &input, false);
    let stop = AtomicBool::new(false);
    let judge = url(&server, &format!("/v1/judge?{AS_OF_QUERY}"));
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..3)
            .map(|_| {
                s.spawn(|| {
                    let c = client();
                    let mut seen = 0;
                    while !stop.load(Ordering::Relaxed) {
                        let r = c
                            .post(&judge)
                            .header("content-type", "application/x-ndjson")
                            .body(input.clone())
                            .send()
                            .unwrap();
                        assert_eq!(r.status(), 200);
                        let h = r.headers()[edict_serve::SET_HASH_HEADER]
                            .to_str()
                            .unwrap()
                            .to_string();
                        assert!(h == h0 || h == h1, "served an unknown set {h}");
                        // The extra announcement judges nothing: verdicts are the same.
                        let got: Vec<String> =
                            r.text().unwrap().lines().map(str::to_string).collect();
                        assert_eq!(got, want);
                        seen += 1;
                    }
                    seen
                })
            })
            .collect();
        for i in 0..20 {
            // Alternate: good (without extra), broken, good (with extra), broken.
            match i % 4 {
                0 => std::fs::remove_file(&extra).unwrap(),
                2 => std::fs::write(&extra, EXTRA).unwrap(),
                _ => std::fs::write(&broken, BROKEN).unwrap(),
            }
            let r = c.post(url(&server, "/v1/reload")).send().unwrap();
            if i % 2 == 1 {
                assert_eq!(r.status(), 422);
                std::fs::remove_file(&broken).unwrap();
            } else {
                assert_eq!(r.status(), 200);
            }
        }
        stop.store(true, Ordering::Relaxed);
        for w in workers {
            assert!(w.join().unwrap() > 0);
        }
    });
    server.shutdown().unwrap();
}

#[test]
fn a_set_that_does_not_load_at_start_is_an_error_with_diagnostics() {
    let dir = Scratch::new("bad-start");
    std::fs::write(dir.path().join("bad.edict"), BROKEN).unwrap();
    match edict_serve::spawn(config(dir.path())) {
        Err(edict_serve::Error::Load(e)) => {
            assert!(e.diagnostics()[0].file.ends_with("bad.edict"));
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("a broken set was served"),
    }
}
