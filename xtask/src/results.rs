//! `results.json`: the wire format of a run (documented in docs/results-schema.md).
//! Written after every finished cell, atomically, so an interrupted run keeps its cells.

use crate::machine::Machine;
use crate::measure::protocol::Transcript;
use crate::measure::RawRun;
use crate::probe::Availability;
use crate::spec::{CompareRule, Family};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Bumped when a field changes meaning or disappears.
pub const SCHEMA: &str = "benchmatrix-results/1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    pub schema: String,
    pub meta: Meta,
    pub targets: Vec<TargetRecord>,
    pub workloads: Vec<WorkloadRecord>,
    /// Every planned cell, workload-major, in plan order; none is ever left out.
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meta {
    pub tool_version: String,
    /// RFC 3339, UTC.
    pub started: String,
    pub finished: Option<String>,
    /// False until the last cell is written: a file left with `false` is an interrupted run.
    pub complete: bool,
    pub size: String,
    pub runs: u32,
    pub warmup_runs: u32,
    pub command_line: Vec<String>,
    pub git_revision: Option<String>,
    pub git_dirty: bool,
    pub machine: Machine,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetRecord {
    pub name: String,
    pub family: Option<Family>,
    pub language: String,
    pub availability: Availability,
    /// Set when the target file itself is broken.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkloadRecord {
    pub name: String,
    pub summary: String,
    pub category: String,
    pub compare: Option<CompareRule>,
    pub params: BTreeMap<String, String>,
    pub timeout_secs: f64,
    /// Set when workload.toml is broken.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Not yet built or run (only seen in a run that was interrupted).
    Pending,
    Ok,
    Skipped,
    /// The workload or target file is broken.
    Invalid,
    BuildFailed,
    RunFailed,
    Timeout,
    WrongOutput,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Ok => "ok",
            Status::Skipped => "skipped",
            Status::Invalid => "invalid",
            Status::BuildFailed => "build-failed",
            Status::RunFailed => "run-failed",
            Status::Timeout => "timeout",
            Status::WrongOutput => "wrong-output",
        }
    }

    /// A failure of the thing measured (skips and pending cells are not failures).
    pub fn is_failure(self) -> bool {
        !matches!(self, Status::Ok | Status::Skipped | Status::Pending)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildRecord {
    /// True when an earlier identical build was reused.
    pub cached: bool,
    pub ok: bool,
    pub key: String,
    pub seconds: f64,
    pub artifact_bytes: Option<u64>,
    pub log_path: String,
    /// The end of the build log (untrusted text).
    pub log_tail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    /// The discarded warm-up run.
    pub warmup: bool,
    pub argv: Vec<String>,
    pub raw: RawRun,
    pub transcript: Transcript,
}

/// Figures over the measured (non-warm-up) runs. Medians, since one disturbed run on a
/// shared machine should not move the headline figure.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CellSummary {
    pub runs: u32,
    pub wall_ms_median: f64,
    pub wall_ms_min: f64,
    pub wall_ms_max: f64,
    pub cpu_ms_median: f64,
    pub max_rss_kib_median: u64,
    /// Spawn to `#bm ready`: runtime start-up.
    pub startup_ms_median: Option<f64>,
    /// Median of the in-process measured iterations.
    pub iteration_ms_median: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Mismatch {
    pub line: usize,
    pub expected_line: String,
    pub got_line: String,
    pub expected: String,
    /// What the program printed (untrusted, capped).
    pub got: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cell {
    pub workload: String,
    pub target: String,
    pub status: Status,
    /// Why the cell is not ok, in one or a few lines.
    pub reason: Option<String>,
    /// What to do about it (install command, fix).
    pub hint: Option<String>,
    pub build: Option<BuildRecord>,
    pub runs: Vec<RunRecord>,
    pub summary: Option<CellSummary>,
    pub mismatch: Option<Mismatch>,
}

impl Cell {
    pub fn new(workload: &str, target: &str) -> Cell {
        Cell { workload: workload.into(), target: target.into(), status: Status::Pending, reason: None, hint: None, build: None, runs: Vec::new(), summary: None, mismatch: None }
    }

    pub fn fail(&mut self, status: Status, reason: impl Into<String>) {
        self.status = status;
        self.reason = Some(reason.into());
    }
}

/// Writes `results.json` atomically (temp file + rename): a reader never sees half a file.
pub fn save(path: &Path, results: &Results) -> std::io::Result<()> {
    let tmp: PathBuf = path.with_extension("json.tmp");
    let json = serde_json::to_vec_pretty(results).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, path)
}

/// Reads a results file, or the `results.json` inside a run directory.
pub fn load(path: &Path) -> anyhow::Result<Results> {
    let file = if path.is_dir() { path.join("results.json") } else { path.to_path_buf() };
    let text = std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let results: Results = serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: not a benchmatrix results file: {e}", file.display()))?;
    if results.schema != SCHEMA {
        anyhow::bail!("{}: schema `{}` is not `{SCHEMA}`; re-run the matrix with this version", file.display(), results.schema);
    }
    Ok(results)
}

/// Median of a non-empty slice (mean of the middle two for even lengths).
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Summarises the measured runs of a cell.
pub fn summarise(runs: &[RunRecord]) -> Option<CellSummary> {
    let measured: Vec<&RunRecord> = runs.iter().filter(|r| !r.warmup).collect();
    if measured.is_empty() {
        return None;
    }
    let wall: Vec<f64> = measured.iter().map(|r| r.raw.wall_ns as f64 / 1e6).collect();
    let cpu: Vec<f64> = measured.iter().map(|r| r.raw.cpu_us() as f64 / 1e3).collect();
    let rss: Vec<f64> = measured.iter().map(|r| r.raw.max_rss_kib as f64).collect();
    let startup: Vec<f64> = measured.iter().filter_map(|r| r.transcript.ready_ns).map(|ns| ns as f64 / 1e6).collect();
    let iterations: Vec<f64> = measured.iter().flat_map(|r| r.transcript.iterations.iter().filter(|i| !i.warmup).map(|i| i.ns as f64 / 1e6)).collect();
    Some(CellSummary {
        runs: measured.len() as u32,
        wall_ms_median: median(&wall),
        wall_ms_min: wall.iter().copied().fold(f64::INFINITY, f64::min),
        wall_ms_max: wall.iter().copied().fold(0.0, f64::max),
        cpu_ms_median: median(&cpu),
        max_rss_kib_median: median(&rss).round() as u64,
        startup_ms_median: (!startup.is_empty()).then(|| median(&startup)),
        iteration_ms_median: (!iterations.is_empty()).then(|| median(&iterations)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_lengths() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn status_names_match_the_schema() {
        for s in [Status::Ok, Status::Skipped, Status::BuildFailed, Status::RunFailed, Status::Timeout, Status::WrongOutput, Status::Invalid, Status::Pending] {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        assert!(Status::WrongOutput.is_failure() && !Status::Skipped.is_failure());
    }
}
