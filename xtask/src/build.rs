//! Builds one cell (workload x target) into a directory named by the content hash of what
//! feeds it (sources, runner, target file, toolchain versions): an unchanged cell reuses
//! its build, and the last few builds of a cell stay on disk so a baseline's artifacts can
//! be re-run beside the new ones.

use crate::paths;
use crate::records::BuildRecord;
use crate::spec::target::{expand, Places};
use crate::spec::{Target, Workload};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A build that takes longer than this is stuck, not slow.
const BUILD_TIMEOUT: Duration = Duration::from_secs(900);
/// How much of a failed build's log is shown in reports.
const LOG_TAIL_LINES: usize = 40;
/// Builds kept per cell (the newest by modification time).
const KEEP_BUILDS: usize = 4;

/// Everything a cell's build needs, resolved.
#[derive(Debug, Clone)]
pub struct BuildJob {
    pub workload: String,
    pub target: Target,
    pub source_dir: PathBuf,
    pub runner_dir: PathBuf,
    /// The cell's directory; each build lives in `<key prefix>/` below it with `out/`,
    /// `build.log` and `build.json`.
    pub cell_dir: PathBuf,
    /// Shared by every cell of the target (`{cache}`: compiler caches).
    pub cache_dir: PathBuf,
    /// The content hash of the build's inputs, or why it could not be computed.
    pub key: Result<String, String>,
    pub binaries: BTreeMap<String, String>,
    /// Toolchain versions and resolved binaries: a change means a rebuild.
    pub toolchain: String,
    /// The workload's extra libraries and extensions for this language (`{flags}`).
    pub flags: crate::spec::workload::Flags,
}

impl BuildJob {
    pub fn new(root: &Path, workload: &Workload, target: &Target, binaries: BTreeMap<String, String>, toolchain: String) -> BuildJob {
        let mut job = BuildJob {
            workload: workload.name.clone(),
            source_dir: workload.source_dir(&target.source),
            runner_dir: paths::runners_dir(root).join(target.runner_name()),
            cell_dir: paths::build_dir(root).join(&workload.name).join(&target.name),
            cache_dir: paths::cache_dir(root, &target.name),
            key: Err(String::new()),
            target: target.clone(),
            binaries,
            toolchain,
            flags: workload.flags_for(&target.source),
        };
        job.key = if job.source_dir.is_dir() {
            job.compute_key().map_err(|e| format!("cannot read the sources: {e}"))
        } else {
            Err(format!("no {} implementation: {} does not exist", target.source, job.source_dir.display()))
        };
        job
    }

    /// This build's directory: the cell's directory plus the key's first 16 hex digits.
    pub fn build_dir(&self) -> PathBuf {
        self.cell_dir.join(self.key.as_deref().map_or("unbuilt", |k| &k[..16]))
    }

    pub fn out_dir(&self) -> PathBuf {
        self.build_dir().join("out")
    }

    pub fn expand(&self, arg: &str) -> String {
        self.expand_in(arg, &self.out_dir())
    }

    /// Expands `arg` for the build whose output directory is `out` (a baseline's older build).
    pub fn expand_in(&self, arg: &str, out: &Path) -> String {
        expand(arg, &Places { source: &self.source_dir, runner: &self.runner_dir, out, cache: &self.cache_dir, bins: &self.binaries })
    }

    /// Expands a build step's argv: `{flags}` becomes the workload's build flags.
    pub fn build_argv(&self, argv: &[String]) -> Vec<String> {
        self.argv_with(argv, &self.flags.build, &self.out_dir())
    }

    /// Expands the run line for the build whose output directory is `out`: `{flags}` becomes
    /// the workload's run flags.
    pub fn run_argv_in(&self, argv: &[String], out: &Path) -> Vec<String> {
        self.argv_with(argv, &self.flags.run, out)
    }

    fn argv_with(&self, argv: &[String], flags: &[String], out: &Path) -> Vec<String> {
        let mut v = Vec::with_capacity(argv.len() + flags.len());
        for a in argv {
            if a == "{flags}" {
                v.extend(flags.iter().cloned());
            } else {
                v.push(self.expand_in(a, out));
            }
        }
        v
    }

