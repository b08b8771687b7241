//! The flat exports (CSV, BMF, gab, Prometheus, JUnit) of a pinned fixture run: pinned by
//! snapshots, checked against each format's documented shape by parsing them back, and kept
//! valid when target names, reasons and budget descriptions are hostile.

use std::collections::BTreeMap;
use std::path::Path;
use xtask::export::escape::visible;
use xtask::export::Format;
use xtask::results::{self, Results};

const FORMATS: [Format; 7] = [Format::Json, Format::Csv, Format::Markdown, Format::Bmf, Format::Gab, Format::Prometheus, Format::Junit];

fn fixture_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exports.json")
}

/// Three targets, three workloads (one with an axis), one cell timed out; budgets that pass,
/// fail, are unsure and rest on too few samples.
fn fixture() -> Results {
    results::load(&fixture_path()).expect("the fixture loads")
}

const EVIL: &str = "ev\"il'\n<x a=\"1\">&amp;\x1b[2J\\,\u{9b}";

/// The fixture with hostile strings wherever untrusted text reaches the exports.
fn hostile() -> Results {
    let mut r = fixture();
    let evil = format!("fast{EVIL}");
    for t in &mut r.targets {
        if t.name == "fast" {
            t.name = evil.clone();
            t.language = EVIL.into();
        }
    }
    for c in &mut r.cells {
        if c.id.target == "fast" {
            c.id.target = evil.clone();
        }
        if c.reason.is_some() {
            c.reason = Some(EVIL.into());
        }
    }
    for b in &mut r.budgets {
        if b.cell.target == "fast" {
            b.cell.target = evil.clone();
        }
        b.description = format!("budget {EVIL}");
        b.note = Some(EVIL.into());
    }
    r.meta.machine.hostname = EVIL.into();
    r
}

fn render(format: Format, r: &Results) -> String {
    format.exporter().render(r).unwrap()
}

#[test]
fn every_format_reads_as_pinned() {
    let r = fixture();
    for f in [Format::Csv, Format::Bmf, Format::Gab, Format::Prometheus, Format::Junit] {
        insta::assert_snapshot!(format!("export_{}", f.exporter().name()), render(f, &r));
    }
}

/// RFC 4180 records, parsed strictly: quoted fields may hold anything, with `""` for a quote.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut chars = text.chars().peekable();
    while chars.peek().is_some() {
        let mut row = Vec::new();
        loop {
            let mut field = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                loop {
                    match chars.next().expect("a quoted field is closed") {
                        '"' if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        '"' => break,
                        c => field.push(c),
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ',' || c == '\r' {
                        break;
                    }
                    assert!(c != '"' && c != '\n', "a bare quote or line feed in an unquoted field: {text}");
                    field.push(c);
                    chars.next();
                }
            }
            row.push(field);
            match chars.next() {
                Some(',') => continue,
                Some('\r') => {
                    assert_eq!(chars.next(), Some('\n'), "records end in CRLF");
                    break;
                }
                other => panic!("after a field: {other:?}"),
            }
        }
        rows.push(row);
    }
    rows
}

#[test]
fn csv_has_one_row_per_cell_and_metric_with_its_interval() {
    let r = fixture();
    let rows = parse_csv(&render(Format::Csv, &r));
    assert_eq!(rows[0], xtask::export::csv::HEADER.map(String::from).to_vec());
    assert!(rows.iter().all(|row| row.len() == 14), "every row has every column");
    let wall = rows.iter().find(|x| x[0] == "calc" && x[2] == "fast" && x[5] == "wall_ms").expect("calc/fast wall_ms");
    assert_eq!(&wall[6..13], ["ms", "10", "10", "10", "0", "3", "ok"]);
    let timed_out: Vec<_> = rows.iter().filter(|x| x[0] == "calc" && x[2] == "wobbly").collect();
    assert_eq!(timed_out.len(), 1, "a cell without figures is one row");
    assert_eq!((timed_out[0][5].as_str(), timed_out[0][12].as_str()), ("", "timeout"));
    let axis = rows.iter().find(|x| x[0] == "chat" && x[2] == "slow" && x[5] == "wall_ms" && x[1] == "payload=L").unwrap();
    assert_eq!(axis[7], "120");
}

