//! Derives every figure from the raw records: per-cell statistics with intervals, disturbed
//! runs, ratios to the fastest and to the reference, budgets, and the ranking of targets.
//! A pure function of its input and seed: the same records give the same figures, so a run
//! directory can always be re-analysed from disk.

pub mod budgets;
pub mod fitness;
pub mod iterations;
pub mod rank;
pub mod ratios;
pub mod service;
pub mod stream;

pub use budgets::{BudgetResult, Verdict};
pub use iterations::{IterationStats, Steadiness};
pub use rank::Ranking;
pub use ratios::RatioResult;
pub use stream::StreamStats;

use crate::ids::{CellId, Column};
use crate::metric::Metric;
use crate::records::{CellRecord, Status};
use crate::spec::{Budget, Size};
use crate::stats::{self, Estimate, Rng, Summary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Figures over the measured (non-warm-up) runs of a cell, each with its 95 % interval.
/// Medians lead: one disturbed run should not move the headline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellSummary {
    pub runs: u32,
    pub wall_ms: Summary,
    pub cpu_ms: Summary,
    #[serde(alias = "max_rss_kib")]
    pub peak_rss_kib: Summary,
    /// Spawn to `#bm ready`: runtime start-up.
    pub startup_ms: Option<Summary>,
    /// In-process measured iterations.
    pub iterations: Option<IterationStats>,
    /// The same per cycle label (workloads with `cycle_labels`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_label: BTreeMap<String, IterationStats>,
    /// Time to first token, inter-token gaps, token rate (workloads with events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<StreamStats>,
    /// Service cells: every load level, the held streams, the server's memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<service::ServiceStats>,
    pub disturbed_runs: u32,
    /// Runs whose processes outlived the program (allowed only where a workload says so).
    #[serde(default)]
    pub outlived_runs: u32,
    /// Ratio of median wall time to the column's fastest verified cell.
    pub vs_fastest: Option<Estimate>,
    /// Ratio of median wall time to the reference target's cell (`--reference`).
    pub vs_reference: Option<Estimate>,
    /// The fastest cell of the column ran on another machine (a merged run): `vs_fastest`
    /// compares machines as well as programs.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub vs_fastest_cross_machine: bool,
    /// The same for `vs_reference`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub vs_reference_cross_machine: bool,
}

/// What the analysis needs to know of a workload.
#[derive(Debug, Clone)]
pub struct WorkloadFacts {
    pub name: String,
    /// Baseline workloads (the runtime floor) are not ranked.
    pub baseline: bool,
    /// Service and client workloads: measured per load level, their wall time no result
    /// (no rank, no Haxe-over-native wall ratio).
    pub per_level: bool,
    pub cycle: u32,
    pub cycle_labels: Vec<String>,
    pub budgets: Vec<Budget>,
    pub ratios: Vec<crate::spec::AxisRatio>,
    /// The axis parameter, when the workload has an axis.
    pub axis_param: Option<String>,
    /// Its columns in order.
    pub columns: Vec<Column>,
}

pub struct Input<'a> {
    pub cells: &'a [CellRecord],
    pub workloads: &'a [WorkloadFacts],
    /// (Haxe target, its native counterpart): each pair's ratio per column is reported.
    pub counterparts: &'a [(String, String)],
    pub seed: u64,
    pub size: Size,
    pub reference: Option<&'a str>,
    /// A merged run's cell key -> machine label (empty: one machine measured every cell).
    pub machine_of: &'a BTreeMap<String, String>,
}

impl Input<'_> {
    /// Whether two cells were measured on different machines (a merged multi-machine run).
    pub fn cross_machine(&self, a: &CellId, b: &CellId) -> bool {
        self.machine_of.get(&a.key()) != self.machine_of.get(&b.key())
    }
}

#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub summaries: BTreeMap<CellId, CellSummary>,
    /// Per cell, one flag per run (warm-ups included, in record order).
    pub disturbed: BTreeMap<CellId, Vec<bool>>,
    pub budgets: Vec<BudgetResult>,
    pub ratios: Vec<RatioResult>,
    pub counterparts: Vec<CounterpartResult>,
    pub rank: Ranking,
}

