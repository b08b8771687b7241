//! The drive phase: a warm-up round, then measured rounds until every slot has its runs (or
//! failed), each round every active slot once in an order shuffled from the seed. Runs go one
//! at a time: two measured programs on a 2-core machine disturb each other.

use crate::drive::{Driver, RunJob};
use crate::metric::Metric;
use crate::records::{RunOutcome, RunRecord, Side};
use crate::schedule::{self, Runs};
use crate::stats::Rng;
use indicatif::ProgressBar;
use std::sync::atomic::{AtomicBool, Ordering};

/// A place in the rotation: a cell of this session or a re-run baseline build.
#[derive(Debug, Clone)]
pub struct Slot {
    pub side: Side,
    pub id: crate::ids::CellId,
    pub job: RunJob,
    /// For progress lines: `nbody × rust` or `nbody × rust (baseline)`.
    pub label: String,
}

/// What the drive phase hands back as it goes.
pub enum Event<'a> {
    /// A run is about to start.
    Starting {
        slot: &'a Slot,
        warmup: bool,
    },
    Ran {
        slot: &'a Slot,
        record: Box<RunRecord>,
    },
    /// A round ended: a good moment to write results.json.
    RoundDone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Completed,
    Interrupted,
}

pub struct Rotation<'a> {
    pub runs: Runs,
    pub warmup_runs: u32,
    pub seed: u64,
    pub driver: &'a dyn Driver,
    pub interrupt: &'a AtomicBool,
}

/// Runs the rounds; every run is handed to `sink` the moment it ends.
pub fn run(
    slots: &[Slot],
    rotation: &Rotation,
    bar: &ProgressBar,
    sink: &mut dyn FnMut(Event) -> std::io::Result<()>,
) -> std::io::Result<End> {
    let mut rng = Rng::new(rotation.seed);
    let mut active: Vec<usize> = (0..slots.len()).collect();
    let mut walls: Vec<Vec<f64>> = vec![Vec::new(); slots.len()];
    let mut seq = 0u32;
    let rounds = rotation.warmup_runs + rotation.runs.max;
    for round in 0..rounds {
        let warmup = round < rotation.warmup_runs;
        let done = round.saturating_sub(rotation.warmup_runs);
        let wanted: Vec<usize> = if warmup {
            active.clone()
        } else {
            active.iter().copied().filter(|&i| schedule::wants_more(done, &walls[i], &rotation.runs, &mut rng)).collect()
        };
        if wanted.is_empty() {
            break;
        }
        for i in schedule::round(&wanted, &mut rng) {
            if rotation.interrupt.load(Ordering::SeqCst) {
                return Ok(End::Interrupted);
            }
            let slot = &slots[i];
            bar.set_message(format!("{}{}", slot.label, if warmup { " (warm-up)" } else { "" }));
            sink(Event::Starting { slot, warmup })?;
            let record = rotation.driver.run(&slot.job, warmup, seq);
            seq += 1;
            bar.inc(1);
            match &record.outcome {
                RunOutcome::Interrupted => return Ok(End::Interrupted),
                RunOutcome::Failed { .. } => active.retain(|&a| a != i),
                RunOutcome::Ok if !warmup => walls[i].extend(Metric::WallMs.of_run(&record, None)),
                RunOutcome::Ok => {}
            }
            sink(Event::Ran { slot, record: Box::new(record) })?;
        }
        sink(Event::RoundDone)?;
    }
    Ok(End::Completed)
}