#[test]
fn bmf_has_the_documented_shape_with_wall_time_as_latency_in_ns() {
    let v: serde_json::Value = serde_json::from_str(&render(Format::Bmf, &fixture())).unwrap();
    let benches = v.as_object().expect("an object of benchmarks");
    assert!(benches.contains_key("chat/slow/payload=L") && benches.contains_key("calc/fast"));
    assert!(!benches.contains_key("calc/wobbly"), "a timed-out cell has no figures");
    for (name, measures) in benches {
        assert!(!name.is_empty() && name.len() <= 1024);
        for (measure, m) in measures.as_object().expect("an object of measures") {
            assert!(!measure.is_empty() && measure.len() <= 64, "measure names within Bencher's limit");
            let m = m.as_object().unwrap();
            assert!(m.keys().all(|k| ["value", "lower_value", "upper_value"].contains(&k.as_str())), "{m:?}");
            let f = |k: &str| m[k].as_f64().unwrap_or_else(|| panic!("{name}/{measure}/{k} is a number"));
            let (lo, v, hi) = (f("lower_value"), f("value"), f("upper_value"));
            // (Only the run medians: an iteration quantile's interval is the analysis's own.)
            if measure == "latency" {
                assert!(lo <= v && v <= hi, "{name}/{measure}");
            }
        }
    }
    assert_eq!(v["calc/fast"]["latency"]["value"].as_f64(), Some(10e6), "10 ms wall = 1e7 ns");
    assert_eq!(v["calc/slow"]["peak-rss-bytes"]["value"].as_f64(), Some(2048.0 * 1024.0));
}

#[test]
fn gab_is_a_custom_smaller_is_better_array() {
    let v: serde_json::Value = serde_json::from_str(&render(Format::Gab, &fixture())).unwrap();
    let entries = v.as_array().expect("an array");
    assert!(!entries.is_empty());
    for e in entries {
        let e = e.as_object().unwrap();
        assert_eq!(e.keys().map(String::as_str).collect::<Vec<_>>(), ["extra", "name", "range", "unit", "value"]);
        for k in ["name", "unit", "range", "extra"] {
            assert!(e[k].is_string(), "{k} is a string");
        }
        assert!(e["value"].is_number());
    }
    let names: Vec<&str> = entries.iter().map(|e| e["name"].as_str().unwrap()).collect();
    let mut unique = names.clone();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "names are unique (gab keys its series by them)");
    let wobbly = entries.iter().find(|e| e["name"] == "chat/wobbly/payload=S wall_ms").unwrap();
    assert_eq!((wobbly["value"].as_f64(), wobbly["range"].as_str(), wobbly["unit"].as_str()), (Some(13.0), Some("± 4.5"), Some("ms")));
}

/// One sample of an exposition: name, labels (unescaped), value.
type Sample = (String, BTreeMap<String, String>, f64);

fn valid_name(s: &str, colon: bool) -> bool {
    let mut cs = s.chars();
    cs.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || (colon && c == ':'))
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_' || (colon && c == ':'))
}

/// The text exposition format 0.0.4, parsed strictly: HELP/TYPE before a family's samples,
/// every sample `name{label="value",...} value`, escapes `\\`, `\"`, `\n` only.
fn parse_exposition(text: &str) -> Vec<Sample> {
    let mut typed: BTreeMap<String, String> = BTreeMap::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (kind, name, tail) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap_or(""));
            assert!(valid_name(name, true), "{line}");
            if kind == "TYPE" {
                assert!(["gauge", "histogram", "counter"].contains(&tail), "{line}");
                assert!(typed.insert(name.to_string(), tail.to_string()).is_none(), "one TYPE per family: {line}");
            } else {
                assert_eq!(kind, "HELP", "{line}");
            }
            continue;
        }
        let name_end = line.find(['{', ' ']).expect("a name");
        let name = &line[..name_end];
        assert!(valid_name(name, true), "{line}");
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s).filter(|f| typed.get(*f).is_some_and(|t| t == "histogram")));
        assert!(typed.contains_key(family.unwrap_or(name)), "TYPE before samples: {line}");
        let mut labels = BTreeMap::new();
        let mut rest = &line[name_end..];
        if let Some(r) = rest.strip_prefix('{') {
            let mut chars = r.char_indices();
            let mut key = String::new();
            loop {
                let (i, c) = chars.next().expect("labels are closed");
                match c {
                    '}' => {
                        rest = &r[i + 1..];
                        break;
                    }
                    ',' if key.is_empty() => {}
                    '=' => {
                        assert_eq!(chars.next().map(|x| x.1), Some('"'), "{line}");
                        let mut value = String::new();
                        loop {
                            match chars.next().expect("a closed value").1 {
                                '\\' => match chars.next().unwrap().1 {
                                    '\\' => value.push('\\'),
                                    '"' => value.push('"'),
                                    'n' => value.push('\n'),
                                    other => panic!("bad escape \\{other} in {line}"),
                                },
                                '"' => break,
                                '\n' => panic!("a raw line feed"),
                                c => value.push(c),
                            }
                        }
                        assert!(valid_name(&key, false) && !key.starts_with("__"), "label name {key:?}");
                        assert!(labels.insert(std::mem::take(&mut key), value).is_none(), "a label given twice: {line}");
                    }
                    c => key.push(c),
                }
            }
        }
        let value = rest.strip_prefix(' ').expect("a space before the value");
        let value = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("value {v:?} in {line}")),
        };
        samples.push((name.to_string(), labels, value));
    }
    samples
}

