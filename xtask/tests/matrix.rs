//! The matrix on a small fixture project: every kind of bad cell is marked and the rest go
//! on; output is escaped in the report; builds are cached by content.

mod common;

use std::path::{Path, PathBuf};
use xtask::cmd::matrix::{self, Options};
use xtask::results::{self, Results, Status};
use xtask::spec::Size;

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
    format!("name = \"{name}\"\nsummary = \"fixture\"\ncategory = \"test\"\n\n[compare]\nrule = \"exact\"\n\n{}{}{}", size("quick"), size("standard"), size("full"))
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

fn options(out: &Path, rebuild: bool) -> Options {
    Options {
        size: Size::Quick,
        workloads: None,
        targets: None,
        runs: xtask::schedule::Runs::fixed(2),
        warmup_runs: 1,
        seed: 7,
        reference: None,
        out: Some(out.to_path_buf()),
        rebuild,
        quiet: true,
        fail_on_missing: false,
        command_line: vec!["test".into()],
        launcher: common::launcher(),
        baseline: None,
        history: None,
        rerun_baseline: false,
    }
}

fn status(results: &Results, workload: &str, target: &str) -> Status {
    results.cells.iter().find(|c| c.workload == workload && c.target == target).unwrap_or_else(|| panic!("no cell {workload} × {target}")).status
}

fn run(root: &Path, out: &Path, rebuild: bool) -> (i32, Results) {
    let _g = common::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let code = matrix::run(root, &options(out, rebuild)).unwrap();
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
    for c in r.cells.iter().filter(|c| c.workload == "broken") {
        assert_eq!(c.status, Status::Invalid);
        assert!(c.reason.as_deref().unwrap().contains("sizes.quick.expected"), "{:?}", c.reason);
    }

    let ok = r.cells.iter().find(|c| c.target == "sh-ok" && c.workload == "echo").unwrap();
    assert_eq!(ok.runs.len(), 3, "one warm-up and two measured runs are kept raw");
    assert_eq!(ok.runs.iter().filter(|run| run.warmup).count(), 1);
    let summary = ok.summary.as_ref().unwrap();
    assert_eq!(summary.runs, 2);
    assert!(summary.wall_ms.median > 0.0 && summary.startup_ms.is_some());
    assert!(summary.wall_ms.median_ci.lo <= summary.wall_ms.median && summary.wall_ms.median <= summary.wall_ms.median_ci.hi);
    let ratios: Vec<f64> = r.cells.iter().filter(|c| c.workload == "echo").filter_map(|c| c.summary.as_ref()?.vs_fastest).map(|e| e.value).collect();
    assert_eq!(ratios.len(), 2, "both verified cells are ranked, nothing else");
    assert!(ratios.contains(&1.0) && ratios.iter().all(|&x| x >= 1.0), "{ratios:?}");

    // Interleaved: the two good cells take turns instead of running as two blocks.
    let seqs = |t: &str| -> Vec<u32> { r.cells.iter().find(|c| c.workload == "echo" && c.target == t).unwrap().runs.iter().map(|run| run.seq).collect() };
    let (a, b) = (seqs("sh-ok"), seqs("sh-ok2"));
    assert_eq!((a.len(), b.len()), (3, 3));
    for round in 0..3 {
        assert!(a[round].abs_diff(b[round]) < 8, "round {round}: runs {a:?} and {b:?} are not interleaved");
    }
    assert!(a.iter().max() > b.iter().min() && b.iter().max() > a.iter().min(), "{a:?} {b:?}");

    let wrong = r.cells.iter().find(|c| c.target == "sh-wrong" && c.workload == "echo").unwrap();
    let m = wrong.mismatch.as_ref().unwrap();
    assert_eq!((m.expected_line.as_str(), m.got_line.as_str()), ("hello 42", "<script>alert(1)</script>"));
    assert!(wrong.summary.is_none(), "wrong output is never ranked");

    let crash = r.cells.iter().find(|c| c.target == "sh-crash" && c.workload == "echo").unwrap();
    assert!(crash.reason.as_deref().unwrap().contains("exit code 1") && crash.reason.as_deref().unwrap().contains("boom"));
    let missing = r.cells.iter().find(|c| c.target == "sh-missing" && c.workload == "echo").unwrap();
    assert!(missing.reason.as_deref().unwrap().contains("no-such-compiler-xyz"));
    assert_eq!(missing.hint.as_deref(), Some("apt-get install -y dash"));
    let failed_build = r.cells.iter().find(|c| c.target == "sh-buildfail" && c.workload == "echo").unwrap();
    assert!(failed_build.reason.as_deref().unwrap().contains("error: <oops>"));

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
    let cached = |r: &Results| r.cells.iter().find(|c| c.workload == "echo" && c.target == "sh-ok").unwrap().build.as_ref().unwrap().cached;
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
    let mut opts = options(&project.path().join("o"), false);
    opts.targets = Some(vec!["sh-ok".into(), "nope".into()]);
    let _g = common::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(matrix::run(project.path(), &opts).unwrap(), 2);
}

