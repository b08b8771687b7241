//! The small inline charts of a report cell: a strip plot of its runs' wall times (every run a
//! dot, the median a tick) and, with enough in-process iterations, the iteration time against
//! the iteration number (the median over runs per index), so warm-up shows. Numbers only: the
//! template draws them as SVG.

use crate::records::RunRecord;
use serde::Serialize;

pub const WIDTH: f64 = 120.0;
/// Iterations per run below this draw no trace: too few points to see a warm-up.
const MIN_ITERATIONS: usize = 5;

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Strip {
    /// The dots' x positions.
    pub dots: Vec<String>,
    pub median_x: String,
    /// "12.1 ms – 13.4 ms": the range the strip spans.
    pub range: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Trace {
    /// SVG polyline points (x,y), 120 × 30 px, the slowest iteration at the top.
    pub points: String,
    /// Where the measured iterations begin (the warm-ups lie left of it).
    pub measured_x: Option<String>,
    /// "iteration 0: 40.1 ms … 24: 12.0 ms".
    pub caption: String,
}

fn x(v: f64, lo: f64, hi: f64) -> f64 {
    if hi > lo {
        2.0 + (WIDTH - 4.0) * (v - lo) / (hi - lo)
    } else {
        WIDTH / 2.0
    }
}

/// The runs' wall times; None for fewer than two runs.
pub fn strip<'a>(runs: impl Iterator<Item = &'a RunRecord>) -> Option<Strip> {
    let mut walls: Vec<f64> = runs.map(|r| r.raw.wall_ns as f64 / 1e6).collect();
    if walls.len() < 2 {
        return None;
    }
    walls.sort_by(f64::total_cmp);
    let (lo, hi) = (walls[0], walls[walls.len() - 1]);
    let median = crate::stats::median(&walls);
    Some(Strip {
        dots: walls.iter().map(|w| format!("{:.1}", x(*w, lo, hi))).collect(),
        median_x: format!("{:.1}", x(median, lo, hi)),
        range: format!("{} – {}", super::view::format_ms(lo), super::view::format_ms(hi)),
    })
}

/// The median iteration time per iteration index over the runs; None with fewer than
/// `MIN_ITERATIONS` iterations per run.
pub fn trace<'a>(runs: impl Iterator<Item = &'a RunRecord>) -> Option<Trace> {
    let runs: Vec<&RunRecord> = runs.collect();
    let n = runs.iter().map(|r| r.transcript.iterations.len()).min()?;
    if n < MIN_ITERATIONS {
        return None;
    }
    let per_index: Vec<f64> = (0..n)
        .map(|i| {
            let v: Vec<f64> = runs.iter().map(|r| r.transcript.iterations[i].ns as f64 / 1e6).collect();
            crate::stats::median(&v)
        })
        .collect();
    let top = per_index.iter().copied().fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    let px = |i: usize| 2.0 + (WIDTH - 4.0) * i as f64 / (n - 1) as f64;
    let py = |v: f64| 28.0 - 26.0 * v / top;
    let points = per_index.iter().enumerate().map(|(i, v)| format!("{:.1},{:.1}", px(i), py(*v))).collect::<Vec<_>>().join(" ");
    let warm = runs[0].transcript.iterations.iter().take(n).take_while(|i| i.warmup).count();
    let ms = super::view::format_ms;
    Some(Trace {
        points,
        measured_x: (warm > 0 && warm < n).then(|| format!("{:.1}", px(warm))),
        caption: format!("iteration 0: {} … {}: {}", ms(per_index[0]), n - 1, ms(per_index[n - 1])),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::protocol::Iteration;

    fn run(wall_ms: f64, iterations_ms: &[f64], warm: usize) -> RunRecord {
        let mut r = RunRecord {
            seq: 0,
            warmup: false,
            argv: Vec::new(),
            env: Vec::new(),
            raw: crate::drive::batch::empty_run(),
            transcript: Default::default(),
            outcome: crate::records::RunOutcome::Ok,
            service: None,
        };
        r.raw.wall_ns = (wall_ms * 1e6) as u64;
        r.transcript.iterations = iterations_ms
            .iter()
            .enumerate()
            .map(|(i, ms)| Iteration { index: i as u32, warmup: i < warm, ns: (ms * 1e6) as u64 })
            .collect();
        r
    }

    #[test]
    fn a_strip_spans_the_runs_and_marks_the_median() {
        let runs = [run(10.0, &[], 0), run(20.0, &[], 0), run(12.0, &[], 0)];
        let s = strip(runs.iter()).unwrap();
        assert_eq!(s.dots, ["2.0", "25.2", "118.0"], "fastest at the left edge, slowest at the right");
        assert_eq!(s.median_x, "25.2");
        assert!(strip(runs[..1].iter()).is_none(), "one run is no distribution");
    }

    #[test]
    fn a_trace_shows_the_warm_up_falling_to_the_steady_state() {
        let its = [40.0, 20.0, 10.0, 10.0, 10.0, 10.0];
        let runs = [run(1.0, &its, 2), run(1.0, &its.map(|v| v * 1.1), 2)];
        let t = trace(runs.iter()).unwrap();
        let ys: Vec<f64> = t.points.split(' ').map(|p| p.split(',').nth(1).unwrap().parse().unwrap()).collect();
        assert_eq!(ys[0], 2.0, "the slowest (first) iteration at the top");
        assert!(ys[2] > ys[1] && ys[1] > ys[0] && ys[5] == ys[2], "{ys:?}");
        assert_eq!(t.measured_x.as_deref(), Some("48.4"), "the measured part begins at index 2 (of 0..=5)");
        assert!(trace([run(1.0, &[1.0, 1.0], 0)].iter()).is_none(), "too few iterations");
    }
}
