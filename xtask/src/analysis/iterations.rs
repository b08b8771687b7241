//! In-process iteration times: HDR-histogram percentiles, intervals that resample whole runs,
//! and whether the iterations reached a steady state.

use crate::measure::protocol::Iteration;
use crate::stats::{self, Estimate, Rng, RESAMPLES};
use serde::{Deserialize, Serialize};

/// Whether the measured iterations stopped changing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Steadiness {
    /// Median of the second half of each run's measured iterations over the first half's, with
    /// its 95 % interval (resampling runs).
    pub drift: Estimate,
    /// True when that interval lies within ±DRIFT_LIMIT of 1: the figures are steady-state.
    pub steady: bool,
}

/// Second-half over first-half drift that still counts as steady.
pub const DRIFT_LIMIT: f64 = 0.05;
/// Fewest measured iterations per run for a steady-state judgement.
pub const MIN_FOR_STEADINESS: usize = 4;

/// Iteration times from the runners, through an HDR histogram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IterationStats {
    pub count: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
    /// 95 % intervals of the quantiles (see `quantile_intervals`).
    pub p50_ci_ms: Estimate,
    pub p95_ci_ms: Estimate,
    pub p99_ci_ms: Estimate,
    /// Iterations per second at the median.
    pub throughput_per_s: f64,
    /// None when there are too few measured iterations per run to tell.
    pub steadiness: Option<Steadiness>,
}

/// The measured iterations of each run, in ms (optionally only those `keep` accepts).
pub fn per_run(runs: &[&[Iteration]], keep: impl Fn(&Iteration) -> bool) -> Vec<Vec<f64>> {
    runs.iter()
        .map(|its| its.iter().filter(|i| !i.warmup && keep(i)).map(|i| i.ns as f64 / 1e6).collect::<Vec<f64>>())
        .filter(|v| !v.is_empty())
        .collect()
}

/// The nearest-rank quantile (the smallest value with at least a fraction `q` of the values at
/// or below it), as an HDR histogram reports it. One definition for the point and for every
/// resample: with two (the point interpolated, the resamples picking order statistics) an
/// interval could miss its own point.
fn select(values: &mut [f64], q: f64) -> f64 {
    let n = values.len();
    let k = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
    *values.select_nth_unstable_by(k, |a, b| a.total_cmp(b)).1
}

/// Intervals of the p50, p95 and p99 of the pooled iterations. With three or more runs the
/// bootstrap resamples whole runs: iterations of one process share its JIT state, heap and
/// memory placement, so resampling them one by one would understate the uncertainty. With
/// fewer runs it resamples iterations (and the interval is then optimistic).
fn quantile_intervals(runs: &[Vec<f64>], rng: &mut Rng) -> [Estimate; 3] {
    const QS: [f64; 3] = [0.5, 0.95, 0.99];
    let mut pooled: Vec<f64> = runs.iter().flatten().copied().collect();
    let point = QS.map(|q| select(&mut pooled, q));
    if pooled.len() < 2 {
        return point.map(|v| Estimate { value: v, lo: v, hi: v });
    }
    let mut reps: [Vec<f64>; 3] = [Vec::with_capacity(RESAMPLES), Vec::with_capacity(RESAMPLES), Vec::with_capacity(RESAMPLES)];
    let mut buf = Vec::with_capacity(pooled.len());
    for _ in 0..RESAMPLES {
        buf.clear();
        if runs.len() >= 3 {
            for _ in 0..runs.len() {
                buf.extend_from_slice(&runs[rng.below(runs.len())]);
            }
        } else {
            buf.extend((0..pooled.len()).map(|_| pooled[rng.below(pooled.len())]));
        }
        for (k, q) in QS.iter().enumerate() {
            reps[k].push(select(&mut buf, *q));
        }
    }
    let mut out = point.map(|v| Estimate { value: v, lo: v, hi: v });
    for (k, r) in reps.iter_mut().enumerate() {
        r.sort_by(|a, b| a.total_cmp(b));
        out[k].lo = stats::quantile_sorted(r, 0.025);
        out[k].hi = stats::quantile_sorted(r, 0.975);
    }
    out
}

/// Second half over first half of each run, pooled by median, resampling runs.
fn steadiness(runs: &[Vec<f64>], rng: &mut Rng) -> Option<Steadiness> {
    if runs.iter().any(|r| r.len() < MIN_FOR_STEADINESS) {
        return None;
    }
    let halves: Vec<(f64, f64)> =
        runs.iter().map(|r| (stats::median(&r[..r.len() / 2]), stats::median(&r[r.len() - r.len() / 2..]))).collect();
    let ratio = |hs: &[(f64, f64)]| {
        let (first, second): (Vec<f64>, Vec<f64>) = hs.iter().copied().unzip();
        stats::median(&second) / stats::median(&first)
    };
    let value = ratio(&halves);
    let drift = if halves.len() < 2 {
        Estimate { value, lo: value, hi: value }
    } else {
        let mut reps: Vec<f64> = (0..RESAMPLES)
            .map(|_| {
                let sample: Vec<(f64, f64)> = (0..halves.len()).map(|_| halves[rng.below(halves.len())]).collect();
                ratio(&sample)
            })
            .collect();
        reps.sort_by(|a, b| a.total_cmp(b));
        Estimate { value, lo: stats::quantile_sorted(&reps, 0.025), hi: stats::quantile_sorted(&reps, 0.975) }
    };
    Some(Steadiness { steady: drift.lo >= 1.0 - DRIFT_LIMIT && drift.hi <= 1.0 + DRIFT_LIMIT, drift })
}

