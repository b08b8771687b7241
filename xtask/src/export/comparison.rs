//! A comparison of two runs for people: plain text for the terminal, Markdown for a CI job
//! summary (the JSON is the `Comparison` itself). What makes CI fail is said first.

use super::escape::{markdown_cell as md, terminal};
use crate::compare::{Comparison, MetricChange};
use crate::stats::Change;
use std::fmt::Write;

fn pct(ratio: f64) -> String {
    format!("{:+.1} %", (ratio - 1.0) * 100.0)
}

fn change_word(c: Change) -> &'static str {
    match c {
        Change::Regression => "REGRESSION",
        Change::Improvement => "improvement",
        Change::NoSignificantChange => "no significant change",
    }
}

fn verdict(c: &Comparison) -> String {
    format!(
        "{} regression(s), {} improvement(s), {} metric(s) with no significant change",
        c.regressions(),
        c.improvements(),
        c.metrics.iter().filter(|m| m.change == Change::NoSignificantChange).count()
    )
}

/// Lines for people: incomplete sides, status changes and significant changes come first.
pub fn text(c: &Comparison, all: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "base: {} ({}, {})\nnew:  {} ({}, {})",
        c.base.label,
        c.base.started,
        c.base.git_revision.as_deref().unwrap_or("?"),
        c.new.label,
        c.new.started,
        c.new.git_revision.as_deref().unwrap_or("?")
    );
    for why in c.incomplete() {
        let _ = writeln!(out, "INCOMPLETE {why}");
    }
    for s in &c.status_changes {
        let _ = writeln!(
            out,
            "{} {}: {} -> {}{}",
            if s.worse { "STATUS" } else { "status" },
            s.cell,
            s.base.as_str(),
            s.new.as_str(),
            s.reason.as_deref().map(|r| format!(" ({})", r.lines().next().unwrap_or(""))).unwrap_or_default()
        );
    }
    for k in &c.only_in_base {
        let _ = writeln!(out, "MISSING in new (ok in base): {k}");
    }
    for k in &c.only_in_new {
        let _ = writeln!(out, "only in new:  {k}");
    }
    for t in &c.toolchain_changes {
        let _ = writeln!(out, "toolchain {}: {} -> {}", t.target, t.base, t.new);
    }
    for m in c.metrics.iter().filter(|m| all || m.change != Change::NoSignificantChange) {
        let _ = writeln!(
            out,
            "{:<22} {} {}: {:.3} -> {:.3} ({} [{} .. {}], threshold {:.0} %)",
            change_word(m.change),
            m.cell,
            m.metric,
            m.base_median,
            m.new_median,
            pct(m.ratio.value),
            pct(m.ratio.lo),
            pct(m.ratio.hi),
            m.threshold * 100.0
        );
    }
    let _ = writeln!(out, "\n{}{}", verdict(c), if c.incomplete().is_empty() { "" } else { "; an incomplete comparison fails" });
    terminal(&out)
}

/// A Markdown table fit for a CI job summary.
pub fn markdown(c: &Comparison) -> String {
    let mut out = format!("### benchmatrix compare: {}\n\n", verdict(c));
    let _ = writeln!(out, "base `{}` ({}) → new `{}` ({})\n", md(&c.base.label), c.base.started, md(&c.new.label), c.new.started);
    for why in c.incomplete() {
        let _ = writeln!(out, "- **INCOMPLETE**: {}", md(&why));
    }
    for s in &c.status_changes {
        let _ = writeln!(out, "- **{}**: {} → {}", md(&s.cell.to_string()), s.base.as_str(), s.new.as_str());
    }
    for k in &c.only_in_base {
        let _ = writeln!(out, "- **missing in new** (ok in base): {}", md(&k.to_string()));
    }
    for k in &c.only_in_new {
        let _ = writeln!(out, "- only in new: {}", md(&k.to_string()));
    }
    for t in &c.toolchain_changes {
        let _ = writeln!(out, "- toolchain **{}**: {} → {}", md(&t.target), md(&t.base), md(&t.new));
    }
    out.push_str("\n| cell | metric | base | new | change [95 % interval] | verdict |\n|---|---|---|---|---|---|\n");
    let mut rows: Vec<&MetricChange> = c.metrics.iter().collect();
    rows.sort_by_key(|m| (m.change != Change::Regression, m.change != Change::Improvement));
    for m in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {:.3} | {:.3} | {} [{} .. {}] | {} |",
            md(&m.cell.to_string()),
            m.metric,
            m.base_median,
            m.new_median,
            pct(m.ratio.value),
            pct(m.ratio.lo),
            pct(m.ratio.hi),
            change_word(m.change)
        );
    }
    out
}
