//! Compares two runs cell by cell: incomplete runs and status changes first, then per metric
//! the ratio of medians with a bootstrap interval, called a regression or an improvement only
//! when the whole interval lies beyond the noise threshold.

use crate::ids::CellId;
use crate::metric::Metric;
use crate::probe::Availability;
use crate::records::Status;
use crate::results::{Cell, Results};
use crate::stats::{self, Change, Estimate, Rng};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Side {
    pub label: String,
    pub started: String,
    pub git_revision: Option<String>,
    pub size: crate::spec::Size,
    /// False for a run that was interrupted (its cells may be pending).
    pub complete: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusChange {
    #[serde(flatten)]
    pub cell: CellId,
    pub base: Status,
    pub new: Status,
    /// True when the new status is a failure, or pending, and the old one was ok.
    pub worse: bool,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricChange {
    #[serde(flatten)]
    pub cell: CellId,
    pub metric: Metric,
    pub base_median: f64,
    pub new_median: f64,
    /// new / base, with its 95 % interval.
    pub ratio: Estimate,
    /// The fraction the interval had to clear (the workload's, or wider where history is noisy).
    pub threshold: f64,
    pub change: Change,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolchainChange {
    pub target: String,
    pub base: String,
    pub new: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comparison {
    pub base: Side,
    pub new: Side,
    pub status_changes: Vec<StatusChange>,
    pub only_in_base: Vec<CellId>,
    pub only_in_new: Vec<CellId>,
    pub toolchain_changes: Vec<ToolchainChange>,
    pub metrics: Vec<MetricChange>,
}

impl Comparison {
    pub fn regressions(&self) -> usize {
        self.metrics.iter().filter(|m| m.change == Change::Regression).count() + self.status_changes.iter().filter(|s| s.worse).count()
    }

    pub fn improvements(&self) -> usize {
        self.metrics.iter().filter(|m| m.change == Change::Improvement).count()
    }

    /// Why this comparison must fail a CI job even without a slower metric: a side that did
    /// not finish, or ok cells that vanished.
    pub fn incomplete(&self) -> Vec<String> {
        let mut why = Vec::new();
        for (name, side) in [("base", &self.base), ("new", &self.new)] {
            if !side.complete {
                why.push(format!("the {name} run ({}) is incomplete: it was interrupted", side.label));
            }
        }
        if !self.only_in_base.is_empty() {
            why.push(format!("{} cell(s) of the base run are missing from the new run", self.only_in_base.len()));
        }
        why
    }

    /// The verdict CI acts on.
    pub fn passed(&self) -> bool {
        self.regressions() == 0 && self.incomplete().is_empty()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("the runs are of different sizes (base `{base}`, new `{new}`): compare runs of the same size")]
    SizeMismatch { base: String, new: String },
    #[error("the runs have no cell in common")]
    NothingInCommon,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Overrides every workload's own threshold.
    pub threshold: Option<f64>,
    pub seed: u64,
    /// Per cell and metric: the relative spread of past medians (see `history`).
    pub noise: BTreeMap<(CellId, Metric), f64>,
    /// The metrics compared (default: wall, CPU, peak RSS; for service and client cells:
    /// µs per request and p99 at the busiest level, and peak RSS).
    pub metrics: Vec<Metric>,
}

fn side(label: &str, r: &Results) -> Side {
    Side {
        label: label.to_string(),
        started: r.meta.started.clone(),
        git_revision: r.meta.git_revision.clone(),
        size: r.meta.size,
        complete: r.meta.complete,
    }
}

/// A target's toolchain as the run recorded it: version, component versions and runtime settings.
pub fn version(r: &Results, target: &str) -> Option<String> {
    r.targets.iter().find(|t| t.name == target).and_then(|t| match &t.availability {
        // The runtime settings count too: a changed heap or JIT setting changes results.
        Availability::Available { version, versions, settings, .. } => Some(
            std::iter::once(version.clone()).chain(versions.iter().cloned()).chain(settings.iter().cloned()).collect::<Vec<_>>().join("; "),
        ),
        Availability::Missing { .. } => None,
    })
}

pub fn compare(base_label: &str, base: &Results, new_label: &str, new: &Results, opts: &Options) -> Result<Comparison, CompareError> {
    if base.meta.size != new.meta.size {
        return Err(CompareError::SizeMismatch { base: base.meta.size.to_string(), new: new.meta.size.to_string() });
    }
    let base_cells: BTreeMap<&CellId, &Cell> = base.cells.iter().map(|c| (&c.id, c)).collect();
    let new_cells: BTreeMap<&CellId, &Cell> = new.cells.iter().map(|c| (&c.id, c)).collect();
    // A cell that was not ok in the base and is gone now lost nothing worth failing for.
    let only_in_base: Vec<CellId> =
        base_cells.iter().filter(|(k, c)| !new_cells.contains_key(*k) && c.status == Status::Ok).map(|(k, _)| (*k).clone()).collect();
    let only_in_new: Vec<CellId> = new_cells.keys().filter(|k| !base_cells.contains_key(*k)).map(|k| (*k).clone()).collect();
    if base_cells.keys().all(|k| !new_cells.contains_key(k)) {
        return Err(CompareError::NothingInCommon);
    }
    let kinds: BTreeMap<&str, crate::spec::workload::Kind> = new.workloads.iter().map(|w| (w.name.as_str(), w.kind)).collect();
    let thresholds: BTreeMap<&str, f64> = new.workloads.iter().map(|w| (w.name.as_str(), w.regression_threshold)).collect();
    let mut rng = Rng::new(opts.seed);
    let mut status_changes = Vec::new();
    let mut changes = Vec::new();
    for (k, b) in &base_cells {
        let Some(n) = new_cells.get(k) else { continue };
        if b.status != n.status {
            let worse = (n.status.is_failure() || n.status == Status::Pending) && b.status == Status::Ok
                || n.status.is_failure() && !b.status.is_failure();
            status_changes.push(StatusChange { cell: (*k).clone(), base: b.status, new: n.status, worse, reason: n.reason.clone() });
            continue;
        }
        if b.status != Status::Ok {
            continue;
        }
        let kind = kinds.get(k.workload.as_str()).copied().unwrap_or_default();
        let metrics = if opts.metrics.is_empty() { Metric::headline(kind).to_vec() } else { opts.metrics.clone() };
        for &metric in &metrics {
            let (bv, nv) = (metric.samples(b.measured()), metric.samples(n.measured()));
            if bv.is_empty() || nv.is_empty() {
                continue;
            }
            let ratio = stats::ratio_of_medians(&bv, &nv, &mut rng);
            let own = opts.threshold.unwrap_or_else(|| thresholds.get(n.id.workload.as_str()).copied().unwrap_or(0.05));
            let noise = opts.noise.get(&((*k).clone(), metric)).copied().unwrap_or(0.0);
            let threshold = own.max(noise);
            changes.push(MetricChange {
                cell: (*k).clone(),
                metric,
                base_median: stats::median(&bv),
                new_median: stats::median(&nv),
                change: stats::classify(&ratio, threshold),
                ratio,
                threshold,
            });
        }
    }
    let toolchain_changes = new
        .targets
        .iter()
        .filter_map(|t| match (version(base, &t.name), version(new, &t.name)) {
            (Some(b), Some(n)) if b != n => Some(ToolchainChange { target: t.name.clone(), base: b, new: n }),
            _ => None,
        })
        .collect();
    Ok(Comparison {
        base: side(base_label, base),
        new: side(new_label, new),
        status_changes,
        only_in_base,
        only_in_new,
        toolchain_changes,
        metrics: changes,
    })
}
