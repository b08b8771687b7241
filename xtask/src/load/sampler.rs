//! A background sampler of a process tree's RSS and CPU time, read from /proc.

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceSample {
    pub t_ns: u64,
    /// Summed over the tree.
    pub rss_kib: u64,
    /// utime + stime of the live processes of the tree.
    pub cpu_us: u64,
}

pub struct Sampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Vec<ResourceSample>>,
}

/// At most this many samples are kept (a day at 1 s).
const MAX_SAMPLES: usize = 86_400;

fn tree(pid: i32) -> Vec<i32> {
    let mut out = vec![pid];
    let mut i = 0;
    while i < out.len() && out.len() < 100_000 {
        let p = out[i];
        i += 1;
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else { continue };
        for t in tasks.flatten() {
            if let Ok(c) = std::fs::read_to_string(t.path().join("children")) {
                out.extend(c.split_whitespace().filter_map(|x| x.parse::<i32>().ok()));
            }
        }
    }
    out
}

fn sample(pid: i32, page_kib: u64, tick_us: u64) -> (u64, u64) {
    let (mut rss, mut cpu) = (0, 0);
    for p in tree(pid) {
        if let Ok(s) = std::fs::read_to_string(format!("/proc/{p}/statm")) {
            rss += s.split_whitespace().nth(1).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0) * page_kib;
        }
        if let Ok(s) = std::fs::read_to_string(format!("/proc/{p}/stat")) {
            // Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
            if let Some(rest) = s.rfind(')').map(|i| &s[i + 1..]) {
                let f: Vec<&str> = rest.split_whitespace().collect();
                let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
                cpu += (ticks(11) + ticks(12)) * tick_us;
            }
        }
    }
    (rss, cpu)
}

impl Sampler {
    pub fn start(pid: i32, every: Duration) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let page_kib = (unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as u64) / 1024;
        let tick_us = 1_000_000 / (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64);
        let every = every.max(Duration::from_millis(1));
        let thread = std::thread::spawn(move || {
            let t0 = Instant::now();
            let mut out = Vec::new();
            while !flag.load(Ordering::Relaxed) && out.len() < MAX_SAMPLES {
                let (rss_kib, cpu_us) = sample(pid, page_kib, tick_us);
                out.push(ResourceSample { t_ns: t0.elapsed().as_nanos() as u64, rss_kib, cpu_us });
                std::thread::sleep(every);
            }
            out
        });
        Sampler { stop, thread }
    }
    pub fn stop(self) -> Vec<ResourceSample> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}
