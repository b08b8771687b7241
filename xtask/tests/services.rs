//! Conformance of every language's chat-service server (workloads/chat-service/<lang>/) with
//! runners/SERVICE.md: each one is built with the commands of its targets/*.toml, started with
//! `port=0`, and spoken to over loopback by a tiny HTTP/1.1 client: readiness, every route, the
//! computed echo and usage, an SSE stream (chunked, one event per chunk), the error routes,
//! keep-alive, and a clean stop on SIGTERM. A missing toolchain skips its language, unless
//! BENCHMATRIX_REQUIRE_TOOLCHAINS=1 makes that a failure.
//!
//! The client is std only and bounded (sizes, read timeouts), so a broken server fails the test
//! instead of hanging it; the server's process group is killed on every exit path.

mod common;

use serde_json::Value;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a server may take from spawn to `#bm listening` (a JVM or Mono on a busy 2-core machine).
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// The launcher's grace period after SIGTERM (runners/SERVICE.md, 2 s) plus a margin.
const STOP_TIMEOUT: Duration = Duration::from_secs(3);
/// Any single read from the server.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// The most a response may hold (headers and body) before the client gives up on it.
const MAX_RESPONSE: usize = 4 << 20;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the repository root").to_path_buf()
}

fn source(lang: &str) -> PathBuf {
    root().join("workloads/chat-service").join(lang)
}

fn runner(lang: &str) -> PathBuf {
    root().join("runners").join(lang)
}

fn toolchain(lang: &str, tools: &[&str], files: &[&str]) -> bool {
    common::toolchain("service conformance", lang, tools, files)
}

fn os(parts: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<OsString> {
    parts.iter().map(|p| p.as_ref().to_os_string()).collect()
}

/// Runs one build command (with extra environment); a failure fails the test with its output.
fn build_env(argv: &[OsString], env: &[(&str, &Path)]) {
    let out = Command::new(&argv[0])
        .args(&argv[1..])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", argv[0]));
    assert!(
        out.status.success(),
        "build failed: {argv:?}\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn build(argv: &[OsString]) {
    build_env(argv, &[]);
}

fn copy_into(dir: &Path, files: &[PathBuf]) {
    for f in files {
        std::fs::copy(f, dir.join(f.file_name().unwrap())).unwrap_or_else(|e| panic!("copy {}: {e}", f.display()));
    }
}

/// A started server: its own process group, killed (whole group) when dropped.
struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
    stderr: PathBuf,
    port: u16,
    /// Set once the test has waited for the process itself.
    reaped: bool,
}

impl Server {
    fn start(prefix: &[OsString], dir: &Path) -> Server {
        let stderr = dir.join("server.stderr");
        let mut child = Command::new(&prefix[0])
            .args(&prefix[1..])
            .args(["port=0", "bm.service=1"])
            .current_dir(dir)
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", prefix[0]));
        let out = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            // Bounded: a server that floods stdout is cut off after a few thousand lines.
            for line in BufReader::new(out).lines().take(10_000) {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server { child, lines, stderr, port: 0, reaped: false };
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match server.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(p) = line.strip_prefix("#bm listening ") {
                        server.port = p.trim().parse().unwrap_or_else(|_| server.fail(&format!("bad listening line {line:?}")));
                        assert_ne!(server.port, 0, "{}", server.describe("the port really bound, not 0"));
                        return server;
                    }
                }
                Err(_) => server.fail("no `#bm listening <port>` within the timeout (or stdout closed)"),
            }
        }
    }

    fn describe(&self, what: &str) -> String {
        let err = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        let tail: String = err.chars().rev().take(4000).collect::<Vec<_>>().into_iter().rev().collect();
        format!("{what}\n  server stderr:\n{tail}")
    }

    fn fail(&self, what: &str) -> ! {
        panic!("{}", self.describe(what))
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(("127.0.0.1", self.port)).unwrap_or_else(|e| self.fail(&format!("connect: {e}")));
        s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        s.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
        s
    }

    /// SIGTERM, then `#bm done` and exit 0 within STOP_TIMEOUT.
    fn stop(mut self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + STOP_TIMEOUT;
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                self.fail(&format!("still running {STOP_TIMEOUT:?} after SIGTERM"));
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        self.reaped = true;
        let rest: Vec<String> = std::iter::from_fn(|| self.lines.recv_timeout(Duration::from_secs(2)).ok()).collect();
        assert_eq!(status.code(), Some(0), "{}", self.describe(&format!("exit status after SIGTERM: {status:?}")));
        assert!(rest.iter().any(|l| l == "#bm done"), "{}", self.describe(&format!("no `#bm done` after SIGTERM; stdout: {rest:?}")));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // The whole group: a runtime may have started helpers.
        unsafe { libc::killpg(self.child.id() as i32, libc::SIGKILL) };
        if !self.reaped {
            let _ = self.child.wait();
        }
    }
}

