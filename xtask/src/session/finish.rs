//! The end of a session: cells that ran cleanly become ok, results.json and the reports are
//! written, a complete run goes into the history and behind `reports/latest`, and the run is
//! compared with its baseline. An interrupted session says where its runs are.

use super::progress::Ui;
use super::{Destination, Finished, State};
use crate::compare::{self, Comparison};
use crate::export::{self, Exporter};
use crate::machine;
use crate::paths;
use crate::plan::Plan;
use crate::records::{CellRecord, RunOutcome, Status};
use crate::results::Results;
use std::path::Path;

/// A pending cell whose every run went well and that has measured runs is ok.
fn settle(cells: &mut [CellRecord]) {
    for c in cells.iter_mut().filter(|c| c.status == Status::Pending) {
        if c.measured().next().is_some() && c.runs.iter().all(|r| r.outcome == RunOutcome::Ok) {
            c.status = Status::Ok;
        }
    }
}

pub fn finish(
    mut state: State,
    interrupted: bool,
    plan: &Plan,
    dest: &Destination,
    baseline: Option<(&Path, &Results)>,
    ui: &Ui,
) -> anyhow::Result<Finished> {
    if !interrupted {
        settle(&mut state.cells);
        settle(&mut state.twins);
    }
    state.meta.finished = Some(machine::utc_now().0);
    state.meta.conditions_end = Some(machine::Conditions::now());
    state.meta.complete = !interrupted;
    let results = state.save()?;
    let report = export::write_run_reports(&paths::templates_dir(&plan.root), &results, &dest.out_dir)?;
    let results_path = dest.out_dir.join("results.json");
    let shown = |p: &Path| paths::display(&plan.root, p);

    if interrupted {
        let runs: usize = results.cells.iter().map(|c| c.runs.len()).sum();
        ui.always(&format!(
            "interrupted: {runs} finished run(s) are kept in {} (report: {}); to continue: cargo xtask matrix --resume {}",
            shown(&results_path),
            shown(&report),
            shown(&dest.out_dir)
        ));
        return Ok(Finished { results, results_path, report, interrupted: true, comparison: None });
    }
    if let Some(dir) = &dest.history {
        let stored = crate::history::append(dir, &results)?;
        if !ui.quiet {
            eprintln!("history: {}", shown(&stored));
        }
    }
    if let Some(reports) = &dest.latest {
        update_latest(reports, &dest.out_dir);
    }
    if !ui.quiet {
        print!("{}", export::terminal::Terminal.render(&results)?);
        println!("results: {}", shown(&results_path));
    }
    println!("report:  {}", shown(&report));
    let comparison = match baseline {
        Some((path, base)) => Some(compare_with_baseline(path, base, &results, &dest.out_dir, ui)?),
        None => None,
    };
    Ok(Finished { results, results_path, report, interrupted: false, comparison })
}

/// Points `reports/latest` at the run directory when it lies under `reports`.
fn update_latest(reports: &Path, out_dir: &Path) {
    let Ok(relative) = out_dir.strip_prefix(reports) else { return };
    let link = reports.join("latest");
    let _ = std::fs::remove_file(&link);
    #[cfg(unix)]
    let _ = std::os::unix::fs::symlink(relative, &link);
}

/// Compares the finished run with the baseline (against its re-runs when there are any),
/// writing compare.json and compare.md into the run directory.
fn compare_with_baseline(path: &Path, base: &Results, results: &Results, out_dir: &Path, ui: &Ui) -> anyhow::Result<Comparison> {
    let opts = compare::Options { seed: results.meta.seed ^ base.meta.seed, ..Default::default() };
    let comparison = if results.baseline_rerun.is_empty() {
        compare::compare(&path.display().to_string(), base, &out_dir.display().to_string(), results, &opts)?
    } else {
        // Same-session comparison: the baseline's builds as re-run here, against the new cells.
        // Cells that were not re-run (not ok in the baseline) keep the baseline's record.
        let mut rerun = results.clone();
        let twins = std::mem::take(&mut rerun.baseline_rerun);
        rerun.cells = base.cells.iter().map(|c| twins.iter().find(|t| t.id == c.id).unwrap_or(c).clone()).collect();
        rerun.targets = base.targets.clone();
        let mut new = results.clone();
        new.baseline_rerun.clear();
        compare::compare(&format!("{} (re-run in this session)", path.display()), &rerun, &out_dir.display().to_string(), &new, &opts)?
    };
    export::write_to(&out_dir.join("compare.json"), &(serde_json::to_string_pretty(&comparison)? + "\n"))?;
    export::write_to(&out_dir.join("compare.md"), &export::comparison::markdown(&comparison))?;
    if !ui.quiet {
        println!("\ncompared with {}:", path.display());
        print!("{}", export::comparison::text(&comparison, false));
    }
    Ok(comparison)
}
