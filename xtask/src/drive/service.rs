//! The service driver: a cell's server started under the launcher, waited for until it says
//! `#bm listening <port>`, put through the workload's load levels by the load generator
//! (closed loop, a stream level, open loop, the error routes, held streams) while its
//! resources are sampled, then stopped with SIGTERM and judged (runners/SERVICE.md).

use super::{batch, Driver, RunJob};
use crate::load::{self, LevelPlan, Mode, RequestSpec, Route};
use crate::measure::{self, Exit, MeasureError};
use crate::records::{RunOutcome, RunRecord, ServiceRun, Status};
use crate::spec::workload::LoadSpec;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long a server may take to print `#bm listening` (a JVM or Mono start included).
const LISTEN_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the server's RSS and CPU are read from /proc while it is loaded.
const SAMPLE_EVERY: Duration = Duration::from_millis(50);
/// The per-request timeout of the load generator.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long held streams stay open once all are established.
const HOLD_FOR: Duration = Duration::from_secs(1);

/// Runs each service job as a fresh launcher process, like `BatchDriver`, but drives it.
pub struct ServiceDriver {
    pub launcher: std::path::PathBuf,
    pub interrupt: &'static AtomicBool,
}

/// One level: the workload's warm-up and measured periods at concurrency `c`, chat requests
/// (streams of `tokens` tokens when `tokens` > 0).
fn level(load: &LoadSpec, c: u32, tokens: u32, mode: Mode) -> LevelPlan {
    let request = RequestSpec {
        route: Route::Chat,
        payload_bytes: load.payload_bytes,
        stream: tokens > 0,
        max_tokens: if tokens > 0 { tokens } else { 16 },
        delay_us: 0,
    };
    LevelPlan {
        concurrency: c,
        warmup: load.warmup,
        measure: load.measure,
        request,
        mode,
        max_requests: 50_000_000,
        timeout: REQUEST_TIMEOUT,
    }
}

/// The levels known before any is run: the closed-loop levels, then (when the workload
/// streams) a stream level at the highest closed-loop concurrency up to 32. The open-loop
/// levels follow in `drive`, at fractions of the best closed-loop throughput measured.
fn closed_levels(load: &LoadSpec) -> Vec<LevelPlan> {
    let mut levels: Vec<LevelPlan> = load.concurrency.iter().map(|&c| level(load, c, 0, Mode::Closed)).collect();
    if load.stream_tokens > 0 {
        let c = load.concurrency.iter().copied().filter(|&c| c <= 32).max().unwrap_or(1);
        levels.push(level(load, c, load.stream_tokens, Mode::Closed));
    }
    levels
}

/// Runs one level, recording when it began and ended; the first problem found is kept.
fn run_one(run: &mut ServiceRun, started: Instant, addr: SocketAddr, plan: &LevelPlan, problem: &mut Option<RunOutcome>) -> bool {
    run.level_started_ns.push(started.elapsed().as_nanos() as u64);
    let measured = load::run_level(addr, plan);
    run.level_ended_ns.push(started.elapsed().as_nanos() as u64);
    match measured {
        Ok(report) => {
            if problem.is_none() {
                *problem = judge_level(&report);
            }
            run.levels.push(report);
            true
        }
        Err(e) => {
            problem.get_or_insert_with(|| {
                RunOutcome::failed(Status::RunFailed, format!("the load generator failed at c={}: {e:#}", plan.concurrency))
            });
            false
        }
    }
}

