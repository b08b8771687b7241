//! Derives every figure of results.json from the raw runs: per-cell statistics with
//! intervals, disturbed runs, ratios to the fastest and to the reference, budgets.
//! Pure and seeded: the same raw runs and seed give the same figures.

use crate::results::{BudgetResult, Cell, CellSummary, IterationStats, Results, RunRecord, Status, Verdict};
use crate::spec::{Budget, BudgetMetric};
use crate::stats::{self, Estimate, Rng};

/// A run is disturbed when its involuntary context switches are far beyond the cell's
/// median: preempted by something else on the machine (measurement.md: 5.5 -> 33).
pub fn is_disturbed(nivcsw: u64, cell_median: f64) -> bool {
    nivcsw as f64 > 4.0 * cell_median + 20.0
}

/// A seed per cell, so adding a cell does not change another's intervals.
fn cell_rng(seed: u64, cell: &Cell) -> Rng {
    Rng::new(seed ^ stats::fnv1a(cell.workload.bytes().chain([0]).chain(cell.target.bytes())))
}

fn measured(cell: &Cell) -> impl Iterator<Item = &RunRecord> {
    cell.runs.iter().filter(|r| !r.warmup)
}

pub fn wall_ms(cell: &Cell) -> Vec<f64> {
    measured(cell).map(|r| r.raw.wall_ns as f64 / 1e6).collect()
}

pub fn cpu_ms(cell: &Cell) -> Vec<f64> {
    measured(cell).map(|r| r.raw.cpu_us() as f64 / 1e3).collect()
}

pub fn rss_kib(cell: &Cell) -> Vec<f64> {
    measured(cell).map(|r| r.raw.max_rss_kib as f64).collect()
}

fn iteration_stats(samples_ns: &[u64], rng: &mut Rng) -> Option<IterationStats> {
    if samples_ns.is_empty() {
        return None;
    }
    // Three significant digits up to an hour: plenty for iteration times.
    let mut h = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000, 3).ok()?;
    for &ns in samples_ns {
        h.saturating_record(ns.max(1));
    }
    let ms = |ns: u64| ns as f64 / 1e6;
    let raw: Vec<f64> = samples_ns.iter().map(|&ns| ns as f64 / 1e6).collect();
    let p50 = ms(h.value_at_quantile(0.5));
    Some(IterationStats {
        count: h.len(),
        p50_ms: p50,
        p95_ms: ms(h.value_at_quantile(0.95)),
        p99_ms: ms(h.value_at_quantile(0.99)),
        max_ms: ms(h.max()),
        mean_ms: h.mean() / 1e6,
        p95_ci_ms: stats::bootstrap(&raw, rng, |v| stats::quantile(v, 0.95)),
        median_ci_ms: stats::bootstrap(&raw, rng, stats::median),
        throughput_per_s: if p50 > 0.0 { 1000.0 / p50 } else { 0.0 },
    })
}

/// Marks disturbed runs and summarises the measured runs of an ok cell.
pub fn summarise_cell(cell: &mut Cell, seed: u64) {
    let nivcsw: Vec<f64> = measured(cell).map(|r| r.raw.involuntary_csw as f64).collect();
    let norm = stats::median(&nivcsw);
    for run in cell.runs.iter_mut().filter(|r| !r.warmup) {
        run.disturbed = is_disturbed(run.raw.involuntary_csw, norm);
    }
    // Pending cells with runs are summarised too: an interrupted run still shows its figures.
    if !matches!(cell.status, Status::Ok | Status::Pending) || measured(cell).next().is_none() {
        cell.summary = None;
        return;
    }
    let mut rng = cell_rng(seed, cell);
    let startup: Vec<f64> = measured(cell).filter_map(|r| r.transcript.ready_ns).map(|ns| ns as f64 / 1e6).collect();
    let iterations: Vec<u64> = measured(cell).flat_map(|r| r.transcript.iterations.iter().filter(|i| !i.warmup).map(|i| i.ns)).collect();
    cell.summary = Some(CellSummary {
        runs: measured(cell).count() as u32,
        wall_ms: stats::summarise(&wall_ms(cell), &mut rng),
        cpu_ms: stats::summarise(&cpu_ms(cell), &mut rng),
        max_rss_kib: stats::summarise(&rss_kib(cell), &mut rng),
        startup_ms: (!startup.is_empty()).then(|| stats::summarise(&startup, &mut rng)),
        iterations: iteration_stats(&iterations, &mut rng),
        disturbed_runs: measured(cell).filter(|r| r.disturbed).count() as u32,
        vs_fastest: None,
        vs_reference: None,
    });
}