struct Response {
    status: u16,
    /// Header names lowercased.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// The chunks of a chunked body, as framed (empty otherwise).
    chunks: Vec<Vec<u8>>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.text()))
    }
}

fn send(stream: &mut TcpStream, method: &str, path: &str, body: Option<&[u8]>, close: bool) {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if let Some(b) = body {
        head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", b.len()));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body.unwrap_or_default());
    stream.write_all(&bytes).expect("request written");
}

fn read_line(r: &mut impl BufRead) -> String {
    let mut line = Vec::new();
    r.by_ref().take(16 * 1024).read_until(b'\n', &mut line).expect("a line from the server");
    assert!(line.ends_with(b"\r\n"), "a line must end with CRLF: {:?}", String::from_utf8_lossy(&line));
    line.truncate(line.len() - 2);
    String::from_utf8(line).expect("an ASCII header line")
}

/// One response, read exactly (Content-Length or chunked) so the connection can be reused.
fn read_response(r: &mut impl BufRead) -> Response {
    let status_line = read_line(r);
    let mut parts = status_line.splitn(3, ' ');
    assert_eq!(parts.next(), Some("HTTP/1.1"), "status line {status_line:?}");
    let status: u16 = parts.next().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("status line {status_line:?}"));
    let mut headers = Vec::new();
    loop {
        let line = read_line(r);
        if line.is_empty() {
            break;
        }
        let (k, v) = line.split_once(':').unwrap_or_else(|| panic!("header line {line:?}"));
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        assert!(headers.len() < 100, "too many headers");
    }
    let mut resp = Response { status, headers, body: Vec::new(), chunks: Vec::new() };
    let chunked = resp.header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    if chunked {
        loop {
            let size_line = read_line(r);
            let size = usize::from_str_radix(size_line.split(';').next().unwrap().trim(), 16)
                .unwrap_or_else(|_| panic!("chunk size line {size_line:?}"));
            if size == 0 {
                // No trailers expected: the blank line ends the body.
                assert_eq!(read_line(r), "", "trailers after the last chunk");
                break;
            }
            assert!(resp.body.len() + size <= MAX_RESPONSE, "response larger than {MAX_RESPONSE} bytes");
            let mut chunk = vec![0; size];
            r.read_exact(&mut chunk).expect("a whole chunk");
            assert_eq!(read_line(r), "", "CRLF after a chunk");
            resp.body.extend_from_slice(&chunk);
            resp.chunks.push(chunk);
        }
    } else {
        let len: usize = resp
            .header("content-length")
            .unwrap_or_else(|| panic!("status {status}: neither Content-Length nor chunked"))
            .parse()
            .expect("a numeric Content-Length");
        assert!(len <= MAX_RESPONSE, "Content-Length {len} too large");
        resp.body = vec![0; len];
        r.read_exact(&mut resp.body).expect("the whole body");
    }
    resp
}

