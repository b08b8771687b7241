//! `matrix --resume DIR`: what an interrupted run recorded, and whether it may be continued —
//! only when its workload and target files, its toolchains and its sources are what they were.

use super::Resume;
use crate::error::BadInput;
use crate::plan::{CellPlan, Plan};
use crate::probe::Availability;
use crate::records::{self, Entry};
use crate::results::{self, Results};
use std::path::Path;

/// The interrupted run in `dir`: its results and its journal.
pub fn load(dir: &Path) -> Result<(Results, Vec<Entry>), BadInput> {
    let previous = results::load(dir).map_err(|e| BadInput(format!("--resume: {e}")))?;
    if previous.meta.complete {
        return Err(BadInput(format!("--resume: {} is a complete run; there is nothing to resume", dir.display())));
    }
    let journal = records::read_journal(&dir.join("runs.jsonl")).map_err(|e| BadInput(format!("--resume: {e}")))?;
    Ok((previous, journal))
}

/// Why the plan made now differs from the one the run was started with (empty: it does not).
pub fn differences(previous: &Results, plan: &Plan, journal: &[Entry]) -> Vec<String> {
    let mut out = Vec::new();
    let now = super::inputs_of(plan);
    for (file, digest) in &previous.meta.inputs {
        match now.get(file) {
            Some(d) if d == digest => {}
            Some(_) => out.push(format!("{file} changed")),
            None => out.push(format!("{file} is gone")),
        }
    }
    for file in now.keys().filter(|f| !previous.meta.inputs.contains_key(*f)) {
        out.push(format!("{file} is new"));
    }
    let version = |a: &Availability| match a {
        Availability::Available { version, versions, settings, .. } => {
            Some(format!("{version}; {}; {}", versions.join("; "), settings.join("; ")))
        }
        Availability::Missing { .. } => None,
    };
    for t in &previous.targets {
        let now = plan.targets.iter().find(|p| p.name == t.name).and_then(|p| p.availability.as_ref());
        match (version(&t.availability), now.and_then(version)) {
            (Some(a), Some(b)) if a != b => out.push(format!("the toolchain of `{}` changed: {a} -> {b}", t.name)),
            (Some(_), None) => out.push(format!("target `{}` is no longer available", t.name)),
            (None, Some(_)) => out.push(format!("target `{}` became available", t.name)),
            _ => {}
        }
    }
    for entry in journal {
        if let Entry::Build { cell, record } = entry {
            let key = plan.cells.iter().find(|c| &c.id == cell).and_then(|c| match &c.plan {
                CellPlan::Build { build, .. } => plan.builds[*build].key.clone().ok(),
                CellPlan::Settled { .. } => None,
            });
            if record.ok && key.as_deref() != Some(record.key.as_str()) {
                out.push(format!("the sources, runner or target file of {cell} changed (build key)"));
            }
        }
    }
    out.dedup();
    out
}

/// What the session needs to continue: the recorded meta and the journal's runs.
pub fn resume_of(previous: Results, journal: Vec<Entry>) -> Resume {
    let runs = journal
        .into_iter()
        .filter_map(|e| match e {
            Entry::Run { cell, side, record } => Some((cell, side, *record)),
            Entry::Build { .. } => None,
        })
        .collect();
    Resume { meta: previous.meta, runs }
}