/// What compiling from Haxe costs on one platform: a Haxe target's median wall time over its
/// native counterpart's, in one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterpartResult {
    pub column: Column,
    pub target: String,
    pub counterpart: String,
    /// target / counterpart, ratio of median wall times with its interval.
    pub wall: Estimate,
    /// The same for the in-process iterations' medians, where both have iterations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iteration: Option<Estimate>,
    /// The two cells ran on different machines (a merged run).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cross_machine: bool,
}

/// A run is disturbed when its involuntary context switches are far beyond the cell's
/// median: preempted by something else on the machine (on the 2-core machines this project
/// is developed on, a busy neighbour took a CPU-bound run from a median of 5.5 to 33).
pub fn is_disturbed(nivcsw: u64, cell_median: f64) -> bool {
    nivcsw as f64 > 4.0 * cell_median + 20.0
}

/// A seed per cell, so adding a cell does not change another's intervals.
fn cell_rng(seed: u64, id: &CellId) -> Rng {
    Rng::new(seed ^ stats::fnv1a(id.key().bytes()))
}

/// Summarises one cell's measured runs (None without any).
pub fn summarise_cell(cell: &CellRecord, facts: Option<&WorkloadFacts>, seed: u64) -> Option<CellSummary> {
    let measured: Vec<_> = cell.measured().collect();
    if measured.is_empty() {
        return None;
    }
    let mut rng = cell_rng(seed, &cell.id);
    let nivcsw: Vec<f64> = measured.iter().map(|r| r.raw.involuntary_csw as f64).collect();
    let norm = stats::median(&nivcsw);
    let startup: Vec<f64> = measured.iter().filter_map(|r| Metric::StartupMs.of_run(r, None)).collect();
    let transcripts: Vec<&[crate::measure::protocol::Iteration]> = measured.iter().map(|r| r.transcript.iterations.as_slice()).collect();
    let mut by_label = BTreeMap::new();
    if let Some(f) = facts.filter(|f| f.cycle_labels.len() == f.cycle as usize && f.cycle > 1) {
        for (position, label) in f.cycle_labels.iter().enumerate() {
            let runs = iterations::per_run(&transcripts, |i| i.index % f.cycle == position as u32);
            if let Some(s) = iterations::summarise(&runs, &mut rng) {
                by_label.insert(label.clone(), s);
            }
        }
    }
    Some(CellSummary {
        runs: measured.len() as u32,
        wall_ms: stats::summarise(&Metric::WallMs.samples(measured.iter().copied()), &mut rng),
        cpu_ms: stats::summarise(&Metric::CpuMs.samples(measured.iter().copied()), &mut rng),
        peak_rss_kib: stats::summarise(&Metric::PeakRssKib.samples(measured.iter().copied()), &mut rng),
        startup_ms: (!startup.is_empty()).then(|| stats::summarise(&startup, &mut rng)),
        iterations: iterations::summarise(&iterations::per_run(&transcripts, |_| true), &mut rng),
        by_label,
        stream: stream::summarise(measured.iter().copied(), &mut rng),
        service: service::summarise(measured.iter().copied(), &mut rng),
        disturbed_runs: measured.iter().filter(|r| is_disturbed(r.raw.involuntary_csw, norm)).count() as u32,
        outlived_runs: measured.iter().filter(|r| r.raw.outlived_ns > 0 || r.raw.leftovers > 0).count() as u32,
        vs_fastest: None,
        vs_reference: None,
        vs_fastest_cross_machine: false,
        vs_reference_cross_machine: false,
    })
}

/// Cells that are ranked and compared: verified ok, or pending with runs (an interrupted
/// session still shows what it measured).
fn summarisable(cell: &CellRecord) -> bool {
    matches!(cell.status, Status::Ok | Status::Pending)
}