#[test]
fn report_re_renders_from_results() {
    let project = fixture();
    let out: PathBuf = project.path().join("out");
    run(project.path(), &out, false);
    std::fs::remove_file(out.join("index.html")).unwrap();
    xtask::cmd::report::run(project.path(), &out).unwrap();
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("sh-ok") && html.contains("wrong-output"));
    let broken = project.path().join("bad.json");
    std::fs::write(&broken, "{\"schema\": 3}").unwrap();
    let e = xtask::cmd::report::run(project.path(), &broken).unwrap_err();
    assert!(e.to_string().contains("bad.json"), "{e}");
}

/// Replaces a cell's measured runs with `walls` (ms), CPU equal to wall, a fixed RSS.
fn set_runs(r: &mut Results, target: &str, walls: &[f64]) {
    let cell = r.cells.iter_mut().find(|c| c.workload == "echo" && c.target == target).unwrap();
    let template = cell.runs.iter().find(|run| !run.warmup).unwrap().clone();
    cell.runs.retain(|run| run.warmup);
    for &ms in walls {
        let mut run = template.clone();
        run.raw.wall_ns = (ms * 1e6) as u64;
        run.raw.user_us = (ms * 1e3) as u64;
        run.raw.sys_us = 0;
        run.raw.max_rss_kib = 2048;
        cell.runs.push(run);
    }
}

fn compare_files(dir: &Path, base: &Results, new: &Results, opts: &xtask::cmd::compare::Options) -> i32 {
    let (b, n) = (dir.join("base.json"), dir.join("new.json"));
    results::save(&b, base).unwrap();
    results::save(&n, new).unwrap();
    xtask::cmd::compare::run(&b, &n, opts)
}

#[test]
fn compare_finds_the_one_slower_cell_and_exits_by_the_rule() {
    let project = fixture();
    let out = project.path().join("out");
    let (_, mut base) = run(project.path(), &out, false);
    let steady = [100.0, 101.0, 99.5, 100.5, 100.2, 99.8, 100.1];
    set_runs(&mut base, "sh-ok", &steady);
    set_runs(&mut base, "sh-ok2", &steady);
    let quiet = xtask::cmd::compare::Options { quiet: true, json: Some(project.path().join("c.json")), markdown: Some(project.path().join("c.md")), ..Default::default() };

    // Identical runs: no change, exit 0.
    assert_eq!(compare_files(project.path(), &base, &base, &quiet), 0);
    let c: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(project.path().join("c.json")).unwrap()).unwrap();
    assert!(c["metrics"].as_array().unwrap().iter().all(|m| m["change"] == "no-significant-change"), "{c}");

    // One implementation 30 % slower: that cell, and only that cell, regresses; exit 1.
    let mut slower = base.clone();
    set_runs(&mut slower, "sh-ok2", &steady.map(|v| v * 1.3));
    assert_eq!(compare_files(project.path(), &base, &slower, &quiet), 1);
    let c: xtask::compare::Comparison = serde_json::from_str(&std::fs::read_to_string(project.path().join("c.json")).unwrap()).unwrap();
    let regressed: Vec<(&str, &str)> = c.metrics.iter().filter(|m| m.change == xtask::stats::Change::Regression).map(|m| (m.target.as_str(), m.metric.as_str())).collect();
    assert_eq!(regressed, [("sh-ok2", "wall_ms"), ("sh-ok2", "cpu_ms")]);
    let md = std::fs::read_to_string(project.path().join("c.md")).unwrap();
    assert!(md.contains("| echo × sh-ok2 | wall_ms |") && md.contains("REGRESSION"), "{md}");

    // A 10 % shift inside wide noise is not called a regression.
    let mut noisy_base = base.clone();
    set_runs(&mut noisy_base, "sh-ok2", &[70.0, 130.0, 95.0, 120.0, 80.0]);
    let mut noisy_new = base.clone();
    set_runs(&mut noisy_new, "sh-ok2", &[77.0, 143.0, 104.5, 132.0, 88.0]);
    assert_eq!(compare_files(project.path(), &noisy_base, &noisy_new, &quiet), 0);

    // A status change ok -> wrong-output is listed and fails.
    let mut broken = base.clone();
    broken.cells.iter_mut().find(|c| c.target == "sh-ok" && c.workload == "echo").unwrap().status = Status::WrongOutput;
    assert_eq!(compare_files(project.path(), &base, &broken, &quiet), 1);
    let c: xtask::compare::Comparison = serde_json::from_str(&std::fs::read_to_string(project.path().join("c.json")).unwrap()).unwrap();
    assert_eq!(c.status_changes.len(), 1);
    assert!(c.status_changes[0].worse);
}

