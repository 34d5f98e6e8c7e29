//! The decision service end to end, on ephemeral loopback ports: judge parity with the
//! CLI's stream loop, request errors and limits, policies and schema documents, metrics,
//! the decision log, auth, and graceful shutdown. Reloads are in `reload.rs`.

mod common;

use std::time::Duration;

use common::*;
use sha2::Digest as _;

#[test]
fn judge_gives_evals_lines_for_ndjson_arrays_and_single_records() {
    let server = edict_serve::spawn(config(&shipped_policies())).unwrap();
    let c = client();
    let input = records();
    let want = eval_lines(&shipped_policies(), &input, false);
    assert_eq!(want.len(), input.lines().count());

    // NDJSON in, NDJSON out.
    let r = c
        .post(url(&server, &format!("/v1/judge?{AS_OF_QUERY}")))
        .header("content-type", "application/x-ndjson")
        .body(input.clone())
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/x-ndjson");
    let set = r.headers()[edict_serve::SET_HASH_HEADER]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        set,
        edict::Policies::load(shipped_policies()).unwrap().hash()
    );
    let got: Vec<String> = r.text().unwrap().lines().map(str::to_string).collect();
    assert_eq!(got, want);

    // NDJSON without its content type is still NDJSON (several lines, not one value).
    let r = c
        .post(url(&server, &format!("/v1/judge?{AS_OF_QUERY}")))
        .body(input.clone())
        .send()
        .unwrap();
    let got: Vec<String> = r.text().unwrap().lines().map(str::to_string).collect();
    assert_eq!(got, want);

    // A JSON array in, a JSON array of the same lines out.
    let array = format!("[{}]", input.lines().collect::<Vec<_>>().join(",\n"));
    let r = c
        .post(url(&server, &format!("/v1/judge?{AS_OF_QUERY}")))
        .header("content-type", "application/json")
        .body(array)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().unwrap();
    assert_eq!(text, format!("[{}]\n", want.join(",\n")));
    let parsed: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed.len(), want.len());

    // One record at a time: one verdict each, the same bytes.
    for (line, want) in input.lines().zip(&want) {
        let r = c
            .post(url(&server, &format!("/v1/judge?{AS_OF_QUERY}")))
            .header("content-type", "application/json")
            .body(line.to_string())
            .send()
            .unwrap();
        assert_eq!(r.status(), 200, "{line}");
        assert_eq!(r.headers()[edict_serve::SET_HASH_HEADER], set.as_str());
        assert_eq!(r.text().unwrap().trim_end(), want);
    }

    // A record pretty-printed over several lines is one record.
    let first: serde_json::Value = serde_json::from_str(input.lines().next().unwrap()).unwrap();
    let r = c
        .post(url(&server, &format!("/v1/judge?{AS_OF_QUERY}")))
        .body(serde_json::to_string_pretty(&first).unwrap())
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().unwrap();
    let w: serde_json::Value = serde_json::from_str(&want[0]).unwrap();
    assert_eq!(v, w);
    server.shutdown().unwrap();
}

#[test]
fn explanations_match_and_explain_gives_the_tree() {
    let server = edict_serve::spawn(config(&shipped_policies())).unwrap();
    let c = client();
    let input: String = records()
        .lines()
        .take(60)
        .map(|l| format!("{l}\n"))
        .collect();
    let want = eval_lines(&shipped_policies(), &input, true);
    let r = c
        .post(url(
            &server,
            &format!("/v1/judge?{AS_OF_QUERY}&explain=true"),
        ))
        .header("content-type", "application/x-ndjson")
        .body(input.clone())
        .send()
        .unwrap();
    let got: Vec<String> = r.text().unwrap().lines().map(str::to_string).collect();
    assert_eq!(got, want);

    // One record at a time, with explanations: the same bytes too.
    for (line, want) in input.lines().zip(&want) {
        let r = c
            .post(url(
                &server,
                &format!("/v1/judge?{AS_OF_QUERY}&explain=true"),
            ))
            .body(line.to_string())
            .send()
            .unwrap();
        assert_eq!(r.text().unwrap().trim_end(), want);
    }

    let first = input.lines().next().unwrap().to_string();
    let r = c
        .post(url(&server, &format!("/v1/explain?{AS_OF_QUERY}")))
        .body(first.clone())
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().unwrap();
    let engine = edict::Policies::load(shipped_policies())
        .unwrap()
        .engine()
        .unwrap();
    let e = engine
        .explain(
            &serde_json::from_str(&first).unwrap(),
            AS_OF.parse().unwrap(),
        )
        .unwrap();
    assert_eq!(v["tree"].as_str().unwrap(), e.tree);
    assert_eq!(v["verdict"], serde_json::to_value(&e.verdict).unwrap());

    // A record that cannot be read: 422 with the error naming the field.
    let mut bad: serde_json::Value = serde_json::from_str(&first).unwrap();
    bad["id"] = "X".into();
    bad["paid_at"] = "yesterday".into();
    let r = c
        .post(url(&server, "/v1/explain"))
        .body(bad.to_string())
        .send()
        .unwrap();
    assert_eq!(r.status(), 422);
    let v: serde_json::Value = r.json().unwrap();
    assert_eq!(v["id"], "X");
    assert!(v["error"].as_str().unwrap().contains("paid_at"), "{v}");
    server.shutdown().unwrap();
}

