//! One request on a keep-alive connection: send, read the bounded answer, verify it.

use super::body::{Expect, Prepared};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use std::borrow::Cow;
use std::net::SocketAddr;
use std::time::Instant;

pub type Conn = SendRequest<Full<Bytes>>;

/// Answers larger than this are a malformed body, not a memory problem.
const MAX_ANSWER: usize = 64 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Connect,
    Timeout,
    Status,
    Malformed,
    Verify,
}

pub type Failure = (Class, String);

/// A stream's timings, relative to the request's start.
#[derive(Debug, Default)]
pub struct StreamTimes {
    pub ttft_ns: u64,
    pub last_ns: u64,
    /// Gaps between content chunks (reused between requests).
    pub gaps: Vec<u64>,
    pub tokens: u32,
}

pub async fn connect(addr: SocketAddr, local: Option<std::net::IpAddr>) -> Result<Conn, Failure> {
    let stream = match local {
        None => tokio::net::TcpStream::connect(addr).await,
        Some(ip) => {
            let s = tokio::net::TcpSocket::new_v4().map_err(|e| (Class::Connect, format!("socket: {e}")))?;
            s.bind(SocketAddr::new(ip, 0)).map_err(|e| (Class::Connect, format!("bind {ip}: {e}")))?;
            s.connect(addr).await
        }
    }
    .map_err(|e| (Class::Connect, format!("connect {addr}: {e}")))?;
    let _ = stream.set_nodelay(true);
    let (send, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| (Class::Connect, format!("handshake: {e}")))?;
    tokio::spawn(conn);
    Ok(send)
}

/// Sends `p` and verifies the answer; returns the response body's size.
pub async fn exchange(
    conn: &mut Conn,
    host: &hyper::header::HeaderValue,
    p: &Prepared,
    t0: Instant,
    times: &mut StreamTimes,
) -> Result<u64, Failure> {
    conn.ready().await.map_err(|e| (Class::Connect, format!("connection lost: {e}")))?;
    let req = hyper::Request::builder()
        .method(if p.get { hyper::Method::GET } else { hyper::Method::POST })
        .uri(p.path)
        .header(hyper::header::HOST, host.clone())
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(Full::new(p.body.clone()))
        .map_err(|e| (Class::Connect, e.to_string()))?;
    let resp = conn.send_request(req).await.map_err(|e| (Class::Connect, format!("request failed: {e}")))?;
    let status = resp.status().as_u16();
    let ctype = resp.headers().get(hyper::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let retry_after = resp.headers().get(hyper::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_string);
    let want = match &p.expect {
        Expect::Error { status, .. } | Expect::Status(status) => *status,
        _ => 200,
    };
    let mut body = resp.into_body();
    if status != want {
        return Err((Class::Status, format!("status {status}, expected {want}")));
    }
    if let Expect::Stream { tokens, max_tokens } = &p.expect {
        if !ctype.starts_with("text/event-stream") {
            return Err((Class::Verify, format!("content-type {ctype:?}, expected text/event-stream")));
        }
        let mut sse = Sse::new(tokens);
        times.gaps.clear();
        times.tokens = 0;
        let mut last: Option<u64> = None;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| (Class::Malformed, format!("stream broken: {e}")))?;
            let Some(data) = frame.data_ref() else { continue };
            let chunks = sse.feed(data)?;
            if chunks > 0 {
                let t = t0.elapsed().as_nanos() as u64;
                match last {
                    None => times.ttft_ns = t,
                    Some(prev) => times.gaps.push(t - prev),
                }
                last = Some(t);
            }
        }
        sse.finish()?;
        times.tokens = *max_tokens;
        times.last_ns = last.unwrap_or(0);
        return Ok(sse.total as u64);
    }
    let mut buf = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| (Class::Malformed, format!("body broken: {e}")))?;
        if let Some(d) = frame.data_ref() {
            if buf.len() + d.len() > MAX_ANSWER {
                return Err((Class::Malformed, "answer larger than 64 MiB".into()));
            }
            buf.extend_from_slice(d);
        }
    }
    verify_plain(&p.expect, &buf, &ctype, retry_after.as_deref())?;
    Ok(buf.len() as u64)
}

#[derive(Deserialize)]
struct ChatAnswer<'a> {
    #[serde(borrow)]
    choices: Vec<ChatChoice<'a>>,
    usage: Usage,
}
#[derive(Deserialize)]
struct ChatChoice<'a> {
    #[serde(borrow)]
    message: Message<'a>,
}
#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow)]
    content: Cow<'a, str>,
}
#[derive(Deserialize)]
struct Usage {
    prompt_tokens: u64,
    completion_tokens: u64,
    total_tokens: u64,
}
#[derive(Deserialize)]
struct ErrorAnswer<'a> {
    #[serde(borrow)]
    error: ErrorBody<'a>,
}
#[derive(Deserialize)]
struct ErrorBody<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
}

fn short(b: &[u8]) -> String {
    String::from_utf8_lossy(&b[..b.len().min(120)]).into_owned()
}

