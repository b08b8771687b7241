//! The session without processes: a scripted driver stands in for the launcher, so the
//! rotation, adaptive stopping, failures, interruption and the analysis are tested on known
//! figures. Snapshot tests pin the terminal and Markdown summaries.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use xtask::drive::fake::{FakeDriver, Script};
use xtask::ids::{AxisValue, CellId};
use xtask::plan::Selection;
use xtask::records::{RunOutcome, Status};
use xtask::results::{self, Results};
use xtask::schedule::Runs;
use xtask::session::{self, progress::Ui, Destination, Settings};
use xtask::spec::Size;

fn workload(name: &str, extra: &str, expected: &str) -> String {
    let size = |s: &str| format!("[sizes.{s}]\nparams = {{ n = 1 }}\nwarmup = 2\niterations = 6\ntimeout_secs = 5\n{expected}\n");
    format!(
        "name = \"{name}\"\nsummary = \"fixture\"\ncategory = \"test\"\n{extra}\n[compare]\nrule = \"exact\"\n\n{}{}{}",
        size("quick"),
        size("standard"),
        size("full")
    )
}

const TARGET: &str = "family = \"native\"\nlanguage = \"Shell\"\nsource = \"sh\"\nrequires = [\"sh\"]\napt = [\"dash\"]\nversion = [\"sh\", \"-c\", \"echo fixture 1.0\"]\n\n[[build]]\nargv = [\"cp\", \"{source}/main.sh\", \"{out}/main.sh\"]\n\n[run]\nargv = [\"sh\", \"{out}/main.sh\", \"TARGET\"]\n";

/// Two workloads (one with an axis and a labelled cycle), three targets, and a runtime floor.
fn project() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    for dir in ["workloads/calc/sh", "workloads/chat/sh", "workloads/noop/sh", "targets", "runners/sh", "templates"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    std::fs::write(root.join("workloads/calc/workload.toml"), workload("calc", "", "expected = \"42\"")).unwrap();
    let chat = "cycle = 2\ncycle_labels = [\"parse\", \"render\"]\n\n[axis]\nparam = \"payload\"\nvalues = [\"S\", \"L\"]\n\n[[budgets]]\ndescription = \"parsing is quick\"\nsize = \"quick\"\nmetric = \"iteration_p50_ms\"\nmax = 3\nlabel = \"parse\"\n\n[[budgets]]\ndescription = \"a p95 needs samples\"\nsize = \"quick\"\nmetric = \"iteration_p95_ms\"\nmax = 100\n";
    std::fs::write(root.join("workloads/chat/workload.toml"), workload("chat", chat, "expected.S = \"s\"\nexpected.L = \"l\"")).unwrap();
    std::fs::write(
        root.join("workloads/noop/workload.toml"),
        workload("noop", "", "expected = \"noop\"").replace("category = \"test\"", "category = \"baseline\""),
    )
    .unwrap();
    for w in ["calc", "chat", "noop"] {
        std::fs::write(root.join(format!("workloads/{w}/sh/main.sh")), "echo never run\n").unwrap();
    }
    std::fs::write(root.join("runners/sh/README"), "no runner\n").unwrap();
    std::fs::copy(xtask::paths::templates_dir(&xtask::paths::project_root()).join("index.html"), root.join("templates/index.html"))
        .unwrap();
    for t in ["fast", "slow", "wobbly"] {
        std::fs::write(root.join(format!("targets/{t}.toml")), TARGET.replace("TARGET", t)).unwrap();
    }
    tmp
}

/// Which target a job runs (the fixture puts the name in argv).
fn target_of(job: &xtask::drive::RunJob) -> String {
    job.request.argv.iter().find(|a| ["fast", "slow", "wobbly"].contains(&a.as_str())).cloned().unwrap_or_default()
}