/// One request on a new connection.
fn exchange(server: &Server, method: &str, path: &str, body: Option<&[u8]>) -> Response {
    let mut s = server.connect();
    send(&mut s, method, path, body, true);
    read_response(&mut BufReader::new(s))
}

fn fnv1a(bytes: &[u8]) -> String {
    format!("{:08x}", bytes.iter().fold(2166136261u32, |h, &b| (h ^ b as u32).wrapping_mul(16777619)))
}

/// A request as the load generator builds it, with a last message that needs real JSON
/// decoding (escapes, a multi-byte character) and is not the only user message.
struct Chat {
    body: Vec<u8>,
    n: usize,
    h: String,
    prompt_tokens: u64,
}

fn chat(stream: bool, max_tokens: u32, extra: &[(&str, Value)]) -> Chat {
    let mut last = "Hello, world! ".repeat(70);
    last.truncate(990);
    last.push_str("caf\u{e9} \"quoted\"\n\tend");
    let messages =
        [("system", "You are a benchmark.".to_string()), ("user", "first".into()), ("assistant", "ok".into()), ("user", last.clone())];
    let mut req = serde_json::json!({
        "max_tokens": max_tokens,
        "messages": messages.iter().map(|(role, content)| serde_json::json!({"content": content, "role": role})).collect::<Vec<_>>(),
        "model": "bm-echo",
        "stream": stream,
    });
    for (k, v) in extra {
        req[*k] = v.clone();
    }
    let chars: usize = messages.iter().map(|(_, c)| c.len()).sum();
    Chat { body: serde_json::to_vec(&req).unwrap(), n: last.len(), h: fnv1a(last.as_bytes()), prompt_tokens: chars.div_ceil(4) as u64 }
}

fn check_plain(server: &Server, resp: &Response, c: &Chat) {
    let what = |w: &str| server.describe(&format!("{w}: status {} body {:?}", resp.status, resp.text()));
    assert_eq!(resp.status, 200, "{}", what("chat request"));
    assert!(resp.header("content-type").is_some_and(|t| t.starts_with("application/json")), "{}", what("content type"));
    let v = resp.json();
    assert_eq!(v["choices"][0]["message"]["content"], format!("echo n={} fnv={}", c.n, c.h), "{}", what("echo content"));
    assert_eq!(v["choices"][0]["message"]["role"], "assistant", "{}", what("role"));
    assert_eq!(v["choices"][0]["finish_reason"], "stop", "{}", what("finish_reason"));
    assert_eq!(v["model"], "bm-echo", "{}", what("model echoed"));
    assert_eq!(v["object"], "chat.completion", "{}", what("object"));
    assert_eq!(v["usage"]["prompt_tokens"], c.prompt_tokens, "{}", what("prompt_tokens"));
    assert_eq!(v["usage"]["completion_tokens"], 3, "{}", what("completion_tokens"));
    assert_eq!(v["usage"]["total_tokens"], c.prompt_tokens + 3, "{}", what("total_tokens"));
}

