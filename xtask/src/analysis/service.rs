//! Service cells: each load level's throughput, latency percentiles, stream timings, server
//! memory and CPU per request, and the held-streams figures, as medians over runs with their
//! intervals (the same statistics as every batch figure).

use crate::load::{LevelReport, Mode, ResourceSample};
use crate::records::{RunRecord, ServiceRun};
use crate::stats::{self, Rng, Summary};
use serde::{Deserialize, Serialize};

/// One load level over the runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelStats {
    /// `c=8`, `c=8 stream`, `open 400/s` (the first run's rate: later runs may differ).
    pub label: String,
    pub concurrency: u32,
    pub stream: bool,
    /// Open-loop levels: the arrival rate asked for, per second.
    pub open_rate: Option<f64>,
    pub rps: Summary,
    pub p50_ms: Summary,
    pub p90_ms: Summary,
    pub p99_ms: Summary,
    pub max_ms: Summary,
    /// Open loop: the p99 measured from the actual send time (coordinated omission kept).
    pub uncorrected_p99_ms: Option<Summary>,
    /// Requests sent and errors of any class, over all runs.
    pub requests: u64,
    pub errors: u64,
    /// Open loop: requests that could not be sent on time (counted, never dropped).
    pub late: u64,
    pub ttft_p50_ms: Option<Summary>,
    pub itl_p50_ms: Option<Summary>,
    pub tpot_p50_ms: Option<Summary>,
    /// The server's largest sampled RSS during the level (its whole process tree).
    pub peak_rss_kib: Option<Summary>,
    /// The server's CPU time per request during the level (a client level: the client's).
    pub cpu_us_per_request: Option<Summary>,
    /// Client levels: the mock's CPU time over the level's wall time (1.0 = one core busy, so
    /// the mock, not the client, may have set the pace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mock_busy: Option<Summary>,
}

/// Held concurrent streams over the runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldStats {
    pub asked: u32,
    /// What this machine's descriptor limit allows (`asked` when it allows them all).
    pub allowed: u32,
    pub held: Summary,
    pub failed: u64,
    pub ttfb_p50_ms: Summary,
    pub ttfb_p99_ms: Summary,
    /// (RSS while the streams were held - RSS at rest) / streams held.
    pub kib_per_stream: Option<Summary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceStats {
    pub levels: Vec<LevelStats>,
    /// The server's RSS once listening, before any load.
    pub idle_rss_kib: Option<Summary>,
    pub hold: Option<HoldStats>,
    /// Every error route passed in every run.
    pub routes_pass: bool,
}

fn ms(us: f64) -> f64 {
    us / 1000.0
}

/// The samples taken between `from` and `to` (ns since listening).
fn window(samples: &[ResourceSample], from: u64, to: u64) -> Vec<&ResourceSample> {
    samples.iter().filter(|s| s.t_ns >= from && s.t_ns <= to).collect()
}

/// The level's peak RSS and CPU per request: a client level's from its own process (the
/// launcher's figures, CPU over every request it sent), a server's from the samples taken
/// during the level.
fn resources(run: &ServiceRun, i: usize, level: &LevelReport) -> (Option<f64>, Option<f64>) {
    if let Some(p) = &level.process {
        return (Some(p.peak_rss_kib as f64), (p.attempts > 0).then(|| p.cpu_us as f64 / p.attempts as f64));
    }
    let (Some(&from), Some(&to)) = (run.level_started_ns.get(i), run.level_ended_ns.get(i)) else { return (None, None) };
    let w = window(&run.samples, from, to);
    let peak = w.iter().map(|s| s.rss_kib as f64).reduce(f64::max);
    let cpu = match (w.first(), w.last()) {
        (Some(a), Some(b)) if level.requests > 0 && b.t_ns > a.t_ns => Some((b.cpu_us - a.cpu_us) as f64 / level.requests as f64),
        _ => None,
    };
    (peak, cpu)
}

fn label(level: &LevelReport) -> (String, Option<f64>) {
    match level.mode {
        Mode::Open { rate_per_s, .. } => (format!("open {rate_per_s:.0}/s"), Some(rate_per_s)),
        Mode::Closed if level.stream.is_some() => (format!("c={} stream", level.concurrency), None),
        Mode::Closed => (format!("c={}", level.concurrency), None),
    }
}

fn summary_of(values: Vec<f64>, rng: &mut Rng) -> Option<Summary> {
    (!values.is_empty()).then(|| stats::summarise(&values, rng))
}

