//! Prometheus metrics, kept in atomics (and one small map for per-check counts, updated
//! once per request), rendered in the text exposition format (version 0.0.4).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Duration;

/// The routes measured, each with its own counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `POST /v1/judge`
    Judge,
    /// `POST /v1/explain`
    Explain,
    /// `GET /v1/policies`
    Policies,
    /// `GET /v1/schema`
    Schema,
    /// `POST /v1/reload`
    Reload,
    /// `GET /healthz`
    Healthz,
    /// `GET /readyz`
    Readyz,
    /// `GET /metrics`
    Metrics,
    /// Anything else.
    Other,
}

impl Route {
    const ALL: [Route; 9] = [
        Route::Judge,
        Route::Explain,
        Route::Policies,
        Route::Schema,
        Route::Reload,
        Route::Healthz,
        Route::Readyz,
        Route::Metrics,
        Route::Other,
    ];

    /// The route of a request path.
    pub fn of(path: &str) -> Route {
        match path {
            "/v1/judge" => Route::Judge,
            "/v1/explain" => Route::Explain,
            "/v1/policies" => Route::Policies,
            "/v1/schema" => Route::Schema,
            "/v1/reload" => Route::Reload,
            "/healthz" => Route::Healthz,
            "/readyz" => Route::Readyz,
            "/metrics" => Route::Metrics,
            _ => Route::Other,
        }
    }

    /// The label value.
    pub fn label(self) -> &'static str {
        match self {
            Route::Judge => "/v1/judge",
            Route::Explain => "/v1/explain",
            Route::Policies => "/v1/policies",
            Route::Schema => "/v1/schema",
            Route::Reload => "/v1/reload",
            Route::Healthz => "/healthz",
            Route::Readyz => "/readyz",
            Route::Metrics => "/metrics",
            Route::Other => "other",
        }
    }
}

/// Upper bounds of the latency buckets, in seconds.
pub const BUCKETS: [f64; 16] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// Status code classes counted per route.
const CODES: [u16; 9] = [200, 400, 401, 404, 405, 413, 422, 503, 500];

#[derive(Default)]
struct RouteStats {
    /// Requests by status code (index in `CODES`; the last slot takes any other code).
    codes: [AtomicU64; 10],
    buckets: [AtomicU64; 16],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

/// Every metric of the service.
#[derive(Default)]
pub struct Metrics {
    routes: [RouteStats; 9],
    findings: Mutex<BTreeMap<(String, String), u64>>,
    records_judged: AtomicU64,
    record_errors: AtomicU64,
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
    hash: Mutex<String>,
    log_written: AtomicU64,
    log_dropped: AtomicU64,
    rejected_concurrency: AtomicU64,
    timeouts: AtomicU64,
    in_flight: AtomicU64,
}

fn route_index(r: Route) -> usize {
    Route::ALL.iter().position(|x| *x == r).unwrap_or(8)
}

impl Metrics {
    /// Counts one finished request.
    pub fn request(&self, route: Route, code: u16, took: Duration) {
        let s = &self.routes[route_index(route)];
        let ci = CODES.iter().position(|c| *c == code).unwrap_or(CODES.len());
        s.codes[ci].fetch_add(1, Relaxed);
        let secs = took.as_secs_f64();
        if let Some(b) = BUCKETS.iter().position(|b| secs <= *b) {
            s.buckets[b].fetch_add(1, Relaxed);
        }
        s.count.fetch_add(1, Relaxed);
        s.sum_micros
            .fetch_add(u64::try_from(took.as_micros()).unwrap_or(u64::MAX), Relaxed);
    }

    /// Adds a request's findings, counted by (check, status), and its record counts.
    pub fn findings(&self, counts: &BTreeMap<(String, String), u64>, judged: u64, errors: u64) {
        self.records_judged.fetch_add(judged, Relaxed);
        self.record_errors.fetch_add(errors, Relaxed);
        if counts.is_empty() {
            return;
        }
        if let Ok(mut m) = self.findings.lock() {
            for (k, n) in counts {
                match m.get_mut(k) {
                    Some(v) => *v += n,
                    None => {
                        m.insert(k.clone(), *n);
                    }
                }
            }
        }
    }

    /// Counts a reload.
    pub fn reload(&self, ok: bool) {
        if ok {
            self.reloads_ok.fetch_add(1, Relaxed);
        } else {
            self.reloads_failed.fetch_add(1, Relaxed);
        }
    }

    /// The hash of the set in service.
    pub fn set_hash(&self, hash: &str) {
        if let Ok(mut h) = self.hash.lock() {
            *h = hash.to_string();
        }
    }

    /// Decision-log lines written.
    pub fn log_written(&self, n: u64) {
        self.log_written.fetch_add(n, Relaxed);
    }

    /// Decision-log lines dropped (queue full or write failed).
    pub fn log_dropped(&self, n: u64) {
        self.log_dropped.fetch_add(n, Relaxed);
    }

    /// Lines dropped so far.
    pub fn log_dropped_total(&self) -> u64 {
        self.log_dropped.load(Relaxed)
    }

    /// A request turned away because too many were in flight.
    pub fn rejected(&self) {
        self.rejected_concurrency.fetch_add(1, Relaxed);
    }

    /// A request that ran out of time.
    pub fn timed_out(&self) {
        self.timeouts.fetch_add(1, Relaxed);
    }

