//! Turns the spec files and the command line into the cells of a matrix, with each
//! target's availability probed once.

use crate::error::SpecError;
use crate::paths;
use crate::probe::{self, Availability};
use crate::spec::{target, workload, Target, Workload};
use std::path::{Path, PathBuf};

pub struct Plan {
    pub root: PathBuf,
    /// Selected workloads in name order; a broken file is kept with its error.
    pub workloads: Vec<(String, Result<Workload, SpecError>)>,
    /// Selected targets in name order, each with its probe (none when the file is broken).
    pub targets: Vec<PlannedTarget>,
}

pub struct PlannedTarget {
    pub name: String,
    pub spec: Result<Target, SpecError>,
    pub availability: Option<Availability>,
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

pub fn plan(root: &Path, workloads: Option<&[String]>, targets: Option<&[String]>) -> anyhow::Result<Plan> {
    let workloads = select("workload", workload::load_all(&paths::workloads_dir(root))?, workloads)?;
    let targets = select("target", target::load_all(&paths::targets_dir(root))?, targets)?;
    // Probes run version commands (a JVM start is ~100 ms): do them side by side.
    let targets = std::thread::scope(|s| {
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
    Ok(Plan { root: root.to_path_buf(), workloads, targets })
}
