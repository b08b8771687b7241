//! How a cell is run: the `Driver` seam between the session (which decides what runs when)
//! and the thing that runs it. `batch` runs a program once under the launcher; `fake` is a
//! scripted test double so scheduling and analysis are tested without processes; `service`
//! starts a server and puts it under load; `client` runs an HTTP client against the mock API;
//! `ByKind` sends each job to the one its workload needs.

pub mod batch;
pub mod client;
pub mod fake;
pub mod replay;
pub mod service;
pub mod watch;

use crate::measure::Request;
use crate::records::RunRecord;
use crate::spec::Variant;

/// One run to make: what to start, and what its output must be.
#[derive(Debug, Clone)]
pub struct RunJob {
    /// The cell this run is of, and whether it is a baseline build re-run.
    pub cell: crate::ids::CellId,
    pub side: crate::records::Side,
    pub request: Request,
    pub variant: Variant,
    /// What the program must not write to (checked before and after the run).
    pub watch: Option<std::sync::Arc<watch::Watch>>,
}

/// Runs a cell once and judges the run.
pub trait Driver: Sync {
    /// Never fails: a run that could not even be made comes back as a failed run record.
    fn run(&self, job: &RunJob, warmup: bool, seq: u32) -> RunRecord;
}

/// Sends batch, service and client jobs each to their driver.
pub struct ByKind<'a> {
    pub batch: &'a dyn Driver,
    pub service: &'a dyn Driver,
    pub client: &'a dyn Driver,
}

impl Driver for ByKind<'_> {
    fn run(&self, job: &RunJob, warmup: bool, seq: u32) -> RunRecord {
        match job.variant.kind {
            crate::spec::workload::Kind::Batch => self.batch.run(job, warmup, seq),
            crate::spec::workload::Kind::Service => self.service.run(job, warmup, seq),
            crate::spec::workload::Kind::Client => self.client.run(job, warmup, seq),
        }
    }
}
