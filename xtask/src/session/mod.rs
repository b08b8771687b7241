//! A matrix session from plan to finished run directory: the plan, the build phase, the drive
//! phase (rounds, baseline twins), and the finish (results, reports, history, the latest
//! link, the comparison). Every record goes to `runs.jsonl` the moment it exists;
//! results.json is written after every round and at the end.

pub mod build_phase;
pub mod drive_phase;
pub mod finish;
pub mod progress;
pub mod resume;

use crate::analysis::{self, Analysis, WorkloadFacts};
use crate::drive::watch::Watch;
use crate::drive::{batch, Driver, RunJob};
use crate::error::BadInput;
use crate::ids::CellId;
use crate::machine::{self, Machine};
use crate::plan::{self, CellPlan, Plan, Selection};
use crate::probe::Availability;
use crate::records::{CellRecord, Entry, Journal, RunOutcome, Side, Status};
use crate::results::{self, Meta, Results, TargetRecord, WorkloadRecord};
use crate::schedule::Runs;
use crate::spec::Size;
use drive_phase::{End, Event, Rotation, Slot};
use progress::Ui;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// Everything that decides what a session measures and how.
#[derive(Debug, Clone)]
pub struct Settings {
    pub size: Size,
    pub selection: Selection,
    pub runs: Runs,
    pub warmup_runs: u32,
    /// Seed of the run order and the bootstraps; recorded so a run can be repeated.
    pub seed: u64,
    /// Target every cell is also compared against (`vs_reference`).
    pub reference: Option<String>,
    pub rebuild: bool,
    pub command_line: Vec<String>,
    /// The binary that runs build steps (and the batch driver's programs) in launcher mode.
    pub launcher: PathBuf,
}

/// Where a session's products go.
#[derive(Debug, Clone)]
pub struct Destination {
    pub out_dir: PathBuf,
    /// Finished runs are appended here.
    pub history: Option<PathBuf>,
    /// Point `reports/latest` at the run directory.
    pub latest: Option<PathBuf>,
}

/// How a session ended.
pub struct Finished {
    pub results: Results,
    pub results_path: PathBuf,
    pub report: PathBuf,
    pub interrupted: bool,
    /// The comparison with the baseline, when there was one.
    pub comparison: Option<crate::compare::Comparison>,
}

/// The session's working state: one record per planned cell (and per baseline twin).
pub struct State {
    pub meta: Meta,
    pub targets: Vec<TargetRecord>,
    pub workloads: Vec<WorkloadRecord>,
    pub facts: Vec<WorkloadFacts>,
    pub cells: Vec<CellRecord>,
    pub twins: Vec<CellRecord>,
    results_path: PathBuf,
    journal: Journal,
}

impl State {
    /// The records analysed and assembled into the wire format.
    pub fn results(&self) -> Results {
        let counterparts = results::counterparts_of(&self.targets);
        let analysis = analysis::analyse(&analysis::Input {
            cells: &self.cells,
            workloads: &self.facts,
            counterparts: &counterparts,
            seed: self.meta.seed,
            size: self.meta.size,
            reference: self.meta.reference.as_deref(),
            machine_of: &BTreeMap::new(),
        });
        let twins = if self.twins.is_empty() {
            Analysis::default()
        } else {
            analysis::analyse(&analysis::Input {
                cells: &self.twins,
                workloads: &self.facts,
                counterparts: &[],
                seed: self.meta.seed,
                size: self.meta.size,
                reference: None,
                machine_of: &BTreeMap::new(),
            })
        };
        Results {
            schema: results::SCHEMA.to_string(),
            meta: self.meta.clone(),
            targets: self.targets.clone(),
            workloads: self.workloads.clone(),
            cells: self.cells.iter().map(|c| results::cell(c, &analysis)).collect(),
            budgets: analysis.budgets,
            ratios: analysis.ratios,
            counterparts: analysis.counterparts,
            rank: analysis.rank,
            baseline_rerun: self.twins.iter().map(|c| results::cell(c, &twins)).collect(),
        }
    }

    pub fn save(&self) -> std::io::Result<Results> {
        let results = self.results();
        results::save(&self.results_path, &results)?;
        Ok(results)
    }

    fn record(&mut self, entry: Entry) -> std::io::Result<()> {
        self.journal.append(&entry)?;
        self.remember(entry);
        Ok(())
    }

