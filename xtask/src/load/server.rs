//! The reference service: a tokio + hyper implementation of runners/SERVICE.md, with faults
//! tests can switch on (stalls, wrong content, a 200 to a malformed body).

use super::body::fnv1a;
use super::mock::{Counters, MockCounts, MockOptions};
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// Faults a test can inject; the default is a correct server.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// The n-th request (0-based, any route) sleeps this long before answering.
    pub stall_nth: Option<(u64, Duration)>,
    /// Every request sleeps this long before answering.
    pub stall_all: Option<Duration>,
    /// Answers with a wrong FNV (a verification failure for the client).
    pub wrong_content: bool,
    /// Answers 200 to a malformed body (a bad server for check_routes).
    pub accept_malformed: bool,
    /// Answers a chat completion with a body that is not JSON (a malformed answer).
    pub garbage_body: bool,
}

#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Runtime workers: 1 = current-thread runtime.
    pub workers: usize,
    pub faults: Faults,
    /// Serve the client mode's mock API instead (load::mock); the faults then do not apply.
    pub mock: Option<MockOptions>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions { workers: 1, faults: Faults::default(), mock: None }
    }
}

pub(crate) struct State {
    faults: Faults,
    seen: AtomicU64,
    mock: Option<MockOptions>,
    counters: Counters,
}

impl State {
    fn new(faults: Faults, mock: Option<MockOptions>) -> Arc<State> {
        Arc::new(State { faults, seen: AtomicU64::new(0), mock, counters: Counters::default() })
    }
}

/// A running in-process server; dropping it stops it.
pub struct ServerHandle {
    pub addr: SocketAddr,
    state: Arc<State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ServerHandle {
    /// The mock's counters so far (all zero unless it serves the mock API).
    pub fn counts(&self) -> MockCounts {
        self.state.counters.snapshot()
    }

    /// CPU time the server's thread has used, in microseconds (None if unreadable). With one
    /// worker the runtime runs on that thread alone, so this is the whole server's.
    pub fn cpu_us(&self) -> Option<u64> {
        use std::os::unix::thread::JoinHandleExt;
        let thread = self.thread.as_ref()?.as_pthread_t();
        let mut clock: libc::clockid_t = 0;
        // SAFETY: the thread is joinable (not yet joined), so its pthread_t is valid.
        if unsafe { libc::pthread_getcpuclockid(thread, &mut clock) } != 0 {
            return None;
        }
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `ts` is a valid out-pointer.
        if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
            return None;
        }
        Some(ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1000)
    }

    pub fn shutdown(mut self) {
        self.stop_now();
    }
    fn stop_now(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop_now();
    }
}

fn runtime(workers: usize) -> std::io::Result<tokio::runtime::Runtime> {
    if workers <= 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build()
    }
}

/// Binds 127.0.0.1:`port` (0: any) and serves on a thread of its own.
pub fn start(port: u16, opts: ServerOptions) -> anyhow::Result<ServerHandle> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let state = State::new(opts.faults, opts.mock);
    let shared = state.clone();
    let thread = std::thread::Builder::new().name("bm-reference".into()).spawn(move || {
        let rt = match runtime(opts.workers) {
            Ok(rt) => rt,
            Err(e) => return eprintln!("reference server: no runtime: {e}"),
        };
        rt.block_on(serve_state(listener, shared, async {
            let _ = rx.await;
        }));
    })?;
    Ok(ServerHandle { addr, state, stop: Some(tx), thread: Some(thread) })
}

/// Serves `listener` until `stop` completes (in-flight connections are then dropped).
pub async fn serve(listener: std::net::TcpListener, opts: ServerOptions, stop: impl std::future::Future<Output = ()>) {
    serve_state(listener, State::new(opts.faults, opts.mock), stop).await
}

