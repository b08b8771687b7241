//! The figures the flat exports (CSV, BMF, gab, Prometheus) share: one point per cell and
//! metric, with the median (or quantile), its 95 % interval, the MAD where there is one.

use crate::ids::CellId;
use crate::metric::Metric;
use crate::results::{Cell, Results};
use crate::stats::Estimate;

/// One metric of one cell.
pub struct Point<'a> {
    pub cell: &'a Cell,
    pub metric: Metric,
    pub estimate: Estimate,
    /// Median absolute deviation over runs (run metrics only).
    pub mad: Option<f64>,
    /// Measured runs the figure rests on.
    pub runs: u32,
}

/// Every metric of every measured cell, in plan order then `Metric::ALL` order.
pub fn points(results: &Results) -> Vec<Point<'_>> {
    let mut out = Vec::new();
    for cell in &results.cells {
        let Some(s) = &cell.summary else { continue };
        for metric in Metric::ALL {
            let Some(estimate) = metric.of_summary(s, None) else { continue };
            let mad = match metric {
                Metric::WallMs => Some(s.wall_ms.mad),
                Metric::CpuMs => Some(s.cpu_ms.mad),
                Metric::PeakRssKib => Some(s.peak_rss_kib.mad),
                Metric::StartupMs => s.startup_ms.as_ref().map(|x| x.mad),
                _ => None,
            };
            out.push(Point { cell, metric, estimate, mad, runs: s.runs });
        }
    }
    out
}

/// `param=value`, or empty for a workload without an axis.
pub fn axis(id: &CellId) -> String {
    id.axis.as_ref().map(|a| a.to_string()).unwrap_or_default()
}

/// `workload/target` or `workload/target/param=value`: a benchmark's name in BMF and gab.
pub fn key(id: &CellId) -> String {
    match &id.axis {
        Some(a) => format!("{}/{}/{a}", id.workload, id.target),
        None => format!("{}/{}", id.workload, id.target),
    }
}

/// The target's language as results.json records it (empty if the target is unknown).
pub fn language<'a>(results: &'a Results, target: &str) -> &'a str {
    results.targets.iter().find(|t| t.name == target).map_or("", |t| t.language.as_str())
}

/// A float as the flat formats write it: shortest round-tripping form, never `NaN`/`inf`
/// (those become empty, and callers skip points that have them).
pub fn number(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}
