//! `cargo xtask matrix`: plan, build every cell, run every built cell under the launcher,
//! write results.json after each cell, render the report, print the summary.

use crate::analysis;
use crate::build::{self, BuildJob};
use crate::execute;
use crate::measure::Request;
use crate::machine::{self, Machine};
use crate::paths;
use crate::plan::{self, Plan};
use crate::probe::Availability;
use crate::report;
use crate::results::{self, Cell, Meta, Results, Status, TargetRecord, WorkloadRecord};
use crate::schedule;
use crate::stats::Rng;
use crate::spec::{Size, Target, Workload};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug, Clone)]
pub struct Options {
    pub size: Size,
    pub workloads: Option<Vec<String>>,
    pub targets: Option<Vec<String>>,
    pub runs: crate::schedule::Runs,
    pub warmup_runs: u32,
    /// Seed of the run order and the bootstraps; recorded so a run can be repeated.
    pub seed: u64,
    /// Target every cell is also compared against (`vs_reference`).
    pub reference: Option<String>,
    pub out: Option<PathBuf>,
    pub rebuild: bool,
    pub quiet: bool,
    /// Treat a target that Debian's packages could provide but is missing as a failure.
    pub fail_on_missing: bool,
    pub command_line: Vec<String>,
    /// The binary that runs in launcher mode (normally this very executable).
    pub launcher: PathBuf,
    /// Compare the new run with this one (a results.json or run directory) at the end.
    pub baseline: Option<PathBuf>,
    /// Where finished runs are appended (default: reports/history for runs under reports/).
    pub history: Option<PathBuf>,
    /// Re-run the baseline's builds (where they are still on disk) in this session,
    /// interleaved with the new cells, and compare against those runs.
    pub rerun_baseline: bool,
}

/// A slot of the rotation: a cell of this run, or a re-run baseline build.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Cell(usize),
    Twin(usize),
}

/// For each ok baseline cell whose build is still on disk and that this run also has:
/// an empty cell to collect its re-runs, the request that runs it as the baseline did,
/// and this run's cell (for its size and comparison rule).
fn baseline_twins<'a>(base: &Results, cells: &BTreeMap<usize, &'a Buildable>, opts: &Options) -> Vec<(Cell, Request, &'a Buildable)> {
    let mut twins = Vec::new();
    for b in cells.values() {
        let Some(old) = base.cells.iter().find(|c| c.workload == b.job.workload && c.target == b.job.target.name && c.status == Status::Ok) else { continue };
        let (Some(build), Some(first)) = (&old.build, old.runs.first()) else { continue };
        if build.key.len() < 16 {
            continue;
        }
        let dir = b.job.cell_dir.join(&build.key[..16]);
        if !dir.join("out").is_dir() {
            continue;
        }
        let mut request = execute::request(&b.job, b.workload.size(opts.size));
        request.argv = first.argv.clone();
        request.cwd = dir;
        twins.push((Cell::new(&old.workload, &old.target), request, *b));
    }
    twins
}

/// A cell that can be built: indices into the plan plus the job.
struct Buildable {
    cell: usize,
    workload: Workload,
    job: BuildJob,
}

