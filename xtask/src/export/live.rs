//! `matrix --metrics-listen ADDR`: the Prometheus exposition served live over HTTP while the
//! matrix runs. A session `Observer` re-renders it at every results.json written and counts
//! runs as they start; a small accept loop on its own thread answers `GET /metrics`.

use super::escape::visible;
use super::points;
use super::prometheus::{label_value, Prometheus};
use super::Exporter;
use crate::ids::CellId;
use crate::results::Results;
use crate::session::Observer;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The families only the live endpoint adds (the rest are `prometheus::family_names`).
pub const LIVE_FAMILIES: [&str; 2] = ["benchmatrix_runs_started_total", "benchmatrix_current_run"];

/// The longest request head read (a scraper sends a few hundred bytes).
const HEAD_LIMIT: u64 = 16 * 1024;

#[derive(Default)]
struct State {
    /// The exposition of the last results.json written.
    exposition: String,
    /// The run going on now: its labels and whether it is a warm-up.
    current: Option<(CellId, bool)>,
    machine: String,
}

/// What the session tells the endpoint.
#[derive(Default, Clone)]
pub struct Live {
    state: Arc<Mutex<State>>,
    started: Arc<AtomicU64>,
}

impl Observer for Live {
    fn saved(&self, results: &Results) {
        let text =
            Prometheus.render(results).unwrap_or_else(|e| format!("# rendering failed: {}\n", visible(&e.to_string()).replace('\n', " ")));
        let mut s = self.state.lock().expect("not poisoned");
        s.exposition = text;
        s.machine = results.meta.machine.hostname.clone();
    }

    fn starting(&self, cell: &CellId, warmup: bool) {
        self.started.fetch_add(1, Ordering::Relaxed);
        self.state.lock().expect("not poisoned").current = Some((cell.clone(), warmup));
    }
}

impl Live {
    /// The whole page: the last exposition, the run counter and the current run.
    pub fn page(&self) -> String {
        let s = self.state.lock().expect("not poisoned");
        let mut out = s.exposition.clone();
        let machine = label_value(&s.machine);
        out.push_str(&format!(
            "# HELP benchmatrix_runs_started_total Runs (warm-up and measured) started by this matrix\n# TYPE benchmatrix_runs_started_total counter\nbenchmatrix_runs_started_total{{machine=\"{machine}\"}} {}\n",
            self.started.load(Ordering::Relaxed)
        ));
        out.push_str("# HELP benchmatrix_current_run The run going on now (1), by cell\n# TYPE benchmatrix_current_run gauge\n");
        if let Some((id, warmup)) = &s.current {
            out.push_str(&format!(
                "benchmatrix_current_run{{workload=\"{}\",axis=\"{}\",target=\"{}\",warmup=\"{warmup}\",machine=\"{machine}\"}} 1\n",
                label_value(&id.workload),
                label_value(&points::axis(id)),
                label_value(&id.target)
            ));
        }
        out
    }
}

/// The listening endpoint; stops (and joins its thread) when dropped.
pub struct Server {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts serving `live` on `addr` (port 0: any free port, see `Server::addr`).
pub fn serve(addr: &str, live: Live) -> anyhow::Result<Server> {
    let listener =
        TcpListener::bind(addr).map_err(|e| crate::error::BadInput(format!("--metrics-listen {addr}: cannot listen there: {e}")))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::Builder::new().name("metrics-listen".into()).spawn(move || {
        while !flag.load(Ordering::Relaxed) {
            match listener.accept() {
                Ok((stream, _)) => {
                    let _ = answer(stream, &live);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(50)),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    })?;
    Ok(Server { addr, stop, thread: Some(thread) })
}

/// One request: `GET /metrics` gets the page, anything else a 404 or 405.
fn answer(mut stream: TcpStream, live: &Live) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    let mut reader = (&stream).take(HEAD_LIMIT);
    while !head.ends_with(b"\r\n\r\n") && !head.ends_with(b"\n\n") && reader.read(&mut byte)? == 1 {
        head.push(byte[0]);
    }
    let line = String::from_utf8_lossy(&head);
    let mut words = line.split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let (status, body) = match (method, path.split('?').next().unwrap_or("")) {
        ("GET", "/metrics") => ("200 OK", live.page()),
        ("GET", _) => ("404 Not Found", "only /metrics is served here\n".to_string()),
        _ => ("405 Method Not Allowed", "GET /metrics\n".to_string()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    // Whatever the client sent beyond the head is read (bounded) before closing, so the
    // close is orderly rather than a reset that loses the reply.
    stream.shutdown(std::net::Shutdown::Write)?;
    let _ = std::io::copy(&mut (&stream).take(HEAD_LIMIT), &mut std::io::sink());
    Ok(())
}
