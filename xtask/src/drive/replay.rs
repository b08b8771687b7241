//! Resuming an interrupted session: the runs already in the journal are handed back in the
//! order the seeded schedule asks for them, so the resumed session makes exactly the decisions
//! the uninterrupted one would have made; the first run the journal lacks is run for real.

use super::{Driver, RunJob};
use crate::ids::CellId;
use crate::records::{RunOutcome, RunRecord, Side};
use std::sync::Mutex;

pub struct Replay<'a> {
    inner: &'a dyn Driver,
    /// Recorded runs by their sequence number: `recorded[i].2.seq == i`.
    recorded: Vec<(CellId, Side, RunRecord)>,
    /// Set when the schedule asked for a run the journal has for another cell.
    pub diverged: Mutex<Option<String>>,
}

impl<'a> Replay<'a> {
    /// The recorded runs must be numbered 0, 1, 2 ... (the journal's runs, sorted by `seq`).
    pub fn new(inner: &'a dyn Driver, mut recorded: Vec<(CellId, Side, RunRecord)>) -> Replay<'a> {
        recorded.sort_by_key(|(_, _, r)| r.seq);
        let contiguous = recorded.iter().enumerate().take_while(|(i, (_, _, r))| r.seq as usize == *i).count();
        recorded.truncate(contiguous);
        Replay { inner, recorded, diverged: Mutex::new(None) }
    }

    /// How many runs are replayed rather than run.
    pub fn replayed(&self) -> usize {
        self.recorded.len()
    }
}

impl Driver for Replay<'_> {
    fn run(&self, job: &RunJob, warmup: bool, seq: u32) -> RunRecord {
        match self.recorded.get(seq as usize) {
            Some((cell, side, record)) if *cell == job.cell && *side == job.side && record.warmup == warmup => record.clone(),
            Some((cell, _, _)) => {
                *self.diverged.lock().expect("not poisoned") = Some(format!(
                    "the journal's run {seq} is of {cell}, but the schedule now asks for {}: the run cannot be resumed faithfully",
                    job.cell
                ));
                let mut r = record_like(job, warmup, seq);
                r.outcome = RunOutcome::Interrupted;
                r
            }
            None => self.inner.run(job, warmup, seq),
        }
    }
}

/// An empty record for a run that was not made.
fn record_like(job: &RunJob, warmup: bool, seq: u32) -> RunRecord {
    super::fake::record(job, warmup, seq, &super::fake::Script::ok(0.0))
}