impl ServiceDriver {
    /// Drives a listening server; returns what was measured, or why the run failed.
    fn drive(&self, addr: SocketAddr, pid: Option<i32>, load: &LoadSpec, warmup: bool) -> (ServiceRun, Option<RunOutcome>) {
        let sampler = pid.map(|p| load::Sampler::start(p, SAMPLE_EVERY));
        let started = Instant::now();
        let mut run = ServiceRun { port: addr.port(), ..ServiceRun::default() };
        let mut problem = None;
        let plans = if warmup {
            // A warm-up run primes the server (JIT, caches, pools) on the first level only.
            closed_levels(load)
                .into_iter()
                .take(1)
                .map(|p| LevelPlan { measure: load.warmup.max(Duration::from_millis(500)), warmup: Duration::ZERO, ..p })
                .collect()
        } else {
            closed_levels(load)
        };
        for plan in plans {
            if self.interrupt.load(Ordering::SeqCst) {
                return (run, Some(RunOutcome::Interrupted));
            }
            if !run_one(&mut run, started, addr, &plan, &mut problem) {
                break;
            }
        }
        if !warmup && problem.is_none() {
            let best = run.levels.iter().filter(|l| l.stream.is_none()).map(|l| l.rps).fold(0.0, f64::max);
            let c = load.concurrency.iter().copied().max().unwrap_or(1);
            for &fraction in &load.open_fractions {
                let plan = level(load, c, 0, Mode::Open { rate_per_s: (best * fraction).max(1.0), poisson: false });
                run_one(&mut run, started, addr, &plan, &mut problem);
            }
            run.routes = load::check_routes(addr, REQUEST_TIMEOUT);
            if let Some(bad) = run.routes.iter().find(|r| !r.pass) {
                problem =
                    problem.or_else(|| Some(RunOutcome::failed(Status::WrongOutput, format!("error route {}: {}", bad.check, bad.reason))));
            }
            if load.hold_streams > 0 && problem.is_none() {
                run.hold_started_ns = Some(started.elapsed().as_nanos() as u64);
                let held = load::hold_streams(addr, load.hold_streams, HOLD_FOR);
                run.hold_ended_ns = Some(started.elapsed().as_nanos() as u64);
                match held {
                    Ok(h) => run.hold = Some(h),
                    Err(e) => {
                        problem =
                            Some(RunOutcome::failed(Status::RunFailed, format!("holding {} streams failed: {e:#}", load.hold_streams)))
                    }
                }
            }
        }
        if let Some(s) = sampler {
            run.samples = s.stop();
        }
        (run, problem)
    }
}

/// A level fails the run when any answer failed verification (wrong-output) or every request
/// failed (the server stopped answering); other errors are counted and shown.
fn judge_level(report: &load::LevelReport) -> Option<RunOutcome> {
    let why = report.first_error.clone().unwrap_or_default();
    if report.errors.verify > 0 || report.errors.malformed > 0 {
        return Some(RunOutcome::failed(
            Status::WrongOutput,
            format!(
                "at c={}: {} answers failed verification, {} were malformed: {why}",
                report.concurrency, report.errors.verify, report.errors.malformed
            ),
        ));
    }
    if report.ok == 0 {
        return Some(RunOutcome::failed(
            Status::RunFailed,
            format!("at c={}: no request succeeded ({} sent): {why}", report.concurrency, report.requests),
        ));
    }
    None
}

/// The port in a `#bm listening <port>` line.
pub fn listening_port(line: &str) -> Option<u16> {
    line.strip_prefix("#bm listening ")?.trim().parse().ok().filter(|&p| p != 0)
}

impl Driver for ServiceDriver {
    fn run(&self, job: &RunJob, warmup: bool, seq: u32) -> RunRecord {
        let Some(load) = job.variant.load.as_deref() else {
            return record(job, warmup, seq, Err(MeasureError::Launcher("a service variant without a load table".into())), None, None);
        };
        let before = job.watch.as_ref().map(|w| w.snapshot());
        let mut request = job.request.clone();
        request.live = true;
        let prepared = batch::fresh_scratch(&request.cwd)
            .map_err(|e| MeasureError::Launcher(format!("cannot prepare the scratch directory {}: {e}", request.cwd.display())));
        let mut running = match prepared.and_then(|()| measure::start(&self.launcher, &request)) {
            Ok(r) => r,
            Err(e) => return record(job, warmup, seq, Err(e), None, None),
        };
        // Wait for the listening line; the pid comes first.
        let deadline = Instant::now() + LISTEN_TIMEOUT.min(request_timeout(&request));
        let mut port = None;
        let mut ended = false;
        while port.is_none() && Instant::now() < deadline && !self.interrupt.load(Ordering::SeqCst) {
            match running.line(Duration::from_millis(200)) {
                Some(l) => port = listening_port(&l.line),
                None if running.has_ended() => {
                    ended = true;
                    break;
                }
                None => {}
            }
        }
        let pid = running.pid();
        let (service, problem) = match port {
            Some(p) => {
                let (s, problem) = self.drive(SocketAddr::from((Ipv4Addr::LOCALHOST, p)), pid, load, warmup);
                (Some(s), problem)
            }
            None if self.interrupt.load(Ordering::SeqCst) => (None, Some(RunOutcome::Interrupted)),
            None if ended => {
                (None, Some(RunOutcome::failed(Status::RunFailed, "exited before printing `#bm listening <port>` (runners/SERVICE.md)")))
            }
            None => (
                None,
                Some(RunOutcome::failed(
                    Status::RunFailed,
                    format!("did not print `#bm listening <port>` within {} s (runners/SERVICE.md)", LISTEN_TIMEOUT.as_secs()),
                )),
            ),
        };
        let server_alive = !running.has_ended();
        let _ = running.stop();
        let raw = running.wait();
        let mut outcome = match (&raw, problem) {
            (_, Some(p)) => Some(p),
            (Ok(r), None) => judge_stop(r, server_alive),
            (Err(_), None) => None,
        };
        if outcome.is_none() {
            outcome = batch::wrote_outside(job, before.as_ref());
        }
        record(job, warmup, seq, raw, service, outcome)
    }
}

