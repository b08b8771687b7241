//! Hostile programs: one fixture per attack (tests/hostile/*.c), each run through the real
//! launcher (`measure::run`) and, where the judgement matters, through `cargo xtask matrix` on
//! a small fixture project; each test asserts the record or the cell's status, and that no
//! process of the test survives it.
//!
//! Every fixture bounds itself (tests/hostile/hostile.h): each of its processes ends by SIGALRM
//! at most 10 s after the program started and forks are counted, so a broken launcher fails
//! these tests instead of taking the machine down.
//!
//! Survivors are looked for in two ways after every test: this test process makes itself a
//! child subreaper, so anything that outlives its launcher is re-parented here and shows up as
//! a child of the test process; and every process whose command line, working directory or
//! environment names the test's temporary directory (every fixture gets it as `HOSTILE_MARK`)
//! or this process's directory of compiled fixtures is one of ours.

mod common;

use clap::Parser;
use common::reason;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};
use xtask::cli::Cli;
use xtask::cmd::{self, Context};
use xtask::measure::{self, Exit, Leftovers, RawRun, Request};
use xtask::records::Status;
use xtask::results::{self, Cell, Results};

type Pid = libc::pid_t;

// ---------------------------------------------------------------------------------------------
// /proc, read independently of the launcher's own code (tree.rs).

/// (state, ppid) from /proc/<pid>/stat.
fn stat_of(pid: Pid) -> Option<(char, Pid)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    let mut fields = after.split_whitespace();
    Some((fields.next()?.chars().next()?, fields.next()?.parse().ok()?))
}

fn all_pids() -> Vec<Pid> {
    std::fs::read_dir("/proc").map(|d| d.flatten().filter_map(|e| e.file_name().to_str()?.parse().ok()).collect()).unwrap_or_default()
}

/// Every process (zombies included) whose parent is `parent`, from a scan of all of /proc.
fn children_of(parent: Pid) -> Vec<(Pid, char)> {
    all_pids().into_iter().filter_map(|p| stat_of(p).filter(|(_, pp)| *pp == parent).map(|(s, _)| (p, s))).collect()
}

fn read_lossy(path: String) -> String {
    std::fs::read(path).map(|b| String::from_utf8_lossy(&b).replace('\0', " ")).unwrap_or_default()
}

fn describe(pid: Pid) -> String {
    let (state, ppid) = stat_of(pid).unwrap_or(('?', 0));
    let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).map(|p| p.display().to_string()).unwrap_or_default();
    format!("pid {pid} (state {state}, parent {ppid}): `{}` in {cwd}", read_lossy(format!("/proc/{pid}/cmdline")).trim())
}

/// This process's directory of compiled fixtures (unique to this test process).
fn programs_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("hostile-{}", std::process::id()))
}

/// Processes of this test: children of this (subreaper) process, and any process whose command
/// line, working directory or environment names one of `markers`.
fn survivors(markers: &[String]) -> Vec<Pid> {
    let me = std::process::id() as Pid;
    let mut found = Vec::new();
    for pid in all_pids() {
        if pid == me || pid <= 1 {
            continue;
        }
        let child = stat_of(pid).is_some_and(|(_, pp)| pp == me);
        let cmdline = read_lossy(format!("/proc/{pid}/cmdline"));
        let environ = read_lossy(format!("/proc/{pid}/environ"));
        let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).map(|p| p.display().to_string()).unwrap_or_default();
        if child || markers.iter().any(|m| cmdline.contains(m.as_str()) || environ.contains(m.as_str()) || cwd.contains(m.as_str())) {
            found.push(pid);
        }
    }
    found
}

