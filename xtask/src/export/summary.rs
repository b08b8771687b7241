//! What the end-of-run summaries say (the terminal's and summary.md), computed once from
//! results.json: a title, the matrix, the ranking, the cells that are not ok, the budgets.

use super::view;
use crate::analysis::Verdict;
use crate::ids::Column;
use crate::records::Status;
use crate::results::{Cell, Results};

/// A short word for a status in a narrow table.
pub fn short(status: Status) -> &'static str {
    match status {
        Status::Ok => "ok",
        Status::Pending => "pend",
        Status::Skipped => "skip",
        Status::NotImplemented => "n/i",
        Status::Invalid => "inval",
        Status::BuildFailed => "build",
        Status::RunFailed => "fail",
        Status::Timeout => "time",
        Status::WrongOutput => "wrong",
    }
}

pub fn title(results: &Results) -> String {
    let m = &results.meta;
    let runs = if m.min_runs == m.max_runs { format!("{} runs", m.max_runs) } else { format!("{}-{} runs", m.min_runs, m.max_runs) };
    let incomplete = if m.complete { "" } else { ", INCOMPLETE (interrupted)" };
    format!("{} size, {runs} per cell after {} warm-up, interleaved, seed {}{incomplete}", m.size, m.warmup_runs, m.seed)
}

/// The targets left out of the ranking, one line per reason: "a, b (no verified cell in the ranked columns)".
pub fn excluded(results: &Results) -> Vec<String> {
    let mut by_reason: Vec<(&str, Vec<&str>)> = Vec::new();
    for x in &results.rank.excluded {
        match by_reason.iter_mut().find(|(r, _)| *r == x.reason) {
            Some((_, targets)) => targets.push(&x.target),
            None => by_reason.push((&x.reason, vec![&x.target])),
        }
    }
    by_reason.into_iter().map(|(reason, targets)| format!("{} ({reason})", targets.join(", "))).collect()
}

/// The columns in display order: ranked workloads first, the runtime floor last. Services
/// and clients have their own sections (export/service.rs).
pub fn columns(results: &Results) -> Vec<(Column, bool)> {
    let mut cols: Vec<(Column, bool)> = results
        .workloads
        .iter()
        .filter(|w| w.kind.is_batch())
        .flat_map(|w| w.columns().into_iter().map(move |c| (c, w.is_baseline())))
        .collect();
    cols.sort_by_key(|(_, baseline)| *baseline);
    cols
}

/// One cell as a few characters: its ratio to the fastest, or its status.
pub fn compact(cell: Option<&Cell>) -> String {
    match cell {
        None => "-".into(),
        Some(c) => {
            let partial = if c.status == Status::Pending { " (partial)" } else { "" };
            match view::ratio(c) {
                Some(r) if r.value < 9.95 => format!("×{:.1}{partial}", r.value),
                Some(r) => format!("×{:.0}{partial}", r.value),
                None => short(c.status).into(),
            }
        }
    }
}

/// One cell in full: median [interval], ratio [interval], peak RSS.
pub fn detailed(cell: Option<&Cell>) -> String {
    match cell {
        None => "-".into(),
        Some(c) => match (&c.summary, view::ratio(c)) {
            (Some(s), Some(r)) => {
                let partial = if c.status == Status::Pending { " (partial)" } else { "" };
                format!("{} {} {}{partial}", view::ms_ci(&s.wall_ms), view::ratio_ci(&r), view::format_kib(s.peak_rss_kib.median as u64))
            }
            _ => c.status.as_str().into(),
        },
    }
}

/// The runtime floor cell: start-up and memory.
pub fn floor(cell: Option<&Cell>) -> String {
    match cell {
        Some(c) if c.status == Status::Ok => match &c.summary {
            Some(s) => format!(
                "{} {}",
                s.startup_ms.as_ref().map_or_else(|| view::format_ms(s.wall_ms.median), |st| view::format_ms(st.median)),
                view::format_kib(s.peak_rss_kib.median as u64)
            ),
            None => "ok".into(),
        },
        Some(c) => short(c.status).into(),
        None => "-".into(),
    }
}

