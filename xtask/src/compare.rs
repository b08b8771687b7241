//! Compares two results files cell by cell: status changes first, then per metric the
//! ratio of medians with a bootstrap interval, called a regression or an improvement only
//! when the whole interval lies beyond the noise threshold.

use crate::analysis;
use crate::probe::Availability;
use crate::results::{Cell, Results, Status};
use crate::stats::{self, Change, Estimate, Rng};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The metrics compared, with how to read each from a cell's measured runs.
pub const METRICS: [(&str, fn(&Cell) -> Vec<f64>); 3] = [("wall_ms", analysis::wall_ms), ("cpu_ms", analysis::cpu_ms), ("peak_rss_kib", analysis::rss_kib)];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Side {
    pub label: String,
    pub started: String,
    pub git_revision: Option<String>,
    pub size: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusChange {
    pub workload: String,
    pub target: String,
    pub base: Status,
    pub new: Status,
    /// True when the new status is a failure and the old one was not.
    pub worse: bool,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricChange {
    pub workload: String,
    pub target: String,
    pub metric: String,
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
    pub only_in_base: Vec<String>,
    pub only_in_new: Vec<String>,
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
}

#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("the runs are of different sizes (base `{base}`, new `{new}`): compare runs of the same size")]
    SizeMismatch { base: String, new: String },
    #[error("the runs have no workload × target cell in common")]
    NothingInCommon,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Overrides every workload's own threshold.
    pub threshold: Option<f64>,
    pub seed: u64,
    /// Per "workload/target/metric": the relative spread of past medians (see `history`).
    pub noise: BTreeMap<String, f64>,
}

fn side(label: &str, r: &Results) -> Side {
    Side { label: label.to_string(), started: r.meta.started.clone(), git_revision: r.meta.git_revision.clone(), size: r.meta.size.clone() }
}

fn version(r: &Results, target: &str) -> Option<String> {
    r.targets.iter().find(|t| t.name == target).and_then(|t| match &t.availability {
        Availability::Available { version, versions, .. } => Some(std::iter::once(version.clone()).chain(versions.iter().cloned()).collect::<Vec<_>>().join("; ")),
        Availability::Missing { .. } => None,
    })
}

pub fn compare(base_label: &str, base: &Results, new_label: &str, new: &Results, opts: &Options) -> Result<Comparison, CompareError> {
    if base.meta.size != new.meta.size {
        return Err(CompareError::SizeMismatch { base: base.meta.size.clone(), new: new.meta.size.clone() });
    }
    let key = |c: &Cell| format!("{} × {}", c.workload, c.target);
    let base_cells: BTreeMap<String, &Cell> = base.cells.iter().map(|c| (key(c), c)).collect();
    let new_cells: BTreeMap<String, &Cell> = new.cells.iter().map(|c| (key(c), c)).collect();
    let only_in_base: Vec<String> = base_cells.keys().filter(|k| !new_cells.contains_key(*k)).cloned().collect();
    let only_in_new: Vec<String> = new_cells.keys().filter(|k| !base_cells.contains_key(*k)).cloned().collect();
    if base_cells.keys().all(|k| !new_cells.contains_key(k)) {
        return Err(CompareError::NothingInCommon);
    }
    let thresholds: BTreeMap<&str, f64> = new.workloads.iter().map(|w| (w.name.as_str(), w.regression_threshold)).collect();
    let mut rng = Rng::new(opts.seed);
    let mut status_changes = Vec::new();
    let mut metrics = Vec::new();
    for (k, b) in &base_cells {
        let Some(n) = new_cells.get(k) else { continue };
        if b.status != n.status {
            let worse = n.status.is_failure() && !b.status.is_failure();
            status_changes.push(StatusChange { workload: n.workload.clone(), target: n.target.clone(), base: b.status, new: n.status, worse, reason: n.reason.clone() });
            continue;
        }
        if b.status != Status::Ok {
            continue;
        }
        for (metric, read) in METRICS {
            let (bv, nv) = (read(b), read(n));
            if bv.is_empty() || nv.is_empty() {
                continue;
            }
            let ratio = stats::ratio_of_medians(&bv, &nv, &mut rng);
            let own = opts.threshold.unwrap_or_else(|| thresholds.get(n.workload.as_str()).copied().unwrap_or(0.05));
            let noise = opts.noise.get(&format!("{}/{}/{metric}", n.workload, n.target)).copied().unwrap_or(0.0);
            let threshold = own.max(noise);
            metrics.push(MetricChange {
                workload: n.workload.clone(),
                target: n.target.clone(),
                metric: metric.to_string(),
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
    Ok(Comparison { base: side(base_label, base), new: side(new_label, new), status_changes, only_in_base, only_in_new, toolchain_changes, metrics })
}

fn pct(ratio: f64) -> String {
    format!("{:+.1} %", (ratio - 1.0) * 100.0)
}

fn change_word(c: Change) -> &'static str {
    match c {
        Change::Regression => "REGRESSION",
        Change::Improvement => "improvement",
        Change::NoSignificantChange => "no significant change",
    }
}

/// Lines for people: what changed status and what changed significantly come first.
pub fn text(c: &Comparison, all: bool) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "base: {} ({}, {})\nnew:  {} ({}, {})", c.base.label, c.base.started, c.base.git_revision.as_deref().unwrap_or("?"), c.new.label, c.new.started, c.new.git_revision.as_deref().unwrap_or("?"));
    for s in &c.status_changes {
        let _ = writeln!(out, "{} {} × {}: {} -> {}{}", if s.worse { "STATUS" } else { "status" }, s.workload, s.target, s.base.as_str(), s.new.as_str(), s.reason.as_deref().map(|r| format!(" ({})", r.lines().next().unwrap_or(""))).unwrap_or_default());
    }
    for k in &c.only_in_base {
        let _ = writeln!(out, "only in base: {k}");
    }
    for k in &c.only_in_new {
        let _ = writeln!(out, "only in new:  {k}");
    }
    for t in &c.toolchain_changes {
        let _ = writeln!(out, "toolchain {}: {} -> {}", t.target, t.base, t.new);
    }
    for m in c.metrics.iter().filter(|m| all || m.change != Change::NoSignificantChange) {
        let _ = writeln!(
            out,
            "{:<22} {} × {} {}: {:.3} -> {:.3} ({} [{} .. {}], threshold {:.0} %)",
            change_word(m.change),
            m.workload,
            m.target,
            m.metric,
            m.base_median,
            m.new_median,
            pct(m.ratio.value),
            pct(m.ratio.lo),
            pct(m.ratio.hi),
            m.threshold * 100.0
        );
    }
    let quiet = c.metrics.iter().filter(|m| m.change == Change::NoSignificantChange).count();
    let _ = writeln!(out, "\n{} regression(s), {} improvement(s), {} metric(s) with no significant change", c.regressions(), c.improvements(), quiet);
    out
}

/// A Markdown table fit for a CI job summary.
pub fn markdown(c: &Comparison) -> String {
    use std::fmt::Write;
    let esc = crate::report::terminal::md;
    let mut out = format!("### benchmatrix compare: {} regression(s), {} improvement(s)\n\n", c.regressions(), c.improvements());
    let _ = writeln!(out, "base `{}` ({}) → new `{}` ({})\n", esc(&c.base.label), c.base.started, esc(&c.new.label), c.new.started);
    if !c.status_changes.is_empty() || !c.only_in_base.is_empty() || !c.only_in_new.is_empty() || !c.toolchain_changes.is_empty() {
        for s in &c.status_changes {
            let _ = writeln!(out, "- **{} × {}**: {} → {}", esc(&s.workload), esc(&s.target), s.base.as_str(), s.new.as_str());
        }
        for k in &c.only_in_base {
            let _ = writeln!(out, "- only in base: {}", esc(k));
        }
        for k in &c.only_in_new {
            let _ = writeln!(out, "- only in new: {}", esc(k));
        }
        for t in &c.toolchain_changes {
            let _ = writeln!(out, "- toolchain **{}**: {} → {}", esc(&t.target), esc(&t.base), esc(&t.new));
        }
        out.push('\n');
    }
    out.push_str("| cell | metric | base | new | change [95 % interval] | verdict |\n|---|---|---|---|---|---|\n");
    let mut rows: Vec<&MetricChange> = c.metrics.iter().collect();
    rows.sort_by_key(|m| (m.change != Change::Regression, m.change != Change::Improvement));
    for m in rows {
        let _ = writeln!(out, "| {} × {} | {} | {:.3} | {:.3} | {} [{} .. {}] | {} |", esc(&m.workload), esc(&m.target), m.metric, m.base_median, m.new_median, pct(m.ratio.value), pct(m.ratio.lo), pct(m.ratio.hi), change_word(m.change));
    }
    out
}