#[test]
fn record_errors_are_per_record_and_request_errors_are_4xx_json() {
    let mut cfg = config(&shipped_policies());
    cfg.max_body_bytes = 64 * 1024;
    cfg.max_records = 50;
    let server = edict_serve::spawn(cfg).unwrap();
    let c = client();
    let judge = url(&server, &format!("/v1/judge?{AS_OF_QUERY}"));

    // Per record: a bad line among good ones is an error record, as `edict eval` writes.
    let input = records().lines().take(3).collect::<Vec<_>>().join("\n");
    let body = format!("{input}\nnot json\n{{\"kind\":\"order\",\"id\":\"B\"}}\n");
    let want = eval_lines(&shipped_policies(), &body, false);
    let r = c
        .post(&judge)
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let got: Vec<String> = r.text().unwrap().lines().map(str::to_string).collect();
    assert_eq!(got, want);
    assert!(got[3].contains("\"line\":4") && got[3].contains("\"error\""));

    // One NDJSON line or one array element that cannot be read: its error record.
    for (body, want) in [
        (
            "{\"kind\":\"order\",\"id\":7}\n",
            "{\"kind\":\"order\",\"id\":7}\n",
        ),
        ("not json\n", "not json\n"),
        (
            "[{\"kind\":\"order\",\"id\":\"C\"}]",
            "[{\"kind\":\"order\",\"id\":\"C\"}]",
        ),
    ] {
        let r = c
            .post(&judge)
            .header("content-type", "application/x-ndjson")
            .body(body)
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        let text = r.text().unwrap();
        let line = eval_lines(&shipped_policies(), want, false).join("\n");
        assert!(text.contains(&line), "{text} / {line}");
        assert!(line.contains("\"error\""), "{line}");
    }

    // One record that cannot be read: 422 with its error record.
    let r = c
        .post(&judge)
        .body(r#"{"kind":"order","id":"B"}"#)
        .send()
        .unwrap();
    assert_eq!(r.status(), 422);
    let v: serde_json::Value = r.json().unwrap();
    assert_eq!(v["id"], "B");
    assert!(v["error"]
        .as_str()
        .unwrap()
        .contains("missing required field"));

    let expect = |r: reqwest::blocking::Response, status: u16, needle: &str| {
        assert_eq!(r.status().as_u16(), status);
        assert_eq!(r.headers()["content-type"], "application/json");
        let v: serde_json::Value = r.json().unwrap();
        let msg = v["error"].as_str().unwrap();
        assert!(msg.contains(needle), "{msg}");
    };
    expect(c.post(&judge).body("").send().unwrap(), 400, "empty");
    expect(
        c.post(&judge).body("{\"kind\":").send().unwrap(),
        400,
        "not JSON",
    );
    expect(
        c.post(&judge).body("[{\"a\":1},").send().unwrap(),
        400,
        "not a JSON array",
    );
    expect(
        c.post(url(&server, "/v1/judge?rules_as_of=2024-01-01"))
            .body("{}")
            .send()
            .unwrap(),
        400,
        "not supported yet",
    );
    expect(
        c.post(url(&server, "/v1/judge?as_of=soon"))
            .body("{}")
            .send()
            .unwrap(),
        400,
        "as_of",
    );
    expect(
        c.post(&judge).body(vec![b' '; 65 * 1024]).send().unwrap(),
        413,
        "larger than 65536 bytes",
    );
    let many = "{\"kind\":\"order\"}\n".repeat(51);
    expect(
        c.post(&judge)
            .header("content-type", "application/x-ndjson")
            .body(many)
            .send()
            .unwrap(),
        413,
        "51 records",
    );
    let many = format!("[{}]", vec!["{}"; 51].join(","));
    expect(c.post(&judge).body(many).send().unwrap(), 413, "at most 50");
    expect(
        c.get(url(&server, "/v2/nothing")).send().unwrap(),
        404,
        "no route",
    );
    expect(c.get(&judge).send().unwrap(), 405, "method");
    server.shutdown().unwrap();
}

#[test]
fn slow_requests_time_out_and_excess_concurrency_is_refused() {
    let mut cfg = config(&shipped_policies());
    cfg.max_body_bytes = 256 << 20;
    cfg.max_concurrency = 1;
    cfg.timeout = Duration::from_secs(60);
    let server = edict_serve::spawn(cfg).unwrap();
    let big = datagen::Generator::new(7).ndjson(60_000, datagen::Kind::Mixed);
    let judge = url(&server, &format!("/v1/judge?{AS_OF_QUERY}"));
    let metrics_url = url(&server, "/metrics");
    std::thread::scope(|s| {
        let slow = s.spawn(|| {
            client()
                .post(&judge)
                .header("content-type", "application/x-ndjson")
                .body(big.clone())
                .send()
                .unwrap()
                .status()
                .as_u16()
        });
        let c = client();
        // Once the big request is in flight, another one is refused at once.
        let busy = eventually(Duration::from_secs(30), || {
            let m = c.get(&metrics_url).send().unwrap().text().unwrap();
            sample(&parse_metrics(&m), "edict_http_requests_in_flight", &[]) == Some(1.0)
        });
        assert!(busy);
        let r = c.post(&judge).body("{}").send().unwrap();
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers()["retry-after"], "1");
        assert_eq!(slow.join().unwrap(), 200);
    });
    server.shutdown().unwrap();

    // The timeout covers the whole request, upload included: a body that uploads in a
    // moment but takes long to judge (explanations of 20,000 records) runs out of time.
    let mut cfg = config(&shipped_policies());
    cfg.timeout = Duration::from_millis(250);
    let server = edict_serve::spawn(cfg).unwrap();
    let slow: String = big.lines().take(20_000).map(|l| format!("{l}\n")).collect();
    let r = client()
        .post(url(
            &server,
            &format!("/v1/judge?{AS_OF_QUERY}&explain=true"),
        ))
        .header("content-type", "application/x-ndjson")
        .body(slow)
        .send()
        .unwrap();
    assert_eq!(r.status(), 503);
    let v: serde_json::Value = r.json().unwrap();
    assert!(v["error"].as_str().unwrap().contains("longer than 250 ms"));
    server.shutdown().unwrap();
}