/// "1. cpp ×1.02 [1.00–1.05]" lines, plus who was left out and why.
pub fn rank_lines(results: &Results) -> Vec<String> {
    let r = &results.rank;
    let mut out: Vec<String> = r
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            format!(
                "{:>2}. {:<16} {}{}",
                i + 1,
                e.target,
                view::ratio_ci(&e.geomean),
                if e.fastest_in > 0 { format!("  fastest in {}", e.fastest_in) } else { String::new() }
            )
        })
        .collect();
    for line in excluded(results) {
        out.push(format!("    not ranked: {line}"));
    }
    if !r.left_out.is_empty() {
        out.push(format!(
            "    columns left out (not completed by every ranked target): {}",
            r.left_out.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        ));
    }
    out
}

pub fn rank_heading(results: &Results) -> String {
    format!("rank: geometric mean of the ratio to each column's fastest, over {} column(s), [95 % interval]", results.rank.columns.len())
}

/// What is not ok, with the install hint where one helps: every failure on its own line, the
/// cells a workload does not implement one line per workload and reason, a skipped target one
/// line for all its cells.
pub fn problems(results: &Results) -> Vec<(String, Option<String>)> {
    let reason_of = |c: &Cell| -> String {
        match (&c.reason, c.status) {
            (Some(r), _) => view::first_line(r).to_string(),
            (None, Status::Pending) => view::pending_reason(c),
            (None, _) => String::new(),
        }
    };
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    // Failures one by one: each is news.
    for c in results.cells.iter().filter(|c| c.status != Status::Ok && c.status != Status::NotImplemented && c.status != Status::Skipped) {
        out.push((format!("{}: {}: {}", c.id, c.status.as_str(), reason_of(c)), None));
    }
    // A workload a language does not implement: one line per workload and reason.
    let mut missing: Vec<(String, String, Vec<String>)> = Vec::new();
    for c in results.cells.iter().filter(|c| c.status == Status::NotImplemented) {
        let (w, why) = (c.id.column().to_string(), reason_of(c));
        match missing.iter_mut().find(|(mw, mwhy, _)| *mw == w && *mwhy == why) {
            Some((_, _, targets)) => targets.push(c.id.target.clone()),
            None => missing.push((w, why, vec![c.id.target.clone()])),
        }
    }
    for (w, why, targets) in missing {
        out.push((format!("{w} × {}: not-implemented: {why}", targets.join(", ")), None));
    }
    // A target whose toolchain is missing: one line per target, with its install command.
    let mut skipped: Vec<(String, String, Option<String>, usize)> = Vec::new();
    for c in results.cells.iter().filter(|c| c.status == Status::Skipped) {
        let (why, hint) = (reason_of(c), c.hint.clone().filter(|h| !h.is_empty()));
        match skipped.iter_mut().find(|(t, r, _, _)| *t == c.id.target && *r == why) {
            Some((_, _, _, n)) => *n += 1,
            None => skipped.push((c.id.target.clone(), why, hint, 1)),
        }
    }
    for (target, why, hint, n) in skipped {
        let cells = if n == 1 { "1 cell".to_string() } else { format!("{n} cells") };
        out.push((format!("{target} ({cells}): skipped: {why}"), hint));
    }
    out
}

/// How many budgets passed (the terminal lists only the others).
pub fn budgets_passed(results: &Results) -> usize {
    results.budgets.iter().filter(|b| b.verdict == Verdict::Pass).count()
}