async fn serve_state(listener: std::net::TcpListener, state: Arc<State>, stop: impl std::future::Future<Output = ()>) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => return eprintln!("reference server: {e}"),
    };
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of descriptors and the like: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| handle(req, state.clone()));
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
                });
            }
        }
    }
}

const MAX_BODY: usize = 1 << 20;
/// How much of an oversized body is read and thrown away before the 413 (see [`read_body`]).
const DRAIN_LIMIT: usize = 16 << 20;

pub(crate) fn plain(status: StatusCode, ctype: &'static str, body: impl Into<Bytes>) -> Response<Reply> {
    Response::builder().status(status).header("content-type", ctype).body(Reply::Full(Some(body.into()))).expect("static response")
}

pub(crate) fn error(status: StatusCode, message: &str, kind: &str) -> Response<Reply> {
    plain(status, "application/json", format!(r#"{{"error":{{"message":"{message}","type":"{kind}"}}}}"#))
}

async fn handle(req: Request<Incoming>, state: Arc<State>) -> Result<Response<Reply>, Infallible> {
    let n = state.seen.fetch_add(1, Ordering::Relaxed);
    if let Some(d) = state.faults.stall_all {
        tokio::time::sleep(d).await;
    }
    if let Some((k, d)) = state.faults.stall_nth {
        if k == n {
            tokio::time::sleep(d).await;
        }
    }
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let Some(bytes) = read_body(body).await else {
        return Ok(error(StatusCode::PAYLOAD_TOO_LARGE, "request too large", "invalid_request_error"));
    };
    if let Some(mock) = &state.mock {
        return Ok(super::mock::answer(mock, &state.counters, parts.method == hyper::Method::GET, &path, &bytes).await);
    }
    Ok(match (parts.method.as_str(), path.as_str()) {
        ("GET", "/healthz") => plain(StatusCode::OK, "text/plain", "ok"),
        ("POST", "/v1/chat/completions:rate") => {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, "rate limited", "rate_limit_error");
            r.headers_mut().insert("retry-after", hyper::header::HeaderValue::from_static("1"));
            r
        }
        ("POST", "/v1/chat/completions:error") => error(StatusCode::INTERNAL_SERVER_ERROR, "internal error", "server_error"),
        ("POST", "/v1/chat/completions") => chat(&bytes, &state.faults),
        _ => error(StatusCode::NOT_FOUND, "not found", "not_found_error"),
    })
}

/// The body, or None past [`MAX_BODY`]. An oversized body is still read to its end (up to
/// [`DRAIN_LIMIT`]) before the 413 goes out: closing a socket with unread bytes sends a reset,
/// which can reach the client before the 413 does and turn a status error into a connection
/// error at random.
async fn read_body(mut body: Incoming) -> Option<Bytes> {
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { return None };
        if let Ok(data) = frame.into_data() {
            seen += data.len();
            if seen <= MAX_BODY {
                kept.extend_from_slice(&data);
            } else if seen > DRAIN_LIMIT {
                return None;
            }
        }
    }
    (seen <= MAX_BODY).then(|| Bytes::from(kept))
}