/// Everything said about a cell's iterations; None when it has none.
pub fn summarise(runs: &[Vec<f64>], rng: &mut Rng) -> Option<IterationStats> {
    let pooled: Vec<f64> = runs.iter().flatten().copied().collect();
    if pooled.is_empty() {
        return None;
    }
    // Three significant digits up to an hour: plenty for iteration times.
    let mut h = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000, 3).ok()?;
    for &ms in &pooled {
        h.saturating_record(((ms * 1e6) as u64).max(1));
    }
    let ms = |ns: u64| ns as f64 / 1e6;
    let [p50_ci_ms, p95_ci_ms, p99_ci_ms] = quantile_intervals(runs, rng);
    // The quantiles themselves are exact (the histogram's are rounded to 3 digits): the same
    // values the intervals are of.
    let p50 = p50_ci_ms.value;
    Some(IterationStats {
        count: h.len(),
        p50_ms: p50,
        p95_ms: p95_ci_ms.value,
        p99_ms: p99_ci_ms.value,
        max_ms: ms(h.max()),
        mean_ms: h.mean() / 1e6,
        p50_ci_ms,
        p95_ci_ms,
        p99_ci_ms,
        throughput_per_s: if p50 > 0.0 { 1000.0 / p50 } else { 0.0 },
        steadiness: steadiness(runs, rng),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_histogram() {
        let run: Vec<f64> = (1..=100).map(|i| i as f64).collect();
        let s = summarise(&[run], &mut Rng::new(1)).unwrap();
        assert_eq!(s.count, 100);
        assert!((s.p50_ms - 50.0).abs() < 0.1 && (s.p95_ms - 95.0).abs() < 0.1 && (s.p99_ms - 99.0).abs() < 0.1, "{s:?}");
        assert!((s.max_ms - 100.0).abs() < 0.1);
        assert!(s.p95_ci_ms.lo <= 95.0 && s.p95_ci_ms.hi >= 95.0);
        assert!((s.throughput_per_s - 20.0).abs() < 0.1);
    }

    #[test]
    fn a_warming_jit_is_not_steady_and_a_flat_one_is() {
        let mut rng = Rng::new(7);
        // Each run: iterations getting faster, 10 ms down to about 5 ms.
        let warming: Vec<Vec<f64>> = (0..5).map(|r| (0..20).map(|i| 10.0 * 0.965f64.powi(i) + r as f64 * 0.01).collect()).collect();
        let s = summarise(&warming, &mut rng).unwrap().steadiness.unwrap();
        assert!(!s.steady && s.drift.value < 0.8, "{s:?}");
        let flat: Vec<Vec<f64>> = (0..5).map(|r| (0..20).map(|i| 5.0 + ((i * 7 + r) % 5) as f64 * 0.01).collect()).collect();
        let s = summarise(&flat, &mut rng).unwrap().steadiness.unwrap();
        assert!(s.steady, "{s:?}");
        assert!(summarise(&[vec![1.0, 2.0]], &mut rng).unwrap().steadiness.is_none(), "two iterations cannot tell");
    }

    #[test]
    fn run_level_resampling_is_wider_than_pretending_iterations_are_independent() {
        let mut rng = Rng::new(3);
        // Five runs whose levels differ (one process is slower than another), tight within.
        let runs: Vec<Vec<f64>> =
            [10.0, 12.0, 9.0, 11.0, 13.0].iter().map(|&level| (0..50).map(|i| level + (i % 3) as f64 * 0.01).collect()).collect();
        let clustered = quantile_intervals(&runs, &mut rng)[0];
        let pooled: Vec<Vec<f64>> = vec![runs.concat()];
        let naive = quantile_intervals(
            &[pooled[0].clone(), vec![], vec![]].iter().filter(|v| !v.is_empty()).cloned().collect::<Vec<_>>(),
            &mut rng,
        )[0];
        assert!(clustered.hi - clustered.lo > 2.0 * (naive.hi - naive.lo), "clustered {clustered:?} naive {naive:?}");
    }

    /// The case the exports' fixture showed: iterations of 1 and 5 ms, where an interpolated
    /// point (3 ms) lay outside an interval of order statistics (5–5 ms).
    #[test]
    fn every_quantile_lies_within_its_own_interval() {
        let runs = vec![vec![1.0, 5.0, 5.0, 1.0], vec![1.0, 5.0, 1.0, 5.0], vec![5.0, 1.0, 5.0, 1.0]];
        let s = summarise(&runs, &mut Rng::new(3)).unwrap();
        for (name, point, ci) in [("p50", s.p50_ms, s.p50_ci_ms), ("p95", s.p95_ms, s.p95_ci_ms), ("p99", s.p99_ms, s.p99_ci_ms)] {
            assert_eq!(point, ci.value, "{name}: the point is the interval's");
            assert!(ci.lo <= ci.value && ci.value <= ci.hi, "{name}: {ci:?}");
            assert!(point == 1.0 || point == 5.0, "{name}: a nearest-rank quantile is one of the values, not {point}");
        }
    }
}