/// Budget lines worth reading: the judged ones, failures first (with `passed`, the passes too).
pub fn budget_lines(results: &Results, passed: bool) -> Vec<String> {
    let mut judged: Vec<_> =
        results.budgets.iter().filter(|b| b.verdict != Verdict::NotMeasured && (passed || b.verdict != Verdict::Pass)).collect();
    judged.sort_by_key(|b| match b.verdict {
        Verdict::Fail => 0,
        Verdict::Unsure => 1,
        Verdict::TooFewSamples => 2,
        _ => 3,
    });
    judged
        .iter()
        .map(|b| {
            let measured = b
                .measured
                .map(|e| {
                    format!(
                        "{} [{}–{}]",
                        view::format_metric(b.metric, e.value),
                        view::format_metric(b.metric, e.lo),
                        view::format_metric(b.metric, e.hi)
                    )
                })
                .unwrap_or_default();
            let label = b.label.as_deref().map(|l| format!(" ({l})")).unwrap_or_default();
            format!(
                "{:<15} {}: {}{label}: {} (limit {}){}",
                b.verdict.as_str(),
                b.cell,
                b.description,
                measured,
                view::format_metric(b.metric, b.limit),
                b.note.as_deref().filter(|_| b.verdict == Verdict::TooFewSamples).map(|n| format!(" — {n}")).unwrap_or_default()
            )
        })
        .collect()
}

pub fn counts(results: &Results) -> String {
    let count = |s: Status| results.cells.iter().filter(|c| c.status == s).count();
    let mut parts = vec![format!("{} ok", count(Status::Ok)), format!("{} skipped", count(Status::Skipped))];
    for (s, word) in [(Status::NotImplemented, "not implemented"), (Status::Pending, "pending")] {
        if count(s) > 0 {
            parts.push(format!("{} {word}", count(s)));
        }
    }
    parts.push(format!("{} failed", results.cells.iter().filter(|c| c.status.is_failure()).count()));
    format!("{} cells: {}", results.cells.len(), parts.join(", "))
}

/// "stream[mode=flushed] × rust: TTFT p50 0.01 ms · ITL p50 … p99 … · 120000 tokens/s" lines.
pub fn stream_lines(results: &Results) -> Vec<String> {
    results
        .cells
        .iter()
        .filter(|c| c.status == Status::Ok)
        .filter_map(|c| {
            let s = c.summary.as_ref()?.stream.as_ref()?;
            Some(format!(
                "{}: TTFT p50 {} p95 {} · ITL p50 {} p99 {} · TPOT p50 {} · {:.0} tokens/s ({} streams of {:.0})",
                c.id,
                view::format_ms(s.ttft.p50_ms),
                view::format_ms(s.ttft.p95_ms),
                view::format_ms(s.itl.p50_ms),
                view::format_ms(s.itl.p99_ms),
                view::format_ms(s.tpot.p50_ms),
                s.tokens_per_s,
                s.streams,
                s.events_per_stream
            ))
        })
        .collect()
}

/// "VERDICT stream × rust: description: ×1.03 [0.99–1.07] (limit ×1.05)" lines.
pub fn ratio_lines(results: &Results) -> Vec<String> {
    // A ratio of cells that were not measured says nothing the list of problems does not; a
    // limit for another size is not a verdict on this run, so it gets no verdict label.
    results
        .ratios
        .iter()
        .filter(|r| r.ratio.is_some())
        .map(|r| {
            let value = r.ratio.map_or_else(String::new, |e| view::ratio_ci(&e));
            let judged = r.limit.is_some() && r.verdict != crate::analysis::Verdict::NotMeasured;
            let verdict = if judged { r.verdict.as_str() } else { "" };
            let limit = r.limit.map(|l| format!(" (limit ×{l:.2})")).unwrap_or_default();
            let note = r.note.as_deref().map(|n| format!(" — {n}")).unwrap_or_default();
            format!(
                "{verdict:<15} {} × {}: {} ({} / {}): {value}{limit}{note}",
                r.workload, r.target, r.description, r.numerator, r.denominator
            )
        })
        .collect()
}

