//! The process tree of a run: finding every live descendant (setsid escapees and orphans
//! included), killing them all, and bounding how many there may be at once.

use std::path::{Path, PathBuf};

type Pid = libc::pid_t;

/// Parses `/proc/<pid>/stat` into (state, ppid); `comm` may hold spaces and parentheses.
fn stat_of(pid: Pid) -> Option<(char, Pid)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    let mut fields = after.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((state, ppid))
}

/// Direct children of `pid` through `/proc/<pid>/task/<tid>/children` (one file per thread),
/// or `None` where the kernel lacks that file.
fn children_of(pid: Pid) -> Option<Vec<Pid>> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut out = Vec::new();
    for task in tasks.flatten() {
        let text = std::fs::read_to_string(task.path().join("children")).ok()?;
        out.extend(text.split_whitespace().filter_map(|s| s.parse::<Pid>().ok()));
    }
    Some(out)
}

/// Every live (non-zombie) descendant of `root`. Walks the children files from `root`, which
/// costs in proportion to the tree; falls back to a scan of all of /proc.
pub(super) fn descendants(root: Pid) -> Vec<Pid> {
    let mut found = Vec::new();
    let mut queue = vec![root];
    let mut walked = true;
    while let Some(p) = queue.pop() {
        match children_of(p) {
            Some(children) => {
                for c in children {
                    if !found.contains(&c) {
                        found.push(c);
                        queue.push(c);
                    }
                }
            }
            None if p == root => {
                walked = false;
                break;
            }
            // The process ended while we looked: it has no children any more.
            None => {}
        }
    }
    if !walked {
        found = scan_descendants(root);
    }
    found.retain(|&pid| stat_of(pid).is_some_and(|(state, _)| state != 'Z'));
    found
}

fn scan_descendants(root: Pid) -> Vec<Pid> {
    let mut parent_of = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<Pid>().ok()) else { continue };
            if let Some((_, ppid)) = stat_of(pid) {
                parent_of.push((pid, ppid));
            }
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(parent_of.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    found.remove(0);
    found
}

/// SIGKILLs the program's process group and every descendant of this launcher, again until
/// none is left (a fork loop can add processes while the first ones die); returns how many
/// distinct processes were alive.
pub(super) fn kill_tree(pgid: Pid, cap: &Cap) -> u32 {
    let me = unsafe { libc::getpid() };
    let mut seen: Vec<Pid> = Vec::new();
    for _ in 0..100 {
        let mut alive = descendants(me);
        for p in cap.members() {
            if p != me && !alive.contains(&p) {
                alive.push(p);
            }
        }
        unsafe { libc::killpg(pgid, libc::SIGKILL) };
        if alive.is_empty() {
            break;
        }
        for &pid in &alive {
            unsafe { libc::kill(pid, libc::SIGKILL) };
            if !seen.contains(&pid) {
                seen.push(pid);
            }
        }
        // Let the kernel deliver the kills before looking again.
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    seen.len() as u32
}

/// How a run's number of processes is bounded.
pub(super) enum Cap {
    /// A pids cgroup (v1 hierarchy) of this launcher: the kernel refuses forks past the cap.
    Cgroup { dir: PathBuf, home: PathBuf, max: u32 },
    /// The launcher counts the tree every 100 ms and kills it past the cap.
    Counting { max: u32 },
}

/// The mount point of the cgroup v1 `pids` hierarchy and this process's place in it.
fn pids_hierarchy() -> Option<(PathBuf, String)> {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let mount = mountinfo.lines().find_map(|l| {
        let (left, right) = l.split_once(" - ")?;
        let mut r = right.split_whitespace();
        let (fstype, _, options) = (r.next()?, r.next()?, r.next()?);
        (fstype == "cgroup" && options.split(',').any(|o| o == "pids")).then(|| left.split_whitespace().nth(4).map(PathBuf::from))?
    })?;
    let cgroups = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let own = cgroups.lines().find_map(|l| {
        let mut parts = l.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        controllers.split(',').any(|c| c == "pids").then(|| path.to_string())
    })?;
    Some((mount, own))
}

impl Cap {
    /// Moves this launcher into a fresh pids cgroup capped at `max` processes of the run
    /// (plus the launcher), or falls back to counting where that is not allowed.
    pub(super) fn enter(max: u32) -> Cap {
        let Some((mount, own)) = pids_hierarchy() else { return Cap::Counting { max } };
        let home = mount.join(own.trim_start_matches('/'));
        let parent = home.join("benchmatrix");
        let pid = unsafe { libc::getpid() };
        let dir = parent.join(format!("run-{pid}"));
        let entered = std::fs::create_dir_all(&parent)
            .and_then(|()| {
                remove_stale(&parent);
                std::fs::create_dir(&dir)
            })
            .and_then(|()| std::fs::write(dir.join("pids.max"), (max + 1).to_string()))
            .and_then(|()| std::fs::write(dir.join("cgroup.procs"), pid.to_string()));
        match entered {
            Ok(()) => Cap::Cgroup { dir, home, max },
            Err(_) => {
                let _ = std::fs::remove_dir(&dir);
                Cap::Counting { max }
            }
        }
    }

    pub(super) fn mechanism(&self) -> &'static str {
        match self {
            Cap::Cgroup { .. } => "pids-cgroup",
            Cap::Counting { .. } => "counting",
        }
    }

    pub(super) fn max(&self) -> u32 {
        match self {
            Cap::Cgroup { max, .. } | Cap::Counting { max } => *max,
        }
    }

    /// Whether the counting cap must look now (the cgroup needs no polling).
    pub(super) fn polls(&self) -> bool {
        matches!(self, Cap::Counting { .. })
    }

    /// True when the run went past the cap: forks were refused (cgroup) or more than `max`
    /// processes are alive now (counting; `alive` is the current count).
    pub(super) fn exceeded(&self, alive: Option<usize>) -> bool {
        match self {
            Cap::Cgroup { dir, .. } => std::fs::read_to_string(dir.join("pids.events"))
                .ok()
                .and_then(|t| t.split_whitespace().nth(1).and_then(|n| n.parse::<u64>().ok()))
                .is_some_and(|n| n > 0),
            Cap::Counting { max } => alive.is_some_and(|n| n > *max as usize),
        }
    }

    /// Every process in the cgroup (none for the counting cap).
    pub(super) fn members(&self) -> Vec<Pid> {
        match self {
            Cap::Cgroup { dir, .. } => std::fs::read_to_string(dir.join("cgroup.procs"))
                .unwrap_or_default()
                .split_whitespace()
                .filter_map(|s| s.parse().ok())
                .collect(),
            Cap::Counting { .. } => Vec::new(),
        }
    }

    /// Moves the launcher back where it came from and removes the cgroup.
    pub(super) fn leave(&self) {
        if let Cap::Cgroup { dir, home, .. } = self {
            let _ = std::fs::write(home.join("cgroup.procs"), unsafe { libc::getpid() }.to_string());
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Removes empty cgroups left by launchers that were killed before they could clean up.
fn remove_stale(parent: &Path) {
    if let Ok(entries) = std::fs::read_dir(parent) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(pid) = name.strip_prefix("run-") else { continue };
            // A launcher that still lives owns its cgroup, even while it is still empty.
            if !Path::new("/proc").join(pid).exists() {
                // Fails (harmlessly) while the cgroup still has processes.
                let _ = std::fs::remove_dir(e.path());
            }
        }
    }
}