    /// Takes an entry into the state without journalling it (a replayed run is there already).
    fn remember(&mut self, entry: Entry) {
        match entry {
            Entry::Build { cell, record } => {
                if let Some(c) = self.cells.iter_mut().find(|c| c.id == cell) {
                    if !record.ok {
                        c.settle(
                            Status::BuildFailed,
                            format!("build failed: {}\n{}", crate::build::last_error_line(&record.log_tail), record.log_tail),
                        );
                    }
                    c.build = Some(record);
                }
            }
            Entry::Run { cell, side, record } => {
                let cells = if side == Side::Cell { &mut self.cells } else { &mut self.twins };
                if let Some(c) = cells.iter_mut().find(|c| c.id == cell) {
                    c.push(*record);
                }
            }
        }
    }
}

/// An interrupted run to continue: its recorded meta and the runs its journal holds.
pub struct Resume {
    pub meta: Meta,
    pub runs: Vec<(CellId, Side, crate::records::RunRecord)>,
}

/// SHA-256 of every workload and target file of the plan, by path relative to the checkout.
pub fn inputs_of(plan: &Plan) -> BTreeMap<String, String> {
    use sha2::{Digest, Sha256};
    let files = plan
        .workloads
        .iter()
        .map(|(name, _)| crate::paths::workloads_dir(&plan.root).join(name).join("workload.toml"))
        .chain(plan.targets.iter().map(|t| crate::paths::targets_dir(&plan.root).join(format!("{}.toml", t.name))));
    files
        .filter_map(|f| {
            let digest: String = Sha256::digest(std::fs::read(&f).ok()?).iter().map(|b| format!("{b:02x}")).collect();
            Some((crate::paths::display(&plan.root, &f), digest))
        })
        .collect()
}

fn meta(plan: &Plan, settings: &Settings, baseline: Option<(&Path, bool)>) -> Meta {
    let (git_revision, git_dirty) = machine::git_revision(&plan.root);
    Meta {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        started: machine::utc_now().0,
        finished: None,
        complete: false,
        size: settings.size,
        min_runs: settings.runs.min,
        max_runs: settings.runs.max,
        target_ci: settings.runs.target_ci,
        warmup_runs: settings.warmup_runs,
        seed: settings.seed,
        reference: settings.reference.clone(),
        selected_workloads: settings.selection.workloads.clone(),
        selected_targets: settings.selection.targets.clone(),
        command_line: settings.command_line.clone(),
        inputs: inputs_of(plan),
        baseline: baseline.map(|(p, _)| p.to_path_buf()),
        rerun_baseline: baseline.is_some_and(|(_, r)| r),
        resumed: Vec::new(),
        git_revision,
        git_dirty,
        machine: Machine::detect(),
        conditions_start: Some(crate::machine::Conditions::now()),
        conditions_end: None,
        shard: plan.shard.clone(),
        shards: Vec::new(),
    }
}

/// The records of the targets and workloads, as results.json keeps them.
fn records_of(plan: &Plan) -> (Vec<TargetRecord>, Vec<WorkloadRecord>, Vec<WorkloadFacts>) {
    let targets = plan
        .targets
        .iter()
        .map(|t| TargetRecord {
            name: t.name.clone(),
            family: t.spec.as_ref().ok().map(|s| s.family),
            language: t.spec.as_ref().map(|s| s.language.clone()).unwrap_or_default(),
            availability: t.availability.clone().unwrap_or(Availability::Missing {
                reason: "the target file is invalid".into(),
                install: String::new(),
                apt_installable: false,
            }),
            error: t.spec.as_ref().err().map(ToString::to_string),
            clock: t.spec.as_ref().ok().and_then(|s| s.clock.clone()),
            counterpart: t.spec.as_ref().ok().and_then(|s| s.counterpart.clone()),
        })
        .collect();
    let workloads: Vec<WorkloadRecord> = plan
        .workloads
        .iter()
        .map(|(name, w)| match w {
            Ok(w) => {
                let size = w.size(plan.size);
                WorkloadRecord {
                    name: name.clone(),
                    summary: w.summary.clone(),
                    category: w.category.clone(),
                    compare: Some(w.compare.clone()),
                    params: size.params.clone(),
                    timeout_secs: size.timeout.as_secs_f64(),
                    warmup: size.warmup,
                    iterations: size.iterations,
                    regression_threshold: w.regression_threshold,
                    budgets: w.budgets.clone(),
                    ratios: w.ratios.clone(),
                    axis: w.axis.clone(),
                    cycle: w.cycle,
                    cycle_labels: w.cycle_labels.clone(),
                    columns: w.columns(plan.size),
                    error: None,
                    kind: w.kind,
                    load: size.load.clone(),
                    client: size.client.clone(),
                }
            }
            Err(e) => WorkloadRecord {
                name: name.clone(),
                summary: String::new(),
                category: String::new(),
                compare: None,
                params: BTreeMap::new(),
                timeout_secs: 0.0,
                warmup: 0,
                iterations: 1,
                regression_threshold: 0.05,
                budgets: Vec::new(),
                ratios: Vec::new(),
                axis: None,
                cycle: 1,
                cycle_labels: Vec::new(),
                columns: Vec::new(),
                error: Some(e.to_string()),
                kind: Default::default(),
                load: None,
                client: None,
            },
        })
        .collect();
    let facts = Results::facts_of(&workloads);
    (targets, workloads, facts)
}

