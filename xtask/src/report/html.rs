//! Renders `index.html` from `templates/index.html` with Tera. Self-contained (inline CSS,
//! no scripts, no network). Every text from programs, logs and files goes through Tera's
//! autoescaping; the template never marks anything `safe`.

use super::view::{self, first_line};
use crate::paths;
use crate::probe::Availability;
use crate::results::{Results, Status};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

pub const TEMPLATE: &str = "index.html";

/// Renders the report into `dir/index.html` (and the Markdown summary into `dir/summary.md`)
/// and returns the HTML file's path.
pub fn write(root: &Path, results: &Results, dir: &Path) -> anyhow::Result<PathBuf> {
    let html = render(root, results)?;
    let path = dir.join("index.html");
    std::fs::write(&path, html).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    let summary = dir.join("summary.md");
    std::fs::write(&summary, super::terminal::markdown(results)).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", summary.display()))?;
    Ok(path)
}

pub fn render(root: &Path, results: &Results) -> anyhow::Result<String> {
    let file = paths::templates_dir(root).join(TEMPLATE);
    let source = std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let mut tera = tera::Tera::new();
    tera.autoescape_on([".html"]);
    tera.add_raw_template(TEMPLATE, &source).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let mut context = tera::Context::new();
    context.insert("r", &model(results));
    tera.render(TEMPLATE, &context).map_err(|e| anyhow::anyhow!("rendering {}: {e}", file.display()))
}

/// Colour for a ratio to the fastest: green at 1x to red at 100x and beyond, on a log scale.
fn hue(ratio: f64) -> u32 {
    let t = (ratio.max(1.0).log10() / 2.0).min(1.0);
    (120.0 * (1.0 - t)).round() as u32
}

