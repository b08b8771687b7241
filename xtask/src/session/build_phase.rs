//! The build phase: every cell's build, side by side (one per core; nothing is measured
//! meanwhile), each reused when its content hash is unchanged.

use super::progress::Ui;
use crate::build::{self, BuildJob};
use crate::records::BuildRecord;
use std::sync::Mutex;

/// Builds every job; the records come back in the jobs' order.
pub fn run(jobs: &[BuildJob], rebuild: bool, launcher: &std::path::Path, ui: &Ui) -> Vec<BuildRecord> {
    let bar = ui.bar(jobs.len() as u64, "build");
    let records = Mutex::new(Vec::new());
    let queue = Mutex::new(jobs.iter().enumerate());
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(jobs.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let Some((i, job)) = queue.lock().expect("not poisoned").next() else { break };
                bar.set_message(format!("{} × {}", job.workload, job.target.name));
                let record = build::build(job, rebuild, launcher);
                if let Some(why) = &record.rebuilt_because {
                    ui.say(&bar, &format!("{} × {}: rebuilt: {why}", job.workload, job.target.name));
                }
                if !record.ok {
                    ui.say(
                        &bar,
                        &format!("{} × {}: build failed: {}", job.workload, job.target.name, build::last_error_line(&record.log_tail)),
                    );
                }
                bar.inc(1);
                ui.tick(&bar, "build", &format!("{} × {}", job.workload, job.target.name));
                records.lock().expect("not poisoned").push((i, record));
            });
        }
    });
    bar.finish_and_clear();
    let mut records = records.into_inner().expect("not poisoned");
    records.sort_by_key(|(i, _)| *i);
    records.into_iter().map(|(_, r)| r).collect()
}