#[test]
fn compare_rejects_bad_and_mismatched_inputs_with_exit_2() {
    let project = fixture();
    let (_, base) = run(project.path(), &project.path().join("out"), false);
    let quiet = xtask::cmd::compare::Options { quiet: true, ..Default::default() };
    let garbage = project.path().join("garbage.json");
    std::fs::write(&garbage, "{ not json").unwrap();
    let good = project.path().join("out");
    assert_eq!(xtask::cmd::compare::run(&garbage, &good, &quiet), 2);
    assert_eq!(xtask::cmd::compare::run(&good, &project.path().join("missing.json"), &quiet), 2);
    let mut other_size = base.clone();
    other_size.meta.size = "full".into();
    assert_eq!(compare_files(project.path(), &base, &other_size, &quiet), 2);
    let mut disjoint = base.clone();
    for c in &mut disjoint.cells {
        c.workload = format!("{}-renamed", c.workload);
    }
    assert_eq!(compare_files(project.path(), &base, &disjoint, &quiet), 2);
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
    let series = xtask::history::series(loaded.iter().map(|(_, r)| r), "quick", &xtask::history::fingerprint(&r.meta.machine));
    assert_eq!(series["echo/sh-ok/wall_ms"].len(), 2);
    assert!(xtask::history::series(loaded.iter().map(|(_, r)| r), "full", &xtask::history::fingerprint(&r.meta.machine)).is_empty());
}

#[test]
fn a_baseline_is_re_run_in_the_same_session_when_its_builds_remain() {
    let project = fixture();
    let root = project.path();
    let (_, base) = run(root, &root.join("base"), false);
    let old_key = base.cells.iter().find(|c| c.target == "sh-ok" && c.workload == "echo").unwrap().build.as_ref().unwrap().key.clone();
    // A new implementation: a new build beside the old one.
    std::fs::write(root.join("workloads/echo/sh/main.sh"), format!("{PROGRAM}\n# a change\n")).unwrap();
    let mut opts = options(&root.join("new"), false);
    opts.baseline = Some(root.join("base"));
    opts.rerun_baseline = true;
    let code = {
        let _g = common::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        matrix::run(root, &opts).unwrap()
    };
    assert_eq!(code, 1, "the fixture's failing cells still fail the run");
    let new = results::load(&root.join("new")).unwrap();
    let new_key = &new.cells.iter().find(|c| c.target == "sh-ok" && c.workload == "echo").unwrap().build.as_ref().unwrap().key;
    assert_ne!(&old_key, new_key);
    assert!(root.join("target/benchmatrix/build/echo/sh-ok").join(&old_key[..16]).join("out").is_dir(), "the baseline's build is kept");
    let twins: Vec<&str> = new.baseline_rerun.iter().map(|c| c.target.as_str()).collect();
    assert_eq!(twins, ["sh-ok", "sh-ok2"], "ok baseline cells are re-run");
    for twin in &new.baseline_rerun {
        assert_eq!(twin.status, Status::Ok);
        assert_eq!(twin.runs.len(), 3);
        let key = &base.cells.iter().find(|c| c.target == twin.target && c.workload == "echo").unwrap().build.as_ref().unwrap().key;
        assert!(twin.runs[0].argv.iter().any(|a| a.contains(&key[..16])), "the baseline's own build runs: {:?}", twin.runs[0].argv);
    }
    // Twins and new cells share the rotation.
    let mut seqs: Vec<u32> = new.cells.iter().chain(&new.baseline_rerun).flat_map(|c| c.runs.iter().map(|r| r.seq)).collect();
    seqs.sort();
    assert_eq!(seqs, (0..seqs.len() as u32).collect::<Vec<_>>());
    let comparison: xtask::compare::Comparison = serde_json::from_str(&std::fs::read_to_string(root.join("new/compare.json")).unwrap()).unwrap();
    assert!(comparison.base.label.contains("re-run in this session"));
    assert!(comparison.metrics.iter().any(|m| m.target == "sh-ok"));
}

#[test]
fn a_reference_target_gives_every_cell_a_ratio_and_an_unknown_one_is_bad_input() {
    let project = fixture();
    let mut opts = options(&project.path().join("out"), false);
    opts.reference = Some("sh-ok2".into());
    let _g = common::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    matrix::run(project.path(), &opts).unwrap();
    let r = results::load(&project.path().join("out")).unwrap();
    let ratio = |t: &str| r.cells.iter().find(|c| c.workload == "echo" && c.target == t).unwrap().summary.as_ref().unwrap().vs_reference.unwrap();
    assert_eq!(ratio("sh-ok2").value, 1.0);
    let other = ratio("sh-ok");
    assert!(other.lo <= other.value && other.value <= other.hi && other.value > 0.0);
    opts.reference = Some("no-such-target".into());
    opts.out = Some(project.path().join("out2"));
    assert_eq!(matrix::run(project.path(), &opts).unwrap(), 2);
}

#[test]
fn a_missing_installable_toolchain_fails_only_when_asked() {
    let project = fixture();
    let mut opts = options(&project.path().join("out"), false);
    opts.workloads = Some(vec!["echo".into()]);
    opts.targets = Some(vec!["sh-ok".into(), "sh-missing".into()]);
    let _g = common::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(matrix::run(project.path(), &opts).unwrap(), 0, "a skipped target is not a failure");
    opts.fail_on_missing = true;
    opts.out = Some(project.path().join("out2"));
    assert_eq!(matrix::run(project.path(), &opts).unwrap(), 1, "--fail-on-missing: Debian provides it, so it must be there");
}
