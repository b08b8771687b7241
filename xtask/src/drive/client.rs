//! The client driver: for each concurrency level a fresh mock API (load::mock) in this process
//! and a fresh client process under the launcher, given the mock's URL and the level's phases;
//! the client's report is checked against the mock's counters and kept as the level's figures
//! (workloads/chat-client/README.md).

use super::{batch, Driver, RunJob};
use crate::load::client::{self as report, LevelParams};
use crate::load::mock::MockOptions;
use crate::load::server::{self, ServerOptions};
use crate::load::{ProcessFigures, RouteVerdict};
use crate::measure::{protocol, MeasureError, RawRun};
use crate::records::{RunOutcome, RunRecord, ServiceRun, Status};
use crate::spec::workload::ClientSpec;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The per-request timeout a client is given.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs each client job level by level, every level a fresh launcher process.
pub struct ClientDriver {
    pub launcher: std::path::PathBuf,
    pub interrupt: &'static AtomicBool,
}

/// The user content's length for a payload class: the request body is `payload_bytes` with
/// the plain request's framing (the same arithmetic as the service mode's bodies).
pub fn content_bytes(payload_bytes: usize) -> usize {
    let spec = crate::load::RequestSpec { route: crate::load::Route::Chat, payload_bytes: 0, stream: false, max_tokens: 16, delay_us: 0 };
    let framing = crate::load::body::prepare(&spec).body.len();
    payload_bytes.saturating_sub(framing)
}

/// One level's arguments; a warm-up run sends only the warm-up phase's requests and the
/// smallest of the others, so it primes caches without doubling the run.
fn params(spec: &ClientSpec, c: u32, warmup: bool) -> LevelParams {
    let shrink = |n: u32| if warmup { n.min(c.max(1)) } else { n };
    LevelParams {
        concurrency: c,
        warmup: spec.warmup,
        requests: shrink(spec.requests).max(1),
        streams: shrink(spec.streams),
        tokens: spec.stream_tokens,
        content: content_bytes(spec.payload_bytes),
        probe: spec.probe,
        retries: spec.retries,
        timeout_ms: REQUEST_TIMEOUT.as_millis() as u64,
    }
}

/// What one level gave: the launcher's figures, the client's parsed report, the verdicts.
struct LevelRun {
    raw: RawRun,
    outcome: Option<RunOutcome>,
}

/// The argv of a level: the cell's, then README.md's parameters.
fn level_argv(job: &RunJob, asked: &LevelParams, base: &str) -> Vec<String> {
    let mut argv = job.request.argv.clone();
    argv.extend(asked.args(base));
    argv
}

impl ClientDriver {
    /// Runs the client once at one level against a fresh mock; records the level's figures
    /// into `run` and returns the launcher's record and the first problem.
    fn level(&self, job: &RunJob, spec: &ClientSpec, asked: &LevelParams, run: &mut ServiceRun) -> Result<LevelRun, MeasureError> {
        let opts = MockOptions { latency: spec.latency, chunk: spec.chunk, content_bytes: asked.content };
        let mock = server::start(0, ServerOptions { workers: 1, faults: Default::default(), mock: Some(opts) })
            .map_err(|e| MeasureError::Launcher(format!("cannot start the mock API: {e:#}")))?;
        let mut request = job.request.clone();
        request.argv = level_argv(job, asked, &format!("http://{}", mock.addr));
        let cpu_before = mock.cpu_us().unwrap_or(0);
        batch::fresh_scratch(&request.cwd)
            .map_err(|e| MeasureError::Launcher(format!("cannot prepare the scratch directory {}: {e}", request.cwd.display())))?;
        let (mut raw, interrupted) = batch::measure_interruptibly(&self.launcher, &request, self.interrupt)?;
        let mock_cpu_us = mock.cpu_us().unwrap_or(0).saturating_sub(cpu_before);
        let counts = mock.counts();
        mock.shutdown();
        let transcript = protocol::parse(&raw.protocol);
        raw.protocol.retain(|l| !l.line.starts_with("#bm iter "));
        if interrupted && raw.stop.is_some() {
            return Ok(LevelRun { raw, outcome: Some(RunOutcome::Interrupted) });
        }
        let c = asked.concurrency;
        if let Some(bad) = batch::judge_process(&raw, &transcript, &job.variant, request.capture_limit) {
            let outcome = match bad {
                RunOutcome::Failed { status, reason, mismatch } => {
                    RunOutcome::Failed { status, reason: format!("at c={c}: {reason}"), mismatch }
                }
                other => other,
            };
            return Ok(LevelRun { raw, outcome: Some(outcome) });
        }
        let parsed = match report::parse(&raw.stdout) {
            Ok(p) => p,
            Err(e) => {
                let why = format!("at c={c}: the report does not follow workloads/chat-client/README.md: {e}");
                return Ok(LevelRun { raw, outcome: Some(RunOutcome::failed(Status::WrongOutput, why)) });
            }
        };
        let diffs = report::check(&parsed, asked, &counts);
        for (route, what, marks) in [
            ("rate", "429s retried", ["phase rate", "rate-route", "429s"]),
            ("error", "500s counted", ["phase error", "error-route", "error-route"]),
            ("malformed", "truncated answers counted", ["phase malformed", "malformed-route", "malformed answer was retried"]),
        ] {
            let about = diffs.iter().find(|d| marks.iter().any(|m| d.contains(m)));
            run.routes.push(RouteVerdict {
                check: format!("c={c} :{route} {what}"),
                pass: about.is_none(),
                reason: about.cloned().unwrap_or_default(),
            });
        }
        let process = ProcessFigures {
            wall_ns: raw.wall_ns,
            cpu_us: raw.user_us + raw.sys_us,
            peak_rss_kib: raw.peak_rss_kib,
            attempts: parsed.attempts(),
            mock_cpu_us,
        };
        match report::levels(&parsed, c, process) {
            Ok(levels) => run.levels.extend(levels),
            Err(e) => return Ok(LevelRun { raw, outcome: Some(RunOutcome::failed(Status::RunFailed, format!("at c={c}: {e:#}"))) }),
        }
        // The phase lines stay in the record; the latencies live on as histograms.
        raw.stdout = raw.stdout.lines().filter(|l| l.starts_with("phase ")).map(|l| format!("c={c} {l}\n")).collect();
        let outcome = diffs.first().map(|d| {
            let more = if diffs.len() > 1 { format!(" (and {} more differences)", diffs.len() - 1) } else { String::new() };
            RunOutcome::failed(Status::WrongOutput, format!("at c={c}: {d}{more}"))
        });
        Ok(LevelRun { raw, outcome })
    }
}

