//! The matrix on a small fixture project: every kind of bad cell is marked and the rest go
//! on; output is escaped in the report; builds are cached by content.

mod common;

use clap::Parser;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use xtask::cli::Cli;
use xtask::cmd::{self, Context};
use xtask::ids::CellId;
use xtask::records::Status;
use xtask::results::{self, Results};

const PROGRAM: &str = r##"#!/bin/sh
# A protocol-speaking program whose behaviour the target picks through $MODE.
echo "#bm ready"
case "$MODE" in
  crash) echo "boom: <b>bad</b>" >&2; exit 1 ;;
  hang) sleep 30 ;;
  silent) exit 0 ;;
esac
echo "#bm iter 0 measured 1000"
if [ "$MODE" = wrong ]; then echo "<script>alert(1)</script>"; else echo "hello 42"; fi
echo "#bm done"
"##;

fn workload(name: &str, expected: &str) -> String {
    let size = |s: &str| format!("[sizes.{s}]\nparams = {{ n = 1 }}\nexpected = \"{expected}\"\ntimeout_secs = 1\n\n");
    format!(
        "name = \"{name}\"\nsummary = \"fixture\"\ncategory = \"test\"\n\n[compare]\nrule = \"exact\"\n\n{}{}{}",
        size("quick"),
        size("standard"),
        size("full")
    )
}

fn target(mode: &str, requires: &str, build: &str) -> String {
    format!(
        "family = \"native\"\nlanguage = \"Shell ({mode})\"\nsource = \"sh\"\nrequires = [{requires}]\napt = [\"dash\"]\nversion = [\"sh\", \"-c\", \"echo fixture-sh 1.0\"]\n\n[[build]]\nargv = {build}\n\n[run]\nargv = [\"sh\", \"{{out}}/main.sh\"]\nenv = {{ MODE = \"{mode}\" }}\nartifact = \"{{out}}/main.sh\"\n"
    )
}

const COPY: &str = r#"["cp", "{source}/main.sh", "{out}/main.sh"]"#;

