//! The summary printed at the end of a run (plain text) and written as `summary.md`
//! (Markdown, for CI job summaries and diffs): targets down, workloads across.

use super::view::{self, first_line};
use crate::results::{Results, Status};
use std::fmt::Write;

/// Header row, then one row per target.
fn table(results: &Results) -> Vec<Vec<String>> {
    // The runtime floor (noop) goes last: it is context for the others, not one of them.
    let mut ordered: Vec<&crate::results::WorkloadRecord> = results.workloads.iter().collect();
    ordered.sort_by_key(|w| view::is_baseline(&w.category));
    let workloads: Vec<&str> = ordered.iter().map(|w| w.name.as_str()).collect();
    let mut rows: Vec<Vec<String>> = vec![std::iter::once("target".to_string()).chain(workloads.iter().map(|w| w.to_string())).collect()];
    for t in &results.targets {
        let mut row = vec![t.name.clone()];
        for w in &workloads {
            let text = match view::cell(results, w, &t.name) {
                Some(c) if c.status == Status::Ok => match (&c.summary, view::ratio(c)) {
                    (Some(s), Some(r)) => format!("{} {} {}", view::ms_ci(&s.wall_ms), view::ratio_ci(&r), view::format_kib(s.max_rss_kib.median as u64)),
                    _ => "ok".into(),
                },
                Some(c) => c.status.as_str().to_string(),
                None => "-".into(),
            };
            row.push(text);
        }
        rows.push(row);
    }
    rows
}

fn title(results: &Results) -> String {
    let m = &results.meta;
    let runs = if m.min_runs == m.max_runs { format!("{} runs", m.max_runs) } else { format!("{}-{} runs", m.min_runs, m.max_runs) };
    format!("median wall time [95 % interval], ×fastest verified [interval], peak RSS ({} size, {runs}, interleaved, seed {})", m.size, m.seed)
}

fn problems(results: &Results) -> Vec<(String, Option<String>)> {
    results
        .cells
        .iter()
        .filter(|c| c.status != Status::Ok)
        .map(|c| (format!("{} × {}: {}: {}", c.workload, c.target, c.status.as_str(), first_line(c.reason.as_deref().unwrap_or(""))), c.hint.clone().filter(|h| !h.is_empty())))
        .collect()
}

fn counts(results: &Results) -> String {
    let count = |s: Status| results.cells.iter().filter(|c| c.status == s).count();
    format!("{} cells: {} ok, {} skipped, {} failed", results.cells.len(), count(Status::Ok), count(Status::Skipped), results.cells.iter().filter(|c| c.status.is_failure()).count())
}

pub fn summary(results: &Results) -> String {
    let rows = table(results);
    let widths: Vec<usize> = (0..rows[0].len()).map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    let _ = writeln!(out, "\n{}", title(results));
    for (n, row) in rows.iter().enumerate() {
        let line: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
        if n == 0 {
            let _ = writeln!(out, "{}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
        }
    }
    let problems = problems(results);
    if !problems.is_empty() {
        let _ = writeln!(out, "\nnot ok:");
        for (line, hint) in problems {
            let _ = writeln!(out, "  {line}");
            if let Some(hint) = hint {
                let _ = writeln!(out, "      install: {hint}");
            }
        }
    }
    let budgets = budget_lines(results);
    if !budgets.is_empty() {
        let _ = writeln!(out, "\nbudgets:");
        for line in budgets {
            let _ = writeln!(out, "  {line}");
        }
    }
    let _ = writeln!(out, "\n{}", counts(results));
    out
}

/// One line per evaluated budget (not those of other sizes or of skipped cells).
fn budget_lines(results: &Results) -> Vec<String> {
    results
        .budgets
        .iter()
        .filter(|b| b.measured.is_some() || view::cell(results, &b.workload, &b.target).is_some_and(|c| c.status == Status::Ok) && b.verdict != crate::results::Verdict::NotMeasured)
        .map(|b| {
            let measured = b.measured.map_or("-".to_string(), |e| format!("{:.3} [{:.3}–{:.3}]", e.value, e.lo, e.hi));
            format!("{:<12} {} × {}: {} {} (limit {})", b.verdict.as_str(), b.workload, b.target, b.metric, measured, b.limit)
        })
        .collect()
}

/// Untrusted text for a Markdown cell: pipes and newlines would break the table, angle
/// brackets would be HTML.
pub fn md(text: &str) -> String {
    text.replace('|', "\\|").replace('<', "&lt;").replace('>', "&gt;").replace('\n', " ")
}

pub fn markdown(results: &Results) -> String {
    let rows = table(results);
    let mut out = format!("### benchmatrix: {}\n\n", title(results));
    for (n, row) in rows.iter().enumerate() {
        let _ = writeln!(out, "| {} |", row.iter().map(|c| md(c)).collect::<Vec<_>>().join(" | "));
        if n == 0 {
            let _ = writeln!(out, "|{}", "---|".repeat(row.len()));
        }
    }
    let problems = problems(results);
    if !problems.is_empty() {
        out.push_str("\nNot ok:\n\n");
        for (line, hint) in problems {
            let _ = writeln!(out, "- {}{}", md(&line), hint.map(|h| format!(" (install: `{}`)", h.replace('`', "'"))).unwrap_or_default());
        }
    }
    let _ = writeln!(out, "\n{}", counts(results));
    out
}
