//! The HTTP routes and the guard every request passes (auth, concurrency, timeout,
//! request id, metrics).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;
use tokio::sync::{mpsc, oneshot, Semaphore};

use crate::dlog::{Batch, DecisionLog};
use crate::metrics::Route;
use crate::state::{Loaded, ReloadRequest, State as Shared};
use crate::AuthScope;

/// The header carrying the hash of the set that judged a request.
pub const SET_HASH_HEADER: &str = "x-edict-set-hash";
/// The request id header (taken from the request when given, else made up).
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Batches larger than this are judged on a blocking thread.
const INLINE_RECORDS: usize = 32;

/// Everything a route needs.
pub struct App {
    pub(crate) state: Arc<Shared>,
    pub(crate) reload: mpsc::UnboundedSender<ReloadRequest>,
    pub(crate) dlog: Option<DecisionLog>,
    pub(crate) semaphore: Arc<Semaphore>,
    pub(crate) token: Option<Arc<str>>,
    pub(crate) auth: AuthScope,
    pub(crate) timeout: Duration,
    pub(crate) max_body_bytes: usize,
    pub(crate) max_records: usize,
    pub(crate) requests: AtomicU64,
    pub(crate) id_prefix: String,
}

/// The router.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/v1/judge", post(judge))
        .route("/v1/explain", post(explain))
        .route("/v1/policies", get(policies))
        .route("/v1/schema", get(schema))
        .route("/v1/reload", post(reload))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&app),
            guard,
        ))
        .with_state(app)
}

/// A request-level error: a status and a JSON body `{"error": …}`.
pub struct ApiError {
    status: StatusCode,
    body: serde_json::Value,
    /// The body was not read to its end: the connection cannot carry another request.
    close: bool,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: json!({ "error": message.into() }),
            close: false,
        }
    }

    fn closing(mut self) -> ApiError {
        self.close = true;
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = json_response(self.status, &self.body);
        if self.close {
            r.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        r
    }
}

fn json_response(status: StatusCode, body: &impl serde::Serialize) -> Response {
    let mut bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    bytes.push(b'\n');
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        Bytes::from(bytes),
    )
        .into_response()
}

/// The request's id, put in its extensions by the guard.
#[derive(Clone)]
struct RequestId(Arc<str>);

async fn guard(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    let start = std::time::Instant::now();
    let route = Route::of(req.uri().path());
    let metrics = &app.state.metrics;
    let id: Arc<str> = match req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
        }) {
        Some(given) => Arc::from(given),
        None => Arc::from(format!(
            "{}-{}",
            app.id_prefix,
            app.requests.fetch_add(1, Ordering::Relaxed)
        )),
    };
    let mut response = 'resp: {
        if let Some(token) = &app.token {
            let needs = app.auth == AuthScope::All || route == Route::Reload;
            if needs && !authorized(req.headers(), token) {
                let mut r = ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "a bearer token is required: Authorization: Bearer TOKEN",
                )
                .closing()
                .into_response();
                r.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                break 'resp r;
            }
        }
        let limited = !matches!(route, Route::Healthz | Route::Readyz | Route::Metrics);
        let permit = if limited {
            match Arc::clone(&app.semaphore).try_acquire_owned() {
                Ok(p) => Some(p),
                Err(_) => {
                    metrics.rejected();
                    let mut r = ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "too many requests in flight; try again",
                    )
                    .closing()
                    .into_response();
                    r.headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                    break 'resp r;
                }
            }
        } else {
            None
        };
        req.extensions_mut().insert(RequestId(Arc::clone(&id)));
        if permit.is_some() {
            metrics.in_flight(true);
        }
        let r = match tokio::time::timeout(app.timeout, next.run(req)).await {
            Ok(r) => r,
            Err(_) => {
                metrics.timed_out();
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!(
                        "the request took longer than {} ms",
                        app.timeout.as_millis()
                    ),
                )
                .closing()
                .into_response()
            }
        };
        if permit.is_some() {
            metrics.in_flight(false);
        }
        drop(permit);
        r
    };
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    metrics.request(route, response.status().as_u16(), start.elapsed());
    response
}

