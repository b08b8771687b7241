//! The report site (`cargo xtask site`): from a history of runs, a static directory with an
//! index of the runs, each run's own report (the HTML exporter), the newest run as `latest/`,
//! and per column a trend page: per cell and metric an inline SVG of the median per run with
//! its bootstrap interval band, toolchain changes and regressions (by `compare`) marked.
//! Rendered with Tera from `templates/site/`, autoescaped; nothing is loaded from anywhere.

use super::view;
use crate::compare::{self, Comparison};
use crate::history;
use crate::ids::{CellId, Column};
use crate::metric::Metric;
use crate::records::Status;
use crate::results::Results;
use crate::spec::Size;
use crate::stats::{self, Change, Estimate};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The site's templates, under `templates/`.
pub const TEMPLATES: [&str; 3] = ["site/base.html", "site/index.html", "site/trend.html"];

/// One run of the history, as the site names it.
pub struct Run {
    /// The directory name under `runs/`: the history file's stem or the run directory's name,
    /// reduced to safe characters.
    pub id: String,
    pub results: Results,
}

/// What was written, for the command to print and tests to check.
#[derive(Debug)]
pub struct Built {
    pub index: PathBuf,
    pub runs: usize,
    pub trend_pages: usize,
}

/// Names the runs of `history::load` for the site: unique, filesystem- and URL-safe ids.
pub fn runs(loaded: Vec<(PathBuf, Results)>) -> Vec<Run> {
    let mut seen = BTreeSet::new();
    loaded
        .into_iter()
        .map(|(path, results)| {
            let stem = if path.is_dir() { path.file_name() } else { path.file_stem() };
            let base = slug(&stem.map(|s| s.to_string_lossy().into_owned()).unwrap_or_default());
            let id = (0..).map(|i| if i == 0 { base.clone() } else { format!("{base}-{i}") }).find(|c| seen.insert(c.clone())).unwrap();
            Run { id, results }
        })
        .collect()
}

/// A name safe in a path and a URL: ASCII letters, digits, `.`, `_`, `-`; anything else
/// becomes `_` and a short hash keeps different names apart.
pub fn slug(name: &str) -> String {
    let clean: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    let clean = clean.trim_start_matches('.').to_string();
    if clean == name && !clean.is_empty() {
        clean
    } else {
        format!("{}{}{:08x}", clean, if clean.is_empty() { "" } else { "-" }, stats::fnv1a(name.bytes()) >> 32)
    }
}

/// Runs comparable with each other: the same size on the same machine.
type GroupKey = (Size, String);

fn group_of(r: &Results) -> GroupKey {
    (r.meta.size, history::fingerprint(&r.meta.machine))
}

/// Writes the site into `out`. `runs` oldest first (as `history::load` returns them).
pub fn build(templates: &Path, runs: &[Run], metrics: &[Metric], out: &Path) -> anyhow::Result<Built> {
    let tera = load_templates(templates)?;
    let comparisons = comparisons(runs, metrics);
    for run in runs {
        let dir = out.join("runs").join(&run.id);
        create_dir(&dir)?;
        super::write_run_reports(templates, &run.results, &dir)?;
        crate::results::save(&dir.join("results.json"), &run.results)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", dir.join("results.json").display()))?;
    }
    if let Some(newest) = runs.iter().max_by(|a, b| a.results.meta.started.cmp(&b.results.meta.started)) {
        let dir = out.join("latest");
        create_dir(&dir)?;
        super::write_run_reports(templates, &newest.results, &dir)?;
    }
    let pages = trend_pages(runs, &comparisons, metrics);
    create_dir(&out.join("trends"))?;
    for page in &pages {
        let html = render(&tera, "site/trend.html", "page", page)?;
        super::write_to(&out.join("trends").join(format!("{}.html", page.slug)), &html)?;
    }
    let index = index_model(runs, &comparisons, &pages, metrics);
    let path = out.join("index.html");
    super::write_to(&path, &render(&tera, "site/index.html", "site", &index)?)?;
    Ok(Built { index: path, runs: runs.len(), trend_pages: pages.len() })
}

fn create_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))
}

fn load_templates(templates: &Path) -> anyhow::Result<tera::Tera> {
    let mut tera = tera::Tera::new();
    tera.autoescape_on([".html"]);
    let files: Vec<(PathBuf, Option<&str>)> = TEMPLATES.iter().map(|name| (templates.join(name), Some(*name))).collect();
    for (file, _) in &files {
        if !file.is_file() {
            anyhow::bail!("cannot read {}: the site's templates are missing", file.display());
        }
    }
    tera.add_template_files(files).map_err(|e| anyhow::anyhow!("{}: {e:?}", templates.join("site").display()))?;
    Ok(tera)
}

