//! `matrix --shard I/N`: which planned cells one shard runs. The slice is deterministic for
//! the same plan and balanced: by each cell's duration in the latest stored run that has it
//! (greedy longest-processing-time, ties by cell id), else dealt round-robin target by target
//! so every shard gets a mix of targets.

use crate::ids::CellId;
use crate::records::Status;
use crate::results::Results;
use crate::spec::Size;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Shard `index` of `count` (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}` is not a shard; write I/N with 1 <= I <= N, e.g. --shard 2/3");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// A shard as results.json records it: which slice, of how many cells in the whole plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardMeta {
    pub index: u32,
    pub count: u32,
    /// The whole plan's cell count (every shard's cells together).
    pub planned_cells: usize,
    /// Whether the slice was balanced by stored durations (else dealt round-robin by target).
    pub balanced_by_history: bool,
}

/// Per cell: the seconds its runs took in the most recent stored run of this size that has it.
pub fn durations<'a>(runs: impl IntoIterator<Item = &'a Results>, size: Size) -> BTreeMap<CellId, f64> {
    let mut runs: Vec<&Results> = runs.into_iter().filter(|r| r.meta.size == size).collect();
    runs.sort_by(|a, b| b.meta.started.cmp(&a.meta.started));
    let mut out = BTreeMap::new();
    for r in runs {
        for c in r.cells.iter().filter(|c| c.status == Status::Ok) {
            let secs: f64 = c.runs.iter().map(|x| x.record.raw.wall_ns as f64 / 1e9).sum();
            out.entry(c.id.clone()).or_insert(secs);
        }
    }
    out
}

/// The shard (1-based) of every cell. With durations (non-empty): longest first onto the
/// least-loaded shard (cells without a duration cost the mean of the known ones). Without:
/// cells in (target, id) order dealt to shards 1, 2, …, N, 1, …
pub fn assign(cells: &[CellId], durations: &BTreeMap<CellId, f64>, count: u32) -> BTreeMap<CellId, u32> {
    let mut ids: Vec<&CellId> = cells.iter().collect();
    ids.sort();
    ids.dedup();
    let mut out = BTreeMap::new();
    if durations.is_empty() {
        ids.sort_by(|a, b| (&a.target, *a).cmp(&(&b.target, *b)));
        for (k, id) in ids.into_iter().enumerate() {
            out.insert(id.clone(), (k as u32 % count) + 1);
        }
        return out;
    }
    let known: Vec<f64> = ids.iter().filter_map(|id| durations.get(*id).copied()).collect();
    let mean = if known.is_empty() { 1.0 } else { known.iter().sum::<f64>() / known.len() as f64 };
    let mut weighted: Vec<(f64, &CellId)> = ids.into_iter().map(|id| (durations.get(id).copied().unwrap_or(mean), id)).collect();
    // Longest first; equal durations in id order (the sort is stable).
    weighted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut load = vec![0.0f64; count as usize];
    for (w, id) in weighted {
        let (shard, _) = load.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)).expect("count >= 1");
        load[shard] += w;
        out.insert(id.clone(), shard as u32 + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_only_as_i_of_n() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "1/0", "x", "1/", "/3", "1/3/4", "-1/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    fn ids() -> Vec<CellId> {
        let mut v = Vec::new();
        for w in ["a", "b", "c", "d"] {
            for t in ["x", "y", "z"] {
                v.push(CellId::new(w, None, t));
            }
        }
        v
    }

    #[test]
    fn round_robin_gives_each_shard_a_mix_of_targets() {
        let a = assign(&ids(), &BTreeMap::new(), 3);
        for shard in 1..=3 {
            let targets: std::collections::BTreeSet<&str> =
                a.iter().filter(|(_, s)| **s == shard).map(|(c, _)| c.target.as_str()).collect();
            assert_eq!(targets.len(), 3, "shard {shard}: {targets:?}");
        }
        let mut shuffled = ids();
        shuffled.reverse();
        assert_eq!(assign(&shuffled, &BTreeMap::new(), 3), a, "the plan's order does not matter");
    }

    #[test]
    fn durations_balance_the_load() {
        let cells = ids();
        // One long cell and many short ones: the long one gets a shard to itself.
        let mut d: BTreeMap<CellId, f64> = cells.iter().map(|c| (c.clone(), 1.0)).collect();
        d.insert(cells[0].clone(), 6.0);
        let a = assign(&cells, &d, 3);
        let load = |s: u32| a.iter().filter(|(_, x)| **x == s).map(|(c, _)| d[c]).sum::<f64>();
        assert_eq!(a.iter().filter(|(_, s)| **s == a[&cells[0]]).count(), 1);
        assert_eq!((load(1), load(2), load(3)), (6.0, 6.0, 5.0));
        assert_eq!(assign(&cells, &d, 3), a, "deterministic");
    }
}