/// A project with one good workload, one broken workload and targets that fail each way.
fn fixture() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    for dir in ["workloads/echo/sh", "workloads/broken", "targets", "runners/sh", "templates"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    std::fs::write(root.join("workloads/echo/workload.toml"), workload("echo", "hello 42")).unwrap();
    std::fs::write(root.join("workloads/echo/sh/main.sh"), PROGRAM).unwrap();
    std::fs::write(root.join("workloads/broken/workload.toml"), workload("broken", "x").replace("expected = \"x\"\n", "")).unwrap();
    std::fs::write(root.join("runners/sh/README"), "the shell fixture needs no runner code\n").unwrap();
    let real_templates = xtask::paths::templates_dir(&xtask::paths::project_root());
    std::fs::copy(real_templates.join("index.html"), root.join("templates/index.html")).unwrap();
    let targets = [
        ("sh-ok", target("ok", "\"sh\"", COPY)),
        ("sh-ok2", target("ok", "\"sh\"", COPY)),
        ("sh-wrong", target("wrong", "\"sh\"", COPY)),
        ("sh-crash", target("crash", "\"sh\"", COPY)),
        ("sh-hang", target("hang", "\"sh\"", COPY)),
        ("sh-silent", target("silent", "\"sh\"", COPY)),
        ("sh-buildfail", target("ok", "\"sh\"", r#"["sh", "-c", "echo compiling; echo 'error: <oops>' >&2; exit 4"]"#)),
        ("sh-missing", target("ok", "\"sh\", \"no-such-compiler-xyz\"", COPY)),
    ];
    for (name, text) in targets {
        std::fs::write(root.join("targets").join(format!("{name}.toml")), text).unwrap();
    }
    tmp
}

fn context(root: &Path) -> Context {
    Context {
        root: root.to_path_buf(),
        launcher: common::launcher(),
        command_line: vec!["test".into()],
        interrupt: Box::leak(Box::new(AtomicBool::new(false))),
    }
}

/// `cargo xtask <args>` on the fixture project; returns the exit code.
fn xtask(root: &Path, args: &[&str]) -> i32 {
    let argv: Vec<&str> = std::iter::once("cargo xtask").chain(args.iter().copied()).collect();
    let cli = Cli::try_parse_from(argv).expect("arguments parse");
    cmd::exit_code(&cli.run(&context(root)))
}

/// `cargo xtask matrix` on the fixture with the test defaults (quick, 2 runs, seed 7, quiet).
fn matrix(root: &Path, out: &Path, extra: &[&str]) -> i32 {
    let _g = common::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let out = out.to_string_lossy().into_owned();
    let mut args = vec!["matrix", "--runs", "2", "--seed", "7", "--quiet", "--out", &out];
    args.extend_from_slice(extra);
    xtask(root, &args)
}

fn id(workload: &str, target: &str) -> CellId {
    CellId::new(workload, None, target)
}

fn status(results: &Results, workload: &str, target: &str) -> Status {
    results.cell(&id(workload, target)).unwrap_or_else(|| panic!("no cell {workload} × {target}")).status
}

fn run(root: &Path, out: &Path, rebuild: bool) -> (i32, Results) {
    let code = matrix(root, out, if rebuild { &["--rebuild"] } else { &[] });
    (code, results::load(out).unwrap())
}

#[test]
fn each_bad_cell_is_marked_and_the_matrix_goes_on() {
    let project = fixture();
    let out = project.path().join("out");
    let (code, r) = run(project.path(), &out, false);
    assert_eq!(code, 1, "failed cells make exit code 1");
    assert_eq!(r.cells.len(), 2 * 8, "every planned cell is in the results");
    assert_eq!(r.meta.seed, 7, "the seed is recorded");
    assert!(r.meta.complete);
    assert_eq!(status(&r, "echo", "sh-ok"), Status::Ok);
    assert_eq!(status(&r, "echo", "sh-wrong"), Status::WrongOutput);
    assert_eq!(status(&r, "echo", "sh-crash"), Status::RunFailed);
    assert_eq!(status(&r, "echo", "sh-hang"), Status::Timeout);
    assert_eq!(status(&r, "echo", "sh-silent"), Status::RunFailed);
    assert_eq!(status(&r, "echo", "sh-buildfail"), Status::BuildFailed);
    assert_eq!(status(&r, "echo", "sh-missing"), Status::Skipped);
    for c in r.cells.iter().filter(|c| c.id.workload == "broken") {
        assert_eq!(c.status, Status::Invalid);
        assert!(c.reason.as_deref().unwrap().contains("sizes.quick.expected"), "{:?}", c.reason);
    }

    let ok = r.cell(&id("echo", "sh-ok")).unwrap();
    assert_eq!(ok.runs.len(), 3, "one warm-up and two measured runs are kept raw");
    assert_eq!(ok.runs.iter().filter(|run| run.record.warmup).count(), 1);
    let summary = ok.summary.as_ref().unwrap();
    assert_eq!(summary.runs, 2);
    assert!(summary.wall_ms.median > 0.0 && summary.startup_ms.is_some());
    assert!(summary.wall_ms.median_ci.lo <= summary.wall_ms.median && summary.wall_ms.median <= summary.wall_ms.median_ci.hi);
    let ratios: Vec<f64> =
        r.cells.iter().filter(|c| c.id.workload == "echo").filter_map(|c| c.summary.as_ref()?.vs_fastest).map(|e| e.value).collect();
    assert_eq!(ratios.len(), 2, "both verified cells are ranked, nothing else");
    assert!(ratios.contains(&1.0) && ratios.iter().all(|&x| x >= 1.0), "{ratios:?}");

    // Interleaved: the two good cells take turns instead of running as two blocks.
    let seqs = |t: &str| -> Vec<u32> { r.cell(&id("echo", t)).unwrap().runs.iter().map(|run| run.record.seq).collect() };
    let (a, b) = (seqs("sh-ok"), seqs("sh-ok2"));
    assert_eq!((a.len(), b.len()), (3, 3));
    for round in 0..3 {
        assert!(a[round].abs_diff(b[round]) < 8, "round {round}: runs {a:?} and {b:?} are not interleaved");
    }
    assert!(a.iter().max() > b.iter().min() && b.iter().max() > a.iter().min(), "{a:?} {b:?}");

    let wrong = r.cell(&id("echo", "sh-wrong")).unwrap();
    let m = wrong.mismatch.as_ref().unwrap();
    assert_eq!((m.expected.as_str(), m.got.as_str(), m.line), ("hello 42", "<script>alert(1)</script>", 1));
    assert!(wrong.summary.is_none(), "wrong output is never ranked");

    let crash = r.cell(&id("echo", "sh-crash")).unwrap();
    assert!(crash.reason.as_deref().unwrap().contains("exit code 1") && crash.reason.as_deref().unwrap().contains("boom"));
    let missing = r.cell(&id("echo", "sh-missing")).unwrap();
    assert!(missing.reason.as_deref().unwrap().contains("no-such-compiler-xyz"));
    assert_eq!(missing.hint.as_deref(), Some("apt-get install -y dash"));
    let failed_build = r.cell(&id("echo", "sh-buildfail")).unwrap();
    assert!(
        failed_build.reason.as_deref().unwrap().starts_with("build failed: error: <oops>"),
        "the useful line comes first: {:?}",
        failed_build.reason
    );

    // Untrusted text is escaped in the report.
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(!html.contains("<script>alert(1)</script>"), "the program's output must be escaped");
    assert!(html.contains("&lt;script&gt;alert(1)"), "the escaped output is shown");
    assert!(!html.contains("<oops>") && !html.contains("<b>bad</b>"));
    assert!(!html.contains("http://") && !html.contains("https://"), "the report is self-contained");
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains("| sh-ok |") && md.contains("wrong-output") && !md.contains("<script>"), "{md}");
}

#[test]
fn builds_are_reused_until_an_input_changes() {
    let project = fixture();
    let root = project.path();
    let cached = |r: &Results| r.cell(&id("echo", "sh-ok")).unwrap().build.as_ref().unwrap().cached;
    let (_, first) = run(root, &root.join("r1"), false);
    assert!(!cached(&first));
    let (_, second) = run(root, &root.join("r2"), false);
    assert!(cached(&second), "nothing changed: the build is reused");
    let (_, forced) = run(root, &root.join("r3"), true);
    assert!(!cached(&forced), "--rebuild forces it");
    std::fs::write(root.join("workloads/echo/sh/main.sh"), format!("{PROGRAM}\n# changed\n")).unwrap();
    let (_, changed) = run(root, &root.join("r4"), false);
    assert!(!cached(&changed), "a changed source rebuilds");
    std::fs::write(root.join("runners/sh/README"), "changed runner\n").unwrap();
    let (_, runner_changed) = run(root, &root.join("r5"), false);
    assert!(!cached(&runner_changed), "a changed runner rebuilds");
    let (_, again) = run(root, &root.join("r6"), false);
    assert!(cached(&again));
}

#[test]
fn unknown_names_are_bad_input() {
    let project = fixture();
    let out = project.path().join("o");
    assert_eq!(matrix(project.path(), &out, &["--targets", "sh-ok,nope"]), 2);
    assert_eq!(matrix(project.path(), &out, &["--workloads", "nope"]), 2);
}

#[test]
fn report_re_renders_from_results() {
    let project = fixture();
    let out: PathBuf = project.path().join("out");
    run(project.path(), &out, false);
    std::fs::remove_file(out.join("index.html")).unwrap();
    assert_eq!(xtask(project.path(), &["report", &out.to_string_lossy()]), 0);
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("sh-ok") && html.contains("wrong-output"));
    let broken = project.path().join("bad.json");
    std::fs::write(&broken, "{\"schema\": 3}").unwrap();
    assert_eq!(xtask(project.path(), &["report", &broken.to_string_lossy()]), 2, "an unreadable results file is bad input");
    assert_eq!(xtask(project.path(), &["report", "/no/such/dir"]), 2);
}

