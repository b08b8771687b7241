//! The report and the site in a real browser (headless Chromium, Debian `chromium`): every
//! page loads nothing (a strict Content-Security-Policy turns any load into a recorded
//! violation), logs nothing to the console, raises no error, does not overflow horizontally
//! at 1280 px, and links only to files that exist; the report's tables sort on a click.
//! Screenshots go to
//! `$CARGO_TARGET_TMPDIR/screenshots/` for CI to keep.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use xtask::export::Exporter;

const WIDTH: u32 = 1280;

/// Put first in the page's `<head>` of a copy: forbids every load (so one is reported
/// rather than made), records errors, blocked loads, `console.error` calls and every
/// resource the page fetched, and once loaded writes them with the page's widths into
/// `<html data-probe="…">`, which `--dump-dom` prints.
const PROBE: &str = r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"><script>
(function () {
  var found = [];
  window.addEventListener('error', function (e) { var t = e.target; found.push('error: ' + ((t && (t.src || t.href)) || e.message)); }, true);
  window.addEventListener('unhandledrejection', function (e) { found.push('unhandled rejection: ' + e.reason); });
  document.addEventListener('securitypolicyviolation', function (e) { found.push('blocked load: ' + e.blockedURI + ' (' + e.violatedDirective + ')'); });
  var error = console.error;
  console.error = function () { found.push('console.error: ' + [].join.call(arguments, ' ')); error.apply(console, arguments); };
  window.addEventListener('load', function () {
    var d = document.documentElement;
    d.setAttribute('data-probe', JSON.stringify({
      scroll_width: d.scrollWidth, client_width: d.clientWidth, inner_width: window.innerWidth, found: found,
      resources: performance.getEntriesByType('resource').map(function (r) { return r.name; })
    }));
  });
})();
</script>"#;

#[derive(Debug, serde::Deserialize)]
struct Probe {
    scroll_width: u32,
    client_width: u32,
    inner_width: u32,
    found: Vec<String>,
    resources: Vec<String>,
}

/// What the browser saw of one page.
#[derive(Debug)]
struct Seen {
    probe: Probe,
    /// Every console message Chromium logged (the pages' one script, the table sorter, logs
    /// nothing, so any message is the browser reporting a problem).
    console: Vec<String>,
}

impl Seen {
    fn problems(&self) -> Vec<String> {
        let p = &self.probe;
        let mut out: Vec<String> = p.found.clone();
        out.extend(p.resources.iter().map(|r| format!("loaded a resource: {r}")));
        out.extend(self.console.iter().map(|c| format!("console: {c}")));
        if p.inner_width != WIDTH {
            out.push(format!("the window is {} px wide, not {WIDTH}: the overflow check would mean nothing", p.inner_width));
        }
        if p.scroll_width > p.client_width {
            out.push(format!("overflows horizontally: {} px of content in {} px", p.scroll_width, p.client_width));
        }
        out
    }
}

fn chromium() -> Option<PathBuf> {
    common::toolchain("the browser test", "chromium (apt-get install -y chromium)", &["chromium"], &[])
        .then(|| common::which("chromium").unwrap())
}