/// The run's launcher figures over its levels: times and CPU add up, memory is the largest.
fn combine(total: &mut Option<RawRun>, level: RawRun) {
    let Some(t) = total else {
        *total = Some(level);
        return;
    };
    t.wall_ns += level.wall_ns;
    t.user_us += level.user_us;
    t.sys_us += level.sys_us;
    t.peak_rss_kib = t.peak_rss_kib.max(level.peak_rss_kib);
    t.voluntary_csw += level.voluntary_csw;
    t.involuntary_csw += level.involuntary_csw;
    t.stdout.push_str(&level.stdout);
    t.stdout_bytes += level.stdout_bytes;
    t.exit = level.exit;
    t.stop = level.stop;
    t.protocol = level.protocol;
    t.stderr = level.stderr;
    t.stderr_bytes = level.stderr_bytes;
}

impl Driver for ClientDriver {
    fn run(&self, job: &RunJob, warmup: bool, seq: u32) -> RunRecord {
        // The argv recorded is the last level's (the levels differ only in `concurrency` and
        // the mock's port).
        let mut argv = job.request.argv.clone();
        let record = |raw: Option<RawRun>, service: Option<ServiceRun>, outcome: RunOutcome, argv: Vec<String>| {
            let raw = raw.unwrap_or_else(batch::empty_run);
            let transcript = protocol::parse(&raw.protocol);
            RunRecord { seq, warmup, argv, env: job.request.env.clone(), raw, transcript, outcome, service: service.map(Box::new) }
        };
        let Some(spec) = job.variant.client.as_deref() else {
            return record(None, None, RunOutcome::failed(Status::RunFailed, "a client variant without a client table"), argv);
        };
        let before = job.watch.as_ref().map(|w| w.snapshot());
        let mut run = ServiceRun::default();
        let mut total: Option<RawRun> = None;
        let levels: Vec<u32> = if warmup { spec.concurrency.iter().copied().take(1).collect() } else { spec.concurrency.clone() };
        let mut problem = None;
        for c in levels {
            if self.interrupt.load(Ordering::SeqCst) {
                problem = Some(RunOutcome::Interrupted);
                break;
            }
            let asked = params(spec, c, warmup);
            argv = level_argv(job, &asked, "http://127.0.0.1:<mock port>");
            match self.level(job, spec, &asked, &mut run) {
                Ok(level) => {
                    combine(&mut total, level.raw);
                    if level.outcome.is_some() {
                        problem = level.outcome;
                        break;
                    }
                }
                Err(e) => {
                    problem = Some(RunOutcome::failed(Status::RunFailed, format!("at c={c}: could not be measured: {e}")));
                    break;
                }
            }
        }
        let outcome = problem.or_else(|| batch::wrote_outside(job, before.as_ref())).unwrap_or(RunOutcome::Ok);
        record(total, Some(run), outcome, argv)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_s_payload_leaves_881_bytes_of_content() {
        // The number serve-mock defaults to and README.md's examples use.
        assert_eq!(content_bytes(1024), 881);
    }

    #[test]
    fn a_warm_up_run_sends_a_round_of_each_phase_only() {
        let spec = ClientSpec {
            concurrency: vec![1, 8],
            warmup: 50,
            requests: 400,
            streams: 40,
            stream_tokens: 8,
            probe: 3,
            retries: 3,
            payload: "S".into(),
            payload_bytes: 1024,
            latency: Duration::from_millis(1),
            chunk: Duration::from_millis(1),
        };
        let w = params(&spec, 8, true);
        assert_eq!((w.warmup, w.requests, w.streams, w.probe), (50, 8, 8, 3));
        let m = params(&spec, 8, false);
        assert_eq!((m.requests, m.streams, m.content), (400, 40, 881));
    }
}