/// Whether the request carries the token (compared in constant time).
fn authorized(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let (a, b) = (given.trim().as_bytes(), token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "no route {}: the routes are POST /v1/judge, POST /v1/explain, GET /v1/policies, GET /v1/schema, POST /v1/reload, GET /healthz, GET /readyz, GET /metrics",
            uri.path()
        ),
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed on this route (judge, explain and reload take POST; the rest GET)",
    )
}

/// The options of a judge or explain request, from the query string.
struct Options {
    as_of: edict::Instant,
    explain: bool,
}

/// Percent-decodes a query component. `+` stays `+` (an instant's offset, `+08:00`, is
/// usually written as is); `%2B` works too.
fn percent_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad percent escape in `{s}`"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("`{s}` is not UTF-8 once decoded"))
}

fn options(uri: &Uri) -> Result<Options, ApiError> {
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, m);
    let mut as_of = None;
    let mut explain = false;
    for pair in uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_decode(v).map_err(bad)?;
        match k {
            "as_of" => {
                as_of = Some(
                    edict::Instant::parse(&v).map_err(|e| bad(format!("as_of: {e}")))?,
                )
            }
            "explain" => {
                explain = match v.as_str() {
                    "" | "true" | "1" => true,
                    "false" | "0" => false,
                    other => {
                        return Err(bad(format!(
                            "explain: expected true or false, found `{other}`"
                        )))
                    }
                }
            }
            "rules_as_of" => {
                return Err(bad(
                    "rules_as_of is not supported yet: the policy language has no rule versions to select; judge with the set in service".into(),
                ))
            }
            other => {
                return Err(bad(format!(
                    "unknown parameter `{other}` (known: as_of, explain)"
                )))
            }
        }
    }
    Ok(Options {
        as_of: as_of.unwrap_or_else(edict::Instant::now),
        explain,
    })
}

/// Reads the body, at most the limit.
async fn read_body(app: &App, headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {} bytes", app.max_body_bytes),
        )
        .closing()
    };
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        if len > app.max_body_bytes as u64 {
            return Err(too_large());
        }
    }
    match axum::body::to_bytes(body, app.max_body_bytes).await {
        Ok(b) => Ok(b),
        Err(e) => {
            let inner = e.into_inner();
            if inner
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                Err(too_large())
            } else {
                Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("could not read the body: {inner}"),
                )
                .closing())
            }
        }
    }
}

fn no_set() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "no policy set is loaded yet (see GET /v1/policies)",
    )
}

/// How a judge body is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// One JSON object: one verdict back.
    Single,
    /// A JSON array: an array back.
    Array,
    /// NDJSON: NDJSON back.
    Ndjson,
}