    /// Requests in flight, up or down.
    pub fn in_flight(&self, up: bool) {
        if up {
            self.in_flight.fetch_add(1, Relaxed);
        } else {
            self.in_flight.fetch_sub(1, Relaxed);
        }
    }

    /// The Prometheus text.
    pub fn render(&self) -> String {
        let mut o = String::with_capacity(8192);
        let _ = writeln!(
            o,
            "# HELP edict_http_requests_total HTTP requests by route and status code."
        );
        let _ = writeln!(o, "# TYPE edict_http_requests_total counter");
        for r in Route::ALL {
            let s = &self.routes[route_index(r)];
            for (i, slot) in s.codes.iter().enumerate() {
                let n = slot.load(Relaxed);
                if n > 0 {
                    let code = CODES
                        .get(i)
                        .map_or_else(|| "other".to_string(), u16::to_string);
                    let _ = writeln!(
                        o,
                        "edict_http_requests_total{{route=\"{}\",code=\"{code}\"}} {n}",
                        r.label()
                    );
                }
            }
        }
        let _ = writeln!(
            o,
            "# HELP edict_http_request_duration_seconds Time from request to response, by route."
        );
        let _ = writeln!(o, "# TYPE edict_http_request_duration_seconds histogram");
        for r in Route::ALL {
            let s = &self.routes[route_index(r)];
            let count = s.count.load(Relaxed);
            if count == 0 {
                continue;
            }
            let mut cumulative = 0;
            for (i, b) in BUCKETS.iter().enumerate() {
                cumulative += s.buckets[i].load(Relaxed);
                let _ = writeln!(o, "edict_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{b}\"}} {cumulative}", r.label());
            }
            let _ = writeln!(
                o,
                "edict_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {count}",
                r.label()
            );
            let sum = s.sum_micros.load(Relaxed) as f64 / 1e6;
            let _ = writeln!(
                o,
                "edict_http_request_duration_seconds_sum{{route=\"{}\"}} {sum}",
                r.label()
            );
            let _ = writeln!(
                o,
                "edict_http_request_duration_seconds_count{{route=\"{}\"}} {count}",
                r.label()
            );
        }
        let _ = writeln!(
            o,
            "# HELP edict_records_total Records received, judged or unreadable."
        );
        let _ = writeln!(o, "# TYPE edict_records_total counter");
        let _ = writeln!(
            o,
            "edict_records_total{{outcome=\"judged\"}} {}",
            self.records_judged.load(Relaxed)
        );
        let _ = writeln!(
            o,
            "edict_records_total{{outcome=\"error\"}} {}",
            self.record_errors.load(Relaxed)
        );
        let _ = writeln!(
            o,
            "# HELP edict_findings_total Findings by check and status."
        );
        let _ = writeln!(o, "# TYPE edict_findings_total counter");
        if let Ok(m) = self.findings.lock() {
            for ((check, status), n) in m.iter() {
                let _ = writeln!(
                    o,
                    "edict_findings_total{{check=\"{}\",status=\"{}\"}} {n}",
                    escape(check),
                    escape(status)
                );
            }
        }
        let _ = writeln!(o, "# HELP edict_reloads_total Policy reloads by result.");
        let _ = writeln!(o, "# TYPE edict_reloads_total counter");
        let _ = writeln!(
            o,
            "edict_reloads_total{{result=\"ok\"}} {}",
            self.reloads_ok.load(Relaxed)
        );
        let _ = writeln!(
            o,
            "edict_reloads_total{{result=\"failed\"}} {}",
            self.reloads_failed.load(Relaxed)
        );
        let _ = writeln!(
            o,
            "# HELP edict_policy_set_info The policy set in service (its hash)."
        );
        let _ = writeln!(o, "# TYPE edict_policy_set_info gauge");
        if let Ok(h) = self.hash.lock() {
            if !h.is_empty() {
                let _ = writeln!(o, "edict_policy_set_info{{hash=\"{}\"}} 1", escape(&h));
            }
        }
        let _ = writeln!(
            o,
            "# HELP edict_decision_log_lines_total Decision-log lines written or dropped."
        );
        let _ = writeln!(o, "# TYPE edict_decision_log_lines_total counter");
        let _ = writeln!(
            o,
            "edict_decision_log_lines_total{{result=\"written\"}} {}",
            self.log_written.load(Relaxed)
        );
        let _ = writeln!(
            o,
            "edict_decision_log_lines_total{{result=\"dropped\"}} {}",
            self.log_dropped.load(Relaxed)
        );
        let _ = writeln!(
            o,
            "# HELP edict_rejected_requests_total Requests refused by a limit."
        );
        let _ = writeln!(o, "# TYPE edict_rejected_requests_total counter");
        let _ = writeln!(
            o,
            "edict_rejected_requests_total{{reason=\"concurrency\"}} {}",
            self.rejected_concurrency.load(Relaxed)
        );
        let _ = writeln!(
            o,
            "edict_rejected_requests_total{{reason=\"timeout\"}} {}",
            self.timeouts.load(Relaxed)
        );
        let _ = writeln!(
            o,
            "# HELP edict_http_requests_in_flight Requests being served."
        );
        let _ = writeln!(o, "# TYPE edict_http_requests_in_flight gauge");
        let _ = writeln!(
            o,
            "edict_http_requests_in_flight {}",
            self.in_flight.load(Relaxed)
        );
        o
    }
}

/// A label value escaped for the text format.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
