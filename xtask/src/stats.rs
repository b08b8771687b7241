//! Estimates with their uncertainty: robust summaries of raw samples and bootstrap
//! confidence intervals, all from a seeded generator so a run can be repeated exactly.

use serde::{Deserialize, Serialize};

/// SplitMix64: tiny, fast, good enough for resampling, and reproducible from one seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0); the modulo bias is below 2^-40 for the sizes used here.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// FNV-1a: a stable 64-bit hash of bytes, for seeds and fingerprints that must not change
/// between Rust releases (std's hasher may).
pub fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// How many resamples a bootstrap takes: enough for stable 2.5/97.5 % percentiles.
pub const RESAMPLES: usize = 2000;

/// A value with its 95 % confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub value: f64,
    pub lo: f64,
    pub hi: f64,
}

impl Estimate {
    /// Interval width relative to the value (0 for a point).
    pub fn relative_width(&self) -> f64 {
        if self.value == 0.0 {
            0.0
        } else {
            (self.hi - self.lo) / self.value.abs()
        }
    }
}

/// Everything reported for one metric of one cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub n: usize,
    pub median: f64,
    /// Bootstrap 95 % interval of the median.
    pub median_ci: Estimate,
    /// Median absolute deviation (unscaled).
    pub mad: f64,
    pub mean: f64,
    /// Sample standard deviation (n - 1).
    pub stddev: f64,
    pub min: f64,
    pub max: f64,
}

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v
}

/// Median (mean of the middle two for even lengths); NaN for no values.
pub fn median(values: &[f64]) -> f64 {
    let v = sorted(values);
    let n = v.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

pub fn mad(values: &[f64]) -> f64 {
    let m = median(values);
    median(&values.iter().map(|v| (v - m).abs()).collect::<Vec<_>>())
}

pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

pub fn stddev(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let m = mean(values);
    (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt()
}

/// Linear-interpolated quantile of sorted values, q in [0, 1].
pub fn quantile_sorted(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let pos = q * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

pub fn quantile(values: &[f64], q: f64) -> f64 {
    quantile_sorted(&sorted(values), q)
}

fn resample(values: &[f64], rng: &mut Rng, buf: &mut Vec<f64>) {
    buf.clear();
    buf.extend((0..values.len()).map(|_| values[rng.below(values.len())]));
}

/// Percentile bootstrap 95 % interval of `statistic` over `values`.
pub fn bootstrap(values: &[f64], rng: &mut Rng, statistic: impl Fn(&[f64]) -> f64) -> Estimate {
    let value = statistic(values);
    if values.len() < 2 {
        return Estimate { value, lo: value, hi: value };
    }
    let mut buf = Vec::with_capacity(values.len());
    let mut stats: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            resample(values, rng, &mut buf);
            statistic(&buf)
        })
        .collect();
    stats.sort_by(|a, b| a.total_cmp(b));
    Estimate { value, lo: quantile_sorted(&stats, 0.025), hi: quantile_sorted(&stats, 0.975) }
}

pub fn summarise(values: &[f64], rng: &mut Rng) -> Summary {
    let v = sorted(values);
    Summary {
        n: v.len(),
        median: median(&v),
        median_ci: bootstrap(&v, rng, median),
        mad: mad(&v),
        mean: mean(&v),
        stddev: stddev(&v),
        min: v.first().copied().unwrap_or(f64::NAN),
        max: v.last().copied().unwrap_or(f64::NAN),
    }
}

/// Ratio of medians `new / base` with a bootstrap interval: both samples resampled
/// independently, so the interval carries the noise of both sides.
pub fn ratio_of_medians(base: &[f64], new: &[f64], rng: &mut Rng) -> Estimate {
    let value = median(new) / median(base);
    if base.len() < 2 && new.len() < 2 {
        return Estimate { value, lo: value, hi: value };
    }
    let (mut b, mut n) = (Vec::new(), Vec::new());
    let mut ratios: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            resample(base, rng, &mut b);
            resample(new, rng, &mut n);
            median(&n) / median(&b)
        })
        .collect();
    ratios.sort_by(|a, b| a.total_cmp(b));
    Estimate { value, lo: quantile_sorted(&ratios, 0.025), hi: quantile_sorted(&ratios, 0.975) }
}

