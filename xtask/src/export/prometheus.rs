//! `--format prometheus`: the text exposition format 0.0.4. One gauge family per metric,
//! `benchmatrix_<metric>` (the median) with `_lower`/`_upper` (its 95 % interval), labelled
//! target, language, workload, axis, size, machine; the in-process iteration times as a
//! histogram `benchmatrix_iteration_ms`; and the cells planned, done and failed.

use super::escape::visible;
use super::points::{self, Point};
use super::Exporter;
use crate::metric::Metric;
use crate::records::Status;
use crate::results::{Cell, Results};
use std::fmt::Write;

pub struct Prometheus;

/// The histogram's upper bounds, in ms (an exponential ladder from 0.1 ms to 10 s).
pub const BUCKETS_MS: [f64; 16] = [0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0];

/// The family names this exporter writes (without `_bucket`/`_sum`/`_count` suffixes).
pub fn family_names() -> Vec<String> {
    let mut names: Vec<String> =
        Metric::ALL.iter().flat_map(|m| ["", "_lower", "_upper"].map(|s| format!("benchmatrix_{}{s}", m.name()))).collect();
    names.extend(
        ["benchmatrix_iteration_ms", "benchmatrix_cells_planned", "benchmatrix_cells_done", "benchmatrix_cells_failed"].map(String::from),
    );
    names
}

/// A label value: control characters made visible first (someone will `curl` this into a
/// terminal), then backslash, double quote and line feed escaped as the format says.
pub fn label_value(text: &str) -> String {
    visible(text).replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn labels(results: &Results, cell: &Cell) -> String {
    let id = &cell.id;
    [
        ("target", id.target.as_str()),
        ("language", points::language(results, &id.target)),
        ("workload", id.workload.as_str()),
        ("axis", &points::axis(id)),
        ("size", results.meta.size.as_str()),
        ("machine", results.meta.machine.hostname.as_str()),
    ]
    .iter()
    .map(|(k, v)| format!("{k}=\"{}\"", label_value(v)))
    .collect::<Vec<_>>()
    .join(",")
}

/// A sample value: Go's float syntax (`+Inf`, `NaN` spelled out).
fn value(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{x}")
    }
}

fn help(metric: Metric) -> &'static str {
    match metric {
        Metric::WallMs => "Median wall time of a run, spawn to exit, in ms",
        Metric::CpuMs => "Median user+system CPU time of a run, in ms",
        Metric::PeakRssKib => "Median peak resident set of a run's largest process, in KiB",
        Metric::StartupMs => "Median time from spawn to the runner's ready line, in ms",
        Metric::IterationP50Ms => "Median of the in-process measured iterations, in ms",
        Metric::IterationP95Ms => "95th percentile of the in-process measured iterations, in ms",
        Metric::IterationP99Ms => "99th percentile of the in-process measured iterations, in ms",
        Metric::LevelP99Ms => "Service and client cells: p99 latency at the busiest closed-loop level, in ms",
        Metric::LevelUsPerRequest => "Service and client cells: 1/throughput at the busiest closed-loop level, in microseconds per request",
    }
}

impl Exporter for Prometheus {
    fn name(&self) -> &'static str {
        "prometheus"
    }

    fn render(&self, results: &Results) -> anyhow::Result<String> {
        let mut out = String::new();
        let points = points::points(results);
        for metric in Metric::ALL {
            let mine: Vec<&Point> = points.iter().filter(|p| p.metric == metric).collect();
            if mine.is_empty() {
                continue;
            }
            for (suffix, what, pick) in [
                ("", "", (|p: &Point| p.estimate.value) as fn(&Point) -> f64),
                ("_lower", " (lower end of its 95 % interval)", |p: &Point| p.estimate.lo),
                ("_upper", " (upper end of its 95 % interval)", |p: &Point| p.estimate.hi),
            ] {
                let name = format!("benchmatrix_{}{suffix}", metric.name());
                let _ = writeln!(out, "# HELP {name} {}{what}", help(metric));
                let _ = writeln!(out, "# TYPE {name} gauge");
                for p in &mine {
                    let _ = writeln!(out, "{name}{{{}}} {}", labels(results, p.cell), value(pick(p)));
                }
            }
        }
        let histograms: Vec<(&Cell, Vec<f64>)> = results
            .cells
            .iter()
            .map(|c| {
                (
                    c,
                    c.measured()
                        .flat_map(|r| r.transcript.iterations.iter())
                        .filter(|i| !i.warmup)
                        .map(|i| i.ns as f64 / 1e6)
                        .collect::<Vec<f64>>(),
                )
            })
            .filter(|(_, ms)| !ms.is_empty())
            .collect();
        if !histograms.is_empty() {
            let name = "benchmatrix_iteration_ms";
            let _ = writeln!(out, "# HELP {name} In-process measured iteration times of every measured run, in ms");
            let _ = writeln!(out, "# TYPE {name} histogram");
            for (cell, ms) in histograms {
                let l = labels(results, cell);
                for le in BUCKETS_MS {
                    let n = ms.iter().filter(|&&x| x <= le).count();
                    let _ = writeln!(out, "{name}_bucket{{{l},le=\"{}\"}} {n}", value(le));
                }
                let _ = writeln!(out, "{name}_bucket{{{l},le=\"+Inf\"}} {}", ms.len());
                let _ = writeln!(out, "{name}_sum{{{l}}} {}", value(ms.iter().sum()));
                let _ = writeln!(out, "{name}_count{{{l}}} {}", ms.len());
            }
        }
        let machine = format!("machine=\"{}\",size=\"{}\"", label_value(&results.meta.machine.hostname), results.meta.size);
        let done = results.cells.iter().filter(|c| c.status != Status::Pending).count();
        let failed = results.cells.iter().filter(|c| c.status.is_failure()).count();
        for (name, help, n) in [
            ("benchmatrix_cells_planned", "Cells in the run's plan", results.cells.len()),
            ("benchmatrix_cells_done", "Cells finished (any status but pending)", done),
            ("benchmatrix_cells_failed", "Cells that failed (build, run, timeout, wrong output, invalid)", failed),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name}{{{machine}}} {n}");
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::label_value;

    #[test]
    fn label_values_escape_backslash_quote_and_newline() {
        assert_eq!(label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
        assert_eq!(label_value("esc\x1b"), "esc\\\\x1b", "the visible escape's backslash is escaped too");
    }
}
