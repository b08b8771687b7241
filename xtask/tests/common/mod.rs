//! Helpers shared by the integration tests: compiling the C test programs, launching.
#![allow(dead_code)]

pub mod history;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use xtask::measure::{self, RawRun, Request};

/// Measurement tests take this so two of them never compete for the 2 cores.
pub static SERIAL: Mutex<()> = Mutex::new(());

pub fn launcher() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_xtask"))
}

/// Compiles `tests/programs/<name>.c` once per test binary run; `static_link` where libc.a exists.
pub fn program(name: &str, static_link: bool) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs").join(format!("{name}.c"));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("programs");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join(format!("{name}{}-{}", if static_link { "-static" } else { "" }, std::process::id()));
    if !out.exists() {
        let mut args = vec!["-O2".to_string(), "-o".into(), out.to_string_lossy().into(), src.to_string_lossy().into()];
        if static_link {
            args.insert(0, "-static".into());
        }
        let status = std::process::Command::new("cc").args(&args).status().expect("a C compiler (cc) is needed for the launcher tests");
        assert!(status.success(), "cc {args:?} failed");
    }
    out
}

pub fn request(argv: &[&str], timeout_ms: u64) -> Request {
    Request::new(
        argv.iter().map(|s| s.to_string()).collect(),
        std::env::vars().collect(),
        std::env::temp_dir(),
        std::time::Duration::from_millis(timeout_ms),
    )
}

pub fn launch(argv: &[&str], timeout_ms: u64) -> RawRun {
    measure::run(&launcher(), &request(argv, timeout_ms)).expect("the launcher runs")
}

/// The executable `name` on PATH, as a shell would find it.
pub fn which(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

/// Whether every tool (and file) `what` needs for `lang` is there; if not, skips (returns
/// false) with the reason on stderr, or fails when BENCHMATRIX_REQUIRE_TOOLCHAINS=1.
pub fn toolchain(what: &str, lang: &str, tools: &[&str], files: &[&str]) -> bool {
    use std::io::Write;
    let mut missing: Vec<String> = tools.iter().filter(|t| which(t).is_none()).map(|t| format!("{t} not found on PATH")).collect();
    missing.extend(files.iter().filter(|f| !Path::new(f).is_file()).map(|f| format!("{f} is missing")));
    if missing.is_empty() {
        return true;
    }
    let reason = format!("{lang}: {}", missing.join(", "));
    assert!(std::env::var("BENCHMATRIX_REQUIRE_TOOLCHAINS").as_deref() != Ok("1"), "{reason} (BENCHMATRIX_REQUIRE_TOOLCHAINS=1)");
    // Straight to the stderr handle, not eprintln!: the harness would capture that and show it only on failure.
    let _ = writeln!(std::io::stderr(), "skipped {what} for {reason}");
    false
}

/// `cargo xtask matrix --runs 2 --seed 3 --quiet --out OUT` in this process on the fixture
/// project at `root`: the exit code and the results it wrote.
pub fn matrix_in(root: &Path, out: &Path) -> (i32, xtask::results::Results) {
    use clap::Parser;
    let out_s = out.display().to_string();
    let argv = ["cargo xtask", "matrix", "--runs", "2", "--seed", "3", "--quiet", "--out", &out_s];
    let cli = xtask::cli::Cli::try_parse_from(argv).unwrap();
    let ctx = xtask::cmd::Context {
        root: root.to_path_buf(),
        launcher: launcher(),
        command_line: vec!["test".into()],
        interrupt: Box::leak(Box::new(std::sync::atomic::AtomicBool::new(false))),
    };
    let code = xtask::cmd::exit_code(&cli.run(&ctx));
    (code, xtask::results::load(out).expect("results.json"))
}

/// The cell of `workload` × `target` (no axis: the fixture projects' workloads have none).
pub fn cell<'a>(r: &'a xtask::results::Results, workload: &str, target: &str) -> &'a xtask::results::Cell {
    let id = xtask::ids::CellId::new(workload, None, target);
    r.cell(&id).unwrap_or_else(|| panic!("no cell {id}"))
}

/// Why the cell is not ok ("" when it gives no reason).
pub fn reason(c: &xtask::results::Cell) -> &str {
    c.reason.as_deref().unwrap_or("")
}
