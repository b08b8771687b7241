//! The load generator for service cells: closed or open loop over keep-alive hyper
//! connections (one per concurrency slot), every answer verified (runners/SERVICE.md).

pub mod body;
pub mod client;
pub mod exchange;
pub mod hold;
pub mod mock;
pub mod sampler;
pub mod server;

use exchange::{Class, StreamTimes};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use hold::{hold_streams, HoldReport};
pub use sampler::{ResourceSample, Sampler};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Route {
    Chat,
    Rate,
    Error,
    Malformed,
    Healthz,
}

#[derive(Debug, Clone)]
pub struct RequestSpec {
    pub route: Route,
    pub payload_bytes: usize,
    pub stream: bool,
    pub max_tokens: u32,
    pub delay_us: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Mode {
    Closed,
    Open { rate_per_s: f64, poisson: bool },
}

#[derive(Debug, Clone)]
pub struct LevelPlan {
    pub concurrency: u32,
    pub warmup: Duration,
    pub measure: Duration,
    pub request: RequestSpec,
    pub mode: Mode,
    /// A hard bound on requests sent (warm-up included).
    pub max_requests: u64,
    /// Per request, from its send to its last byte.
    pub timeout: Duration,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorCounts {
    pub connect: u64,
    pub timeout: u64,
    pub status: u64,
    pub malformed: u64,
    pub verify: u64,
}

impl ErrorCounts {
    pub fn total(&self) -> u64 {
        self.connect + self.timeout + self.status + self.malformed + self.verify
    }
    fn add(&mut self, c: Class) {
        match c {
            Class::Connect => self.connect += 1,
            Class::Timeout => self.timeout += 1,
            Class::Status => self.status += 1,
            Class::Malformed => self.malformed += 1,
            Class::Verify => self.verify += 1,
        }
    }
    fn merge(&mut self, o: &ErrorCounts) {
        self.connect += o.connect;
        self.timeout += o.timeout;
        self.status += o.status;
        self.malformed += o.malformed;
        self.verify += o.verify;
    }
}

/// Percentiles in microseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
    pub count: u64,
}

impl Percentiles {
    /// From a histogram of nanoseconds.
    pub fn of(h: &Histogram<u64>) -> Percentiles {
        let us = |ns: u64| ns as f64 / 1000.0;
        Percentiles {
            p50: us(h.value_at_quantile(0.5)),
            p90: us(h.value_at_quantile(0.9)),
            p95: us(h.value_at_quantile(0.95)),
            p99: us(h.value_at_quantile(0.99)),
            p999: us(h.value_at_quantile(0.999)),
            max: us(h.max()),
            mean: h.mean() / 1000.0,
            count: h.len(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamFigures {
    pub ttft: Percentiles,
    pub itl: Percentiles,
    pub tpot: Percentiles,
    pub e2el: Percentiles,
    pub tokens_per_s: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelReport {
    pub concurrency: u32,
    pub mode: Mode,
    /// Requests that ended inside the measured window (ok + errors).
    pub requests: u64,
    pub ok: u64,
    pub errors: ErrorCounts,
    pub measured_ns: u64,
    pub rps: f64,
    /// Request and response body bytes of the ok requests, per second.
    pub bytes_per_s: f64,
    pub latency: Percentiles,
    /// The latency histogram (nanoseconds), HdrHistogram V2 serialized, base64.
    pub latency_hdr: String,
    /// Open loop: latency from the actual send (`latency` is then from the intended send).
    pub uncorrected: Option<Percentiles>,
    /// Open loop: requests sent more than 1 ms after they were due (counted, never dropped).
    pub late: u64,
    pub stream: Option<StreamFigures>,
    pub first_error: Option<String>,
    /// Connections re-opened after the server closed one between requests.
    pub reconnects: u64,
    /// The generator thread's own CPU time (getrusage RUSAGE_THREAD) over the whole level.
    pub client_cpu_us: u64,
    /// Client mode: the client process that made this level, as the launcher measured it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<ProcessFigures>,
}

/// A client level's process (client mode runs one program per level).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessFigures {
    pub wall_ns: u64,
    /// User + system CPU of the client's whole process tree.
    pub cpu_us: u64,
    pub peak_rss_kib: u64,
    /// Every request the client sent in this level (all phases, retries included).
    pub attempts: u64,
    /// The mock's own CPU time over the level: near the level's wall time means it was the
    /// bottleneck.
    pub mock_cpu_us: u64,
}

/// A histogram of nanoseconds, 1 ns to 1 h, 3 significant digits.
pub(crate) fn hist() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000_000, 3).expect("static bounds")
}

/// The histogram, HdrHistogram V2 serialized, base64 (`LevelReport::latency_hdr`).
pub(crate) fn hdr_base64(h: &Histogram<u64>) -> anyhow::Result<String> {
    use base64::Engine;
    let mut hdr = Vec::new();
    hdrhistogram::serialization::Serializer::serialize(&mut hdrhistogram::serialization::V2Serializer::new(), h, &mut hdr)
        .map_err(|e| anyhow::anyhow!("cannot serialize the latency histogram: {e:?}"))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(&hdr))
}

/// What one slot gathered.
struct Slot {
    latency: Histogram<u64>,
    uncorrected: Histogram<u64>,
    ttft: Histogram<u64>,
    itl: Histogram<u64>,
    tpot: Histogram<u64>,
    e2el: Histogram<u64>,
    tokens: u64,
    ok: u64,
    bytes: u64,
    errors: ErrorCounts,
    first_error: Option<String>,
    late: u64,
    reconnects: u64,
    last_end: Option<Instant>,
}

impl Slot {
    fn new() -> Slot {
        Slot {
            latency: hist(),
            uncorrected: hist(),
            ttft: hist(),
            itl: hist(),
            tpot: hist(),
            e2el: hist(),
            tokens: 0,
            ok: 0,
            bytes: 0,
            errors: ErrorCounts::default(),
            first_error: None,
            late: 0,
            reconnects: 0,
            last_end: None,
        }
    }
    fn merge(&mut self, o: Slot) {
        for (a, b) in [
            (&mut self.latency, &o.latency),
            (&mut self.uncorrected, &o.uncorrected),
            (&mut self.ttft, &o.ttft),
            (&mut self.itl, &o.itl),
            (&mut self.tpot, &o.tpot),
            (&mut self.e2el, &o.e2el),
        ] {
            let _ = a.add(b);
        }
        self.tokens += o.tokens;
        self.ok += o.ok;
        self.bytes += o.bytes;
        self.errors.merge(&o.errors);
        self.first_error = self.first_error.take().or(o.first_error);
        self.late += o.late;
        self.reconnects += o.reconnects;
        self.last_end = self.last_end.max(o.last_end);
    }
}

struct Shared {
    addr: SocketAddr,
    host: hyper::header::HeaderValue,
    prepared: body::Prepared,
    timeout: Duration,
    max_requests: u64,
    sent: AtomicU64,
    warm_end: Instant,
    end: Instant,
}

/// Takes the next request's ticket, within the hard bound.
fn ticket(s: &Shared) -> bool {
    s.sent.fetch_add(1, Ordering::Relaxed) < s.max_requests
}

fn bounded(s: &str) -> String {
    let mut out: String = s.chars().take(300).collect();
    if out.len() < s.len() {
        out.truncate(out.char_indices().nth(297).map_or(out.len(), |(i, _)| i));
        out.push_str("...");
    }
    out
}

/// Sends one request on the slot's connection (re-opened when needed) and records it.
/// `due` is the intended send time (open loop) or None (closed loop).
async fn one(s: &Shared, slot: &mut Slot, conn: &mut Option<exchange::Conn>, times: &mut StreamTimes, due: Option<Instant>) {
    if conn.as_ref().is_some_and(|c| c.is_closed()) {
        *conn = None;
        slot.reconnects += 1;
    }
    let t0 = Instant::now();
    let result = async {
        if conn.is_none() {
            *conn = Some(exchange::connect(s.addr, None).await?);
        }
        let c = conn.as_mut().expect("connected above");
        match tokio::time::timeout(s.timeout, exchange::exchange(c, &s.host, &s.prepared, t0, times)).await {
            Ok(r) => r,
            Err(_) => Err((Class::Timeout, format!("no complete answer within {:?}", s.timeout))),
        }
    }
    .await;
    let t1 = Instant::now();
    // Only requests that end inside the window count; warm-up and stragglers do not.
    let counted = t1 >= s.warm_end && (t1 <= s.end || s.warm_end >= s.end);
    if result.is_err() {
        // After any failure the connection's state is unknown: start afresh.
        *conn = None;
    }
    if !counted {
        return;
    }
    slot.last_end = Some(t1);
    match result {
        Ok(bytes) => {
            slot.ok += 1;
            slot.bytes += bytes + s.prepared.body.len() as u64;
            let actual = (t1 - t0).as_nanos() as u64;
            let from_due = due.map_or(actual, |d| (t1 - d).as_nanos() as u64);
            let _ = slot.latency.record(from_due.max(1));
            if due.is_some() {
                let _ = slot.uncorrected.record(actual.max(1));
            }
            if let body::Expect::Stream { .. } = s.prepared.expect {
                let _ = slot.ttft.record(times.ttft_ns.max(1));
                let _ = slot.e2el.record(actual.max(1));
                for g in &times.gaps {
                    let _ = slot.itl.record((*g).max(1));
                }
                if times.tokens > 1 {
                    let _ = slot.tpot.record((actual.saturating_sub(times.ttft_ns) / (times.tokens as u64 - 1)).max(1));
                }
                slot.tokens += times.tokens as u64;
            }
        }
        Err((class, msg)) => {
            slot.errors.add(class);
            if slot.first_error.is_none() {
                slot.first_error = Some(bounded(&format!("{class:?}: {msg}")));
            }
            if class == Class::Connect {
                // A refused connect returns at once: do not spin.
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    }
}

async fn closed_slot(s: Arc<Shared>) -> Slot {
    let mut slot = Slot::new();
    let mut conn = None;
    let mut times = StreamTimes::default();
    while Instant::now() < s.end && ticket(&s) {
        one(&s, &mut slot, &mut conn, &mut times, None).await;
    }
    slot
}

async fn open_slot(s: Arc<Shared>, queue: Arc<tokio::sync::Mutex<tokio::sync::mpsc::UnboundedReceiver<Instant>>>) -> Slot {
    let mut slot = Slot::new();
    let mut conn = None;
    let mut times = StreamTimes::default();
    loop {
        let due = { queue.lock().await.recv().await };
        let Some(due) = due else { break };
        if Instant::now() > due + Duration::from_millis(1) && due >= s.warm_end {
            slot.late += 1;
        }
        one(&s, &mut slot, &mut conn, &mut times, Some(due)).await;
    }
    slot
}

/// splitmix64: a seeded source for Poisson gaps (no global randomness in measurements).
fn next_uniform(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E3779B97F4A7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

fn thread_cpu_us() -> u64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// Runs one level on a current-thread runtime of its own (the server needs the other core).
pub fn run_level(addr: SocketAddr, plan: &LevelPlan) -> anyhow::Result<LevelReport> {
    anyhow::ensure!(plan.concurrency >= 1, "concurrency must be at least 1");
    anyhow::ensure!(plan.max_requests >= 1, "max_requests must be at least 1");
    if let Mode::Open { rate_per_s, .. } = plan.mode {
        anyhow::ensure!(rate_per_s > 0.0 && rate_per_s.is_finite(), "open-loop rate must be a positive number, got {rate_per_s}");
    }
    let cpu0 = thread_cpu_us();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let prepared = body::prepare(&plan.request);
    let host = hyper::header::HeaderValue::from_str(&addr.to_string())?;
    let merged = rt.block_on(async {
        let start = Instant::now();
        let warm_end = start + plan.warmup;
        let s = Arc::new(Shared {
            addr,
            host,
            prepared,
            timeout: plan.timeout,
            max_requests: plan.max_requests,
            sent: AtomicU64::new(0),
            warm_end,
            end: warm_end + plan.measure,
        });
        let mut tasks = Vec::new();
        match plan.mode {
            Mode::Closed => {
                for _ in 0..plan.concurrency {
                    tasks.push(tokio::spawn(closed_slot(s.clone())));
                }
            }
            Mode::Open { rate_per_s, poisson } => {
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                let rx = Arc::new(tokio::sync::Mutex::new(rx));
                for _ in 0..plan.concurrency {
                    tasks.push(tokio::spawn(open_slot(s.clone(), rx.clone())));
                }
                // The schedule: due times, each handed out when due; a late slot takes it late.
                let mut seed = 0x5EED_u64;
                let mut due = start;
                while due < s.end && ticket(&s) {
                    tokio::time::sleep_until(due.into()).await;
                    if tx.send(due).is_err() {
                        break;
                    }
                    let gap = if poisson { -(1.0 - next_uniform(&mut seed)).ln() / rate_per_s } else { 1.0 / rate_per_s };
                    due += Duration::from_secs_f64(gap);
                }
                drop(tx);
            }
        }
        let mut all = Slot::new();
        for t in tasks {
            all.merge(t.await.expect("slot task panicked"));
        }
        (all, warm_end, s.end)
    });
    let (all, warm_end, end) = merged;
    // Stopped early by max_requests: the window ends with the last counted request.
    let window_end = if Instant::now() < end { all.last_end.unwrap_or(warm_end).min(end) } else { end };
    let measured_ns = (window_end.saturating_duration_since(warm_end).as_nanos() as u64).max(1);
    let secs = measured_ns as f64 / 1e9;
    let latency_hdr = hdr_base64(&all.latency)?;
    let open = matches!(plan.mode, Mode::Open { .. });
    let stream = plan.request.stream && plan.request.route == Route::Chat;
    Ok(LevelReport {
        concurrency: plan.concurrency,
        mode: plan.mode,
        requests: all.ok + all.errors.total(),
        ok: all.ok,
        errors: all.errors.clone(),
        measured_ns,
        rps: all.ok as f64 / secs,
        bytes_per_s: all.bytes as f64 / secs,
        latency: Percentiles::of(&all.latency),
        latency_hdr,
        uncorrected: open.then(|| Percentiles::of(&all.uncorrected)),
        late: all.late,
        stream: stream.then(|| StreamFigures {
            ttft: Percentiles::of(&all.ttft),
            itl: Percentiles::of(&all.itl),
            tpot: Percentiles::of(&all.tpot),
            e2el: Percentiles::of(&all.e2el),
            tokens_per_s: all.tokens as f64 / secs,
        }),
        first_error: all.first_error,
        reconnects: all.reconnects,
        client_cpu_us: thread_cpu_us().saturating_sub(cpu0),
        process: None,
    })
}

/// One check of a server's routes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteVerdict {
    pub check: String,
    pub pass: bool,
    pub reason: String,
}

/// Exercises every route, the error routes and malformed bodies, each on a fresh connection.
pub fn check_routes(addr: SocketAddr, timeout: Duration) -> Vec<RouteVerdict> {
    let spec = |route, stream| RequestSpec { route, payload_bytes: 1024, stream, max_tokens: 4, delay_us: 0 };
    let mut checks: Vec<(String, body::Prepared)> = vec![
        ("GET /healthz".into(), body::prepare(&spec(Route::Healthz, false))),
        ("POST /v1/chat/completions".into(), body::prepare(&spec(Route::Chat, false))),
        ("POST /v1/chat/completions (stream)".into(), body::prepare(&spec(Route::Chat, true))),
        ("POST /v1/chat/completions:rate".into(), body::prepare(&spec(Route::Rate, false))),
        ("POST /v1/chat/completions:error".into(), body::prepare(&spec(Route::Error, false))),
        ("malformed body (not JSON)".into(), body::prepare(&spec(Route::Malformed, false))),
    ];
    let mut no_messages = body::prepare(&spec(Route::Malformed, false));
    no_messages.body = bytes::Bytes::from_static(br#"{"model":"bm-echo","messages":[{"role":"user","content":7}]}"#);
    checks.push(("malformed body (no string content)".into(), no_messages));
    checks.push((
        "GET /nowhere".into(),
        body::Prepared { get: true, path: "/nowhere", body: bytes::Bytes::new(), expect: body::Expect::Status(404) },
    ));
    checks.push(("GET /healthz (still serving)".into(), body::prepare(&spec(Route::Healthz, false))));
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return vec![RouteVerdict { check: "runtime".into(), pass: false, reason: e.to_string() }],
    };
    let host = hyper::header::HeaderValue::from_str(&addr.to_string()).expect("an address is a valid header");
    rt.block_on(async {
        let mut out = Vec::new();
        for (check, p) in checks {
            let r = tokio::time::timeout(timeout, async {
                let mut c = exchange::connect(addr, None).await?;
                exchange::exchange(&mut c, &host, &p, Instant::now(), &mut StreamTimes::default()).await
            })
            .await
            .unwrap_or_else(|_| Err((Class::Timeout, format!("no answer within {timeout:?}"))));
            out.push(match r {
                Ok(_) => RouteVerdict { check, pass: true, reason: "answered as SERVICE.md says".into() },
                Err((class, msg)) => RouteVerdict { check, pass: false, reason: bounded(&format!("{class:?}: {msg}")) },
            });
        }
        out
    })
}
