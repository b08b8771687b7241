// chat-client in Rust: hyper 1.x's pooled client (hyper_util::client::legacy::Client, HTTP/1.1
// keep-alive, at most C idle connections kept) on tokio's multi-threaded runtime, C tasks each
// sending its next request when its answer is complete; serde_json for the bodies. What it sends,
// checks and prints: workloads/chat-client/README.md.

use bm_runner::Params;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, StatusCode};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Http = Client<HttpConnector, Full<Bytes>>;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Plain,
    Stream,
}

/// How one request ended (README.md, "Each request's outcome").
enum Outcome {
    Ok { h: u32, bytes: u64, tokens: u64, ttfb_us: Option<u64> },
    Status(u64),
    Malformed(u64),
    Timeout,
    Connect,
}

#[derive(Default)]
struct Tally {
    requests: u64,
    ok: u64,
    status: u64,
    malformed: u64,
    timeout: u64,
    connect: u64,
    retries: u64,
    bytes: u64,
    tokens: u64,
    checksum: u32,
    lat: Vec<u64>,
    ttfb: Vec<u64>,
}

struct Settings {
    base: String,
    concurrency: u64,
    tokens: u32,
    content: String,
    retries: u32,
    timeout: Duration,
}

fn body(settings: &Settings, kind: Kind) -> Bytes {
    let (max_tokens, stream) = if kind == Kind::Stream { (settings.tokens, true) } else { (16, false) };
    let v = serde_json::json!({
        "max_tokens": max_tokens,
        "messages": [{"content": "You are a benchmark.", "role": "system"}, {"content": settings.content, "role": "user"}],
        "model": "bm-echo",
        "stream": stream,
    });
    Bytes::from(v.to_string())
}

/// `echo n=<n> fnv=<h>` gives `h`.
fn echo_hash(content: &str) -> Option<u32> {
    let rest = content.strip_prefix("echo n=")?;
    let (n, h) = rest.split_once(" fnv=")?;
    n.parse::<u64>().ok()?;
    (h.len() == 8).then(|| u32::from_str_radix(h, 16).ok()).flatten()
}

fn plain_answer(bytes: &[u8]) -> Option<u32> {
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    echo_hash(v.get("choices")?.get(0)?.get("message")?.get("content")?.as_str()?)
}

/// The wait a 429 asks for: `retry-after-ms`, else `Retry-After` seconds.
fn retry_wait(headers: &hyper::HeaderMap) -> Duration {
    let num = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<f64>().ok());
    if let Some(ms) = num("retry-after-ms") {
        return Duration::from_secs_f64(ms.max(0.0) / 1000.0);
    }
    Duration::from_secs_f64(num("retry-after").unwrap_or(0.0).max(0.0))
}

/// Reads an SSE body as it arrives; the deltas must be `<h>:0 <h>:1 ...` (`tokens` of them).
async fn read_stream(body: hyper::body::Incoming, started: Instant, tokens: u32) -> Outcome {
    let mut body = body;
    let mut buf: Vec<u8> = Vec::new();
    let mut text = String::new();
    let mut bytes = 0u64;
    let mut ttfb_us = None;
    let mut done = false;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { return Outcome::Connect };
        let Ok(data) = frame.into_data() else { continue };
        bytes += data.len() as u64;
        buf.extend_from_slice(&data);
        while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = buf.drain(..end + 2).collect();
            let Ok(event) = std::str::from_utf8(&event) else { return Outcome::Malformed(bytes) };
            for line in event.lines() {
                let Some(data) = line.strip_prefix("data: ") else { continue };
                if data == "[DONE]" {
                    done = true;
                    continue;
                }
                let Ok(v) = serde_json::from_str::<serde_json::Value>(data) else { return Outcome::Malformed(bytes) };
                let delta = v.get("choices").and_then(|c| c.get(0)).and_then(|c| c.get("delta")).and_then(|d| d.get("content"));
                if let Some(s) = delta.and_then(|d| d.as_str()) {
                    if !s.is_empty() && ttfb_us.is_none() {
                        ttfb_us = Some(started.elapsed().as_micros() as u64);
                    }
                    text.push_str(s);
                }
            }
        }
    }
    let h = text.get(..8).and_then(|h| u32::from_str_radix(h, 16).ok());
    match h {
        Some(h) if done => {
            let mut want = String::new();
            for i in 0..tokens {
                let _ = write!(want, "{h:08x}:{i} ");
            }
            if text == want {
                Outcome::Ok { h, bytes, tokens: u64::from(tokens), ttfb_us }
            } else {
                Outcome::Malformed(bytes)
            }
        }
        _ => Outcome::Malformed(bytes),
    }
}