fn render(tera: &tera::Tera, name: &str, key: &'static str, model: &impl Serialize) -> anyhow::Result<String> {
    let mut context = tera::Context::new();
    context.insert(key, model);
    tera.render(name, &context).map_err(|e| anyhow::anyhow!("rendering {name}: {e:?}"))
}

/// Each complete run against the previous complete run of its group (index into `runs`),
/// with the thresholds widened to the group's run-to-run noise, as the nightly compares.
fn comparisons(runs: &[Run], metrics: &[Metric]) -> BTreeMap<usize, Comparison> {
    let mut by_group: BTreeMap<GroupKey, Vec<usize>> = BTreeMap::new();
    for (i, run) in runs.iter().enumerate().filter(|(_, r)| r.results.meta.complete) {
        by_group.entry(group_of(&run.results)).or_default().push(i);
    }
    let mut out = BTreeMap::new();
    for ((size, machine), members) in by_group {
        let series = history::series(members.iter().map(|&i| &runs[i].results), size, &machine, metrics);
        let noise = history::noise(&series);
        for pair in members.windows(2) {
            let (base, new) = (&runs[pair[0]], &runs[pair[1]]);
            let opts = compare::Options { threshold: None, seed: new.results.meta.seed, noise: noise.clone(), metrics: metrics.to_vec() };
            if let Ok(c) = compare::compare(&base.id, &base.results, &new.id, &new.results, &opts) {
                out.insert(pair[1], c);
            }
        }
    }
    out
}

