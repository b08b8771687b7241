//! Turns the spec files and a selection into the cells of a matrix at one size: every cell
//! either buildable (with its build and its variant) or settled at once (skipped, invalid,
//! not implemented), with each target's availability probed once.

use crate::build::BuildJob;
use crate::error::SpecError;
use crate::ids::CellId;
use crate::paths;
use crate::probe::{self, Availability};
use crate::records::Status;
use crate::spec::{target, workload, Size, Target, Variant, Workload};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Which workloads and targets take part (all when `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub workloads: Option<Vec<String>>,
    pub targets: Option<Vec<String>>,
}

pub struct Plan {
    pub root: PathBuf,
    pub size: Size,
    /// Selected workloads in name order; a broken file is kept with its error.
    pub workloads: Vec<(String, Result<Workload, SpecError>)>,
    /// Selected targets in name order, each with its probe (none when the file is broken).
    pub targets: Vec<PlannedTarget>,
    /// One build per workload × target that can be built (shared by the axis values).
    pub builds: Vec<BuildJob>,
    /// Every cell, workload by workload, column by column (in the file's order), target by target.
    pub cells: Vec<PlannedCell>,
    /// Set when only one shard's slice of the cells is kept (`matrix --shard`).
    pub shard: Option<crate::shard::ShardMeta>,
}

pub struct PlannedTarget {
    pub name: String,
    pub spec: Result<Target, SpecError>,
    pub availability: Option<Availability>,
}

pub struct PlannedCell {
    pub id: CellId,
    pub plan: CellPlan,
}

pub enum CellPlan {
    /// Built by `builds[build]`, then run as `variant`.
    Build { build: usize, variant: Variant },
    /// Decided before any work: skipped, invalid or not implemented, with the reason.
    Settled { status: Status, reason: String, hint: Option<String> },
}

/// A `--workloads`/`--targets` name that matches nothing: bad input, reported before any work.
#[derive(Debug, thiserror::Error)]
#[error("unknown {kind} `{name}`; known: {known}")]
pub struct UnknownName {
    pub kind: &'static str,
    pub name: String,
    pub known: String,
}

fn select<T>(kind: &'static str, all: Vec<(String, T)>, wanted: Option<&[String]>) -> Result<Vec<(String, T)>, UnknownName> {
    let Some(wanted) = wanted else { return Ok(all) };
    let known = all.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ");
    if let Some(name) = wanted.iter().find(|w| !all.iter().any(|(n, _)| n == *w)) {
        return Err(UnknownName { kind, name: name.clone(), known });
    }
    Ok(all.into_iter().filter(|(n, _)| wanted.contains(n)).collect())
}

/// What a target's toolchain is, as one text: a change means a rebuild.
fn toolchain_fingerprint(target: &Target, binaries: &BTreeMap<String, String>, version: &str, versions: &[String]) -> String {
    format!("{}\n{version}\n{}\n{binaries:?}", target.name, versions.join("\n"))
}

pub fn plan(root: &Path, size: Size, selection: &Selection) -> anyhow::Result<Plan> {
    let workloads = select("workload", workload::load_all(&paths::workloads_dir(root))?, selection.workloads.as_deref())?;
    let targets = select("target", target::load_all(&paths::targets_dir(root))?, selection.targets.as_deref())?;
    // Probes run version commands (a JVM start is ~100 ms): do them side by side.
    let targets: Vec<PlannedTarget> = std::thread::scope(|s| {
        let handles: Vec<_> = targets
            .into_iter()
            .map(|(name, spec)| {
                s.spawn(move || {
                    let availability = spec.as_ref().ok().map(probe::probe);
                    PlannedTarget { name, spec, availability }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("probe threads do not panic")).collect()
    });

    let mut builds = Vec::new();
    let mut cells = Vec::new();
    for (wname, w) in &workloads {
        let columns = match w {
            Ok(w) => w.columns(size),
            Err(_) => vec![crate::ids::Column::plain(wname)],
        };
        for t in &targets {
            // A library target's other workloads are not cells at all (not "not implemented").
            if t.spec.as_ref().is_ok_and(|target| !target.measures(wname)) {
                continue;
            }
            // One build serves every column of the workload on this target.
            let mut build: Option<usize> = None;
            for column in &columns {
                let settled = |status, reason: String, hint| CellPlan::Settled { status, reason, hint };
                let plan = match (w, &t.spec, &t.availability) {
                    (Err(e), _, _) => settled(Status::Invalid, format!("workload file is invalid: {e}"), None),
                    (_, Err(e), _) => settled(Status::Invalid, format!("target file is invalid: {e}"), None),
                    (Ok(w), Ok(target), _) if w.missing_on(&target.source, Some(&t.name)).is_some() => {
                        settled(Status::NotImplemented, w.missing_on(&target.source, Some(&t.name)).unwrap_or_default(), None)
                    }
                    (Ok(_), Ok(_), Some(Availability::Missing { reason, install, .. })) => {
                        settled(Status::Skipped, reason.clone(), Some(install.clone()))
                    }
                    (Ok(w), Ok(target), Some(Availability::Available { binaries, version, versions, .. })) => {
                        let index = *build.get_or_insert_with(|| {
                            builds.push(BuildJob::new(
                                root,
                                w,
                                target,
                                binaries.clone(),
                                toolchain_fingerprint(target, binaries, version, versions),
                            ));
                            builds.len() - 1
                        });
                        CellPlan::Build { build: index, variant: w.variant(size, column) }
                    }
                    (Ok(_), Ok(_), None) => unreachable!("every valid target is probed"),
                };
                cells.push(PlannedCell { id: column.cell(&t.name), plan });
            }
        }
    }
    Ok(Plan { root: root.to_path_buf(), size, workloads, targets, builds, cells, shard: None })
}

impl Plan {
    /// Keeps only the cells `keep` says (one shard's slice) and the builds they need.
    pub fn retain_cells(&mut self, keep: impl Fn(&CellId) -> bool) {
        self.cells.retain(|c| keep(&c.id));
        let mut used: Vec<usize> = self
            .cells
            .iter()
            .filter_map(|c| match &c.plan {
                CellPlan::Build { build, .. } => Some(*build),
                CellPlan::Settled { .. } => None,
            })
            .collect();
        used.sort_unstable();
        used.dedup();
        let builds = std::mem::take(&mut self.builds);
        let mut renumber = BTreeMap::new();
        for (new, (old, job)) in builds.into_iter().enumerate().filter(|(i, _)| used.binary_search(i).is_ok()).enumerate() {
            renumber.insert(old, new);
            self.builds.push(job);
        }
        for c in &mut self.cells {
            if let CellPlan::Build { build, .. } = &mut c.plan {
                *build = renumber[build];
            }
        }
    }

    /// Keeps shard `shard`'s slice, balanced by `durations` (see `shard::assign`).
    pub fn keep_shard(&mut self, shard: crate::shard::Shard, durations: &BTreeMap<CellId, f64>) {
        let ids: Vec<CellId> = self.cells.iter().map(|c| c.id.clone()).collect();
        let assigned = crate::shard::assign(&ids, durations, shard.count);
        self.shard = Some(crate::shard::ShardMeta {
            index: shard.index,
            count: shard.count,
            planned_cells: ids.len(),
            balanced_by_history: !durations.is_empty(),
        });
        self.retain_cells(|id| assigned.get(id) == Some(&shard.index));
    }

    pub fn workload(&self, name: &str) -> Option<&Workload> {
        self.workloads.iter().find(|(n, _)| n == name).and_then(|(_, w)| w.as_ref().ok())
    }

    pub fn target(&self, name: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.name == name).and_then(|t| t.spec.as_ref().ok())
    }
}