/// SIGKILLs the processes of this test (by pid: each was found by its marker or is our child)
/// and reaps those that are children of this process.
fn kill_all(pids: &[Pid]) {
    for &p in pids {
        unsafe { libc::kill(p, libc::SIGKILL) };
    }
    let me = std::process::id() as Pid;
    let until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < until {
        let children = children_of(me);
        if children.is_empty() {
            break;
        }
        for (p, _) in children {
            unsafe { libc::waitpid(p, std::ptr::null_mut(), libc::WNOHANG) };
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

// ---------------------------------------------------------------------------------------------
// One test: the measurement lock, a temporary directory, the survivor check.

struct Test {
    _serial: MutexGuard<'static, ()>,
    tmp: tempfile::TempDir,
    checked: bool,
}

impl Test {
    fn begin() -> Test {
        let serial = common::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        static SUBREAPER: std::sync::Once = std::sync::Once::new();
        SUBREAPER.call_once(|| {
            // Whatever outlives a launcher is re-parented to us and can be seen (and reaped).
            let rc = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
            assert_eq!(rc, 0, "prctl(PR_SET_CHILD_SUBREAPER): {}", std::io::Error::last_os_error());
        });
        let test = Test { _serial: serial, tmp: tempfile::tempdir().unwrap(), checked: false };
        // A test that failed before has had its processes killed; anything left now is not ours.
        let before = survivors(&test.markers());
        assert!(before.is_empty(), "processes alive before the test: {:?}", before.iter().map(|&p| describe(p)).collect::<Vec<_>>());
        test
    }

    fn path(&self) -> &Path {
        self.tmp.path()
    }

    fn markers(&self) -> Vec<String> {
        vec![self.path().display().to_string(), programs_dir().display().to_string()]
    }

    /// A fresh working directory with home/ and tmp/, as the matrix gives every run.
    fn scratch(&self, name: &str) -> PathBuf {
        let dir = self.path().join("scratch").join(name);
        std::fs::create_dir_all(dir.join("home")).unwrap();
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        dir
    }

    fn request(&self, program: &Path, scratch: &Path, env: &[(&str, &str)], timeout_ms: u64) -> Request {
        let mut vars: Vec<(String, String)> = vec![
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            ("HOME".into(), scratch.join("home").display().to_string()),
            ("TMPDIR".into(), scratch.join("tmp").display().to_string()),
            ("LANG".into(), "C.UTF-8".into()),
            ("HOSTILE_MARK".into(), self.path().display().to_string()),
        ];
        vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Request::new(vec![program.display().to_string()], vars, scratch.to_path_buf(), Duration::from_millis(timeout_ms))
    }

    /// Runs `request` under the real launcher; the record and how long the whole run took.
    fn launch(&self, request: &Request) -> (RawRun, Duration) {
        let started = Instant::now();
        let run = measure::run(&common::launcher(), request).expect("the launcher runs");
        (run, started.elapsed())
    }

    /// Fails the test if any process of it is still alive (after a short grace: a process the
    /// launcher killed is gone once the launcher has reaped it, before it reports).
    fn finish(mut self) {
        self.checked = true;
        let until = Instant::now() + Duration::from_millis(500);
        let mut left = survivors(&self.markers());
        while !left.is_empty() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
            left = survivors(&self.markers());
        }
        let described: Vec<String> = left.iter().map(|&p| describe(p)).collect();
        kill_all(&left);
        assert!(described.is_empty(), "processes of the test survived it: {described:#?}");
    }
}

impl Drop for Test {
    fn drop(&mut self) {
        // A test that failed early still leaves nothing running (and never reached `finish`).
        if !self.checked {
            kill_all(&survivors(&self.markers()));
        }
    }
}

/// Compiles tests/hostile/<name>.c once per test process.
fn program(name: &str) -> PathBuf {
    static COMPILING: Mutex<()> = Mutex::new(());
    let _g = COMPILING.lock().unwrap_or_else(|e| e.into_inner());
    let dir = programs_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join(name);
    if !out.exists() {
        let src = fixtures_dir().join(format!("{name}.c"));
        let status = std::process::Command::new("cc")
            .arg("-O2")
            .arg("-I")
            .arg(fixtures_dir())
            .arg("-o")
            .arg(&out)
            .arg(&src)
            .status()
            .expect("a C compiler (cc) is needed for the hostile tests");
        assert!(status.success(), "cc {} failed", src.display());
    }
    out
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

/// The number `word` is followed by in `text` (`daemon 1234` -> 1234).
fn pid_after(text: &str, word: &str) -> Pid {
    text.split(word)
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no `{word}` in {text:?}"))
}

fn gone(pid: Pid) -> bool {
    !Path::new(&format!("/proc/{pid}")).exists()
}

// ---------------------------------------------------------------------------------------------
// A fixture project for `cargo xtask matrix`: one workload, one target per fixture.

enum Build {
    /// Compiles tests/hostile/<name>.c.
    C(&'static str),
    /// Copies this shell script.
    Script(String),
    /// A build command (`sh -c`) that fails.
    Fails(&'static str),
}

struct Fixture {
    target: &'static str,
    build: Build,
    env: Vec<(&'static str, String)>,
}

fn fixture(target: &'static str, build: Build, env: &[(&'static str, &str)]) -> Fixture {
    Fixture { target, build, env: env.iter().map(|(k, v)| (*k, v.to_string())).collect() }
}

const WORKLOAD: &str = "hostile";

fn quoted(s: &str) -> String {
    // A JSON string is a valid TOML basic string.
    serde_json::to_string(s).unwrap()
}

fn workload_toml(expected: &str, timeout_secs: u32) -> String {
    let size = |s: &str| format!("[sizes.{s}]\nparams = {{ n = 1 }}\nexpected = '''\n{expected}'''\ntimeout_secs = {timeout_secs}\n\n");
    format!(
        "name = \"{WORKLOAD}\"\nsummary = \"hostile fixture\"\ncategory = \"test\"\n\n[compare]\nrule = \"exact\"\n\n{}{}{}",
        size("quick"),
        size("standard"),
        size("full")
    )
}

fn target_toml(f: &Fixture, mark: &Path) -> String {
    let (source, requires, apt, version, build, run, artifact) = match &f.build {
        Build::C(name) => (
            "c",
            "cc",
            "gcc",
            r#"["cc", "--version"]"#.to_string(),
            format!(r#"["cc", "-O2", "-o", "{{out}}/main", "{{source}}/{name}.c"]"#),
            r#"["{out}/main"]"#,
            "{out}/main",
        ),
        Build::Script(_) => (
            "sh",
            "sh",
            "dash",
            r#"["sh", "-c", "echo fixture-sh 1.0"]"#.to_string(),
            format!(r#"["cp", "{{source}}/{}.sh", "{{out}}/main.sh"]"#, f.target),
            r#"["sh", "{out}/main.sh"]"#,
            "{out}/main.sh",
        ),
        Build::Fails(script) => (
            "sh",
            "sh",
            "dash",
            r#"["sh", "-c", "echo fixture-sh 1.0"]"#.to_string(),
            format!(r#"["sh", "-c", {}]"#, quoted(script)),
            r#"["sh", "{out}/main.sh"]"#,
            "{out}/main.sh",
        ),
    };
    let mut env = format!("HOSTILE_MARK = {}\n", quoted(&mark.display().to_string()));
    for (k, v) in &f.env {
        env.push_str(&format!("{k} = {}\n", quoted(v)));
    }
    format!(
        "family = \"native\"\nlanguage = \"hostile fixture ({})\"\nsource = \"{source}\"\nrequires = [\"{requires}\"]\napt = [\"{apt}\"]\nversion = {version}\n\n[[build]]\nargv = {build}\n\n[run]\nargv = {run}\nartifact = \"{artifact}\"\n\n[run.env]\n{env}",
        f.target
    )
}

/// Writes the fixture project under the test's directory; returns its root.
fn project(t: &Test, expected: &str, timeout_secs: u32, fixtures: &[Fixture]) -> PathBuf {
    let root = t.path().join("project");
    let w = root.join("workloads").join(WORKLOAD);
    for dir in [w.join("c"), w.join("sh"), root.join("targets"), root.join("runners/c"), root.join("runners/sh"), root.join("templates")] {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(w.join("workload.toml"), workload_toml(expected, timeout_secs)).unwrap();
    for entry in std::fs::read_dir(fixtures_dir()).unwrap().flatten() {
        std::fs::copy(entry.path(), w.join("c").join(entry.file_name())).unwrap();
    }
    std::fs::write(root.join("runners/c/README"), "the C fixtures speak the protocol themselves\n").unwrap();
    std::fs::write(root.join("runners/sh/README"), "the shell fixtures speak the protocol themselves\n").unwrap();
    let real_templates = xtask::paths::templates_dir(&xtask::paths::project_root());
    std::fs::copy(real_templates.join("index.html"), root.join("templates/index.html")).unwrap();
    for f in fixtures {
        if let Build::Script(text) = &f.build {
            std::fs::write(w.join("sh").join(format!("{}.sh", f.target)), text).unwrap();
        }
        std::fs::write(root.join("targets").join(format!("{}.toml", f.target)), target_toml(f, t.path())).unwrap();
    }
    root
}

/// `cargo xtask <args>` in this process on the fixture project; the exit code.
fn xtask(root: &Path, args: &[String]) -> i32 {
    let argv = std::iter::once("cargo xtask".to_string()).chain(args.iter().cloned());
    let cli = Cli::try_parse_from(argv).expect("arguments parse");
    let ctx = Context {
        root: root.to_path_buf(),
        launcher: common::launcher(),
        command_line: vec!["test".into()],
        interrupt: Box::leak(Box::new(AtomicBool::new(false))),
    };
    cmd::exit_code(&cli.run(&ctx))
}

fn matrix_args(out: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["matrix", "--runs", "1", "--seed", "7", "--out"].iter().map(|s| s.to_string()).collect();
    args.push(out.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// `cargo xtask matrix --quiet` in this process (the caller holds SERIAL through `Test`).
fn matrix(root: &Path, out: &Path, extra: &[&str]) -> (i32, Results) {
    let mut args = matrix_args(out, extra);
    args.push("--quiet".into());
    let code = xtask(root, &args);
    (code, results::load(out).expect("the matrix wrote results.json"))
}

const CHILD_ENV: &str = "HOSTILE_MATRIX_IN_CHILD";
const CHILD_EXIT: &str = "hostile-matrix-exit=";

/// Not an attack: the body of the child process `matrix_in_child` starts (this test binary
/// again, with only this test selected), so that what `cargo xtask matrix` prints on the
/// terminal can be read byte for byte. In a normal test run it has nothing to do.
#[test]
fn matrix_in_a_child_process() {
    let Ok(job) = std::env::var(CHILD_ENV) else { return };
    let (root, args): (PathBuf, Vec<String>) = serde_json::from_str(&job).unwrap();
    let code = xtask(&root, &args);
    println!("{CHILD_EXIT}{code}");
}

/// `cargo xtask matrix` (not quiet) in a child process: exit code, results, stdout, stderr.
fn matrix_in_child(root: &Path, out: &Path, extra: &[&str]) -> (i32, Results, Vec<u8>, Vec<u8>) {
    let job = serde_json::to_string(&(root, matrix_args(out, extra))).unwrap();
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "matrix_in_a_child_process", "--nocapture", "--test-threads=1", "--color", "never"])
        .env(CHILD_ENV, job)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let code = stdout
        .lines()
        .find_map(|l| l.strip_prefix(CHILD_EXIT)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("the child matrix did not finish: {stdout}\n{}", String::from_utf8_lossy(&output.stderr)));
    (code, results::load(out).expect("the matrix wrote results.json"), output.stdout, output.stderr)
}

fn cell<'a>(r: &'a Results, target: &str) -> &'a Cell {
    common::cell(r, WORKLOAD, target)
}

const RIGHT: &str = "hello 42";

/// The cell's first run (every failing cell has exactly one: it leaves the rotation).
fn first_run(c: &Cell) -> &RawRun {
    &c.runs.first().unwrap_or_else(|| panic!("{} has no run: {:?}", c.id, c.reason)).record.raw
}

fn assert_no_problems(problems: Vec<String>) {
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// 0. The survivor check itself

/// A process that escaped (backgrounded by a shell that then exited) is re-parented to this
/// test process and found both ways: as our child and by its marker. Without the subreaper, or
/// with a /proc scan that sees nothing, it would go unseen, and every `finish` in this file
/// would pass whatever survived.
#[test]
fn the_survivor_check_finds_an_escaped_process() {
    let t = Test::begin();
    let status = std::process::Command::new("sh")
        .args(["-c", "sleep 5 </dev/null >/dev/null 2>&1 &"])
        .env("HOSTILE_MARK", t.path())
        .current_dir(t.path())
        .status()
        .unwrap();
    assert!(status.success());
    // The sh has exited, but its background child may not have exec'd `sleep` yet: between
    // fork and exec its cmdline is empty and its environ unreadable. Wait (bounded) for the
    // exec, so the check below sees the process as it will be seen after a real run.
    let until = Instant::now() + Duration::from_secs(5);
    let mut found = survivors(&t.markers());
    while Instant::now() < until && !found.iter().any(|&p| read_lossy(format!("/proc/{p}/cmdline")).starts_with("sleep")) {
        std::thread::sleep(Duration::from_millis(10));
        found = survivors(&t.markers());
    }
    let me = std::process::id() as Pid;
    let described: Vec<String> = found.iter().map(|&p| describe(p)).collect();
    let adopted = found.iter().any(|&p| stat_of(p).is_some_and(|(_, pp)| pp == me));
    let marked = found.iter().any(|&p| read_lossy(format!("/proc/{p}/environ")).contains(&t.path().display().to_string()));
    kill_all(&found);
    assert!(found.len() == 1 && adopted && marked, "the escaped sleep: {described:?} (adopted {adopted}, marked {marked})");
    t.finish();
}

// ---------------------------------------------------------------------------------------------
// 1. Zombies

/// Without continuous reaping (zombies reaped only once the program ends, or never), every
/// sample taken after the re-parenting shows 500 zombies whose parent is the launcher (never
/// reaped, they are not counted as orphans either).
#[test]
fn zombies_re_parented_to_the_launcher_are_reaped_while_the_program_runs() {
    let t = Test::begin();
    let scratch = t.scratch("zombies");
    let mut request = t.request(&program("zombies"), &scratch, &[], 20_000);
    // A zombie holds its pid (and counts against a pids cgroup) until it is reaped.
    request.max_processes = 2000;
    let running = measure::start(&common::launcher(), &request).unwrap();
    let me = std::process::id() as Pid;
    let launchers: Vec<Pid> =
        children_of(me).into_iter().map(|(p, _)| p).filter(|&p| read_lossy(format!("/proc/{p}/cmdline")).contains("__launch")).collect();
    assert_eq!(launchers.len(), 1, "exactly one launcher is a child of the test process: {launchers:?}");
    let launcher = launchers[0];

    struct Sample {
        at: Instant,
        zombies: usize,
        orphaned: bool,
        finishing: bool,
    }
    let done = AtomicBool::new(false);
    let (run, samples) = std::thread::scope(|s| {
        let done = &done;
        let waiter = s.spawn(move || {
            let record = running.wait();
            done.store(true, Ordering::SeqCst);
            record
        });
        let mut samples = Vec::new();
        while !done.load(Ordering::SeqCst) {
            // The markers around the count: `orphaned` before it, `finishing` after it, so a
            // sample counts only zombies of a program that was still in its quiet second.
            let orphaned = scratch.join("orphaned").exists();
            let zombies = children_of(launcher).iter().filter(|(_, state)| *state == 'Z').count();
            let finishing = scratch.join("finishing").exists();
            samples.push(Sample { at: Instant::now(), zombies, orphaned, finishing });
            std::thread::sleep(Duration::from_millis(5));
        }
        (waiter.join().unwrap().expect("the launcher runs"), samples)
    });
    assert_eq!(run.exit, Exit::Code(0), "stderr: {}", run.stderr);
    let first_orphaned = samples.iter().find(|s| s.orphaned).map(|s| s.at).expect("the program re-parented its zombies");
    let settled: Vec<&Sample> =
        samples.iter().filter(|s| s.orphaned && !s.finishing && s.at >= first_orphaned + Duration::from_millis(300)).collect();
    // Each sample scans all of /proc, slow on a loaded machine; a handful is enough.
    assert!(settled.len() >= 5, "only {} samples in the program's quiet second (of {})", settled.len(), samples.len());
    let worst = settled.iter().map(|s| s.zombies).max().unwrap_or(0);
    let peak = samples.iter().map(|s| s.zombies).max().unwrap_or(0);
    assert_eq!(
        worst,
        0,
        "the launcher kept zombies while the program ran: up to {worst} in {} samples taken 300 ms or more after they became its children (peak {peak})",
        settled.len()
    );
    assert!(run.orphans_reaped >= 550, "the launcher reaped {} orphans, expected the 500 + 50 zombies", run.orphans_reaped);
    assert!(!run.cap.as_ref().is_some_and(|c| c.exceeded), "{:?}", run.cap);
    t.finish();
}

// ---------------------------------------------------------------------------------------------
// 2. Orphan workers

/// Without the leftover check the worker would run on for 10 s (the run waits for it, or it
/// outlives the run) and the cell would be ok: its answer is right.
#[test]
fn work_handed_to_an_orphan_is_killed_and_fails_the_cell() {
    let t = Test::begin();
    let (run, took) = t.launch(&t.request(&program("orphan_worker"), &t.scratch("orphan"), &[], 20_000));
    assert_eq!(run.exit, Exit::Code(0), "stderr: {}", run.stderr);
    assert!(run.leftovers >= 1 && run.killed >= 1, "leftovers {} killed {}", run.leftovers, run.killed);
    assert!(took < Duration::from_secs(3), "the run took {took:?}: the 10 s worker was waited for");
    assert!(run.wall_ns < 2_000_000_000, "wall {} ns: the program's own time", run.wall_ns);
    let worker = pid_after(&run.stderr, "worker");
    assert!(gone(worker), "the worker {worker} survived: {}", describe(worker));

    let root = project(&t, RIGHT, 5, &[fixture("c-orphan", Build::C("orphan_worker"), &[])]);
    let (code, r) = matrix(&root, &root.join("out"), &[]);
    let c = cell(&r, "c-orphan");
    assert_eq!(c.status, Status::RunFailed, "{:?}", c.reason);
    assert!(reason(c).contains("left 1 process"), "the reason names what was left behind: {:?}", c.reason);
    assert_eq!(code, 1);
    t.finish();
}

// ---------------------------------------------------------------------------------------------
// 3. Fork chains and fork bombs

/// Runs `name` under a cap of 64 processes: it must be stopped there, promptly, by SIGKILL
/// (a fixture that was not stopped dies of its own SIGALRM after 10 s instead).
fn assert_capped(t: &Test, name: &str) {
    let mut request = t.request(&program(name), &t.scratch(name), &[], 20_000);
    request.max_processes = 64;
    let (run, took) = t.launch(&request);
    let cap = run.cap.clone().expect("a cap record");
    assert!(cap.exceeded && cap.max == 64, "{name}: {cap:?}");
    assert_eq!(run.exit, Exit::Signal(libc::SIGKILL), "{name}: killed by the launcher, not by its own alarm (signal 14)");
    assert!(took < Duration::from_secs(5), "{name}: the run took {took:?} (timeout 20 s)");
    assert!(run.killed >= 2, "{name}: killed {}", run.killed);
}

/// Without the cap the chain reaches 5000 processes and the bomb 2048, each ended only by its
/// own alarm 10 s later (exit SIGALRM, `cap.exceeded` false); without the judgement the cells
/// would fail for some other reason or none.
#[test]
fn fork_chains_and_fork_bombs_are_stopped_at_the_process_cap() {
    let t = Test::begin();
    assert_capped(&t, "fork_chain");
    assert_capped(&t, "fork_loop");
    let root = project(&t, RIGHT, 10, &[fixture("c-chain", Build::C("fork_chain"), &[]), fixture("c-bomb", Build::C("fork_loop"), &[])]);
    let (_, r) = matrix(&root, &root.join("out"), &[]);
    for target in ["c-chain", "c-bomb"] {
        let c = cell(&r, target);
        assert_eq!(c.status, Status::RunFailed, "{target}: {:?}", c.reason);
        assert!(reason(c).contains("cap of 256 processes"), "{target}: {:?}", c.reason);
    }
    t.finish();
}

/// A chain whose every link forks the next and exits never holds more than two processes, so
/// no cap stops it: the launcher must chase it down once the program (the first link) has
/// exited. A launcher that loses the race leaves the chain running until it ends by itself
/// (its last link then leaves `ran-to-the-end`) or until the timeout.
#[test]
fn a_runaway_chain_of_exiting_links_is_chased_down() {
    let t = Test::begin();
    let scratch = t.scratch("runaway");
    let (run, took) = t.launch(&t.request(&program("fork_chain"), &scratch, &[("HOSTILE_MODE", "runaway")], 20_000));
    assert_eq!(run.exit, Exit::Code(0), "the first link exits at once");
    assert!(run.leftovers >= 1 && run.killed >= 1, "leftovers {} killed {}", run.leftovers, run.killed);
    assert!(!scratch.join("ran-to-the-end").exists(), "the chain was not stopped: it ran its 5000 forks (the run took {took:?})");
    assert!(took < Duration::from_secs(3), "the run took {took:?}");
    t.finish();
}

// ---------------------------------------------------------------------------------------------
// 4. A huge single line

const BIG_LINE: u64 = 200_000_000;

/// Without the runaway-line guard the launcher would buffer the whole 200 MB line (its peak RSS
/// past 200 MB); a reason that quotes the program's output unbounded carries a 1 MiB line into
/// results.json (three times: the raw stderr, the run's reason, the cell's) and index.html.
#[test]
fn a_huge_single_line_keeps_the_launcher_small_and_the_report_bounded() {
    let t = Test::begin();
    let mut problems = Vec::new();
    for stream in ["stdout", "stderr"] {
        let request = t.request(&program("huge_line"), &t.scratch(stream), &[("HOSTILE_STREAM", stream)], 60_000);
        let (run, _) = t.launch(&request);
        let (kept, total) = if stream == "stdout" { (run.stdout.len(), run.stdout_bytes) } else { (run.stderr.len(), run.stderr_bytes) };
        assert_eq!(run.exit, Exit::Code(if stream == "stdout" { 0 } else { 1 }), "{stream}");
        assert_eq!(total, BIG_LINE + 1, "{stream}: every byte is counted");
        assert!(kept <= measure::CAPTURE_LIMIT, "{stream}: {kept} bytes kept, past the capture limit");
        assert!(run.launcher_peak_rss_kib < 32 * 1024, "{stream}: the launcher grew to {} KiB", run.launcher_peak_rss_kib);
        if stream == "stdout" {
            assert!(run.protocol.iter().any(|l| l.line == "#bm done"), "the protocol line after the huge line is still seen");
        }
    }
    let root = project(
        &t,
        RIGHT,
        30,
        &[
            fixture("c-huge-stdout", Build::C("huge_line"), &[("HOSTILE_STREAM", "stdout")]),
            fixture("c-huge-stderr", Build::C("huge_line"), &[("HOSTILE_STREAM", "stderr")]),
        ],
    );
    // One matrix per cell: results.json keeps each run's first MiB of output by design.
    for target in ["c-huge-stdout", "c-huge-stderr"] {
        let out = root.join(format!("out-{target}"));
        let (_, r) = matrix(&root, &out, &["--targets", target]);
        let c = cell(&r, target);
        if c.status == Status::Ok {
            problems.push(format!("{target}: the cell is ok"));
        }
        let why = reason(c);
        let longest = why.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        if longest > 500 || why.len() > 5000 {
            problems.push(format!(
                "{target}: the reason is {} bytes, its longest line {longest} characters: {:?}…",
                why.len(),
                why.chars().take(200).collect::<String>()
            ));
        }
        // results.json keeps the run's first MiB of output raw (by design); the files people
        // read need only the bounded reason (a few KiB for one failed cell).
        for (file, limit) in [("results.json", 2_000_000), ("summary.md", 256 << 10), ("index.html", 256 << 10)] {
            let size = std::fs::metadata(out.join(file)).map(|m| m.len()).unwrap_or(0);
            if size >= limit {
                problems.push(format!("{target}: {file} is {size} bytes (limit {limit})"));
            }
        }
    }
    assert_no_problems(problems);
    t.finish();
}

// ---------------------------------------------------------------------------------------------
// 5. A huge correct result

fn huge_result() -> String {
    (0..12_000).map(|i| format!("line {i:05} {:088}\n", 0)).collect()
}

/// Without the length check the first MiB of the result would be compared with the whole
/// expected text and the cell called `wrong-output`, though the program was right.
#[test]
fn a_correct_result_past_the_capture_limit_is_a_run_failure_not_a_wrong_output() {
    let t = Test::begin();
    let (run, _) = t.launch(&t.request(&program("huge_correct"), &t.scratch("huge"), &[], 20_000));
    assert_eq!(run.exit, Exit::Code(0));
    assert_eq!(run.stdout_bytes, 1_200_000);
    assert_eq!(run.stdout.len(), measure::CAPTURE_LIMIT);
    assert!(run.stdout == huge_result()[..measure::CAPTURE_LIMIT], "what is kept is the start of the result");

    let root = project(&t, huge_result().trim_end(), 10, &[fixture("c-huge-correct", Build::C("huge_correct"), &[])]);
    let (_, r) = matrix(&root, &root.join("out"), &[]);
    let c = cell(&r, "c-huge-correct");
    assert_ne!(c.status, Status::WrongOutput, "a silent wrong-output: {:?}", c.reason);
    assert_eq!(c.status, Status::RunFailed, "{:?}", c.reason);
    let why = reason(c);
    assert!(why.contains("limit") && (why.contains("1048576") || why.contains("1 MiB")), "the reason states the limit: {why}");
    t.finish();
}

// ---------------------------------------------------------------------------------------------
// 6. Escape sequences

/// A build failure whose log carries the same sequences (dash's printf understands \033).
const ESC_BUILD: &str = r"printf 'error: \033[2J\033]0;pwned\007\033[8mhidden\033[0m\n' >&2; exit 4";

/// Without escaping, the raw ESC bytes of the program's output, its stderr and the build log
/// would reach the report files and the terminal (clearing it, retitling the window, hiding
/// text).
#[test]
fn escape_sequences_never_reach_the_report_or_the_terminal_raw() {
    let t = Test::begin();
    let (run, _) = t.launch(&t.request(&program("escapes"), &t.scratch("esc"), &[("HOSTILE_MODE", "wrong")], 10_000));
    assert!(run.stdout.contains("\x1b[2J") && run.stderr.contains("\x1b]0;pwned\x07"), "the launcher keeps the output as it came");

    let root = project(
        &t,
        RIGHT,
        5,
        &[
            fixture("c-esc-wrong", Build::C("escapes"), &[("HOSTILE_MODE", "wrong")]),
            fixture("c-esc-crash", Build::C("escapes"), &[("HOSTILE_MODE", "crash")]),
            fixture("sh-esc-build", Build::Fails(ESC_BUILD), &[]),
        ],
    );
    let out = root.join("out");
    let (code, r, stdout, stderr) = matrix_in_child(&root, &out, &[]);
    assert_eq!(code, 1);
    // The sequences did reach the records, so the files below had them to show.
    let wrong = cell(&r, "c-esc-wrong");
    assert_eq!(wrong.status, Status::WrongOutput, "{:?}", wrong.reason);
    assert!(wrong.mismatch.as_ref().is_some_and(|m| m.got.contains('\x1b')), "{:?}", wrong.mismatch);
    let crash = cell(&r, "c-esc-crash");
    assert_eq!(crash.status, Status::RunFailed, "{:?}", crash.reason);
    assert!(reason(crash).contains('\x1b'), "the stderr tail is in the reason: {:?}", crash.reason);
    let build = cell(&r, "sh-esc-build");
    assert_eq!(build.status, Status::BuildFailed, "{:?}", build.reason);
    assert!(reason(build).contains('\x1b'), "{:?}", build.reason);

    let mut problems = Vec::new();
    let files: Vec<(String, Vec<u8>)> = ["summary.md", "index.html", "results.json"]
        .iter()
        .map(|f| (f.to_string(), std::fs::read(out.join(f)).unwrap()))
        .chain([("the matrix's stdout".to_string(), stdout), ("the matrix's stderr".to_string(), stderr)])
        .collect();
    for (name, bytes) in &files {
        if let Some(at) = bytes.iter().position(|&b| b == 0x1b) {
            let around = String::from_utf8_lossy(&bytes[at.saturating_sub(60)..(at + 40).min(bytes.len())]).into_owned();
            problems.push(format!("{name} has a raw ESC at byte {at}: {around:?}"));
        }
        let visible = bytes.windows(4).any(|w| w == b"\\x1b");
        if !visible && name != "results.json" {
            problems.push(format!("{name} does not show the sequences visibly (\\x1b)"));
        }
    }
    assert_no_problems(problems);
    t.finish();
}

// ---------------------------------------------------------------------------------------------
// 7. Writes outside the scratch directory

/// Today nothing looks: both cells are ok, the checkout's workload.toml is changed and a 50 MB
/// file sits in the project's root. The expected behaviour (being implemented by the owner):
/// `run-failed`, with "outside its scratch directory" and the path in the reason.
#[test]
fn writes_outside_the_scratch_directory_fail_the_cell() {
    let t = Test::begin();
    let root = t.path().join("project");
    let victim = root.join("workloads").join(WORKLOAD).join("workload.toml");
    let big = root.join("hostile-50mb.bin");
    let root = project(
        &t,
        RIGHT,
        10,
        &[
            fixture(
                "c-writes-checkout",
                Build::C("outside_writes"),
                &[("HOSTILE_MODE", "checkout"), ("HOSTILE_VICTIM", &victim.display().to_string())],
            ),
            fixture("c-writes-big", Build::C("outside_writes"), &[("HOSTILE_MODE", "big"), ("HOSTILE_BIG", &big.display().to_string())]),
        ],
    );
    let (_, r) = matrix(&root, &root.join("out"), &[]);
    let mut problems = Vec::new();
    for (target, path) in [("c-writes-checkout", "workload.toml"), ("c-writes-big", "hostile-50mb.bin")] {
        let c = cell(&r, target);
        // The attack happened: the program says what it wrote.
        assert!(first_run(c).stderr.contains("wrote"), "{target} did not write: {:?}", first_run(c).stderr);
        if c.status == Status::Ok {
            problems.push(format!("{target}: the cell is ok, though it wrote {path} outside its scratch directory"));
            continue;
        }
        if c.status != Status::RunFailed {
            problems.push(format!("{target}: status {:?}, expected run-failed", c.status));
        }
        let why = reason(c);
        if !why.contains("outside its scratch directory") || !why.contains(path) {
            problems.push(format!("{target}: the reason does not say it wrote {path} outside its scratch directory: {why:?}"));
        }
    }
    assert_no_problems(problems);
    t.finish();
}

// ---------------------------------------------------------------------------------------------
// 8. A tampered cached build

const HONEST: &str = "#!/bin/sh\necho '#bm ready'\necho '#bm iter 0 measured 1000'\necho 'hello 42'\necho '#bm done'\n";
const TAMPERED: &str = "#!/bin/sh\necho '#bm ready'\necho '#bm iter 0 measured 1000'\necho 'tampered 666'\necho '#bm done'\n";

/// Today the cache trusts the directory: the second matrix reuses the build (`cached: true`)
/// and runs the tampered artifact (`wrong-output`, "tampered 666"). The expected behaviour
/// (being implemented by the owner): the build is redone before the cell's first run, the cell
/// is ok with the honest output, and the matrix says why it rebuilt.
#[test]
fn a_tampered_cached_build_is_rebuilt_before_it_runs() {
    let t = Test::begin();
    let root = project(&t, RIGHT, 5, &[fixture("sh-ok", Build::Script(HONEST.to_string()), &[])]);
    let (code, first) = matrix(&root, &root.join("out1"), &[]);
    let c = cell(&first, "sh-ok");
    assert_eq!((code, c.status), (0, Status::Ok), "{:?}", c.reason);
    let build = c.build.clone().expect("a build record");
    assert!(!build.cached, "the first build is built");
    let artifact = xtask::paths::build_dir(&root).join(WORKLOAD).join("sh-ok").join(&build.key[..16]).join("out/main.sh");
    assert!(artifact.is_file(), "the cached artifact is at {}", artifact.display());
    std::fs::write(&artifact, TAMPERED).unwrap();

    let (_, second, stdout, stderr) = matrix_in_child(&root, &root.join("out2"), &[]);
    let c = cell(&second, "sh-ok");
    let mut problems = Vec::new();
    if c.build.as_ref().is_none_or(|b| b.cached) {
        problems.push("the tampered build was reused (cached: true)".to_string());
    }
    if c.status != Status::Ok {
        problems.push(format!("the cell is {:?}, not ok: {:?}", c.status, c.reason));
    }
    if c.runs.iter().any(|run| !run.record.raw.stdout.contains(RIGHT)) {
        problems
            .push(format!("a run printed {:?}, not the honest output", c.runs.iter().map(|r| &r.record.raw.stdout).collect::<Vec<_>>()));
    }
    let terminal = format!("{}{}", String::from_utf8_lossy(&stdout), String::from_utf8_lossy(&stderr));
    if !terminal.lines().any(|l| l.contains("sh-ok") && l.to_lowercase().contains("rebuil")) {
        problems.push(format!("the matrix does not say why it rebuilt sh-ok; it printed:\n{terminal}"));
    }
    assert_no_problems(problems);
    // The control: an untouched build is reused, so `cached: false` above was the tampering.
    let (_, third) = matrix(&root, &root.join("out3"), &[]);
    let c = cell(&third, "sh-ok");
    assert!(c.build.as_ref().is_some_and(|b| b.cached) && c.status == Status::Ok, "{:?} {:?}", c.build, c.reason);
    t.finish();
}

// ---------------------------------------------------------------------------------------------
// 9. stdin readers

/// A program given the launcher's own stdin (the supervisor's control pipe, open for the
/// whole run) would block until the timeout; given a terminal it would wait for a person.
#[test]
fn a_stdin_reader_gets_dev_null_and_ends_at_once() {
    let t = Test::begin();
    let (run, took) = t.launch(&t.request(&program("stdin_reader"), &t.scratch("stdin"), &[], 10_000));
    assert_eq!(run.exit, Exit::Code(0), "{:?}: {}", run.exit, run.stderr);
    assert!(run.stderr.contains("stdin is /dev/null, read 0 bytes"), "{}", run.stderr);
    assert!(took < Duration::from_secs(3), "the run took {took:?}");
    let root = project(&t, RIGHT, 5, &[fixture("c-stdin", Build::C("stdin_reader"), &[])]);
    let (code, r) = matrix(&root, &root.join("out"), &[]);
    let c = cell(&r, "c-stdin");
    assert_eq!((code, c.status), (0, Status::Ok), "{:?}", c.reason);
    t.finish();
}

// ---------------------------------------------------------------------------------------------
// 10. Early stdout close

/// A launcher that took the end of its pipes for the end of the program would report a wall
/// time without the 300 ms of work after the close, no exit status, or a leftover.
#[test]
fn a_program_that_closes_its_stdout_early_is_measured_to_its_exit() {
    let t = Test::begin();
    let (run, _) = t.launch(&t.request(&program("early_close"), &t.scratch("close"), &[], 20_000));
    assert_eq!(run.exit, Exit::Code(0));
    assert_eq!(run.stdout, "hello 42\n");
    let lines: Vec<&str> = run.protocol.iter().map(|l| l.line.as_str()).collect();
    assert_eq!(lines, ["#bm ready", "#bm iter 0 measured 1000", "#bm done"]);
    assert!(run.stderr.contains("still working after closing stdout"), "{:?}", run.stderr);
    assert!(run.cpu_us() >= 280_000, "the 300 ms of CPU after the close were not counted: {} us", run.cpu_us());
    assert!(run.wall_ns >= 290_000_000, "wall {} ns ends before the work did", run.wall_ns);
    assert_eq!((run.leftovers, run.killed), (0, 0));
    assert!(run.peak_rss_kib > 0 && run.stop.is_none(), "peak {} KiB, stop {:?}", run.peak_rss_kib, run.stop);

    let root = project(&t, RIGHT, 10, &[fixture("c-close", Build::C("early_close"), &[])]);
    let (code, r) = matrix(&root, &root.join("out"), &[]);
    let c = cell(&r, "c-close");
    assert_eq!((code, c.status), (0, Status::Ok), "{:?}", c.reason);
    for run in c.measured() {
        assert!(run.raw.wall_ns >= 290_000_000 && run.raw.cpu_us() >= 280_000, "wall {} ns, cpu {} us", run.raw.wall_ns, run.raw.cpu_us());
    }
    t.finish();
}

// ---------------------------------------------------------------------------------------------
// 11. setsid daemons

/// A daemon left its process group and session, moved to / and closed its descriptors: killing
/// the process group or waiting for the pipes misses it. Found through the children of the
/// launcher (a subreaper, so the daemon is its child) it is killed; otherwise it would sleep on
/// (until its own 10 s alarm) and the cell would be ok.
#[test]
fn a_setsid_daemon_is_found_and_killed() {
    let t = Test::begin();
    let (run, took) = t.launch(&t.request(&program("daemon"), &t.scratch("daemon"), &[], 20_000));
    assert_eq!(run.exit, Exit::Code(0), "stderr: {}", run.stderr);
    assert!(run.leftovers >= 1 && run.killed >= 1, "leftovers {} killed {}", run.leftovers, run.killed);
    assert!(took < Duration::from_secs(3), "the run took {took:?}");
    let daemon = pid_after(&run.stderr, "daemon");
    assert!(gone(daemon), "the daemon {daemon} survived: {}", describe(daemon));
    assert!(run.orphans_reaped >= 1, "the daemon was re-parented to the launcher and reaped by it: {}", run.orphans_reaped);

    // Where leftovers are allowed the daemon is waited for, then killed at the timeout.
    let mut waiting = t.request(&program("daemon"), &t.scratch("daemon-wait"), &[], 1_500);
    waiting.leftovers = Leftovers::Wait;
    let (run, took) = t.launch(&waiting);
    assert!(run.killed >= 1, "killed {}", run.killed);
    assert!(took >= Duration::from_millis(1_400) && took < Duration::from_secs(5), "the run took {took:?} (timeout 1.5 s)");
    let daemon = pid_after(&run.stderr, "daemon");
    assert!(gone(daemon), "the daemon {daemon} survived the timeout: {}", describe(daemon));

    let root = project(&t, RIGHT, 5, &[fixture("c-daemon", Build::C("daemon"), &[])]);
    let (_, r) = matrix(&root, &root.join("out"), &[]);
    let c = cell(&r, "c-daemon");
    assert_eq!(c.status, Status::RunFailed, "{:?}", c.reason);
    assert!(reason(c).contains("left 1 process"), "{:?}", c.reason);
    t.finish();
}