pub fn run(root: &Path, opts: &Options) -> anyhow::Result<i32> {
    let plan = match plan::plan(root, opts.workloads.as_deref(), opts.targets.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e:#}");
            return Ok(super::EXIT_BAD_INPUT);
        }
    };
    if let Some(reference) = &opts.reference {
        if !plan.targets.iter().any(|t| &t.name == reference) {
            eprintln!("error: --reference `{reference}` is not one of the selected targets");
            return Ok(super::EXIT_BAD_INPUT);
        }
    }
    // Read the baseline first: a bad one should stop us before an hour of measuring.
    let baseline = match &opts.baseline {
        Some(path) => match results::load(path) {
            Ok(r) => Some((path.clone(), r)),
            Err(e) => {
                eprintln!("error: --baseline: {e:#}");
                return Ok(super::EXIT_BAD_INPUT);
            }
        },
        None => None,
    };
    let out_dir = output_dir(root, opts)?;
    let results_path = out_dir.join("results.json");

    let (mut results, buildable) = skeleton(&plan, opts);
    results::save(&results_path, &results)?;
    let show = !opts.quiet && std::io::stderr().is_terminal();
    if !opts.quiet {
        preface(&results);
    }

    let built = build_all(&mut results, &buildable, opts, show);
    results::save(&results_path, &results)?;

    // Runs one at a time (two measured programs on a 2-core machine disturb each other),
    // interleaved: every active cell once per round, each round in a shuffled order.
    let budgets: Vec<(String, Vec<crate::spec::Budget>)> = plan.workloads.iter().filter_map(|(n, w)| w.as_ref().ok().map(|w| (n.clone(), w.budgets.clone()))).collect();
    let by_cell: BTreeMap<usize, &Buildable> = buildable.iter().filter(|b| built.contains(&b.cell)).map(|b| (b.cell, b)).collect();
    // What each slot of the rotation runs: a cell of this run, or a baseline build re-run.
    let mut slots: Vec<(Slot, Request, &Buildable)> = by_cell.iter().map(|(&i, b)| (Slot::Cell(i), execute::request(&b.job, b.workload.size(opts.size)), *b)).collect();
    if let (true, Some((_, base))) = (opts.rerun_baseline, &baseline) {
        for (twin, request, b) in baseline_twins(base, &by_cell, opts) {
            slots.push((Slot::Twin(results.baseline_rerun.len()), request, b));
            results.baseline_rerun.push(twin);
        }
        if !opts.quiet {
            eprintln!("re-running {} baseline build(s) in this session", results.baseline_rerun.len());
        }
    }
    run_all(&mut results, &results_path, &slots, &budgets, opts, show)?;

    results.meta.finished = Some(machine::utc_now().0);
    results.meta.complete = true;
    results::save(&results_path, &results)?;
    let index = report::html::write(root, &results, &out_dir)?;
    update_latest(root, &out_dir);
    let history_dir = opts.history.clone().or_else(|| out_dir.starts_with(paths::reports_dir(root)).then(|| paths::reports_dir(root).join("history")));
    if let Some(dir) = history_dir {
        let stored = crate::history::append(&dir, &results)?;
        if !opts.quiet {
            eprintln!("history: {}", paths::display(root, &stored));
        }
    }

    let missing_required: Vec<&TargetRecord> = results.targets.iter().filter(|t| matches!(t.availability, Availability::Missing { apt_installable: true, .. })).collect();
    if !opts.quiet {
        print!("{}", report::terminal::summary(&results));
        println!("results: {}", paths::display(root, &results_path));
    }
    println!("report:  {}", paths::display(root, &index));
    let failed = results.cells.iter().any(|c| c.status.is_failure());
    let compared = match &baseline {
        Some((path, base)) => compare_with_baseline(path, base, &results, &out_dir, opts),
        None => super::EXIT_OK,
    };
    if compared == super::EXIT_BAD_INPUT {
        return Ok(compared);
    }
    if opts.fail_on_missing && !missing_required.is_empty() {
        for t in &missing_required {
            eprintln!("error: target `{}` is missing but Debian's packages provide it (--fail-on-missing)", t.name);
        }
        return Ok(super::EXIT_FAILED);
    }
    Ok(if failed || compared == super::EXIT_FAILED { super::EXIT_FAILED } else { super::EXIT_OK })
}

/// Builds every buildable cell, side by side (one per core; nothing is measured meanwhile),
/// records each build in its cell, and returns the cells that built.
fn build_all(results: &mut Results, buildable: &[Buildable], opts: &Options, show: bool) -> Vec<usize> {
    let bar = progress(show, buildable.len() as u64, "build");
    let records = Mutex::new(Vec::new());
    let queue = Mutex::new(buildable.iter());
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(buildable.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let Some(b) = queue.lock().unwrap().next() else { break };
                bar.set_message(format!("{} × {}", b.job.workload, b.job.target.name));
                let record = build::build(&b.job, opts.rebuild);
                bar.inc(1);
                records.lock().unwrap().push((b.cell, record));
            });
        }
    });
    bar.finish_and_clear();
    let mut built = Vec::new();
    for (index, record) in records.into_inner().unwrap() {
        let cell = &mut results.cells[index];
        if !record.ok {
            cell.fail(Status::BuildFailed, format!("build failed:\n{}", record.log_tail));
        } else {
            built.push(index);
        }
        cell.build = Some(record);
    }
    built
}