/// A Haxe target, its native counterpart, and (column, ratio) pairs.
pub type CounterpartRow = (String, String, Vec<(String, String)>);

/// Per Haxe target: its ratio to its native counterpart, column by column.
pub fn counterpart_table(results: &Results) -> Vec<CounterpartRow> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for c in &results.counterparts {
        if !pairs.contains(&(c.target.clone(), c.counterpart.clone())) {
            pairs.push((c.target.clone(), c.counterpart.clone()));
        }
    }
    pairs
        .into_iter()
        .map(|(t, n)| {
            let cells = results
                .counterparts
                .iter()
                .filter(|c| c.target == t && c.counterpart == n)
                .map(|c| (c.column.to_string(), view::ratio_ci(&c.wall) + if c.cross_machine { " (cross-machine)" } else { "" }))
                .collect();
            (t, n, cells)
        })
        .collect()
}

/// "haxe-js / node: geometric mean ×1.31 over 9 columns (×0.92 … ×2.40)" lines.
pub fn counterpart_lines(results: &Results) -> Vec<String> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for c in &results.counterparts {
        if !pairs.contains(&(c.target.clone(), c.counterpart.clone())) {
            pairs.push((c.target.clone(), c.counterpart.clone()));
        }
    }
    pairs
        .iter()
        .map(|(t, n)| {
            let values: Vec<f64> =
                results.counterparts.iter().filter(|c| &c.target == t && &c.counterpart == n).map(|c| c.wall.value).collect();
            let geomean = (values.iter().map(|v| v.ln()).sum::<f64>() / values.len() as f64).exp();
            let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
            format!("{t:<16} / {n:<8} ×{geomean:.2} geometric mean over {} column(s) (×{lo:.2} … ×{hi:.2})", values.len())
        })
        .collect()
}

/// The machine-fitness lines: "machine looked unfit to publish from: ..." first, then what
/// could not be checked; none for a fit machine whose every condition was checked.
pub fn fitness_lines(results: &Results) -> Vec<String> {
    let f = results.fitness();
    let mut lines = Vec::new();
    if !f.fit {
        lines.push(format!("machine looked unfit to publish from: {}", f.problems.join("; ")));
    }
    if !f.cautions.is_empty() {
        lines.push(format!("machine: {}", f.cautions.join("; ")));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_stand_alone_while_unimplemented_and_skipped_cells_are_grouped() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exports.json");
        let mut r = crate::results::load(&path).unwrap();
        for c in r.cells.iter_mut() {
            match (c.id.workload.as_str(), c.id.target.as_str()) {
                // One language without chat and noop: one line per workload.
                ("chat" | "noop", "slow") => {
                    c.status = Status::NotImplemented;
                    c.reason = Some("no slow implementation".into());
                }
                // A target without its toolchain: one line for all its cells.
                (_, "fast") => {
                    c.status = Status::Skipped;
                    c.reason = Some("`fast` is not on PATH".into());
                    c.hint = Some("apt-get install fast".into());
                }
                _ => {}
            }
        }
        let lines: Vec<(String, Option<String>)> = problems(&r);
        let text: Vec<&str> = lines.iter().map(|(l, _)| l.as_str()).collect();
        assert!(text[0].starts_with("calc × wobbly: timeout"), "failures first: {text:?}");
        assert!(
            text.iter().any(|l| l.starts_with("chat[payload=") && l.contains("× slow: not-implemented: no slow implementation")),
            "{text:?}"
        );
        let skipped: Vec<&(String, Option<String>)> = lines.iter().filter(|(l, _)| l.contains("skipped")).collect();
        assert_eq!(skipped.len(), 1, "{text:?}");
        assert!(skipped[0].0.starts_with("fast (4 cells): skipped: `fast` is not on PATH"), "{skipped:?}");
        assert_eq!(skipped[0].1.as_deref(), Some("apt-get install fast"));
    }
}