/// One request to the end, its 429 retries included; the count of retries comes back too.
async fn one(client: &Http, settings: &Settings, url: &hyper::Uri, body: &Bytes, kind: Kind, started: Instant) -> (Outcome, u64) {
    let mut retries = 0u64;
    loop {
        let req = Request::post(url.clone())
            .header("content-type", "application/json")
            .body(Full::new(body.clone()))
            .expect("a valid request");
        let resp = match client.request(req).await {
            Ok(r) => r,
            Err(_) => return (Outcome::Connect, retries),
        };
        let status = resp.status();
        if status == StatusCode::TOO_MANY_REQUESTS && retries < u64::from(settings.retries) {
            let wait = retry_wait(resp.headers());
            // The 429's body is read so the connection goes back to the pool.
            let _ = resp.into_body().collect().await;
            tokio::time::sleep(wait).await;
            retries += 1;
            continue;
        }
        if status != StatusCode::OK {
            let bytes = resp.into_body().collect().await.map(|b| b.to_bytes().len() as u64).unwrap_or(0);
            return (Outcome::Status(bytes), retries);
        }
        if kind == Kind::Stream {
            return (read_stream(resp.into_body(), started, settings.tokens).await, retries);
        }
        let Ok(whole) = resp.into_body().collect().await else { return (Outcome::Connect, retries) };
        let whole = whole.to_bytes();
        let n = whole.len() as u64;
        return match plain_answer(&whole) {
            Some(h) => (Outcome::Ok { h, bytes: n, tokens: 0, ttfb_us: None }, retries),
            None => (Outcome::Malformed(n), retries),
        };
    }
}

/// One phase: `n` requests to `path`, C at a time; returns the tally and its duration in ns.
async fn phase(client: &Http, settings: &Arc<Settings>, path: &str, kind: Kind, n: u64) -> (Tally, u64) {
    let url: hyper::Uri = format!("{}{path}", settings.base).parse().expect("a valid URL");
    let body = body(settings, kind);
    let next = Arc::new(AtomicU64::new(0));
    let tally = Arc::new(Mutex::new(Tally { requests: n, ..Tally::default() }));
    let began = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..settings.concurrency.min(n.max(1)) {
        let (client, settings, url, body, next, tally) =
            (client.clone(), settings.clone(), url.clone(), body.clone(), next.clone(), tally.clone());
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < n {
                let started = Instant::now();
                let ended = tokio::time::timeout(settings.timeout, one(&client, &settings, &url, &body, kind, started)).await;
                let lat = started.elapsed().as_micros() as u64;
                let mut t = tally.lock().expect("no task panics holding the tally");
                let outcome = match ended {
                    Ok((o, retries)) => {
                        t.retries += retries;
                        o
                    }
                    Err(_) => Outcome::Timeout,
                };
                match outcome {
                    Outcome::Ok { h, bytes, tokens, ttfb_us } => {
                        t.ok += 1;
                        t.bytes += bytes;
                        t.tokens += tokens;
                        t.checksum = t.checksum.wrapping_add(h);
                        t.lat.push(lat);
                        if let Some(f) = ttfb_us {
                            t.ttfb.push(f);
                        }
                    }
                    Outcome::Status(b) => {
                        t.status += 1;
                        t.bytes += b;
                    }
                    Outcome::Malformed(b) => {
                        t.malformed += 1;
                        t.bytes += b;
                    }
                    Outcome::Timeout => t.timeout += 1,
                    Outcome::Connect => t.connect += 1,
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let ns = began.elapsed().as_nanos() as u64;
    let tally = Arc::try_unwrap(tally).ok().expect("every task has ended").into_inner().expect("not poisoned");
    (tally, ns)
}

fn line(out: &mut String, name: &str, t: &Tally, ns: u64) {
    let _ = writeln!(
        out,
        "phase {name} requests={} ok={} status={} malformed={} timeout={} connect={} retries={} bytes={} tokens={} checksum={:08x} ns={ns}",
        t.requests, t.ok, t.status, t.malformed, t.timeout, t.connect, t.retries, t.bytes, t.tokens, t.checksum
    );
}

fn values(out: &mut String, label: &str, v: &[u64]) {
    for chunk in v.chunks(1000) {
        out.push_str(label);
        for x in chunk {
            let _ = write!(out, " {x}");
        }
        out.push('\n');
    }
}

fn run(params: &Params) -> String {
    let count = |k: &str| params.int(k).max(0) as u64;
    let settings = Arc::new(Settings {
        base: params.str("base").to_string(),
        concurrency: count("concurrency").max(1),
        tokens: count("tokens") as u32,
        content: "Hello, world! ".chars().cycle().take(count("content") as usize).collect(),
        retries: count("retries") as u32,
        timeout: Duration::from_millis(count("timeout_ms")),
    });
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    rt.block_on(async {
        let client: Http = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(settings.concurrency as usize)
            .build_http();
        let mut out = String::new();
        let plan = [
            ("warmup", "/v1/chat/completions", Kind::Plain, count("warmup")),
            ("chat", "/v1/chat/completions", Kind::Plain, count("requests")),
            ("stream", "/v1/chat/completions", Kind::Stream, count("streams")),
            ("rate", "/v1/chat/completions:rate", Kind::Plain, count("probe")),
            ("error", "/v1/chat/completions:error", Kind::Plain, count("probe")),
            ("malformed", "/v1/chat/completions:malformed", Kind::Plain, count("probe")),
        ];
        let mut chat = Vec::new();
        let mut stream = (Vec::new(), Vec::new());
        for (name, path, kind, n) in plan {
            let (t, ns) = phase(&client, &settings, path, kind, n).await;
            line(&mut out, name, &t, ns);
            match name {
                "chat" => chat = t.lat,
                "stream" => stream = (t.lat, t.ttfb),
                _ => {}
            }
        }
        values(&mut out, "lat chat", &chat);
        values(&mut out, "lat stream", &stream.0);
        values(&mut out, "ttfb stream", &stream.1);
        out
    })
}

fn main() {
    bm_runner::main(run)
}
