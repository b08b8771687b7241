//! `results.json`: the wire format of a run (documented in docs/results-schema.md), assembled
//! from a session's records and their analysis. It keeps every raw run, so every figure in it
//! can be recomputed (`Results::reanalyse`); files of the previous schema are read that way.

use crate::analysis::{self, Analysis, BudgetResult, CellSummary, CounterpartResult, Ranking, RatioResult, WorkloadFacts};
use crate::ids::{CellId, Column};
use crate::machine::Machine;
use crate::probe::Availability;
use crate::records::{BuildRecord, CellRecord, Mismatch, RunRecord, Status};
use crate::spec::{Axis, AxisRatio, Budget, CompareRule, Family, Size};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Bumped when a field changes meaning or disappears.
pub const SCHEMA: &str = "benchmatrix-results/3";
/// The previous schema: still read (its figures are recomputed from its raw runs).
pub const SCHEMA_2: &str = "benchmatrix-results/2";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    pub schema: String,
    pub meta: Meta,
    pub targets: Vec<TargetRecord>,
    pub workloads: Vec<WorkloadRecord>,
    /// Every planned cell, in plan order; none is ever left out.
    pub cells: Vec<Cell>,
    /// Each workload budget evaluated for each of its cells.
    #[serde(default, deserialize_with = "lenient")]
    pub budgets: Vec<BudgetResult>,
    /// Ratios between axis values per target (`[[ratios]]`, e.g. the streaming overhead).
    #[serde(default, deserialize_with = "lenient")]
    pub ratios: Vec<RatioResult>,
    /// Each Haxe target against its native counterpart, per column.
    #[serde(default, deserialize_with = "lenient")]
    pub counterparts: Vec<CounterpartResult>,
    /// Targets ranked across workloads (geometric mean of ratios to the fastest).
    #[serde(default, deserialize_with = "lenient")]
    pub rank: Ranking,
    /// With `--rerun-baseline`: the baseline's own builds, run again in this session,
    /// interleaved with the cells above (same cell identities).
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
    pub size: Size,
    /// Measured runs per cell: fixed (`min_runs == max_runs`) or adaptive between the two.
    pub min_runs: u32,
    pub max_runs: u32,
    /// Adaptive runs stop once the median's 95 % interval is narrower than this fraction of it.
    pub target_ci: Option<f64>,
    pub warmup_runs: u32,
    /// Seed of the run order and of every bootstrap: the same seed repeats both.
    pub seed: u64,
    /// Cell the relative figures `vs_reference` are computed against, per column.
    pub reference: Option<String>,
    /// `--workloads` and `--targets` as given (absent: all).
    #[serde(default)]
    pub selected_workloads: Option<Vec<String>>,
    #[serde(default)]
    pub selected_targets: Option<Vec<String>>,
    pub command_line: Vec<String>,
    /// SHA-256 of every workload and target file of the run (relative path -> digest): a
    /// resumed run refuses to continue if one changed.
    #[serde(default)]
    pub inputs: BTreeMap<String, String>,
    /// The baseline compared with at the end (and whether its builds were re-run).
    #[serde(default)]
    pub baseline: Option<PathBuf>,
    #[serde(default)]
    pub rerun_baseline: bool,
    /// When the run was resumed after an interruption (`matrix --resume`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resumed: Vec<String>,
    pub git_revision: Option<String>,
    pub git_dirty: bool,
    pub machine: Machine,
    /// Frequency scaling and load when the run began and when it ended (the report's
    /// machine-fitness note).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions_start: Option<crate::machine::Conditions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions_end: Option<crate::machine::Conditions>,
    /// `matrix --shard I/N`: this run holds only that slice of the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::shard::ShardMeta>,
    /// A merged run (`cargo xtask merge`): each shard's machine and cells.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shards: Vec<ShardRecord>,
}

/// One shard of a merged run: where and when it ran, and which cells it measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardRecord {
    pub index: u32,
    pub count: u32,
    pub started: String,
    pub finished: Option<String>,
    pub machine: Machine,
    /// `hostname (fingerprint)`: cells with different labels ran on different machines.
    pub machine_label: String,
    /// The cells' keys (`CellId::key`).
    pub cells: Vec<String>,
}

impl Meta {
    /// Each cell's machine label, for a merged run (empty: one machine ran everything).
    pub fn machine_of(&self) -> BTreeMap<String, String> {
        self.shards.iter().flat_map(|s| s.cells.iter().map(|c| (c.clone(), s.machine_label.clone()))).collect()
    }
}