pub fn analyse(input: &Input) -> Analysis {
    let facts: BTreeMap<&str, &WorkloadFacts> = input.workloads.iter().map(|w| (w.name.as_str(), w)).collect();
    let mut out = Analysis::default();
    for cell in input.cells {
        let measured: Vec<_> = cell.runs.iter().filter(|r| !r.warmup).map(|r| r.raw.involuntary_csw as f64).collect();
        let norm = stats::median(&measured);
        out.disturbed.insert(cell.id.clone(), cell.runs.iter().map(|r| !r.warmup && is_disturbed(r.raw.involuntary_csw, norm)).collect());
        if summarisable(cell) {
            if let Some(s) = summarise_cell(cell, facts.get(cell.id.workload.as_str()).copied(), input.seed) {
                out.summaries.insert(cell.id.clone(), s);
            }
        }
    }
    // Ratios need every cell of the column summarised first.
    let mut rng = Rng::new(input.seed ^ 0x5eed);
    let mut columns: Vec<Column> = Vec::new();
    for c in input.cells {
        let column = c.id.column();
        if !columns.contains(&column) {
            columns.push(column);
        }
    }
    for column in columns {
        let ranked: Vec<&CellRecord> =
            input.cells.iter().filter(|c| c.id.column() == column && out.summaries.contains_key(&c.id)).collect();
        let wall = |c: &CellRecord| Metric::WallMs.samples(&c.runs);
        let Some(fastest) =
            ranked.iter().min_by(|a, b| out.summaries[&a.id].wall_ms.median.total_cmp(&out.summaries[&b.id].wall_ms.median))
        else {
            continue;
        };
        let fastest_wall = wall(fastest);
        let reference = input.reference.and_then(|r| ranked.iter().find(|c| c.id.target == r));
        let reference_wall = reference.map(|c| wall(c));
        for c in &ranked {
            let w = wall(c);
            let one = Estimate { value: 1.0, lo: 1.0, hi: 1.0 };
            let vs_fastest = if c.id == fastest.id { one } else { stats::ratio_of_medians(&fastest_wall, &w, &mut rng) };
            let vs_reference = reference_wall.as_ref().map(|r| {
                if reference.is_some_and(|rc| rc.id == c.id) {
                    one
                } else {
                    stats::ratio_of_medians(r, &w, &mut rng)
                }
            });
            if let Some(s) = out.summaries.get_mut(&c.id) {
                s.vs_fastest = Some(vs_fastest);
                s.vs_reference = vs_reference;
                s.vs_fastest_cross_machine = input.cross_machine(&c.id, &fastest.id);
                s.vs_reference_cross_machine = reference.is_some_and(|r| input.cross_machine(&c.id, &r.id));
            }
        }
    }
    out.budgets = budgets::evaluate(input, &out.summaries);
    out.ratios = ratios::evaluate(input);
    let mut crng = Rng::new(input.seed ^ 0xc0de);
    let per_level: Vec<&str> = input.workloads.iter().filter(|w| w.per_level).map(|w| w.name.as_str()).collect();
    for (haxe, native) in input.counterparts {
        for c in
            input.cells.iter().filter(|c| &c.id.target == haxe && c.status == Status::Ok && !per_level.contains(&c.id.workload.as_str()))
        {
            let other = c.id.column().cell(native);
            let Some(n) = input.cells.iter().find(|x| x.id == other && x.status == Status::Ok) else { continue };
            let (hw, nw) = (Metric::WallMs.samples(&c.runs), Metric::WallMs.samples(&n.runs));
            let (hi, ni) = (Metric::IterationP50Ms.samples(&c.runs), Metric::IterationP50Ms.samples(&n.runs));
            if hw.is_empty() || nw.is_empty() {
                continue;
            }
            out.counterparts.push(CounterpartResult {
                column: c.id.column(),
                target: haxe.clone(),
                counterpart: native.clone(),
                wall: stats::ratio_of_medians(&nw, &hw, &mut crng),
                iteration: (!hi.is_empty() && !ni.is_empty()).then(|| stats::ratio_of_medians(&ni, &hi, &mut crng)),
                cross_machine: input.cross_machine(&c.id, &n.id),
            });
        }
    }
    out.rank = rank::rank(input, &out.summaries);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disturbed_means_far_beyond_the_norm() {
        assert!(!is_disturbed(30, 6.0));
        assert!(is_disturbed(60, 6.0));
        assert!(!is_disturbed(15, 0.0));
    }
}