/// A judged request.
struct Judged {
    shape: Shape,
    /// NDJSON verdict or error lines, one per record.
    output: Vec<u8>,
    /// Where each record's text is in the body.
    inputs: Vec<(usize, usize)>,
    judged: u64,
    errors: u64,
    counts: BTreeMap<(String, String), u64>,
    /// Single records: whether the one line is an error record.
    single_error: bool,
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The non-blank lines of an NDJSON body, as byte ranges.
fn ndjson_lines(body: &[u8], start: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = start;
    while at < body.len() {
        let end = memchr::memchr(b'\n', &body[at..]).map_or(body.len(), |p| at + p);
        let line = &body[at..end];
        if line.iter().any(|b| !is_blank(*b)) {
            let mut e = end;
            while e > at && is_blank(body[e - 1]) {
                e -= 1;
            }
            out.push((at, e));
        }
        at = end + 1;
    }
    out
}

/// Lays out, counts and judges a body.
fn judge_body(
    loaded: &Loaded,
    body: &[u8],
    ndjson_type: bool,
    opts: edict::JudgeOptions,
    max_records: usize,
    cancel: &AtomicBool,
) -> Result<Judged, ApiError> {
    let bom = if body.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    let Some(first) = body[bom..]
        .iter()
        .position(|b| !is_blank(*b))
        .map(|p| p + bom)
    else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "the body is empty: send one record (a JSON object), an array of records, or NDJSON",
        ));
    };
    let too_many = |n: usize| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("{n} records in one request; at most {max_records} are taken"),
        )
    };
    let base = body.as_ptr() as usize;
    let (shape, inputs, single_line);
    if body[first] == b'[' {
        let items: Vec<&serde_json::value::RawValue> = serde_json::from_slice(&body[first..])
            .map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("the body starts with `[` but is not a JSON array: {e}"),
                )
            })?;
        if items.len() > max_records {
            return Err(too_many(items.len()));
        }
        inputs = items
            .iter()
            .map(|r| {
                let a = r.get().as_ptr() as usize - base;
                (a, a + r.get().len())
            })
            .collect();
        shape = Shape::Array;
        single_line = None;
    } else {
        let lines = ndjson_lines(body, first);
        let single = !ndjson_type
            && (lines.len() == 1
                || serde_json::from_slice::<&serde_json::value::RawValue>(&body[first..]).is_ok());
        if single {
            if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&body[first..]) {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("the body is not JSON: {e}"),
                ));
            }
            let mut end = body.len();
            while end > first && is_blank(body[end - 1]) {
                end -= 1;
            }
            // One line for the reader: a newline can only be whitespace in JSON text
            // (strings cannot hold a raw one), so it becomes a space.
            let line: Vec<u8> = body[first..end]
                .iter()
                .map(|b| if *b == b'\n' || *b == b'\r' { b' ' } else { *b })
                .collect();
            inputs = vec![(first, end)];
            shape = Shape::Single;
            single_line = Some(line);
        } else {
            if lines.len() > max_records {
                return Err(too_many(lines.len()));
            }
            inputs = lines;
            shape = Shape::Ndjson;
            single_line = None;
        }
    }
    // One record: the engine's own call, without a stream's setup. The serde verdict is
    // the line `edict eval` writes (the facade's parity test holds them together); a
    // record that cannot be read takes the stream below, for eval's exact error record.
    if let [(a, b)] = inputs.as_slice() {
        let verdict = serde_json::from_slice::<serde_json::Value>(&body[*a..*b])
            .ok()
            .and_then(|value| loaded.engine.judge_with(&value, opts).ok());
        if let Some(v) = verdict {
            let mut output = serde_json::to_vec(&v).map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("judging failed: {e}"),
                )
            })?;
            output.push(b'\n');
            let mut counts = BTreeMap::new();
            for f in &v.findings {
                *counts
                    .entry((f.check.0.clone(), f.status.name().to_string()))
                    .or_insert(0) += 1;
            }
            return Ok(Judged {
                shape,
                output,
                inputs,
                judged: 1,
                errors: 0,
                counts,
                single_error: false,
            });
        }
    }
    let mut output = Vec::with_capacity(inputs.len() * 256 + 64);
    let input = Cancellable {
        rest: single_line.as_deref().unwrap_or(body),
        cancel,
    };
    let summary = loaded
        .engine
        .judge_stream(input, &mut output, opts, edict::Format::Ndjson)
        .map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("judging failed: {e}"),
            )
        })?;
    let counts = count_findings(&output, opts.explain);
    let single_error = shape == Shape::Single && summary.errors > 0;
    Ok(Judged {
        shape,
        output,
        inputs,
        judged: summary.records,
        errors: summary.errors,
        counts,
        single_error,
    })
}

/// A body read in chunks that stops (with an error) once its request is abandoned: a
/// request that timed out, or whose client left, does not go on judging on its own.
struct Cancellable<'a> {
    rest: &'a [u8],
    cancel: &'a AtomicBool,
}

/// Bytes handed to the reader at a time (the abandonment check runs between chunks).
const CHUNK: usize = 256 * 1024;

impl std::io::Read for Cancellable<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let chunk = std::io::BufRead::fill_buf(self)?;
            let n = chunk.len().min(buf.len());
            buf[..n].copy_from_slice(&chunk[..n]);
            n
        };
        std::io::BufRead::consume(self, n);
        Ok(n)
    }
}