fn chat(body: &[u8], faults: &Faults) -> Response<Reply> {
    let Some(req) = parse(body) else {
        return if faults.accept_malformed {
            plain(StatusCode::OK, "application/json", r#"{"choices":[]}"#)
        } else {
            error(StatusCode::BAD_REQUEST, "malformed request", "invalid_request_error")
        };
    };
    if faults.garbage_body {
        return plain(StatusCode::OK, "application/json", "this is not JSON");
    }
    let h = if faults.wrong_content { fnv1a(&req.last).wrapping_add(1) } else { fnv1a(&req.last) };
    if req.stream {
        return sse(h, req.max_tokens, Duration::from_micros(req.delay_us));
    }
    chat_json(&req, h)
}

/// The plain answer to `req`, echoing `h`.
pub(crate) fn chat_json(req: &ChatRequest, h: u32) -> Response<Reply> {
    let pt = req.chars.div_ceil(4);
    let v = serde_json::json!({
        "choices":[{"finish_reason":"stop","index":0,"message":{"content":format!("echo n={} fnv={h:08x}", req.last.len()),"role":"assistant"}}],
        "created":1700000000u64,"id":"chatcmpl-bm","model":req.model,"object":"chat.completion",
        "usage":{"completion_tokens":3,"prompt_tokens":pt,"total_tokens":pt+3}
    });
    plain(StatusCode::OK, "application/json", v.to_string())
}

/// A stream of `max` tokens `<h>:<i> `, `delay` before each.
pub(crate) fn sse(h: u32, max: u32, delay: Duration) -> Response<Reply> {
    let sse = Sse { h: format!("{h:08x}"), i: 0, max, delay, sleep: None, phase: 0, yield_next: false };
    Response::builder().header("content-type", "text/event-stream").body(Reply::Sse(Box::new(sse))).expect("static response")
}

pub(crate) struct ChatRequest {
    pub(crate) last: Vec<u8>,
    chars: u64,
    pub(crate) stream: bool,
    pub(crate) max_tokens: u32,
    delay_us: u64,
    model: String,
}

pub(crate) fn parse(body: &[u8]) -> Option<ChatRequest> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let messages = v.get("messages")?.as_array()?;
    let last = messages.last()?.get("content")?.as_str()?.as_bytes().to_vec();
    let chars = messages.iter().filter_map(|m| m.get("content").and_then(|c| c.as_str())).map(|c| c.len() as u64).sum();
    Some(ChatRequest {
        last,
        chars,
        stream: v.get("stream").and_then(|s| s.as_bool()).unwrap_or(false),
        max_tokens: v.get("max_tokens").and_then(|m| m.as_u64()).unwrap_or(16).min(1_000_000) as u32,
        delay_us: v.get("bm_delay_us").and_then(|d| d.as_u64()).unwrap_or(0).min(60_000_000),
        model: v.get("model").and_then(|m| m.as_str()).unwrap_or("bm-echo").to_string(),
    })
}

/// A response body: whole, or a server-sent event stream that yields between events.
pub enum Reply {
    Full(Option<Bytes>),
    Sse(Box<Sse>),
}

pub struct Sse {
    h: String,
    i: u32,
    max: u32,
    delay: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    /// 0 tokens, 1 the final event, 2 [DONE], 3 ended.
    phase: u8,
    yield_next: bool,
}

impl Body for Reply {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            Reply::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Reply::Sse(s) => s.poll(cx),
        }
    }
    fn size_hint(&self) -> hyper::body::SizeHint {
        match self {
            Reply::Full(Some(b)) => hyper::body::SizeHint::with_exact(b.len() as u64),
            Reply::Full(None) => hyper::body::SizeHint::with_exact(0),
            Reply::Sse(_) => hyper::body::SizeHint::default(),
        }
    }
}

impl Sse {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        // Returning Pending once after each event makes hyper write it out on its own.
        if self.yield_next {
            self.yield_next = false;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let text = match self.phase {
            0 if self.i < self.max => {
                if !self.delay.is_zero() {
                    let sleep = self.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(self.delay)));
                    if sleep.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    self.sleep = None;
                }
                let t = format!("data: {{\"choices\":[{{\"delta\":{{\"content\":\"{}:{} \"}},\"finish_reason\":null,\"index\":0}}],\"id\":\"chatcmpl-bm\",\"object\":\"chat.completion.chunk\"}}\n\n", self.h, self.i);
                self.i += 1;
                t
            }
            0 | 1 => {
                self.phase = 2;
                "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\",\"index\":0}],\"id\":\"chatcmpl-bm\",\"object\":\"chat.completion.chunk\"}\n\n".to_string()
            }
            2 => {
                self.phase = 3;
                "data: [DONE]\n\n".to_string()
            }
            _ => return Poll::Ready(None),
        };
        self.yield_next = true;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(text)))))
    }
}
