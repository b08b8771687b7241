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

    let ranked: Vec<&crate::results::WorkloadRecord> = results.workloads.iter().filter(|w| !view::is_baseline(&w.category)).collect();
    let baselines: Vec<&crate::results::WorkloadRecord> = results.workloads.iter().filter(|w| view::is_baseline(&w.category)).collect();
    let rows: Vec<Value> = results
        .targets
        .iter()
        .map(|t| {
            let cells: Vec<Value> = ranked
                .iter()
                .map(|w| {
                    let Some(c) = view::cell(results, &w.name, &t.name) else { return json!({"status": "-", "ok": false}) };
                    match (&c.summary, view::ratio(c)) {
                        (Some(s), Some(r)) => json!({
                            "status": c.status.as_str(), "ok": true,
                            "wall": view::format_ms(s.wall_ms.median),
                            "wall_ci": format!("[{} – {}]", view::format_ms(s.wall_ms.median_ci.lo), view::format_ms(s.wall_ms.median_ci.hi)),
                            "ratio": view::ratio_ci(&r), "hue": hue(r.value),
                            "reference": s.vs_reference.as_ref().map(view::ratio_ci),
                            "rss": view::kib_ci(&s.max_rss_kib), "cpu": view::ms_ci(&s.cpu_ms),
                            "startup": s.startup_ms.as_ref().map(view::ms_ci),
                            "iteration": s.iterations.as_ref().map(|i| format!("p50 {} · p95 {} · p99 {} (n={})", view::format_ms(i.p50_ms), view::format_ms(i.p95_ms), view::format_ms(i.p99_ms), i.count)),
                            "spread": format!("MAD {} · min {} · max {} · sd {}", view::format_ms(s.wall_ms.mad), view::format_ms(s.wall_ms.min), view::format_ms(s.wall_ms.max), view::format_ms(s.wall_ms.stddev)),
                            "runs": s.runs, "disturbed": s.disturbed_runs,
                        }),
                        _ => json!({"status": c.status.as_str(), "ok": false, "reason": first_line(c.reason.as_deref().unwrap_or(""))}),
                    }
                })
                .collect();
            let baseline: Vec<Value> = baselines
                .iter()
                .filter_map(|w| view::cell(results, &w.name, &t.name))
                .map(|c| match (&c.summary, c.status) {
                    (Some(s), Status::Ok) => json!({"ok": true, "wall": view::ms_ci(&s.wall_ms), "startup": s.startup_ms.as_ref().map(view::ms_ci), "rss": view::kib_ci(&s.max_rss_kib), "cpu": view::ms_ci(&s.cpu_ms)}),
                    _ => json!({"ok": false, "status": c.status.as_str()}),
                })
                .collect();
            let (version, state) = match &t.availability {
                Availability::Available { version, .. } => (version.clone(), "available"),
                Availability::Missing { .. } => (String::new(), "missing"),
            };
            json!({"name": t.name, "language": t.language, "version": version, "state": state, "cells": cells, "baseline": baseline.into_iter().next()})
        })
        .collect();

    let charts: Vec<Value> = ranked
        .iter()
        .filter_map(|w| {
            let mut bars: Vec<(String, f64, f64)> = results
                .cells
                .iter()
                .filter(|c| c.workload == w.name && c.status == Status::Ok)
                .filter_map(|c| c.summary.as_ref().map(|s| (c.target.clone(), s.wall_ms.median, s.max_rss_kib.median)))
                .collect();
            if bars.is_empty() {
                return None;
            }
            bars.sort_by(|a, b| a.1.total_cmp(&b.1));
            let min = bars[0].1.max(1e-6);
            let max = bars.last().map_or(min, |b| b.1).max(min * 1.0001);
            let max_rss = bars.iter().map(|b| b.2).fold(1.0, f64::max);
            let bars: Vec<Value> = bars
                .iter()
                .map(|(target, ms, rss)| {
                    // Log scale: a 100x spread stays readable; the label carries the exact figure.
                    let width = 4.0 + 96.0 * (ms / min).ln() / (max / min).ln();
                    json!({"target": target, "label": view::format_ms(*ms), "ratio": format!("×{:.1}", ms / min), "width": format!("{width:.1}"), "hue": hue(ms / min),
                           "rss": view::format_kib(*rss as u64), "rss_width": format!("{:.1}", 100.0 * rss / max_rss)})
                })
                .collect();
            Some(json!({"workload": w.name, "bars": bars}))
        })
        .collect();

    let budgets: Vec<Value> = results
        .budgets
        .iter()
        .filter(|b| results.targets.iter().any(|t| t.name == b.target && t.availability.is_available()))
        .map(|b| {
            json!({
                "workload": b.workload, "target": b.target, "description": b.description, "metric": b.metric, "limit": b.limit,
                "verdict": b.verdict.as_str(), "class": format!("v-{}", b.verdict.as_str().to_lowercase()),
                "measured": b.measured.map(|e| format!("{:.3} [{:.3} – {:.3}]", e.value, e.lo, e.hi)),
            })
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
            "started": m.started, "finished": m.finished, "complete": m.complete, "size": m.size, "warmup_runs": m.warmup_runs, "seed": m.seed.to_string(),
            "runs": if m.min_runs == m.max_runs { m.max_runs.to_string() } else { format!("{}–{} (adaptive, until the median's interval is within ±{:.0} %)", m.min_runs, m.max_runs, m.target_ci.unwrap_or(0.0) * 50.0) },
            "reference": m.reference,
            "command": m.command_line.join(" "), "git": m.git_revision.as_deref().map(|g| format!("{}{}", &g[..g.len().min(12)], if m.git_dirty { " (modified)" } else { "" })),
            "tool_version": m.tool_version,
        },
        "machine": {
            "cpu": m.machine.cpu_model, "cores": m.machine.cores, "memory": format!("{:.1} GiB", m.machine.memory_bytes as f64 / (1u64 << 30) as f64),
            "kernel": m.machine.kernel, "os": m.machine.os,
        },
        "counts": {"cells": results.cells.len(), "ok": count(Status::Ok), "skipped": count(Status::Skipped), "failed": results.cells.iter().filter(|c| c.status.is_failure()).count()},
        "workloads": workloads, "ranked": ranked.iter().map(|w| w.name.clone()).collect::<Vec<_>>(), "has_baseline": !baselines.is_empty(),
        "rows": rows, "charts": charts, "budgets": budgets, "problems": problems, "toolchains": toolchains, "builds": builds,
    })
}
