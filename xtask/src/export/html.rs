//! `index.html`: the report, rendered from `templates/index.html` with Tera over a typed
//! model (`Report`). Self-contained (inline CSS, no scripts, no network). Every text from
//! programs, logs and files goes through Tera's autoescaping, with control characters made
//! visible first; the template never marks anything `safe`.

use super::escape::visible;
use super::summary::columns;
use super::{view, Exporter};
use crate::analysis::Verdict;
use crate::probe::Availability;
use crate::records::Status;
use crate::results::{Cell, Results};
use serde::Serialize;
use std::path::PathBuf;

pub const TEMPLATE: &str = "index.html";

/// Renders with the template in `templates/`.
pub struct Html {
    pub templates: PathBuf,
}

impl Exporter for Html {
    fn name(&self) -> &'static str {
        "html"
    }

    fn render(&self, results: &Results) -> anyhow::Result<String> {
        let file = self.templates.join(TEMPLATE);
        let source = std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
        let mut tera = tera::Tera::new();
        tera.autoescape_on([".html"]);
        tera.add_raw_template(TEMPLATE, &source).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        let mut context = tera::Context::new();
        context.insert("r", &model(results));
        tera.render(TEMPLATE, &context).map_err(|e| anyhow::anyhow!("rendering {}: {e:?}", file.display()))
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub meta: MetaView,
    pub machine: MachineView,
    pub counts: Counts,
    pub columns: Vec<ColumnHead>,
    pub has_floor: bool,
    pub rows: Vec<Row>,
    pub rank: RankView,
    pub charts: Vec<Chart>,
    pub budgets: Vec<BudgetRow>,
    pub streams: Vec<StreamRow>,
    pub services: Vec<super::service::ServiceSection>,
    pub ratios: Vec<RatioRow>,
    pub counterparts: Vec<CounterpartRow>,
    /// A merged run's shards: "shard 1/3: host (fingerprint), CPU, n cells".
    pub shards: Vec<String>,
    pub problems: Vec<Problem>,
    /// Whether the machine looked fit to publish from, and why not (analysis::fitness).
    pub fitness: crate::analysis::fitness::Fitness,
    pub workloads: Vec<WorkloadRow>,
    pub toolchains: Vec<ToolchainRow>,
    pub builds: Vec<BuildRow>,
}

#[derive(Debug, Serialize)]
pub struct MetaView {
    pub started: String,
    pub finished: Option<String>,
    pub complete: bool,
    pub size: String,
    pub warmup_runs: u32,
    pub runs: String,
    pub seed: String,
    pub reference: Option<String>,
    pub command: String,
    pub git: Option<String>,
    pub tool_version: String,
}

#[derive(Debug, Serialize)]
pub struct MachineView {
    pub cpu: String,
    pub cores: usize,
    pub memory: String,
    pub kernel: String,
    pub os: String,
}

#[derive(Debug, Serialize)]
pub struct Counts {
    pub cells: usize,
    pub ok: usize,
    pub skipped: usize,
    pub failed: usize,
    pub pending: usize,
    pub not_implemented: usize,
}

#[derive(Debug, Serialize)]
pub struct ColumnHead {
    pub workload: String,
    pub axis: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub name: String,
    pub language: String,
    /// A target skipped for one reason (a missing toolchain) says it once, under its name;
    /// its cells then show only their badge.
    pub skipped: Option<String>,
    pub cells: Vec<CellView>,
    pub floor: Option<FloorView>,
}

#[derive(Debug, Serialize, Default)]
pub struct CellView {
    pub ok: bool,
    pub status: String,
    pub reason: Option<String>,
    pub wall: String,
    pub wall_ci: String,
    pub ratio: String,
    pub hue: u32,
    pub reference: Option<String>,
    pub rss: String,
    pub cpu: String,
    pub startup: Option<String>,
    pub iteration: Option<String>,
    /// Per cycle label: "dtw p50 … p95 …".
    pub labels: Vec<String>,
    /// "steady state" or why not.
    pub steady: Option<String>,
    /// Set when the target's iteration clock is not monotonic.
    pub clock: Option<String>,
    pub spread: String,
    pub runs: u32,
    pub disturbed: u32,
    pub outlived: u32,
    /// In a merged run: the machine that measured the cell.
    pub machine: Option<String>,
    /// Its ratio to the column's fastest is to a cell measured on another machine.
    pub cross_machine: bool,
    /// The median wall time in ms, for sorting (empty for a cell that is not ok).
    pub sort: String,
    /// Every measured run's wall time (a strip plot), and the iterations' trace.
    pub strip: Option<super::sparks::Strip>,
    pub trace: Option<super::sparks::Trace>,
}

