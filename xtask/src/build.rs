//! Builds one cell (workload x target) into a directory named by the content hash of what
//! feeds it (sources, runner, target file, toolchain versions): an unchanged cell reuses
//! its build, and the last few builds of a cell stay on disk so a baseline's artifacts can
//! be re-run beside the new ones.

use crate::paths;
use crate::results::BuildRecord;
use crate::spec::target::expand;
use crate::spec::{Target, Workload};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
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
    /// The content hash of the build's inputs, or why it could not be computed.
    pub key: Result<String, String>,
    pub binaries: BTreeMap<String, String>,
    /// Toolchain versions and resolved binaries: a change means a rebuild.
    pub toolchain: String,
}

impl BuildJob {
    pub fn new(root: &Path, workload: &Workload, target: &Target, binaries: BTreeMap<String, String>, toolchain: String) -> BuildJob {
        let mut job = BuildJob {
            workload: workload.name.clone(),
            source_dir: workload.source_dir(&target.source),
            runner_dir: paths::runners_dir(root).join(&target.source),
            cell_dir: paths::build_dir(root).join(&workload.name).join(&target.name),
            key: Err(String::new()),
            target: target.clone(),
            binaries,
            toolchain,
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
        expand(arg, &self.source_dir, &self.runner_dir, &self.out_dir(), &self.binaries)
    }

    /// The content hash that decides whether an earlier build can be reused.
    fn compute_key(&self) -> std::io::Result<String> {
        let mut h = Sha256::new();
        h.update(b"benchmatrix-build/1\0");
        h.update(std::fs::read(&self.target.file)?);
        h.update(self.toolchain.as_bytes());
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
pub fn build(job: &BuildJob, force: bool) -> BuildRecord {
    let dir = job.build_dir();
    let log_path = dir.join("build.log");
    let record_path = dir.join("build.json");
    let failed = |key: String, message: String| BuildRecord { cached: false, ok: false, key, seconds: 0.0, artifact_bytes: None, log_path: log_path.to_string_lossy().into_owned(), log_tail: message };
    let key = match &job.key {
        Ok(k) => k.clone(),
        Err(e) => return failed(String::new(), e.clone()),
    };
    if !force {
        if let Some(previous) = std::fs::read(&record_path).ok().and_then(|b| serde_json::from_slice::<BuildRecord>(&b).ok()) {
            if previous.ok && previous.key == key && job.out_dir().exists() {
                touch(&dir);
                return BuildRecord { cached: true, ..previous };
            }
        }
    }

    let started = Instant::now();
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir_all(job.out_dir()) {
        return failed(key, format!("cannot create {}: {e}", job.out_dir().display()));
    }
    let mut log = String::new();
    let mut ok = true;
    for step in &job.target.build {
        let argv: Vec<String> = step.argv.iter().map(|a| job.expand(a)).collect();
        log.push_str(&format!("$ {}\n", shell_quote(&argv)));
        let (success, output) = run_step(&argv, &step.env.iter().map(|(k, v)| (k.clone(), job.expand(v))).collect::<Vec<_>>(), &dir);
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
    let record = BuildRecord { cached: false, ok, key, seconds, artifact_bytes, log_path: log_path.to_string_lossy().into_owned(), log_tail: tail(&log, LOG_TAIL_LINES) };
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
    let mut builds: Vec<(std::time::SystemTime, PathBuf)> = entries.flatten().filter(|e| e.path().is_dir()).filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path()))).collect();
    builds.sort_by(|a, b| b.0.cmp(&a.0));
    for (_, old) in builds.into_iter().skip(keep) {
        let _ = std::fs::remove_dir_all(old);
    }
}

/// Runs one build step with a timeout; returns success and the merged output.
fn run_step(argv: &[String], env: &[(String, String)], cwd: &Path) -> (bool, String) {
    let mut cmd = duct::cmd(&argv[0], &argv[1..]).dir(cwd).stdin_null().stderr_to_stdout().unchecked();
    for (k, v) in env {
        cmd = cmd.env(k, v);
    }
    let (reader, started) = match cmd.reader() {
        Ok(r) => (r, Instant::now()),
        Err(e) => return (false, format!("cannot start `{}`: {e}\n", argv[0])),
    };
    // Read on a thread so the timeout can be enforced while the pipe is quiet.
    let reader = std::sync::Arc::new(reader);
    let reading = {
        let reader = reader.clone();
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = (&*reader).read_to_end(&mut text);
            text
        })
    };
    loop {
        match reader.try_wait() {
            Ok(Some(output)) => {
                let success = output.status.success();
                let status = output.status;
                let text = reading.join().unwrap_or_default();
                let mut out = String::from_utf8_lossy(&text).into_owned();
                if !success {
                    out.push_str(&format!("\n[{status}]\n"));
                }
                return (success, out);
            }
            Ok(None) if started.elapsed() > BUILD_TIMEOUT => {
                let _ = reader.kill();
                return (false, format!("build step timed out after {} s and was killed\n", BUILD_TIMEOUT.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return (false, format!("waiting for the build step failed: {e}\n")),
        }
    }
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

/// The last `n` lines.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// For the log only: how a person would type the command.
fn shell_quote(argv: &[String]) -> String {
    argv.iter()
        .map(|a| if a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:+,{}@".contains(c)) { a.clone() } else { format!("'{}'", a.replace('\'', "'\\''")) })
        .collect::<Vec<_>>()
        .join(" ")
}
