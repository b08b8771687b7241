//! Whether a run's machine looked fit to publish from: frequency scaling, other load, and the
//! share of runs the analysis found disturbed (METHODOLOGY.md, "Machine fitness").

use crate::machine::Conditions;
use serde::{Deserialize, Serialize};

/// A load average above this share of the cores means other work competed for them.
const BUSY_LOAD_PER_CORE: f64 = 0.5;
/// More than this share of disturbed runs makes the run's figures suspect.
const DISTURBED_SHARE: f64 = 0.10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fitness {
    /// No reason was found to distrust the figures.
    pub fit: bool,
    /// What makes it unfit, then what could not be checked or deserves a look.
    pub problems: Vec<String>,
    pub cautions: Vec<String>,
}

/// Judges the conditions at the start and the end of a run on `cores` cores, of which
/// `disturbed` of `measured` runs were disturbed.
pub fn judge(start: Option<&Conditions>, end: Option<&Conditions>, cores: usize, measured: u64, disturbed: u64) -> Fitness {
    let mut problems = Vec::new();
    let mut cautions = Vec::new();
    let seen: Vec<&Conditions> = start.into_iter().chain(end).collect();
    if seen.is_empty() {
        cautions.push("the machine's conditions were not recorded (a run from an older benchmatrix)".into());
    }
    let mut governors: Vec<&str> = seen.iter().flat_map(|c| c.governors.iter().map(String::as_str)).collect();
    governors.sort();
    governors.dedup();
    if !seen.is_empty() && governors.is_empty() {
        cautions.push("no CPU frequency interface (a virtual machine?): frequency scaling could not be checked".into());
    }
    let scaling: Vec<&str> = governors.iter().copied().filter(|g| *g != "performance").collect();
    if !scaling.is_empty() {
        problems.push(format!(
            "CPU frequency governor `{}`: clocks follow the load, so figures depend on what ran before; set `performance` (cpupower frequency-set -g performance)",
            scaling.join("`, `")
        ));
    }
    if seen.iter().any(|c| c.boost == Some(true)) {
        cautions.push("turbo/boost is on: clocks depend on temperature and on how many cores are busy".into());
    }
    let cores = cores.max(1) as f64;
    let busy: Vec<String> = [("start", start), ("end", end)]
        .into_iter()
        .filter_map(|(when, c)| c.filter(|c| c.load_1m > BUSY_LOAD_PER_CORE * cores).map(|c| format!("{:.2} at the {when}", c.load_1m)))
        .collect();
    if !busy.is_empty() {
        problems.push(format!(
            "the machine was busy: load average {} on {} cores (more than {:.0} % of them)",
            busy.join(", "),
            cores,
            BUSY_LOAD_PER_CORE * 100.0
        ));
    }
    if measured > 0 && disturbed as f64 > DISTURBED_SHARE * measured as f64 {
        problems.push(format!(
            "{disturbed} of {measured} measured runs ({:.0} %) were disturbed (involuntary context switches far beyond their cell's norm)",
            100.0 * disturbed as f64 / measured as f64
        ));
    }
    Fitness { fit: problems.is_empty(), problems, cautions }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(governor: &[&str], boost: Option<bool>, load: f64) -> Conditions {
        Conditions { governors: governor.iter().map(|g| g.to_string()).collect(), boost, load_1m: load }
    }

    #[test]
    fn a_quiet_performance_machine_is_fit() {
        let c = at(&["performance"], Some(false), 0.2);
        let f = judge(Some(&c), Some(&c), 2, 100, 2);
        assert!(f.fit && f.problems.is_empty() && f.cautions.is_empty(), "{f:?}");
    }

    #[test]
    fn scaling_load_and_disturbance_each_make_it_unfit() {
        let quiet = at(&["performance"], None, 0.1);
        let f = judge(Some(&at(&["powersave", "performance"], None, 0.1)), Some(&quiet), 2, 10, 0);
        assert!(!f.fit && f.problems[0].contains("`powersave`"), "{f:?}");
        let f = judge(Some(&quiet), Some(&at(&["performance"], None, 1.7)), 2, 10, 0);
        assert!(!f.fit && f.problems[0].contains("1.70 at the end on 2 cores"), "{f:?}");
        let f = judge(Some(&quiet), Some(&quiet), 2, 10, 2);
        assert!(!f.fit && f.problems[0].contains("2 of 10 measured runs (20 %)"), "{f:?}");
        assert!(judge(Some(&quiet), Some(&quiet), 2, 10, 1).fit, "one in ten is within the norm");
    }

    #[test]
    fn what_cannot_be_checked_is_said_not_judged() {
        let vm = at(&[], None, 0.1);
        let f = judge(Some(&vm), Some(&vm), 2, 10, 0);
        assert!(f.fit && f.cautions[0].contains("no CPU frequency interface"), "{f:?}");
        let f = judge(None, None, 2, 10, 0);
        assert!(f.fit && f.cautions[0].contains("not recorded"), "{f:?}");
        let f = judge(Some(&at(&["performance"], Some(true), 0.0)), None, 2, 10, 0);
        assert!(f.fit && f.cautions[0].contains("turbo"), "{f:?}");
    }

    #[test]
    fn conditions_are_read_from_sys_and_proc() {
        let tmp = tempfile::tempdir().unwrap();
        let cpu = tmp.path().join("sys/devices/system/cpu");
        for (n, g) in [("cpu0", "schedutil\n"), ("cpu1", "schedutil\n"), ("cpufreq", "")] {
            std::fs::create_dir_all(cpu.join(n).join("cpufreq")).unwrap();
            if !g.is_empty() {
                std::fs::write(cpu.join(n).join("cpufreq/scaling_governor"), g).unwrap();
            }
        }
        std::fs::write(cpu.join("cpufreq/boost"), "1\n").unwrap();
        std::fs::create_dir_all(tmp.path().join("proc")).unwrap();
        std::fs::write(tmp.path().join("proc/loadavg"), "0.42 0.30 0.20 1/99 1234\n").unwrap();
        let c = Conditions::read(tmp.path());
        assert_eq!(c, at(&["schedutil"], Some(true), 0.42));
    }
}
