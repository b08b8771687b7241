//! Streaming figures from the launcher's event timestamps: per stream (one measured
//! iteration) the time to first token, the gaps between tokens, the time per output token and
//! the token rate. The definitions are in METHODOLOGY.md ("Streaming metrics"); the service
//! mode uses the same ones for HTTP streams.

use crate::records::RunRecord;
use crate::stats::{self, Estimate, Rng};
use serde::{Deserialize, Serialize};

/// Quantiles of one streaming quantity, in ms, with the median's interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quantiles {
    pub count: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub p50_ci_ms: Estimate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamStats {
    /// Measured streams (iterations) with at least one event.
    pub streams: usize,
    /// Events per stream (median).
    pub events_per_stream: f64,
    /// Time to first token: the stream's start to its first event's arrival.
    pub ttft: Quantiles,
    /// Inter-token latency: the gaps between consecutive events of a stream (all streams).
    pub itl: Quantiles,
    /// Time per output token after the first: (last - first) / (events - 1), per stream.
    pub tpot: Quantiles,
    /// Events per second over the whole stream (start to last event), median over streams.
    pub tokens_per_s: f64,
}

/// One stream's event arrival times, relative to its start, from a run's records.
pub fn streams(run: &RunRecord) -> Vec<Vec<u64>> {
    let t = &run.transcript;
    let (Some(ready), events) = (t.ready_ns, &run.raw.events_ns) else { return Vec::new() };
    let mut out = Vec::new();
    let mut start = ready;
    for (it, &end) in t.iterations.iter().zip(&t.iteration_at_ns) {
        if !it.warmup {
            // The stream of iteration i: events after the previous protocol line, up to its own.
            let mine: Vec<u64> = events.iter().copied().filter(|&e| e > start && e <= end).map(|e| e - start).collect();
            out.push(mine);
        }
        start = end;
    }
    out
}

fn quantiles(values_ns: &[f64], rng: &mut Rng) -> Quantiles {
    let ms: Vec<f64> = values_ns.iter().map(|ns| ns / 1e6).collect();
    Quantiles {
        count: ms.len(),
        p50_ms: stats::quantile(&ms, 0.5),
        p95_ms: stats::quantile(&ms, 0.95),
        p99_ms: stats::quantile(&ms, 0.99),
        max_ms: ms.iter().copied().fold(f64::NAN, f64::max),
        p50_ci_ms: stats::bootstrap(&ms, rng, stats::median),
    }
}

/// The streaming figures of a cell's measured runs (None without events).
pub fn summarise<'a>(runs: impl IntoIterator<Item = &'a RunRecord>, rng: &mut Rng) -> Option<StreamStats> {
    let all: Vec<Vec<u64>> = runs.into_iter().filter(|r| !r.warmup).flat_map(streams).filter(|s| !s.is_empty()).collect();
    if all.is_empty() {
        return None;
    }
    let ttft: Vec<f64> = all.iter().map(|s| s[0] as f64).collect();
    let itl: Vec<f64> = all.iter().flat_map(|s| s.windows(2).map(|w| (w[1] - w[0]) as f64)).collect();
    let tpot: Vec<f64> = all.iter().filter(|s| s.len() > 1).map(|s| (s[s.len() - 1] - s[0]) as f64 / (s.len() - 1) as f64).collect();
    let rates: Vec<f64> = all.iter().map(|s| s.len() as f64 / (s[s.len() - 1].max(1) as f64 / 1e9)).collect();
    let counts: Vec<f64> = all.iter().map(|s| s.len() as f64).collect();
    Some(StreamStats {
        streams: all.len(),
        events_per_stream: stats::median(&counts),
        ttft: quantiles(&ttft, rng),
        itl: quantiles(if itl.is_empty() { &[0.0] } else { &itl }, rng),
        tpot: quantiles(if tpot.is_empty() { &[0.0] } else { &tpot }, rng),
        tokens_per_s: stats::median(&rates),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drive::fake;
    use crate::measure::protocol::Iteration;

    /// A run with two measured streams whose events arrive at known times.
    fn run() -> RunRecord {
        let job = crate::drive::RunJob {
            cell: crate::ids::CellId::new("stream", None, "t"),
            side: crate::records::Side::Cell,
            watch: None,
            request: crate::measure::Request::new(vec!["x".into()], Vec::new(), "/tmp".into(), std::time::Duration::from_secs(1)),
            variant: crate::spec::Variant {
                column: crate::ids::Column::plain("stream"),
                params: Default::default(),
                expected: String::new(),
                timeout: std::time::Duration::from_secs(1),
                warmup: 1,
                iterations: 2,
                cycle: 1,
                compare: crate::spec::CompareRule::Exact,
                leftovers: Default::default(),
                event_prefix: Some("data: ".into()),
                kind: Default::default(),
                load: None,
                client: None,
            },
        };
        let mut r = fake::record(&job, false, 0, &fake::Script::ok(10.0));
        let ms = 1_000_000;
        r.transcript.ready_ns = Some(100 * ms);
        r.transcript.iterations = (0..3).map(|i| Iteration { index: i, warmup: i == 0, ns: 5 * ms }).collect();
        // Warm-up ends at 110 ms; stream 1 ends at 130 ms, stream 2 at 160 ms.
        r.transcript.iteration_at_ns = vec![110 * ms, 130 * ms, 160 * ms];
        r.raw.events_ns = [105, 108, 112, 114, 120, 135, 136, 137, 138].iter().map(|t| t * ms).collect();
        r
    }

    #[test]
    fn events_are_assigned_to_their_stream_and_warm_ups_are_left_out() {
        let s = streams(&run());
        assert_eq!(s, vec![vec![2_000_000, 4_000_000, 10_000_000], vec![5_000_000, 6_000_000, 7_000_000, 8_000_000]]);
    }

    #[test]
    fn ttft_itl_tpot_and_rate_follow_their_definitions() {
        let s = summarise([&run()], &mut Rng::new(1)).unwrap();
        assert_eq!((s.streams, s.events_per_stream), (2, 3.5));
        assert_eq!(s.ttft.count, 2);
        assert!((s.ttft.p50_ms - 3.5).abs() < 1e-9, "TTFT of 2 ms and 5 ms: {:?}", s.ttft);
        // Gaps: 2, 6 (first stream) and 1, 1, 1 (second): five gaps.
        assert_eq!(s.itl.count, 5);
        assert!((s.itl.p50_ms - 1.0).abs() < 1e-9 && (s.itl.max_ms - 6.0).abs() < 1e-9);
        // TPOT: (10 - 2) / 2 = 4 ms and (8 - 5) / 3 = 1 ms.
        assert!((s.tpot.p50_ms - 2.5).abs() < 1e-9);
        // Rates: 3 events in 10 ms = 300/s, 4 in 8 ms = 500/s.
        assert!((s.tokens_per_s - 400.0).abs() < 1e-6);
    }
}