/// The warm-up round, then measured rounds until every slot has its runs (or failed);
/// every run is saved as it ends, the figures are recomputed after each round.
fn run_all(results: &mut Results, results_path: &Path, slots: &[(Slot, Request, &Buildable)], budgets: &[(String, Vec<crate::spec::Budget>)], opts: &Options, show: bool) -> anyhow::Result<()> {
    let mut rng = Rng::new(opts.seed);
    let mut active: Vec<usize> = (0..slots.len()).collect();
    let bar = progress(show, active.len() as u64 * u64::from(opts.warmup_runs + opts.runs.max), "run");
    let mut seq = 0u32;
    let run = |slot: usize, warmup: bool, results: &mut Results, seq: &mut u32| -> bool {
        let (which, request, b) = &slots[slot];
        let (cell, label) = match which {
            Slot::Cell(i) => (&mut results.cells[*i], ""),
            Slot::Twin(j) => (&mut results.baseline_rerun[*j], " (baseline)"),
        };
        bar.set_message(format!("{} × {}{label}{}", cell.workload, cell.target, if warmup { " (warm-up)" } else { "" }));
        let ok = execute::run_once(&opts.launcher, request, b.workload.size(opts.size), &b.workload.compare, warmup, *seq, cell);
        *seq += 1;
        bar.inc(1);
        if !ok {
            bar.suspend(|| if !opts.quiet { eprintln!("{} × {}{label}: {}", cell.workload, cell.target, cell.status.as_str()) });
        }
        ok
    };
    let wall_of = |results: &Results, slot: usize| match slots[slot].0 {
        Slot::Cell(i) => analysis::wall_ms(&results.cells[i]),
        Slot::Twin(j) => analysis::wall_ms(&results.baseline_rerun[j]),
    };
    for _ in 0..opts.warmup_runs {
        for slot in schedule::round(&active, &mut rng) {
            if !run(slot, true, results, &mut seq) {
                active.retain(|&i| i != slot);
            }
            results::save(results_path, results)?;
        }
    }
    for done in 0..opts.runs.max {
        let wanted: Vec<usize> = active.iter().copied().filter(|&i| schedule::wants_more(done, &wall_of(results, i), &opts.runs, &mut rng)).collect();
        if wanted.is_empty() {
            break;
        }
        for slot in schedule::round(&wanted, &mut rng) {
            if !run(slot, false, results, &mut seq) {
                active.retain(|&i| i != slot);
            }
            // Every run is on disk as soon as it ends: an interrupted session loses nothing.
            results::save(results_path, results)?;
        }
        analysis::analyse(results, budgets);
    }
    bar.finish_and_clear();
    for &slot in &active {
        match slots[slot].0 {
            Slot::Cell(i) => results.cells[i].status = Status::Ok,
            Slot::Twin(j) => results.baseline_rerun[j].status = Status::Ok,
        }
    }
    analysis::analyse(results, budgets);
    Ok(())
}

/// Compares the finished run with the baseline (against its re-runs when there are any),
/// writing compare.json and compare.md into the run directory; returns compare's exit code.
fn compare_with_baseline(path: &Path, base: &Results, results: &Results, out_dir: &Path, opts: &Options) -> i32 {
    println!("\ncompared with {}:", path.display());
    let copts = super::compare::Options { json: Some(out_dir.join("compare.json")), markdown: Some(out_dir.join("compare.md")), history: opts.history.clone(), quiet: false, ..Default::default() };
    if results.baseline_rerun.is_empty() {
        return super::compare::compare_loaded(&path.display().to_string(), base, &out_dir.display().to_string(), results, &copts);
    }
    // Same-session comparison: the baseline's builds as re-run here, against the new cells.
    // Cells that were not re-run (not ok in the baseline) keep the baseline's record.
    let mut rerun = results.clone();
    let twins = std::mem::take(&mut rerun.baseline_rerun);
    rerun.cells = base.cells.iter().map(|c| twins.iter().find(|t| t.workload == c.workload && t.target == c.target).unwrap_or(c).clone()).collect();
    rerun.targets = base.targets.clone();
    let mut new = results.clone();
    new.baseline_rerun.clear();
    super::compare::compare_loaded(&format!("{} (re-run in this session)", path.display()), &rerun, &out_dir.display().to_string(), &new, &copts)
}