/// `max_tokens` deltas `<h>:<i> `, the finish event, `[DONE]`; each event in its own chunk.
fn check_stream(server: &Server, resp: &Response, c: &Chat, max_tokens: u32) {
    let what = |w: &str| server.describe(&format!("{w}: status {} headers {:?} body {:?}", resp.status, resp.headers, resp.text()));
    assert_eq!(resp.status, 200, "{}", what("stream request"));
    assert!(resp.header("content-type").is_some_and(|t| t.starts_with("text/event-stream")), "{}", what("content type"));
    assert!(resp.header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")), "{}", what("chunked"));
    let text = resp.text();
    let events: Vec<&str> = text.split("\n\n").filter(|e| !e.is_empty()).collect();
    assert!(text.ends_with("\n\n"), "{}", what("the stream ends with a blank line"));
    assert_eq!(events.len(), max_tokens as usize + 2, "{}", what("events: the deltas, the finish event, [DONE]"));
    let data: Vec<&str> = events
        .iter()
        .map(|e| e.strip_prefix("data: ").unwrap_or_else(|| panic!("{}", what(&format!("event {e:?} is not `data: ...`")))))
        .collect();
    let mut deltas = String::new();
    for (i, d) in data[..max_tokens as usize].iter().enumerate() {
        let v: Value = serde_json::from_str(d).unwrap_or_else(|e| panic!("{}", what(&format!("event {i} is not JSON: {e}"))));
        assert_eq!(v["object"], "chat.completion.chunk", "{}", what("chunk object"));
        assert!(v["choices"][0]["finish_reason"].is_null(), "{}", what("finish_reason null in a delta"));
        deltas.push_str(v["choices"][0]["delta"]["content"].as_str().unwrap_or_else(|| panic!("{}", what("delta content"))));
    }
    let expected: String = (0..max_tokens).map(|i| format!("{}:{i} ", c.h)).collect();
    assert_eq!(deltas, expected, "{}", what("the deltas"));
    let end: Value = serde_json::from_str(data[max_tokens as usize]).unwrap_or_else(|e| panic!("{}", what(&format!("finish event: {e}"))));
    assert_eq!(end["choices"][0]["finish_reason"], "stop", "{}", what("finish event"));
    assert_eq!(end["choices"][0]["delta"], serde_json::json!({}), "{}", what("finish event delta"));
    assert_eq!(data[max_tokens as usize + 1], "[DONE]", "{}", what("[DONE] last"));
    // Each event was its own write: no chunk holds parts of two events.
    for chunk in &resp.chunks {
        let s = String::from_utf8_lossy(chunk);
        assert!(s.matches("data: ").count() <= 1, "{}", what(&format!("chunk {s:?} holds more than one event")));
    }
}

fn check_error(server: &Server, resp: &Response, status: u16, kind: &str) {
    let what = |w: &str| server.describe(&format!("{w}: status {} body {:?}", resp.status, resp.text()));
    assert_eq!(resp.status, status, "{}", what("status"));
    if status != 404 {
        assert_eq!(resp.json()["error"]["type"], kind, "{}", what("error type"));
    }
}

/// Every check of SERVICE.md against one built server (`prefix` starts it; `dir` is its cwd).
fn conformance(prefix: &[OsString], dir: &Path) {
    let server = Server::start(prefix, dir);

    let health = exchange(&server, "GET", "/healthz", None);
    assert_eq!((health.status, health.text().as_str()), (200, "ok"), "{}", server.describe("GET /healthz"));
    assert!(health.header("content-type").is_some_and(|t| t.starts_with("text/plain")), "{}", server.describe("healthz content type"));

    let c = chat(false, 16, &[]);
    check_plain(&server, &exchange(&server, "POST", "/v1/chat/completions", Some(&c.body)), &c);

    let s = chat(true, 5, &[]);
    check_stream(&server, &exchange(&server, "POST", "/v1/chat/completions", Some(&s.body)), &s, 5);
    let d = chat(true, 2, &[("bm_delay_us", Value::from(2000))]);
    check_stream(&server, &exchange(&server, "POST", "/v1/chat/completions", Some(&d.body)), &d, 2);

    let rate = exchange(&server, "POST", "/v1/chat/completions:rate", Some(&c.body));
    check_error(&server, &rate, 429, "rate_limit_error");
    assert_eq!(rate.header("retry-after"), Some("1"), "{}", server.describe("Retry-After on 429"));
    check_error(&server, &exchange(&server, "POST", "/v1/chat/completions:error", Some(&c.body)), 500, "server_error");
    for bad in
        [&b"{not json"[..], b"{\"model\":\"x\"}", b"{\"messages\":[]}", b"{\"messages\":[{\"content\":5,\"role\":\"user\"}]}", b"[1,2]"]
    {
        let resp = exchange(&server, "POST", "/v1/chat/completions", Some(bad));
        check_error(&server, &resp, 400, "invalid_request_error");
    }
    check_error(&server, &exchange(&server, "GET", "/v1/models", None), 404, "");

    // Keep-alive: several requests, a stream among them, on one connection.
    let mut conn = server.connect();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    for round in 0..2 {
        send(&mut conn, "GET", "/healthz", None, false);
        let r = read_response(&mut reader);
        assert_eq!(r.status, 200, "{}", server.describe(&format!("keep-alive round {round}: healthz")));
        send(&mut conn, "POST", "/v1/chat/completions", Some(&c.body), false);
        check_plain(&server, &read_response(&mut reader), &c);
        send(&mut conn, "POST", "/v1/chat/completions", Some(&s.body), false);
        check_stream(&server, &read_response(&mut reader), &s, 5);
    }
    // `Connection: close`: the server closes after the answer.
    send(&mut conn, "GET", "/healthz", None, true);
    assert_eq!(read_response(&mut reader).status, 200, "{}", server.describe("healthz with Connection: close"));
    let mut rest = Vec::new();
    let n = reader.read_to_end(&mut rest).unwrap_or_else(|e| server.fail(&format!("the server should close after Connection: close: {e}")));
    assert_eq!(n, 0, "{}", server.describe("nothing after the last answer"));

    // Still serving after every error.
    assert_eq!(exchange(&server, "GET", "/healthz", None).status, 200, "{}", server.describe("healthz at the end"));
    server.stop();
}

/// A chat request of exactly `size` bytes: the last message's content padded to fit.
fn chat_of_size(size: usize) -> Chat {
    let body = |pad: usize| {
        let content = "a".repeat(pad);
        let req = serde_json::json!({"messages": [{"content": content, "role": "user"}], "model": "bm-echo", "stream": false});
        (serde_json::to_vec(&req).unwrap(), content)
    };
    let pad = size - body(0).0.len();
    let (bytes, content) = body(pad);
    assert_eq!(bytes.len(), size);
    Chat { body: bytes, n: content.len(), h: fnv1a(content.as_bytes()), prompt_tokens: content.len().div_ceil(4) as u64 }
}

/// SERVICE.md's body limit: 1 MiB is served, one byte more is 413 (the body read, so the client
/// gets the status rather than a reset), and the server goes on serving.
fn body_limits(prefix: &[OsString], dir: &Path) {
    const MIB: usize = 1 << 20;
    let server = Server::start(prefix, dir);
    let fits = chat_of_size(MIB);
    check_plain(&server, &exchange(&server, "POST", "/v1/chat/completions", Some(&fits.body)), &fits);
    // One byte over, and far over: a server that answered 413 before reading on would make
    // the client's write of the rest fail.
    for size in [MIB + 1, 8 * MIB] {
        let over = chat_of_size(size);
        check_error(&server, &exchange(&server, "POST", "/v1/chat/completions", Some(&over.body)), 413, "invalid_request_error");
    }
    assert_eq!(exchange(&server, "GET", "/healthz", None).status, 200, "{}", server.describe("healthz after a 413"));
    server.stop();
}

/// The build directory of one language, kept between runs of the test (cargo's cache).
fn build_dir(lang: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("services").join(lang);
    if dir.exists() {
        std::fs::remove_dir_all(dir.join("out")).ok();
    }
    std::fs::create_dir_all(dir.join("out")).unwrap();
    dir
}

#[test]
fn rust_chat_service() {
    if !toolchain("rust", &["cargo", "rustc"], &[]) {
        return;
    }
    // targets/rust.toml: the runner crate and the workload's main.rs in one crate, built --locked.
    let dir = build_dir("rust");
    let out = dir.join("out");
    build(&os(&[&"cp", &"-r", &runner("rust"), &out.join("crate")]));
    build(&os(&[&"cp", &source("rust").join("main.rs"), &out.join("crate/main.rs")]));
    let cache = dir.join("cargo-target");
    build_env(
        &os(&[&"cargo", &"build", &"--release", &"--locked", &"--manifest-path", &out.join("crate/Cargo.toml")]),
        &[("CARGO_TARGET_DIR", &cache)],
    );
    conformance(&os(&[&cache.join("release/main")]), &out);
}

#[test]
fn node_chat_service() {
    if !toolchain("node", &["node"], &[]) {
        return;
    }
    // targets/node.toml: runner.js and main.js copied side by side.
    let dir = build_dir("node");
    let out = dir.join("out");
    copy_into(&out, &[runner("node").join("runner.js"), source("node").join("main.js")]);
    conformance(&os(&[&"node", &"--max-old-space-size=2048", &out.join("main.js")]), &out);
}

#[test]
fn python_chat_service() {
    if !toolchain("python", &["python3"], &[]) {
        return;
    }
    // targets/python.toml: runner.py and main.py copied, compiled once, run -B -S -s -E.
    let dir = build_dir("python");
    let out = dir.join("out");
    copy_into(&out, &[runner("python").join("runner.py"), source("python").join("main.py")]);
    // The real interpreter behind a shim such as pyenv's, as targets/python.toml resolves it.
    let exe = Command::new("python3").args(["-c", "import sys; print(sys.executable)"]).output().expect("python3 runs");
    let exe = String::from_utf8(exe.stdout).unwrap().trim().to_string();
    let exe = if exe.is_empty() { "python3".to_string() } else { exe };
    build(&os(&[&exe, &"-m", &"compileall", &"-q", &out]));
    conformance(&os(&[&exe, &"-B", &"-S", &"-s", &"-E", &out.join("main.py")]), &out);
}

#[test]
fn python_aio_chat_service() {
    // Debian's python3 and its dist-packages (targets/python-aio.toml looks in /usr/bin, not PATH).
    const PYTHON: &str = "/usr/bin/python3";
    const UVICORN: &str = "/usr/lib/python3/dist-packages/uvicorn/__init__.py";
    const H11: &str = "/usr/lib/python3/dist-packages/h11/__init__.py";
    if !toolchain("python-aio (apt-get install -y python3 python3-aiohttp python3-uvicorn)", &[], &[PYTHON, UVICORN, H11]) {
        return;
    }
    // targets/python-aio.toml: runner.py and main.py copied, compiled once, run -B -s -E (the
    // site step stays: it puts dist-packages on sys.path).
    let dir = build_dir("python-aio");
    let out = dir.join("out");
    copy_into(&out, &[runner("python").join("runner.py"), source("python-aio").join("main.py")]);
    build(&os(&[&PYTHON, &"-m", &"compileall", &"-q", &out]));
    conformance(&os(&[&PYTHON, &"-B", &"-s", &"-E", &out.join("main.py")]), &out);
}

#[test]
fn java_chat_service() {
    const GSON: &str = "/usr/share/java/gson.jar";
    if !toolchain("java", &["javac", "java"], &[GSON]) {
        return;
    }
    // targets/java.toml: javac with Gson on the class path, the runner alongside.
    let dir = build_dir("java");
    let out = dir.join("out");
    let classes = out.join("classes");
    build(&os(&[&"javac", &"-cp", &GSON, &"-d", &classes, &runner("java").join("Runner.java"), &source("java").join("Main.java")]));
    let mut cp = classes.into_os_string();
    cp.push(":");
    cp.push(GSON);
    conformance(&os(&[&"java", &"-XX:+UseSerialGC", &"-Xms64m", &"-Xmx2g", &"-cp", &cp, &"Main"]), &out);
}

#[test]
fn php_chat_service() {
    if !toolchain("php", &["php"], &[]) {
        return;
    }
    // targets/php.toml: runner.php and main.php copied, run with -n.
    let dir = build_dir("php");
    let out = dir.join("out");
    copy_into(&out, &[runner("php").join("runner.php"), source("php").join("main.php")]);
    conformance(&os(&[&"php", &"-n", &"-d", &"memory_limit=2G", &"-d", &"zend.assertions=-1", &out.join("main.php")]), &out);
}

#[test]
fn cpp_chat_service() {
    if !toolchain("cpp", &["g++"], &["/usr/include/nlohmann/json.hpp"]) {
        return;
    }
    // targets/cpp.toml's build line.
    let dir = build_dir("cpp");
    let out = dir.join("out");
    build(&os(&[
        &"g++",
        &"-O2",
        &"-ffp-contract=off",
        &"-std=c++17",
        &"-I",
        &runner("cpp"),
        &"-o",
        &out.join("main"),
        &source("cpp").join("main.cpp"),
    ]));
    conformance(&os(&[&out.join("main")]), &out);
}

#[test]
fn csharp_chat_service() {
    const POSIX: &str = "/usr/lib/mono/4.5/Mono.Posix.dll";
    if !toolchain("csharp", &["mcs", "mono"], &[POSIX]) {
        return;
    }
    // targets/csharp.toml's build line with workload.toml's [flags.csharp] build flags.
    let dir = build_dir("csharp");
    let out = dir.join("out");
    let exe = out.join("main.exe");
    let mut exe_arg = OsString::from("-out:");
    exe_arg.push(&exe);
    build(&os(&[
        &"mcs",
        &"-optimize+",
        &"-nologo",
        &"-r:System.Runtime.Serialization.dll",
        &exe_arg,
        &runner("csharp").join("Runner.cs"),
        &source("csharp").join("Main.cs"),
        &"-r:Mono.Posix.dll",
    ]));
    conformance(&os(&[&"mono", &exe]), &out);
    body_limits(&os(&[&"mono", &exe]), &out);
}

/// The Haxe sys server's cap (its select(2) takes descriptors below 1024 only): 1100 streams
/// opened at once, the first 1000 are answered; once 100 of those close, the last 100 (left in the
/// listen backlog meanwhile) are answered too, and the server still stops cleanly. Without the
/// cap its select fails (python raises, php refuses) and no stream is answered.
fn connection_cap(prefix: &[OsString], dir: &Path) {
    const OPEN: usize = 1100;
    const CAP: usize = 1000;
    unsafe {
        let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut r);
        if r.rlim_max < 2 * OPEN as u64 + 64 {
            eprintln!("connection cap: skipped, the descriptor limit ({}) is too low", r.rlim_max);
            return;
        }
        r.rlim_cur = r.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &r);
    }
    let server = Server::start(prefix, dir);
    // Long streams (one event every 100 ms), so every one is still open when the last is read.
    let s = chat(true, 3000, &[("bm_delay_us", Value::from(100_000))]);
    let mut conns: Vec<Option<BufReader<TcpStream>>> = (0..OPEN)
        .map(|_| {
            let mut c = server.connect();
            send(&mut c, "POST", "/v1/chat/completions", Some(&s.body), false);
            Some(BufReader::new(c))
        })
        .collect();
    let head = |i: usize, conns: &mut [Option<BufReader<TcpStream>>]| {
        let line = read_line(conns[i].as_mut().unwrap());
        assert_eq!(line, "HTTP/1.1 200 OK", "{}", server.describe(&format!("stream {i}'s status line")));
    };
    for i in 0..CAP {
        head(i, &mut conns);
    }
    for c in conns.iter_mut().take(OPEN - CAP) {
        *c = None;
    }
    for i in CAP..OPEN {
        head(i, &mut conns);
    }
    drop(conns);
    server.stop();
}