/// Figures that depend on the target and the column: slow is 3x fast, wobbly is noisy.
fn script(job: &xtask::drive::RunJob, _warmup: bool, seq: u32) -> Script {
    let base = match target_of(job).as_str() {
        "fast" => 10.0,
        "slow" => 30.0,
        _ => 20.0 + [0.0, 9.0, -7.0, 12.0, -9.0, 6.0][seq as usize % 6],
    };
    let scale = if job.variant.params.get("payload").map(String::as_str) == Some("L") { 4.0 } else { 1.0 };
    let wall = base * scale;
    // A cycle of two: parse iterations take 1 ms, render ones 5 ms.
    let iterations_ms = (0..job.variant.iterations).map(|i| if (job.variant.warmup + i).is_multiple_of(2) { 1.0 } else { 5.0 }).collect();
    Script { wall_ms: wall, cpu_ms: wall * 0.9, peak_rss_kib: 1024 * (1 + scale as u64), iterations_ms, outcome: RunOutcome::Ok }
}

fn settings(runs: Runs) -> Settings {
    Settings {
        size: Size::Quick,
        selection: Selection::default(),
        runs,
        warmup_runs: 1,
        seed: 11,
        reference: None,
        rebuild: false,
        command_line: vec!["test".into()],
        launcher: std::path::PathBuf::from(env!("CARGO_BIN_EXE_xtask")),
    }
}

fn run_session(root: &Path, settings: &Settings, driver: &FakeDriver, interrupt: &AtomicBool) -> session::Finished {
    run_session_in(root, "out", settings, driver, interrupt, None)
}

fn run_session_in(
    root: &Path,
    out: &str,
    settings: &Settings,
    driver: &FakeDriver,
    interrupt: &AtomicBool,
    resume: Option<session::Resume>,
) -> session::Finished {
    let plan = session::plan_for(root, settings).unwrap();
    let dest = Destination { out_dir: root.join(out), history: None, latest: None };
    let rt = session::Runtime { driver, interrupt, ui: &Ui::silent(), observer: None };
    session::run(&plan, settings, &dest, &rt, None, resume).unwrap()
}

fn id(workload: &str, axis: Option<&str>, target: &str) -> CellId {
    CellId::new(workload, axis.map(|v| AxisValue { param: "payload".into(), value: v.into() }), target)
}

#[test]
fn every_round_runs_every_active_cell_once_in_a_seeded_order() {
    let p = project();
    let driver = FakeDriver::new(script);
    let f = run_session(p.path(), &settings(Runs::fixed(3)), &driver, &AtomicBool::new(false));
    let calls = driver.calls.lock().unwrap().clone();
    let cells = 4 * 3; // calc, chat[S], chat[L], noop on three targets
    assert_eq!(calls.len(), cells * 4, "one warm-up round and three measured rounds");
    assert!(calls[..cells].iter().all(|c| c.1) && calls[cells..].iter().all(|c| !c.1), "the warm-up round comes first");
    assert_eq!(calls.iter().map(|c| c.2).collect::<Vec<_>>(), (0..calls.len() as u32).collect::<Vec<_>>(), "runs are numbered in order");
    for round in calls.chunks(cells) {
        let mut argv: Vec<&String> = round.iter().map(|c| &c.0).collect();
        argv.sort();
        argv.dedup();
        assert_eq!(argv.len(), cells, "each round runs every cell once");
    }
    assert_ne!(calls[cells..2 * cells], calls[2 * cells..3 * cells], "rounds are shuffled");
    assert!(f.results.cells.iter().filter(|c| c.status == Status::Ok).count() == cells);
    // The same seed in another project gives the same order.
    let other = project();
    let again = FakeDriver::new(script);
    run_session(other.path(), &settings(Runs::fixed(3)), &again, &AtomicBool::new(false));
    let order = |c: &[(String, bool, u32)], root: &Path| c.iter().map(|c| c.0.replace(root.to_str().unwrap(), "")).collect::<Vec<_>>();
    assert_eq!(order(&again.calls.lock().unwrap(), other.path()), order(&calls, p.path()));
}

#[test]
fn adaptive_runs_stop_a_steady_cell_early_and_keep_a_noisy_one_going() {
    let p = project();
    let driver = FakeDriver::new(script);
    let f = run_session(p.path(), &settings(Runs { min: 3, max: 12, target_ci: Some(0.05) }), &driver, &AtomicBool::new(false));
    let runs = |t: &str| f.results.cell(&id("calc", None, t)).unwrap().summary.as_ref().unwrap().runs;
    assert_eq!(runs("fast"), 3, "identical figures: the interval is a point after the minimum");
    assert_eq!(runs("wobbly"), 12, "±45 % noise never gets within ±2.5 %");
}