/// Before the work: what cannot be built, said once per file or target.
fn preface(ui: &Ui, plan: &Plan) {
    let bar = ui.bar(0, "");
    for (_, w) in &plan.workloads {
        if let Err(e) = w {
            ui.say(&bar, &format!("error: {e}"));
        }
    }
    for t in &plan.targets {
        match (&t.spec, &t.availability) {
            (Err(e), _) => ui.say(&bar, &format!("error: {e}")),
            (Ok(_), Some(Availability::Missing { reason, install, .. })) => {
                ui.say(&bar, &format!("skip {}: {reason}\n     install: {install}", t.name))
            }
            _ => {}
        }
    }
    bar.finish_and_clear();
}

/// Each cell's scratch directory: a fresh working directory (with HOME and TMPDIR) per run.
fn scratch_dir(out_dir: &Path, id: &CellId, side: Side) -> PathBuf {
    let name: String = id.key().chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    out_dir.join("scratch").join(if side == Side::Cell { name } else { format!("{name}.baseline") })
}

/// For each ok baseline cell whose build is still on disk and that this run also has: a
/// slot that runs the baseline's build as the baseline did.
fn baseline_twins(base: &Results, plan: &Plan, slots: &[Slot], out_dir: &Path) -> (Vec<CellRecord>, Vec<Slot>) {
    let mut twins = Vec::new();
    let mut twin_slots = Vec::new();
    for slot in slots {
        let id = &slot.id;
        let Some(old) = base.cell(id).filter(|c| c.status == Status::Ok) else { continue };
        let (Some(build), Some(first)) = (&old.build, old.measured().next()) else { continue };
        let Some(CellPlan::Build { build: b, .. }) = plan.cells.iter().find(|c| &c.id == id).map(|c| &c.plan) else { continue };
        if build.key.len() < 16 || !plan.builds[*b].cell_dir.join(&build.key[..16]).join("out").is_dir() {
            continue;
        }
        let scratch = scratch_dir(out_dir, id, Side::Baseline);
        let mut job = slot.job.clone();
        job.side = Side::Baseline;
        job.request.argv = first.argv.clone();
        job.request.cwd = scratch;
        twin_slots.push(Slot { side: Side::Baseline, id: id.clone(), job, label: format!("{id} (baseline)") });
        twins.push(CellRecord::new(id.clone()));
    }
    (twins, twin_slots)
}

/// Runs a whole session. `baseline` is an earlier run to compare with (and, with `rerun`, whose
/// builds run again in this session); `resume` continues an interrupted one.
/// What runs a session's programs and listens to its user.
pub struct Runtime<'a> {
    pub driver: &'a dyn Driver,
    /// Set by Ctrl-C: the session stops after the current run.
    pub interrupt: &'a AtomicBool,
    pub ui: &'a Ui,
    /// Told as the session goes (a live metrics endpoint, say).
    pub observer: Option<&'a dyn Observer>,
}

/// Something that follows a session while it runs: every results.json written (after the
/// plan, the builds, each round and at the end) and every run as it starts.
pub trait Observer: Sync {
    fn saved(&self, _results: &Results) {}
    fn starting(&self, _cell: &CellId, _warmup: bool) {}
}

