//! The summary table printed at the end of a run: targets down, workloads across.

use super::view::{self, first_line};
use crate::results::{Results, Status};
use std::fmt::Write;

pub fn summary(results: &Results) -> String {
    let fastest = view::fastest_by_workload(results);
    let workloads: Vec<&str> = results.workloads.iter().map(|w| w.name.as_str()).collect();
    let mut rows: Vec<Vec<String>> = vec![std::iter::once("target".to_string()).chain(workloads.iter().map(|w| w.to_string())).collect()];
    for t in &results.targets {
        let mut row = vec![t.name.clone()];
        for w in &workloads {
            let text = match view::cell(results, w, &t.name) {
                Some(c) if c.status == Status::Ok => match (&c.summary, view::ratio(c, &fastest)) {
                    (Some(s), Some(r)) => format!("{} ×{r:.1} {}", view::format_ms(s.wall_ms_median), view::format_kib(s.max_rss_kib_median)),
                    _ => "ok".into(),
                },
                Some(c) => c.status.as_str().to_string(),
                None => "-".into(),
            };
            row.push(text);
        }
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len()).map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    let _ = writeln!(out, "\nmedian wall time, ×fastest verified, peak RSS ({} size, {} runs)", results.meta.size, results.meta.runs);
    for (n, row) in rows.iter().enumerate() {
        let line: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
        if n == 0 {
            let _ = writeln!(out, "{}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
        }
    }
    let problems: Vec<_> = results.cells.iter().filter(|c| c.status != Status::Ok).collect();
    if !problems.is_empty() {
        let _ = writeln!(out, "\nnot ok:");
        for c in problems {
            let _ = writeln!(out, "  {} × {}: {}: {}", c.workload, c.target, c.status.as_str(), first_line(c.reason.as_deref().unwrap_or("")));
            if let Some(hint) = c.hint.as_deref().filter(|h| !h.is_empty()) {
                let _ = writeln!(out, "      install: {hint}");
            }
        }
    }
    let count = |s: Status| results.cells.iter().filter(|c| c.status == s).count();
    let _ = writeln!(
        out,
        "\n{} cells: {} ok, {} skipped, {} failed",
        results.cells.len(),
        count(Status::Ok),
        count(Status::Skipped),
        results.cells.iter().filter(|c| c.status.is_failure()).count()
    );
    out
}