/// The label that tells machines apart in a merged run.
pub fn machine_label(m: &Machine) -> String {
    format!("{} ({})", m.hostname, crate::history::fingerprint(m))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetRecord {
    pub name: String,
    pub family: Option<Family>,
    pub language: String,
    pub availability: Availability,
    /// Set when the target file itself is broken.
    pub error: Option<String>,
    /// Why the runner's iteration clock is not monotonic here, if it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<String>,
    /// For a Haxe target: the native target of the same platform (haxe-js → node).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterpart: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkloadRecord {
    pub name: String,
    pub summary: String,
    pub category: String,
    pub compare: Option<CompareRule>,
    /// This size's parameters (without the axis parameter).
    pub params: BTreeMap<String, String>,
    pub timeout_secs: f64,
    #[serde(default)]
    pub warmup: u32,
    #[serde(default = "one")]
    pub iterations: u32,
    /// The change `compare` must see beyond noise to call a regression (0.05 = 5 %).
    pub regression_threshold: f64,
    #[serde(default, deserialize_with = "lenient")]
    pub budgets: Vec<Budget>,
    #[serde(default, deserialize_with = "lenient")]
    pub ratios: Vec<AxisRatio>,
    #[serde(default, deserialize_with = "lenient")]
    pub axis: Option<Axis>,
    #[serde(default = "one")]
    pub cycle: u32,
    #[serde(default)]
    pub cycle_labels: Vec<String>,
    /// Its columns in order (one per axis value, or just the workload).
    #[serde(default)]
    pub columns: Vec<Column>,
    /// Set when workload.toml is broken.
    pub error: Option<String>,
    /// `service` workloads are servers measured under load (runners/SERVICE.md), `client`
    /// ones HTTP clients against the mock API (workloads/chat-client/README.md).
    #[serde(default)]
    pub kind: crate::spec::workload::Kind,
    /// A service's load levels at this size: every setting that shapes its figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<crate::spec::workload::LoadSpec>,
    /// A client workload's levels, phases and mock timing at this size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<crate::spec::workload::ClientSpec>,
}

fn one() -> u32 {
    1
}

impl WorkloadRecord {
    pub fn columns(&self) -> Vec<Column> {
        if self.columns.is_empty() {
            vec![Column::plain(&self.name)]
        } else {
            self.columns.clone()
        }
    }

    /// The runtime floor (noop) is context for the others, not ranked with them.
    pub fn is_baseline(&self) -> bool {
        self.category == "baseline"
    }
}

/// One run as results.json shows it: the record, plus what the analysis said of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    #[serde(flatten)]
    pub record: RunRecord,
    /// Involuntary context switches far beyond the cell's norm: kept, but marked.
    #[serde(default)]
    pub disturbed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cell {
    #[serde(flatten)]
    pub id: CellId,
    pub status: Status,
    /// Why the cell is not ok, in one or a few lines.
    pub reason: Option<String>,
    /// What to do about it (install command, fix).
    pub hint: Option<String>,
    pub build: Option<BuildRecord>,
    pub runs: Vec<Run>,
    #[serde(default, deserialize_with = "lenient")]
    pub summary: Option<CellSummary>,
    #[serde(default, deserialize_with = "lenient")]
    pub mismatch: Option<Mismatch>,
}

impl Cell {
    /// The session state this cell was assembled from.
    pub fn record(&self) -> CellRecord {
        CellRecord {
            id: self.id.clone(),
            status: self.status,
            reason: self.reason.clone(),
            hint: self.hint.clone(),
            build: self.build.clone(),
            runs: self.runs.iter().map(|r| r.record.clone()).collect(),
        }
    }

    pub fn measured(&self) -> impl Iterator<Item = &RunRecord> {
        self.runs.iter().map(|r| &r.record).filter(|r| !r.warmup)
    }
}

/// A field of an older schema that no longer parses is dropped (and recomputed) rather than
/// making the whole file unreadable.
fn lenient<'de, D: Deserializer<'de>, T: Default + serde::de::DeserializeOwned>(d: D) -> Result<T, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(value).unwrap_or_default())
}

/// (Haxe target, native counterpart) pairs of the targets recorded.
pub fn counterparts_of(targets: &[TargetRecord]) -> Vec<(String, String)> {
    targets
        .iter()
        .filter_map(|t| Some((t.name.clone(), t.counterpart.clone()?)))
        .filter(|(_, n)| targets.iter().any(|t| &t.name == n))
        .collect()
}

/// Builds a wire cell from a record and the analysis.
pub fn cell(record: &CellRecord, analysis: &Analysis) -> Cell {
    let flags = analysis.disturbed.get(&record.id);
    Cell {
        id: record.id.clone(),
        status: record.status,
        reason: record.reason.clone(),
        hint: record.hint.clone(),
        build: record.build.clone(),
        runs: record
            .runs
            .iter()
            .enumerate()
            .map(|(i, r)| Run { record: r.clone(), disturbed: flags.and_then(|f| f.get(i)).copied().unwrap_or(false) })
            .collect(),
        summary: if record.status == Status::Ok || record.status == Status::Pending {
            analysis.summaries.get(&record.id).cloned()
        } else {
            None
        },
        mismatch: record.mismatch().cloned(),
    }
}

