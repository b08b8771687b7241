//! Helpers shared by the integration tests: compiling the C test programs, launching.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use xtask::measure::{self, RawRun, Request, CAPTURE_LIMIT};

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
    Request {
        argv: argv.iter().map(|s| s.to_string()).collect(),
        env: std::env::vars().collect(),
        cwd: std::env::temp_dir(),
        timeout_ms,
        capture_limit: CAPTURE_LIMIT,
    }
}

pub fn launch(argv: &[&str], timeout_ms: u64) -> RawRun {
    measure::run(&launcher(), &request(argv, timeout_ms)).expect("the launcher runs")
}
