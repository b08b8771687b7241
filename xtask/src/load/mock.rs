//! The client mode's mock API (workloads/chat-client/README.md): the reference service's
//! answers after a fixed latency, a `:rate` route that alternates 429 and 200, a `:malformed`
//! route with a truncated body, and counters of everything it saw, so a client's own report can
//! be checked against them.

use super::body::fnv1a;
use super::server::{error, plain, ChatRequest, Reply};
use hyper::{Response, StatusCode};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// What the mock is told: its latency, its stream cadence, and the user content every chat
/// request must carry.
#[derive(Debug, Clone, PartialEq)]
pub struct MockOptions {
    /// Waited before every plain answer (chat and the `:rate` route's 200s).
    pub latency: Duration,
    /// Waited before every stream event.
    pub chunk: Duration,
    /// The user content's length: "Hello, world! " repeated and cut to it (README.md).
    pub content_bytes: usize,
}

/// Everything the mock saw, per route; `*_sum` are wrapping sums of the `h` it answered with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MockCounts {
    pub chat: u64,
    pub chat_sum: u32,
    pub stream: u64,
    pub stream_sum: u32,
    pub stream_tokens: u64,
    pub rate: u64,
    pub rate_429: u64,
    pub rate_ok: u64,
    pub rate_sum: u32,
    pub error: u64,
    pub malformed: u64,
    /// Chat requests whose body did not parse or whose content was not the payload.
    pub bad_requests: u64,
    /// Requests to any other path.
    pub other: u64,
    /// The first bad request's description, for the cell's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_bad: Option<String>,
}

/// The counters, updated by the handlers.
#[derive(Default)]
pub(crate) struct Counters {
    chat: AtomicU64,
    chat_sum: AtomicU64,
    stream: AtomicU64,
    stream_sum: AtomicU64,
    stream_tokens: AtomicU64,
    rate: AtomicU64,
    rate_429: AtomicU64,
    rate_ok: AtomicU64,
    rate_sum: AtomicU64,
    error: AtomicU64,
    malformed: AtomicU64,
    bad_requests: AtomicU64,
    other: AtomicU64,
    first_bad: std::sync::Mutex<Option<String>>,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> MockCounts {
        let g = |a: &AtomicU64| a.load(Ordering::SeqCst);
        MockCounts {
            chat: g(&self.chat),
            chat_sum: g(&self.chat_sum) as u32,
            stream: g(&self.stream),
            stream_sum: g(&self.stream_sum) as u32,
            stream_tokens: g(&self.stream_tokens),
            rate: g(&self.rate),
            rate_429: g(&self.rate_429),
            rate_ok: g(&self.rate_ok),
            rate_sum: g(&self.rate_sum) as u32,
            error: g(&self.error),
            malformed: g(&self.malformed),
            bad_requests: g(&self.bad_requests),
            other: g(&self.other),
            first_bad: self.first_bad.lock().map(|b| b.clone()).unwrap_or_default(),
        }
    }

    fn bad(&self, why: String) {
        self.bad_requests.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut first) = self.first_bad.lock() {
            first.get_or_insert(why);
        }
    }
}

/// Adds `h` to a wrapping 32-bit sum kept in an AtomicU64's low half.
fn add(sum: &AtomicU64, h: u32) {
    let _ = sum.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |s| Some(u64::from((s as u32).wrapping_add(h))));
}

/// The answer to one request on `path` with `body` (already read whole).
pub(crate) async fn answer(opts: &MockOptions, counters: &Counters, get: bool, path: &str, body: &[u8]) -> Response<Reply> {
    if get && path == "/bm/stats" {
        let text = serde_json::to_string(&counters.snapshot()).unwrap_or_default();
        return plain(StatusCode::OK, "application/json", text);
    }
    match (get, path) {
        (false, "/v1/chat/completions") => {}
        (false, "/v1/chat/completions:rate") => {
            // Odd-numbered requests (1st, 3rd, ...) are limited, so every retry is answered.
            let n = counters.rate.fetch_add(1, Ordering::SeqCst);
            if n.is_multiple_of(2) {
                counters.rate_429.fetch_add(1, Ordering::SeqCst);
                let mut r = error(StatusCode::TOO_MANY_REQUESTS, "rate limited", "rate_limit_error");
                r.headers_mut().insert("retry-after", hyper::header::HeaderValue::from_static("1"));
                r.headers_mut().insert("retry-after-ms", hyper::header::HeaderValue::from_static("10"));
                return r;
            }
            return match checked(opts, counters, body) {
                Some(req) => {
                    wait(opts.latency).await;
                    counters.rate_ok.fetch_add(1, Ordering::SeqCst);
                    let h = fnv1a(&req.last);
                    add(&counters.rate_sum, h);
                    super::server::chat_json(&req, h)
                }
                None => error(StatusCode::BAD_REQUEST, "malformed request", "invalid_request_error"),
            };
        }
        (false, "/v1/chat/completions:error") => {
            counters.error.fetch_add(1, Ordering::SeqCst);
            return error(StatusCode::INTERNAL_SERVER_ERROR, "internal error", "server_error");
        }
        (false, "/v1/chat/completions:malformed") => {
            counters.malformed.fetch_add(1, Ordering::SeqCst);
            return plain(StatusCode::OK, "application/json", r#"{"choices":[{"message":{"content":"echo"#);
        }
        _ => {
            counters.other.fetch_add(1, Ordering::SeqCst);
            return error(StatusCode::NOT_FOUND, "not found", "not_found_error");
        }
    }
    // One parse per request: a body that is no chat request counts as a plain one (and bad).
    let Some(req) = checked(opts, counters, body) else {
        counters.chat.fetch_add(1, Ordering::SeqCst);
        return error(StatusCode::BAD_REQUEST, "malformed request", "invalid_request_error");
    };
    if req.stream {
        counters.stream.fetch_add(1, Ordering::SeqCst);
    } else {
        counters.chat.fetch_add(1, Ordering::SeqCst);
    }
    let h = fnv1a(&req.last);
    if req.stream {
        add(&counters.stream_sum, h);
        counters.stream_tokens.fetch_add(u64::from(req.max_tokens), Ordering::SeqCst);
        return super::server::sse(h, req.max_tokens, opts.chunk);
    }
    wait(opts.latency).await;
    add(&counters.chat_sum, h);
    super::server::chat_json(&req, h)
}

/// Waits `d`; no wait at all for zero (tokio's timer rounds any sleep up to its 1 ms tick).
async fn wait(d: Duration) {
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
}

/// The request, when it parses and carries exactly the payload; else it is counted as bad.
fn checked(opts: &MockOptions, counters: &Counters, body: &[u8]) -> Option<ChatRequest> {
    let Some(req) = super::server::parse(body) else {
        counters.bad(format!("a body that is not a chat request ({} bytes)", body.len()));
        return None;
    };
    if req.last.len() != opts.content_bytes || !req.last.iter().zip(b"Hello, world! ".iter().cycle()).all(|(a, b)| a == b) {
        counters.bad(format!(
            "the last message's content is {} bytes, not the {} bytes of \"Hello, world! \" repeated",
            req.last.len(),
            opts.content_bytes
        ));
        return None;
    }
    Some(req)
}