fn find<'a>(samples: &'a [Sample], name: &str, want: &[(&str, &str)]) -> Vec<&'a Sample> {
    samples.iter().filter(|(n, l, _)| n == name && want.iter().all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))).collect()
}

#[test]
fn the_exposition_parses_back_to_the_figures() {
    let r = fixture();
    let s = parse_exposition(&render(Format::Prometheus, &r));
    let wall = find(&s, "benchmatrix_wall_ms", &[("workload", "chat"), ("target", "slow"), ("axis", "payload=L")]);
    assert_eq!(wall.len(), 1);
    assert_eq!(wall[0].2, 120.0);
    assert_eq!(wall[0].1.keys().map(String::as_str).collect::<Vec<_>>(), ["axis", "language", "machine", "size", "target", "workload"]);
    assert_eq!(find(&s, "benchmatrix_wall_ms_upper", &[("workload", "chat"), ("target", "wobbly"), ("axis", "payload=L")])[0].2, 116.0);
    assert_eq!(find(&s, "benchmatrix_cells_planned", &[])[0].2, 12.0);
    assert_eq!(find(&s, "benchmatrix_cells_done", &[])[0].2, 12.0);
    assert_eq!(find(&s, "benchmatrix_cells_failed", &[])[0].2, 1.0);
    // The histogram: cumulative buckets, +Inf equal to the count, 6 iterations x 3 runs.
    let cell = [("workload", "chat"), ("target", "fast"), ("axis", "payload=S")];
    let buckets = find(&s, "benchmatrix_iteration_ms_bucket", &cell);
    assert_eq!(buckets.len(), xtask::export::prometheus::BUCKETS_MS.len() + 1);
    assert!(buckets.windows(2).all(|w| w[0].2 <= w[1].2), "cumulative");
    assert_eq!(buckets.iter().find(|b| b.1["le"] == "1").unwrap().2, 9.0, "the nine 1 ms parse iterations");
    assert_eq!(buckets.last().unwrap().1["le"], "+Inf");
    assert_eq!(buckets.last().unwrap().2, 18.0);
    assert_eq!(find(&s, "benchmatrix_iteration_ms_count", &cell)[0].2, 18.0);
    assert_eq!(find(&s, "benchmatrix_iteration_ms_sum", &cell)[0].2, 54.0, "9 x 1 ms + 9 x 5 ms");
    let families = xtask::export::prometheus::family_names();
    for (name, _, _) in &s {
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|x| name.strip_suffix(x))
            .filter(|f| families.iter().any(|n| n == f))
            .unwrap_or(name);
        assert!(families.iter().any(|f| f == family), "{name} is a family family_names() lists");
    }
}

fn junit_counts(xml: &str) -> (roxmltree::Document<'_>, [usize; 3]) {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    let failed = cases.iter().filter(|c| c.children().any(|n| n.has_tag_name("failure"))).count();
    let skipped = cases.iter().filter(|c| c.children().any(|n| n.has_tag_name("skipped"))).count();
    let counts = [cases.len(), failed, skipped];
    (doc, counts)
}

#[test]
fn junit_has_a_test_case_per_budget_and_counts_that_agree() {
    let xml = render(Format::Junit, &fixture());
    let (doc, counts) = junit_counts(&xml);
    assert_eq!(counts, [12, 1, 7], "12 budgets: 1 FAIL, 1 UNSURE + 6 TOO-FEW-SAMPLES skipped, 4 PASS");
    let root = doc.root_element();
    assert_eq!((root.attribute("tests"), root.attribute("failures"), root.attribute("skipped")), (Some("12"), Some("1"), Some("7")));
    let failure = doc.descendants().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(failure.attribute("message"), Some("FAIL: iteration_p50_ms = 1 [95 % interval 1, 1], limit 0.5"));
    let unsure = doc.descendants().filter_map(|n| n.attribute("message")).find(|m| m.starts_with("UNSURE")).unwrap();
    assert!(unsure.contains("2.9 [95 % interval 2, 3.5]"), "{unsure}");
}

