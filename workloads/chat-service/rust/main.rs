// chat-service in Rust: tokio (multi-threaded runtime, one worker per core) + hyper 1.x
// (HTTP/1.1, keep-alive), serde_json for the bodies. The protocol: runners/SERVICE.md; what is
// computed: workloads/chat-service/README.md. The runner crate is linked but not used: a
// service has no timed iterations.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body, Frame, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use std::convert::Infallible;
use std::io::Write;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::mpsc;

const MAX_BODY: usize = 1 << 20;
const CREATED: u64 = 1700000000;

#[derive(Deserialize)]
struct ChatRequest {
    #[serde(default)]
    max_tokens: Option<u64>,
    messages: Vec<Message>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    stream: Option<bool>,
    #[serde(default)]
    bm_delay_us: Option<u64>,
}

// `content` stays a Value: only the last message's must be a string; others count 0 otherwise.
#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    content: serde_json::Value,
}

/// A response body: either all at once, or SSE events handed over one by one by a task.
enum ChatBody {
    Full(Full<Bytes>),
    Events(mpsc::Receiver<Bytes>),
}

impl Body for ChatBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            ChatBody::Full(f) => Pin::new(f).poll_frame(cx),
            ChatBody::Events(rx) => rx.poll_recv(cx).map(|o| o.map(|b| Ok(Frame::data(b)))),
        }
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        match self {
            ChatBody::Full(f) => f.size_hint(),
            ChatBody::Events(_) => hyper::body::SizeHint::default(),
        }
    }
}

fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(2166136261u32, |h, &b| (h ^ b as u32).wrapping_mul(16777619))
}

fn reply(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response<ChatBody> {
    Response::builder()
        .status(status)
        .header("Content-Type", content_type)
        .body(ChatBody::Full(Full::new(body.into())))
        .expect("static headers are valid")
}

fn error(status: StatusCode, message: &str, kind: &str) -> Response<ChatBody> {
    let body = serde_json::json!({"error": {"message": message, "type": kind}});
    reply(status, "application/json", body.to_string())
}

async fn handle(req: Request<Incoming>) -> Result<Response<ChatBody>, Infallible> {
    let route = (req.method().clone(), req.uri().path().to_string());
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(error(StatusCode::PAYLOAD_TOO_LARGE, "request too large", "invalid_request_error")),
    };
    Ok(match (route.0, route.1.as_str()) {
        (Method::GET, "/healthz") => reply(StatusCode::OK, "text/plain", "ok"),
        (Method::POST, "/v1/chat/completions:rate") => {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, "rate limited", "rate_limit_error");
            r.headers_mut().insert("Retry-After", hyper::header::HeaderValue::from_static("1"));
            r
        }
        (Method::POST, "/v1/chat/completions:error") => error(StatusCode::INTERNAL_SERVER_ERROR, "internal error", "server_error"),
        (Method::POST, "/v1/chat/completions") => chat(&body),
        _ => error(StatusCode::NOT_FOUND, "not found", "not_found_error"),
    })
}

fn chat(body: &[u8]) -> Response<ChatBody> {
    let malformed = || error(StatusCode::BAD_REQUEST, "malformed request", "invalid_request_error");
    let Ok(req) = serde_json::from_slice::<ChatRequest>(body) else { return malformed() };
    let Some(serde_json::Value::String(last)) = req.messages.last().map(|m| &m.content) else { return malformed() };
    let chars: usize = req.messages.iter().map(|m| m.content.as_str().map_or(0, str::len)).sum();
    let prompt_tokens = (chars + 3) / 4;
    let h = format!("{:08x}", fnv1a(last.as_bytes()));
    if req.stream != Some(true) {
        let body = serde_json::json!({
            "choices": [{"finish_reason": "stop", "index": 0, "message": {"content": format!("echo n={} fnv={h}", last.len()), "role": "assistant"}}],
            "created": CREATED,
            "id": "chatcmpl-bm",
            "model": req.model.unwrap_or_default(),
            "object": "chat.completion",
            "usage": {"completion_tokens": 3, "prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens + 3},
        });
        return reply(StatusCode::OK, "application/json", body.to_string());
    }
    let (tx, rx) = mpsc::channel::<Bytes>(1);
    let tokens = req.max_tokens.unwrap_or(16);
    let delay = req.bm_delay_us.unwrap_or(0);
    tokio::spawn(async move {
        for i in 0..tokens {
            if delay > 0 {
                tokio::time::sleep(std::time::Duration::from_micros(delay)).await;
            }
            let event = serde_json::json!({
                "choices": [{"delta": {"content": format!("{h}:{i} ")}, "finish_reason": null, "index": 0}],
                "id": "chatcmpl-bm",
                "object": "chat.completion.chunk",
            });
            if tx.send(Bytes::from(format!("data: {event}\n\n"))).await.is_err() {
                return; // the client went away
            }
            // Let the connection write this event on its own before the next one is made.
            tokio::task::yield_now().await;
        }
        let end = serde_json::json!({
            "choices": [{"delta": {}, "finish_reason": "stop", "index": 0}],
            "id": "chatcmpl-bm",
            "object": "chat.completion.chunk",
        });
        if tx.send(Bytes::from(format!("data: {end}\n\n"))).await.is_ok() {
            let _ = tx.send(Bytes::from_static(b"data: [DONE]\n\n")).await;
        }
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("Content-Type", "text/event-stream")
        .header("Cache-Control", "no-cache")
        .body(ChatBody::Events(rx))
        .expect("static headers are valid")
}

fn port_argument() -> u16 {
    let mut port = None;
    for arg in std::env::args().skip(1) {
        let Some((k, v)) = arg.split_once('=') else {
            eprintln!("chat-service: argument `{arg}` is not key=value");
            std::process::exit(2);
        };
        if k == "port" {
            port = Some(v.parse::<u16>().unwrap_or_else(|_| {
                eprintln!("chat-service: port={v} is not a port number");
                std::process::exit(2);
            }));
        }
    }
    port.unwrap_or_else(|| {
        eprintln!("chat-service: missing parameter port");
        std::process::exit(2);
    })
}

fn main() {
    let port = port_argument();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().expect("tokio runtime");
    rt.block_on(async move {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap_or_else(|e| {
            eprintln!("chat-service: cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1);
        });
        let bound = listener.local_addr().expect("a bound socket has an address").port();
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "#bm listening {bound}");
            let _ = out.flush();
        }
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(async move {
                        let conn = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), hyper::service::service_fn(handle));
                        let _ = conn.await;
                    });
                }
                _ = term.recv() => break,
            }
        }
        drop(listener);
    });
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "#bm done");
    let _ = out.flush();
    // The connections still open are dropped with the process; the runtime is not joined.
    std::process::exit(0);
}