#[test]
fn metrics_count_requests_findings_and_the_set() {
    let server = edict_serve::spawn(config(&shipped_policies())).unwrap();
    let c = client();
    let input = records();
    let mut findings = std::collections::BTreeMap::<(String, String), f64>::new();
    let mut hash = String::new();
    for _ in 0..3 {
        let r = c
            .post(url(&server, &format!("/v1/judge?{AS_OF_QUERY}")))
            .header("content-type", "application/x-ndjson")
            .body(input.clone())
            .send()
            .unwrap();
        hash = r.headers()[edict_serve::SET_HASH_HEADER]
            .to_str()
            .unwrap()
            .to_string();
        for line in r.text().unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            for f in v["findings"].as_array().into_iter().flatten() {
                let key = (
                    f["check"].as_str().unwrap().to_string(),
                    f["status"].as_str().unwrap().to_string(),
                );
                *findings.entry(key).or_default() += 1.0;
            }
        }
    }
    let _ = c.get(url(&server, "/healthz")).send().unwrap();
    let r = c.get(url(&server, "/metrics")).send().unwrap();
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let samples = parse_metrics(&r.text().unwrap());
    assert_eq!(
        sample(
            &samples,
            "edict_http_requests_total",
            &[("route", "/v1/judge"), ("code", "200")]
        ),
        Some(3.0)
    );
    assert_eq!(
        sample(&samples, "edict_records_total", &[("outcome", "judged")]),
        Some(3.0 * input.lines().count() as f64)
    );
    for ((check, status), n) in &findings {
        assert_eq!(
            sample(
                &samples,
                "edict_findings_total",
                &[("check", check), ("status", status)]
            ),
            Some(*n),
            "{check} {status}"
        );
    }
    assert_eq!(
        sample(&samples, "edict_policy_set_info", &[("hash", &hash)]),
        Some(1.0)
    );
    assert_eq!(
        sample(&samples, "edict_reloads_total", &[("result", "ok")]),
        Some(1.0)
    );
    // The histogram: cumulative buckets, +Inf equal to the count.
    let buckets: Vec<f64> = samples
        .iter()
        .filter(|(n, l, _)| {
            n == "edict_http_request_duration_seconds_bucket"
                && l.iter().any(|(k, v)| k == "route" && v == "/v1/judge")
        })
        .map(|s| s.2)
        .collect();
    assert_eq!(buckets.len(), edict_serve::metrics::BUCKETS.len() + 1);
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(buckets.last(), Some(&3.0));
    assert_eq!(
        sample(
            &samples,
            "edict_http_request_duration_seconds_count",
            &[("route", "/v1/judge")]
        ),
        Some(3.0)
    );
    assert_eq!(
        sample(
            &samples,
            "edict_http_requests_total",
            &[("route", "/healthz"), ("code", "200")]
        ),
        Some(1.0)
    );
    server.shutdown().unwrap();
}

