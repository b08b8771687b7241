//! The load generator against the reference server: counts, verification, every error class,
//! coordinated omission, stream timings, route checks and the resource sampler.

use std::time::Duration;
use xtask::load::server::{self, Faults, ServerOptions};
use xtask::load::*;

fn spec(route: Route) -> RequestSpec {
    RequestSpec { route, payload_bytes: 1024, stream: false, max_tokens: 16, delay_us: 0 }
}

fn plan(request: RequestSpec, concurrency: u32, max_requests: u64) -> LevelPlan {
    LevelPlan {
        concurrency,
        warmup: Duration::ZERO,
        measure: Duration::from_secs(20),
        request,
        mode: Mode::Closed,
        max_requests,
        timeout: Duration::from_secs(5),
    }
}

fn start(faults: Faults) -> server::ServerHandle {
    server::start(0, ServerOptions { workers: 1, faults, mock: None }).expect("reference server starts")
}

#[test]
fn closed_loop_counts_and_verifies_every_route() {
    let srv = start(Faults::default());
    for route in [Route::Chat, Route::Healthz, Route::Rate, Route::Error, Route::Malformed] {
        let r = run_level(srv.addr, &plan(spec(route), 4, 200)).unwrap();
        assert_eq!((r.requests, r.ok), (200, 200), "{route:?}: {r:?}");
        assert_eq!(r.latency.count, 200);
        assert!(r.rps > 0.0 && r.bytes_per_s > 0.0);
        assert!(!r.latency_hdr.is_empty());
    }
    let big = run_level(srv.addr, &plan(RequestSpec { payload_bytes: 256 * 1024, ..spec(Route::Chat) }, 2, 20)).unwrap();
    assert_eq!(big.ok, 20, "{big:?}");
}

#[test]
fn each_error_class_is_counted() {
    // Connect: nothing listens on a port just released.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let r = run_level(port, &plan(spec(Route::Chat), 1, 5)).unwrap();
    assert_eq!((r.errors.connect, r.ok), (5, 0), "{r:?}");
    assert!(r.first_error.unwrap().starts_with("Connect"));

    let stalled = start(Faults { stall_all: Some(Duration::from_secs(2)), ..Faults::default() });
    let r = run_level(stalled.addr, &LevelPlan { timeout: Duration::from_millis(100), ..plan(spec(Route::Chat), 1, 3) }).unwrap();
    assert_eq!(r.errors.timeout, 3, "{r:?}");

    let srv = start(Faults::default());
    // Status: a body over 1 MiB gets 413 where 200 was expected.
    let r = run_level(srv.addr, &plan(RequestSpec { payload_bytes: 2 << 20, ..spec(Route::Chat) }, 1, 3)).unwrap();
    assert_eq!(r.errors.status, 3, "{r:?}");

    let bad = start(Faults { wrong_content: true, accept_malformed: true, ..Faults::default() });
    let r = run_level(bad.addr, &plan(spec(Route::Chat), 1, 3)).unwrap();
    assert_eq!(r.errors.verify, 3, "{r:?}");
    let r = run_level(bad.addr, &plan(RequestSpec { stream: true, max_tokens: 3, ..spec(Route::Chat) }, 1, 3)).unwrap();
    assert_eq!(r.errors.verify, 3, "{r:?}");
    // A 200 to a malformed request is a status error (400 was due).
    let r = run_level(bad.addr, &plan(spec(Route::Malformed), 1, 3)).unwrap();
    assert_eq!(r.errors.status, 3, "{r:?}");
    // Malformed: an answer that is not JSON.
    let garbage = start(Faults { garbage_body: true, ..Faults::default() });
    let r = run_level(garbage.addr, &plan(spec(Route::Chat), 1, 3)).unwrap();
    assert_eq!(r.errors.malformed, 3, "{r:?}");
}

