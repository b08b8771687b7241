//! A scripted driver for tests of scheduling, adaptive stopping and analysis: no process is
//! started, every run's figures come from a closure.

use super::{Driver, RunJob};
use crate::measure::protocol::{Iteration, Transcript};
use crate::measure::{Exit, RawRun};
use crate::records::{RunOutcome, RunRecord};
use std::sync::Mutex;

/// What a scripted run looks like.
#[derive(Debug, Clone)]
pub struct Script {
    pub wall_ms: f64,
    pub cpu_ms: f64,
    pub peak_rss_kib: u64,
    /// Measured iteration times (ms); warm-up iterations get the first value.
    pub iterations_ms: Vec<f64>,
    pub outcome: RunOutcome,
}

impl Script {
    pub fn ok(wall_ms: f64) -> Script {
        Script { wall_ms, cpu_ms: wall_ms, peak_rss_kib: 2048, iterations_ms: vec![wall_ms / 2.0], outcome: RunOutcome::Ok }
    }
}

/// Makes the record of a run from a script, as the batch driver would.
pub fn record(job: &RunJob, warmup: bool, seq: u32, s: &Script) -> RunRecord {
    let w = job.variant.warmup;
    let mut iterations: Vec<Iteration> =
        (0..w).map(|i| Iteration { index: i, warmup: true, ns: (s.iterations_ms.first().copied().unwrap_or(1.0) * 1e6) as u64 }).collect();
    iterations.extend(s.iterations_ms.iter().enumerate().map(|(i, ms)| Iteration {
        index: w + i as u32,
        warmup: false,
        ns: (ms * 1e6) as u64,
    }));
    let raw = RawRun {
        exit: Exit::Code(0),
        wall_ns: (s.wall_ms * 1e6) as u64,
        user_us: (s.cpu_ms * 1e3) as u64,
        sys_us: 0,
        peak_rss_kib: s.peak_rss_kib,
        voluntary_csw: 0,
        involuntary_csw: 5,
        orphans_reaped: 0,
        orphan_cpu_us: 0,
        leftovers: 0,
        outlived_ns: 0,
        killed: 0,
        stop: None,
        cap: None,
        protocol: Vec::new(),
        events_ns: Vec::new(),
        stdout: job.variant.expected.clone(),
        stdout_bytes: job.variant.expected.len() as u64,
        stderr: String::new(),
        stderr_bytes: 0,
        launcher_cpu_us: 0,
        launcher_peak_rss_kib: 0,
    };
    let transcript = Transcript {
        ready_ns: Some((s.wall_ms * 1e5) as u64),
        iterations,
        iteration_at_ns: Vec::new(),
        done: true,
        errors: Vec::new(),
        malformed: Vec::new(),
    };
    RunRecord {
        seq,
        warmup,
        argv: job.request.argv.clone(),
        env: job.request.env.clone(),
        raw,
        transcript,
        outcome: s.outcome.clone(),
        service: None,
    }
}

type ScriptFn = dyn Fn(&RunJob, bool, u32) -> Script + Sync + Send;

/// A driver whose every run is what `script(job, warmup, seq)` says; it remembers the order
/// of the runs it was asked for.
pub struct FakeDriver {
    script: Box<ScriptFn>,
    pub calls: Mutex<Vec<(String, bool, u32)>>,
}

impl FakeDriver {
    pub fn new(script: impl Fn(&RunJob, bool, u32) -> Script + Sync + Send + 'static) -> FakeDriver {
        FakeDriver { script: Box::new(script), calls: Mutex::new(Vec::new()) }
    }
}

impl Driver for FakeDriver {
    fn run(&self, job: &RunJob, warmup: bool, seq: u32) -> RunRecord {
        self.calls.lock().expect("not poisoned").push((job.request.argv.join(" "), warmup, seq));
        record(job, warmup, seq, &(self.script)(job, warmup, seq))
    }
}