    /// The content hash that decides whether an earlier build can be reused.
    fn compute_key(&self) -> std::io::Result<String> {
        let mut h = Sha256::new();
        h.update(b"benchmatrix-build/1\0");
        h.update(std::fs::read(&self.target.file)?);
        h.update(self.toolchain.as_bytes());
        // The workload's flags come from its workload.toml, which is not hashed.
        h.update(format!("\0flags\0{:?}\0{:?}", self.flags.build, self.flags.run).as_bytes());
        for dir in [&self.source_dir, &self.runner_dir] {
            h.update(b"\0dir\0");
            hash_tree(&mut h, dir, dir)?;
        }
        Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}

fn hash_tree(h: &mut Sha256, base: &Path, dir: &Path) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            hash_tree(h, base, &path)?;
        } else {
            h.update(path.strip_prefix(base).unwrap_or(&path).to_string_lossy().as_bytes());
            h.update(b"\0");
            h.update(std::fs::read(&path)?);
            h.update(b"\0");
        }
    }
    Ok(())
}

/// Builds the cell, or reuses the successful build with the same key unless `force`.
/// One lock per `{cache}` directory: cells of a target that share a compiler cache (cargo's
/// target directory, where every cell's binary is `release/main`) build one at a time.
fn cache_lock(dir: &Path) -> std::sync::Arc<std::sync::Mutex<()>> {
    static LOCKS: std::sync::Mutex<BTreeMap<PathBuf, std::sync::Arc<std::sync::Mutex<()>>>> = std::sync::Mutex::new(BTreeMap::new());
    LOCKS.lock().unwrap_or_else(|e| e.into_inner()).entry(dir.to_path_buf()).or_default().clone()
}

pub fn build(job: &BuildJob, force: bool, launcher: &Path) -> BuildRecord {
    let shares_cache = job.target.build.iter().any(|s| s.argv.iter().chain(s.env.values()).any(|a| a.contains("{cache}")));
    let lock = shares_cache.then(|| cache_lock(&job.cache_dir));
    let _held = lock.as_ref().map(|l| l.lock().unwrap_or_else(|e| e.into_inner()));
    build_unlocked(job, force, launcher)
}

/// What the build's artifact is: the target's `run.artifact`, or the whole output directory.
fn artifact_path(job: &BuildJob) -> PathBuf {
    job.target.run.artifact.as_ref().map_or_else(|| job.out_dir(), |a| PathBuf::from(job.expand(a)))
}

fn build_unlocked(job: &BuildJob, force: bool, launcher: &Path) -> BuildRecord {
    let dir = job.build_dir();
    let log_path = dir.join("build.log");
    let record_path = dir.join("build.json");
    let failed = |key: String, message: String| BuildRecord {
        cached: false,
        ok: false,
        key,
        seconds: 0.0,
        artifact_bytes: None,
        artifact_sha256: None,
        rebuilt_because: None,
        log_path: log_path.to_string_lossy().into_owned(),
        log_tail: message,
        commands: Vec::new(),
    };
    let key = match &job.key {
        Ok(k) => k.clone(),
        Err(e) => return failed(String::new(), e.clone()),
    };
    let mut rebuilt_because = None;
    if !force {
        if let Some(previous) = std::fs::read(&record_path).ok().and_then(|b| serde_json::from_slice::<BuildRecord>(&b).ok()) {
            if previous.ok && previous.key == key && job.out_dir().exists() {
                // A cached build is only trusted while its artifact is what was built.
                if previous.artifact_sha256.is_some() && previous.artifact_sha256 == artifact_hash(&artifact_path(job)) {
                    touch(&dir);
                    return BuildRecord { cached: true, rebuilt_because: None, ..previous };
                }
                rebuilt_because =
                    Some("the cached build's artifact no longer hashes to what was built (changed on disk since)".to_string());
            }
        }
    }

    let started = Instant::now();
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir_all(job.out_dir()).and_then(|()| std::fs::create_dir_all(&job.cache_dir)) {
        return failed(key, format!("cannot create {} or {}: {e}", job.out_dir().display(), job.cache_dir.display()));
    }
    let mut log = String::new();
    let mut ok = true;
    let mut commands = Vec::new();
    for step in &job.target.build {
        let argv = job.build_argv(&step.argv);
        log.push_str(&format!("$ {}\n", shell_quote(&argv)));
        commands.push(argv.clone());
        let (success, output) =
            run_step(launcher, &argv, &step.env.iter().map(|(k, v)| (k.clone(), job.expand(v))).collect::<Vec<_>>(), &dir);
        log.push_str(&output);
        if !success {
            ok = false;
            break;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let artifact_bytes = job.target.run.artifact.as_ref().map(|a| PathBuf::from(job.expand(a))).and_then(|p| size_of(&p));
    if ok && job.target.run.artifact.is_some() && artifact_bytes.is_none() {
        ok = false;
        log.push_str("\nthe build succeeded but did not produce the artifact named in the target file\n");
    }
    let _ = std::fs::write(&log_path, &log);
    let record = BuildRecord {
        cached: false,
        ok,
        key,
        seconds,
        artifact_bytes,
        artifact_sha256: if ok { artifact_hash(&artifact_path(job)) } else { None },
        rebuilt_because,
        log_path: log_path.to_string_lossy().into_owned(),
        log_tail: tail(&log, LOG_TAIL_LINES),
        commands,
    };
    if ok {
        let _ = std::fs::write(&record_path, serde_json::to_vec_pretty(&record).expect("records serialise"));
        prune(&job.cell_dir, KEEP_BUILDS);
    }
    record
}

/// Marks a build as recently used, so pruning keeps it.
fn touch(dir: &Path) {
    let _ = std::fs::File::open(dir).and_then(|f| f.set_modified(std::time::SystemTime::now()));
}

/// Removes all but the `keep` most recently used builds of a cell.
fn prune(cell_dir: &Path, keep: usize) {
    let Ok(entries) = std::fs::read_dir(cell_dir) else { return };
    let mut builds: Vec<(std::time::SystemTime, PathBuf)> =
        entries.flatten().filter(|e| e.path().is_dir()).filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path()))).collect();
    builds.sort_by_key(|b| std::cmp::Reverse(b.0));
    for (_, old) in builds.into_iter().skip(keep) {
        let _ = std::fs::remove_dir_all(old);
    }
}

