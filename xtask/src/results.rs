//! `results.json`: the wire format of a run (documented in docs/results-schema.md).
//! Written after every finished cell, atomically, so an interrupted run keeps its cells.

use crate::machine::Machine;
use crate::measure::protocol::Transcript;
use crate::measure::RawRun;
use crate::probe::Availability;
use crate::spec::{CompareRule, Family};
use crate::stats::{Estimate, Summary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Bumped when a field changes meaning or disappears.
pub const SCHEMA: &str = "benchmatrix-results/2";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    pub schema: String,
    pub meta: Meta,
    pub targets: Vec<TargetRecord>,
    pub workloads: Vec<WorkloadRecord>,
    /// Every planned cell, workload-major, in plan order; none is ever left out.
    pub cells: Vec<Cell>,
    /// Each workload budget evaluated for each target.
    #[serde(default)]
    pub budgets: Vec<BudgetResult>,
    /// With `--rerun-baseline`: the baseline's own builds, run again in this session,
    /// interleaved with the cells above (same workload and target names).
    #[serde(default)]
    pub baseline_rerun: Vec<Cell>,
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
    /// Measured runs per cell: fixed (`min_runs == max_runs`) or adaptive between the two.
    pub min_runs: u32,
    pub max_runs: u32,
    /// Adaptive runs stop once the median's 95 % interval is narrower than this fraction of it.
    pub target_ci: Option<f64>,
    pub warmup_runs: u32,
    /// Seed of the run order and of every bootstrap: the same seed repeats both.
    pub seed: u64,
    /// Cell the relative figures `vs_reference` are computed against, per workload.
    pub reference: Option<String>,
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
    /// The change `compare` must see beyond noise to call a regression (0.05 = 5 %).
    pub regression_threshold: f64,
    pub budgets: Vec<crate::spec::workload::Budget>,
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
    /// Position of this run in the session's interleaved order (0-based, all cells).
    pub seq: u32,
    /// The discarded warm-up run.
    pub warmup: bool,
    /// Involuntary context switches far beyond the cell's norm: kept, but marked.
    #[serde(default)]
    pub disturbed: bool,
    pub argv: Vec<String>,
    pub raw: RawRun,
    pub transcript: Transcript,
}

/// Figures over the measured (non-warm-up) runs, each with its 95 % interval
/// (see `analysis`). Medians lead: one disturbed run should not move the headline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CellSummary {
    pub runs: u32,
    pub wall_ms: Summary,
    pub cpu_ms: Summary,
    pub max_rss_kib: Summary,
    /// Spawn to `#bm ready`: runtime start-up.
    pub startup_ms: Option<Summary>,
    /// In-process measured iterations (the steady state).
    pub iterations: Option<IterationStats>,
    pub disturbed_runs: u32,
    /// Ratio of median wall time to the workload's fastest verified cell.
    pub vs_fastest: Option<Estimate>,
    /// Ratio of median wall time to the reference target's cell (`--reference`).
    pub vs_reference: Option<Estimate>,
}

/// Iteration times from the runners, through an HDR histogram.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IterationStats {
    pub count: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
    /// Bootstrap interval of the p95 over the raw samples (for budgets).
    pub p95_ci_ms: Estimate,
    pub median_ci_ms: Estimate,
    /// Iterations per second at the median.
    pub throughput_per_s: f64,
}

/// One budget of a workload, judged for one target.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BudgetResult {
    pub workload: String,
    pub target: String,
    pub description: String,
    pub metric: String,
    pub limit: f64,
    pub verdict: Verdict,
    pub measured: Option<Estimate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The whole interval lies within the limit.
    Pass,
    /// The whole interval lies beyond the limit.
    Fail,
    /// The interval straddles the limit: more runs needed to say.
    Unsure,
    NotMeasured,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Unsure => "UNSURE",
            Verdict::NotMeasured => "NOT-MEASURED",
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_match_the_schema() {
        for s in [Status::Ok, Status::Skipped, Status::BuildFailed, Status::RunFailed, Status::Timeout, Status::WrongOutput, Status::Invalid, Status::Pending] {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        assert!(Status::WrongOutput.is_failure() && !Status::Skipped.is_failure());
    }
}