#[test]
fn policies_and_schema_describe_the_set() {
    let server = edict_serve::spawn(config(&shipped_policies())).unwrap();
    let c = client();
    let (status, v) = get_json(&c, &url(&server, "/v1/policies"));
    assert_eq!(status, 200);
    let p = edict::Policies::load(shipped_policies()).unwrap();
    assert_eq!(v["hash"], p.hash());
    assert!(v["loaded_at"].as_str().unwrap().ends_with("+08:00"));
    assert!(v["last_failed_reload"].is_null());
    let checks: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(checks, p.checks().collect::<Vec<_>>());
    let cny = v["announcements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "cny2024")
        .expect("cny2024 is announced");
    assert_eq!(cny["published"], "2024-01-24T13:40:42+08:00");
    assert!(cny["citations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "2.1.1 1."));

    // The schema validates every example and generated record, and every verdict.
    let (status, schema) = get_json(&c, &url(&server, "/v1/schema"));
    assert_eq!(status, 200);
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let records_v = jsonschema::draft202012::new(&schema).unwrap();
    let mut verdict_schema = schema.clone();
    verdict_schema["$ref"] = "#/$defs/verdict".into();
    let verdicts_v = jsonschema::draft202012::new(&verdict_schema).unwrap();
    let input = records();
    for line in input.lines() {
        let rec: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Err(e) = records_v.validate(&rec) {
            panic!("{line}: {e}");
        }
    }
    let explain: String = input.lines().take(50).map(|l| format!("{l}\n")).collect();
    for (text, explain) in [(input.as_str(), false), (explain.as_str(), true)] {
        for line in eval_lines(&shipped_policies(), text, explain) {
            let v: serde_json::Value = serde_json::from_str(&line).unwrap();
            if let Err(e) = verdicts_v.validate(&v) {
                panic!("{line}: {e}");
            }
        }
    }
    // ...and refuses records the engine refuses.
    let good: serde_json::Value = serde_json::from_str(input.lines().next().unwrap()).unwrap();
    for (field, bad) in [
        ("merchant_kind", serde_json::json!("kiosk")),
        ("paid_at", serde_json::json!(17)),
        ("tags", serde_json::json!("none")),
        ("kind", serde_json::json!("parcel")),
    ] {
        let mut rec = good.clone();
        rec[field] = bad;
        assert!(!records_v.is_valid(&rec), "{field}");
    }
    let mut rec = good.clone();
    rec.as_object_mut().unwrap().remove("paid_at");
    assert!(!records_v.is_valid(&rec));

    // `edict schema` prints the same document.
    assert_eq!(schema, edict_serve::schema::document(p.program(), p.hash()));
    server.shutdown().unwrap();
}

#[test]
fn the_token_guards_every_route_or_only_reload() {
    let mut cfg = config(&shipped_policies());
    cfg.token = Some("s3cret".into());
    let server = edict_serve::spawn(cfg.clone()).unwrap();
    let c = client();
    for (method, path) in [
        ("GET", "/healthz"),
        ("POST", "/v1/judge"),
        ("POST", "/v1/reload"),
    ] {
        let m = method.parse().unwrap();
        let r = c.request(m, url(&server, path)).body("{}").send().unwrap();
        assert_eq!(r.status(), 401, "{path}");
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        let m = method.parse().unwrap();
        let r = c
            .request(m, url(&server, path))
            .bearer_auth("s3cret")
            .body(r#"{"kind":"order","id":"Z"}"#)
            .send()
            .unwrap();
        assert_ne!(r.status(), 401, "{path}");
    }
    server.shutdown().unwrap();

    cfg.auth = edict_serve::AuthScope::Reload;
    let server = edict_serve::spawn(cfg).unwrap();
    assert_eq!(
        c.get(url(&server, "/v1/policies")).send().unwrap().status(),
        200
    );
    let r = c.post(url(&server, "/v1/reload")).send().unwrap();
    assert_eq!(r.status(), 401);
    let r = c
        .post(url(&server, "/v1/reload"))
        .bearer_auth("wrong")
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = c
        .post(url(&server, "/v1/reload"))
        .bearer_auth("s3cret")
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    server.shutdown().unwrap();
}

#[test]
fn the_decision_log_has_a_line_per_decision_and_rotates() {
    let dir = Scratch::new("dlog");
    let log = dir.path().join("decisions.ndjson");
    let mut cfg = config(&shipped_policies());
    cfg.decision_log = Some(edict_serve::LogTarget::File {
        path: log.clone(),
        max_bytes: 16 * 1024,
        keep: 3,
    });
    let server = edict_serve::spawn(cfg).unwrap();
    let c = client();
    let input = records();
    let lines: Vec<&str> = input.lines().take(300).collect();
    let body = lines.join("\n");
    let r = c
        .post(url(&server, &format!("/v1/judge?{AS_OF_QUERY}")))
        .header("content-type", "application/x-ndjson")
        .header("x-request-id", "req-1")
        .body(body)
        .send()
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "req-1");
    let hash = r.headers()[edict_serve::SET_HASH_HEADER]
        .to_str()
        .unwrap()
        .to_string();
    let verdicts: Vec<serde_json::Value> = r
        .text()
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let metrics = c
        .get(url(&server, "/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    server.shutdown().unwrap();
    assert_eq!(
        sample(
            &parse_metrics(&metrics),
            "edict_decision_log_lines_total",
            &[("result", "dropped")]
        ),
        Some(0.0)
    );

    // Oldest file first: .3, .2, .1, then the current one.
    let mut files = Vec::new();
    for i in (1..=3).rev() {
        let p = dir.path().join(format!("decisions.ndjson.{i}"));
        if p.exists() {
            files.push(p);
        }
    }
    files.push(log.clone());
    assert!(files.len() >= 2, "the log rotated");
    assert!(!dir.path().join("decisions.ndjson.4").exists());
    let mut logged = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(text.len() as u64 <= 16 * 1024, "{}", f.display());
        for l in text.lines() {
            logged.push(serde_json::from_str::<serde_json::Value>(l).unwrap());
        }
    }
    // Rotation keeps three old files: the newest lines are all there, in order.
    let tail = &verdicts[verdicts.len() - logged.len()..];
    let first = verdicts.len() - logged.len();
    for (i, (entry, verdict)) in logged.iter().zip(tail).enumerate() {
        assert_eq!(entry["request_id"], "req-1");
        assert_eq!(entry["set_hash"], hash.as_str());
        assert_eq!(entry["id"], verdict["id"]);
        let sha = sha2::Sha256::digest(lines[first + i].as_bytes());
        let hex: String = sha.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(entry["input_sha256"], hex.as_str());
        let statuses: Vec<(&str, &str)> = entry["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["check"].as_str().unwrap(), f["status"].as_str().unwrap()))
            .collect();
        let want: Vec<(&str, &str)> = verdict["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["check"].as_str().unwrap(), f["status"].as_str().unwrap()))
            .collect();
        assert_eq!(statuses, want);
        for (f, v) in entry["findings"]
            .as_array()
            .unwrap()
            .iter()
            .zip(verdict["findings"].as_array().unwrap())
        {
            assert_eq!(
                &f["rule"],
                v["rules"]
                    .as_array()
                    .unwrap()
                    .last()
                    .unwrap_or(&serde_json::Value::Null)
            );
        }
    }
}

#[test]
fn shutdown_lets_in_flight_requests_finish() {
    let mut cfg = config(&shipped_policies());
    cfg.max_body_bytes = 256 << 20;
    let server = edict_serve::spawn(cfg).unwrap();
    let judge = url(&server, &format!("/v1/judge?{AS_OF_QUERY}"));
    let metrics_url = url(&server, "/metrics");
    let big = datagen::Generator::new(9).ndjson(40_000, datagen::Kind::Mixed);
    let want = big.lines().count();
    std::thread::scope(|s| {
        let slow = s.spawn(|| {
            let r = client()
                .post(&judge)
                .header("content-type", "application/x-ndjson")
                .body(big.clone())
                .send()
                .unwrap();
            (r.status().as_u16(), r.text().unwrap().lines().count())
        });
        let c = client();
        assert!(eventually(Duration::from_secs(30), || {
            let m = c.get(&metrics_url).send().unwrap().text().unwrap();
            sample(&parse_metrics(&m), "edict_http_requests_in_flight", &[]) == Some(1.0)
        }));
        drop(c);
        server.shutdown().unwrap();
        assert_eq!(slow.join().unwrap(), (200, want));
    });
}
