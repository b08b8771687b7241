//! `cargo xtask merge`: shard runs (`matrix --shard I/N`) joined into one run. The shards
//! must be of one plan (same size, workload and target files, git revision); each cell
//! comes from exactly one shard; every figure is recomputed from the raw runs, with ratios
//! between cells of different machines marked cross-machine.

use crate::error::BadInput;
use crate::results::{self, Results, ShardRecord};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Joins `shards` (path, results) into one run; `allow_partial` accepts missing shards.
pub fn merge(mut shards: Vec<(PathBuf, Results)>, allow_partial: bool, command_line: Vec<String>) -> Result<Results, BadInput> {
    if shards.is_empty() {
        return Err(BadInput("merge: no run given; name each shard's run directory".into()));
    };
    for (path, r) in &shards {
        if r.meta.shard.is_none() {
            return Err(BadInput(format!(
                "merge: {} is not a shard run (no meta.shard); run it with `matrix --shard I/N`",
                path.display()
            )));
        }
    }
    shards.sort_by_key(|(_, r)| r.meta.shard.as_ref().map(|s| s.index));
    let (p0, r0) = &shards[0];
    let s0 = r0.meta.shard.clone().expect("checked");
    for (p, r) in &shards[1..] {
        let s = r.meta.shard.as_ref().expect("checked");
        let differ = |field: &str, a: String, b: String| {
            BadInput(format!("merge: {field} differs: {a} in {} but {b} in {}; merge only shards of one plan", p0.display(), p.display()))
        };
        if s.count != s0.count {
            return Err(differ("the shard count (meta.shard.count)", s0.count.to_string(), s.count.to_string()));
        }
        if s.index == s0.index || shards.iter().filter(|(_, x)| x.meta.shard.as_ref().map(|y| y.index) == Some(s.index)).count() > 1 {
            return Err(BadInput(format!("merge: shard {}/{} is given twice ({} and another)", s.index, s.count, p.display())));
        }
        if r.meta.size != r0.meta.size {
            return Err(differ("the size (meta.size)", r0.meta.size.to_string(), r.meta.size.to_string()));
        }
        if r.meta.git_revision != r0.meta.git_revision {
            let rev = |x: &Option<String>| x.clone().unwrap_or_else(|| "none".into());
            return Err(differ("the git revision (meta.git_revision)", rev(&r0.meta.git_revision), rev(&r.meta.git_revision)));
        }
        if r.meta.inputs != r0.meta.inputs {
            let file = r0.meta.inputs.keys().chain(r.meta.inputs.keys()).find(|f| r0.meta.inputs.get(*f) != r.meta.inputs.get(*f));
            let file = file.cloned().unwrap_or_default();
            let digest = |x: &Results| x.meta.inputs.get(&file).cloned().unwrap_or_else(|| "absent".into());
            return Err(differ(&format!("the workload/target file {file} (meta.inputs)"), digest(r0), digest(r)));
        }
        if r.meta.selected_workloads != r0.meta.selected_workloads || r.meta.selected_targets != r0.meta.selected_targets {
            let sel = |x: &Results| format!("workloads {:?}, targets {:?}", x.meta.selected_workloads, x.meta.selected_targets);
            return Err(differ("the selection (meta.selected_workloads/targets)", sel(r0), sel(r)));
        }
    }
    let missing: Vec<String> = (1..=s0.count)
        .filter(|i| !shards.iter().any(|(_, r)| r.meta.shard.as_ref().map(|s| s.index) == Some(*i)))
        .map(|i| format!("{i}/{}", s0.count))
        .collect();
    if !missing.is_empty() && !allow_partial {
        return Err(BadInput(format!(
            "merge: shard(s) {} missing (given: {}); pass every shard's run, or --allow-partial",
            missing.join(", "),
            shards.iter().map(|(p, _)| p.display().to_string()).collect::<Vec<_>>().join(", ")
        )));
    }
    let mut owner: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut merged = r0.clone();
    merged.cells.clear();
    merged.baseline_rerun.clear();
    for (path, r) in &shards {
        for c in &r.cells {
            if let Some(other) = owner.insert(c.id.key(), path.clone()) {
                return Err(BadInput(format!(
                    "merge: cell {} is in both {} and {}; each cell belongs to one shard",
                    c.id,
                    other.display(),
                    path.display()
                )));
            }
        }
        let s = r.meta.shard.as_ref().expect("checked");
        merged.meta.shards.push(ShardRecord {
            index: s.index,
            count: s.count,
            started: r.meta.started.clone(),
            finished: r.meta.finished.clone(),
            machine: r.meta.machine.clone(),
            machine_label: results::machine_label(&r.meta.machine),
            cells: r.cells.iter().map(|c| c.id.key()).collect(),
        });
        merged.cells.extend(r.cells.iter().cloned());
        merged.baseline_rerun.extend(r.baseline_rerun.iter().cloned());
        merged.meta.git_dirty |= r.meta.git_dirty;
        merged.meta.complete &= r.meta.complete;
    }
    // Plan order: workload by workload, target by target, column by column.
    let wpos: BTreeMap<&str, usize> = merged.workloads.iter().enumerate().map(|(i, w)| (w.name.as_str(), i)).collect();
    let tpos: BTreeMap<&str, usize> = merged.targets.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
    let columns = merged.columns();
    let order = |c: &results::Cell| {
        (
            wpos.get(c.id.workload.as_str()).copied().unwrap_or(usize::MAX),
            tpos.get(c.id.target.as_str()).copied().unwrap_or(usize::MAX),
            columns.iter().position(|x| *x == c.id.column()).unwrap_or(usize::MAX),
        )
    };
    merged.cells.sort_by_key(|c| order(c));
    merged.meta.complete &= missing.is_empty();
    merged.meta.started = shards.iter().map(|(_, r)| r.meta.started.clone()).min().unwrap_or_default();
    merged.meta.finished = shards.iter().map(|(_, r)| r.meta.finished.clone()).max().flatten();
    merged.meta.shard = None;
    merged.meta.command_line = command_line;
    merged.meta.resumed.clear();
    merged.reanalyse();
    Ok(merged)
}