impl std::io::BufRead for Cancellable<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(std::io::Error::other("the request was abandoned"));
        }
        Ok(&self.rest[..self.rest.len().min(CHUNK)])
    }

    fn consume(&mut self, n: usize) {
        self.rest = &self.rest[n.min(self.rest.len())..];
    }
}

/// Sets its flag when dropped: with the request's future (done, timed out or left).
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[derive(serde::Deserialize)]
struct CountVerdict<'a> {
    #[serde(borrow, default)]
    findings: Option<Vec<CountFinding<'a>>>,
}

#[derive(serde::Deserialize)]
struct CountFinding<'a> {
    #[serde(borrow)]
    check: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    status: std::borrow::Cow<'a, str>,
}

/// Findings by (check, status) in NDJSON verdict lines.
///
/// Without explanations a finding is written as `{"check":"NAME","status":"STATUS"` and
/// nothing else in a line has that shape (strings quote their `"` as `\"`), so the lines
/// are scanned for it; a name with an escape, or explanations (which nest objects), take
/// the general parse.
fn count_findings(output: &[u8], explain: bool) -> BTreeMap<(String, String), u64> {
    if !explain {
        if let Some(counts) = scan_findings(output) {
            return counts;
        }
    }
    let mut local: HashMap<(std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>), u64> =
        HashMap::new();
    for line in output.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        if let Ok(v) = serde_json::from_slice::<CountVerdict<'_>>(line) {
            for f in v.findings.into_iter().flatten() {
                *local.entry((f.check, f.status)).or_insert(0) += 1;
            }
        }
    }
    local
        .into_iter()
        .map(|((c, s), n)| ((c.into_owned(), s.into_owned()), n))
        .collect()
}

/// The byte scan of [`count_findings`]; `None` when a name has an escape.
fn scan_findings(output: &[u8]) -> Option<BTreeMap<(String, String), u64>> {
    const CHECK: &[u8] = b"{\"check\":\"";
    const STATUS: &[u8] = b"\",\"status\":\"";
    let finder = memchr::memmem::Finder::new(CHECK);
    let mut local: HashMap<(&[u8], &[u8]), u64> = HashMap::new();
    for at in finder.find_iter(output) {
        let rest = &output[at + CHECK.len()..];
        let end = memchr::memchr2(b'"', b'\\', rest)?;
        if rest[end] == b'\\' {
            return None;
        }
        let (check, rest) = rest.split_at(end);
        let Some(rest) = rest.strip_prefix(STATUS) else {
            continue;
        };
        let end = memchr::memchr2(b'"', b'\\', rest)?;
        if rest[end] == b'\\' {
            return None;
        }
        *local.entry((check, &rest[..end])).or_insert(0) += 1;
    }
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Some(
        local
            .into_iter()
            .map(|((c, s), n)| ((text(c), text(s)), n))
            .collect(),
    )
}

fn set_headers(r: &mut Response, hash: &str) {
    if let Ok(v) = HeaderValue::from_str(hash) {
        r.headers_mut().insert(SET_HASH_HEADER, v);
    }
}

