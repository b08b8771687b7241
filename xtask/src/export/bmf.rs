//! `--format bmf`: Bencher Metric Format (https://bencher.dev/docs/reference/bencher-metric-format/),
//! `{ "<workload>/<target>[/<axis>]": { "<measure>": { value, lower_value, upper_value } } }`
//! from each median and its 95 % bootstrap interval. Wall time goes to Bencher's built-in
//! `latency` measure, which is in nanoseconds; the others are measures named with their unit
//! (Bencher creates a measure it does not know by that name). Mapping: docs/EXPORTS.md.

use super::points;
use super::Exporter;
use crate::metric::Metric;
use crate::results::Results;
use serde_json::{json, Map, Value};

pub struct Bmf;

/// The Bencher measure of a metric and the factor from the metric's unit to the measure's.
pub fn measure(metric: Metric) -> (&'static str, f64) {
    const NS_PER_MS: f64 = 1e6;
    match metric {
        Metric::WallMs => ("latency", NS_PER_MS),
        Metric::CpuMs => ("cpu-time-ns", NS_PER_MS),
        Metric::PeakRssKib => ("peak-rss-bytes", 1024.0),
        Metric::StartupMs => ("startup-ns", NS_PER_MS),
        Metric::IterationP50Ms => ("iteration-p50-ns", NS_PER_MS),
        Metric::IterationP95Ms => ("iteration-p95-ns", NS_PER_MS),
        Metric::IterationP99Ms => ("iteration-p99-ns", NS_PER_MS),
        Metric::LevelP99Ms => ("level-p99-ns", NS_PER_MS),
        Metric::LevelUsPerRequest => ("level-ns-per-request", 1e3),
    }
}

impl Exporter for Bmf {
    fn name(&self) -> &'static str {
        "bmf"
    }

    fn render(&self, results: &Results) -> anyhow::Result<String> {
        let mut out = Map::new();
        for p in points::points(results) {
            let e = p.estimate;
            if ![e.value, e.lo, e.hi].iter().all(|x| x.is_finite()) {
                continue;
            }
            let (name, factor) = measure(p.metric);
            let bench = out.entry(points::key(&p.cell.id)).or_insert_with(|| Value::Object(Map::new()));
            bench
                .as_object_mut()
                .expect("an object")
                .insert(name.to_string(), json!({ "value": e.value * factor, "lower_value": e.lo * factor, "upper_value": e.hi * factor }));
        }
        Ok(serde_json::to_string_pretty(&Value::Object(out))? + "\n")
    }
}