#[derive(Debug, Serialize)]
pub struct SiteView {
    pub runs: Vec<RunRow>,
    pub latest: Option<String>,
    pub columns: Vec<ColumnLink>,
    pub metrics: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct RunRow {
    pub id: String,
    pub started: String,
    pub revision: String,
    pub machine: String,
    pub size: String,
    pub complete: bool,
    pub cells: usize,
    pub ok: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Regressions against the previous run of the same size and machine (None: no such run).
    pub regressions: Option<usize>,
    pub toolchain_changes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ColumnLink {
    pub column: String,
    pub href: String,
    pub cells: usize,
    pub regressions: usize,
}

fn index_model(runs: &[Run], comparisons: &BTreeMap<usize, Comparison>, pages: &[TrendPage], metrics: &[Metric]) -> SiteView {
    let rows =
        runs.iter()
            .enumerate()
            .rev()
            .map(|(i, run)| {
                let m = &run.results.meta;
                let count = |f: &dyn Fn(Status) -> bool| run.results.cells.iter().filter(|c| f(c.status)).count();
                RunRow {
                    id: run.id.clone(),
                    started: m.started.clone(),
                    revision: m.git_revision.as_deref().map_or("–".to_string(), |g| {
                        format!("{}{}", &g[..g.len().min(12)], if m.git_dirty { " (modified)" } else { "" })
                    }),
                    machine: super::escape::visible(&crate::results::machine_label(&m.machine)),
                    size: m.size.to_string(),
                    complete: m.complete,
                    cells: run.results.cells.len(),
                    ok: count(&|s| s == Status::Ok),
                    failed: count(&|s| s.is_failure()),
                    skipped: count(&|s| s == Status::Skipped),
                    regressions: comparisons.get(&i).map(Comparison::regressions),
                    toolchain_changes: comparisons
                        .get(&i)
                        .map(|c| {
                            c.toolchain_changes
                                .iter()
                                .map(|t| super::escape::visible(&format!("{}: {} → {}", t.target, t.base, t.new)))
                                .collect()
                        })
                        .unwrap_or_default(),
                }
            })
            .collect();
    SiteView {
        runs: rows,
        latest: runs.iter().max_by(|a, b| a.results.meta.started.cmp(&b.results.meta.started)).map(|r| r.id.clone()),
        columns: pages
            .iter()
            .map(|p| ColumnLink {
                column: p.column.clone(),
                href: format!("trends/{}.html", p.slug),
                cells: p.sections.len(),
                regressions: p.sections.iter().flat_map(|s| &s.charts).map(|c| c.regressions).sum(),
            })
            .collect(),
        metrics: metrics.iter().map(|m| m.to_string()).collect(),
    }
}

#[derive(Debug, Serialize)]
pub struct TrendPage {
    pub column: String,
    pub slug: String,
    pub sections: Vec<TrendSection>,
}

/// One cell of one group (size and machine).
#[derive(Debug, Serialize)]
pub struct TrendSection {
    pub anchor: String,
    pub target: String,
    pub size: String,
    pub machine: String,
    pub charts: Vec<TrendChart>,
}

#[derive(Debug, Serialize)]
pub struct TrendChart {
    pub metric: String,
    pub svg: Svg,
    pub rows: Vec<TrendRow>,
    pub regressions: usize,
}

/// The chart's geometry, every number already placed: the template only draws.
#[derive(Debug, Serialize)]
pub struct Svg {
    pub width: u32,
    pub height: u32,
    pub plot_left: String,
    pub plot_right: String,
    pub plot_top: String,
    pub plot_bottom: String,
    pub label_x: String,
    pub text_bottom: String,
    /// The interval band: a polygon over the upper bounds and back along the lower ones.
    pub band: String,
    /// The medians joined.
    pub line: String,
    pub points: Vec<Dot>,
    /// Runs where the target's toolchain changed.
    pub changes: Vec<Mark>,
    pub y_max: String,
    pub y_min: String,
    pub x_first: String,
    pub x_last: String,
}

#[derive(Debug, Serialize)]
pub struct Dot {
    pub cx: String,
    pub cy: String,
    /// "regression", "improvement" or "".
    pub class: String,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub struct Mark {
    pub x: String,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub struct TrendRow {
    pub run: String,
    pub started: String,
    pub revision: String,
    pub figure: String,
    pub version: String,
    pub version_changed: bool,
    pub change: String,
    pub class: String,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 180.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 26.0;

/// One figure of a cell in one run of its group.
struct Sample<'a> {
    /// Position of the run among the group's complete runs (the x axis).
    slot: usize,
    run_index: usize,
    run: &'a Run,
    estimate: Estimate,
}

fn trend_pages(runs: &[Run], comparisons: &BTreeMap<usize, Comparison>, metrics: &[Metric]) -> Vec<TrendPage> {
    // Group -> the group's complete runs (indices into `runs`), oldest first.
    let mut groups: BTreeMap<GroupKey, Vec<usize>> = BTreeMap::new();
    for (i, run) in runs.iter().enumerate().filter(|(_, r)| r.results.meta.complete) {
        groups.entry(group_of(&run.results)).or_default().push(i);
    }
    let mut by_column: BTreeMap<Column, Vec<TrendSection>> = BTreeMap::new();
    for (key, members) in &groups {
        let cells: BTreeSet<CellId> =
            members.iter().flat_map(|&i| runs[i].results.cells.iter().filter(|c| c.status == Status::Ok).map(|c| c.id.clone())).collect();
        for id in cells {
            let charts: Vec<TrendChart> = metrics.iter().filter_map(|&m| chart(runs, members, comparisons, &id, m)).collect();
            if charts.is_empty() {
                continue;
            }
            let machine = runs[members[0]].results.meta.machine.clone();
            by_column.entry(id.column()).or_default().push(TrendSection {
                anchor: slug(&format!("{}-{}-{}", id.target, key.0, key.1)),
                target: id.target.clone(),
                size: key.0.to_string(),
                machine: super::escape::visible(&crate::results::machine_label(&machine)),
                charts,
            });
        }
    }
    let mut used = BTreeSet::new();
    by_column
        .into_iter()
        .map(|(column, sections)| {
            let base = slug(&column.to_string());
            let slug = (0..).map(|i| if i == 0 { base.clone() } else { format!("{base}-{i}") }).find(|c| used.insert(c.clone())).unwrap();
            TrendPage { column: column.to_string(), slug, sections }
        })
        .collect()
}

fn chart(runs: &[Run], members: &[usize], comparisons: &BTreeMap<usize, Comparison>, id: &CellId, metric: Metric) -> Option<TrendChart> {
    let samples: Vec<Sample> = members
        .iter()
        .enumerate()
        .filter_map(|(slot, &i)| {
            let cell = runs[i].results.cell(id).filter(|c| c.status == Status::Ok)?;
            let estimate = metric.of_summary(cell.summary.as_ref()?, None)?;
            [estimate.value, estimate.lo, estimate.hi].iter().all(|v| v.is_finite()).then_some(Sample {
                slot,
                run_index: i,
                run: &runs[i],
                estimate,
            })
        })
        .collect();
    if samples.is_empty() {
        return None;
    }
    let lo = samples.iter().map(|s| s.estimate.lo.min(s.estimate.value)).fold(f64::INFINITY, f64::min);
    let hi = samples.iter().map(|s| s.estimate.hi.max(s.estimate.value)).fold(f64::NEG_INFINITY, f64::max);
    // A flat series still gets a visible height: 5 % of its value each way.
    let pad = if hi > lo { (hi - lo) * 0.08 } else { (hi.abs() * 0.05).max(1e-3) };
    let (lo, hi) = ((lo - pad).max(0.0), hi + pad);
    let slots = members.len();
    let x = |slot: usize| {
        if slots <= 1 {
            LEFT + (WIDTH - LEFT - RIGHT) / 2.0
        } else {
            LEFT + (WIDTH - LEFT - RIGHT) * slot as f64 / (slots - 1) as f64
        }
    };
    let y = |v: f64| TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - (v - lo) / (hi - lo));
    let f = |v: f64| format!("{v:.1}");

    let change_of = |s: &Sample| {
        comparisons
            .get(&s.run_index)
            .and_then(|c| c.metrics.iter().find(|m| m.cell == *id && m.metric == metric))
            .map(|m| (m.change, m.ratio))
    };
    let mut points = Vec::new();
    let mut rows = Vec::new();
    let mut regressions = 0;
    for s in &samples {
        let change = change_of(s);
        let (class, said) = match change {
            Some((Change::Regression, r)) => ("regression", format!("regression: {} of the previous run", view::ratio_ci(&r))),
            Some((Change::Improvement, r)) => ("improvement", format!("improvement: {} of the previous run", view::ratio_ci(&r))),
            Some((Change::NoSignificantChange, r)) => ("", format!("no significant change: {}", view::ratio_ci(&r))),
            None => ("", String::new()),
        };
        regressions += usize::from(class == "regression");
        let figure = format!(
            "{} [{} – {}]",
            view::format_metric(metric, s.estimate.value),
            view::format_metric(metric, s.estimate.lo),
            view::format_metric(metric, s.estimate.hi)
        );
        let meta = &s.run.results.meta;
        let revision = meta.git_revision.as_deref().map_or("–".to_string(), |g| g[..g.len().min(10)].to_string());
        points.push(Dot {
            cx: f(x(s.slot)),
            cy: f(y(s.estimate.value)),
            class: class.to_string(),
            title: super::escape::visible(&format!(
                "{} ({revision}): {figure}{}",
                meta.started,
                if said.is_empty() { String::new() } else { format!("; {said}") }
            )),
        });
        let version_changed = comparisons.get(&s.run_index).is_some_and(|c| c.toolchain_changes.iter().any(|t| t.target == id.target));
        rows.push(TrendRow {
            run: s.run.id.clone(),
            started: meta.started.clone(),
            revision,
            figure,
            version: super::escape::visible(&compare::version(&s.run.results, &id.target).unwrap_or_default()),
            version_changed,
            change: said,
            class: class.to_string(),
        });
    }
    // Toolchain changes are marked at every run of the group where they happened, even one
    // where this cell failed: the line shows where the series may have shifted.
    let changes = members
        .iter()
        .enumerate()
        .filter_map(|(slot, i)| {
            let t = comparisons.get(i)?.toolchain_changes.iter().find(|t| t.target == id.target)?;
            Some(Mark { x: f(x(slot)), title: super::escape::visible(&format!("{} changed: {} → {}", t.target, t.base, t.new)) })
        })
        .collect();
    let upper = samples.iter().map(|s| format!("{},{}", f(x(s.slot)), f(y(s.estimate.hi))));
    let lower = samples.iter().rev().map(|s| format!("{},{}", f(x(s.slot)), f(y(s.estimate.lo))));
    let band = upper.chain(lower).collect::<Vec<_>>().join(" ");
    let line = samples.iter().map(|s| format!("{},{}", f(x(s.slot)), f(y(s.estimate.value)))).collect::<Vec<_>>().join(" ");
    let started = |slot: usize| runs[members[slot]].results.meta.started.chars().take(10).collect::<String>();
    Some(TrendChart {
        metric: metric.to_string(),
        svg: Svg {
            width: WIDTH as u32,
            height: HEIGHT as u32,
            plot_left: f(LEFT),
            plot_right: f(WIDTH - RIGHT),
            plot_top: f(TOP),
            plot_bottom: f(HEIGHT - BOTTOM),
            label_x: f(LEFT - 6.0),
            text_bottom: f(HEIGHT - 8.0),
            band,
            line,
            points,
            changes,
            y_max: view::format_metric(metric, hi),
            y_min: view::format_metric(metric, lo),
            x_first: started(0),
            x_last: started(slots - 1),
        },
        rows,
        regressions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exports fixture three times, a day apart; `scale` multiplies one run's `fast` wall times.
    fn three(scale: [u64; 3]) -> Vec<Run> {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exports.json");
        (0..3)
            .map(|i| {
                let mut r = crate::results::load(&fixture).unwrap();
                r.meta.started = format!("2026-01-0{}T00:00:00Z", i + 1);
                for c in r.cells.iter_mut().filter(|c| c.id.target == "fast") {
                    c.runs.iter_mut().for_each(|run| run.record.raw.wall_ns *= scale[i]);
                }
                r.reanalyse();
                Run { id: format!("run-{i}"), results: r }
            })
            .collect()
    }

    fn numbers(points: &str) -> Vec<(f64, f64)> {
        points.split(' ').map(|p| p.split_once(',').map(|(x, y)| (x.parse().unwrap(), y.parse().unwrap())).unwrap()).collect()
    }

    #[test]
    fn a_chart_places_each_median_inside_its_band_and_higher_means_up() {
        // Medians m, 4m, m: the history's noise (twice the MAD of the medians) stays 0.
        let runs = three([1, 4, 1]);
        let members = [0, 1, 2];
        let id = CellId::new("noop", None, "fast");
        let c = chart(&runs, &members, &comparisons(&runs, &[Metric::WallMs]), &id, Metric::WallMs).unwrap();
        let line = numbers(&c.svg.line);
        assert_eq!(line.len(), 3);
        assert!(line[0].0 < line[1].0 && line[1].0 < line[2].0, "oldest left: {line:?}");
        assert!(line[1].1 < line[0].1 && line[1].1 < line[2].1, "the slowest run is drawn highest: {line:?}");
        let band = numbers(&c.svg.band);
        assert_eq!(band.len(), 6, "upper bounds out, lower bounds back");
        for (i, (x, y)) in line.iter().enumerate() {
            let (upper, lower) = (band[i], band[5 - i]);
            assert_eq!((upper.0, lower.0), (*x, *x));
            assert!(upper.1 <= *y && *y <= lower.1, "run {i}: the median lies in its interval");
            assert!(TOP <= upper.1 && lower.1 <= HEIGHT - BOTTOM, "run {i}: inside the plot");
        }
        assert_eq!(c.svg.points[1].class, "regression", "four times slower is a regression");
        assert_eq!(c.svg.points[2].class, "improvement", "then four times as fast an improvement");
        assert_eq!(c.regressions, 1);
    }

    #[test]
    fn a_run_without_the_cell_leaves_a_gap_not_a_shift() {
        let mut runs = three([1, 1, 1]);
        let id = CellId::new("noop", None, "fast");
        runs[1].results.cells.retain(|c| c.id != id);
        let c = chart(&runs, &[0, 1, 2], &comparisons(&runs, &[Metric::WallMs]), &id, Metric::WallMs).unwrap();
        let line = numbers(&c.svg.line);
        assert_eq!(line.len(), 2);
        assert_eq!((line[0].0, line[1].0), (LEFT, WIDTH - RIGHT), "the third run stays at the third place");
    }

    #[test]
    fn runs_get_unique_ids_from_their_names() {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exports.json");
        let r = crate::results::load(&fixture).unwrap();
        let named =
            runs(vec![(PathBuf::from("h/a.json"), r.clone()), (PathBuf::from("i/a.json"), r.clone()), (PathBuf::from("h/x y.json"), r)]);
        let ids: Vec<&str> = named.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids[..2], ["a", "a-1"]);
        assert!(ids[2].starts_with("x_y-"), "{ids:?}");
    }

    #[test]
    fn slugs_are_safe_and_distinct() {
        assert_eq!(slug("20260101T000000Z-quick-abc"), "20260101T000000Z-quick-abc");
        let evil = slug("../<script>/x");
        assert!(evil.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)), "{evil}");
        assert!(!evil.starts_with('.'), "{evil}");
        assert_ne!(slug("a/b"), slug("a_b"), "a replaced character never makes two names one");
        assert!(!slug("").is_empty());
    }
}