/// Replaces a cell's measured runs with `walls` (ms), CPU equal to wall, a fixed RSS.
fn set_runs(r: &mut Results, target: &str, walls: &[f64]) {
    let cell = r.cells.iter_mut().find(|c| c.id == id("echo", target)).unwrap();
    let template = cell.runs.iter().find(|run| !run.record.warmup).unwrap().clone();
    cell.runs.retain(|run| run.record.warmup);
    for &ms in walls {
        let mut run = template.clone();
        run.record.raw.wall_ns = (ms * 1e6) as u64;
        run.record.raw.user_us = (ms * 1e3) as u64;
        run.record.raw.sys_us = 0;
        run.record.raw.peak_rss_kib = 2048;
        cell.runs.push(run);
    }
}

/// `cargo xtask compare` of two in-memory runs written to files; the exit code.
fn compare_files(dir: &Path, base: &Results, new: &Results) -> i32 {
    let (b, n) = (dir.join("base.json"), dir.join("new.json"));
    results::save(&b, base).unwrap();
    results::save(&n, new).unwrap();
    let (c, m) = (dir.join("c.json"), dir.join("c.md"));
    xtask(
        dir,
        &[
            "compare",
            &b.to_string_lossy(),
            &n.to_string_lossy(),
            "--quiet",
            "--json",
            &c.to_string_lossy(),
            "--markdown",
            &m.to_string_lossy(),
        ],
    )
}

