//! The metrics benchmatrix reports, each with one name (as written on disk and on the command
//! line), one unit, and one way to read it from a run and from a cell's summary.

use crate::analysis::{CellSummary, IterationStats};
use crate::records::RunRecord;
use crate::stats::{self, Estimate};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Metric {
    /// Spawn to exit of the whole run, start-up included.
    WallMs,
    /// User + system CPU of every process of the run.
    CpuMs,
    /// Peak resident set of the largest single process (ru_maxrss).
    PeakRssKib,
    /// Spawn to the runner's `#bm ready`.
    StartupMs,
    /// Median of the in-process measured iterations.
    IterationP50Ms,
    /// 95th percentile of the in-process measured iterations.
    IterationP95Ms,
    /// 99th percentile of the in-process measured iterations.
    IterationP99Ms,
    /// Services and clients: the p99 latency of the busiest closed-loop level (the plain,
    /// not the stream, level with the most connections).
    LevelP99Ms,
    /// Services and clients: 1 / throughput at that level, in microseconds per request, so
    /// that lower is better like every other metric.
    LevelUsPerRequest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Milliseconds,
    Microseconds,
    Kibibytes,
}

impl Unit {
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Milliseconds => "ms",
            Unit::Microseconds => "us",
            Unit::Kibibytes => "KiB",
        }
    }
}

impl Metric {
    pub const ALL: [Metric; 9] = [
        Metric::WallMs,
        Metric::CpuMs,
        Metric::PeakRssKib,
        Metric::StartupMs,
        Metric::IterationP50Ms,
        Metric::IterationP95Ms,
        Metric::IterationP99Ms,
        Metric::LevelP99Ms,
        Metric::LevelUsPerRequest,
    ];

    /// What `compare` and `history` look at unless asked for more.
    pub const HEADLINE: [Metric; 3] = [Metric::WallMs, Metric::CpuMs, Metric::PeakRssKib];

    /// The same for service and client cells: a server's wall time is how long it was kept
    /// up, so throughput and tail latency take its place.
    pub const LEVEL_HEADLINE: [Metric; 3] = [Metric::LevelUsPerRequest, Metric::LevelP99Ms, Metric::PeakRssKib];

    /// The headline metrics for a cell of a workload of `kind`.
    pub fn headline(kind: crate::spec::workload::Kind) -> &'static [Metric] {
        if kind.is_batch() {
            &Metric::HEADLINE
        } else {
            &Metric::LEVEL_HEADLINE
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Metric::WallMs => "wall_ms",
            Metric::CpuMs => "cpu_ms",
            Metric::PeakRssKib => "peak_rss_kib",
            Metric::StartupMs => "startup_ms",
            Metric::IterationP50Ms => "iteration_p50_ms",
            Metric::IterationP95Ms => "iteration_p95_ms",
            Metric::IterationP99Ms => "iteration_p99_ms",
            Metric::LevelP99Ms => "level_p99_ms",
            Metric::LevelUsPerRequest => "level_us_per_request",
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            Metric::PeakRssKib => Unit::Kibibytes,
            Metric::LevelUsPerRequest => Unit::Microseconds,
            _ => Unit::Milliseconds,
        }
    }

    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The quantile an iteration metric looks at.
    fn quantile(self) -> Option<f64> {
        match self {
            Metric::IterationP50Ms => Some(0.5),
            Metric::IterationP95Ms => Some(0.95),
            Metric::IterationP99Ms => Some(0.99),
            _ => None,
        }
    }

    /// The metric's value for one run (for iteration metrics: that run's own quantile of its
    /// measured iterations, optionally only those with one cycle label).
    pub fn of_run(self, run: &RunRecord, label: Option<&IterationLabel>) -> Option<f64> {
        match self {
            Metric::WallMs => Some(run.raw.wall_ns as f64 / 1e6),
            Metric::CpuMs => Some(run.raw.cpu_us() as f64 / 1e3),
            Metric::PeakRssKib => Some(run.raw.peak_rss_kib as f64),
            Metric::StartupMs => run.transcript.ready_ns.map(|ns| ns as f64 / 1e6),
            Metric::LevelP99Ms => busiest(run.service.as_deref()?.levels.iter()).map(|l| l.latency.p99 / 1000.0),
            Metric::LevelUsPerRequest => busiest(run.service.as_deref()?.levels.iter()).filter(|l| l.rps > 0.0).map(|l| 1e6 / l.rps),
            _ => {
                let ms: Vec<f64> = run
                    .transcript
                    .iterations
                    .iter()
                    .filter(|i| !i.warmup && label.is_none_or(|l| l.matches(i.index)))
                    .map(|i| i.ns as f64 / 1e6)
                    .collect();
                (!ms.is_empty()).then(|| stats::quantile(&ms, self.quantile().expect("an iteration metric")))
            }
        }
    }

    /// The metric over a cell's measured runs, one value per run.
    pub fn samples<'a>(self, runs: impl IntoIterator<Item = &'a RunRecord>) -> Vec<f64> {
        runs.into_iter().filter(|r| !r.warmup).filter_map(|r| self.of_run(r, None)).collect()
    }

    /// The cell's figure with its 95 % interval (run metrics: the median over runs; iteration
    /// metrics: the quantile over every measured iteration of every run).
    pub fn of_summary(self, s: &CellSummary, label: Option<&str>) -> Option<Estimate> {
        let iterations = |s: &CellSummary| -> Option<IterationStats> {
            match label {
                Some(l) => s.by_label.get(l).cloned(),
                None => s.iterations.clone(),
            }
        };
        Some(match self {
            Metric::WallMs => s.wall_ms.median_ci,
            Metric::CpuMs => s.cpu_ms.median_ci,
            Metric::PeakRssKib => s.peak_rss_kib.median_ci,
            Metric::StartupMs => s.startup_ms.as_ref()?.median_ci,
            Metric::IterationP50Ms => iterations(s)?.p50_ci_ms,
            Metric::IterationP95Ms => iterations(s)?.p95_ci_ms,
            Metric::IterationP99Ms => iterations(s)?.p99_ci_ms,
            Metric::LevelP99Ms => busiest_stats(s)?.p99_ms.median_ci,
            Metric::LevelUsPerRequest => {
                // The reciprocal of the RPS interval: its low end becomes the high one.
                let rps = busiest_stats(s)?.rps.median_ci;
                if rps.lo <= 0.0 {
                    return None;
                }
                Estimate { value: 1e6 / rps.value, lo: 1e6 / rps.hi, hi: 1e6 / rps.lo }
            }
        })
    }

    /// For iteration quantiles: how many samples it takes before the quantile is more than
    /// the largest few values (at least 3 samples beyond it).
    pub fn min_samples(self) -> usize {
        match self.quantile() {
            Some(q) if q > 0.5 => (3.0 / (1.0 - q)).ceil() as usize,
            _ => 1,
        }
    }
}

