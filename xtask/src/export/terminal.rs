//! The summary printed at the end of a run: a compact matrix (targets down, columns across,
//! each cell its ratio to the column's fastest), the fastest figures, the ranking, what is
//! not ok and the budgets. Untrusted text is made visible (`escape`).

use super::escape;
use super::summary::{self, columns, compact};
use super::Exporter;
use crate::results::Results;
use std::fmt::Write;

pub struct Terminal;

/// Lays out rows of cells in aligned columns.
fn aligned(rows: &[Vec<String>]) -> Vec<String> {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n).map(|i| rows.iter().map(|r| r.get(i).map_or(0, |c| c.chars().count())).max().unwrap_or(0)).collect();
    rows.iter()
        .map(|r| r.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect::<Vec<_>>().join("  ").trim_end().to_string())
        .collect()
}

impl Exporter for Terminal {
    fn name(&self) -> &'static str {
        "terminal"
    }

    fn render(&self, results: &Results) -> anyhow::Result<String> {
        let mut out = String::new();
        let _ = writeln!(out, "\n{}", summary::title(results));
        for line in summary::fitness_lines(results) {
            let _ = writeln!(out, "{}", escape::terminal(&line));
        }
        let cols = columns(results);
        if !cols.is_empty() {
            let _ = writeln!(out, "each cell: median wall time as a multiple of the column's fastest verified cell\n");
        }
        // Two header lines: the workload, then the axis value (if any).
        let mut head1 = vec!["target".to_string()];
        let mut head2 = vec![String::new()];
        let mut last = String::new();
        for (c, baseline) in &cols {
            let name = if *baseline { format!("{} (floor)", c.workload) } else { c.workload.clone() };
            head1.push(if name == last { String::new() } else { name.clone() });
            head2.push(c.axis_value().unwrap_or("").to_string());
            last = name;
        }
        let mut rows = vec![head1];
        if cols.iter().any(|(c, _)| c.axis.is_some()) {
            rows.push(head2);
        }
        for t in &results.targets {
            let mut row = vec![t.name.clone()];
            for (c, baseline) in &cols {
                let cell = results.cell(&c.cell(&t.name));
                row.push(if *baseline { summary::floor(cell) } else { compact(cell) });
            }
            rows.push(row);
        }
        // Only service workloads: their own section says everything.
        if !cols.is_empty() {
            for line in aligned(&rows) {
                let _ = writeln!(out, "{}", escape::terminal(&line));
            }
        }

        let fastest: Vec<Vec<String>> = cols
            .iter()
            .filter(|(_, b)| !b)
            .filter_map(|(c, _)| {
                let best = results
                    .cells
                    .iter()
                    .filter(|x| x.id.column() == *c)
                    .filter_map(|x| Some((x, x.summary.as_ref()?.vs_fastest?)))
                    .find(|(_, r)| r.value == 1.0)?
                    .0;
                let s = best.summary.as_ref()?;
                Some(vec![
                    c.to_string(),
                    best.id.target.clone(),
                    super::view::ms_ci(&s.wall_ms),
                    format!("peak {}", super::view::format_kib(s.peak_rss_kib.median as u64)),
                ])
            })
            .collect();
        if !fastest.is_empty() {
            let _ = writeln!(out, "\nfastest per column (median [95 % interval]):");
            for line in aligned(&fastest) {
                let _ = writeln!(out, "  {}", escape::terminal(&line));
            }
        }
        let rank = summary::rank_lines(results);
        if !rank.is_empty() && !cols.is_empty() {
            let _ = writeln!(out, "\n{}:", summary::rank_heading(results));
            for line in rank {
                let _ = writeln!(out, "  {}", escape::terminal(&line));
            }
        }
        let problems = summary::problems(results);
        if !problems.is_empty() {
            let _ = writeln!(out, "\nnot ok:");
            for (line, hint) in problems {
                let _ = writeln!(out, "  {}", escape::terminal(&line));
                if let Some(hint) = hint {
                    let _ = writeln!(out, "      install: {}", escape::terminal(&hint));
                }
            }
        }
        let counterparts = summary::counterpart_lines(results);
        if !counterparts.is_empty() {
            let _ = writeln!(out, "\nwhat compiling from Haxe costs (median wall time over the native counterpart's):");
            for line in counterparts {
                let _ = writeln!(out, "  {}", escape::terminal(&line));
            }
        }
        let services = super::service::lines(results);
        if !services.is_empty() {
            let _ = writeln!(
                out,
                "\nservices under load and clients against the mock (median requests/s [95 % interval], latency percentiles):"
            );
            for line in services {
                let _ = writeln!(out, "  {}", escape::terminal(&line));
            }
        }
        let streams = summary::stream_lines(results);
        if !streams.is_empty() {
            let _ = writeln!(out, "\nstreaming (time to first token, inter-token latency, time per output token):");
            for line in streams {
                let _ = writeln!(out, "  {}", escape::terminal(&line));
            }
        }
        let ratios = summary::ratio_lines(results);
        if !ratios.is_empty() {
            let _ = writeln!(out, "\nratios between axis values (median [95 % interval]):");
            for line in ratios {
                let _ = writeln!(out, "  {}", escape::terminal(&line));
            }
        }
        let budgets = summary::budget_lines(results, false);
        let passed = summary::budgets_passed(results);
        if !budgets.is_empty() || passed > 0 {
            let _ = writeln!(out, "\nbudgets: {passed} pass{}", if budgets.is_empty() { "" } else { "; the others:" });
            for line in budgets {
                let _ = writeln!(out, "  {}", escape::terminal(&line));
            }
        }
        let _ = writeln!(out, "\n{}", summary::counts(results));
        Ok(out)
    }
}