#[test]
fn compare_finds_the_one_slower_cell_and_exits_by_the_rule() {
    let project = fixture();
    let out = project.path().join("out");
    let (_, mut base) = run(project.path(), &out, false);
    let steady = [100.0, 101.0, 99.5, 100.5, 100.2, 99.8, 100.1];
    set_runs(&mut base, "sh-ok", &steady);
    set_runs(&mut base, "sh-ok2", &steady);
    // Identical runs: no change, exit 0.
    assert_eq!(compare_files(project.path(), &base, &base), 0);
    let c: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(project.path().join("c.json")).unwrap()).unwrap();
    assert!(c["metrics"].as_array().unwrap().iter().all(|m| m["change"] == "no-significant-change"), "{c}");

    // One implementation 30 % slower: that cell, and only that cell, regresses; exit 1.
    let mut slower = base.clone();
    set_runs(&mut slower, "sh-ok2", &steady.map(|v| v * 1.3));
    assert_eq!(compare_files(project.path(), &base, &slower), 1);
    let c: xtask::compare::Comparison = serde_json::from_str(&std::fs::read_to_string(project.path().join("c.json")).unwrap()).unwrap();
    let regressed: Vec<(&str, &str)> = c
        .metrics
        .iter()
        .filter(|m| m.change == xtask::stats::Change::Regression)
        .map(|m| (m.cell.target.as_str(), m.metric.name()))
        .collect();
    assert_eq!(regressed, [("sh-ok2", "wall_ms"), ("sh-ok2", "cpu_ms")]);
    let md = std::fs::read_to_string(project.path().join("c.md")).unwrap();
    assert!(md.contains("| echo × sh-ok2 | wall_ms |") && md.contains("REGRESSION"), "{md}");

    // A 10 % shift inside wide noise is not called a regression.
    let mut noisy_base = base.clone();
    set_runs(&mut noisy_base, "sh-ok2", &[70.0, 130.0, 95.0, 120.0, 80.0]);
    let mut noisy_new = base.clone();
    set_runs(&mut noisy_new, "sh-ok2", &[77.0, 143.0, 104.5, 132.0, 88.0]);
    assert_eq!(compare_files(project.path(), &noisy_base, &noisy_new), 0);

    // A status change ok -> wrong-output is listed and fails.
    let mut broken = base.clone();
    broken.cells.iter_mut().find(|c| c.id == id("echo", "sh-ok")).unwrap().status = Status::WrongOutput;
    assert_eq!(compare_files(project.path(), &base, &broken), 1);
    let c: xtask::compare::Comparison = serde_json::from_str(&std::fs::read_to_string(project.path().join("c.json")).unwrap()).unwrap();
    assert_eq!(c.status_changes.len(), 1);
    assert!(c.status_changes[0].worse);
}

#[test]
fn compare_fails_an_incomplete_run_and_a_vanished_or_pending_ok_cell() {
    let project = fixture();
    let (_, base) = run(project.path(), &project.path().join("out"), false);
    let mut interrupted = base.clone();
    interrupted.meta.complete = false;
    assert_eq!(compare_files(project.path(), &base, &interrupted), 1, "an incomplete new run fails");
    assert_eq!(compare_files(project.path(), &interrupted, &base), 1, "so does an incomplete base");
    let c: xtask::compare::Comparison = serde_json::from_str(&std::fs::read_to_string(project.path().join("c.json")).unwrap()).unwrap();
    assert!(!c.incomplete().is_empty());
    assert!(std::fs::read_to_string(project.path().join("c.md")).unwrap().contains("INCOMPLETE"));
    let mut pending = base.clone();
    pending.cells.iter_mut().find(|c| c.id == id("echo", "sh-ok")).unwrap().status = Status::Pending;
    assert_eq!(compare_files(project.path(), &base, &pending), 1, "ok -> pending fails");
    let mut vanished = base.clone();
    vanished.cells.retain(|c| c.id != id("echo", "sh-ok"));
    assert_eq!(compare_files(project.path(), &base, &vanished), 1, "an ok cell only in the base fails");
    let mut failing_gone = base.clone();
    failing_gone.cells.retain(|c| c.id != id("echo", "sh-crash"));
    assert_eq!(compare_files(project.path(), &base, &failing_gone), 0, "a cell that failed before and is gone lost nothing");
}