/// None when no measured run carries service figures.
pub fn summarise<'a>(runs: impl Iterator<Item = &'a RunRecord>, rng: &mut Rng) -> Option<ServiceStats> {
    let services: Vec<&ServiceRun> = runs.filter_map(|r| r.service.as_deref()).collect();
    let first = services.first()?;
    let mut levels = Vec::new();
    for (i, level) in first.levels.iter().enumerate() {
        // The same position in every run is the same level (the driver's order is fixed).
        let same: Vec<(&ServiceRun, &LevelReport)> = services.iter().filter_map(|s| s.levels.get(i).map(|l| (*s, l))).collect();
        let pick = |f: &dyn Fn(&LevelReport) -> f64| same.iter().map(|(_, l)| f(l)).collect::<Vec<f64>>();
        // A client's stream levels carry no gaps between tokens (count 0): not a zero.
        let stream_pick = |f: &dyn Fn(&crate::load::StreamFigures) -> crate::load::Percentiles, q: fn(&crate::load::Percentiles) -> f64| {
            same.iter().filter_map(|(_, l)| l.stream.as_ref().map(f)).filter(|p| p.count > 0).map(|p| ms(q(&p))).collect::<Vec<f64>>()
        };
        let res: Vec<(Option<f64>, Option<f64>)> = same.iter().map(|(s, l)| resources(s, i, l)).collect();
        let (name, open_rate) = label(level);
        levels.push(LevelStats {
            label: name,
            concurrency: level.concurrency,
            stream: level.stream.is_some(),
            open_rate,
            rps: stats::summarise(&pick(&|l| l.rps), rng),
            p50_ms: stats::summarise(&pick(&|l| ms(l.latency.p50)), rng),
            p90_ms: stats::summarise(&pick(&|l| ms(l.latency.p90)), rng),
            p99_ms: stats::summarise(&pick(&|l| ms(l.latency.p99)), rng),
            max_ms: stats::summarise(&pick(&|l| ms(l.latency.max)), rng),
            uncorrected_p99_ms: summary_of(same.iter().filter_map(|(_, l)| l.uncorrected.as_ref().map(|u| ms(u.p99))).collect(), rng),
            requests: same.iter().map(|(_, l)| l.requests).sum(),
            errors: same.iter().map(|(_, l)| l.errors.total()).sum(),
            late: same.iter().map(|(_, l)| l.late).sum(),
            ttft_p50_ms: summary_of(stream_pick(&|s| s.ttft.clone(), |p| p.p50), rng),
            itl_p50_ms: summary_of(stream_pick(&|s| s.itl.clone(), |p| p.p50), rng),
            tpot_p50_ms: summary_of(stream_pick(&|s| s.tpot.clone(), |p| p.p50), rng),
            peak_rss_kib: summary_of(res.iter().filter_map(|r| r.0).collect(), rng),
            cpu_us_per_request: summary_of(res.iter().filter_map(|r| r.1).collect(), rng),
            mock_busy: summary_of(
                same.iter()
                    .filter_map(|(_, l)| l.process.as_ref())
                    .filter(|p| p.wall_ns > 0)
                    .map(|p| p.mock_cpu_us as f64 * 1000.0 / p.wall_ns as f64)
                    .collect(),
                rng,
            ),
        });
    }
    let idle: Vec<f64> = services.iter().filter_map(|s| s.samples.first().map(|x| x.rss_kib as f64)).collect();
    let holds: Vec<(&ServiceRun, &crate::load::HoldReport)> = services.iter().filter_map(|s| s.hold.as_ref().map(|h| (*s, h))).collect();
    let hold = holds.first().map(|(_, h0)| HoldStats {
        asked: h0.asked,
        allowed: h0.allowed,
        held: stats::summarise(&holds.iter().map(|(_, h)| h.held as f64).collect::<Vec<_>>(), rng),
        failed: holds.iter().map(|(_, h)| u64::from(h.failed)).sum(),
        ttfb_p50_ms: stats::summarise(&holds.iter().map(|(_, h)| ms(h.ttfb.p50)).collect::<Vec<_>>(), rng),
        ttfb_p99_ms: stats::summarise(&holds.iter().map(|(_, h)| ms(h.ttfb.p99)).collect::<Vec<_>>(), rng),
        kib_per_stream: summary_of(
            holds
                .iter()
                .filter_map(|(s, h)| {
                    let idle = s.samples.first()?.rss_kib as f64;
                    let peak =
                        window(&s.samples, s.hold_started_ns?, s.hold_ended_ns?).iter().map(|x| x.rss_kib as f64).reduce(f64::max)?;
                    (h.held > 0).then(|| (peak - idle).max(0.0) / h.held as f64)
                })
                .collect(),
            rng,
        ),
    });
    Some(ServiceStats {
        levels,
        idle_rss_kib: summary_of(idle, rng),
        hold,
        routes_pass: services.iter().all(|s| s.routes.iter().all(|r| r.pass)),
    })
}