async fn judge(
    State(app): State<Arc<App>>,
    axum::Extension(RequestId(rid)): axum::Extension<RequestId>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let opts = options(&uri)?;
    let Some(loaded) = app.state.current() else {
        return Err(no_set());
    };
    let body = read_body(&app, &headers, body).await?;
    let ndjson_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let v = v.to_ascii_lowercase();
            v.starts_with("application/x-ndjson")
                || v.starts_with("application/ndjson")
                || v.starts_with("application/jsonl")
                || v.starts_with("application/json-lines")
        });
    let jopts = edict::JudgeOptions {
        as_of: opts.as_of,
        explain: opts.explain,
    };
    let max = app.max_records;
    // A rough count decides where to judge: small requests inline, large ones on a
    // blocking thread so they do not hold up the event loop.
    let large = body.len() > INLINE_RECORDS * 1024;
    let judged = if large {
        let (l, b) = (Arc::clone(&loaded), body.clone());
        let cancel = CancelOnDrop(Arc::new(AtomicBool::new(false)));
        let flag = Arc::clone(&cancel.0);
        let judged =
            tokio::task::spawn_blocking(move || judge_body(&l, &b, ndjson_type, jopts, max, &flag))
                .await
                .map_err(|e| {
                    ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("judging failed: {e}"),
                    )
                })??;
        drop(cancel);
        judged
    } else {
        judge_body(
            &loaded,
            &body,
            ndjson_type,
            jopts,
            max,
            &AtomicBool::new(false),
        )?
    };
    app.state
        .metrics
        .findings(&judged.counts, judged.judged, judged.errors);
    let output = Bytes::from(judged.output);
    if let Some(log) = &app.dlog {
        let lines = judged.judged + judged.errors;
        log.send(Batch {
            time: edict::Instant::now(),
            request_id: rid,
            set_hash: Arc::clone(&loaded.hash),
            body,
            inputs: (judged.inputs.len() as u64 == lines).then_some(judged.inputs),
            output: output.clone(),
            lines,
        });
    }
    let (status, content_type, bytes) = match judged.shape {
        Shape::Single => (
            if judged.single_error {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            },
            "application/json",
            output,
        ),
        Shape::Ndjson => (StatusCode::OK, "application/x-ndjson", output),
        Shape::Array => {
            let mut out = Vec::with_capacity(output.len() + 4);
            out.push(b'[');
            for (i, line) in output
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .enumerate()
            {
                if i > 0 {
                    out.extend_from_slice(b",\n");
                }
                out.extend_from_slice(line);
            }
            out.extend_from_slice(b"]\n");
            (StatusCode::OK, "application/json", Bytes::from(out))
        }
    };
    let mut r = (status, [(header::CONTENT_TYPE, content_type)], bytes).into_response();
    set_headers(&mut r, &loaded.hash);
    Ok(r)
}

async fn explain(
    State(app): State<Arc<App>>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let opts = options(&uri)?;
    let Some(loaded) = app.state.current() else {
        return Err(no_set());
    };
    let body = read_body(&app, &headers, body).await?;
    let record: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("the body is not one JSON record: {e}"),
        )
    })?;
    if !record.is_object() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "explain takes one record, a JSON object",
        ));
    }
    let mut r = match loaded.engine.explain(&record, opts.as_of) {
        Ok(e) => {
            let mut counts = BTreeMap::new();
            for f in &e.verdict.findings {
                *counts
                    .entry((f.check.0.clone(), f.status.name().to_string()))
                    .or_insert(0) += 1;
            }
            app.state.metrics.findings(&counts, 1, 0);
            json_response(
                StatusCode::OK,
                &json!({"verdict": e.verdict, "tree": e.tree}),
            )
        }
        Err(e) => {
            app.state.metrics.findings(&BTreeMap::new(), 0, 1);
            json_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                &json!({"id": e.id, "error": e.message}),
            )
        }
    };
    set_headers(&mut r, &loaded.hash);
    Ok(r)
}

async fn policies(State(app): State<Arc<App>>) -> Response {
    let failure = app.state.last_failure();
    let path = app.state.path.display().to_string();
    let Some(loaded) = app.state.current() else {
        return json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({"path": path, "loaded": false, "last_failed_reload": failure}),
        );
    };
    let mut doc = crate::describe::policies(&loaded);
    if let Some(o) = doc.as_object_mut() {
        o.insert("path".into(), json!(path));
        o.insert("last_failed_reload".into(), json!(failure));
    }
    let mut r = json_response(StatusCode::OK, &doc);
    set_headers(&mut r, &loaded.hash);
    r
}

async fn schema(State(app): State<Arc<App>>) -> Result<Response, ApiError> {
    let Some(loaded) = app.state.current() else {
        return Err(no_set());
    };
    let doc = crate::schema::document(loaded.policies.program(), &loaded.hash);
    let mut r = json_response(StatusCode::OK, &doc);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/schema+json"),
    );
    set_headers(&mut r, &loaded.hash);
    Ok(r)
}

async fn reload(State(app): State<Arc<App>>) -> Result<Response, ApiError> {
    let (tx, rx) = oneshot::channel();
    app.reload
        .send(ReloadRequest {
            trigger: "POST /v1/reload",
            reply: Some(tx),
        })
        .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "shutting down"))?;
    let outcome = rx
        .await
        .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "shutting down"))?;
    let status = if outcome.ok {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(json_response(status, &outcome))
}

