//! Targets ranked across workloads by the geometric mean of their ratio to each column's
//! fastest cell, with a bootstrap interval, over the columns every ranked target completed.

use super::{CellSummary, Input};
use crate::ids::{CellId, Column};
use crate::metric::Metric;
use crate::records::{CellRecord, Status};
use crate::stats::{self, Estimate, Rng, RESAMPLES};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    /// The columns the geometric means are taken over.
    pub columns: Vec<Column>,
    /// Best first.
    pub entries: Vec<RankEntry>,
    /// Targets not ranked, and why.
    pub excluded: Vec<Excluded>,
    /// Columns left out because some ranked target did not complete them.
    pub left_out: Vec<Column>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankEntry {
    pub target: String,
    /// Geometric mean of the wall-time ratios to each column's fastest, with its interval.
    pub geomean: Estimate,
    /// Columns in which this target was the fastest.
    pub fastest_in: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Excluded {
    pub target: String,
    pub reason: String,
}

pub fn rank(input: &Input, summaries: &BTreeMap<CellId, CellSummary>) -> Ranking {
    let candidates: Vec<Column> = input.workloads.iter().filter(|w| !w.baseline).flat_map(|w| w.columns.iter().cloned()).collect();
    let ok = |id: &CellId| summaries.contains_key(id) && input.cells.iter().any(|c| &c.id == id && c.status == Status::Ok);
    let mut targets: Vec<String> = Vec::new();
    for c in input.cells {
        if !targets.contains(&c.id.target) {
            targets.push(c.id.target.clone());
        }
    }
    let mut excluded = Vec::new();
    let completed = |t: &str| candidates.iter().filter(|col| ok(&col.cell(t))).count();
    targets.retain(|t| {
        let keep = completed(t) > 0;
        if !keep {
            excluded.push(Excluded { target: t.clone(), reason: "no verified cell in the ranked columns".into() });
        }
        keep
    });
    // Drop the least complete target until some columns are shared by all that remain.
    let columns = loop {
        if targets.is_empty() {
            break Vec::new();
        }
        let shared: Vec<Column> = candidates.iter().filter(|col| targets.iter().all(|t| ok(&col.cell(t)))).cloned().collect();
        if !shared.is_empty() {
            break shared;
        }
        let (i, worst) = targets
            .iter()
            .enumerate()
            .min_by_key(|(_, t)| (completed(t), std::cmp::Reverse((*t).clone())))
            .map(|(i, t)| (i, t.clone()))
            .expect("not empty");
        excluded
            .push(Excluded { target: worst.clone(), reason: format!("completed {} of {} columns", completed(&worst), candidates.len()) });
        targets.remove(i);
    };
    if columns.is_empty() {
        return Ranking { excluded, ..Ranking::default() };
    }
    let left_out = candidates.iter().filter(|c| !columns.contains(c)).cloned().collect();
    let cell = |col: &Column, t: &str| -> &CellRecord { input.cells.iter().find(|c| c.id == col.cell(t)).expect("ranked cells exist") };
    let wall = |col: &Column, t: &str| Metric::WallMs.samples(&cell(col, t).runs);
    let fastest: Vec<String> = columns
        .iter()
        .map(|col| {
            targets
                .iter()
                .min_by(|a, b| summaries[&col.cell(a)].wall_ms.median.total_cmp(&summaries[&col.cell(b)].wall_ms.median))
                .cloned()
                .expect("targets")
        })
        .collect();
    let samples: Vec<Vec<Vec<f64>>> = columns.iter().map(|col| targets.iter().map(|t| wall(col, t)).collect()).collect();
    let fastest_samples: Vec<Vec<f64>> = columns.iter().zip(&fastest).map(|(col, f)| wall(col, f)).collect();

    let geomean = |logs: &[f64]| (logs.iter().sum::<f64>() / logs.len() as f64).exp();
    let point: Vec<f64> = (0..targets.len())
        .map(|ti| {
            geomean(
                &(0..columns.len())
                    .map(|ci| (stats::median(&samples[ci][ti]) / stats::median(&fastest_samples[ci])).ln())
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let mut rng = Rng::new(input.seed ^ 0x7a4c);
    let mut reps: Vec<Vec<f64>> = vec![Vec::with_capacity(RESAMPLES); targets.len()];
    let mut buf = Vec::new();
    let mut resampled_median = |v: &[f64], rng: &mut Rng| {
        buf.clear();
        buf.extend((0..v.len()).map(|_| v[rng.below(v.len())]));
        stats::median(&buf)
    };
    for _ in 0..RESAMPLES {
        let mut logs = vec![0.0; targets.len()];
        for ci in 0..columns.len() {
            let f = resampled_median(&fastest_samples[ci], &mut rng);
            for (ti, log) in logs.iter_mut().enumerate() {
                *log += (resampled_median(&samples[ci][ti], &mut rng) / f).ln();
            }
        }
        for (ti, log) in logs.iter().enumerate() {
            reps[ti].push((log / columns.len() as f64).exp());
        }
    }
    let mut entries: Vec<RankEntry> = targets
        .iter()
        .enumerate()
        .map(|(ti, t)| {
            reps[ti].sort_by(|a, b| a.total_cmp(b));
            RankEntry {
                target: t.clone(),
                geomean: Estimate {
                    value: point[ti],
                    lo: stats::quantile_sorted(&reps[ti], 0.025),
                    hi: stats::quantile_sorted(&reps[ti], 0.975),
                },
                fastest_in: fastest.iter().filter(|f| *f == t).count() as u32,
            }
        })
        .collect();
    entries.sort_by(|a, b| a.geomean.value.total_cmp(&b.geomean.value).then(a.target.cmp(&b.target)));
    Ranking { columns, entries, excluded, left_out }
}