#[test]
fn compare_rejects_bad_and_mismatched_inputs_with_exit_2() {
    let project = fixture();
    let (_, base) = run(project.path(), &project.path().join("out"), false);
    let garbage = project.path().join("garbage.json");
    std::fs::write(&garbage, "{ not json").unwrap();
    let good = project.path().join("out").to_string_lossy().into_owned();
    assert_eq!(xtask(project.path(), &["compare", &garbage.to_string_lossy(), &good, "--quiet"]), 2);
    assert_eq!(xtask(project.path(), &["compare", &good, "/no/such/results.json", "--quiet"]), 2);
    let mut other_size = base.clone();
    other_size.meta.size = xtask::spec::Size::Full;
    assert_eq!(compare_files(project.path(), &base, &other_size), 2);
    let mut disjoint = base.clone();
    for c in &mut disjoint.cells {
        c.id.workload = format!("{}-renamed", c.id.workload);
    }
    assert_eq!(compare_files(project.path(), &base, &disjoint), 2);
}

#[test]
fn history_round_trip() {
    let project = fixture();
    let (_, r) = run(project.path(), &project.path().join("out"), false);
    let dir = project.path().join("history");
    let first = xtask::history::append(&dir, &r).unwrap();
    let second = xtask::history::append(&dir, &r).unwrap();
    assert_ne!(first, second, "appending never overwrites");
    let loaded = xtask::history::load(&dir).unwrap();
    assert_eq!(loaded.len(), 2);
    assert_eq!(loaded[0].1.cells.len(), r.cells.len());
    let fp = xtask::history::fingerprint(&r.meta.machine);
    let series = xtask::history::series(loaded.iter().map(|(_, r)| r), xtask::spec::Size::Quick, &fp, &xtask::metric::Metric::ALL);
    assert_eq!(series[&(id("echo", "sh-ok"), xtask::metric::Metric::PeakRssKib)].len(), 2);
    assert_eq!(series[&(id("echo", "sh-ok"), xtask::metric::Metric::WallMs)].len(), 2);
    assert!(xtask::history::series(loaded.iter().map(|(_, r)| r), xtask::spec::Size::Full, &fp, &xtask::metric::Metric::ALL).is_empty());
}

#[test]
fn a_baseline_is_re_run_in_the_same_session_when_its_builds_remain() {
    let project = fixture();
    let root = project.path();
    let (_, base) = run(root, &root.join("base"), false);
    let old_key = base.cell(&id("echo", "sh-ok")).unwrap().build.as_ref().unwrap().key.clone();
    // A new implementation: a new build beside the old one.
    std::fs::write(root.join("workloads/echo/sh/main.sh"), format!("{PROGRAM}\n# a change\n")).unwrap();
    let base_dir = root.join("base").to_string_lossy().into_owned();
    let code = matrix(root, &root.join("new"), &["--baseline", &base_dir, "--rerun-baseline"]);
    assert_eq!(code, 1, "the fixture's failing cells still fail the run");
    let new = results::load(&root.join("new")).unwrap();
    let new_key = &new.cell(&id("echo", "sh-ok")).unwrap().build.as_ref().unwrap().key;
    assert_ne!(&old_key, new_key);
    assert!(root.join("target/benchmatrix/build/echo/sh-ok").join(&old_key[..16]).join("out").is_dir(), "the baseline's build is kept");
    let twins: Vec<&str> = new.baseline_rerun.iter().map(|c| c.id.target.as_str()).collect();
    assert_eq!(twins, ["sh-ok", "sh-ok2"], "ok baseline cells are re-run");
    for twin in &new.baseline_rerun {
        assert_eq!(twin.status, Status::Ok);
        assert_eq!(twin.runs.len(), 3);
        let key = &base.cell(&twin.id).unwrap().build.as_ref().unwrap().key;
        assert!(
            twin.runs[0].record.argv.iter().any(|a| a.contains(&key[..16])),
            "the baseline's own build runs: {:?}",
            twin.runs[0].record.argv
        );
    }
    // Twins and new cells share the rotation.
    let mut seqs: Vec<u32> = new.cells.iter().chain(&new.baseline_rerun).flat_map(|c| c.runs.iter().map(|r| r.record.seq)).collect();
    seqs.sort();
    assert_eq!(seqs, (0..seqs.len() as u32).collect::<Vec<_>>());
    let comparison: xtask::compare::Comparison =
        serde_json::from_str(&std::fs::read_to_string(root.join("new/compare.json")).unwrap()).unwrap();
    assert!(comparison.base.label.contains("re-run in this session"));
    assert!(comparison.metrics.iter().any(|m| m.cell.target == "sh-ok"));
}