/// Before the work: what cannot be built, said once per file or target.
fn preface(results: &Results) {
    for w in &results.workloads {
        if let Some(e) = &w.error {
            eprintln!("error: {e}");
        }
    }
    for t in &results.targets {
        match (&t.error, &t.availability) {
            (Some(e), _) => eprintln!("error: {e}"),
            (None, Availability::Missing { reason, install, .. }) => eprintln!("skip {}: {reason}
     install: {install}", t.name),
            _ => {}
        }
    }
}

fn progress(show: bool, len: u64, what: &str) -> ProgressBar {
    if !show {
        return ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(len);
    let style = ProgressStyle::with_template(&format!("{what:>5} [{{elapsed_precise}}] {{bar:30}} {{pos}}/{{len}} {{msg}}")).expect("a valid template");
    bar.set_style(style);
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// The run directory: `--out`, or a new `reports/<timestamp>-<size>/`.
fn output_dir(root: &Path, opts: &Options) -> anyhow::Result<PathBuf> {
    let dir = match &opts.out {
        Some(d) => d.clone(),
        None => {
            let stamp = machine::utc_now().1;
            let base = paths::reports_dir(root).join(format!("{stamp}-{}", opts.size));
            // Two runs in the same second get distinct directories.
            (0..).map(|i| if i == 0 { base.clone() } else { PathBuf::from(format!("{}-{i}", base.display())) }).find(|p| !p.exists()).expect("an unused name")
        }
    };
    std::fs::create_dir_all(&dir).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

/// Points `reports/latest` at the run directory when it lies under reports/.
fn update_latest(root: &Path, out_dir: &Path) {
    let reports = paths::reports_dir(root);
    let Ok(relative) = out_dir.strip_prefix(&reports) else { return };
    let link = reports.join("latest");
    let _ = std::fs::remove_file(&link);
    #[cfg(unix)]
    let _ = std::os::unix::fs::symlink(relative, &link);
}

/// The results before anything is built: every planned cell, skips and spec errors decided.
fn skeleton(plan: &Plan, opts: &Options) -> (Results, Vec<Buildable>) {
    let (started, _) = machine::utc_now();
    let (git_revision, git_dirty) = machine::git_revision(&plan.root);
    let meta = Meta {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        started,
        finished: None,
        complete: false,
        size: opts.size.to_string(),
        min_runs: opts.runs.min,
        max_runs: opts.runs.max,
        target_ci: opts.runs.target_ci,
        warmup_runs: opts.warmup_runs,
        seed: opts.seed,
        reference: opts.reference.clone(),
        command_line: opts.command_line.clone(),
        git_revision,
        git_dirty,
        machine: Machine::detect(),
    };
    let targets: Vec<TargetRecord> = plan
        .targets
        .iter()
        .map(|t| TargetRecord {
            name: t.name.clone(),
            family: t.spec.as_ref().ok().map(|s| s.family),
            language: t.spec.as_ref().map(|s| s.language.clone()).unwrap_or_default(),
            availability: t.availability.clone().unwrap_or(Availability::Missing { reason: "the target file is invalid".into(), install: String::new(), apt_installable: false }),
            error: t.spec.as_ref().err().map(ToString::to_string),
        })
        .collect();
    let workloads: Vec<WorkloadRecord> = plan
        .workloads
        .iter()
        .map(|(name, w)| match w {
            Ok(w) => {
                let size = w.size(opts.size);
                WorkloadRecord {
                    name: name.clone(),
                    summary: w.summary.clone(),
                    category: w.category.clone(),
                    compare: Some(w.compare.clone()),
                    params: size.params.clone(),
                    timeout_secs: size.timeout.as_secs_f64(),
                    regression_threshold: w.regression_threshold,
                    budgets: w.budgets.clone(),
                    error: None,
                }
            }
            Err(e) => WorkloadRecord { name: name.clone(), summary: String::new(), category: String::new(), compare: None, params: BTreeMap::new(), timeout_secs: 0.0, regression_threshold: 0.05, budgets: Vec::new(), error: Some(e.to_string()) },
        })
        .collect();

    let mut cells = Vec::new();
    let mut buildable = Vec::new();
    for (wname, w) in &plan.workloads {
        for t in &plan.targets {
            let mut cell = Cell::new(wname, &t.name);
            match (w, &t.spec, &t.availability) {
                (Err(e), _, _) => {
                    cell.fail(Status::Invalid, format!("workload file is invalid: {e}"));
                }
                (_, Err(e), _) => {
                    cell.fail(Status::Invalid, format!("target file is invalid: {e}"));
                }
                (Ok(_), Ok(_), Some(Availability::Missing { reason, install, .. })) => {
                    cell.fail(Status::Skipped, reason.clone());
                    cell.hint = Some(install.clone());
                }
                (Ok(w), Ok(target), Some(Availability::Available { binaries, version, versions })) => {
                    let toolchain = toolchain_fingerprint(target, binaries, version, versions);
                    buildable.push(Buildable { cell: cells.len(), workload: w.clone(), job: BuildJob::new(&plan.root, w, target, binaries.clone(), toolchain) });
                }
                (Ok(_), Ok(_), None) => unreachable!("every valid target is probed"),
            }
            cells.push(cell);
        }
    }
    (Results { schema: results::SCHEMA.to_string(), meta, targets, workloads, cells, budgets: Vec::new(), baseline_rerun: Vec::new() }, buildable)
}

fn toolchain_fingerprint(target: &Target, binaries: &BTreeMap<String, String>, version: &str, versions: &[String]) -> String {
    format!("{}\n{version}\n{}\n{binaries:?}", target.name, versions.join("\n"))
}