/// Recomputes every derived figure of `results` from its raw runs.
pub fn analyse(results: &mut Results, workloads: &[(String, Vec<Budget>)]) {
    let seed = results.meta.seed;
    for cell in &mut results.cells {
        summarise_cell(cell, seed);
    }
    // Ratios need every cell of the workload summarised first.
    let mut rng = Rng::new(seed ^ 0x5eed);
    let names: Vec<String> = results.workloads.iter().map(|w| w.name.clone()).collect();
    for workload in names {
        let ranked: Vec<usize> = (0..results.cells.len()).filter(|&i| results.cells[i].workload == workload && results.cells[i].summary.is_some()).collect();
        let Some(&fastest) = ranked.iter().min_by(|&&a, &&b| median_wall(&results.cells[a]).total_cmp(&median_wall(&results.cells[b]))) else { continue };
        let fastest_wall = wall_ms(&results.cells[fastest]);
        let reference = results.meta.reference.as_ref().and_then(|r| ranked.iter().copied().find(|&i| &results.cells[i].target == r));
        let reference_wall = reference.map(|i| wall_ms(&results.cells[i]));
        for &i in &ranked {
            let wall = wall_ms(&results.cells[i]);
            let vs_fastest = if i == fastest { Estimate { value: 1.0, lo: 1.0, hi: 1.0 } } else { stats::ratio_of_medians(&fastest_wall, &wall, &mut rng) };
            let vs_reference = reference_wall.as_ref().map(|r| if Some(i) == reference { Estimate { value: 1.0, lo: 1.0, hi: 1.0 } } else { stats::ratio_of_medians(r, &wall, &mut rng) });
            if let Some(s) = results.cells[i].summary.as_mut() {
                s.vs_fastest = Some(vs_fastest);
                s.vs_reference = vs_reference;
            }
        }
    }
    results.budgets = evaluate_budgets(results, workloads);
}

fn median_wall(cell: &Cell) -> f64 {
    cell.summary.as_ref().map_or(f64::INFINITY, |s| s.wall_ms.median)
}

/// The measured figure a budget looks at, with its interval.
pub fn budget_figure(cell: &Cell, metric: BudgetMetric) -> Option<Estimate> {
    let s = cell.summary.as_ref()?;
    Some(match metric {
        BudgetMetric::WallMs => s.wall_ms.median_ci,
        BudgetMetric::CpuMs => s.cpu_ms.median_ci,
        BudgetMetric::PeakRssMib => {
            let e = s.max_rss_kib.median_ci;
            Estimate { value: e.value / 1024.0, lo: e.lo / 1024.0, hi: e.hi / 1024.0 }
        }
        BudgetMetric::StartupMs => s.startup_ms.as_ref()?.median_ci,
        BudgetMetric::IterationP50Ms => s.iterations.as_ref()?.median_ci_ms,
        BudgetMetric::IterationP95Ms => s.iterations.as_ref()?.p95_ci_ms,
    })
}

pub fn verdict(measured: Option<&Estimate>, limit: f64) -> Verdict {
    match measured {
        None => Verdict::NotMeasured,
        Some(e) if e.hi <= limit => Verdict::Pass,
        Some(e) if e.lo > limit => Verdict::Fail,
        Some(_) => Verdict::Unsure,
    }
}

fn evaluate_budgets(results: &Results, workloads: &[(String, Vec<Budget>)]) -> Vec<BudgetResult> {
    let mut out = Vec::new();
    for (workload, budgets) in workloads {
        for budget in budgets {
            for cell in results.cells.iter().filter(|c| &c.workload == workload) {
                let applies = budget.size.as_str() == results.meta.size;
                let measured = if applies && cell.status == Status::Ok { budget_figure(cell, budget.metric) } else { None };
                out.push(BudgetResult {
                    workload: workload.clone(),
                    target: cell.target.clone(),
                    description: budget.description.clone(),
                    metric: budget.metric.as_str().to_string(),
                    limit: budget.max,
                    verdict: verdict(measured.as_ref(), budget.max),
                    measured,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_verdicts_follow_the_interval() {
        let e = |value, lo, hi| Some(Estimate { value, lo, hi });
        assert_eq!(verdict(e(80.0, 70.0, 90.0).as_ref(), 100.0), Verdict::Pass);
        assert_eq!(verdict(e(120.0, 110.0, 130.0).as_ref(), 100.0), Verdict::Fail);
        assert_eq!(verdict(e(98.0, 90.0, 105.0).as_ref(), 100.0), Verdict::Unsure, "an interval across the limit says so");
        assert_eq!(verdict(None, 100.0), Verdict::NotMeasured);
    }

    #[test]
    fn disturbed_means_far_beyond_the_norm() {
        assert!(!is_disturbed(30, 6.0));
        assert!(is_disturbed(60, 6.0));
        assert!(!is_disturbed(15, 0.0));
    }

    #[test]
    fn iteration_percentiles_come_from_the_histogram() {
        let samples: Vec<u64> = (1..=100).map(|i| i * 1_000_000).collect();
        let s = iteration_stats(&samples, &mut Rng::new(1)).unwrap();
        assert_eq!(s.count, 100);
        assert!((s.p50_ms - 50.0).abs() < 0.1 && (s.p95_ms - 95.0).abs() < 0.1 && (s.p99_ms - 99.0).abs() < 0.1, "{s:?}");
        assert!((s.max_ms - 100.0).abs() < 0.1);
        assert!(s.p95_ci_ms.lo <= 95.0 && s.p95_ci_ms.hi >= 95.0);
        assert!((s.throughput_per_s - 20.0).abs() < 0.1);
    }
}