/// Runs Chromium headless with `args` on `page`; returns (stdout, stderr). Bounded: a
/// browser that hangs is killed and fails the test.
fn headless(chromium: &Path, profile: &Path, args: &[String], page: &Path) -> (String, String) {
    let out_file = profile.with_extension("out");
    let err_file = profile.with_extension("err");
    let mut child = Command::new(chromium)
        .args(["--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--hide-scrollbars=false"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={WIDTH},900"))
        .args(["--enable-logging=stderr", "--v=0"])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_file).unwrap())
        .stderr(std::fs::File::create(&err_file).unwrap())
        .spawn()
        .expect("chromium starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish with {} within 120 s", page.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (std::fs::read_to_string(&out_file).unwrap_or_default(), std::fs::read_to_string(&err_file).unwrap_or_default())
}

/// The attribute's value in `--dump-dom` output, entities decoded.
fn probe_attribute(dom: &str) -> Option<String> {
    let start = dom.find("data-probe=\"")? + "data-probe=\"".len();
    let end = start + dom[start..].find('"')?;
    Some(dom[start..end].replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'").replace("&amp;", "&"))
}

/// Opens `page` (through a probed copy beside it, so relative links resolve alike) and
/// screenshots it as `name.png`.
fn visit(chromium: &Path, page: &Path, name: &str) -> Seen {
    let text = std::fs::read_to_string(page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
    let at = text.find("<head>").unwrap_or_else(|| panic!("{} has no <head>", page.display())) + "<head>".len();
    let probed = page.with_file_name(format!(".probe-{name}.html"));
    std::fs::write(&probed, format!("{}{PROBE}{}", &text[..at], &text[at..])).unwrap();
    let work = tempfile::tempdir().unwrap();
    let (dom, log) = headless(chromium, &work.path().join("dom"), &["--virtual-time-budget=5000".into(), "--dump-dom".into()], &probed);
    std::fs::remove_file(&probed).unwrap();
    let probe = probe_attribute(&dom).unwrap_or_else(|| panic!("{name}: the probe did not run; chromium said:\n{log}"));
    let probe: Probe = serde_json::from_str(&probe).unwrap_or_else(|e| panic!("{name}: {e}: {probe}"));
    let console = log.lines().filter(|l| l.contains(":CONSOLE")).map(str::to_string).collect();

    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join(format!("{name}.png"));
    let _ = std::fs::remove_file(&shot);
    let (_, log) = headless(chromium, &work.path().join("shot"), &[format!("--screenshot={}", shot.display())], page);
    let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("{name}: no screenshot {} ({e}); chromium said:\n{log}", shot.display()));
    assert!(png.starts_with(b"\x89PNG"), "{name}: the screenshot is a PNG");
    Seen { probe, console }
}

/// Every relative `href` of `page` names a file that exists.
fn broken_links(page: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(page).unwrap();
    text.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|h| !h.starts_with('#') && !h.contains("://"))
        .filter(|h| !page.parent().unwrap().join(h.split('#').next().unwrap()).exists())
        .map(|h| format!("{}: {h}", page.display()))
        .collect()
}

#[test]
fn the_probe_catches_loads_errors_and_overflow() {
    let Some(chromium) = chromium() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("bad.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><title>bad</title></head><body><img src=\"missing.png\"><img src=\"https://example.invalid/x.png\">\
         <div style=\"width: 2000px\">wide</div><script>console.error('boom')</script></body></html>",
    )
    .unwrap();
    let problems = visit(&chromium, &page, "probe-self-test").problems().join("\n");
    for expected in ["missing.png", "example.invalid", "console.error: boom", "overflows horizontally"] {
        assert!(problems.contains(expected), "the probe misses `{expected}`:\n{problems}");
    }
}

#[test]
fn the_report_renders_cleanly_at_1280_px() {
    let Some(chromium) = chromium() else { return };
    // The fixture run: failures, budgets of every verdict, an axis; made hostile where text is untrusted.
    let mut r = xtask::results::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exports.json")).unwrap();
    for c in r.cells.iter_mut().filter(|c| c.reason.is_some()) {
        c.reason = Some(format!("<img src=x onerror=alert(1)> {}", "a-very-long-unbroken-word".repeat(40)));
    }
    let tmp = tempfile::tempdir().unwrap();
    let html = xtask::export::html::Html { templates: xtask::paths::templates_dir(&xtask::paths::project_root()) }.render(&r).unwrap();
    let page = tmp.path().join("index.html");
    std::fs::write(&page, html).unwrap();
    let problems = visit(&chromium, &page, "report").problems();
    assert!(problems.is_empty(), "the report in Chromium:\n{}", problems.join("\n"));
}

#[test]
fn the_site_renders_cleanly_at_1280_px() {
    let Some(chromium) = chromium() else { return };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-history");
    let _ = std::fs::remove_dir_all(&dir);
    let Some(runs) = common::history::three_runs(&dir.join("history")) else { return };
    let out = dir.join("site");
    let (code, stderr) = common::history::site(&dir.join("history"), &out, &["--metric", "wall_ms", "--metric", "peak_rss_kib"]);
    assert_eq!(code, 0, "{stderr}");
    let pages = [
        ("site-index", out.join("index.html")),
        ("site-latest", out.join("latest/index.html")),
        ("site-run", out.join("runs").join(runs[0].file_name().unwrap()).join("index.html")),
        ("site-trend", out.join("trends/noop.html")),
    ];
    let mut problems = Vec::new();
    for (name, page) in &pages {
        problems.extend(visit(&chromium, page, name).problems().into_iter().map(|p| format!("{name}: {p}")));
    }
    problems.extend(broken_links(&out.join("index.html")));
    problems.extend(broken_links(&out.join("trends/noop.html")));
    assert!(problems.is_empty(), "the site in Chromium:\n{}", problems.join("\n"));
}

/// Appended to a report: clicks the matrix's first workload header twice and writes the
/// cells' sort keys, in row order after each click, into `<html data-sorted="…">`.
const CLICK: &str = r#"<script>
window.addEventListener('load', function () {
  var table = document.querySelector('table.sortable');
  var keys = function () { return Array.prototype.map.call(table.tBodies[0].rows, function (r) { return r.cells[1].getAttribute('data-sort') || ''; }); };
  var th = table.tHead.rows[0].cells[1];
  var before = keys(); th.click(); var once = keys(); th.click(); var twice = keys();
  document.documentElement.setAttribute('data-sorted', JSON.stringify([before, once, twice]));
});
</script>"#;

#[test]
fn a_click_on_a_header_sorts_the_matrix_and_a_second_reverses_it() {
    let Some(chromium) = chromium() else { return };
    let r = xtask::results::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exports.json")).unwrap();
    let html = xtask::export::html::Html { templates: xtask::paths::templates_dir(&xtask::paths::project_root()) }.render(&r).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("index.html");
    std::fs::write(&page, html.replace("</body>", &format!("{CLICK}</body>"))).unwrap();
    let (dom, log) = headless(&chromium, &tmp.path().join("dom"), &["--virtual-time-budget=5000".into(), "--dump-dom".into()], &page);
    let start = dom.find("data-sorted=\"").unwrap_or_else(|| panic!("the click script did not run; chromium said:\n{log}")) + 13;
    let text = dom[start..start + dom[start..].find('"').unwrap()].replace("&quot;", "\"");
    let [_, once, twice]: [Vec<String>; 3] = serde_json::from_str(&text).unwrap();
    let numbers = |v: &[String]| v.iter().filter(|k| !k.is_empty()).map(|k| k.parse::<f64>().unwrap()).collect::<Vec<f64>>();
    let (up, down) = (numbers(&once), numbers(&twice));
    assert!(up.len() >= 2, "the fixture has at least two measured cells in its first column: {once:?}");
    assert!(up.windows(2).all(|w| w[0] <= w[1]), "ascending after one click: {once:?}");
    assert!(down.windows(2).all(|w| w[0] >= w[1]), "descending after two: {twice:?}");
    assert!(
        once.iter().rev().take_while(|k| k.is_empty()).count() == once.iter().filter(|k| k.is_empty()).count(),
        "cells that are not ok sort last: {once:?}"
    );
}
