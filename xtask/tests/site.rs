//! `cargo xtask site`: built from a history of three real matrix runs (and a fourth made from
//! the third, much slower and with a new toolchain), the index lists every run, every run has its
//! report, and every cell has a trend chart with one point per run, regressions and
//! toolchain changes marked, untrusted text escaped.

mod common;

use common::history::{site, three_runs, TARGETS};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use xtask::probe::Availability;
use xtask::results;

/// The three real runs, made once per test binary (None: rust or python is missing).
fn history() -> Option<&'static [PathBuf]> {
    static RUNS: OnceLock<Option<Vec<PathBuf>>> = OnceLock::new();
    RUNS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("site-history");
        let _ = std::fs::remove_dir_all(&dir);
        three_runs(&dir)
    })
    .as_deref()
}

/// A fresh history directory holding copies of the three runs' results.
fn copy_history(runs: &[PathBuf], into: &Path) {
    for run in runs {
        let dir = into.join(run.file_name().unwrap());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(run.join("results.json"), dir.join("results.json")).unwrap();
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `<section>` of one target on a trend page.
fn section<'a>(page: &'a str, target: &str) -> &'a str {
    page.split("<section class=\"cell\"")
        .skip(1)
        .find(|s| s.contains(&format!("× {target}</h2>")))
        .unwrap_or_else(|| panic!("no trend section for {target}"))
        .split("</section>")
        .next()
        .unwrap()
}

/// The first chart's SVG of a section.
fn svg(section: &str) -> &str {
    let start = section.find("<svg").expect("a chart");
    &section[start..start + section[start..].find("</svg>").expect("the chart ends")]
}

/// The `class` of each point of a chart, oldest run first.
fn point_classes(svg: &str) -> Vec<&str> {
    svg.split("<circle class=\"").skip(1).map(|s| s.split('"').next().unwrap()).collect()
}

#[test]
fn the_site_of_three_runs_lists_them_reports_each_and_charts_every_cell() {
    let Some(runs) = history() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (hist, out) = (tmp.path().join("history"), tmp.path().join("site"));
    copy_history(runs, &hist);
    let (code, stderr) = site(&hist, &out, &[]);
    assert_eq!(code, 0, "{stderr}");

    let index = read(&out.join("index.html"));
    assert_eq!(index.matches("<tr class=\"run\">").count(), 3, "the index lists the three runs");
    for k in 1..=3 {
        let report = out.join(format!("runs/run-{k}/index.html"));
        let started = results::load(&runs[k - 1]).unwrap().meta.started;
        assert!(read(&report).contains(&started), "{} is run {k}'s report", report.display());
        assert!(index.contains(&format!("href=\"runs/run-{k}/index.html\"")), "the index links run {k}");
        assert!(index.contains(&started), "the index shows run {k}'s date");
        assert!(out.join(format!("runs/run-{k}/results.json")).is_file());
    }
    let newest = results::load(&runs[2]).unwrap();
    assert!(read(&out.join("latest/index.html")).contains(&newest.meta.started), "latest/ is the newest run");
    let revision = newest.meta.git_revision.as_deref().map(|g| &g[..12]);
    if let Some(rev) = revision {
        assert!(index.contains(rev), "the index shows the revision");
    }
    assert!(index.contains(&newest.meta.machine.hostname), "the index shows the machine");
    assert!(index.contains("href=\"trends/noop.html\""), "the index links the trend page");

    let page = read(&out.join("trends/noop.html"));
    for target in TARGETS {
        let s = section(&page, target);
        let chart = svg(s);
        assert_eq!(chart.matches("<circle").count(), 3, "{target}: one point per run\n{chart}");
        assert!(chart.contains("<polygon class=\"band\""), "{target}: the interval band is drawn");
        assert!(!chart.contains("class=\"toolchain\""), "{target}: the toolchain did not change, so nothing is marked");
        assert_eq!(s.matches("href=\"../runs/run-").count(), 3, "{target}: each point's run is linked");
    }
}

#[test]
fn a_slower_run_with_a_new_toolchain_is_marked_and_its_text_escaped() {
    let Some(runs) = history() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (hist, out) = (tmp.path().join("history"), tmp.path().join("site"));
    copy_history(runs, &hist);
    // Run 4: run 3 later, every rust run a hundred times slower than run 3's slowest (quick
    // runs are noisy: a smaller factor may not clear the interval), python's version changed
    // to hostile text.
    let mut r = results::load(&runs[2]).unwrap();
    r.meta.started = format!("{}-later", r.meta.started);
    for cell in r.cells.iter_mut().filter(|c| c.id.target == "rust") {
        let slowest = cell.runs.iter().map(|run| run.record.raw.wall_ns).max().unwrap();
        for run in &mut cell.runs {
            run.record.raw.wall_ns = 100 * slowest;
        }
    }
    const EVIL: &str = "Python 9.9 <b>evil</b>\x1b[2J";
    for t in r.targets.iter_mut().filter(|t| t.name == "python") {
        if let Availability::Available { version, .. } = &mut t.availability {
            *version = EVIL.to_string();
        }
    }
    std::fs::create_dir_all(hist.join("run-4")).unwrap();
    results::save(&hist.join("run-4/results.json"), &r).unwrap();
    let (code, stderr) = site(&hist, &out, &[]);
    assert_eq!(code, 0, "{stderr}");

    let page = read(&out.join("trends/noop.html"));
    // The three real runs may differ by chance (quick runs are noisy); run 4 against run 3
    // may not: rust is far slower, python's runs are run 3's own.
    let rust = svg(section(&page, "rust"));
    assert_eq!(point_classes(rust).len(), 4);
    assert_eq!(point_classes(rust)[3], "point regression", "the slower run is marked as a regression\n{rust}");
    assert!(!rust.contains("class=\"toolchain\""), "rust's toolchain did not change");
    let python = svg(section(&page, "python"));
    assert_eq!(python.matches("class=\"toolchain\"").count(), 1, "python's toolchain change is marked once");
    assert_eq!(point_classes(python)[3], "point ", "python's same runs are no regression\n{python}");
    assert!(!page.contains("<b>evil"), "the version is escaped");
    assert!(page.contains("&lt;b&gt;evil&lt;/b&gt;\\x1b[2J"), "the version is shown as text, control characters visible");
    let index = read(&out.join("index.html"));
    let newest_row = index.split("<tr class=\"run\">").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(newest_row.contains("1 regression(s)"), "the index counts run 4's regression: {newest_row}");
    assert!(newest_row.contains("toolchain python: "), "and names the toolchain change: {newest_row}");
    assert!(!index.contains("<b>evil"));
    assert!(read(&out.join("latest/index.html")).contains(&r.meta.started), "latest/ is run 4");
}

#[test]
fn a_directory_without_runs_is_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, stderr) = site(tmp.path(), &tmp.path().join("site"), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("holds no readable run"), "{stderr}");
    let (code, _) = site(&tmp.path().join("missing"), &tmp.path().join("site"), &[]);
    assert_eq!(code, 2);
}
