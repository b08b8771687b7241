//! Measuring one run of a program: the request, the raw record, and the hand-off to the
//! launcher process (see `launcher`) that does the spawning, waiting and stopping.
//!
//! Why a separate launcher: at `exec` Linux folds the old address space's peak RSS into the
//! new program's `ru_maxrss`, and `posix_spawn` runs the child on its parent's address space.
//! A freshly exec'd small launcher keeps that floor at the launcher's size instead of the
//! supervisor's (see METHODOLOGY.md).

pub mod launcher;
pub mod protocol;

use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How many bytes of stdout (non-protocol lines) and of stderr are kept; the rest is counted.
pub const CAPTURE_LIMIT: usize = 1 << 20;
/// How long a program asked to stop gets between SIGTERM and SIGKILL.
pub const DEFAULT_GRACE_MS: u64 = 2000;
/// The most processes a run may have alive at once (the program included).
pub const DEFAULT_MAX_PROCESSES: u32 = 256;

/// What happens to processes still alive shortly after the program itself exited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Leftovers {
    /// They are killed at once and counted: the run is judged a failure (batch workloads).
    #[default]
    Kill,
    /// They are waited for (until the timeout) and their CPU counted; the run is flagged.
    Wait,
}

/// What the launcher is asked to run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    pub argv: Vec<String>,
    /// The complete environment of the program.
    pub env: Vec<(String, String)>,
    pub cwd: PathBuf,
    pub timeout_ms: u64,
    pub capture_limit: usize,
    #[serde(default = "default_grace")]
    pub grace_ms: u64,
    #[serde(default)]
    pub leftovers: Leftovers,
    #[serde(default = "default_max_processes")]
    pub max_processes: u32,
    /// Lines starting with this prefix are events: timestamped on arrival, counted, and kept
    /// out of the captured output (blank lines between them too). `None`: no events.
    #[serde(default)]
    pub event_prefix: Option<String>,
    /// Hand each protocol line to the supervisor the moment it arrives (a service's
    /// `#bm listening <port>`), and the program's pid once it is spawned (see `Running::line`).
    #[serde(default)]
    pub live: bool,
}

fn default_grace() -> u64 {
    DEFAULT_GRACE_MS
}

fn default_max_processes() -> u32 {
    DEFAULT_MAX_PROCESSES
}

impl Request {
    /// A request with the defaults for everything but the command, environment and place.
    pub fn new(argv: Vec<String>, env: Vec<(String, String)>, cwd: PathBuf, timeout: Duration) -> Request {
        Request {
            argv,
            env,
            cwd,
            timeout_ms: timeout_ms(timeout),
            capture_limit: CAPTURE_LIMIT,
            grace_ms: DEFAULT_GRACE_MS,
            leftovers: Leftovers::Kill,
            max_processes: DEFAULT_MAX_PROCESSES,
            event_prefix: None,
            live: false,
        }
    }
}

/// How the program ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum Exit {
    Code(i32),
    Signal(i32),
    /// Killed by the launcher at the timeout.
    Timeout,
}

/// A protocol line (`#bm ...`) and when it arrived, in ns since the spawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimedLine {
    pub at_ns: u64,
    pub line: String,
}

/// The program was asked to stop before it ended on its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StopRecord {
    /// `requested` (by the supervisor) or `interrupted by SIGINT` and the like.
    pub reason: String,
    /// When SIGTERM was sent, ns since the spawn.
    pub at_ns: u64,
    /// The program exited within the grace period; otherwise its tree was SIGKILLed.
    pub graceful: bool,
}

/// How the number of processes of a run was bounded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapRecord {
    /// `pids-cgroup` (the kernel refuses forks past the cap) or `counting` (the launcher
    /// counts the tree every 100 ms and kills it past the cap).
    pub mechanism: String,
    pub max: u32,
    /// The cap was reached: forks were refused or the tree was killed.
    pub exceeded: bool,
}

/// The raw figures of one run, as the launcher measured them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawRun {
    pub exit: Exit,
    /// Spawn to the program's exit, monotonic clock.
    pub wall_ns: u64,
    /// User and system CPU of the program and every descendant reaped (orphans included).
    pub user_us: u64,
    pub sys_us: u64,
    /// Largest peak RSS of any single process of the tree (ru_maxrss, KiB on Linux).
    #[serde(alias = "max_rss_kib")]
    pub peak_rss_kib: u64,
    pub voluntary_csw: u64,
    pub involuntary_csw: u64,
    /// Descendants orphaned by their parents and reaped by the launcher (a subreaper).
    pub orphans_reaped: u32,
    /// The CPU of those orphans (part of user_us + sys_us).
    #[serde(default)]
    pub orphan_cpu_us: u64,
    /// Processes still alive 100 ms after the program exited.
    #[serde(default)]
    pub leftovers: u32,
    /// How long processes of the run outlived the program (0 when none did), ns.
    #[serde(default)]
    pub outlived_ns: u64,
    /// Processes the launcher had to SIGKILL (timeout, leftovers, stop, cap).
    pub killed: u32,
    #[serde(default)]
    pub stop: Option<StopRecord>,
    #[serde(default)]
    pub cap: Option<CapRecord>,
    pub protocol: Vec<TimedLine>,
    /// Arrival times of event lines (see `Request::event_prefix`), ns since the spawn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events_ns: Vec<u64>,
    pub stdout: String,
    pub stdout_bytes: u64,
    pub stderr: String,
    pub stderr_bytes: u64,
    /// The launcher's own CPU time and peak RSS (its VmHWM after shedding its start-up
    /// pages): the cost of measuring.
    #[serde(default)]
    pub launcher_cpu_us: u64,
    #[serde(default, alias = "launcher_max_rss_kib")]
    pub launcher_peak_rss_kib: u64,
}

