//! Describes the machine and the checkout a run happened on.

use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    pub cpu_model: String,
    pub cores: usize,
    pub memory_bytes: u64,
    pub kernel: String,
    pub os: String,
    pub hostname: String,
}

impl Machine {
    pub fn detect() -> Machine {
        let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
        let cpuinfo = read("/proc/cpuinfo");
        let cpu_model = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_else(|| std::env::consts::ARCH.to_string());
        let memory_bytes = read("/proc/meminfo")
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<u64>().ok())
            .map_or(0, |kib| kib * 1024);
        let os = read("/etc/os-release")
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim_matches('"').to_string())
            .unwrap_or_else(|| std::env::consts::OS.to_string());
        Machine {
            cpu_model,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_bytes,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_string(),
            os,
            hostname: read("/proc/sys/kernel/hostname").trim().to_string(),
        }
    }
}

/// What could make this machine's figures unfit to publish, read at a moment (the start and
/// the end of a run): frequency scaling and the load of other work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conditions {
    /// The distinct cpufreq governors of the CPUs (empty: no cpufreq interface, as in most
    /// virtual machines).
    pub governors: Vec<String>,
    /// Turbo/boost on (None: not exposed).
    pub boost: Option<bool>,
    /// The 1-minute load average.
    pub load_1m: f64,
}

impl Conditions {
    pub fn now() -> Conditions {
        Conditions::read(Path::new("/"))
    }

    /// Reads below `root` (a fake /sys and /proc in tests).
    pub fn read(root: &Path) -> Conditions {
        let cpus = root.join("sys/devices/system/cpu");
        let mut governors: Vec<String> = std::fs::read_dir(&cpus)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| {
                e.file_name().to_string_lossy().strip_prefix("cpu").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            })
            .filter_map(|e| std::fs::read_to_string(e.path().join("cpufreq/scaling_governor")).ok())
            .map(|g| g.trim().chars().take(32).collect())
            .collect();
        governors.sort();
        governors.dedup();
        let flag = |p: &str| std::fs::read_to_string(cpus.join(p)).ok().map(|v| v.trim() == "1");
        // intel_pstate says "no_turbo"; acpi-cpufreq and amd-pstate say "boost".
        let boost = flag("cpufreq/boost").or_else(|| flag("intel_pstate/no_turbo").map(|no| !no));
        let load_1m = std::fs::read_to_string(root.join("proc/loadavg"))
            .ok()
            .and_then(|l| l.split_whitespace().next().and_then(|v| v.parse().ok()))
            .unwrap_or(0.0);
        Conditions { governors, boost, load_1m }
    }
}

/// The checked-out revision and whether the work tree differs from it.
pub fn git_revision(root: &Path) -> (Option<String>, bool) {
    let git = |args: &[&str]| {
        duct::cmd("git", args)
            .dir(root)
            .stdout_capture()
            .stderr_null()
            .unchecked()
            .run()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let revision = git(&["rev-parse", "HEAD"]);
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    (revision, dirty)
}

/// Now as RFC 3339 UTC, plus a compact form for directory names.
pub fn utc_now() -> (String, String) {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (y, mo, d, h, mi, s) = civil(secs);
    (format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"), format!("{y:04}{mo:02}{d:02}-{h:02}{mi:02}{s:02}"))
}

/// Seconds since the epoch to (year, month, day, hour, minute, second), proleptic Gregorian.
fn civil(secs: u64) -> (i64, u32, u32, u32, u32, u32) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days_from_civil inverse.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, (rem / 3600) as u32, (rem % 3600 / 60) as u32, (rem % 60) as u32)
}

#[cfg(test)]
mod tests {
    use super::civil;

    #[test]
    fn civil_dates() {
        assert_eq!(civil(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(civil(951_782_400), (2000, 2, 29, 0, 0, 0));
        assert_eq!(civil(1_795_394_096), (2026, 11, 23, 0, 34, 56));
    }
}