/// The plain closed-loop level with the most connections.
fn busiest<'a>(levels: impl Iterator<Item = &'a crate::load::LevelReport>) -> Option<&'a crate::load::LevelReport> {
    levels.filter(|l| l.stream.is_none() && l.mode == crate::load::Mode::Closed && l.ok > 0).max_by_key(|l| l.concurrency)
}

fn busiest_stats(s: &CellSummary) -> Option<&crate::analysis::service::LevelStats> {
    s.service.as_ref()?.levels.iter().filter(|l| !l.stream && l.open_rate.is_none()).max_by_key(|l| l.concurrency)
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The iterations of one unit kind of a cycle (`cycle_labels` in workload.toml).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IterationLabel {
    pub position: u32,
    pub cycle: u32,
}

impl IterationLabel {
    pub fn matches(&self, index: u32) -> bool {
        index % self.cycle == self.position
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde_and_clap() {
        use clap::ValueEnum;
        for m in Metric::ALL {
            assert_eq!(Metric::from_name(m.name()), Some(m));
            assert_eq!(serde_json::to_string(&m).unwrap(), format!("\"{}\"", m.name()));
            assert_eq!(m.to_possible_value().unwrap().get_name(), m.name());
        }
        assert_eq!(Metric::from_name("max_rss_kib"), None);
    }

    /// A run whose levels are c=1 and c=8, each plain then stream, with `rps` and p99 given.
    fn service_run(levels: &[(u32, f64, f64)]) -> RunRecord {
        let mut service = crate::records::ServiceRun::default();
        for &(c, rps, p99_us) in levels {
            let level = crate::load::LevelReport {
                concurrency: c,
                mode: crate::load::Mode::Closed,
                requests: 10,
                ok: 10,
                errors: Default::default(),
                measured_ns: 1,
                rps,
                bytes_per_s: 0.0,
                latency: crate::load::Percentiles { p99: p99_us, ..Default::default() },
                latency_hdr: String::new(),
                uncorrected: None,
                late: 0,
                stream: None,
                first_error: None,
                reconnects: 0,
                client_cpu_us: 0,
                process: None,
            };
            let stream = crate::load::LevelReport {
                stream: Some(crate::load::StreamFigures {
                    ttft: Default::default(),
                    itl: Default::default(),
                    tpot: Default::default(),
                    e2el: Default::default(),
                    tokens_per_s: 1.0,
                }),
                rps: 1.0,
                ..level.clone()
            };
            service.levels.extend([level, stream]);
        }
        RunRecord {
            seq: 0,
            warmup: false,
            argv: Vec::new(),
            env: Vec::new(),
            raw: crate::drive::batch::empty_run(),
            transcript: Default::default(),
            outcome: crate::records::RunOutcome::Ok,
            service: Some(Box::new(service)),
        }
    }

    #[test]
    fn level_metrics_read_the_busiest_plain_level() {
        let run = service_run(&[(8, 4000.0, 3000.0), (1, 500.0, 1000.0)]);
        assert_eq!(Metric::LevelP99Ms.of_run(&run, None), Some(3.0), "c=8, not c=1 nor a stream level");
        assert_eq!(Metric::LevelUsPerRequest.of_run(&run, None), Some(250.0), "1e6 / 4000 per s");
        assert_eq!(Metric::LevelP99Ms.of_run(&service_run(&[]), None), None);
        assert_eq!(Metric::headline(crate::spec::workload::Kind::Client), Metric::LEVEL_HEADLINE);
        assert_eq!(Metric::headline(crate::spec::workload::Kind::Batch), Metric::HEADLINE);
    }

    #[test]
    fn percentiles_need_enough_samples() {
        assert_eq!(Metric::IterationP95Ms.min_samples(), 60);
        assert_eq!(Metric::IterationP99Ms.min_samples(), 300);
        assert_eq!(Metric::IterationP50Ms.min_samples(), 1);
        assert_eq!(Metric::WallMs.min_samples(), 1);
    }
}