async fn healthz() -> Response {
    json_response(StatusCode::OK, &json!({"status": "ok"}))
}

async fn readyz(State(app): State<Arc<App>>) -> Response {
    match app.state.current() {
        Some(l) => json_response(StatusCode::OK, &json!({"ready": true, "hash": &*l.hash})),
        None => json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({"ready": false, "error": "no policy set loaded yet"}),
        ),
    }
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.state.metrics.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndjson_lines_skip_blanks_and_trim_ends() {
        let body = b"\n{\"a\":1}\r\n  \n{\"b\":2}";
        let lines = ndjson_lines(body, 0);
        let texts: Vec<&[u8]> = lines.iter().map(|(a, b)| &body[*a..*b]).collect();
        assert_eq!(texts, [&b"{\"a\":1}"[..], &b"{\"b\":2}"[..]]);
    }

    #[test]
    fn query_options_decode_and_reject_unknowns() {
        let uri: Uri = "/v1/judge?as_of=2024-03-01T00:00:00%2B08:00&explain=1"
            .parse()
            .unwrap();
        let o = options(&uri).ok().unwrap();
        assert!(o.explain);
        assert_eq!(o.as_of.to_string(), "2024-03-01T00:00:00+08:00");
        let plus: Uri = "/v1/judge?as_of=2024-03-01T00:00:00+08:00".parse().unwrap();
        assert_eq!(
            options(&plus).ok().unwrap().as_of.to_string(),
            "2024-03-01T00:00:00+08:00"
        );
        for bad in [
            "/v1/judge?rules_as_of=2024-01-01",
            "/v1/judge?asof=x",
            "/v1/judge?explain=maybe",
            "/v1/judge?as_of=yesterday",
            "/v1/judge?as_of=%ZZ",
        ] {
            let e = options(&bad.parse().unwrap()).err().unwrap();
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{bad}");
        }
    }

    #[test]
    fn the_finding_scan_counts_as_the_parse_does() {
        let out = concat!(
            r#"{"id":"A","kind":"order","as_of":"x","findings":[{"check":"late","status":"ok","rules":["a.b"]},{"check":"lost","status":"violated","rules":[]}]}"#,
            "\n",
            r#"{"id":"{\"check\":\"x\",\"status\":\"y\"","line":2,"error":"bad"}"#,
            "\n",
            r#"{"id":"B","kind":"order","as_of":"x","findings":[{"check":"late","status":"ok","rules":[]}]}"#,
            "\n",
        );
        let scanned = scan_findings(out.as_bytes()).unwrap();
        let parsed = count_findings(out.as_bytes(), true);
        assert_eq!(scanned, parsed);
        assert_eq!(scanned[&("late".into(), "ok".into())], 2);
        assert_eq!(scanned.len(), 2);
    }

    #[test]
    fn an_abandoned_body_stops_being_read() {
        use std::io::Read as _;
        let body = vec![b'x'; CHUNK * 2 + 10];
        let flag = Arc::new(AtomicBool::new(false));
        let mut all = Vec::new();
        let mut r = Cancellable {
            rest: &body,
            cancel: &flag,
        };
        r.read_to_end(&mut all).unwrap();
        assert_eq!(all, body);
        // The request's future goes away mid-body: reading stops at the next chunk.
        let request = CancelOnDrop(Arc::clone(&flag));
        let mut r = Cancellable {
            rest: &body,
            cancel: &flag,
        };
        let mut first = vec![0; CHUNK];
        r.read_exact(&mut first).unwrap();
        drop(request);
        assert!(r.read(&mut first).is_err());
    }

    #[test]
    fn tokens_are_checked() {
        let mut h = HeaderMap::new();
        assert!(!authorized(&h, "s3cret"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3cret"),
        );
        assert!(authorized(&h, "s3cret"));
        assert!(!authorized(&h, "s3cre"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3creT"),
        );
        assert!(!authorized(&h, "s3cret"));
    }
}
