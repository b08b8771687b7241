//! Measuring one run of a program: the request, the raw record, and the hand-off to the
//! launcher process (see `launcher`) that does the spawning and waiting.
//!
//! Why a separate launcher: at `exec` Linux folds the old address space's peak RSS into the
//! new program's `ru_maxrss`, and `posix_spawn` runs the child on its parent's address space.
//! A freshly exec'd small launcher keeps that floor at the launcher's size instead of the
//! supervisor's (see METHODOLOGY.md).

pub mod launcher;
pub mod protocol;

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How many bytes of stdout (non-protocol lines) and of stderr are kept; the rest is counted.
pub const CAPTURE_LIMIT: usize = 1 << 20;

/// What the launcher is asked to run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    pub argv: Vec<String>,
    /// The complete environment of the program.
    pub env: Vec<(String, String)>,
    pub cwd: PathBuf,
    pub timeout_ms: u64,
    pub capture_limit: usize,
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
    pub max_rss_kib: u64,
    pub voluntary_csw: u64,
    pub involuntary_csw: u64,
    /// Descendants orphaned by their parents and reaped by the launcher (a subreaper).
    pub orphans_reaped: u32,
    /// Processes still alive when the launcher gave up, killed by it.
    pub killed: u32,
    pub protocol: Vec<TimedLine>,
    pub stdout: String,
    pub stdout_bytes: u64,
    pub stderr: String,
    pub stderr_bytes: u64,
    /// The launcher's own CPU time and peak RSS (RUSAGE_SELF): the cost of measuring.
    #[serde(default)]
    pub launcher_cpu_us: u64,
    #[serde(default)]
    pub launcher_max_rss_kib: u64,
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

/// Runs `request` under a fresh launcher process (`launcher_exe __launch`) and returns its record.
pub fn run(launcher_exe: &Path, request: &Request) -> Result<RawRun, MeasureError> {
    let json = serde_json::to_string(request).expect("requests serialise");
    // std's Command takes the posix_spawn path (no pre_exec), so starting the launcher is cheap
    // however large this process has grown.
    let output = std::process::Command::new(launcher_exe)
        .arg(launcher::MODE_ARG)
        .arg(json)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|source| MeasureError::Start { path: launcher_exe.to_path_buf(), source })?;
    if !output.status.success() {
        return Err(MeasureError::Launcher(format!("{}: {}", output.status, String::from_utf8_lossy(&output.stderr).trim())));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| MeasureError::Launcher(format!("unreadable record: {e}")))
}

/// The timeout as the launcher takes it.
pub fn timeout_ms(timeout: Duration) -> u64 {
    timeout.as_millis().min(u64::MAX as u128) as u64
}
