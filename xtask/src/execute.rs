//! Runs a built cell once and judges the run (exit, protocol, output) the moment it ends.

use crate::build::BuildJob;
use crate::measure::{self, protocol, Exit, RawRun, Request, CAPTURE_LIMIT};
use crate::results::{Cell, Mismatch, RunRecord, Status};
use crate::spec::{CompareRule, SizeSpec};
use crate::verify;
use std::path::Path;

/// The program's argv for one run: the target's run command, then the runner's and the
/// workload's parameters as `key=value` (runners/PROTOCOL.md).
pub fn argv(job: &BuildJob, size: &SizeSpec) -> Vec<String> {
    let mut argv: Vec<String> = job.target.run.argv.iter().map(|a| job.expand(a)).collect();
    argv.push(format!("bm.warmup={}", size.warmup));
    argv.push(format!("bm.iterations={}", size.iterations));
    argv.extend(size.params.iter().map(|(k, v)| format!("{k}={v}")));
    argv
}

pub fn request(job: &BuildJob, size: &SizeSpec) -> Request {
    let mut env: Vec<(String, String)> = std::env::vars().filter(|(k, _)| !job.target.run.env.contains_key(k)).collect();
    env.extend(job.target.run.env.iter().map(|(k, v)| (k.clone(), job.expand(v))));
    Request { argv: argv(job, size), env, cwd: job.build_dir(), timeout_ms: measure::timeout_ms(size.timeout), capture_limit: CAPTURE_LIMIT }
}

/// Judges one run; `Ok` carries nothing, anything else the status and reason for the cell.
pub fn judge(raw: &RawRun, transcript: &protocol::Transcript, rule: &CompareRule, expected: &str, timeout_secs: f64) -> Result<(), (Status, String, Option<Mismatch>)> {
    let errors = if transcript.errors.is_empty() { String::new() } else { format!("; the runner said: {}", transcript.errors.join("; ")) };
    let stderr = stderr_tail(&raw.stderr);
    match raw.exit {
        Exit::Timeout => return Err((Status::Timeout, format!("still running after the {timeout_secs} s timeout; the process group and its descendants were killed"), None)),
        Exit::Signal(sig) => return Err((Status::RunFailed, format!("killed by signal {sig} ({}){errors}{stderr}", signal_name(sig)), None)),
        Exit::Code(code) if code != 0 => return Err((Status::RunFailed, format!("exit code {code}{errors}{stderr}"), None)),
        Exit::Code(_) => {}
    }
    if raw.killed > 0 {
        return Err((Status::RunFailed, format!("exited, but left {} process(es) running until the timeout; they were killed", raw.killed), None));
    }
    if !transcript.done {
        return Err((Status::RunFailed, format!("exited 0 without printing `#bm done` (runners/PROTOCOL.md){errors}{stderr}"), None));
    }
    if !transcript.errors.is_empty() {
        return Err((Status::RunFailed, format!("the runner reported an error{errors}"), None));
    }
    if transcript.ready_ns.is_none() || !transcript.iterations.iter().any(|i| !i.warmup) {
        return Err((Status::RunFailed, "the output lacks `#bm ready` or a measured `#bm iter` line (runners/PROTOCOL.md)".into(), None));
    }
    if let Err(m) = verify::compare(rule, expected, &raw.stdout) {
        let reason = format!("wrong output at {m}");
        return Err((Status::WrongOutput, reason, Some(Mismatch { line: m.line, expected_line: m.expected, got_line: m.got, expected: expected.to_string(), got: raw.stdout.clone() })));
    }
    Ok(())
}

fn stderr_tail(stderr: &str) -> String {
    let tail = crate::build::tail(stderr.trim_end(), 8);
    if tail.is_empty() {
        String::new()
    } else {
        format!("\nstderr (last lines):\n{tail}")
    }
}

fn signal_name(sig: i32) -> &'static str {
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

/// Runs a cell once and judges the run. Returns false when the cell failed (it then
/// takes no further part in the session).
pub fn run_once(launcher: &Path, request: &Request, size: &SizeSpec, rule: &CompareRule, warmup: bool, seq: u32, cell: &mut Cell) -> bool {
    let raw = match measure::run(launcher, request) {
        Ok(raw) => raw,
        Err(e) => {
            cell.fail(Status::RunFailed, format!("could not be measured: {e}"));
            return false;
        }
    };
    let transcript = protocol::parse(&raw.protocol);
    let verdict = judge(&raw, &transcript, rule, &size.expected, size.timeout.as_secs_f64());
    cell.runs.push(RunRecord { seq, warmup, disturbed: false, argv: request.argv.clone(), raw, transcript });
    match verdict {
        Ok(()) => true,
        Err((status, reason, mismatch)) => {
            cell.fail(status, if warmup { format!("{reason} (in the warm-up run)") } else { reason });
            cell.mismatch = mismatch;
            false
        }
    }
}