#[test]
fn the_analysis_gives_ratios_ranks_labels_and_budgets_from_the_records() {
    let p = project();
    let f = run_session(p.path(), &settings(Runs::fixed(5)), &FakeDriver::new(script), &AtomicBool::new(false));
    let r = &f.results;
    let summary = |w: &str, a: Option<&str>, t: &str| r.cell(&id(w, a, t)).unwrap().summary.clone().unwrap();
    assert_eq!(summary("calc", None, "fast").vs_fastest.unwrap().value, 1.0);
    assert!((summary("calc", None, "slow").vs_fastest.unwrap().value - 3.0).abs() < 1e-9);
    assert!((summary("chat", Some("L"), "slow").wall_ms.median - 120.0).abs() < 1e-9, "each axis value is its own column");
    assert!((summary("chat", Some("L"), "slow").vs_fastest.unwrap().value - 3.0).abs() < 1e-9, "ratios are within a column");
    let labels = &summary("chat", Some("S"), "fast").by_label;
    assert!((labels["parse"].p50_ms - 1.0).abs() < 0.01 && (labels["render"].p50_ms - 5.0).abs() < 0.01, "{labels:?}");
    let ranked: Vec<&str> = r.rank.entries.iter().map(|e| e.target.as_str()).collect();
    assert_eq!(ranked, ["fast", "wobbly", "slow"]);
    assert!((r.rank.entries[2].geomean.value - 3.0).abs() < 1e-9);
    assert_eq!(r.rank.columns.len(), 3, "the runtime floor is not ranked");
    let budget = |desc: &str, cell: &CellId| r.budgets.iter().find(|b| b.description == desc && &b.cell == cell).unwrap().clone();
    assert_eq!(budget("parsing is quick", &id("chat", Some("S"), "fast")).verdict, xtask::analysis::Verdict::Pass);
    let p95 = budget("a p95 needs samples", &id("chat", Some("L"), "slow"));
    assert_eq!(p95.verdict, xtask::analysis::Verdict::TooFewSamples, "30 iterations cannot judge a p95: {p95:?}");
    assert!(p95.note.unwrap().contains("at least 60"));
    // Pure: the figures recomputed from the file are the same.
    let mut reloaded = results::load(&f.results_path).unwrap();
    reloaded.reanalyse();
    assert_eq!(serde_json::to_value(&reloaded.cells).unwrap(), serde_json::to_value(&r.cells).unwrap());
    assert_eq!(reloaded.rank, r.rank);
}

#[test]
fn a_failing_run_leaves_the_rotation_and_the_others_go_on() {
    let p = project();
    let driver = FakeDriver::new(|job, warmup, seq| {
        let mut s = script(job, warmup, seq);
        if target_of(job) == "slow" && job.variant.column.workload == "calc" && !warmup {
            s.outcome = RunOutcome::Failed { status: Status::WrongOutput, reason: "wrong output at line 1".into(), mismatch: None };
        }
        s
    });
    let f = run_session(p.path(), &settings(Runs::fixed(3)), &driver, &AtomicBool::new(false));
    let cell = f.results.cell(&id("calc", None, "slow")).unwrap();
    assert_eq!(cell.status, Status::WrongOutput);
    assert_eq!(cell.runs.len(), 2, "the warm-up and the one failing run; no more");
    assert!(cell.summary.is_none(), "a failed cell is never ranked");
    assert_eq!(f.results.cell(&id("calc", None, "fast")).unwrap().runs.len(), 4);
}