/// What a ratio's interval says about a change, given a noise threshold (0.05 = 5 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// The whole interval lies above 1 + threshold.
    Regression,
    /// The whole interval lies below 1 - threshold.
    Improvement,
    /// Otherwise: the data does not show a change beyond the threshold.
    NoSignificantChange,
}

pub fn classify(ratio: &Estimate, threshold: f64) -> Change {
    if ratio.lo > 1.0 + threshold {
        Change::Regression
    } else if ratio.hi < 1.0 - threshold {
        Change::Improvement
    } else {
        Change::NoSignificantChange
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_of_a_known_data_set() {
        let data = [1.0, 2.0, 3.0, 4.0, 100.0];
        assert_eq!(median(&data), 3.0);
        assert_eq!(mad(&data), 1.0);
        assert_eq!(mean(&data), 22.0);
        assert!((stddev(&data) - 43.617_656_6).abs() < 1e-6);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.95), 4.8);
        let s = summarise(&data, &mut Rng::new(1));
        assert_eq!((s.n, s.min, s.max), (5, 1.0, 100.0));
        assert!(s.median_ci.lo <= 3.0 && s.median_ci.hi >= 3.0);
    }

    #[test]
    fn the_generator_is_reproducible_and_shuffles_everything() {
        let (mut a, mut b) = (Rng::new(42), Rng::new(42));
        assert_eq!((0..5).map(|_| a.next_u64()).collect::<Vec<_>>(), (0..5).map(|_| b.next_u64()).collect::<Vec<_>>());
        let mut v: Vec<u32> = (0..20).collect();
        Rng::new(7).shuffle(&mut v);
        assert_ne!(v, (0..20).collect::<Vec<_>>());
        v.sort();
        assert_eq!(v, (0..20).collect::<Vec<_>>());
    }

    /// Normal deviates by Box-Muller, for the simulations below.
    fn normal(rng: &mut Rng, mean: f64, sd: f64) -> f64 {
        let u1 = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 + 1e-12;
        let u2 = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        mean + sd * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    #[test]
    fn the_median_interval_covers_the_true_median_about_95_percent_of_the_time() {
        let mut rng = Rng::new(2026);
        let trials = 300;
        let covered = (0..trials)
            .filter(|_| {
                let sample: Vec<f64> = (0..25).map(|_| normal(&mut rng, 100.0, 10.0)).collect();
                let ci = bootstrap(&sample, &mut rng, median);
                ci.lo <= 100.0 && 100.0 <= ci.hi
            })
            .count();
        let rate = covered as f64 / trials as f64;
        // The percentile bootstrap of a median is close to nominal at n = 25.
        assert!((0.88..=0.995).contains(&rate), "coverage {rate}");
    }

    #[test]
    fn a_10_percent_slowdown_with_tight_data_is_a_regression() {
        let mut rng = Rng::new(1);
        let base: Vec<f64> = (0..10).map(|_| normal(&mut rng, 100.0, 1.0)).collect();
        let new: Vec<f64> = (0..10).map(|_| normal(&mut rng, 110.0, 1.0)).collect();
        let r = ratio_of_medians(&base, &new, &mut rng);
        assert!((r.value - 1.1).abs() < 0.02, "{r:?}");
        assert_eq!(classify(&r, 0.05), Change::Regression);
        assert_eq!(classify(&ratio_of_medians(&new, &base, &mut rng), 0.05), Change::Improvement);
    }

    #[test]
    fn a_10_percent_shift_inside_wide_noise_is_not_a_regression() {
        let mut rng = Rng::new(3);
        let base: Vec<f64> = (0..5).map(|_| normal(&mut rng, 100.0, 30.0)).collect();
        let new: Vec<f64> = (0..5).map(|_| normal(&mut rng, 110.0, 30.0)).collect();
        let r = ratio_of_medians(&base, &new, &mut rng);
        assert_eq!(classify(&r, 0.05), Change::NoSignificantChange, "{r:?}");
    }

    #[test]
    fn identical_inputs_give_no_change() {
        let data = [10.0, 11.0, 10.5, 9.8, 10.2];
        let r = ratio_of_medians(&data, &data, &mut Rng::new(9));
        assert_eq!(r.value, 1.0);
        assert_eq!(classify(&r, 0.05), Change::NoSignificantChange);
    }
}