#[test]
fn hostile_strings_leave_every_format_valid() {
    let r = hostile();
    let shown = visible(EVIL);
    for f in FORMATS {
        let text = render(f, &r);
        assert!(!text.contains('\x1b'), "{f:?}: no raw ESC");
        if !matches!(f, Format::Json | Format::Bmf | Format::Gab) {
            assert!(!text.contains('\u{9b}'), "{f:?}: no raw CSI (JSON may hold it: it is valid there)");
        }
        match f {
            Format::Json | Format::Bmf | Format::Gab => {
                serde_json::from_str::<serde_json::Value>(&text).unwrap_or_else(|e| panic!("{f:?}: {e}"));
            }
            Format::Csv => {
                let rows = parse_csv(&text);
                assert!(rows.iter().all(|x| x.len() == 14));
                let evil = rows.iter().find(|x| x[12] == "timeout").unwrap();
                assert_eq!(evil[13], shown.replace('\t', "\\t"), "the reason survives as one field");
                assert!(rows.iter().any(|x| x[2] == format!("fast{shown}")));
            }
            Format::Prometheus => {
                let s = parse_exposition(&text);
                let mine = find(&s, "benchmatrix_wall_ms", &[("workload", "calc")]);
                assert!(mine
                    .iter()
                    .any(|x| x.1["target"] == format!("fast{shown}") && x.1["language"] == shown && x.1["machine"] == shown));
                assert_eq!(find(&s, "benchmatrix_cells_failed", &[("machine", &shown)]).len(), 1);
            }
            Format::Junit => {
                let (doc, counts) = junit_counts(&text);
                assert_eq!(counts, [12, 1, 7]);
                let name = format!("fast{shown}: budget {shown} (parse)");
                assert!(doc.descendants().any(|n| n.attribute("name") == Some(name.as_str())), "the name round-trips, newline included");
            }
            Format::Markdown => assert!(!text.contains("<x"), "markup shown as text"),
        }
    }
}

#[test]
fn the_export_command_writes_a_file_or_stdout_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.csv");
    let run = |args: &[&str]| std::process::Command::new(env!("CARGO_BIN_EXE_xtask")).arg("export").args(args).output().unwrap();
    let fixture = fixture_path();
    let o = run(&[fixture.to_str().unwrap(), "--format", "csv", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::read_to_string(&out).unwrap().starts_with("workload,axis,target"));
    let o = run(&[fixture.to_str().unwrap(), "--format", "junit"]);
    assert!(o.status.success() && String::from_utf8_lossy(&o.stdout).starts_with("<?xml"));
    let o = run(&[dir.path().to_str().unwrap(), "--format", "bmf"]);
    assert_eq!(o.status.code(), Some(2), "a directory without results.json is bad input");
    assert!(String::from_utf8_lossy(&o.stderr).contains("results.json"));
    let o = run(&[fixture.to_str().unwrap(), "--format", "yaml"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_live_endpoint_serves_the_last_results_and_the_run_going_on() {
    use xtask::export::live::{serve, Live};
    use xtask::export::push::{request, Url};
    use xtask::session::Observer;
    let live = Live::default();
    let server = serve("127.0.0.1:0", live.clone()).unwrap();
    let url: Url = format!("http://{}", server.addr).parse().unwrap();
    let get = |path: &str| request(&url, "GET", path, b"").unwrap();
    let (code, page) = get("/metrics");
    assert_eq!(code, 200);
    assert_eq!(find(&parse_exposition(&page), "benchmatrix_runs_started_total", &[])[0].2, 0.0, "before the first run");
    let mut r = hostile();
    live.saved(&r);
    live.starting(&r.cells[3].id.clone(), true);
    live.starting(&r.cells[4].id.clone(), false);
    let s = parse_exposition(&get("/metrics").1);
    assert_eq!(find(&s, "benchmatrix_runs_started_total", &[])[0].2, 2.0);
    let current = find(&s, "benchmatrix_current_run", &[("workload", "chat"), ("axis", "payload=L"), ("warmup", "false")]);
    assert_eq!((current.len(), current[0].1["target"].clone()), (1, format!("fast{}", visible(EVIL))));
    assert_eq!(find(&s, "benchmatrix_wall_ms", &[("workload", "chat"), ("target", "slow"), ("axis", "payload=L")])[0].2, 120.0);
    // The next results.json written replaces the figures.
    r.cells.retain(|c| c.id.target != "slow");
    live.saved(&r);
    let s = parse_exposition(&get("/metrics").1);
    assert!(find(&s, "benchmatrix_wall_ms", &[("target", "slow")]).is_empty());
    assert_eq!(find(&s, "benchmatrix_cells_planned", &[])[0].2, 8.0);
    assert_eq!(get("/other").0, 404);
    assert_eq!(request(&url, "PUT", "/metrics", b"x").unwrap().0, 405);
    let addr = server.addr;
    drop(server);
    assert!(std::net::TcpStream::connect(addr).is_err(), "the endpoint stops with the matrix");
}
