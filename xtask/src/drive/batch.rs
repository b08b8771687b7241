//! The batch driver: a cell's program started once under the launcher, speaking the runner
//! protocol, judged the moment it ends (exit, processes, protocol, output).

use super::{watch, Driver, RunJob};
use crate::build::BuildJob;
use crate::measure::{self, protocol, Exit, Leftovers, MeasureError, RawRun, Request};
use crate::records::{Mismatch, RunOutcome, RunRecord, Status};
use crate::spec::Variant;
use crate::verify;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Variables passed from the supervisor's environment to every program; everything else is
/// set explicitly (see `environment`) or by the target file. docs/FAIRNESS.md says why.
pub const PASSED_ENV: [&str; 1] = ["PATH"];

/// Runs each job as a fresh launcher process (`xtask __launch`).
pub struct BatchDriver {
    pub launcher: PathBuf,
    /// Set by Ctrl-C: the running program is stopped and the run reported as interrupted.
    pub interrupt: &'static AtomicBool,
}

impl BatchDriver {
    fn measure(&self, request: &Request) -> Result<(RawRun, bool), MeasureError> {
        measure_interruptibly(&self.launcher, request, self.interrupt)
    }
}

/// Runs `request` under the launcher to its end; `interrupt` (Ctrl-C) stops it early. Returns
/// the record and whether it was interrupted.
pub(crate) fn measure_interruptibly(launcher: &Path, request: &Request, interrupt: &AtomicBool) -> Result<(RawRun, bool), MeasureError> {
    let running = measure::start(launcher, request)?;
    let stopper = running.stopper();
    let done = AtomicBool::new(false);
    let interrupted = AtomicBool::new(false);
    std::thread::scope(|s| {
        // Forwards an interrupt to the launcher (a terminal's Ctrl-C reaches it directly,
        // a SIGTERM sent to the supervisor alone does not).
        s.spawn(|| {
            while !done.load(Ordering::SeqCst) {
                if interrupt.load(Ordering::SeqCst) {
                    interrupted.store(true, Ordering::SeqCst);
                    let _ = stopper.stop();
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        let raw = running.wait();
        done.store(true, Ordering::SeqCst);
        raw.map(|r| (r, interrupted.load(Ordering::SeqCst)))
    })
}

/// Makes a fresh scratch directory (with home/ and tmp/) for one run.
pub(crate) fn fresh_scratch(dir: &Path) -> std::io::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir.join("home"))?;
    std::fs::create_dir_all(dir.join("tmp"))
}

impl Driver for BatchDriver {
    fn run(&self, job: &RunJob, warmup: bool, seq: u32) -> RunRecord {
        let before = job.watch.as_ref().map(|w| w.snapshot());
        let measured = fresh_scratch(&job.request.cwd)
            .map_err(|e| MeasureError::Launcher(format!("cannot prepare the scratch directory {}: {e}", job.request.cwd.display())))
            .and_then(|()| self.measure(&job.request));
        let (raw, transcript, outcome) = match measured {
            Ok((mut raw, interrupted)) => {
                let mut transcript = protocol::parse(&raw.protocol);
                // The iterations live in the transcript; their raw lines would only double them.
                raw.protocol.retain(|l| !l.line.starts_with("#bm iter "));
                if job.request.event_prefix.is_none() {
                    transcript.iteration_at_ns.clear();
                }
                let mut outcome = if interrupted && raw.stop.is_some() {
                    RunOutcome::Interrupted
                } else {
                    judge(&raw, &transcript, &job.variant, job.request.capture_limit)
                };
                if outcome != RunOutcome::Interrupted {
                    if let Some(wrote) = wrote_outside(job, before.as_ref()) {
                        outcome = wrote;
                    }
                }
                (raw, transcript, outcome)
            }
            Err(e) => (
                empty_run(),
                protocol::Transcript::default(),
                RunOutcome::Failed { status: Status::RunFailed, reason: format!("could not be measured: {e}"), mismatch: None },
            ),
        };
        RunRecord { seq, warmup, argv: job.request.argv.clone(), env: job.request.env.clone(), raw, transcript, outcome, service: None }
    }
}

/// A run that wrote outside its scratch directory fails (the watch was taken before it).
pub(crate) fn wrote_outside(job: &RunJob, before: Option<&watch::Snapshot>) -> Option<RunOutcome> {
    let (w, before) = (job.watch.as_ref()?, before?);
    let (changed, total) = w.snapshot().changes_since(before);
    if total == 0 {
        return None;
    }
    let named: Vec<String> = changed.iter().map(|p| p.display().to_string()).collect();
    let more = if total > named.len() { format!(" and {} more", total - named.len()) } else { String::new() };
    Some(RunOutcome::Failed {
        status: Status::RunFailed,
        reason: format!(
            "wrote outside its scratch directory: {}{more} (the checkout and the build must not change while a program runs)",
            named.join(", ")
        ),
        mismatch: None,
    })
}

/// The complete environment of a program: PATH from the supervisor, a scratch HOME and
/// TMPDIR, a fixed locale and time zone, what the target passes through (`pass_env`), and the
/// target's own `run.env`. Nothing else leaks in (JAVA_TOOL_OPTIONS, NODE_OPTIONS, PYTHON*,
/// MONO_ENV_OPTIONS, PHP_INI_SCAN_DIR would change results silently).
pub fn environment(build: &BuildJob, scratch: &Path) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = PASSED_ENV
        .iter()
        .map(|k| k.to_string())
        .chain(build.target.run.pass_env.iter().cloned())
        .filter_map(|k| std::env::var(&k).ok().map(|v| (k, v)))
        .collect();
    for (k, v) in [
        ("HOME", scratch.join("home").to_string_lossy().into_owned()),
        ("TMPDIR", scratch.join("tmp").to_string_lossy().into_owned()),
        ("LANG", "C.UTF-8".into()),
        ("LC_ALL", "C.UTF-8".into()),
        ("TZ", "UTC".into()),
    ] {
        env.push((k.to_string(), v));
    }
    for (k, v) in &build.target.run.env {
        env.retain(|(key, _)| key != k);
        env.push((k.clone(), build.expand(v)));
    }
    env
}

/// The request that runs `variant` of `build` in the scratch directory `scratch`.
pub fn request(build: &BuildJob, variant: &Variant, scratch: &Path) -> Request {
    let run_argv = build.run_argv_in(&build.target.run.argv, &build.out_dir());
    let mut request = Request::new(argv(run_argv, variant), environment(build, scratch), scratch.to_path_buf(), variant.timeout);
    request.leftovers = variant.leftovers;
    request.event_prefix = variant.event_prefix.clone();
    request
}

pub(crate) fn empty_run() -> RawRun {
    serde_json::from_value(serde_json::json!({
        "exit": {"kind": "code", "value": -1}, "wall_ns": 0, "user_us": 0, "sys_us": 0, "peak_rss_kib": 0,
        "voluntary_csw": 0, "involuntary_csw": 0, "orphans_reaped": 0, "killed": 0, "protocol": [],
        "stdout": "", "stdout_bytes": 0, "stderr": "", "stderr_bytes": 0
    }))
    .expect("a valid empty record")
}

/// The program's argv for one run: the target's run command, then the runner's and the
/// workload's parameters as `key=value` (runners/PROTOCOL.md).
pub fn argv(run_argv: Vec<String>, variant: &Variant) -> Vec<String> {
    let mut argv = run_argv;
    if variant.kind == crate::spec::workload::Kind::Service {
        // A server: it binds the port the kernel picks and says which (runners/SERVICE.md).
        argv.push("bm.service=1".into());
        argv.push("port=0".into());
        argv.extend(variant.params.iter().map(|(k, v)| format!("{k}={v}")));
        return argv;
    }
    argv.push(format!("bm.warmup={}", variant.warmup));
    argv.push(format!("bm.iterations={}", variant.iterations));
    if variant.cycle > 1 {
        argv.push(format!("bm.cycle={}", variant.cycle));
    }
    argv.extend(variant.params.iter().map(|(k, v)| format!("{k}={v}")));
    argv
}

/// Judges one run: `Ok`, or the status and reason for the cell.
pub fn judge(raw: &RawRun, transcript: &protocol::Transcript, variant: &Variant, capture_limit: usize) -> RunOutcome {
    if let Some(bad) = judge_process(raw, transcript, variant, capture_limit) {
        return bad;
    }
    if let Err(m) = verify::compare(&variant.compare, &variant.expected, &raw.stdout) {
        let reason = format!("wrong output at line {} (byte {}): expected `{}`, got `{}`", m.line, m.offset, m.expected, m.got);
        return RunOutcome::Failed {
            status: Status::WrongOutput,
            reason,
            mismatch: Some(Mismatch { line: m.line, offset: m.offset, expected: m.expected, got: m.got }),
        };
    }
    RunOutcome::Ok
}

/// Everything `judge` checks but the output: how the program ended, what it left running,
/// and the protocol. None: the run may be verified.
pub fn judge_process(raw: &RawRun, transcript: &protocol::Transcript, variant: &Variant, capture_limit: usize) -> Option<RunOutcome> {
    let failed = |status, reason: String| Some(RunOutcome::failed(status, reason));
    if raw.stop.as_ref().is_some_and(|s| s.reason.starts_with("interrupted")) {
        return Some(RunOutcome::Interrupted);
    }
    let errors = if transcript.errors.is_empty() { String::new() } else { format!("; the runner said: {}", transcript.errors.join("; ")) };
    let stderr = stderr_tail(&raw.stderr);
    if let Some(cap) = raw.cap.as_ref().filter(|c| c.exceeded) {
        return failed(
            Status::RunFailed,
            format!("the run went past its cap of {} processes ({}); the whole tree was killed", cap.max, cap.mechanism),
        );
    }
    match raw.exit {
        Exit::Timeout => {
            return failed(
                Status::Timeout,
                format!(
                    "still running after the {} s timeout; the process group and its descendants were killed",
                    variant.timeout.as_secs_f64()
                ),
            )
        }
        Exit::Signal(sig) => {
            return failed(
                Status::RunFailed,
                format!("killed by signal {sig} ({}){errors}{}{stderr}", signal_name(sig), stderr_line(&raw.stderr)),
            )
        }
        Exit::Code(code) if code != 0 => {
            return failed(Status::RunFailed, format!("exit code {code}{errors}{}{stderr}", stderr_line(&raw.stderr)))
        }
        Exit::Code(_) => {}
    }
    match variant.leftovers {
        Leftovers::Kill if raw.leftovers > 0 => {
            return failed(Status::RunFailed, format!("exited, but left {} process(es) running; they were killed (the workload's leftovers policy is `fail`: a program must finish its work before it exits)", raw.leftovers));
        }
        _ if raw.killed > 0 => {
            return failed(
                Status::RunFailed,
                format!("exited, but left {} process(es) running until the timeout; they were killed", raw.killed),
            )
        }
        _ => {}
    }
    if !transcript.done {
        return failed(Status::RunFailed, format!("exited 0 without printing `#bm done` (runners/PROTOCOL.md){errors}{stderr}"));
    }
    if !transcript.errors.is_empty() {
        return failed(Status::RunFailed, format!("the runner reported an error{errors}"));
    }
    if transcript.ready_ns.is_none() || !transcript.iterations.iter().any(|i| !i.warmup) {
        return failed(Status::RunFailed, "the output lacks `#bm ready` or a measured `#bm iter` line (runners/PROTOCOL.md)".into());
    }
    let expected_iterations = (variant.warmup + variant.iterations) as usize;
    if transcript.iterations.len() != expected_iterations {
        return failed(
            Status::RunFailed,
            format!("{} `#bm iter` lines for {} iterations (runners/PROTOCOL.md)", transcript.iterations.len(), expected_iterations),
        );
    }
    if raw.stdout_bytes > capture_limit as u64 {
        return failed(
            Status::RunFailed,
            format!("the result is {} bytes, past the {} byte capture limit, so it cannot be verified", raw.stdout_bytes, capture_limit),
        );
    }
    None
}

/// The line of stderr most likely to say what went wrong: the last one naming an error or an
/// exception, else the last non-empty one.
fn stderr_line(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let pick = lines
        .iter()
        .rev()
        .find(|l| {
            let l = l.to_ascii_lowercase();
            l.contains("error") || l.contains("exception") || l.contains("panicked")
        })
        .or(lines.last());
    pick.map(|l| format!(": {}", l.chars().take(200).collect::<String>())).unwrap_or_default()
}

fn stderr_tail(stderr: &str) -> String {
    // The last lines, each cut to a few hundred characters: one runaway line must not put a
    // megabyte into every report.
    let tail: Vec<String> = crate::build::tail(stderr.trim_end(), 8).lines().map(|l| crate::verify::excerpt(l, 0)).collect();
    if tail.is_empty() {
        String::new()
    } else {
        format!("\nstderr (last lines):\n{}", tail.join("\n"))
    }
}

pub(crate) fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGILL => "SIGILL",
        libc::SIGPIPE => "SIGPIPE",
        _ => "signal",
    }
}