/// The one Haxe server built for one target as its targets/haxe-*.toml does: the runner and the
/// workload, `-D analyzer-optimize -dce full`, then `output` (the target's output flag and path).
fn haxe_build(output: &[&dyn AsRef<std::ffi::OsStr>]) {
    let mut argv =
        os(&[&"haxe", &"-cp", &runner("haxe"), &"-cp", &source("haxe"), &"-main", &"Main", &"-D", &"analyzer-optimize", &"-dce", &"full"]);
    argv.extend(os(output));
    build(&argv);
}

#[test]
fn haxe_js_chat_service() {
    if !toolchain("haxe-js", &["haxe", "node"], &[]) {
        return;
    }
    // targets/haxe-js.toml: --js, run on Node (Node's http under `#if js`).
    let dir = build_dir("haxe-js");
    let out = dir.join("out");
    haxe_build(&[&"--js", &out.join("main.js")]);
    let prefix = os(&[&"node", &"--max-old-space-size=2048", &out.join("main.js")]);
    conformance(&prefix, &out);
    body_limits(&prefix, &out);
}

#[test]
fn haxe_php_chat_service() {
    if !toolchain("haxe-php", &["haxe", "php"], &[]) {
        return;
    }
    // targets/haxe-php.toml's run line with workload.toml's [flags.haxe] run flags (sockets).
    let dir = build_dir("haxe-php");
    let out = dir.join("out");
    haxe_build(&[&"--php", &out.join("php")]);
    let prefix = os(&[
        &"php",
        &"-n",
        &"-d",
        &"extension=mbstring",
        &"-d",
        &"memory_limit=2G",
        &"-d",
        &"zend.assertions=-1",
        &"-d",
        &"extension=sockets",
        &out.join("php/index.php"),
    ]);
    conformance(&prefix, &out);
    body_limits(&prefix, &out);
    connection_cap(&prefix, &out);
}