fn verify_plain(expect: &Expect, body: &[u8], ctype: &str, retry_after: Option<&str>) -> Result<(), Failure> {
    match expect {
        Expect::Healthz => {
            if body != b"ok" {
                return Err((Class::Verify, format!("healthz body {:?}, expected \"ok\"", short(body))));
            }
        }
        Expect::Chat { content, prompt_tokens } => {
            let a: ChatAnswer =
                serde_json::from_slice(body).map_err(|e| (Class::Malformed, format!("not a chat completion: {e}: {}", short(body))))?;
            let got = a.choices.first().map(|c| c.message.content.as_ref()).unwrap_or("");
            if got != content {
                return Err((Class::Verify, format!("content {got:?}, expected {content:?}")));
            }
            let u = &a.usage;
            if u.prompt_tokens != *prompt_tokens || u.completion_tokens != 3 || u.total_tokens != prompt_tokens + 3 {
                return Err((
                    Class::Verify,
                    format!(
                        "usage {}/{}/{}, expected {prompt_tokens}/3/{}",
                        u.prompt_tokens,
                        u.completion_tokens,
                        u.total_tokens,
                        prompt_tokens + 3
                    ),
                ));
            }
            if !ctype.starts_with("application/json") {
                return Err((Class::Verify, format!("content-type {ctype:?}, expected application/json")));
            }
        }
        Expect::Error { kind, retry_after: want_retry, .. } => {
            let a: ErrorAnswer =
                serde_json::from_slice(body).map_err(|e| (Class::Malformed, format!("not an error body: {e}: {}", short(body))))?;
            if a.error.kind != *kind {
                return Err((Class::Verify, format!("error type {:?}, expected {kind:?}", a.error.kind)));
            }
            if *want_retry && retry_after != Some("1") {
                return Err((Class::Verify, format!("Retry-After {retry_after:?}, expected \"1\"")));
            }
        }
        Expect::Stream { .. } | Expect::Status(_) => {}
    }
    Ok(())
}

#[derive(Deserialize)]
struct Chunk<'a> {
    #[serde(borrow)]
    choices: Vec<ChunkChoice<'a>>,
}
#[derive(Deserialize)]
struct ChunkChoice<'a> {
    #[serde(borrow)]
    delta: Delta<'a>,
    #[serde(borrow)]
    finish_reason: Option<Cow<'a, str>>,
}
#[derive(Deserialize)]
struct Delta<'a> {
    #[serde(borrow)]
    content: Option<Cow<'a, str>>,
}

/// An incremental SSE reader that checks the deltas against the expected text as they come.
struct Sse<'e> {
    expected: &'e str,
    offset: usize,
    buf: Vec<u8>,
    stopped: bool,
    done: bool,
    total: usize,
}

impl<'e> Sse<'e> {
    fn new(expected: &'e str) -> Self {
        Sse { expected, offset: 0, buf: Vec::new(), stopped: false, done: false, total: 0 }
    }
    /// Feeds bytes; returns how many content chunks completed.
    fn feed(&mut self, data: &[u8]) -> Result<usize, Failure> {
        self.total += data.len();
        if self.total > MAX_ANSWER {
            return Err((Class::Malformed, "stream larger than 64 MiB".into()));
        }
        self.buf.extend_from_slice(data);
        let mut chunks = 0;
        let mut start = 0;
        while let Some(pos) = self.buf[start..].windows(2).position(|w| w == b"\n\n") {
            let event = self.buf[start..start + pos].to_vec();
            start += pos + 2;
            chunks += self.event(&event)?;
        }
        self.buf.drain(..start);
        Ok(chunks)
    }
    fn event(&mut self, event: &[u8]) -> Result<usize, Failure> {
        let mut chunks = 0;
        for line in event.split(|b| *b == b'\n') {
            let Some(data) = line.strip_prefix(b"data:") else {
                continue;
            };
            let data = data.strip_prefix(b" ").unwrap_or(data);
            if self.done {
                return Err((Class::Verify, "data after [DONE]".into()));
            }
            if data == b"[DONE]" {
                self.done = true;
                continue;
            }
            let c: Chunk = serde_json::from_slice(data).map_err(|e| (Class::Malformed, format!("bad event: {e}: {}", short(data))))?;
            let Some(choice) = c.choices.first() else { continue };
            if let Some(text) = choice.delta.content.as_deref().filter(|t| !t.is_empty()) {
                if self.stopped || !self.expected[self.offset..].starts_with(text) {
                    return Err((
                        Class::Verify,
                        format!(
                            "delta {:?} at byte {}, expected {:?}",
                            text,
                            self.offset,
                            &self.expected[self.offset..(self.offset + text.len().max(12)).min(self.expected.len())]
                        ),
                    ));
                }
                self.offset += text.len();
                chunks += 1;
            }
            if choice.finish_reason.as_deref() == Some("stop") {
                self.stopped = true;
            }
        }
        Ok(chunks)
    }
    fn finish(&self) -> Result<(), Failure> {
        if self.offset != self.expected.len() {
            return Err((Class::Verify, format!("stream ended after {} of {} bytes of tokens", self.offset, self.expected.len())));
        }
        if !self.stopped || !self.done {
            return Err((Class::Verify, format!("stream ended without {}", if self.stopped { "[DONE]" } else { "finish_reason stop" })));
        }
        if self.buf.iter().any(|b| !b.is_ascii_whitespace()) {
            return Err((Class::Malformed, "an unterminated event at the end of the stream".into()));
        }
        Ok(())
    }
}