/// Runs one build step under the launcher (its own process group, the parent-death signal,
/// the process cap, the timeout on the whole tree: a build step never outlives the
/// supervisor); returns success and the output (stdout, then stderr).
fn run_step(launcher: &Path, argv: &[String], env: &[(String, String)], cwd: &Path) -> (bool, String) {
    let mut full: Vec<(String, String)> = std::env::vars().filter(|(k, _)| !env.iter().any(|(e, _)| e == k)).collect();
    full.extend(env.iter().cloned());
    let mut request = crate::measure::Request::new(argv.to_vec(), full, cwd.to_path_buf(), BUILD_TIMEOUT);
    request.capture_limit = 4 << 20;
    request.max_processes = 2048;
    let raw = match crate::measure::run(launcher, &request) {
        Ok(raw) => raw,
        Err(e) => return (false, format!("cannot run the build step: {e}\n")),
    };
    let mut out = String::new();
    for line in &raw.protocol {
        out.push_str(&line.line);
        out.push('\n');
    }
    out.push_str(&raw.stdout);
    if !raw.stderr.is_empty() {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&raw.stderr);
    }
    let success = match raw.exit {
        crate::measure::Exit::Code(0) => true,
        crate::measure::Exit::Timeout => {
            out.push_str(&format!("\nbuild step timed out after {} s; its process tree was killed\n", BUILD_TIMEOUT.as_secs()));
            false
        }
        crate::measure::Exit::Code(c) => {
            out.push_str(&format!("\n[exit code {c}]\n"));
            false
        }
        crate::measure::Exit::Signal(s) => {
            out.push_str(&format!("\n[killed by signal {s}]\n"));
            false
        }
    };
    if raw.cap.as_ref().is_some_and(|c| c.exceeded) {
        out.push_str("\nthe build step went past its cap of processes and was killed\n");
        return (false, out);
    }
    (success, out)
}

/// SHA-256 of a file, or of every file below a directory (paths and contents, in order):
/// what a cached build's artifact must still hash to before it is measured.
pub fn artifact_hash(path: &Path) -> Option<String> {
    let mut h = Sha256::new();
    if path.is_file() {
        h.update(std::fs::read(path).ok()?);
    } else {
        hash_tree(&mut h, path, path).ok()?;
    }
    Some(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Bytes in a file, or in all files below a directory.
pub fn size_of(path: &Path) -> Option<u64> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.is_file() {
        return Some(meta.len());
    }
    let mut total = 0;
    for entry in std::fs::read_dir(path).ok()?.flatten() {
        total += size_of(&entry.path()).unwrap_or(0);
    }
    Some(total)
}

/// The useful line of a failed build's log: the last one that says `error`, else the last
/// non-empty one.
pub fn last_error_line(log: &str) -> String {
    let lines: Vec<&str> = log.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    lines
        .iter()
        .rev()
        .find(|l| l.to_ascii_lowercase().contains("error"))
        .or(lines.last())
        .map_or(String::new(), |l| crate::verify::excerpt(l, 0))
}

/// The last `n` lines, each cut to a few hundred characters.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    // Each line bounded too: one runaway line must not fill a report.
    lines[lines.len().saturating_sub(n)..].iter().map(|l| crate::verify::excerpt(l, 0)).collect::<Vec<_>>().join("\n")
}

/// For the log only: how a person would type the command.
fn shell_quote(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:+,{}@".contains(c)) {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