#[test]
fn an_interrupted_session_keeps_its_runs_and_says_it_is_incomplete() {
    let p = project();
    let flag: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
    let count = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let seen = count.clone();
    let driver = FakeDriver::new(move |job, warmup, seq| {
        if seen.fetch_add(1, Ordering::SeqCst) == 20 {
            flag.store(true, Ordering::SeqCst);
        }
        script(job, warmup, seq)
    });
    let f = run_session(p.path(), &settings(Runs::fixed(3)), &driver, flag);
    assert!(f.interrupted);
    let r = results::load(&f.results_path).unwrap();
    assert!(!r.meta.complete);
    assert_eq!(r.cells.iter().map(|c| c.runs.len()).sum::<usize>(), 21, "every run that ended is kept");
    assert!(r.cells.iter().all(|c| c.status == Status::Pending), "nothing is called ok before it finished");
    let html = std::fs::read_to_string(p.path().join("out/index.html")).unwrap();
    assert!(html.contains("Incomplete run") && html.contains("pending"));
    // A cell with measured runs shows their figures, marked partial, not "not run yet".
    let measured: Vec<_> = r.cells.iter().filter(|c| c.measured().next().is_some()).collect();
    assert!(!measured.is_empty() && measured.iter().all(|c| c.summary.is_some()), "partial cells keep their figures");
    assert!(html.contains("partial: the session was interrupted after"), "a partial cell says so");
    let rows = xtask::export::summary::problems(&r);
    let partial = rows.iter().filter(|(line, _)| line.contains("partial: the session was interrupted after")).count();
    assert_eq!(partial, measured.len(), "each partial cell is listed as partial: {rows:?}");
}

#[test]
fn an_interrupted_session_resumes_to_the_same_runs_an_uninterrupted_one_makes() {
    let p = project();
    let whole = run_session_in(
        p.path(),
        "whole",
        &settings(Runs { min: 3, max: 8, target_ci: Some(0.05) }),
        &FakeDriver::new(script),
        &AtomicBool::new(false),
        None,
    );
    let flag: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
    let interrupting = FakeDriver::new(move |job, warmup, seq| {
        if seq == 25 {
            flag.store(true, Ordering::SeqCst);
        }
        script(job, warmup, seq)
    });
    let first = run_session_in(p.path(), "cut", &settings(Runs { min: 3, max: 8, target_ci: Some(0.05) }), &interrupting, flag, None);
    assert!(first.interrupted);
    let (previous, journal) = session::resume::load(&p.path().join("cut")).unwrap();
    let plan = session::plan_for(p.path(), &settings(Runs { min: 3, max: 8, target_ci: Some(0.05) })).unwrap();
    assert_eq!(session::resume::differences(&previous, &plan, &journal), Vec::<String>::new(), "nothing changed");
    let again = FakeDriver::new(script);
    let resumed = run_session_in(
        p.path(),
        "cut",
        &settings(Runs { min: 3, max: 8, target_ci: Some(0.05) }),
        &again,
        &AtomicBool::new(false),
        Some(session::resume::resume_of(previous, journal)),
    );
    assert!(!resumed.interrupted && resumed.results.meta.complete && resumed.results.meta.resumed.len() == 1);
    let calls = again.calls.lock().unwrap();
    assert!(calls.iter().all(|c| c.2 >= 26), "finished runs are not run again: {:?}", calls.iter().map(|c| c.2).min());
    type CellRuns = Vec<(String, Vec<(u32, bool, u64)>)>;
    let runs = |r: &Results| -> CellRuns {
        r.cells
            .iter()
            .map(|c| (c.id.to_string(), c.runs.iter().map(|x| (x.record.seq, x.record.warmup, x.record.raw.wall_ns)).collect()))
            .collect()
    };
    assert_eq!(runs(&resumed.results), runs(&whole.results), "the same cells, runs and figures as one uninterrupted session");
    assert_eq!(
        resumed.results.cells.iter().map(|c| c.status).collect::<Vec<_>>(),
        whole.results.cells.iter().map(|c| c.status).collect::<Vec<_>>()
    );
    // A changed workload file refuses the resume.
    std::fs::write(p.path().join("workloads/calc/workload.toml"), workload("calc", "", "expected = \"43\"")).unwrap();
    let plan = session::plan_for(p.path(), &settings(Runs::fixed(3))).unwrap();
    let (previous, journal) = (results::load(&p.path().join("whole")).unwrap(), Vec::new());
    let why = session::resume::differences(&previous, &plan, &journal);
    assert!(why.iter().any(|w| w.contains("workloads/calc/workload.toml changed")), "{why:?}");
}