/// The run's record: the launcher's figures, the service's, and the verdict (`None`: ok).
fn record(
    job: &RunJob,
    warmup: bool,
    seq: u32,
    raw: Result<measure::RawRun, MeasureError>,
    service: Option<ServiceRun>,
    outcome: Option<RunOutcome>,
) -> RunRecord {
    let (raw, outcome) = match raw {
        Ok(raw) => (raw, outcome.unwrap_or(RunOutcome::Ok)),
        Err(e) => {
            (batch::empty_run(), outcome.unwrap_or_else(|| RunOutcome::failed(Status::RunFailed, format!("could not be measured: {e}"))))
        }
    };
    let transcript = measure::protocol::parse(&raw.protocol);
    RunRecord {
        seq,
        warmup,
        argv: job.request.argv.clone(),
        env: job.request.env.clone(),
        raw,
        transcript,
        outcome,
        service: service.map(Box::new),
    }
}

fn request_timeout(request: &measure::Request) -> Duration {
    Duration::from_millis(request.timeout_ms)
}

/// After the load: the server must still have been running when it was told to stop, stop
/// by itself within the grace period, exit 0 and say `#bm done`.
fn judge_stop(raw: &measure::RawRun, alive_at_stop: bool) -> Option<RunOutcome> {
    if !alive_at_stop {
        return Some(RunOutcome::failed(Status::RunFailed, format!("the server exited while it was measured ({})", describe(&raw.exit))));
    }
    if let Exit::Timeout = raw.exit {
        return Some(RunOutcome::failed(Status::Timeout, "the server outlived the workload's timeout; its tree was killed"));
    }
    if raw.stop.as_ref().is_some_and(|s| !s.graceful) {
        return Some(RunOutcome::failed(
            Status::RunFailed,
            "the server did not stop within the grace period after SIGTERM (runners/SERVICE.md); it was killed",
        ));
    }
    if raw.exit != Exit::Code(0) {
        return Some(RunOutcome::failed(
            Status::RunFailed,
            format!("the server ended with {} after SIGTERM instead of exit 0 (runners/SERVICE.md)", describe(&raw.exit)),
        ));
    }
    if !raw.protocol.iter().any(|l| l.line == "#bm done") {
        return Some(RunOutcome::failed(
            Status::RunFailed,
            "the server exited 0 after SIGTERM without printing `#bm done` (runners/SERVICE.md)",
        ));
    }
    if raw.killed > 0 || raw.leftovers > 0 {
        return Some(RunOutcome::failed(
            Status::RunFailed,
            format!("the server left {} process(es) running; they were killed", raw.killed.max(raw.leftovers)),
        ));
    }
    None
}

fn describe(exit: &Exit) -> String {
    match exit {
        Exit::Code(c) => format!("exit code {c}"),
        Exit::Signal(s) => format!("signal {s} ({})", batch::signal_name(*s)),
        Exit::Timeout => "the timeout".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listening_line_gives_the_port() {
        assert_eq!(listening_port("#bm listening 8080"), Some(8080));
        assert_eq!(listening_port("#bm listening 0"), None, "port 0 is not where anyone listens");
        assert_eq!(listening_port("#bm listening x"), None);
        assert_eq!(listening_port("#bm ready"), None);
    }
}