pub fn run(
    plan: &Plan,
    settings: &Settings,
    dest: &Destination,
    rt: &Runtime,
    baseline: Option<(&Path, &Results, bool)>,
    resume: Option<Resume>,
) -> anyhow::Result<Finished> {
    let (driver, interrupt, ui) = (rt.driver, rt.interrupt, rt.ui);
    if let Some(reference) = &settings.reference {
        if !plan.targets.iter().any(|t| &t.name == reference) {
            return Err(BadInput(format!("--reference `{reference}` is not one of the selected targets")).into());
        }
    }
    std::fs::create_dir_all(&dest.out_dir).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dest.out_dir.display()))?;
    let results_path = dest.out_dir.join("results.json");
    let journal = Journal::open(&dest.out_dir.join("runs.jsonl"))
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", dest.out_dir.join("runs.jsonl").display()))?;
    let (targets, workloads, facts) = records_of(plan);
    let cells = plan
        .cells
        .iter()
        .map(|p| {
            let mut c = CellRecord::new(p.id.clone());
            if let CellPlan::Settled { status, reason, hint } = &p.plan {
                c.settle(*status, reason.clone());
                c.hint = hint.clone();
            }
            c
        })
        .collect();
    let meta = match &resume {
        Some(r) => {
            let mut m = r.meta.clone();
            m.resumed.push(machine::utc_now().0);
            m.complete = false;
            m.finished = None;
            m
        }
        None => meta(plan, settings, baseline.map(|(p, _, rerun)| (p, rerun))),
    };
    let mut state = State { meta, targets, workloads, facts, cells, twins: Vec::new(), results_path, journal };
    state.save()?;
    preface(ui, plan);

    let builds = build_phase::run(&plan.builds, settings.rebuild, &settings.launcher, ui);
    for p in &plan.cells {
        if let CellPlan::Build { build, .. } = &p.plan {
            state.record(Entry::Build { cell: p.id.clone(), record: builds[*build].clone() })?;
        }
    }
    state.save()?;

    let mut slots: Vec<Slot> = Vec::new();
    for p in &plan.cells {
        if let CellPlan::Build { build, variant } = &p.plan {
            if builds[*build].ok {
                let request = batch::request(&plan.builds[*build], variant, &scratch_dir(&dest.out_dir, &p.id, Side::Cell));
                slots.push(Slot {
                    side: Side::Cell,
                    id: p.id.clone(),
                    job: RunJob {
                        cell: p.id.clone(),
                        side: Side::Cell,
                        request,
                        variant: variant.clone(),
                        watch: Some(std::sync::Arc::new(Watch::for_cell(&plan.root, &plan.builds[*build].build_dir(), &dest.out_dir))),
                    },
                    label: p.id.to_string(),
                });
            }
        }
    }
    if let Some((_, base, true)) = baseline {
        let (twins, twin_slots) = baseline_twins(base, plan, &slots, &dest.out_dir);
        let bar = ui.bar(0, "");
        ui.say(&bar, &format!("re-running {} baseline build(s) in this session", twins.len()));
        state.twins = twins;
        slots.extend(twin_slots);
    }

    let rotation = Rotation { runs: settings.runs, warmup_runs: settings.warmup_runs, seed: settings.seed, driver, interrupt };
    let bar = ui.bar(slots.len() as u64 * u64::from(settings.warmup_runs + settings.runs.max), "run");
    // A resumed session replays the journal's runs through the same seeded schedule, then goes on.
    let replay = resume.map(|r| crate::drive::replay::Replay::new(driver, r.runs));
    let replayed = replay.as_ref().map_or(0, |r| r.replayed());
    let rotation = Rotation { driver: replay.as_ref().map_or(driver, |r| r as &dyn Driver), ..rotation };
    let end = drive_phase::run(&slots, &rotation, &bar, &mut |event| match event {
        Event::Ran { slot, record } => {
            ui.tick(&bar, "run", &slot.label);
            if let RunOutcome::Failed { status, reason, .. } = &record.outcome {
                ui.say(&bar, &format!("{}: {}: {}", slot.label, status.as_str(), crate::export::view::first_line(reason)));
            }
            let entry = Entry::Run { cell: slot.id.clone(), side: slot.side, record };
            if let Entry::Run { record, .. } = &entry {
                if (record.seq as usize) < replayed {
                    state.remember(entry);
                    return Ok(());
                }
            }
            state.record(entry)
        }
        Event::Starting { slot, warmup } => {
            if let Some(o) = rt.observer {
                o.starting(&slot.id, warmup);
            }
            Ok(())
        }
        Event::RoundDone => state.save().map(|r| {
            if let Some(o) = rt.observer {
                o.saved(&r);
            }
        }),
    })?;
    bar.finish_and_clear();
    if let Some(why) = replay.as_ref().and_then(|r| r.diverged.lock().expect("not poisoned").clone()) {
        return Err(BadInput(why).into());
    }
    let finished = finish::finish(state, end == End::Interrupted, plan, dest, baseline.map(|(p, r, _)| (p, r)), ui)?;
    if let Some(o) = rt.observer {
        o.saved(&finished.results);
    }
    Ok(finished)
}

/// The session as `cargo xtask matrix` runs it: plan, baseline, destination, then `run`.
pub fn plan_for(root: &Path, settings: &Settings) -> anyhow::Result<Plan> {
    plan::plan(root, settings.size, &settings.selection).map_err(|e| match e.downcast::<plan::UnknownName>() {
        Ok(u) => BadInput(u.to_string()).into(),
        Err(e) => match e.downcast::<crate::error::SpecError>() {
            Ok(s) => BadInput(s.to_string()).into(),
            Err(e) => e,
        },
    })
}