/// The template's whole input, with every figure already formatted.
pub fn model(results: &Results) -> Value {
    let fastest = view::fastest_by_workload(results);
    let m = &results.meta;
    let workloads: Vec<Value> = results
        .workloads
        .iter()
        .map(|w| {
            json!({
                "name": w.name, "summary": w.summary, "category": w.category, "error": w.error,
                "params": w.params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "),
                "timeout": format!("{} s", w.timeout_secs),
                "compare": match &w.compare {
                    Some(crate::spec::CompareRule::Exact) => "exact".to_string(),
                    Some(crate::spec::CompareRule::Numeric { tolerance }) => format!("numeric, ±{tolerance:e}"),
                    None => String::new(),
                },
            })
        })
        .collect();

    let rows: Vec<Value> = results
        .targets
        .iter()
        .map(|t| {
            let cells: Vec<Value> = results
                .workloads
                .iter()
                .map(|w| {
                    let Some(c) = view::cell(results, &w.name, &t.name) else { return json!({"status": "-", "ok": false}) };
                    match (&c.summary, view::ratio(c, &fastest)) {
                        (Some(s), Some(r)) => json!({
                            "status": c.status.as_str(), "ok": true,
                            "wall": view::format_ms(s.wall_ms_median), "ratio": format!("×{r:.2}"), "hue": hue(r),
                            "rss": view::format_kib(s.max_rss_kib_median), "cpu": view::format_ms(s.cpu_ms_median),
                            "startup": s.startup_ms_median.map(view::format_ms), "iteration": s.iteration_ms_median.map(view::format_ms),
                            "range": format!("{} – {}", view::format_ms(s.wall_ms_min), view::format_ms(s.wall_ms_max)),
                        }),
                        _ => json!({"status": c.status.as_str(), "ok": false, "reason": first_line(c.reason.as_deref().unwrap_or(""))}),
                    }
                })
                .collect();
            let (version, state) = match &t.availability {
                Availability::Available { version, .. } => (version.clone(), "available"),
                Availability::Missing { .. } => (String::new(), "missing"),
            };
            json!({"name": t.name, "language": t.language, "version": version, "state": state, "cells": cells})
        })
        .collect();

    let charts: Vec<Value> = results
        .workloads
        .iter()
        .filter_map(|w| {
            let mut bars: Vec<(String, f64, u64)> = results
                .cells
                .iter()
                .filter(|c| c.workload == w.name && c.status == Status::Ok)
                .filter_map(|c| c.summary.as_ref().map(|s| (c.target.clone(), s.wall_ms_median, s.max_rss_kib_median)))
                .collect();
            if bars.is_empty() {
                return None;
            }
            bars.sort_by(|a, b| a.1.total_cmp(&b.1));
            let min = bars[0].1.max(1e-6);
            let max = bars.last().map_or(min, |b| b.1).max(min * 1.0001);
            let max_rss = bars.iter().map(|b| b.2).max().unwrap_or(1).max(1) as f64;
            let bars: Vec<Value> = bars
                .iter()
                .map(|(target, ms, rss)| {
                    // Log scale: a 100x spread stays readable; the label carries the exact figure.
                    let width = 4.0 + 96.0 * (ms / min).ln() / (max / min).ln();
                    json!({"target": target, "label": view::format_ms(*ms), "ratio": format!("×{:.1}", ms / min), "width": format!("{width:.1}"), "hue": hue(ms / min),
                           "rss": view::format_kib(*rss), "rss_width": format!("{:.1}", 100.0 * *rss as f64 / max_rss)})
                })
                .collect();
            Some(json!({"workload": w.name, "bars": bars}))
        })
        .collect();

    let problems: Vec<Value> = results
        .cells
        .iter()
        .filter(|c| c.status != Status::Ok)
        .map(|c| {
            json!({
                "workload": c.workload, "target": c.target, "status": c.status.as_str(),
                "reason": c.reason, "hint": c.hint,
                "log": c.build.as_ref().filter(|b| !b.ok).map(|b| b.log_tail.clone()),
                "expected": c.mismatch.as_ref().map(|m| m.expected.clone()),
                "got": c.mismatch.as_ref().map(|m| m.got.clone()),
            })
        })
        .collect();

    let toolchains: Vec<Value> = results
        .targets
        .iter()
        .map(|t| match &t.availability {
            Availability::Available { binaries, version, versions } => json!({
                "name": t.name, "available": true, "version": version, "versions": versions,
                "binaries": binaries.iter().map(|(k, v)| format!("{k} → {v}")).collect::<Vec<_>>(),
            }),
            Availability::Missing { reason, install, .. } => json!({"name": t.name, "available": false, "reason": t.error.clone().unwrap_or_else(|| reason.clone()), "install": install}),
        })
        .collect();

    let builds: Vec<Value> = results
        .cells
        .iter()
        .filter_map(|c| c.build.as_ref().map(|b| (c, b)))
        .map(|(c, b)| json!({"workload": c.workload, "target": c.target, "ok": b.ok, "cached": b.cached, "seconds": format!("{:.2} s", b.seconds), "artifact": b.artifact_bytes.map(view::format_bytes)}))
        .collect();

    let count = |s: Status| results.cells.iter().filter(|c| c.status == s).count();
    json!({
        "meta": {
            "started": m.started, "finished": m.finished, "complete": m.complete, "size": m.size, "runs": m.runs, "warmup_runs": m.warmup_runs,
            "command": m.command_line.join(" "), "git": m.git_revision.as_deref().map(|g| format!("{}{}", &g[..g.len().min(12)], if m.git_dirty { " (modified)" } else { "" })),
            "tool_version": m.tool_version,
        },
        "machine": {
            "cpu": m.machine.cpu_model, "cores": m.machine.cores, "memory": format!("{:.1} GiB", m.machine.memory_bytes as f64 / (1u64 << 30) as f64),
            "kernel": m.machine.kernel, "os": m.machine.os,
        },
        "counts": {"cells": results.cells.len(), "ok": count(Status::Ok), "skipped": count(Status::Skipped), "failed": results.cells.iter().filter(|c| c.status.is_failure()).count()},
        "workloads": workloads, "rows": rows, "charts": charts, "problems": problems, "toolchains": toolchains, "builds": builds,
    })
}