#[test]
fn a_reference_target_gives_every_cell_a_ratio_and_an_unknown_one_is_bad_input() {
    let project = fixture();
    let out = project.path().join("out");
    matrix(project.path(), &out, &["--reference", "sh-ok2"]);
    let r = results::load(&out).unwrap();
    let ratio = |t: &str| r.cell(&id("echo", t)).unwrap().summary.as_ref().unwrap().vs_reference.unwrap();
    assert_eq!(ratio("sh-ok2").value, 1.0);
    let other = ratio("sh-ok");
    assert!(other.lo <= other.value && other.value <= other.hi && other.value > 0.0);
    assert_eq!(matrix(project.path(), &project.path().join("out2"), &["--reference", "no-such-target"]), 2);
}

#[test]
fn a_missing_installable_toolchain_fails_only_when_asked() {
    let project = fixture();
    let only = ["--workloads", "echo", "--targets", "sh-ok,sh-missing"];
    assert_eq!(matrix(project.path(), &project.path().join("out"), &only), 0, "a skipped target is not a failure");
    let mut strict = only.to_vec();
    strict.push("--fail-on-missing");
    assert_eq!(
        matrix(project.path(), &project.path().join("out2"), &strict),
        1,
        "--fail-on-missing: Debian provides it, so it must be there"
    );
}

#[test]
fn every_run_is_journalled_as_it_ends_and_results_can_be_rebuilt_from_the_journal() {
    let project = fixture();
    let out = project.path().join("out");
    let (_, r) = run(project.path(), &out, false);
    let entries = xtask::records::read_journal(&out.join("runs.jsonl")).unwrap();
    let runs = entries.iter().filter(|e| matches!(e, xtask::records::Entry::Run { .. })).count();
    assert_eq!(runs, r.cells.iter().map(|c| c.runs.len()).sum::<usize>(), "one journal line per run");
    assert!(entries.iter().any(|e| matches!(e, xtask::records::Entry::Build { .. })));
}

#[test]
fn a_missing_implementation_is_a_not_implemented_cell_and_no_failure() {
    let project = fixture();
    let root = project.path();
    for name in ["nosource", "unsupported"] {
        std::fs::create_dir_all(root.join("workloads").join(name)).unwrap();
        let mut text = workload(name, "x");
        if name == "unsupported" {
            text = text.replacen("[compare]", "[unsupported]\nsh = \"the shell has no floating point\"\n\n[compare]", 1);
        }
        std::fs::write(root.join("workloads").join(name).join("workload.toml"), text).unwrap();
    }
    let code = matrix(root, &root.join("out"), &["--targets", "sh-ok", "--workloads", "echo,nosource,unsupported"]);
    assert_eq!(code, 0, "a gap in the matrix is not a failure");
    let r = results::load(&root.join("out")).unwrap();
    assert_eq!(status(&r, "echo", "sh-ok"), Status::Ok);
    for (name, words) in [("nosource", "no sh implementation"), ("unsupported", "the shell has no floating point")] {
        let c = r.cell(&id(name, "sh-ok")).unwrap();
        assert_eq!(c.status, Status::NotImplemented);
        assert!(c.reason.as_deref().unwrap().contains(words), "{:?}", c.reason);
    }
    let md = std::fs::read_to_string(root.join("out/summary.md")).unwrap();
    assert!(md.contains("not-implemented") && md.contains("2 not implemented"), "{md}");
}