#[test]
fn open_loop_corrects_for_coordinated_omission() {
    // One 200 ms stall at the 20th request, 100 requests due at 100/s on one connection.
    let srv = start(Faults { stall_nth: Some((20, Duration::from_millis(200))), ..Faults::default() });
    let open = LevelPlan { mode: Mode::Open { rate_per_s: 100.0, poisson: false }, ..plan(spec(Route::Healthz), 1, 100) };
    let r = run_level(srv.addr, &open).unwrap();
    assert_eq!(r.ok, 100, "{r:?}");
    let u = r.uncorrected.clone().unwrap();
    // ~20 requests waited behind the stall: the corrected p99 sees it, the uncorrected one
    // (one slow request in 100) does not.
    assert!(r.latency.p90 >= 50_000.0, "corrected p90 {} us", r.latency.p90);
    assert!(u.p95 < 50_000.0, "uncorrected p95 {} us", u.p95);
    assert!(u.max >= 190_000.0);
    assert!(r.late >= 5, "{r:?}");
    let closed = run_level(srv.addr, &plan(spec(Route::Healthz), 1, 100)).unwrap();
    assert!(closed.uncorrected.is_none() && closed.late == 0);
}

#[test]
fn stream_timings_follow_the_delay() {
    let srv = start(Faults::default());
    let s = RequestSpec { stream: true, max_tokens: 8, delay_us: 20_000, ..spec(Route::Chat) };
    let r = run_level(srv.addr, &plan(s, 2, 6)).unwrap();
    assert_eq!(r.ok, 6, "{r:?}");
    let st = r.stream.unwrap();
    assert!(st.itl.p50 >= 19_000.0, "ITL p50 {} us", st.itl.p50);
    assert_eq!(st.itl.count, 6 * 7);
    assert!(st.ttft.p50 >= 19_000.0 && st.tpot.p50 >= 19_000.0);
    assert!(st.e2el.p50 >= 8.0 * 19_000.0);
    assert!(st.tokens_per_s > 0.0);
}

#[test]
fn check_routes_passes_a_good_server_and_flags_a_bad_one() {
    let good = start(Faults::default());
    let v = check_routes(good.addr, Duration::from_secs(5));
    assert!(v.iter().all(|v| v.pass), "{v:?}");
    assert!(v.len() >= 9);
    let bad = start(Faults { accept_malformed: true, ..Faults::default() });
    let v = check_routes(bad.addr, Duration::from_secs(5));
    let failed: Vec<_> = v.iter().filter(|v| !v.pass).map(|v| v.check.as_str()).collect();
    assert_eq!(failed, ["malformed body (not JSON)", "malformed body (no string content)"], "{v:?}");
    assert!(v.iter().find(|v| !v.pass).unwrap().reason.contains("status 200"));
}

#[test]
fn sampler_sees_a_child_grow() {
    if which::which("python3").is_err() {
        eprintln!("skipped: python3 is not installed");
        return;
    }
    // sh forks python (not exec: a command follows), so the tree walk is what finds it.
    let mut child = std::process::Command::new("sh")
        .args([
            "-c",
            "sleep 0.3; python3 -c 'import time; a=bytearray(80_000_000); a[::4096]=b\"x\"*len(a[::4096]); time.sleep(0.6)'; true",
        ])
        .spawn()
        .unwrap();
    let s = Sampler::start(child.id() as i32, Duration::from_millis(20));
    let _ = child.wait();
    let samples = s.stop();
    let first = samples.first().unwrap().rss_kib;
    let peak = samples.iter().map(|s| s.rss_kib).max().unwrap();
    assert!(peak > first + 60_000, "first {first} KiB, peak {peak} KiB");
    assert!(samples.iter().any(|s| s.cpu_us > 0));
}

/// Kills the child however the test ends.
struct Kill(std::process::Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_reference_speaks_the_service_protocol() {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["serve-reference", "--port", "0", "--workers", "1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut guard = Kill(child);
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let port: u16 = line.trim().strip_prefix("#bm listening ").expect(&line).parse().unwrap();
    let v = check_routes(std::net::SocketAddr::from(([127, 0, 0, 1], port)), Duration::from_secs(5));
    assert!(v.iter().all(|v| v.pass), "{v:?}");
    unsafe { libc::kill(guard.0.id() as i32, libc::SIGTERM) };
    let status = guard.0.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    assert_eq!(rest.trim(), "#bm done");
    assert!(status.success(), "{status:?}");
}

#[test]
fn hold_streams_holds_two_hundred() {
    let srv = server::start(0, ServerOptions { workers: 1, faults: Faults::default(), mock: None }).unwrap();
    let r = hold_streams(srv.addr, 200, Duration::from_millis(500)).unwrap();
    assert_eq!((r.asked, r.allowed, r.held, r.failed), (200, 200, 200, 0), "{r:?}");
    assert_eq!(r.ttfb.count, 200);
    assert!(r.note.is_none());
}