#[test]
fn haxe_python_chat_service() {
    if !toolchain("haxe-python", &["haxe", "python3"], &[]) {
        return;
    }
    // targets/haxe-python.toml: --python, run -B -S -s -E on the real interpreter behind a shim.
    let dir = build_dir("haxe-python");
    let out = dir.join("out");
    haxe_build(&[&"--python", &out.join("main.py")]);
    let exe = Command::new("python3").args(["-c", "import sys; print(sys.executable)"]).output().expect("python3 runs");
    let exe = String::from_utf8(exe.stdout).unwrap().trim().to_string();
    let exe = if exe.is_empty() { "python3".to_string() } else { exe };
    let prefix = os(&[&exe, &"-B", &"-S", &"-s", &"-E", &out.join("main.py")]);
    conformance(&prefix, &out);
    body_limits(&prefix, &out);
    connection_cap(&prefix, &out);
}

/// The Haxe runner's bm.service: any value but 1 is a usage error (status 2), as is asking a
/// batch workload (here noop, which has no Workload.serve) to serve.
#[test]
fn haxe_runner_bm_service_is_checked() {
    if !toolchain("haxe-js", &["haxe", "node"], &[]) {
        return;
    }
    let dir = build_dir("haxe-runner");
    let out = dir.join("out");
    haxe_build(&[&"--js", &out.join("main.js")]);
    let status = |js: &Path, args: &[&str]| {
        let o = Command::new("node").arg(js).args(args).stdin(Stdio::null()).output().expect("node runs");
        (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    let (code, err) = status(&out.join("main.js"), &["port=0", "bm.service=2"]);
    assert_eq!(code, Some(2), "bm.service=2 should be refused: {err}");
    assert!(err.contains("bm.service=2"), "{err}");
    let batch = out.join("noop.js");
    build(&os(&[
        &"haxe",
        &"-cp",
        &runner("haxe"),
        &"-cp",
        &root().join("workloads/noop/haxe"),
        &"-main",
        &"Main",
        &"-D",
        &"analyzer-optimize",
        &"-dce",
        &"full",
        &"--js",
        &batch,
    ]));
    let (code, err) = status(&batch, &["bm.service=1"]);
    assert_eq!(code, Some(2), "a batch workload should refuse bm.service=1: {err}");
    assert!(err.contains("Workload.serve"), "{err}");
}