/// The run with every machine-dependent field fixed, so its renderings can be pinned.
fn pinned(mut r: Results) -> Results {
    r.meta.started = "2026-01-01T00:00:00Z".into();
    r.meta.finished = Some("2026-01-01T00:01:00Z".into());
    r.meta.git_revision = Some("0123456789abcdef".into());
    r.meta.git_dirty = false;
    r.meta.machine = xtask::machine::Machine {
        cpu_model: "CPU".into(),
        cores: 2,
        memory_bytes: 1 << 34,
        kernel: "6".into(),
        os: "Debian".into(),
        hostname: "h".into(),
    };
    let quiet = xtask::machine::Conditions { governors: vec!["performance".into()], boost: None, load_1m: 0.1 };
    r.meta.conditions_start = Some(quiet.clone());
    r.meta.conditions_end = Some(xtask::machine::Conditions { load_1m: 3.5, ..quiet });
    for t in &mut r.targets {
        t.availability = xtask::probe::Availability::Available {
            binaries: Default::default(),
            version: "fixture 1.0".into(),
            versions: Vec::new(),
            settings: Vec::new(),
        };
    }
    r
}

#[test]
fn the_terminal_and_markdown_summaries_read_as_pinned() {
    use xtask::export::Exporter;
    let p = project();
    let f = run_session(p.path(), &settings(Runs::fixed(5)), &FakeDriver::new(script), &AtomicBool::new(false));
    let r = pinned(f.results);
    insta::assert_snapshot!("terminal", xtask::export::terminal::Terminal.render(&r).unwrap());
    insta::assert_snapshot!("markdown", xtask::export::markdown::Markdown.render(&r).unwrap());
}

/// `script` without the run-order noise: a cell's figures do not depend on where its runs
/// fall, so a sharded run measures what an unsharded one does.
fn steady(job: &xtask::drive::RunJob, warmup: bool, _seq: u32) -> Script {
    script(job, warmup, 0)
}

/// Runs shard `i` of `n` of the fixture into `root/out`.
fn run_shard(root: &Path, out: &str, i: u32, n: u32, durations: &std::collections::BTreeMap<CellId, f64>) -> session::Finished {
    let settings = settings(Runs::fixed(3));
    let mut plan = session::plan_for(root, &settings).unwrap();
    plan.keep_shard(xtask::shard::Shard { index: i, count: n }, durations);
    let dest = Destination { out_dir: root.join(out), history: None, latest: None };
    let driver = FakeDriver::new(steady);
    let rt = session::Runtime { driver: &driver, interrupt: &AtomicBool::new(false), ui: &Ui::silent(), observer: None };
    session::run(&plan, &settings, &dest, &rt, None, None).unwrap()
}

fn shards_of(root: &Path, names: &[&str]) -> Vec<(std::path::PathBuf, Results)> {
    names.iter().map(|n| (root.join(n), results::load(&root.join(n)).unwrap())).collect()
}

#[test]
fn three_shards_merge_to_the_cells_and_figures_of_one_unsharded_run() {
    let p = project();
    let whole = run_session_in(p.path(), "whole", &settings(Runs::fixed(3)), &FakeDriver::new(steady), &AtomicBool::new(false), None);
    let none = std::collections::BTreeMap::new();
    let shards: Vec<session::Finished> = (1..=3).map(|i| run_shard(p.path(), &format!("s{i}"), i, 3, &none)).collect();
    let mut seen = std::collections::BTreeSet::new();
    for (i, s) in shards.iter().enumerate() {
        let meta = s.results.meta.shard.clone().unwrap();
        assert_eq!((meta.index, meta.count, meta.planned_cells, meta.balanced_by_history), (i as u32 + 1, 3, 12, false));
        assert_eq!(s.results.cells.len(), 4, "12 cells dealt to 3 shards");
        let targets: std::collections::BTreeSet<&str> = s.results.cells.iter().map(|c| c.id.target.as_str()).collect();
        assert_eq!(targets.len(), 3, "each shard gets a mix of targets");
        for c in &s.results.cells {
            assert!(seen.insert(c.id.key()), "{} is in two shards", c.id);
        }
    }
    let all: std::collections::BTreeSet<String> = whole.results.cells.iter().map(|c| c.id.key()).collect();
    assert_eq!(seen, all, "the shards cover the plan");

    let merged = xtask::merge::merge(shards_of(p.path(), &["s3", "s1", "s2"]), false, vec!["merge".into()]).unwrap();
    let w = &whole.results;
    assert_eq!(merged.cells.iter().map(|c| c.id.clone()).collect::<Vec<_>>(), w.cells.iter().map(|c| c.id.clone()).collect::<Vec<_>>());
    let figures = |r: &Results| r.cells.iter().map(|c| (c.status, c.summary.clone())).collect::<Vec<_>>();
    assert_eq!(figures(&merged), figures(w), "the same figures as one run");
    assert_eq!(merged.rank, w.rank);
    assert_eq!(serde_json::to_value(&merged.budgets).unwrap(), serde_json::to_value(&w.budgets).unwrap());
    assert_eq!(merged.meta.shards.len(), 3);
    assert!(merged.meta.complete && merged.meta.shard.is_none());
    assert!(
        merged.cells.iter().all(|c| c.summary.as_ref().is_none_or(|s| !s.vs_fastest_cross_machine)),
        "one machine: nothing is cross-machine"
    );
}