impl RawRun {
    pub fn cpu_us(&self) -> u64 {
        self.user_us + self.sys_us
    }
}

/// The errors of the measuring itself (not of the program measured).
#[derive(Debug, thiserror::Error)]
pub enum MeasureError {
    #[error("cannot start the launcher {path}: {source}")]
    Start { path: PathBuf, source: std::io::Error },
    #[error("the launcher failed: {0}")]
    Launcher(String),
}

/// A run under way: it can be asked to stop, and waited for; with `Request::live`, its
/// protocol lines can be read as they arrive.
pub struct Running {
    child: std::process::Child,
    control: Stopper,
    live: Option<std::sync::mpsc::Receiver<TimedLine>>,
    complaints: Option<std::thread::JoinHandle<String>>,
    /// The program's pid, once the launcher has said it.
    pid: Option<i32>,
}

/// Asks a running launcher to stop its program; can be handed to another thread.
#[derive(Clone)]
pub struct Stopper(std::sync::Arc<std::sync::Mutex<Option<std::process::ChildStdin>>>);

impl Stopper {
    /// SIGTERM to the program, the grace period, then SIGKILL to the tree; the figures are
    /// still reported. Asking twice is harmless.
    pub fn stop(&self) -> std::io::Result<()> {
        match self.0.lock().expect("not poisoned").as_mut() {
            Some(c) => c.write_all(b"stop\n").and_then(|()| c.flush()),
            None => Ok(()),
        }
    }
}

/// Starts `request` under a fresh launcher process (`launcher_exe __launch`).
pub fn start(launcher_exe: &Path, request: &Request) -> Result<Running, MeasureError> {
    let json = serde_json::to_string(request).expect("requests serialise");
    // std's Command takes the posix_spawn path (no pre_exec), so starting the launcher is cheap
    // however large this process has grown.
    let mut child = std::process::Command::new(launcher_exe)
        .arg(launcher::MODE_ARG)
        .arg(json)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|source| MeasureError::Start { path: launcher_exe.to_path_buf(), source })?;
    let control = Stopper(std::sync::Arc::new(std::sync::Mutex::new(child.stdin.take())));
    // The launcher's stderr carries its own complaints and, with `live`, `live <ns> <line>`
    // and `pid <n>` lines: one thread reads it, sorting the two.
    let mut stderr = child.stderr.take();
    let (tx, rx) = std::sync::mpsc::channel();
    let complaints = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(e) = stderr.as_mut() {
            use std::io::BufRead;
            for line in std::io::BufReader::new(e).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("live ") {
                    if let Some((ns, l)) = rest.split_once(' ') {
                        let _ = tx.send(TimedLine { at_ns: ns.parse().unwrap_or(0), line: l.to_string() });
                        continue;
                    }
                }
                if let Some(pid) = line.strip_prefix("pid ") {
                    let _ = tx.send(TimedLine { at_ns: 0, line: format!("pid {pid}") });
                    continue;
                }
                if text.len() < 64 * 1024 {
                    text.push_str(&line);
                    text.push('\n');
                }
            }
        }
        text
    });
    Ok(Running { child, control, live: Some(rx), complaints: Some(complaints), pid: None })
}

impl Running {
    /// Asks the launcher to stop the program (see `Stopper::stop`).
    pub fn stop(&self) -> std::io::Result<()> {
        self.control.stop()
    }

    pub fn stopper(&self) -> Stopper {
        self.control.clone()
    }

    /// The next protocol line (live requests only), waiting at most `timeout`; None when
    /// none came in time or the launcher ended. The program's pid arrives first, as `pid N`
    /// (also kept for `pid()`).
    pub fn line(&mut self, timeout: Duration) -> Option<TimedLine> {
        let line = self.live.as_ref()?.recv_timeout(timeout).ok()?;
        if let Some(pid) = line.line.strip_prefix("pid ").and_then(|p| p.parse().ok()) {
            self.pid = Some(pid);
        }
        Some(line)
    }

    /// Whether the launcher (so the program) has ended.
    pub fn has_ended(&mut self) -> bool {
        self.child.try_wait().ok().flatten().is_some()
    }

    /// The program's pid, once `line` has seen it.
    pub fn pid(&self) -> Option<i32> {
        self.pid
    }

    /// Waits for the launcher's record.
    pub fn wait(mut self) -> Result<RawRun, MeasureError> {
        // The record arrives on stdout; stderr is read by the thread `start` began.
        let errors = self.complaints.take().expect("started with a stderr reader");
        let mut out = Vec::new();
        if let Some(mut stdout) = self.child.stdout.take() {
            stdout.read_to_end(&mut out).map_err(|e| MeasureError::Launcher(format!("cannot read its record: {e}")))?;
        }
        let status = self.child.wait().map_err(|e| MeasureError::Launcher(format!("cannot wait for it: {e}")))?;
        drop(self.control.0.lock().expect("not poisoned").take());
        let errors = errors.join().unwrap_or_default();
        if !status.success() {
            return Err(MeasureError::Launcher(format!("{status}: {}", errors.trim())));
        }
        serde_json::from_slice(&out).map_err(|e| MeasureError::Launcher(format!("unreadable record: {e}")))
    }
}

/// Runs `request` under a fresh launcher and returns its record.
pub fn run(launcher_exe: &Path, request: &Request) -> Result<RawRun, MeasureError> {
    start(launcher_exe, request)?.wait()
}

/// The timeout as the launcher takes it.
pub fn timeout_ms(timeout: Duration) -> u64 {
    timeout.as_millis().min(u64::MAX as u128) as u64
}