#[derive(Debug, Serialize)]
pub struct FloorView {
    pub ok: bool,
    pub status: String,
    pub startup: Option<String>,
    pub wall: String,
    pub rss: String,
}

#[derive(Debug, Serialize)]
pub struct RankView {
    pub heading: String,
    pub entries: Vec<RankRow>,
    pub excluded: Vec<String>,
    pub left_out: String,
}

#[derive(Debug, Serialize)]
pub struct RankRow {
    pub position: usize,
    pub target: String,
    pub geomean: String,
    pub fastest_in: u32,
    pub width: String,
}

#[derive(Debug, Serialize)]
pub struct Chart {
    pub column: String,
    pub bars: Vec<Bar>,
}

#[derive(Debug, Serialize)]
pub struct Bar {
    pub target: String,
    pub label: String,
    pub ratio: String,
    pub width: String,
    pub hue: u32,
    pub rss: String,
    pub rss_width: String,
}

#[derive(Debug, Serialize)]
pub struct BudgetRow {
    pub cell: String,
    pub description: String,
    pub metric: String,
    pub limit: String,
    pub verdict: String,
    pub class: String,
    pub measured: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CounterpartRow {
    pub target: String,
    pub counterpart: String,
    /// One entry per ranked column: the ratio with its interval, or "–".
    pub cells: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct StreamRow {
    pub cell: String,
    pub ttft: String,
    pub itl: String,
    pub tpot: String,
    pub rate: String,
    pub streams: String,
}

#[derive(Debug, Serialize)]
pub struct RatioRow {
    pub cell: String,
    pub description: String,
    pub value: String,
    pub limit: Option<String>,
    pub verdict: Option<String>,
    pub class: String,
    pub note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Problem {
    pub cell: String,
    pub status: String,
    pub reason: Option<String>,
    pub hint: Option<String>,
    pub log: Option<String>,
    pub expected: Option<String>,
    pub got: Option<String>,
    pub at: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct WorkloadRow {
    pub name: String,
    pub category: String,
    pub summary: String,
    pub error: Option<String>,
    pub params: String,
    pub axis: Option<String>,
    pub iterations: String,
    pub compare: String,
    pub timeout: String,
}

#[derive(Debug, Serialize)]
pub struct ToolchainRow {
    pub name: String,
    pub available: bool,
    pub version: String,
    pub details: Vec<String>,
    /// The runtime settings that change results (heap, GC, JIT, ini values, interpreter flags).
    pub settings: Vec<String>,
    /// Why this target's iteration times are not from a monotonic clock, if they are not.
    pub clock: Option<String>,
    pub reason: Option<String>,
    pub install: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct BuildRow {
    pub cell: String,
    pub ok: bool,
    pub cached: bool,
    pub seconds: String,
    pub artifact: Option<String>,
    pub commands: Vec<String>,
}

/// Colour for a ratio to the fastest: green at 1x to red at 100x and beyond, on a log scale.
fn hue(ratio: f64) -> u32 {
    let t = (ratio.max(1.0).log10() / 2.0).min(1.0);
    (120.0 * (1.0 - t)).round() as u32
}

fn cell_view(c: Option<&Cell>) -> CellView {
    let Some(c) = c else { return CellView { status: "-".into(), ..CellView::default() } };
    let shown = matches!(c.status, Status::Ok | Status::Pending);
    let (Some(s), Some(r)) = (c.summary.as_ref().filter(|_| shown), view::ratio(c)) else {
        let reason = c
            .reason
            .as_deref()
            .map(|r| visible(view::first_line(r)))
            .or_else(|| (c.status == Status::Pending).then(|| view::pending_reason(c)));
        return CellView { status: c.status.as_str().into(), reason, ..CellView::default() };
    };
    let iteration = |i: &crate::analysis::IterationStats| {
        format!("p50 {} · p95 {} · p99 {} (n={})", view::format_ms(i.p50_ms), view::format_ms(i.p95_ms), view::format_ms(i.p99_ms), i.count)
    };
    let steady = s.iterations.as_ref().and_then(|i| i.steadiness.as_ref()).map(|st| {
        if st.steady {
            "steady state".to_string()
        } else {
            format!("no steady state: later iterations ×{:.2} [{:.2}–{:.2}] of earlier ones", st.drift.value, st.drift.lo, st.drift.hi)
        }
    });
    CellView {
        ok: true,
        status: c.status.as_str().into(),
        reason: (c.status == Status::Pending).then(|| view::pending_reason(c)),
        wall: view::format_ms(s.wall_ms.median),
        wall_ci: format!("[{} – {}]", view::format_ms(s.wall_ms.median_ci.lo), view::format_ms(s.wall_ms.median_ci.hi)),
        ratio: view::ratio_ci(&r),
        hue: hue(r.value),
        reference: s.vs_reference.as_ref().map(view::ratio_ci),
        rss: view::kib_ci(&s.peak_rss_kib),
        cpu: view::ms_ci(&s.cpu_ms),
        startup: s.startup_ms.as_ref().map(view::ms_ci),
        iteration: s.iterations.as_ref().map(iteration),
        labels: s.by_label.iter().map(|(l, i)| format!("{l}: {}", iteration(i))).collect(),
        steady,
        clock: None,
        spread: format!(
            "MAD {} · min {} · max {} · sd {}",
            view::format_ms(s.wall_ms.mad),
            view::format_ms(s.wall_ms.min),
            view::format_ms(s.wall_ms.max),
            view::format_ms(s.wall_ms.stddev)
        ),
        runs: s.runs,
        disturbed: s.disturbed_runs,
        outlived: s.outlived_runs,
        machine: None,
        cross_machine: false,
        sort: format!("{}", s.wall_ms.median),
        strip: super::sparks::strip(c.measured()),
        trace: super::sparks::trace(c.measured()),
    }
}

fn floor_view(c: &Cell) -> FloorView {
    match (&c.summary, c.status) {
        (Some(s), Status::Ok) => FloorView {
            ok: true,
            status: "ok".into(),
            startup: s.startup_ms.as_ref().map(view::ms_ci),
            wall: view::ms_ci(&s.wall_ms),
            rss: view::kib_ci(&s.peak_rss_kib),
        },
        _ => FloorView { ok: false, status: c.status.as_str().into(), startup: None, wall: String::new(), rss: String::new() },
    }
}

/// The template's whole input, with every figure already formatted.
pub fn model(results: &Results) -> Report {
    let machine_of = results.meta.machine_of();
    let m = &results.meta;
    let cols = columns(results);
    let ranked: Vec<_> = cols.iter().filter(|(_, b)| !b).map(|(c, _)| c.clone()).collect();
    let floors: Vec<_> = cols.iter().filter(|(_, b)| *b).map(|(c, _)| c.clone()).collect();
    let rows = results
        .targets
        .iter()
        .map(|t| {
            let mut cells: Vec<CellView> = ranked
                .iter()
                .map(|c| {
                    let cell = results.cell(&c.cell(&t.name));
                    let mut v = cell_view(cell);
                    v.clock = t.clock.clone().filter(|_| v.iteration.is_some());
                    v.machine = cell.and_then(|x| machine_of.get(&x.id.key()).cloned());
                    v.cross_machine = cell.and_then(|x| x.summary.as_ref()).is_some_and(|s| s.vs_fastest_cross_machine);
                    v
                })
                .collect();
            let first = cells.first().and_then(|c| c.reason.clone());
            let skipped = first.filter(|why| cells.iter().all(|c| c.status == Status::Skipped.as_str() && c.reason.as_ref() == Some(why)));
            if skipped.is_some() {
                cells.iter_mut().for_each(|c| c.reason = None);
            }
            Row {
                name: t.name.clone(),
                language: t.language.clone(),
                skipped,
                cells,
                floor: floors.first().and_then(|f| results.cell(&f.cell(&t.name))).map(floor_view),
            }
        })
        .collect();

    let charts = ranked
        .iter()
        .filter_map(|col| {
            let mut bars: Vec<(String, f64, f64)> = results
                .cells
                .iter()
                .filter(|c| c.id.column() == *col && c.status == Status::Ok)
                .filter_map(|c| c.summary.as_ref().map(|s| (c.id.target.clone(), s.wall_ms.median, s.peak_rss_kib.median)))
                .collect();
            if bars.is_empty() {
                return None;
            }
            bars.sort_by(|a, b| a.1.total_cmp(&b.1));
            let min = bars[0].1.max(1e-6);
            let max = bars.last().map_or(min, |b| b.1).max(min * 1.0001);
            let max_rss = bars.iter().map(|b| b.2).fold(1.0, f64::max);
            let bars = bars
                .iter()
                .map(|(target, ms, rss)| {
                    // Log scale: a 100x spread stays readable; the label carries the exact figure.
                    let width = 4.0 + 96.0 * (ms / min).ln() / (max / min).ln();
                    Bar {
                        target: target.clone(),
                        label: view::format_ms(*ms),
                        ratio: format!("×{:.1}", ms / min),
                        width: format!("{width:.1}"),
                        hue: hue(ms / min),
                        rss: view::format_kib(*rss as u64),
                        rss_width: format!("{:.1}", 100.0 * rss / max_rss),
                    }
                })
                .collect();
            Some(Chart { column: col.to_string(), bars })
        })
        .collect();

    let worst = results.rank.entries.iter().map(|e| e.geomean.value).fold(1.0, f64::max);
    let rank = RankView {
        heading: super::summary::rank_heading(results),
        entries: results
            .rank
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| RankRow {
                position: i + 1,
                target: e.target.clone(),
                geomean: view::ratio_ci(&e.geomean),
                fastest_in: e.fastest_in,
                width: format!("{:.1}", 4.0 + 96.0 * e.geomean.value.ln() / worst.ln().max(1e-9)),
            })
            .collect(),
        excluded: super::summary::excluded(results),
        left_out: results.rank.left_out.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
    };

    let available = |target: &str| results.targets.iter().any(|t| t.name == target && t.availability.is_available());
    let budgets = results
        .budgets
        .iter()
        .filter(|b| available(&b.cell.target))
        .map(|b| BudgetRow {
            cell: b.cell.to_string() + &b.label.as_deref().map(|l| format!(" ({l})")).unwrap_or_default(),
            description: b.description.clone(),
            metric: b.metric.to_string(),
            limit: view::format_metric(b.metric, b.limit),
            verdict: b.verdict.as_str().into(),
            class: format!("v-{}", b.verdict.as_str().to_lowercase()),
            measured: b.measured.map(|e| {
                format!(
                    "{} [{} – {}]",
                    view::format_metric(b.metric, e.value),
                    view::format_metric(b.metric, e.lo),
                    view::format_metric(b.metric, e.hi)
                )
            }),
            note: b.note.clone().filter(|_| b.verdict != Verdict::Pass && b.verdict != Verdict::Fail),
        })
        .collect();

    let q = |x: &crate::analysis::stream::Quantiles| {
        format!("p50 {} · p95 {} · p99 {}", view::format_ms(x.p50_ms), view::format_ms(x.p95_ms), view::format_ms(x.p99_ms))
    };
    let streams = results
        .cells
        .iter()
        .filter(|c| c.status == Status::Ok)
        .filter_map(|c| {
            let s = c.summary.as_ref()?.stream.as_ref()?;
            Some(StreamRow {
                cell: c.id.to_string(),
                ttft: q(&s.ttft),
                itl: q(&s.itl),
                tpot: q(&s.tpot),
                rate: format!("{:.0}", s.tokens_per_s),
                streams: format!("{} × {:.0} tokens", s.streams, s.events_per_stream),
            })
        })
        .collect();
    let ratios = results
        .ratios
        .iter()
        .map(|r| RatioRow {
            cell: format!("{} × {}", r.workload, r.target),
            description: format!("{} ({} / {})", r.description, r.numerator, r.denominator),
            value: r.ratio.map_or_else(|| "–".to_string(), |e| view::ratio_ci(&e)) + if r.cross_machine { " (cross-machine)" } else { "" },
            limit: r.limit.map(|l| format!("×{l:.2}")),
            verdict: r.limit.map(|_| r.verdict.as_str().to_string()),
            class: format!("v-{}", r.verdict.as_str().to_lowercase()),
            note: r.note.clone(),
        })
        .collect();

    let counterparts = super::summary::counterpart_table(results)
        .into_iter()
        .map(|(t, n, cells)| CounterpartRow {
            target: t,
            counterpart: n,
            cells: ranked
                .iter()
                .map(|col| cells.iter().find(|(c, _)| *c == col.to_string()).map_or("–".to_string(), |(_, r)| r.clone()))
                .collect(),
        })
        .collect();

    let problems = results
        .cells
        .iter()
        .filter(|c| c.status != Status::Ok)
        .map(|c| Problem {
            cell: c.id.to_string(),
            status: c.status.as_str().into(),
            reason: c.reason.as_deref().map(visible).or_else(|| (c.status == Status::Pending).then(|| view::pending_reason(c))),
            hint: c.hint.as_deref().map(visible),
            log: c.build.as_ref().filter(|b| !b.ok).map(|b| visible(&b.log_tail)),
            expected: c.mismatch.as_ref().map(|m| visible(&m.expected)),
            got: c.mismatch.as_ref().map(|m| visible(&m.got)),
            at: c.mismatch.as_ref().map(|m| format!("line {}, byte {}", m.line, m.offset)),
        })
        .collect();

    let workloads = results
        .workloads
        .iter()
        .map(|w| WorkloadRow {
            name: w.name.clone(),
            category: w.category.clone(),
            summary: w.summary.clone(),
            error: w.error.clone(),
            params: w.params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "),
            axis: w.axis.as_ref().map(|a| format!("{} = {}", a.param, a.values.join(" / "))),
            iterations: format!(
                "{} warm-up + {} measured{}",
                w.warmup,
                w.iterations,
                if w.cycle > 1 {
                    format!(
                        ", cycle of {}{}",
                        w.cycle,
                        if w.cycle_labels.is_empty() { String::new() } else { format!(" ({})", w.cycle_labels.join(", ")) }
                    )
                } else {
                    String::new()
                }
            ),
            compare: match &w.compare {
                Some(crate::spec::CompareRule::Exact) => "exact".to_string(),
                Some(crate::spec::CompareRule::Numeric { tolerance }) => format!("numeric, ±{tolerance:e}"),
                None => String::new(),
            },
            timeout: format!("{} s", w.timeout_secs),
        })
        .collect();

    let clocks: std::collections::BTreeMap<&str, String> =
        results.targets.iter().filter_map(|t| Some((t.name.as_str(), t.clock.clone()?))).collect();
    let toolchains = results
        .targets
        .iter()
        .map(|t| match &t.availability {
            Availability::Available { binaries, version, versions, settings } => ToolchainRow {
                name: t.name.clone(),
                available: true,
                version: visible(version),
                details: binaries.iter().map(|(k, v)| format!("{k} → {v}")).chain(versions.iter().map(|v| visible(v))).collect(),
                settings: settings.iter().map(|v| visible(v)).collect(),
                clock: clocks.get(t.name.as_str()).cloned(),
                reason: None,
                install: None,
            },
            Availability::Missing { reason, install, .. } => ToolchainRow {
                name: t.name.clone(),
                available: false,
                version: String::new(),
                details: Vec::new(),
                settings: Vec::new(),
                clock: None,
                reason: Some(visible(t.error.as_deref().unwrap_or(reason))),
                install: Some(install.clone()).filter(|i| !i.is_empty()),
            },
        })
        .collect();

    let builds = results
        .cells
        .iter()
        .filter_map(|c| c.build.as_ref().map(|b| (c, b)))
        .filter(|(c, _)| {
            c.id.axis.as_ref().is_none_or(|a| {
                results.workload(&c.id.workload).and_then(|w| w.axis.as_ref()).is_some_and(|wa| wa.values.first() == Some(&a.value))
            })
        })
        .map(|(c, b)| BuildRow {
            cell: format!("{} × {}", c.id.workload, c.id.target),
            ok: b.ok,
            cached: b.cached,
            seconds: format!("{:.2} s", b.seconds),
            artifact: b.artifact_bytes.map(view::format_bytes),
            commands: b.commands.iter().map(|argv| visible(&argv.join(" "))).collect(),
        })
        .collect();

    let count = |s: Status| results.cells.iter().filter(|c| c.status == s).count();
    Report {
        meta: MetaView {
            started: m.started.clone(),
            finished: m.finished.clone(),
            complete: m.complete,
            size: m.size.to_string(),
            warmup_runs: m.warmup_runs,
            runs: if m.min_runs == m.max_runs {
                m.max_runs.to_string()
            } else {
                format!(
                    "{}–{} (adaptive, until the median's interval is within ±{:.0} %)",
                    m.min_runs,
                    m.max_runs,
                    m.target_ci.unwrap_or(0.0) * 50.0
                )
            },
            seed: m.seed.to_string(),
            reference: m.reference.clone(),
            command: visible(&m.command_line.join(" ")),
            git: m.git_revision.as_deref().map(|g| format!("{}{}", &g[..g.len().min(12)], if m.git_dirty { " (modified)" } else { "" })),
            tool_version: m.tool_version.clone(),
        },
        machine: MachineView {
            cpu: m.machine.cpu_model.clone(),
            cores: m.machine.cores,
            memory: format!("{:.1} GiB", m.machine.memory_bytes as f64 / (1u64 << 30) as f64),
            kernel: m.machine.kernel.clone(),
            os: m.machine.os.clone(),
        },
        counts: Counts {
            cells: results.cells.len(),
            ok: count(Status::Ok),
            skipped: count(Status::Skipped),
            failed: results.cells.iter().filter(|c| c.status.is_failure()).count(),
            pending: count(Status::Pending),
            not_implemented: count(Status::NotImplemented),
        },
        columns: ranked
            .iter()
            .map(|c| ColumnHead { workload: c.workload.clone(), axis: c.axis.as_ref().map(ToString::to_string) })
            .collect(),
        has_floor: !floors.is_empty(),
        rows,
        rank,
        charts,
        budgets,
        streams,
        services: super::service::sections(results),
        ratios,
        counterparts,
        fitness: results.fitness(),
        shards: m
            .shards
            .iter()
            .map(|s| {
                format!(
                    "shard {}/{}: {}, {} ({} cores), {} cells",
                    s.index,
                    s.count,
                    s.machine_label,
                    s.machine.cpu_model,
                    s.machine.cores,
                    s.cells.len()
                )
            })
            .collect(),
        problems,
        workloads,
        toolchains,
        builds,
    }
}

#[cfg(test)]
mod skipped_rows {
    use super::*;

    #[test]
    fn a_target_skipped_for_one_reason_says_it_once() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exports.json");
        let mut r = crate::results::load(&path).unwrap();
        for c in r.cells.iter_mut().filter(|c| c.id.target == "slow") {
            c.status = Status::Skipped;
            c.reason = Some("`slow` is not on PATH".into());
        }
        let m = model(&r);
        let slow = m.rows.iter().find(|row| row.name == "slow").unwrap();
        assert_eq!(slow.skipped.as_deref(), Some("`slow` is not on PATH"));
        assert!(slow.cells.iter().all(|c| c.reason.is_none()), "not repeated in every cell");
        let fast = m.rows.iter().find(|row| row.name == "fast").unwrap();
        assert_eq!(fast.skipped, None);
    }
}