#[test]
fn shards_balance_by_the_durations_of_a_stored_run() {
    let p = project();
    let whole = run_session_in(p.path(), "whole", &settings(Runs::fixed(3)), &FakeDriver::new(steady), &AtomicBool::new(false), None);
    let durations = xtask::shard::durations([&whole.results], Size::Quick);
    assert_eq!(durations.len(), 12);
    let loads: Vec<f64> = (1..=3)
        .map(|i| {
            let s = run_shard(p.path(), &format!("b{i}"), i, 3, &durations);
            assert!(s.results.meta.shard.as_ref().unwrap().balanced_by_history);
            s.results.cells.iter().map(|c| durations[&c.id]).sum()
        })
        .collect();
    let longest = durations.values().copied().fold(0.0, f64::max);
    let (lo, hi) = loads.iter().fold((f64::INFINITY, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
    assert!(hi - lo <= longest + 1e-9, "LPT keeps the shards within one cell of each other: {loads:?}");
    let total: f64 = durations.values().sum();
    assert!((loads.iter().sum::<f64>() - total).abs() < 1e-6, "every cell in one shard");
}

#[test]
fn merge_refuses_shards_of_different_plans_duplicates_and_gaps() {
    let p = project();
    let none = std::collections::BTreeMap::new();
    for i in 1..=3 {
        run_shard(p.path(), &format!("s{i}"), i, 3, &none);
    }
    let err = |mut shards: Vec<(std::path::PathBuf, Results)>, f: &dyn Fn(&mut Results), partial: bool| {
        f(&mut shards[1].1);
        xtask::merge::merge(shards, partial, vec![]).unwrap_err().0
    };
    let all = || shards_of(p.path(), &["s1", "s2", "s3"]);
    let e = err(all(), &|r| r.meta.size = Size::Full, false);
    assert!(e.contains("meta.size") && e.contains("quick") && e.contains("full"), "{e}");
    let e = err(all(), &|r| r.meta.git_revision = Some("abc123".into()), false);
    assert!(e.contains("meta.git_revision") && e.contains("abc123") && e.contains("none"), "{e}");
    let e = err(all(), &|r| *r.meta.inputs.values_mut().next().unwrap() = "0ff".into(), false);
    assert!(e.contains("meta.inputs") && e.contains("0ff"), "{e}");
    let s1_cell = all()[0].1.cells[0].clone();
    let e = err(all(), &|r| r.cells.push(s1_cell.clone()), false);
    assert!(e.contains("is in both") && e.contains(&s1_cell.id.to_string()), "{e}");
    let e = err(shards_of(p.path(), &["s1", "s1", "s3"]), &|_| {}, false);
    assert!(e.contains("given twice"), "{e}");
    let e = err(shards_of(p.path(), &["s1", "s3"]), &|_| {}, false);
    assert!(e.contains("2/3") && e.contains("missing") && e.contains("--allow-partial"), "{e}");
    let partial = xtask::merge::merge(shards_of(p.path(), &["s1", "s3"]), true, vec![]).unwrap();
    assert!(!partial.meta.complete && partial.cells.len() == 8, "a partial merge is incomplete");
    let e = err(
        vec![
            all().remove(0),
            (
                p.path().join("whole"),
                results::load(&p.path().join("s2"))
                    .map(|mut r| {
                        r.meta.shard = None;
                        r
                    })
                    .unwrap(),
            ),
        ],
        &|_| {},
        false,
    );
    assert!(e.contains("not a shard run"), "{e}");
}

#[test]
fn ratios_across_machines_are_marked_and_the_report_names_each_cells_machine() {
    let p = project();
    let none = std::collections::BTreeMap::new();
    for i in 1..=3 {
        run_shard(p.path(), &format!("s{i}"), i, 3, &none);
    }
    let mut shards = shards_of(p.path(), &["s1", "s2", "s3"]);
    shards[1].1.meta.machine.hostname = "other-host".into();
    let merged = xtask::merge::merge(shards, false, vec![]).unwrap();
    let machine_of = merged.meta.machine_of();
    let mut marked = 0;
    for c in &merged.cells {
        let Some(s) = &c.summary else { continue };
        let column: Vec<_> = merged.cells.iter().filter(|x| x.id.column() == c.id.column() && x.summary.is_some()).collect();
        let fastest = column
            .iter()
            .min_by(|a, b| a.summary.as_ref().unwrap().wall_ms.median.total_cmp(&b.summary.as_ref().unwrap().wall_ms.median))
            .unwrap();
        assert_eq!(s.vs_fastest_cross_machine, machine_of[&c.id.key()] != machine_of[&fastest.id.key()], "{}", c.id);
        marked += usize::from(s.vs_fastest_cross_machine);
    }
    assert!(marked > 0, "shard 2's cells are on another machine");
    std::fs::create_dir_all(p.path().join("merged")).unwrap();
    let report = xtask::export::write_run_reports(&p.path().join("templates"), &merged, &p.path().join("merged")).unwrap();
    let html = std::fs::read_to_string(report).unwrap();
    assert!(html.contains("cross-machine") && html.contains("machine other-host"), "the report marks them");
}

#[test]
fn the_merge_command_writes_results_the_joined_journal_and_the_report() {
    use clap::Parser;
    let p = project();
    let none = std::collections::BTreeMap::new();
    let shards: Vec<session::Finished> = (1..=3).map(|i| run_shard(p.path(), &format!("s{i}"), i, 3, &none)).collect();
    let ctx = xtask::cmd::Context {
        root: p.path().to_path_buf(),
        launcher: std::path::PathBuf::from(env!("CARGO_BIN_EXE_xtask")),
        command_line: vec!["merge".into()],
        interrupt: Box::leak(Box::new(AtomicBool::new(false))),
    };
    let dir = |n: &str| p.path().join(n).display().to_string();
    let (s1, s2, s3, out) = (dir("s1"), dir("s2"), dir("s3"), dir("merged"));
    let merge = |args: &[&str]| {
        let argv: Vec<&str> = ["cargo xtask", "merge"].iter().chain(args).copied().collect();
        xtask::cli::Cli::try_parse_from(argv).unwrap().run(&ctx)
    };
    assert_eq!(merge(&[&s1, &s2, &s3, "--out", &out]).unwrap(), xtask::cmd::Outcome::Success);
    let merged = results::load(&p.path().join("merged")).unwrap();
    assert_eq!(merged.cells.len(), 12);
    let journal = xtask::records::read_journal(&p.path().join("merged/runs.jsonl")).unwrap();
    let runs = |r: &Results| r.cells.iter().map(|c| c.runs.len()).sum::<usize>();
    let journalled = journal.iter().filter(|e| matches!(e, xtask::records::Entry::Run { .. })).count();
    assert_eq!(journalled, shards.iter().map(|s| runs(&s.results)).sum::<usize>(), "every shard's journal");
    assert!(p.path().join("merged/index.html").is_file());
    let missing = merge(&[&s1, &s3, "--out", &out]);
    assert_eq!(xtask::cmd::exit_code(&missing), 2, "a missing shard is bad input");
}
