//! `summary.md`: the run in Markdown, for CI job summaries and for diffs — the ranking, the
//! matrix with every median's interval, what is not ok, the budgets.

use super::escape::{markdown_cell as cell, markdown_code as code};
use super::summary::{self, columns};
use super::Exporter;
use crate::results::Results;
use std::fmt::Write;

pub struct Markdown;

impl Exporter for Markdown {
    fn name(&self) -> &'static str {
        "markdown"
    }

    fn render(&self, results: &Results) -> anyhow::Result<String> {
        let mut out = format!("### benchmatrix: {}\n\n", cell(&summary::title(results)));
        for line in summary::fitness_lines(results) {
            let _ = writeln!(out, "{}\n", cell(&line));
        }
        if !results.rank.entries.is_empty() {
            let _ = writeln!(out, "{}\n", cell(&summary::rank_heading(results)));
            out.push_str("| # | target | ×fastest (geometric mean) [95 % interval] | fastest in |\n|---|---|---|---|\n");
            for (i, e) in results.rank.entries.iter().enumerate() {
                let _ = writeln!(out, "| {} | {} | {} | {} |", i + 1, cell(&e.target), super::view::ratio_ci(&e.geomean), e.fastest_in);
            }
            for x in &results.rank.excluded {
                let _ = writeln!(out, "\nNot ranked: {} ({}).", cell(&x.target), cell(&x.reason));
            }
            out.push('\n');
        }
        let cols = columns(results);
        out.push_str(
            "Median wall time [95 % interval], ×fastest verified [interval], peak RSS; the runtime floor as start-up and peak RSS.\n\n",
        );
        let header: Vec<String> = std::iter::once("target".to_string())
            .chain(cols.iter().map(|(c, b)| if *b { format!("{c} (floor)") } else { c.to_string() }))
            .collect();
        let _ = writeln!(out, "| {} |", header.iter().map(|h| cell(h)).collect::<Vec<_>>().join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
        for t in &results.targets {
            let row: Vec<String> = std::iter::once(t.name.clone())
                .chain(cols.iter().map(|(c, baseline)| {
                    let x = results.cell(&c.cell(&t.name));
                    if *baseline {
                        summary::floor(x)
                    } else {
                        summary::detailed(x)
                    }
                }))
                .collect();
            let _ = writeln!(out, "| {} |", row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | "));
        }
        let problems = summary::problems(results);
        if !problems.is_empty() {
            out.push_str("\nNot ok:\n\n");
            for (line, hint) in problems {
                let _ = writeln!(out, "- {}{}", cell(&line), hint.map(|h| format!(" (install: {})", code(&h))).unwrap_or_default());
            }
        }
        let table = summary::counterpart_table(results);
        if !table.is_empty() {
            out.push_str(
                "\nWhat compiling from Haxe costs: each Haxe target's median wall time over its native counterpart's [95 % interval].\n\n",
            );
            for (t, n, cells) in table {
                let _ = writeln!(
                    out,
                    "- **{} / {}**: {}",
                    cell(&t),
                    cell(&n),
                    cells.iter().map(|(c, r)| format!("{} {r}", cell(c))).collect::<Vec<_>>().join(" · ")
                );
            }
        }
        for (title, lines) in [
            ("Services under load", super::service::lines(results)),
            ("Streaming", summary::stream_lines(results)),
            ("Ratios between axis values", summary::ratio_lines(results)),
            ("Budgets", summary::budget_lines(results, true)),
        ] {
            if !lines.is_empty() {
                let _ = writeln!(out, "\n{title}:\n");
                for line in lines {
                    let _ = writeln!(out, "- {}", cell(&line));
                }
            }
        }
        let _ = writeln!(out, "\n{}", summary::counts(results));
        Ok(out)
    }
}