#[test]
fn exports_are_written_at_the_end_even_of_an_interrupted_matrix() {
    let project = fixture();
    let root = project.path();
    let (csv, junit) = (root.join("r.csv"), root.join("r.xml"));
    let exports = [
        "--workloads",
        "echo",
        "--targets",
        "sh-ok",
        "--export",
        &format!("csv={}", csv.display()),
        "--export",
        &format!("junit={}", junit.display()),
    ];
    assert_eq!(matrix(root, &root.join("out"), &exports), 0);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.lines().any(|l| l.starts_with("echo,,sh-ok,") && l.contains(",wall_ms,ms,")), "{text}");
    assert!(std::fs::read_to_string(&junit).unwrap().contains("<testsuites"));
    // Interrupted before the first run: the exports still say what there is (pending cells).
    std::fs::remove_file(&csv).unwrap();
    let _g = common::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut ctx = context(root);
    ctx.interrupt = Box::leak(Box::new(AtomicBool::new(true)));
    let out = root.join("cut").to_string_lossy().into_owned();
    let argv = [&["cargo xtask", "matrix", "--runs", "2", "--quiet", "--out", &out][..], &exports[..]].concat();
    let code = cmd::exit_code(&Cli::try_parse_from(argv).unwrap().run(&ctx));
    assert_eq!(code, cmd::EXIT_INTERRUPTED);
    let text = std::fs::read_to_string(&csv).expect("written although interrupted");
    assert!(text.lines().nth(1).is_some_and(|l| l.starts_with("echo,,sh-ok,")), "{text}");
}

#[test]
fn metrics_listen_on_an_address_in_use_is_bad_input() {
    let project = fixture();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let code =
        matrix(project.path(), &project.path().join("out"), &["--workloads", "echo", "--targets", "sh-ok", "--metrics-listen", &addr]);
    assert_eq!(code, 2, "the endpoint is started before the first run, and its failure is named");
    assert!(!project.path().join("out/results.json").exists(), "nothing was measured");
}

#[test]
fn a_push_that_fails_is_named_and_the_run_is_kept() {
    let project = fixture();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let gw = format!("http://127.0.0.1:{port}");
    let out = project.path().join("out");
    let code = matrix(project.path(), &out, &["--workloads", "echo", "--targets", "sh-ok", "--push", &gw]);
    assert_eq!(code, 3, "an unreachable Pushgateway is a failure of the surroundings");
    assert!(results::load(&out).unwrap().meta.complete, "the run itself is saved first");
}

#[test]
fn matrix_shards_through_the_command_line_and_merge_joins_them() {
    let project = fixture();
    let root = project.path();
    let history = root.join("history");
    let h = history.to_string_lossy().into_owned();
    let select = ["--workloads", "echo", "--targets", "sh-ok,sh-ok2,sh-missing", "--history", &h];
    let mut outs = Vec::new();
    for shard in ["1/2", "2/2"] {
        let out = root.join(format!("shard-{}", &shard[..1]));
        let args: Vec<&str> = select.iter().copied().chain(["--shard", shard]).collect();
        assert_eq!(matrix(root, &out, &args), 0, "shard {shard}");
        let r = results::load(&out).unwrap();
        let meta = r.meta.shard.clone().unwrap();
        assert_eq!((meta.count, meta.planned_cells), (2, 3));
        outs.push((out, r));
    }
    assert_eq!(outs[0].1.cells.len() + outs[1].1.cells.len(), 3, "the two slices cover the plan");
    assert!(!outs[0].1.meta.shard.as_ref().unwrap().balanced_by_history, "no history yet: round-robin");
    // The shards went into the history: a third run is balanced by their durations.
    let again = root.join("again");
    let args: Vec<&str> = select.iter().copied().chain(["--shard", "1/2"]).collect();
    assert_eq!(matrix(root, &again, &args), 0);
    assert!(results::load(&again).unwrap().meta.shard.unwrap().balanced_by_history);
    let merged = root.join("merged");
    let (a, b, m) =
        (outs[0].0.to_string_lossy().into_owned(), outs[1].0.to_string_lossy().into_owned(), merged.to_string_lossy().into_owned());
    assert_eq!(xtask(root, &["merge", &a, &b, "--out", &m]), 0);
    let r = results::load(&merged).unwrap();
    assert_eq!(r.cells.iter().map(|c| c.id.target.as_str()).collect::<Vec<_>>(), ["sh-missing", "sh-ok", "sh-ok2"], "plan order");
    assert_eq!(status(&r, "echo", "sh-missing"), Status::Skipped);
    assert_eq!(xtask(root, &["merge", &a, &a, "--out", &m]), 2, "the same shard twice");
}