impl Results {
    /// Whether the machine looked fit to publish from (derived, never stored).
    pub fn fitness(&self) -> crate::analysis::fitness::Fitness {
        let summaries = || self.cells.iter().filter_map(|c| c.summary.as_ref());
        let measured: u64 = summaries().map(|s| s.wall_ms.n as u64).sum();
        let disturbed: u64 = summaries().map(|s| u64::from(s.disturbed_runs)).sum();
        crate::analysis::fitness::judge(
            self.meta.conditions_start.as_ref(),
            self.meta.conditions_end.as_ref(),
            self.meta.machine.cores,
            measured,
            disturbed,
        )
    }

    /// The analysis facts of the workloads recorded here.
    pub fn facts(&self) -> Vec<WorkloadFacts> {
        Results::facts_of(&self.workloads)
    }

    pub fn facts_of(workloads: &[WorkloadRecord]) -> Vec<WorkloadFacts> {
        workloads
            .iter()
            .map(|w| WorkloadFacts {
                name: w.name.clone(),
                // A server's wall time is how long it was kept up, a client's the sum of its levels:
                // not figures to rank by.
                baseline: w.is_baseline() || !w.kind.is_batch(),
                per_level: !w.kind.is_batch(),
                cycle: w.cycle,
                cycle_labels: w.cycle_labels.clone(),
                budgets: w.budgets.clone(),
                ratios: w.ratios.clone(),
                axis_param: w.axis.as_ref().map(|a| a.param.clone()),
                columns: w.columns(),
            })
            .collect()
    }

    /// Recomputes every derived figure from the raw runs.
    pub fn reanalyse(&mut self) {
        let facts = self.facts();
        let records: Vec<CellRecord> = self.cells.iter().map(Cell::record).collect();
        let counterparts = counterparts_of(&self.targets);
        let machine_of = self.meta.machine_of();
        let analysis = analysis::analyse(&analysis::Input {
            cells: &records,
            workloads: &facts,
            counterparts: &counterparts,
            seed: self.meta.seed,
            size: self.meta.size,
            reference: self.meta.reference.as_deref(),
            machine_of: &machine_of,
        });
        self.cells = records.iter().map(|r| cell(r, &analysis)).collect();
        let twins: Vec<CellRecord> = self.baseline_rerun.iter().map(Cell::record).collect();
        let twin_analysis = analysis::analyse(&analysis::Input {
            cells: &twins,
            workloads: &facts,
            counterparts: &[],
            seed: self.meta.seed,
            size: self.meta.size,
            reference: None,
            machine_of: &machine_of,
        });
        self.baseline_rerun = twins.iter().map(|r| cell(r, &twin_analysis)).collect();
        self.budgets = analysis.budgets;
        self.ratios = analysis.ratios;
        self.counterparts = analysis.counterparts;
        self.rank = analysis.rank;
    }

    pub fn cell(&self, id: &CellId) -> Option<&Cell> {
        self.cells.iter().find(|c| &c.id == id)
    }

    /// The workloads' columns, in order.
    pub fn columns(&self) -> Vec<Column> {
        self.workloads.iter().flat_map(WorkloadRecord::columns).collect()
    }

    pub fn workload(&self, name: &str) -> Option<&WorkloadRecord> {
        self.workloads.iter().find(|w| w.name == name)
    }
}

/// Writes `results.json` atomically (temp file + rename): a reader never sees half a file.
pub fn save(path: &Path, results: &Results) -> std::io::Result<()> {
    let tmp: PathBuf = path.with_extension("json.tmp");
    let json = serde_json::to_vec_pretty(results).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, path)
}

/// A results file that cannot be read: bad input for every command that reads one.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UnreadableResults(pub String);

/// Reads a results file, or the `results.json` inside a run directory.
pub fn load(path: &Path) -> Result<Results, UnreadableResults> {
    let file = if path.is_dir() { path.join("results.json") } else { path.to_path_buf() };
    let text = std::fs::read_to_string(&file).map_err(|e| UnreadableResults(format!("cannot read {}: {e}", file.display())))?;
    let mut results: Results =
        serde_json::from_str(&text).map_err(|e| UnreadableResults(format!("{}: not a benchmatrix results file: {e}", file.display())))?;
    match results.schema.as_str() {
        SCHEMA => {}
        SCHEMA_2 => {
            results.reanalyse();
            results.schema = SCHEMA.to_string();
        }
        other => {
            return Err(UnreadableResults(format!(
                "{}: schema `{other}` is neither `{SCHEMA}` nor `{SCHEMA_2}`; re-run the matrix with this version",
                file.display()
            )))
        }
    }
    Ok(results)
}
